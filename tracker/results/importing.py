"""A quarterly results file is previewed row by row: each row accepted, or rejected with why."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from numbers import Real
from operator import itemgetter

import pandas as pd

from tracker.core.errors import RowError, UploadError
from tracker.core.i18n import t
from tracker.core.periods import Quarter
from tracker.core.refdata import KpiRef, StructureMatcher, StructureRef, normalize
from tracker.files.spreadsheet_writing import Template, TemplateColumn
from tracker.files.spreadsheet_writing import template_ods as ods_of
from tracker.files.spreadsheet_writing import template_xlsx as xlsx_of
from tracker.files.spreadsheets import find_header, is_blank, read_rows
from tracker.results.values import Field, check_value

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

_YEAR = re.compile(r"\d{4}")
_QUARTER = re.compile(
    r"(?:(?P<y1>\d{4})\s*[-/ ]?\s*)?(?:[tq]\s*)?(?P<q>[1-4])(?:\s*(?:er|e|eme|nd|rd|th))?"
    r"(?:\s*(?:trimestre|quarter))?(?:\s*[-/ ]?\s*(?P<y2>\d{4}))?"
)

TEMPLATE_COLUMNS = (STRUCTURE, KPI, LABEL, UNIT, VALUE, NUMERATOR, DENOMINATOR, COMMENT,
                    EVIDENCE)


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
    notes: list[RowError] = field(default_factory=list)  # values a formula computed
    # Per structure code, the version of its declaration when the preview checked it (None: not
    # started): writing the rows checks that it is still this one.
    seen_versions: dict[str, int | None] = field(default_factory=dict)

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


# -- reading the rows ------------------------------------------------------------------------


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter (the fiscal year is the calendar year)."""
    period = Quarter(year, quarter)
    return period.start, period.end


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
        # The slot of the columns the file lacks stays empty, whatever the row holds beyond.
        row = [*cells, *([None] * short)] if short > 0 else [*cells[:self.width - 1], None]
        (structure_raw, kpi_raw, label_raw, value, numerator, denominator, comment, evidence,
         year_raw, quarter_raw) = [
            (cell.strip() or None) if cell.__class__ is str else cell  # type: ignore[attr-defined]
            for cell in self.pick(row)
        ]
        if value is None and numerator is None and denominator is None and comment is None \
                and evidence is None:
            if any(not is_blank(cell) for cell in cells):
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
    """Preview a results file (XLSX, ODS, CSV or TSV): every row accepted or rejected with a
    reason; a value a formula computed is noted. Nothing is written. Whole-file problems
    (unreadable, another kind of file, no header, no data row) raise UploadError.
    """
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    rows = read_rows(data, filename, roles=_ROLE_BY_HEADER,
                     no_header_key="results_import.no_header")
    found = find_header(rows, _ROLE_BY_HEADER)
    if found is None:
        raise UploadError(t("results_import.no_header", file=filename))
    layout = _Layout(found[1], found[2])
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
    for number, cells in rows.data("results_import.no_data"):
        reader.read(number, cells)
    if rows.formulas:
        preview.notes = rows.formula_notes(
            {index: layout.column(role) for role, index in layout.index.items()},
            (row.row for row in preview.accepted))
    return preview


RECORD_ROLES = (STRUCTURE, KPI, VALUE, NUMERATOR, DENOMINATOR)


def read_results_records(
    records: Iterable[tuple[int, Mapping[str, object]]],
    filename: str,
    *,
    columns: Mapping[str, str],
    kpis: list[KpiRef],
    structures: list[StructureRef],
    year: int,
    quarter: int,
) -> ImportPreview:
    """Preview results that another format already split into fields (a DHIS2 data value set):
    each record (its row number as the user sees it in their file, and its structure, kpi,
    value, numerator and denominator by role) accepted or rejected by the same rules as a row
    of a results file; ``columns`` names each role as the user's file calls it."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    layout = _Layout({role: position for position, role in enumerate(RECORD_ROLES)},
                     {role: columns.get(role, role) for role in RECORD_ROLES})
    preview = ImportPreview(filename=filename, year=year, quarter=quarter)
    reader = _Reader(preview, layout, kpis, StructureMatcher(structures), None)
    for number, record in records:
        reader.read(number, [record.get(role) for role in RECORD_ROLES])
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


def results_template(kpis: Sequence[KpiRef], structure_code: str,
                     lang: str = "fr") -> Template:
    """The template to fill in: one row per KPI; the cells a KPI does not take are greyed (the
    ratio rule visible while typing), a yes/no KPI takes oui or non only."""
    frame = template_frame(kpis, structure_code, lang)
    notes = {STRUCTURE: "note_structure", KPI: "note_kpi", VALUE: "note_value",
             NUMERATOR: "note_ratio", DENOMINATOR: "note_ratio", EVIDENCE: "note_evidence"}
    widths = dict(zip(TEMPLATE_COLUMNS, (12, 16, 60, 24, 14, 14, 14, 40, 40), strict=True))
    columns = [TemplateColumn(str(title), widths[role],
                              t(f"results_import.{notes[role]}", lang) if role in notes else "")
               for role, title in zip(TEMPLATE_COLUMNS, frame.columns, strict=True)]
    value_col, num_col, den_col = (TEMPLATE_COLUMNS.index(r) for r in (VALUE, NUMERATOR,
                                                                      DENOMINATOR))
    yes_no = (t("results_import.bool_yes", lang), t("results_import.bool_no", lang))
    template = Template(
        sheet=t("results_import.template_sheet", lang),
        title=t("results_import.template_title", lang, structure=structure_code),
        help=t("results_import.template_help", lang), columns=columns,
        rows=[[None if cell is None else str(cell) for cell in record]
              for record in frame.itertuples(index=False)])
    for offset, kpi in enumerate(kpis):
        if kpi.ratio:
            template.greyed.add((offset, value_col))
        else:
            template.greyed.update({(offset, num_col), (offset, den_col)})
        if kpi.unit == "bool":
            template.cell_choices[(offset, value_col)] = yes_no
    return template


def template_xlsx(kpis: Sequence[KpiRef], structure_code: str, lang: str = "fr") -> bytes:
    """The template as XLSX; text is never turned into a formula."""
    return xlsx_of(results_template(kpis, structure_code, lang))


def template_ods(kpis: Sequence[KpiRef], structure_code: str, lang: str = "fr") -> bytes:
    """The template as ODS, LibreOffice's own format."""
    return ods_of(results_template(kpis, structure_code, lang))


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
