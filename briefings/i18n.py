"""Locale-aware dates and numbers, through Babel (named ``i18n`` so as not to shadow the standard ``locale``).

Contract: :func:`format_date_for` writes a date as a reader of ``locale``
expects it in running text ("23 June 2025" for ``en_GB``, "23. Juni 2025"
for ``de_DE``), and :func:`format_number_for` writes a number with the
locale's separators ("1,234.5", "1.234,5"), keeping up to ten significant
digits as :func:`briefings.render.filters.format_number` does. :func:`check_locale`
says what is wrong with a locale name (``None`` when it is fine), in words
meant to follow ``briefings.yaml:LINE:``.

A locale name is a language code with optional script, territory or variant,
joined by ``_`` or ``-`` (``en_GB``, ``de-DE``, ``sr_Latn_RS``), and must be
one that Babel's CLDR data knows. Babel is imported on first use only, so
that the command's start-up stays light (tests/test_startup.py).
"""

from __future__ import annotations

import datetime
import functools
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from briefings.errors import did_you_mean

if TYPE_CHECKING:
    from babel import Locale

#: Date patterns that are not the locale's own ``long`` format. en_GB's is
#: written out so that it stays the style of UK government publications
#: (no weekday, no comma) whatever a future CLDR release decides.
DATE_PATTERNS = {"en_GB": "d MMMM y"}
DEFAULT_DATE_FORMAT = "long"

#: Checked before Babel sees the name: letters and digits in parts joined by ``_`` or ``-``.
_LOCALE_NAME = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8}){0,3}")
_MAX_NAME_LENGTH = 40


class UnknownLocale(ValueError):
    """A locale name that is malformed or unknown; the message is :func:`check_locale`'s."""


def check_locale(name: object) -> str | None:
    """What is wrong with ``name`` as a locale (one line, no location), or None when Babel knows it."""
    if not isinstance(name, str):
        return f"locale must be text such as 'en_GB', not {type(name).__name__}"
    shown = name if len(name) <= _MAX_NAME_LENGTH else name[:_MAX_NAME_LENGTH] + "…"
    if not _LOCALE_NAME.fullmatch(name):
        return (f"'{shown}' is not a locale name: write a language code with an optional territory, "
                "such as 'en_GB' or 'de_DE'")
    try:
        _locale(name)
    except UnknownLocale:
        from babel.localedata import locale_identifiers

        known = locale_identifiers()
        hint = did_you_mean(name.replace("-", "_"), known, cutoff=0.7)
        return f"unknown locale '{shown}'{hint}: Babel's locale data has no such locale"
    return None


def format_date_for(value: datetime.date, locale: str) -> str:
    """``value`` written out in ``locale``'s long style: 23 June 2025 (en_GB), 23. Juni 2025 (de_DE)."""
    from babel.dates import format_date

    parsed = _locale(locale)
    if isinstance(value, datetime.datetime):
        value = value.date()
    pattern = DATE_PATTERNS.get(str(parsed), DEFAULT_DATE_FORMAT)
    return str(format_date(value, pattern, locale=parsed))


def format_number_for(value: object, locale: str) -> str:
    """``value`` with ``locale``'s grouping and decimal signs; anything not a number as it is."""
    from babel.numbers import format_decimal

    parsed = _locale(locale)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        # As format_number: whole numbers in full, others to ten significant digits.
        number = Decimal(int(value)) if value.is_integer() and abs(value) >= 1000 else Decimal(f"{value:.10g}")
    else:
        number = Decimal(value)
    return str(format_decimal(number, locale=parsed, decimal_quantization=False))


def _locale(name: str) -> Locale:
    """Babel's Locale for ``name`` (``_`` or ``-`` separated); UnknownLocale if it has none."""
    if not isinstance(name, str) or not _LOCALE_NAME.fullmatch(name):
        raise UnknownLocale(check_locale(name) or "not a locale name")
    return _parsed_locale(name)


@functools.lru_cache(maxsize=64)
def _parsed_locale(name: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as error:
        raise UnknownLocale(f"unknown locale '{name}'") from error
