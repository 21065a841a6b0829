"""What templates see: the plain, read-only data types, declared once.

Contract: templates never receive the project's live objects (pydantic
models have methods such as ``parse_file`` and ``model_validate_json`` that
a template could call). They receive the frozen dataclasses and named tuples
declared here, whose only attributes are data fields, gathered under the
names of :class:`TemplateContext`; :mod:`briefings.render.context` builds
them from the loaded project. :data:`TEMPLATE_ATTRIBUTES` is derived from
these declarations, and the sandbox (:mod:`briefings.render.sandbox`) refuses
every attribute not listed there, so this module is at once the template
interface, its documentation and the sandbox's allowlist. It imports nothing
of ours: every rendering module may use it.

Values are strings, numbers, ``datetime.date``/``datetime.datetime``,
``None``, tuples and the view types below; mappings are plain ``dict``
objects, which the immutable sandbox keeps read-only.
"""

from __future__ import annotations

import dataclasses
import datetime
import types
from typing import NamedTuple, TypedDict


@dataclasses.dataclass(frozen=True, slots=True)
class QuoteView:
    """A fact's quotation: the exact words and who said them.

    ``verification`` is the attribution audit's internal outcome: "verified"
    (found in the archived copy of the fact's first source), "unverifiable"
    (that source has no archived copy), or None when the project keeps no
    archives. Documents never print it: ``verification_note`` says what was
    checked in the words of :mod:`briefings.audit.states`.
    ``speaker_confirmed``: when found, whether the speaker is named near it
    (:mod:`briefings.audit.speakers`); None when not found or not checked.
    """

    text: str
    speaker: str
    verification: str | None = None
    speaker_confirmed: bool | None = None


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
    #: What an inferred date was inferred from ("inferred from the publication date, 23 June 2025, and
    #: 'on Tuesday'"; :attr:`briefings.audit.results.DateBasis.mark`), or None when the audit did not establish it.
    date_mark: str | None = None
    #: The curator's headline for the timeline (Markdown of the subset, one line, no links), or None.
    headline: str | None = None
    #: What the timeline shows: the headline, or else the text's first sentence cut short at a word
    #: boundary with "…" (:func:`briefings.render.shortform.short_form`); Markdown of the subset, no links.
    short_text: str = ""


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
    #: The audit's outcome for the figure ("verified", "not-found", "unverifiable"; shown as "figure in source",
    #: ... by ``figure_note``), or None when the project keeps no archives.
    outcome: str | None = None


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
    """A fact whose ``fields`` (of text, headline, date, section, sources, quote) changed."""

    topic: str
    topic_title: str
    id: str
    fields: tuple[str, ...]
    before: ChangedFact
    after: ChangedFact


@dataclasses.dataclass(frozen=True, slots=True)
class RenamedFact:
    """A fact whose id changed while its content (text, date, section, sources, quote) did not."""

    topic: str
    topic_title: str
    id: str
    previous_id: str
    text: str


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
    facts_renamed: tuple[RenamedFact, ...] = ()
    #: Which other parts of the content changed (e.g. "topic summaries", "template"); empty when not recorded.
    other: tuple[str, ...] = ()
    #: No fact, figure or topic changed and only the presentation (the template) did: "content unchanged".
    presentation_only: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class StyleView:
    """The briefing's house style: the project's ``style`` settings with the briefing's own over them.

    ``logo`` is the image as a ``data:`` URL (so the HTML and the PDF show the
    same file, wherever the HTML is opened), or None. ``handling`` is Markdown
    of the fact subset. ``body_font`` and ``heading_font`` are the family names
    put before the built-in fallbacks. ``locale`` formats dates and numbers.
    ``caveat`` is plain text (escaped where written), for the running header of every page.
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
    #: A short handling caveat (plain text, one line) for every page's running header, or None.
    caveat: str | None = None
    #: The house's own words for built-in labels (``style: labels:``), as (English label, words) pairs; read
    #: through ``_()``, not by templates.
    labels: tuple[tuple[str, str], ...] = ()


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
    audience: str


_VIEW_TYPES: tuple[type, ...] = (QuoteView, FactView, FigureView, TopicView, ReferenceView, BriefingView,
                                 SettingsView, TimelineEntry, FigureEntry, TocEntry, EditionView, ChangedTopic,
                                 ChangedFact, FactChange, RenamedFact, ChangedFigure, FigureChange, ChangesView,
                                 StyleView, EvidenceView, CitingFact, DiscrepantFigureView, DiscrepancyView)

#: What templates and their error messages call each type (never the class name, an internal detail).
TEMPLATE_TYPE_NAMES: dict[type, str] = {
    QuoteView: "quote", FactView: "fact", FigureView: "figure", TopicView: "topic", ReferenceView: "reference",
    BriefingView: "briefing", SettingsView: "settings", TimelineEntry: "timeline entry", FigureEntry: "figure entry",
    TocEntry: "contents entry", EditionView: "edition", ChangedTopic: "changed topic", ChangedFact: "changed fact",
    FactChange: "fact change", RenamedFact: "renamed fact", ChangedFigure: "changed figure",
    FigureChange: "figure change", ChangesView: "changes",
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

