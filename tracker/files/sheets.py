"""What every spreadsheet reader shares: a row as the user numbers it, a blank cell, and a
percentage given back as it was typed."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

Row = tuple[int, Sequence[object]]
# A sheet as read: its rows, and the cells read as the value a formula stored,
# (row, column index) -> the formula as written.
Sheet = tuple[list[Row], dict[tuple[int, int], str]]


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def percent_text(value: Decimal) -> str:
    # "87,5 %" typed in a percent cell is stored as 0.875: give back what was typed.
    return f"{format((value * 100).normalize(), 'f')} %"
