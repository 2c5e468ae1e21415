"""ODS as LibreOffice saves it, read as a stream (see below): the first sheet's cells, a
formula read as the value its file stores, a percentage as typed."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from tracker.core.errors import UploadError
from tracker.files.sheets import Row, Sheet, is_blank, percent_text
from tracker.files.uploads import MAX_COLUMNS, Budget, Refusal, open_safe_zip

# ODS: content.xml read as a stream with defusedxml (no entity expansion, no external
# entity); pandas' odf engine loads the whole document in memory and forgets which cells
# were formulas and which were percentages, both of which the import needs.

_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "calcext": "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


_TABLE, _ROW = _q("table", "table"), _q("table", "table-row")
_CELL, _COVERED = _q("table", "table-cell"), _q("table", "covered-table-cell")
_ROWS_REPEATED = _q("table", "number-rows-repeated")
_COLUMNS_REPEATED = _q("table", "number-columns-repeated")
_FORMULA, _VALUE_TYPE = _q("table", "formula"), _q("office", "value-type")
_VALUE, _DATE, _BOOL = _q("office", "value"), _q("office", "date-value"), \
    _q("office", "boolean-value")
_STRING_VALUE, _CALC_TYPE = _q("office", "string-value"), _q("calcext", "value-type")
_P, _S, _TAB, _BREAK = _q("text", "p"), _q("text", "s"), _q("text", "tab"), \
    _q("text", "line-break")
_ANNOTATION = _q("office", "annotation")
_ODS_REFERENCE = re.compile(r"\[\$?'?[^\].]*'?\.?([^\]]*)\]")


def _ods_formula(raw: str) -> str:
    """The formula as a user reads it: of:=SUM([.B2:.B4]) -> =SUM(B2:B4)."""
    text = raw.split(":", 1)[1] if raw[:3] in ("of:", "oooc") and ":" in raw else raw
    text = _ODS_REFERENCE.sub(lambda m: m[1].replace(":.", ":"), text)
    return text if text.startswith("=") else "=" + text


def _ods_text(element: Element) -> str:
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == _S:
                parts.append(" " * int(child.get(_q("text", "c"), "1")))
            elif child.tag == _TAB:
                parts.append("\t")
            elif child.tag == _BREAK:
                parts.append("\n")
            elif child.tag != _ANNOTATION:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    paragraphs = []
    for paragraph in element.findall(_P):  # the cell's own lines, not its comment's
        parts.clear()
        walk(paragraph)
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _ods_number(raw: str) -> object:
    value = Decimal(raw)
    return int(value) if value == value.to_integral_value() and "e" not in raw.lower() \
        and abs(value) < 10**15 else float(value)


def _ods_cell(cell: Element) -> tuple[object, str | None]:
    """(value, formula if the value is one's stored result)."""
    kind = cell.get(_VALUE_TYPE)
    formula = cell.get(_FORMULA)
    if kind is None:
        if formula:
            return _ods_formula(formula), None  # never computed: refused as a formula
        return _ods_text(cell) or None, None
    written = _ods_formula(formula) if formula else None
    if cell.get(_CALC_TYPE) == "error":
        return _ods_text(cell), written  # "#DIV/0!" is not a value
    if kind in ("float", "currency"):
        return _ods_number(cell.get(_VALUE, "")), written
    if kind == "percentage":
        return percent_text(Decimal(cell.get(_VALUE, ""))), written
    if kind == "boolean":
        return cell.get(_BOOL, "").lower() == "true", written
    if kind == "date":
        raw = cell.get(_DATE, "")
        return (datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)), written
    return cell.get(_STRING_VALUE) or _ods_text(cell) or None, written


def _ods_row(row: Element, filename: str, budget: Budget
             ) -> tuple[list[object], dict[int, str]]:
    """A row's cells (blank ones at its end left out) and its formulas by column index."""
    cells: list[object] = []
    formulas: dict[int, str] = {}
    blanks = 0  # blank cells not yet placed: only those before a value are
    for cell in row:
        if cell.tag not in (_CELL, _COVERED):
            continue
        repeat = int(cell.get(_COLUMNS_REPEATED, "1"))
        value, formula = _ods_cell(cell) if cell.tag == _CELL else (None, None)
        if is_blank(value):
            blanks += repeat
            continue
        if len(cells) + blanks + repeat > MAX_COLUMNS:
            raise Refusal("upload.zip_bomb", file=filename)
        budget.tick()
        cells.extend([None] * blanks)
        blanks = 0
        for _ in range(repeat):
            if formula:
                formulas[len(cells)] = formula
            cells.append(value)
    return cells, formulas


def _ods_sheet(stream: IO[bytes], filename: str) -> tuple[list[Row], dict[tuple[int, int], str]]:
    rows: list[Row] = []
    formulas: dict[tuple[int, int], str] = {}
    depth = 0  # tables open: a table nested in a cell is not the sheet's rows
    number = 0
    seen = False
    budget = Budget(filename)
    for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
        budget.tick()
        if element.tag == _TABLE:
            seen = True
            depth += 1 if event == "start" else -1
            if depth == 0:
                break  # the first sheet only, as for XLSX
            continue
        if event != "end" or element.tag != _ROW or depth != 1:
            continue
        repeat = int(element.get(_ROWS_REPEATED, "1"))
        cells, row_formulas = _ods_row(element, filename, budget)
        element.clear()
        if not cells:
            number += repeat  # trailing blank rows come as one row repeated a million times
            continue
        for _ in range(repeat):
            number += 1
            budget.row(number, cells)
            rows.append((number, cells))
            formulas.update(((number, index), text) for index, text in row_formulas.items())
    if not seen:
        raise Refusal("upload.no_sheet", file=filename)
    return rows, formulas


def read_ods(data: bytes, filename: str) -> Sheet:
    """The first sheet's rows and formulas (see tracker.files.sheets.Sheet)."""
    archive = open_safe_zip(data, filename, required="content.xml")
    try:
        if "mimetype" in archive.namelist() and \
                archive.read("mimetype").decode("ascii", "replace").strip() != _ODS_MIME:
            raise Refusal("upload.corrupt", file=filename)
        with archive.open("content.xml") as stream:
            rows, formulas = _ods_sheet(stream, filename)
    except UploadError:
        raise
    except (ParseError, DefusedXmlException, ValueError, InvalidOperation, KeyError, OSError,
            EOFError, zipfile.BadZipFile) as exc:
        raise Refusal("upload.corrupt", file=filename) from exc
    finally:
        archive.close()
    return rows, formulas
