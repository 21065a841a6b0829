"""The schema: what each file of a project may say, as pydantic models.

Contract: :class:`Settings` (``briefings.yaml``, with a :class:`BriefingSpec`
per entry of ``briefings:``), :class:`Reference` (each entry of
``sources/references.yaml``) and :class:`Topic` (each file of
``sources/topics/``, with its :class:`Fact` and :class:`Figure` entries) are
frozen models that refuse unknown fields, and take numbers, dates and
true/false only as YAML writes them. Each check that needs nothing but the
value is here; checks across values and files are the loader's
(:mod:`briefings.project.loader`, :mod:`briefings.project.crosscheck`), and
pydantic's errors are worded for the user by :mod:`briefings.project.messages`.
The README's "Data contract" describes the same fields for users.
"""

from __future__ import annotations

import datetime
import sys
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from briefings.paths import DEFAULT_ARCHIVE_DIR, DEFAULT_FORMATS, OutputFormat
from briefings.project.archive_names import archive_dir_problem, archive_name_problem
from briefings.project.delivery_settings import Delivery

#: The heading of the facts that name no ``section``.
DEFAULT_SECTION = "Key developments"

#: Admiralty-scale source reliability grades and what each one says.
RELIABILITY_GRADES: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
#: Grades too weak for a fact to rest on alone without a warning (F: cannot be judged, so it corroborates nothing).
LOW_RELIABILITY = frozenset({"D", "E", "F"})

#: Who a briefing is for (see the README's "Audiences"): readers get the statements, their numbered citations
#: and a clean Sources list; analysts get the audit trail too (grades, verification marks, evidence).
AUDIENCES = ("reader", "analyst")
#: The audience of a briefing that names none, in a project that names none: the document with its audit trail.
DEFAULT_AUDIENCE = "analyst"
Audience = Literal["reader", "analyst"]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_HINT = "must be a slug (lowercase letters, digits and single hyphens, e.g. 'nato-spending')"


def _reject_non_dates(value: Any) -> Any:
    # pydantic's lax mode reads a number as seconds since 1970; in a YAML
    # file a bare number where a date belongs is always a mistake.
    if isinstance(value, (bool, int, float)):
        raise ValueError("date_type")
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def _reject_bools(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("not_bool")
    return value


def _no_negative_zero(value: Any) -> Any:
    # -0.0 equals 0 but would be shown (and written in the snapshot) as "-0": a figure of zero is 0.
    return 0.0 if isinstance(value, float) and value == 0 else value


def _check_archive_name(value: str) -> str:
    problem = archive_name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _check_archive_dir(value: str) -> str:
    problem = archive_dir_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: The longest headline: a line of a chronology, not a paragraph.
HEADLINE_MAX_CHARS = 120


def _check_headline(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("a headline is one line: write it without line breaks")
    if len(value) > HEADLINE_MAX_CHARS:
        raise ValueError(f"a headline is at most {HEADLINE_MAX_CHARS} characters (this one has {len(value)}): "
                         "say what happened, the fact's text says the rest")
    return value


#: A fact's headline for the timeline (its Markdown is checked with the fact's, by the cross-checks).
Headline = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_check_headline)]
Acknowledgements = dict[str, Text]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Date = Annotated[datetime.date, BeforeValidator(_reject_non_dates)]
# Numbers and true/false are taken only as YAML writes them: pydantic's lax mode would read true as 1,
# 1 or "yes" as true and "3" as 3, so that a slip (keep_editions: true) quietly meant something.
WholeNumber = Annotated[int, Strict()]
Seconds = Annotated[float, Strict(), Field(gt=0, le=3600, allow_inf_nan=False)]


class Schema(BaseModel):
    """What every model here is: frozen, and refusing fields it does not define."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


#: Every distinct set of the fields given to a topic, fact, quote or figure (at most one per subset of a
#: model's fields), shared by all the models that were given it.
_FIELDS_GIVEN: dict[frozenset[str], frozenset[str]] = {}


class _Shared(Schema):
    """A model the project holds one of per fact, quote, figure or topic.

    pydantic keeps, on every model, a set of the fields its input gave: a set of six names takes more memory
    than the fact's text, and was a third of a large project's models. The set never changes on a frozen
    model (``model_copy(update=...)``, which would add to it, is not used on these), so the models given the
    same fields share one frozen set.
    """

    @model_validator(mode="after")
    def _share_fields_given(self) -> Any:
        given = frozenset(self.__pydantic_fields_set__)
        object.__setattr__(self, "__pydantic_fields_set__", _FIELDS_GIVEN.setdefault(given, given))
        return self


class _Keyed(Schema):
    """A model whose ``id`` is its key or file name, given through the validation context."""

    id: str

    @model_validator(mode="before")
    @classmethod
    def _take_id_from_key(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and info.context and "id" in info.context:
            if "id" in data:
                raise ValueError("id_given")
            return {**data, "id": info.context["id"]}
        return data


#: A span marker: a short passage of the archived text (matched after normalising, as whole words).
Marker = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Span(Schema):
    """Where, in a shared archived file, a reference's own text stands (briefings.audit.spans): from the
    start of the ``start`` marker to the end of the ``end`` marker. Either may be left out (from the start,
    or to the end, of the file), not both."""

    start: Marker | None = None
    end: Marker | None = None

    @model_validator(mode="after")
    def _one_marker_at_least(self) -> Span:
        if self.start is None and self.end is None:
            raise ValueError("a span needs a start marker, an end marker or both")
        return self


class Reference(_Keyed):
    outlet: Text
    title: Text
    published: Date
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    accessed: Date | None = None
    reliability: Literal["A", "B", "C", "D", "E", "F"] | None = None
    note: Text | None = None
    #: The file name of the archived copy in the project's archive directory (see briefings.audit.archive).
    archive: Annotated[str, AfterValidator(_check_archive_name)] | None = None
    acknowledge: Acknowledgements = Field(default_factory=dict)
    #: Where this reference's text stands in a shared archived file (an aggregator page): matched only there.
    span: Span | None = None
    #: The news agency (wire service) whose copy this is, when the outlet runs another's copy ("AFP" for AFP
    #: copy carried by France 24): corroboration counts distinct agencies or outlets (briefings.audit.grades).
    agency: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _span_needs_archive(self) -> Reference:
        if self.span is not None and self.archive is None:
            raise ValueError("span: names where the reference stands in its archived file, but it has no archive:")
        return self

    @property
    def source_key(self) -> str:
        """Who wrote the copy: its agency, or else its outlet, case-folded (independent sources differ here)."""
        return " ".join((self.agency or self.outlet).casefold().split())

    @property
    def reliability_label(self) -> str | None:
        return RELIABILITY_GRADES.get(self.reliability) if self.reliability else None


class Quote(_Shared):
    text: Text
    speaker: Text
    #: Other names the archive may give the speaker ("Sir Keir", "the prime minister"): the audit confirms the
    #: speaker when one of these, the name or its surname is named near the quote (briefings.audit.speakers).
    speaker_aliases: list[Text] = Field(default_factory=list)


class Fact(_Shared):
    id: Slug
    text: Text
    sources: Annotated[list[Slug], Field(min_length=1)]
    date: Date | None = None
    #: What happened, in a line, for the timeline ("Zelensky meets Starmer in London"); without one the
    #: timeline shows the text's first sentence, cut short (briefings.render.shortform).
    headline: Headline | None = None
    #: The date is the curator's inference (from a weekday, say), not stated by the sources.
    date_inferred: StrictBool = False
    section: Text = DEFAULT_SECTION
    quote: Quote | None = None
    #: For each of its sources, a short passage of that source's archived text that supports the fact.
    evidence: dict[Slug, Text] = Field(default_factory=dict)
    #: The Admiralty information-credibility grade, 1 (confirmed) to 6 (cannot be judged).
    credibility: Annotated[WholeNumber, Field(ge=1, le=6)] | None = None
    acknowledge: Acknowledgements = Field(default_factory=dict)

    @model_validator(mode="after")
    def _share_fields_given(self) -> Any:
        # (This replaces the validator of _Shared, and adds to it, in one call per fact.) The same few reference
        # ids and section titles recur in every fact of a large project: one string each, not a copy per fact.
        self.sources[:] = [sys.intern(source) for source in self.sources]
        object.__setattr__(self, "section", sys.intern(self.section))
        return _Shared._share_fields_given(self)


class Figure(_Shared):
    label: Text
    #: (Never NaN, infinite or beyond 64 bits: the loader refuses those, see briefings.project.yaml.)
    value: Annotated[int | float | Text, BeforeValidator(_reject_bools), AfterValidator(_no_negative_zero)]
    unit: Text | None = None
    sources: Annotated[list[Slug], Field(min_length=1)]
    #: Figures sharing a key (within or across topics) state the same quantity: their values must agree.
    key: Slug | None = None
    #: For each of its sources, a short passage of that source's archived text that gives the value.
    evidence: dict[Slug, Text] = Field(default_factory=dict)
    acknowledge: Acknowledgements = Field(default_factory=dict)


class Topic(_Keyed, _Shared):
    title: Text
    summary: Text
    as_of: Date
    review_by: Date | None = None
    tags: list[Text] = Field(default_factory=list)
    facts: Annotated[list[Fact], Field(min_length=1)]
    figures: list[Figure] = Field(default_factory=list)
    acknowledge: Acknowledgements = Field(default_factory=dict)

    def overdue_on(self, today: datetime.date) -> bool:
        """Whether the topic is past its ``review_by`` date on ``today``."""
        return self.review_by is not None and self.review_by < today

    @property
    def sections(self) -> list[tuple[str, list[Fact]]]:
        """Facts grouped under their section headings, in order of first appearance."""
        grouped: dict[str, list[Fact]] = {}
        for fact in self.facts:
            grouped.setdefault(fact.section, []).append(fact)
        return list(grouped.items())


#: A CSS colour: #rgb, #rrggbb (with optional alpha), rgb()/hsl() with plain numbers, or a colour keyword.
CSS_COLOUR = (r"^(?:#[0-9A-Fa-f]{3,4}|#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{8}"
              r"|(?:rgb|rgba|hsl|hsla)\(\s*[0-9.%]+(?:\s*[ ,/]\s*[0-9.%]+){2,3}\s*\)|[A-Za-z]{3,30})$")
#: A font family name as written in CSS (quoted by the stylesheet): letters, digits, spaces and . _ -
FONT_FAMILY = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$"
TemplateName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
#: A file name in templates/: no directories, not hidden.
StylesheetName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.css$")]


#: The longest page caveat: it is one short line in the page's running header (the handling note is the long text).
CAVEAT_MAX_LENGTH = 120


def _check_caveat(value: str) -> str:
    # Plain text on one line: runs of white space (a YAML block's line breaks) read as one space. (Control
    # characters never get here: the YAML reader refuses them in any text.)
    value = " ".join(value.split())
    if len(value) > CAVEAT_MAX_LENGTH:
        raise ValueError(f"is {len(value)} characters long: a page caveat is one short line of at most "
                         f"{CAVEAT_MAX_LENGTH} characters, printed on every page (longer text belongs in handling:)")
    return value


class Fonts(Schema):
    """Font families, each put before the built-in fallbacks for its role."""

    body: Annotated[str, StringConstraints(pattern=FONT_FAMILY)] | None = None
    headings: Annotated[str, StringConstraints(pattern=FONT_FAMILY)] | None = None


class Style(Schema):
    """The house style most organisations change, as settings (see the README's "House style")."""

    organisation: Text | None = None
    logo: Annotated[str, StringConstraints(pattern=r"^[^\\]+$", max_length=500)] | None = None
    accent: Annotated[str, StringConstraints(pattern=CSS_COLOUR)] | None = None
    fonts: Fonts | None = None
    handling: Text | None = None
    #: A short handling caveat, plain text, printed on every page of the PDF and once at the top of the HTML.
    caveat: Annotated[Text, AfterValidator(_check_caveat)] | None = None
    locale: Text | None = None
    #: A Word document inside the project whose styles, page size and margins the DOCX uses.
    docx_reference: Annotated[str, StringConstraints(pattern=r"^[^\\]+\.docx$", max_length=500)] | None = None
    #: The house's own words for built-in labels, by English label ("Key figures": "Chiffres clés"); checked
    #: against briefings.i18n.LABELS where the project is loaded (settings_checks.style_problems).
    labels: dict[str, Text] | None = None

    def merged(self, override: Style | None) -> Style:
        """This style with every field ``override`` sets replacing ours (fonts field by field)."""
        if override is None:
            return self
        values = {name: getattr(override, name) if getattr(override, name) is not None else getattr(self, name)
                  for name in Style.model_fields}
        if self.labels is not None and override.labels is not None:
            values["labels"] = {**self.labels, **override.labels}
        if self.fonts is not None and override.fonts is not None:
            values["fonts"] = Fonts(body=override.fonts.body or self.fonts.body,
                                    headings=override.fonts.headings or self.fonts.headings)
        return Style(**values)


class BriefingSpec(_Keyed):
    title: Text
    topics: Annotated[list[Slug], Field(min_length=1)]
    template: TemplateName | None = None
    schedule: Text | None = None
    style: Style | None = None
    stylesheet: list[StylesheetName] | None = None
    #: Who this briefing is for; by default the project's ``audience:``.
    audience: Audience | None = None
    delivery: Delivery | None = None


class Limits(Schema):
    """Bounds on work driven by the project's own templates and stylesheets."""

    template_seconds: Seconds = 10.0
    pdf_seconds: Seconds = 120.0


class PdfSettings(Schema):
    """How the PDFs are written: every PDF is tagged PDF/UA-1 (the README's "Accessible and archival PDF")."""

    #: Write every PDF as PDF/A-3a (archival, with the JSON snapshot attached) as well as PDF/UA-1.
    archival: StrictBool = False


class Settings(Schema):
    title: Text | None = None
    author: Text | None = None
    classification: Text | None = None
    formats: Annotated[list[OutputFormat], Field(min_length=1)] = list(DEFAULT_FORMATS)
    briefings: dict[Slug, dict[str, Any]] | None = None
    #: Who the briefings are for, unless a briefing says otherwise (:data:`AUDIENCES`).
    audience: Audience = DEFAULT_AUDIENCE
    limits: Limits = Limits()
    pdf: PdfSettings = PdfSettings()
    style: Style = Style()
    #: CSS files in templates/ applied after the built-in stylesheet, in order.
    stylesheet: list[StylesheetName] = Field(default_factory=list)
    #: How many editions of each briefing to keep under output/editions/ (None: all).
    keep_editions: Annotated[WholeNumber, Field(ge=1, le=1_000_000)] | None = None
    #: Where archived copies of the references are kept, relative to the project.
    archive_dir: Annotated[str, AfterValidator(_check_archive_dir)] = DEFAULT_ARCHIVE_DIR
    #: The IANA time zone in which schedules are read (checked by the loader against the zone database).
    timezone: Text = "UTC"
    #: Where new editions are delivered (briefings.project.delivery_settings).
    delivery: Delivery | None = None
    #: What a scheduled run does with scheduled times that passed unrun (docs/scheduling.md, "Catching up"):
    #: "latest" publishes once, for the latest of them; "none" skips them and waits for the next.
    catch_up: Literal["latest", "none"] = "latest"

