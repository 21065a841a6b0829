"""What the attribution audit found: plain, frozen data that the renderers, the snapshot and ``check`` read.

Contract: an :class:`Audit` holds, for every fact, figure and archive of a
project, what :func:`briefings.audit.auditor.audit_project` found (a
:class:`FactAudit` with its :class:`SourceAudit` and :class:`QuoteAudit`, a
:class:`FigureAudit`, an :class:`ArchiveRecord`), the figures whose values
disagree (:class:`Discrepancy`), a :class:`TopicSummary` per topic, the
errors, and the warnings with what each is about (:class:`Finding`, for
``acknowledge:``). It looks facts up by topic and id and figures by topic
and index, and gives the ``check --format json`` summary
(:meth:`Audit.summary_json`). Nothing here reads files or checks anything
itself: an audit that reused a topic's recorded warnings runs that topic's
checks, through the :class:`DeferredChecks` the auditor gives it, when a result of
the topic is first looked up;
offsets (:attr:`PassageAudit.start`, :attr:`PassageAudit.end`) are in the
archived text (:attr:`briefings.audit.archive.ArchivedText.text`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal, Protocol

from briefings.audit.states import quote_words
from briefings.errors import Problem

Outcome = Literal["verified", "not-found", "unverifiable"]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def long_date(value: datetime.date) -> str:
    """``24 June 2025``, whatever the locale (for messages and the audit's wording)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    """What the audit found for one reference's archived copy."""

    reference: str
    #: The file name in ``archive:`` (None: the reference names none).
    name: str | None
    #: SHA-256 of the file's bytes (None: no archive, or it could not be read).
    sha256: str | None
    #: "archived", "none" (no ``archive:``), "missing" (the file is absent) or "unreadable".
    status: Literal["archived", "none", "missing", "unreadable"]
    #: The reference's ``span:`` in the file, ``[start, end)`` of the archived text (None: the whole file).
    span_start: int | None = None
    span_end: int | None = None


@dataclass(frozen=True, slots=True)
class PassageAudit:
    """One passage (an evidence passage or a quote) checked against one source's archive."""

    source: str
    passage: str
    outcome: Outcome
    #: ``[start, end)`` of the passage in the archived text (:attr:`ArchivedText.text`) when verified.
    start: int | None = None
    end: int | None = None
    #: The archive's SHA-256 (None when unverifiable).
    sha256: str | None = None
    #: When not found: the closest passage of the archive, and how close (0 to 1).
    closest: str | None = None
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class QuoteAudit(PassageAudit):
    speaker: str = ""
    #: Whether the speaker is named near a place the quote stands (briefings.audit.speakers); None when the
    #: quote was not found (or could not be looked for).
    speaker_confirmed: bool | None = None
    #: The name found, as the archive writes it ("Sir Keir"), when confirmed.
    speaker_named_as: str | None = None

    @property
    def state(self) -> str:
        """What was checked, in the documents' words (:mod:`briefings.audit.states`): "quote found · speaker
        confirmed", "quote found · speaker not confirmed", "quote not found in source" or "quote not checked: no
        archived copy"."""
        return quote_words(self.outcome, bool(self.speaker_confirmed) if self.outcome == "verified" else None)


@dataclass(frozen=True, slots=True)
class SourceAudit:
    """One of a fact's sources: its evidence passage checked, or None when the fact gives none for it."""

    source: str
    outlet: str | None
    reliability: str | None
    evidence: PassageAudit | None


@dataclass(frozen=True, slots=True)
class DateBasis:
    """How a fact's date was established (:func:`briefings.audit.dates.establish`): ``stated`` (a passage of
    ``source`` states it, as ``words``), ``derived`` (from ``source``'s publication date ``published`` and its
    passage's ``words``: "on Tuesday"), ``published`` (``source`` was published that day) or ``not-established``."""

    how: Literal["stated", "derived", "published", "not-established"]
    source: str | None = None
    published: datetime.date | None = None
    words: str | None = None

    @property
    def wording(self) -> str:
        """What the audit says: "date stated in the source ('Monday, June 23')", "date inferred from the
        publication date (23 June 2025) and 'on Tuesday'", "date inferred from the publication date
        (23 June 2025)" or "date not established by the evidence"."""
        when = f" ({long_date(self.published)})" if self.published else ""
        if self.how == "stated":
            return f"date stated in the source ('{self.words}')"
        if self.how == "derived":
            return f"date inferred from the publication date{when} and '{self.words}'"
        if self.how == "published":
            return f"date inferred from the publication date{when}"
        return "date not established by the evidence"

    @property
    def mark(self) -> str | None:
        """What the documents add to an inferred date, in its brackets: "inferred from the publication date,
        23 June 2025, and 'on Tuesday'", "inferred: the day the source was published" (None when not
        established: the documents then say "inferred")."""
        when = f", {long_date(self.published)}," if self.published else ""
        if self.how == "derived":
            return f"inferred from the publication date{when} and '{self.words}'"
        if self.how == "published":
            return "inferred: the day the source was published"
        if self.how == "stated":
            return f"inferred; the source says '{self.words}'"
        return None


@dataclass(frozen=True, slots=True)
class FactAudit:
    topic: str
    fact: str
    #: The Admiralty grade (``B2``), or None without credibility or graded sources.
    grade: str | None
    sources: tuple[SourceAudit, ...]
    quote: QuoteAudit | None
    fully_evidenced: bool
    single_source: bool
    single_outlet: bool
    low_reliability: bool
    #: The numbers the text states that no evidence passage (or the quote) states, as written.
    unsupported_numbers: tuple[str, ...] = ()
    #: How the fact's ``date`` was established (None: the fact has no date).
    date_basis: DateBasis | None = None


@dataclass(frozen=True, slots=True)
class FigureAudit:
    topic: str
    index: int
    label: str
    key: str | None
    #: verified: every number stated in a source's archive; not-found: some is not; unverifiable: no archive.
    outcome: Outcome
    #: The sources whose archives were searched.
    searched: tuple[str, ...] = ()
    unsupported_numbers: tuple[str, ...] = ()
    #: The figure's own evidence passages (``evidence:``), each checked like a quote.
    evidence: tuple[PassageAudit, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscrepantFigure:
    topic: str
    index: int
    label: str
    value: str
    sources: tuple[str, ...]
    path: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Figures sharing a key whose values disagree."""

    key: str
    figures: tuple[DiscrepantFigure, ...]


@dataclass(frozen=True, slots=True)
class TopicSummary:
    topic: str
    facts: int
    quotes_verified: int
    quotes_not_found: int
    quotes_unverifiable: int
    fully_evidenced: int
    single_source: int
    single_outlet: int
    low_reliability: int
    discrepancies: int
    #: Of the quotes found (``quotes_verified``), those whose speaker is named near them.
    quotes_speaker_confirmed: int = 0

    def as_json(self) -> dict[str, object]:
        return {"topic": self.topic, "facts": self.facts,
                "quotes": {"verified": self.quotes_verified, "not_found": self.quotes_not_found,
                           "unverifiable": self.quotes_unverifiable,
                           "speaker_confirmed": self.quotes_speaker_confirmed},
                "fully_evidenced": self.fully_evidenced, "single_source": self.single_source,
                "single_outlet": self.single_outlet, "low_reliability": self.low_reliability,
                "discrepancies": self.discrepancies}


@dataclass(frozen=True, slots=True)
class Finding:
    """A warning of the audit and what it is about, for ``acknowledge:``: ``("facts", topic, index)``,
    ``("figures", topic, index)`` or ``("references", reference_id)``."""

    problem: Problem
    about: tuple[str, ...] | tuple[str, str, int]


class DeferredChecks(Protocol):
    """The checks of topics not checked yet (:func:`briefings.audit.auditor.audit_project`'s ``recorded``)."""

    def __contains__(self, topic_id: object) -> bool: ...

    def check(self, topic_id: str) -> tuple[list[FactAudit], list[FigureAudit]]:
        """Run the checks of ``topic_id`` (once: it is then no longer deferred) and return their results."""
        ...


@dataclass(frozen=True, slots=True)
class Audit:
    """Everything the audit found; lookups by topic and fact id, or topic and figure index."""

    #: The facts and figures checked when the audit ran (a deferred topic's are found through the lookups).
    facts: tuple[FactAudit, ...] = ()
    figures: tuple[FigureAudit, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()
    archives: tuple[ArchiveRecord, ...] = ()
    topics: tuple[TopicSummary, ...] = ()
    #: Errors (a quote or evidence passage not found, an archive that cannot be read).
    problems: tuple[Problem, ...] = ()
    #: Warnings, with what each is about (before acknowledgements).
    findings: tuple[Finding, ...] = ()
    #: Whether any reference has ``archive:`` (the attribution warnings apply only then).
    uses_archives: bool = False
    #: The warnings each topic's own checks gave (of its facts, figures and summary): what a build records.
    topic_findings: dict[str, tuple[Finding, ...]] = field(default_factory=dict, compare=False, repr=False)
    #: The topics whose warnings were taken as recorded: checked when a result of theirs is first looked up.
    deferred: DeferredChecks | None = field(default=None, compare=False, repr=False)
    # Indexes made once, so that looking up every fact, figure and archive of a project stays linear.
    #: By topic, then fact id (not by pairs: a tuple per fact of a large project was a megabyte per 1,000 topics).
    _fact_index: dict[str, dict[str, FactAudit]] = field(default_factory=dict, compare=False, repr=False)
    _figure_index: dict[tuple[str, int], FigureAudit] = field(default_factory=dict, compare=False, repr=False)
    _archive_index: dict[str, ArchiveRecord] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for item in self.facts:
            self._fact_index.setdefault(item.topic, {})[item.fact] = item
        for figure in self.figures:
            self._figure_index.setdefault((figure.topic, figure.index), figure)
        for record in self.archives:
            self._archive_index.setdefault(record.reference, record)

    def fact(self, topic_id: str, fact_id: str) -> FactAudit | None:
        self._check_deferred(topic_id)
        return self._fact_index.get(topic_id, {}).get(fact_id)

    def quote(self, topic_id: str, fact_id: str) -> QuoteAudit | None:
        found = self.fact(topic_id, fact_id)
        return found.quote if found else None

    def figure(self, topic_id: str, index: int) -> FigureAudit | None:
        self._check_deferred(topic_id)
        return self._figure_index.get((topic_id, index))

    def _check_deferred(self, topic_id: str) -> None:
        if self.deferred is not None and topic_id in self.deferred:
            facts, figures = self.deferred.check(topic_id)
            for item in facts:
                self._fact_index.setdefault(item.topic, {})[item.fact] = item
            for figure in figures:
                self._figure_index.setdefault((figure.topic, figure.index), figure)

    def archive(self, reference_id: str) -> ArchiveRecord | None:
        return self._archive_index.get(reference_id)

    def archive_sha256(self, reference_id: str) -> str | None:
        record = self.archive(reference_id)
        return record.sha256 if record else None

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(finding.problem for finding in self.findings)

    def summary_json(self) -> dict[str, object]:
        """The ``check --format json`` shape (see the README's "Attribution audit")."""
        return {
            "topics": [summary.as_json() for summary in self.topics],
            "discrepancies": [
                {"key": item.key, "figures": [
                    {"topic": figure.topic, "label": figure.label, "value": figure.value,
                     "sources": list(figure.sources), "path": figure.path, "line": figure.line}
                    for figure in item.figures]}
                for item in self.discrepancies],
        }
