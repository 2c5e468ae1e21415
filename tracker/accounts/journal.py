"""The audit log as an admin reads it: one sentence per change (« Aïcha DOSSOU a validé la
déclaration « MEF T3 2026 » »), what changed in words, times in Porto-Novo; the raw events
(fields, values as stored) kept for the detail and the download."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import repository as repo
from tracker.core.formats import LOCAL_TZ, format_date, format_datetime, quarter_label
from tracker.core.i18n import has_key, t
from tracker.core.models import AuditEvent, Structure, User

COLUMNS = ["at", "user_login", "action", "object_type", "object_label", "field", "old_value",
           "new_value"]
SENTENCE_COLUMNS = ["when", "who", "what", "detail"]

ACTIONS = ("create", "update", "delete", "reset_password", "submit", "validate", "return",
           "reopen", "import", "close", "escalate", "unlock", "lockout", "api", "revoke",
           "sso_bind", "sso_create", "sso_refused", "link_kpi", "unlink_kpi", "snapshot",
           "carry_over")

# Where a field's values have words: the catalogue section naming them, per object type
# (None: any object).
VALUE_WORDS: dict[tuple[str | None, str], str] = {
    ("Submission", "status"): "home.status",
    ("Result", "status"): "home.status",
    ("ActionItem", "status"): "actions.status",
    ("Recommendation", "status"): "actions.status",
    ("Conference", "status"): "conferences.status",
    ("Attendance", "status"): "conferences.attendance_status",
    ("Initiative", "status"): "roadmap.status",
    (None, "role"): "users.roles",
    (None, "priority"): "actions.priority",
    (None, "due_kind"): "actions.due_kind",
    (None, "tags"): "actions.topic",
    (None, "unit"): "results.units",
    (None, "level"): "ratings.levels",
}
# Fields holding a structure's id or a user's id: shown by name.
STRUCTURE_FIELDS = ("structure_id", "owner_structure_id", "successor_id")
USER_FIELDS = ("reviewer_id", "imported_by_id", "updated_by_id")
_PERIOD = re.compile(r"\b(\d{4})-T([1-4])\b")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _events(session: Session, actor: Actor, user_login: str | None, object_type: str | None,
            since: date | None, until: date | None) -> Sequence[AuditEvent]:
    require(actor, Action.read_journal)
    return repo.list_audit_events(
        session, user_login=user_login or None, object_type=object_type or None,
        since=_local_midnight(since) if since else None,
        until=_local_midnight(until + timedelta(days=1)) if until else None)


def audit_frame(session: Session, actor: Actor, *, user_login: str | None = None,
                object_type: str | None = None, since: date | None = None,
                until: date | None = None) -> pd.DataFrame:
    """The raw audit events, newest first, times in Porto-Novo (admin only): the detail behind
    the sentences, and what the download holds."""
    return _raw(_events(session, actor, user_login, object_type, since, until))


def _raw(events: Sequence[AuditEvent]) -> pd.DataFrame:
    rows = [{"at": e.at.astimezone(LOCAL_TZ).replace(tzinfo=None), "user_login": e.user_login,
             "action": t(f"journal.actions.{e.action}") if e.action in ACTIONS else e.action,
             "object_type": object_name(e.object_type), "object_label": e.object_label,
             "field": e.field, "old_value": e.old_value, "new_value": e.new_value}
            for e in events]
    return pd.DataFrame(rows, columns=COLUMNS)


def sentences_frame(session: Session, actor: Actor, *, user_login: str | None = None,
                    object_type: str | None = None, since: date | None = None,
                    until: date | None = None) -> pd.DataFrame:
    """One line per change, newest first (admin only): when (Porto-Novo), who (by name), what
    (a sentence), and the fields changed in words."""
    return _sentences(session, _events(session, actor, user_login, object_type, since, until))


def journal_frames(session: Session, actor: Actor, *, user_login: str | None = None,
                   object_type: str | None = None, since: date | None = None,
                   until: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The page's two views of the same events, read once: the sentences and the raw events
    (admin only)."""
    events = _events(session, actor, user_login, object_type, since, until)
    return _sentences(session, events), _raw(events)


def _sentences(session: Session, events: Sequence[AuditEvent]) -> pd.DataFrame:
    accounts = session.exec(select(User)).all()
    people = {u.login: u.display_name for u in accounts}
    user_names = {u.id: u.display_name for u in accounts}
    structures = {s.id: s.name_fr for s in session.exec(select(Structure))}
    lines: list[dict[str, str]] = []
    grouped: dict[tuple[object, ...], list[AuditEvent]] = {}
    for event in events:  # the fields of one change share its moment, author and object
        key = (event.at, event.user_login, event.action, event.object_type, event.object_id,
               event.object_label)
        grouped.setdefault(key, []).append(event)
    for (at, login, action, kind, _id, label), changes in grouped.items():
        who = t("journal.system") if login == "system" else people.get(str(login), str(login))
        details = [_change(e, structures, user_names) for e in changes if e.field]
        lines.append({"when": format_datetime(at) if isinstance(at, datetime) else "",
                      "who": who, "what": _sentence(str(action), str(kind), str(label)),
                      "detail": " ; ".join(d for d in details if d)})
    return pd.DataFrame(lines, columns=SENTENCE_COLUMNS)


def object_name(kind: str) -> str:
    """An object type in words (« Déclaration »), else as stored."""
    return t(f"journal.objects.{kind}") if has_key(f"journal.objects.{kind}") else kind


def _sentence(action: str, kind: str, label: str) -> str:
    the = t(f"journal.the.{kind}") if has_key(f"journal.the.{kind}") else \
        t("journal.the_object", kind=object_name(kind).lower())
    verb = t(f"journal.verbs.{action}") if has_key(f"journal.verbs.{action}") else action
    shown = _PERIOD.sub(lambda m: quarter_label(int(m[1]), int(m[2])), label).strip()
    return t("journal.sentence", verb=verb, object=the, label=shown) if shown else \
        t("journal.sentence_unlabelled", verb=verb, object=the)


def field_name(kind: str, field: str) -> str:
    """A field in words: the journal's own name for it, else the object's column header."""
    for key in (f"journal.fields.{field}", f"roadmap.field.{field}",
                f"reference.col_{field}", f"actions.col_{field}", f"conferences.col_{field}",
                f"results.col_{field}"):
        if has_key(key):
            return t(key)
    return field.replace("_", " ")


def _value(kind: str, field: str, raw: str | None, structures: dict[int | None, str],
           users: dict[int | None, str]) -> str:
    if raw is None or raw == "":
        return "—"
    if field in STRUCTURE_FIELDS or field in USER_FIELDS:
        names = structures if field in STRUCTURE_FIELDS else users
        return names.get(int(raw), raw) if raw.isdigit() else raw
    section = VALUE_WORDS.get((kind, field)) or VALUE_WORDS.get((None, field))
    if section:
        words = [t(f"{section}.{part.strip()}") if has_key(f"{section}.{part.strip()}")
                 else part.strip() for part in raw.split(",")]
        return ", ".join(words)
    if raw in ("true", "false"):
        return t(f"common.{'yes' if raw == 'true' else 'no'}")
    if _ISO_DAY.match(raw):
        return format_date(date.fromisoformat(raw))
    if _ISO_MOMENT.match(raw):
        moment = datetime.fromisoformat(raw)
        return format_datetime(moment)
    return _PERIOD.sub(lambda m: quarter_label(int(m[1]), int(m[2])), raw)


def _change(event: AuditEvent, structures: dict[int | None, str],
            users: dict[int | None, str]) -> str:
    field = event.field or ""
    name = field_name(event.object_type, field)
    old = _value(event.object_type, field, event.old_value, structures, users)
    new = _value(event.object_type, field, event.new_value, structures, users)
    if event.old_value is None and event.action in ("create", "api", "link_kpi", "carry_over",
                                                    "snapshot"):  # a value set, not changed
        return t("journal.detail_set", field=name, new=new)
    return t("journal.detail_changed", field=name, old=old, new=new)


def filter_choices(session: Session, actor: Actor) -> tuple[list[str], list[str]]:
    require(actor, Action.read_journal)
    return repo.distinct_audit_values(session)
