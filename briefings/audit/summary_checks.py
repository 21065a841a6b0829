"""The checks of summaries: every number and day a topic's summary states must come from what the topic cites.

Contract: :func:`check_summaries` checks the ``summary`` of every topic
through a :class:`~briefings.audit.checker.Checker` (which collects the
problems). A summary states nothing of its own: each number in it
(:func:`briefings.audit.numbers.numbers_in`, dates and years left out) must
be stated, as that quantity (value, currency, percentage, counted noun:
:func:`briefings.audit.numbers.number_appears`), by the topic's support
(:func:`summary_support`): its facts' evidence passages and quotes, its
figures' evidence passages and values. Otherwise warning
``summary-number-unsupported`` at the summary's line, naming the number
(in a project that keeps archives, like the other attribution warnings).
Each day the summary names (:func:`briefings.audit.dates.dates_in`: "24 June
2025", "June 24") must be a day one of the topic's facts gives, as its
``date:`` or in its text (where that fact's own date checks hold it to its
evidence): otherwise warning ``summary-date-unsupported``.
Briefings (``briefings.yaml``) have no summary of their own, and a
one-pager's key points are the topic's facts, checked as facts.

:func:`check_summary` checks one summary text against a :class:`Support`;
further checks of a summary (its dates, say) take the same
:class:`Support` and are added there.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefings.audit.checker import Checker, listed
from briefings.audit.dates import dates_in
from briefings.audit.numbers import StatedNumber, figure_numbers, number_appears, numbers_in

if TYPE_CHECKING:
    from briefings.project.schema import Topic


@dataclass(frozen=True)
class Support:
    """What a summary may rest on: passages (evidence and quotes) and the numbers of figures."""

    passages: tuple[str, ...]
    figures: tuple[StatedNumber, ...]
    #: The days the facts give (their ``date:``, and the dates their texts write out), each checked on its fact.
    days: frozenset[datetime.date] = frozenset()

    def states(self, number: StatedNumber) -> bool:
        """Whether a passage or a figure states ``number`` as that quantity."""
        return number_appears(number, self.passages) or any(number.same_as(figure) for figure in self.figures)


def summary_support(topics: list[Topic]) -> Support:
    """The support of a summary of ``topics``: each fact's evidence passages and quote, each figure's
    evidence passages and value (read with its unit)."""
    passages: list[str] = []
    figures: list[StatedNumber] = []
    days: set[datetime.date] = set()
    for topic in topics:
        for fact in topic.facts:
            passages.extend(fact.evidence.values())
            if fact.quote is not None:
                passages.append(fact.quote.text)
            if fact.date is not None:
                days.add(fact.date)
            year = fact.date.year if fact.date else topic.as_of.year
            days.update(item.value for item in dates_in(fact.text, year=year) if item.value is not None)
        for figure in topic.figures:
            passages.extend(figure.evidence.values())
            figures.extend(figure_numbers(figure.value, figure.unit))
    return Support(tuple(dict.fromkeys(passages)), tuple(figures), frozenset(days))


def unsupported_numbers(text: str, support: Support) -> list[str]:
    """How ``text`` writes each number it states that ``support`` does not, each once."""
    missing: list[str] = []
    for number in numbers_in(text):
        if not support.states(number) and number.shown not in missing:
            missing.append(number.shown)
    return missing


def check_summary(checker: Checker, topic_id: str, text: str, support: Support) -> list[str]:
    """Check the summary ``text`` of topic ``topic_id`` against ``support``: warning
    ``summary-number-unsupported`` for its numbers that nothing supports. Returns those numbers."""
    missing = unsupported_numbers(text, support)
    if missing:
        checker.warn(topic_id, ("summary",),
                     f"topic '{topic_id}': the summary states {listed(missing)}, which none of the topic's "
                     "evidence passages, quotes or figures states: check the number, or give it a fact with "
                     "evidence", "summary-number-unsupported", ("topics", topic_id))
    return missing


def unsupported_dates(text: str, support: Support, as_of: datetime.date) -> list[str]:
    """How ``text`` writes each day it names that none of the facts gives, each once (a day written without
    a year is given by a fact of that day in ``as_of``'s year, the one before or the one after)."""
    missing: list[str] = []
    for item in dates_in(text):
        if item.year is not None:
            given = item.value in support.days
        else:  # "2 March" in a summary as of September: a day of the year before, this one or the next
            given = any((day.month, day.day) == (item.month, item.day) and abs(day.year - as_of.year) <= 1
                        for day in support.days)
        if not given and item.written not in missing:
            missing.append(item.written)
    return missing


def check_summary_dates(checker: Checker, topic_id: str, text: str, support: Support,
                        as_of: datetime.date) -> list[str]:
    """Warning ``summary-date-unsupported`` for each day the summary names that none of the topic's facts
    gives (as its ``date:`` or in its text, where the fact's own checks hold it to its evidence)."""
    missing = unsupported_dates(text, support, as_of)
    if missing:
        checker.warn(topic_id, ("summary",),
                     f"topic '{topic_id}': the summary names {listed(missing)}, which none of the topic's facts "
                     "gives (as its date: or in its text): check the date, or give it a fact with evidence",
                     "summary-date-unsupported", ("topics", topic_id))
    return missing


def check_summaries(checker: Checker) -> None:
    """Check the summary of every topic of the project against its own facts and figures (in a project that
    keeps archives, as the other attribution warnings: one that does not is checked as before)."""
    for topic_id, topic in checker.project.topics.items():
        check_topic_summary(checker, topic_id, topic)


def check_topic_summary(checker: Checker, topic_id: str, topic: Topic) -> None:
    """:func:`check_summaries` for one topic."""
    if not checker.uses_archives:
        return
    support = summary_support([topic])
    check_summary(checker, topic_id, topic.summary, support)
    check_summary_dates(checker, topic_id, topic.summary, support, topic.as_of)


__all__ = ["Support", "check_summaries", "check_summary", "check_summary_dates", "check_topic_summary",
           "summary_support", "unsupported_dates", "unsupported_numbers"]
