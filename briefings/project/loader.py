"""Stage 2: the project model, and validation of everything the user wrote.

Contract: :func:`load_project` reads a briefing project directory (see the
README's "Data contract"), validates every file against the schema below and
every cross-reference between files, and returns one immutable
:class:`Project`. If anything is wrong it raises
:class:`~briefings.errors.ProblemsFound` with *all* the problems of all the
files, each located at the line of the offending value. Problems that do not
stop a build (a topic past its review date, a fact that rests only on
low-reliability sources) are returned as warnings in :attr:`Project.warnings`.
The attribution audit (:mod:`briefings.audit.auditor`) runs last, on the valid part:
its errors join the problems, its warnings pass the ``acknowledge:`` entries,
and its results are :attr:`Project.audit`.

The pydantic models here are the schema; the messages they produce are
rewritten into plain sentences by :func:`_describe` so that users never see
pydantic's internals.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from briefings.audit.archive import DEFAULT_ARCHIVE_DIR, archive_dir_problem, archive_name_problem
from briefings.errors import Problem, ProblemsFound, Severity, did_you_mean, sort_key
from briefings.files import list_topic_files
from briefings.paths import OUTPUT_FORMATS, REFERENCES_FILE, SETTINGS_FILE, TEMPLATES_DIR, TOPICS_DIR, OutputFormat
from briefings.project.markup import check_markdown
from briefings.project.yaml import Location, YamlDocument, load_yaml

if TYPE_CHECKING:
    from briefings.audit.results import Audit
    from briefings.build.cache import ParseCache

#: Image types a logo may be (by file name), with their media types.
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
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

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_HINT = "must be a slug (lowercase letters, digits and single hyphens, e.g. 'nato-spending')"

#: Warnings a project may acknowledge, with what each says, by where it is acknowledged.
FACT_WARNINGS = {
    "low-reliability": "the fact rests only on sources graded D, E or F",
    "date-after-as-of": "the fact's date is after its topic's as_of",
    "source-after-as-of": "a source the fact cites was published after its topic's as_of",
    # The attribution audit's (briefings.audit.auditor):
    "quote-unverifiable": "the fact's quote cannot be verified: its first source has no archived text",
    "evidence-unverifiable": "an evidence passage cannot be verified: its source has no archived text",
    "number-not-in-evidence": "the fact states a number that none of its evidence passages states",
    "single-outlet": "every source of the fact comes from one outlet",
}
FIGURE_WARNINGS = {
    "source-after-as-of": "a source the figure cites was published after its topic's as_of",
    "number-not-in-evidence": "the figure's value is not stated in its evidence, or in the archived text of any "
                              "of its sources",
    "evidence-unverifiable": "an evidence passage of the figure cannot be verified: its source has no archived text",
    "figure-discrepancy": "another figure with the same key states a different value",
}
REFERENCE_WARNINGS = {
    "never-cited": "no fact or figure cites the reference",
    "accessed-before-published": "the reference's accessed date is before its published date",
    "archive-missing": "the reference's archive file does not exist",
}
TOPIC_WARNINGS = {
    "review-overdue": "the topic is past its review_by date",
    "as-of-in-future": "the topic's as_of date is in the future",
}
WARNING_CODES = {**FACT_WARNINGS, **FIGURE_WARNINGS, **REFERENCE_WARNINGS, **TOPIC_WARNINGS}
#: A topic may also acknowledge a fact or figure warning once for all its facts and figures that have it
#: (a fact's or figure's own entry, when it has one, gives the reason shown for it).
TOPIC_WIDE_WARNINGS = {**TOPIC_WARNINGS, **{code: f"{meaning} (for every fact or figure of the topic)"
                                             for code, meaning in {**FACT_WARNINGS, **FIGURE_WARNINGS}.items()}}
_ACKNOWLEDGED_ON = {"facts": FACT_WARNINGS, "figures": FIGURE_WARNINGS, "references": REFERENCE_WARNINGS,
                    "topics": TOPIC_WIDE_WARNINGS}


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
Acknowledgements = dict[str, Text]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Date = Annotated[datetime.date, BeforeValidator(_reject_non_dates)]
# Numbers and true/false are taken only as YAML writes them: pydantic's lax mode would read true as 1,
# 1 or "yes" as true and "3" as 3, so that a slip (keep_editions: true) quietly meant something.
WholeNumber = Annotated[int, Strict()]
Seconds = Annotated[float, Strict(), Field(gt=0, le=3600, allow_inf_nan=False)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class _Keyed(_Schema):
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

    @property
    def reliability_label(self) -> str | None:
        return RELIABILITY_GRADES.get(self.reliability) if self.reliability else None


class Quote(_Schema):
    text: Text
    speaker: Text


class Fact(_Schema):
    id: Slug
    text: Text
    sources: Annotated[list[Slug], Field(min_length=1)]
    date: Date | None = None
    #: The date is the curator's inference (from a weekday, say), not stated by the sources.
    date_inferred: StrictBool = False
    section: Text = DEFAULT_SECTION
    quote: Quote | None = None
    #: For each of its sources, a short passage of that source's archived text that supports the fact.
    evidence: dict[Slug, Text] = Field(default_factory=dict)
    #: The Admiralty information-credibility grade, 1 (confirmed) to 6 (cannot be judged).
    credibility: Annotated[WholeNumber, Field(ge=1, le=6)] | None = None
    acknowledge: Acknowledgements = Field(default_factory=dict)


class Figure(_Schema):
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


class Topic(_Keyed):
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


class Fonts(_Schema):
    """Font families, each put before the built-in fallbacks for its role."""

    body: Annotated[str, StringConstraints(pattern=FONT_FAMILY)] | None = None
    headings: Annotated[str, StringConstraints(pattern=FONT_FAMILY)] | None = None


class Style(_Schema):
    """The house style most organisations change, as settings (see the README's "House style")."""

    organisation: Text | None = None
    logo: Annotated[str, StringConstraints(pattern=r"^[^\\]+$", max_length=500)] | None = None
    accent: Annotated[str, StringConstraints(pattern=CSS_COLOUR)] | None = None
    fonts: Fonts | None = None
    handling: Text | None = None
    locale: Text | None = None

    def merged(self, override: Style | None) -> Style:
        """This style with every field ``override`` sets replacing ours (fonts field by field)."""
        if override is None:
            return self
        values = {name: getattr(override, name) if getattr(override, name) is not None else getattr(self, name)
                  for name in Style.model_fields}
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


class Limits(_Schema):
    """Bounds on work driven by the project's own templates and stylesheets."""

    template_seconds: Seconds = 10.0
    pdf_seconds: Seconds = 120.0


class Settings(_Schema):
    title: Text | None = None
    author: Text | None = None
    classification: Text | None = None
    formats: Annotated[list[OutputFormat], Field(min_length=1)] = list(OUTPUT_FORMATS)
    briefings: dict[Slug, dict[str, Any]] | None = None
    limits: Limits = Limits()
    style: Style = Style()
    #: CSS files in templates/ applied after the built-in stylesheet, in order.
    stylesheet: list[StylesheetName] = Field(default_factory=list)
    #: How many editions of each briefing to keep under output/editions/ (None: all).
    keep_editions: Annotated[WholeNumber, Field(ge=1, le=1_000_000)] | None = None
    #: Where archived copies of the references are kept, relative to the project.
    archive_dir: Annotated[str, AfterValidator(_check_archive_dir)] = DEFAULT_ARCHIVE_DIR
    #: The IANA time zone in which schedules are read (checked by the loader against the zone database).
    timezone: Text = "UTC"


@dataclass(frozen=True)
class Briefing:
    """One document to build: a title over one or more topics, in order."""

    id: str
    title: str
    topics: tuple[Topic, ...]
    template: str | None = None
    schedule: str | None = None
    #: The project's style with the briefing's own settings over it.
    style: Style = Style()
    #: Stylesheets in templates/ applied after the built-in one: the briefing's, else the project's.
    stylesheets: tuple[str, ...] = ()

    @property
    def as_of(self) -> datetime.date:
        # A briefing is only as current as its least current topic.
        return min(topic.as_of for topic in self.topics)

    @property
    def latest_as_of(self) -> datetime.date:
        return max(topic.as_of for topic in self.topics)

    @property
    def tags(self) -> list[str]:
        return sorted({tag for topic in self.topics for tag in topic.tags})


@dataclass(frozen=True)
class Acknowledged:
    """A warning the project accepted, and the reason it gave."""

    warning: Problem
    reason: str


@dataclass(frozen=True)
class Project:
    root: Path
    settings: Settings
    references: dict[str, Reference]
    topics: dict[str, Topic]
    briefings: tuple[Briefing, ...]
    warnings: tuple[Problem, ...] = field(default=())
    #: Warnings silenced by an ``acknowledge:`` entry, still counted in summaries.
    acknowledged: tuple[Acknowledged, ...] = field(default=())
    #: For each briefing id, where it is declared (path and line), for later stages' messages.
    briefing_origins: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    #: For each briefing with a ``template:``, where that name is written.
    template_origins: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    #: The attribution audit's results (see :mod:`briefings.audit.auditor`); None only for a Project made by hand.
    audit: Audit | None = field(default=None, compare=False, repr=False)
    #: The parsed YAML of each valid topic (by topic id) and of the references (by REFERENCES_FILE),
    #: so that later stages can locate values (``document.line_of``).
    documents: dict[str, YamlDocument] = field(default_factory=dict, compare=False, repr=False)

    def briefing(self, briefing_id: str) -> Briefing:
        for briefing in self.briefings:
            if briefing.id == briefing_id:
                return briefing
        raise KeyError(briefing_id)


def load_project(root: Path, *, today: datetime.date | None = None,
                 archive_dir: Path | str | None = None) -> Project:
    """Load, validate and cross-check the project at ``root``; raise :class:`ProblemsFound` on any error.

    ``archive_dir`` overrides the project's ``archive_dir`` for the attribution audit
    (:func:`briefings.audit.auditor.audit_project`): a directory anywhere, as named on the command line.
    """
    project, problems = load_project_partially(root, today=today, archive_dir=archive_dir)
    if problems:
        raise ProblemsFound(problems)
    return project


def load_project_partially(root: Path, *, today: datetime.date | None = None,
                           cache: ParseCache | None = None,
                           archive_dir: Path | str | None = None) -> tuple[Project, list[Problem]]:
    """The project as far as it is valid, and every error found.

    Later stages use the valid part to look for their own problems (templates
    that do not parse, say), so that one run reports data and template
    problems together; nothing may be built from a project with errors.
    ``cache`` answers for files unchanged since the last build (see :mod:`briefings.build.cache`).
    """
    return _ProjectLoader(root, today or datetime.date.today(), cache, archive_dir).load()


class _ProjectLoader:
    def __init__(self, root: Path, today: datetime.date, cache: ParseCache | None = None,
                 archive_dir: Path | str | None = None):
        self.root = root
        self.today = today
        self.cache = cache
        self.archive_dir = archive_dir
        #: Acknowledgements of facts, figures and references, kept until the audit's warnings have passed them.
        self.pending: dict[tuple[Any, ...], _Acknowledgements] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.acknowledged: list[Acknowledged] = []

    def load(self) -> tuple[Project, list[Problem]]:
        if not self.root.is_dir():
            problem = Problem(str(self.root), None, "project directory does not exist")
            return Project(self.root, Settings(), {}, {}, ()), [problem]
        settings, settings_doc = self._load_settings()
        references, references_doc = self._load_references()
        topics = self._load_topics()
        self._cross_check(references, references_doc)
        briefings, origins, template_origins = self._assemble_briefings(settings, settings_doc, topics)
        documents = {topic_id: self.topic_files[topic_id].document for topic_id in topics}
        if references_doc is not None:
            documents[REFERENCES_FILE] = references_doc
        project = Project(
            root=self.root,
            settings=settings,
            references=references,
            topics=topics,
            briefings=tuple(briefings),
            briefing_origins=origins,
            template_origins=template_origins,
            documents=documents,
        )
        audit = self._audit(project)
        return dataclasses.replace(
            project,
            warnings=tuple(sorted(self.warnings, key=sort_key)),
            acknowledged=tuple(sorted(self.acknowledged, key=lambda item: sort_key(item.warning))),
            audit=audit,
        ), self.problems

    def _audit(self, project: Project) -> Audit:
        """The attribution audit: its errors are problems; its warnings pass the acknowledgements."""
        from briefings.audit.auditor import audit_project

        audit = audit_project(project, archive_dir=self.archive_dir)
        self.problems.extend(audit.problems)
        for finding in audit.findings:
            acknowledgements = self.pending.get(tuple(finding.about))
            if acknowledgements is None or finding.problem.code is None:
                self.warnings.append(finding.problem)
            else:
                acknowledgements.accept(finding.problem)
        for acknowledgements in self.pending.values():
            acknowledgements.report_unused()
        self.pending.clear()
        return audit

    # -- files -------------------------------------------------------------

    def _read(self, path: Path) -> YamlDocument:
        document = self.cache.load_yaml(path, self.root) if self.cache else load_yaml(path, self.root)
        self.problems.extend(document.problems)
        return document

    def _validate(self, model: type[_Schema], document: YamlDocument, data: Any,
                  location: Location = (), context: dict[str, Any] | None = None) -> Any:
        try:
            return model.model_validate(data, context=context)
        except ValidationError as error:
            for detail in error.errors():
                loc = (*location, *detail["loc"])
                # A value the loader rejected (and reported) is None in the
                # data; one message per mistake is enough.
                if any(loc[:length] in document.rejected for length in range(len(loc) + 1)):
                    continue
                self.problems.append(document.problem(loc, _describe(detail, loc, model, location, document.data)))
            return None

    def _load_settings(self) -> tuple[Settings, YamlDocument | None]:
        path = self.root / SETTINGS_FILE
        # A broken or looping link is not "absent": reading it says what is wrong with it.
        if not (path.exists() or path.is_symlink()):
            return Settings(), None
        document = self._read(path)
        data = {} if document.data is None else document.data
        if not isinstance(data, dict):
            self.problems.append(document.problem((), "briefings.yaml must be a mapping of settings"))
            return Settings(), document
        settings = self._validate(Settings, document, data)
        if settings is not None and not _is_time_zone(settings.timezone):
            from briefings.schedule.runner import known_time_zones

            self.problems.append(document.problem(("timezone",),
                f"timezone '{settings.timezone}' is not a known IANA time zone"
                f"{did_you_mean(settings.timezone, sorted(known_time_zones()))} (e.g. 'Europe/London' or 'UTC')"))
            settings = settings.model_copy(update={"timezone": "UTC"})  # so that schedules can still be checked
        return settings or Settings(), document

    def _load_references(self) -> tuple[dict[str, Reference], YamlDocument | None]:
        path = self.root / REFERENCES_FILE
        if not (path.exists() or path.is_symlink()):
            self.problems.append(Problem(REFERENCES_FILE, None,
                                         "file is missing: every project lists its references here"))
            return {}, None
        document = self._read(path)
        if document.data is None and document.problems:
            return {}, document
        if not isinstance(document.data, dict):
            self.problems.append(document.problem((), "must be a mapping from reference id to its details"))
            return {}, document
        references: dict[str, Reference] = {}
        for key, entry in document.data.items():
            if not isinstance(key, str) or not re.match(SLUG_PATTERN, key):
                self.problems.append(document.problem((key,), f"reference id '{key}' {SLUG_HINT}"))
                continue
            reference = self._validate(Reference, document, entry, (key,), {"id": key})
            if reference is not None:
                references[key] = reference
        return references, document

    def _load_topics(self) -> dict[str, Topic]:
        paths, problems = list_topic_files(self.root / TOPICS_DIR, self.root)
        self.problems.extend(problems)
        if not paths and not problems:
            self.problems.append(Problem(TOPICS_DIR, None, "no topics: add at least one <id>.yaml file"))
        self.topic_files: dict[str, _TopicFile] = {}
        for path in paths:
            topic_id = path.stem
            document = self._read(path)
            if document.data is None and document.problems:
                self.topic_files.setdefault(topic_id, _TopicFile(document))
                continue  # unreadable or unparsable: nothing more to say about it
            if not re.match(SLUG_PATTERN, topic_id):
                self.problems.append(document.problem((), f"topic file name '{path.name}' {SLUG_HINT}"))
                continue
            if topic_id in self.topic_files:
                self.problems.append(document.problem((), f"topic '{topic_id}' is defined twice ({path.name})"))
                continue
            if not isinstance(document.data, dict):
                self.problems.append(document.problem(
                    (), "a topic file must be a mapping with title, summary, as_of and facts"))
                self.topic_files[topic_id] = _TopicFile(document)
                continue
            topic = self._validate(Topic, document, document.data, (), {"id": topic_id})
            self.topic_files[topic_id] = _TopicFile(document, topic)
        return {topic_id: entry.topic for topic_id, entry in self.topic_files.items() if entry.topic}

    # -- cross-references and sanity checks ---------------------------------------

    def _cross_check(self, references: dict[str, Reference], references_doc: YamlDocument | None) -> None:
        cited: set[str] = set()
        for topic_id, entry in self.topic_files.items():
            document = entry.document
            topic = entry.topic
            first_seen: dict[str, int | None] = {}
            topic_acknowledgements = _Acknowledgements(self, document, (), topic.acknowledge if topic else {},
                                                       TOPIC_WIDE_WARNINGS, f"topic '{topic_id}'", "topics")
            for index, fact in entry.facts():
                location: Location = ("facts", index)
                line = document.line_of((*location, "id"))
                if fact.id in first_seen:
                    self.problems.append(document.problem(
                        (*location, "id"),
                        f"duplicate fact id '{fact.id}' (first used on line {first_seen[fact.id]})"))
                else:
                    first_seen[fact.id] = line
                self._check_markup(document, (*location, "text"), fact.text, "fact", f"fact '{fact.id}': ")
                acknowledgements = _Acknowledgements(self, document, location, fact.acknowledge, FACT_WARNINGS,
                                                     f"fact '{fact.id}'", "facts", topic_acknowledgements)
                self._check_sources(document, location, fact.sources, references, cited)
                for source in fact.evidence:
                    if source not in fact.sources:
                        self.problems.append(document.problem((*location, "evidence", source),
                            f"fact '{fact.id}': evidence for '{source}', which the fact does not cite "
                            f"(sources: {', '.join(fact.sources)})"))
                if references and all(source in references for source in fact.sources):
                    grades = {references[source].reliability for source in fact.sources}
                    if grades <= LOW_RELIABILITY:
                        shown = ", ".join(sorted(grade or "" for grade in grades))
                        acknowledgements.warn((*location, "sources"), "low-reliability",
                            f"fact '{fact.id}' rests only on low-reliability sources ({shown}): corroborate it")
                if topic is not None:
                    if fact.date and fact.date > topic.as_of:
                        acknowledgements.warn((*location, "date"), "date-after-as-of",
                            f"fact '{fact.id}' is dated {fact.date.isoformat()}, after the topic's as_of "
                            f"({topic.as_of.isoformat()}): is as_of out of date?")
                    self._check_publication_dates(document, location, fact.sources, references, topic,
                                                  acknowledgements, f"fact '{fact.id}'")
                self.pending[("facts", topic_id, index)] = acknowledgements
            for index, figure in entry.figures():
                location = ("figures", index)
                acknowledgements = _Acknowledgements(self, document, location, figure.acknowledge, FIGURE_WARNINGS,
                                                     f"figure '{figure.label}'", "figures", topic_acknowledgements)
                self._check_sources(document, location, figure.sources, references, cited)
                for source in figure.evidence:
                    if source not in figure.sources:
                        self.problems.append(document.problem((*location, "evidence", source),
                            f"figure '{figure.label}': evidence for '{source}', which the figure does not cite "
                            f"(sources: {', '.join(figure.sources)})"))
                if topic is not None:
                    self._check_publication_dates(document, location, figure.sources, references, topic,
                                                  acknowledgements, f"figure '{figure.label}'")
                self.pending[("figures", topic_id, index)] = acknowledgements
            if topic is not None:
                self._check_markup(document, ("summary",), topic.summary, "summary", "summary: ")
                acknowledgements = topic_acknowledgements
                if topic.overdue_on(self.today):
                    acknowledgements.warn(("review_by",), "review-overdue",
                        f"topic '{topic_id}' was due for review on {topic.review_by.isoformat()}")
                if topic.as_of > self.today:
                    acknowledgements.warn(("as_of",), "as-of-in-future",
                        f"topic '{topic_id}' has as_of {topic.as_of.isoformat()}, which is in the future")
            # (reported unused only after the audit, whose warnings its facts and figures may still meet)
            self.pending[("topics", topic_id)] = topic_acknowledgements
        if references_doc is None:
            return
        for reference_id, reference in references.items():
            acknowledgements = _Acknowledgements(self, references_doc, (reference_id,), reference.acknowledge,
                                                 REFERENCE_WARNINGS, f"reference '{reference_id}'", "references")
            if reference.accessed and reference.accessed < reference.published:
                acknowledgements.warn((reference_id, "accessed"), "accessed-before-published",
                    f"reference '{reference_id}' was accessed ({reference.accessed.isoformat()}) before it was "
                    f"published ({reference.published.isoformat()})")
            if self.topic_files and not self.problems and reference_id not in cited:
                acknowledgements.warn((reference_id,), "never-cited", f"reference '{reference_id}' is never cited")
            self.pending[("references", reference_id)] = acknowledgements

    def _check_markup(self, document: YamlDocument, location: Location, text: str, kind: Any, label: str) -> None:
        messages = self.cache.check_markdown(text, kind, check_markdown) if self.cache else check_markdown(text, kind)
        for message in messages:
            self.problems.append(document.problem(location, label + message))

    def _check_sources(self, document: YamlDocument, location: Location, sources: list[str],
                       references: dict[str, Reference], cited: set[str]) -> None:
        for position, source in enumerate(sources):
            cited.add(source)
            if source not in references:
                if any(problem.path == REFERENCES_FILE for problem in self.problems):
                    continue  # the references file itself is broken: don't pile on
                self.problems.append(document.problem((*location, "sources", position),
                    f"unknown reference '{source}'{did_you_mean(source, references)} (not in {REFERENCES_FILE})"))

    def _check_publication_dates(self, document: YamlDocument, location: Location, sources: list[str],
                                 references: dict[str, Reference], topic: Topic,
                                 acknowledgements: _Acknowledgements, label: str) -> None:
        for position, source in enumerate(sources):
            reference = references.get(source)
            if reference is not None and reference.published > topic.as_of:
                acknowledgements.warn((*location, "sources", position), "source-after-as-of",
                    f"{label} cites '{source}', published {reference.published.isoformat()}, after the topic's "
                    f"as_of ({topic.as_of.isoformat()}): is as_of out of date?")

    def _check_style(self, document: YamlDocument, location: Location, style: Style | None,
                     stylesheets: list[str] | None) -> None:
        """Style settings that name files or locales: each must exist (project-wide, or in one briefing)."""
        if style is not None:
            if style.locale is not None:
                from briefings.i18n import check_locale

                message = check_locale(style.locale)
                if message:
                    self.problems.append(document.problem((*location, "style", "locale"), message))
            if style.logo is not None:
                message = check_image(self.root, style.logo)
                if message:
                    self.problems.append(document.problem((*location, "style", "logo"), message))
            if style.handling is not None:
                for message in check_markdown(style.handling, "fact"):
                    self.problems.append(document.problem((*location, "style", "handling"), f"handling: {message}"))
        for index, name in enumerate(stylesheets or ()):
            path = self.root / TEMPLATES_DIR / name
            if not (path.exists() or path.is_symlink()):
                available = sorted(entry.name for entry in (self.root / TEMPLATES_DIR).glob("*.css")) \
                    if (self.root / TEMPLATES_DIR).is_dir() else []
                self.problems.append(document.problem((*location, "stylesheet", index),
                    f"stylesheet '{name}' is not in {TEMPLATES_DIR}/{did_you_mean(name, available)} "
                    f"(stylesheets there: {', '.join(available) or 'none'})"))

    def _assemble_briefings(self, settings: Settings, document: YamlDocument | None, topics: dict[str, Topic]
                            ) -> tuple[list[Briefing], dict[str, tuple[str, int | None]],
                                       dict[str, tuple[str, int | None]]]:
        origins: dict[str, tuple[str, int | None]] = {}
        template_origins: dict[str, tuple[str, int | None]] = {}
        if document is not None:
            self._check_style(document, (), settings.style, settings.stylesheet)
        if settings.briefings is None:
            briefings = [Briefing(id=topic.id, title=topic.title, topics=(topic,), style=settings.style,
                                  stylesheets=tuple(settings.stylesheet)) for topic in topics.values()]
            for topic_id in topics:
                origins[topic_id] = (self.topic_files[topic_id].document.display_path, 1)
            return briefings, origins, template_origins
        assert document is not None
        briefings = []
        for spec, location in self._briefing_specs(settings, document):
            briefing_id = spec.id
            origins[briefing_id] = (document.display_path, document.line_of(location))
            if spec.template is not None:
                template_origins[briefing_id] = (document.display_path, document.line_of((*location, "template")))
            chosen = []
            for index, topic_id in enumerate(spec.topics):
                if topic_id in topics:
                    chosen.append(topics[topic_id])
                elif topic_id not in self.topic_files:  # a broken topic file has been reported already
                    known = ", ".join(sorted(self.topic_files)) or "none"
                    self.problems.append(document.problem((*location, "topics", index),
                        f"unknown topic '{topic_id}' in briefing '{briefing_id}'"
                        f"{did_you_mean(topic_id, self.topic_files)} (topics: {known})"))
            if len(chosen) == len(spec.topics):
                sheets = spec.stylesheet if spec.stylesheet is not None else settings.stylesheet
                briefings.append(Briefing(id=briefing_id, title=spec.title, topics=tuple(chosen),
                                          template=spec.template, schedule=spec.schedule,
                                          style=settings.style.merged(spec.style), stylesheets=tuple(sheets)))
                self._check_style(document, location, spec.style, spec.stylesheet)
        return briefings, origins, template_origins

    def _briefing_specs(self, settings: Settings, document: YamlDocument) -> list[tuple[BriefingSpec, Location]]:
        """The valid entries of ``briefings:``, with where each is; their schedules checked in the project's zone."""
        specs = []
        for briefing_id, entry in (settings.briefings or {}).items():
            location = ("briefings", briefing_id)
            spec = self._validate(BriefingSpec, document, entry, location, {"id": briefing_id})
            if spec is None:
                continue
            reason = None if spec.schedule is None else _cron_problem(spec.schedule, settings.timezone)
            if reason is not None:
                self.problems.append(document.problem((*location, "schedule"), f"schedule '{spec.schedule}' {reason}"))
            specs.append((spec, location))
        return specs


def load_settings(root: Path) -> tuple[Settings, list[tuple[BriefingSpec, int | None]] | None, list[Problem]]:
    """``briefings.yaml`` alone: the settings, each valid briefing entry with its line (None without a
    ``briefings:`` key: then every topic is a briefing, none scheduled), and the file's problems.

    What :mod:`briefings.schedule.runner` reads, so that a broken topic never hides a briefing's schedule.
    """
    loader = _ProjectLoader(root, datetime.date.today())
    if not root.is_dir():
        return Settings(), None, [Problem(str(root), None, "project directory does not exist")]
    settings, document = loader._load_settings()
    if document is None or settings.briefings is None:
        return settings, None, loader.problems
    specs = [(spec, document.line_of(location)) for spec, location in loader._briefing_specs(settings, document)]
    return settings, specs, loader.problems


class _Acknowledgements:
    """One fact's (figure's, topic's, reference's) ``acknowledge:`` entries, applied to its warnings."""

    def __init__(self, loader: _ProjectLoader, document: YamlDocument, location: Location,
                 entries: dict[str, str], applicable: dict[str, str], label: str, kind: str,
                 topic_wide: _Acknowledgements | None = None):
        self.loader = loader
        #: The topic's entries, which acknowledge a warning for all its facts and figures.
        self.topic_wide = topic_wide
        self.document = document
        self.location = location
        self.label = label
        self.entries: dict[str, str] = {}
        self.used: set[str] = set()
        for code, reason in entries.items():
            where = (*location, "acknowledge", code)
            if code in applicable:
                self.entries[code] = reason
            elif code in WARNING_CODES:
                places = " or ".join(place for place, codes in _ACKNOWLEDGED_ON.items() if code in codes)
                loader.problems.append(document.problem(where,
                    f"warning '{code}' cannot be acknowledged on {kind}: acknowledge it on {places} "
                    f"({kind} acknowledge: {', '.join(applicable)})"))
            else:
                loader.problems.append(document.problem(where,
                    f"unknown warning '{code}'{did_you_mean(code, applicable)} "
                    f"({kind} acknowledge: {', '.join(applicable)})"))

    def warn(self, location: Location, code: str, message: str) -> None:
        self.accept(Problem(self.document.display_path, self.document.line_of(location), message,
                            Severity.WARNING, code))

    def accept(self, warning: Problem) -> None:
        """Record ``warning`` (about this fact, figure, topic or reference): acknowledged, or a warning."""
        code = warning.code or ""
        if code in self.entries:
            self.used.add(code)
            self.loader.acknowledged.append(Acknowledged(warning, self.entries[code]))
        elif self.topic_wide is not None and code in self.topic_wide.entries:
            self.topic_wide.used.add(code)
            self.loader.acknowledged.append(Acknowledged(warning, self.topic_wide.entries[code]))
        else:
            self.loader.warnings.append(warning)

    def report_unused(self) -> None:
        for code in self.entries:
            if code not in self.used:
                self.loader.warnings.append(Problem(
                    self.document.display_path, self.document.line_of((*self.location, "acknowledge", code)),
                    f"{self.label} acknowledges '{code}', but that warning does not apply: remove the entry",
                    Severity.WARNING))


@dataclass
class _TopicFile:
    """A topic file as far as it could be understood, for cross-checks."""

    document: YamlDocument
    topic: Topic | None = None

    def facts(self) -> list[tuple[int, Fact]]:
        return self._salvage("facts", Fact, self.topic.facts if self.topic else None)

    def figures(self) -> list[tuple[int, Figure]]:
        return self._salvage("figures", Figure, self.topic.figures if self.topic else None)

    def _salvage(self, key: str, model: type[_Schema], valid: list[Any] | None) -> list[tuple[int, Any]]:
        if valid is not None:
            return list(enumerate(valid))
        # The topic as a whole is invalid (its errors are reported); its
        # well-formed facts and figures can still be cross-checked, so that
        # one run reports every problem.
        raw = self.document.data.get(key) if isinstance(self.document.data, dict) else None
        salvaged = []
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            try:
                salvaged.append((index, model.model_validate(item)))
            except ValidationError:
                pass
        return salvaged


def check_image(root: Path, name: str) -> str | None:
    """What is wrong with ``name`` as an image inside the project (None: it can be read)."""
    from briefings.files import FileProblem, read_project_file

    path = root / name
    if Path(name).suffix.lower() not in IMAGE_TYPES:
        return f"'{name}' is not an image this tool embeds (use {', '.join(sorted(IMAGE_TYPES))})"
    if not (path.exists() or path.is_symlink()):
        return f"image '{name}' does not exist (the path is relative to the project directory)"
    try:
        read_project_file(path, root, max_bytes=MAX_IMAGE_BYTES)
    except FileProblem as error:
        return f"image '{name}': {error.problem.message}"
    return None


def _cron_problem(expression: str, zone: str = "UTC") -> str | None:
    """What is wrong with a schedule, or None: the scheduler's own reading of it decides (the two always agree)."""
    from briefings.schedule.runner import CronProblem, cron_trigger

    try:
        cron_trigger(expression, zone)
    except CronProblem as problem:
        return str(problem)
    except ValueError:
        return "is not a valid cron expression (e.g. \"0 6 * * 1-5\")"
    return None


def _is_time_zone(name: str) -> bool:
    from briefings.schedule.runner import known_time_zones

    return name in known_time_zones()


def _fields_at(model: type[BaseModel], loc: Location) -> list[str]:
    """The field names of the model reached by ``loc`` inside ``model`` (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_in(fields[part].annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _fact_label(data: Any, loc: Location) -> str:
    """"facts[1] (fact 'second-fact')" when ``loc`` is inside a fact whose id can be read."""
    if len(loc) >= 2 and loc[0] == "facts" and isinstance(loc[1], int) and isinstance(data, dict):
        facts = data.get("facts")
        if isinstance(facts, list) and loc[1] < len(facts) and isinstance(facts[loc[1]], dict):
            fact_id = facts[loc[1]].get("id")
            if isinstance(fact_id, str) and fact_id:
                return f" (fact '{fact_id}')"
    return ""


def _field_name(loc: Location) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _describe(detail: Any, loc: Location, model: type[BaseModel], base: Location, data: Any) -> str:
    """Turn one pydantic error into a sentence about the user's file."""
    kind = detail["type"]
    label = _fact_label(data, loc)
    field_name = _field_name(loc) + (label if len(loc) == 2 else "")
    if len(loc) > 2:
        field_name = _field_name(loc[:2]) + label + _field_name(("", *loc[2:]))
    name = str(loc[-1]) if loc else "value"
    value = detail.get("input")
    message = str(detail.get("msg", ""))
    parent = f"{_field_name(loc[:-1])}{label}: " if len(loc) > 1 else ""
    if kind == "missing":
        return f"{parent}missing required field '{name}'"
    if kind == "extra_forbidden":
        known = _fields_at(model, tuple(detail["loc"])[:-1])
        return f"{parent}unknown field '{name}'{did_you_mean(name, [k for k in known if k != 'id'])}"
    if "id_given" in message:
        return "'id' is not a field here: the id is the key (or the file name)"
    if "date_type" in message or kind.startswith("date_") or kind.startswith("datetime_"):
        return f"{field_name}: invalid date '{value}' (expected YYYY-MM-DD)"
    if kind == "string_pattern_mismatch":
        field = next((part for part in reversed(loc) if isinstance(part, str)), "")
        return f"{field_name}: '{value}' {_PATTERN_HINTS.get(field, SLUG_HINT)}"
    if kind in _EXPECTED or "not_bool" in message:
        expected = _EXPECTED.get(kind, "a number or text")
        # (2.5 where a whole number belongs: "got a number" would not say what is wrong)
        got = str(value) if kind == "int_type" and isinstance(value, float) else _type_name(value)
        return f"{field_name}: expected {expected}, got {got}"
    if kind == "value_error" and message.startswith("Value error, "):
        return f"{field_name}: {message[len('Value error, '):]}"
    if kind in _BOUNDS:
        word, bound = _BOUNDS[kind]
        return f"{field_name}: must be {word} {_number(detail.get('ctx', {}).get(bound))}, not {_number(value)}"
    if kind == "finite_number":
        return f"{field_name}: must be a finite number, not {value}"
    if kind == "string_too_short":
        return f"{field_name}: must not be empty"
    if kind == "too_short":
        return f"{field_name}: needs at least one entry"
    if kind == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return f"{field_name}: '{value}' is not allowed (expected {expected})"
    return f"{field_name}: {message}"


#: What a value must look like, by the field it is in, when its pattern refuses it (slugs otherwise).
_PATTERN_HINTS = {
    "url": "is not an http(s) URL",
    "accent": "is not a CSS colour (#rgb, #rrggbb, rgb(…), hsl(…) or a colour name)",
    "body": "is not a font family name (letters, digits, spaces and . _ -)",
    "headings": "is not a font family name (letters, digits, spaces and . _ -)",
    "stylesheet": "is not a stylesheet of templates/ (a file name ending in .css, without directories)",
    "template": "is not a template name (letters, digits and . _ -, without directories)",
    "logo": "is not a path to a file in the project",
}

_EXPECTED = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping",
             "model_type": "a mapping", "int_type": "a whole number", "float_type": "a number",
             "bool_type": "true or false"}
#: pydantic's bounds on numbers, as "must be <word> <bound>", with the name of the bound in the error's ctx.
_BOUNDS = {"greater_than": ("more than", "gt"), "greater_than_equal": ("at least", "ge"),
           "less_than": ("less than", "lt"), "less_than_equal": ("at most", "le")}


def _number(value: Any) -> str:
    """A bound or value as a message shows it: 0 rather than 0.0, 1000000 as 1,000,000."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping", datetime.date: "a date"}.get(type(value), type(value).__name__)
