"""The audit log as a table an admin can filter by user, object and date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import repository as repo
from tracker.core.formats import LOCAL_TZ
from tracker.core.i18n import t

COLUMNS = ["at", "user_login", "action", "object_type", "object_label", "field", "old_value",
           "new_value"]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def audit_frame(session: Session, actor: Actor, *, user_login: str | None = None,
                object_type: str | None = None, since: date | None = None,
                until: date | None = None) -> pd.DataFrame:
    """Audit events, newest first; dates are whole days in Porto-Novo time (admin only)."""
    require(actor, Action.read_journal)
    events = repo.list_audit_events(
        session, user_login=user_login or None, object_type=object_type or None,
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None)
    rows = [{"at": e.at.astimezone(LOCAL_TZ).replace(tzinfo=None), "user_login": e.user_login,
             "action": t(f"journal.actions.{e.action}") if e.action in ACTIONS else e.action,
             "object_type": e.object_type, "object_label": e.object_label, "field": e.field,
             "old_value": e.old_value, "new_value": e.new_value} for e in events]
    return pd.DataFrame(rows, columns=COLUMNS)


ACTIONS = ("create", "update", "delete", "reset_password", "submit", "validate", "return",
           "reopen", "import", "close", "escalate")


def filter_choices(session: Session, actor: Actor) -> tuple[list[str], list[str]]:
    require(actor, Action.read_journal)
    return repo.distinct_audit_values(session)
