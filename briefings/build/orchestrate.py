"""The build: read → plan → render → write, over a whole project.

Contract: :func:`build` runs the pipeline over the project at ``root`` with
one :class:`BuildOptions` and returns a :class:`BuildReport`. Problems with
the project's data, every template of the project (syntax, encoding,
location), the briefings' named templates and ``output/`` itself are gathered
before anything is rendered and reported together; a project with such
problems builds nothing.

The steps, each in its own module:

- read (:func:`_read`): load and audit the project (:mod:`briefings.audit.project_audit`,
  answered where it can be by the parse cache, :mod:`briefings.build.cache`, and,
  for topics unchanged since the last complete build, by its record of their
  checks, :func:`briefings.build.quick.reusable_topics`),
  compile every template, vet ``output/`` (:mod:`briefings.build.writer`);
- plan (:mod:`briefings.build.plan`): select the briefings (``--only``,
  :mod:`briefings.build.shard`), decide whether each is rendered as its latest
  edition or as a draft after it (:mod:`briefings.editions.store`), and render
  again only the outputs whose fingerprint (:mod:`briefings.build.fingerprint`)
  differs from the one the last build recorded (:mod:`briefings.build.manifest`),
  or that are missing or were edited since; ``force=True`` renders everything.
  Deciding that nothing changed imports no WeasyPrint;
- render (:mod:`briefings.build.workers`): in ``jobs`` worker processes;
  output, messages and the manifest do not depend on ``jobs``;
- write (:mod:`briefings.build.writer`): each briefing as soon as it is
  rendered, all or nothing, then the manifest, last and atomically; a build
  without problems then records what it read (:mod:`briefings.build.quick`),
  so that the next build with nothing new is answered without loading.

Python's cycle collector is paused while the project is read and the project
frozen while it renders (:func:`_collector_paused`): the project lives as
long as the build, and each collection rescanned all of it.

A problem in one briefing (a template error, a PDF over its time limit) is
reported with its ``path:LINE`` and that briefing's outputs stay as they
were, while the other briefings are written; the build then fails with
exit 1. Every build also writes each briefing's JSON snapshot
(``output/<id>.json``, :mod:`briefings.render.snapshot`) unless particular
formats were asked for. Publishing (:mod:`briefings.build.publish`) is this
build with :attr:`BuildOptions.publish_at`: a briefing whose content differs
from its last edition becomes the next edition, its files kept under
``output/editions/`` before the drafts are replaced.

Warnings (topics past their review date, facts resting only on weak
sources, anything WeasyPrint complains about) are returned in
:attr:`BuildReport.warnings` and logged to the ``briefings`` logger; with
``strict=True`` they fail the build like errors (a project's warnings before
anything is rendered, a briefing's own when it renders). Acknowledged
warnings are in :attr:`BuildReport.acknowledged` and never fail it.
"""

from __future__ import annotations

import datetime
import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from briefings.audit.project_audit import load_and_audit_partially
from briefings.audit.results import Finding
from briefings.build.cache import ParseCache
from briefings.build.clock import build_day, generation_time
from briefings.build.fingerprint import Fingerprints
from briefings.build.manifest import Manifest, save_manifest
from briefings.build.plan import (
    Plan,
    edition_states,
    isolate,
    last_manifest,
    plan_briefing,
    select_briefings,
)
from briefings.build.quick import RecordedTopic, reusable_topics, save_record
from briefings.build.report import BuildOptions, BuildReport
from briefings.build.scan import scan_sources
from briefings.build.shard import select_shard
from briefings.build.workers import render_all
from briefings.build.writer import (
    Output,
    keep_edition,
    output_of,
    remove_stale,
    remove_stale_temporaries,
    write_briefing,
)
from briefings.errors import Problem, ProblemsFound, Severity
from briefings.files import check_output_directory
from briefings.lock import BuildLock
from briefings.paths import BUILD_FORMATS, DEFAULT_WAIT, MANIFEST_PATH, OUTPUT_DIR
from briefings.project.model import Project
from briefings.render.briefing import RenderedBriefing
from briefings.render.checks import check_templates
from briefings.render.environment import BriefingSandbox, make_environment

logger = logging.getLogger("briefings")


def build(root: Path, options: BuildOptions | None = None, *, wait: float = DEFAULT_WAIT,
          on_wait: Callable[[], None] | None = None, sources: dict[str, Any] | None = None,
          **keywords: Any) -> BuildReport:
    """Build the briefings of the project at ``root``; see the module docstring.

    ``keywords`` are fields of :class:`BuildOptions`, given one by one or
    replacing those of ``options``: ``build(root, only=["a"], jobs=1)``. The
    build holds the project's lock (:mod:`briefings.lock`), waiting up to
    ``wait`` seconds for another build and calling ``on_wait`` once if it has to.
    ``sources``: the caller's :func:`~briefings.build.scan.scan_sources` of the
    project, made just before (:mod:`briefings.build.entry`), not made again.
    """
    options = replace(options or BuildOptions(), **keywords)
    with BuildLock(Path(root), wait, on_wait=on_wait) as lock:  # released however the build ends
        return run_locked(Path(root), lock, options, sources)


def run_locked(root: Path, lock: BuildLock, options: BuildOptions,
               sources: dict[str, Any] | None = None) -> BuildReport:
    """The build, for a caller that holds the project's lock (:func:`build`, :mod:`briefings.build.publish`)."""
    started = time.monotonic()
    fixed_time = options.generated or options.publish_at or generation_time()
    today = build_day(fixed_time)
    # Read before the project is, so that a file edited while the build runs is a change to the next build.
    if sources is None and options.write and options.publish_at is None:
        sources = scan_sources(root)
    elif not options.write or options.publish_at is not None:
        sources = None
    with _collector_paused() as project_read:
        project, environment, cache, blocked, recorded = _read(root, lock, options, today, fixed_time, sources)
        project_read()
        report = BuildReport(project=project, warnings=list(project.warnings),
                             acknowledged=list(project.acknowledged), failed=blocked,
                             briefing_count=len(project.briefings))
        plans, manifest, fingerprints, wanted = _plan(root, options, report, fixed_time, today, recorded)
        problems = _render_and_write(root, lock, options, report, environment, plans, manifest, fingerprints)
        if options.write and (root / OUTPUT_DIR).is_dir():  # absent only when nothing could be written at all
            _write_bookkeeping(root, options, report, manifest, cache)
            if not problems:
                save_record(root, report, options, fixed_time, today, sources, wanted,
                            [plan.briefing.id for plan in plans], fingerprints.topic_digests())
    for warning in report.warnings:
        logger.warning("%s", warning)
    report.seconds = time.monotonic() - started
    if problems and not options.isolate:
        raise ProblemsFound(problems)
    return report


@contextmanager
def _collector_paused() -> Iterator[Callable[[], None]]:
    """Python's cycle collector paused while the project is read; then, once the block calls the function it
    is given, the project is frozen (out of the collector's reach) and collection resumes for the rendering.

    The project lives as long as the build, yet each collection rescanned every one of its objects: half the
    time of loading and auditing 1,000 topics. When the build ends the project is released (a long-running
    caller, ``watch`` or ``serve``, collects the last build's project like any other garbage).
    """
    enabled = gc.isenabled()
    gc.disable()

    def project_read() -> None:
        gc.freeze()
        if enabled:
            gc.enable()

    try:
        yield project_read
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _read(root: Path, lock: BuildLock, options: BuildOptions, today: datetime.date,
          fixed_time: datetime.datetime | None, sources: dict[str, Any] | None
          ) -> tuple[Project, BriefingSandbox, ParseCache | None, dict[str, list[Problem]],
                     dict[str, RecordedTopic] | None]:
    """The project, its template environment and parse cache, the briefings problems stop (``isolate``), and
    what the last complete build recorded of the topics whose file did not change.

    The loader's cross-checks and the audit run again only for the topics whose file changed since the last
    complete build, when nothing else they read did (:func:`briefings.build.quick.reusable_topics`): the
    others' warnings are those that build recorded (the checks of the day run anyway), and their audit
    checks run when a briefing showing them is rendered. Raises every problem found before rendering at once
    (with ``strict``, the project's warnings too).
    """
    output_problems = check_output_directory(root) if options.write else []
    if options.write and not output_problems:
        # Before reading the last build's manifest and cache, so that they are not changing underfoot;
        # while output/ does not exist there is nothing to read (and a failed build must not create it).
        lock.take(create=False)
    # The parse cache lives in output/: used only once output/ is known to be ours.
    cache = ParseCache(root / OUTPUT_DIR, root, sources["files"] if sources else None) \
        if options.write and not output_problems else None
    reused = reusable_topics(root, options, fixed_time, sources) if cache is not None else None
    project, problems = _load(root, today, cache, options.archive_dir, reused)
    if options.audience is not None:
        project = replace(project, briefings=tuple(replace(briefing, audience=options.audience)
                                                   for briefing in project.briefings))
    environment = make_environment(root, template_seconds=project.settings.limits.template_seconds)
    problems = [*problems, *check_templates(project), *output_problems]
    blocked: dict[str, list[Problem]] = {}
    if problems and options.isolate:
        blocked, problems = isolate(project, problems, options.only)
    if problems:
        raise ProblemsFound(problems)
    if options.strict and project.warnings:
        raise ProblemsFound([_strict(warning) for warning in project.warnings])
    return project, environment, cache, blocked, reused


def _load(root: Path, today: datetime.date, cache: ParseCache | None, archive_dir: Path | str | None,
          reused: dict[str, RecordedTopic] | None) -> tuple[Project, list[Problem]]:
    """The project as far as it could be read, audited, and its problems (:mod:`briefings.audit.project_audit`)."""
    checks = None if reused is None else {topic_id: (topic.digest, topic.checks) for topic_id, topic in reused.items()}
    findings = None if reused is None else {
        topic_id: (topic.digest, [Finding(problem, about) for about, problem in topic.findings])
        for topic_id, topic in reused.items()}
    return load_and_audit_partially(root, today=today, cache=cache, archive_dir=archive_dir, recorded=findings,
                                    recorded_checks=checks)


def _plan(root: Path, options: BuildOptions, report: BuildReport, fixed_time: datetime.datetime | None,
          today: datetime.date, recorded: dict[str, RecordedTopic] | None
          ) -> tuple[list[Plan], Manifest, Fingerprints, tuple[str, ...]]:
    """A plan for each selected briefing (:mod:`briefings.build.plan`), the last build's manifest, the
    fingerprints the plans were made with and the formats wanted; records the editions, failures and the
    notice in ``report``."""
    project, output_dir = report.project, root / OUTPUT_DIR
    selectable = [name for name in options.only if name not in report.failed]
    selected = select_shard(select_briefings(project, selectable) if selectable or not options.only else [],
                            options.shard)
    briefings, report.editions, failed = edition_states(root, output_dir, project, selected,
                                                        publish_at=options.publish_at, today=today,
                                                        isolate=options.isolate,
                                                        edition_dates=options.edition_dates)
    report.failed.update(failed)
    # The JSON snapshot is always made, unless the caller asked for particular formats only.
    wanted = tuple(name for name in BUILD_FORMATS if name in (options.formats or (*project.settings.formats, "json")))
    # Loaded even with --force: the records of briefings not built this time must survive it.
    manifest = last_manifest(root, output_dir, options.write)
    report.notice = manifest.notice
    fingerprints = Fingerprints(project, {topic_id: (topic.digest, topic.data) for topic_id, topic in
                                          (recorded or {}).items() if topic.data is not None})
    # A publish run dates only its new editions: a briefing unchanged since its last edition is planned as a
    # plain build would plan it, so that its outputs are not rewritten just because the clock moved on.
    publishing = options.publish_at is not None and options.generated is None
    unchanged_time = generation_time() if publishing else fixed_time
    plans = [plan_briefing(briefing, wanted, manifest, fingerprints,
                           fixed_time if report.editions[briefing.id].pending else unchanged_time, output_dir,
                           options.write, options.force, report.editions[briefing.id], today)
             for briefing in briefings]
    report.up_to_date = [plan.briefing.id for plan in plans if not plan.formats]
    return plans, manifest, fingerprints, wanted


def _render_and_write(root: Path, lock: BuildLock, options: BuildOptions, report: BuildReport,
                      environment: BriefingSandbox, plans: list[Plan], manifest: Manifest,
                      fingerprints: Fingerprints) -> list[Problem]:
    """Render the briefings whose outputs are stale and write each as soon as it is rendered (unless
    ``options.write`` is false); returns the problems that fail the build, also recorded in ``report``."""
    project = report.project
    problems: list[Problem] = []
    shown = set(report.warnings)  # (a set: one look-up per warning, not a scan of all those so far)

    def add_warnings(warnings: list[Problem]) -> None:
        for warning in warnings:
            if warning not in shown:
                shown.add(warning)
                report.warnings.append(warning)

    for plan in plans:
        if not plan.formats and plan.briefing.id in manifest.briefings:
            # Not rendered again: its last rendering's warnings still stand.
            replayed = [Problem(path, line, message, Severity.WARNING, code)
                        for path, line, message, code in manifest.briefings[plan.briefing.id].warnings]
            add_warnings(replayed)
            if options.strict:
                problems.extend(_strict(warning) for warning in replayed)

    to_render = [plan for plan in plans if plan.formats]
    pdf_seconds = options.pdf_timeout or project.settings.limits.pdf_seconds
    # Each briefing is written as it arrives (in whatever order the workers finish); what the report says of
    # it is kept by plan, and put in the order of the plans at the end, whatever the number of jobs.
    done: dict[int, _Done] = {}
    for index, result in render_all(project, environment, to_render, pdf_seconds, options.jobs, options.progress):
        done[index] = _write_one(root, lock, options, report, to_render[index], result, manifest, fingerprints)
    for index in range(len(to_render)):
        briefing_id, item = to_render[index].briefing.id, done[index]
        add_warnings(item.warnings)
        if item.failed:
            problems.extend(item.failed)
            report.failed[briefing_id] = item.failed
            continue
        report.outputs.extend(item.outputs)
        report.rendered.append(briefing_id)
        if item.published is not None:
            report.published[briefing_id] = item.published
        report.written.extend(item.written)
    return problems


@dataclass
class _Done:
    """What the report says of one rendered briefing."""

    warnings: list[Problem]
    failed: list[Problem] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    published: list[Path] | None = None


def _write_one(root: Path, lock: BuildLock, options: BuildOptions, report: BuildReport, plan: Plan,
               result: RenderedBriefing, manifest: Manifest, fingerprints: Fingerprints) -> _Done:
    """Write one rendered briefing (unless ``options.write`` is false) and say what the report is to say of it."""
    item = _Done(list(result.warnings))
    item.failed = list(result.problems)
    if options.strict:
        item.failed += [_strict(warning) for warning in result.warnings]
    if item.failed:
        return item
    outputs = [output_of(root, plan.briefing, name, data) for name, data in sorted(
        result.outputs.items(), key=lambda pair: BUILD_FORMATS.index(pair[0]))]
    if not options.write:
        item.outputs = outputs  # nothing written: the caller reads the bytes
        return item
    lock.take()  # (already held unless output/ did not exist when the build began)
    try:
        if plan.edition.pending:
            # The edition first: if the build stops before the drafts are replaced,
            # the next build finds the edition and renders them as it.
            assert report.project is not None
            item.published = keep_edition(root, report.project, plan, result)
        item.written = write_briefing(root, plan, result, outputs, manifest, fingerprints)
    except ProblemsFound as error:
        item.failed = list(error.problems)
        return item
    item.outputs = [output.written() for output in outputs]  # their bytes are in the files now
    return item


def _write_bookkeeping(root: Path, options: BuildOptions, report: BuildReport, manifest: Manifest,
                       cache: ParseCache | None) -> None:
    """After the outputs: remove those of briefings gone, save the manifest (only if anything changed: a
    no-op build writes nothing) and the parse cache, and remove temporary files a killed build left."""
    output_dir = root / OUTPUT_DIR
    report.removed = remove_stale(root, report.project, manifest, keep=report.failed.keys())
    if report.written or report.removed or report.rendered or manifest.notice or options.force \
            or not (output_dir / MANIFEST_PATH).exists():
        save_manifest(output_dir, manifest)
    if cache is not None:
        cache.save()
    remove_stale_temporaries(output_dir)


def _strict(warning: Problem) -> Problem:
    return Problem(warning.path, warning.line,
                   f"{warning.message}{f' [{warning.code}]' if warning.code else ''} (--strict)")
