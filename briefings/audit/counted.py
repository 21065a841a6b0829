"""What a number counts: the noun after it ("5,000 missiles", "13 more countries"), and whether two such nouns agree.

Contract: :func:`counted_noun` reads, after a number in a normalised text,
the plural noun that says what it counts, skipping a few words before it
("more", "new", "Ukrainian", "air-defence"), or None when the text names
none there ("16 more.", "12 of them", "13 were killed"); :func:`unit_noun`
does the same for a figure's unit ("countries", "troops"), where a singular
noun counts too; :func:`nouns_agree` compares two such nouns, singular or
plural ("country" and "countries"), or a few words news copy uses for one
another ("countries" and "nations", "troops" and "soldiers"). Deterministic and bounded: at most
:data:`_WORDS` words are read after a number. Not a parser: a noun it does
not recognise leaves the number's kind unknown, which no check treats as a
disagreement.
"""

from __future__ import annotations

import re

#: At most this many words are read after a number, looking for its noun.
_WORDS = 4
_WORD = re.compile(r"[ \u00a0\u2009\u202f]*\+?[ \u00a0\u2009\u202f]*([A-Za-z][A-Za-z'\u2019-]*)")
#: Words that end the search: what follows them is not what the number counts ("13 of them", "12 were").
_STOP = frozenset("""
a an and are as at be been but by did do does for from had has have he her hers his i if in into is it its
not of on or our ours per she so than that the their theirs them then there these they this those thus to
us was we were what when where whereas which while who whom whose will with would yes you your yours
across always besides perhaps towards afterwards unless less plus since whilst says ago
""".split())
#: Plural nouns that do not end in "s", and their singulars.
_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child", "personnel": "personnel",
              "staff": "staff", "police": "police", "aircraft": "aircraft", "feet": "foot", "mice": "mouse"}
_SINGULAR = {singular: singular for singular in _IRREGULAR.values()}
#: Nouns that news copy uses for one another when counting (a curator's "countries" for a source's "nations").
_SYNONYMS = ({"country", "nation"}, {"troop", "soldier"}, {"person", "individual"})


def _plural(word: str) -> bool:
    if word in _IRREGULAR:
        return True
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s", "\u2019s"))


def _clean(word: str) -> str:
    return word.lower().rstrip("'\u2019-")


def counted_noun(flat: str, end: int) -> str | None:
    """The plural noun that the number ending at ``end`` of the normalised text ``flat`` counts, or None."""
    at = end
    for _ in range(_WORDS):
        match = _WORD.match(flat, at)
        if match is None:
            return None
        word = _clean(match.group(1))
        if word in _STOP:
            return None
        if _plural(word):
            return word
        at = match.end()
    return None


def unit_noun(unit: str) -> str | None:
    """What a figure's unit (after its currency, magnitude and percentage) counts: its first plural
    noun, else its last word (``ship``), or None (``of GDP``)."""
    words = [_clean(word) for word in re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", unit)[:_WORDS]]
    if not words or words[0] in _STOP:
        return None
    for word in words:
        if word in _STOP:
            break
        if _plural(word):
            return word
    return words[-1] if words[-1] not in _STOP else None


def _forms(noun: str) -> set[str]:
    noun = noun.lower()
    if noun in _IRREGULAR:
        return {noun, _IRREGULAR[noun]}
    if noun in _SINGULAR:
        return {noun}
    forms = {noun}
    if noun.endswith("ies"):
        forms.add(noun[:-3] + "y")
    if noun.endswith("es"):
        forms.add(noun[:-2])
    if noun.endswith("s"):
        forms.add(noun[:-1])
    for group in _SYNONYMS:
        if forms & group:
            forms |= group
    return forms


def nouns_agree(first: str, second: str) -> bool:
    """Whether two counted nouns name the same thing, singular or plural ("country", "countries")."""
    return bool(_forms(first) & _forms(second))


__all__ = ["counted_noun", "nouns_agree", "unit_noun"]
