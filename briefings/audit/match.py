"""Checking what a fact says against the text of the document it cites: pure functions, bounded work.

Contract:

* :func:`normalise` folds only the differences that copying text between a
  web page, a PDF and a YAML file introduces, and keeps a map back to the
  original: typographic quotes and apostrophes become ``'`` and ``"``, dash
  variants ``-``, any run of white space (line breaks, non-breaking and thin
  spaces) one space, soft hyphens and the other invisible characters
  (zero-width spaces and joiners, the word joiner, the byte-order mark…)
  disappear, so that a word with one inside stays one word, and the rest is
  Unicode NFKC, except that superscripts, subscripts and vulgar fractions
  are only NFC'd.
  NFKC rather than NFC because ligatures (``ﬁ``), full-width forms, the
  ellipsis character and compatibility spaces are presentation, not words;
  superscripts and fractions are kept because NFKC would turn ``10²`` into
  ``102`` and ``1½`` into ``11⁄2``, which change numbers. Case is never
  folded. Each character is normalised with the combining marks that follow
  it, so offsets always fall between whole characters of the original.
* :func:`find_passage` finds a passage (a quotation) in an archived text,
  exactly after normalisation and as whole words (it starts and ends where
  the archive's words and numbers do, :func:`is_boundary`: ``likely`` is
  not in "unlikely", nor ``13`` in "130"), and reports it as ``[start,
  end)`` offsets in the original text; :func:`closest_passage` finds the
  nearest passage when there is no such one, for the error message, in
  bounded time.
* :func:`numbers_in` lists the numbers a text states (``£2.3bn``,
  ``2.5 per cent``, ``50,000``, ``thirteen``, ``two million``) by value,
  :func:`figure_numbers` those of a figure's value and unit, and
  :func:`number_appears` tells whether a number is stated in any of some
  passages, allowing for how news copy writes numbers. See
  :func:`numbers_in` for what is not checked (years and dates).
* :func:`combined_grade` gives a fact's Admiralty grade (``B2``).

Everything is bounded: texts longer than :data:`MAX_TEXT_CHARS` are looked
at only up to that length, passages beyond :data:`MAX_PASSAGE_CHARS` are
never found (nor one standing inside longer words too many times before it
stands as whole words), and at most :data:`MAX_NUMBERS` numbers are read
from a text.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: The longest text (an archived document) looked at, in characters.
MAX_TEXT_CHARS = 4_000_000
#: The longest passage (a quotation) looked for, in characters.
MAX_PASSAGE_CHARS = 10_000
#: At most this many numbers are read from one text.
MAX_NUMBERS = 10_000
#: :func:`closest_passage` compares at most this many words of the passage ...
_CLOSEST_MAX_WORDS = 200
#: ... from at most this many anchor words, each at most this many places in the archive.
_CLOSEST_ANCHORS = 8
_CLOSEST_PLACES = 40

# -- normalisation ---------------------------------------------------------------------------------

_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
}
_DASHES = {character: "-" for character in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
#: Unicode's default-ignorable code points (DerivedCoreProperties.txt): the soft hyphen, zero-width
#: spaces and joiners, the word joiner, bidirectional marks, variation selectors, the byte-order
#: mark... They are invisible, so a word with one inside is still one word ("un\u200blikely").
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
_KEEP_COMPATIBILITY = ("<super>", "<sub>", "<fraction>")
# Characters that need no normalisation at all: printable ASCII other than space.
_PLAIN_RUN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, for each of its characters, the span of the original it came from."""

    text: str
    original: str
    #: starts[i], ends[i]: the original characters [start, end) that normalised character i came from.
    starts: array
    ends: array

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` that the normalised ``[start, end)`` (not empty) came from."""
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> NormalisedText:
    """``text`` normalised as the module docstring says, with the map back to it (only the first
    :data:`MAX_TEXT_CHARS` characters are looked at)."""
    original = text
    text = text[:MAX_TEXT_CHARS]
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    space_pending = False  # a run of white space is written as one space before the next character
    space_span = (0, 0)
    length = len(text)
    position = 0
    while position < length:
        plain = _PLAIN_RUN.match(text, position)
        end = plain.end() if plain else position
        if end < length and unicodedata.combining(text[end]):
            end -= 1  # the last character goes with the combining marks after it
        if end > position:
            if space_pending:
                if out:  # leading white space is dropped
                    out.append(" ")
                    starts.append(space_span[0])
                    ends.append(space_span[1])
                space_pending = False
            out.append(text[position:end])
            starts.extend(range(position, end))
            ends.extend(range(position + 1, end + 1))
            position = end
            continue
        # One character with the combining marks that follow it.
        end = position + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        unit = text[position:end]
        for character in _normalise_unit(unit):
            if character.isspace():
                if not space_pending:
                    space_pending = True
                    space_span = (position, end)
                else:
                    space_span = (space_span[0], end)
                continue
            if space_pending:
                if out:  # leading white space is dropped
                    out.append(" ")
                    starts.append(space_span[0])
                    ends.append(space_span[1])
                space_pending = False
            out.append(character)
            starts.append(position)
            ends.append(end)
        position = end
    # Trailing white space is dropped.
    return NormalisedText("".join(out), original, starts, ends)


@functools.lru_cache(maxsize=4096)
def _normalise_unit(unit: str) -> str:
    first = unit[0]
    if first in _QUOTES:
        return _QUOTES[first] + unicodedata.normalize("NFC", unit[1:])
    if first in _DASHES:
        return "-" + unicodedata.normalize("NFC", unit[1:])
    if _INVISIBLE.match(first):
        return ""
    form = "NFC" if unicodedata.decomposition(first).startswith(_KEEP_COMPATIBILITY) else "NFKC"
    result = unicodedata.normalize(form, unit)
    # NFKC may produce characters that the tables fold (U+2011 becomes U+2010, a space).
    return "".join(_QUOTES.get(c, _DASHES.get(c, " " if c.isspace() else c)) for c in result
                   if not _INVISIBLE.match(c))


# -- passages --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    """Where a passage stands in the original archived text: ``original[start:end] == text``."""

    start: int
    end: int
    text: str


def _normalised(archive: str | NormalisedText) -> NormalisedText:
    return archive if isinstance(archive, NormalisedText) else normalise(archive)


def find_passage(passage: str, archive: str | NormalisedText) -> Match | None:
    """The first place ``passage`` stands in ``archive`` as whole words, equal after :func:`normalise`, or None.

    Whole words: the passage must start and end where the archive's words
    and numbers do (:func:`is_boundary`), so that ``likely that troops will
    be sent`` is not found in "it is unlikely that troops will be sent", nor
    ``confirmed 13`` in "confirmed 130 ships"; punctuation may stand at
    either end (``"We are``, ``will be sent.``). ``archive`` may be given
    already normalised, to look for many passages in one document. An empty
    passage, or one longer than :data:`MAX_PASSAGE_CHARS`, is never found;
    nor, to keep the work bounded, is one that stands inside longer words
    more than 10,000 times before it stands as whole words (fewer times for
    a long passage: 10 million characters' worth of them).
    """
    if len(passage) > MAX_PASSAGE_CHARS:
        return None
    needle = normalise(passage).text
    if not needle:
        return None
    haystack = _normalised(archive)
    # Each place the passage stands costs about its length to confirm: the budget bounds the total.
    candidates = max(1, min(_MAX_CANDIDATES, _CANDIDATE_CHARS // len(needle)))
    index = haystack.text.find(needle)  # linear: CPython uses the two-way algorithm for long needles
    while index >= 0 and candidates > 0:
        if is_boundary(haystack, index) and is_boundary(haystack, index + len(needle)):
            start, end = haystack.original_span(index, index + len(needle))
            return Match(start, end, haystack.original[start:end])
        candidates -= 1
        index = haystack.text.find(needle, index + 1)
    return None


#: :func:`find_passage` looks at most at this many places where the passage stands inside longer words ...
_MAX_CANDIDATES = 10_000
#: ... and at most this many characters' worth of them (places times the passage's length).
_CANDIDATE_CHARS = 10_000_000
#: A number is looked for this far before a place ("one hundred and fifty thousand" is 30 characters).
_NUMBER_REACH = 48
#: :func:`closest_passage` widens a place to whole words at most this far either way, in characters.
_WIDEN_CHARS = 100
# Hyphens join the words either side ("non-binding"); other dashes (en, em, minus) separate them.
_HYPHENS = frozenset("-\u2010\u2011\ufe63\uff0d")
# Between two digits these are part of one number: "13.5", "130,000", "10:30", "24/7".
_NUMBER_JOINERS = frozenset(".,:/")
_SIGNS = frozenset("+-\u00b1")
_AFTER_DIGITS = frozenset("%\u2030\u2031\u00b0")
# Scripts written without spaces between words: there, any two characters may be a word boundary.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua000-\ua4cf\uf900-\ufaff\U00020000-\U0003ffff]")


def _word_character(character: str) -> bool:
    return character.isalnum() or character == "_" or unicodedata.category(character)[0] == "M"


def is_boundary(text: NormalisedText, index: int) -> bool:
    """Whether a passage may start or end at ``index`` of the normalised ``text``: not inside a word or number.

    Not between two letters or digits (nor a letter and its combining mark);
    not next to a hyphen, or an apostrophe between letters, that joins two
    words into one ("non-binding", "can't"); not inside a number as
    :func:`numbers_in` reads it, nor between a number and its sign, currency
    or percent sign ("13.5", "130,000", "50 000", "£2.3 billion", "2.5 per
    cent", "two million", "-5", "₴40bn", "5%"); not inside what one
    character of the original became ("ﬁ", "…"). Invisible characters were
    dropped by :func:`normalise`, so they join what stands either side. The
    start and the end of the text are boundaries (the end only when the text
    was not cut at :data:`MAX_TEXT_CHARS` in the middle of a word).
    """
    flat = text.text
    if index <= 0:
        return True
    if index >= len(flat):
        # A text cut at MAX_TEXT_CHARS goes on after its last character.
        return len(text.original) <= MAX_TEXT_CHARS or not _word_character(text.original[text.ends[-1]])
    if text.starts[index - 1] == text.starts[index]:
        return False  # both come from one character of the original ("ﬁ" became "fi")
    before, after = flat[index - 1], flat[index]
    if _word_character(before) and _word_character(after):
        return bool(_UNSPACED.match(before) or _UNSPACED.match(after))
    if _joins(text, index - 1) or _joins(text, index):
        return False
    if before.isdigit() and (after in _AFTER_DIGITS or unicodedata.category(after) == "Sc"):
        return False
    if after.isdigit() and unicodedata.category(before) == "Sc":
        return False
    if after.isdigit() and before in _SIGNS and (index < 2 or not _word_character(flat[index - 2])):
        return False  # a sign: "-5" (a minus sign, "−5", has been folded to "-5")
    return not _inside_number(flat, index)


def _joins(text: NormalisedText, at: int) -> bool:
    """Whether the character at ``at`` joins the characters either side into one word or number."""
    flat = text.text
    if at <= 0 or at + 1 >= len(flat):
        return False
    before, character, after = flat[at - 1], flat[at], flat[at + 1]
    if character == "-":
        return (text.original[text.starts[at]] in _HYPHENS and _word_character(before)
                and _word_character(after))
    if character == "'":
        return before.isalpha() and after.isalpha()
    return character in _NUMBER_JOINERS and before.isdigit() and after.isdigit()


def _inside_number(flat: str, index: int) -> bool:
    """Whether ``index`` falls inside a number of ``flat`` as :func:`numbers_in` reads it ("50| 000",
    "£2.3| billion", "two| million"), looking only near it: no number is longer than :data:`_NUMBER_REACH`."""
    for match in _NUMBER.finditer(flat, max(0, index - _NUMBER_REACH), min(len(flat), index + 2 * _NUMBER_REACH)):
        if match.start() >= index:
            return False
        if match.end() > index:
            return True
    return False


_WORD = re.compile(r"\w+")


def closest_passage(passage: str, archive: str | NormalisedText) -> tuple[str, float]:
    """The passage of ``archive`` nearest to ``passage`` (as it stands in the original), and how near.

    The ratio, from 0 to 1, is difflib's over the two passages' words
    compared without regard to case or punctuation (a 40-word quotation with
    one word changed scores about 0.97). ``("", 0.0)`` when no word of the
    passage occurs in the archive. When the passage's characters do stand in
    the archive, but not as whole words (``likely`` in "unlikely", ``13`` in
    "130"), the nearest passage is that place widened to whole words
    (:func:`is_boundary`), which shows the difference. The work is bounded:
    candidate windows are placed around at most 8 of the passage's rarest
    words in the archive, at most 40 places each, and at most 200 words of
    the passage are compared.
    """
    haystack = _normalised(archive)
    needle = normalise(passage[:MAX_PASSAGE_CHARS]).text
    wanted = [word.lower() for word in _WORD.findall(needle)]
    if not wanted:
        return "", 0.0
    index = haystack.text.find(needle)
    if index >= 0:
        low, high = _widened(haystack, index, index + len(needle))
        found = [word.lower() for word in _WORD.findall(haystack.text[low:high])]
        # The two differ only at their ends: those are compared (the words between are the same).
        half = _CLOSEST_MAX_WORDS // 2
        if len(found) > _CLOSEST_MAX_WORDS and len(wanted) > _CLOSEST_MAX_WORDS:
            found, wanted = found[:half] + found[-half:], wanted[:half] + wanted[-half:]
        ratio = difflib.SequenceMatcher(None, found, wanted, autojunk=False).ratio()
        start, end = haystack.original_span(low, high)
        return haystack.original[start:end], round(ratio, 3)
    wanted = wanted[:_CLOSEST_MAX_WORDS]
    tokens = [(match.group().lower(), match.start(), match.end()) for match in _WORD.finditer(haystack.text)]
    words = [token[0] for token in tokens]
    places: dict[str, list[int]] = {word: [] for word in wanted}
    for index, word in enumerate(words):
        found = places.get(word)
        if found is not None and len(found) <= _CLOSEST_PLACES * 4:
            found.append(index)
    first_position = {}
    for position, word in enumerate(wanted):
        first_position.setdefault(word, position)
    # The rarest words first, longer words before shorter among equally rare ones.
    anchors = sorted((word for word in places if places[word]), key=lambda w: (len(places[w]), -len(w)))
    anchors = anchors[:_CLOSEST_ANCHORS]
    if not anchors:
        return "", 0.0
    slack = max(3, len(wanted) // 5)
    starts: set[int] = set()
    for word in anchors:
        for index in places[word][:_CLOSEST_PLACES]:
            starts.add(max(0, index - first_position[word]))
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)
    best: tuple[float, int, int] = (0.0, 0, 0)
    candidates = []
    for start in sorted(starts):
        low, high = max(0, start - slack), min(len(words), start + len(wanted) + slack)
        matcher.set_seq1(words[low:high])
        candidates.append((matcher.quick_ratio(), low, high))
    candidates.sort(key=lambda item: -item[0])
    for _, low, high in candidates[:20]:
        matcher.set_seq1(words[low:high])
        blocks = [block for block in matcher.get_matching_blocks() if block.size]
        if not blocks:
            continue
        first, last = low + blocks[0].a, low + blocks[-1].a + blocks[-1].size
        matcher.set_seq1(words[first:last])
        ratio = matcher.ratio()
        if ratio > best[0]:
            best = (ratio, first, last)
    ratio, first, last = best
    if ratio == 0.0:
        return "", 0.0
    start, end = haystack.original_span(tokens[first][1], tokens[last - 1][2])
    return haystack.original[start:end], round(ratio, 3)


def _widened(text: NormalisedText, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` of the normalised ``text`` widened to the nearest boundaries (:func:`is_boundary`),
    at most :data:`_WIDEN_CHARS` characters either way."""
    low = start
    while low > max(0, start - _WIDEN_CHARS) and not is_boundary(text, low):
        low -= 1
    high = end
    while high < min(len(text.text), end + _WIDEN_CHARS) and not is_boundary(text, high):
        high += 1
    return low, high


# -- numbers ---------------------------------------------------------------------------------------

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

    def same_as(self, other: StatedNumber) -> bool:
        """Whether ``other`` states this number: equal value, both or neither a percentage, and the
        same currency when both state one."""
        if self.value != other.value or self.percent != other.percent:
            return False
        return self.currency is None or other.currency is None or self.currency == other.currency


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
        found.append(StatedNumber(number.value, number.currency, number.percent, number.date,
                                  normalised.original[start:end], start, end))
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
    currency, scale, percent = _unit_parts(unit or "")
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        try:
            base = Decimal(str(value))
        except InvalidOperation:
            return []
        written = f"{value} {unit or ''}".strip()
        return [StatedNumber(base * scale, currency, percent, written=written, end=len(written))]
    numbers = numbers_in(str(value)[:MAX_PASSAGE_CHARS])
    result = []
    for number in numbers:
        plain = number.currency is None and not number.percent and not _has_magnitude(number.written)
        if plain:
            number = StatedNumber(number.value * scale, currency, percent, number.date, number.written,
                                  number.start, number.end)
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


def _unit_parts(unit: str) -> tuple[str | None, int, bool]:
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
    return currency, scale, bool(match.group("percent"))


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


# -- grades ----------------------------------------------------------------------------------------

_RELIABILITY_ORDER = "ABCDE"


def combined_grade(reliabilities: list[str | None], credibility: int | None) -> str | None:
    """The Admiralty (NATO) grade of a fact: its best source's reliability letter, then its credibility.

    Every source a fact lists is meant to support it, so the fact is as
    reliable as the most reliable of them: the best of the letters A to E
    (A best) counts; F ("cannot be judged") only when no source has another
    letter. Sources without a grade are left out. The credibility digit (1
    confirmed by other sources ... 5 improbable, 6 cannot be judged) is the
    curator's judgement of the information itself. The grade is both parts
    (``"B2"``), or None when either is missing. A letter other than A-F or
    a digit other than 1-6 is a ValueError.
    """
    for letter in reliabilities:
        if letter is not None and letter not in "ABCDEF" or letter == "":
            raise ValueError(f"reliability {letter!r} is not a grade from A to F")
    if credibility is not None and (isinstance(credibility, bool) or credibility not in range(1, 7)):
        raise ValueError(f"credibility {credibility!r} is not a digit from 1 to 6")
    graded = [letter for letter in reliabilities if letter]
    if not graded or credibility is None:
        return None
    judged = [letter for letter in graded if letter in _RELIABILITY_ORDER]
    best = min(judged, key=_RELIABILITY_ORDER.index) if judged else "F"
    return f"{best}{credibility}"
