"""The quick check: whether a build would change nothing, told without loading the project.

Contract: after a build that wrote everything it was asked for without a
problem, :func:`save_record` keeps in ``output/.briefings/inputs.json`` what
that build depended on besides what the manifest (:mod:`briefings.build.manifest`)
already records for each output:

- the SHA-256 of every file the loader and the template check read: the
  settings, the references, every topic file and every template, with the
  listings of ``sources/topics`` and ``templates/`` (a file added or removed
  is a change); as the build read them, so that a file edited while it ran is
  a change next time;
- the SHA-256 of each archived copy the audit read (None: absent), and of each
  file the settings name (stylesheets, logo, Word reference document);
- the fonts used in place of those a style asks for, and a signature of
  ``output/editions/`` (names, sizes and modification times);
- the build's options, the versions of briefings and the rendering libraries,
  and the span of days around the build's day on which the same files give
  the same result (bounded by a topic's review falling due, or its ``as_of``
  being reached);
- the warnings the build gave, and those it was told to accept;
- for each valid topic, the digest of its file as the loader read it, the
  warnings its cross-checks and its own audit checks gave and the digest of
  its validated data (:func:`reusable_topics`).

:func:`fresh_report` answers the next build with the same options from that
record and the manifest alone: every recorded file is read and hashed again
(never trusted by size or time), every output must still be the file the
manifest says was written, showing the date it would show, and every file an
output read must be as it was. It returns the report of a build that found
every briefing up to date, or None as soon as anything differs or cannot be
told; the build then runs in full (:mod:`briefings.build.orchestrate`) and
writes a new record if it completes. A record left by an earlier build never
vouches for anything newer: outputs are judged against the manifest, which
the full build keeps, and inputs by their digests. Like the manifest, the record
is JSON data, checked as it is read; a hand-made one can at worst make a
build skip work, as touching the outputs could, or repeat a topic's
recorded warnings in place of its own (its facts are still checked before
a briefing shows them, so no mark comes from the record). This module imports neither
the loader nor the renderers: a no-op build of a large project costs the
hashing of its files, not its parsing.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from briefings import __version__
from briefings.build.manifest import BOOKKEEPING_MAX_BYTES, Manifest, library_versions, load_manifest
from briefings.build.report import BuildOptions, BuildReport
from briefings.build.scan import (
    NotVouched,
    editions_signature,
    file_digest,
    plain_directory,
    regular_digest,
    scan_sources,
)
from briefings.errors import Acknowledged, Problem, Severity
from briefings.files import (
    MAX_ARCHIVE_BYTES,
    FileProblem,
    read_project_file,
    replace_file,
)
from briefings.paths import (
    INPUTS_NAME,
    OUTPUT_DIR,
    REFERENCES_FILE,
    SETTINGS_FILE,
    STATE_DIR,
    TOPICS_DIR,
)
from briefings.render.fonts import used_instead

if TYPE_CHECKING:
    from briefings.project.model import Project

RECORD_FORMAT = 1


def record_path(root: Path) -> Path:
    return root / OUTPUT_DIR / STATE_DIR / INPUTS_NAME


def options_key(options: BuildOptions, fixed_time: datetime.datetime | None) -> str:
    """Everything about how the build was asked for that changes what it does."""
    archive_dir = None if options.archive_dir is None else str(Path(options.archive_dir).resolve())
    key = {"briefings": __version__, "versions": library_versions(), "formats": list(options.formats),
           "only": list(options.only), "shard": list(options.shard) if options.shard else None,
           "audience": options.audience, "archive_dir": archive_dir, "strict": options.strict,
           "isolate": options.isolate, "generated": fixed_time.isoformat() if fixed_time else None}
    return hashlib.sha256(orjson.dumps(key, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _fonts(project: Project) -> dict[str, str | None]:
    wanted = {}
    for briefing in project.briefings:
        fonts = briefing.style.fonts
        for role in ("body", "headings"):
            family = getattr(fonts, role) if fonts else None
            if family:
                wanted[f"{role}\0{family}"] = used_instead(family, role)
    return wanted


def _same_days(project: Project, day: datetime.date) -> tuple[str | None, str | None]:
    """The days around ``day`` on which the project reads the same: from the last day on or before it on
    which a topic became overdue or reached its ``as_of`` (None: none) until the next such day (excluded)."""
    days = [topic.review_by + datetime.timedelta(days=1) for topic in project.topics.values()
            if topic.review_by is not None]
    days += [topic.as_of for topic in project.topics.values()]
    earlier = [candidate for candidate in days if candidate <= day]
    later = [candidate for candidate in days if candidate > day]
    return (max(earlier).isoformat() if earlier else None), (min(later).isoformat() if later else None)


def _named_files(project: Project) -> list[str]:
    """The files the settings name, which the loader checks whatever formats are built."""
    named: set[str] = set(project.settings.stylesheet)
    for style in [project.settings.style, *(briefing.style for briefing in project.briefings)]:
        named.update(name for name in (style.logo, style.docx_reference) if name)
    for briefing in project.briefings:
        named.update(briefing.stylesheets)
    return sorted(named)


def _archives(project: Project, archive_dir: Path | str | None) -> dict[str, Any] | None:
    """Each archive file the audit looked for, with the SHA-256 it read (None: absent), and their directory:
    relative to the project, or None for ``--archive-dir`` (the options' key holds that one)."""
    audit = project.audit
    if audit is None:
        return None
    directory: str | None = project.settings.archive_dir
    if archive_dir is not None:
        try:
            directory = Path(archive_dir).resolve().relative_to(project.root.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            directory = None
    found: dict[str, str | None] = {}
    for record in audit.archives:
        if record.name is None:
            continue
        if record.status not in ("archived", "missing"):
            return None  # an unreadable archive: every build says so, in full
        found[record.name] = record.sha256
    return {"directory": directory, "files": found}


def save_record(root: Path, report: BuildReport, options: BuildOptions, fixed_time: datetime.datetime | None,
                day: datetime.date, sources: Mapping[str, Any] | None, wanted: Iterable[str],
                selected: Iterable[str], topic_data: Mapping[str, str]) -> None:
    """Keep what this build depended on (see the module docstring), if it can vouch for all of it.

    ``topic_data``: the digest of each topic's validated data that the fingerprints took."""
    project = report.project
    if project is None or sources is None or report.failed or options.publish_at is not None:
        return
    archives = _archives(project, options.archive_dir)
    editions = editions_signature(root)
    if archives is None or editions is None:
        return
    since, until = _same_days(project, day)
    record = {
        "format": RECORD_FORMAT,
        "key": options_key(options, fixed_time),
        # Not the build's day itself: a build on another day of the same span writes the same record.
        "since": since,
        "until": until,
        "sources": dict(sources),
        "named": {name: file_digest(root, name) for name in _named_files(project)},
        "archives": archives,
        "fonts": _fonts(project),
        "editions": editions,
        "formats": list(wanted),
        "briefings": list(selected),
        "briefing_count": len(project.briefings),
        "warnings": [_problem_json(warning) for warning in report.warnings],
        "acknowledged": [[*_problem_json(item.warning), item.reason] for item in report.acknowledged],
        "listing": listing(project),
        "audited": _audited(project, topic_data),
    }
    path = record_path(root)
    data = orjson.dumps(record)
    try:
        if read_project_file(path, root, max_bytes=BOOKKEEPING_MAX_BYTES) == data:
            return  # a build that changed nothing writes nothing
    except FileProblem:
        pass  # absent, or not ours to read (a link, say): replaced, never written through
    path.parent.mkdir(exist_ok=True)
    replace_file(path, data)


def _audited(project: Project, topic_data: Mapping[str, str]) -> dict[str, Any]:
    """For each valid topic, the digest of its file as the loader read it, the warnings of its cross-checks
    (:attr:`~briefings.project.model.Project.topic_warnings`) and of its own audit checks, and the digest of
    its validated data (``topic_data``, :meth:`Fingerprints.topic_digest`) if known."""
    audit, found = project.audit, {}
    for topic_id, findings in (audit.topic_findings.items() if audit else ()):
        document = project.documents.get(topic_id)
        if topic_id in project.topics and document is not None and document.digest is not None:
            found[topic_id] = {"file": document.display_path, "digest": document.digest,
                               "checks": [[list(key), _problem_json(warning)]
                                          for key, warning in project.topic_warnings.get(topic_id, ())],
                               "findings": [[list(finding.about), _problem_json(finding.problem)]
                                            for finding in findings],
                               "data": topic_data.get(topic_id)}
    return found


@dataclass(frozen=True)
class RecordedTopic:
    """What the last complete build found of a topic file that has not changed since (by the scan)."""

    #: The SHA-256 of the file as the loader read it: what the rest is true of.
    digest: str
    #: The warnings the loader's cross-checks of the topic gave (none of those that depend on the day), each
    #: with the key of the item it is about.
    checks: list[tuple[tuple[Any, ...], Problem]]
    #: The warnings the audit's checks of the topic gave, each with what it is about.
    findings: list[tuple[tuple[Any, ...], Problem]]
    #: The digest of the topic's validated data, as the fingerprints take it (None: not recorded).
    data: str | None


def reusable_topics(root: Path, options: BuildOptions, fixed_time: datetime.datetime | None,
                    sources: Mapping[str, Any] | None) -> dict[str, RecordedTopic] | None:
    """What the last complete build found of each topic whose file is unchanged, when nothing else the audit
    reads changed (the settings, the references, the archives, the options and versions): the audit then
    need not check those topics again (:func:`briefings.audit.auditor.audit_project`), nor the fingerprints
    digest their data again. None when everything must be done again (no usable record, ``--force``, a
    publish run, or a change beyond topic files).

    ``sources`` is :func:`scan_sources` of this build. Each topic carries the digest of the bytes its results
    are true of: the audit and the fingerprints use them only for a file loaded with that digest."""
    if sources is None or not options.write or options.force or options.publish_at is not None:
        return None
    try:
        record = _load(root)
        if record is None or record["key"] != options_key(options, fixed_time):
            return None
        files, recorded_files = sources["files"], record["sources"]["files"]
        if any(name not in files or files[name] != recorded_files[name] for name in (SETTINGS_FILE, REFERENCES_FILE)) \
                or not _archives_unchanged(root, record, options):
            return None
        reused: dict[str, RecordedTopic] = {}
        for topic_id, entry in dict(record["audited"]).items():
            name, digest, data = entry["file"], entry["digest"], entry["data"]
            if isinstance(topic_id, str) and isinstance(name, str) and name.startswith(f"{TOPICS_DIR}/") \
                    and isinstance(digest, str) and files.get(name) == digest:
                reused[topic_id] = RecordedTopic(
                    digest, [(tuple(key), _problem(problem)) for key, problem in entry["checks"]],
                    [(tuple(about), _problem(problem)) for about, problem in entry["findings"]],
                    data if isinstance(data, str) else None)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError):
        return None  # a record we cannot read: do everything
    return reused


def listing(project: Project) -> dict[str, list[list[str]]]:
    """What ``briefings list`` shows of the project: a row of text per topic and per briefing."""
    return {
        "topics": [[topic.id, topic.title, str(len(topic.facts)), str(len(topic.figures)), topic.as_of.isoformat(),
                    topic.review_by.isoformat() if topic.review_by else ""] for topic in project.topics.values()],
        "briefings": [[briefing.id, briefing.title, ", ".join(topic.id for topic in briefing.topics),
                       briefing.as_of.isoformat(), briefing.template or "", briefing.schedule or ""]
                      for briefing in project.briefings],
    }


def recorded_listing(root: Path) -> dict[str, list[list[str]]] | None:
    """The listing the last complete build recorded, if the settings, references, topics and templates are
    still what it read (``briefings list`` then needs no loading); None otherwise."""
    try:
        record = _load(root)
        if record is None or scan_sources(root) != record["sources"]:
            return None
        rows = record["listing"]
        table = {name: [[str(cell) for cell in row] for row in rows[name]] for name in ("topics", "briefings")}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError):
        return None
    widths = {"topics": 6, "briefings": 6}
    return table if all(len(row) == widths[name] for name in table for row in table[name]) else None


def _problem_json(problem: Problem) -> list[Any]:
    return [problem.path, problem.line, problem.message, problem.severity.value, problem.code]


def _problem(value: Any) -> Problem:
    path, line, message, severity, code = value
    return Problem(str(path), None if line is None else int(line), str(message), Severity(severity),
                   None if code is None else str(code))


def fresh_report(root: Path, options: BuildOptions, fixed_time: datetime.datetime | None,
                 today: datetime.date, sources: Mapping[str, Any] | None) -> BuildReport | None:
    """The report of a build that would find everything up to date, or None (see the module docstring).

    ``sources`` is :func:`~briefings.build.scan.scan_sources` of the project now (the caller keeps it for the
    full build, should there be one)."""
    started = time.monotonic()
    if sources is None or not options.write or options.force or options.publish_at is not None:
        return None
    try:
        record = _load(root)
        if record is None or not _unchanged(root, record, options, fixed_time, today, sources):
            return None
        manifest = load_manifest(root / OUTPUT_DIR, root)
        if not _outputs_current(root, manifest, record, fixed_time):
            return None
        warnings = [_problem(value) for value in record["warnings"]]
        acknowledged = [Acknowledged(_problem(value[:5]), str(value[5])) for value in record["acknowledged"]]
        briefings = [str(name) for name in record["briefings"]]
        count = int(record["briefing_count"])
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError):
        return None  # a record we cannot read: build in full
    if options.strict and warnings:
        return None  # the full build fails on them, with every detail
    return BuildReport(project=None, warnings=warnings, acknowledged=acknowledged, up_to_date=briefings,
                       briefing_count=count, seconds=time.monotonic() - started)


def _load(root: Path) -> dict[str, Any] | None:
    path = record_path(root)
    if not os.path.lexists(path):
        return None
    try:
        record = orjson.loads(read_project_file(path, root, max_bytes=BOOKKEEPING_MAX_BYTES))
    except (FileProblem, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def _unchanged(root: Path, record: dict[str, Any], options: BuildOptions, fixed_time: datetime.datetime | None,
               today: datetime.date, sources: Mapping[str, Any]) -> bool:
    """Whether everything the recorded build depended on, besides its outputs, is as it was."""
    since, until = record["since"], record["until"]
    if (since is not None and today < datetime.date.fromisoformat(since)) \
            or (until is not None and today >= datetime.date.fromisoformat(until)):
        return False
    if record["key"] != options_key(options, fixed_time):
        return False
    if sources != record["sources"]:
        return False
    if any(file_digest(root, name) != value for name, value in dict(record["named"]).items()):
        return False
    if not _archives_unchanged(root, record, options):
        return False
    for key, instead in dict(record["fonts"]).items():
        role, _, family = key.partition("\0")
        if used_instead(family, role) != instead:
            return False
    return editions_signature(root) == record["editions"]


def _archives_unchanged(root: Path, record: dict[str, Any], options: BuildOptions) -> bool:
    """Whether every archived copy the recorded build's audit read is as it was."""
    archives = record["archives"]
    # (the record is data someone could have written: never a name that leads out of its directory)
    if archives["directory"] is not None and not _plain_relative(archives["directory"]) \
            or not all(_plain_relative(name) and "/" not in name for name in archives["files"]):
        return False
    if archives["directory"] is not None:
        # Every directory on the way must be a directory, not a link (which could lead out of the project).
        parts = archives["directory"].split("/")
        if not all(plain_directory(root.joinpath(*parts[:end])) for end in range(1, len(parts) + 1)):
            return False
        directory: Path | str | None = root / archives["directory"]
    else:
        directory = options.archive_dir
    if directory is None:
        return False
    try:
        if any(regular_digest(Path(directory) / name, MAX_ARCHIVE_BYTES) != value
               for name, value in archives["files"].items()):
            return False
    except NotVouched:
        return False
    return True


def _plain_relative(path: object) -> bool:
    """Whether ``path`` is a relative path of plain names (no "..", no backslash, no absolute start)."""
    return isinstance(path, str) and bool(path) and not path.startswith("/") and "\\" not in path \
        and all(part not in ("", ".", "..") for part in path.split("/"))


def _outputs_current(root: Path, manifest: Manifest, record: dict[str, Any],
                     fixed_time: datetime.datetime | None) -> bool:
    """Whether every wanted output of every selected briefing is as the manifest recorded it, with the same
    inputs, showing the date a full build would give it (as :func:`briefings.build.plan.plan_briefing` decides)."""
    if manifest.notice is not None or manifest.versions != library_versions():
        return False
    output_dir = root / OUTPUT_DIR
    digests: dict[str, str | None] = {}
    for briefing_id in record["briefings"]:
        entry = manifest.briefings.get(briefing_id)
        if entry is None:
            return False
        shown = fixed_time.isoformat() if fixed_time else entry.generated
        for name in record["formats"]:
            output = entry.outputs.get(name)
            if output is None or output.generated != shown \
                    or not output.file.matches(output_dir / f"{briefing_id}.{name}"):
                return False
        for output in entry.outputs.values():
            for key, value in output.reads.items():
                if key not in digests:
                    digests[key] = file_digest(root, key)
                if digests[key] != value:
                    return False
    return True
