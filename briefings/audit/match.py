"""Finding a passage (a quotation) in an archived text as whole words, or else the closest passage.

Contract: :func:`find_passage` finds a passage in an archived text, exactly
after :func:`briefings.audit.normalise.normalise` and as whole words (it
starts and ends where the archive's words and numbers do,
:func:`is_boundary`: ``likely`` is not in "unlikely", nor ``13`` in "130"),
and reports it as a :class:`Match`, ``[start, end)`` offsets in the original
text; :func:`closest_passage` finds the nearest passage when there is no
such one, for the error message, in bounded time. Pure functions.

Everything is bounded: archives are looked at only up to
:data:`~briefings.audit.normalise.MAX_TEXT_CHARS`, passages beyond
:data:`~briefings.audit.normalise.MAX_PASSAGE_CHARS` are never found (nor
one standing inside longer words too many times before it stands as whole
words), and :func:`closest_passage` compares a bounded number of places.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from array import array
from dataclasses import dataclass

from briefings.audit.normalise import MAX_PASSAGE_CHARS, MAX_TEXT_CHARS, NormalisedText, normalise
from briefings.audit.numbers import inside_number

#: :func:`closest_passage` compares at most this many words of the passage ...
_CLOSEST_MAX_WORDS = 200
#: ... from at most this many anchor words, each at most this many places in the archive.
_CLOSEST_ANCHORS = 8
_CLOSEST_PLACES = 40


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
    needle = _normalised_passage(passage)
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
    :func:`~briefings.audit.numbers.numbers_in` reads it, nor between a number and its sign, currency
    or percent sign ("13.5", "130,000", "50 000", "£2.3 billion", "2.5 per
    cent", "two million", "-5", "₴40bn", "5%"); not inside what one
    character of the original became ("ﬁ", "…"). Invisible characters were
    dropped by :func:`~briefings.audit.normalise.normalise`, so they join what stands either side. The
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
    return not inside_number(flat, index)


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



_WORD = re.compile(r"\w+")


class WordIndex:
    """The words of a normalised archive, lower-cased, and the places each stands: made once per archive,
    so that :func:`closest_passage` costs about the same however long the archive is."""

    def __init__(self, text: NormalisedText):
        self.text = text
        #: The archive's words (``\w+``), lower-cased, in order.
        self.words: list[str] = [word.lower() for word in _WORD.findall(text.text)]
        #: Each word's places, as indexes of :attr:`words`, in order.
        self.places: dict[str, list[int]] = {}
        for number, word in enumerate(self.words):
            found = self.places.get(word)
            if found is None:
                self.places[word] = [number]
            else:
                found.append(number)
        self._starts: array | None = None
        self._ends = array("q")

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Where words ``first`` to ``last - 1`` stand in the normalised text: ``[start, end)``."""
        if self._starts is None:  # wanted only for a closest passage: worked out at the first
            self._starts = array("q")
            for match in _WORD.finditer(self.text.text):
                self._starts.append(match.start())
                self._ends.append(match.end())
        return self._starts[first], self._ends[last - 1]


def closest_passage(passage: str, archive: str | NormalisedText | WordIndex) -> tuple[str, float]:
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
    the passage are compared. ``archive`` may be given as a :class:`WordIndex`,
    to look for many passages in one document.
    """
    haystack = archive.text if isinstance(archive, WordIndex) else _normalised(archive)
    needle = _normalised_passage(passage[:MAX_PASSAGE_CHARS])
    wanted = [word.lower() for word in _WORD.findall(needle)]
    if not wanted:
        return "", 0.0
    at = haystack.text.find(needle)
    if at >= 0:
        low, high = _widened(haystack, at, at + len(needle))
        found = [word.lower() for word in _WORD.findall(haystack.text[low:high])]
        # The two differ only at their ends: those are compared (the words between are the same).
        half = _CLOSEST_MAX_WORDS // 2
        if len(found) > _CLOSEST_MAX_WORDS and len(wanted) > _CLOSEST_MAX_WORDS:
            found, wanted = found[:half] + found[-half:], wanted[:half] + wanted[-half:]
        ratio = difflib.SequenceMatcher(None, found, wanted, autojunk=False).ratio()
        start, end = haystack.original_span(low, high)
        return haystack.original[start:end], round(ratio, 3)
    wanted = wanted[:_CLOSEST_MAX_WORDS]
    index = archive if isinstance(archive, WordIndex) else WordIndex(haystack)
    words = index.words
    # Each word's first places in the archive, counted up to a bound (enough to tell the rarest).
    places = {word: index.places.get(word, [])[:_CLOSEST_PLACES * 4 + 1] for word in wanted}
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
        for place in places[word][:_CLOSEST_PLACES]:
            starts.add(max(0, place - first_position[word]))
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
    start, end = haystack.original_span(*index.span(first, last))
    return haystack.original[start:end], round(ratio, 3)


@functools.lru_cache(maxsize=256)
def _normalised_passage(passage: str) -> str:
    """The passage's normalised text, remembered: :func:`closest_passage` looks for what :func:`find_passage`
    did not find."""
    return normalise(passage).text


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

