"""A quarterly results file is previewed row by row: each row accepted, or rejected with why."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from numbers import Real
from operator import itemgetter
from typing import Any

import pandas as pd

from tracker.errors import RowError, UploadError
from tracker.i18n import t
from tracker.refdata import KpiRef, StructureMatcher, StructureRef, normalize
from tracker.uploads import check_size, decode_text, is_zip, open_safe_zip
from tracker.values import Field, check_value

# Old binary Excel (.xls) and other OLE2 compound files
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Title blocks above the header are a few lines; a header further down is not a header.
HEADER_SEARCH_ROWS = 50
CSV_DELIMITERS = (";", ",", "\t")
# One quarter of the whole public sector is a few thousand rows (60 structures x 55 KPIs); far
# beyond that a file is a mistake, and reading it would hold a page for many seconds.
MAX_ROWS = 200_000

STRUCTURE, KPI, LABEL, UNIT = "structure", "kpi", "label", "unit"
VALUE, NUMERATOR, DENOMINATOR = "value", "numerator", "denominator"
COMMENT, EVIDENCE, YEAR, QUARTER = "comment", "evidence", "year", "quarter"

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    STRUCTURE: ("structure", "code structure", "structure code", "ministere", "ministry",
                "sigle", "institution"),
    KPI: ("indicateur", "code indicateur", "kpi", "code kpi", "kpi code", "indicator",
          "indicator code", "code"),
    LABEL: ("libelle", "libelle indicateur", "label", "indicator label", "intitule"),
    UNIT: ("unite", "unit"),
    VALUE: ("valeur", "value", "resultat", "result", "realisation"),
    NUMERATOR: ("numerateur", "numerator"),
    DENOMINATOR: ("denominateur", "denominator"),
    COMMENT: ("commentaire", "commentaires", "comment", "comments", "observations",
              "observation", "remarques"),
    EVIDENCE: ("lien de preuve", "justificatif", "preuve", "evidence", "evidence link",
               "source link", "lien"),
    YEAR: ("annee", "year", "exercice"),
    QUARTER: ("trimestre", "quarter", "periode", "period"),
}
_ROLE_BY_HEADER = {name: role for role, names in HEADER_SYNONYMS.items() for name in names}
_FIELD_ROLE = {Field.VALUE: VALUE, Field.NUMERATOR: NUMERATOR, Field.DENOMINATOR: DENOMINATOR}

_PARENTHESIS = re.compile(r"\s*\(.*\)\s*$")
_YEAR = re.compile(r"\d{4}")
_QUARTER = re.compile(
    r"(?:(?P<y1>\d{4})\s*[-/ ]?\s*)?(?:[tq]\s*)?(?P<q>[1-4])(?:\s*(?:er|e|eme|nd|rd|th))?"
    r"(?:\s*(?:trimestre|quarter))?(?:\s*[-/ ]?\s*(?P<y2>\d{4}))?"
)

TEMPLATE_COLUMNS = (STRUCTURE, KPI, LABEL, UNIT, VALUE, NUMERATOR, DENOMINATOR, COMMENT,
                    EVIDENCE)
TEMPLATE_HEADER_ROW = 4  # title, help line, blank line, then the header (1-based row)


@dataclass(slots=True)
class ImportedRow:
    """One accepted result; ``row`` is the row number the user sees in their spreadsheet."""

    row: int
    structure_code: str
    kpi_code: str
    value: float | None
    numerator: float | None
    denominator: float | None
    comment: str | None
    evidence: str | None


@dataclass
class ImportPreview:
    """What an import would write (``accepted``) and what it refuses (``rejected``), per row.

    ``skipped`` counts rows naming an indicator with nothing entered: not reported is not an error.
    """

    filename: str
    year: int
    quarter: int
    accepted: list[ImportedRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: int = 0

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers with at least one problem, in file order."""
        return sorted({error.row for error in self.rejected})

    def to_json(self, accepted_count: int | None = None) -> dict[str, object]:
        """The command line's answer; ``accepted_count`` overrides N (rows actually written)."""
        count = len(self.accepted) if accepted_count is None else accepted_count
        return {"accepted": count, "rejected": [error.as_dict() for error in self.rejected]}


@dataclass
class _Layout:
    """Where each known column sits in the file, and its header as the user wrote it."""

    index: dict[str, int]
    header: dict[str, str]

    def column(self, role: str) -> str:
        # A problem on a column the file does not have (a ratio KPI in a file without
        # Numérateur) is named in the user's language.
        if role in self.header:
            return self.header[role]
        if role in (VALUE, NUMERATOR, DENOMINATOR):
            return Field(role).label()
        return t(f"results_import.header_{role}")


def _header_key(cell: object) -> str:
    text = normalize(str(cell)) if cell is not None else ""
    text = _PARENTHESIS.sub("", text).rstrip(" :*").strip()
    return text


def header_positions(cells: Sequence[object], roles: dict[str, str]
                     ) -> tuple[dict[str, int], dict[str, str]]:
    """Which known column (role) sits where in a header row, and its header as written; ``roles``
    maps normalised header texts to roles. The first column wins when a header repeats: later
    ones are usually notes."""
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    for position, cell in enumerate(cells):
        role = roles.get(_header_key(cell))
        if role and role not in index:
            index[role] = position
            header[role] = str(cell).strip()
    return index, header


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: object) -> str | None:
    if _is_blank(cell):
        return None
    return str(cell).strip()


# -- reading the file ------------------------------------------------------------------------

Row = tuple[int, Sequence[object]]


def _xlsx_cell(cell: Any) -> object:
    value = cell.value
    if value is None:
        return None
    if getattr(cell, "data_type", None) == "f":
        # Array and data-table formulas come as objects; any formula is shown as "=…" so that
        # the value rules refuse it and a comment keeps it as text.
        text = value if isinstance(value, str) else str(getattr(value, "text", "") or "")
        return text if text.startswith("=") else "=" + text
    # Excel stores "87,5 %" as 0.875 in a percent-formatted cell: give back what was typed.
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and "%" in (cell.number_format or ""):
        return f"{Decimal(repr(value)) * 100} %"
    return value


def _xlsx_rows(data: bytes, filename: str) -> list[Row]:
    import openpyxl

    open_safe_zip(data, filename, required="xl/workbook.xml").close()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises anything from KeyError to XML errors
        raise UploadError(t("upload.corrupt", file=filename)) from exc
    try:
        if not workbook.worksheets:
            raise UploadError(t("results_import.no_sheet", file=filename))
        sheet = workbook.worksheets[0]
        # A wrong <dimension> (common from non-Excel producers) would cut columns off.
        sheet.reset_dimensions()
        rows: list[Row] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
            if number > MAX_ROWS:
                raise UploadError(t("results_import.too_many_rows", file=filename,
                                    limit=MAX_ROWS))
            rows.append((number, [_xlsx_cell(cell) for cell in cells]))
        return rows
    except UploadError:
        raise
    except Exception as exc:
        raise UploadError(t("upload.corrupt", file=filename)) from exc
    finally:
        workbook.close()


HeaderFound = tuple[int, dict[str, int], dict[str, str]]


def _two_known_columns(index: dict[str, int]) -> bool:
    return len(index) >= 2


def find_header(rows: Iterable[Row], roles: dict[str, str], *,
                enough: Callable[[dict[str, int]], bool] = _two_known_columns
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


def _find_header(rows: Iterable[Row]) -> tuple[int, _Layout] | None:
    found = find_header(rows, _ROLE_BY_HEADER)
    return None if found is None else (found[0], _Layout(found[1], found[2]))


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
                    enough: Callable[[dict[str, int]], bool] = _two_known_columns) -> str | None:
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


def _decode(data: bytes, filename: str) -> str:
    # Excel's "Unicode text" export (the usual way to get TSV out of it) is UTF-16 with a BOM.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        check_size(data, filename)
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UploadError(t("upload.not_text", file=filename)) from exc
    return decode_text(data, filename)


def _csv_rows(text: str, delimiter: str, filename: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        # A spreadsheet row is a CSV record, even when a quoted cell spans several lines.
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise UploadError(t("results_import.csv_broken", file=filename, row=number + 1)) from exc


# -- reading the rows ------------------------------------------------------------------------


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter (the fiscal year is the calendar year)."""
    start = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, after - timedelta(days=1)


def _parse_year(cell: object) -> int | None:
    if isinstance(cell, Real) and not isinstance(cell, bool) and float(cell).is_integer():
        return int(float(cell))
    text = str(cell).strip()
    return int(text) if _YEAR.fullmatch(text) else None


def _parse_quarter(cell: object) -> tuple[int, int | None] | None:
    """(quarter, year written beside it or None) from T2, Q2, 2, "T2 2025", "2e trimestre"."""
    if isinstance(cell, Real) and not isinstance(cell, bool):
        number = float(cell)
        return (int(number), None) if number in (1, 2, 3, 4) else None
    match = _QUARTER.fullmatch(normalize(str(cell)))
    if match is None:
        return None
    year = match["y1"] or match["y2"]
    return int(match["q"]), int(year) if year else None


_PICKED = (STRUCTURE, KPI, LABEL, VALUE, NUMERATOR, DENOMINATOR, COMMENT, EVIDENCE, YEAR,
           QUARTER)


class _Reader:
    """Row rules with lookups built once: 100k rows must not pay for names again and again."""

    def __init__(self, preview: ImportPreview, layout: _Layout, kpis: Sequence[KpiRef],
                 matcher: StructureMatcher, default_code: str | None) -> None:
        self.preview = preview
        self.layout = layout
        self.matcher = matcher
        self.default_code = default_code
        start, end = _quarter_bounds(preview.year, preview.quarter)
        self.in_force = {
            s.code for s in matcher.structures
            if (s.valid_from is None or s.valid_from <= end)
            and (s.valid_to is None or s.valid_to >= start)
        }
        self.successor = {s.code: s.successor for s in matcher.structures}
        self.kpi_by_key: dict[str, KpiRef] = {}
        for kpi in kpis:
            self.kpi_by_key.setdefault(normalize(kpi.code), kpi)
        for kpi in kpis:
            for label in (kpi.label_fr, kpi.label_en):
                if label:
                    self.kpi_by_key.setdefault(normalize(label), kpi)
        self.structure_cache: dict[str, str | None] = {}
        self.kpi_cache: dict[str, KpiRef | None] = {}
        self.seen: dict[tuple[str, str], int] = {}
        # Columns the file lacks read from one extra always-empty slot at the end of each row.
        self.width = max(layout.index.values()) + 2
        self.pick = itemgetter(*(layout.index.get(role, self.width - 1) for role in _PICKED))

    def read(self, number: int, cells: Sequence[object]) -> None:
        """Accept or reject one data row (``number`` as the user sees it)."""
        short = self.width - len(cells)
        row = [*cells, *([None] * short)] if short > 0 else cells
        (structure_raw, kpi_raw, label_raw, value, numerator, denominator, comment, evidence,
         year_raw, quarter_raw) = [
            (cell.strip() or None) if cell.__class__ is str else cell  # type: ignore[attr-defined]
            for cell in self.pick(row)
        ]
        if value is None and numerator is None and denominator is None and comment is None \
                and evidence is None:
            if any(not _is_blank(cell) for cell in cells):
                self.preview.skipped += 1
            return

        problems: list[tuple[str, str]] = []
        structure_code = self._read_structure(structure_raw, problems)
        kpi, kpi_role = self._read_kpi(kpi_raw, label_raw, problems)
        self._check_period(year_raw, quarter_raw, problems)
        cleaned = None
        if kpi is not None:
            if structure_code is not None:
                first = self.seen.setdefault((structure_code, kpi.code), number)
                if first != number:
                    problems.append((kpi_role, t("results_import.duplicate",
                                                 structure=structure_code, kpi=kpi.code,
                                                 row=first)))
            cleaned, value_problems = check_value(kpi, value=value, numerator=numerator,
                                                  denominator=denominator)
            if value_problems:
                problems.extend((_FIELD_ROLE[f], reason) for f, reason in value_problems)

        if problems or cleaned is None or structure_code is None or kpi is None:
            column = self.layout.column
            self.preview.rejected.extend(
                RowError(number, column(role), reason) for role, reason in problems
            )
            return
        self.preview.accepted.append(ImportedRow(
            row=number, structure_code=structure_code, kpi_code=kpi.code, value=cleaned.value,
            numerator=cleaned.numerator, denominator=cleaned.denominator,
            comment=None if comment is None else str(comment),
            evidence=None if evidence is None else str(evidence),
        ))

    def _read_structure(self, raw: object, problems: list[tuple[str, str]]) -> str | None:
        if raw is None:
            code = self.default_code
            if code is None:
                problems.append((STRUCTURE, t("results_import.missing_structure")))
                return None
        else:
            text = str(raw)
            if text not in self.structure_cache:
                self.structure_cache[text] = self.matcher.resolve(text)
            code = self.structure_cache[text]
            if code is None:
                problems.append((STRUCTURE, t("results_import.unknown_structure", text=text)))
                return None
        if code not in self.in_force:
            # Ministries merge and rename: a result belongs to a structure that existed then.
            successor = self.successor.get(code)
            key = "not_in_force_successor" if successor else "not_in_force"
            problems.append((STRUCTURE, t(f"results_import.{key}", code=code,
                                          successor=successor, quarter=self.preview.quarter,
                                          year=self.preview.year)))
        return code

    def _read_kpi(
        self, raw: object, raw_label: object, problems: list[tuple[str, str]]
    ) -> tuple[KpiRef | None, str]:
        role = KPI
        if raw is None:
            # The template's Libellé column names the KPI too when the code cell is empty
            role, raw = LABEL, raw_label
        if raw is None:
            column = KPI if KPI in self.layout.index else LABEL
            problems.append((column, t("results_import.missing_kpi")))
            return None, column
        text = str(raw)
        if text not in self.kpi_cache:
            self.kpi_cache[text] = self.kpi_by_key.get(normalize(text.rstrip(".")))
        kpi = self.kpi_cache[text]
        if kpi is None:
            problems.append((role, t("results_import.unknown_kpi", text=text)))
        return kpi, role

    def _check_period(self, raw_year: object, raw_quarter: object,
                      problems: list[tuple[str, str]]) -> None:
        preview = self.preview
        if raw_year is not None:
            year = _parse_year(raw_year)
            if year is None:
                problems.append((YEAR, t("results_import.bad_year", text=str(raw_year))))
            elif year != preview.year:
                problems.append((YEAR, t("results_import.wrong_year", found=year,
                                         year=preview.year)))
        if raw_quarter is not None:
            parsed = _parse_quarter(raw_quarter)
            if parsed is None:
                problems.append((QUARTER, t("results_import.bad_quarter", text=str(raw_quarter))))
            elif parsed[0] != preview.quarter or parsed[1] not in (None, preview.year):
                problems.append((QUARTER, t("results_import.wrong_quarter",
                                            found=str(raw_quarter), quarter=preview.quarter,
                                            year=preview.year)))


def read_rows(data: bytes, filename: str, *, roles: dict[str, str], no_header_key: str,
              enough: Callable[[dict[str, int]], bool] = _two_known_columns) -> Iterator[Row]:
    """The rows of an uploaded spreadsheet (XLSX, or CSV/TSV in any separator and encoding the
    product accepts), numbered as the user sees them; the one reader of every table import.

    A text file's separator is the one under which the import's header (``roles``, ``enough``:
    see find_header) is found; without one, ``no_header_key`` says so."""
    check_size(data, filename)
    if data.startswith(OLE2_MAGIC):
        raise UploadError(t("results_import.xls_unsupported", file=filename))
    if is_zip(data):
        return iter(_xlsx_rows(data, filename))
    text = _decode(data, filename)
    delimiter = sniff_delimiter(text, roles, enough=enough)
    if delimiter is None:
        raise UploadError(t(no_header_key, file=filename))
    return _csv_rows(text, delimiter, filename)


def read_results_file(
    data: bytes,
    filename: str,
    *,
    kpis: list[KpiRef],
    structures: list[StructureRef],
    default_structure: str | None = None,
    year: int,
    quarter: int,
) -> ImportPreview:
    """Preview a results file (XLSX, CSV or TSV): every row accepted or rejected with a reason.

    Nothing is written. Whole-file problems (unreadable, no header) raise UploadError.
    """
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    rows = read_rows(data, filename, roles=_ROLE_BY_HEADER,
                     no_header_key="results_import.no_header")
    found = _find_header(rows)
    if found is None:
        raise UploadError(t("results_import.no_header", file=filename))
    _, layout = found
    if KPI not in layout.index and LABEL not in layout.index:
        raise UploadError(t("results_import.no_kpi_column", file=filename))
    if not {VALUE, NUMERATOR, DENOMINATOR} & layout.index.keys():
        raise UploadError(t("results_import.no_value_column", file=filename))

    matcher = StructureMatcher(structures)
    default_code: str | None = None
    if default_structure is not None:
        default_code = matcher.resolve(default_structure)
        if default_code is None:
            raise UploadError(t("results_import.unknown_default_structure", file=filename,
                                structure=default_structure))
    if STRUCTURE not in layout.index and default_code is None:
        raise UploadError(t("results_import.no_structure", file=filename))

    preview = ImportPreview(filename=filename, year=year, quarter=quarter)
    reader = _Reader(preview, layout, kpis, matcher, default_code)
    # The header search consumed the rows up to the header; the rest are data rows.
    for number, cells in rows:
        if number > MAX_ROWS:
            raise UploadError(t("results_import.too_many_rows", file=filename, limit=MAX_ROWS))
        reader.read(number, cells)
    return preview


# -- the product's own template --------------------------------------------------------------


def _unit_text(kpi: KpiRef, lang: str) -> str:
    if kpi.ratio:
        return t("results_import.unit_ratio", lang)
    return t(f"results_import.unit_{kpi.unit}", lang)


def template_frame(kpis: Sequence[KpiRef], structure_code: str, lang: str = "fr") -> pd.DataFrame:
    """The import template: one row per KPI, values to fill (headers in ``lang``, French first)."""
    headers = [t(f"results_import.header_{role}", lang) for role in TEMPLATE_COLUMNS]
    rows = [
        [structure_code, kpi.code, kpi.label_fr if lang == "fr" else kpi.label_en,
         _unit_text(kpi, lang), None, None, None, None, None]
        for kpi in kpis
    ]
    return pd.DataFrame(rows, columns=headers, dtype=object)


def template_xlsx(kpis: Sequence[KpiRef], structure_code: str, lang: str = "fr") -> bytes:
    """The template as an XLSX with a title block; text is never turned into a formula."""
    import xlsxwriter

    frame = template_frame(kpis, structure_code, lang)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    })
    sheet = workbook.add_worksheet(t("results_import.template_sheet", lang)[:31])
    bold = workbook.add_format({"bold": True, "font_size": 13})
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    unused = workbook.add_format({"bg_color": "#EEEEEE"})
    sheet.write_string(0, 0, t("results_import.template_title", lang, structure=structure_code),
                       bold)
    sheet.write_string(1, 0, t("results_import.template_help", lang))
    top = TEMPLATE_HEADER_ROW - 1
    for column, header in enumerate(frame.columns):
        sheet.write_string(top, column, str(header), head)
    value_col, num_col, den_col = (TEMPLATE_COLUMNS.index(r) for r in (VALUE, NUMERATOR,
                                                                      DENOMINATOR))
    yes_no = [t("results_import.bool_yes", lang), t("results_import.bool_no", lang)]
    for offset, (kpi, record) in enumerate(zip(kpis, frame.itertuples(index=False), strict=True)):
        row = top + 1 + offset
        for column, cell in enumerate(record):
            if cell is not None:
                sheet.write_string(row, column, str(cell))
        # Grey out the cells this KPI does not take, so the ratio rule is visible while typing.
        if kpi.ratio:
            sheet.write_blank(row, value_col, None, unused)
        else:
            sheet.write_blank(row, num_col, None, unused)
            sheet.write_blank(row, den_col, None, unused)
        if kpi.unit == "bool":
            sheet.data_validation(row, value_col, row, value_col,
                                  {"validate": "list", "source": yes_no})
    for column, width in enumerate((12, 16, 60, 24, 14, 14, 14, 40, 40)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(TEMPLATE_HEADER_ROW, 0)
    workbook.close()
    return buffer.getvalue()


def _neutralised(cell: object) -> str:
    # Reference labels are admin-edited: never let one open as a formula in a spreadsheet.
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def template_csv(kpis: Sequence[KpiRef], structure_code: str, lang: str = "fr") -> bytes:
    """The template as CSV the way French Excel opens it: UTF-8 with BOM, ``;`` separated."""
    frame = template_frame(kpis, structure_code, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_neutralised(h) for h in frame.columns])
    writer.writerows([_neutralised(c) for c in record] for record in frame.itertuples(index=False))
    return out.getvalue().encode("utf-8-sig")
