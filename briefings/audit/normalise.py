"""Text normalised for comparison, with a map back to the original: the ground every check of the audit stands on.

Contract: :func:`normalise` folds only the differences that copying text
between a web page, a PDF and a YAML file introduces, and keeps a map back
to the original (:class:`NormalisedText`): typographic quotes and
apostrophes become ``'`` and ``"``, dash variants ``-``, any run of white
space (line breaks, non-breaking and thin spaces) one space, soft hyphens
and the other invisible characters (zero-width spaces and joiners, the word
joiner, the byte-order mark…) disappear, so that a word with one inside
stays one word, and the rest is Unicode NFKC, except that superscripts,
subscripts and vulgar fractions are only NFC'd.

NFKC rather than NFC because ligatures (``ﬁ``), full-width forms, the
ellipsis character and compatibility spaces are presentation, not words;
superscripts and fractions are kept because NFKC would turn ``10²`` into
``102`` and ``1½`` into ``11⁄2``, which change numbers. Case is never
folded. Each character is normalised with the combining marks that follow
it, so offsets always fall between whole characters of the original.

The bounds on what is compared live here, since every text is normalised
before it is compared: a document is looked at only up to
:data:`MAX_TEXT_CHARS`, and a passage (a quotation, a figure's value or
unit) is cut at, or if longer never found at, :data:`MAX_PASSAGE_CHARS`
(:mod:`briefings.audit.match`, :mod:`briefings.audit.numbers`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from dataclasses import dataclass

#: The longest text (an archived document) looked at, in characters.
MAX_TEXT_CHARS = 4_000_000
#: The longest passage (a quotation) looked for, in characters.
MAX_PASSAGE_CHARS = 10_000

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
