"""Admiralty (NATO) grades: how reliable a fact's sources are and how credible the fact is.

Contract: :func:`combined_grade` gives a fact's grade (``B2``) from its
sources' reliability letters and its credibility digit; a fact resting only
on sources graded :data:`WEAK_GRADES` is "low reliability". Corroboration
counts independent sources, not references (:func:`independent_sources`:
two references of one agency's copy are one source), and credibility 1
("confirmed by other sources") needs two of them able to confirm it
(:func:`confirming_sources`: not graded E or F, nor ungraded). Pure.
"""

from __future__ import annotations

#: Grades with which a fact resting only on them is "low reliability" (as the loader's warning says).
WEAK_GRADES = frozenset({"D", "E", "F"})
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


#: Grades whose sources cannot confirm a fact (credibility 1): E unreliable, and F, whose reliability cannot be
#: judged (a source that cannot be judged confirms nothing); a source without a grade cannot either.
NOT_CONFIRMING = frozenset({"E", "F"})


def independent_sources(sources: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``(reference id, source key)`` pairs grouped by source key (the agency whose copy it is, or else the
    outlet: :attr:`briefings.project.schema.Reference.source_key`): each group is one independent source,
    however many references it has. Groups and their references keep their first order."""
    groups: dict[str, list[str]] = {}
    for reference, key in sources:
        groups.setdefault(key, [])
        if reference not in groups[key]:
            groups[key].append(reference)
    return groups


def confirming_sources(sources: list[tuple[str, str, str | None]]) -> list[str]:
    """The independent sources (source keys) able to confirm a fact, from ``(reference id, source key,
    reliability)``: a group counts when one of its references is graded A to D."""
    able = [(reference, key) for reference, key, grade in sources if grade is not None and grade not in NOT_CONFIRMING]
    return list(independent_sources(able))
