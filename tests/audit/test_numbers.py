"""briefings.audit.numbers: numbers as news copy writes them, in a text, a figure and a passage."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from briefings.audit.numbers import figure_numbers, number_appears, numbers_in
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"
ARTICLE = (FIXTURES / "harbour-deal.txt").read_text(encoding="utf-8")


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
    started = time.process_time()
    numbers = numbers_in(text)
    assert len(numbers) <= 10_000
    assert time.process_time() - started < 3.0
