"""Stage 3: the template stack, and rendering a briefing to Markdown.

Contract: :func:`make_environment` builds the Jinja environment for a project.
Templates are looked up first in the project's ``templates/`` directory, then
among the built-in templates shipped inside this package; the built-ins are
also reachable as ``builtin/<name>`` so that an override can
``{% extends "builtin/briefing.md.j2" %}`` and replace a single block.
Undefined names are errors (``StrictUndefined``), autoescaping is on for
HTML templates only, and templates run in Jinja's sandbox, because house
templates are shared between organisations.

:func:`render_markdown` renders one briefing. Fact text is passed to
templates as data, never compiled as a template, so ``{{ 7*7 }}`` in a fact
stays as written. Template problems come back as :class:`TemplateProblem`,
naming the template file and line.
"""

from __future__ import annotations

import datetime
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import Problem, relative_path
from .model import RELIABILITY_GRADES, Briefing, Fact, Figure, Project, Reference, Topic

BUILTIN_PREFIX = "builtin"
BUILTIN_DIR = Path(__file__).parent / "templates"
USER_TEMPLATES_DIR = "templates"
DEFAULT_TEMPLATE = "briefing"


class TemplateProblem(Exception):
    """A template failed to load or render; carries the located problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def make_environment(project_root: Path) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(str(BUILTIN_DIR))
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(project_root / USER_TEMPLATES_DIR)),
        jinja2.PrefixLoader({BUILTIN_PREFIX: builtin}),
        builtin,
    ])
    environment = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2"),
                                            default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update({
        "longdate": format_long_date,
        "md_escape": escape_markdown,
        "table_cell": table_cell,
        "number": format_number,
        "figure_value": format_figure_value,
    })
    return environment


def template_names(briefing: Briefing, extension: str) -> list[str]:
    """The templates to try for one output, most specific first."""
    default = f"{DEFAULT_TEMPLATE}.{extension}.j2"
    if not briefing.template:
        return [default]
    # A named template must provide the Markdown; its HTML wrapper may fall back.
    chosen = f"{briefing.template}.{extension}.j2"
    return [chosen, default] if extension == "html" else [chosen]


def render_template(environment: jinja2.Environment, names: list[str], context: dict[str, Any],
                    project_root: Path) -> str:
    """Render the first existing template of ``names``; turn failures into a located problem."""
    try:
        template = environment.select_template(names)
        return template.render(context)
    except jinja2.TemplateSyntaxError as error:
        path = _display_template_path(error.filename, error.name, project_root)
        raise TemplateProblem(Problem(path, error.lineno, f"template syntax error: {error.message}")) from error
    except jinja2.TemplatesNotFound as error:
        tried = " or ".join(str(name) for name in error.templates)
        raise TemplateProblem(Problem(USER_TEMPLATES_DIR, None, f"template not found: {tried}")) from error
    except jinja2.TemplateNotFound as error:
        where, line = _template_frame(error, project_root)
        raise TemplateProblem(Problem(where, line, f"template not found: {error.name}")) from error
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as error:
        where, line = _template_frame(error, project_root)
        message = error.message if isinstance(error, jinja2.TemplateError) and error.message else str(error)
        if isinstance(error, jinja2.UndefinedError):
            message = f"undefined variable: {message}"
        else:
            message = f"template error: {message}"
        raise TemplateProblem(Problem(where, line, message)) from error


def _template_frame(error: BaseException, project_root: Path) -> tuple[str, int | None]:
    """Find the innermost template frame in the traceback (Jinja rewrites frames to template lines)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        filename = frame.filename
        if filename.endswith(".j2") or filename.endswith(".css") or filename.endswith(".html"):
            return _display_template_path(filename, None, project_root), frame.lineno
    return USER_TEMPLATES_DIR, None


def _display_template_path(filename: str | None, name: str | None, project_root: Path) -> str:
    if filename:
        path = Path(filename)
        try:
            return f"{BUILTIN_PREFIX}/{path.resolve().relative_to(BUILTIN_DIR.resolve()).as_posix()}"
        except ValueError:
            return relative_path(path, project_root)
    return name or USER_TEMPLATES_DIR


# -- what templates see ------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    date: datetime.date
    topic: Topic
    fact: Fact


@dataclass(frozen=True)
class FigureEntry:
    topic: Topic
    figure: Figure


def briefing_context(project: Project, briefing: Briefing, generated: datetime.datetime,
                     *, standalone: bool) -> dict[str, Any]:
    """Everything a Markdown or HTML template may use, for one briefing."""
    cited = cited_references(project, briefing)
    return {
        "briefing": briefing,
        "topics": briefing.topics,
        "multi_topic": len(briefing.topics) > 1,
        "settings": project.settings,
        "references": project.references,
        "cited_references": cited,
        "timeline": timeline(briefing),
        "figures": [FigureEntry(topic, figure) for topic in briefing.topics for figure in topic.figures],
        "generated": generated,
        "standalone": standalone,
        "reliability_grades": RELIABILITY_GRADES,
        "cite": citer(cited),
        "source_note": source_note,
    }


def render_markdown(environment: jinja2.Environment, project: Project, briefing: Briefing,
                    generated: datetime.datetime, *, standalone: bool = True) -> str:
    """Render ``briefing`` to Markdown with its template (see :func:`template_names`)."""
    context = briefing_context(project, briefing, generated, standalone=standalone)
    text = render_template(environment, template_names(briefing, "md"), context, project.root)
    # Collapse the blank-line runs that block tags leave behind.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def cited_references(project: Project, briefing: Briefing) -> list[Reference]:
    """References the briefing cites, in the order of their first citation."""
    # The order of the built-in template: all facts, then all figures.
    order: dict[str, None] = {}
    for topic in briefing.topics:
        for fact in topic.facts:
            order.update(dict.fromkeys(fact.sources))
    for topic in briefing.topics:
        for figure in topic.figures:
            order.update(dict.fromkeys(figure.sources))
    return [project.references[reference_id] for reference_id in order]


def timeline(briefing: Briefing) -> list[TimelineEntry]:
    entries = [TimelineEntry(fact.date, topic, fact)
               for topic in briefing.topics for fact in topic.facts if fact.date is not None]
    return sorted(entries, key=lambda entry: entry.date)  # stable: ties keep curated order


def citer(cited: list[Reference]) -> Callable[[list[str]], str]:
    """The template function ``cite(ids)``: one Markdown footnote reference per source.

    python-markdown numbers footnotes in the order the text first cites them;
    listing a fact's sources in that same order makes its numbers ascend (1,3
    rather than 3,1).
    """
    rank = {reference.id: index for index, reference in enumerate(cited)}

    def cite(sources: list[str]) -> str:
        ordered = sorted(sources, key=lambda source: rank.get(source, len(rank)))
        return "".join(f"[^{source}]" for source in ordered)

    return cite


def source_note(reference: Reference) -> str:
    """The footnote text for one reference: outlet, title, date, link, grade."""
    title = escape_markdown(reference.title)
    # A title the curator supplied is bracketed, as in a library catalogue,
    # and is not quoted as if it were the document's own.
    shown_title = title if reference.title.startswith("[") else f"“{title}”"
    parts = [f"{escape_markdown(reference.outlet)}, {shown_title}, {format_long_date(reference.published)}."]
    if reference.url:
        parts.append(f"<{reference.url}>.")
    if reference.reliability:
        parts.append(f"Reliability {reference.reliability} ({RELIABILITY_GRADES[reference.reliability]}).")
    if reference.accessed:
        parts.append(f"Accessed {format_long_date(reference.accessed)}.")
    if reference.note:
        parts.append(f"*{escape_markdown(reference.note)}*")
    return " ".join(parts)


# -- filters ---------------------------------------------------------------------


def format_long_date(value: datetime.date | datetime.datetime) -> str:
    """``2025-06-23`` → ``23 June 2025`` (the style of UK government publications)."""
    return f"{value.day} {value:%B %Y}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def escape_markdown(text: object) -> str:
    """Escape plain text (titles, outlet names) so Markdown shows it as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def table_cell(text: object) -> str:
    """Fit Markdown text into one table cell: one line, pipes escaped."""
    return re.sub(r"\s*\n\s*", " ", str(text)).replace("|", "\\|").strip()


def format_number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:,.10g}"


_CURRENCY = "£$€¥"


def format_figure_value(figure: Figure) -> str:
    """A figure's value with its unit placed as a reader expects: £2.3bn, 2.5% of GDP, 13 countries."""
    value = format_number(figure.value)
    unit = figure.unit
    if not unit:
        return value
    if unit[0] in _CURRENCY:
        return f"{unit[0]}{value}{unit[1:]}"
    if unit.startswith("%"):
        return f"{value}{unit}"
    return f"{value} {unit}"
