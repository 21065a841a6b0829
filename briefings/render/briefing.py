"""Rendering one briefing in the formats asked for, and recording what it read.

Contract: :func:`render_briefing` renders one briefing of a loaded project to
Markdown, HTML, PDF and/or Word (DOCX) bytes at a given "generated" time, and returns a
:class:`RenderedBriefing`: the bytes of each format, the warnings and the
problems of this briefing alone (a template error, a PDF over its time
limit), and, for each format, every file that went into it (each template
looked up, found or not; every file WeasyPrint asked for) and whether a
template read the project's whole ``references`` mapping. Every PDF embeds
the briefing's JSON snapshot as a file attachment (``<id>.json``), dated with
the generated time so that its bytes are reproducible. Nothing is
written here. It runs in the build's own process or in a worker process
(see :mod:`briefings.build.orchestrate`); either way the result is the same.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from briefings import limits
from briefings.errors import Problem, Severity
from briefings.files import FileProblem
from briefings.paths import SETTINGS_FILE, TEMPLATES_DIR
from briefings.project.model import Briefing, Project
from briefings.render.context import briefing_context, context_base
from briefings.render.docx import footnote_notes, html_body_to_docx
from briefings.render.edition_state import EditionState
from briefings.render.environment import BUILTIN_DIR, BUILTIN_PREFIX, TemplateProblem
from briefings.render.fonts import used_instead
from briefings.render.html import markdown_to_html, remote_resources, render_html
from briefings.render.markdown import render_markdown
from briefings.render.sandbox import BriefingSandbox, DependencyTracker
from briefings.render.snapshot import make_snapshot


@dataclass
class RenderedBriefing:
    briefing_id: str
    outputs: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: For each format: the files read to make it, as keys of :func:`read_key` (a template looked up
    #: but absent is listed too), and whether the whole references mapping was used.
    reads: dict[str, set[str]] = field(default_factory=dict)
    uses_all_references: dict[str, bool] = field(default_factory=dict)


def origin(project: Project, briefing: Briefing) -> tuple[str, int | None]:
    """Where a briefing is declared, for messages about it."""
    return project.briefing_origins.get(briefing.id, (SETTINGS_FILE, None))


def _missing_fonts(project: Project, briefing: Briefing) -> list[Problem]:
    """A warning for each font the briefing's style asks for that is not installed, naming what the PDF uses."""
    warnings = []
    fonts = briefing.style.fonts
    document = project.documents.get(SETTINGS_FILE)
    spec = (project.settings.briefings or {}).get(briefing.id)
    for role in ("body", "headings"):
        family = getattr(fonts, role) if fonts else None
        instead = used_instead(family, role) if family else None
        if instead is None:
            continue
        own = _dig(spec, "style", "fonts", role) is not None
        location = ("briefings", briefing.id, "style", "fonts", role) if own else ("style", "fonts", role)
        line = document.line_of(location) if document is not None else None
        warnings.append(Problem(SETTINGS_FILE, line, f"font '{family}' ({role}) is not installed on this machine: "
                                f"the PDF is set in '{instead}' instead; install it, or name an installed family",
                                Severity.WARNING, "font-missing"))
    return warnings


def _dig(data: object, *keys: str) -> object:
    """``data[k1][k2]…`` through mappings, or None."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def template_read_keys(tracker: DependencyTracker) -> set[str]:
    """The files a tracked rendering depended on: for each name looked up, the project's
    ``templates/NAME`` (present or not: adding it later changes the result) and the built-in used."""
    keys: set[str] = set()
    for name, filename in tracker.templates.items():
        if name.startswith(f"{BUILTIN_PREFIX}/"):
            keys.add(name)
            continue
        keys.add(f"{TEMPLATES_DIR}/{name}")
        if filename is not None and Path(filename).resolve().is_relative_to(BUILTIN_DIR.resolve()):
            keys.add(f"{BUILTIN_PREFIX}/{name}")
    return keys


def path_read_key(path: Path, project_root: Path) -> str:
    """A file WeasyPrint asked for, named relative to the project (or as ``builtin/…``)."""
    for base, prefix in ((project_root.resolve(), ""), (BUILTIN_DIR.resolve(), f"{BUILTIN_PREFIX}/")):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


_PAGE_LIMIT = re.compile(r"<body\b[^>]*\bdata-page-limit=\"(\d{1,4})\"")


def page_limit(html: str) -> int | None:
    """The page limit a template declares on its ``<body data-page-limit="N">``, if any."""
    match = _PAGE_LIMIT.search(html)
    return int(match.group(1)) if match else None


def render_briefing(project: Project, environment: BriefingSandbox, briefing: Briefing, generated: datetime.datetime,
                    formats: tuple[str, ...], *, pdf_seconds: float, edition: EditionState | None = None,
                    today: datetime.date | None = None) -> RenderedBriefing:
    """Render ``briefing`` in ``formats`` (a subset of md, html, pdf, docx, json); see the module docstring.

    ``edition`` says whether this rendering is an edition or a draft and what
    changed; ``today`` decides which topics are overdue (default: the generated date).
    """
    result = RenderedBriefing(briefing.id)
    path, line = origin(project, briefing)
    tracker = DependencyTracker()
    environment.tracker = tracker
    today = today or generated.date()
    try:
        snapshot_bytes = b""
        if "json" in formats or "pdf" in formats:  # every PDF carries its snapshot as an attachment
            snapshot = make_snapshot(project, briefing, today=today, generated=generated,
                                     edition=edition.as_json() if edition else None,
                                     changes=edition.changes if edition else None)
            snapshot_bytes = orjson.dumps(snapshot, option=orjson.OPT_INDENT_2) + b"\n"
        if "json" in formats:
            result.outputs["json"] = snapshot_bytes
            result.reads["json"] = set()
            result.uses_all_references["json"] = False
        # The views of the briefing's topics, made once for all its renderings.
        base = context_base(project, briefing, generated, edition=edition, today=today)
        expected: tuple[str, ...] | None = None
        if "md" in formats:
            document = render_markdown(environment, project, briefing, generated, standalone=True,
                                       edition=edition, today=today, base=base)
            # The body usually cites in the same order: its rendering starts from this one's numbers.
            expected = tuple(reference.id for reference in document.cited_references)
            result.outputs["md"] = document.text.encode("utf-8")
            result.warnings.extend(document.warnings)
            result.reads["md"] = template_read_keys(tracker)
            result.uses_all_references["md"] = tracker.uses_all_references
        if {"html", "pdf", "docx"} & set(formats):
            tracker = environment.tracker = DependencyTracker()
            body_markdown = render_markdown(environment, project, briefing, generated, standalone=False,
                                            edition=edition, today=today, base=base, expected=expected)
            result.warnings.extend(body_markdown.warnings)
            try:
                with limits.time_limit(project.settings.limits.template_seconds):
                    body = markdown_to_html(body_markdown.text)
            except (limits.TimeLimitExceeded, RecursionError) as error:
                reason = str(error) if isinstance(error, limits.TimeLimitExceeded) else "nests too deeply"
                result.problems.append(Problem(path, line, f"briefing '{briefing.id}': its Markdown {reason} "
                                               "when converted to HTML"))
                return result
            body_reads = template_read_keys(tracker)  # the Markdown template stack (Word uses no other)
            if briefing.style.logo:  # embedded as a data: URL, so no fetcher sees it: recorded here
                body_reads.add(briefing.style.logo)
            if "docx" in formats:
                # Word is made from the same body (the template rendered for its audience) and template context.
                context = briefing_context(project, briefing, generated, standalone=False, edition=edition,
                                           today=today, base=base)
                reference = briefing.style.docx_reference
                try:
                    notes = footnote_notes(context, body_markdown.cited_references)
                    word = html_body_to_docx(context, body.html, notes, project.root, generated, reference)
                except FileProblem as error:
                    result.problems.append(error.problem)
                    return result
                result.outputs["docx"] = word.data
                result.warnings.extend(Problem(path, line, f"{briefing.id}.docx: {message}", Severity.WARNING)
                                       for message in word.warnings)
                result.reads["docx"] = body_reads | ({reference} if reference else set())
                result.uses_all_references["docx"] = tracker.uses_all_references
            html = render_html(environment, project, briefing, generated, body_markdown, body,
                               edition=edition, today=today, base=base)
            result.warnings.extend(
                Problem(path, line, f"{briefing.id}.html loads {url} from outside the project whenever it is "
                        "opened (the PDF refuses it): put the file in the project", Severity.WARNING)
                # The body is sanitised (no remote sources survive): only the page around it can load any.
                for url in remote_resources(html.replace(body.html, "", 1)))
            html_reads = template_read_keys(tracker)
            if briefing.style.logo:  # embedded as a data: URL, so no fetcher sees it: recorded here
                html_reads.add(briefing.style.logo)
            if "html" in formats:
                result.outputs["html"] = html.encode("utf-8")
                result.reads["html"] = html_reads
                result.uses_all_references["html"] = tracker.uses_all_references
            if "pdf" in formats:
                from briefings.render.pdf import (  # WeasyPrint loads only for a PDF.
                    PdfAttachment,
                    PdfTimeout,
                    html_to_pdf,
                )

                attachment = PdfAttachment(f"{briefing.id}.json", snapshot_bytes,
                                           "The briefing's JSON snapshot: its facts, sources and their checks",
                                           generated)
                try:
                    pdf = html_to_pdf(html, project.root, timeout_seconds=pdf_seconds, attachments=(attachment,),
                                      archival=project.settings.pdf.archival)
                except PdfTimeout:
                    result.problems.append(Problem(path, line, f"{briefing.id}.pdf: rendering took longer than "
                                                   f"{pdf_seconds:g} s (the limit); look for a stylesheet or "
                                                   "template that makes very many pages"))
                    return result
                result.outputs["pdf"] = pdf.data
                limit = page_limit(html)
                if limit is not None and pdf.pages > limit:
                    result.warnings.append(Problem(path, line, f"{briefing.id}.pdf has {pdf.pages} pages, more than "
                                                   f"the {limit} its template allows (data-page-limit): shorten "
                                                   "the briefing or choose another template", Severity.WARNING,
                                                   "page-limit"))
                result.warnings.extend(Problem(path, line, f"{briefing.id}.pdf: {message}", Severity.WARNING)
                                       for message in pdf.warnings)
                result.warnings.extend(_missing_fonts(project, briefing))
                result.reads["pdf"] = html_reads | {path_read_key(read, project.root) for read in pdf.reads}
                result.uses_all_references["pdf"] = tracker.uses_all_references
    except TemplateProblem as error:
        result.problems.append(error.problem)
    finally:
        environment.tracker = None
    result.warnings = list(dict.fromkeys(result.warnings))
    return result
