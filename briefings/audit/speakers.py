"""Whether a quote's speaker is named where the quote stands in the archive: attribution, not only text.

Contract: :func:`speaker_names` gives the names a quote's speaker may go by
(the ``speaker`` field up to its first comma, that name's last word when it
is capitalised, and the curator's ``speaker_aliases``);
:func:`confirm_speaker` looks at every place the quote stands in an archived
text (as whole words, :func:`briefings.audit.match.find_passage`) and
returns the name found near one of them, or None. Pure functions.

*Near* is the quote's **attribution window**: the sentence the quote starts
in, through the end of the sentence it ends in, and the one sentence before.
A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotation marks
or brackets) followed by white space and not by a lower-case letter (``the U.S. should`` goes on), or at
a line break. When the quote
itself ends a sentence (``…strong US backing.”``) its sentence is taken to
run on to the next end, so that ``… backing.” Starmer said.`` is inside.
The window is cut at :data:`WINDOW_CHARS` characters either side of the
quote. A name is found there as whole words, without regard to case,
white space or the kind of apostrophe (``Starmer`` in "Starmer’s office").

The examples that motivate the window: ``"… crossroads in history", Keir
Starmer said`` (same sentence); ``Sir Keir told the soldiers. "I'm really
proud …"`` (the sentence before, with the alias "Sir Keir"); ``Mr Zelensky
said … He added: "…"`` (the sentence before, by surname).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from briefings.audit.match import find_passage

#: The attribution window reaches at most this many characters before the quote and after it.
WINDOW_CHARS = 600
#: At most this many places where the quote stands are looked at.
MAX_OCCURRENCES = 50

_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?![a-z])|\n")
_CLOSING = re.compile(r"[\"'\u201d\u2019)\]]*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def speaker_names(speaker: str, aliases: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The names to look for: ``Keir Starmer, UK prime minister`` gives "Keir Starmer" and "Starmer"."""
    name = speaker.split(",", 1)[0].strip()
    names = [name] if name else []
    words = name.split()
    if len(words) > 1 and words[-1][:1].isupper() and len(words[-1]) > 2:
        names.append(words[-1])
    names.extend(alias.strip() for alias in aliases if alias.strip())
    return list(dict.fromkeys(names))


def _name_pattern(names: list[str]) -> re.Pattern[str]:
    alternatives = ["\\s+".join(re.escape(word) for word in name.translate(_APOSTROPHES).split())
                    for name in sorted(names, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def _occurrences(passage: str, text: str, first: tuple[int, int] | None) -> Iterator[tuple[int, int]]:
    """Every place (not overlapping, at most :data:`MAX_OCCURRENCES`) ``passage`` stands in ``text``, found
    lazily: the places after the first are searched for only when the first does not name the speaker."""
    offset = 0
    for _ in range(MAX_OCCURRENCES):
        if first is not None:
            found, first = first, None
        else:
            match = find_passage(passage, text[offset:] if offset else text)
            if match is None:
                return
            found = (offset + match.start, offset + match.end)
        yield found
        # A passage may start where the previous one ended: that is a boundary of the whole text too.
        offset = max(found[1], found[0] + 1)


def attribution_window(text: str, start: int, end: int) -> tuple[int, int]:
    """``[low, high)`` of ``text``: the sentence before the quote at ``[start, end)`` through its own end."""
    floor = max(0, start - WINDOW_CHARS)
    ends = [match.end() for match in _SENTENCE_END.finditer(text, floor, start)]
    # ends[-1] starts the quote's sentence, ends[-2] the sentence before it.
    low = ends[-2] if len(ends) >= 2 else floor
    ceiling = min(len(text), end + WINDOW_CHARS)
    after = _CLOSING.match(text, end).end()
    if end > 0 and text[end - 1] in ".!?":
        # The quote ends its own sentence: the attribution that follows ('… backing." Starmer said.') counts.
        after = re.compile(r"\s*").match(text, after).end()
    following = _SENTENCE_END.search(text, after, ceiling)
    high = following.start() + 1 if following else ceiling
    return low, max(high, end)


def confirm_speaker(passage: str, text: str, names: list[str],
                    first: tuple[int, int] | None = None) -> str | None:
    """The name (as the archive writes it) found in the attribution window of some place ``passage`` stands
    in ``text``, or None. ``first``: where the first place is, when already known (the search starts there).
    Places are looked at in order until one names the speaker, so a quote confirmed at its first place costs
    no search of the rest of the text."""
    if not names:
        return None
    pattern = _name_pattern(names)
    for start, end in _occurrences(passage, text, first):
        low, high = attribution_window(text, start, end)
        window = text[low:high].translate(_APOSTROPHES)
        # The quote's own words are no attribution: a name inside the quotation is blanked out.
        window = window[:start - low] + " " * (end - start) + window[end - low:]
        named = pattern.search(window)
        if named:
            return " ".join(text[low + named.start():low + named.end()].split())
    return None


__all__ = ["MAX_OCCURRENCES", "WINDOW_CHARS", "attribution_window", "confirm_speaker", "speaker_names"]
