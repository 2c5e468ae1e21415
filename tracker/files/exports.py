"""Tables as files users can send: CSV (French Excel, or standard) and XLSX, with formula-like
text neutralised.

Two CSV flavours: ``csv_bytes`` is what French Excel opens directly (BOM, ``;``, decimal commas,
the filters on ``#`` lines above the header); ``standard_csv_bytes`` is RFC 4180 as every other
tool reads it with its default settings (UTF-8 without BOM, ``,``, ``.`` decimals, ISO dates,
the header on the first line).

A cell beginning with = + - @ tab or CR would run as a formula in a spreadsheet: it is prefixed
with an apostrophe. XLSX is written by xlsxwriter with strings_to_formulas off, numbers typed.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pandas as pd

from tracker.files.spreadsheet_writing import print_setup

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made inert."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    return out


def _tz_naive(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("Africa/Porto-Novo").dt.tz_localize(None)
        elif out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: v.replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo else v)
    return out


def csv_bytes(frame: pd.DataFrame, *, header_lines: list[str] | None = None) -> bytes:
    """UTF-8 with BOM, `;` separated (what French Excel opens directly), filters stated on top."""
    buffer = io.StringIO()
    for line in header_lines or []:
        buffer.write(f"# {neutralise(line)}\n")
    _safe(_tz_naive(frame)).to_csv(buffer, sep=";", index=False, decimal=",")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def standard_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 without BOM, ``,`` separated, ``.`` decimals, ISO dates, the header on the first
    line: ``pandas.read_csv`` (and R, and a CSV validator) reads it with default arguments."""
    out = _safe(_tz_naive(frame))
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            whole_days = bool((series.dropna() == series.dropna().dt.normalize()).all())
            out[column] = series.map(lambda v, days=whole_days: None if pd.isna(v) else
                                     v.date().isoformat() if days else
                                     _iso(v.to_pydatetime()))
        elif series.dtype == object:
            out[column] = series.map(_iso)
    buffer = io.StringIO()
    out.to_csv(buffer, sep=",", index=False, decimal=".", lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], *, header_lines: list[str] | None = None) -> bytes:
    """A workbook, one sheet per frame, typed cells, French number formats; each sheet with
    its header row frozen and set up to print (tracker.files.spreadsheet_writing.print_setup), the
    last
    header line (the date of the data) in the page header."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False,
                                            "strings_to_urls": False, "in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF4"})
    number = workbook.add_format({"num_format": "#,##0.###"})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    dt_format = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name, frame in sheets.items():
        sheet = workbook.add_worksheet(name[:31])
        row = 0
        for line in header_lines or []:
            sheet.write_string(row, 0, str(neutralise(line)))
            row += 1
        if header_lines:
            row += 1
        frame = _tz_naive(frame)
        for col, title in enumerate(frame.columns):
            sheet.write_string(row, col, str(neutralise(str(title))), bold)
            sheet.set_column(col, col, max(12, min(60, len(str(title)) + 4)))
        sheet.freeze_panes(row + 1, 0)
        print_setup(sheet, title=str(neutralise(name)), header_row=row,
                    as_of=str(neutralise(header_lines[-1])) if header_lines else "")
        for values in frame.itertuples(index=False):
            row += 1
            for col, value in enumerate(values):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(row, col, value)
                elif isinstance(value, int | float):
                    sheet.write_number(row, col, float(value), number)
                elif isinstance(value, datetime):
                    sheet.write_datetime(row, col, value, dt_format)
                elif isinstance(value, date):
                    sheet.write_datetime(row, col, datetime(value.year, value.month, value.day),
                                         date_format)
                else:
                    sheet.write_string(row, col, str(neutralise(str(value))))
    workbook.close()
    return buffer.getvalue()
