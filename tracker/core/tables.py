"""Turning an edited table back into row changes: which rows changed, which were added."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass
class RowChange:
    """One row of an edited table: its position as shown (1-based), its id (None when new)."""

    position: int
    id: int | None
    values: dict[str, Any]


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and getattr(
            value, "ndim", 0) > 0):  # a multiselect cell: its items, in order
        return [_clean(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _same(a: Any, b: Any) -> bool:
    a, b = _clean(a), _clean(b)
    if a is None or b is None:
        return (a is None and b is None) or (a in ("", None) and b in ("", None))
    return bool(a == b)


def diff_frames(original: pd.DataFrame, edited: pd.DataFrame,
                columns: list[str]) -> list[RowChange]:
    """Rows of ``edited`` (indexed by database id) that differ from ``original`` or are new.

    New rows have no id in ``original`` (the editor gives them a fresh index or NaN).
    """
    changes: list[RowChange] = []
    known = set(original.index)
    for position, (index, row) in enumerate(edited.iterrows(), start=1):
        values = {c: _clean(row[c]) for c in columns if c in row.index}
        row_id = _clean(index)
        if row_id is not None and row_id in known:
            before = original.loc[index]
            if all(_same(before[c], row[c]) for c in columns if c in row.index):
                continue
            changes.append(RowChange(position, int(row_id), values))
        else:
            if all(v in (None, "") for v in values.values()):
                continue
            changes.append(RowChange(position, None, values))
    return changes


@dataclass(frozen=True)
class ColumnSpec:
    """How an editable column shows: kind (text, select, multiselect, date, checkbox,
    number), translated label, choices for a select or multiselect, and whether it may stay
    empty."""

    kind: str
    label: str
    options: tuple[str, ...] = ()
    required: bool = False
    disabled: bool = False
    help: str = ""
    # For a select: how each stored value is shown (e.g. "present" → « présent »).
    labels: Callable[[Any], str] | None = None
    # The column's width on screen: "small", "medium", "large", pixels, or None (automatic).
    width: str | int | None = None


# --- pages of a long table ------------------------------------------------------------------

PAGE_SIZE = 50  # rows of a long table sent to the browser at once


@dataclass(frozen=True)
class TablePage:
    """One page of a table of ``total`` rows: its number (from 1), how many pages there are, and
    the rows it holds (``start`` included, ``stop`` excluded)."""

    number: int
    count: int
    start: int
    stop: int
    total: int


def table_page(total: int, requested: int, size: int = PAGE_SIZE) -> TablePage:
    """The page ``requested`` of ``total`` rows, kept within the pages there are (a filter that
    leaves fewer rows brings the reader back to the last page, never to an empty one)."""
    count = max(1, -(-total // size))
    number = min(max(1, requested), count)
    start = (number - 1) * size
    return TablePage(number, count, start, min(start + size, total), total)
