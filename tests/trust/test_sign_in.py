"""Sign-in under a crowd and under attack, on SQLite and PostgreSQL: 50 simultaneous sign-ins on
10 accounts all succeed (write transactions that wait their turn; a sign-in does not version the
account); parallel guesses are all counted, atomically, per account and per client address;
past a limit the key is locked (audited) until it decays or the secretariat unlocks it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from racing import race
from sqlmodel import Session, select

from tracker.accounts import auth, users
from tracker.core.db import transaction
from tracker.core.errors import AuthenticationFailed, PermissionDenied
from tracker.core.models import AuditEvent, LoginThrottle, User, UserSession, utcnow

EXTRA = [f"dsi-extra-{i}" for i in range(5)]


@pytest.fixture
def ten_accounts(engine, seeded) -> list[str]:
    """The five seeded accounts and five more, all with the password « demo »."""
    with Session(engine) as db:
        demo_hash = db.exec(select(User.password_hash).where(User.login == "admin")).one()
    with transaction(engine) as db:
        for login in EXTRA:
            db.add(User(login=login, display_name=login, role="viewer", password_hash=demo_hash))
    return [*seeded.users, *EXTRA]


@pytest.mark.postgres
def test_fifty_simultaneous_sign_ins_on_ten_accounts_all_succeed(engine, ten_accounts):
    logins = [ten_accounts[i % 10] for i in range(50)]

    outcomes = race(50, lambda i: auth.sign_in(engine, logins[i], "demo", client="10.1.1.1"))

    assert [o for o in outcomes if o is not None] == []
    with Session(engine) as db:
        assert len(db.exec(select(UserSession)).all()) == 50
        # No sign-in bumped an account's version (an admin's edit would have collided).
        assert {u.version for u in db.exec(select(User)).all()} == {1}


@pytest.mark.postgres
def test_parallel_guesses_are_all_counted_and_lock_the_account(engine, seeded):
    outcomes = race(16, lambda i: auth.sign_in(engine, "admin", f"guess-{i}",
                                                 client=f"10.2.0.{i}"))

    assert all(isinstance(o, AuthenticationFailed) for o in outcomes), outcomes
    locked = [o for o in outcomes if "Trop de tentatives" in str(o)]
    # At most ACCOUNT_LIMIT guesses were checked against the password; the rest were refused.
    assert len(locked) >= 16 - auth.ACCOUNT_LIMIT
    with pytest.raises(AuthenticationFailed, match="Trop de tentatives"):
        auth.sign_in(engine, "admin", "demo", client="10.3.0.1")  # even the right password
    with Session(engine) as db:
        lockouts = db.exec(select(AuditEvent).where(AuditEvent.action == "lockout")).all()
    assert [e.object_label for e in lockouts] == ["account:admin"]


@pytest.mark.postgres
def test_two_simultaneous_first_failures_are_both_counted(engine, seeded):
    outcomes = race(2, lambda i: auth.sign_in(engine, "personne", "x"))

    assert all(isinstance(o, AuthenticationFailed) for o in outcomes), outcomes
    with Session(engine) as db:
        assert db.get(LoginThrottle, "account:personne").failures == pytest.approx(2, abs=0.01)


@pytest.mark.postgres
def test_one_address_guessing_many_accounts_is_locked(engine, seeded, monkeypatch):
    monkeypatch.setattr(auth, "CLIENT_LIMIT", 6)  # the rule, at a scale a test can afford
    for i in range(auth.CLIENT_LIMIT):
        with pytest.raises(AuthenticationFailed, match="incorrect"):
            auth.sign_in(engine, f"compte-{i}", "x", client="10.9.9.9")

    with pytest.raises(AuthenticationFailed, match="Trop de tentatives"):
        auth.sign_in(engine, "admin", "demo", client="10.9.9.9")
    auth.sign_in(engine, "admin", "demo", client="10.9.9.10")  # another address is not


def test_failure_counts_decay_with_time():
    now = utcnow()

    assert auth.decayed(8, now - auth.HALF_LIFE, now) == pytest.approx(4)
    assert auth.decayed(8, now - 4 * auth.HALF_LIFE, now) == pytest.approx(0.5)
    assert auth.decayed(3, now, now) == 3


@pytest.mark.postgres
def test_a_lockout_ends_by_itself_or_when_the_secretariat_lifts_it(engine, seeded, actor):
    for _ in range(auth.ACCOUNT_LIMIT + 1):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(engine, "dsi-ms", "faux")
    with transaction(engine) as db:
        assert [key for key, _ in users.locked_keys(db, actor("admin"))] == ["account:dsi-ms"]
        with pytest.raises(PermissionDenied):
            users.unlock(db, actor("dsi-mef"), "account:dsi-ms")
        users.unlock(db, actor("admin"), "account:dsi-ms")

    auth.sign_in(engine, "dsi-ms", "demo")

    for _ in range(auth.ACCOUNT_LIMIT + 1):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(engine, "dsi-ms", "faux")
    with transaction(engine) as db:  # the lockout's time has passed
        row = db.get(LoginThrottle, "account:dsi-ms")
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.add(row)
    auth.sign_in(engine, "dsi-ms", "demo")
    with Session(engine) as db:
        unlocks = db.exec(select(AuditEvent).where(AuditEvent.action == "unlock")).all()
    assert [(e.user_login, e.object_label) for e in unlocks] == [("admin", "account:dsi-ms")]


def test_sign_in_waits_for_a_writer_instead_of_failing_on_sqlite(engine, seeded):
    # Another connection holds the write lock for a moment (an import, a save): the sign-in
    # waits its turn (busy timeout) instead of failing with « database is locked ».
    release = threading.Event()
    holding = threading.Event()

    def writer() -> None:
        with transaction(engine) as db:
            db.add(LoginThrottle(identifier="account:someone-else"))
            db.flush()
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    holding.wait(5)
    threading.Timer(0.5, release.set).start()

    actor, _session_id, _code = auth.sign_in(engine, "admin", "demo")

    thread.join()
    assert actor.login == "admin"


def test_the_secretariat_unlocks_an_account_on_the_users_page(engine, seeded, apptest,
                                                              login_apptest):
    for _ in range(auth.ACCOUNT_LIMIT + 1):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(engine, "dsi-mef", "faux")
    at = apptest("pages/users.py")
    login_apptest(at, "admin")
    at.run()
    assert at.selectbox(key="users_locked").value == "account:dsi-mef"

    at.button(key="users_unlock").click().run()

    assert "Débloqué : le compte dsi-mef." in [s.value for s in at.success]
    assert auth.sign_in(engine, "dsi-mef", "demo")[0].login == "dsi-mef"


def test_counts_of_names_tried_long_ago_are_forgotten(engine, seeded):
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(engine, "nom-tape-une-fois", "x")
    with transaction(engine) as db:
        row = db.get(LoginThrottle, "account:nom-tape-une-fois")
        row.last_failure_at = utcnow() - timedelta(days=2)
        db.add(row)

    with pytest.raises(AuthenticationFailed):
        auth.sign_in(engine, "quelqu-un-d-autre", "x")

    with Session(engine) as db:
        assert db.get(LoginThrottle, "account:nom-tape-une-fois") is None
