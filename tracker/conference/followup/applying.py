"""Writing a previewed follow-up file in one transaction, versions checked, every change audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.followup.columns import CLOSED, MODELS, RECOMMENDATION
from tracker.conference.followup.preview import FollowupCounts, FollowupPreview, FollowupRow
from tracker.core import audit
from tracker.core.errors import StaleEdit
from tracker.core.i18n import t
from tracker.core.logs import IMPORTS, log_event
from tracker.core.models import ActionStatus, AuditEvent, DueKind, Priority, utcnow


def _table(model: type) -> Any:
    return model.__table__  # type: ignore[attr-defined]


_UPDATED = ("status", "progress_comment", "due_date", "due_kind", "closed_at")


def apply_followup(session: Session, actor: Actor, preview: FollowupPreview) -> FollowupCounts:
    """Write a previewed follow-up file in this one transaction: new items created, changed
    status, comment or due date updated (each change audited), the rest left untouched; an item
    changed by someone since the preview makes the whole import fail. Secretariat only."""
    require(actor, Action.edit_conferences)
    now = utcnow()
    audits: list[dict[str, Any]] = []
    created = updated = 0
    for kind, model in MODELS:
        rows = [row for row in preview.accepted if row.kind == kind]
        inserts: list[dict[str, Any]] = []
        labels: list[str] = []
        updates: list[dict[str, Any]] = []
        for row in rows:
            label = f"{row.number} {row.text[:80]}".strip()
            for item in row.items:
                if item.item_id is None:
                    inserts.append(_insert_values(kind, row, item.owner_id, actor, now))
                    labels.append(label)
                elif item.changes:
                    current = session.get(model, item.item_id)
                    if current is None or current.version != item.version:
                        raise StaleEdit(t("followup_import.stale"))
                    changes = {**item.changes, **_closing(current, item.changes, now)}
                    values = {f: changes[f][1] if f in changes else getattr(current, f)
                              for f in _UPDATED}
                    updates.append({"b_id": current.id, "b_version": current.version, **values,
                                    "version": current.version + 1, "updated_at": now,
                                    "updated_by_id": actor.id})
                    audits.extend(audit.event_rows(actor, "update", model.__name__,
                                                   item.item_id, label, changes, now))
        table = _table(model)
        if updates:
            statement = table.update().where(
                table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version")
            ).values({f: bindparam(f) for f in (*_UPDATED, "version", "updated_at",
                                                 "updated_by_id")})
            if session.connection().execute(statement, updates).rowcount != len(updates):
                raise StaleEdit(t("followup_import.stale"))
            updated += len(updates)
        if inserts:
            result = session.connection().execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), inserts)
            for new_id, values, label in zip(result.scalars().all(), inserts, labels,
                                             strict=True):
                entered: dict[str, Any] = {
                    f: values[f] for f in ("title", "text", "owner_structure_id", "due_date",
                                           "status") if f in values}
                audits.extend(audit.creation_event_rows(actor, model.__name__, new_id, label,
                                                        entered, now))
            created += len(inserts)
    if created or updated:
        audits.extend(audit.event_rows(actor, "import", "FollowupImport", None,
                                       f"{preview.filename} ({created + updated})", {}, now))
        session.connection().execute(_table(AuditEvent).insert(), audits)
        session.flush()
        # Rows loaded for the preview are now stale in this session: reread them from here on.
        session.expire_all()
        if any(row.kind == RECOMMENDATION and row.items for row in preview.accepted):
            from tracker.conference.kpis import refresh_computed_kpis

            refresh_computed_kpis(session, actor)
    log_event(IMPORTS, "followup_import", user=actor.login, file=preview.filename,
              created=created, updated=updated, unchanged=preview.unchanged,
              rejected_rows=len(preview.rejected_rows))
    return FollowupCounts(created, updated, preview.unchanged)


def _closing(current: Any, changes: dict[str, tuple[Any, Any]], now: datetime
             ) -> dict[str, tuple[Any, Any]]:
    """Done or cancelled from now on stamps closed_at; reopened clears it (as on the page)."""
    if "status" not in changes:
        return {}
    status = changes["status"][1]
    if status in CLOSED and current.closed_at is None:
        return {"closed_at": (None, now)}
    if status not in CLOSED and current.closed_at is not None:
        return {"closed_at": (current.closed_at, None)}
    return {}


def _insert_values(kind: str, row: FollowupRow, owner: int | None, actor: Actor,
                   now: datetime) -> dict[str, Any]:
    status = row.status or ActionStatus.not_started.value
    due_kind = row.due_kind or DueKind.none.value
    values: dict[str, Any] = {
        "conference_id": row.conference_id, "number": row.number,
        "owner_structure_id": owner, "group_ref": row.group_ref, "due_date": row.due_date,
        "due_kind": due_kind, "status": status, "progress_comment": row.comment or "",
        # Done at an unknown date, as a PV's status is: CDSI_RECO counts it done throughout.
        "closed_at": None, "created_at": now, "updated_at": now, "updated_by_id": actor.id,
        "version": 1}
    if kind == RECOMMENDATION:
        values["text"] = row.text
    else:
        values.update({"title": row.text, "recommendation_id": None, "person": "",
                       "priority": Priority.normal.value, "topic": "", "blocker": "",
                       "escalated": False, "escalated_at": None, "initiative_id": None})
    return values
