"""Building what templates see: the project's data copied into the views of :mod:`briefings.render.views`.

Contract: :func:`briefing_context` gives, for one briefing of a loaded
project, every name a Markdown or HTML template may use
(:class:`~briefings.render.views.TemplateContext`), as plain, read-only
data: :func:`topic_view`, :func:`fact_view`, :func:`reference_view`, …
copy what a template may use out of the project's live objects and the
audit's results, and :func:`changes_view` turns a "what changed" record
(:mod:`briefings.render.edition_state`) into views, checking every value
because the record may come from an edition on disk. Nothing here renders;
:mod:`briefings.render.markdown` and :mod:`briefings.render.html` do.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import operator
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefings.files import FileProblem, read_project_file
from briefings.project.markup import check_markdown
from briefings.project.model import Briefing, Project
from briefings.project.schema import RELIABILITY_GRADES, Fact, Figure, Reference, Settings, Topic
from briefings.project.settings_checks import IMAGE_TYPES, MAX_IMAGE_BYTES
from briefings.render.edition_state import PRESENTATION_PARTS, EditionState, never_published
from briefings.render.environment import TemplateProblem
from briefings.render.facts import checked_fact
from briefings.render.filters import DEFAULT_LOCALE, escape_markdown
from briefings.render.sandbox import TrackedReferences
from briefings.render.shortform import short_form
from briefings.render.views import (
    BriefingView,
    ChangedFact,
    ChangedFigure,
    ChangedTopic,
    ChangesView,
    CitingFact,
    DiscrepancyView,
    DiscrepantFigureView,
    EditionView,
    EvidenceView,
    FactChange,
    FactView,
    FigureChange,
    FigureEntry,
    FigureView,
    QuoteView,
    ReferenceView,
    RenamedFact,
    Section,
    SettingsView,
    StyleView,
    TemplateContext,
    TimelineEntry,
    TocEntry,
    TopicView,
)

if TYPE_CHECKING:
    from briefings.audit.results import Audit


@dataclasses.dataclass(frozen=True)
class ContextBase:
    """What a briefing's template contexts share, whatever the rendering (standalone or body, with or
    without citation numbers): built once per briefing and reused by each of its renderings."""

    context: TemplateContext
    topics: tuple[TopicView, ...]
    citing: dict[str, tuple[CitingFact, ...]]


def context_base(project: Project, briefing: Briefing, generated: datetime.datetime, *,
                 edition: EditionState | None = None, today: datetime.date | None = None) -> ContextBase:
    """The part of :func:`briefing_context` that does not depend on ``standalone`` or ``numbers``."""
    audit = project.audit
    topics = tuple(topic_view(topic, today or generated.date(), audit) for topic in briefing.topics)
    state = edition or never_published()
    context: TemplateContext = {
        "briefing": briefing_view(briefing, topics),
        "topics": topics,
        "multi_topic": len(topics) > 1,
        "settings": settings_view(project.settings),
        "timeline": timeline(topics),
        "figures": tuple(FigureEntry(topic, figure) for topic in topics for figure in topic.figures),
        "generated": generated,
        "reliability_grades": dict(RELIABILITY_GRADES),
        "style": style_view(project, briefing),
        "edition": edition_view(state.status, state.number, state.date),
        "changes": changes_view(state.changes, {topic.id: topic.title for topic in topics}, project.references),
        "discrepancies": discrepancy_views(audit, topics, project.topics),
        # The project keeps archived copies, so quotes and evidence carry verification outcomes.
        "audited": bool(audit and audit.uses_archives),
        # Who the briefing is for: "reader" (the audit's marks are left out) or "analyst" (shown).
        "audience": briefing.audience,
    }
    return ContextBase(context, topics, citing_facts(topics))


def briefing_context(project: Project, briefing: Briefing, generated: datetime.datetime, *, standalone: bool,
                     numbers: dict[str, int] | None = None, edition: EditionState | None = None,
                     today: datetime.date | None = None, base: ContextBase | None = None) -> TemplateContext:
    """Everything a Markdown or HTML template may use, for one briefing, as plain data.

    ``numbers`` maps reference ids to citation numbers; without it (the first
    rendering) ``cite`` writes reference ids and ``cited_references`` lists
    every reference the briefing's data cites. ``edition`` says whether this
    is an edition or a draft and what changed (:mod:`briefings.editions.store`);
    without it the briefing is a draft with no edition before it. ``today``
    decides which topics are overdue for review (default: the generated date).
    ``base`` is this briefing's :func:`context_base` (same project, generated,
    edition and today), when the caller has one: each rendering then builds
    only the citation-dependent names, not every topic's views again.
    """
    base = base or context_base(project, briefing, generated, edition=edition, today=today)
    audit = project.audit
    citing = base.citing

    def view(reference_id: str, number: int | None) -> ReferenceView:
        record = audit.archive(reference_id) if audit else None  # (an index: no scan of every archive)
        return reference_view(project.references[reference_id], number, cited_by=citing.get(reference_id, ()),
                              archived=record is not None and record.status == "archived")

    if numbers is None:
        cited = tuple(view(reference_id, None) for reference_id in data_citation_order(base.topics))
    else:
        cited = tuple(view(reference_id, number)
                      for reference_id, number in sorted(numbers.items(), key=operator.itemgetter(1)))
    numbers = numbers or {}
    context = base.context
    # The order of the names is the order they always had (a template may list them).
    return {
        "briefing": context["briefing"],
        "topics": context["topics"],
        "multi_topic": context["multi_topic"],
        "settings": context["settings"],
        "references": TrackedReferences(project.references, lambda key: view(key, numbers.get(key))),
        "cited_references": cited,
        "timeline": context["timeline"],
        "figures": context["figures"],
        "generated": context["generated"],
        "standalone": standalone,
        "reliability_grades": dict(context["reliability_grades"]),
        "style": context["style"],
        "edition": context["edition"],
        "changes": context["changes"],
        "discrepancies": context["discrepancies"],
        "audited": context["audited"],
        "audience": context["audience"],
    }


def data_citation_order(topics: tuple[TopicView, ...]) -> list[str]:
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


def settings_view(settings: Settings) -> SettingsView:
    return SettingsView(title=settings.title, author=settings.author, classification=settings.classification,
                        formats=tuple(settings.formats))


def style_view(project: Project, briefing: Briefing) -> StyleView:
    style = briefing.style
    fonts = style.fonts
    return StyleView(organisation=style.organisation, logo=image_data_url(project.root, style.logo) if style.logo
                     else None, logo_file=style.logo, accent=style.accent,
                     body_font=fonts.body if fonts else None, heading_font=fonts.headings if fonts else None,
                     handling=style.handling, locale=style.locale or DEFAULT_LOCALE,
                     stylesheets=briefing.stylesheets, caveat=style.caveat,
                     labels=tuple(sorted((style.labels or {}).items())))


def image_data_url(root: Path, name: str) -> str:
    """An image inside the project as a ``data:`` URL (checked when the project was loaded)."""
    path = root / name
    try:
        data = read_project_file(path, root, max_bytes=MAX_IMAGE_BYTES)
    except FileProblem as error:
        raise TemplateProblem(error.problem) from None
    media_type = IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def briefing_view(briefing: Briefing, topics: tuple[TopicView, ...]) -> BriefingView:
    return BriefingView(id=briefing.id, title=briefing.title, topics=topics, as_of=briefing.as_of,
                        latest_as_of=briefing.latest_as_of, tags=tuple(briefing.tags),
                        template=briefing.template, schedule=briefing.schedule,
                        overdue_topics=sum(1 for topic in topics if topic.overdue))


def topic_view(topic: Topic, today: datetime.date | None = None, audit: Audit | None = None) -> TopicView:
    facts = tuple(fact_view(fact, topic.id, audit) for fact in topic.facts)
    disputed = {(figure.topic, figure.index) for discrepancy in (audit.discrepancies if audit else ())
                for figure in discrepancy.figures}
    grouped: dict[str, list[FactView]] = {}
    for fact in facts:
        grouped.setdefault(fact.section, []).append(fact)
    return TopicView(id=topic.id, title=topic.title, summary=topic.summary, as_of=topic.as_of,
                     review_by=topic.review_by, tags=tuple(topic.tags), facts=facts,
                     figures=tuple(figure_view(figure, (topic.id, index) in disputed,
                                               _figure_outcome(audit, topic.id, index))
                                   for index, figure in enumerate(topic.figures)),
                     sections=tuple(Section(title, tuple(items)) for title, items in grouped.items()),
                     overdue=bool(today and topic.overdue_on(today)))


def fact_anchor(topic_id: str, fact_id: str) -> str:
    # Slugs never contain "--", so the pair is unambiguous.
    return f"fact-{topic_id}--{fact_id}"


def fact_view(fact: Fact, topic_id: str = "", audit: Audit | None = None) -> FactView:
    checked = checked_fact(fact, topic_id, audit)
    # Outcomes mean something only in a project that keeps archives; the grade always does.
    archives = audit is not None and audit.uses_archives
    found = checked.check if archives else None
    quote = None
    if fact.quote:
        quote_check = found.quote if found else None
        quote = QuoteView(fact.quote.text, fact.quote.speaker, quote_check.outcome if quote_check else None,
                          quote_check.speaker_confirmed if quote_check else None)
    evidence = tuple(EvidenceView(item.source, item.passage, item.check.outcome if archives and item.check else None)
                     for item in checked.evidence)
    return FactView(id=fact.id, text=fact.text, sources=tuple(fact.sources), date=fact.date,
                    section=fact.section, quote=quote, date_inferred=fact.date_inferred,
                    credibility=fact.credibility, grade=checked.check.grade if checked.check else None,
                    evidence=evidence, fully_evidenced=bool(found and found.fully_evidenced),
                    single_outlet=bool(found and found.single_outlet),
                    low_reliability=bool(found and found.low_reliability),
                    anchor=fact_anchor(topic_id, fact.id),
                    date_mark=checked.check.date_basis.mark if checked.check and checked.check.date_basis else None,
                    headline=fact.headline, short_text=fact.headline or short_form(fact.text))


def figure_view(figure: Figure, discrepant: bool = False, outcome: str | None = None) -> FigureView:
    return FigureView(label=figure.label, value=figure.value, unit=figure.unit, sources=tuple(figure.sources),
                      key=figure.key, discrepant=discrepant, outcome=outcome)


def _figure_outcome(audit: Audit | None, topic_id: str, index: int) -> str | None:
    """The audit's outcome for a figure, only in a project that keeps archives (else there is nothing to say)."""
    if audit is None or not audit.uses_archives:
        return None
    checked = audit.figure(topic_id, index)
    return checked.outcome if checked else None


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
        facts_renamed=tuple(RenamedFact(topic=plain(item.get("topic")), topic_title=title(item.get("topic")),
                                        id=plain(item.get("id")), previous_id=plain(item.get("previous_id")),
                                        text=text(item.get("text")))
                            for item in records("facts_renamed")),
    )
    other = tuple(item for item in records_of(changes.get("other")) if isinstance(item, str))
    return ChangesView(since_number=number if isinstance(number, int) and not isinstance(number, bool) else None,
                       since_date=day(since.get("date")), first=changes.get("first") is True,
                       count=sum(len(items) for items in view.values()), other=other,
                       presentation_only=bool(other) and set(other) <= PRESENTATION_PARTS, **view)
