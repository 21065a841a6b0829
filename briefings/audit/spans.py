"""Where a reference's own text stands in a shared archived file (an aggregator page), and that part alone.

Contract: :func:`locate_span` finds a reference's ``span:`` (a start marker
and an end marker, :class:`~briefings.project.schema.Span`) in the
normalised text of its archive and gives the part from the start of the
start marker to the end of the end marker (:func:`restricted`), or the
problem (a marker not found, found more than once, or the end before the
start). Markers are matched like passages (:func:`briefings.audit.match.find_passage`):
after :func:`~briefings.audit.normalise.normalise`, as whole words, and
each must stand exactly once in the whole file (so that it names one place
whatever else the page carries); the end marker must stand after the end of
the start marker. The part keeps the map back to the whole file, so offsets found in it
are offsets in the whole archived text. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefings.audit.match import is_boundary
from briefings.audit.normalise import NormalisedText, normalise

#: A marker standing inside longer words more often than this is looked at no further (bounded work).
_MAX_CANDIDATES = 10_000


@dataclass(frozen=True)
class SpanProblem:
    """Why a span could not be found: ``code`` is the warning code, ``message`` the words."""

    message: str
    code: str


def _places(marker: str, text: NormalisedText, low: int, high: int, wanted: int = 2) -> list[int]:
    """Up to ``wanted`` places (normalised offsets) ``marker`` stands as whole words in ``text[low:high]``."""
    needle = normalise(marker).text
    places: list[int] = []
    if not needle:
        return places
    candidates = _MAX_CANDIDATES
    index = text.text.find(needle, low, high)
    while index >= 0 and candidates > 0 and len(places) < wanted:
        if is_boundary(text, index) and is_boundary(text, index + len(needle)):
            places.append(index)
        candidates -= 1
        index = text.text.find(needle, index + 1, high)
    return places


def locate_span(text: NormalisedText, start: str | None, end: str | None) -> tuple[int, int] | SpanProblem:
    """The normalised ``[low, high)`` of the span from ``start`` to ``end`` (either may be None: from the start,
    or to the end, of the text), or the problem; see the module docstring."""
    low, high = 0, len(text.text)
    if start is not None:
        places = _places(start, text, 0, len(text.text))
        if not places:
            return SpanProblem(f"the start marker \"{start}\" is not in the archived text", "span-marker-not-found")
        if len(places) > 1:
            return SpanProblem(f"the start marker \"{start}\" stands more than once in the archived text: "
                               "make it longer, so that it names one place", "span-marker-ambiguous")
        low = places[0]
    if end is not None:
        needle = len(normalise(end).text)
        places = _places(end, text, 0, len(text.text))
        if not places:
            return SpanProblem(f"the end marker \"{end}\" is not in the archived text", "span-marker-not-found")
        if len(places) > 1:
            return SpanProblem(f"the end marker \"{end}\" stands more than once in the archived text: "
                               "make it longer, so that it names one place", "span-marker-ambiguous")
        high = places[0] + needle
        if start is not None and places[0] < low + len(normalise(start).text):
            return SpanProblem(f"the end marker \"{end}\" stands before the end of the start marker \"{start}\"",
                               "span-end-before-start")
    return low, high


def restricted(text: NormalisedText, low: int, high: int) -> NormalisedText:
    """The normalised ``text[low:high]``, still mapped to the whole original (offsets stay the whole file's)."""
    return NormalisedText(text.text[low:high], text.original, text.starts[low:high], text.ends[low:high])


__all__ = ["SpanProblem", "locate_span", "restricted"]
