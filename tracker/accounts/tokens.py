"""Personal tokens of the read-only API: the secretariat issues and revokes them (« Utilisateurs »
or the command line). A token is shown once and kept only as a hash (its first characters name
it in lists); it expires, stops at once when revoked or when its account is deactivated, and
carries its account's role and structure: the API asks the same permissions as the screens."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor, actor_from_user
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import AuthenticationFailed, NotFound, TrackerError
from tracker.core.formats import format_datetime
from tracker.core.i18n import t
from tracker.core.models import ApiToken, User, utcnow

LEADING_MARK = "cdsi_"  # every token starts with it (secret scanners know the shape)
SHOWN_CHARACTERS = 12  # « cdsi_AbCdEfG »: enough to tell tokens apart, useless to a guesser
DEFAULT_DAYS = 90
MAX_DAYS = 365
RATE_WINDOW = timedelta(minutes=1)
TOKEN_COLUMNS = ["login", "prefix", "created_at", "expires_at", "last_used_at", "state"]


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued: ``token`` is the only time anyone sees it."""

    id: int
    token: str
    prefix: str
    login: str
    expires_at: datetime


def token_hash(token: str) -> str:
    """What is stored of a token (a random 256-bit secret needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TrackerError(t("api.token_days", max=MAX_DAYS, value=days))
    return days


def issue_token(session: Session, actor: Actor | None, user_id: int,
                days: int = DEFAULT_DAYS) -> IssuedToken:
    """A new token for the account ``user_id``, valid ``days`` days (1 to 365; admin only)."""
    require(actor, Action.manage_users)
    valid_days = _days(days)
    user = session.get(User, user_id)
    if user is None or user.id is None:
        raise NotFound(t("common.not_found"))
    if not user.active:
        raise TrackerError(t("api.token_inactive", login=user.login))
    token = LEADING_MARK + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, prefix=token[:SHOWN_CHARACTERS], token_hash=token_hash(token),
                   created_by_id=actor.id if actor else None,
                   expires_at=utcnow() + timedelta(days=valid_days))
    session.add(row)
    audit.created(session, actor, row, label=user.login,
                  entered={"prefix": row.prefix, "expires_at": row.expires_at})
    assert row.id is not None
    return IssuedToken(row.id, token, row.prefix, user.login, row.expires_at)


def _user_by_login(session: Session, login: str) -> User:
    user = repo.get_user_by_login(session, login.strip().lower())
    if user is None or user.id is None:
        raise NotFound(t("api.unknown_login", login=login))
    return user


def issue_token_for_login(session: Session, actor: Actor | None, login: str,
                          days: int = DEFAULT_DAYS) -> IssuedToken:
    """The command line's way in: the account named by its login."""
    user = _user_by_login(session, login)
    assert user.id is not None
    return issue_token(session, actor, user.id, days)


def _revoke(session: Session, actor: Actor | None, row: ApiToken, login: str) -> None:
    row.revoked_at = utcnow()
    session.add(row)
    audit.record(session, actor, "revoke", row, label=login,
                 changes={"revoked_at": (None, row.revoked_at)})


def revoke_token(session: Session, actor: Actor | None, token_id: int) -> str:
    """Revoke one token at once (admin only); returns its prefix."""
    require(actor, Action.manage_users)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(t("common.not_found"))
    if row.revoked_at is not None:
        raise TrackerError(t("api.token_already_revoked", prefix=row.prefix))
    user = session.get(User, row.user_id)
    _revoke(session, actor, row, user.login if user else "?")
    return row.prefix


def revoke_tokens_of(session: Session, actor: Actor | None, login: str) -> int:
    """Revoke every token of an account not revoked yet (admin only); how many were."""
    require(actor, Action.manage_users)
    user = _user_by_login(session, login)
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id,
                                               col(ApiToken.revoked_at).is_(None))).all()
    for row in rows:
        _revoke(session, actor, row, user.login)
    return len(rows)


def token_state(row: ApiToken, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "active"


def _rows(session: Session) -> list[tuple[ApiToken, str]]:
    logins = {u.id: u.login for u in repo.list_users(session)}
    rows = session.exec(select(ApiToken).order_by(col(ApiToken.created_at).desc(),
                                                  col(ApiToken.id).desc())).all()
    return [(row, logins.get(row.user_id, "?")) for row in rows]


def tokens_frame(session: Session, actor: Actor) -> pd.DataFrame:
    """Every token, newest first, indexed by id: account, first characters, dates (UTC), state
    in words (admin only). The token itself is never shown again."""
    require(actor, Action.manage_users)
    now = utcnow()
    records = [{"id": row.id, "login": login, "prefix": f"{row.prefix}…",
                "created_at": row.created_at, "expires_at": row.expires_at,
                "last_used_at": row.last_used_at,
                "state": t(f"api.token_state.{token_state(row, now)}")}
               for row, login in _rows(session)]
    return pd.DataFrame(records, columns=["id", *TOKEN_COLUMNS]).set_index("id")


def revocable_tokens(session: Session, actor: Actor) -> dict[int, str]:
    """The tokens that still work, each with a line to show (admin only)."""
    require(actor, Action.manage_users)
    now = utcnow()
    return {row.id: t("api.token_choice", login=login, prefix=row.prefix,
                      until=format_datetime(row.expires_at))
            for row, login in _rows(session)
            if row.id is not None and token_state(row, now) == "active"}


def authenticate(session: Session, token: str, now: datetime) -> tuple[Actor, ApiToken]:
    """The account a token acts for, as the database knows it now, and the token's row (locked
    until the transaction ends, so that simultaneous calls count one after the other). Refused
    with the reason: unknown, revoked, expired, or its account deactivated."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))
                       .with_for_update()).first()
    if row is None:
        raise AuthenticationFailed(t("api.token_unknown"))
    if row.revoked_at is not None:
        raise AuthenticationFailed(t("api.token_revoked"))
    if row.expires_at <= now:
        raise AuthenticationFailed(t("api.token_expired", when=format_datetime(row.expires_at)))
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed(t("api.account_inactive"))
    return actor_from_user(session, user), row


def count_call(session: Session, row: ApiToken, limit: int, now: datetime) -> int | None:
    """Count one call of the token in its current minute; None when within ``limit``, else the
    seconds until the minute ends (the call is refused). The count lives on the token's row,
    so every replica of the app shares it."""
    if row.window_started_at is None or now - row.window_started_at >= RATE_WINDOW:
        row.window_started_at, row.window_calls = now, 0
    row.window_calls += 1
    row.last_used_at = now
    session.add(row)
    if row.window_calls <= limit:
        return None
    left = (row.window_started_at + RATE_WINDOW - now).total_seconds()
    return max(1, math.ceil(left))


def calls_left(row: ApiToken, limit: int) -> int:
    return max(0, limit - row.window_calls)
