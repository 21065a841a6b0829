"""What templates see: plain, read-only data, declared once.

Contract: templates never receive the project's live objects (pydantic
models have methods such as ``parse_file`` and ``model_validate_json`` that
a template could call). :func:`topic_view`, :func:`reference_view`, … copy
what a template may use into frozen dataclasses and named tuples whose only
attributes are the data fields declared here. :data:`TEMPLATE_ATTRIBUTES`
is derived from these declarations, and the sandbox in
:mod:`briefings.render.environment` refuses every attribute not listed there, so
this module is at once the template interface, its documentation and the
sandbox's allowlist.

Values are strings, numbers, ``datetime.date``/``datetime.datetime``,
``None``, tuples and the view types below; mappings are plain ``dict``
objects, which the immutable sandbox keeps read-only.
"""

from __future__ import annotations

import dataclasses
import datetime
import types
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from briefings.project.model import Briefing
from briefings.project.schema import RELIABILITY_GRADES, Fact, Figure, Reference, Settings, Topic

if TYPE_CHECKING:
    from briefings.audit.results import Audit


@dataclasses.dataclass(frozen=True, slots=True)
class QuoteView:
    """A fact's quotation: the exact words and who said them.

    ``verification`` is the attribution audit's outcome: "verified" (found in
    the archived copy of the fact's first source), "unverifiable" (that source
    has no archived copy), or None when the project keeps no archives.
    """

    text: str
    speaker: str
    verification: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class EvidenceView:
    """A passage of one source that supports a fact, and whether the archived copy contains it."""

    source: str
    passage: str
    #: "verified", "unverifiable" (no archived copy), or None when the project keeps no archives.
    outcome: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class FactView:
    """One curated fact. ``text`` is Markdown of the documented subset."""

    id: str
    text: str
    sources: tuple[str, ...]
    date: datetime.date | None
    section: str
    quote: QuoteView | None
    #: The date is the curator's inference, not printed in the sources.
    date_inferred: bool = False
    #: The curator's Admiralty credibility rating (1–6), and the combined grade with the sources' reliability ("B2").
    credibility: int | None = None
    grade: str | None = None
    #: Supporting passages, one per source that has one, in the order of ``sources``.
    evidence: tuple[EvidenceView, ...] = ()
    #: Every source carries evidence found in its archived copy.
    fully_evidenced: bool = False
    #: Caveats the reader should see: its sources come from one outlet; all are graded D, E or F.
    single_outlet: bool = False
    low_reliability: bool = False
    #: The id of the fact's anchor in the HTML (``fact-<topic>--<fact>``), for links back from Sources.
    anchor: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class FigureView:
    """One key figure; ``value`` is a number or text, ``unit`` how it is counted."""

    label: str
    value: int | float | str
    unit: str | None
    sources: tuple[str, ...]
    #: Figures sharing a key state the same quantity; ``discrepant``: another figure with its key disagrees.
    key: str | None = None
    discrepant: bool = False


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
    #: Past its ``review_by`` date on the day the briefing was made.
    overdue: bool


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
    #: The reference has an archived copy that the audit read.
    archived: bool = False
    #: The facts of this briefing that cite it, with the passage of it each uses as evidence.
    cited_by: tuple[CitingFact, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class CitingFact:
    """A fact that cites a reference: where it is (``anchor``), and the evidence it takes from it."""

    topic_title: str
    fact_id: str
    anchor: str
    evidence: str | None
    outcome: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class DiscrepantFigureView:
    topic_title: str
    label: str
    value: int | float | str
    unit: str | None
    sources: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class DiscrepancyView:
    """Figures of this briefing sharing ``key`` whose values disagree: shown side by side, never one picked."""

    key: str
    figures: tuple[DiscrepantFigureView, ...]


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
    #: How many of its topics are past their review date.
    overdue_topics: int


@dataclasses.dataclass(frozen=True, slots=True)
class EditionView:
    """What this rendering is: ``status`` "edition" (number N, dated) or "draft" (after edition N, or None)."""

    status: str
    number: int | None
    date: datetime.date | None
    is_draft: bool


@dataclasses.dataclass(frozen=True, slots=True)
class ChangedTopic:
    id: str
    title: str


@dataclasses.dataclass(frozen=True, slots=True)
class ChangedFact:
    """A fact as it was (removed, or before a change) or is (added, or after a change).

    ``topic_title`` is the title of its topic; ``sources`` of a removed fact may
    no longer be in the project, so only current facts are cited.
    """

    topic: str
    topic_title: str
    id: str
    text: str
    date: datetime.date | None
    section: str
    sources: tuple[str, ...]
    quote: QuoteView | None


@dataclasses.dataclass(frozen=True, slots=True)
class FactChange:
    """A fact whose ``fields`` (of text, date, section, sources, quote) changed."""

    topic: str
    topic_title: str
    id: str
    fields: tuple[str, ...]
    before: ChangedFact
    after: ChangedFact


@dataclasses.dataclass(frozen=True, slots=True)
class ChangedFigure:
    topic: str
    topic_title: str
    label: str
    value: int | float | str
    unit: str | None
    sources: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class FigureChange:
    topic: str
    topic_title: str
    label: str
    before: ChangedFigure
    after: ChangedFigure


@dataclasses.dataclass(frozen=True, slots=True)
class ChangesView:
    """What changed since edition ``since_number`` (``first``: there is no earlier edition)."""

    since_number: int | None
    since_date: datetime.date | None
    first: bool
    #: How many items the lists below hold together.
    count: int
    topics_added: tuple[ChangedTopic, ...]
    topics_removed: tuple[ChangedTopic, ...]
    facts_added: tuple[ChangedFact, ...]
    facts_changed: tuple[FactChange, ...]
    facts_removed: tuple[ChangedFact, ...]
    figures_added: tuple[ChangedFigure, ...]
    figures_changed: tuple[FigureChange, ...]
    figures_removed: tuple[ChangedFigure, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class StyleView:
    """The briefing's house style: the project's ``style`` settings with the briefing's own over them.

    ``logo`` is the image as a ``data:`` URL (so the HTML and the PDF show the
    same file, wherever the HTML is opened), or None. ``handling`` is Markdown
    of the fact subset. ``body_font`` and ``heading_font`` are the family names
    put before the built-in fallbacks. ``locale`` formats dates and numbers.
    """

    organisation: str | None
    logo: str | None
    logo_file: str | None
    accent: str | None
    body_font: str | None
    heading_font: str | None
    handling: str | None
    locale: str
    #: Project stylesheets (in templates/) applied after the built-in one, in order.
    stylesheets: tuple[str, ...]


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
    edition: EditionView
    changes: ChangesView
    style: StyleView
    discrepancies: tuple[DiscrepancyView, ...]
    audited: bool


_VIEW_TYPES: tuple[type, ...] = (QuoteView, FactView, FigureView, TopicView, ReferenceView, BriefingView,
                                 SettingsView, TimelineEntry, FigureEntry, TocEntry, EditionView, ChangedTopic,
                                 ChangedFact, FactChange, ChangedFigure, FigureChange, ChangesView,
                                 StyleView, EvidenceView, CitingFact, DiscrepantFigureView, DiscrepancyView)

#: What templates and their error messages call each type (never the class name, an internal detail).
TEMPLATE_TYPE_NAMES: dict[type, str] = {
    QuoteView: "quote", FactView: "fact", FigureView: "figure", TopicView: "topic", ReferenceView: "reference",
    BriefingView: "briefing", SettingsView: "settings", TimelineEntry: "timeline entry", FigureEntry: "figure entry",
    TocEntry: "contents entry", EditionView: "edition", ChangedTopic: "changed topic", ChangedFact: "changed fact",
    FactChange: "fact change", ChangedFigure: "changed figure", FigureChange: "figure change", ChangesView: "changes",
    StyleView: "style", Section: "section", EvidenceView: "evidence", CitingFact: "citing fact",
    DiscrepantFigureView: "discrepant figure", DiscrepancyView: "discrepancy", datetime.date: "date",
    datetime.datetime: "date and time", str: "text",
    dict: "mapping", int: "number", float: "number", tuple: "list", type: "class",
    types.FunctionType: "function", types.BuiltinFunctionType: "function", types.MethodType: "function",
}

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


def fact_anchor(topic_id: str, fact_id: str) -> str:
    # Slugs never contain "--", so the pair is unambiguous.
    return f"fact-{topic_id}--{fact_id}"


def fact_view(fact: Fact, topic_id: str = "", audit: Audit | None = None) -> FactView:
    found = audit.fact(topic_id, fact.id) if audit is not None else None
    # Outcomes mean something only in a project that keeps archives; the grade always does.
    checked = found if audit is not None and audit.uses_archives else None
    quote = None
    if fact.quote:
        quote_check = checked.quote if checked else None
        quote = QuoteView(fact.quote.text, fact.quote.speaker, quote_check.outcome if quote_check else None)
    by_source = {source.source: source for source in checked.sources} if checked else {}
    evidence = []
    for source, passage in fact.evidence.items():
        passage_check = by_source[source].evidence if source in by_source else None
        evidence.append(EvidenceView(source, passage, passage_check.outcome if passage_check else None))
    grade = found.grade if found else None
    return FactView(id=fact.id, text=fact.text, sources=tuple(fact.sources), date=fact.date,
                    section=fact.section, quote=quote, date_inferred=fact.date_inferred,
                    credibility=fact.credibility, grade=grade,
                    evidence=tuple(sorted(evidence, key=lambda item: fact.sources.index(item.source))),
                    fully_evidenced=bool(checked and checked.fully_evidenced),
                    single_outlet=bool(checked and checked.single_outlet),
                    low_reliability=bool(checked and checked.low_reliability),
                    anchor=fact_anchor(topic_id, fact.id))


def figure_view(figure: Figure, discrepant: bool = False) -> FigureView:
    return FigureView(label=figure.label, value=figure.value, unit=figure.unit, sources=tuple(figure.sources),
                      key=figure.key, discrepant=discrepant)


def topic_view(topic: Topic, today: datetime.date | None = None, audit: Audit | None = None) -> TopicView:
    facts = tuple(fact_view(fact, topic.id, audit) for fact in topic.facts)
    disputed = {(figure.topic, figure.index) for discrepancy in (audit.discrepancies if audit else ())
                for figure in discrepancy.figures}
    grouped: dict[str, list[FactView]] = {}
    for fact in facts:
        grouped.setdefault(fact.section, []).append(fact)
    return TopicView(id=topic.id, title=topic.title, summary=topic.summary, as_of=topic.as_of,
                     review_by=topic.review_by, tags=tuple(topic.tags), facts=facts,
                     figures=tuple(figure_view(figure, (topic.id, index) in disputed)
                                   for index, figure in enumerate(topic.figures)),
                     sections=tuple(Section(title, tuple(items)) for title, items in grouped.items()),
                     overdue=bool(today and topic.overdue_on(today)))


def reference_view(reference: Reference, number: int | None = None, *,
                   cited_by: tuple[CitingFact, ...] = (), archived: bool = False) -> ReferenceView:
    grade = reference.reliability
    return ReferenceView(id=reference.id, number=number, outlet=reference.outlet, title=reference.title,
                         published=reference.published, url=reference.url, accessed=reference.accessed,
                         reliability=grade, reliability_label=RELIABILITY_GRADES.get(grade) if grade else None,
                         note=reference.note, archived=archived, cited_by=cited_by)


def citing_facts(topics: tuple[TopicView, ...]) -> dict[str, tuple[CitingFact, ...]]:
    """For each reference id, the facts of these topics that cite it, with their evidence from it."""
    found: dict[str, list[CitingFact]] = {}
    for topic in topics:
        for fact in topic.facts:
            evidence = {item.source: item for item in fact.evidence}
            for source in fact.sources:
                item = evidence.get(source)
                found.setdefault(source, []).append(CitingFact(topic.title, fact.id, fact.anchor,
                                                               item.passage if item else None,
                                                               item.outcome if item else None))
    return {source: tuple(items) for source, items in found.items()}


def discrepancy_views(audit: Audit | None, topics: tuple[TopicView, ...], project_topics: dict[str, Topic]
                      ) -> tuple[DiscrepancyView, ...]:
    """The discrepancies among this briefing's figures (each with at least two of its figures)."""
    if audit is None:
        return ()
    shown = {topic.id: topic for topic in topics}
    views = []
    for discrepancy in audit.discrepancies:
        figures = []
        for item in discrepancy.figures:
            if item.topic not in shown:
                continue
            figure = project_topics[item.topic].figures[item.index]
            figures.append(DiscrepantFigureView(shown[item.topic].title, figure.label, figure.value, figure.unit,
                                                tuple(figure.sources)))
        if len(figures) >= 2:
            views.append(DiscrepancyView(discrepancy.key, tuple(figures)))
    return tuple(views)


def briefing_view(briefing: Briefing, topics: tuple[TopicView, ...]) -> BriefingView:
    return BriefingView(id=briefing.id, title=briefing.title, topics=topics, as_of=briefing.as_of,
                        latest_as_of=briefing.latest_as_of, tags=tuple(briefing.tags),
                        template=briefing.template, schedule=briefing.schedule,
                        overdue_topics=sum(1 for topic in topics if topic.overdue))


def toc_entries(tokens: list[dict[str, object]]) -> tuple[TocEntry, ...]:
    """python-markdown's ``toc_tokens`` as views (the heading names are already plain text)."""
    return tuple(TocEntry(id=str(token["id"]), name=str(token["name"]), level=int(str(token["level"])),
                          children=toc_entries(token.get("children") or []))  # type: ignore[arg-type]
                 for token in tokens)


def edition_view(status: str, number: int | None, date: datetime.date | None) -> EditionView:
    return EditionView(status=status, number=number, date=date, is_draft=status != "edition")


def changes_view(changes: dict[str, Any], topic_titles: dict[str, str], known_references: Collection[str]
                 ) -> ChangesView:
    """A "what changed" record (:mod:`briefings.editions.changes`) as views.

    The record may come from an edition snapshot on disk, which is not
    trusted: values of the wrong type are dropped, fact text that is not of
    the documented Markdown subset is escaped, and sources the project no
    longer has are left out (so that ``cite`` never meets them).
    """
    from briefings.project.markup import check_markdown
    from briefings.render.environment import escape_markdown

    def text(value: Any) -> str:
        shown = value if isinstance(value, str) else ""
        return shown if not check_markdown(shown, "fact") else escape_markdown(shown)

    def plain(value: Any) -> str:
        return value if isinstance(value, str) else ""

    def day(value: Any) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def sources(value: Any) -> tuple[str, ...]:
        return tuple(item for item in value if isinstance(item, str) and item in known_references) \
            if isinstance(value, list) else ()

    def mapping(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    def records_of(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    def records(key: str) -> list[dict[str, Any]]:
        value = changes.get(key)
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    def title(topic: Any) -> str:
        return topic_titles.get(topic, plain(topic)) if isinstance(topic, str) else ""

    def fact(item: dict[str, Any], topic: Any) -> ChangedFact:
        quote = item.get("quote")
        quoted = QuoteView(plain(quote.get("text")), plain(quote.get("speaker"))) \
            if isinstance(quote, dict) and quote.get("text") else None
        return ChangedFact(topic=plain(topic), topic_title=title(topic), id=plain(item.get("id")),
                           text=text(item.get("text")), date=day(item.get("date")),
                           section=plain(item.get("section")), sources=sources(item.get("sources")), quote=quoted)

    def figure(item: dict[str, Any], topic: Any, label: Any) -> ChangedFigure:
        value = item.get("value")
        shown = value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else ""
        unit = item.get("unit")
        return ChangedFigure(topic=plain(topic), topic_title=title(topic), label=plain(label), value=shown,
                             unit=unit if isinstance(unit, str) else None, sources=sources(item.get("sources")))

    def topic(item: dict[str, Any]) -> ChangedTopic:
        return ChangedTopic(id=plain(item.get("id")), title=plain(item.get("title")))

    since = mapping(changes.get("since"))
    number = since.get("number")
    view = dict(
        topics_added=tuple(topic(item) for item in records("topics_added")),
        topics_removed=tuple(topic(item) for item in records("topics_removed")),
        facts_added=tuple(fact(item, item.get("topic")) for item in records("facts_added")),
        facts_changed=tuple(
            FactChange(topic=plain(item.get("topic")), topic_title=title(item.get("topic")),
                       id=plain(item.get("id")),
                       fields=tuple(field for field in records_of(item.get("fields")) if isinstance(field, str)),
                       before=fact(mapping(item.get("before")), item.get("topic")),
                       after=fact(mapping(item.get("after")), item.get("topic")))
            for item in records("facts_changed")),
        facts_removed=tuple(fact(item, item.get("topic")) for item in records("facts_removed")),
        figures_added=tuple(figure(item, item.get("topic"), item.get("label")) for item in records("figures_added")),
        figures_changed=tuple(
            FigureChange(topic=plain(item.get("topic")), topic_title=title(item.get("topic")),
                         label=plain(item.get("label")),
                         before=figure(mapping(item.get("before")),
                                       item.get("topic"), item.get("label")),
                         after=figure(mapping(item.get("after")),
                                      item.get("topic"), item.get("label")))
            for item in records("figures_changed")),
        figures_removed=tuple(figure(item, item.get("topic"), item.get("label"))
                              for item in records("figures_removed")),
    )
    return ChangesView(since_number=number if isinstance(number, int) and not isinstance(number, bool) else None,
                       since_date=day(since.get("date")), first=changes.get("first") is True,
                       count=sum(len(items) for items in view.values()), **view)
