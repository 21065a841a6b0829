"""Planning a build: which briefings, rendered as which edition, dated when, and which of their outputs.

Contract: given the loaded project, the last build's manifest
(:mod:`briefings.build.manifest`) and the build's fingerprints
(:mod:`briefings.build.fingerprint`), :func:`plan_briefing` makes a
:class:`Plan` for one briefing: the formats to render (none when every
output is up to date: same fingerprint, same date shown, file as the
manifest recorded it), the date it shows as "generated" and what it is
rendered as. Nothing here renders or writes.

The date a briefing shows is the date its content last changed: the date
recorded for it unless the inputs of any of its outputs changed, then the
build's time (``SOURCE_DATE_EPOCH``, or the ``generated`` argument, wins
when given; :func:`briefings.build.clock.generation_time`). So a build with nothing new on a later
day changes nothing, and ``force`` renders again without changing the date.

Each briefing is rendered as its latest edition or as a draft after it
(:func:`edition_states`, :mod:`briefings.editions.store`); when publishing,
one whose content differs from its last edition is planned as the next
edition. :func:`select_briefings` resolves ``--only``; :func:`isolate` says
which briefings a problem in a topic file stops, so that the others build.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefings.build import clock
from briefings.build.fingerprint import Fingerprints
from briefings.build.manifest import Manifest, OutputRecord, library_versions, load_manifest
from briefings.editions.store import edition_state, latest_edition
from briefings.errors import Problem, ProblemsFound, did_you_mean
from briefings.files import FileProblem
from briefings.paths import EDITIONS_NAME, TOPICS_DIR
from briefings.project.model import Briefing, Project
from briefings.render.edition_state import EditionState, never_published
from briefings.render.snapshot import make_snapshot


@dataclass
class Plan:
    """What to render for one briefing: ``formats`` is empty when its outputs are up to date."""

    briefing: Briefing
    formats: tuple[str, ...]
    generated: datetime.datetime
    #: The briefing's data fingerprint (:meth:`Fingerprints.data`); empty when nothing is recorded (``check``).
    data: str
    edition: EditionState
    today: datetime.date


def select_briefings(project: Project, only: Iterable[str]) -> list[Briefing]:
    """The briefings ``only`` names (all when it names none), in the project's order; unknown names are problems."""
    only = list(dict.fromkeys(only))
    if not only:
        return list(project.briefings)
    known = {briefing.id for briefing in project.briefings}
    unknown = [briefing_id for briefing_id in only if briefing_id not in known]
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        problems = []
        for briefing_id in unknown:
            hint = did_you_mean(briefing_id, sorted(known), cutoff=0.6)
            problems.append(Problem("--only", None, f"unknown briefing '{briefing_id}'{hint} (briefings: {names})"))
        raise ProblemsFound(problems)
    return [briefing for briefing in project.briefings if briefing.id in only]


def isolate(project: Project, problems: list[Problem], only: Sequence[str]
            ) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Split problems into those that stop only some briefings (in a topic file) and those that stop all.

    Returns the briefings stopped, with their problems, and the problems that stop every briefing: when
    there is any of those, no briefing is singled out.
    """
    by_topic: dict[str, list[Problem]] = {}
    general: list[Problem] = []
    prefix = f"{TOPICS_DIR}/"
    for problem in problems:
        name = problem.path[len(prefix):] if problem.path.startswith(prefix) else ""
        if name and "/" not in name and name.endswith((".yaml", ".yml")):
            by_topic.setdefault(name.rsplit(".", 1)[0], []).append(problem)
        else:
            general.append(problem)
    if general:
        return {}, problems
    declared = project.settings.briefings
    topics_of = ({briefing_id: entry.get("topics") if isinstance(entry, dict) else None
                  for briefing_id, entry in declared.items()} if declared is not None
                 else {topic_id: [topic_id] for topic_id in by_topic})
    blocked: dict[str, list[Problem]] = {}
    for briefing_id, topic_ids in topics_of.items():
        if only and briefing_id not in only:
            continue
        touched = [problem for topic_id in (topic_ids if isinstance(topic_ids, list) else [])
                   if isinstance(topic_id, str) for problem in by_topic.get(topic_id, [])]
        if touched:
            blocked[str(briefing_id)] = touched
    return blocked, []


def edition_states(root: Path, output_dir: Path, project: Project, briefings: list[Briefing], *,
                   publish_at: datetime.datetime | None, today: datetime.date, isolate: bool,
                   edition_dates: Mapping[str, datetime.date] | None = None
                   ) -> tuple[list[Briefing], dict[str, EditionState], dict[str, list[Problem]]]:
    """Whether each briefing is rendered as its latest edition or as a draft after it, and what changed.

    Returns the briefings that can be planned, the state of each, and the briefings whose editions could
    not be read, with the problem (only when ``isolate``; otherwise that problem is raised). A new edition
    is dated ``edition_dates[id]`` when given, else the day of ``publish_at``, but never before the edition
    it follows.
    """
    kept: list[Briefing] = []
    states: dict[str, EditionState] = {}
    failed: dict[str, list[Problem]] = {}
    # A project that never published (nor publishes now) has every briefing a draft: told with one look.
    if publish_at is None and not os.path.lexists(output_dir / EDITIONS_NAME):
        return list(briefings), {briefing.id: never_published() for briefing in briefings}, failed
    for briefing in briefings:
        try:
            latest = latest_edition(output_dir, root, briefing.id)
        except FileProblem as error:
            if not isolate:
                raise ProblemsFound([error.problem]) from None
            failed[briefing.id] = [error.problem]
            continue
        kept.append(briefing)
        if latest is None and publish_at is None:
            # Never published: a draft with nothing to compare with (the snapshot is not needed to say so).
            states[briefing.id] = never_published()
            continue
        current = make_snapshot(project, briefing, today=today)
        publishing = ((edition_dates or {}).get(briefing.id) or publish_at.date()) if publish_at else None
        if publishing is not None and latest is not None and publishing < latest.date:
            publishing = latest.date  # never dated before the edition it follows (one published by hand since)
        states[briefing.id] = edition_state(latest, current, publishing=publishing)
    return kept, states, failed


def last_manifest(root: Path, output_dir: Path, write: bool) -> Manifest:
    """The last build's manifest, or an empty one saying why it cannot be used (``write=False``: always empty)."""
    manifest = load_manifest(output_dir, root) if write else Manifest()
    if write and manifest.notice is None and manifest.briefings and manifest.versions != library_versions():
        manifest = Manifest(notice="briefings or a rendering library changed version since the last build: "
                                   "rebuilding everything")
    return manifest


def plan_briefing(briefing: Briefing, wanted: tuple[str, ...], manifest: Manifest, fingerprints: Fingerprints,
                  fixed_time: datetime.datetime | None, output_dir: Path, write: bool, force: bool,
                  edition: EditionState, today: datetime.date) -> Plan:
    """The plan for one briefing: every format in ``wanted`` whose output is not up to date (all with
    ``force``, or without ``write``), dated ``fixed_time``, else when its content last changed."""
    if not write:  # check: everything renders, nothing is recorded
        return Plan(briefing, wanted, fixed_time or clock.now(), "", edition, today)
    data = fingerprints.data(briefing, edition, today)
    record = manifest.briefings.get(briefing.id)
    if record is None:
        return Plan(briefing, wanted, fixed_time or clock.now(), data, edition, today)

    def inputs_unchanged(output_format: str, output: OutputRecord) -> bool:
        shown = fixed_time.isoformat() if fixed_time else output.generated
        return output.fingerprint == fingerprints.output(data, output_format, shown, output.reads,
                                                         output.uses_all_references)

    # If the inputs of any output changed, the content changed: every output then shows a new date.
    if not all(inputs_unchanged(name, output) for name, output in record.outputs.items()):
        return Plan(briefing, wanted, fixed_time or clock.now(), data, edition, today)
    generated = fixed_time.isoformat() if fixed_time else record.generated
    stale = wanted if force else tuple(
        name for name in wanted if name not in record.outputs or record.outputs[name].generated != generated
        or not record.outputs[name].file.matches(output_dir / f"{briefing.id}.{name}"))
    # (--force renders again, but the content did not change: the date it shows stays.)
    return Plan(briefing, stale, datetime.datetime.fromisoformat(generated), data, edition, today)
