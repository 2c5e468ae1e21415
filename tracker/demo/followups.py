"""Where demo recommendations and actions stand today, one row per owner."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from tracker.conference.sessions import group_reference
from tracker.core.models import ActionStatus, DueKind, Priority
from tracker.demo.base import ALL, LOCAL, OPEN, Ctx, moment, stamp_at
from tracker.demo.content import BLOCKERS, PROGRESS, Item, Person
from tracker.demo.sessions import DemoSession


def _follow_up(rng: random.Random, ctx: Ctx, created: date, item: Item) -> dict[str, Any]:
    """Where an item stands today: older items are mostly done, recent ones mostly open."""
    age = (ctx.today - created).days
    p_done = min(0.75, 0.1 + age / 900)
    if rng.random() < p_done:
        status = ActionStatus.done
    elif rng.random() < 0.06:
        status = ActionStatus.cancelled
    else:
        status = rng.choices((ActionStatus.in_progress, ActionStatus.partial,
                              ActionStatus.not_started, ActionStatus.blocked),
                             (40, 18, 30 if age > 60 else 60, 15))[0]
    if status == ActionStatus.not_started and item.status_in_pv == ActionStatus.in_progress:
        status = ActionStatus.in_progress
    if status == ActionStatus.done and item.due_kind == DueKind.recurring:
        status = ActionStatus.in_progress  # a standing commitment is never "done"
    due = item.due
    last = ctx.today - timedelta(days=1)
    first = created + timedelta(days=1)
    closed_at = escalated_at = None
    blocker = ""
    if status in (ActionStatus.done, ActionStatus.cancelled):
        horizon = min(last, (due or created + timedelta(days=120)) + timedelta(days=45))
        closed_at = min(moment(rng, first + timedelta(days=6), horizon), ctx.limit)
        updated = closed_at
    else:
        updated = min(moment(rng, first, last), ctx.limit)
    if status == ActionStatus.blocked:
        blocker = rng.choice(BLOCKERS)
        if rng.random() < 0.6:
            escalated_at = updated
    comments = PROGRESS.get(ActionStatus(status), ("",))
    return {"status": str(status), "closed_at": closed_at, "updated_at": updated,
            "progress_comment": rng.choice(comments), "blocker": blocker,
            "escalated": escalated_at is not None, "escalated_at": escalated_at}


def item_rows(ctx: Ctx, sess: DemoSession, item: Item, kind: str,
               rng: random.Random) -> list[dict[str, Any]]:
    """One row per owner: "Tous les ministères" gives one per ministry in force, sharing a ref."""
    owners = ctx.ministries(sess.day) if item.owner == ALL else [ctx.by_code[item.owner]]
    group_ref = group_reference(sess.number, item.number) if item.owner == ALL else ""
    created = stamp_at(sess.day, 13, 30)
    rows = []
    for owner in owners:
        row = {"number": item.number, "owner_structure_id": owner.id, "owner_code": owner.code,
               "group_ref": group_ref, "due_date": item.due, "due_kind": str(item.due_kind),
               "created_at": created, "updated_by_id": ctx.admin_id, "version": 1,
               "_day": sess.day, "_session": sess.number, "_item": item}
        row.update(_follow_up(rng, ctx, sess.day, item))
        if kind == "recommendation":
            for key in ("blocker", "escalated", "escalated_at"):
                row.pop(key)
            row["text"] = item.text
        else:
            row["title"] = item.text
            row["topic"] = item.topic
            row["recommendation_id"] = None
            row["priority"] = rng.choices(
                (Priority.high, Priority.normal, Priority.low), (20, 65, 15))[0].value
        rows.append(row)
    return rows


def ensure_overdue(ctx: Ctx, actions: list[dict[str, Any]], code: str, wanted: int,
                    people: dict[str, Person]) -> None:
    """The demo accounts (DSI of MS and of MEF) must find overdue actions of their own."""
    org = ctx.by_code.get(code)
    if org is None:
        return

    def overdue(row: dict[str, Any]) -> bool:
        return (row["owner_structure_id"] == org.id and row["status"] in OPEN
                and row["due_date"] is not None and row["due_date"] < ctx.today)

    missing = wanted - sum(1 for row in actions if overdue(row))
    candidates = [row for row in actions if not row["group_ref"] and row["due_date"]
                  and row["due_date"] < ctx.today and row["status"] not in OPEN
                  and org.in_force(row["_day"])]
    candidates.sort(key=lambda r: (r["owner_structure_id"] != org.id, -r["_session"]))
    for row in candidates[: max(0, missing)]:
        row["_item"].owner = org.code  # the PV names the same owner as the database
        row.update({"owner_structure_id": org.id, "owner_code": org.code,
                    "person": people[org.code].name, "status": ActionStatus.in_progress.value,
                    "closed_at": None, "progress_comment": "Travaux en cours ; retard signalé."})


def closing_days(rows: Sequence[dict[str, Any]], status: str | None = None) -> list[date]:
    """The local days items were closed (with ``status`` only, when given), in order."""
    return sorted(r["closed_at"].astimezone(LOCAL).date() for r in rows
                  if r["closed_at"] and (status is None or r["status"] == status))
