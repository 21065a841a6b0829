"""Whether a fact's text and its evidence agree in polarity: "agreed" is not supported by "refused".

Contract: :func:`polarity_mismatch` compares a fact's text with its evidence
passages and returns the two phrases that disagree, or None. Pure.

Words come in opposed pairs of families (:data:`OPPOSITES`: agreed /
refused, rejected, declined; accepted / rejected; succeeded / failed;
confirmed / denied; approved / rejected, blocked, vetoed…). A word of one
side preceded, within three words, by a negation (not, never, no, n't,
neither, nor) counts as the other side ("did not agree" is a refusal). The
text and the evidence disagree when, for some pair, the text has one side
and no evidence passage has it, while an evidence passage has the other:
``agreed`` in the text against ``refused`` in the evidence, ``did not agree``
against ``agreed``. Only these families are compared: a negation of any
other word ("will not send" against "will send") is not looked at, since an
evidence passage often negates something else than the fact does. Rewording
that keeps the polarity ("accepted" for "agreed") is no mismatch.
"""

from __future__ import annotations

import re

#: Each entry: (one side's word stems, the other side's).
OPPOSITES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("agree", "accept", "approv", "endors", "back", "support", "sign"),
     ("refus", "reject", "declin", "oppos", "veto", "block", "disagree")),
    (("succeed", "success", "manag"), ("fail",)),
    (("confirm", "admit", "acknowledg"), ("den", "deni")),
    (("allow", "permit"), ("forbid", "forbad", "ban", "prohibit")),
)
_NEGATIONS = frozenset({"not", "never", "no", "neither", "nor", "cannot", "without"})
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019]t)?")
_DENY = re.compile(r"^(?:den(?:y|ies|ied|ying)|denial)$")


def _side(word: str) -> tuple[int, int] | None:
    """(pair index, side 0 or 1) of a word, or None."""
    for index, (first, second) in enumerate(OPPOSITES):
        for side, stems in enumerate((first, second)):
            for stem in stems:
                if stem in ("den", "deni"):
                    if _DENY.match(word):
                        return index, side
                elif word.startswith(stem):
                    return index, side
    return None


def _negation_before(words: list[str], at: int) -> int | None:
    """Where a negation stands within the three words before ``at`` (the first of them), or None."""
    for index in range(max(0, at - 3), at):
        if words[index] in _NEGATIONS or words[index].endswith(("n't", "n\u2019t")):
            return index
    return None


def _marks(text: str) -> dict[tuple[int, int], str]:
    """Each (pair, side) the text states, with the phrase that states it (a negation with its word)."""
    words = [word.lower() for word in _WORD.findall(text)]
    found: dict[tuple[int, int], str] = {}
    for at, word in enumerate(words):
        side = _side(word)
        if side is None:
            continue
        phrase = word
        negation = _negation_before(words, at)
        if negation is not None:
            side = (side[0], 1 - side[1])
            phrase = " ".join(words[negation:at + 1])
        found.setdefault(side, phrase)
    return found


def polarity_mismatch(text: str, passages: list[str]) -> tuple[str, str] | None:
    """The phrase of ``text`` and the phrase of an evidence passage that disagree in polarity, or None."""
    if not passages:
        return None
    mine = _marks(text)
    theirs: dict[tuple[int, int], str] = {}
    for passage in passages:
        for key, phrase in _marks(passage).items():
            theirs.setdefault(key, phrase)
    for (pair, side), phrase in mine.items():
        other = (pair, 1 - side)
        if (pair, side) not in theirs and other in theirs:
            return phrase, theirs[other]
    return None


__all__ = ["OPPOSITES", "polarity_mismatch"]
