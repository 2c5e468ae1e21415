"""Sign-in: argon2 passwords, uniform failures, sessions that survive a reload and really end
on logout, idle expiry and deactivation. (Throttling and lockout: tests/trust/.)"""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tracker.accounts import auth, users
from tracker.core.db import transaction
from tracker.core.errors import AuthenticationFailed, PermissionDenied
from tracker.core.i18n import t
from tracker.core.models import User, UserSession, utcnow

IDLE = 120


def authenticate(session, login, password):
    """Sign in as the form does (its own transactions, on the test session's database)."""
    return auth.sign_in(session.get_bind(), login, password)[0]


def _sign_in(session, login="dsi-ms"):
    """Log in as the form does; returns (session id, cookie token)."""
    _actor, session_id, code = auth.sign_in(session.get_bind(), login, "demo")
    with transaction(session.get_bind()) as db:
        token = auth.redeem_handoff(db, code)
    assert token is not None
    return session_id, token


@pytest.mark.postgres
def test_password_is_stored_as_an_argon2_hash_never_in_clear(session, seeded):
    user = users.create_user(session, None, {
        "login": "Awa.Dossou", "display_name": "Awa Dossou", "role": "viewer",
        "password": "plume-baobab-2025"})
    session.commit()

    stored = session.exec(select(User).where(User.login == "awa.dossou")).one()
    assert stored.password_hash.startswith("$argon2")
    assert "plume-baobab-2025" not in stored.password_hash
    assert auth.verify_password(stored.password_hash, "plume-baobab-2025")
    assert not auth.verify_password(stored.password_hash, "plume-baobab-2026")
    assert authenticate(session, "AWA.DOSSOU", "plume-baobab-2025").id == user.id


def test_right_password_signs_in_with_role_and_structure(session, seeded):
    actor = authenticate(session, "dsi-ms", "demo")

    assert (actor.login, actor.role, actor.structure_code) == ("dsi-ms", "dsi", "MS")
    user = session.get(User, actor.id)
    # Signing in does not change the account's version (no collision with an edit).
    assert user.last_login_at is not None and user.version == 1


def test_wrong_login_and_wrong_password_give_the_same_message(session, seeded):
    with pytest.raises(AuthenticationFailed) as unknown_login:
        authenticate(session, "personne", "demo")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        authenticate(session, "admin", "pas-le-bon")

    assert str(unknown_login.value) == str(wrong_password.value) == \
        "Identifiant ou mot de passe incorrect."


@pytest.mark.postgres
def test_session_survives_a_reload(session, seeded):
    session_id, token = _sign_in(session)

    # A reload starts a new script session: only the cookie's token is left.
    resumed = auth.resume_session(session, token, idle_minutes=IDLE)

    assert resumed is not None
    actor, resumed_id = resumed
    assert (actor.login, resumed_id) == ("dsi-ms", session_id)


@pytest.mark.postgres
def test_handoff_code_gives_a_cookie_once_only(session, seeded):
    _actor, _session_id, code = auth.sign_in(session.get_bind(), "admin", "demo")

    first = auth.redeem_handoff(session, code)
    second = auth.redeem_handoff(session, code)

    assert first is not None
    assert second is None
    assert auth.resume_session(session, first, idle_minutes=IDLE) is not None


def test_expired_handoff_code_gives_no_cookie(session, seeded):
    _actor, session_id, code = auth.sign_in(session.get_bind(), "admin", "demo")
    row = session.get(UserSession, session_id)
    row.handoff_expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()

    assert auth.redeem_handoff(session, code) is None
    assert session.get(UserSession, session_id).token_hash is None


def test_only_hashes_of_codes_and_tokens_are_stored(session, seeded):
    _actor, session_id, code = auth.sign_in(session.get_bind(), "admin", "demo")
    assert session.get(UserSession, session_id).handoff_hash != code
    token = auth.redeem_handoff(session, code)

    row = session.get(UserSession, session_id)
    assert row.token_hash is not None
    assert token not in row.token_hash


@pytest.mark.postgres
def test_logout_ends_the_session_and_its_cookie(session, seeded):
    session_id, token = _sign_in(session)

    auth.close_session(session, session_id)

    assert auth.check_session(session, session_id, idle_minutes=IDLE) is None
    assert auth.resume_session(session, token, idle_minutes=IDLE) is None


@pytest.mark.postgres
def test_idle_session_expires(session, seeded):
    session_id, token = _sign_in(session)
    row = session.get(UserSession, session_id)
    row.last_seen_at = utcnow() - timedelta(minutes=IDLE + 1)
    session.add(row)
    session.commit()

    assert auth.resume_session(session, token, idle_minutes=IDLE) is None
    assert session.get(UserSession, session_id).revoked_at is not None
    assert auth.check_session(session, session_id, idle_minutes=IDLE) is None


def test_recently_active_session_stays_open(session, seeded):
    session_id, _token = _sign_in(session)
    row = session.get(UserSession, session_id)
    row.last_seen_at = utcnow() - timedelta(minutes=IDLE - 5)
    session.add(row)
    session.commit()

    actor = auth.check_session(session, session_id, idle_minutes=IDLE)

    assert actor is not None and actor.login == "dsi-ms"
    assert utcnow() - session.get(UserSession, session_id).last_seen_at < timedelta(minutes=1)


@pytest.mark.postgres
def test_deactivated_users_session_stops_and_they_cannot_sign_in(session, seeded, actor):
    session_id, token = _sign_in(session, "dsi-mef")
    target = session.get(User, seeded.users["dsi-mef"])

    users.update_user(session, actor("admin"), users.UserUpdate(
        user_id=target.id, version=target.version, display_name=target.display_name,
        role="dsi", structure_code="MEF", active=False))
    session.commit()

    assert auth.check_session(session, session_id, idle_minutes=IDLE) is None
    assert auth.resume_session(session, token, idle_minutes=IDLE) is None
    with pytest.raises(AuthenticationFailed, match="Identifiant ou mot de passe incorrect"):
        authenticate(session, "dsi-mef", "demo")
    with pytest.raises(PermissionDenied, match=t("auth.inactive")):
        auth.load_actor(session, seeded.users["dsi-mef"])


def test_role_is_read_from_the_database_at_every_check(session, seeded, actor):
    session_id, _token = _sign_in(session, "direction")
    target = session.get(User, seeded.users["direction"])
    users.update_user(session, actor("admin"), users.UserUpdate(
        user_id=target.id, version=target.version, display_name=target.display_name,
        role="viewer", structure_code=None, active=True))
    session.commit()

    with Session(session.get_bind()) as fresh:
        current = auth.check_session(fresh, session_id, idle_minutes=IDLE)

    assert current is not None and current.role == "viewer"


def test_a_session_check_reads_only_until_bookkeeping_is_due(session, seeded):
    # Page runs check the session in a read transaction; only a touch (once a minute) or an
    # expiry asks for a write transaction.
    session_id, token = _sign_in(session)
    assert auth.check_session(session, session_id, idle_minutes=IDLE, write=False) is not None
    row = session.get(UserSession, session_id)
    row.last_seen_at = utcnow() - timedelta(minutes=5)
    session.add(row)
    session.commit()

    with pytest.raises(auth.SessionWriteNeeded):
        auth.check_session(session, session_id, idle_minutes=IDLE, write=False)
    with pytest.raises(auth.SessionWriteNeeded):
        auth.resume_session(session, token, idle_minutes=IDLE, write=False)
    assert auth.check_session(session, session_id, idle_minutes=IDLE) is not None
