"""Numbers as news copy writes them: reading them from a text or a figure, and telling whether a passage states one.

Contract: :func:`numbers_in` lists the numbers a text states (``£2.3bn``,
``2.5 per cent``, ``50,000``, ``thirteen``, ``two million``) by value, as
:class:`StatedNumber`; :func:`figure_numbers` those of a figure's value and
unit; :func:`number_appears` tells whether a number is stated in any of
some passages, allowing for how news copy writes numbers. See
:func:`numbers_in` for what is not checked (years and dates).
A plain count carries what it counts (:attr:`StatedNumber.counts`, the
noun after it: :func:`briefings.audit.counted.counted_noun`), and
:func:`same_kind_stated` lists a passage's numbers of the same kind as
some number (what contradicts it).
:func:`inside_number` tells whether a place in a normalised text falls
inside such a number, which is what keeps a passage from starting or ending
there (:func:`briefings.audit.match.is_boundary`). Pure functions; texts are
read after :func:`briefings.audit.normalise.normalise`, and at most
:data:`MAX_NUMBERS` numbers are read from one text.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from briefings.audit.counted import counted_noun, nouns_agree
from briefings.audit.counted import unit_noun as _unit_noun
from briefings.audit.normalise import MAX_PASSAGE_CHARS, normalise

#: At most this many numbers are read from one text.
MAX_NUMBERS = 10_000
#: A number is looked for this far before a place ("one hundred and fifty thousand" is 30 characters).
_NUMBER_REACH = 48

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_ABBREVIATED = {"k": 10**3, "m": 10**6, "mn": 10**6, "mln": 10**6, "b": 10**9, "bn": 10**9, "bln": 10**9,
                "tn": 10**12, "trn": 10**12, "tr": 10**12}
#: Abbreviations read as a multiplier only after a currency: "5k" and "5b" are too often something else.
_ABBREVIATED_WITH_CURRENCY_ONLY = {"k", "b"}
_SYMBOLS = {"£": "GBP", "$": "USD", "€": "EUR"}
_CODES = {"gbp": "GBP", "usd": "USD", "eur": "EUR"}
_CURRENCY_WORDS = {"pound": "GBP", "pounds": "GBP", "sterling": "GBP", "dollar": "USD", "dollars": "USD",
                   "euro": "EUR", "euros": "EUR"}
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")

_SPACE = r"[ \u00a0\u2009\u202f]"
_NUMBER_WORD = "|".join(sorted([*_UNITS, "hundred", *_SCALES], key=len, reverse=True))
_DIGITS = (r"(?:\d{1,3}(?:,\d{3})+(?!,?\d)|\d{1,3}(?:" + _SPACE + r"\d{3})+(?![\d.,]\d)|\d+)(?:\.\d+)?"
           r"|\.\d+")
_NUMBER = re.compile(
    r"(?<![\w.,])"
    r"(?P<currency>[£$€]|\b(?:GBP|USD|EUR)" + _SPACE + r"?)?"
    r"(?:(?P<digits>" + _DIGITS + r")"
    r"|(?P<words>(?:" + _NUMBER_WORD + r")(?:(?:[ -]|" + _SPACE + r"|\s+and\s+)(?:" + _NUMBER_WORD + r"))*))"
    r"(?P<suffix>"
    r"(?P<ordinal>st|nd|rd|th)\b"
    r"|(?:" + _SPACE + r"?(?P<abbreviation>mn|mln|bn|bln|trn|tn)|(?P<letter>tr|m|k|b))\b"
    r"|" + _SPACE + r"?(?P<scale>(?:thousand|million|billion|trillion)"
    r"(?:" + _SPACE + r"(?:thousand|million|billion))?)\b"
    r")?"
    r"(?P<percent>" + _SPACE + r"?(?:%|pc\b)|" + _SPACE + r"(?:per" + _SPACE + r"?cent|percent|percentage points)\b)?"
    r"(?P<money>" + _SPACE + r"(?:pounds?|sterling|dollars?|euros?)\b"
    r"|" + _SPACE + r"?(?:GBP|USD|EUR)\b)?"
    r"(?!\w)",
    re.IGNORECASE,
)
# Tokens after the digit run are matched case-insensitively by the regex; the currency codes only upper case.
_DATE_AFTER = re.compile(_SPACE + r"(?:of" + _SPACE + r")?(?:" + _MONTHS + r")\b", re.IGNORECASE)
_DATE_BEFORE = re.compile(r"\b(?:" + _MONTHS + r")\.?" + _SPACE + r"$", re.IGNORECASE)
# ISO and numeric dates, times, and spans of years ("2012-13", "2024/25", "1999-2000": a season, a financial year).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}:\d{2}"
                       r"|(?<![\d.,])(?:19|20)\d{2}[-/](?:(?:19|20)\d{2}|\d{2})(?!\d)")


def inside_number(flat: str, index: int) -> bool:
    """Whether ``index`` of the normalised text ``flat`` falls inside a number as :func:`numbers_in` reads it
    ("50| 000", "£2.3| billion", "two| million"), looking only near it: no number is longer than
    :data:`_NUMBER_REACH`."""
    for match in _NUMBER.finditer(flat, max(0, index - _NUMBER_REACH), min(len(flat), index + 2 * _NUMBER_REACH)):
        if match.start() >= index:
            return False
        if match.end() > index:
            return True
    return False


@dataclass(frozen=True)
class StatedNumber:
    """A number as a text states it: its value (magnitude included) and what kind of quantity it is."""

    value: Decimal
    #: "GBP", "USD", "EUR", or None when no currency is stated.
    currency: str | None = None
    percent: bool = False
    #: A year (1900-2100 written as a bare number) or part of a date, which checks leave out by default.
    date: bool = False
    #: How the text writes it, and where: ``text[start:end]`` of the original text.
    written: str = ""
    start: int = 0
    end: int = 0
    #: What a plain count counts, as the noun after it (``5,000 missiles``: "missiles"; see
    #: :func:`counted_noun`), or None: the text names none, or the number is an amount or a percentage.
    counts: str | None = None

    def same_as(self, other: StatedNumber) -> bool:
        """Whether ``other`` states this number: equal value, both or neither a percentage, the
        same currency when both state one, no amount of money for a count of things, and the same
        counted noun (singular or plural) when both name one."""
        if self.value != other.value or self.percent != other.percent:
            return False
        if (self.counts and other.currency) or (other.counts and self.currency):
            return False
        if self.counts and other.counts and not nouns_agree(self.counts, other.counts):
            return False
        return self.currency is None or other.currency is None or self.currency == other.currency

    @property
    def shown(self) -> str:
        """How the text writes it, with what it counts when that follows it (``13 countries``)."""
        if self.counts and self.counts.casefold() not in self.written.casefold():
            return f"{self.written} {self.counts}"
        return self.written

    def same_kind(self, other: StatedNumber) -> bool:
        """Whether ``other`` measures the same kind of quantity: an amount in the same currency, a
        percentage, or a count of the same noun. (A bare number is of no known kind.)"""
        if self.percent or other.percent:
            return self.percent and other.percent
        if self.currency or other.currency:
            return self.currency == other.currency
        return bool(self.counts and other.counts and nouns_agree(self.counts, other.counts))


def numbers_in(text: str, *, include_dates: bool = False) -> list[StatedNumber]:
    """The numbers ``text`` states, in order (at most :data:`MAX_NUMBERS`).

    Digits with ``,`` or space thousands separators and a ``.`` decimal
    point; number words up to twenty, the tens, and ``hundred``,
    ``thousand``, ``million``, ``billion``, ``trillion`` (``two million``,
    ``twenty-five``); a magnitude after the number (``bn``, ``billion``,
    ``m``, ``mn``, ``tn``; ``k`` and ``b`` only after a currency sign); a
    currency before (``£ $ €``, ``GBP``…) or after (``pounds``, ``euros``…);
    a percentage (``%``, ``pc``, ``per cent``, ``percent``, ``percentage
    points``). A lone ``one`` is not a number here (it is usually a
    pronoun), nor is a sign: ``-5%`` is 5%.

    Years and dates are numbers too, but a fact's dates are the curator's
    own (worked out from "on Sunday" and the publication date), so they are
    left out unless ``include_dates``: a bare whole number from 1900 to
    2100, a day next to a month name (``23 June``, ``June 23``), an ordinal
    (``23rd``), and each number of an ISO or numeric date, a time or a span
    of years (``2025-06-23``, ``23/06/2025``, ``10:30``, ``2012-13``).
    """
    normalised = normalise(text)
    flat = normalised.text
    dates = list(_ISO_DATE.finditer(flat))
    date_starts = [match.start() for match in dates]
    found: list[StatedNumber] = []
    for match in _NUMBER.finditer(flat):
        if len(found) >= MAX_NUMBERS:
            break
        number = _read(match, flat)
        if number is None:
            continue
        at = bisect.bisect_right(date_starts, match.start()) - 1
        if at >= 0 and match.start() < dates[at].end():  # part of a date or time
            number = StatedNumber(number.value, number.currency, number.percent, True)
        if number.date and not include_dates:
            continue
        start, end = normalised.original_span(*match.span())
        counts = None if number.currency or number.percent or number.date else counted_noun(flat, match.end())
        found.append(StatedNumber(number.value, number.currency, number.percent, number.date,
                                  normalised.original[start:end], start, end, counts))
    return found


def _read(match: re.Match[str], flat: str) -> StatedNumber | None:
    currency = _currency(match.group("currency"), match.group("money"))
    if match.group("words"):
        words = match.group("words").lower()
        if words == "one" and not (match.group("scale") or match.group("abbreviation")):
            return None
        value = _words_value(words)
        if value is None:
            return None
    else:
        try:
            value = Decimal(re.sub(_SPACE + "|,", "", match.group("digits")))
        except InvalidOperation:
            return None
    scale = match.group("scale")
    abbreviation = (match.group("abbreviation") or match.group("letter") or "").lower()
    if scale:
        for word in re.split(_SPACE, scale.lower()):
            value *= _SCALES[word]
    elif abbreviation:
        if abbreviation in _ABBREVIATED_WITH_CURRENCY_ONLY and currency is None:
            return None  # "5k", "5b": not news copy for a number
        value *= _ABBREVIATED[abbreviation]
    percent = bool(match.group("percent"))
    date = bool(match.group("ordinal"))
    if match.group("digits") and not (currency or percent or scale or abbreviation):
        digits = match.group("digits")
        if digits.isdigit() and len(digits) == 4 and 1900 <= int(digits) <= 2100:
            date = True
        elif digits.isdigit() and len(digits) <= 2 and 1 <= int(digits) <= 31 and (
                _DATE_AFTER.match(flat, match.end())
                or _DATE_BEFORE.search(flat, max(0, match.start() - 12), match.start())):
            date = True
    return StatedNumber(value, currency, percent, date)


def _currency(before: str | None, after: str | None) -> str | None:
    for written in (before, after):
        if written:
            written = written.strip(" \u00a0\u2009\u202f").lower()
            return _SYMBOLS.get(written) or _CODES.get(written) or _CURRENCY_WORDS.get(written)
    return None


def _words_value(words: str) -> Decimal | None:
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", words):
        if word == "and" or not word:
            continue
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word == "hundred":
            current = (current or 1) * 100
            seen = True
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
            seen = True
    return Decimal(total + current) if seen else None


def figure_numbers(value: int | float | str, unit: str | None) -> list[StatedNumber]:
    """The numbers a figure states: its ``value`` read with its ``unit``.

    The unit's currency (``£bn``, ``$``, ``EUR``), magnitude (``bn``,
    ``m``, ``million``…) and percentage (``%``, ``% of GDP``, ``per cent``)
    apply to the value; other words (``countries``, ``of GDP``) say what is
    counted and change nothing. A text value is read like a fact's text
    (``"£2.3bn"``, ``"about 30"``), the unit applying to numbers that do not
    state their own currency, magnitude or percentage.
    """
    currency, scale, percent, noun = _unit_parts(unit or "")
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        try:
            base = Decimal(str(value))
        except InvalidOperation:
            return []
        written = f"{value} {unit or ''}".strip()
        return [StatedNumber(base * scale, currency, percent, written=written, end=len(written),
                             counts=None if currency or percent else noun)]
    numbers = numbers_in(str(value)[:MAX_PASSAGE_CHARS])
    result = []
    for number in numbers:
        plain = number.currency is None and not number.percent and not _has_magnitude(number.written)
        if plain:
            number = StatedNumber(number.value * scale, currency, percent, number.date, number.written,
                                  number.start, number.end, None if currency or percent else number.counts or noun)
        else:
            number = StatedNumber(number.value, number.currency or currency, number.percent or percent,
                                  number.date, number.written, number.start, number.end)
        result.append(number)
    return result


_UNIT_PARTS = re.compile(
    r"^\s*(?P<currency>[£$€]|(?:GBP|USD|EUR)\b)?\s*"
    r"(?:(?P<scale>bn|bln|mn|mln|m|k|tn|trn|thousand|million|billion|trillion)\b)?\s*"
    r"(?P<percent>%|per\s?cent\b|percent\b|pc\b|percentage points\b)?",
    re.IGNORECASE,
)


def _unit_parts(unit: str) -> tuple[str | None, int, bool, str | None]:
    unit = normalise(unit[:MAX_PASSAGE_CHARS]).text  # as the text is: "£\u200bbn" is "£bn"
    match = _UNIT_PARTS.match(unit)
    assert match is not None  # every group is optional
    currency = _currency(match.group("currency"), None)
    rest = unit[match.end():]
    if currency is None:  # "bn pounds", "million euros"
        words = re.search(r"\b(pounds?|sterling|dollars?|euros?)\b", rest, re.IGNORECASE)
        currency = _CURRENCY_WORDS.get(words.group(1).lower()) if words else None
    scale_word = (match.group("scale") or "").lower()
    scale = _SCALES.get(scale_word) or _ABBREVIATED.get(scale_word) or 1
    return currency, scale, bool(match.group("percent")), _unit_noun(rest)


def _has_magnitude(written: str) -> bool:
    return bool(re.search(r"(?i)(?<![a-z])(?:bn|bln|mn|mln|m|k|b|tn|trn|tr|thousand|million|billion|trillion)\b",
                          written))


@functools.lru_cache(maxsize=64)
def _passage_numbers(passage: str) -> tuple[StatedNumber, ...]:
    # A bare year-like number may be a count ("2000 troops"); any other part of a date is a date:
    # "13 June", "13th", "10:30" and "2012-13" do not state 13 ships or 30 drones.
    return tuple(number for number in numbers_in(passage, include_dates=True)
                 if not number.date or _BARE_YEAR.fullmatch(normalise(number.written).text))


_BARE_YEAR = re.compile(r"(?:19|20)\d{2}|2100")


def number_appears(number: StatedNumber, passages: Iterable[str]) -> bool:
    """Whether any of ``passages`` states ``number`` (see :meth:`StatedNumber.same_as`).

    ``£2.3bn`` is stated by ``£2.3 billion``, ``2.3 billion pounds`` and
    ``£2,300m``, not by ``£2.3m`` or ``£2.26bn``; ``2.5%`` by ``2.5 per
    cent``; ``13`` by ``thirteen``; no number by a day, an ordinal, a time
    or a span of years (``13 June``, ``13th``, ``10:30``, ``2012-13``),
    though a bare year-like number (``2000``) may state a count. The numbers
    of each passage are read once and remembered for the next call.
    """
    return any(number.same_as(stated) for passage in passages for stated in _passage_numbers(passage))


def same_kind_stated(numbers: Iterable[StatedNumber], passages: Iterable[str], *, limit: int = 5) -> list[str]:
    """How ``passages`` write the numbers they state of the same kind as one of ``numbers``
    (:meth:`StatedNumber.same_kind`: an amount in its currency, a percentage, a count of the same noun),
    at most ``limit`` of them, each once: what a number not stated there is contradicted by."""
    numbers = list(numbers)
    passages = list(passages)
    found: list[str] = []
    for number in numbers:
        for passage in passages:
            for stated in numbers_in(passage):
                if number.same_kind(stated) and stated.shown not in found:
                    found.append(stated.shown)
    return found[:limit]
