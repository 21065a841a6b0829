"""Stage 2: loading a project, and validation of everything the user wrote.

Contract: :func:`load_project` reads a briefing project directory (see the
README's "Data contract"), validates every file against the schema
(:mod:`briefings.project.schema`) and every cross-reference between files
(:mod:`briefings.project.crosscheck`), and returns one immutable
:class:`~briefings.project.model.Project`. If anything is wrong it raises
:class:`~briefings.errors.ProblemsFound` with *all* the problems of all the
files, each located at the line of the offending value, in a sentence of
:mod:`briefings.project.messages`. Problems that do not stop a build (a topic
past its review date, a fact that rests only on low-reliability sources) are
returned as warnings in :attr:`Project.warnings`, unless an ``acknowledge:``
entry accepts them (:mod:`briefings.project.acknowledge`).

The loader never runs the attribution audit: ``check``, ``build`` and
``publish`` load through :func:`briefings.audit.project_audit.load_and_audit`,
which audits the valid part (with the facts and figures of a topic file that
failed validation that are valid on their own: :attr:`Project.invalid_topics`),
adds the audit's errors to the problems, passes
its warnings through the same ``acknowledge:`` entries and only then reports
the entries no warning used. :func:`load_settings` reads ``briefings.yaml``
alone, for the scheduler.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from briefings.errors import Problem, ProblemsFound, did_you_mean, sort_key
from briefings.files import list_topic_files
from briefings.paths import REFERENCES_FILE, SETTINGS_FILE, TOPICS_DIR
from briefings.project.acknowledge import Ledger
from briefings.project.crosscheck import CrossChecker, RecordedChecks, TopicFile
from briefings.project.delivery_settings import Delivery
from briefings.project.messages import describe
from briefings.project.model import Briefing, Project, TopicParts
from briefings.project.schema import SLUG_HINT, SLUG_PATTERN, BriefingSpec, Reference, Schema, Settings, Topic
from briefings.project.settings_checks import cron_problem, style_problems, time_zone_problem
from briefings.project.yaml import Location, YamlDocument, load_yaml

if TYPE_CHECKING:
    # A data reference only: the build layer's parse cache, handed down by the build.
    from briefings.build.cache import ParseCache


def load_project(root: Path, *, today: datetime.date | None = None) -> Project:
    """Load, validate and cross-check the project at ``root``; raise :class:`ProblemsFound` on any error.

    Without the attribution audit: see :func:`briefings.audit.project_audit.load_and_audit`.
    """
    project, problems = load_project_partially(root, today=today)
    if problems:
        raise ProblemsFound(problems)
    return project


def load_project_partially(root: Path, *, today: datetime.date | None = None, cache: ParseCache | None = None,
                           recorded: RecordedChecks | None = None) -> tuple[Project, list[Problem]]:
    """The project as far as it is valid, and every error found.

    Later stages use the valid part to look for their own problems (templates
    that do not parse, say), so that one run reports data and template
    problems together; nothing may be built from a project with errors.
    ``cache`` answers for files unchanged since the last build (see :mod:`briefings.build.cache`);
    ``recorded``, the cross-checks of topics unchanged since then, with the same references
    (:mod:`briefings.project.crosscheck`).
    """
    return _ProjectLoader(root, today or datetime.date.today(), cache, recorded).load()


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


class _ProjectLoader:
    def __init__(self, root: Path, today: datetime.date, cache: ParseCache | None = None,
                 recorded: RecordedChecks | None = None):
        self.root = root
        self.today = today
        self.cache = cache
        self.recorded = recorded
        self.problems: list[Problem] = []
        #: The warnings found, each acknowledged or kept; the entries stay open for the audit's warnings.
        self.ledger = Ledger()
        self.topic_files: dict[str, TopicFile] = {}

    def load(self) -> tuple[Project, list[Problem]]:
        if not self.root.is_dir():
            problem = Problem(str(self.root), None, "project directory does not exist")
            return Project(self.root, Settings(), {}, {}, ()), [problem]
        settings, settings_doc = self._load_settings()
        references, references_doc = self._load_references()
        topics = self._load_topics()
        checker = CrossChecker(self.problems, self.ledger, self.today, self.cache, self.recorded)
        checker.run(self.topic_files, references, references_doc)
        briefings, origins, template_origins = self._assemble_briefings(settings, settings_doc, topics)
        invalid = {topic_id: TopicParts(tuple(entry.facts()), tuple(entry.figures()))
                   for topic_id, entry in self.topic_files.items()
                   if entry.topic is None and isinstance(entry.document.data, dict)}
        documents = {topic_id: self.topic_files[topic_id].document for topic_id in [*topics, *invalid]}
        for topic_id in topics:
            # Validated: later stages read a topic's document only for lines (Project.documents), and its raw
            # data, kept for the whole build, was the larger part of a large project's memory.
            documents[topic_id].data = None
        if references_doc is not None:
            documents[REFERENCES_FILE] = references_doc
        if settings_doc is not None:
            documents[SETTINGS_FILE] = settings_doc
        return Project(
            root=self.root,
            settings=settings,
            references=references,
            topics=topics,
            briefings=tuple(briefings),
            warnings=tuple(sorted(self.ledger.warnings, key=sort_key)),
            acknowledged=tuple(sorted(self.ledger.acknowledged, key=lambda item: sort_key(item.warning))),
            briefing_origins=origins,
            template_origins=template_origins,
            documents=documents,
            pending_acknowledgements=self.ledger.pending(),
            invalid_topics=invalid,
            topic_warnings=checker.topic_warnings,
        ), self.problems

    # -- files -------------------------------------------------------------

    def _read(self, path: Path) -> YamlDocument:
        document = self.cache.load_yaml(path, self.root) if self.cache else load_yaml(path, self.root)
        self.problems.extend(document.problems)
        return document

    def _validate(self, model: type[Schema], document: YamlDocument, data: Any,
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
                self.problems.append(document.problem(loc, describe(detail, loc, model, location, document.data)))
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
        zone_problem = None if settings is None else time_zone_problem(settings.timezone)
        if zone_problem is not None:
            self.problems.append(document.problem(("timezone",), zone_problem))
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
        for path in paths:
            topic_id = path.stem
            document = self._read(path)
            if document.data is None and document.problems:
                self.topic_files.setdefault(topic_id, TopicFile(document))
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
                self.topic_files[topic_id] = TopicFile(document)
                continue
            topic = self._validate(Topic, document, document.data, (), {"id": topic_id})
            self.topic_files[topic_id] = TopicFile(document, topic)
        return {topic_id: entry.topic for topic_id, entry in self.topic_files.items() if entry.topic}

    # -- briefings ------------------------------------------------------------

    def _assemble_briefings(self, settings: Settings, document: YamlDocument | None, topics: dict[str, Topic]
                            ) -> tuple[list[Briefing], dict[str, tuple[str, int | None]],
                                       dict[str, tuple[str, int | None]]]:
        origins: dict[str, tuple[str, int | None]] = {}
        template_origins: dict[str, tuple[str, int | None]] = {}
        if document is not None:
            self.problems.extend(style_problems(self.root, document, (), settings.style, settings.stylesheet))
        if settings.briefings is None:
            briefings = [Briefing(id=topic.id, title=topic.title, topics=(topic,), style=settings.style,
                                  stylesheets=tuple(settings.stylesheet), audience=settings.audience,
                                  delivery=settings.delivery)
                         for topic in topics.values()]
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
                                          style=settings.style.merged(spec.style), stylesheets=tuple(sheets),
                                          audience=spec.audience or settings.audience,
                                          delivery=_delivery(settings, spec)))
                self.problems.extend(style_problems(self.root, document, location, spec.style,
                                                    spec.stylesheet))
        return briefings, origins, template_origins

    def _briefing_specs(self, settings: Settings, document: YamlDocument) -> list[tuple[BriefingSpec, Location]]:
        """The valid entries of ``briefings:``, with where each is; their schedules checked."""
        specs = []
        for briefing_id, entry in (settings.briefings or {}).items():
            location = ("briefings", briefing_id)
            spec = self._validate(BriefingSpec, document, entry, location, {"id": briefing_id})
            if spec is None:
                continue
            reason = None if spec.schedule is None else cron_problem(spec.schedule)
            if reason is not None:
                self.problems.append(document.problem((*location, "schedule"), f"schedule '{spec.schedule}' {reason}"))
            specs.append((spec, location))
        return specs


def _delivery(settings: Settings, spec: BriefingSpec) -> Delivery | None:
    """A briefing's delivery: the project's, with each kind the briefing names over it."""
    if settings.delivery is None:
        return spec.delivery
    return settings.delivery.merged(spec.delivery)
