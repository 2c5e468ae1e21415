"""The audit trail: every accepted change writes who, when (UTC), object, field, old and new value,
in the same transaction as the change itself; stale saves are refused before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from tracker.core.errors import StaleEdit
from tracker.core.formats import format_datetime
from tracker.core.i18n import t
from tracker.core.models import AuditEvent, User, utcnow


class ActorLike(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def login(self) -> str: ...


def as_text(value: Any) -> str | None:
    """How a value is compared and stored in the audit trail."""
    return _text(value)


EVENT_COLUMNS = ("user_id", "user_login", "action", "object_type", "object_id", "object_label",
                 "at", "field", "old_value", "new_value")


def event_values(actor: ActorLike | None, action: str, object_type: str, object_id: int | None,
                 label: str, changes: Mapping[str, tuple[Any, Any]], at: datetime
                 ) -> list[tuple[Any, ...]]:
    """Audit events as tuples in EVENT_COLUMNS order, for bulk inserts (one per changed field,
    or one for the action itself)."""
    head = (actor.id if actor else None, actor.login if actor else "system", action,
            object_type, object_id, label[:300], at)
    if not changes:
        return [(*head, "", None, None)]
    return [(*head, field, _text(old), _text(new)) for field, (old, new) in changes.items()]


def event_rows(actor: ActorLike | None, action: str, object_type: str, object_id: int | None,
               label: str, changes: Mapping[str, tuple[Any, Any]], at: datetime
               ) -> list[dict[str, Any]]:
    """The same audit events as plain dictionaries, for inserts through SQLAlchemy."""
    return [dict(zip(EVENT_COLUMNS, values, strict=True))
            for values in event_values(actor, object_type=object_type, action=action,
                                       object_id=object_id, label=label, changes=changes, at=at)]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    kind = value.__class__
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float:  # the common case first: bulk imports audit every number they store
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def object_type(obj: SQLModel) -> str:
    return type(obj).__name__


def record(
    session: Session,
    actor: ActorLike | None,
    action: str,
    obj: SQLModel,
    *,
    label: str = "",
    changes: Mapping[str, tuple[Any, Any]] | None = None,
) -> None:
    """Append audit events for ``obj``: one per changed field, or one for the action itself."""
    session.flush()  # so that a new object has its id
    base: dict[str, Any] = {
        "user_id": actor.id if actor else None,
        "user_login": actor.login if actor else "system",
        "action": action,
        "object_type": object_type(obj),
        "object_id": getattr(obj, "id", None),
        "object_label": label[:300],
        "at": utcnow(),
    }
    if not changes:
        session.add(AuditEvent(**base))
        return
    for field, (old, new) in changes.items():
        session.add(AuditEvent(**base, field=field, old_value=_text(old), new_value=_text(new)))


def record_event(session: Session, actor: ActorLike | None, action: str, object_type: str,
                 object_id: int | None, *, label: str = "",
                 changes: Mapping[str, tuple[Any, Any]] | None = None) -> None:
    """Append audit events for something that is not a row of its own (an API call): the same
    events as ``record``, one per changed field or one for the action, nothing flushed first."""
    for row in event_rows(actor, action, object_type, object_id, label, changes or {},
                          utcnow()):
        session.add(AuditEvent(**row))


# Never written to the audit trail: the row's own bookkeeping, and secrets.
NOT_AUDITED = frozenset({"id", "version", "updated_at", "updated_by_id", "created_at",
                         "password_hash"})


def creation_changes(entered: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The one rule for what a creation records: each field the row was created with a value
    (None → value), leaving out empty values (None, empty text), bookkeeping and secrets.
    ``entered`` holds what the user (or the import) gave; the row's key goes in the label."""
    return {field: (None, value) for field, value in entered.items()
            if field not in NOT_AUDITED and value is not None and value != ""}


def created(session: Session, actor: ActorLike | None, obj: SQLModel, *, label: str,
            entered: Mapping[str, Any] | None = None, action: str = "create") -> None:
    """Audit the creation of ``obj`` by the creation rule (see ``creation_changes``)."""
    record(session, actor, action, obj, label=label, changes=creation_changes(entered or {}))


def creation_events(actor: ActorLike | None, object_type: str, object_id: int | None,
                    label: str, entered: Mapping[str, Any], at: datetime
                    ) -> list[tuple[Any, ...]]:
    """The same creation rule for bulk inserts, as tuples in EVENT_COLUMNS order."""
    return event_values(actor, "create", object_type, object_id, label,
                        creation_changes(entered), at)


def creation_event_rows(actor: ActorLike | None, object_type: str, object_id: int | None,
                        label: str, entered: Mapping[str, Any], at: datetime
                        ) -> list[dict[str, Any]]:
    """The same creation rule for bulk inserts through SQLAlchemy, as dictionaries."""
    return event_rows(actor, "create", object_type, object_id, label,
                      creation_changes(entered), at)


def apply_changes(obj: SQLModel, updates: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set the fields that really change on ``obj`` and return them as {field: (old, new)}."""
    changes: dict[str, tuple[Any, Any]] = {}
    for field, new in updates.items():
        old = getattr(obj, field)
        if _text(old) != _text(new):
            changes[field] = (old, new)
            setattr(obj, field, new)
    return changes


def ensure_fresh(session: Session, obj: SQLModel, seen_version: int | None) -> None:
    """Refuse the save when the row changed since the user loaded it, naming who and when.

    ``seen_version`` is the version on the user's screen; None (they never saw this row, e.g.
    someone created it meanwhile) is refused too. On PostgreSQL the row is locked and re-read
    first, so that of two simultaneous saves from the same screen the second waits for the
    first and is then refused here, with this message (SQLite writers are already serial)."""
    if session.get_bind().dialect.name == "postgresql" and inspect(obj).persistent:
        session.refresh(obj, with_for_update=True)
    current = getattr(obj, "version", None)
    if seen_version is not None and current == seen_version:
        return
    raise stale_error(session, obj)


def stale_error(session: Session, obj: SQLModel) -> StaleEdit:
    """The refusal of a stale save of ``obj``: who changed it last, and when."""
    who = "?"
    updated_by_id = getattr(obj, "updated_by_id", None)
    if updated_by_id is not None:
        user = session.get(User, updated_by_id)
        if user is not None:
            who = user.display_name
    when = getattr(obj, "updated_at", None)
    return StaleEdit(t("common.stale", who=who, when=format_datetime(when) if when else "?"))


def add_new(session: Session, actor: ActorLike | None, obj: SQLModel) -> None:
    """Insert a row the user saw absent; if another writer inserted the same one (same unique
    key) at the same moment, this save is stale and nothing is written."""
    stamp(obj, actor)
    session.add(obj)
    try:
        session.flush()
    except IntegrityError as exc:
        raise StaleEdit(t("common.stale_concurrent")) from exc


def stamp(obj: SQLModel, actor: ActorLike | None) -> None:
    """Mark who changed the row last and when (shown in stale-save messages)."""
    if hasattr(obj, "updated_at"):
        obj.updated_at = utcnow()  # type: ignore[attr-defined]
    if hasattr(obj, "updated_by_id"):
        obj.updated_by_id = actor.id if actor else None  # type: ignore[attr-defined]


def save_edit(session: Session, actor: ActorLike, obj: SQLModel, seen_version: int | None,
              values: Mapping[str, Any], *, label: str) -> bool:
    """One edited row: refused if stale, else the changed fields set, stamped and audited.
    Returns True when something changed."""
    ensure_fresh(session, obj, seen_version)
    return write_changes(session, actor, obj, values, label=label)


def write_changes(session: Session, actor: ActorLike | None, obj: SQLModel,
                  values: Mapping[str, Any], *, label: str) -> bool:
    """The fields that really change set on ``obj``, stamped and audited as an update (the
    caller has checked the version where one applies). Returns True when something changed."""
    changes = apply_changes(obj, values)
    if not changes:
        return False
    stamp(obj, actor)
    session.add(obj)
    record(session, actor, "update", obj, label=label, changes=changes)
    return True
