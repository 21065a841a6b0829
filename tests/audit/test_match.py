"""briefings.audit.match: passages found as whole words after normalisation, with their original offsets; the
closest passage."""

from __future__ import annotations

import time

import pytest

from briefings.audit.match import WordIndex, closest_passage, find_passage
from briefings.audit.normalise import MAX_PASSAGE_CHARS, normalise
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"
ARTICLE = (FIXTURES / "harbour-deal.txt").read_text(encoding="utf-8")


# -- passages --------------------------------------------------------------------------------------

def test_a_quote_is_verified_with_its_original_offsets() -> None:
    quote = "the largest investment in the town's history"
    match = find_passage(quote, ARTICLE)
    assert match is not None
    assert ARTICLE[match.start:match.end] == match.text == "the\nlargest investment in the town\u2019s history"


def test_typographic_quotes_dashes_and_line_breaks_do_not_matter() -> None:
    quote = '"We are building for the next fifty years - not the next five," said board chair'
    match = find_passage(quote, ARTICLE)
    assert match is not None
    expected = "\u201cWe are building for the next\nfifty years \u2014 not the next five,\u201d said board chair"
    assert match.text == expected
    assert ARTICLE.index(expected) == match.start and match.end == match.start + len(expected)


def test_a_quote_with_one_word_changed_is_not_found_and_the_closest_passage_is_shown() -> None:
    quote = "We are building for the next forty years - not the next five"
    assert find_passage(quote, ARTICLE) is None
    snippet, ratio = closest_passage(quote, ARTICLE)
    assert snippet == "We are building for the next\nfifty years \u2014 not the next five"
    assert 0.85 < ratio < 1.0


def test_closest_passage_of_unrelated_words_is_empty() -> None:
    assert closest_passage("zebra quagga okapi", ARTICLE) == ("", 0.0)
    assert closest_passage("", ARTICLE) == ("", 0.0)


def test_case_matters() -> None:
    assert find_passage("the carrow harbour board", ARTICLE) is None
    assert find_passage("The Carrow harbour board", ARTICLE) is not None


def test_empty_and_over_long_passages_are_never_found() -> None:
    assert find_passage("", ARTICLE) is None
    assert find_passage(" \n ", ARTICLE) is None
    assert find_passage("a" * (MAX_PASSAGE_CHARS + 1), "a" * (MAX_PASSAGE_CHARS + 10)) is None


def test_a_normalised_archive_can_be_reused() -> None:
    flat = normalise(ARTICLE)
    assert find_passage("Miriam Okafor", flat) == find_passage("Miriam Okafor", ARTICLE)


# -- whole words only ------------------------------------------------------------------------------

@pytest.mark.parametrize(("passage", "archive"), [
    # the end of a word at the start of the passage, the start of one at its end
    ("likely that troops will be sent", "Officials said it is unlikely that troops will be sent."),
    ("ships were sent", "Forty warships were sent."),
    ("They will win", "They will wind down the mission."),
    ("Officials confirmed 13", "Officials confirmed 130 ships."),
    # a number cut short, or cut from its sign, currency, magnitude or percentage
    ("13 ships", "In 2013 ships were sent."),
    ("rose by 13", "Spending rose by 13.5% last year."),
    ("rose by 13.", "Spending rose by 13.5% last year."),
    ("confirmed 130", "Officials confirmed 130,000 troops."),
    ("about 50", "about 50\u00a0000 people"),
    ("a loan of \u00a32.3", "a loan of \u00a32.3 billion"),
    ("rose 2.5", "inflation rose 2.5 per cent"),
    ("thousand troops", "five thousand troops"),
    ("2.3bn loan", "a $2.3bn loan"),
    ("40bn in aid", "\u20b440bn in aid"),
    ("rose 20", "rose 20%"),
    ("5 degrees", "it was \u22125 degrees"),
    ("at 10", "the meeting at 10:30"),
    # one word of two joined by a hyphen or an apostrophe
    ("binding agreement", "a non-binding agreement"),
    ("binding agreement", "a non\u2011binding agreement"),
    ("We can", "We can\u2019t stop now"),
    # an invisible character inside a word does not end it
    *[("likely that troops", f"it is un{invisible}likely that troops")
      for invisible in ("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff")],
    ("Officials confirmed 13", "Officials confirmed 13\u200b0 ships."),
    # a part of what one character of the archive became
    ("he said.", "he said\u2026 then left"),
    ("fi", "the \ufb01nal"),
])
def test_a_passage_cut_from_longer_words_or_numbers_is_not_found(passage: str, archive: str) -> None:
    assert find_passage(passage, archive) is None


@pytest.mark.parametrize(("passage", "archive", "expected"), [
    # typography and white space
    ('"We are here," she said', "Then \u201cWe are here,\u201d she said.", "\u201cWe are here,\u201d she said"),
    ("fifty years - not the next five", "the next fifty years \u2014 not the next five.",
     "fifty years \u2014 not the next five"),
    ("not the next five", "fifty years\u2014not the next five.", "not the next five"),
    ("troops will be sent", "that troops will\n   be sent", "troops will\n   be sent"),
    ("non-binding agreement", "a non\u2011binding agreement.", "non\u2011binding agreement"),
    ("unlikely that troops", "It is un\u200blikely that troops", "un\u200blikely that troops"),
    # punctuation at either end, a whole sentence, the very start and end of the archive
    ("troops will be sent.", "that troops will be sent. Officials said", "troops will be sent."),
    ('"We are', "He said: \u201cWe are here.\u201d", "\u201cWe are"),
    ("We are here.", "He said: \u201cWe are here.\u201d", "We are here."),
    ("Officials confirmed 130 ships.", "Fog. Officials confirmed 130 ships. Rain.", "Officials confirmed 130 ships."),
    ("Officials confirmed", "Officials confirmed 130 ships.", "Officials confirmed"),
    ("130 ships.", "Officials confirmed 130 ships.", "130 ships."),
    # a number ending where the archive's ends, even before punctuation
    ("rose by 13.", "Spending rose by 13. Then it fell.", "rose by 13."),
    ("confirmed 130,", "Officials confirmed 130, then 140.", "confirmed 130,"),
    ("a loan of \u00a32.3bn", "a loan of \u00a32.3bn.", "a loan of \u00a32.3bn"),
    ("the workers", "the workers\u2019 union", "the workers"),
    ("Apple", "Apple\u2122 said", "Apple"),
])
def test_harmless_differences_and_punctuation_at_the_ends_still_match(passage: str, archive: str,
                                                                      expected: str) -> None:
    match = find_passage(passage, archive)
    assert match is not None
    assert match.text == expected == archive[match.start:match.end]
    assert match.start == archive.index(expected)


def test_the_first_place_the_passage_stands_as_whole_words_is_found() -> None:
    archive = "It is unlikely, officials said, though likely in spring."
    match = find_passage("likely", archive)
    assert match is not None and match.start == archive.index(" likely") + 1


def test_the_closest_passage_of_a_passage_cut_from_words_shows_the_whole_words() -> None:
    archive = "Officials said it is unlikely that troops will be sent. Officials confirmed 130 ships."
    assert closest_passage("likely that troops will be sent", archive) == ("unlikely that troops will be sent", 0.833)
    assert closest_passage("Officials confirmed 13", archive) == ("Officials confirmed 130", 0.667)


def test_a_passage_standing_inside_words_many_times_stays_fast() -> None:
    flat = normalise("ab " * 200_000)
    for passage in ("ab " * 3_000 + "a", "ab ab a", "b"):
        started = time.process_time()
        assert find_passage(passage, flat) is None
        snippet, _ = closest_passage(passage, flat)
        assert snippet
        assert time.process_time() - started < 2.0


def _long_article() -> str:
    paragraph = ("The council met on Monday to discuss the budget for roads, schools and parks, and members "
                 "argued for several hours about how the money should be divided between the districts. ")
    words = [f"word{i}" for i in range(3000)]
    text = " ".join(paragraph + " ".join(words[i:i + 20]) + "." for i in range(0, 3000, 20))
    return text[:50_000]


def test_closest_passage_stays_fast_on_a_long_article_and_a_long_quote() -> None:
    article = _long_article()
    assert len(article) >= 49_000
    quote = (article[20_000:20_300]).replace("word", "ward", 3)
    started = time.process_time()
    assert find_passage(quote, article) is None
    snippet, ratio = closest_passage(quote, article)
    elapsed = time.process_time() - started
    assert ratio > 0.9 and snippet
    assert elapsed < 1.0, elapsed


@pytest.mark.parametrize("quote", [
    "a" * 9_000,
    "a " * 4_000,
    "the " * 2_000,
    "word1 " * 1_500,
    ("The council met on Monday " * 300)[:MAX_PASSAGE_CHARS],
])
def test_pathological_quotes_stay_fast(quote: str) -> None:
    article = _long_article() + " " + "a" * 5_000 + " " + "a " * 2_000
    started = time.process_time()
    find_passage(quote, article)
    closest_passage(quote, article)
    assert time.process_time() - started < 2.0


# The closest passage is what the error message quotes: pinned, on ties too (the first of two equally close
# passages), and the same whether the archive is given as text, normalised or as a word index made once.
TIED = ("The harbour board met on Monday. The board said the quay would cost more. "
        "Later the board said the quay would cost less. The unions said the quay would open late.")


@pytest.mark.parametrize(("passage", "closest"), [
    ("the board said the quay would cost much", ("The board said the quay would cost", 0.933)),
    ("the board said the quay would close", ("The board said the quay would", 0.923)),
    ("unions said the quay would open early", ("unions said the quay would open", 0.923)),
    ("board quay", ("board said the quay", 0.667)),
    ("Quay!", ("quay", 1.0)),
])
def test_the_closest_passage_is_pinned_and_the_same_from_a_word_index(passage: str,
                                                                        closest: tuple[str, float]) -> None:
    index = WordIndex(normalise(TIED))
    assert closest_passage(passage, TIED) == closest
    assert closest_passage(passage, normalise(TIED)) == closest
    assert closest_passage(passage, index) == closest
    assert closest_passage(passage, index) == closest  # an index serves many passages


def test_a_word_index_lists_the_words_and_their_places() -> None:
    index = WordIndex(normalise("The  quay, the QUAY."))
    assert index.words == ["the", "quay", "the", "quay"]
    assert index.places == {"the": [0, 2], "quay": [1, 3]}
    assert index.span(0, 1) == (0, 3)
    assert index.text.text[slice(*index.span(1, 4))] == "quay, the QUAY"
