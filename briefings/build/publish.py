"""Publishing: turning the current state of each briefing into a numbered edition.

Contract: :func:`publish` builds the selected briefings as
:func:`briefings.build.orchestrate.build` does, under the same lock, and for each whose
content (its snapshot's content, see :mod:`briefings.render.snapshot`) differs from
its last edition records a new edition: numbered one more than the last
(from 1), dated the day of ``now``, its files kept under
``output/editions/<briefing-id>/`` (:mod:`briefings.editions.store`), and the
drafts in ``output/`` rendered as that edition. A briefing whose content is
unchanged is "unchanged since edition N" and nothing is written for it.

It never raises for a problem of one briefing: each briefing's outcome is in
:attr:`PublishReport.results`, and a broken topic file stops only the
briefings that use it. Problems that touch every briefing (``briefings.yaml``,
the references, a template) make every selected briefing fail, with those
problems. It raises :class:`~briefings.errors.ProblemsFound` only when the
run cannot start at all: the lock is held too long, ``--only`` names an
unknown briefing, or such problems leave no briefing to fail with them. A
caller that must decide what to publish under the lock (``briefings
schedule``: what is due depends on a state file a concurrent run writes)
takes the lock itself and passes it as ``lock``; publish then uses it and
leaves releasing it to the caller. Unlike a build, publish takes the
lock (creating ``output/`` if need be) before it reads the last editions,
so that two publishes never number the same edition.

With ``dry_run=True`` it says what a publish would do and writes nothing at
all: no edition, no draft, no manifest, no cache, not even ``output/`` or the
lock file (it takes no lock, and reads what is on disk when it runs). It
renders each selected briefing's snapshot in memory, which is all that
decides whether it is a new edition and what changed; its templates are not
rendered, so a template error shows only in a real run. The results are those
a publish would report (``published`` meaning "would be published", with the
edition number and "what changed"); :attr:`PublishReport.dry_run` says so.

The warnings reported are those of the briefings published
(:func:`warnings_for`): a warning located in a topic file that none of them
uses is left out, so that ``--only X`` and a scheduled run of X do not repeat
every other topic's warnings.

Publishing is a build (:attr:`briefings.build.orchestrate.BuildOptions.publish_at`),
so it lives with the build; the editions themselves (:mod:`briefings.editions.store`,
:mod:`briefings.editions.changes`) are a layer below it, because every build
renders each briefing as its latest edition or as a draft after one.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from briefings.build.orchestrate import BuildOptions, BuildReport, run_locked
from briefings.editions.changes import summary_lines
from briefings.errors import Problem, ProblemsFound
from briefings.files import check_output_directory
from briefings.lock import BuildLock
from briefings.paths import REFERENCES_FILE, TOPICS_DIR
from briefings.project.loader import load_project_partially
from briefings.project.model import Project

Outcome = Literal["published", "unchanged", "failed"]


@dataclass
class PublishResult:
    briefing_id: str
    outcome: Outcome
    #: The edition published, or the latest edition when unchanged; None when there is none.
    edition: int | None = None
    #: The date of that edition.
    edition_date: datetime.date | None = None
    problems: list[Problem] = field(default_factory=list)
    #: "What changed" as terminal lines (empty when unchanged or failed).
    summary: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class PublishReport:
    results: list[PublishResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    #: A dry run: nothing was written, and "published" means "would be published".
    dry_run: bool = False

    @property
    def failed(self) -> bool:
        return any(result.outcome == "failed" for result in self.results)


def publish(root: Path, *, only: Sequence[str] = (), now: datetime.datetime | None = None,
            wait: float = 300.0, jobs: int | None = None,
            archive_dir: Path | str | None = None, lock: BuildLock | None = None,
            audience: str | None = None, dry_run: bool = False,
            edition_dates: Mapping[str, datetime.date] | None = None) -> PublishReport:
    """Publish the briefings of ``root`` (``only`` some of them) as of ``now`` (default: the clock).

    ``archive_dir`` overrides the project's archive directory (see :mod:`briefings.audit.auditor`), ``audience``
    every briefing's audience (an edition's files are then rendered for it; the edition is the same). ``lock`` is the
    project's lock, already taken by the caller (``wait`` is then unused); without it publish takes its own.
    ``edition_dates`` dates the new edition of a briefing it names on that day instead of ``now``'s (a scheduled
    run: the day of the scheduled time the edition stands for)."""
    started = time.monotonic()
    moment = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    root = Path(root)
    report = PublishReport(dry_run=dry_run)
    if dry_run:
        # No lock (taking it would create or touch output/.briefings/lock) and nothing written (write=False);
        # the snapshots alone decide what would be published.
        options = BuildOptions(only=only, jobs=jobs, publish_at=moment, isolate=True, archive_dir=archive_dir,
                               write=False, formats=("json",), edition_dates=edition_dates)
        try:
            built = run_locked(root, BuildLock(root, wait), options)
        except ProblemsFound as error:
            return _failed_everywhere(root, only, error, report)
        return _results(built, only, report, time.monotonic() - started)
    with nullcontext(lock) if lock is not None else BuildLock(root, wait) as held:
        if not check_output_directory(root):
            # Taken before the last editions are read, even on a first publish (output/ absent, which a plain
            # build leaves so): two publishes deciding "edition 1" at once would both write one.
            held.take()
        try:
            built = run_locked(root, held, BuildOptions(only=only, jobs=jobs, publish_at=moment, isolate=True,
                                                        archive_dir=archive_dir, audience=audience,
                                                        edition_dates=edition_dates))
        except ProblemsFound as error:
            return _failed_everywhere(root, only, error, report)
    return _results(built, only, report, time.monotonic() - started)


def _failed_everywhere(root: Path, only: Sequence[str], error: ProblemsFound, report: PublishReport
                       ) -> PublishReport:
    """Problems that stop every briefing: each selected one fails with them (or they are raised)."""
    if any(problem.path == "--only" for problem in error.problems):
        raise error
    declared = _declared(load_project_partially(root)[0], only)
    if not declared:
        # None to fail with them (the only entry of briefings: was refused, say): the run fails,
        # rather than report nothing to publish and succeed.
        raise error
    for briefing_id in declared:
        report.results.append(PublishResult(briefing_id, "failed", problems=list(error.problems)))
    return report


def _results(built: BuildReport, only: Sequence[str], report: PublishReport, seconds: float) -> PublishReport:
    """The report of a publish (or dry run) that ran: each briefing's outcome, and the warnings of those."""
    declared = _declared(built.project, only)
    report.warnings = warnings_for(built.project, declared, built.warnings)
    for briefing_id, problems in built.failed.items():
        report.results.append(PublishResult(briefing_id, "failed", problems=list(problems), seconds=seconds))
    for briefing_id, state in built.editions.items():
        if briefing_id in built.failed:
            continue
        if briefing_id in built.published or (report.dry_run and state.pending):
            report.results.append(PublishResult(briefing_id, "published", state.number, state.date,
                                                summary=summary_lines(state.changes), seconds=seconds))
        else:
            report.results.append(PublishResult(briefing_id, "unchanged", state.number, state.date,
                                                seconds=seconds))
    order = {briefing_id: index for index, briefing_id in enumerate(declared)}
    report.results.sort(key=lambda result: (order.get(result.briefing_id, len(order)), result.briefing_id))
    return report


def warnings_for(project: Project, briefing_ids: Sequence[str], warnings: Sequence[Problem]) -> list[Problem]:
    """``warnings`` less those about what none of ``briefing_ids`` uses: located in a topic file none of them
    uses, or about a reference (in the references file, ``reference 'ID': …``) none of them cites."""
    wanted = set(briefing_ids)
    topics = [topic for briefing in project.briefings if briefing.id in wanted for topic in briefing.topics]
    used = {topic.id for topic in topics}
    cited = {source for topic in topics for item in (*topic.facts, *topic.figures) for source in item.sources}
    prefix = f"{TOPICS_DIR}/"
    kept = []
    for warning in warnings:
        name = warning.path[len(prefix):] if warning.path.startswith(prefix) else ""
        if name and "/" not in name and name.endswith((".yaml", ".yml")) and name.rsplit(".", 1)[0] not in used:
            continue
        about = _REFERENCE_WARNING.match(warning.message) if warning.path == REFERENCES_FILE else None
        if about and about.group(1) not in cited:
            continue
        kept.append(warning)
    return kept


#: How a warning about one reference begins (briefings.audit.checker, briefings.project.crosscheck).
_REFERENCE_WARNING = re.compile(r"reference '([^']*)'")


def _declared(project: Project, only: Sequence[str]) -> list[str]:
    """The briefings a publish run is about: ``only``, or every briefing the project declares."""
    if only:
        return list(dict.fromkeys(only))
    declared = project.settings.briefings
    return [str(key) for key in declared] if declared is not None else [briefing.id for briefing in project.briefings]
