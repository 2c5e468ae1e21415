"""Issue 14, the per-address sign-in throttle behind a reverse proxy on another machine, in the
real server: with TRACKER_TRUSTED_PROXIES naming the proxy, a failed sign-in counts against the
address the proxy wrote in X-Forwarded-For, one count per browser, not one for the proxy.

Streamlit's own server (uvicorn) already believes X-Forwarded-For from 127.0.0.1 and ::1 (its
FORWARDED_ALLOW_IPS); here it is told to believe nobody's, as for a proxy elsewhere, so that
the browser's requests from 127.0.0.1 stand for those of a remote proxy. That a header from an
untrusted sender is ignored is shown in tests/unit/test_trusted_proxies.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_fixtures import Server, running_app, signed_out_page_shown
from playwright.sync_api import expect
from sqlmodel import select

from tracker.accounts.auth import client_key
from tracker.core.db import make_engine, reading
from tracker.core.i18n import t
from tracker.core.models import LoginThrottle


@pytest.fixture(scope="module")
def behind_a_proxy(tmp_path_factory: pytest.TempPathFactory, chromium: str,
                   browser) -> Iterator[Server]:
    """The app as started behind a reverse proxy at 127.0.0.1 that Streamlit's own server does
    not trust (FORWARDED_ALLOW_IPS names a documentation address nobody uses)."""
    workdir = tmp_path_factory.mktemp("e2e-proxy")
    with running_app(workdir, f"sqlite:///{workdir / 'tracker.db'}",
                     {"TRACKER_TRUSTED_PROXIES": "127.0.0.1",
                      "FORWARDED_ALLOW_IPS": "192.0.2.1"}) as running:
        signed_out_page_shown(browser, running)
        yield running


def _fail_sign_in(browser, server: Server, forwarded_for: str) -> None:
    """A wrong password from a browser whose requests carry X-Forwarded-For, as a proxy's do."""
    context = browser.new_context(locale="fr-FR", base_url=server.url,
                                  extra_http_headers={"X-Forwarded-For": forwarded_for})
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_label("Identifiant").fill("personne")
        page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
        page.get_by_role("button", name="Se connecter").click()
        # The refusal itself (the demo notice is an alert too, there from the start).
        expect(page.get_by_text(t("auth.failed", lang="fr"))).to_be_visible(timeout=30_000)
    finally:
        context.close()


def _counted(server: Server) -> set[str]:
    engine = make_engine(server.database_url)
    try:
        with reading(engine) as db:
            return set(db.exec(select(LoginThrottle.identifier)).all())
    finally:
        engine.dispose()


def test_behind_a_trusted_proxy_each_browser_counts_under_its_own_address(
        browser, behind_a_proxy: Server) -> None:
    _fail_sign_in(browser, behind_a_proxy, "198.51.100.77")
    _fail_sign_in(browser, behind_a_proxy, "6.6.6.6, 198.51.100.78")

    counted = _counted(behind_a_proxy)
    assert {client_key("198.51.100.77"), client_key("198.51.100.78")} <= counted
    assert client_key("6.6.6.6") not in counted  # what the browser itself claimed
