"""Rendering one briefing to Markdown, its citations numbered in the order a reader meets them.

Contract: :func:`render_markdown` renders a briefing with its Markdown
template (:func:`briefings.render.environment.template_names`) and the
context of :func:`briefings.render.context.briefing_context`. It numbers
the citations itself: ``cite(ids)`` marks a citation, the first rendering
finds the order in which a reader meets the cited documents, and the second
numbers them 1, 2, 3… in that order, with ``cited_references`` in the same
order. With the built-in templates one rendering does, its numbers guessed
and checked (:func:`_render_numbered`): the text is the same, byte for byte.
The result uses Markdown footnote syntax (``[^3]`` in the text, ``[^3]: …``
under Sources), which :mod:`briefings.render.html` turns into links. Sources
entries a template labels by reference id (``[^alpha-report]: …``, as the
first documented interface had house templates write them) are given their
numbers. A template that cites differently on its second rendering, or
leaves a marker with no Sources entry, is a located :class:`TemplateProblem`.
Fact text is data, never compiled as a template.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
import weakref
from collections.abc import Container, Sequence

import jinja2
import jinja2.meta

from briefings.errors import Problem, did_you_mean
from briefings.project.model import Briefing, Project
from briefings.render.context import ContextBase, briefing_context, context_base, data_citation_order
from briefings.render.edition_state import EditionState
from briefings.render.environment import (
    BUILTIN_DIR,
    TemplateProblem,
    display_template_path,
    render_template,
    template_names,
)
from briefings.render.filters import source_note
from briefings.render.sandbox import DependencyTracker
from briefings.render.views import ReferenceView, TemplateContext


@dataclasses.dataclass(frozen=True)
class RenderedMarkdown:
    """A briefing's Markdown, the references it cites (numbered, in order), and warnings about it."""

    text: str
    cited_references: tuple[ReferenceView, ...]
    warnings: tuple[Problem, ...] = ()


_FIRST_PASS_CITATION = re.compile(r"\[\^([a-z0-9][a-z0-9-]*)\](?!:)")
_CITATION = re.compile(r"\[\^(\d+)\](?!:)")
_DEFINITION = re.compile(r"^\[\^(\d+)\]:", re.MULTILINE)
#: Consecutive Sources lines ``[^N]: …``.
_DEFINITION_RUN = re.compile(r"(?:^\[\^\d+\]:.*(?:\n|$))+", re.MULTILINE)
#: A Sources line labelled by a reference id, as templates of the first documented interface wrote them.
_DEFINITION_BY_ID = re.compile(r"^\[\^([a-z0-9][a-z0-9-]*)\]:(.*\n?)", re.MULTILINE)
#: Any footnote-style marker left in the text (fact text cannot contain one: the Markdown subset refuses it).
_ANY_MARKER = re.compile(r"\[\^([^\]\s]{1,100})\](?!:)")


def render_markdown(environment: jinja2.Environment, project: Project, briefing: Briefing,
                    generated: datetime.datetime, *, standalone: bool = True, edition: EditionState | None = None,
                    today: datetime.date | None = None, base: ContextBase | None = None,
                    expected: Sequence[str] | None = None) -> RenderedMarkdown:
    """Render ``briefing`` to Markdown with its template, citations numbered in reading order.

    ``base`` is the briefing's :func:`~briefings.render.context.context_base`, if the caller has
    it; ``expected`` the citation order it expects (say, that of the briefing's other rendering):
    see :func:`_render_numbered` for how a correct expectation saves a rendering.
    """
    names = template_names(briefing, "md")
    base = base or context_base(project, briefing, generated, edition=edition, today=today)
    numbers, context, text = _render_numbered(environment, project, briefing, generated, names, base,
                                              standalone=standalone, edition=edition, today=today,
                                              expected=expected)
    text = _number_definitions_by_id(text, numbers, project.references)
    # Collapse the blank-line runs that block tags leave behind.
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    shown = display_template_path(*_template_file(environment, names), project.root)
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


def _render_numbered(environment: jinja2.Environment, project: Project, briefing: Briefing,
                     generated: datetime.datetime, names: list[str], base: ContextBase, *, standalone: bool,
                     edition: EditionState | None, today: datetime.date | None, expected: Sequence[str] | None
                     ) -> tuple[dict[str, int], TemplateContext, str]:
    """The citation numbers, the context and the raw text of the rendering that numbers them in reading order.

    The general method renders twice: once with ``cite`` writing reference
    ids, to find the order a reader meets them, then with the numbers. When
    every template of the stack is built in, one rendering can do: the
    built-ins print each ``cite`` as they call it, in reading order, and
    nothing they write depends on the numbers but the numbers themselves.
    So the numbers are guessed (``expected``, else :func:`_order_guess`) and
    the template rendered once with them, recording each ``cite`` call; if
    the calls met the references in the guessed order, and every call's
    markers reached the text in call order and nothing else looks like a
    marker, that rendering is the one the general method makes, byte for byte.
    A wrong guess costs one more rendering, numbered from the calls seen; any
    other doubt (a house template, a marker the calls do not explain, an
    error) falls back to the general method.
    """
    functions = {"source_note": source_note}
    guess = list(expected) if expected is not None else _order_guess(base, project)
    if _builtin_stack(environment, names) and list(dict.fromkeys(guess)) == guess \
            and all(source in project.references for source in guess) and not _uncited_markers(project, base):
        calls: list[list[str]] = []
        emitted: list[str] = []
        silent: list[list[str]] = []

        def recording_cite(sources: Sequence[str]) -> str:
            known = _known_sources(project, sources)
            cited = sorted({numbered[source] for source in known if source in numbered})
            calls.append(known)
            emitted.extend(str(number) for number in cited)
            if known and not cited:
                silent.append(known)  # a call that printed nothing: no proof that it reached the text
            return "".join(f"[^{number}]" for number in cited)

        for _attempt in range(2):
            numbered = {reference_id: number for number, reference_id in enumerate(guess, start=1)}
            calls.clear()
            emitted.clear()
            silent.clear()
            outer, tracker = getattr(environment, "tracker", None), DependencyTracker()
            environment.tracker = tracker  # type: ignore[attr-defined]
            try:
                context = briefing_context(project, briefing, generated, standalone=standalone, numbers=numbered,
                                           edition=edition, today=today, base=base)
                text = render_template(environment, names, {**context, **functions, "cite": recording_cite},
                                       project.root)
            except TemplateProblem:
                break  # the general method reports it, as it always has
            finally:
                environment.tracker = outer  # type: ignore[attr-defined]
                if outer is not None:
                    _merge(outer, tracker)
            if not _all_builtin(tracker) or silent or _FIRST_PASS_CITATION.findall(text) != emitted:
                break
            order = list(dict.fromkeys(source for call in calls for source in call))
            if order == guess:
                return numbered, context, text
            guess = order

    def first_pass_cite(sources: Sequence[str]) -> str:
        return "".join(f"[^{source}]" for source in _known_sources(project, sources))

    context = briefing_context(project, briefing, generated, standalone=standalone, edition=edition, today=today,
                               base=base)
    draft = render_template(environment, names, {**context, **functions, "cite": first_pass_cite}, project.root)
    order = dict.fromkeys(match for match in _FIRST_PASS_CITATION.findall(draft) if match in project.references)
    numbers = {reference_id: number for number, reference_id in enumerate(order, start=1)}

    def cite(sources: Sequence[str]) -> str:
        cited = sorted({numbers[source] for source in _known_sources(project, sources) if source in numbers})
        return "".join(f"[^{number}]" for number in cited)

    context = briefing_context(project, briefing, generated, standalone=standalone, numbers=numbers,
                               edition=edition, today=today, base=base)
    return numbers, context, render_template(environment, names, {**context, **functions, "cite": cite},
                                             project.root)


#: For each environment, whether each list of template names resolves to built-in templates only.
_builtin_stacks: weakref.WeakKeyDictionary[jinja2.Environment, dict[tuple[str, ...], bool]] = \
    weakref.WeakKeyDictionary()


def _builtin_stack(environment: jinja2.Environment, names: list[str]) -> bool:
    """Whether the template ``names`` select, and every template it extends, includes or imports, is built in.

    Found without rendering (a house template is read, never compiled, here): the first of ``names`` the
    loader has, then the names the built-ins refer to (a name computed at rendering time counts as a house
    template). Once per environment and list of names; :func:`_all_builtin` checks the rendering itself.
    """
    known = _builtin_stacks.setdefault(environment, {})
    key = tuple(names)
    if key not in known:
        known[key] = _resolves_to_builtins(environment, names)
    return known[key]


def _resolves_to_builtins(environment: jinja2.Environment, names: list[str]) -> bool:
    loader = environment.loader
    if loader is None:
        return False
    pending, seen = [names], set()
    try:
        while pending:
            for name in pending.pop():
                try:
                    source, filename, _ = loader.get_source(environment, name)
                except jinja2.TemplateNotFound:
                    continue
                if filename is None or not os.path.normpath(filename).startswith(_BUILTIN_ROOT):
                    return False
                if name not in seen:
                    seen.add(name)
                    referenced = list(jinja2.meta.find_referenced_templates(environment.parse(source)))
                    if None in referenced:
                        return False
                    pending.extend([name] for name in referenced if name is not None)
                break
            else:
                return False
    except (jinja2.TemplateError, TemplateProblem, OSError, RecursionError):
        return False
    return True


def _order_guess(base: ContextBase, project: Project) -> list[str]:
    """The order in which the built-in briefing template cites references: what changed (if listed), each
    topic's facts section by section, then figures (discrepancies and the timeline cite nothing new)."""
    order: dict[str, None] = {}
    changes = base.context["changes"]
    if changes.count and not changes.first:
        for fact in changes.facts_added:
            order.update(dict.fromkeys(fact.sources))
        for change in changes.facts_changed:
            order.update(dict.fromkeys(change.after.sources))
        for figure in changes.figures_added:
            order.update(dict.fromkeys(figure.sources))
        for figure_change in changes.figures_changed:
            order.update(dict.fromkeys(figure_change.after.sources))
    for topic in base.topics:
        for section in topic.sections:
            for fact in section.facts:
                order.update(dict.fromkeys(fact.sources))
    for topic in base.topics:
        for figure in topic.figures:
            order.update(dict.fromkeys(figure.sources))
    return [source for source in order if source in project.references]


def _all_builtin(tracker: DependencyTracker) -> bool:
    """Whether every template the rendering loaded is one of the built-ins (no project template)."""
    return all(filename is None or os.path.normpath(filename).startswith(_BUILTIN_ROOT)
               for filename in tracker.templates.values())


_BUILTIN_ROOT = os.path.join(os.path.normpath(BUILTIN_DIR), "")


def _merge(outer: DependencyTracker, inner: DependencyTracker) -> None:
    for name, filename in inner.templates.items():
        if filename is None:
            outer.templates.setdefault(name, None)
        else:
            outer.templates[name] = filename
    outer.uses_all_references = outer.uses_all_references or inner.uses_all_references


def _uncited_markers(project: Project, base: ContextBase) -> bool:
    """Whether a link of a reference the data cites holds what the first rendering would read as a
    citation marker (its Sources entry, listed there even if the text does not cite it)."""
    return any("[^" in (project.references[source].url or "") for source in data_citation_order(base.topics))


def _number_definitions_by_id(text: str, numbers: dict[str, int], known: Container[str]) -> str:
    """``[^reference-id]: …`` Sources lines → ``[^N]: …``, N the reference's citation number.

    The first documented template interface had house templates write their
    own Sources entries labelled by reference id (``[^{{ reference.id }}]:
    {{ source_note(reference) }}``); ``cite`` now numbers citations, so such
    an entry is given its reference's number, and the entry of a reference the
    text does not cite is left out (a footnote nobody points to). Any other
    label is left as it is (and an unresolved marker still fails the check).
    """
    def numbered(match: re.Match[str]) -> str:
        label = match.group(1)
        if label in numbers:
            return f"[^{numbers[label]}]:{match.group(2)}"
        return "" if label in known else match.group(0)

    if not _DEFINITION_BY_ID.search(text):
        return text
    text = _DEFINITION_BY_ID.sub(numbered, text)
    # The template listed its entries in its own order (say, its key figures'): number order, as a reader expects.
    return _DEFINITION_RUN.sub(lambda run: "".join(sorted(run.group(0).splitlines(keepends=True),
                                                          key=lambda line: int(_DEFINITION.match(line)[1]))), text)


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

