"""What templates see: plain, read-only data, declared once.

Contract: templates never receive the project's live objects (pydantic
models have methods such as ``parse_file`` and ``model_validate_json`` that
a template could call). :func:`topic_view`, :func:`reference_view`, … copy
what a template may use into frozen dataclasses and named tuples whose only
attributes are the data fields declared here. :data:`TEMPLATE_ATTRIBUTES`
is derived from these declarations, and the sandbox in
:mod:`briefings.templating` refuses every attribute not listed there, so
this module is at once the template interface, its documentation and the
sandbox's allowlist.

Values are strings, numbers, ``datetime.date``/``datetime.datetime``,
``None``, tuples and the view types below; mappings are plain ``dict``
objects, which the immutable sandbox keeps read-only.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import NamedTuple, TypedDict

from .model import RELIABILITY_GRADES, Briefing, Fact, Figure, Reference, Settings, Topic


@dataclasses.dataclass(frozen=True, slots=True)
class QuoteView:
    """A fact's quotation: the exact words and who said them."""

    text: str
    speaker: str


@dataclasses.dataclass(frozen=True, slots=True)
class FactView:
    """One curated fact. ``text`` is Markdown of the documented subset."""

    id: str
    text: str
    sources: tuple[str, ...]
    date: datetime.date | None
    section: str
    quote: QuoteView | None


@dataclasses.dataclass(frozen=True, slots=True)
class FigureView:
    """One key figure; ``value`` is a number or text, ``unit`` how it is counted."""

    label: str
    value: int | float | str
    unit: str | None
    sources: tuple[str, ...]


class Section(NamedTuple):
    """A section heading and its facts, so ``{% for title, facts in topic.sections %}`` works."""

    title: str
    facts: tuple[FactView, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class TopicView:
    id: str
    title: str
    summary: str
    as_of: datetime.date
    review_by: datetime.date | None
    tags: tuple[str, ...]
    facts: tuple[FactView, ...]
    figures: tuple[FigureView, ...]
    #: Facts grouped under their section headings, in order of first appearance.
    sections: tuple[Section, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class ReferenceView:
    """A cited document. ``number`` is its citation number in this briefing (None before numbering)."""

    id: str
    number: int | None
    outlet: str
    title: str
    published: datetime.date
    url: str | None
    accessed: datetime.date | None
    reliability: str | None
    reliability_label: str | None
    note: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class BriefingView:
    id: str
    title: str
    topics: tuple[TopicView, ...]
    #: The earliest and latest as-of dates of its topics.
    as_of: datetime.date
    latest_as_of: datetime.date
    tags: tuple[str, ...]
    template: str | None
    schedule: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class SettingsView:
    title: str | None
    author: str | None
    classification: str | None
    formats: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class TimelineEntry:
    date: datetime.date
    topic: TopicView
    fact: FactView


@dataclasses.dataclass(frozen=True, slots=True)
class FigureEntry:
    topic: TopicView
    figure: FigureView


@dataclasses.dataclass(frozen=True, slots=True)
class TocEntry:
    """A heading of the converted body, for the HTML contents list."""

    id: str
    name: str
    level: int
    children: tuple[TocEntry, ...]


class TemplateContext(TypedDict, total=False):
    """The names every briefing template may use. ``body`` and ``toc`` exist in HTML templates only."""

    briefing: BriefingView
    topics: tuple[TopicView, ...]
    multi_topic: bool
    settings: SettingsView
    references: dict[str, ReferenceView]
    cited_references: tuple[ReferenceView, ...]
    timeline: tuple[TimelineEntry, ...]
    figures: tuple[FigureEntry, ...]
    generated: datetime.datetime
    standalone: bool
    reliability_grades: dict[str, str]
    body: str
    toc: tuple[TocEntry, ...]
    generator: str


_VIEW_TYPES: tuple[type, ...] = (QuoteView, FactView, FigureView, TopicView, ReferenceView, BriefingView,
                                 SettingsView, TimelineEntry, FigureEntry, TocEntry)

#: For each type a template may meet, the attributes it may read or call.
TEMPLATE_ATTRIBUTES: dict[type, frozenset[str]] = {
    **{cls: frozenset(field.name for field in dataclasses.fields(cls)) for cls in _VIEW_TYPES},
    Section: frozenset(Section._fields),
    # Dates: their parts and the two formatting methods (strftime output is bounded by its format).
    datetime.date: frozenset({"year", "month", "day", "isoformat", "weekday", "isoweekday", "strftime"}),
    datetime.datetime: frozenset({"year", "month", "day", "hour", "minute", "second", "isoformat", "weekday",
                                  "isoweekday", "strftime"}),
    # Strings: pure text methods only; no format/format_map (use the |format filter).
    str: frozenset({"capitalize", "casefold", "center", "count", "endswith", "find", "isalnum", "isalpha",
                    "isdigit", "islower", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip",
                    "partition", "removeprefix", "removesuffix", "replace", "rfind", "rjust", "rpartition",
                    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title",
                    "upper", "zfill"}),
    dict: frozenset({"items", "keys", "values", "get"}),
}


def settings_view(settings: Settings) -> SettingsView:
    return SettingsView(title=settings.title, author=settings.author, classification=settings.classification,
                        formats=tuple(settings.formats))


def fact_view(fact: Fact) -> FactView:
    quote = QuoteView(fact.quote.text, fact.quote.speaker) if fact.quote else None
    return FactView(id=fact.id, text=fact.text, sources=tuple(fact.sources), date=fact.date,
                    section=fact.section, quote=quote)


def figure_view(figure: Figure) -> FigureView:
    return FigureView(label=figure.label, value=figure.value, unit=figure.unit, sources=tuple(figure.sources))


def topic_view(topic: Topic) -> TopicView:
    facts = tuple(fact_view(fact) for fact in topic.facts)
    grouped: dict[str, list[FactView]] = {}
    for fact in facts:
        grouped.setdefault(fact.section, []).append(fact)
    return TopicView(id=topic.id, title=topic.title, summary=topic.summary, as_of=topic.as_of,
                     review_by=topic.review_by, tags=tuple(topic.tags), facts=facts,
                     figures=tuple(figure_view(figure) for figure in topic.figures),
                     sections=tuple(Section(title, tuple(items)) for title, items in grouped.items()))


def reference_view(reference: Reference, number: int | None = None) -> ReferenceView:
    grade = reference.reliability
    return ReferenceView(id=reference.id, number=number, outlet=reference.outlet, title=reference.title,
                         published=reference.published, url=reference.url, accessed=reference.accessed,
                         reliability=grade, reliability_label=RELIABILITY_GRADES.get(grade) if grade else None,
                         note=reference.note)


def briefing_view(briefing: Briefing, topics: tuple[TopicView, ...]) -> BriefingView:
    return BriefingView(id=briefing.id, title=briefing.title, topics=topics, as_of=briefing.as_of,
                        latest_as_of=briefing.latest_as_of, tags=tuple(briefing.tags),
                        template=briefing.template, schedule=briefing.schedule)


def toc_entries(tokens: list[dict[str, object]]) -> tuple[TocEntry, ...]:
    """python-markdown's ``toc_tokens`` as views (the heading names are already plain text)."""
    return tuple(TocEntry(id=str(token["id"]), name=str(token["name"]), level=int(str(token["level"])),
                          children=toc_entries(token.get("children") or []))  # type: ignore[arg-type]
                 for token in tokens)
