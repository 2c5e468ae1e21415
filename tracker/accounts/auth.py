"""Who is acting: local accounts (argon2), browser sessions with idle expiry, and role checks.

The acting user is always re-read from the database (``load_actor``), never trusted from widget or
session state; every service takes that Actor and checks role and structure itself.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.core import audit
from tracker.core.db import transaction
from tracker.core.errors import AuthenticationFailed, PermissionDenied
from tracker.core.i18n import t
from tracker.core.logs import AUTH, log_event
from tracker.core.models import LoginThrottle, Role, Structure, User, UserSession, utcnow

_hasher = PasswordHasher()
# Hash of a random password, verified against when the login is unknown, so that timing does not
# reveal which logins exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the database knows them now."""

    id: int
    login: str
    display_name: str
    role: Role
    structure_id: int | None
    structure_code: str | None
    language: str = "fr"



def hash_password(password: str) -> str:
    return _hasher.hash(password)


MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parents[1] / "reference_data" / "common_passwords.txt"
_LEET = str.maketrans("013457@$!", "oieastasi")
_RUNS = ("azertyuiopqsdfghjklmwxcvbn", "qwertyuiopasdfghjklzxcvbnm", "abcdefghijklmnopqrstuvwxyz",
         "0123456789" * 4, "9876543210" * 4)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _core(text: str) -> str:
    """A password as guessers see it: lowercase, l33t undone, digits and symbols around it
    dropped, separators removed (« P@ssw0rd-2025! » → « password »)."""
    middle = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", text.lower())
    return re.sub(r"[^a-z]", "", middle.translate(_LEET))


def password_problem(password: str, *, login: str = "") -> str | None:
    """The one password rule, for account creation and reset: at least 12 characters (a
    passphrase of several words is the easy way there), and not built on a common password,
    the login, one repeated word or a keyboard run. None when the password is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return t("users.password_short", n=MIN_PASSWORD_LENGTH)
    core = _core(password)
    words = [w for w in re.split(r"[^a-z]+", password.lower().translate(_LEET)) if w]
    common = common_passwords()
    weak = (
        core in common
        or len(set(password.lower())) < 5
        or password.isdigit()
        or (not core and len(set(password)) < 10)
        or (login and login.lower() in password.lower())
        or any((core and core in run) or password.lower() in run for run in _RUNS)
        or (bool(words) and len(set(words)) == 1 and (words[0] in common or len(words) > 1))
        or any(len(core) > len(w) and core == w * (len(core) // len(w)) for w in common if w)
    )
    return t("users.password_weak") if weak else None


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def actor_from_user(session: Session, user: User) -> Actor:
    code = None
    if user.structure_id is not None:
        structure = session.get(Structure, user.structure_id)
        code = structure.code if structure else None
    assert user.id is not None
    return Actor(
        id=user.id,
        login=user.login,
        display_name=user.display_name,
        role=Role(user.role),
        structure_id=user.structure_id,
        structure_code=code,
        language=user.language,
    )


def load_actor(session: Session, user_id: int) -> Actor:
    """The acting user from the database; an inactive or deleted account acts as nobody."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise PermissionDenied(t("auth.inactive"))
    return actor_from_user(session, user)


# Throttling: every attempt is counted before its password is checked (so that parallel guesses
# count too), per account name (known or not) and per client address; a success gives its
# count back. Counts halve every HALF_LIFE; past a limit the key is locked for LOCKOUT.
ACCOUNT_LIMIT = 8
CLIENT_LIMIT = 60
HALF_LIFE = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)  # by then a count has halved 96 times


def account_key(login: str) -> str:
    return f"account:{login.strip().lower()[:80]}"


def client_key(address: str) -> str:
    return f"client:{address.strip()[:100]}"


def decayed(failures: float, since: datetime | None, now: datetime) -> float:
    """A failure count as it stands ``now``: halved for every HALF_LIFE since it last moved."""
    if since is None or failures <= 0:
        return max(failures, 0.0)
    return float(failures * 0.5 ** max((now - since) / HALF_LIFE, 0.0))


def _throttle(session: Session, key: str) -> LoginThrottle:
    """The row of ``key``, created when missing and locked until this transaction ends, so that
    simultaneous attempts count one after the other (PostgreSQL: row lock; SQLite: every write
    transaction holds the database's write lock)."""
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(table).values(identifier=key, failures=0.0)
                        .on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(table).values(identifier=key, failures=0.0)
                        .on_conflict_do_nothing())
    return session.exec(select(LoginThrottle).where(LoginThrottle.identifier == key)
                        .with_for_update().execution_options(populate_existing=True)).one()


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return t("auth.locked", n=minutes)


def count_attempt(session: Session, login: str, client: str | None) -> str | None:
    """Count a sign-in attempt before its password is checked; the refusal to show when the
    account name or the client address is locked (then nothing is checked). Crossing a limit
    locks the key for LOCKOUT and is audited. Call inside a write transaction."""
    now = utcnow()
    # Names typed once and long forgotten (a spray of unknown logins) do not pile up.
    session.execute(delete(LoginThrottle).where(  # type: ignore[arg-type]
        col(LoginThrottle.last_failure_at) < now - FORGET_AFTER,
        or_(col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) < now)))
    keys = [(account_key(login), ACCOUNT_LIMIT)]
    if client:
        keys.append((client_key(client), CLIENT_LIMIT))
    rows = [(_throttle(session, key), limit) for key, limit in keys]
    for row, _limit in rows:
        if row.locked_until is not None and row.locked_until > now:
            return _locked_message(row.locked_until, now)
    refusal = None
    for row, limit in rows:
        row.failures = decayed(row.failures, row.last_failure_at, now) + 1
        row.last_failure_at = now
        if row.failures > limit:
            row.locked_until = now + LOCKOUT
            row.failures = 0.0
            audit.record(session, None, "lockout", row, label=row.identifier)
            log_event(AUTH, "sign_in_lockout", level=logging.WARNING, locked=row.identifier,
                      minutes=int(LOCKOUT.total_seconds() // 60))
            refusal = _locked_message(row.locked_until, now)
        session.add(row)
    return refusal


def settle_attempt(session: Session, login: str, client: str | None) -> None:
    """A successful sign-in: the account's count is cleared, the address gets its attempt back."""
    now = utcnow()
    account = _throttle(session, account_key(login))
    account.failures, account.last_failure_at = 0.0, now
    session.add(account)
    if client:
        row = _throttle(session, client_key(client))
        row.failures = max(0.0, decayed(row.failures, row.last_failure_at, now) - 1)
        row.last_failure_at = now
        session.add(row)


def _account(session: Session, login: str) -> User | None:
    return session.exec(select(User).where(User.login == login.strip().lower()[:80])).first()


def sign_in(engine: Engine, login: str, password: str, *,
            client: str | None = None) -> tuple[Actor, int, str]:
    """Check a login and password and open a browser session: its actor, id and hand-off code.

    Three short write transactions: count the attempt (refused while locked), then, with no
    transaction open, check the password (argon2 takes a tenth of a second), then record the
    success and open the session. Failures never say which field was wrong. The user row is
    not versioned by a sign-in (its last login time is set directly), so simultaneous
    sign-ins on one account do not collide."""
    with transaction(engine) as session:
        refusal = count_attempt(session, login, client)
        user = _account(session, login)
        password_hash = user.password_hash if user is not None else None
    typed = login.strip().lower()[:80]
    if refusal is not None:
        log_event(AUTH, "sign_in_throttled", level=logging.WARNING, user=typed, client=client)
        raise AuthenticationFailed(refusal)
    if not verify_password(password_hash, password) or user is None:
        log_event(AUTH, "sign_in_failed", level=logging.WARNING, user=typed, client=client,
                  reason="unknown_login" if user is None else "wrong_password")
        raise AuthenticationFailed(t("auth.failed"))
    with transaction(engine) as session:
        current = session.get(User, user.id)
        if current is None or not current.active:
            log_event(AUTH, "sign_in_failed", level=logging.WARNING, user=typed, client=client,
                      reason="inactive")
            raise AuthenticationFailed(t("auth.failed"))
        settle_attempt(session, login, client)
        table = User.__table__  # type: ignore[attr-defined]
        session.execute(update(table).where(table.c.id == current.id)
                        .values(last_login_at=utcnow()))
        actor = actor_from_user(session, current)
        session_id, code = open_session(session, actor)
    log_event(AUTH, "sign_in", user=actor.login, role=actor.role.value,
              structure=actor.structure_code, client=client, session_id=session_id)
    return actor, session_id, code


HANDOFF_SECONDS = 120


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, actor: Actor) -> tuple[int, str]:
    """A new browser session: returns its id and a one-time hand-off code.

    The browser exchanges the code (within two minutes, once) for its HttpOnly cookie at
    ``/auth/handoff``; the code and the cookie token are stored only as hashes.
    """
    code = secrets.token_urlsafe(32)
    row = UserSession(user_id=actor.id, handoff_hash=_hash(code),
                      handoff_expires_at=utcnow() + timedelta(seconds=HANDOFF_SECONDS))
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id, code


def redeem_handoff(session: Session, code: str) -> str | None:
    """Exchange a hand-off code for a fresh cookie token; None when unknown, used or expired."""
    row = session.exec(select(UserSession).where(UserSession.handoff_hash == _hash(code))).first()
    if row is None or row.revoked_at is not None or row.handoff_expires_at is None:
        return None
    expired = utcnow() > row.handoff_expires_at
    row.handoff_hash = None
    row.handoff_expires_at = None
    token = secrets.token_urlsafe(32)
    if not expired:
        row.token_hash = _hash(token)
    session.add(row)
    return None if expired else token


class SessionWriteNeeded(Exception):
    """A read-only check found that the browser session must be touched or ended: do the
    check again in a write transaction."""


def _live(session: Session, row: UserSession | None, idle_minutes: int,
          write: bool) -> Actor | None:
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=idle_minutes):
        if not write:
            raise SessionWriteNeeded
        row.revoked_at = now
        session.add(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    # Touch at most once a minute: a page rerun should not write every time.
    if now - row.last_seen_at > timedelta(minutes=1):
        if not write:
            raise SessionWriteNeeded
        row.last_seen_at = now
        session.add(row)
    return actor_from_user(session, user)


def resume_session(session: Session, token: str, *, idle_minutes: int,
                   write: bool = True) -> tuple[Actor, int] | None:
    """The actor and session id of a cookie token; None when unknown, revoked or idle too long.
    With ``write`` False (a read transaction) it raises SessionWriteNeeded when the session
    must be touched or ended; with ``write`` it does so (inside a write transaction)."""
    row = session.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    actor = _live(session, row, idle_minutes, write)
    return (actor, row.id) if actor is not None and row is not None and row.id else None


def check_session(session: Session, session_id: int, *, idle_minutes: int,
                  write: bool = True) -> Actor | None:
    """Re-validate an open session at each script run (logout, expiry, deactivation end it);
    ``write`` as for resume_session."""
    return _live(session, session.get(UserSession, session_id), idle_minutes, write)


def close_session(session: Session, session_id: int) -> None:
    """Logout: the session stops working at once, on every replica."""
    row = session.get(UserSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.handoff_hash = None
        session.add(row)
        user = session.get(User, row.user_id)
        log_event(AUTH, "logout", user=user.login if user is not None else None,
                  session_id=session_id)

