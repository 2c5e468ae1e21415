"""Reference data: structures (with history and successors) and the KPI catalogue.

Loaded from ``tracker/reference_data/*.csv`` (shipped with the package) on first start; afterwards
an admin edits them in the app, each save validated row by row and audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.errors import RowError, ValidationFailed
from tracker.core.i18n import has_key, t
from tracker.core.models import (
    Direction,
    Kpi,
    KpiCreate,
    KpiUnit,
    QuarterRollup,
    Structure,
    StructureCreate,
    StructureKind,
    StructureRollup,
)
from tracker.core.refdata import (
    KpiRef,
    StructureRef,
    load_kpis_csv,
    load_structures_csv,
)
from tracker.core.saving import Planned, RowRefused, check_rows, write_rows
from tracker.core.tables import ColumnSpec, RowChange


def load_reference_data(session: Session, reference_dir: Path | None = None) -> tuple[int, int]:
    """Insert the structures and KPIs of the reference CSVs that are not in the database yet."""
    structures = load_structures_csv(reference_dir / "structures.csv" if reference_dir else None)
    kpis = load_kpis_csv(reference_dir / "kpis.csv" if reference_dir else None)
    existing = {s.code: s for s in repo.list_structures(session)}
    added_structures = 0
    for ref in structures:
        if ref.code in existing:
            continue
        row = Structure(code=ref.code, name_fr=ref.name_fr, name_en=ref.name_en, kind=ref.kind,
                        valid_from=ref.valid_from, valid_to=ref.valid_to)
        session.add(row)
        existing[ref.code] = row
        added_structures += 1
    session.flush()
    for ref in structures:
        if ref.successor and ref.successor in existing and existing[ref.code].successor_id is None:
            existing[ref.code].successor_id = existing[ref.successor].id
    known_kpis = {k.code for k in repo.list_kpis(session)}
    added_kpis = 0
    for position, kref in enumerate(kpis):
        if kref.code in known_kpis:
            continue
        session.add(Kpi(code=kref.code, group=kref.group, label_fr=kref.label_fr,
                        label_en=kref.label_en, unit=kref.unit, direction=kref.direction,
                        agg_quarters=kref.agg_quarters, agg_structures=kref.agg_structures,
                        ratio=kref.ratio, indicative_target=kref.indicative_target,
                        platform=kref.platform, gtmi=kref.gtmi, note=kref.note,
                        position=position))
        added_kpis += 1
    session.flush()
    return added_structures, added_kpis


def structure_refs(session: Session) -> list[StructureRef]:
    """The structures as plain records, for parsers (successor given by code)."""
    rows = repo.list_structures(session)
    codes = {s.id: s.code for s in rows}
    return [StructureRef(code=s.code, name_fr=s.name_fr, name_en=s.name_en, kind=s.kind,
                         valid_from=s.valid_from, valid_to=s.valid_to,
                         successor=codes.get(s.successor_id) if s.successor_id else None)
            for s in rows]


def kpi_refs(session: Session, *, active_only: bool = True) -> list[KpiRef]:
    """The KPI catalogue as plain records, for parsers and validation."""
    return [KpiRef(code=k.code, group=k.group, label_fr=k.label_fr, label_en=k.label_en,
                   unit=k.unit, direction=k.direction, agg_quarters=k.agg_quarters,
                   agg_structures=k.agg_structures, ratio=k.ratio,
                   indicative_target=k.indicative_target, platform=k.platform, gtmi=k.gtmi,
                   note=k.note)
            for k in repo.list_kpis(session, active_only=active_only)]


# --- editing (admin) ----------------------------------------------------------------------

STRUCTURE_COLUMNS = ["code", "name_fr", "name_en", "kind", "valid_from", "valid_to",
                     "successor", "note"]
KPI_COLUMNS = ["code", "group", "label_fr", "label_en", "unit", "direction", "agg_quarters",
               "agg_structures", "ratio", "indicative_target", "platform", "gtmi", "note",
               "active"]


def structures_frame(session: Session) -> pd.DataFrame:
    """Structures as an editable table indexed by id (version kept to detect stale saves)."""
    rows = repo.list_structures(session)
    codes = {s.id: s.code for s in rows}
    data = [{"id": s.id, "code": s.code, "name_fr": s.name_fr, "name_en": s.name_en,
             "kind": s.kind, "valid_from": s.valid_from, "valid_to": s.valid_to,
             "successor": codes.get(s.successor_id) if s.successor_id else None,
             "note": s.note, "version": s.version} for s in rows]
    return pd.DataFrame(data, columns=["id", *STRUCTURE_COLUMNS, "version"]).set_index("id")


def kpis_frame(session: Session) -> pd.DataFrame:
    """The KPI catalogue as an editable table indexed by id."""
    data = [{"id": k.id, **{c: getattr(k, c) for c in KPI_COLUMNS}, "version": k.version}
            for k in repo.list_kpis(session)]
    return pd.DataFrame(data, columns=["id", *KPI_COLUMNS, "version"]).set_index("id")


def _field_error(exc: ValidationError, table: str) -> tuple[str, str]:
    error = exc.errors()[0]
    loc = error["loc"]
    field = str(loc[0]) if loc else ""
    if not field and "ctx" in error:
        field = str(error["ctx"].get("error", ""))
    if not field:
        field = str(error.get("msg", "")).replace("Value error, ", "")
    return field, t(f"reference.invalid_{table}_{field}") if has_key(
        f"reference.invalid_{table}_{field}") else t("reference.invalid_field", field=field)


def _refused(exc: ValidationError, table: str) -> RowRefused:
    field, reason = _field_error(exc, table)
    return RowRefused(t(f"reference.col_{field}") if has_key(f"reference.col_{field}") else field,
                      reason)


def _creation_order(planned: list[Planned]) -> list[Planned]:
    """New structures before edited ones, and a new structure after the new successor it
    names (a merger entered at once), so that every successor has an id when it is named."""
    new = [p for p in planned if p[0].id is None]
    waiting = {p[1]["code"] for p in new}
    ordered: list[Planned] = []
    while new:
        ready = [p for p in new if p[1]["successor_code"] not in waiting]
        if not ready:  # successors naming each other: no order gives them ids
            raise ValidationFailed(t("common.errors_title"), [
                RowError(p[0].position, t("reference.col_successor"),
                         t("reference.successor_cycle")) for p in new])
        for p in ready:
            ordered.append(p)
            waiting.discard(p[1]["code"])
        new = [p for p in new if p not in ready]
    return ordered + [p for p in planned if p[0].id is not None]


def save_structures(session: Session, actor: Actor, changes: list[RowChange],
                    versions: dict[int, int]) -> int:
    """Apply edited and added structure rows, all or nothing; returns the rows written."""
    require(actor, Action.edit_reference)
    by_code = {s.code: s for s in repo.list_structures(session)}
    # A successor may be a structure added in the same save (a merger entered at once).
    added_codes = {read.text(c.values.get("code")).upper() for c in changes
                   if c.id is None}

    def check(change: RowChange) -> dict[str, Any]:
        values = dict(change.values)
        values["successor_code"] = values.pop("successor", None) or None
        for text_field in ("name_en", "note"):
            values[text_field] = values.get(text_field) or ""
        try:
            payload = StructureCreate.model_validate(values)
        except ValidationError as exc:
            raise _refused(exc, "structure") from exc
        successor = payload.successor_code.strip().upper() if payload.successor_code else None
        if successor and successor not in by_code and successor not in added_codes:
            raise RowRefused(t("reference.col_successor"),
                             t("reference.unknown_successor", code=successor))
        if successor == payload.code:
            raise RowRefused(t("reference.col_successor"), t("reference.self_successor"))
        clash = by_code.get(payload.code)
        if clash is not None and clash.id != change.id:
            raise RowRefused(t("reference.col_code"),
                             t("reference.duplicate_code", code=payload.code))
        return {"code": payload.code, "name_fr": payload.name_fr.strip(),
                "name_en": payload.name_en.strip(), "kind": payload.kind.value,
                "valid_from": payload.valid_from, "valid_to": payload.valid_to,
                "successor_code": successor, "note": payload.note}

    planned = _creation_order(check_rows(changes, check))

    def stored(values: dict[str, Any]) -> dict[str, Any]:
        """The values as the table stores them: the successor by id (known by now)."""
        row = dict(values)
        successor = row.pop("successor_code")
        row["successor_id"] = by_code[str(successor)].id if successor else None
        return row

    def new(values: dict[str, Any]) -> Structure:
        row = Structure(**stored(values))
        by_code[row.code] = row
        return row

    def label(row: Structure) -> str:
        return row.code

    # The new rows first (each successor created before it is named), then the edited ones.
    added = [p for p in planned if p[0].id is None]
    written = write_rows(session, actor, Structure, added, versions, new=new, label=label)
    edited = [(change, stored(values)) for change, values in planned if change.id is not None]
    return written + write_rows(session, actor, Structure, edited, versions, new=new,
                                label=label)


def save_kpis(session: Session, actor: Actor, changes: list[RowChange],
              versions: dict[int, int]) -> int:
    """Apply edited and added KPI rows, all or nothing; returns the rows written."""
    require(actor, Action.edit_reference)
    by_code = {k.code: k for k in repo.list_kpis(session)}

    def check(change: RowChange) -> dict[str, Any]:
        values = dict(change.values)
        values["ratio"] = read.boolean(values.get("ratio"))
        values["active"] = read.boolean(values.get("active"), default=True)
        for text_field in ("indicative_target", "platform", "gtmi", "note", "label_en"):
            values[text_field] = values.get(text_field) or ""
        try:
            payload = KpiCreate.model_validate(values)
        except ValidationError as exc:
            raise _refused(exc, "kpi") from exc
        clash = by_code.get(payload.code.strip().upper())
        if clash is not None and clash.id != change.id:
            raise RowRefused(t("reference.col_code"),
                             t("reference.duplicate_code", code=payload.code))
        clean = payload.model_dump()
        clean["code"] = clean["code"].strip().upper()
        for enum_field in ("unit", "direction", "agg_quarters", "agg_structures"):
            clean[enum_field] = str(clean[enum_field])
        return clean

    planned = check_rows(changes, check)
    positions = iter(range(len(by_code), len(by_code) + len(planned)))
    return write_rows(session, actor, Kpi, planned, versions,
                      new=lambda values: Kpi(**values, position=next(positions)),
                      label=lambda row: row.code)


def structure_column_config() -> dict[str, ColumnSpec]:
    """Column labels and editors of the structures table, in the user's language."""
    codes = tuple(s.code for s in load_structures_csv())
    return {
        "code": ColumnSpec("text", t("reference.col_code"), required=True),
        "name_fr": ColumnSpec("text", t("reference.col_name_fr"), required=True),
        "name_en": ColumnSpec("text", t("reference.col_name_en")),
        "kind": ColumnSpec("select", t("reference.col_kind"),
                           tuple(k.value for k in StructureKind), required=True),
        "valid_from": ColumnSpec("date", t("reference.col_valid_from")),
        "valid_to": ColumnSpec("date", t("reference.col_valid_to")),
        "successor": ColumnSpec("text", t("reference.col_successor"),
                                help=", ".join(codes[:8]) + "…"),
        "note": ColumnSpec("text", t("reference.col_note")),
    }


def kpi_column_config() -> dict[str, ColumnSpec]:
    """Column labels and editors of the KPI catalogue."""
    return {
        "code": ColumnSpec("text", t("reference.col_code"), required=True),
        "group": ColumnSpec("text", t("reference.col_group"), required=True),
        "label_fr": ColumnSpec("text", t("reference.col_label_fr"), required=True),
        "label_en": ColumnSpec("text", t("reference.col_label_en")),
        "unit": ColumnSpec("select", t("reference.col_unit"), tuple(u.value for u in KpiUnit),
                           required=True),
        "direction": ColumnSpec("select", t("reference.col_direction"),
                                tuple(d.value for d in Direction), required=True),
        "agg_quarters": ColumnSpec("select", t("reference.col_agg_quarters"),
                                   tuple(a.value for a in QuarterRollup), required=True),
        "agg_structures": ColumnSpec("select", t("reference.col_agg_structures"),
                                     tuple(a.value for a in StructureRollup), required=True),
        "ratio": ColumnSpec("checkbox", t("reference.col_ratio")),
        "indicative_target": ColumnSpec("text", t("reference.col_indicative_target")),
        "platform": ColumnSpec("text", t("reference.col_platform")),
        "gtmi": ColumnSpec("text", t("reference.col_gtmi")),
        "note": ColumnSpec("text", t("reference.col_note")),
        "active": ColumnSpec("checkbox", t("reference.col_active")),
    }
