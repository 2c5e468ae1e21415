"""Typed readers of an edited table's cells; a refused cell raises CellError with its reason."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

from tracker.core.i18n import t

# Words a user types in a yes/no cell to mean "no"; anything else non-empty means "yes".
FALSE_WORDS = frozenset({"false", "0", "non", "no"})
# Spaces a French user (or a spreadsheet) puts between thousands: "12 450", "12\u202f450".
_THOUSANDS = ("\u202f", "\u00a0", " ")
# Day formats accepted in a typed cell, besides the ISO form a date editor gives.
_DAY_FORMATS = ("%d/%m/%Y",)


class CellError(ValueError):
    """A cell that cannot be read as its column's type; ``reason`` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_blank(value: object) -> bool:
    """None, NaN, NaT, pandas' NA, or text made of spaces only: an empty cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    # pandas' NaT and NA (and numpy's NaT), without importing pandas in the ground floor
    return type(value).__name__ in {"NaTType", "NAType"} or (
        hasattr(value, "dtype") and str(value) in {"NaT", "nan"})


def text(value: object, limit: int | None = None) -> str:
    """The cell's text, stripped ("" when empty), cut at ``limit`` characters."""
    if is_blank(value):
        return ""
    stripped = str(value).strip()
    return stripped[:limit] if limit else stripped


def optional_text(value: object, limit: int | None = None) -> str | None:
    """The cell's text, stripped; None when empty."""
    return text(value, limit) or None


def codes(value: object) -> list[str]:
    """Upper-case codes from a multiselect (a list) or typed text ("ASIN, SBIN; MS"), each
    once, in the order given."""
    if is_blank(value):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    seen: dict[str, None] = {}
    for item in items:
        code = str(item).strip().upper()
        if code:
            seen[code] = None
    return list(seen)


def number(value: object) -> float | None:
    """A number as typed in the user's format ("1 234,5", "1234.5"); None when empty.

    Raises CellError when the cell holds anything else (text, infinity, NaN typed as text)."""
    typed = text(value)
    for space in _THOUSANDS:
        typed = typed.replace(space, "")
    if not typed:
        return None
    try:
        read = float(typed.replace(",", "."))
    except ValueError:
        raise CellError(t("cells.not_a_number", text=text(value))) from None
    if not math.isfinite(read):
        raise CellError(t("cells.not_a_number", text=text(value)))
    return read


def integer(value: object) -> int | None:
    """A whole number ("3", "3,0", 3.0); None when empty; CellError otherwise."""
    read = number(value)
    if read is None:
        return None
    if not read.is_integer():
        raise CellError(t("cells.not_a_whole_number", text=text(value)))
    return int(read)


def quarter(value: object) -> int:
    """A quarter of the year typed as 1…4, "T2" or "Q2"; CellError when empty or outside."""
    typed = text(value).upper().lstrip("TQ")
    try:
        read = float(typed)
    except ValueError:
        raise CellError(t("cells.not_a_quarter", text=text(value))) from None
    if not (read.is_integer() and 1 <= read <= 4):
        raise CellError(t("cells.not_a_quarter", text=text(value)))
    return int(read)


def day(value: object) -> date | None:
    """A date from a date editor (date, datetime, Timestamp) or typed as YYYY-MM-DD or
    DD/MM/YYYY; None when empty; CellError otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    typed = text(value)[:10]
    try:
        return date.fromisoformat(typed)
    except ValueError:
        pass
    for layout in _DAY_FORMATS:
        try:
            return datetime.strptime(typed, layout).date()
        except ValueError:
            continue
    raise CellError(t("cells.not_a_date", text=text(value)))


def boolean(value: object, default: bool = False) -> bool:
    """A checkbox, or yes/no typed as text ("non", "false", "0" mean no); ``default`` when
    empty."""
    if is_blank(value):
        return default
    return bool(value) and text(value).lower() not in FALSE_WORDS
