"""Stage 2: the project model, and validation of everything the user wrote.

Contract: :func:`load_project` reads a briefing project directory (see the
README's "Data contract"), validates every file against the schema below and
every cross-reference between files, and returns one immutable
:class:`Project`. If anything is wrong it raises
:class:`~briefings.errors.ProblemsFound` with *all* the problems of all the
files, each located at the line of the offending value. Problems that do not
stop a build (a topic past its review date, a fact that rests only on
low-reliability sources) are returned as warnings in :attr:`Project.warnings`.

The pydantic models here are the schema; the messages they produce are
rewritten into plain sentences by :func:`_describe` so that users never see
pydantic's internals.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from .errors import Problem, ProblemsFound, Severity
from .files import list_topic_files
from .load import Location, YamlDocument, load_yaml

SETTINGS_FILE = "briefings.yaml"
REFERENCES_FILE = "sources/references.yaml"
TOPICS_DIR = "sources/topics"
DEFAULT_SECTION = "Key developments"
OutputFormat = Literal["md", "html", "pdf"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("md", "html", "pdf")

#: Admiralty-scale source reliability grades and what each one says.
RELIABILITY_GRADES: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
#: Grades too weak for a fact to rest on alone without a warning.
LOW_RELIABILITY = frozenset({"D", "E"})

SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
SLUG_HINT = "must be a slug (lowercase letters, digits, hyphens)"


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


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Date = Annotated[datetime.date, BeforeValidator(_reject_non_dates)]


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
    section: Text = DEFAULT_SECTION
    quote: Quote | None = None


class Figure(_Schema):
    label: Text
    value: Annotated[int | float | Text, BeforeValidator(_reject_bools)]
    unit: Text | None = None
    sources: Annotated[list[Slug], Field(min_length=1)]


class Topic(_Keyed):
    title: Text
    summary: Text
    as_of: Date
    review_by: Date | None = None
    tags: list[Text] = []
    facts: Annotated[list[Fact], Field(min_length=1)]
    figures: list[Figure] = []

    @property
    def sections(self) -> list[tuple[str, list[Fact]]]:
        """Facts grouped under their section headings, in order of first appearance."""
        grouped: dict[str, list[Fact]] = {}
        for fact in self.facts:
            grouped.setdefault(fact.section, []).append(fact)
        return list(grouped.items())


class BriefingSpec(_Keyed):
    title: Text
    topics: Annotated[list[Slug], Field(min_length=1)]
    template: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")] | None = None
    schedule: Text | None = None


class Settings(_Schema):
    title: Text | None = None
    author: Text | None = None
    classification: Text | None = None
    formats: Annotated[list[OutputFormat], Field(min_length=1)] = list(OUTPUT_FORMATS)
    briefings: dict[Slug, dict[str, Any]] | None = None


@dataclass(frozen=True)
class Briefing:
    """One document to build: a title over one or more topics, in order."""

    id: str
    title: str
    topics: tuple[Topic, ...]
    template: str | None = None
    schedule: str | None = None

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
class Project:
    root: Path
    settings: Settings
    references: dict[str, Reference]
    topics: dict[str, Topic]
    briefings: tuple[Briefing, ...]
    warnings: tuple[Problem, ...] = field(default=())
    #: For each briefing id, where it is declared (path and line), for later stages' messages.
    briefing_origins: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def briefing(self, briefing_id: str) -> Briefing:
        for briefing in self.briefings:
            if briefing.id == briefing_id:
                return briefing
        raise KeyError(briefing_id)


def load_project(root: Path, *, today: datetime.date | None = None) -> Project:
    """Load, validate and cross-check the project at ``root``."""
    return _ProjectLoader(root, today or datetime.date.today()).load()


class _ProjectLoader:
    def __init__(self, root: Path, today: datetime.date):
        self.root = root
        self.today = today
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def load(self) -> Project:
        if not self.root.is_dir():
            raise ProblemsFound([Problem(str(self.root), None, "project directory does not exist")])
        settings, settings_doc = self._load_settings()
        references, references_doc = self._load_references()
        topics = self._load_topics()
        self._check_citations(references, references_doc)
        briefings, origins = self._assemble_briefings(settings, settings_doc, topics)
        if self.problems:
            raise ProblemsFound(self.problems)
        return Project(
            root=self.root,
            settings=settings,
            references=references,
            topics=topics,
            briefings=tuple(briefings),
            warnings=tuple(sorted(self.warnings)),
            briefing_origins=origins,
        )

    # -- files -------------------------------------------------------------

    def _read(self, path: Path) -> YamlDocument:
        document = load_yaml(path, self.root)
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
                self.problems.append(document.problem(loc, _describe(detail, loc)))
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

    # -- cross-references ----------------------------------------------------

    def _check_citations(self, references: dict[str, Reference], references_doc: YamlDocument | None) -> None:
        cited: set[str] = set()
        for topic_id, entry in self.topic_files.items():
            document = entry.document
            first_seen: dict[str, int | None] = {}
            for index, fact in entry.facts():
                line = document.line_of(("facts", index, "id"))
                if fact.id in first_seen:
                    self.problems.append(document.problem(
                        ("facts", index, "id"),
                        f"duplicate fact id '{fact.id}' (first used on line {first_seen[fact.id]})"))
                else:
                    first_seen[fact.id] = line
                self._check_sources(document, ("facts", index), fact.sources, references, cited)
                if references and all(source in references for source in fact.sources):
                    grades = {references[source].reliability for source in fact.sources}
                    if grades <= LOW_RELIABILITY:
                        shown = ", ".join(sorted(grade or "" for grade in grades))
                        self.warnings.append(_warning(
                            document, ("facts", index, "sources"),
                            f"fact '{fact.id}' rests only on low-reliability sources ({shown}): corroborate it"))
            for index, figure in entry.figures():
                self._check_sources(document, ("figures", index), figure.sources, references, cited)
            topic = entry.topic
            if topic and topic.review_by and topic.review_by < self.today:
                self.warnings.append(_warning(document, ("review_by",),
                    f"topic '{topic_id}' was due for review on {topic.review_by.isoformat()}"))
        if references_doc is not None and self.topic_files and not self.problems:
            for reference_id in references:
                if reference_id not in cited:
                    self.warnings.append(_warning(references_doc, (reference_id,),
                                                  f"reference '{reference_id}' is never cited"))

    def _check_sources(self, document: YamlDocument, location: Location, sources: list[str],
                       references: dict[str, Reference], cited: set[str]) -> None:
        for position, source in enumerate(sources):
            cited.add(source)
            if source not in references:
                if any(problem.path == REFERENCES_FILE for problem in self.problems):
                    continue  # the references file itself is broken: don't pile on
                self.problems.append(document.problem((*location, "sources", position),
                    f"unknown reference '{source}' (not in {REFERENCES_FILE})"))

    def _assemble_briefings(self, settings: Settings, document: YamlDocument | None,
                            topics: dict[str, Topic]) -> tuple[list[Briefing], dict[str, tuple[str, int | None]]]:
        origins: dict[str, tuple[str, int | None]] = {}
        if settings.briefings is None:
            briefings = [Briefing(id=topic.id, title=topic.title, topics=(topic,)) for topic in topics.values()]
            for topic_id in topics:
                origins[topic_id] = (self.topic_files[topic_id].document.display_path, 1)
            return briefings, origins
        assert document is not None
        briefings = []
        for briefing_id, entry in settings.briefings.items():
            location = ("briefings", briefing_id)
            spec = self._validate(BriefingSpec, document, entry, location, {"id": briefing_id})
            if spec is None:
                continue
            origins[briefing_id] = (document.display_path, document.line_of(location))
            if spec.schedule is not None and not _is_cron(spec.schedule):
                self.problems.append(document.problem((*location, "schedule"),
                    f"schedule '{spec.schedule}' is not a valid cron expression (e.g. \"0 6 * * 1-5\")"))
            chosen = []
            for index, topic_id in enumerate(spec.topics):
                if topic_id in topics:
                    chosen.append(topics[topic_id])
                elif topic_id not in self.topic_files:  # a broken topic file has been reported already
                    known = ", ".join(sorted(self.topic_files)) or "none"
                    self.problems.append(document.problem((*location, "topics", index),
                        f"unknown topic '{topic_id}' in briefing '{briefing_id}' (topics: {known})"))
            if len(chosen) == len(spec.topics):
                briefings.append(Briefing(id=briefing_id, title=spec.title, topics=tuple(chosen),
                                          template=spec.template, schedule=spec.schedule))
        return briefings, origins


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


def _is_cron(expression: str) -> bool:
    from croniter import croniter

    return bool(croniter.is_valid(expression))


def _warning(document: YamlDocument, location: Location, message: str) -> Problem:
    return Problem(document.display_path, document.line_of(location), message, Severity.WARNING)


def _field_name(loc: Location) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _describe(detail: Any, loc: Location) -> str:
    """Turn one pydantic error into a sentence about the user's file."""
    kind = detail["type"]
    field_name = _field_name(loc)
    name = str(loc[-1]) if loc else "value"
    value = detail.get("input")
    message = str(detail.get("msg", ""))
    parent = f"{_field_name(loc[:-1])}: " if len(loc) > 1 else ""
    if kind == "missing":
        return f"{parent}missing required field '{name}'"
    if kind == "extra_forbidden":
        return f"{parent}unknown field '{name}'"
    if "id_given" in message:
        return "'id' is not a field here: the id is the key (or the file name)"
    if "date_type" in message or kind.startswith("date_") or kind.startswith("datetime_"):
        return f"{field_name}: invalid date '{value}' (expected YYYY-MM-DD)"
    if kind == "string_pattern_mismatch":
        if name == "url":
            return f"{field_name}: '{value}' is not an http(s) URL"
        return f"{field_name}: '{value}' {SLUG_HINT}"
    if kind == "string_too_short":
        return f"{field_name}: must not be empty"
    if kind == "too_short":
        return f"{field_name}: needs at least one entry"
    if kind == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return f"{field_name}: '{value}' is not allowed (expected {expected})"
    if kind in _EXPECTED or "not_bool" in message:
        expected = _EXPECTED.get(kind, "a number or text")
        return f"{field_name}: expected {expected}, got {_type_name(value)}"
    return f"{field_name}: {message}"


_EXPECTED = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping",
             "model_type": "a mapping", "int_type": "a number", "float_type": "a number"}


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping", datetime.date: "a date"}.get(type(value), type(value).__name__)
