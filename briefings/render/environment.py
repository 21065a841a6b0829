"""Stage 3: the template stack, and rendering a briefing to Markdown.

Contract: :func:`make_environment` builds the Jinja environment for a project.
Templates are looked up first in the project's ``templates/`` directory, then
among the built-in templates shipped inside this package; the built-ins are
also reachable as ``builtin/<name>`` so that an override can
``{% extends "builtin/briefing.md.j2" %}`` and replace a single block.

Templates are untrusted: house templates are shared between organisations.
They run in a sandbox that lets them read only the data declared in
:mod:`briefings.render.context` (plain, read-only values, never live objects) and call
only the functions offered here; undefined names are errors; a project
template is read only from inside the project. Nothing a rendering does
outlives it: the data is immutable, and what a template makes for itself
(a ``namespace``, a ``cycler``, an imported template's module) is made
afresh for each rendering, so one briefing's template can never change what
another, or its own second rendering, sees. Every rendering runs under a
time limit, a memory bound and an output-size bound, and recursion is caught,
so a template that loops for ever, builds a huge string or extends itself
ends with a located error, never a hang or a crash.

:func:`render_markdown` renders one briefing and numbers its citations
itself: ``cite(ids)`` marks a citation, the first rendering finds the order
in which a reader meets the cited documents, and the second numbers them
1, 2, 3… in that order, with ``cited_references`` in the same order. The
result uses Markdown footnote syntax (``[^3]`` in the text, ``[^3]: …`` under
Sources), which :mod:`briefings.render.html` turns into links. Fact text is data,
never compiled as a template. Template problems come back as
:class:`TemplateProblem`, naming the template file and line.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import operator
import os
import re
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
from jinja2.environment import TemplateModule
from jinja2.runtime import BlockReference, Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Namespace

from briefings import limits
from briefings.editions.store import EditionState, never_published
from briefings.errors import Problem, did_you_mean, relative_path
from briefings.files import FileProblem, display_path, read_project_file
from briefings.paths import TEMPLATES_DIR
from briefings.project.model import Briefing, Project
from briefings.project.schema import RELIABILITY_GRADES
from briefings.render.context import (
    TEMPLATE_ATTRIBUTES,
    TEMPLATE_TYPE_NAMES,
    ChangesView,
    EditionView,
    FactView,
    FigureEntry,
    FigureView,
    ReferenceView,
    StyleView,
    TemplateContext,
    TimelineEntry,
    TopicView,
    briefing_view,
    changes_view,
    citing_facts,
    discrepancy_views,
    edition_view,
    reference_view,
    settings_view,
    topic_view,
)

BUILTIN_PREFIX = "builtin"
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_TEMPLATE = "briefing"

#: Bounds on one template rendering (documented in the README under "Templates").
TEMPLATE_SECONDS = 10.0
TEMPLATE_MEMORY_BYTES = 1 << 30
MAX_TEMPLATE_BYTES = 1 << 20
MAX_OUTPUT_CHARS = 20_000_000
#: Longest string or list a template may build with ``*`` or ``+``.
MAX_SEQUENCE_LENGTH = 5_000_000


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


def _allowed_attributes(obj: object) -> frozenset[str] | None:
    """The attributes templates may use on ``obj``; None means any public one (Jinja's own helpers)."""
    for cls in type(obj).__mro__:
        if cls in TEMPLATE_ATTRIBUTES:
            return TEMPLATE_ATTRIBUTES[cls]
    if isinstance(obj, (Namespace, TemplateModule)):
        # {% set ns.x = … %}, {% import "macros.j2" as m %}: their attributes are the templates' own values
        # (a module is made afresh for every import: see BriefingTemplate).
        return None
    if isinstance(obj, LoopContext):
        return frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth",
                          "depth0", "previtem", "nextitem", "cycle", "changed"})
    if isinstance(obj, Cycler):
        return frozenset({"next", "current", "reset"})
    if isinstance(obj, BlockReference):
        return frozenset({"super"})
    return frozenset()


@dataclasses.dataclass
class DependencyTracker:
    """What one rendering read: each template name looked up (with the file it found, or None),
    and whether it read the project's whole ``references`` mapping."""

    templates: dict[str, str | None] = dataclasses.field(default_factory=dict)
    uses_all_references: bool = False


class TrackedReferences(dict[str, Any]):
    """The ``references`` mapping given to templates, noting whether a template read it at all.

    A template that lists every reference depends on all of them; one that
    never touches the mapping depends only on the references its briefing cites.
    """

    used = False

    def __getitem__(self, key: str) -> Any:
        self.used = True
        return super().__getitem__(key)

    def __iter__(self) -> Any:
        self.used = True
        return super().__iter__()

    def __contains__(self, key: object) -> bool:
        self.used = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.used = True
        return super().__len__()

    def get(self, key: str, default: Any = None) -> Any:
        self.used = True
        return super().get(key, default)

    def items(self) -> Any:
        self.used = True
        return super().items()

    def keys(self) -> Any:
        self.used = True
        return super().keys()

    def values(self) -> Any:
        self.used = True
        return super().values()


class BriefingTemplate(jinja2.Template):
    """A template whose every import (``{% import %}``, ``{% from … import %}``) evaluates it afresh.

    Jinja keeps the module of a template imported without context on the
    template object, and the environment keeps its templates for every
    briefing it renders (the whole build, in one process or one worker). A
    ``namespace``, ``cycler`` or ``joiner`` made at the top of an imported
    template, or changed by one of its macros, would then carry one rendering's
    changes into the next: what one briefing's template did would show in
    another briefing, and in the second rendering of the same one (citation
    numbering), and outputs would depend on which briefings a worker happened
    to render before. A fresh module per import gives every rendering its own
    values, as ``{% import … with context %}`` always does.
    """

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is None:  # Template.module, read by Python code, never by a rendering
            return super()._get_default_module(ctx)
        # As Jinja does when the importing template has globals of its own, but never cached.
        keys = ctx.globals_keys - self.globals.keys()
        return self.make_module({key: ctx.parent[key] for key in keys})


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with ``{% set x.attr = … %}`` errors located at their line."""

    def visit_Assign(self, node: jinja2.nodes.Assign, frame: jinja2.compiler.Frame) -> None:
        # Jinja writes its check that ``x`` is a namespace before it marks the statement's line,
        # so "cannot assign attribute on non-namespace object" was reported at an earlier line.
        self.newline(node)
        super().visit_Assign(node, frame)


_SAFE_ATTRIBUTES: dict[tuple[type, str], bool] = {}


class BriefingSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed to the declared template interface.

    Beyond Jinja's own rules (no underscored attributes, no mutation), an
    attribute is readable only if :data:`briefings.render.context.TEMPLATE_ATTRIBUTES`
    lists it for the object's type, ``*``, ``**`` and ``+`` refuse results
    too large to be a mistake worth waiting for, and imported templates are
    evaluated afresh for every import (:class:`BriefingTemplate`), so nothing
    a rendering does outlives it.
    """

    intercepted_binops = frozenset({"*", "**", "+"})
    template_class = BriefingTemplate
    code_generator_class = _CodeGenerator
    #: The time limit of one rendering (``limits.template_seconds`` in briefings.yaml).
    template_seconds: float = TEMPLATE_SECONDS
    #: When set, every template lookup is recorded in it (for the incremental build).
    tracker: DependencyTracker | None = None

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:  # noqa: A002 - Jinja's signature
        # Every lookup (select_template, extends, include, import) passes here,
        # cached or not. A name looked up but absent matters too: adding that
        # file later changes what renders.
        try:
            template = super()._load_template(name, globals)
        except jinja2.TemplateNotFound:
            if self.tracker is not None:
                self.tracker.templates.setdefault(name, None)
            raise
        if self.tracker is not None:
            self.tracker.templates[name] = template.filename
        return template

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Every rule here depends only on the object's type and the attribute's
        # name, and templates ask the same questions thousands of times.
        key = (type(obj), attr)
        safe = _SAFE_ATTRIBUTES.get(key)
        if safe is None:
            allowed = _allowed_attributes(obj)
            safe = super().is_safe_attribute(obj, attr, value) and (allowed is None or attr in allowed)
            _SAFE_ATTRIBUTES[key] = safe
        return safe

    def wrap_str_format(self, value: Any) -> None:
        # Jinja hands out a sandboxed str.format; templates here get no methods
        # beyond the declared ones, and the |format filter does the same job.
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        if isinstance(value, jinja2.Undefined) and type(obj) in TEMPLATE_ATTRIBUTES and not hasattr(obj, attribute):
            allowed = sorted(TEMPLATE_ATTRIBUTES[type(obj)])
            hint = did_you_mean(attribute, allowed) or f" (it has: {', '.join(allowed)})"
            return self.undefined(f"{type_name(obj)} has no attribute '{attribute}'{hint}", obj=obj, name=attribute)
        return value

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        allowed = sorted(_allowed_attributes(obj) or ())
        hint = did_you_mean(attribute, allowed)
        available = f" (available: {', '.join(allowed)})" if allowed and not hint else ""
        return self.undefined(
            f"'{attribute}' of {type_name(obj)} is not available to "
            f"templates{hint}{available}",
            obj=obj, name=attribute, exc=SecurityError)

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > 4096:
                raise SecurityError(f"{left} ** {right} is too large a number")
        elif operator_name == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                        and len(sequence) * count > MAX_SEQUENCE_LENGTH:
                    raise SecurityError(f"repeating {len(sequence):,} items {count:,} times is too long")
        elif operator_name == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > MAX_SEQUENCE_LENGTH:
            raise SecurityError("joining these would be too long")
        return super().call_binop(context, operator_name, left, right)


def type_name(obj: object) -> str:
    """What a template's author calls ``obj``'s type ("topic", "fact", "text"), for messages."""
    for cls in type(obj).__mro__:
        if cls in TEMPLATE_TYPE_NAMES:
            return TEMPLATE_TYPE_NAMES[cls]
    return "value"


def make_environment(project_root: Path, *, template_seconds: float = TEMPLATE_SECONDS) -> BriefingSandbox:
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
    )
    environment.template_seconds = template_seconds
    # lipsum makes random text (unreproducible outputs) of any size asked for.
    environment.globals.pop("lipsum", None)
    environment.globals.update({
        "edition_label": edition_label,
        "changes_heading": changes_heading,
        "review_notice": review_notice,
        "grade_note": grade_note,
        "verification_note": verification_note,
        "cited_for": cited_for,
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
            shown_name = _display_template_path(template.filename, template.name, project_root)
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
        path = _display_template_path(error.filename, error.name, project_root)
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
                return _display_template_path(filename, None, project_root), frame.lineno
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
    return (_display_template_path(template.filename, template.name, project_root),
            template.get_corresponding_lineno(frame.f_lineno))


def _display_template_path(filename: str | None, name: str | None, project_root: Path) -> str:
    if filename:
        path = Path(filename)
        try:
            return f"{BUILTIN_PREFIX}/{path.resolve().relative_to(BUILTIN_DIR.resolve()).as_posix()}"
        except ValueError:
            return relative_path(path, project_root)
    return name or TEMPLATES_DIR


# -- what templates see ------------------------------------------------------


def briefing_context(project: Project, briefing: Briefing, generated: datetime.datetime, *, standalone: bool,
                     numbers: dict[str, int] | None = None, edition: EditionState | None = None,
                     today: datetime.date | None = None) -> TemplateContext:
    """Everything a Markdown or HTML template may use, for one briefing, as plain data.

    ``numbers`` maps reference ids to citation numbers; without it (the first
    rendering) ``cite`` writes reference ids and ``cited_references`` lists
    every reference the briefing's data cites. ``edition`` says whether this
    is an edition or a draft and what changed (:mod:`briefings.editions.store`);
    without it the briefing is a draft with no edition before it. ``today``
    decides which topics are overdue for review (default: the generated date).
    """
    audit = project.audit
    topics = tuple(topic_view(topic, today or generated.date(), audit) for topic in briefing.topics)
    state = edition or never_published()
    citing = citing_facts(topics)
    archived = {record.reference for record in (audit.archives if audit else ()) if record.status == "archived"}

    def view(reference_id: str, number: int | None) -> ReferenceView:
        return reference_view(project.references[reference_id], number, cited_by=citing.get(reference_id, ()),
                              archived=reference_id in archived)

    if numbers is None:
        cited = tuple(view(reference_id, None) for reference_id in _data_citation_order(topics))
    else:
        cited = tuple(view(reference_id, number)
                      for reference_id, number in sorted(numbers.items(), key=operator.itemgetter(1)))
    numbers = numbers or {}
    return {
        "briefing": briefing_view(briefing, topics),
        "topics": topics,
        "multi_topic": len(topics) > 1,
        "settings": settings_view(project.settings),
        "references": TrackedReferences({key: view(key, numbers.get(key)) for key in project.references}),
        "cited_references": cited,
        "timeline": timeline(topics),
        "figures": tuple(FigureEntry(topic, figure) for topic in topics for figure in topic.figures),
        "generated": generated,
        "standalone": standalone,
        "reliability_grades": dict(RELIABILITY_GRADES),
        "style": style_view(project, briefing),
        "edition": edition_view(state.status, state.number, state.date),
        "changes": changes_view(state.changes, {topic.id: topic.title for topic in topics}, project.references),
        "discrepancies": discrepancy_views(audit, topics, project.topics),
        # The project keeps archived copies, so quotes and evidence carry verification outcomes.
        "audited": bool(audit and audit.uses_archives),
    }


@dataclasses.dataclass(frozen=True)
class RenderedMarkdown:
    """A briefing's Markdown, the references it cites (numbered, in order), and warnings about it."""

    text: str
    cited_references: tuple[ReferenceView, ...]
    warnings: tuple[Problem, ...] = ()


_FIRST_PASS_CITATION = re.compile(r"\[\^([a-z0-9][a-z0-9-]*)\](?!:)")
_CITATION = re.compile(r"\[\^(\d+)\](?!:)")
_DEFINITION = re.compile(r"^\[\^(\d+)\]:", re.MULTILINE)
#: Any footnote-style marker left in the text (fact text cannot contain one: the Markdown subset refuses it).
_ANY_MARKER = re.compile(r"\[\^([^\]\s]{1,100})\](?!:)")


def render_markdown(environment: jinja2.Environment, project: Project, briefing: Briefing,
                    generated: datetime.datetime, *, standalone: bool = True, edition: EditionState | None = None,
                    today: datetime.date | None = None) -> RenderedMarkdown:
    """Render ``briefing`` to Markdown with its template, citations numbered in reading order."""
    names = template_names(briefing, "md")
    functions = {"source_note": source_note}

    def first_pass_cite(sources: Sequence[str]) -> str:
        return "".join(f"[^{source}]" for source in _known_sources(project, sources))

    context = briefing_context(project, briefing, generated, standalone=standalone, edition=edition, today=today)
    draft = render_template(environment, names, {**context, **functions, "cite": first_pass_cite}, project.root)
    order = dict.fromkeys(match for match in _FIRST_PASS_CITATION.findall(draft) if match in project.references)
    numbers = {reference_id: number for number, reference_id in enumerate(order, start=1)}

    def cite(sources: Sequence[str]) -> str:
        cited = sorted({numbers[source] for source in _known_sources(project, sources) if source in numbers})
        return "".join(f"[^{number}]" for number in cited)

    context = briefing_context(project, briefing, generated, standalone=standalone, numbers=numbers,
                               edition=edition, today=today)
    text = render_template(environment, names, {**context, **functions, "cite": cite}, project.root)
    # Collapse the blank-line runs that block tags leave behind.
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    shown = _display_template_path(*_template_file(environment, names), project.root)
    met = list(dict.fromkeys(int(number) for number in _CITATION.findall(text)))
    if met != list(range(1, len(met) + 1)) or len(met) != len(numbers):
        raise TemplateProblem(Problem(shown, None, "the template cited differently on its second rendering; "
                                      "what it cites must not depend on citation numbers"))
    defined = {int(number) for number in _DEFINITION.findall(text)}
    by_number = {number: reference_id for reference_id, number in numbers.items()}
    # A marker with no Sources entry would reach the reader as a raw "[^3]" (or "[^id]"): an error.
    unresolved = [f"[{number}] ('{by_number[number]}')" for number in met if number not in defined]
    unresolved += [f"[^{marker}]" for marker in dict.fromkeys(_ANY_MARKER.findall(text))
                   if not (marker.isdigit() and int(marker) in defined)]
    if unresolved:
        raise TemplateProblem(Problem(shown, None, f"briefing '{briefing.id}': citation marker(s) "
                                      f"{', '.join(dict.fromkeys(unresolved))} have no entry under Sources: "
                                      "the template must list cited_references (see the built-in sources block)"))
    warnings: tuple[Problem, ...] = ()
    return RenderedMarkdown(text=text, cited_references=context["cited_references"], warnings=warnings)


def _template_file(environment: jinja2.Environment, names: list[str]) -> tuple[str | None, str | None]:
    template = environment.select_template(names)  # cached by now
    return template.filename, template.name


def _known_sources(project: Project, sources: Sequence[str]) -> list[str]:
    """``cite``'s argument checked: a list of reference ids (a template bug otherwise)."""
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise jinja2.TemplateRuntimeError("cite() takes a list of reference ids, e.g. cite(fact.sources)")
    for source in sources:
        if source not in project.references:
            hint = did_you_mean(str(source), list(project.references))
            raise jinja2.TemplateRuntimeError(f"cite(): unknown reference '{source}'{hint}")
    return list(sources)


def _data_citation_order(topics: tuple[TopicView, ...]) -> list[str]:
    """Every reference the data cites, facts first, then figures (before the template decides the order)."""
    order: dict[str, None] = {}
    for topic in topics:
        for fact in topic.facts:
            order.update(dict.fromkeys(fact.sources))
    for topic in topics:
        for figure in topic.figures:
            order.update(dict.fromkeys(figure.sources))
    return list(order)


def timeline(topics: tuple[TopicView, ...]) -> tuple[TimelineEntry, ...]:
    entries = [TimelineEntry(fact.date, topic, fact)
               for topic in topics for fact in topic.facts if fact.date is not None]
    return tuple(sorted(entries, key=lambda entry: entry.date))  # stable: ties keep curated order


@jinja2.pass_context
def source_note(context: Any, reference: ReferenceView, brief: bool = False) -> str:
    """The Sources entry for one reference: outlet, title, date, link, grade (``brief``: outlet, title, date, grade)."""
    if not isinstance(reference, ReferenceView):
        raise jinja2.TemplateRuntimeError("source_note() takes a reference, e.g. source_note(reference)")
    title = escape_markdown(reference.title)
    # A title the curator supplied is bracketed, as in a library catalogue,
    # and is not quoted as if it were the document's own.
    shown_title = title if reference.title.startswith("[") else f"“{title}”"
    locale = _locale_of(context)
    parts = [f"{escape_markdown(reference.outlet)}, {shown_title}, {format_long_date(reference.published, locale)}."]
    if brief:
        return " ".join([*parts, f"({reference.reliability})." if reference.reliability else ""]).strip()
    if reference.url:
        parts.append(f"<{reference.url}>.")
    if reference.reliability:
        parts.append(f"Reliability {reference.reliability} ({RELIABILITY_GRADES[reference.reliability]}).")
    if reference.accessed:
        parts.append(f"Accessed {format_long_date(reference.accessed, locale)}.")
    if reference.note:
        parts.append(f"*{escape_markdown(reference.note)}*")
    return " ".join(parts)


@jinja2.pass_context
def grade_note(context: Any, fact: FactView) -> str:
    """" (B2; single outlet)" after a fact's citations: its combined grade and the caveats a reader should see.

    In the HTML body it is a ``<span class="grade">``, styled small; in the Markdown file, plain text.
    """
    if not isinstance(fact, FactView):
        raise jinja2.TemplateRuntimeError("grade_note() takes a fact, e.g. grade_note(fact)")
    notes = [note for note in (fact.grade, "single outlet" if fact.single_outlet else "",
                               "weak sources" if fact.low_reliability else "") if note]
    if not notes:
        return ""
    text = "; ".join(notes)
    return f" ({text})" if context.get("standalone", True) else f' <span class="grade">{text}</span>'


@jinja2.pass_context
def verification_note(context: Any, outcome: str | None) -> str:
    """" (verified)" or " (unverified)" after a quote's attribution; "" when the project keeps no archives."""
    if outcome is None:
        return ""
    word = "verified" if outcome == "verified" else "unverified"
    return f" *({word})*" if context.get("standalone", True) else f' <span class="check {word}">{word}</span>'


@jinja2.pass_context
def cited_for(context: Any, reference: ReferenceView) -> str:
    """" Cited for: fact-id (Topic): “evidence passage”; …" after a Sources entry (linked to the facts in HTML)."""
    if not isinstance(reference, ReferenceView):
        raise jinja2.TemplateRuntimeError("cited_for() takes a reference, e.g. cited_for(reference)")
    if not reference.cited_by:
        return ""
    standalone = context.get("standalone", True)
    multi_topic = context.get("multi_topic", False)
    items = []
    for item in reference.cited_by:
        name = item.fact_id if standalone else f"[{item.fact_id}](#{item.anchor})"
        where = f" ({escape_markdown(item.topic_title)})" if multi_topic else ""
        evidence = ""
        if item.evidence:
            checked = " (verified)" if item.outcome == "verified" else ""
            evidence = f": “{escape_markdown(' '.join(item.evidence.split()))}”{checked}"
        items.append(f"{name}{where}{evidence}")
    if standalone:
        return f" Cited for: {'; '.join(items)}."
    # In the HTML body: one line per fact, set in small type under the entry (briefing.css).
    lines = "".join(f'<span class="citing">{item}</span>' for item in items)
    return f' <span class="cited-for">Cited for</span>{lines}'


#: The locale of the built-in templates' own words, and of dates and numbers unless ``style.locale`` says otherwise.
DEFAULT_LOCALE = "en_GB"


def style_view(project: Project, briefing: Briefing) -> StyleView:
    style = briefing.style
    fonts = style.fonts
    return StyleView(organisation=style.organisation, logo=image_data_url(project.root, style.logo) if style.logo
                     else None, logo_file=style.logo, accent=style.accent,
                     body_font=fonts.body if fonts else None, heading_font=fonts.headings if fonts else None,
                     handling=style.handling, locale=style.locale or DEFAULT_LOCALE,
                     stylesheets=briefing.stylesheets)


def image_data_url(root: Path, name: str) -> str:
    """An image inside the project as a ``data:`` URL (checked when the project was loaded)."""
    import base64

    from briefings.project.settings_checks import IMAGE_TYPES, MAX_IMAGE_BYTES

    path = root / name
    try:
        data = read_project_file(path, root, max_bytes=MAX_IMAGE_BYTES)
    except FileProblem as error:
        raise TemplateProblem(error.problem) from None
    media_type = IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _locale_of(context: Any) -> str:
    style = context.get("style") if context is not None else None
    return style.locale if isinstance(style, StyleView) else DEFAULT_LOCALE


@jinja2.pass_context
def longdate_filter(context: Any, value: datetime.date | datetime.datetime) -> str:
    """``longdate``: a date as the briefing's locale writes it in running text."""
    return format_long_date(value, _locale_of(context))


@jinja2.pass_context
def number_filter(context: Any, value: object) -> str:
    """``number``: a number with the briefing's locale's separators."""
    return format_number(value, _locale_of(context))


@jinja2.pass_context
def figure_value_filter(context: Any, figure: FigureView) -> str:
    """``figure_value``: a figure's value and unit, the number in the briefing's locale."""
    return figure_text(figure.value, figure.unit, _locale_of(context))


@jinja2.pass_context
def edition_label(context: Any, edition: EditionView) -> str:
    """"Edition 4 · 24 November 2026", "Draft, after edition 3" or "Draft, no edition published yet"."""
    if not isinstance(edition, EditionView):
        raise jinja2.TemplateRuntimeError("edition_label() takes the edition, e.g. edition_label(edition)")
    if not edition.is_draft and edition.number is not None and edition.date is not None:
        return f"Edition {edition.number} · {format_long_date(edition.date, _locale_of(context))}"
    if edition.number is not None:
        return f"Draft, after edition {edition.number}"
    return "Draft, no edition published yet"


@jinja2.pass_context
def changes_heading(context: Any, changes: ChangesView) -> str:
    """"What’s changed since edition 3 (17 November 2026)", or "What’s changed" when there is no earlier one."""
    if not isinstance(changes, ChangesView):
        raise jinja2.TemplateRuntimeError("changes_heading() takes the changes, e.g. changes_heading(changes)")
    if changes.first or changes.since_number is None:
        return "What’s changed"
    since = f" ({format_long_date(changes.since_date, _locale_of(context))})" if changes.since_date else ""
    return f"What’s changed since edition {changes.since_number}{since}"


@jinja2.pass_context
def review_notice(context: Any, topic: TopicView) -> str:
    """"Due for review since 31 May 2027" for an overdue topic ("" otherwise)."""
    if not isinstance(topic, TopicView):
        raise jinja2.TemplateRuntimeError("review_notice() takes a topic, e.g. review_notice(topic)")
    if not topic.overdue or topic.review_by is None:
        return ""
    return f"Due for review since {format_long_date(topic.review_by, _locale_of(context))}"


# -- filters ---------------------------------------------------------------------


def format_long_date(value: datetime.date | datetime.datetime, locale: str | None = None) -> str:
    """``2025-06-23`` → ``23 June 2025`` (the style of UK government publications), or as ``locale`` writes it."""
    if locale is None or locale == DEFAULT_LOCALE:
        return f"{value.day} {value:%B %Y}"
    from briefings.i18n import format_date_for

    return format_date_for(value, locale)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def escape_markdown(text: object) -> str:
    """Escape plain text (titles, outlet names) so Markdown shows it as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def table_cell(text: object) -> str:
    """Fit Markdown text into one table cell: one line, pipes escaped."""
    return re.sub(r"\s*\n\s*", " ", str(text)).replace("|", "\\|").strip()


def format_number(value: object, locale: str | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if locale is not None and locale != DEFAULT_LOCALE:
        from briefings.i18n import format_number_for

        return format_number_for(value, locale)
    if isinstance(value, int) or value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:,.10g}"


_CURRENCY = "£$€¥"


def format_figure_value(figure: FigureView) -> str:
    """A figure's value with its unit placed as a reader expects: £2.3bn, 2.5% of GDP, 13 countries."""
    return figure_text(figure.value, figure.unit)


def figure_text(value: object, unit: str | None, locale: str | None = None) -> str:
    """A value and its unit as a reader expects them (see :func:`format_figure_value`)."""
    value = format_number(value, locale)
    if not unit:
        return value
    if unit[0] in _CURRENCY:
        return f"{unit[0]}{value}{unit[1:]}"
    if unit.startswith("%"):
        return f"{value}{unit}"
    return f"{value} {unit}"


# -- checked overrides -------------------------------------------------------------
#
# Jinja silently ignores a block of an extending template that the template it
# extends never renders, so a misspelt `{% block timelime %}` would change
# nothing and say nothing. check_template_blocks finds such blocks before any
# rendering.
#
# Which blocks must exist: only the *top-level* blocks of the child (those not
# inside another of its blocks). A top-level block replaces a block of the
# parent chain or is never rendered at all. A block nested inside one of the
# child's blocks is rendered wherever its enclosing block is, so a child may
# define new blocks inside a block it overrides (they are its own structure);
# and a nested block that happens to share a parent's block name overrides it
# as usual. "Defined by the parent chain" means defined anywhere in any
# template up the chain, nested blocks included (`fact` inside `topics` can be
# overridden at the top level). A block the templates call as `self.NAME()`
# is rendered by that call, so it is not reported either.
#
# The check is skipped, rather than guessed at, when a template of the chain
# extends a name that is not a constant string (`{% extends layout %}`), when
# the chain loops (the rendering reports that as recursion), or when a parent
# cannot be read or parsed (reported where that template is compiled). A
# direct parent that does not exist is reported at the `{% extends %}` line.

#: How many templates up an `{% extends %}` chain the check follows.
MAX_EXTENDS_DEPTH = 20


@dataclasses.dataclass(frozen=True)
class _Parsed:
    shown: str  # as problems name it: templates/NAME or builtin/NAME
    filename: str | None
    ast: jinja2.nodes.Template


def constant_parent(ast: jinja2.nodes.Template) -> tuple[bool, str | None, int | None]:
    """Whether a parsed template extends anything, and what: (extends?, constant name or None, line)."""
    extends = list(ast.find_all(jinja2.nodes.Extends))
    if not extends:
        return False, None, None
    target = extends[0].template
    if len(extends) == 1 and isinstance(target, jinja2.nodes.Const) and isinstance(target.value, str):
        return True, target.value, extends[0].lineno
    return True, None, extends[0].lineno


def top_level_blocks(ast: jinja2.nodes.Template) -> list[jinja2.nodes.Block]:
    """The blocks of a template that are not inside another of its blocks, in source order."""
    blocks = list(ast.find_all(jinja2.nodes.Block))
    nested = {id(inner) for block in blocks for inner in block.find_all(jinja2.nodes.Block)}
    return [block for block in blocks if id(block) not in nested]


def _self_calls(ast: jinja2.nodes.Template) -> set[str]:
    """Block names a template renders itself through ``self.NAME``."""
    return {node.attr for node in ast.find_all(jinja2.nodes.Getattr)
            if isinstance(node.node, jinja2.nodes.Name) and node.node.name == "self"}


def check_template_blocks(environment: jinja2.Environment, names: Sequence[str],
                          project_root: Path) -> list[Problem]:
    """Blocks of the project templates ``names`` that the templates they extend do not define (see above)."""
    cache: dict[str, _Parsed | None] = {}

    def parse(name: str) -> _Parsed | None:
        if name not in cache:
            cache[name] = _parse_for_check(environment, name, project_root)
        return cache[name]

    problems: list[Problem] = []
    for name in names:
        child = parse(name)
        if child is None:
            continue
        extends, parent_name, extends_line = constant_parent(child.ast)
        if not extends or parent_name is None:
            continue
        shown = f"{TEMPLATES_DIR}/{name}"
        if _exists(environment, parent_name) is False:
            hint = did_you_mean(parent_name, _lookup_names(environment), cutoff=0.7)
            problems.append(Problem(shown, extends_line, f"extends '{parent_name}', which does not exist{hint}"))
            continue
        chain = _parent_chain(parse, parent_name, child.filename)
        if chain is None:
            continue
        defined: dict[str, None] = {}
        called = _self_calls(child.ast)
        for parent in chain:
            defined.update(dict.fromkeys(block.name for block in parent.ast.find_all(jinja2.nodes.Block)))
            called |= _self_calls(parent.ast)
        parents = " and ".join(parent.shown for parent in chain)
        for block in top_level_blocks(child.ast):
            if block.name in defined or block.name in called:
                continue
            hint = did_you_mean(block.name, defined, cutoff=0.7)
            problems.append(Problem(shown, block.lineno, f"unknown block '{block.name}'{hint} (blocks of {parents}: "
                                    f"{', '.join(defined) or 'none'})"))
    return problems


def _parent_chain(parse: Callable[[str], _Parsed | None], first: str,
                  child_filename: str | None) -> list[_Parsed] | None:
    """The parsed templates up the chain from ``first``; None when it cannot be known for certain."""
    chain: list[_Parsed] = []
    seen = {child_filename}
    name: str | None = first
    for _ in range(MAX_EXTENDS_DEPTH):
        if name is None:
            return chain
        parent = parse(name)
        if parent is None or parent.filename in seen:
            return None  # unreadable, or a loop: reported elsewhere
        seen.add(parent.filename)
        chain.append(parent)
        extends, name, _ = constant_parent(parent.ast)
        if not extends:
            return chain
        if name is None:
            return None  # extends a computed name: the blocks it inherits are unknown
    return None


def _parse_for_check(environment: jinja2.Environment, name: str, project_root: Path) -> _Parsed | None:
    assert environment.loader is not None
    try:
        source, filename, _ = environment.loader.get_source(environment, name)
        ast = environment.parse(source, name, filename)
    except Exception:  # noqa: BLE001 - unreadable or broken templates are reported where they are compiled
        return None
    return _Parsed(_display_template_path(filename, name, project_root), filename, ast)


def _exists(environment: jinja2.Environment, name: str) -> bool | None:
    """Whether the loader finds ``name`` (None: it could not tell, e.g. a refused file)."""
    assert environment.loader is not None
    try:
        environment.loader.get_source(environment, name)
    except jinja2.TemplateNotFound:
        return False
    except Exception:  # noqa: BLE001 - a refused or unreadable file exists; its problem is reported elsewhere
        return None
    return True


def _lookup_names(environment: jinja2.Environment) -> list[str]:
    assert environment.loader is not None
    try:
        return environment.loader.list_templates()
    except Exception:  # noqa: BLE001 - only a suggestion is at stake
        return []
