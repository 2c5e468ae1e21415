"""Issue 16, single sign-on end to end, offline: a local OpenID Connect provider
(oidc-provider-mock, in this process) and the real app configured against it through its own
secrets file (``[auth]``, passed with STREAMLIT_SECRETS_FILES: the repository's .streamlit/ is
not touched), with TRACKER_LOCAL_LOGIN=0. dsi-ms signs in through the provider's form, lands on
the DSI's home, logs out and is signed out of both the app's session and Streamlit's identity;
an unknown identity is refused with the French message and no account is created."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from browser_fixtures import START_TIMEOUT, Server, running_app
from playwright.sync_api import Page, expect
from sqlmodel import select

from tracker.core.db import make_engine, reading, transaction
from tracker.core.i18n import t
from tracker.core.models import AuditEvent, User, UserSession, utcnow

SIGN_ON = "Se connecter avec le compte de l'administration"
DSI_SUBJECT = "agent-ms-0042"
DSI_EMAIL = "dsi-ms@cdsi.demo.invalid"  # the demo account's address (tracker/bootstrap.py)
STRANGER_SUBJECT = "agent-inconnu-7"
STRANGER_EMAIL = "inconnu@finances.gouv.bj"
IDENTITY_COOKIE = "_streamlit_user"
APP_COOKIE = "cdsi_session"


@dataclass(frozen=True)
class Provider:
    issuer: str


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """The identity provider: two people known to it, with verified addresses."""
    from oidc_provider_mock import User as ProviderUser
    from oidc_provider_mock import run_server_in_thread

    people = [
        ProviderUser(sub=DSI_SUBJECT, claims={"email": DSI_EMAIL, "email_verified": True,
                                              "name": "Dr Awa DOSSOU"}),
        ProviderUser(sub=STRANGER_SUBJECT, claims={"email": STRANGER_EMAIL,
                                                   "email_verified": True,
                                                   "name": "Personne Inconnue"}),
    ]
    with run_server_in_thread(port=0, user_claims=people) as server:
        yield Provider(issuer=f"http://localhost:{server.server_port}")


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory, chromium: str,
               provider: Provider) -> Iterator[Server]:
    """The app with demo data, single sign-on against the provider, no local form."""
    workdir = tmp_path_factory.mktemp("e2e-sso")
    secrets = workdir / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "e2e-identity-cookie-secret-0123456789abcdefghij"\n'
        'client_id = "cdsi-tracker"\n'
        'client_secret = "e2e-client-secret"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n',
        "utf-8")
    with running_app(workdir, f"sqlite:///{workdir / 'tracker.db'}",
                     {"STREAMLIT_SECRETS_FILES": str(secrets),
                      "TRACKER_LOCAL_LOGIN": "0"}) as running:
        yield running


@pytest.fixture
def sso_page(browser, sso_server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                  base_url=sso_server.url)
    context.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    page = context.new_page()
    yield page
    context.close()


def _sign_on_page(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("button", name=SIGN_ON)).to_be_visible(
        timeout=START_TIMEOUT * 1000)


def _through_the_provider(page: Page, subject: str) -> None:
    """Click the button, then, on the provider's own form, give the subject and authorise."""
    page.get_by_role("button", name=SIGN_ON).click()
    page.wait_for_url(re.compile(r"http://localhost:\d+/oauth2/authorize"))
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def _cookies(page: Page) -> set[str]:
    return {c["name"] for c in page.context.cookies()}


def _database(server: Server):
    return make_engine(server.database_url)


def test_dsi_signs_in_through_the_provider_and_logs_out_of_both(
        sso_page: Page, sso_server: Server, provider: Provider) -> None:
    page = sso_page
    _sign_on_page(page)
    # TRACKER_LOCAL_LOGIN=0: no local form, and no demo passwords to offer.
    expect(page.get_by_label("Mot de passe")).to_have_count(0)
    expect(page.get_by_text(t("auth.demo_accounts", lang="fr"))).to_have_count(0)

    _through_the_provider(page, DSI_SUBJECT)

    # The DSI's home: signed in as dsi-ms, with the role and structure in the sidebar.
    expect(page.get_by_text("Connecté : DSI Ministère de la Santé (démo)")).to_be_visible(
        timeout=60_000)
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    for _ in range(60):  # the hand-off image sets the app's cookie just after the page shows
        if APP_COOKIE in _cookies(page):
            break
        page.wait_for_timeout(250)
    assert {APP_COOKIE, IDENTITY_COOKIE} <= _cookies(page)

    engine = _database(sso_server)
    try:
        with reading(engine) as db:
            account = db.exec(select(User).where(User.login == "dsi-ms")).one()
            assert account.sso_subject == f"{provider.issuer} {DSI_SUBJECT}"
            opened = db.exec(select(UserSession).where(
                UserSession.user_id == account.id)).all()
            assert len(opened) == 1 and opened[0].revoked_at is None

        # A reload keeps the user signed in (the app's cookie), with no new session.
        page.reload()
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible(timeout=60_000)

        page.get_by_role("button", name="Se déconnecter").click()
        # Streamlit's /auth/logout sends the browser to the provider's end of session.
        page.wait_for_url(re.compile(r"http://localhost:\d+/oauth2/end_session"))
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name=SIGN_ON)).to_be_visible(timeout=60_000)

        assert not {APP_COOKIE, IDENTITY_COOKIE} & _cookies(page)
        with reading(engine) as db:
            closed = db.exec(select(UserSession).where(
                UserSession.user_id == account.id)).all()
            assert len(closed) == 1 and closed[0].revoked_at is not None
        # Nothing signs the browser back in: a new visit shows the sign-in page.
        page.goto("/")
        expect(page.get_by_role("button", name=SIGN_ON)).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    finally:
        engine.dispose()


def test_an_unknown_identity_is_refused_in_french_and_no_account_is_created(
        sso_page: Page, sso_server: Server, provider: Provider) -> None:
    page = sso_page
    engine = _database(sso_server)
    try:
        with reading(engine) as db:
            before = len(db.exec(select(User)).all())
        _sign_on_page(page)

        _through_the_provider(page, STRANGER_SUBJECT)

        refusal = page.get_by_role("alert").filter(has_text="Connexion refusée")
        expect(refusal).to_be_visible(timeout=60_000)
        # Shown as text (an invisible joiner keeps the address from becoming a link).
        assert refusal.inner_text().replace("\u2060", "").strip() == t(
            "auth.sso_unknown", lang="fr", who=STRANGER_EMAIL)
        expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
        # The identity cookie is cleared with the refusal: a reload does not try again.
        for _ in range(60):
            if IDENTITY_COOKIE not in _cookies(page):
                break
            page.wait_for_timeout(250)
        assert IDENTITY_COOKIE not in _cookies(page)

        with reading(engine) as db:
            assert len(db.exec(select(User)).all()) == before
            refused = db.exec(select(AuditEvent).where(
                AuditEvent.action == "sso_refused", AuditEvent.field == "sso_subject")).all()
            assert [e.new_value for e in refused] == [f"{provider.issuer} {STRANGER_SUBJECT}"]
    finally:
        engine.dispose()


def test_idle_expiry_ends_both_sessions(sso_page: Page, sso_server: Server) -> None:
    page = sso_page
    _sign_on_page(page)
    _through_the_provider(page, DSI_SUBJECT)
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible(timeout=60_000)
    for _ in range(60):
        if APP_COOKIE in _cookies(page):
            break
        page.wait_for_timeout(250)
    assert {APP_COOKIE, IDENTITY_COOKIE} <= _cookies(page)

    # The browser is left alone past the idle timeout (120 minutes by default).
    engine = _database(sso_server)
    try:
        with transaction(engine) as db:
            for row in db.exec(select(UserSession).where(UserSession.revoked_at == None)):  # noqa: E711
                row.last_seen_at = utcnow() - timedelta(minutes=121)
                db.add(row)
        page.goto("/")

        # Signed out, and not signed straight back in by Streamlit's 30-day identity cookie.
        expect(page.get_by_role("button", name=SIGN_ON)).to_be_visible(timeout=60_000)
        for _ in range(60):
            if not {APP_COOKIE, IDENTITY_COOKIE} & _cookies(page):
                break
            page.wait_for_timeout(250)
        assert not {APP_COOKIE, IDENTITY_COOKIE} & _cookies(page)
        page.goto("/")
        expect(page.get_by_role("button", name=SIGN_ON)).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
        with reading(engine) as db:
            assert all(row.revoked_at is not None for row in db.exec(select(UserSession)))
    finally:
        engine.dispose()
