"""Stage 2, cross-checks: what no single value shows, across a topic's facts and between files.

Contract: :meth:`CrossChecker.run` goes through every topic file (as far as
it could be understood: :class:`TopicFile` salvages the well-formed facts and
figures of a topic that is invalid as a whole, so that one run reports every
problem) and the references, and adds to the loader's problems: duplicate
fact ids, Markdown a fact, its headline or a summary may not use, sources that are not in
``sources/references.yaml`` (except ids written there whose entry is invalid,
and reported there), evidence for a source the fact does not cite,
``acknowledge:`` entries that cannot stand where they are. Its warnings (a
fact resting only on weak sources, dates after the topic's ``as_of``, a topic
past its review date, a reference never cited, …) go through each item's
``acknowledge:`` entries (:class:`~briefings.project.acknowledge.Ledger`),
whose entries it leaves open, in order, for the audit's warnings.

``recorded`` (the build's record of its last complete run, handed down as
data) gives, for topics whose checks may not need to run again, the SHA-256
of the file they ran on and the warnings they gave, each with the key of the
item it is about; the caller vouches that the references are those of that
run. A valid topic loaded now from a file with that digest is not checked
again: its ``acknowledge:`` entries are read, its recorded warnings pass
through them, and only the checks that depend on the day (review due,
``as_of`` in the future) run. :attr:`CrossChecker.topic_warnings` is what to
record for each valid topic.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from briefings.errors import Problem, Severity, did_you_mean
from briefings.paths import REFERENCES_FILE
from briefings.project.acknowledge import (
    FACT_WARNINGS,
    FIGURE_WARNINGS,
    REFERENCE_WARNINGS,
    TOPIC_WIDE_WARNINGS,
    Entries,
    Key,
    Ledger,
    read_entries,
)
from briefings.project.markup import check_markdown
from briefings.project.schema import LOW_RELIABILITY, Fact, Figure, Reference, Schema, Topic
from briefings.project.yaml import Location, YamlDocument

if TYPE_CHECKING:
    # A data reference only: the build layer's parse cache, handed down by the build.
    from briefings.build.cache import ParseCache


@dataclass
class TopicFile:
    """A topic file as far as it could be understood, for cross-checks."""

    document: YamlDocument
    topic: Topic | None = None

    def facts(self) -> list[tuple[int, Fact]]:
        return self._salvage("facts", Fact, self.topic.facts if self.topic else None)

    def figures(self) -> list[tuple[int, Figure]]:
        return self._salvage("figures", Figure, self.topic.figures if self.topic else None)

    def _salvage(self, key: str, model: type[Schema], valid: list[Any] | None) -> list[tuple[int, Any]]:
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


#: For each topic whose checks may not need to run again: the SHA-256 of its file, and its warnings with the key
#: of the item each is about (see the module docstring).
RecordedChecks = Mapping[str, tuple[str, Sequence[tuple[Key, Problem]]]]


class CrossChecker:
    """The cross-checks of one load, adding to its ``problems`` and passing its warnings through ``ledger``."""

    def __init__(self, problems: list[Problem], ledger: Ledger, today: datetime.date,
                 cache: ParseCache | None = None, recorded: RecordedChecks | None = None):
        self.problems = problems
        self.ledger = ledger
        self.today = today
        self.cache = cache
        self.recorded = recorded or {}
        #: For each valid topic, the warnings its checks gave that do not depend on the day (before the
        #: acknowledgements), with the key of the item each is about: what the build records.
        self.topic_warnings: dict[str, tuple[tuple[Key, Problem], ...]] = {}
        self._found: list[tuple[Key, Problem]] = []  # (the topic being checked)
        #: The ids written in the references file (valid or not); None when it could not be read as a mapping.
        self.written_references: set[Any] | None = None

    def run(self, topic_files: dict[str, TopicFile], references: dict[str, Reference],
            references_doc: YamlDocument | None) -> None:
        cited: set[str] = set()
        data = references_doc.data if references_doc is not None else None
        self.written_references = set(data) if isinstance(data, dict) else None
        for topic_id, entry in topic_files.items():
            recorded = self.recorded.get(topic_id)
            if recorded is not None and entry.topic is not None and entry.document.digest == recorded[0]:
                self._topic_again(topic_id, entry.document, entry.topic, recorded[1], cited)
                if self.cache is not None:
                    self.cache.keep_unused_markup()  # (this topic's texts were not checked: their answers stay)
            else:
                self._topic(topic_id, entry, references, cited)
        if references_doc is None:
            return
        for reference_id, reference in references.items():
            acknowledgements = self._entries(references_doc, (reference_id,), ("references", reference_id),
                                             reference.acknowledge, REFERENCE_WARNINGS,
                                             f"reference '{reference_id}'", "references")
            if reference.accessed and reference.accessed < reference.published:
                self.ledger.warn(acknowledgements, references_doc, (reference_id, "accessed"),
                    "accessed-before-published",
                    f"reference '{reference_id}' was accessed ({reference.accessed.isoformat()}) before it was "
                    f"published ({reference.published.isoformat()})")
            if topic_files and not self.problems and reference_id not in cited:
                self.ledger.warn(acknowledgements, references_doc, (reference_id,), "never-cited",
                                 f"reference '{reference_id}' is never cited")
            self.ledger.open(acknowledgements)

    def _topic(self, topic_id: str, entry: TopicFile, references: dict[str, Reference], cited: set[str]) -> None:
        document = entry.document
        topic = entry.topic
        found = self._found = []
        first_seen: dict[str, int] = {}  # (its index: the line is looked up only for a duplicate)
        topic_acknowledgements = self._entries(document, (), ("topics", topic_id),
                                               topic.acknowledge if topic else {}, TOPIC_WIDE_WARNINGS,
                                               f"topic '{topic_id}'", "topics")
        for index, fact in entry.facts():
            location: Location = ("facts", index)
            if fact.id in first_seen:
                first = document.line_of(("facts", first_seen[fact.id], "id"))
                self.problems.append(document.problem(
                    (*location, "id"), f"duplicate fact id '{fact.id}' (first used on line {first})"))
            else:
                first_seen[fact.id] = index
            self._check_markup(document, (*location, "text"), fact.text, "fact", f"fact '{fact.id}': ")
            if fact.headline is not None:
                self._check_markup(document, (*location, "headline"), fact.headline, "headline",
                                   f"fact '{fact.id}': headline: ")
            acknowledgements = self._entries(document, location, ("facts", topic_id, index), fact.acknowledge,
                                             FACT_WARNINGS, f"fact '{fact.id}'", "facts", topic_acknowledgements)
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
                    self._warn(acknowledgements, document, (*location, "sources"), "low-reliability",
                        f"fact '{fact.id}' rests only on low-reliability sources ({shown}): corroborate it")
            if topic is not None:
                if fact.date and fact.date > topic.as_of:
                    self._warn(acknowledgements, document, (*location, "date"), "date-after-as-of",
                        f"fact '{fact.id}' is dated {fact.date.isoformat()}, after the topic's as_of "
                        f"({topic.as_of.isoformat()}): is as_of out of date?")
                self._check_publication_dates(document, location, fact.sources, references, topic,
                                              acknowledgements, f"fact '{fact.id}'")
            self.ledger.open(acknowledgements)
        for index, figure in entry.figures():
            location = ("figures", index)
            acknowledgements = self._entries(document, location, ("figures", topic_id, index), figure.acknowledge,
                                             FIGURE_WARNINGS, f"figure '{figure.label}'", "figures",
                                             topic_acknowledgements)
            self._check_sources(document, location, figure.sources, references, cited)
            for source in figure.evidence:
                if source not in figure.sources:
                    self.problems.append(document.problem((*location, "evidence", source),
                        f"figure '{figure.label}': evidence for '{source}', which the figure does not cite "
                        f"(sources: {', '.join(figure.sources)})"))
            if topic is not None:
                self._check_publication_dates(document, location, figure.sources, references, topic,
                                              acknowledgements, f"figure '{figure.label}'")
            self.ledger.open(acknowledgements)
        if topic is not None:
            self._check_markup(document, ("summary",), topic.summary, "summary", "summary: ")
            self._on_the_day(topic_id, document, topic, topic_acknowledgements)
            self.topic_warnings[topic_id] = tuple(found)
        # (opened after its facts and figures: its unused entries are reported after theirs)
        self.ledger.open(topic_acknowledgements)

    def _topic_again(self, topic_id: str, document: YamlDocument, topic: Topic,
                     warnings: Sequence[tuple[Key, Problem]], cited: set[str]) -> None:
        """A topic whose file and references are as when its checks last ran: its entries read again, its
        recorded warnings passed through them, its sources counted as cited, and the checks of the day run."""
        by_key: dict[Key, list[Problem]] = {}
        for key, warning in warnings:
            by_key.setdefault(tuple(key), []).append(warning)
        topic_acknowledgements = self._entries(document, (), ("topics", topic_id), topic.acknowledge,
                                               TOPIC_WIDE_WARNINGS, f"topic '{topic_id}'", "topics")
        items: list[tuple[str, int, Fact | Figure]] = [*(("facts", index, fact) for index, fact in
                                                        enumerate(topic.facts)),
                                                      *(("figures", index, figure) for index, figure in
                                                        enumerate(topic.figures))]
        for kind, index, item in items:
            label = f"fact '{item.id}'" if isinstance(item, Fact) else f"figure '{item.label}'"
            acknowledgements = self._entries(document, (kind, index), (kind, topic_id, index), item.acknowledge,
                                             FACT_WARNINGS if kind == "facts" else FIGURE_WARNINGS, label, kind,
                                             topic_acknowledgements)
            cited.update(item.sources)
            for warning in by_key.pop(acknowledgements.key, ()):
                self.ledger.accept(acknowledgements, warning)
            self.ledger.open(acknowledgements)
        for key, left in by_key.items():  # (about no item of the file as it is: kept, never lost)
            for warning in left:
                self.ledger.accept(topic_acknowledgements if key == topic_acknowledgements.key else None, warning)
        self._on_the_day(topic_id, document, topic, topic_acknowledgements)
        self.topic_warnings[topic_id] = tuple((tuple(key), warning) for key, warning in warnings)
        self.ledger.open(topic_acknowledgements)

    def _on_the_day(self, topic_id: str, document: YamlDocument, topic: Topic, acknowledgements: Entries) -> None:
        """The checks of a topic that depend on the build's day (never recorded)."""
        if topic.overdue_on(self.today):
            self.ledger.warn(acknowledgements, document, ("review_by",), "review-overdue",
                f"topic '{topic_id}' was due for review on {topic.review_by.isoformat()}")
        if topic.as_of > self.today:
            self.ledger.warn(acknowledgements, document, ("as_of",), "as-of-in-future",
                f"topic '{topic_id}' has as_of {topic.as_of.isoformat()}, which is in the future")

    def _warn(self, entries: Entries, document: YamlDocument, location: Location, code: str, message: str) -> None:
        """A warning of a topic's own checks, passed through ``entries`` and recorded for the topic."""
        warning = Problem(document.display_path, document.line_of(location), message, Severity.WARNING, code)
        self._found.append((entries.key, warning))
        self.ledger.accept(entries, warning)

    def _entries(self, document: YamlDocument, location: Location, key: tuple[Any, ...], entries: dict[str, str],
                 applicable: dict[str, str], label: str, kind: str, topic_wide: Entries | None = None) -> Entries:
        read, problems = read_entries(document, location, key, entries, applicable, label, kind, topic_wide)
        self.problems.extend(problems)
        return read

    def _check_markup(self, document: YamlDocument, location: Location, text: str, kind: Any, label: str) -> None:
        messages = self.cache.check_markdown(text, kind, check_markdown) if self.cache else check_markdown(text, kind)
        for message in messages:
            self.problems.append(document.problem(location, label + message))

    def _check_sources(self, document: YamlDocument, location: Location, sources: list[str],
                       references: dict[str, Reference], cited: set[str]) -> None:
        for position, source in enumerate(sources):
            cited.add(source)
            if source not in references:
                if self.written_references is not None and source in self.written_references:
                    continue  # written there but invalid, and reported there: don't pile on
                if self.written_references is None and any(problem.path == REFERENCES_FILE
                                                           for problem in self.problems):
                    continue  # the references file itself is missing or unreadable: don't pile on
                self.problems.append(document.problem((*location, "sources", position),
                    f"unknown reference '{source}'{did_you_mean(source, references)} (not in {REFERENCES_FILE})"))

    def _check_publication_dates(self, document: YamlDocument, location: Location, sources: list[str],
                                 references: dict[str, Reference], topic: Topic, acknowledgements: Entries,
                                 label: str) -> None:
        for position, source in enumerate(sources):
            reference = references.get(source)
            if reference is not None and reference.published > topic.as_of:
                self._warn(acknowledgements, document, (*location, "sources", position), "source-after-as-of",
                    f"{label} cites '{source}', published {reference.published.isoformat()}, after the topic's "
                    f"as_of ({topic.as_of.isoformat()}): is as_of out of date?")
