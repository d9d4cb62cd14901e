"""Dutch number formatting for report tables, charts and factsheets (Babel, CLDR nl_NL).

"1.076" with a thousands dot, "47%" and "12,5%" with a decimal comma: how the
report prints them, from the locale data rather than hand-made replacements.
Percentages are rounded half up first, as the report and Excel show them
(Babel itself would round half to even: 46,5 → 46%).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal, format_percent

LOCALE = "nl_NL"


def _half_up(value: float, decimals: int) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def nl_int(value: int | None) -> str:
    """1076 → "1.076"; None → "–"."""
    if value is None:
        return "–"
    return format_decimal(value, locale=LOCALE)


def nl_percent(percent: float | None, decimals: int = 0) -> str:
    """A percentage on 0–100: 47.2 → "47%", with ``decimals=1`` → "47,2%"."""
    if percent is None:
        return "–"
    pattern = "#,##0%" if decimals == 0 else "#,##0." + "0" * decimals + "%"
    fraction = _half_up(percent, decimals) / 100
    return format_percent(fraction, format=pattern, locale=LOCALE)


def nl_decimal(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
    return format_decimal(_half_up(value, decimals), format=pattern, locale=LOCALE)
