"""Single sign-on (OpenID Connect): which account an identity from the identity provider is.

The rule, in this order:

1. the account bound to the identity: ``User.sso_subject`` is « issuer subject » (the provider's
   ``iss`` and ``sub`` claims, which together never change and are never reused);
2. else the one account whose e-mail address the provider vouches for (``email`` with
   ``email_verified`` true): the identity is then bound to it (audited), so that a later change
   of address at the provider does not lose the account;
3. else the identity is refused, audited, and nothing is created, unless the installation lets
   a first sign-on create a viewer account awaiting an admin's role assignment
   (``TRACKER_SSO_CREATE=viewer``).

A disabled account is refused, whichever way it was found. A successful sign-on opens the same
revocable browser session as a password does (``auth.open_session``): logout, idle expiry and
deactivation end it alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor, actor_from_user, open_session
from tracker.core import audit, logs
from tracker.core.db import transaction
from tracker.core.errors import AuthenticationFailed
from tracker.core.i18n import t
from tracker.core.models import AuditEvent, Role, User, utcnow

# An identity opens a session only just after the provider issued it: Streamlit keeps the
# identity in a cookie for 30 days, which must not sign anybody back in after a logout or an
# idle expiry. The provider's clock may be a little ahead of ours.
FRESH_FOR = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=2)
SUBJECT_MAX = 300  # User.sso_subject
CREATE_VIEWER = "viewer"
REFUSED_OBJECT = "SsoIdentity"


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says signed in (the ID token's claims)."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""
    username: str = ""
    issued_at: datetime | None = None

    @property
    def key(self) -> str:
        return subject_key(self.issuer, self.subject)

    def shown(self) -> str:
        """The identity as the refusal and the journal name it: its address, else its key."""
        return self.email or self.key


def subject_key(issuer: str, subject: str) -> str:
    """What ``User.sso_subject`` holds: the issuer (a URL, never with a space) and the subject."""
    return f"{issuer} {subject}"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _true(value: object) -> bool:
    # Some providers send the claim as the string "true".
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The identity in the claims Streamlit keeps (``st.user``); refused when the provider did
    not say who it is (no ``iss`` or ``sub``)."""
    issuer, subject = _text(claims.get("iss")), _text(claims.get("sub"))
    if not issuer or not subject:
        raise AuthenticationFailed(t("auth.sso_incomplete"))
    issued = claims.get("iat")
    issued_at = datetime.fromtimestamp(issued, UTC) \
        if isinstance(issued, int | float) and not isinstance(issued, bool) else None
    name = _text(claims.get("name")) or " ".join(
        part for part in (_text(claims.get("given_name")), _text(claims.get("family_name")))
        if part)
    return Identity(issuer=issuer, subject=subject, email=_text(claims.get("email")).lower(),
                    email_verified=_true(claims.get("email_verified")), name=name,
                    username=_text(claims.get("preferred_username")), issued_at=issued_at)


def is_fresh(identity: Identity, now: datetime) -> bool:
    """Whether the provider issued the identity just now (see FRESH_FOR); one with no issue
    time is never fresh."""
    issued = identity.issued_at
    return issued is not None and now - FRESH_FOR <= issued <= now + CLOCK_SKEW


class SignOnRefused(Exception):
    """The identity matches no usable account; ``reason`` is the journal's short word for why."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _by_email(session: Session, email: str) -> list[User]:
    return list(session.exec(select(User).where(func.lower(User.email) == email)).all())


def _usable(user: User) -> User:
    if not user.active:
        raise SignOnRefused(t("auth.sso_inactive", login=user.login), "inactive")
    return user


def map_identity(session: Session, identity: Identity, *, create: str = "") -> User:
    """The account of ``identity`` by the rule of this module, binding or creating it when the
    rule says so (audited, by the system). Raises SignOnRefused, having written nothing; the
    caller records the refusal with ``record_refusal``."""
    key = identity.key
    if len(key) > SUBJECT_MAX:
        raise SignOnRefused(t("auth.sso_incomplete"), "too_long")
    bound = session.exec(select(User).where(User.sso_subject == key)).first()
    if bound is not None:
        return _usable(bound)
    if identity.email and identity.email_verified:
        same = _by_email(session, identity.email)
        if len(same) > 1:
            raise SignOnRefused(t("auth.sso_ambiguous", email=identity.email), "ambiguous")
        if same:
            user = _usable(same[0])
            if user.sso_subject is not None:
                raise SignOnRefused(t("auth.sso_bound_elsewhere", email=identity.email),
                                    "bound_elsewhere")
            user.sso_subject = key
            session.add(user)
            audit.record(session, None, "sso_bind", user, label=user.login,
                         changes={"sso_subject": (None, key)})
            return user
    if create == CREATE_VIEWER:
        return _create_viewer(session, identity)
    if identity.email and not identity.email_verified and _by_email(session, identity.email):
        raise SignOnRefused(t("auth.sso_unverified", email=identity.email), "unverified")
    raise SignOnRefused(t("auth.sso_unknown", who=identity.shown()), "unknown")


def _free_login(session: Session, identity: Identity) -> str:
    """A login for a new account: the address's local part (or the provider's user name),
    reduced to the characters a login may hold, made unique with -2, -3…"""
    seed = identity.email.split("@")[0] if identity.email else identity.username
    base = re.sub(r"[^a-z0-9._-]+", "-", seed.lower()).strip(".-_")[:70] or "sso"
    if len(base) < 2:
        base = f"sso-{base}"
    taken = set(session.exec(select(User.login).where(
        col(User.login).startswith(base))).all())
    login, n = base, 1
    while login in taken:
        n += 1
        login = f"{base}-{n}"
    return login


def _create_viewer(session: Session, identity: Identity) -> User:
    login = _free_login(session, identity)
    email = identity.email if identity.email_verified else ""
    user = User(login=login, display_name=(identity.name or identity.email or login)[:200],
                email=email[:200], role=Role.viewer.value, structure_id=None,
                password_hash=None, sso_subject=identity.key, awaiting_role=True)
    session.add(user)
    audit.created(session, None, user, label=login, action="sso_create",
                  entered={"login": login, "display_name": user.display_name, "email": email,
                           "role": user.role, "sso_subject": identity.key,
                           "awaiting_role": True})
    return user


def record_refusal(session: Session, identity: Identity, reason: str) -> None:
    """Audit a refused single sign-on (by the system: nobody is signed in), with the identity
    and the reason, and log it."""
    changes = {"sso_subject": (None, identity.key), "reason": (None, reason)}
    if identity.email:
        changes["email"] = (None, f"{identity.email}"
                                  f"{'' if identity.email_verified else ' (non vérifiée)'}")
    for row in audit.event_rows(None, "sso_refused", REFUSED_OBJECT, None, identity.shown(),
                                changes, utcnow()):
        session.add(AuditEvent(**row))
    logs.log_sso_refused(identity.subject, reason, email=identity.email or None,
                         provider=identity.issuer)


def sign_on(engine: Engine, identity: Identity, *, create: str = "") -> tuple[Actor, int, str]:
    """Map ``identity`` to its account and open a browser session: its actor, id and hand-off
    code, as ``auth.sign_in`` gives them. One write transaction; a refusal is audited (and
    committed) before AuthenticationFailed carries its message."""
    refused: SignOnRefused | None = None
    with transaction(engine) as session:
        try:
            user = map_identity(session, identity, create=create)
        except SignOnRefused as exc:
            record_refusal(session, identity, exc.reason)
            refused = exc
        else:
            table = User.__table__  # type: ignore[attr-defined]
            session.execute(update(table).where(table.c.id == user.id)
                            .values(last_login_at=utcnow()))
            session.refresh(user)
            actor = actor_from_user(session, user)
            session_id, code = open_session(session, actor)
    if refused is not None:
        raise AuthenticationFailed(str(refused))
    logs.log_event(logs.AUTH, "sign_in", user=actor.login, role=actor.role.value,
                   structure=actor.structure_code, method="sso", provider=identity.issuer,
                   session_id=session_id)
    return actor, session_id, code
