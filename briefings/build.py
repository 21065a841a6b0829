"""The build orchestrator: load → validate → Markdown → HTML → PDF → write.

Contract: :func:`build` runs the whole pipeline over a project and returns a
:class:`BuildReport`. Every stage finishes for every briefing before anything
is written, and problems from all briefings are gathered into one
:class:`~briefings.errors.ProblemsFound`, so a failed build reports
everything at once and leaves ``output/`` exactly as it was. Each output
file is written to a temporary file beside it and moved into place, so no
reader ever sees a half-written briefing.

Warnings (topics past their review date, facts resting only on weak
sources, anything WeasyPrint complains about) are returned in
:attr:`BuildReport.warnings` and logged to the ``briefings`` logger; with
``strict=True`` they fail the build like errors.
"""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, ProblemsFound, Severity
from .html import markdown_to_html, render_html
from .model import OUTPUT_FORMATS, SETTINGS_FILE, Briefing, Project, load_project
from .pdf import DEFAULT_PDF_TIMEOUT  # cheap: pdf.py imports WeasyPrint only when it renders
from .templating import TemplateProblem, make_environment, render_markdown

logger = logging.getLogger("briefings")

OUTPUT_DIR = "output"


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
    written: list[Path] = field(default_factory=list)


def generation_time() -> datetime.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so that builds can be reproduced."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def build(
    root: Path,
    *,
    only: Sequence[str] = (),
    formats: Sequence[str] = (),
    write: bool = True,
    strict: bool = False,
    generated: datetime.datetime | None = None,
    pdf_timeout: float = DEFAULT_PDF_TIMEOUT,
) -> BuildReport:
    """Build the briefings of the project at ``root``; see the module docstring."""
    root = Path(root)
    generated = generated or generation_time()
    project = load_project(root, today=generated.date())
    report = BuildReport(project=project, warnings=list(project.warnings))
    briefings = select_briefings(project, only)
    wanted = [name for name in OUTPUT_FORMATS if name in (formats or project.settings.formats)]

    environment = make_environment(root)
    problems: set[Problem] = set()
    html_documents: dict[str, str] = {}
    for briefing in briefings:
        try:
            if "md" in wanted:
                markdown_text = render_markdown(environment, project, briefing, generated, standalone=True)
                report.outputs.append(_output(root, briefing, "md", markdown_text.encode("utf-8")))
            if "html" in wanted or "pdf" in wanted:
                body = markdown_to_html(render_markdown(environment, project, briefing, generated, standalone=False))
                html_documents[briefing.id] = render_html(environment, project, briefing, generated, body)
                if "html" in wanted:
                    report.outputs.append(_output(root, briefing, "html", html_documents[briefing.id].encode("utf-8")))
        except TemplateProblem as error:
            problems.add(error.problem)
    if problems:
        raise ProblemsFound(list(problems))

    if "pdf" in wanted:
        from .pdf import PdfTimeout, html_to_pdf  # WeasyPrint is loaded only when a PDF is made.

        for briefing in briefings:
            path, line = project.briefing_origins.get(briefing.id, (SETTINGS_FILE, None))
            try:
                result = html_to_pdf(html_documents[briefing.id], root, timeout_seconds=pdf_timeout)
            except PdfTimeout:
                problems.add(Problem(path, line, f"{briefing.id}.pdf: rendering took longer than {pdf_timeout:g} s "
                                     "(the limit); look for a stylesheet or template that makes very many pages"))
                continue
            report.outputs.append(_output(root, briefing, "pdf", result.data))
            report.warnings.extend(Problem(path, line, f"{briefing.id}.pdf: {message}", Severity.WARNING)
                                   for message in result.warnings)
        if problems:
            raise ProblemsFound(list(problems))

    for warning in report.warnings:
        logger.warning("%s", warning)
    if strict and report.warnings:
        raise ProblemsFound([Problem(w.path, w.line, f"{w.message} (--strict)") for w in report.warnings])
    report.outputs.sort(key=lambda output: (output.briefing_id, OUTPUT_FORMATS.index(output.format)))
    if write:
        for output in report.outputs:
            write_atomically(output.path, output.data)
            report.written.append(output.path)
    return report


def select_briefings(project: Project, only: Iterable[str]) -> list[Briefing]:
    only = list(dict.fromkeys(only))
    if not only:
        return list(project.briefings)
    known = {briefing.id for briefing in project.briefings}
    unknown = [briefing_id for briefing_id in only if briefing_id not in known]
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        raise ProblemsFound([Problem("--only", None, f"unknown briefing '{briefing_id}' (briefings: {names})")
                             for briefing_id in unknown])
    return [briefing for briefing in project.briefings if briefing.id in only]


def _output(root: Path, briefing: Briefing, extension: str, data: bytes) -> Output:
    return Output(briefing.id, extension, root / OUTPUT_DIR / f"{briefing.id}.{extension}", data)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
