"""Spreadsheets as people have them: every table import reads XLSX, ODS, CSV and TSV here, the
format told by the content, the header row searched below a title block, a formula read as the
value its file stores (tracker.files.spreadsheet_writing writes what the product hands out)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from tracker.core.errors import RowError, UploadError
from tracker.core.i18n import t
from tracker.core.refdata import normalize
from tracker.files.uploads import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    Budget,
    Refusal,
    check_size,
    check_text,
    decode_text,
    open_safe_zip,
    sniff_format,
)

# Title blocks above the header are a few lines; a header further down is not a header.
HEADER_SEARCH_ROWS = 50
CSV_DELIMITERS = (";", ",", "\t")
# The limits (rows, cells, columns, seconds) are tracker.files.uploads', for every import.
# Files read lately, by content: a page reruns on every click, and reading a file is the
# costly part of an import (see read_rows).
CACHED_FILES = 3

Row = tuple[int, Sequence[object]]
HeaderFound = tuple[int, dict[str, int], dict[str, str]]

_PARENTHESIS = re.compile(r"\s*\(.*\)\s*$")


# -- header matching ---------------------------------------------------------------------------


def header_key(cell: object) -> str:
    """A header as compared with the known names: case, accents, "(unit)" and a trailing
    colon or star do not count."""
    text = normalize(str(cell)) if cell is not None else ""
    return _PARENTHESIS.sub("", text).rstrip(" :*").strip()


def header_positions(cells: Sequence[object], roles: dict[str, str]
                     ) -> tuple[dict[str, int], dict[str, str]]:
    """Which known column (role) sits where in a header row, and its header as written; ``roles``
    maps normalised header texts to roles. The first column wins when a header repeats: later
    ones are usually notes."""
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    for position, cell in enumerate(cells):
        role = roles.get(header_key(cell))
        if role and role not in index:
            index[role] = position
            header[role] = str(cell).strip()
    return index, header


def two_known_columns(index: dict[str, int]) -> bool:
    return len(index) >= 2


def find_header(rows: Iterable[Row], roles: dict[str, str], *,
                enough: Callable[[dict[str, int]], bool] = two_known_columns
                ) -> HeaderFound | None:
    """The header row of an import: the first row, within the first rows of the file, whose
    known columns (``roles``: normalised header text to role) are ``enough`` (by default, two
    of them). Returns its number, where each role sits and each role's header as written."""
    for number, cells in rows:
        if number > HEADER_SEARCH_ROWS:
            return None
        index, header = header_positions(cells, roles)
        if enough(index):
            return number, index, header
    return None


def is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# -- the rows of a file ------------------------------------------------------------------------


class Rows:
    """The rows of an uploaded sheet, numbered as the user sees them, read once in order.

    ``formulas`` names the cells read as the value their file stores for a formula:
    (row, column index) -> the formula as written."""

    def __init__(self, rows: Iterator[Row], filename: str,
                 formulas: dict[tuple[int, int], str] | None = None) -> None:
        self._rows = rows
        self.filename = filename
        self.formulas = formulas or {}

    def __iter__(self) -> Iterator[Row]:
        return self

    def __next__(self) -> Row:
        return next(self._rows)

    def data(self, empty_key: str) -> Iterator[Row]:
        """The rows left after the header that hold something; a file with none is refused
        (``empty_key``: its message) rather than imported as nothing."""
        found = False
        for number, cells in self._rows:
            if all(is_blank(cell) for cell in cells):
                continue
            found = True
            yield number, cells
        if not found:
            raise Refusal(empty_key, file=self.filename)

    def formula_notes(self, columns: dict[int, str], rows: Iterable[int] | None = None
                      ) -> list[RowError]:
        """A note per cell of a known column (``columns``: index -> header as written) whose
        value a formula computed, for the preview; only ``rows`` when given."""
        keep = None if rows is None else set(rows)
        return [RowError(row, columns[index], t("upload.formula_value", formula=formula))
                for (row, index), formula in sorted(self.formulas.items())
                if index in columns and (keep is None or row in keep)]


def read_rows(data: bytes, filename: str, *, roles: dict[str, str], no_header_key: str,
              enough: Callable[[dict[str, int]], bool] = two_known_columns) -> Rows:
    """The rows of an uploaded spreadsheet's first sheet (XLSX, ODS, or CSV/TSV in any
    separator and encoding the product accepts); the one reader of every table import.

    A text file's separator is the one under which the import's header (``roles``, ``enough``:
    see find_header) is found; without one, ``no_header_key`` says so. Any other kind of file
    is refused, naming the formats accepted and the one found.

    Reading costs at most the limits of tracker.files.uploads (rows, cells, seconds), and a
    file is read once: the rows of the last few files read (or why they were refused) are kept
    by content, so the reruns of a page with a file in its uploader read nothing again."""
    check_size(data, filename)
    kind = sniff_format(data)
    if kind in ("xlsx", "ods"):
        return _cached((hashlib.sha256(data).digest(), filename, kind),
                       lambda: (_xlsx_rows if kind == "xlsx" else _ods_rows)(data, filename))
    if kind == "broken_zip":
        raise Refusal("upload.corrupt", file=filename)
    if kind not in ("text", "utf16"):
        raise Refusal("upload.not_spreadsheet", file=filename, found=t(f"upload.kind_{kind}"))
    text = decode(data, filename)
    delimiter = sniff_delimiter(text, roles, enough=enough)
    if delimiter is None:
        raise Refusal(no_header_key, file=filename)
    return _cached((hashlib.sha256(data).digest(), filename, delimiter),
                   lambda: Rows(iter(list(_csv_rows(text, delimiter, filename))), filename))


_read: OrderedDict[tuple[bytes, str, str], tuple[list[Row], dict[tuple[int, int], str]]
                   | UploadError] = OrderedDict()
_read_lock = threading.Lock()


def forget_read_files() -> None:
    """Empty the files-read cache (after a limit changes, in tests)."""
    with _read_lock:
        _read.clear()


def _cached(key: tuple[bytes, str, str], read: Callable[[], Rows]) -> Rows:
    """The rows of a file read before (by content, name and separator), else ``read()``'s; a
    refusal is kept too and told again in the current language."""
    with _read_lock:
        known = _read.get(key)
        if known is not None:
            _read.move_to_end(key)
    if known is None:
        try:
            rows = read()
            known = (list(rows), rows.formulas)
        except UploadError as exc:
            known = exc
        with _read_lock:
            _read[key] = known
            while len(_read) > CACHED_FILES:
                _read.popitem(last=False)
    if isinstance(known, Refusal):
        raise known.retold() from known.__cause__
    if isinstance(known, UploadError):
        raise UploadError(str(known)) from known.__cause__
    rows_read, formulas = known
    return Rows(iter(rows_read), key[1], formulas)


def _percent(value: Decimal) -> str:
    # "87,5 %" typed in a percent cell is stored as 0.875: give back what was typed.
    return f"{format((value * 100).normalize(), 'f')} %"


# XLSX


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
        return _percent(Decimal(repr(value)))
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


def _xlsx_rows(data: bytes, filename: str) -> Rows:
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
    return Rows(iter(rows), filename, formulas)


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
        return _percent(Decimal(cell.get(_VALUE, ""))), written
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


def _ods_rows(data: bytes, filename: str) -> Rows:
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
    return Rows(iter(rows), filename, formulas)


# CSV and TSV


def _head_records(head: list[str], delimiter: str) -> Iterator[Row]:
    # The first lines may cut a quoted cell in two: use the records read before that.
    reader = csv.reader(head, delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except (StopIteration, csv.Error):
            return
        number += 1
        yield number, cells


def sniff_delimiter(text: str, roles: dict[str, str], *,
                    enough: Callable[[dict[str, int]], bool] = two_known_columns) -> str | None:
    """The separator under which the import's header row appears, preferring the header with
    the most known columns, then the earliest."""
    head = list(islice(io.StringIO(text, newline=""), HEADER_SEARCH_ROWS))
    best: tuple[int, int, str] | None = None
    for delimiter in CSV_DELIMITERS:
        found = find_header(_head_records(head, delimiter), roles, enough=enough)
        if found is None:
            continue
        number, index, _ = found
        score = (len(index), -number, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else None


def decode(data: bytes, filename: str) -> str:
    """A text table's characters: UTF-8 (with or without BOM), Windows-1252, or the UTF-16
    that Excel's "Unicode text" export (the usual way to get TSV out of it) writes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        check_size(data, filename)
        try:
            return check_text(data.decode("utf-16"), filename)
        except UnicodeDecodeError as exc:
            raise Refusal("upload.not_text", file=filename) from exc
    return decode_text(data, filename)


def _csv_rows(text: str, delimiter: str, filename: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    budget = Budget(filename)
    try:
        # A spreadsheet row is a CSV record, even when a quoted cell spans several lines.
        for number, cells in enumerate(reader, start=1):
            budget.row(number, cells)
            yield number, cells
    except csv.Error as exc:
        raise Refusal("upload.csv_broken", file=filename, row=number + 1) from exc
