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
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

from tracker.core.errors import RowError, UploadError
from tracker.core.i18n import t
from tracker.core.refdata import normalize
from tracker.files import ods_reading, xlsx_reading
from tracker.files.sheets import Row, Sheet, is_blank
from tracker.files.uploads import (
    Budget,
    Refusal,
    check_size,
    check_text,
    decode_text,
    sniff_format,
)

# Title blocks above the header are a few lines; a header further down is not a header.
HEADER_SEARCH_ROWS = 50
CSV_DELIMITERS = (";", ",", "\t")
# The limits (rows, cells, columns, seconds) are tracker.files.uploads', for every import.
# Files read lately, by content: a page reruns on every click, and reading a file is the
# costly part of an import (see read_rows).
CACHED_FILES = 3

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
        reader = xlsx_reading.read_xlsx if kind == "xlsx" else ods_reading.read_ods
        return _cached((hashlib.sha256(data).digest(), filename, kind),
                       lambda: reader(data, filename))
    if kind == "broken_zip":
        raise Refusal("upload.corrupt", file=filename)
    if kind not in ("text", "utf16"):
        raise Refusal("upload.not_spreadsheet", file=filename, found=t(f"upload.kind_{kind}"))
    text = decode(data, filename)
    delimiter = sniff_delimiter(text, roles, enough=enough)
    if delimiter is None:
        raise Refusal(no_header_key, file=filename)
    return _cached((hashlib.sha256(data).digest(), filename, delimiter),
                   lambda: (list(_csv_rows(text, delimiter, filename)), {}))


_read: OrderedDict[tuple[bytes, str, str], Sheet | UploadError] = OrderedDict()
_read_lock = threading.Lock()


def forget_read_files() -> None:
    """Empty the files-read cache (after a limit changes, in tests)."""
    with _read_lock:
        _read.clear()


def _cached(key: tuple[bytes, str, str], read: Callable[[], Sheet]) -> Rows:
    """The rows of a file read before (by content, name and separator), else ``read()``'s; a
    refusal is kept too and told again in the current language."""
    with _read_lock:
        known = _read.get(key)
        if known is not None:
            _read.move_to_end(key)
    if known is None:
        try:
            known = read()
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
