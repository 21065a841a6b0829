"""The date checks of one fact: its ``date:`` and the dates its text writes out, against its evidence.

Contract: :func:`check_dates` reads a fact's dates (:mod:`briefings.audit.dates`)
and reports through a :class:`~briefings.audit.checker.Checker`, for a fact
with evidence, the dates that no evidence passage (or its quote) states nor
lets one work out from its source's publication date (warning
``date-not-in-evidence``; error ``date-after-publication`` for such a date
after the publication of every one of its sources), and, for every fact, a
weekday written with a date it does not fall on (error
``weekday-contradicts-date``). It returns how the fact's ``date:`` was
established (:class:`~briefings.audit.results.DateBasis`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefings.audit.checker import Checker, listed
from briefings.audit.dates import WEEKDAYS, Passage, dates_in, establish, weekday_contradictions
from briefings.audit.results import DateBasis, long_date

if TYPE_CHECKING:
    import datetime

    from briefings.project.schema import Fact


def check_dates(checker: Checker, topic_id: str, index: int, fact: Fact) -> DateBasis | None:
    """Check fact ``index`` of topic ``topic_id``'s dates; see the module docstring."""
    location = ("facts", index)
    about = ("facts", topic_id, index)
    known = [source for source in dict.fromkeys(fact.sources) if source in checker.references]
    published = [(source, checker.references[source].published) for source in known]
    passages = [Passage(source, text, checker.references[source].published)
                for source, text in fact.evidence.items() if source in checker.references]
    if fact.quote is not None and known and fact.sources[0] in checker.references:
        passages.append(Passage(fact.sources[0], fact.quote.text, checker.references[fact.sources[0]].published))
    year = fact.date.year if fact.date else (min(day for _, day in published).year if published else None)
    for item, actual in weekday_contradictions(fact.text, year=year):
        assert item.value is not None and item.weekday is not None
        checker.error(topic_id, (*location, "text"),
                      f"fact '{fact.id}' says '{item.written}', but {long_date(item.value)} is a {actual}, "
                      f"not a {WEEKDAYS[item.weekday]}: check the date and the weekday",
                      "weekday-contradicts-date")
    latest = max(published, key=lambda pair: pair[1]) if len(known) == len(set(fact.sources)) and known else None
    basis = None
    if fact.date is not None:
        basis = establish(fact.date, passages, published)
        _report(checker, topic_id, (*location, "date"), fact, [(fact.date, f"'{fact.date.isoformat()}' (date:)")],
                passages, latest, about, field=True)
    written = [(item.value, f"'{item.written}'") for item in dates_in(fact.text, year=year)
               if item.value is not None]
    _report(checker, topic_id, (*location, "text"), fact, written, passages, latest, about, field=False)
    return basis


def _report(checker: Checker, topic_id: str, where: tuple[object, ...], fact: Fact,
            dates: list[tuple[datetime.date, str]], passages: list[Passage],
            latest: tuple[str, datetime.date] | None, about: tuple[str, str, int], *, field: bool) -> None:
    """Warn about the dates no passage establishes; an error for those after every source's publication."""
    if not fact.evidence:
        # Nothing to read the date in: a fact without evidence is not checked for dates, as for numbers.
        return
    unsupported = []
    for value, written in dict.fromkeys(dates):
        how = establish(value, passages).how
        if how in ("stated", "derived"):
            continue
        if latest is not None and value > latest[1]:
            checker.error(topic_id, where,
                          f"fact '{fact.id}' gives the date {written}, after the publication of every one of "
                          f"its sources (the latest: '{latest[0]}', {long_date(latest[1])}), and no evidence "
                          "passage states it: check the date, or quote the passage that announces it",
                          "date-after-publication")
        elif not (field and _published_by_a_source(checker, fact, value)):
            unsupported.append(written)
    if unsupported:
        checker.warn(topic_id, where,
                     f"fact '{fact.id}' gives the date {listed(unsupported, quoted=False)}, which none of its "
                     "evidence passages states, nor lets one work out from its source's publication date "
                     "('on Tuesday', 'yesterday'): check the date, or quote the passage that gives it",
                     "date-not-in-evidence", about)


def _published_by_a_source(checker: Checker, fact: Fact, value: datetime.date) -> bool:
    return any(source in checker.references and checker.references[source].published == value
               for source in fact.sources)


__all__ = ["check_dates"]
