"""Single sign-on: the identity provider's identity mapped to an account (bound subject, then a
verified e-mail address, which binds the subject), unknown and disabled identities refused and
audited with nothing created, the optional viewer creation, and the session a sign-on opens
(the same revocable session as a password's)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tracker.accounts import auth, journal, sso, users
from tracker.accounts.auth import actor_from_user
from tracker.core.config import load_settings
from tracker.core.db import transaction
from tracker.core.errors import AuthenticationFailed, TrackerError
from tracker.core.i18n import t
from tracker.core.models import AuditEvent, Role, User, UserSession, utcnow

ISSUER = "https://idp.gouv.bj/realms/administration"
IDLE = 120


def identity(subject: str = "5f1c-0042", email: str = "dsi-ms@cdsi.demo.invalid",
             verified: bool = True, **more: object) -> sso.Identity:
    return sso.Identity(issuer=ISSUER, subject=subject, email=email, email_verified=verified,
                        **more)  # type: ignore[arg-type]


def account(session: Session, login: str) -> User:
    session.commit()  # a new read: sign_on writes in transactions of its own
    return session.exec(select(User).where(User.login == login)).one()


def events(session: Session, action: str) -> list[AuditEvent]:
    session.commit()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def count_users(session: Session) -> int:
    return len(session.exec(select(User)).all())


# --- claims ------------------------------------------------------------------------------


def test_claims_give_the_identity_and_its_key_is_issuer_and_subject():
    now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    found = sso.identity_from_claims({
        "iss": ISSUER, "sub": "5f1c-0042", "email": "Awa.Dossou@Sante.gouv.bj",
        "email_verified": "true", "given_name": "Awa", "family_name": "DOSSOU",
        "iat": int(now.timestamp()), "is_logged_in": True})

    assert found.key == f"{ISSUER} 5f1c-0042"
    assert (found.email, found.email_verified, found.name) == (
        "awa.dossou@sante.gouv.bj", True, "Awa DOSSOU")
    assert found.issued_at == now


@pytest.mark.parametrize("claims", [{"sub": "x"}, {"iss": ISSUER}, {"iss": " ", "sub": "x"},
                                    {"iss": ISSUER, "sub": 42}])
def test_claims_without_issuer_or_subject_are_refused(claims):
    with pytest.raises(AuthenticationFailed, match="iss"):
        sso.identity_from_claims(claims)


def test_only_an_identity_issued_just_now_is_fresh():
    now = utcnow()

    assert sso.is_fresh(identity(issued_at=now - timedelta(minutes=1)), now)
    assert sso.is_fresh(identity(issued_at=now + timedelta(minutes=1)), now)  # clock skew
    # An identity cookie kept from yesterday (Streamlit keeps it 30 days) opens nothing.
    assert not sso.is_fresh(identity(issued_at=now - timedelta(hours=20)), now)
    assert not sso.is_fresh(identity(issued_at=now + timedelta(hours=1)), now)
    assert not sso.is_fresh(identity(issued_at=None), now)


# --- mapping -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_verified_email_finds_the_account_and_binds_the_subject(session, seeded):
    user = sso.map_identity(session, identity())
    session.commit()

    assert user.login == "dsi-ms"
    assert account(session, "dsi-ms").sso_subject == f"{ISSUER} 5f1c-0042"
    [bound] = events(session, "sso_bind")
    assert (bound.user_login, bound.object_label, bound.field, bound.new_value) == (
        "system", "dsi-ms", "sso_subject", f"{ISSUER} 5f1c-0042")


@pytest.mark.postgres
def test_a_bound_subject_finds_its_account_whatever_the_email_says_now(session, seeded):
    sso.map_identity(session, identity())
    session.commit()

    # The ministry changed the person's address at the provider, or does not send it.
    moved = sso.map_identity(session, identity(email="a.dossou@sante.gouv.bj"))
    silent = sso.map_identity(session, identity(email="", verified=False))

    assert moved.login == silent.login == "dsi-ms"
    assert len(events(session, "sso_bind")) == 1


@pytest.mark.postgres
def test_an_unknown_identity_is_refused_audited_and_nothing_is_created(engine, session, seeded):
    before = count_users(session)
    stranger = identity(subject="9999", email="inconnu@finances.gouv.bj")

    with pytest.raises(AuthenticationFailed) as refused:
        sso.sign_on(engine, stranger)

    assert str(refused.value) == t("auth.sso_unknown", who="inconnu@finances.gouv.bj")
    assert str(refused.value).startswith("Connexion refusée : aucun compte")
    session.expire_all()
    assert count_users(session) == before
    assert session.exec(select(UserSession)).all() == []
    fields = {e.field: e.new_value for e in events(session, "sso_refused")}
    assert fields == {"sso_subject": f"{ISSUER} 9999", "reason": "unknown",
                      "email": "inconnu@finances.gouv.bj"}


def test_the_refusal_is_logged_on_the_auth_logger(engine, seeded, caplog):
    with caplog.at_level(logging.WARNING, logger="tracker.auth"), \
            pytest.raises(AuthenticationFailed):
        sso.sign_on(engine, identity(subject="9999", email="inconnu@finances.gouv.bj"))

    [record] = [r for r in caplog.records if r.name == "tracker.auth"]
    assert record.getMessage() == "sso_refused"
    assert record.fields == {"subject": "9999", "reason": "unknown", "provider": ISSUER,
                             "email": "inconnu@finances.gouv.bj"}  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_an_unverified_email_designates_no_account(engine, session, seeded):
    with pytest.raises(AuthenticationFailed) as refused:
        sso.sign_on(engine, identity(verified=False))

    assert str(refused.value) == t("auth.sso_unverified", email="dsi-ms@cdsi.demo.invalid")
    assert account(session, "dsi-ms").sso_subject is None
    assert {e.field: e.new_value for e in events(session, "sso_refused")}["reason"] == \
        "unverified"


@pytest.mark.postgres
def test_a_disabled_account_is_refused_found_by_subject_or_by_email(engine, session, seeded):
    sso.map_identity(session, identity())
    mef = account(session, "dsi-mef")
    for user in (account(session, "dsi-ms"), mef):
        user.active = False
        session.add(user)
    session.commit()

    with pytest.raises(AuthenticationFailed) as by_subject:
        sso.sign_on(engine, identity())
    with pytest.raises(AuthenticationFailed) as by_email:
        sso.sign_on(engine, identity(subject="77", email="dsi-mef@cdsi.demo.invalid"))

    assert str(by_subject.value) == t("auth.sso_inactive", login="dsi-ms")
    assert str(by_email.value) == t("auth.sso_inactive", login="dsi-mef")
    assert account(session, "dsi-mef").sso_subject is None  # not bound while disabled
    assert [e.new_value for e in events(session, "sso_refused") if e.field == "reason"] == [
        "inactive", "inactive"]
    assert session.exec(select(UserSession)).all() == []


@pytest.mark.postgres
def test_an_account_bound_to_another_identity_is_not_taken_over(engine, session, seeded):
    sso.map_identity(session, identity(subject="first"))
    session.commit()

    with pytest.raises(AuthenticationFailed) as refused:
        sso.sign_on(engine, identity(subject="second"))

    assert str(refused.value) == t("auth.sso_bound_elsewhere", email="dsi-ms@cdsi.demo.invalid")
    assert account(session, "dsi-ms").sso_subject == f"{ISSUER} first"


@pytest.mark.postgres
def test_two_accounts_with_the_address_refuse_rather_than_guess(engine, session, seeded):
    twin = account(session, "observateur")
    twin.email = "DSI-MS@cdsi.demo.invalid"
    session.add(twin)
    session.commit()

    with pytest.raises(AuthenticationFailed) as refused:
        sso.sign_on(engine, identity())

    assert str(refused.value) == t("auth.sso_ambiguous", email="dsi-ms@cdsi.demo.invalid")
    assert account(session, "dsi-ms").sso_subject is None


@pytest.mark.postgres
def test_with_viewer_creation_an_unknown_identity_gets_a_viewer_awaiting_a_role(
        engine, session, seeded):
    stranger = identity(subject="abc", email="awa.dossou@sante.gouv.bj", name="Awa DOSSOU")

    actor, _session_id, _code = sso.sign_on(engine, stranger, create="viewer")

    created = account(session, "awa.dossou")
    assert (actor.login, actor.role) == ("awa.dossou", Role.viewer)
    assert (created.role, created.structure_id, created.password_hash, created.awaiting_role,
            created.display_name, created.email, created.sso_subject) == (
        "viewer", None, None, True, "Awa DOSSOU", "awa.dossou@sante.gouv.bj", f"{ISSUER} abc")
    fields = {e.field: e.new_value for e in events(session, "sso_create")}
    assert fields["role"] == "viewer" and fields["awaiting_role"] == "true"
    # The next sign-on finds it by its subject; a homonym gets a login of its own.
    again, _, _ = sso.sign_on(engine, stranger, create="viewer")
    other, _, _ = sso.sign_on(engine, identity(subject="def", email="awa.dossou@mef.gouv.bj"),
                              create="viewer")
    assert again.id == actor.id and other.login == "awa.dossou-2"


@pytest.mark.postgres
def test_an_admin_setting_the_role_ends_the_wait(engine, session, seeded):
    sso.sign_on(engine, identity(subject="abc", email="a.b@sante.gouv.bj"), create="viewer")
    sso.sign_on(engine, identity(subject="def", email="c.d@sante.gouv.bj"), create="viewer")
    admin = actor_from_user(session, account(session, "admin"))
    frame = users.users_frame(session, admin)
    assert users.awaiting_role(frame) == ["a.b", "c.d"]

    first, second = account(session, "a.b"), account(session, "c.d")
    users.update_user(session, admin, users.UserUpdate(
        first.id, first.version, first.display_name, "dsi", "MS", True, first.email))
    users.update_user(session, admin, users.UserUpdate(
        second.id, second.version, second.display_name, "viewer", None, True, second.email,
        awaiting_role=False))  # kept a viewer, on purpose
    session.commit()

    assert users.awaiting_role(users.users_frame(session, admin)) == []
    assert (account(session, "a.b").role, account(session, "c.d").role) == ("dsi", "viewer")


def test_nobody_marks_an_account_awaiting_by_hand(session, seeded):
    admin = actor_from_user(session, account(session, "admin"))
    viewer = account(session, "observateur")

    with pytest.raises(TrackerError) as refused:
        users.update_user(session, admin, users.UserUpdate(
            viewer.id, viewer.version, viewer.display_name, "viewer", None, True, viewer.email,
            awaiting_role=True))

    assert str(refused.value) == t("users.awaiting_by_hand")
    session.rollback()
    assert account(session, "observateur").awaiting_role is False


@pytest.mark.postgres
def test_a_sign_on_opens_the_same_revocable_session_as_a_password(engine, session, seeded):
    actor, session_id, code = sso.sign_on(engine, identity())
    assert (actor.login, actor.role, actor.structure_code) == ("dsi-ms", Role.dsi, "MS")
    with transaction(engine) as db:
        token = auth.redeem_handoff(db, code)
    assert token is not None
    with transaction(engine) as db:
        resumed = auth.resume_session(db, token, idle_minutes=IDLE)
    assert resumed is not None and resumed[0].login == "dsi-ms" and resumed[1] == session_id
    assert account(session, "dsi-ms").last_login_at is not None

    with transaction(engine) as db:
        auth.close_session(db, session_id)
    with transaction(engine) as db:
        assert auth.resume_session(db, token, idle_minutes=IDLE) is None


def test_the_journal_words_the_sign_on_events(engine, session, seeded):
    sso.sign_on(engine, identity())
    with pytest.raises(AuthenticationFailed):
        sso.sign_on(engine, identity(subject="9999", email="inconnu@finances.gouv.bj"))
    admin = actor_from_user(session, account(session, "admin"))

    what = set(journal.sentences_frame(session, admin)["what"])

    assert "a lié à la connexion unique le compte « dsi-ms »" in what
    assert "a refusé la connexion unique de l'identité « inconnu@finances.gouv.bj »" in what


# --- settings ----------------------------------------------------------------------------


def test_settings_of_single_sign_on():
    default = load_settings({"TRACKER_COOKIE_SECRET": "x"})
    chosen = load_settings({"TRACKER_COOKIE_SECRET": "x", "TRACKER_LOCAL_LOGIN": "0",
                            "TRACKER_SSO_CREATE": "Viewer",
                            "TRACKER_SSO_LABEL": " Compte du ministère "})

    assert (default.local_login, default.sso_create, default.sso_label) == (True, "", "")
    assert (chosen.local_login, chosen.sso_create, chosen.sso_label) == (
        False, "viewer", "Compte du ministère")


@pytest.mark.parametrize(("name", "value"), [("TRACKER_SSO_CREATE", "admin"),
                                             ("TRACKER_SSO_CREATE", "dsi"),
                                             ("TRACKER_LOCAL_LOGIN", "peut-être")])
def test_bad_single_sign_on_settings_are_refused_by_name(name, value):
    with pytest.raises(ValueError, match=name):
        load_settings({"TRACKER_COOKIE_SECRET": "x", name: value})
