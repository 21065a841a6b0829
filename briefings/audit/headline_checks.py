"""The check of a fact's headline: it states nothing its fact does not.

Contract: :func:`check_headline` checks the ``headline`` of one fact (when it
has one) against the fact itself: each number it states
(:func:`briefings.audit.numbers.numbers_in`, dates and years left out) must
be stated, as that quantity, by the fact's text
(:func:`briefings.audit.numbers.number_appears`), and each day it names
(:func:`briefings.audit.dates.dates_in`) must be the fact's ``date:`` or a
day its text writes out. Otherwise warning ``headline-unsupported`` at the
headline's line, naming what the fact does not say. A headline is the
curator's words for the timeline, not a claim of its own: the fact's own
checks hold the fact to its evidence, and this check holds the headline to
the fact. It needs no archive, so it runs in every project. It is cheap: two
scans of two short texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefings.audit.checker import Checker, listed
from briefings.audit.dates import dates_in
from briefings.audit.numbers import number_appears, numbers_in

if TYPE_CHECKING:
    from briefings.project.schema import Fact


def unsupported_in_headline(headline: str, fact: Fact) -> list[str]:
    """How ``headline`` writes each number or day it states that ``fact`` does not, each once."""
    missing: list[str] = []
    for number in numbers_in(headline):
        if not number_appears(number, [fact.text]) and number.shown not in missing:
            missing.append(number.shown)
    year = fact.date.year if fact.date else None
    days = {item.value for item in dates_in(fact.text, year=year) if item.value is not None}
    if fact.date is not None:
        days.add(fact.date)
    for item in dates_in(headline, year=year):
        given = item.value in days if item.value is not None else any(
            (day.month, day.day) == (item.month, item.day) for day in days)
        if not given and item.written not in missing:
            missing.append(item.written)
    return missing


def check_headline(checker: Checker, topic_id: str, index: int, fact: Fact) -> list[str]:
    """Warning ``headline-unsupported`` for what fact ``index``'s headline states that the fact does not."""
    if fact.headline is None:
        return []
    missing = unsupported_in_headline(fact.headline, fact)
    if missing:
        checker.warn(topic_id, ("facts", index, "headline"),
                     f"fact '{fact.id}': the headline states {listed(missing)}, which the fact's text does not: "
                     "a headline says what the fact says, in fewer words", "headline-unsupported",
                     ("facts", topic_id, index))
    return missing
