"""Checks every uploaded file passes before any parser sees it: size, content type, ZIP bombs."""

from __future__ import annotations

import io
import zipfile

from tracker.core.config import upload_limit_mb
from tracker.core.errors import UploadError
from tracker.core.i18n import t

MAX_ZIP_ENTRIES = 2000
MAX_ZIP_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200

ZIP_MAGIC = b"PK\x03\x04"


def check_size(data: bytes, filename: str) -> None:
    """Refuse empty files and files over the upload limit (``TRACKER_UPLOAD_LIMIT_MB``)."""
    if not data:
        raise UploadError(t("upload.empty", file=filename))
    limit_mb = upload_limit_mb()
    if len(data) > limit_mb * 1024 * 1024:
        raise UploadError(t("upload.too_large", file=filename, limit=limit_mb))


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def open_safe_zip(data: bytes, filename: str, *, required: str | None = None) -> zipfile.ZipFile:
    """Open an Office file (DOCX, XLSX) after checking its entry count and expanded size.

    ``required`` names an entry that must be present (``word/document.xml``, ``xl/workbook.xml``)
    so that a ZIP of something else is refused as the wrong format.
    """
    check_size(data, filename)
    if not is_zip(data):
        raise UploadError(t("upload.not_office", file=filename))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadError(t("upload.corrupt", file=filename)) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UploadError(t("upload.zip_bomb", file=filename))
    expanded = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    if expanded > MAX_ZIP_EXPANDED_BYTES or expanded / compressed > MAX_ZIP_RATIO:
        raise UploadError(t("upload.zip_bomb", file=filename))
    names = {info.filename for info in infos}
    if required and required not in names:
        raise UploadError(t("upload.wrong_format", file=filename))
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise UploadError(t("upload.corrupt", file=filename)) from exc
    if bad is not None:
        raise UploadError(t("upload.corrupt", file=filename))
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
    """Decode a text upload: UTF-8 (with or without BOM), else Windows-1252; refuse binary."""
    check_size(data, filename)
    if b"\x00" in data[:4096] or is_zip(data):
        raise UploadError(t("upload.not_text", file=filename))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UploadError(t("upload.not_text", file=filename)) from exc
