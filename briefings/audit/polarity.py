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
against ``agreed``. Rewording that keeps the polarity ("accepted" for
"agreed") is no mismatch.

Besides these families, a negation added or dropped is a mismatch: a word
the text negates with a verb's negation (not, never, cannot, n't: "would
not pledge") that the evidence states only without one ("would pledge"),
or the other way round ("will send" against "will not send"), compared by
a crude stem. A word either side states both ways is left alone (the
passage speaks of it both ways), and "no" and "without" are not compared
there: they negate nouns, which a rewording drops freely ("no decision has
been taken" for "a decision is some way off").
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
    return _negation_mismatch(text, passages)


#: Words between a negation and the word it negates ("will not *be* sent", "did not *yet* agree").
_BETWEEN = frozenset({"be", "been", "being", "is", "are", "was", "were", "have", "has", "had", "do", "does", "did",
                      "to", "yet", "also", "so", "even", "ever", "necessarily", "immediately", "only", "all", "at",
                      "a", "an", "the", "get", "got"})
#: Negations of a verb ("no" and "without" negate nouns too, which a rewording drops freely: not compared here).
_VERB_NEGATIONS = frozenset({"not", "never", "cannot"})


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[:-len(suffix)]
    return word


def _negated_and_plain(text: str) -> tuple[dict[str, str], set[str]]:
    """The words ``text`` negates (stem → the phrase), and the stems it states without a negation."""
    words = [word.lower() for word in _WORD.findall(text)]
    negated: dict[str, str] = {}
    plain: set[str] = set()
    reach: int | None = None  # the index of the last verbal negation still in reach
    for at, word in enumerate(words):
        if word in _VERB_NEGATIONS or word.endswith(("n't", "n\u2019t")):
            reach = at
            continue
        if reach is not None and at - reach <= 4:
            if word in _BETWEEN:
                continue
            negated.setdefault(_stem(word), " ".join(words[reach:at + 1]))
            reach = None
            continue
        reach = None
        if word not in _BETWEEN:
            plain.add(_stem(word))
    return negated, plain


def _negation_mismatch(text: str, passages: list[str]) -> tuple[str, str] | None:
    """A word the text negates that the evidence states only without a negation, or the other way round.

    ("would not pledge" against "would pledge"; "will send" against "will not send"). A word both negated and
    stated plainly on one side is left alone: the passages then speak of it both ways.
    """
    mine_negated, mine_plain = _negated_and_plain(text)
    theirs_negated: dict[str, str] = {}
    theirs_plain: set[str] = set()
    for passage in passages:
        negated, plain = _negated_and_plain(passage)
        for stem, phrase in negated.items():
            theirs_negated.setdefault(stem, phrase)
        theirs_plain |= plain
    for stem, phrase in mine_negated.items():
        if stem in theirs_plain and stem not in theirs_negated and stem not in mine_plain:
            return phrase, _plain_phrase(passages, stem)
    for stem, phrase in theirs_negated.items():
        if stem in mine_plain and stem not in theirs_plain and stem not in mine_negated:
            return _plain_phrase([text], stem), phrase
    return None


def _plain_phrase(texts: list[str], stem: str) -> str:
    """The word of ``stem`` as it stands in ``texts``, with the two words before it."""
    for text in texts:
        words = [word.lower() for word in _WORD.findall(text)]
        for at, word in enumerate(words):
            if _stem(word) == stem:
                return " ".join(words[max(0, at - 2):at + 1])
    return stem


__all__ = ["OPPOSITES", "polarity_mismatch"]
