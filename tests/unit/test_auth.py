"""Sign-in: argon2 passwords, uniform failures with a growing delay, sessions that survive a
reload and really end on logout, idle expiry and deactivation."""

from datetime import timedelta
from itertools import pairwise

import pytest
from sqlmodel import Session, select

from tracker import auth, users
from tracker.auth import authenticate, throttle_delay
from tracker.errors import AuthenticationFailed, PermissionDenied
from tracker.i18n import t
from tracker.models import LoginThrottle, User, UserSession, utcnow

IDLE = 120


def _sign_in(session, login="dsi-ms"):
    """Log in as the form does; returns (session id, cookie token)."""
    actor = authenticate(session, login, "demo", sleep=False)
    session_id, code = auth.open_session(session, actor)
    token = auth.redeem_handoff(session, code)
    assert token is not None
    return session_id, token


@pytest.mark.postgres
def test_password_is_stored_as_an_argon2_hash_never_in_clear(session, seeded):
    user = users.create_user(session, None, {
        "login": "Awa.Dossou", "display_name": "Awa Dossou", "role": "viewer",
        "password": "motdepasse-2025"})
    session.commit()

    stored = session.exec(select(User).where(User.login == "awa.dossou")).one()
    assert stored.password_hash.startswith("$argon2")
    assert "motdepasse-2025" not in stored.password_hash
    assert auth.verify_password(stored.password_hash, "motdepasse-2025")
    assert not auth.verify_password(stored.password_hash, "motdepasse-2026")
    assert authenticate(session, "AWA.DOSSOU", "motdepasse-2025", sleep=False).id == user.id


def test_right_password_signs_in_with_role_and_structure(session, seeded):
    actor = authenticate(session, "dsi-ms", "demo", sleep=False)

    assert (actor.login, actor.role, actor.structure_code) == ("dsi-ms", "dsi", "MS")
    assert session.get(User, actor.id).last_login_at is not None


def test_wrong_login_and_wrong_password_give_the_same_message(session, seeded):
    with pytest.raises(AuthenticationFailed) as unknown_login:
        authenticate(session, "personne", "demo", sleep=False)
    with pytest.raises(AuthenticationFailed) as wrong_password:
        authenticate(session, "admin", "pas-le-bon", sleep=False)

    assert str(unknown_login.value) == str(wrong_password.value) == \
        "Identifiant ou mot de passe incorrect."


def test_delay_grows_with_repeated_failures_and_is_capped():
    delays = [throttle_delay(n) for n in range(12)]

    assert delays[:3] == [0.0, 0.0, 0.0]
    assert all(later > earlier for earlier, later in pairwise(delays[3:8]))
    assert max(delays) == auth.MAX_DELAY_SECONDS == delays[-1]


def test_failures_are_counted_per_login_and_a_success_clears_them(session, seeded):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate(session, "Admin ", "faux", sleep=False)
    throttle = session.get(LoginThrottle, "admin")
    assert throttle.failures == 5
    assert throttle_delay(throttle.failures) > throttle_delay(1)

    authenticate(session, "admin", "demo", sleep=False)

    assert session.get(LoginThrottle, "admin") is None


def test_failed_logins_wait_before_answering(session, seeded, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(auth.time, "sleep", slept.append)
    for _ in range(6):
        with pytest.raises(AuthenticationFailed):
            authenticate(session, "inconnu", "x")

    assert slept == [throttle_delay(n) for n in range(1, 6)]
    assert slept[-1] > 0


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
    actor = authenticate(session, "admin", "demo", sleep=False)
    _session_id, code = auth.open_session(session, actor)

    first = auth.redeem_handoff(session, code)
    second = auth.redeem_handoff(session, code)

    assert first is not None
    assert second is None
    assert auth.resume_session(session, first, idle_minutes=IDLE) is not None


def test_expired_handoff_code_gives_no_cookie(session, seeded):
    actor = authenticate(session, "admin", "demo", sleep=False)
    session_id, code = auth.open_session(session, actor)
    row = session.get(UserSession, session_id)
    row.handoff_expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()

    assert auth.redeem_handoff(session, code) is None
    assert session.get(UserSession, session_id).token_hash is None


def test_only_hashes_of_codes_and_tokens_are_stored(session, seeded):
    actor = authenticate(session, "admin", "demo", sleep=False)
    session_id, code = auth.open_session(session, actor)
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
        authenticate(session, "dsi-mef", "demo", sleep=False)
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
