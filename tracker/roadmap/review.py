"""The session review: what changed in the roadmap since the previous session, read from the
audit log (new, completed, slipped, status changes, overdue, re-planned)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may
from tracker.conference.sessions import conference_label
from tracker.core.errors import NotFound
from tracker.core.formats import LOCAL_TZ, format_date, format_number
from tracker.core.i18n import colon, has_key, t
from tracker.core.models import (
    AuditEvent,
    Conference,
    Initiative,
    Milestone,
    User,
    utcnow,
)
from tracker.roadmap.editing.milestones import milestone_label
from tracker.roadmap.queries import list_dated_conferences, list_roadmap_events
from tracker.roadmap.rules import status_label

# --- session review -----------------------------------------------------------------------

REVIEW_KINDS = ("new", "completed", "slipped", "status", "overdue", "reopened", "edited",
                "deleted")
REVIEW_COLUMNS = ["when", "kind", "object_type", "object", "detail", "who"]


@dataclass
class Review:
    """What changed in the roadmap between the previous session and this one."""

    conference: str
    previous: str | None
    since: date | None
    last_day: date
    frame: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def review_choices(session: Session) -> dict[int, str]:
    """Dated sessions, newest first: id → label."""
    return {c.id: f"{conference_label(c)} · {format_date(c.session_date)}"
            for c in reversed(list_dated_conferences(session)) if c.id is not None}


def default_review(session: Session, today: date) -> int | None:
    """The review the page opens on: the next session to hold (the first dated today or later)
    when something changed since the previous one, else the latest session whose window holds
    changes (a review opened on a window where nothing happened shows nothing); the latest
    session when no window holds any."""
    dated = list(list_dated_conferences(session))
    upcoming = [c for c in dated if c.session_date and c.session_date >= today]
    past = [c for c in reversed(dated) if c.session_date and c.session_date < today]
    for candidate in [*upcoming[:1], *past]:
        since, until = _window(dated, candidate, today)
        if list_roadmap_events(session, _midnight(since) if since else None,
                               min(_midnight(until), utcnow() + timedelta(seconds=1)),
                               limit=1) or _fell_due(session, since, until):
            return candidate.id
    chosen = upcoming[0] if upcoming else (dated[-1] if dated else None)
    return chosen.id if chosen else None


def _window(dated: list[Conference], chosen: Conference, today: date
            ) -> tuple[date | None, date]:
    """A session's review window: from the previous dated session (None: the beginning) to the
    day after the session, or after today when the session is still to come."""
    assert chosen.session_date is not None
    earlier = [c for c in dated if c.session_date and c.session_date < chosen.session_date]
    since = earlier[-1].session_date if earlier else None
    return since, min(chosen.session_date, today + timedelta(days=1))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _value_text(field_name: str, value: str | None) -> str:
    if value is None or value == "":
        return "—"
    if field_name in ("due_date", "done_on"):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field_name == "status":
        return status_label(value)
    if field_name == "status_override":
        return t("common.yes") if value == "true" else t("common.no")
    return value


def _classify(event: AuditEvent) -> tuple[str, str]:
    """(kind, detail) of one audit event."""
    name, old, new = event.field, event.old_value, event.new_value
    if event.action == "create":
        return "new", ""
    if event.action == "delete":
        return "deleted", ""
    if event.object_type == "Milestone" and name == "done_on":
        if new:
            return "completed", t("roadmap.review_done_on", day=_value_text(name, new))
        return "reopened", ""
    if event.object_type == "Milestone" and name == "due_date" and old and new and new > old:
        days = (date.fromisoformat(new) - date.fromisoformat(old)).days
        return "slipped", t("roadmap.review_slipped", old=_value_text(name, old),
                            new=_value_text(name, new), days=format_number(days, 0))
    label = t(f"roadmap.field.{name}") if has_key(f"roadmap.field.{name}") else name
    detail = f"{label}{colon()}{_value_text(name, old)} → {_value_text(name, new)}" if name else ""
    if event.object_type == "Initiative" and name in ("status", "status_override",
                                                      "override_reason"):
        return ("completed" if name == "status" and new == "done" else "status"), detail
    return "edited", detail


def session_review(session: Session, actor: Actor, conference_id: int, today: date) -> Review:
    """Roadmap changes since the previous session, from the audit log: new pillars, initiatives
    and milestones, milestones done, slipped (due date moved later), status changes; plus the
    milestones that fell due in that time and are still not done. Who made each change is
    shown to the secretariat and the direction only."""
    show_who = may(actor, Action.see_who)
    dated = list(list_dated_conferences(session))
    chosen = next((c for c in dated if c.id == conference_id), None)
    if chosen is None or chosen.session_date is None:
        raise NotFound(t("common.not_found"))
    earlier = [c for c in dated if c.session_date and c.session_date < chosen.session_date]
    previous = earlier[-1] if earlier else None
    since, until = _window(dated, chosen, today)
    events = list_roadmap_events(session, _midnight(since) if since else None,
                                 min(_midnight(until), utcnow() + timedelta(seconds=1)))
    people = {u.login: u.display_name for u in session.exec(select(User))} if show_who else {}
    rows, created = [], set()
    for event in events:
        kind, detail = _classify(event)
        if kind == "new":
            if (event.object_type, event.object_id) in created:
                continue  # a creation is one line, whatever the number of fields it set
            created.add((event.object_type, event.object_id))
        rows.append({"when": event.at.astimezone(LOCAL_TZ).replace(tzinfo=None),
                     "group": f"{event.object_type}:{event.object_id}:{event.at.isoformat()}",
                     "kind": kind, "object_type": t(f"roadmap.object.{event.object_type}"),
                     "object": event.object_label, "detail": detail,
                     "who": people.get(event.user_login, event.user_login) if show_who
                     else ""})
    rows += _fell_due(session, since, until)
    frame = pd.DataFrame(rows, columns=[*REVIEW_COLUMNS, "group"])
    # One save that overrides a status writes several fields: it is one change, counted once.
    counts = {k: int(frame.loc[frame["kind"] == k, "group"].nunique()) for k in REVIEW_KINDS}
    frame = frame.drop(columns="group")
    frame["kind"] = frame["kind"].map(lambda k: t(f"roadmap.review_kind.{k}"))
    frame = frame.sort_values("when", kind="stable").reset_index(drop=True)
    return Review(conference_label(chosen), conference_label(previous) if previous else None,
                  since, until - timedelta(days=1), frame, counts)


def _fell_due(session: Session, since: date | None, until: date) -> list[dict[str, Any]]:
    query = select(Milestone, Initiative).join(
        Initiative, col(Initiative.id) == col(Milestone.initiative_id)).where(
        col(Milestone.done_on).is_(None), col(Milestone.due_date) < until)
    if since is not None:
        query = query.where(col(Milestone.due_date) >= since)
    return [{"when": datetime.combine(m.due_date, time.min), "kind": "overdue",
             "group": f"due:{m.id}",
             "object_type": t("roadmap.object.Milestone"), "object": milestone_label(i, m),
             "detail": t("roadmap.review_overdue", day=format_date(m.due_date)), "who": "—"}
            for m, i in session.exec(query).all()]


def review_display(review: Review) -> pd.DataFrame:
    return review.frame.rename(columns={c: t(f"roadmap.review_col_{c}") for c in REVIEW_COLUMNS})
