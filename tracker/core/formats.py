"""Numbers, amounts, percentages and dates as users read them: fr-BJ by default, English on request.

Everything goes through Babel; amounts in XOF have no decimals and large ones read "M F CFA" /
"Md F CFA" (never CLDR's compact notation, which prints "Bn").
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from tracker.core.i18n import get_language

LOCAL_TZ = ZoneInfo("Africa/Porto-Novo")
_LOCALES = {"fr": "fr_BJ", "en": "en_GB"}


def locale() -> str:
    return _LOCALES.get(get_language(), "fr_BJ")


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@cache
def _symbols(loc: str) -> tuple[str, str, str]:
    return get_decimal_symbol(loc), get_group_symbol(loc), get_minus_sign_symbol(loc)


def format_number(value: float | int | None, digits: int = 1) -> str:
    """1 234 567,5 in French, 1,234,567.5 in English; a missing value is an em dash.

    Same output as Babel's ``#,##0.#`` pattern (half-even rounding, the locale's symbols from
    Babel), computed with Decimal because charts format thousands of values at a time."""
    if _missing(value):
        return "—"
    assert value is not None
    decimal_sign, group, minus = _symbols(locale())
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    text = f"{abs(number):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\0").replace(".", decimal_sign).replace("\0", group)
    return minus + text if number < 0 and text.strip("0" + decimal_sign + group) else text


def format_percent(value: float | None, digits: int = 1) -> str:
    """87,5 % in French (no-break space before %), 87.5% in English."""
    if _missing(value):
        return "—"
    text = format_number(value, digits)
    return f"{text}\u202f%" if get_language() == "fr" else f"{text}%"


def format_xof(value: float | None) -> str:
    """Whole francs CFA: 12 450 000 F CFA; millions and billions as 12,5 M F CFA / 2,5 Md F CFA
    (the currency written one way everywhere: « F CFA »)."""
    if _missing(value):
        return "—"
    assert value is not None
    if abs(value) >= 1e9:
        unit = "Md F CFA" if get_language() == "fr" else "bn F CFA"
        return f"{format_number(value / 1e9, 1)}\u00a0{unit}"
    if abs(value) >= 1e6:
        return f"{format_number(value / 1e6, 1)}\u00a0M F CFA"
    return f"{format_number(round(value), 0)}\u00a0F CFA"


def format_value(value: float | None, unit: str) -> str:
    """A KPI value in its unit."""
    if _missing(value):
        return "—"
    assert value is not None
    if unit == "percent":
        return format_percent(value)
    if unit == "xof":
        return format_xof(value)
    if unit == "bool":
        return ("oui" if value else "non") if get_language() == "fr" else ("yes" if value else "no")
    if unit == "count":
        return format_number(value, 0)
    suffix = {"hours": "\u00a0h", "ms": "\u00a0ms", "days": "\u00a0j" if get_language() == "fr"
              else "\u00a0d"}.get(unit, "")
    return format_number(value) + suffix


def format_date(value: date | None, style: str = "short") -> str:
    """29/11/2022 (short) or 29 novembre 2022 (long) in French."""
    if value is None:
        return "—"
    fmt = {"short": "dd/MM/yyyy",
           "long": "d MMMM yyyy", "full": "EEEE d MMMM yyyy"}[style]
    return _babel_date(value, format=fmt, locale=locale())


def format_datetime(value: datetime | None) -> str:
    """A UTC timestamp shown in Porto-Novo time: 24/06/2025 09:30."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return _babel_datetime(value.astimezone(LOCAL_TZ), format="dd/MM/yyyy HH:mm", locale=locale())


def quarter_label(year: int, quarter: int, long: bool = False) -> str:
    """T1 2025 / 1er trimestre 2025 in French; Q1 2025 / 1st quarter 2025 in English."""
    if get_language() == "fr":
        if long:
            ordinal = "1er" if quarter == 1 else f"{quarter}e"
            return f"{ordinal} trimestre {year}"
        return f"T{quarter} {year}"
    if long:
        ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(quarter, f"{quarter}th")
        return f"{ordinal} quarter {year}"
    return f"Q{quarter} {year}"


def quarter_key(year: int, quarter: int) -> str:
    """Sort key ``2025-T1``."""
    return f"{year}-T{quarter}"


def ordinal_fr(n: int, feminine: bool = False) -> str:
    """1re/1er, 2e... for session numbers."""
    if n == 1:
        return "1re" if feminine else "1er"
    return f"{n}e"


def plotly_separators() -> str:
    """Decimal and thousands separators for plotly figures in the current language."""
    return ", " if get_language() == "fr" else ".,"


def wrap(text: str, width: int = 60, joiner: str = "<br>") -> str:
    """A long chart title or label on several lines (plotly never wraps: it clips), broken
    between words, each line at most ``width`` characters where the words allow."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return joiner.join(lines)
