"""Dates in English news copy: the dates a text states, and those a passage lets one work out from its source's date.

Contract: :func:`dates_in` finds the calendar dates a text writes out
(``24 June 2025``, ``June 24, 2025``, ``Tuesday 24 June``, ``Monday, June 23``,
``the 24th of June``, ``2025-06-24``), each with the weekday written with it;
a date without a year takes the one its caller gives (for a passage: the year
that puts it nearest its source's publication date). :func:`derived_dates`
works out the days a passage's relative words name from its source's
publication date: ``today``, ``yesterday``, ``tomorrow``, ``last night``,
``overnight``, a weekday (``on Tuesday``: the nearest such day on or before
publication, and also the coming one when the passage reports what will
happen: ``will``, ``due``, ``set to``, ``is to``, …; ``last Tuesday``: the one
before; ``next Tuesday``: the coming one) and a week (``last week``, ``this
week``, ``next week``: its seven days, Monday to Sunday). :func:`establish`
says how a fact's date is established by its passages and its sources'
publication dates (:class:`~briefings.audit.results.DateBasis`).
Pure functions of their arguments: no clock, no locale, no network; the
patterns are linear and each text is scanned once.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefings.audit.results import MONTHS, DateBasis, long_date

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NUMBER = {name: number for number, full in enumerate(MONTHS, 1)
                 for name in {full, full[:3], "Sept" if full == "September" else full[:3]}}
_MONTH = r"(?:" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")"
_WEEKDAY = r"(?:" + "|".join(WEEKDAYS) + r")"
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89][0-9]{2}|2[0-9]{3})"
# An abbreviation's dot ("24 Jun. 2025") is part of a date only before its year: else it ends the sentence.
_WRITTEN = re.compile(
    rf"\b(?:(?P<wd1>{_WEEKDAY}),?\s+)?(?:the\s+)?(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MONTH})\b(?:\.(?=,?\s+{_YEAR}\b))?"
    rf"(?:,?\s+(?P<y1>{_YEAR})\b)?"
    rf"|\b(?:(?P<wd2>{_WEEKDAY}),?\s+)?(?P<m2>{_MONTH})\.?\s+(?:the\s+)?(?P<d2>{_DAY})\b(?![,.]?[0-9])"
    rf"(?:,?\s+(?P<y2>{_YEAR})\b)?"
    rf"|(?<![0-9-])(?P<y3>{_YEAR})-(?P<m3>[01][0-9])-(?P<d3>[0-3][0-9])(?![0-9])")
_RELATIVE = re.compile(
    rf"\b(?:(?P<prefix>on|last|next|this|this\s+coming|coming|from|since|until|by|before|after)\s+)?"
    rf"(?P<weekday>{_WEEKDAY})\b"
    r"|\b(?P<week>last|this|next)\s+week\b"
    r"|\b(?P<day>today|yesterday|tomorrow|tonight|last\s+night|overnight|this\s+(?:morning|afternoon|evening))\b",
    re.IGNORECASE)
#: Words that make a passage report what is to come, so that its bare weekdays may name the coming day.
_FUTURE = re.compile(r"\b(?:will|due|set\s+to|is\s+to|are\s+to|to\s+be\s+held|scheduled|expected\s+to|"
                     r"plans?\s+to|upcoming|ahead\s+of)\b", re.IGNORECASE)
_DAY_OFFSETS = {"today": (0,), "tonight": (0,), "this morning": (0,), "this afternoon": (0,),
                "this evening": (0,), "yesterday": (-1,), "tomorrow": (1,), "last night": (-1, 0),
                "overnight": (-1, 0)}


@dataclass(frozen=True)
class WrittenDate:
    """A date a text writes out: its value (None when it names no real day, or has no year and none was
    given), its month and day, the weekday written with it (0 is Monday), and the words as written."""

    value: datetime.date | None
    month: int
    day: int
    year: int | None
    weekday: int | None
    written: str


def _day(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, near: datetime.date) -> int:
    """The year (of ``near``'s, the one before or after) that puts ``day month`` nearest ``near``."""
    candidates = [(year, _day(year, month, day)) for year in (near.year, near.year - 1, near.year + 1)]
    found = [(abs((value - near).days), year) for year, value in candidates if value is not None]
    return min(found)[1] if found else near.year


#: What every written date contains: a month's first three letters, or an ISO date's "-" (a text with
#: neither, as most are, writes no date, which substring searches tell far faster than the pattern).
_MAY_HOLD_A_DATE = re.compile("-|" + "|".join(sorted({name[:3] for name in _MONTH_NUMBER})))


def dates_in(text: str, *, year: int | None = None, near: datetime.date | None = None) -> list[WrittenDate]:
    """The dates ``text`` writes out; a date without a year takes ``year``, else the one nearest ``near``."""
    if not _MAY_HOLD_A_DATE.search(text):
        return []
    found = []
    for match in _WRITTEN.finditer(text):
        groups = match.groupdict()
        if groups["y3"]:
            stated_year, month, day, weekday_name = int(groups["y3"]), int(groups["m3"]), int(groups["d3"]), None
        else:
            suffix = "1" if groups["m1"] else "2"
            month = _MONTH_NUMBER[groups["m" + suffix]]
            day = int(re.sub(r"\D", "", groups["d" + suffix]))
            stated_year = int(groups["y" + suffix]) if groups["y" + suffix] else None
            weekday_name = groups["wd" + suffix]
        if not 1 <= month <= 12:
            continue
        resolved = stated_year if stated_year is not None else year
        if resolved is None and near is not None:
            resolved = _nearest_year(month, day, near)
        value = _day(resolved, month, day) if resolved is not None else None
        weekday = WEEKDAYS.index(weekday_name) if weekday_name else None
        found.append(WrittenDate(value, month, day, stated_year, weekday, " ".join(match.group().split())))
    return found


def weekday_contradictions(text: str, *, year: int | None = None) -> list[tuple[WrittenDate, str]]:
    """The dates of ``text`` written with a weekday they do not fall on, each with the weekday they do."""
    return [(item, WEEKDAYS[item.value.weekday()]) for item in dates_in(text, year=year)
            if item.value is not None and item.weekday is not None and item.value.weekday() != item.weekday]


def _weekday_dates(weekday: int, prefix: str, published: datetime.date, future: bool) -> list[datetime.date]:
    back = (published.weekday() - weekday) % 7
    ahead = (weekday - published.weekday()) % 7
    if prefix == "last":
        return [published - datetime.timedelta(days=back or 7)]
    if prefix in ("next", "coming", "this coming"):
        return [published + datetime.timedelta(days=ahead or 7)]
    days = [published - datetime.timedelta(days=back)]
    if future or prefix in ("from", "until", "by", "before"):
        days.append(published + datetime.timedelta(days=ahead))
    return days


def derived_dates(passage: str, published: datetime.date) -> list[tuple[datetime.date, datetime.date, str]]:
    """The days ``passage``'s relative words name, from its source's publication date: ``(first, last, words)``,
    one day (``first == last``) or a week; weekdays written as part of a date are not relative words."""
    masked = _WRITTEN.sub(lambda match: " " * len(match.group()), passage)
    future = _FUTURE.search(passage) is not None
    found = []
    for match in _RELATIVE.finditer(masked):
        words = " ".join(match.group().split())
        if match.group("weekday"):
            prefix = " ".join((match.group("prefix") or "").lower().split())
            weekday = [name.casefold() for name in WEEKDAYS].index(match.group("weekday").casefold())
            found += [(day, day, words) for day in _weekday_dates(weekday, prefix, published, future)]
        elif match.group("week"):
            monday = published - datetime.timedelta(days=published.weekday())
            shift = {"last": -7, "this": 0, "next": 7}[match.group("week").lower()]
            first = monday + datetime.timedelta(days=shift)
            found.append((first, first + datetime.timedelta(days=6), words))
        else:
            key = " ".join(match.group("day").lower().split())
            found += [(published + datetime.timedelta(days=offset),) * 2 + (words,) for offset in _DAY_OFFSETS[key]]
    return found


@dataclass(frozen=True)
class Passage:
    """A passage of one source (an evidence passage or the quote), with the source's publication date."""

    source: str
    text: str
    published: datetime.date | None


def establish(value: datetime.date, passages: Sequence[Passage],
              published: Iterable[tuple[str, datetime.date]] = ()) -> DateBasis:
    """How ``value`` is established: a passage states it (``stated``), or lets one work it out from its
    source's publication date (``derived``), or, among ``published`` (the fact's sources and their
    publication dates), a source was published that day (``published``); else ``not-established``."""
    for passage in passages:
        near = passage.published
        for item in dates_in(passage.text, near=near):
            if item.value == value or (item.value is None and (item.month, item.day) == (value.month, value.day)):
                return DateBasis("stated", passage.source, passage.published, item.written)
    for passage in passages:
        if passage.published is None:
            continue
        for first, last, words in derived_dates(passage.text, passage.published):
            if first <= value <= last:
                return DateBasis("derived", passage.source, passage.published, words)
    for source, day in published:
        if day == value:
            return DateBasis("published", source, day)
    return DateBasis("not-established")


__all__ = ["MONTHS", "WEEKDAYS", "Passage", "WrittenDate", "dates_in", "derived_dates", "establish",
           "long_date", "weekday_contradictions"]
