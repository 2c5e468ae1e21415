"""XLSX as people save it: the first sheet's cells read with openpyxl after the archive and
its cell count were checked, a formula read as the value its file stores, a percentage as
typed."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from typing import Any, cast

from tracker.core.errors import UploadError
from tracker.files.sheets import Row, Sheet, percent_text
from tracker.files.uploads import MAX_CELLS, MAX_ROWS, Budget, Refusal, open_safe_zip


def _xlsx_cell(cell: Any) -> object:
    value = cell.value
    if value is None:
        return None
    if getattr(cell, "data_type", None) == "f":
        # Array and data-table formulas come as objects; a formula is shown as "=…" so that
        # the value rules refuse it unless its file stores what it computed.
        text = value if isinstance(value, str) else str(getattr(value, "text", "") or "")
        return text if text.startswith("=") else "=" + text
    return _xlsx_value(value, cell.number_format)


def _xlsx_value(value: object, number_format: str | None) -> object:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and "%" in (number_format or ""):
        return percent_text(Decimal(repr(value)))
    return value


def _open_workbook(data: bytes, filename: str, *, data_only: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors
        raise Refusal("upload.corrupt", file=filename) from exc


# The cells and rows of a sheet's XML: counted as plain tags (fast), then as prefixed ones
_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")
_CELL_TAGS, _ROW_TAGS = tuple(b"<c" + e for e in _ENDS), tuple(b"<row" + e for e in _ENDS)
_PREFIXED_TAG = re.compile(rb"<[A-Za-z0-9_.-]+:(c|row)[\s/>]")


def _check_xlsx_size(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse a workbook whose sheets hold more cells or rows than an import reads, before
    openpyxl sees it: opening a sheet without a <dimension> makes openpyxl parse all of it,
    out of reach of any budget (millions of cells, many seconds)."""
    cells = rows = 0
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with archive.open(info) as stream:
            pending = b""
            while True:
                chunk = stream.read(1 << 20)
                buffer = pending + chunk
                # A tag cut in two is counted with the next chunk.
                cut = buffer.rfind(b"<") if chunk else len(buffer)
                cut = len(buffer) if cut < 0 else cut
                cells += sum(buffer.count(tag, 0, cut) for tag in _CELL_TAGS)
                rows += sum(buffer.count(tag, 0, cut) for tag in _ROW_TAGS)
                for match in _PREFIXED_TAG.finditer(buffer, 0, cut):
                    cells, rows = (cells + 1, rows) if match[1] == b"c" else (cells, rows + 1)
                if cells > MAX_CELLS:
                    raise Refusal("upload.too_many_cells", file=filename, limit=MAX_CELLS)
                if rows > MAX_ROWS:
                    raise Refusal("upload.too_many_rows", file=filename, limit=MAX_ROWS)
                if not chunk:
                    break
                pending = buffer[cut:]


def read_xlsx(data: bytes, filename: str) -> Sheet:
    """The first sheet's rows and formulas (see tracker.files.sheets.Sheet)."""
    with open_safe_zip(data, filename, required="xl/workbook.xml") as archive:
        _check_xlsx_size(archive, filename)
    workbook = _open_workbook(data, filename, data_only=False)
    rows: list[tuple[int, list[object]]] = []
    formats: dict[tuple[int, int], str | None] = {}
    try:
        if not workbook.worksheets:
            raise Refusal("upload.no_sheet", file=filename)
        sheet = workbook.worksheets[0]
        # A wrong <dimension> (common from non-Excel producers) would cut columns off.
        sheet.reset_dimensions()
        budget = Budget(filename)
        for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
            values = []
            for index, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f" and cell.value is not None:
                    formats[(number, index)] = cell.number_format
                values.append(_xlsx_cell(cell))
            budget.row(number, values)
            rows.append((number, values))
    except UploadError:
        raise
    except Exception as exc:
        raise Refusal("upload.corrupt", file=filename) from exc
    finally:
        workbook.close()
    formulas = _xlsx_computed(data, filename, rows, formats) if formats else {}
    return cast(list[Row], rows), formulas


def _xlsx_computed(data: bytes, filename: str, rows: list[tuple[int, list[object]]],
                   formats: dict[tuple[int, int], str | None]) -> dict[tuple[int, int], str]:
    """Formula cells replaced by the value Excel or LibreOffice stored when saving; a formula
    without one (a file written by a program that does not compute) stays "=…"."""
    workbook = _open_workbook(data, filename, data_only=True)
    computed: dict[tuple[int, int], str] = {}
    last = max(number for number, _ in formats)
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for (number, values), stored in zip(rows, sheet.iter_rows(min_row=1, max_row=last,
                                                                   values_only=True),
                                            strict=False):
            for index, value in enumerate(stored):
                if (number, index) not in formats or value is None or index >= len(values):
                    continue
                computed[(number, index)] = str(values[index])
                values[index] = _xlsx_value(value, formats[(number, index)])
    except Exception as exc:
        raise Refusal("upload.corrupt", file=filename) from exc
    finally:
        workbook.close()
    return computed
