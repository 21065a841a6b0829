"""briefings.audit.match: passages found after normalisation, with their original offsets; numbers as in news copy."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from briefings.audit.match import (
    MAX_PASSAGE_CHARS,
    closest_passage,
    combined_grade,
    figure_numbers,
    find_passage,
    normalise,
    number_appears,
    numbers_in,
)
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"
ARTICLE = (FIXTURES / "harbour-deal.txt").read_text(encoding="utf-8")


# -- normalisation ---------------------------------------------------------------------------------

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
        started = time.perf_counter()
        assert find_passage(passage, flat) is None
        snippet, _ = closest_passage(passage, flat)
        assert snippet
        assert time.perf_counter() - started < 2.0


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
    started = time.perf_counter()
    assert find_passage(quote, article) is None
    snippet, ratio = closest_passage(quote, article)
    elapsed = time.perf_counter() - started
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
    started = time.perf_counter()
    find_passage(quote, article)
    closest_passage(quote, article)
    assert time.perf_counter() - started < 2.0


# -- numbers ---------------------------------------------------------------------------------------

def _values(text: str) -> list[tuple[Decimal, str | None, bool]]:
    return [(number.value, number.currency, number.percent) for number in numbers_in(text)]


@pytest.mark.parametrize(("text", "value", "currency", "percent"), [
    ("£2.3bn", "2.3e9", "GBP", False),
    ("£2.3 billion", "2.3e9", "GBP", False),
    ("2.3 billion pounds", "2.3e9", "GBP", False),
    ("2.5%", "2.5", None, True),
    ("2.5 percent", "2.5", None, True),
    ("2.5 per cent", "2.5", None, True),
    ("5pc", "5", None, True),
    ("50,000", "50000", None, False),
    ("50000", "50000", None, False),
    ("50 000", "50000", None, False),
    ("50\u00a0000", "50000", None, False),
    ("13", "13", None, False),
    ("thirteen", "13", None, False),
    ("twenty-five", "25", None, False),
    ("two million", "2e6", None, False),
    ("one hundred and fifty", "150", None, False),
    ("€800bn", "8e11", "EUR", False),
    ("$1.5 trillion", "1.5e12", "USD", False),
    ("£30m", "3e7", "GBP", False),
    ("2,300 million", "2.3e9", None, False),
])
def test_numbers_as_news_copy_writes_them(text: str, value: str, currency: str | None, percent: bool) -> None:
    assert _values(f"It was {text} in all.") == [(Decimal(value), currency, percent)]


def test_where_a_number_is_written() -> None:
    text = "A loan of\u00a0£2.3\nbillion was agreed."
    [number] = numbers_in(text)
    assert text[number.start:number.end] == number.written == "£2.3\nbillion"


def test_words_and_letters_that_are_not_numbers() -> None:
    assert numbers_in("one of the leaders; someone; a tent; 5k runners; the often-cited") == []


def test_years_and_dates_are_left_out_unless_asked_for() -> None:
    text = "On 23 June 2025, and on March 2nd, the 2025-06-23 meeting at 10:30 agreed 40 drones."
    assert _values(text) == [(Decimal(40), None, False)]
    with_dates = [number.value for number in numbers_in(text, include_dates=True)]
    assert Decimal(2025) in with_dates and Decimal(23) in with_dates and Decimal(40) in with_dates


@pytest.mark.parametrize(("fact", "passage"), [
    ("£2.3bn", "a loan of £2.3 billion"),
    ("£2.3bn", "2.3 billion pounds"),
    ("£2.3bn", "£2,300m"),
    ("2.5%", "2.5 per cent of GDP"),
    ("2.5%", "2.5 percent"),
    ("5%", "5pc"),
    ("50,000", "50000 jobs"),
    ("50,000", "50 000 jobs"),
    ("13 berths", "thirteen berths"),
    ("thirteen", "13"),
    ("two million", "2m"),
    ("€800bn", "800 billion euros"),
    ("$1.5 trillion", "US spending of $1.5tn"),
])
def test_a_number_appears_however_it_is_written(fact: str, passage: str) -> None:
    [number] = numbers_in(fact)
    assert number_appears(number, [passage])


@pytest.mark.parametrize(("fact", "passage"), [
    ("£2.3bn", "a loan of £2.3m"),          # magnitude
    ("£2.3bn", "a loan of £2.26bn"),        # rounding is a different number
    ("£2.26bn", "a loan of £2.3bn"),
    ("£2.3bn", "a loan of $2.3bn"),         # currency
    ("2.5%", "2.5 million"),                # a percentage is not a count
    ("2.5 million", "2.5%"),
    ("50,000", "5,000 jobs"),
    ("13 berths", "thirty berths"),
    ("two million", "two billion"),
    ("€800bn", "€80bn"),
])
def test_a_different_number_does_not_appear(fact: str, passage: str) -> None:
    [number] = numbers_in(fact)
    assert not number_appears(number, [passage])


@pytest.mark.parametrize(("fact", "passage"), [
    ("13 ships", "130 ships"),
    ("13 ships", "in 2013 ships"),
    ("13 ships", "13.5 ships"),
    ("13 ships", "1,300 ships"),
    ("13 ships", "\u00a313bn"),
    ("30 ships", "1\u200b30 ships"),         # an invisible character inside the number
    ("30 drones", "at 10:30 drones"),         # a time
    ("13 ships", "the 2012-13 season"),       # a span of years
    ("6 ships", "on 2025-06-23"),             # a date
    ("13 ships", "on 13 June"),
    ("13 ships", "the 13th ship"),
])
def test_a_number_inside_another_number_or_a_date_does_not_appear(fact: str, passage: str) -> None:
    [number] = numbers_in(fact)
    assert not number_appears(number, [passage])


def test_a_year_like_number_may_state_a_count() -> None:
    [number] = numbers_in("2,000 troops")
    assert number_appears(number, ["some 2000 troops"])


def test_a_number_missing_from_the_passages() -> None:
    [number] = numbers_in("The expansion will create 60,000 jobs.")
    assert not number_appears(number, [ARTICLE, "Nothing here but 6,000 words."])
    [found] = numbers_in("It will create 50,000 jobs.")
    assert number_appears(found, ["Nothing here.", ARTICLE])


def test_an_unstated_currency_is_not_a_mismatch() -> None:
    [number] = numbers_in("£2.3bn")
    assert number_appears(number, ["the 2.3bn loan"])


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (2.3, "£bn", [(Decimal("2.3e9"), "GBP", False)]),
    (2.5, "% of GDP", [(Decimal("2.5"), None, True)]),
    (30, "countries", [(Decimal(30), None, False)]),
    (1.5, "$tn", [(Decimal("1.5e12"), "USD", False)]),
    (800, "€bn", [(Decimal("8e11"), "EUR", False)]),
    (2.3, "billion pounds", [(Decimal("2.3e9"), "GBP", False)]),
    ("£2.3bn", None, [(Decimal("2.3e9"), "GBP", False)]),
    ("about 30", "countries", [(Decimal(30), None, False)]),
    (2.3, "\u00a3\u200bbn", [(Decimal("2.3e9"), "GBP", False)]),
    ("2.3", "£bn", [(Decimal("2.3e9"), "GBP", False)]),
    (True, None, []),
])
def test_figure_numbers(value: object, unit: str | None, expected: list[tuple[Decimal, str | None, bool]]) -> None:
    numbers = figure_numbers(value, unit)  # type: ignore[arg-type]
    assert [(number.value, number.currency, number.percent) for number in numbers] == expected


def test_a_figure_is_checked_against_the_article() -> None:
    [loan] = figure_numbers(2.3, "£bn")
    assert number_appears(loan, [ARTICLE])
    [wrong] = figure_numbers(2.26, "£bn")
    assert not number_appears(wrong, [ARTICLE])


def test_number_extraction_is_bounded_and_fast() -> None:
    text = "1, " * 50_000
    started = time.perf_counter()
    numbers = numbers_in(text)
    assert len(numbers) <= 10_000
    assert time.perf_counter() - started < 3.0


# -- grades ----------------------------------------------------------------------------------------

def test_combined_grade() -> None:
    assert combined_grade(["C", "B", None], 2) == "B2"
    assert combined_grade(["F", "D"], 3) == "D3"
    assert combined_grade(["F"], 6) == "F6"
    assert combined_grade([None], 2) is None
    assert combined_grade(["A"], None) is None
    assert combined_grade([], 1) is None
    with pytest.raises(ValueError):
        combined_grade(["G"], 1)
    with pytest.raises(ValueError):
        combined_grade(["A"], 7)
