"""The template stack, and rendering one template within bounds.

Contract: :func:`make_environment` builds the Jinja environment for a
project: a :class:`~briefings.render.sandbox.BriefingSandbox` with the
filters and functions of :mod:`briefings.render.filters`, undefined names
as errors, and Jinja's i18n extension (``_()``, ``{% trans %}``) writing the
built-in labels in the briefing's language. Templates are looked up first in the project's ``templates/``
directory, then among the built-in templates shipped inside this package;
the built-ins are also reachable as ``builtin/<name>`` so that an override
can ``{% extends "builtin/briefing.md.j2" %}`` and replace a single block. A
project template is read only from inside the project
(:class:`ProjectTemplateLoader`).

:func:`render_template` renders one template under a time limit, a memory
bound and an output-size bound, with recursion caught, so a template that
loops for ever, builds a huge string or extends itself ends with a located
error, never a hang or a crash. Every template problem comes back as
:class:`TemplateProblem`, naming the template file (``templates/NAME`` or
``builtin/NAME``, :func:`display_template_path`) and line.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from briefings import limits, paths
from briefings.errors import Problem, relative_path
from briefings.files import FileProblem, display_path, read_project_file
from briefings.paths import TEMPLATES_DIR
from briefings.project.model import Briefing
from briefings.render.filters import (
    changes_heading,
    check_legend,
    cited_for,
    date_note,
    edition_label,
    escape_markdown,
    figure_note,
    figure_value_filter,
    gettext_label,
    grade_note,
    longdate_filter,
    ngettext_label,
    number_filter,
    page_numbers_rule,
    review_notice,
    table_cell,
    verification_note,
)
from briefings.render.sandbox import TEMPLATE_SECONDS, BriefingSandbox, TrackedReferences
from briefings.render.views import TemplateContext

BUILTIN_PREFIX = paths.BUILTIN_PREFIX
BUILTIN_DIR = paths.BUILTIN_TEMPLATES_DIR
DEFAULT_TEMPLATE = "briefing"

#: Bounds on one template rendering (documented in the README under "Templates"; the time limit is
#: :data:`briefings.render.sandbox.TEMPLATE_SECONDS` unless the project sets its own).
TEMPLATE_MEMORY_BYTES = 1 << 30
MAX_TEMPLATE_BYTES = 1 << 20
MAX_OUTPUT_CHARS = 20_000_000


class TemplateProblem(Exception):
    """A template failed to load or render; carries the located problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


# -- the template stack ------------------------------------------------------------


class ProjectTemplateLoader(jinja2.BaseLoader):
    """Loads ``templates/<name>`` from the project, and nothing from outside it.

    A template that is a symlink resolving outside the project, that is not a
    regular file, that is too large or that is not UTF-8 is refused with a
    problem naming it (through :func:`briefings.files.read_project_file`).
    """

    def __init__(self, project_root: Path):
        self.project_root = project_root
        self.directory = project_root / TEMPLATES_DIR

    def _path(self, name: str) -> Path:
        return self.directory.joinpath(*jinja2.loaders.split_template_path(name))

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        path = self._path(template)
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        try:
            raw = read_project_file(path, self.project_root, max_bytes=MAX_TEMPLATE_BYTES)
        except FileProblem as error:
            raise TemplateProblem(error.problem) from None
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            raise TemplateProblem(Problem(display_path(path, self.project_root), line,
                                          f"template is not valid UTF-8 (byte 0x{raw[error.start]:02x})")) from None
        mtime = _mtime_or_none(path)
        return source, str(path), lambda: _mtime_or_none(path) == mtime

    def list_templates(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(path.relative_to(self.directory).as_posix()
                      for path in self.directory.rglob("*") if path.is_file() and not path.name.startswith("."))


def _mtime_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def make_environment(project_root: Path, *, template_seconds: float = TEMPLATE_SECONDS) -> BriefingSandbox:
    """The sandboxed environment for the project at ``project_root``, with our filters and functions."""
    builtin = jinja2.FileSystemLoader(str(BUILTIN_DIR))
    loader = jinja2.ChoiceLoader([
        ProjectTemplateLoader(project_root),
        jinja2.PrefixLoader({BUILTIN_PREFIX: builtin}),
        builtin,
    ])
    environment = BriefingSandbox(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2"),
                                            default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # _() and {% trans %} read the briefing's language from the context of each rendering (the environment is
    # shared between briefings): briefings.render.filters.gettext_label.
    environment.install_gettext_callables(gettext_label, ngettext_label, newstyle=True)
    for unused in ("pgettext", "npgettext"):  # None unless installed: our catalogs have no message contexts
        environment.globals.pop(unused, None)
    environment.template_seconds = template_seconds
    # lipsum makes random text (unreproducible outputs) of any size asked for.
    environment.globals.pop("lipsum", None)
    environment.globals.update({
        "edition_label": edition_label,
        "changes_heading": changes_heading,
        "review_notice": review_notice,
        "grade_note": grade_note,
        "date_note": date_note,
        "verification_note": verification_note,
        "figure_note": figure_note,
        "cited_for": cited_for,
        "check_legend": check_legend,
        "page_numbers_rule": page_numbers_rule,
    })
    environment.filters.update({
        "longdate": longdate_filter,
        "md_escape": escape_markdown,
        "table_cell": table_cell,
        "number": number_filter,
        "figure_value": figure_value_filter,
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


def available_templates(project_root: Path) -> list[str]:
    """Names usable as a briefing's ``template:`` (those with a ``NAME.md.j2``), project and built-in."""
    names = {name[: -len(".md.j2")] for name in ProjectTemplateLoader(project_root).list_templates()
             if name.endswith(".md.j2")}
    names.update(path.name[: -len(".md.j2")] for path in BUILTIN_DIR.glob("*.md.j2"))
    return sorted(names)


class _OutputTooLarge(Exception):
    pass


def render_template(environment: jinja2.Environment, names: list[str], context: TemplateContext | dict[str, Any],
                    project_root: Path, *, seconds: float | None = None) -> str:
    """Render the first existing template of ``names`` within the bounds; turn failures into a located problem."""
    seconds = seconds or getattr(environment, "template_seconds", TEMPLATE_SECONDS)
    shown_name = names[0]
    stream: Iterator[str] | None = None
    try:
        with limits.time_limit(seconds), limits.memory_limit(TEMPLATE_MEMORY_BYTES):
            template = environment.select_template(names)
            shown_name = display_template_path(template.filename, template.name, project_root)
            pieces: list[str] = []
            size = 0
            stream = template.generate(dict(context))
            for piece in stream:
                size += len(piece)
                if size > MAX_OUTPUT_CHARS:
                    raise _OutputTooLarge
                pieces.append(piece)
            references = context.get("references")
            tracker = getattr(environment, "tracker", None)
            if tracker is not None and isinstance(references, TrackedReferences) and references.used:
                tracker.uses_all_references = True
            return "".join(pieces)
    except TemplateProblem:
        raise
    except jinja2.TemplateSyntaxError as error:
        path = display_template_path(error.filename, error.name, project_root)
        raise TemplateProblem(Problem(path, error.lineno, f"template syntax error: {error.message}")) from error
    except jinja2.TemplatesNotFound as error:
        tried = " or ".join(str(name) for name in error.templates)
        raise TemplateProblem(Problem(TEMPLATES_DIR, None, f"template not found: {tried}")) from error
    except jinja2.TemplateNotFound as error:
        where, line = _template_frame(error, project_root, shown_name)
        raise TemplateProblem(Problem(where, line, f"template not found: {error.name}")) from error
    except limits.TimeLimitExceeded as error:
        where, line = _template_frame(error, project_root, shown_name)
        if line is None and stream is not None:
            # The alarm rang between two pieces of output: the template is
            # paused where it yielded the last one.
            where, line = _paused_at(stream, environment, project_root, where)
        raise TemplateProblem(Problem(where, line, f"template rendering {error}: does a loop never end?")) from None
    except MemoryError:
        where, line = _template_frame(None, project_root, shown_name)
        raise TemplateProblem(Problem(where, line, "template rendering needed more than "
                                      f"{TEMPLATE_MEMORY_BYTES >> 20} MiB of memory (the limit)")) from None
    except RecursionError as error:
        where, line = _template_frame(error, project_root, shown_name)
        raise TemplateProblem(Problem(where, line, "template recursion is too deep: does a template extend, "
                                      "include, import or call itself?")) from None
    except _OutputTooLarge:
        raise TemplateProblem(Problem(shown_name, None, f"template output is longer than {MAX_OUTPUT_CHARS:,} "
                                      "characters (the limit)")) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as error:
        where, line = _template_frame(error, project_root, shown_name)
        message = error.message if isinstance(error, jinja2.TemplateError) and error.message else str(error)
        if isinstance(error, jinja2.UndefinedError):
            message = f"undefined variable: {message}"
        else:
            message = f"template error: {message}"
        raise TemplateProblem(Problem(where, line, message)) from error


def _template_frame(error: BaseException | None, project_root: Path, fallback: str) -> tuple[str, int | None]:
    """Find the innermost template frame in the traceback (Jinja rewrites frames to template lines)."""
    if error is not None:
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            filename = frame.filename
            if filename.endswith((".j2", ".css", ".html")):
                return display_template_path(filename, None, project_root), frame.lineno
    return fallback, None


def _paused_at(stream: Iterator[str], environment: jinja2.Environment, project_root: Path,
               fallback: str) -> tuple[str, int | None]:
    """The template and line where a paused rendering stopped (the innermost generator of ``yield from``)."""
    frame = None
    generator: Any = stream
    for _ in range(1000):  # bounded: one step per nested block, include or extends
        if generator is None:
            break
        frame = getattr(generator, "gi_frame", None) or frame
        generator = getattr(generator, "gi_yieldfrom", None)
    if frame is None or not isinstance(name := frame.f_globals.get("name"), str):
        return fallback, None
    try:
        template = environment.get_template(name)
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return fallback, None
    return (display_template_path(template.filename, template.name, project_root),
            template.get_corresponding_lineno(frame.f_lineno))


def display_template_path(filename: str | None, name: str | None, project_root: Path) -> str:
    """How problems name a template: ``builtin/NAME`` for a built-in, its path in the project otherwise."""
    if filename:
        path = Path(filename)
        try:
            return f"{BUILTIN_PREFIX}/{path.resolve().relative_to(BUILTIN_DIR.resolve()).as_posix()}"
        except ValueError:
            return relative_path(path, project_root)
    return name or TEMPLATES_DIR


# -- what templates see ------------------------------------------------------
