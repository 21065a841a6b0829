"""Rendering one briefing to Markdown, its citations numbered in the order a reader meets them.

Contract: :func:`render_markdown` renders a briefing with its Markdown
template (:func:`briefings.render.environment.template_names`) and the
context of :func:`briefings.render.context.briefing_context`. It numbers
the citations itself: ``cite(ids)`` marks a citation, the first rendering
finds the order in which a reader meets the cited documents, and the second
numbers them 1, 2, 3… in that order, with ``cited_references`` in the same
order. The result uses Markdown footnote syntax (``[^3]`` in the text,
``[^3]: …`` under Sources), which :mod:`briefings.render.html` turns into
links. Sources entries a template labels by reference id (``[^alpha-report]: …``,
as the first documented interface had house templates write them) are given
their numbers. A template that cites differently on its second rendering, or leaves
a marker with no Sources entry, is a located :class:`TemplateProblem`.
Fact text is data, never compiled as a template.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Container, Sequence

import jinja2

from briefings.errors import Problem, did_you_mean
from briefings.project.model import Briefing, Project
from briefings.render.context import briefing_context
from briefings.render.edition_state import EditionState
from briefings.render.environment import TemplateProblem, display_template_path, render_template, template_names
from briefings.render.filters import source_note
from briefings.render.views import ReferenceView


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

