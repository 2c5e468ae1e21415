"""Checks every uploaded file passes before any parser sees it: size, content type, ZIP bombs."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Sequence

from tracker.core.config import upload_limit_mb
from tracker.core.errors import UploadError
from tracker.core.i18n import t

MAX_ZIP_ENTRIES = 2000
MAX_ZIP_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200

ZIP_MAGIC = b"PK\x03\x04"

# What one upload may cost, for every import (results, targets, follow-up) and the PV. A
# quarter's results are 3 300 rows today, but the import is built (and benchmarked: bench/) for a
# whole administration's quarter of 100 000 rows of 6 columns: twice that is allowed; past it, or
# past the time budget, the file is refused before it costs more.
MAX_ROWS = 200_000
MAX_CELLS = 1_500_000  # the rows and cells of an XLSX are counted before it is opened
MAX_COLUMNS = 16_384  # Excel's own limit
MAX_CELL_CHARS = 32_767  # Excel's own limit on one cell
MAX_TEXT_CHARS = 2_000_000  # a PV of a thousand pages
READ_SECONDS = 10.0


class Refusal(UploadError):
    """An UploadError that remembers its catalogue entry, so that a refusal kept in a cache is
    told again in the language of whoever reads it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(t(key, None, **params))
        self.key = key
        self.params = params

    def retold(self) -> Refusal:
        return Refusal(self.key, **self.params)


def column_name(index: int) -> str:
    """A column as a spreadsheet names it: 0 -> A, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class Budget:
    """The work reading one file may cost (rows, cells, seconds), checked as its rows come, and
    what no cell may hold (a NUL character, more than an Excel cell holds)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.cells = 0
        self.deadline = time.monotonic() + READ_SECONDS

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise Refusal("upload.too_slow", file=self.filename, limit=int(READ_SECONDS))

    def row(self, number: int, cells: Sequence[object]) -> None:
        if number > MAX_ROWS:
            raise Refusal("upload.too_many_rows", file=self.filename, limit=MAX_ROWS)
        if len(cells) > MAX_COLUMNS:
            raise Refusal("upload.too_many_columns", file=self.filename, row=number,
                          limit=MAX_COLUMNS)
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise Refusal("upload.too_many_cells", file=self.filename, limit=MAX_CELLS)
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and (len(cell) > MAX_CELL_CHARS or "\x00" in cell):
                key = "upload.nul_cell" if "\x00" in cell else "upload.cell_too_long"
                raise Refusal(key, file=self.filename, row=number, column=column_name(index),
                              limit=MAX_CELL_CHARS)
        self.tick()


def check_text(text: str, filename: str, *, max_chars: int | None = None) -> str:
    """Refuse a text with a NUL character anywhere (naming its line; no database stores it
    the same way), or longer than ``max_chars``."""
    position = text.find("\x00")
    if position >= 0:
        raise Refusal("upload.nul_line", file=filename, line=text.count("\n", 0, position) + 1)
    if max_chars is not None and len(text) > max_chars:
        raise Refusal("upload.too_many_chars", file=filename, limit=max_chars)
    return text


def check_size(data: bytes, filename: str) -> None:
    """Refuse empty files and files over the upload limit (``TRACKER_UPLOAD_LIMIT_MB``)."""
    if not data:
        raise Refusal("upload.empty", file=filename)
    limit_mb = upload_limit_mb()
    if len(data) > limit_mb * 1024 * 1024:
        raise Refusal("upload.too_large", file=filename, limit=limit_mb)


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def open_safe_zip(data: bytes, filename: str, *, required: str | None = None) -> zipfile.ZipFile:
    """Open an Office file (DOCX, XLSX) after checking its entry count and expanded size.

    ``required`` names an entry that must be present (``word/document.xml``, ``xl/workbook.xml``)
    so that a ZIP of something else is refused as the wrong format.
    """
    check_size(data, filename)
    if not is_zip(data):
        raise Refusal("upload.not_office", file=filename)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refusal("upload.corrupt", file=filename) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Refusal("upload.zip_bomb", file=filename)
    expanded = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    if expanded > MAX_ZIP_EXPANDED_BYTES or expanded / compressed > MAX_ZIP_RATIO:
        raise Refusal("upload.zip_bomb", file=filename)
    names = {info.filename for info in infos}
    if required and required not in names:
        raise Refusal("upload.wrong_format", file=filename)
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise Refusal("upload.corrupt", file=filename) from exc
    if bad is not None:
        raise Refusal("upload.corrupt", file=filename)
    return archive


# Old binary Office files (.xls, .doc) are OLE2 compound files
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The mimetype entry of OpenDocument files, and the entry that marks each Office Open XML kind
_OPENDOCUMENT = {"application/vnd.oasis.opendocument.spreadsheet": "ods",
                 "application/vnd.oasis.opendocument.text": "odt",
                 "application/vnd.oasis.opendocument.presentation": "odp"}
_OFFICE_OPEN_XML = {"xl/workbook.xml": "xlsx", "word/document.xml": "docx",
                    "ppt/presentation.xml": "pptx"}
_MAGIC = {b"%PDF": "pdf", b"\x89PNG": "image", b"\xff\xd8\xff": "image", b"GIF8": "image",
          OLE2_MAGIC: "ole2", b"{\\rtf": "rtf"}


def sniff_format(data: bytes) -> str:
    """What a file is by its content, whatever its name says: xlsx, ods, docx, odt, pptx, odp,
    zip (another archive), broken_zip, ole2 (.xls, .doc), pdf, image, rtf, utf16 or text (a
    table or a document in characters), binary."""
    if is_zip(data):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                info = archive.getinfo("mimetype") if "mimetype" in names else None
                mimetype = archive.read(info).decode("ascii", "replace").strip() \
                    if info is not None and info.file_size < 200 else ""
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError):  # RuntimeError: an encrypted entry
            return "broken_zip"  # truncated or damaged: which kind cannot be told
        if mimetype in _OPENDOCUMENT:
            return _OPENDOCUMENT[mimetype]
        return next((kind for entry, kind in _OFFICE_OPEN_XML.items() if entry in names),
                    "zip")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    return "binary" if b"\x00" in data[:4096] else "text"


def decode_text(data: bytes, filename: str) -> str:
    """Decode a text upload: UTF-8 (with or without BOM), else Windows-1252; refuse binary,
    and a NUL anywhere (see check_text)."""
    check_size(data, filename)
    if b"\x00" in data[:4096] or is_zip(data):
        raise Refusal("upload.not_text", file=filename)
    try:
        return check_text(data.decode("utf-8-sig"), filename)
    except UnicodeDecodeError:
        pass
    try:
        return check_text(data.decode("cp1252"), filename)
    except UnicodeDecodeError as exc:
        raise Refusal("upload.not_text", file=filename) from exc
