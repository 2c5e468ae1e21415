"""Who is acting: local accounts (argon2), browser sessions with idle expiry, and role checks.

The acting user is always re-read from the database (``load_actor``), never trusted from widget or
session state; every service takes that Actor and checks role and structure itself.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from tracker.errors import AuthenticationFailed, PermissionDenied
from tracker.i18n import t
from tracker.models import LoginThrottle, Role, Structure, User, UserSession, utcnow

_hasher = PasswordHasher()
# Hash of a random password, verified against when the login is unknown, so that timing does not
# reveal which logins exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

FREE_FAILURES = 3
MAX_DELAY_SECONDS = 8.0


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

    def can_read_drafts_of(self, structure_id: int | None) -> bool:
        """Drafts are read by admins and by the structure's own DSI, nobody else."""
        return self.role == Role.admin or (
            self.role == Role.dsi and structure_id is not None and structure_id == self.structure_id
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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


def throttle_delay(failures: int) -> float:
    """Seconds to wait before answering, growing with repeated failures for one identifier."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 0.5 * 2 ** (failures - FREE_FAILURES)))


def authenticate(session: Session, login: str, password: str, *, sleep: bool = True) -> Actor:
    """Check a login and password; failures never say which field was wrong and slow down."""
    identifier = login.strip().lower()[:80]
    throttle = session.get(LoginThrottle, identifier)
    if throttle is not None and sleep:
        time.sleep(throttle_delay(throttle.failures))
    user = session.exec(select(User).where(User.login == identifier)).first()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        if throttle is None:
            throttle = LoginThrottle(identifier=identifier)
        throttle.failures += 1
        throttle.last_failure_at = utcnow()
        session.add(throttle)
        session.commit()
        raise AuthenticationFailed(t("auth.failed"))
    if throttle is not None:
        session.delete(throttle)
    user.last_login_at = utcnow()
    session.add(user)
    session.commit()
    return actor_from_user(session, user)


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
    session.commit()
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
    session.commit()
    return None if expired else token


def _live(session: Session, row: UserSession | None, idle_minutes: int) -> Actor | None:
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=idle_minutes):
        row.revoked_at = now
        session.add(row)
        session.commit()
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    # Touch at most once a minute: a page rerun should not write every time.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return actor_from_user(session, user)


def resume_session(session: Session, token: str, *, idle_minutes: int) -> tuple[Actor, int] | None:
    """The actor and session id of a cookie token; None when unknown, revoked or idle too long."""
    row = session.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    actor = _live(session, row, idle_minutes)
    return (actor, row.id) if actor is not None and row is not None and row.id else None


def check_session(session: Session, session_id: int, *, idle_minutes: int) -> Actor | None:
    """Re-validate an open session at each script run (logout, expiry, deactivation end it)."""
    return _live(session, session.get(UserSession, session_id), idle_minutes)


def close_session(session: Session, session_id: int) -> None:
    """Logout: the session stops working at once, on every replica."""
    row = session.get(UserSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.handoff_hash = None
        session.add(row)
        session.commit()


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse when the actor's role is not one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDenied(t("common.permission"))


def require_own_structure(actor: Actor, structure_id: int | None) -> None:
    """Admins act on any structure; a DSI only on their own; others on none."""
    if actor.role == Role.admin:
        return
    if actor.role == Role.dsi and structure_id is not None and structure_id == actor.structure_id:
        return
    raise PermissionDenied(t("common.permission"))
