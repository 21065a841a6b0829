"""The build orchestrator: load → validate → Markdown → HTML → PDF → write.

Contract: :func:`build` runs the whole pipeline over a project and returns a
:class:`BuildReport`. Problems are gathered before anything is written: the
project's data, every template of the project (syntax, encoding, location)
and the briefings' named templates are checked together, so one run reports
data and template problems at once; then every stage finishes for every
briefing, and problems from all briefings are gathered into one
:class:`~briefings.errors.ProblemsFound`.

Writing is all or nothing. Every output is first written to a temporary file
beside its target; only when all of them are written are they moved into
place, and if any move fails the ones already moved are put back as they
were. So a failed build leaves ``output/`` exactly as it was, and no reader
ever sees a half-written briefing. Temporary files that a killed build left
behind (``output/.NAME.*.briefings-tmp``) are removed by the next build;
nothing else in ``output/`` is touched.

A build that writes holds the project's lock, ``output/.briefings.lock``
(:mod:`briefings.lock`), from the check of ``output/`` to the end of
writing, so two builds of one project never render and write at once (when
``output/`` does not exist yet, from just before writing, so that a failed
build still leaves no trace); the lock file is never one of the outputs.

Warnings (topics past their review date, facts resting only on weak
sources, anything WeasyPrint complains about) are returned in
:attr:`BuildReport.warnings` and logged to the ``briefings`` logger; with
``strict=True`` they fail the build like errors. Acknowledged warnings are in
:attr:`BuildReport.acknowledged` and never fail it.
"""

from __future__ import annotations

import datetime
import difflib
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import limits
from .errors import Problem, ProblemsFound, Severity, relative_path
from .files import check_project_dir
from .html import markdown_to_html, remote_resources, render_html
from .lock import DEFAULT_WAIT, BuildLock
from .model import OUTPUT_FORMATS, SETTINGS_FILE, Acknowledged, Briefing, Project, load_project_partially
from .shard import select_shard
from .templating import (
    USER_TEMPLATES_DIR,
    ProjectTemplateLoader,
    TemplateProblem,
    available_templates,
    make_environment,
    render_markdown,
)

logger = logging.getLogger("briefings")

OUTPUT_DIR = "output"
TEMP_SUFFIX = ".briefings-tmp"


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


def generation_time() -> datetime.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so that builds can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.datetime.now(datetime.UTC).replace(microsecond=0)
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


def build(
    root: Path,
    *,
    only: Sequence[str] = (),
    formats: Sequence[str] = (),
    write: bool = True,
    strict: bool = False,
    generated: datetime.datetime | None = None,
    pdf_timeout: float | None = None,
    wait: float = DEFAULT_WAIT,
    on_wait: Callable[[], None] | None = None,
    shard: tuple[int, int] | None = None,
) -> BuildReport:
    """Build the briefings of the project at ``root``; see the module docstring.

    ``pdf_timeout`` overrides the project's ``limits.pdf_seconds``. A build
    that writes holds the project's lock (:mod:`briefings.lock`), waiting up
    to ``wait`` seconds for another build and calling ``on_wait`` once if it
    has to. ``shard=(K, N)`` builds only the K-th of N slices of the
    selected briefings (:mod:`briefings.shard`).
    """
    root = Path(root)
    with BuildLock(root, wait, on_wait=on_wait) as lock:  # released however the build ends
        return _build(root, only=only, formats=formats, write=write, strict=strict, generated=generated,
                      pdf_timeout=pdf_timeout, lock=lock, shard=shard)


def _build(
    root: Path,
    *,
    only: Sequence[str],
    formats: Sequence[str],
    write: bool,
    strict: bool,
    generated: datetime.datetime | None,
    pdf_timeout: float | None,
    lock: BuildLock,
    shard: tuple[int, int] | None,
) -> BuildReport:
    generated = generated or generation_time()
    project, problems = load_project_partially(root, today=generated.date())
    environment = make_environment(root, template_seconds=project.settings.limits.template_seconds)
    problems = [*problems, *check_templates(project)]
    if write:
        problems.extend(check_output_directory(root))
    if problems:
        raise ProblemsFound(problems)
    if write:
        lock.take(create=False)  # only now that output/, where the lock lives, has been checked
    report = BuildReport(project=project, warnings=list(project.warnings), acknowledged=list(project.acknowledged))
    briefings = select_shard(select_briefings(project, only), shard)
    wanted = [name for name in OUTPUT_FORMATS if name in (formats or project.settings.formats)]

    template_warnings: dict[Problem, None] = {}
    html_documents: dict[str, str] = {}
    template_seconds = project.settings.limits.template_seconds
    pdf_seconds = pdf_timeout or project.settings.limits.pdf_seconds
    for briefing in briefings:
        try:
            if "md" in wanted:
                document = render_markdown(environment, project, briefing, generated, standalone=True)
                report.outputs.append(_output(root, briefing, "md", document.text.encode("utf-8")))
                template_warnings.update(dict.fromkeys(document.warnings))
            if "html" in wanted or "pdf" in wanted:
                body_markdown = render_markdown(environment, project, briefing, generated, standalone=False)
                template_warnings.update(dict.fromkeys(body_markdown.warnings))
                try:
                    with limits.time_limit(template_seconds):
                        body = markdown_to_html(body_markdown.text)
                except (limits.TimeLimitExceeded, RecursionError) as error:
                    path, line = _origin(project, briefing)
                    reason = str(error) if isinstance(error, limits.TimeLimitExceeded) else "nests too deeply"
                    problems.append(Problem(path, line, f"briefing '{briefing.id}': its Markdown {reason} "
                                            "when converted to HTML"))
                    continue
                html_documents[briefing.id] = render_html(environment, project, briefing, generated,
                                                          body_markdown, body)
                path, line = _origin(project, briefing)
                template_warnings.update(dict.fromkeys(
                    Problem(path, line, f"{briefing.id}.html loads {url} from outside the project whenever it is "
                            "opened (the PDF refuses it): put the file in the project", Severity.WARNING)
                    for url in remote_resources(html_documents[briefing.id])))
                if "html" in wanted:
                    report.outputs.append(_output(root, briefing, "html", html_documents[briefing.id].encode("utf-8")))
        except TemplateProblem as error:
            problems.append(error.problem)
    if problems:
        raise ProblemsFound(problems)
    report.warnings.extend(template_warnings)

    if "pdf" in wanted:
        from .pdf import PdfTimeout, html_to_pdf  # WeasyPrint is loaded only when a PDF is made.

        for briefing in briefings:
            path, line = _origin(project, briefing)
            try:
                result = html_to_pdf(html_documents[briefing.id], root, timeout_seconds=pdf_seconds)
            except PdfTimeout:
                problems.append(Problem(path, line, f"{briefing.id}.pdf: rendering took longer than "
                                        f"{pdf_seconds:g} s (the limit); look for a stylesheet or template that "
                                        "makes very many pages"))
                continue
            report.outputs.append(_output(root, briefing, "pdf", result.data))
            report.warnings.extend(Problem(path, line, f"{briefing.id}.pdf: {message}", Severity.WARNING)
                                   for message in result.warnings)
        if problems:
            raise ProblemsFound(problems)

    for warning in report.warnings:
        logger.warning("%s", warning)
    if strict and report.warnings:
        raise ProblemsFound([Problem(w.path, w.line, f"{w.message}{f' [{w.code}]' if w.code else ''} (--strict)")
                             for w in report.warnings])
    report.outputs.sort(key=lambda output: (output.briefing_id, OUTPUT_FORMATS.index(output.format)))
    if write:
        lock.take()
        report.written = write_outputs(root, report.outputs)
    return report


def _origin(project: Project, briefing: Briefing) -> tuple[str, int | None]:
    return project.briefing_origins.get(briefing.id, (SETTINGS_FILE, None))


def check_templates(project: Project) -> list[Problem]:
    """Problems a template has before any rendering: location, encoding, syntax, and names that do not exist.

    Every template file of the project's ``templates/`` is compiled, whether
    or not a briefing uses it yet, so that a broken house template is found
    by ``check`` rather than by the first briefing that extends it.
    """
    root = project.root
    directory_problem = check_project_dir(root / USER_TEMPLATES_DIR, root)
    if directory_problem is not None:
        return [directory_problem]
    problems: list[Problem] = []
    environment = make_environment(root)
    for name in ProjectTemplateLoader(root).list_templates():
        if not name.endswith((".j2", ".css")):
            continue
        try:
            environment.get_template(name)
        except TemplateProblem as error:
            problems.append(error.problem)
        except Exception as error:  # noqa: BLE001 - turned into the located problem render_template would give
            problems.append(_compile_problem(error, name, root))
    available = available_templates(root)
    for briefing in project.briefings:
        if briefing.template and briefing.template not in available:
            path, line = project.template_origins.get(briefing.id, (SETTINGS_FILE, None))
            close = difflib.get_close_matches(briefing.template, available, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(path, line, f"unknown template '{briefing.template}'{hint}: there is no "
                                    f"{USER_TEMPLATES_DIR}/{briefing.template}.md.j2 (available: "
                                    f"{', '.join(available)})"))
    return problems


def _compile_problem(error: Exception, name: str, root: Path) -> Problem:
    import jinja2

    if isinstance(error, jinja2.TemplateSyntaxError):
        return Problem(f"{USER_TEMPLATES_DIR}/{name}", error.lineno, f"template syntax error: {error.message}")
    if isinstance(error, RecursionError):
        return Problem(f"{USER_TEMPLATES_DIR}/{name}", None, "template is nested too deeply to compile")
    return Problem(f"{USER_TEMPLATES_DIR}/{name}", None, f"template cannot be compiled: {error}")


def check_output_directory(root: Path) -> list[Problem]:
    """Refuse, before rendering anything, an ``output/`` that could not be written or lies outside the project."""
    directory = root / OUTPUT_DIR
    problem = check_project_dir(directory, root)
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
            close = difflib.get_close_matches(briefing_id, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
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
            staged.append((_stage(output.path, output.data), output.path))
        for temporary, target in staged:
            backup = None
            if os.path.lexists(target):
                backup = _temporary_name(target)
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


def _temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def _stage(target: Path, data: bytes) -> Path:
    temporary = _temporary_name(target)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


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
    """Remove the temporary files a killed build left in ``directory`` (only ours, by their name)."""
    for path in directory.glob(f".*{TEMP_SUFFIX}"):
        if path.is_file() and not path.is_symlink():
            _discard([path])
