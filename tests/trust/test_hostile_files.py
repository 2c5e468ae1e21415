"""Hostile uploads: a corpus of a few hundred files built here (ZIP bombs, XXE, billion laughs,
other kinds of file renamed, NUL characters at every kind of offset, encodings, huge rows and
cells, formula payloads, impossible dates, a million rows, ODS variants) goes through the reading
function of every import and the PV parser. Each file is refused with a message naming it, or
read exactly; none takes long or much memory; nothing reaches the database; and a file sitting in
an import panel is read once, however many times the page reruns."""

from __future__ import annotations

import codecs
import io
import random
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, func, inspect, select, table
from sqlmodel import Session

from tracker.conference.followup import read_followup_file
from tracker.core.errors import UploadError, ValidationFailed
from tracker.core.i18n import set_language
from tracker.files import spreadsheets, uploads, xlsx_reading
from tracker.minutes.parser import parse_minutes
from tracker.reference.catalogue import kpi_refs, structure_refs
from tracker.results.importing import read_results_file
from tracker.results.targets import read_targets_file

SECONDS_PER_FILE = 20.0  # a hang guard, not a benchmark
PEAK_BYTES = 400 * 1024 * 1024

# One table that all three imports recognise: follow-up (session, text, owner, due, status),
# results (structure, indicator, value, quarter) and targets (indicator, value, quarter).
HEADER = ["Session", "Recommandation", "Structure", "Indicateur", "Valeur", "Trimestre",
          "Échéance", "Statut"]
ROWS = [["1re session 2025", "Publier le schéma directeur", "MS", "ESV_PUB", "12", "T1",
         "31/12/2025", "En cours"],
        ["1re session 2025", "Raccorder les préfectures", "MS", "ESV_NEW", "3", "T1",
         "30/06/2025", "Réalisé"]]
RESULTS = {("MS", "ESV_PUB", 12.0), ("MS", "ESV_NEW", 3.0)}
TARGETS = {("ESV_PUB", "MS", 1, 12.0), ("ESV_NEW", "MS", 1, 3.0)}


@dataclass
class Hostile:
    name: str
    data: bytes
    refused: bool | None = True  # by every table import; None: refused, or read exactly
    says: str = ""  # what the refusal must say, besides the file's name
    exact: bool = False  # a genuine table: results and targets read exactly ROWS


# -- builders --------------------------------------------------------------------------------


def table_text(rows: list[list[str]], sep: str = ";") -> str:
    return "".join(sep.join(row) + "\r\n" for row in [HEADER, *rows])


def zipped(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first is not None:
            archive.writestr(stored_first, entries[stored_first], zipfile.ZIP_STORED)
        for name, content in entries.items():
            if name != stored_first:
                archive.writestr(name, content)
    return out.getvalue()


def _openpyxl_table() -> dict[str, bytes]:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return {info.filename: archive.read(info.filename) for info in archive.infolist()}


XLSX_PARTS = _openpyxl_table()
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def xlsx(sheet_xml: bytes | None = None, **replaced: bytes) -> bytes:
    parts = dict(XLSX_PARTS)
    if sheet_xml is not None:
        parts[SHEET] = sheet_xml
    parts.update({name.replace("__", "/").replace("_dot_", "."): content
                  for name, content in replaced.items()})
    return zipped(parts)


def inline(value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>'


def sheet_of(rows: list[list[str]], *, doctype: str = "") -> bytes:
    body = "".join("<row>" + "".join(inline(cell) for cell in row) + "</row>" for row in rows)
    head = SHEET_HEAD.decode()
    if doctype:
        head = head.replace("<worksheet", doctype + "<worksheet", 1)
    return (head + f"<sheetData>{body}</sheetData></worksheet>").encode()


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def ods_cell(value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    return (f'<table:table-cell office:value-type="string"><text:p>{escaped}</text:p>'
            "</table:table-cell>")


def ods_rows(rows: list[list[str]]) -> str:
    return "".join("<table:table-row>" + "".join(ods_cell(c) for c in row) +
                   "</table:table-row>" for row in rows)


def ods(body: str, *, doctype: str = "", mimetype: bytes | None = ODS_MIME) -> bytes:
    content = (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<office:document-content '
               f'{ODS_NS}><office:body><office:spreadsheet><table:table table:name="S">'
               f"{body}</table:table></office:spreadsheet></office:body>"
               "</office:document-content>").encode()
    entries = {"content.xml": content}
    if mimetype is not None:
        entries = {"mimetype": mimetype, **entries}
    return zipped(entries, stored_first="mimetype" if mimetype is not None else None)


def docx(document_xml: bytes) -> bytes:
    return zipped({"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
                   b'openxmlformats.org/package/2006/content-types"/>',
                   "word/document.xml": document_xml})


def word_body(text: str, *, doctype: str = "") -> bytes:
    return (f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="http://schemas.openxmlformats.'
            f'org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            "</w:body></w:document>").encode()


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
PARAMETER = '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
QUADRATIC = '<!DOCTYPE r [<!ENTITY a "' + "A" * 50_000 + '">]>'
DOCTYPE_ONLY = "<!DOCTYPE r>"
PAYLOADS = {"laughs": (LAUGHS, "&lol3;"), "xxe": (XXE, "&xxe;"), "parameter": (PARAMETER, ""),
            "quadratic": (QUADRATIC, "&a;" * 200), "doctype": (DOCTYPE_ONLY, "x")}


def _bomb_sheet(megabytes: int) -> bytes:
    return SHEET_HEAD + b"<sheetData>" + b"<row><c><v>0</v></c></row>" * (
        megabytes * 1024 * 1024 // 26) + b"</sheetData></worksheet>"


def _noisy_sheet(rows: int, columns: int, top: int = 10**9) -> bytes:
    # Random numbers: compresses like a real sheet (under the ZIP ratio limit).
    generator = random.Random(rows * columns)
    lines = [SHEET_HEAD, b"<sheetData>"]
    for _ in range(rows):
        lines.append(b"<row>" + b"".join(b"<c><v>%d</v></c>" % generator.randrange(top)
                                         for _ in range(columns)) + b"</row>")
    lines.append(b"</sheetData></worksheet>")
    return b"".join(lines)


def _many_entries(count: int) -> bytes:
    parts = dict(XLSX_PARTS)
    parts.update({f"xl/media/x{i}.bin": b"" for i in range(count)})
    return zipped(parts)


def _lying_zip() -> bytes:
    data = bytearray(xlsx())
    index = data.rfind(SHEET.encode())
    data[index - 30:index - 26] = b"\x01\x00\x00\x00"  # the sheet's CRC, in the directory
    return bytes(data)


# -- the corpus --------------------------------------------------------------------------------


def corpus() -> Iterator[Hostile]:
    text = table_text(ROWS)
    many = table_text(ROWS + [["", f"Ligne {i}", "MS", "ESV_DEM", str(i), "T1", "", ""]
                              for i in range(3000)])
    # Genuine tables in the encodings and separators people send: read exactly.
    for sep, sep_name in ((";", "semicolon"), (",", "comma"), ("\t", "tab")):
        for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-be-bom"):
            body = table_text(ROWS, sep)
            data = (codecs.BOM_UTF16_BE + body.encode("utf-16-be")
                    if encoding == "utf-16-be-bom" else body.encode(encoding))
            yield Hostile(f"ok-{sep_name}-{encoding}.csv", data, refused=False, exact=True)
    yield Hostile("ok.xlsx", xlsx(), refused=False, exact=True)
    yield Hostile("ok.ods", ods(ods_rows([HEADER, *ROWS])), refused=False, exact=True)
    yield Hostile("ok-inline.xlsx", xlsx(sheet_of([HEADER, *ROWS])), refused=False, exact=True)
    # NUL anywhere in a text file, in each encoding
    size = len(many.encode())
    for offset in (0, 1, 100, 4095, 4096, 4097, 5000, 65_536, 100_000, size - 3, size - 1):
        for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16"):
            chars = min(offset, len(many) - 1)
            data = (many[:chars] + "\x00" + many[chars:]).encode(encoding)
            says = "" if offset < 4096 and encoding != "utf-16" else "caractère nul (ligne"
            yield Hostile(f"nul-{offset}-{encoding}.csv", data, says=says)
    for offset in (10, 5000, 50_000):
        pv = ("# Procès-verbal de la 1re session du CDSI\n\nDate : 12/03/2025\n\n" +
              "Le comité a examiné les points inscrits.\n" * 2000)
        yield Hostile(f"nul-{offset}.md", (pv[:offset] + "\x00" + pv[offset:]).encode())
        yield Hostile(f"nul-{offset}.txt", (pv[:offset] + "\x00" + pv[offset:]).encode("cp1252"))
    # Excel's escape for NUL (_x0000_) stays the text it is; a character reference to NUL is
    # not XML (test_a_nul_in_a_cell_is_refused_naming_its_row_and_column: the check itself)
    for row, column in ((1, 0), (2, 1), (2, 4), (3, 7)):
        rows = [list(r) for r in [HEADER, *ROWS]]
        rows[row - 1][column] = rows[row - 1][column] + "_x0000_"
        yield Hostile(f"nul-escape-{row}-{column}.xlsx", xlsx(sheet_of(rows)), refused=False)
    yield Hostile("nul-entity.xlsx", xlsx(sheet_of([HEADER, [*ROWS[0][:4], "1&#0;"]]).replace(
        b"&amp;#0;", b"&#0;")))
    yield Hostile("nul-entity.ods", ods(ods_rows([HEADER]) + ods_rows([ROWS[0]]).replace(
        "MS", "M&#0;S")))
    # ZIP bombs and broken archives, under every name
    bombs = {"deflate-bomb": xlsx(_bomb_sheet(40)), "entries": _many_entries(2100),
             "lying-crc": _lying_zip(), "truncated": xlsx()[:-200],
             "nested": zipped({"inner.zip": xlsx(_bomb_sheet(20)), "xl/workbook.xml": b""}),
             "ods-bomb": ods("<table:table-row>" + ods_cell("x") * 5 + "</table:table-row>" +
                             "<table:table-row/>" * 2_000_000),
             "docx-bomb": docx(b"<w:document>" + b" " * 60_000_000 + b"</w:document>")}
    for label, data in bombs.items():
        for extension in ("xlsx", "ods", "csv", "docx"):
            yield Hostile(f"{label}.{extension}", data)
    # XXE, billion laughs, quadratic blow-up, external DTD: in every XML part read
    for label, (doctype, use) in PAYLOADS.items():
        rows_x = [HEADER, [ROWS[0][0], use, *ROWS[0][2:]]]
        either = None if label == "doctype" else True  # a DOCTYPE alone expands nothing
        yield Hostile(f"{label}-sheet.xlsx", xlsx(sheet_of(rows_x, doctype=doctype)),
                      refused=either)
        shared = (f'<?xml version="1.0"?>{doctype}<sst xmlns="http://schemas.openxmlformats.org/'
                  f'spreadsheetml/2006/main"><si><t>{use}</t></si></sst>').encode()
        # A part the workbook does not use, and the workbook itself (the sheet's name)
        yield Hostile(f"{label}-strings.xlsx", xlsx(xl__sharedStrings_dot_xml=shared),
                      refused=None, exact=True)
        workbook = XLSX_PARTS["xl/workbook.xml"].decode().replace("?>", "?>" + doctype, 1)
        yield Hostile(f"{label}-workbook.xlsx", xlsx(xl__workbook_dot_xml=re.sub(
            r'name="[^"]*"', f'name="S{use[:3000]}"', workbook, count=1).encode()),
            refused=None, exact=True)
        yield Hostile(f"{label}.ods", ods(ods_rows([HEADER, [use, *ROWS[0][1:]]]),
                                          doctype=doctype))
        yield Hostile(f"{label}.docx", docx(word_body(use, doctype=doctype)))
    # Other kinds of file, renamed
    kinds = {"pdf": b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n", "png": b"\x89PNG\r\n\x1a\n" +
             bytes(64), "jpeg": b"\xff\xd8\xff\xe0" + bytes(64), "gif": b"GIF89a" + bytes(32),
             "ole2": uploads.OLE2_MAGIC + bytes(512), "rtf": b"{\\rtf1\\ansi Bonjour}",
             "elf": b"\x7fELF\x02\x01\x01" + bytes(64), "gzip": b"\x1f\x8b\x08" + bytes(32),
             "random": random.Random(7).randbytes(4096), "empty": b"",
             "docx-as-table": docx(word_body("Session")), "pptx": zipped(
                 {"ppt/presentation.xml": b"<p/>"}), "odt": zipped(
                 {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<a/>"},
                 stored_first="mimetype"), "plain-zip": zipped({"a.txt": b"bonjour"}),
             "xlsx-no-workbook": zipped({SHEET: XLSX_PARTS[SHEET]})}
    for label, data in kinds.items():
        for extension in ("csv", "xlsx", "ods", "md"):
            yield Hostile(f"{label}.{extension}", data)
    for label, data in {"html": b"<html><body><table><tr><td>Session</td></tr></table>",
                        "json": b'{"Session": 1, "Valeur": 2}', "xml": b"<?xml version='1.0'?>"
                        b"<Session/>", "tar": b"ustar".rjust(262, b"\x00")}.items():
        yield Hostile(f"{label}.csv", data)
    # Huge rows and cells
    yield Hostile("cell-40k.csv", table_text([[*ROWS[0][:4], "1" * 40_000]]).encode(),
                  says="32767 caractères (ligne 2, colonne E)")
    yield Hostile("cell-200k.csv", table_text([[*ROWS[0][:4], "1" * 200_000]]).encode())
    yield Hostile("cell-40k.xlsx", xlsx(sheet_of([HEADER, [*ROWS[0][:1], "a" * 40_000]])),
                  says="ligne 2, colonne B")
    yield Hostile("cell-40k.ods", ods(ods_rows([HEADER, ["a" * 40_000]])), says="ligne 2")
    yield Hostile("columns-20k.csv", (table_text(ROWS) + ";" * 20_000 + "x\r\n").encode(),
                  says="16384 colonnes")
    yield Hostile("columns-20k.xlsx", xlsx(sheet_of([HEADER, ["1"] * 20_000])))
    yield Hostile("columns-repeated.ods", ods(ods_rows([HEADER]) + '<table:table-row>'
                  '<table:table-cell table:number-columns-repeated="100000" '
                  'office:value-type="string"><text:p>x</text:p></table:table-cell>'
                  "</table:table-row>"))
    cells, rows = f"{uploads.MAX_CELLS} cellules", f"{uploads.MAX_ROWS} lignes"
    yield Hostile("rows-repeated.ods", ods(ods_rows([HEADER]) + ods_rows([ROWS[0]]).replace(
        "<table:table-row>", '<table:table-row table:number-rows-repeated="1000000">')),
        says=cells)  # 8 cells a row: the cells run out first
    over = uploads.MAX_CELLS // 15 + 1_000  # rows of 15 cells: just past the cell limit
    yield Hostile("cells-over.xlsx", xlsx(_noisy_sheet(over, 15)), says=cells)
    yield Hostile("cells-3m.xlsx", xlsx(_noisy_sheet(100_000, 30, 100)), says=cells)
    yield Hostile("cells-over.csv", (table_text(ROWS) + "\r\n".join(
        ";".join(["1"] * 15) for _ in range(over))).encode(), says=cells)
    yield Hostile("rows-over.xlsx", xlsx(_noisy_sheet(uploads.MAX_ROWS + 10_000, 1)), says=rows)
    # A million rows, as text (cheap to build, under the upload limit)
    million = "\n".join(["a;b;MS"] * 1_000_000)
    yield Hostile("million.csv", (text + million).encode(), says=rows)
    yield Hostile("million-blank.csv", (text + "\n" * 1_000_000).encode(),
                  says=str(uploads.MAX_ROWS))
    yield Hostile("million-separators.csv", (text + ";;\n" * 1_000_000).encode(),
                  says=str(uploads.MAX_ROWS))
    yield Hostile("million.md", ("# PV\n\n" + "- décision\n" * 900_000).encode(),
                  refused=True)
    yield Hostile("characters.txt", ("Procès-verbal de session. " * 90_000).encode(),
                  refused=True)
    # Formula payloads: never a value, never a crash
    for index, payload in enumerate(("=HYPERLINK(\"http://x\";\"clic\")", "=cmd|' /C calc'!A0",
                                     "+1+1", "-2+3", "@SUM(1;2)", "\t=1+1", "\r=1+1",
                                     "=1/0", "DDE(\"cmd\";\"/c calc\";\"x\")")):
        rows = [[*ROWS[0][:4], payload, *ROWS[0][5:]], [payload, *ROWS[1][1:]]]
        yield Hostile(f"formula-{index}.csv", table_text(rows).encode(), refused=False)
        yield Hostile(f"formula-{index}.xlsx", xlsx(sheet_of([HEADER, *rows])), refused=False)
    formula_sheet = SHEET_HEAD + (
        "<sheetData><row>" + "".join(inline(h) for h in HEADER) + "</row><row>" +
        "".join(inline(c) for c in ROWS[0][:4]) + "<c><f>WEBSERVICE(\"http://x\")</f></c>"
        "</row></sheetData></worksheet>").encode()
    yield Hostile("formula-uncomputed.xlsx", xlsx(formula_sheet), refused=False)
    yield Hostile("formula.ods", ods(ods_rows([HEADER]) + "<table:table-row>" + "".join(
        ods_cell(c) for c in ROWS[0][:4]) + '<table:table-cell table:formula="of:=[.A1]*2"/>'
        "</table:table-row>"), refused=False)
    # Impossible dates
    for index, due in enumerate(("31/02/2025", "2025-13-01", "00/00/0000", "99999",
                                 "-1", "29/02/2023", "32 janvier 2025", "9999999999")):
        rows = [[*ROWS[0][:6], due, ROWS[0][7]]]
        yield Hostile(f"date-{index}.csv", table_text(rows).encode(), refused=False)
    for raw in ("2025-02-30", "0000-00-00", "x"):
        yield Hostile(f"date-{raw}.ods", ods(ods_rows([HEADER]) + "<table:table-row>" +
                      "".join(ods_cell(c) for c in ROWS[0][:6]) +
                      f'<table:table-cell office:value-type="date" office:date-value="{raw}"/>'
                      "</table:table-row>"))
    date_sheet = SHEET_HEAD + ("<sheetData><row>" + "".join(inline(h) for h in HEADER) +
                               "</row><row>" + "".join(inline(c) for c in ROWS[0][:6]) +
                               '<c s="1"><v>-5</v></c></row></sheetData></worksheet>').encode()
    yield Hostile("date-negative.xlsx", xlsx(date_sheet), refused=False)
    # ODS variants
    variants = {
        "no-mimetype": ods(ods_rows([HEADER, *ROWS]), mimetype=None),
        "wrong-mimetype": ods(ods_rows([HEADER, *ROWS]), mimetype=b"text/plain"),
        "no-content": zipped({"mimetype": ODS_MIME}, stored_first="mimetype"),
        "no-table": zipped({"mimetype": ODS_MIME, "content.xml": b"<a/>"},
                           stored_first="mimetype"),
        "bad-xml": zipped({"mimetype": ODS_MIME, "content.xml": b"<a><b></a>"},
                          stored_first="mimetype"),
        "bad-float": ods(ods_rows([HEADER]) + '<table:table-row><table:table-cell '
                         'office:value-type="float" office:value="abc"/></table:table-row>'),
        "bad-repeat": ods(ods_rows([HEADER]) + '<table:table-row table:number-rows-repeated='
                          '"x">' + ods_cell("a") + "</table:table-row>"),
        "nested-table": ods(ods_rows([HEADER]) + "<table:table-row><table:table-cell>"
                            '<table:table table:name="in">' + ods_rows([["x"]]) +
                            "</table:table></table:table-cell></table:table-row>"),
    }
    for label, data in variants.items():
        yield Hostile(f"{label}.ods", data)
    for label, data in {
        "huge-float": ods(ods_rows([HEADER, ROWS[0][:4]]) + '<table:table-row>' +
                          '<table:table-cell office:value-type="float" office:value="1e400"/>'
                          "</table:table-row>"),
        "covered": ods(ods_rows([HEADER]) + "<table:table-row>" + ods_cell("1re session 2025") +
                       "<table:covered-table-cell/>" + "".join(ods_cell(c) for c in ROWS[0][2:])
                       + "</table:table-row>"),
        "percent": ods(ods_rows([HEADER]) + "<table:table-row>" + "".join(
            ods_cell(c) for c in ROWS[0][:4]) + '<table:table-cell office:value-type='
            '"percentage" office:value="0.5"/></table:table-row>'),
        "annotation": ods(ods_rows([HEADER]) + "<table:table-row>" + ods_cell("x").replace(
            "<text:p>", "<office:annotation><text:p>note</text:p></office:annotation><text:p>")
            + "</table:table-row>"),
        "blank-tail": ods(ods_rows([HEADER, *ROWS]) + '<table:table-row table:number-rows-'
                          'repeated="1048000"><table:table-cell table:number-columns-repeated='
                          '"1024"/></table:table-row>'),
    }.items():
        yield Hostile(f"{label}.ods", data, refused=False, exact=label == "blank-tail")


CORPUS = list(corpus())


# -- the readers ----------------------------------------------------------------------------


@pytest.fixture
def readers(engine: Engine, seeded: Any, actor: Callable[[str], Any]
            ) -> Iterator[dict[str, Callable[[bytes, str], Any]]]:
    admin = actor("admin")
    with Session(engine) as session:
        kpis, structures = kpi_refs(session), structure_refs(session)
        yield {
            "results": lambda data, name: read_results_file(
                data, name, kpis=kpis, structures=structures, year=2025, quarter=1),
            "targets": lambda data, name: read_targets_file(session, admin, data, name, 2025),
            "followup": lambda data, name: read_followup_file(session, admin, data, name),
            "pv": lambda data, name: parse_minutes(data, name, structures),
        }
        session.commit()  # anything a reader added would reach the database now


def fingerprint(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in inspect(engine).get_table_names()}


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from strings(getattr(value, item.name))
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)


def refusal_problems(hostile: Hostile, kind: str, message: str) -> list[str]:
    """What is wrong with a refusal: it must name the file, say what the file's case needs,
    and read as a sentence (no traceback, no NUL)."""
    problems = []
    if hostile.name not in message:
        problems.append(f"{kind} {hostile.name}: the message does not name it: {message}")
    if len(message) > 600 or "Traceback" in message or "\x00" in message:
        problems.append(f"{kind} {hostile.name}: not a sentence: {message[:200]!r}")
    if hostile.says and kind != "pv" and hostile.says not in message:
        problems.append(f"{kind} {hostile.name}: {hostile.says!r} not in {message}")
    if hostile.refused is False and hostile.exact and kind in ("results", "targets"):
        problems.append(f"{kind} {hostile.name}: a genuine table refused: {message}")
    return problems


def reading_problems(hostile: Hostile, kind: str, result: Any) -> list[str]:
    """What is wrong with a file read: a table the imports must refuse, a NUL kept, a genuine
    table not read exactly, a formula taken for a value."""
    problems = []
    if hostile.refused is True and kind != "pv":
        problems.append(f"{kind} {hostile.name}: read, not refused")
    if any("\x00" in text for text in strings(result)):
        problems.append(f"{kind} {hostile.name}: a NUL kept")
    if hostile.exact and kind == "results":
        read = {(r.structure_code, r.kpi_code, r.value) for r in result.accepted}
        if read != RESULTS or result.rejected:
            problems.append(f"{kind} {hostile.name}: {read} {result.rejected}")
    if hostile.exact and kind == "targets":
        read = {(r.kpi_code, r.structure_code, r.quarter, r.value) for r in result.accepted}
        if read != TARGETS:
            problems.append(f"{kind} {hostile.name}: {read} {result.rejected}")
    if kind == "results" and any(str(r.value).startswith(("=", "+", "@", "-"))
                                 for r in result.accepted):
        problems.append(f"{kind} {hostile.name}: a formula read as a value")
    return problems


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 200
    assert len({hostile.name for hostile in CORPUS}) == len(CORPUS)


def test_every_hostile_file_is_refused_clearly_or_read_exactly_in_bounded_time_and_memory(
        readers: dict[str, Callable[[bytes, str], Any]], engine: Engine) -> None:
    set_language("fr")
    before = fingerprint(engine)
    outcomes: dict[str, int] = {"refused": 0, "read": 0}
    failures: list[str] = []
    tracemalloc.start()
    try:
        for hostile in CORPUS:
            for kind, read in readers.items():
                tracemalloc.reset_peak()
                started = time.perf_counter()
                try:
                    result = read(hostile.data, hostile.name)
                except (UploadError, ValidationFailed) as exc:
                    outcomes["refused"] += 1
                    failures.extend(refusal_problems(hostile, kind, str(exc)))
                else:
                    outcomes["read"] += 1
                    failures.extend(reading_problems(hostile, kind, result))
                elapsed = time.perf_counter() - started
                _, peak = tracemalloc.get_traced_memory()
                if elapsed > SECONDS_PER_FILE or peak > PEAK_BYTES:
                    failures.append(f"{kind} {hostile.name}: {elapsed:.1f} s, {peak} bytes")
    finally:
        tracemalloc.stop()
    assert not failures, "\n".join(failures)
    assert outcomes["refused"] >= 3 * sum(hostile.refused is True for hostile in CORPUS)
    assert fingerprint(engine) == before  # nothing written, not even half a file


def test_a_nul_in_a_cell_is_refused_naming_its_row_and_column() -> None:
    budget = uploads.Budget("cellules.xlsx")
    budget.row(1, ["Structure", None, 3])
    with pytest.raises(UploadError, match=r"« cellules\.xlsx » contient un caractère nul "
                                          r"\(ligne 2, colonne AB\)"):
        budget.row(2, [None] * 27 + ["M\x00S"])


def test_a_slow_file_is_refused_naming_the_time_limit(
        readers: dict[str, Callable[[bytes, str], Any]], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    monkeypatch.setattr(uploads, "READ_SECONDS", -1.0)
    spreadsheets.forget_read_files()
    for name, data in (("lent.csv", table_text(ROWS).encode()), ("lent.xlsx", xlsx()),
                       ("lent.ods", ods(ods_rows([HEADER, *ROWS])))):
        with pytest.raises(UploadError, match=rf"lecture du fichier « {name} » dépasse"):
            readers["results"](data, name)
    spreadsheets.forget_read_files()


def test_a_file_in_an_import_panel_is_read_once_however_often_the_page_reruns(
        readers: dict[str, Callable[[bytes, str], Any]], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    calls: list[str] = []
    real = xlsx_reading.read_xlsx

    def counted(data: bytes, filename: str) -> Any:
        calls.append(filename)
        return real(data, filename)

    monkeypatch.setattr(xlsx_reading, "read_xlsx", counted)
    spreadsheets.forget_read_files()
    data = xlsx()
    for lang in ("fr", "en", "fr"):  # a language switch is a rerun too
        set_language(lang)
        assert {(r.kpi_code, r.value) for r in readers["results"](data, "suivi.xlsx").accepted} \
            == {("ESV_PUB", 12.0), ("ESV_NEW", 3.0)}
        readers["targets"](data, "suivi.xlsx")
    set_language("fr")
    bomb = xlsx(_noisy_sheet(100_000, 30, 100))  # 3 million cells
    for lang in ("fr", "en"):
        set_language(lang)
        with pytest.raises(UploadError, match=str(uploads.MAX_CELLS)):
            readers["results"](bomb, "bombe.xlsx")
    assert calls == ["suivi.xlsx", "bombe.xlsx"]
    with pytest.raises(UploadError, match=f"more than {uploads.MAX_CELLS} cells"):
        readers["results"](bomb, "bombe.xlsx")  # told again in the reader's language
    set_language("fr")
    spreadsheets.forget_read_files()


def test_the_targets_panel_reads_an_uploaded_file_once_however_often_the_page_reruns(
        run_page: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.results import targets

    parsed: list[str] = []
    previewed: list[str] = []
    real_rows, real_preview = spreadsheets._csv_rows, targets.read_targets_file

    def rows(text: str, delimiter: str, filename: str) -> Any:
        parsed.append(filename)
        return real_rows(text, delimiter, filename)

    def preview(*args: Any, **kwargs: Any) -> Any:
        previewed.append(args[3])
        return real_preview(*args, **kwargs)

    monkeypatch.setattr(spreadsheets, "_csv_rows", rows)
    monkeypatch.setattr(targets, "read_targets_file", preview)
    spreadsheets.forget_read_files()
    at = run_page("pages/results_settings.py", "admin")
    at.file_uploader(key="settings_targets_import_file").upload(
        "cibles.csv", table_text(ROWS).encode(), "text/csv")
    at.run()
    assert "Lignes acceptées : 2 ; refusées : 0." in [m.value for m in at.markdown]
    at.run()  # another widget, a click elsewhere: the same run again
    at.run()
    assert not at.exception
    assert "Lignes acceptées : 2 ; refusées : 0." in [m.value for m in at.markdown]
    assert parsed == previewed == ["cibles.csv"]  # a language switch: the function test above
    spreadsheets.forget_read_files()
