"""Locale-aware dates and numbers (briefings.i18n), and the check of locale names."""

from __future__ import annotations

import datetime
import subprocess
import sys
from decimal import Decimal

import pytest

from briefings.i18n import UnknownLocale, check_locale, format_date_for, format_number_for

DAY = datetime.date(2025, 6, 23)


@pytest.mark.parametrize(("locale", "expected"), [
    ("en_GB", "23 June 2025"),
    ("en-GB", "23 June 2025"),
    ("de_DE", "23. Juni 2025"),
    ("de", "23. Juni 2025"),
])
def test_dates_in_each_locale(locale: str, expected: str) -> None:
    assert format_date_for(DAY, locale) == expected


def test_a_datetime_is_written_as_its_date() -> None:
    moment = datetime.datetime(2025, 6, 23, 23, 30, tzinfo=datetime.UTC)
    assert format_date_for(moment, "en_GB") == "23 June 2025"
    assert format_date_for(datetime.date(2025, 1, 5), "de_DE") == "5. Januar 2025"


@pytest.mark.parametrize(("value", "en_gb", "de_de"), [
    (1234.5, "1,234.5", "1.234,5"),
    (1234567, "1,234,567", "1.234.567"),
    (2.5, "2.5", "2,5"),
    (-1234567.25, "-1,234,567.25", "-1.234.567,25"),
    (50000.0, "50,000", "50.000"),
    (0.1234567891234, "0.1234567891", "0,1234567891"),
    (1e-05, "0.00001", "0,00001"),
    (Decimal("1234.50"), "1,234.5", "1.234,5"),
    (7, "7", "7"),
])
def test_numbers_use_the_locales_separators(value: object, en_gb: str, de_de: str) -> None:
    assert format_number_for(value, "en_GB") == en_gb
    assert format_number_for(value, "de_DE") == de_de


@pytest.mark.parametrize("value", ["about 40", True, None, float("nan"), float("inf")])
def test_what_is_not_a_finite_number_is_shown_as_it_is(value: object) -> None:
    assert format_number_for(value, "de_DE") == str(value)


@pytest.mark.parametrize("name", ["en_GB", "de_DE", "de", "en-GB", "fr_FR", "sr_Latn_RS"])
def test_known_locales_pass(name: str) -> None:
    assert check_locale(name) is None


def test_an_unknown_locale_is_named_with_a_suggestion() -> None:
    message = check_locale("de_DF")
    assert message is not None
    assert message.startswith("unknown locale 'de_DF'")
    assert "did you mean 'de_DE'?" in message
    assert "unknown locale 'xx_YY'" in (check_locale("xx_YY") or "")


@pytest.mark.parametrize("name", ["", "english", "en_GB.UTF-8", "../../etc/passwd", "en GB", "e", "x" * 500])
def test_malformed_names_are_refused_before_babel_sees_them(name: str) -> None:
    message = check_locale(name)
    assert message is not None and "is not a locale name" in message
    assert len(message) < 200


def test_a_locale_must_be_text() -> None:
    assert check_locale(44) == "locale must be text such as 'en_GB', not int"
    assert check_locale(None) is not None


def test_formatting_with_an_unknown_locale_raises_with_the_message() -> None:
    with pytest.raises(UnknownLocale, match="unknown locale 'xx_YY'"):
        format_date_for(DAY, "xx_YY")
    with pytest.raises(UnknownLocale, match="is not a locale name"):
        format_number_for(1, "en_GB.UTF-8")
    with pytest.raises(UnknownLocale, match="locale must be text"):
        format_number_for(1, ["en_GB"])  # type: ignore[arg-type]


def test_babel_is_imported_only_when_used() -> None:
    code = "import sys, briefings.i18n; print('babel' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"
