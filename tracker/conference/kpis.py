"""CDSI_RECO and CDSI_PRES are ASIN's own figures, computed from the actions and attendance the
product records and stored as validated results for every structure and started quarter."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.actions import cdsi_kpis_frame
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import StaleEdit, TrackerError
from tracker.core.i18n import t
from tracker.core.models import AuditEvent, Result, ResultSource, SubmissionStatus, utcnow
from tracker.core.periods import quarter_of

COMPUTED_KPIS = ("CDSI_RECO", "CDSI_PRES")
COMPUTED = ResultSource.computed.value
VALIDATED = SubmissionStatus.validated.value
# What a stored computed result must hold; anything else there is rewritten.
_FIELDS = ("value", "numerator", "denominator", "source", "status")

Key = tuple[int, int, int, int]  # structure id, KPI id, year, quarter


def _table(model: type) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _computed_kpis(session: Session) -> dict[str, int]:
    return {k.code: k.id for k in repo.list_kpis(session)
            if k.code in COMPUTED_KPIS and k.id is not None}


def _wanted(session: Session, kpis: dict[str, int], today: date
            ) -> tuple[dict[Key, dict[str, Any]], dict[Key, str]]:
    """The figures as they should be stored, with their audit labels (quarters not yet begun
    have no figure)."""
    now = (today.year, quarter_of(today))
    wanted: dict[Key, dict[str, Any]] = {}
    labels: dict[Key, str] = {}
    for row in cdsi_kpis_frame(session).to_dict("records"):
        kpi_id = kpis.get(str(row["kpi"]))
        year, quarter = int(row["year"]), int(row["quarter"])
        if kpi_id is None or (year, quarter) > now or not row["denominator"]:
            continue
        key = (int(row["structure_id"]), kpi_id, year, quarter)
        wanted[key] = {"value": None, "numerator": float(row["numerator"]),
                       "denominator": float(row["denominator"]), "source": COMPUTED,
                       "status": VALIDATED}
        labels[key] = f"{row['structure']} {row['kpi']} {year}-T{quarter}"
    return wanted, labels


def refresh_computed_kpis(session: Session, actor: Actor | None, *,
                          today: date | None = None) -> int:
    """Store CDSI_RECO and CDSI_PRES (numerator and denominator, as for every ratio KPI) for
    every structure and quarter they can be computed for, as validated results of source
    "computed"; a computed figure that no longer applies is removed. Running it again changes
    nothing. The secretariat, or the system when ``actor`` is None (command line, or after
    another service's write). Returns the results written or removed."""
    if actor is not None:
        require(actor, Action.edit_conferences)
    kpis = _computed_kpis(session)
    if not kpis:
        return 0
    wanted, labels = _wanted(session, kpis, today or date.today())
    existing = {(r.structure_id, r.kpi_id, r.year, r.quarter): r for r in session.exec(
        select(Result).where(col(Result.kpi_id).in_(list(kpis.values())))).all()}
    now = utcnow()
    actor_id = actor.id if actor else None
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    removals: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for key, values in wanted.items():
        current = existing.get(key)
        if current is None:
            inserts.append({"structure_id": key[0], "kpi_id": key[1], "year": key[2],
                            "quarter": key[3], **values, "comment": "", "evidence_url": "",
                            "updated_at": now, "updated_by_id": actor_id, "version": 1})
            continue
        changes = {f: (getattr(current, f), v) for f, v in values.items()
                   if audit.as_text(getattr(current, f)) != audit.as_text(v)}
        if changes:
            updates.append({"b_id": current.id, "b_version": current.version, **values,
                            "version": current.version + 1, "updated_at": now,
                            "updated_by_id": actor_id})
            audits.extend(audit.event_rows(actor, "update", "Result", current.id, labels[key],
                                           changes, now))
    codes = repo.structure_codes_by_id(session)
    kpi_codes = {kpi_id: code for code, kpi_id in kpis.items()}
    for key, current in existing.items():
        # Only the product's own figures are withdrawn; a declared value is not ours to remove.
        if key in wanted or current.source != COMPUTED:
            continue
        removals.append({"b_id": current.id, "b_version": current.version})
        label = f"{codes.get(key[0], '?')} {kpi_codes[key[1]]} {key[2]}-T{key[3]}"
        audits.extend(audit.event_rows(actor, "delete", "Result", current.id, label,
                                       {"numerator": (current.numerator, None),
                                        "denominator": (current.denominator, None)}, now))
    table = _table(Result)
    session.flush()
    connection = session.connection()
    for statement, rows in (
        (table.update().where(table.c.id == bindparam("b_id"),
                              table.c.version == bindparam("b_version"))
         .values({f: bindparam(f) for f in (*_FIELDS, "version", "updated_at",
                                             "updated_by_id")}), updates),
        (table.delete().where(table.c.id == bindparam("b_id"),
                              table.c.version == bindparam("b_version")), removals),
    ):
        if rows and connection.execute(statement, rows).rowcount != len(rows):
            raise StaleEdit(t("followup_import.kpis.conflict"))
    if inserts:
        try:
            result = connection.execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), inserts)
        except IntegrityError as exc:  # another replica stored the same figure meanwhile
            raise TrackerError(t("followup_import.kpis.conflict")) from exc
        label_of = [labels[(r["structure_id"], r["kpi_id"], r["year"], r["quarter"])]
                    for r in inserts]
        for new_id, row, label in zip(result.scalars().all(), inserts, label_of, strict=True):
            audits.extend(audit.creation_event_rows(
                actor, "Result", new_id, label,
                {"numerator": row["numerator"], "denominator": row["denominator"]}, now))
    if audits:
        connection.execute(_table(AuditEvent).insert(), audits)
        # Results loaded in this session before the bulk writes are stale: reread them.
        session.expire_all()
    return len(inserts) + len(updates) + len(removals)
