"""Accounts: an admin creates users, sets role and structure, deactivates, resets passwords."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker.accounts.auth import (
    Actor,
    hash_password,
    password_problem,
)
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.errors import NotFound, RowError, StaleEdit, TrackerError, ValidationFailed
from tracker.core.formats import format_datetime
from tracker.core.i18n import LANGUAGES, t
from tracker.core.models import LoginThrottle, Role, User, UserCreate, UserSession, utcnow
from tracker.core.tables import ColumnSpec, RowChange


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error["loc"]
    # Model-level checks (a DSI needs a structure) carry the field name as their message.
    field = str(loc[0]) if loc else str(error.get("msg", "")).replace("Value error, ", "")
    return t(f"users.invalid_{field}") if t(f"users.invalid_{field}") != f"users.invalid_{field}" \
        else t("users.invalid")


def create_user(session: Session, actor: Actor | None, data: dict[str, object], *,
                password_policy: bool = True) -> User:
    """Create an account (admin only; ``actor`` None only for the command line and bootstrap).
    Its password follows the password policy; only the demo loader turns the policy off, for
    the demo accounts' published password."""
    if actor is not None:
        require(actor, Action.manage_users)
    try:
        payload = UserCreate.model_validate(data)
    except ValidationError as exc:
        raise TrackerError(_first_error(exc)) from exc
    login = payload.login.lower()
    if payload.password and password_policy:
        problem = password_problem(payload.password, login=login)
        if problem:
            raise TrackerError(problem)
    if repo.get_user_by_login(session, login) is not None:
        raise TrackerError(t("users.login_taken", login=login))
    structure_id = None
    if payload.structure_code:
        structure = repo.get_structure_by_code(session, payload.structure_code.upper())
        if structure is None:
            raise TrackerError(t("users.unknown_structure", code=payload.structure_code))
        structure_id = structure.id
    user = User(login=login, display_name=payload.display_name, email=payload.email,
                role=payload.role.value, structure_id=structure_id,
                password_hash=hash_password(payload.password) if payload.password else None,
                updated_by_id=actor.id if actor else None)
    session.add(user)
    audit.created(session, actor, user, label=login,
                  entered={"login": login, "display_name": user.display_name,
                           "email": user.email, "role": user.role,
                           "structure_id": structure_id})
    return user


@dataclass
class UserUpdate:
    user_id: int
    version: int
    display_name: str
    role: str
    structure_code: str | None
    active: bool
    email: str = ""
    # None: leave as is. An admin can only clear it (False): the account keeps its viewer role.
    awaiting_role: bool | None = None


def update_user(session: Session, actor: Actor, change: UserUpdate) -> User:
    """Change role, structure, name or active flag; deactivating ends the user's sessions."""
    require(actor, Action.manage_users)
    user = session.get(User, change.user_id)
    if user is None:
        raise NotFound(t("common.not_found"))
    audit.ensure_fresh(session, user, change.version)
    if change.role not in {r.value for r in Role}:
        raise TrackerError(t("users.invalid_role"))
    structure_id = None
    if change.structure_code:
        structure = repo.get_structure_by_code(session, change.structure_code)
        if structure is None:
            raise TrackerError(t("users.unknown_structure", code=change.structure_code))
        structure_id = structure.id
    if change.role == Role.dsi and structure_id is None:
        raise TrackerError(t("users.invalid_structure_code"))
    if user.id == actor.id and (not change.active or change.role != Role.admin):
        raise TrackerError(t("users.not_yourself"))
    # An account created by a first single sign-on awaits its role until an admin sets one or
    # clears the mark (keeping it a viewer); the mark is never set by hand.
    if change.awaiting_role and not user.awaiting_role:
        raise TrackerError(t("users.awaiting_by_hand"))
    awaiting = user.awaiting_role and change.role == user.role and change.awaiting_role is not False
    changes = audit.apply_changes(user, {
        "display_name": change.display_name.strip() or user.display_name,
        "role": change.role, "structure_id": structure_id, "active": change.active,
        "email": change.email, "awaiting_role": awaiting,
    })
    if not changes:
        return user
    audit.stamp(user, actor)
    session.add(user)
    if not user.active:
        _end_sessions(session, user)
    audit.record(session, actor, "update", user, label=user.login, changes=changes)
    return user


def reset_password(session: Session, actor: Actor, user_id: int, password: str) -> None:
    """Set a new password (admin only); the user's open sessions end."""
    require(actor, Action.manage_users)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(t("common.not_found"))
    problem = password_problem(password, login=user.login)
    if problem:
        raise TrackerError(problem)
    user.password_hash = hash_password(password)
    audit.stamp(user, actor)
    session.add(user)
    _end_sessions(session, user)
    audit.record(session, actor, "reset_password", user, label=user.login)


def choose_language(session: Session, actor: Actor, lang: str) -> bool:
    """The signed-in user's own choice of language, kept on their account so that it survives
    a reload and the next sign-in; True when it changed. Nobody chooses for someone else: the
    account changed is always the actor's own."""
    if lang not in LANGUAGES:
        raise TrackerError(t("common.permission"))
    user = session.get(User, actor.id)
    if user is None:
        raise NotFound(t("common.not_found"))
    if user.language == lang:
        return False
    # A preference, not a shared record: no row-version bump (a colleague's open edit of the
    # account is not made stale by it), but audited like every change.
    old = user.language
    session.execute(update(User).where(col(User.id) == user.id).values(language=lang))
    audit.record(session, actor, "update", user, label=user.login,
                 changes={"language": (old, lang)})
    session.expire(user)
    return True


def locked_keys(session: Session, actor: Actor) -> list[tuple[str, datetime]]:
    """Account names and client addresses locked now, with the end of their lockout (admin)."""
    require(actor, Action.manage_users)
    now = utcnow()
    rows = session.exec(select(LoginThrottle).where(
        col(LoginThrottle.locked_until) > now).order_by(col(LoginThrottle.identifier))).all()
    return [(r.identifier, r.locked_until) for r in rows if r.locked_until is not None]


def unlock(session: Session, actor: Actor, key: str) -> None:
    """The secretariat lifts a lockout at once (audited)."""
    require(actor, Action.manage_users)
    row = session.get(LoginThrottle, key)
    if row is None or row.locked_until is None:
        return
    row.locked_until, row.failures = None, 0.0
    session.add(row)
    audit.record(session, actor, "unlock", row, label=key)


def throttle_name(key: str) -> str:
    """A sign-in counter as a person reads it: « compte dsi-mef », « adresse 10.0.0.7»."""
    kind, _, name = key.partition(":")
    return t(f"users.throttle_{kind}", name=name) if kind in ("account", "client") else key


def locked_sign_ins(session: Session, actor: Actor) -> dict[str, str]:
    """Account names and client addresses locked out now, each with a line to show (admin)."""
    return {key: t("users.locked_until", name=throttle_name(key), until=format_datetime(until))
            for key, until in locked_keys(session, actor)}


def unlock_sign_in(session: Session, actor: Actor, key: str) -> None:
    """Lift a lockout at once (admin; audited)."""
    unlock(session, actor, key)


def _end_sessions(session: Session, user: User) -> None:
    from sqlmodel import select

    for row in session.exec(select(UserSession).where(UserSession.user_id == user.id,
                                                      UserSession.revoked_at == None)):  # noqa: E711
        row.revoked_at = utcnow()
        session.add(row)


ROLES = [r.value for r in Role]
EDITABLE_COLUMNS = ["login", "display_name", "email", "role", "structure", "active",
                    "awaiting_role", "last_login_at"]


def structure_codes(session: Session) -> list[str]:
    return [s.code for s in repo.list_structures(session)]


def column_specs(codes: list[str]) -> dict[str, ColumnSpec]:
    """Labels and editors of the accounts table (login and last sign-in are read-only)."""
    return {
        "login": ColumnSpec("text", t("users.login"), disabled=True),
        "display_name": ColumnSpec("text", t("users.display_name"), required=True),
        "email": ColumnSpec("text", t("users.email")),
        "role": ColumnSpec("select", t("users.role"), tuple(ROLES), required=True),
        "structure": ColumnSpec("select", t("users.structure"), tuple(codes)),
        "active": ColumnSpec("checkbox", t("users.active")),
        "awaiting_role": ColumnSpec("checkbox", t("users.awaiting_role")),
        "last_login_at": ColumnSpec("datetime", t("users.last_login"), disabled=True),
    }


def save_users(session: Session, actor: Actor, changes: list[RowChange],
               versions: dict[int, int]) -> int:
    """Apply the edited rows of the accounts table, all or nothing (new rows are refused:
    accounts are created with the form, which sets a password)."""
    require(actor, Action.manage_users)
    errors: list[RowError] = []
    written = 0
    for change in changes:
        if change.id is None:
            errors.append(RowError(change.position, t("users.login"), t("users.use_form")))
            continue
        values = change.values
        try:
            update_user(session, actor, UserUpdate(
                user_id=change.id, version=versions.get(change.id, 0),
                display_name=read.text(values.get("display_name")),
                role=read.text(values.get("role")),
                structure_code=read.optional_text(values.get("structure")),
                active=read.boolean(values.get("active")), email=read.text(values.get("email")),
                awaiting_role=read.boolean(values.get("awaiting_role"))))
            written += 1
        except StaleEdit:
            raise
        except TrackerError as exc:
            errors.append(RowError(change.position, str(values.get("login", "")), str(exc)))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    return written


def users_frame(session: Session, actor: Actor) -> pd.DataFrame:
    """The accounts as a table indexed by id (admin only)."""
    require(actor, Action.manage_users)
    codes = repo.structure_codes_by_id(session)
    rows = [{"id": u.id, "login": u.login, "display_name": u.display_name, "email": u.email,
             "role": u.role, "structure": codes.get(u.structure_id or -1),
             "active": u.active, "awaiting_role": u.awaiting_role,
             "last_login_at": u.last_login_at, "version": u.version}
            for u in repo.list_users(session)]
    return pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame(
        columns=["login", "display_name", "email", "role", "structure", "active",
                 "awaiting_role", "last_login_at", "version"])


def awaiting_role(frame: pd.DataFrame) -> list[str]:
    """The logins of the accounts (of ``users_frame``) created by a first single sign-on that
    still await an admin's choice of role."""
    if frame.empty:
        return []
    return [str(login) for login in frame.loc[frame["awaiting_role"].astype(bool), "login"]]


def dsis_with_a_structure(people: Iterable[User]) -> list[User]:
    """The DSIs among ``people`` who answer for a structure (who receive its reminders)."""
    return [u for u in people if u.role == Role.dsi and u.structure_id is not None]


def leadership_members(people: Iterable[User]) -> list[User]:
    """The members of ASIN's leadership among ``people`` (who receive the weekly summary)."""
    return [u for u in people if u.role == Role.leadership]
