"""Ten browsers sign in at the same moment (two per demo account): all get in. Before, SQLite
refused most of them with « database is locked » (a read transaction upgraded to write)."""

from __future__ import annotations

from playwright.sync_api import expect

from tracker.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD

TABS = 10


def test_ten_browsers_signing_in_at_once_all_get_in(browser, app_url):
    logins = [str(DEMO_ACCOUNTS[i % len(DEMO_ACCOUNTS)]["login"]) for i in range(TABS)]
    contexts = [browser.new_context(locale="fr-FR", base_url=app_url) for _ in range(TABS)]
    try:
        pages = [context.new_page() for context in contexts]
        for page, login in zip(pages, logins, strict=True):
            page.goto("/")
            page.get_by_label("Identifiant").fill(login)
            page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        for page in pages:  # the ten clicks go out together; the server runs them at once
            page.get_by_role("button", name="Se connecter").click(no_wait_after=True)

        for page in pages:
            expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible(
                timeout=60_000)
            expect(page.get_by_text("incorrect")).to_have_count(0)
            expect(page.get_by_text("database is locked")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
