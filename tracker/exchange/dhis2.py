"""The DHIS2 exchange: the mapping (KPI ↔ data element UID, with its category option combo when
there is one; structure ↔ organisation unit UID), a quarter exported as a DHIS2 ``dataValueSets``
JSON, and a ``dataValueSets`` file (JSON or CSV) imported through the results import: the UIDs
are mapped first (an unknown UID is refused with its row), then every value is checked and
written by the same rules, permissions and audit as a results file.

A ratio KPI maps its numerator and its denominator (two data elements, or one with two
category option combos); a value carried by a ``value`` mapping of a ratio KPI is its rate.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, own_structure, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.db import collector_paused
from tracker.core.errors import NotFound, PermissionDenied, RowError, UploadError
from tracker.core.i18n import t
from tracker.core.models import (
    Dhis2Mapping,
    Kpi,
    MappingKind,
    MappingPart,
    Result,
    Structure,
    SubmissionStatus,
)
from tracker.core.saving import RowRefused, check_rows, write_rows
from tracker.core.tables import ColumnSpec, RowChange
from tracker.files.spreadsheets import find_header, read_rows
from tracker.files.uploads import decode_text
from tracker.reference.catalogue import kpi_refs, structure_refs
from tracker.results.importing import (
    DENOMINATOR,
    KPI,
    NUMERATOR,
    STRUCTURE,
    VALUE,
    ImportPreview,
    read_results_records,
)
from tracker.results.loading import apply_import, screen_preview

UID = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")
PERIOD = re.compile(r"(\d{4})Q([1-4])")
MAPPING_COLUMNS = ["kind", "code", "part", "uid", "category_option_combo"]
# DHIS2's CSV form of a data value set, in its fixed column order.
CSV_COLUMNS = ("dataelement", "period", "orgunit", "categoryoptioncombo",
               "attributeoptioncombo", "value", "storedby", "lastupdated", "comment",
               "followup")
_PART_ROLE = {MappingPart.value.value: VALUE, MappingPart.numerator.value: NUMERATOR,
              MappingPart.denominator.value: DENOMINATOR}


def dhis2_period(year: int, quarter: int) -> str:
    """DHIS2's name of a quarter: ``2025Q3``."""
    return f"{year}Q{quarter}"


def dhis2_value(value: float, unit: str) -> str:
    """A value as DHIS2 stores it: a string, ``.`` decimals, no thousands separator;
    ``true``/``false`` for a yes/no KPI."""
    if unit == "bool":
        return "true" if value else "false"
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 6))


def may_import(actor: Actor | None) -> bool:
    """Whether the page offers the DHIS2 import: to whoever enters results (a DSI for their
    own structure, the secretariat for any); each row is then checked as a results import."""
    return may(actor, Action.enter_for_any) or own_structure(actor) is not None


def require_import(actor: Actor | None) -> None:
    """Refuse the DHIS2 import to whoever enters no results at all (leadership, viewers)."""
    if not may_import(actor):
        raise PermissionDenied(t("common.permission"))


def may_export(actor: Actor | None) -> bool:
    return may(actor, Action.read_reports)


def may_edit_mapping(actor: Actor | None) -> bool:
    return may(actor, Action.edit_reference)


# --- the mapping --------------------------------------------------------------------------


def mapping_frame(session: Session) -> pd.DataFrame:
    """The mapping as an editable table indexed by id (KPIs first, then structures)."""
    rows = session.exec(select(Dhis2Mapping).order_by(
        col(Dhis2Mapping.kind), col(Dhis2Mapping.code), col(Dhis2Mapping.part))).all()
    data = [{"id": m.id, **{c: getattr(m, c) for c in MAPPING_COLUMNS}, "version": m.version}
            for m in rows]
    return pd.DataFrame(data, columns=["id", *MAPPING_COLUMNS, "version"]).set_index("id")


def mapping_column_config() -> dict[str, ColumnSpec]:
    """Column labels and editors of the mapping table, in the user's language."""
    return {
        "kind": ColumnSpec("select", t("exchange.col_kind"), tuple(k.value for k in MappingKind),
                           required=True, labels=lambda k: t(f"exchange.kinds.{k}")),
        "code": ColumnSpec("text", t("exchange.col_code"), required=True,
                           help=t("exchange.help_code")),
        "part": ColumnSpec("select", t("exchange.col_part"), tuple(p.value for p in MappingPart),
                           labels=lambda p: t(f"exchange.parts.{p}"),
                           help=t("exchange.help_part")),
        "uid": ColumnSpec("text", t("exchange.col_uid"), required=True,
                          help=t("exchange.help_uid")),
        "category_option_combo": ColumnSpec("text", t("exchange.col_coc"),
                                            help=t("exchange.help_coc")),
    }


@dataclass
class _Known:
    """What a mapping row is checked against: the codes, and the rows stored or planned."""

    kpis: set[str]
    structures: set[str]
    by_code: dict[tuple[str, str, str], int | None] = field(default_factory=dict)
    by_uid: dict[tuple[str, str, str], int | None] = field(default_factory=dict)


def _known(session: Session) -> _Known:
    known = _Known({k.code for k in repo.list_kpis(session)},
                   {s.code for s in repo.list_structures(session)})
    for m in session.exec(select(Dhis2Mapping)):
        known.by_code[(m.kind, m.code, m.part)] = m.id
        known.by_uid[(m.kind, m.uid, m.category_option_combo)] = m.id
    return known


def _check_mapping(values: dict[str, Any], row_id: int, known: _Known) -> dict[str, Any]:
    """One mapping row's clean values, or RowRefused naming the column and why; ``row_id``:
    the stored row's id, or a negative number unique to a new row of the same save."""
    kind = read.text(values.get("kind")).lower()
    code = read.text(values.get("code")).upper()
    part = read.text(values.get("part")).lower() or MappingPart.value.value
    uid = read.text(values.get("uid"))
    coc = read.text(values.get("category_option_combo"))
    problems: list[tuple[str, str]] = []
    if kind not in {k.value for k in MappingKind}:
        problems.append((t("exchange.col_kind"), t("exchange.bad_kind", text=kind)))
    elif not code:
        problems.append((t("exchange.col_code"), t("exchange.missing_code")))
    elif kind == MappingKind.kpi and code not in known.kpis:
        problems.append((t("exchange.col_code"), t("exchange.unknown_kpi", code=code)))
    elif kind == MappingKind.structure and code not in known.structures:
        problems.append((t("exchange.col_code"), t("exchange.unknown_structure", code=code)))
    if part not in {p.value for p in MappingPart}:
        problems.append((t("exchange.col_part"), t("exchange.bad_part", text=part)))
    elif kind == MappingKind.structure and part != MappingPart.value:
        problems.append((t("exchange.col_part"), t("exchange.structure_part")))
    if not UID.fullmatch(uid):
        problems.append((t("exchange.col_uid"), t("exchange.bad_uid", text=uid)))
    if coc and not UID.fullmatch(coc):
        problems.append((t("exchange.col_coc"), t("exchange.bad_uid", text=coc)))
    elif coc and kind == MappingKind.structure:
        problems.append((t("exchange.col_coc"), t("exchange.structure_coc")))
    if not problems:
        clash = known.by_code.get((kind, code, part), row_id)
        if clash != row_id:
            problems.append((t("exchange.col_code"), t("exchange.duplicate_code", code=code,
                                                       part=t(f"exchange.parts.{part}"))))
        clash = known.by_uid.get((kind, uid, coc), row_id)
        if clash != row_id:
            problems.append((t("exchange.col_uid"), t("exchange.duplicate_uid", uid=uid)))
    if problems:
        raise RowRefused(*problems[0], *problems[1:])
    # Later rows of the same save are checked against this one.
    known.by_code[(kind, code, part)] = row_id
    known.by_uid[(kind, uid, coc)] = row_id
    return {"kind": kind, "code": code, "part": part, "uid": uid,
            "category_option_combo": coc}


def save_mapping(session: Session, actor: Actor, changes: list[RowChange],
                 versions: dict[int, int]) -> int:
    """Apply edited and added mapping rows, all or nothing; a stored row whose UID was emptied
    is removed (audited). Returns the rows written or removed."""
    require(actor, Action.edit_reference)
    emptied = [c for c in changes if c.id is not None and not read.text(c.values.get("uid"))]
    changes = [c for c in changes if c not in emptied]
    removed = _remove(session, actor, emptied, versions)
    known = _known(session)
    # Rows being edited leave their old keys free for the others of the same save.
    edited = {c.id for c in changes if c.id is not None}
    known.by_code = {k: v for k, v in known.by_code.items() if v not in edited}
    known.by_uid = {k: v for k, v in known.by_uid.items() if v not in edited}
    planned = check_rows(changes, lambda change: _check_mapping(
        change.values, change.id if change.id is not None else -change.position, known))
    return removed + write_rows(session, actor, Dhis2Mapping, planned, versions,
                                new=lambda values: Dhis2Mapping(**values), label=_label)


def _remove(session: Session, actor: Actor, emptied: list[RowChange],
            versions: dict[int, int]) -> int:
    """Remove the mapping rows whose UID the user emptied, each refused if it changed since
    it was shown."""
    for change in emptied:
        row = session.get(Dhis2Mapping, change.id)
        if row is None:
            raise NotFound(t("common.not_found"))
        audit.ensure_fresh(session, row, versions.get(change.id or 0))
        audit.record(session, actor, "delete", row, label=_label(row))
        session.delete(row)
    session.flush()
    return len(emptied)


def _label(row: Dhis2Mapping) -> str:
    return f"DHIS2 {row.kind} {row.code} {row.part} → {row.uid}"


MAPPING_HEADERS: dict[str, tuple[str, ...]] = {
    "kind": ("type", "kind", "nature"),
    "code": ("code", "code tracker", "code indicateur", "code structure"),
    "part": ("partie", "part", "champ"),
    "uid": ("uid", "uid dhis2", "dhis2 uid", "data element", "dataelement", "orgunit",
            "org unit", "element de donnees", "unite d'organisation"),
    "category_option_combo": ("categoryoptioncombo", "category option combo", "coc",
                              "combinaison de categories"),
}
_MAPPING_ROLES = {name: role for role, names in MAPPING_HEADERS.items() for name in names}


@dataclass
class MappingPreview:
    """A mapping file read row by row: the rows to write (new or changed), those already
    stored as they are, and the refused ones with their reason."""

    filename: str
    accepted: list[tuple[int, int | None, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({e.row for e in self.rejected})


def read_mapping_file(session: Session, actor: Actor | None, data: bytes,
                      filename: str) -> MappingPreview:
    """Preview a mapping file (CSV, TSV, XLSX or ODS with columns type, code, partie, uid,
    categoryoptioncombo): a row naming a KPI or structure already mapped updates its UID.
    Nothing is written."""
    require(actor, Action.edit_reference)
    rows = read_rows(data, filename, roles=_MAPPING_ROLES, no_header_key="exchange.no_header")
    found = find_header(rows, _MAPPING_ROLES, enough=lambda index: {"kind", "code", "uid"}
                        <= index.keys())
    if found is None:
        raise UploadError(t("exchange.no_header", file=filename))
    index = found[1]
    known = _known(session)
    stored = {(m.kind, m.code, m.part): m for m in session.exec(select(Dhis2Mapping))}
    preview = MappingPreview(filename)
    for number, cells in rows.data("exchange.no_rows"):
        values = {role: cells[i] if i < len(cells) else None for role, i in index.items()}
        key = (read.text(values.get("kind")).lower(), read.text(values.get("code")).upper(),
               read.text(values.get("part")).lower() or MappingPart.value.value)
        current = stored.get(key)
        row_id = current.id if current else None
        try:
            clean = _check_mapping(values, row_id if row_id is not None else -number, known)
        except RowRefused as refusal:
            preview.rejected.extend(RowError(number, column, reason)
                                    for column, reason in refusal.problems)
            continue
        if current is not None and (current.uid, current.category_option_combo) == (
                clean["uid"], clean["category_option_combo"]):
            preview.unchanged += 1
            continue
        preview.accepted.append((number, row_id, clean))
    return preview


def apply_mapping_file(session: Session, actor: Actor | None, preview: MappingPreview) -> int:
    """Write the accepted rows of a mapping file (created, or the stored row's UIDs updated),
    audited; returns how many rows were written."""
    require(actor, Action.edit_reference)
    if not preview.accepted:
        return 0
    stored = {m.id: m for m in session.exec(select(Dhis2Mapping))}
    changes = [RowChange(number, row_id, values) for number, row_id, values in preview.accepted]
    versions = {row_id: stored[row_id].version for _, row_id, _ in preview.accepted
                if row_id is not None and row_id in stored}
    return write_rows(session, actor, Dhis2Mapping,  # type: ignore[arg-type]
                      [(c, c.values) for c in changes], versions,
                      new=lambda values: Dhis2Mapping(**values), label=_label)


def mapping_preview_frame(preview: MappingPreview) -> pd.DataFrame:
    """The rows a mapping file would write, as the user reads them."""
    return pd.DataFrame([{
        t("common.row"): number, t("exchange.col_kind"): t(f"exchange.kinds.{v['kind']}"),
        t("exchange.col_code"): v["code"], t("exchange.col_part"): t(f"exchange.parts.{v['part']}"),
        t("exchange.col_uid"): v["uid"], t("exchange.col_coc"): v["category_option_combo"]}
        for number, _, v in preview.accepted])


# --- export -------------------------------------------------------------------------------


@dataclass
class Export:
    """A quarter as a DHIS2 data value set, and what could not go in it (no mapping)."""

    payload: dict[str, Any]
    unmapped_kpis: list[str]
    unmapped_structures: list[str]

    @property
    def count(self) -> int:
        return len(self.payload["dataValues"])

    def json_bytes(self) -> bytes:
        return (json.dumps(self.payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def export_quarter(session: Session, actor: Actor | None, year: int, quarter: int) -> Export:
    """The validated results of a quarter as a ``dataValueSets`` payload: one data value per
    mapped figure of a mapped structure, period ``2025Q3``, values as DHIS2 writes them. Results
    of a KPI or structure without a mapping are left out and named."""
    require(actor, Action.read_reports)
    if not 1 <= quarter <= 4:
        raise ValueError(t("exchange.bad_quarter", quarter=quarter))
    mappings = session.exec(select(Dhis2Mapping)).all()
    org_units = {m.code: m.uid for m in mappings if m.kind == MappingKind.structure}
    elements: dict[str, list[Dhis2Mapping]] = {}
    for m in mappings:
        if m.kind == MappingKind.kpi:
            elements.setdefault(m.code, []).append(m)
    statement = (
        select(Result, Structure.code, Kpi)  # type: ignore[call-overload]
        .join(Structure, col(Structure.id) == col(Result.structure_id))
        .join(Kpi, col(Kpi.id) == col(Result.kpi_id))
        .where(Result.status == SubmissionStatus.validated, Result.year == year,
               Result.quarter == quarter)
        .order_by(col(Structure.code), col(Kpi.position), col(Kpi.code)))
    period = dhis2_period(year, quarter)
    values: list[dict[str, str]] = []
    unmapped_kpis: set[str] = set()
    unmapped_structures: set[str] = set()
    for result, structure_code, kpi in session.exec(statement):
        figures = {"value": result.value, "numerator": result.numerator,
                   "denominator": result.denominator}
        if kpi.ratio and result.numerator is not None and result.denominator:
            figures["value"] = result.numerator * 100 / result.denominator
        if all(v is None for v in figures.values()):
            continue  # a KPI left blank with a reason
        if structure_code not in org_units:
            unmapped_structures.add(structure_code)
            continue
        if kpi.code not in elements:
            unmapped_kpis.add(kpi.code)
            continue
        for mapping in sorted(elements[kpi.code], key=lambda m: m.part):
            figure = figures[mapping.part]
            if figure is None:
                continue
            entry = {"dataElement": mapping.uid, "period": period,
                     "orgUnit": org_units[structure_code]}
            if mapping.category_option_combo:
                entry["categoryOptionCombo"] = mapping.category_option_combo
            entry["value"] = dhis2_value(figure, kpi.unit)
            values.append(entry)
    return Export({"dataValues": values}, sorted(unmapped_kpis), sorted(unmapped_structures))


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataValue:
    """One data value of a file, with its row as the user finds it (JSON: its position in
    ``dataValues``; CSV: its line)."""

    row: int
    data_element: str
    period: str
    org_unit: str
    category_option_combo: str
    value: str


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_data_values(data: bytes, filename: str) -> list[DataValue]:
    """The data values of a ``dataValueSets`` JSON or of DHIS2's CSV form (with or without its
    header line). A file that is neither is refused as a whole."""
    text = decode_text(data, filename)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return list(_json_values(stripped, filename))
    return list(_csv_values(text, filename))


def _json_values(text: str, filename: str) -> Iterator[DataValue]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UploadError(t("exchange.bad_json", file=filename, line=exc.lineno,
                            reason=exc.msg)) from exc
    entries = document.get("dataValues") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise UploadError(t("exchange.no_data_values", file=filename))
    if not entries:
        raise UploadError(t("exchange.empty_data_values", file=filename))
    # Set-level fields apply to every value that does not give its own.
    common = {k: document.get(k) for k in ("period", "orgUnit", "attributeOptionCombo")}
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            entry = {}
        yield DataValue(position, _text(entry.get("dataElement")),
                        _text(entry.get("period") or common["period"]),
                        _text(entry.get("orgUnit") or common["orgUnit"]),
                        _text(entry.get("categoryOptionCombo")), _text(entry.get("value")))


def _csv_values(text: str, filename: str) -> Iterator[DataValue]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UploadError(t("exchange.no_data_values", file=filename))
    first = [c.strip().lower().replace(" ", "").replace("_", "") for c in rows[0]]
    if "dataelement" in first and "value" in first:
        index = {name: first.index(name) for name in CSV_COLUMNS if name in first}
        body = enumerate(rows[1:], start=2)
    else:
        index = {name: position for position, name in enumerate(CSV_COLUMNS)}
        body = enumerate(rows, start=1)
    if "orgunit" not in index or "period" not in index:
        raise UploadError(t("exchange.no_data_values", file=filename))
    found = False
    for number, cells in body:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < 3:
            raise UploadError(t("exchange.bad_csv_row", file=filename, row=number))
        found = True

        def cell(name: str, cells: list[str] = cells) -> str:
            position = index.get(name)
            return cells[position].strip() if position is not None and position < len(cells) \
                else ""
        yield DataValue(number, cell("dataelement"), cell("period"), cell("orgunit"),
                        cell("categoryoptioncombo"), cell("value"))
    if not found:
        raise UploadError(t("exchange.empty_data_values", file=filename))


def _quarter_of(period: str) -> tuple[int, int] | None:
    match = PERIOD.fullmatch(period)
    return (int(match[1]), int(match[2])) if match else None


@collector_paused()
def import_preview(session: Session, actor: Actor | None, data: bytes, filename: str, *,
                   today: date) -> ImportPreview:
    """Preview a DHIS2 data value set as a results import of its quarter: each UID mapped (an
    unknown one refused with its row), the values of one structure and KPI gathered (a ratio's
    numerator and denominator), then checked by the results import's rules and the actor's
    rights. Nothing is written."""
    require_import(actor)
    values = read_data_values(data, filename)
    mappings = session.exec(select(Dhis2Mapping)).all()
    org_units = {m.uid: m.code for m in mappings if m.kind == MappingKind.structure}
    elements = {(m.uid, m.category_option_combo): m for m in mappings
                if m.kind == MappingKind.kpi}
    periods = [p for p in (_quarter_of(v.period) for v in values) if p is not None]
    if not periods:
        raise UploadError(t("exchange.no_quarter", file=filename, found=values[0].period))
    year, quarter = periods[0]
    refused: list[RowError] = []
    records: dict[tuple[str, str], tuple[int, dict[str, object]]] = {}
    together: dict[int, list[int]] = {}  # a ratio's first row → its other rows
    for entry in values:
        problems = []
        found = _quarter_of(entry.period)
        if found is None:
            problems.append(("period", t("exchange.bad_period", text=entry.period)))
        elif found != (year, quarter):
            problems.append(("period", t("exchange.other_period", text=entry.period,
                                         period=dhis2_period(year, quarter))))
        structure = org_units.get(entry.org_unit)
        if structure is None:
            problems.append(("orgUnit", t("exchange.unknown_org_unit", uid=entry.org_unit)))
        mapping = elements.get((entry.data_element, entry.category_option_combo)) \
            or elements.get((entry.data_element, ""))
        if mapping is None:
            key = "unknown_element_coc" if entry.category_option_combo else "unknown_element"
            problems.append(("dataElement", t(f"exchange.{key}", uid=entry.data_element,
                                              coc=entry.category_option_combo)))
        if problems or structure is None or mapping is None:
            refused.extend(RowError(entry.row, column, reason) for column, reason in problems)
            continue
        first, record = records.setdefault(
            (structure, mapping.code), (entry.row, {STRUCTURE: structure, KPI: mapping.code}))
        role = _PART_ROLE[mapping.part]
        if role in record:
            refused.append(RowError(entry.row, "value", t(
                "exchange.duplicate_value", structure=structure, kpi=mapping.code, row=first)))
            continue
        record[role] = entry.value
        if first != entry.row:
            together.setdefault(first, []).append(entry.row)
    preview = read_results_records(
        sorted(records.values(), key=lambda item: item[0]), filename,
        columns={STRUCTURE: "orgUnit", KPI: "dataElement", VALUE: "value",
                 NUMERATOR: t("exchange.value_of", part=t("exchange.parts.numerator")),
                 DENOMINATOR: t("exchange.value_of", part=t("exchange.parts.denominator"))},
        kpis=kpi_refs(session), structures=structure_refs(session), year=year, quarter=quarter)
    preview = screen_preview(session, actor, preview, today=today)
    # A ratio refused is refused on each of its rows (numerator and denominator).
    also = [RowError(row, error.column, error.reason) for error in preview.rejected
            for row in together.get(error.row, [])]
    preview.rejected = sorted([*preview.rejected, *also, *refused], key=lambda e: e.row)
    return preview


def import_file(session: Session, actor: Actor | None, data: bytes, filename: str, *,
                today: date) -> tuple[ImportPreview, int]:
    """Read and write a DHIS2 file in this transaction (the accepted rows: the results import
    writes them, audited); returns the preview and the rows written."""
    preview = import_preview(session, actor, data, filename, today=today)
    return preview, apply_import(session, actor, preview, today=today)


def import_dhis2_file(engine: object, data: bytes, filename: str, *,
                      dry_run: bool) -> dict[str, object]:
    """The command line's import: preview, then (unless dry-run) write in one transaction;
    the same report as ``results import``."""
    from tracker.core.db import transaction

    with transaction(engine) as session:  # type: ignore[arg-type]
        preview = import_preview(session, None, data, filename, today=date.today())
        if dry_run:
            session.rollback()
            return preview.to_json()
        apply_import(session, None, preview)
        return preview.to_json()
