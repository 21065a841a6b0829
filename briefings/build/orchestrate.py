"""The build orchestrator: load → validate → plan → render → write → manifest.

Contract: :func:`build` runs the whole pipeline over a project and returns a
:class:`BuildReport`. Problems with the project's data, every template of the
project (syntax, encoding, location), the briefings' named templates and
``output/`` itself are gathered before anything is rendered and reported
together; a project with such problems builds nothing.

Builds are incremental. :mod:`briefings.build.manifest` records, for each output,
a fingerprint of everything that determined its bytes: the briefing's entry,
the settings it shows, its topics and the references it cites (as validated
data, so a comment or re-indentation changes nothing), the SHA-256 of the
archived copy of each cited reference that has one (as the attribution audit
read it, or None when absent), every template file
looked up to render it (through ``extends``, ``include``, ``import`` and
``builtin/``, and the project files that would have overridden them), every
file WeasyPrint asked for while making its PDF, the versions of briefings and
the rendering libraries, and the date it shows. An output is rendered again
only when that fingerprint changed, when it is missing, or when it was edited
or replaced since it was written; otherwise it is left alone, byte for byte
and with its modification time. The date a briefing shows as "generated" is
the date its content last changed (``SOURCE_DATE_EPOCH``, or the
``generated`` argument, wins when given), so a build with nothing new on a
later day changes nothing. ``force=True`` renders everything. Deciding that
nothing changed imports no WeasyPrint.

Briefings render in ``jobs`` worker processes (forked, so each inherits the
loaded project; each imports WeasyPrint once for all the PDFs it makes).
Output, messages and the manifest do not depend on ``jobs``. A problem in
one briefing (a template error, a PDF over its time limit) is reported with
its ``path:LINE`` and that briefing's outputs stay as they were, while the
other briefings are written; the build then fails with exit 1.

Writing is all or nothing per briefing: its outputs are written to temporary
files and moved into place together, the ones already moved being put back
if a later move fails. The manifest is written last, atomically. Temporary
files that a killed build left behind (``output/.NAME.*.briefings-tmp``) are
removed by the next build, and outputs of briefings that no longer exist are
removed, but only files this tool wrote (as the manifest records them);
nothing else in ``output/`` is touched.

Every build also writes each briefing's JSON snapshot (``output/<id>.json``,
:mod:`briefings.render.snapshot`) unless particular formats were asked for, and
renders each briefing as its latest edition or as a draft after it
(:mod:`briefings.editions.store`): that state, and which topics are overdue on the
build's day, are part of the fingerprint. :func:`run_locked` with
``publish_at`` is :mod:`briefings.build.publish`: a briefing whose content differs
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

import contextlib
import datetime
import functools
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefings.audit.project_audit import load_and_audit_partially
from briefings.build.cache import ParseCache
from briefings.build.manifest import (
    BriefingRecord,
    FileState,
    Manifest,
    OutputRecord,
    library_versions,
    load_manifest,
    save_manifest,
)
from briefings.build.shard import select_shard
from briefings.digests import canonical_digest, digest
from briefings.editions.store import (
    EditionState,
    edition_state,
    latest_edition,
    never_published,
    prune,
    write_edition,
)
from briefings.errors import Problem, ProblemsFound, Severity, did_you_mean, relative_path
from briefings.files import (
    TEMP_SUFFIX,
    FileProblem,
    check_project_dir,
    read_project_file,
    stage_file,
    temporary_name,
)
from briefings.lock import BuildLock, forget_inherited_locks
from briefings.paths import (
    BUILD_FORMATS,
    DEFAULT_WAIT,
    EDITIONS_NAME,
    MANIFEST_PATH,
    OUTPUT_DIR,
    SETTINGS_FILE,
    STATE_DIR,
    TEMPLATES_DIR,
    TOPICS_DIR,
)
from briefings.project.acknowledge import Acknowledged
from briefings.project.model import Briefing, Project
from briefings.render.briefing import RenderedBriefing, render_briefing
from briefings.render.environment import (
    BUILTIN_DIR,
    BUILTIN_PREFIX,
    ProjectTemplateLoader,
    TemplateProblem,
    available_templates,
    check_template_blocks,
    make_environment,
)
from briefings.render.snapshot import make_snapshot

logger = logging.getLogger("briefings")


#: Called as ``progress(done, total)`` while briefings render.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Output:
    briefing_id: str
    format: str
    path: Path
    data: bytes


@dataclass
class BuildReport:
    project: Project
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: Briefings rendered in this build, and those whose outputs were already up to date.
    rendered: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    #: Outputs of briefings (or formats) no longer in the project, removed.
    removed: list[Path] = field(default_factory=list)
    #: Why the manifest of the last build could not be used, if it could not.
    notice: str | None = None
    seconds: float = 0.0
    #: For each selected briefing that could be planned: whether it is an edition or a draft, and what changed.
    editions: dict[str, EditionState] = field(default_factory=dict)
    #: Briefings published as a new edition by this run (``publish`` only), and the files of each edition.
    published: dict[str, list[Path]] = field(default_factory=dict)
    #: Briefings that could not be built, with their problems (collected only with ``isolate=True``).
    failed: dict[str, list[Problem]] = field(default_factory=dict)


def generation_time() -> datetime.datetime | None:
    """``SOURCE_DATE_EPOCH`` when set (so that builds can be reproduced), else None: "now, if anything changed"."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    shown = epoch if len(epoch) <= 40 else epoch[:40] + "…"
    if not epoch.isascii() or not epoch.isdigit():
        raise ProblemsFound([Problem("SOURCE_DATE_EPOCH", None,
                                     f"'{shown}' is not a whole number of seconds since 1970-01-01")])
    try:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        raise ProblemsFound([Problem("SOURCE_DATE_EPOCH", None,
                                     f"{shown} is out of range: give seconds since 1970-01-01 "
                                     "for a date before the year 10000")]) from None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def build(
    root: Path,
    *,
    only: Sequence[str] = (),
    formats: Sequence[str] = (),
    write: bool = True,
    strict: bool = False,
    generated: datetime.datetime | None = None,
    pdf_timeout: float | None = None,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    wait: float = DEFAULT_WAIT,
    on_wait: Callable[[], None] | None = None,
    shard: tuple[int, int] | None = None,
    archive_dir: Path | str | None = None,
) -> BuildReport:
    """Build the briefings of the project at ``root``; see the module docstring.

    ``pdf_timeout`` overrides the project's ``limits.pdf_seconds``; ``write=False``
    renders every selected briefing in memory and writes nothing (``check``).
    A build that writes holds the project's lock (:mod:`briefings.lock`),
    waiting up to ``wait`` seconds for another build and calling ``on_wait``
    once if it has to. ``shard=(K, N)`` builds only the K-th of N slices of
    the selected briefings (:mod:`briefings.build.shard`). ``archive_dir`` overrides the
    project's archive directory for the attribution audit (:mod:`briefings.audit.auditor`).
    """
    with BuildLock(Path(root), wait, on_wait=on_wait) as lock:  # released however the build ends
        return run_locked(Path(root), only=only, formats=formats, write=write, strict=strict, generated=generated,
                          pdf_timeout=pdf_timeout, force=force, jobs=jobs, progress=progress, lock=lock,
                          shard=shard, archive_dir=archive_dir)


def run_locked(root: Path, *, lock: BuildLock, only: Sequence[str] = (), formats: Sequence[str] = (),
               write: bool = True, strict: bool = False, generated: datetime.datetime | None = None,
               pdf_timeout: float | None = None, force: bool = False, jobs: int | None = None,
               progress: Progress | None = None, shard: tuple[int, int] | None = None,
               publish_at: datetime.datetime | None = None, isolate: bool = False,
               archive_dir: Path | str | None = None) -> BuildReport:
    """The build, for a caller that holds the project's lock (:func:`build`, :mod:`briefings.build.publish`).

    ``publish_at`` makes every selected briefing whose content differs from its
    last edition a new edition dated that day (see :mod:`briefings.editions.store`).
    ``isolate=True`` builds the briefings that a problem does not touch (a
    broken topic file stops only the briefings that use it) and records the
    others in :attr:`BuildReport.failed` instead of raising for them.
    """
    started = time.monotonic()
    fixed_time = generated or publish_at or generation_time()
    today = (fixed_time or _now()).date()
    output_dir = root / OUTPUT_DIR
    output_problems = check_output_directory(root) if write else []
    if write and not output_problems:
        # Before reading the last build's manifest and cache, so that they are not changing underfoot;
        # while output/ does not exist there is nothing to read (and a failed build must not create it).
        lock.take(create=False)
    # The parse cache lives in output/: used only once output/ is known to be ours.
    cache = ParseCache(output_dir, root) if write and not output_problems else None
    project, problems = load_and_audit_partially(root, today=today, cache=cache, archive_dir=archive_dir)
    environment = make_environment(root, template_seconds=project.settings.limits.template_seconds)
    problems = [*problems, *check_templates(project), *output_problems]
    blocked: dict[str, list[Problem]] = {}
    if problems and isolate:
        blocked, problems = _isolate(project, problems, only)
    if problems:
        raise ProblemsFound(problems)
    if strict and project.warnings:
        raise ProblemsFound([_strict(warning) for warning in project.warnings])
    report = BuildReport(project=project, warnings=list(project.warnings), acknowledged=list(project.acknowledged),
                         failed=blocked)
    selectable = [name for name in only if name not in blocked]
    briefings = select_shard(select_briefings(project, selectable) if selectable or not only else [], shard)
    # The JSON snapshot is always made, unless the caller asked for particular formats only.
    wanted = tuple(name for name in BUILD_FORMATS if name in (formats or (*project.settings.formats, "json")))
    pdf_seconds = pdf_timeout or project.settings.limits.pdf_seconds
    states: dict[str, EditionState] = {}
    for briefing in list(briefings):
        try:
            latest = latest_edition(output_dir, root, briefing.id)
        except FileProblem as error:
            if not isolate:
                raise ProblemsFound([error.problem]) from None
            report.failed[briefing.id] = [error.problem]
            briefings.remove(briefing)
            continue
        if latest is None and publish_at is None:
            # Never published: a draft with nothing to compare with (the snapshot is not needed to say so).
            states[briefing.id] = never_published()
            continue
        current = make_snapshot(project, briefing, today=today)
        states[briefing.id] = edition_state(latest, current, publishing=publish_at.date() if publish_at else None)
    report.editions = states

    # Loaded even with --force: the records of briefings not built this time must survive it.
    manifest = load_manifest(output_dir, root) if write else Manifest()
    if write and manifest.notice is None and manifest.briefings and manifest.versions != library_versions():
        manifest = Manifest(notice="briefings or a rendering library changed version since the last build: "
                                   "rebuilding everything")
    report.notice = manifest.notice
    fingerprints = _Fingerprints(project)
    # A publish run dates only its new editions: a briefing unchanged since its last edition is planned as a
    # plain build would plan it, so that its outputs are not rewritten just because the clock moved on.
    unchanged_time = generation_time() if publish_at is not None and generated is None else fixed_time
    plans = [_plan(briefing, wanted, manifest, fingerprints,
                   fixed_time if states[briefing.id].pending else unchanged_time, output_dir, write, force,
                   states[briefing.id], today)
             for briefing in briefings]
    to_render = [plan for plan in plans if plan.formats]
    report.up_to_date = [plan.briefing.id for plan in plans if not plan.formats]
    render_problems: list[Problem] = []
    for plan in plans:
        if not plan.formats and plan.briefing.id in manifest.briefings:
            # Not rendered again: its last rendering's warnings still stand.
            replayed = [Problem(path, line, message, Severity.WARNING, code)
                        for path, line, message, code in manifest.briefings[plan.briefing.id].warnings]
            report.warnings.extend(warning for warning in replayed if warning not in report.warnings)
            if strict:
                render_problems.extend(_strict(warning) for warning in replayed)

    for plan, result in zip(to_render, _render_all(project, environment, to_render, pdf_seconds, jobs, progress),
                            strict=True):
        report.warnings.extend(warning for warning in result.warnings if warning not in report.warnings)
        failed = list(result.problems)
        if strict:
            failed += [_strict(warning) for warning in result.warnings]
        if failed:
            render_problems.extend(failed)
            report.failed[plan.briefing.id] = failed
            continue
        outputs = [_output(root, plan.briefing, name, data) for name, data in sorted(
            result.outputs.items(), key=lambda item: BUILD_FORMATS.index(item[0]))]
        report.outputs.extend(outputs)
        report.rendered.append(plan.briefing.id)
        if write:
            lock.take()  # (already held unless output/ did not exist when the build began)
            try:
                if plan.edition.pending:
                    # The edition first: if the build stops before the drafts are replaced,
                    # the next build finds the edition and renders them as it.
                    report.published[plan.briefing.id] = _write_edition(root, project, plan, result)
                written = _write_briefing(root, plan, result, outputs, manifest, fingerprints)
            except ProblemsFound as error:
                render_problems.extend(error.problems)
                report.failed[plan.briefing.id] = list(error.problems)
                continue
            report.written.extend(written)
    if write and output_dir.is_dir():  # absent only when nothing could be written at all
        report.removed = _remove_stale(root, project, manifest, keep=report.failed.keys())
        if report.written or report.removed or report.rendered or manifest.notice or force \
                or not (output_dir / MANIFEST_PATH).exists():
            save_manifest(output_dir, manifest)  # (unchanged otherwise: a no-op build writes nothing)
        if cache is not None:
            cache.save()
        remove_stale_temporaries(output_dir)
    for warning in report.warnings:
        logger.warning("%s", warning)
    report.seconds = time.monotonic() - started
    if render_problems and not isolate:
        raise ProblemsFound(render_problems)
    return report


def _isolate(project: Project, problems: list[Problem], only: Sequence[str]
             ) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Split problems into those that stop only some briefings (in a topic file) and those that stop all."""
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


def _strict(warning: Problem) -> Problem:
    return Problem(warning.path, warning.line,
                   f"{warning.message}{f' [{warning.code}]' if warning.code else ''} (--strict)")


# -- what needs rendering ---------------------------------------------------------------------------------------


class _Fingerprints:
    """Digests of the project's data per briefing, and of the files outputs read, each computed once per build."""

    def __init__(self, project: Project):
        self.project = project
        self._files: dict[str, str | None] = {}
        self.versions = library_versions()

    @functools.cached_property
    def all_references(self) -> str:
        # Needed only for an output whose template read the whole references mapping.
        return canonical_digest({key: _reference_data(reference)
                                 for key, reference in self.project.references.items()})

    def data(self, briefing: Briefing, edition: EditionState | None = None,
             today: datetime.date | None = None) -> str:
        cited = {source for topic in briefing.topics for fact in topic.facts for source in fact.sources}
        cited |= {source for topic in briefing.topics for figure in topic.figures for source in figure.sources}
        settings = self.project.settings
        archives = self._archives(cited)
        return canonical_digest({
            # Only when the briefing cites an archived reference, so that other digests stay as they were.
            **({"archives": archives} if archives else {}),
            "briefing": {"id": briefing.id, "title": briefing.title, "template": briefing.template,
                         "topics": [topic.id for topic in briefing.topics],
                         "style": briefing.style.model_dump(mode="json"), "stylesheets": list(briefing.stylesheets)},
            "settings": {"title": settings.title, "author": settings.author,
                         "classification": settings.classification, "formats": list(settings.formats)},
            "topics": [_topic_data(topic) for topic in briefing.topics],
            "references": {key: _reference_data(self.project.references[key]) for key in sorted(cited)},
            # What the briefing shows beyond its files: overdue reviews, its edition and what changed.
            "overdue": [bool(today and topic.overdue_on(today)) for topic in briefing.topics],
            "edition": edition.as_json() if edition else None,
            "changes": edition.changes if edition else None,
        })

    def _archives(self, cited: Iterable[str]) -> dict[str, str | None]:
        """The SHA-256 of each cited reference's archived copy (None: absent or unreadable), as the audit
        read it (once per build): changing an archive re-checks and re-renders the briefings citing it."""
        audit = self.project.audit
        return {key: audit.archive_sha256(key) if audit else None for key in sorted(cited)
                if key in self.project.references and self.project.references[key].archive}

    def file(self, key: str) -> str | None:
        """The digest of a file an output read (None: absent or unreadable), only ever inside the project."""
        if key not in self._files:
            self._files[key] = self._read(key)
        return self._files[key]

    def _read(self, key: str) -> str | None:
        if key.startswith(f"{BUILTIN_PREFIX}/"):
            base, relative = BUILTIN_DIR, key[len(BUILTIN_PREFIX) + 1:]
        else:
            base, relative = self.project.root, key
        path = base / relative
        if not os.path.lexists(path):
            return None
        try:
            return digest(read_project_file(path, base))
        except FileProblem:
            return "unreadable"

    def output(self, data: str, output_format: str, generated: str, reads: Iterable[str],
               uses_all_references: bool) -> str:
        libraries = ("jinja2", "markdown", "nh3") + (("weasyprint", "pydyf", "tinyhtml5")
                                                      if output_format == "pdf" else ())
        return canonical_digest({
            "format": output_format, "data": data, "generated": generated,
            "versions": {name: self.versions.get(name) for name in ("briefings", *libraries)},
            "reads": {key: self.file(key) for key in sorted(reads)},
            "references": self.all_references if uses_all_references else None,
        })


def _topic_data(topic: Any) -> Any:
    # Acknowledgements change no output byte.
    return topic.model_dump(mode="json", exclude={"acknowledge": True, "facts": {"__all__": {"acknowledge"}},
                                                  "figures": {"__all__": {"acknowledge"}}})


def _reference_data(reference: Any) -> Any:
    return reference.model_dump(mode="json", exclude={"acknowledge"})


@dataclass
class _Plan:
    briefing: Briefing
    formats: tuple[str, ...]
    generated: datetime.datetime
    data: str
    edition: EditionState
    today: datetime.date


def _plan(briefing: Briefing, wanted: tuple[str, ...], manifest: Manifest, fingerprints: _Fingerprints,
          fixed_time: datetime.datetime | None, output_dir: Path, write: bool, force: bool, edition: EditionState,
          today: datetime.date) -> _Plan:
    if not write:  # check: everything renders, nothing is recorded
        return _Plan(briefing, wanted, fixed_time or _now(), "", edition, today)
    data = fingerprints.data(briefing, edition, today)
    record = manifest.briefings.get(briefing.id)
    if record is None:
        return _Plan(briefing, wanted, fixed_time or _now(), data, edition, today)

    def inputs_unchanged(output_format: str, output: OutputRecord) -> bool:
        shown = fixed_time.isoformat() if fixed_time else output.generated
        return output.fingerprint == fingerprints.output(data, output_format, shown, output.reads,
                                                         output.uses_all_references)

    # If the inputs of any output changed, the content changed: every output then shows a new date.
    if not all(inputs_unchanged(name, output) for name, output in record.outputs.items()):
        return _Plan(briefing, wanted, fixed_time or _now(), data, edition, today)
    generated = fixed_time.isoformat() if fixed_time else record.generated
    stale = wanted if force else tuple(
        name for name in wanted if name not in record.outputs or record.outputs[name].generated != generated
        or not record.outputs[name].file.matches(output_dir / f"{briefing.id}.{name}"))
    # (--force renders again, but the content did not change: the date it shows stays.)
    return _Plan(briefing, stale, datetime.datetime.fromisoformat(generated), data, edition, today)


# -- rendering, here or in worker processes ---------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _render_all(project: Project, environment: Any, plans: list[_Plan], pdf_seconds: float, jobs: int | None,
                progress: Progress | None) -> Iterator[RenderedBriefing]:
    jobs = min(jobs or default_jobs(), len(plans))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for done, plan in enumerate(plans, start=1):
            yield render_briefing(project, environment, plan.briefing, plan.generated, plan.formats,
                                  pdf_seconds=pdf_seconds, edition=plan.edition, today=plan.today)
            if progress:
                progress(done, len(plans))
        return
    if any("pdf" in plan.formats for plan in plans):
        from briefings.render.pdf import load_weasyprint

        load_weasyprint()  # imported once here, inherited by every worker

    # Workers are forked: they inherit the loaded project and templates, and get only indexes.
    _worker_state.update(project=project, environment=environment, plans=plans, pdf_seconds=pdf_seconds)
    context = multiprocessing.get_context("fork")
    results: dict[int, RenderedBriefing] = {}
    pool = None
    try:
        with _interrupts_held():
            pool = context.Pool(jobs, initializer=_prepare_worker)
        # Largest first, so that the longest render does not start last and leave the other workers idle.
        order = sorted(range(len(plans)), key=lambda index: -_estimated_cost(plans[index]))
        for done, (index, result) in enumerate(pool.imap_unordered(_render_in_worker, order), start=1):
            results[index] = result
            if progress:
                progress(done, len(plans))
        pool.close()
    except BaseException:
        if pool is not None:
            pool.terminate()  # Ctrl-C or a failure: stop every worker now; nothing has been written yet
        raise
    finally:
        if pool is not None:
            pool.join()
        _worker_state.clear()
    for index in range(len(plans)):
        yield results[index]


def _estimated_cost(plan: _Plan) -> int:
    items = sum(len(topic.facts) + len(topic.figures) for topic in plan.briefing.topics)
    return items * (10 if "pdf" in plan.formats else 1)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while the worker processes start, and act on it once they have.

    Ctrl-C reaches the workers too (a terminal signals the whole process
    group), and a worker inherits this process's handling of SIGINT until its
    initializer ignores it: a Ctrl-C in between would raise KeyboardInterrupt
    in the worker's start-up (which prints a traceback), or inside ``Pool()``
    here, before there is a pool to stop. So meanwhile SIGINT is blocked in
    this thread, hence in the workers forked from it and in the pool's
    threads (which fork any replacement worker): each worker unblocks it once
    it ignores it (:func:`_prepare_worker`). A SIGINT that another thread of
    this process takes meanwhile is only noted. On leaving, a Ctrl-C that came
    meanwhile is delivered as if it came then.
    """
    noted: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    except ValueError:  # not the main thread: signals are handled only in the main thread anyway
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if noted:
            signal.raise_signal(signal.SIGINT)


def _prepare_worker() -> None:
    # Ctrl-C reaches the whole process group; the build process alone decides what happens.
    # SIGINT is blocked until now (see _interrupts_held): ignored, then unblocked, it never
    # raises KeyboardInterrupt in a worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # The build's lock must end with the build: let go of the inherited lock file, and end
    # with the parent if it is killed (Linux), rather than live on as an orphan.
    forget_inherited_locks()
    _die_with_parent()


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: an orphaned worker still ends when its work queue closes


def _render_in_worker(index: int) -> tuple[int, RenderedBriefing]:
    plan: _Plan = _worker_state["plans"][index]
    return index, render_briefing(_worker_state["project"], _worker_state["environment"], plan.briefing,
                                  plan.generated, plan.formats, pdf_seconds=_worker_state["pdf_seconds"],
                                  edition=plan.edition, today=plan.today)


# -- writing ----------------------------------------------------------------------------------------------------


def _write_briefing(root: Path, plan: _Plan, result: RenderedBriefing, outputs: list[Output], manifest: Manifest,
                    fingerprints: _Fingerprints) -> list[Path]:
    """Write one briefing's changed outputs (all or none of them) and record them in the manifest."""
    generated = plan.generated.isoformat()
    record = manifest.briefings.get(plan.briefing.id) or BriefingRecord(generated=generated)
    record.generated = generated
    changed = []
    for output in outputs:
        previous = record.outputs.get(output.format)
        unchanged = previous is not None and previous.file.sha256 == digest(output.data) \
            and previous.file.matches(output.path)
        if not unchanged:
            changed.append(output)
    written = write_outputs(root, changed)
    for output in outputs:
        previous = record.outputs.get(output.format)
        state = previous.file if output not in changed and previous else FileState.of(output.path, output.data)
        reads = result.reads.get(output.format, set())
        uses_all = result.uses_all_references.get(output.format, False)
        record.outputs[output.format] = OutputRecord(
            fingerprint=fingerprints.output(plan.data, output.format, generated, reads, uses_all),
            generated=generated, reads={key: fingerprints.file(key) for key in sorted(reads)},
            uses_all_references=uses_all, file=state)
    record.warnings = [[warning.path, warning.line, warning.message, warning.code] for warning in result.warnings]
    manifest.briefings[plan.briefing.id] = record
    return written


def _write_edition(root: Path, project: Project, plan: _Plan, result: RenderedBriefing) -> list[Path]:
    """Keep the new edition's files under output/editions/, then prune old editions as the project asks."""
    output_dir = root / OUTPUT_DIR
    try:
        written = write_edition(output_dir, plan.briefing.id, plan.edition, result.outputs)
        prune(output_dir, root, plan.briefing.id, project.settings.keep_editions)
    except FileProblem as error:
        raise ProblemsFound([error.problem]) from None
    except OSError as error:
        where = relative_path(Path(error.filename), root) if error.filename else f"{OUTPUT_DIR}/{EDITIONS_NAME}"
        raise ProblemsFound([Problem(where, None, f"cannot write the edition: {error.strerror}")]) from None
    return written


def _remove_stale(root: Path, project: Project, manifest: Manifest, keep: Iterable[str] = ()) -> list[Path]:
    """Remove outputs this tool wrote for briefings (or formats) the project no longer has.

    A briefing in ``keep`` (one that failed this run: its topic file is broken, so it is not in
    ``project.briefings``) is not gone: its previous outputs stay as they were.
    """
    current = {briefing.id for briefing in project.briefings} | set(keep)
    removed = []
    for briefing_id, record in list(manifest.briefings.items()):
        for output_format, output in list(record.outputs.items()):
            if briefing_id in current and (output_format in project.settings.formats or output_format == "json"):
                continue
            path = root / OUTPUT_DIR / f"{briefing_id}.{output_format}"
            if output.file.matches(path):  # only what the tool itself wrote, as it wrote it
                path.unlink()
                removed.append(path)
            del record.outputs[output_format]
        if not record.outputs:
            del manifest.briefings[briefing_id]
    return removed


def check_templates(project: Project) -> list[Problem]:
    """Problems a template has before any rendering: location, encoding, syntax, names that do not exist,
    and blocks that override nothing (:func:`briefings.render.environment.check_template_blocks`).

    Every template file of the project's ``templates/`` is compiled, whether
    or not a briefing uses it yet, so that a broken house template is found
    by ``check`` rather than by the first briefing that extends it.
    """
    root = project.root
    directory_problem = check_project_dir(root / TEMPLATES_DIR, root)
    if directory_problem is not None:
        return [directory_problem]
    problems: list[Problem] = []
    environment = make_environment(root)
    compiled: list[str] = []
    for name in ProjectTemplateLoader(root).list_templates():
        if not name.endswith((".j2", ".css")):
            continue
        try:
            environment.get_template(name)
        except TemplateProblem as error:
            problems.append(error.problem)
            continue
        except Exception as error:  # noqa: BLE001 - turned into the located problem render_template would give
            problems.append(_compile_problem(error, name, root))
            continue
        compiled.append(name)
    # Checked overrides: a block the extended template does not define would be silently ignored.
    problems.extend(check_template_blocks(environment, compiled, root))
    available = available_templates(root)
    for briefing in project.briefings:
        if briefing.template and briefing.template not in available:
            path, line = project.template_origins.get(briefing.id, (SETTINGS_FILE, None))
            hint = did_you_mean(briefing.template, available, cutoff=0.6)
            problems.append(Problem(path, line, f"unknown template '{briefing.template}'{hint}: there is no "
                                    f"{TEMPLATES_DIR}/{briefing.template}.md.j2 (available: "
                                    f"{', '.join(available)})"))
    return problems


def _compile_problem(error: Exception, name: str, root: Path) -> Problem:
    import jinja2

    if isinstance(error, jinja2.TemplateSyntaxError):
        return Problem(f"{TEMPLATES_DIR}/{name}", error.lineno, f"template syntax error: {error.message}")
    if isinstance(error, RecursionError):
        return Problem(f"{TEMPLATES_DIR}/{name}", None, "template is nested too deeply to compile")
    return Problem(f"{TEMPLATES_DIR}/{name}", None, f"template cannot be compiled: {error}")


def check_output_directory(root: Path) -> list[Problem]:
    """Refuse, before rendering anything, an ``output/`` (or its bookkeeping directory ``output/.briefings/``)
    that could not be written or lies outside the project."""
    directory = root / OUTPUT_DIR
    for vetted in (directory, directory / STATE_DIR):
        problem = check_project_dir(vetted, root)
        if problem is not None:
            return [problem]
    if directory.is_dir() and not os.access(directory, os.W_OK | os.X_OK):
        return [Problem(OUTPUT_DIR, None, "output directory is not writable")]
    return []


def select_briefings(project: Project, only: Iterable[str]) -> list[Briefing]:
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


def _output(root: Path, briefing: Briefing, extension: str, data: bytes) -> Output:
    return Output(briefing.id, extension, root / OUTPUT_DIR / f"{briefing.id}.{extension}", data)


def write_outputs(root: Path, outputs: Sequence[Output]) -> list[Path]:
    """Write every output, or none of them; see the module docstring."""
    directory = root / OUTPUT_DIR
    try:
        directory.mkdir(exist_ok=True)
    except OSError as error:
        raise ProblemsFound([Problem(OUTPUT_DIR, None,
                                     f"cannot create the output directory: {error.strerror}")]) from None
    remove_stale_temporaries(directory)
    staged: list[tuple[Path, Path]] = []
    moved: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
    try:
        for output in outputs:
            if output.path.is_dir() and not output.path.is_symlink():
                raise ProblemsFound([Problem(relative_path(output.path, root), None,
                                             "cannot write this output: a directory is in its place")])
        for output in outputs:
            # No fsync per output (it cost seconds per thousand files): a rename is
            # atomic for every reader and against a killed build; after a power
            # failure a file not yet on disk no longer matches the manifest's
            # record of it (size, time) and the next build renders it again.
            staged.append((stage_file(output.path, output.data), output.path))
        for temporary, target in staged:
            backup = None
            if os.path.lexists(target):
                backup = temporary_name(target)
                os.link(target, backup, follow_symlinks=False)
            try:
                os.replace(temporary, target)
            except BaseException:
                _discard([backup] if backup else [])
                raise
            moved.append((target, backup))
    except OSError as error:
        _roll_back(moved)
        _discard(temporary for temporary, _ in staged)
        where = relative_path(Path(error.filename), root) if error.filename else OUTPUT_DIR
        raise ProblemsFound([Problem(where, None, f"cannot write output: {error.strerror}; "
                                     "the previous outputs are unchanged")]) from error
    except BaseException:
        _roll_back(moved)
        _discard(temporary for temporary, _ in staged)
        raise
    _discard(backup for _, backup in moved if backup is not None)
    return [target for target, _ in moved]


def _roll_back(moved: list[tuple[Path, Path | None]]) -> None:
    for target, backup in reversed(moved):
        try:
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)
        except OSError:
            logger.error("could not restore %s", target)


def _discard(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def remove_stale_temporaries(directory: Path) -> None:
    """Remove the temporary files a killed build left in ``directory`` and its bookkeeping (only ours, by name)."""
    for path in [*directory.glob(f".*{TEMP_SUFFIX}"), *(directory / STATE_DIR).glob(f".*{TEMP_SUFFIX}")]:
        if path.is_file() and not path.is_symlink():
            _discard([path])
