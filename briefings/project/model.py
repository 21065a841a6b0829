"""The project in memory: what the loader returns and every later stage reads.

Contract: a :class:`Project` is immutable and valid as far as it goes: its
settings, references, topics and :class:`Briefing` values passed the schema
(:mod:`briefings.project.schema`) and the loader's cross-checks. It carries
the loader's warnings (sorted, each either a warning or
:class:`~briefings.project.acknowledge.Acknowledged`), where each briefing and
template name is written, and the parsed YAML documents so that later stages
can locate a value. Its :attr:`Project.audit` is set only by the audit layer
(:func:`briefings.audit.project_audit.load_and_audit`), never by the loader,
which also leaves the ``acknowledge:`` entries pending for the audit's
warnings (:attr:`Project.pending_acknowledgements`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefings.errors import Problem
from briefings.project.acknowledge import Acknowledged, PendingAcknowledgements
from briefings.project.delivery_settings import Delivery
from briefings.project.schema import DEFAULT_AUDIENCE, Fact, Figure, Reference, Settings, Style, Topic
from briefings.project.yaml import YamlDocument

if TYPE_CHECKING:
    # A data reference only: the audit layer, above this one, makes the Audit and sets it.
    from briefings.audit.results import Audit


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
    #: Who it is for: "reader" (no audit trail in the document) or "analyst" (the audit trail shown).
    audience: str = DEFAULT_AUDIENCE
    #: Where new editions go: the project's ``delivery:`` with the briefing's kinds over it (None: nowhere).
    delivery: Delivery | None = None

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
class TopicParts:
    """The facts and figures of one topic file that the audit reads, each with its index in the file."""

    facts: tuple[tuple[int, Fact], ...] = ()
    figures: tuple[tuple[int, Figure], ...] = ()


@dataclass(frozen=True)
class Project:
    """A loaded project (see the module docstring)."""

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
    #: The attribution audit's results (see :mod:`briefings.audit.results`), set by
    #: :mod:`briefings.audit.project_audit`; None for a project the loader alone returned (or one made by hand).
    audit: Audit | None = field(default=None, compare=False, repr=False)
    #: The parsed YAML of each topic (by topic id; invalid ones too, see :attr:`invalid_topics`) and of the
    #: references (by REFERENCES_FILE), so that later stages can locate values (``document.line_of``); a
    #: valid topic's document keeps no data (its model has it).
    documents: dict[str, YamlDocument] = field(default_factory=dict, compare=False, repr=False)
    #: The ``acknowledge:`` entries, kept for the audit's warnings; nothing once the audit has settled them.
    pending_acknowledgements: PendingAcknowledgements = field(default_factory=PendingAcknowledgements,
                                                              compare=False, repr=False)
    #: For each topic file that failed validation (and is therefore not in :attr:`topics`), its facts and
    #: figures that validated on their own: still audited, so that one run reports every problem.
    invalid_topics: dict[str, TopicParts] = field(default_factory=dict, compare=False, repr=False)
    #: For each valid topic, the warnings of the loader's checks of it that do not depend on the day, before
    #: the acknowledgements, with the key of the item each is about (what a build records for the next).
    topic_warnings: dict[str, tuple[tuple[tuple[Any, ...], Problem], ...]] = field(default_factory=dict,
                                                                                    compare=False, repr=False)

    def audited_parts(self) -> list[tuple[str, TopicParts]]:
        """What the audit reads: every valid topic's facts and figures, then the valid ones of invalid topics."""
        valid = [(topic_id, TopicParts(tuple(enumerate(topic.facts)), tuple(enumerate(topic.figures))))
                 for topic_id, topic in self.topics.items()]
        return [*valid, *self.invalid_topics.items()]

    def briefing(self, briefing_id: str) -> Briefing:
        for briefing in self.briefings:
            if briefing.id == briefing_id:
                return briefing
        raise KeyError(briefing_id)

