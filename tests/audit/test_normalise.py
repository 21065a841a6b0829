"""briefings.audit.normalise: typography, white space and invisible characters folded, with offsets back to the
original."""

from __future__ import annotations

from briefings.audit.normalise import normalise


def test_normalise_folds_only_typography_and_white_space() -> None:
    text = "\u00a0 \u2018a\u2019 \u201ab\u201b \u201cc\u201d \u201ed\u201f \u2032e\u2033 \u00abf\u00bb\n\n g\u00adh"
    assert normalise(text).text == "'a' 'b' \"c\" \"d\" 'e\" \"f\" gh"
    dashes = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
    assert normalise(dashes).text == "-" * len(dashes)
    assert normalise("Carrow CARROW carrow").text == "Carrow CARROW carrow"  # case is kept


def test_normalise_is_nfkc_but_keeps_superscripts_and_fractions() -> None:
    assert normalise("\ufb01nal \uff21 \u2026").text == "final A ..."  # ligature, full width, ellipsis
    assert normalise("10\u00b2 1\u00bd").text == "10\u00b2 1\u00bd"  # would be "102 11⁄2" under NFKC
    assert normalise("e\u0301").text == "\u00e9"  # composed, and the mark stays with its letter


def test_invisible_characters_disappear_and_keep_a_word_whole() -> None:
    original = "un\u200blikely \u2060x\u00ady\ufeff z\u200d\u200c"
    flat = normalise(original)
    assert flat.text == "unlikely xy z"
    assert flat.original_span(0, len("unlikely")) == (0, len("un\u200blikely"))


def test_offsets_map_back_to_whole_original_characters() -> None:
    original = "  x\u00a0\u00a0\u201cq\u201d\u00ad\n e\u0301 \ufb01"
    flat = normalise(original)
    assert flat.text == 'x "q" \u00e9 fi'
    for index in range(len(flat.text)):
        start, end = flat.original_span(index, index + 1)
        assert 0 <= start < end <= len(original)
    # the "é" comes from the two original characters e + U+0301, the "fi" from one ligature
    index = flat.text.index("\u00e9")
    assert flat.original_span(index, index + 1) == (original.index("e\u0301"), original.index("e\u0301") + 2)
    index = flat.text.index("fi")
    assert flat.original_span(index, index + 2) == (len(original) - 1, len(original))
