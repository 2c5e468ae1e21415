"""Follow-up of actions and recommendations: who may change what, overdue (derived, never
stored), age in sessions, escalation of blocked items, and the CDSI_RECO indicator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, require, writes_for_own_structure_only
from tracker.conference.kpi_links import (
    cell_codes,
    kpi_ids_by_code,
    links_by_object,
    unknown_codes,
    write_links,
)
from tracker.conference.sessions import conference_label, held_numbers, sessions_since
from tracker.core import audit
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.errors import NotFound, PermissionDenied, RowError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    TOPIC_TAGS,
    ActionItem,
    ActionStatus,
    Conference,
    ConferenceStatus,
    DueKind,
    Initiative,
    Priority,
    Recommendation,
    Structure,
    utcnow,
)
from tracker.core.periods import quarter_end, quarter_of
from tracker.core.repository import initiative_labels
from tracker.core.tables import ColumnSpec, RowChange

STATUSES = tuple(s.value for s in ActionStatus)
PRIORITIES = tuple(p.value for p in Priority)
CLOSED = frozenset(s.value for s in CLOSED_ACTION_STATUSES)

ACTION = "action"
RECOMMENDATION = "recommendation"

# Columns shown, in order; the editable ones depend on the kind and the actor's role.
COLUMNS = {
    ACTION: ["session", "number", "title", "owner", "person", "due_date", "due_note", "status",
             "priority", "topic", "initiative", "kpis", "progress_comment", "blocker",
             "escalated", "overdue", "open_sessions"],
    RECOMMENDATION: ["session", "number", "title", "owner", "due_date", "due_note", "status",
                     "kpis", "progress_comment", "overdue", "open_sessions"],
}
# What the owner structure's DSI may change; the secretariat may change every field.
DSI_FIELDS = {ACTION: ("status", "progress_comment", "blocker", "escalated"),
              RECOMMENDATION: ("status", "progress_comment")}
ADMIN_FIELDS = {ACTION: ("title", "owner", "person", "due_date", "status", "priority", "topic",
                         "initiative", "kpis", "progress_comment", "blocker", "escalated"),
                RECOMMENDATION: ("title", "owner", "due_date", "status", "kpis",
                                 "progress_comment")}
# What a session decided cannot be rewritten once the session is closed.
DECIDED_FIELDS = ("title", "owner")
OVERDUE_BUCKETS = ((30, "lt_1m"), (90, "m1_3"), (180, "m3_6"), (None, "gt_6m"))


def _model(kind: str) -> type[ActionItem] | type[Recommendation]:
    return ActionItem if kind == ACTION else Recommendation


def status_label(status: str) -> str:
    return t(f"actions.status.{status}") if status in STATUSES else status


def is_overdue(status: str, due_date: date | None, today: date) -> bool:
    """Overdue: not done nor cancelled, and its due date has passed."""
    return status not in CLOSED and due_date is not None and due_date < today


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the list to; None means all."""

    structure_id: int | None = None
    status: str | None = None
    conference_id: int | None = None
    topic: str | None = None
    overdue_only: bool = False
    blocked_only: bool = False


def editable_columns(actor: Actor, kind: str) -> list[str]:
    """The columns this actor may edit (none for leadership and viewers)."""
    if may(actor, Action.edit_conferences):
        return list(ADMIN_FIELDS[kind])
    if writes_for_own_structure_only(actor):
        return list(DSI_FIELDS[kind])
    return []


def _rows(session: Session, kind: str, filters: Filters) -> Sequence[Any]:
    model = _model(kind)
    query = select(model)
    if filters.structure_id is not None:
        query = query.where(model.owner_structure_id == filters.structure_id)
    if filters.status:
        query = query.where(model.status == filters.status)
    if filters.blocked_only:
        query = query.where(model.status == ActionStatus.blocked)
    if filters.conference_id is not None:
        query = query.where(model.conference_id == filters.conference_id)
    if filters.topic and kind == ACTION:
        query = query.where(ActionItem.topic == filters.topic)
    return session.exec(query.order_by(col(model.conference_id).desc(), col(model.id))).all()


def followup_revision(session: Session) -> str:
    """Changes whenever anything the follow-up table shows changes (its items, their sessions,
    owners and initiatives): the key of the pages' cache of ``followup_frame``. Every save bumps
    a row's version, a new row its count, a deletion lowers it."""
    parts = []
    for model in (ActionItem, Recommendation, Conference, Structure, Initiative):
        count, versions, latest = session.exec(select(
            func.count(), func.sum(model.version), func.max(model.updated_at))).one()
        parts.append(f"{count}:{versions}:{latest}")
    return "|".join(parts)


def followup_frame(session: Session, actor: Actor | None, kind: str, filters: Filters,
                   today: date) -> pd.DataFrame:
    """Actions (or recommendations) as a table indexed by id, with overdue and the number of
    sessions held since the one that decided it (open items only)."""
    del actor  # every signed-in role reads the follow-up; writes are checked on save
    conferences = {c.id: c for c in session.exec(select(Conference)).all()}
    numbers = held_numbers(session)
    codes = repo.structure_codes_by_id(session)
    initiatives = initiative_labels(session) if kind == ACTION else {}
    links = links_by_object(session, kind)
    rows = []
    for item in _rows(session, kind, filters):
        conference = conferences.get(item.conference_id)
        overdue = is_overdue(item.status, item.due_date, today)
        if filters.overdue_only and not overdue:
            continue
        open_sessions = None
        if conference is not None and item.status not in CLOSED:
            open_sessions = sessions_since(numbers, conference.number)
        row = {"id": item.id, "session": conference_label(conference) if conference else "—",
               "number": item.number, "title": item.title if kind == ACTION else item.text,
               "owner": codes.get(item.owner_structure_id or -1),
               "due_date": item.due_date,
               "due_note": "" if item.due_kind == DueKind.date
               else t(f"actions.due_kind.{item.due_kind}"),
               "status": item.status, "kpis": links.get(item.id or 0, []),
               "progress_comment": item.progress_comment, "overdue": overdue,
               "open_sessions": open_sessions,
               "closed_session": bool(conference and conference.status
                                      == ConferenceStatus.closed),
               "version": item.version}
        if kind == ACTION:
            row.update({"person": item.person, "priority": item.priority, "topic": item.topic,
                        "initiative": initiatives.get(item.initiative_id or -1, ""),
                        "blocker": item.blocker, "escalated": item.escalated})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["id", *COLUMNS[kind], "closed_session", "version"])
    frame["open_sessions"] = frame["open_sessions"].astype("Int64")
    return frame.set_index("id")


def column_specs(kind: str, actor: Actor, owner_codes: Sequence[str],
                 initiatives: Sequence[str] = (),
                 kpi_labels: dict[str, str] | None = None) -> dict[str, ColumnSpec]:
    """Labels and editors; columns the actor may not edit are disabled. ``initiatives``: the
    roadmap initiatives an action item can be linked to (initiative_labels); ``kpi_labels``:
    the KPIs an item can target, code → « code — name »."""
    editable = set(editable_columns(actor, kind))
    labels = dict(kpi_labels or {})
    kinds = {"due_date": "date", "escalated": "checkbox", "overdue": "checkbox",
             "open_sessions": "number", "kpis": "multiselect"}
    options = {"status": STATUSES, "priority": PRIORITIES, "topic": ("", *TOPIC_TAGS),
               "owner": tuple(owner_codes), "initiative": ("", *initiatives)}
    specs = {}
    for column in COLUMNS[kind]:
        kind_of = "select" if column in options else kinds.get(column, "text")
        specs[column] = ColumnSpec(kind_of, t(f"actions.col_{column}"),
                                   options.get(column, tuple(labels) if column == "kpis" else ()),
                                   disabled=column not in editable,
                                   required=column in ("title", "status", "priority"),
                                   labels=(lambda code: labels.get(code, code))
                                   if column == "kpis" else None)
    return specs


def _as_date(value: object) -> date | str | None:
    """A due date cell: a date, None when empty, or the text typed (refused by _check_row)."""
    try:
        return read.day(value)
    except read.CellError:
        return read.text(value)


def _requested(kind: str, change: RowChange, row: Any, codes: dict[int, str],
               initiatives: dict[int, str], links: dict[int, list[str]]) -> dict[str, Any]:
    """The fields the user really changed, compared with the stored row."""
    current = {"title": row.title if kind == ACTION else row.text,
               "owner": codes.get(row.owner_structure_id or -1),
               "due_date": row.due_date, "status": row.status,
               "progress_comment": row.progress_comment, "kpis": links.get(row.id, [])}
    if kind == ACTION:
        current.update({"person": row.person, "priority": row.priority, "topic": row.topic,
                        "initiative": initiatives.get(row.initiative_id or -1, ""),
                        "blocker": row.blocker, "escalated": row.escalated})
    wanted: dict[str, Any] = {}
    for field, old in current.items():
        if field not in change.values:
            continue
        new = change.values[field]
        if field == "escalated":
            new = read.boolean(new)
        elif field == "kpis":
            new = cell_codes(new)
            if set(new) != set(old):
                wanted[field] = new
            continue
        elif field == "due_date":
            new = _as_date(new)
        else:
            new = read.text(new) or ("" if field != "owner" else None)
            old = old if field == "owner" else (old or "")
        if new != old:
            wanted[field] = new
    return wanted


def _check_row(kind: str, position: int, wanted: dict[str, Any], row: Any,
               by_code: dict[str, int], by_label: dict[str, int],
               kpi_codes: set[str]) -> list[RowError]:
    errors = []
    unknown = unknown_codes(wanted.get("kpis", []), kpi_codes)
    if unknown:
        errors.append(RowError(position, t("actions.col_kpis"),
                               t("kpi_links.unknown_kpi", codes=", ".join(unknown))))
    status = wanted.get("status", row.status)
    if status not in STATUSES:
        errors.append(RowError(position, t("actions.col_status"), t("actions.invalid_status")))
    if "priority" in wanted and wanted["priority"] not in PRIORITIES:
        errors.append(RowError(position, t("actions.col_priority"),
                               t("actions.invalid_priority")))
    if "topic" in wanted and wanted["topic"] not in ("", *TOPIC_TAGS):
        errors.append(RowError(position, t("actions.col_topic"), t("actions.invalid_topic")))
    if "due_date" in wanted and isinstance(wanted["due_date"], str):
        errors.append(RowError(position, t("actions.col_due_date"), t("actions.invalid_date")))
    if "title" in wanted and not wanted["title"]:
        errors.append(RowError(position, t("actions.col_title"), t("actions.title_required")))
    if "owner" in wanted and wanted["owner"] is not None and wanted["owner"] not in by_code:
        errors.append(RowError(position, t("actions.col_owner"),
                               t("actions.unknown_owner", code=wanted["owner"])))
    if wanted.get("initiative") and wanted["initiative"] not in by_label:
        errors.append(RowError(position, t("actions.col_initiative"),
                               t("actions.unknown_initiative", name=wanted["initiative"])))
    if kind == ACTION and wanted.get("escalated"):
        blocker = wanted.get("blocker", row.blocker)
        if status != ActionStatus.blocked or not blocker:
            errors.append(RowError(position, t("actions.col_escalated"),
                                   t("actions.escalate_needs_blocker")))
    return errors


def _updates(kind: str, wanted: dict[str, Any], row: Any, by_code: dict[str, int],
             by_label: dict[str, int]) -> dict[str, Any]:
    updates: dict[str, Any] = {}
    for field, value in wanted.items():
        if field == "kpis":
            continue  # links, written apart (kpi_links.write_links)
        if field == "owner":
            updates["owner_structure_id"] = by_code.get(value) if value else None
        elif field == "initiative":
            updates["initiative_id"] = by_label.get(value) if value else None
        elif field == "title":
            updates["title" if kind == ACTION else "text"] = value
        elif field == "due_date":
            updates["due_date"] = value
            updates["due_kind"] = DueKind.date.value if value else DueKind.none.value
        else:
            updates[field] = value
    status = wanted.get("status", row.status)
    if "status" in wanted:
        if status in CLOSED and row.closed_at is None:
            updates["closed_at"] = utcnow()
        elif status not in CLOSED:
            updates["closed_at"] = None
    if kind == ACTION:
        escalated = wanted.get("escalated", row.escalated)
        if escalated and status != ActionStatus.blocked:
            escalated = False  # unblocked: the escalation ends with the blockage
        updates["escalated"] = escalated
        if escalated and not row.escalated:
            updates["escalated_at"] = utcnow()
        elif not escalated:
            updates["escalated_at"] = None
    return updates


def save_followup(session: Session, actor: Actor, kind: str, changes: list[RowChange],
                  versions: dict[int, int]) -> int:
    """Apply edited rows, all or nothing. The secretariat edits everything; a DSI only the
    status, progress comment, blocker and escalation of their own structure's items; what a
    closed session decided (text, owner) is not rewritten. Returns the rows written."""
    if not editable_columns(actor, kind):
        raise PermissionDenied(t("common.permission"))
    model = _model(kind)
    codes = repo.structure_codes_by_id(session)
    by_code = {code: sid for sid, code in codes.items()}
    initiatives = initiative_labels(session) if kind == ACTION else {}
    by_label = {label: initiative_id for initiative_id, label in initiatives.items()}
    allowed = set(editable_columns(actor, kind))
    links = links_by_object(session, kind)
    kpi_codes = set(kpi_ids_by_code(session))
    errors: list[RowError] = []
    planned: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    for change in changes:
        if change.id is None:
            errors.append(RowError(change.position, t("actions.col_title"),
                                   t("actions.no_new_rows")))
            continue
        row: Any = session.get(model, change.id)
        if row is None:
            raise NotFound(t("common.not_found"))
        require(actor, Action.update_action, row.owner_structure_id)
        audit.ensure_fresh(session, row, versions.get(change.id))
        wanted = _requested(kind, change, row, codes, initiatives, links)
        if not wanted:
            continue
        if set(wanted) - allowed:
            raise PermissionDenied(t("common.permission"))
        conference = session.get(Conference, row.conference_id) if row.conference_id else None
        if conference is not None and conference.status == ConferenceStatus.closed \
                and set(wanted) & set(DECIDED_FIELDS):
            field = next(f for f in DECIDED_FIELDS if f in wanted)
            errors.append(RowError(change.position, t(f"actions.col_{field}"),
                                   t("actions.decided_read_only")))
            continue
        row_errors = _check_row(kind, change.position, wanted, row, by_code, by_label,
                                kpi_codes)
        if row_errors:
            errors.extend(row_errors)
            continue
        planned.append((row, wanted, _updates(kind, wanted, row, by_code, by_label)))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    written = 0
    for row, wanted, updates in planned:
        label = f"{row.number} {(row.title if kind == ACTION else row.text)[:80]}".strip()
        linked = "kpis" in wanted and write_links(session, actor, kind, row.id, wanted["kpis"],
                                                  label=label) > 0
        diff = audit.apply_changes(row, updates)
        if not diff:
            written += int(linked)
            continue
        audit.stamp(row, actor)
        session.add(row)
        action = "escalate" if wanted.get("escalated") else "update"
        audit.record(session, actor, action, row, label=label, changes=diff)
        written += 1
    return written


# --- display helpers ----------------------------------------------------------------------


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as shown and exported: translated statuses, without internal columns."""
    out = frame.drop(columns=["version", "closed_session"], errors="ignore").copy()
    out["status"] = out["status"].map(status_label)
    if "kpis" in out:
        out["kpis"] = out["kpis"].map(lambda codes: ", ".join(codes) if len(codes) else "")
    if "priority" in out:
        out["priority"] = out["priority"].map(priority_label)
    if "topic" in out:
        out["topic"] = out["topic"].map(topic_label)
    return out.rename(columns={c: t(f"actions.col_{c}") for c in out.columns})


def status_by_structure_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts of items per owner structure and status (translated), for the stacked chart."""
    if frame.empty:
        return pd.DataFrame(columns=["owner", "code", "status", "count"])
    data = frame.assign(owner=frame["owner"].fillna("—"), code=frame["status"])
    counts = data.groupby(["owner", "code"]).size().reset_index(name="count")
    counts["order"] = counts["code"].map(STATUSES.index)
    counts = counts.sort_values(["order", "owner"]).drop(columns="order")
    counts["status"] = counts["code"].map(status_label)
    counts = counts[["owner", "code", "status", "count"]]
    return counts.reset_index(drop=True)


def overdue_age_frame(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """Overdue items by how long they are late (under a month, 1–3, 3–6, over 6 months)."""
    late = [(today - d).days for d, o in zip(frame["due_date"], frame["overdue"], strict=True)
            if o and d is not None]
    rows = []
    low = 0
    for high, key in OVERDUE_BUCKETS:
        n = sum(1 for days in late if days >= low and (high is None or days < high))
        rows.append({"age": t(f"actions.age.{key}"), "count": n})
        low = high or low
    return pd.DataFrame(rows, columns=["age", "count"])


def structure_options(session: Session) -> dict[int, str]:
    """Owner structures for a filter: id → code."""
    return dict(sorted(repo.structure_codes_by_id(session).items(), key=lambda kv: kv[1]))


# --- CDSI_RECO ----------------------------------------------------------------------------


def recommendation_kpi_frame(session: Session, quarters: Sequence[tuple[int, int]] | None = None
                             ) -> pd.DataFrame:
    """CDSI_RECO for every structure and quarter: recommendations done by the quarter's end
    (numerator) over those due by then and not cancelled (denominator); a stock (roll-up
    "last"). Quarters default to every quarter from the first due date to the last."""
    recos = [r for r in session.exec(select(Recommendation)).all()
             if r.owner_structure_id is not None and r.due_date is not None
             and r.status != ActionStatus.cancelled]
    columns = ["kpi", "structure_id", "structure", "year", "quarter", "numerator",
               "denominator", "rate", "period_end"]
    if not recos:
        return pd.DataFrame(columns=columns)
    if quarters is None:
        first = min(r.due_date for r in recos if r.due_date)
        last = max(r.due_date for r in recos if r.due_date)
        quarters = [(y, q) for y in range(first.year, last.year + 1) for q in range(1, 5)
                    if (y, q) >= (first.year, quarter_of(first))
                    and (y, q) <= (last.year, quarter_of(last))]
    codes = repo.structure_codes_by_id(session)
    rows = []
    for year, quarter in quarters:
        end = quarter_end(year, quarter)
        per: dict[int, list[int]] = {}
        for r in recos:
            if r.due_date is None or r.due_date > end:
                continue
            pair = per.setdefault(r.owner_structure_id or -1, [0, 0])
            pair[1] += 1
            closed_on = r.closed_at.date() if r.closed_at else None
            if r.status == ActionStatus.done and (closed_on is None or closed_on <= end):
                pair[0] += 1
        for sid, (done, due) in sorted(per.items()):
            rows.append({"kpi": "CDSI_RECO", "structure_id": sid, "structure": codes.get(sid, "?"),
                         "year": year, "quarter": quarter, "numerator": float(done),
                         "denominator": float(due), "rate": round(100 * done / due, 1),
                         "period_end": end})
    return pd.DataFrame(rows, columns=columns)


def cdsi_kpis_frame(session: Session) -> pd.DataFrame:
    """CDSI_RECO and CDSI_PRES computed from the product's own data, every structure and
    quarter, as numerator and denominator (ratio KPIs)."""
    from tracker.conference.attendance import attendance_kpi_frame

    frames = [f for f in (recommendation_kpi_frame(session), attendance_kpi_frame(session))
              if not f.empty]
    if not frames:
        return recommendation_kpi_frame(session)
    return pd.concat(frames, ignore_index=True)


def priority_label(priority: str) -> str:
    return t(f"actions.priority.{priority}") if priority in PRIORITIES else priority


def topic_label(topic: str | None) -> str:
    """A topic tag in words ("xroad" → "Interopérabilité X-Road"); no topic reads as blank."""
    return t(f"actions.topic.{topic}") if topic in TOPIC_TAGS else (topic or "")


def data_revision(frame: pd.DataFrame) -> int:
    """Changes whenever a row shown was saved by anyone (part of the editor's widget key, so
    that edits never land on rows that moved under them)."""
    return int(frame["version"].sum()) * 100_003 + len(frame) if len(frame) else 0


def filters_text(filters: Filters, structures: dict[int, str], sessions: dict[int, str]) -> str:
    """The filters in words, stated at the top of every export."""
    parts = []
    if filters.structure_id is not None:
        parts.append(f"{t('actions.filter_structure')} = {structures.get(filters.structure_id)}")
    if filters.status:
        parts.append(f"{t('actions.filter_status')} = {status_label(filters.status)}")
    if filters.conference_id is not None:
        parts.append(f"{t('actions.filter_session')} = {sessions.get(filters.conference_id)}")
    if filters.topic:
        parts.append(f"{t('actions.filter_topic')} = {topic_label(filters.topic)}")
    if filters.overdue_only:
        parts.append(t("actions.filter_overdue"))
    if filters.blocked_only:
        parts.append(t("actions.filter_blocked"))
    return t("actions.filters_text", filters=", ".join(parts) or t("common.all"))


def initiative_choices(session: Session) -> list[str]:
    """The roadmap initiatives an action item can be linked to, as a user picks them."""
    return list(initiative_labels(session).values())
