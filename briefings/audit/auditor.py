"""The attribution audit: what each fact, quote and figure says, checked against the archived sources.

Contract: :func:`audit_project` takes a loaded :class:`~briefings.project.model.Project`
and returns an :class:`~briefings.audit.results.Audit`: for every quote, fact and figure its outcome,
and the problems found, each located at the offending YAML value
(``path:LINE``). It reads each cited reference's archived copy once
(:func:`briefings.audit.archive.read_archive`) and otherwise has no effect;
:mod:`briefings.audit.project_audit` runs it for ``check``, ``build`` and
``publish`` (the loader never does), adds its errors to the project's problems
and passes its warnings through the ``acknowledge:`` entries like every other warning.

What is checked:

* **Quotes.** A fact's ``quote.text`` must stand, after
  :func:`briefings.audit.normalise.normalise` (typographic quotes, dashes, line
  breaks, invisible characters) and as whole words
  (:func:`briefings.audit.match.find_passage`: ``likely`` is not in "unlikely",
  nor ``13`` in "130"), in the archived text of the fact's *first* source:
  ``verified``; otherwise ``not-found``, an **error** whose message shows the closest passage of the
  archive. A quote whose first source has no archive (no ``archive:``, or the file absent) is ``unverifiable``: warning
  ``quote-unverifiable``. A quote found is *attributed* only when its speaker
  is named near a place it stands (:mod:`briefings.audit.speakers`: the name,
  its surname or a ``speaker_aliases`` entry, in the quote's sentence or the
  one before): otherwise warning ``quote-speaker-unconfirmed``
  (:attr:`briefings.audit.results.QuoteAudit.speaker_confirmed`).
* **Evidence.** Each ``evidence`` passage is checked the same way against
  its own source's archive: ``not-found`` is an **error** with the closest
  passage; a source without an archive gives ``evidence-unverifiable``. A
  fact whose every source carries verified evidence is *fully evidenced*.
* **Numbers.** Every number a fact's text states (dates and years left out,
  see :func:`briefings.audit.numbers.numbers_in`) must be stated by one of its
  evidence passages or its quote (where a day, an ordinal, a time or a span
  of years, ``13 June``, ``10:30``, ``2012-13``, states no number; see
  :func:`briefings.audit.numbers.number_appears`), as that quantity: the same
  currency and percentage, and the same counted noun when both name one
  (:mod:`briefings.audit.counted`: ``13 countries`` is not ``13 berths``).
  A number that its evidence does not state, where the evidence states
  another of the same kind (same currency, percentages, same counted noun:
  :func:`briefings.audit.numbers.same_kind_stated`), is an **error**
  ``number-contradicted`` naming both; otherwise warning ``number-not-in-evidence``
  naming the number. Facts without evidence are not checked for numbers (a
  fact with a quote but no evidence, one of whose sources keeps an archive,
  gets warning ``evidence-missing``). A figure's numbers (:func:`briefings.audit.numbers.figure_numbers`) must be stated
  somewhere in the archived text of one of its sources; a figure none of
  whose sources has an archive is ``unverifiable`` and not warned about.
  Otherwise the same warning, naming the number and, as a hint, the numbers
  of the same kind (same currency, or percentages) that the archives state:
  a whole article states many numbers, and which quantity each measures needs
  a reader, so a different number somewhere in it is no contradiction.
* **Polarity.** A fact with evidence whose text and evidence disagree in
  polarity (:func:`briefings.audit.polarity.polarity_mismatch`: ``agreed``
  against ``refused``, ``did not agree`` against ``agreed``): warning
  ``polarity-mismatch``, quoting the two phrases.
* **Dates.** A fact's ``date:`` and each date its text writes out must be
  stated by one of its evidence passages (or its quote), or derived from the
  passage's relative words (``on Tuesday``, ``yesterday``, ``last week``) and
  its source's publication date; a ``date:`` may also be the day a source was
  published (:mod:`briefings.audit.dates`, :mod:`briefings.audit.date_checks`).
  Otherwise, for a fact with evidence, warning ``date-not-in-evidence``, or,
  when after every source's publication, **error**
  ``date-after-publication``; a weekday written with a date it does not fall
  on, **error** ``weekday-contradicts-date``. How the ``date:`` was established
  is :attr:`briefings.audit.results.FactAudit.date_basis`.
* **Headlines.** Each number and day a fact's ``headline`` states must be stated by the fact's text
  (or be its ``date:``): otherwise warning ``headline-unsupported`` at the headline
  (:mod:`briefings.audit.headline_checks`; in every project, archives or not).
* **Figures with evidence.** A figure may name, per source, the passage that
  gives its value (``evidence``, as facts do). Each passage is checked like a
  quote (``evidence-not-found``, an **error**). The curator has said that the
  passage gives *this* quantity, so if it states a number of the same kind
  (an amount in the figure's currency, a percentage, a count of the noun its
  unit names) but not the figure's value, the figure is *contradicted by its own evidence*: **error**
  ``figure-contradicted``, naming both numbers. A passage stating no number
  of that kind gives the ``number-not-in-evidence`` warning instead. A figure
  without evidence gives warning ``figure-evidence-missing``.
* **Summaries.** Every number of a topic's ``summary`` must be stated by its
  facts' evidence and quotes or its figures (:mod:`briefings.audit.summary_checks`):
  otherwise warning ``summary-number-unsupported`` at the summary; every day it
  names must be one its facts give: otherwise ``summary-date-unsupported``.
* **Corroboration.** Each fact's Admiralty grade
  (:func:`briefings.audit.grades.combined_grade`, e.g. ``B2``); warning
  ``single-outlet`` for a fact whose sources are one independent source
  (:func:`briefings.audit.grades.independent_sources`: distinct ``agency``,
  or else ``outlet``, values, not references); warning
  ``credibility-unsupported`` at a fact graded credibility 1 without two
  independent sources graded A to D (:func:`briefings.audit.grades.confirming_sources`),
  naming the sources and why they do not count. ``low-reliability`` (every source
  graded D, E or F) is the loader's warning; the audit records it.
* **Spans.** A reference with a ``span:`` is matched only inside its span of
  a shared archive file (:mod:`briefings.audit.spans`; offsets stay the whole
  file's); a marker not found, found twice, or an end before the start is an
  **error** at the ``span`` line (``span-marker-not-found``,
  ``span-marker-ambiguous``, ``span-end-before-start``).
* **Discrepancies.** Figures sharing a ``key`` (within or across topics)
  whose values differ (their numbers as :func:`briefings.audit.numbers.figure_numbers`
  reads value and unit, or else their normalised text) are a discrepancy:
  warning ``figure-discrepancy`` at each figure, naming the other values and
  their sources.
* **Archives.** A reference whose ``archive:`` file does not exist gets warning ``archive-missing`` (its
  passages are then unverifiable, without a warning each); any other problem reading it is an error.

Warnings about attribution (``quote-unverifiable``, ``evidence-unverifiable``,
``evidence-missing``, ``single-outlet``, ``credibility-unsupported``, ``archive-missing``,
``figure-evidence-missing``, ``summary-number-unsupported``, ``summary-date-unsupported``) are given
only in a project that keeps
archives (at least one reference has ``archive:``): a project that does not is
checked exactly as before. ``number-not-in-evidence`` needs evidence or an
archive to apply, and ``figure-discrepancy`` a ``key``, so neither affects a
project that uses neither.

The archive directory is the project's ``archive_dir`` (inside the project),
or the ``archive_dir`` argument: a directory anywhere (``--archive-dir`` on
the command line), whose files are read only if they are regular files
inside it (no symbolic link leading out of it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefings.audit.checker import Checker
from briefings.audit.fact_checks import check_fact
from briefings.audit.figure_checks import check_figure, find_discrepancies
from briefings.audit.results import Audit, FactAudit, FigureAudit, Finding, TopicSummary
from briefings.audit.summary_checks import check_topic_summary

if TYPE_CHECKING:
    from briefings.project.model import Project, TopicParts

#: For topics whose checks may not need to run again: the SHA-256 of the file they were run on, and the
#: warnings they gave (see :func:`audit_project`).
RecordedFindings = Mapping[str, tuple[str, Sequence[Finding]]]


def audit_project(project: Project, *, archive_dir: Path | str | None = None,
                  recorded: RecordedFindings | None = None) -> Audit:
    """Audit ``project`` against its archived sources; see the module docstring.

    ``archive_dir`` overrides the project's ``archive_dir``: a path (absolute,
    or relative to the current directory) to a directory anywhere.

    ``recorded`` names topics whose own checks (of their facts, figures and
    summary) gave, in an earlier run, exactly the warnings listed and no error,
    with the SHA-256 of the topic file they were run on: the caller vouches
    that the references, their archives and the settings are byte for byte
    those of that run (the build's record, :mod:`briefings.build.quick`). For
    a topic whose file, as loaded now, has that digest, the warnings are taken
    as recorded, and
    their checks run only when a result of theirs is first looked up
    (:meth:`~briefings.audit.results.Audit.fact`, ``figure``, ``quote``), with
    the same outcome, since no check of a topic reads another topic. Checks
    across topics (the discrepancies) and of the archives always run. Such an
    audit's :attr:`~briefings.audit.results.Audit.topics` summarise only the
    topics checked (``check`` never passes ``recorded``).
    """
    checker = Checker(project, archive_dir)
    # Every archive is read (and its problems found) first, cited or not: what a topic's checks find is then
    # theirs alone, to be recorded for the topic.
    for reference_id in checker.references:
        checker.archived(reference_id)
    facts: list[FactAudit] = []
    figures: list[FigureAudit] = []
    topic_findings: dict[str, tuple[Finding, ...]] = {}
    deferred: dict[str, TopicParts] = {}
    for topic_id, parts in checker.project.audited_parts():  # (with the valid facts of invalid topics)
        if recorded is not None and topic_id in project.topics and _unchanged(project, topic_id, recorded):
            deferred[topic_id] = parts
            topic_findings[topic_id] = tuple(recorded[topic_id][1])
            continue
        start = len(checker.findings)
        checked_facts, checked_figures = _check_topic(checker, topic_id, parts)
        facts.extend(checked_facts)
        figures.extend(checked_figures)
        topic_findings[topic_id] = tuple(checker.findings[start:])
    discrepancies = find_discrepancies(checker)
    # Grouped once (not a scan of every fact per topic): linear in the project's size.
    by_topic: dict[str, list[FactAudit]] = {}
    for item in facts:
        by_topic.setdefault(item.topic, []).append(item)
    discrepant: dict[str, int] = {}
    for discrepancy in discrepancies:
        for topic_id in {figure.topic for figure in discrepancy.figures}:
            discrepant[topic_id] = discrepant.get(topic_id, 0) + 1
    summaries = []
    for topic_id in checker.project.topics:
        if topic_id in deferred:
            continue
        mine = by_topic.get(topic_id, [])
        quotes = [item.quote.outcome for item in mine if item.quote]
        summaries.append(TopicSummary(
            topic=topic_id, facts=len(mine), quotes_verified=quotes.count("verified"),
            quotes_not_found=quotes.count("not-found"), quotes_unverifiable=quotes.count("unverifiable"),
            fully_evidenced=sum(item.fully_evidenced for item in mine),
            single_source=sum(item.single_source for item in mine),
            single_outlet=sum(item.single_outlet for item in mine),
            low_reliability=sum(item.low_reliability for item in mine),
            discrepancies=discrepant.get(topic_id, 0),
            quotes_speaker_confirmed=sum(1 for item in mine if item.quote and item.quote.speaker_confirmed)))
    recorded_findings = [finding for topic_id in deferred for finding in topic_findings[topic_id]]
    return Audit(facts=tuple(facts), figures=tuple(figures), discrepancies=tuple(discrepancies),
                 archives=tuple(checker.records[key] for key in sorted(checker.records)), topics=tuple(summaries),
                 problems=tuple(checker.problems), findings=(*checker.findings, *recorded_findings),
                 uses_archives=checker.uses_archives, topic_findings=topic_findings,
                 deferred=_Deferred(checker, deferred) if deferred else None)


def _unchanged(project: Project, topic_id: str, recorded: RecordedFindings) -> bool:
    """Whether the topic's file, as it was loaded, is the one its recorded checks were run on."""
    document = project.documents.get(topic_id)
    return topic_id in recorded and document is not None and document.digest is not None \
        and document.digest == recorded[topic_id][0]


def _check_topic(checker: Checker, topic_id: str, parts: TopicParts) -> tuple[list[FactAudit], list[FigureAudit]]:
    """Every check of one topic's own: its facts, its figures and its summary."""
    facts = [check_fact(checker, topic_id, index, fact) for index, fact in parts.facts]
    figures = [check_figure(checker, topic_id, index, figure) for index, figure in parts.figures]
    topic = checker.project.topics.get(topic_id)
    if topic is not None:
        check_topic_summary(checker, topic_id, topic)
    return facts, figures


class _Deferred:
    """The checks of the topics an audit took the warnings of from its caller's record, run when first needed.

    What they find again (their recorded warnings) is dropped: only their results are wanted.
    """

    def __init__(self, checker: Checker, parts: dict[str, TopicParts]):
        self.checker = checker
        self.parts = parts

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self.parts

    def check(self, topic_id: str) -> tuple[list[FactAudit], list[FigureAudit]]:
        parts = self.parts.pop(topic_id)
        findings, problems = len(self.checker.findings), len(self.checker.problems)
        try:
            return _check_topic(self.checker, topic_id, parts)
        finally:
            del self.checker.findings[findings:], self.checker.problems[problems:]


__all__ = ["RecordedFindings", "audit_project"]
