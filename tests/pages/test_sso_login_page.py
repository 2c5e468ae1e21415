"""The sign-in page with single sign-on configured ([auth] in the secrets): the button (its
label configurable) above the local form or instead of it (TRACKER_LOCAL_LOGIN=0), the form
kept when no provider is configured, and the identity Streamlit hands over (st.user) opening
the app's session only when fresh. The full round trip through a provider: tests/e2e."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from streamlit.runtime.secrets import Secrets

from tracker.core import repository
from tracker.core.db import reading, transaction
from tracker.core.i18n import t
from tracker.core.models import User, UserSession, utcnow

APP = "app.py"
ISSUER = "https://idp.gouv.bj/realms/administration"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "page-test-cookie-secret-0123456789abcdef",
        "client_id": "cdsi-tracker", "client_secret": "secret",
        "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration"}


@pytest.fixture
def provider_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """[auth] as Streamlit's own login reads it (AppTest's ``secrets`` do not reach it)."""
    import streamlit.auth_util

    secrets = Secrets()
    secrets._secrets = {"auth": AUTH}
    monkeypatch.setattr(streamlit.auth_util, "secrets_singleton", secrets)


def _labels(at) -> list[str]:
    return [button.label for button in at.button]


def _signed_in(at) -> bool:
    return any(button.label == "Se déconnecter" for button in at.sidebar.button)


def _claims(subject: str, email: str, *, age: timedelta = timedelta(seconds=5)) -> dict:
    return {"is_logged_in": True, "iss": ISSUER, "sub": subject, "email": email,
            "email_verified": True, "name": "Awa DOSSOU",
            "iat": int((utcnow() - age).timestamp())}


def test_the_button_comes_above_the_local_form(apptest, seeded, provider_configured):
    at = apptest(APP).run()

    assert not at.exception
    assert _labels(at) == ["Se connecter avec le compte de l'administration", "Se connecter"]
    assert [field.label for field in at.text_input] == ["Identifiant", "Mot de passe"]
    assert t("auth.sso_or", lang="fr") in [c.value for c in at.caption]


def test_without_local_login_only_the_button_and_no_demo_passwords(
        apptest, engine, seeded, provider_configured, monkeypatch):
    monkeypatch.setenv("TRACKER_LOCAL_LOGIN", "0")
    monkeypatch.setenv("TRACKER_SSO_LABEL", "Se connecter avec le compte du ministère")
    with transaction(engine) as db:
        repository.set_setting(db, "demo", "1")

    at = apptest(APP).run()

    assert not at.exception
    assert _labels(at) == ["Se connecter avec le compte du ministère"]
    assert not at.text_input
    assert not at.table  # the demo accounts' password is of no use without the form


def test_without_a_provider_the_local_form_stays_whatever_the_setting(
        apptest, seeded, monkeypatch):
    monkeypatch.setenv("TRACKER_LOCAL_LOGIN", "0")

    at = apptest(APP).run()

    assert not at.exception
    assert _labels(at) == ["Se connecter"]
    assert [field.label for field in at.text_input] == ["Identifiant", "Mot de passe"]


def test_a_fresh_identity_signs_in_to_its_account(apptest, engine, seeded,
                                                   provider_configured):
    at = apptest(APP)
    at.user = _claims("5f1c-0042", "dsi-ms@cdsi.demo.invalid")
    at.run()

    assert not at.exception
    assert _signed_in(at)
    with reading(engine) as db:
        user = db.exec(select(User).where(User.login == "dsi-ms")).one()
        assert user.sso_subject == f"{ISSUER} 5f1c-0042"
        assert len(db.exec(select(UserSession).where(UserSession.user_id == user.id)).all()) == 1


def test_an_old_identity_cookie_signs_nobody_in(apptest, engine, seeded, provider_configured):
    at = apptest(APP)
    at.user = _claims("5f1c-0042", "dsi-ms@cdsi.demo.invalid", age=timedelta(days=3))
    at.run()

    assert not at.exception
    assert not _signed_in(at)
    assert "Se connecter avec le compte de l'administration" in _labels(at)
    # Streamlit's identity cookies are cleared by the page (the app's /auth/forget).
    assert "![](/auth/forget)" in [m.value for m in at.markdown]
    with reading(engine) as db:
        assert db.exec(select(UserSession)).all() == []


def test_an_unknown_identity_reads_why_and_can_try_another_account(
        apptest, engine, seeded, provider_configured):
    at = apptest(APP)
    at.user = _claims("9999", "inconnu@finances.gouv.bj")
    at.run()

    assert not at.exception
    assert not _signed_in(at)
    [error] = at.error
    assert error.value.replace("\u2060", "").replace("\\", "") == t(
        "auth.sso_unknown", lang="fr", who="inconnu@finances.gouv.bj")
    assert "Se connecter avec le compte de l'administration" in _labels(at)
    with reading(engine) as db:
        assert db.exec(select(User).where(User.email == "inconnu@finances.gouv.bj")).all() == []
