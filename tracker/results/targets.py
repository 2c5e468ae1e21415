"""Targets from a spreadsheet: one row per KPI (and optionally structure and quarter) with its
target for the year; a preview with every refused row, then an all-or-nothing write. Importing
the same file again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import RowError, UploadError
from tracker.core.i18n import t
from tracker.core.logs import IMPORTS, log_event
from tracker.core.models import Target
from tracker.core.refdata import normalize
from tracker.files.spreadsheet_writing import Template, TemplateColumn
from tracker.files.spreadsheets import find_header, is_blank, read_rows
from tracker.results.values import FormulaRefused, parse_number

KPI, STRUCTURE, QUARTER, VALUE = "kpi", "structure", "quarter", "value"
HEADERS = {
    KPI: ("indicateur", "code indicateur", "kpi", "indicator", "code"),
    STRUCTURE: ("structure", "code structure", "ministere"),
    QUARTER: ("trimestre", "quarter", "periode"),
    VALUE: ("cible", "valeur cible", "target", "valeur", "value"),
}
_LOOKUP = {normalize(name): role for role, names in HEADERS.items() for name in names}


@dataclass
class TargetRow:
    row: int
    kpi_code: str
    structure_code: str | None
    quarter: int
    value: float


@dataclass
class TargetPreview:
    filename: str
    year: int
    accepted: list[TargetRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: int = 0  # rows naming an indicator with no target: not set is not an error
    notes: list[RowError] = field(default_factory=list)  # values a formula computed


def _enough(index: dict[str, int]) -> bool:
    return {KPI, VALUE} <= index.keys()


def _quarter(raw: object) -> int | None:
    text = normalize(str(raw or "")).replace("t", "").replace("q", "").strip()
    if text in ("", "0", "annee", "an", "year"):
        return 0
    return int(text) if text in ("1", "2", "3", "4") else None


def read_targets_file(session: Session, actor: Actor, data: bytes, filename: str,
                      year: int) -> TargetPreview:
    """Preview a targets file (XLSX, ODS, CSV or TSV): accepted rows and refused rows with
    reasons, rows without a target skipped; a file with no data row is refused."""
    require(actor, Action.manage_windows)
    rows = read_rows(data, filename, roles=_LOOKUP, enough=_enough,
                     no_header_key="targets_import.no_header")
    found = find_header(rows, _LOOKUP, enough=_enough)
    if found is None:
        raise UploadError(t("targets_import.no_header", file=filename))
    layout = {role: (position, found[2][role]) for role, position in found[1].items()}
    kpis = {normalize(k.code): k.code for k in repo.list_kpis(session)}
    kpis.update({normalize(k.label_fr): k.code for k in repo.list_kpis(session)})
    structures = {normalize(s.code): s.code for s in repo.list_structures(session)}
    structures.update({normalize(s.name_fr): s.code for s in repo.list_structures(session)})
    preview = TargetPreview(filename=filename, year=year)
    seen: dict[tuple[str, str | None, int], int] = {}

    def cell(cells: list[object], role: str) -> object:
        index = layout.get(role, (-1, ""))[0]
        return cells[index] if 0 <= index < len(cells) else None

    for number, raw_cells in rows.data("targets_import.no_data"):
        cells = list(raw_cells)
        if is_blank(cell(cells, VALUE)):
            preview.skipped += 1
            continue
        problems: list[tuple[str, str]] = []
        kpi = kpis.get(normalize(str(cell(cells, KPI) or "")))
        if kpi is None:
            problems.append((KPI, t("targets_import.unknown_kpi", text=cell(cells, KPI) or "")))
        raw_structure = str(cell(cells, STRUCTURE) or "").strip()
        structure = structures.get(normalize(raw_structure)) if raw_structure else None
        if raw_structure and structure is None:
            problems.append((STRUCTURE, t("targets_import.unknown_structure",
                                          text=raw_structure)))
        quarter = _quarter(cell(cells, QUARTER))
        if quarter is None:
            problems.append((QUARTER, t("targets_import.bad_quarter",
                                        text=cell(cells, QUARTER))))
        value: float | None = None
        try:
            value = float(parse_number(str(cell(cells, VALUE) or "").strip()))
        except FormulaRefused:
            problems.append((VALUE, t("targets_import.formula")))
        except ValueError:
            problems.append((VALUE, t("targets_import.bad_value", text=cell(cells, VALUE) or "")))
        if not problems and kpi and quarter is not None and value is not None:
            key = (kpi, structure, quarter)
            if key in seen:
                problems.append((KPI, t("targets_import.duplicate", row=seen[key])))
            else:
                seen[key] = number
                preview.accepted.append(TargetRow(number, kpi, structure, quarter, value))
                continue
        preview.rejected.extend(RowError(number, layout.get(role, (0, role))[1], reason)
                                for role, reason in problems)
    if rows.formulas:
        preview.notes = rows.formula_notes({i: title for i, title in layout.values()},
                                           (row.row for row in preview.accepted))
    return preview


def apply_targets(session: Session, actor: Actor, preview: TargetPreview) -> int:
    """Write the accepted targets in this transaction; returns how many changed (audited)."""
    require(actor, Action.manage_windows)
    kpis = {k.code: k.id for k in repo.list_kpis(session)}
    structures = {s.code: s.id for s in repo.list_structures(session)}
    existing = {(r.kpi_id, r.structure_id, r.quarter): r for r in session.exec(
        select(Target).where(Target.year == preview.year))}
    written = 0
    for row in preview.accepted:
        kpi_id = kpis[row.kpi_code]
        sid = structures[row.structure_code] if row.structure_code else None
        label = f"{row.kpi_code} {row.structure_code or '*'} {preview.year}-T{row.quarter}"
        target = existing.get((kpi_id or 0, sid, row.quarter))
        if target is None:
            target = Target(kpi_id=kpi_id or 0, year=preview.year, structure_id=sid,
                            quarter=row.quarter, value=row.value)
            audit.stamp(target, actor)
            session.add(target)
            audit.created(session, actor, target, label=label, entered={"value": row.value})
            written += 1
            continue
        written += audit.write_changes(session, actor, target, {"value": row.value}, label=label)
    log_event(IMPORTS, "targets_import", user=actor.login,
              structures=",".join(sorted({row.structure_code or "*" for row in preview.accepted})),
              year=preview.year, file=preview.filename, written=written,
              accepted=len(preview.accepted), rejected=len(preview.rejected))
    return written


def targets_template(session: Session, actor: Actor, year: int, lang: str = "fr") -> Template:
    """The targets to fill in for a year (secretariat only): one row per active KPI, national
    and yearly until the secretariat writes a structure or a quarter."""
    require(actor, Action.manage_windows)
    kpis = repo.list_kpis(session, active_only=True)
    quarters = (t("targets_import.year_word", lang), "T1", "T2", "T3", "T4")
    columns = [
        TemplateColumn(t("targets_import.header_kpi", lang), 16),
        TemplateColumn(t("targets_import.header_label", lang), 56),
        TemplateColumn(t("targets_import.header_unit", lang), 22),
        TemplateColumn(t("targets_import.header_structure", lang), 14,
                       t("targets_import.note_structure", lang)),
        TemplateColumn(t("targets_import.header_quarter", lang), 12,
                       t("targets_import.note_quarter", lang), quarters),
        TemplateColumn(t("targets_import.header_value", lang), 14,
                       t("targets_import.note_value", lang)),
    ]
    rows: list[list[str | None]] = [
        [k.code, (k.label_en or k.label_fr) if lang == "en" else k.label_fr,
         t("results_import.unit_ratio" if k.ratio else f"results_import.unit_{k.unit}", lang),
         None, quarters[0], None] for k in kpis]
    return Template(sheet=t("targets_import.template_sheet", lang),
                    title=t("targets_import.template_title", lang, year=year),
                    help=t("targets_import.template_help", lang), columns=columns, rows=rows)

