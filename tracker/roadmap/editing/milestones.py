"""Saving edited milestones (a DSI: its own done dates) and refreshing the stored statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import update
from sqlmodel import Session, col

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, require, writes_for_own_structure_only
from tracker.core import audit
from tracker.core import cells as read
from tracker.core.errors import NotFound, PermissionDenied
from tracker.core.i18n import t
from tracker.core.models import Initiative, Milestone
from tracker.core.saving import RowRefused, check_rows, write_rows
from tracker.core.tables import RowChange
from tracker.roadmap.queries import list_milestones
from tracker.roadmap.rules import (
    DSI_MILESTONE_FIELDS,
    MILESTONE_FIELDS,
    computed_status,
    initiative_period,
    weight_of_cell,
)
from tracker.roadmap.views import RoadmapData, load_roadmap


def _normal(name: str, value: object) -> object:
    """A cell's value in comparable form (dates as dates, numbers as floats, text stripped;
    an unreadable date or number as the text typed)."""
    try:
        if name in ("due_date", "done_on"):
            return read.day(value)
        if name == "weight":
            return read.number(value)
    except read.CellError:
        return read.text(value)
    return read.text(value)


def milestone_label(initiative: Initiative, milestone: Milestone) -> str:
    return f"{milestone.title} — {initiative.title}"[:300]


def checked_milestone(data: RoadmapData, cells: dict[str, Any]) -> dict[str, Any]:
    """A milestone row's clean values, or every problem of the row at once (RowRefused)."""
    problems: list[tuple[str, str]] = []

    def fail(column: str, key: str, **values: Any) -> None:
        problems.append((t(f"roadmap.col_{column}"), t(f"roadmap.{key}", **values)))

    by_title = {f.initiative.title: f.initiative for f in data.facts}
    initiative = by_title.get(read.text(cells.get("initiative")))
    if initiative is None:
        fail("initiative", "unknown_initiative")
    title = read.text(cells.get("title"), 300)
    if not title:
        fail("title", "title_required")
    due: date | None = None
    done: date | None = None
    try:
        due = read.day(cells.get("due_date"))
    except read.CellError:
        fail("due_date", "invalid_date")
    else:
        if due is None:
            fail("due_date", "due_required")
        elif due.year != data.year:
            fail("due_date", "outside_year", year=data.year)
    try:
        done = read.day(cells.get("done_on"))
    except read.CellError:
        fail("done_on", "invalid_date")
    else:
        if done is not None and done > data.today:
            fail("done_on", "done_in_future")
    weight = weight_of_cell(cells.get("weight"))
    if weight is None:
        fail("weight", "invalid_weight")
    if problems or initiative is None:
        raise RowRefused(*problems[0], *problems[1:])
    return {"initiative_id": initiative.id, "title": title, "due_date": due, "done_on": done,
            "weight": weight}


def removed_ids(original: pd.DataFrame, edited: pd.DataFrame) -> list[int]:
    """Rows deleted in an editor: ids shown before and missing after."""
    kept = set(edited.index)
    return [int(i) for i in original.index if i not in kept]


def save_milestones(session: Session, actor: Actor, year: int, changes: list[RowChange],
                    versions: Mapping[int, int], today: date,
                    deleted: Sequence[int] = ()) -> int:
    """Edited, added and deleted milestones, all or nothing. The secretariat edits every field;
    the owner structure's DSI only records when a milestone of its own initiatives was done.
    Due dates inside the year, done dates not in the future, weights ≥ 0. The initiatives'
    stored status snapshots follow. Returns the rows written."""
    is_admin = may(actor, Action.edit_roadmap)
    if not is_admin and not writes_for_own_structure_only(actor):
        raise PermissionDenied(t("common.permission"))
    if deleted and not is_admin:
        raise PermissionDenied(t("common.permission"))
    data = load_roadmap(session, year, today)
    owners = {m.id: f.initiative for f, m in data.milestone_rows()}
    rows = {m.id: m for _, m in data.milestone_rows()}
    def check(change: RowChange) -> dict[str, Any]:
        row = rows.get(change.id) if change.id is not None else None
        if change.id is not None and row is None:
            raise NotFound(t("common.not_found"))
        if row is None and not is_admin:
            raise PermissionDenied(t("common.permission"))
        cells: dict[str, Any] = {"weight": 1.0}
        if row is not None:
            initiative = owners[row.id]
            require(actor, Action.record_milestone, initiative.owner_structure_id)
            audit.ensure_fresh(session, row, versions.get(row.id or 0))
            cells = {"initiative": initiative.title, "title": row.title,
                     "due_date": row.due_date, "done_on": row.done_on, "weight": row.weight}
        wanted = {k: v for k, v in change.values.items() if k in MILESTONE_FIELDS}
        if row is not None and not is_admin:
            moved = {k for k, v in wanted.items() if _normal(k, v) != _normal(k, cells.get(k))}
            if moved - set(DSI_MILESTONE_FIELDS):
                raise PermissionDenied(t("common.permission"))
        cells.update(wanted)
        return checked_milestone(data, cells)

    doomed = [rows[i] for i in deleted if i in rows]
    if len(doomed) != len(deleted):
        raise NotFound(t("common.not_found"))
    planned = check_rows(changes, check)
    # Each initiative whose milestones change (before or after a move) has its status refreshed.
    touched = {values["initiative_id"] for _, values in planned}
    touched |= {rows[change.id].initiative_id for change, _ in planned if change.id is not None}
    by_id = data.by_id

    def label(row: Milestone) -> str:
        return milestone_label(by_id[row.initiative_id].initiative, row)

    written = write_rows(session, actor, Milestone, planned, versions,
                         new=lambda values: Milestone(**values), label=label,
                         belongs=lambda row: row.id in rows)
    for row in doomed:
        audit.ensure_fresh(session, row, versions.get(row.id or 0))
        audit.record(session, actor, "delete", row, label=milestone_label(owners[row.id], row),
                     changes={"due_date": (row.due_date, None), "title": (row.title, None)})
        touched.add(row.initiative_id)
        session.delete(row)
        written += 1
    session.flush()
    _sync_statuses(session, actor, year, sorted(touched), today)
    return written


def _sync_statuses(session: Session, actor: Actor, year: int, initiative_ids: Sequence[int],
                   today: date) -> int:
    """Refresh the stored status snapshot of initiatives not overridden, audited as a status
    change. A plain UPDATE on purpose: the snapshot is derived, so refreshing it must not make a
    colleague's open edit of the initiative stale."""
    changed = 0
    if not initiative_ids:
        return changed
    milestones: dict[int, list[Milestone]] = {i: [] for i in initiative_ids}
    for m in list_milestones(session, initiative_ids):
        milestones[m.initiative_id].append(m)
    for iid in initiative_ids:
        initiative = session.get(Initiative, iid)
        if initiative is None or initiative.status_override:
            continue
        new = computed_status(milestones[iid], today, initiative_period(year, initiative)[1])
        if new == initiative.status:
            continue
        old = initiative.status
        session.execute(update(Initiative).where(col(Initiative.id) == iid,
                                                 col(Initiative.status_override).is_(False))
                        .values(status=new).execution_options(synchronize_session="fetch"))
        audit.record(session, actor, "update", initiative, label=initiative.title,
                     changes={"status": (old, new)})
        changed += 1
    return changed
