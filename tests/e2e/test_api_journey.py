"""Issue 17 in Chromium: the secretariat issues an API token on « Utilisateurs », the token
(shown once) reads the app's own /api/v1 with its account's rights, then is revoked there and
stops at once; the browser's own session cookie never opens the API."""

import re

from journey import open_menu, pick, sign_in, wait_until_idle
from playwright.sync_api import Page, expect


def test_a_token_issued_on_the_users_page_reads_the_api_until_it_is_revoked(page: Page):
    sign_in(page, "admin")
    assert page.request.get("/api/v1/structures").status == 401  # the cookie is no token
    open_menu(page, "Utilisateurs", "Utilisateurs")
    pick(page, "Titulaire du jeton", "dsi-mef")
    page.get_by_role("button", name="Créer un jeton").click()
    wait_until_idle(page)
    expect(page.get_by_text(re.compile("^Jeton créé pour « dsi-mef », valable jusqu'au "))
           ).to_be_visible()
    expect(page.get_by_text("Copiez ce jeton maintenant : il ne sera plus jamais affiché.")
           ).to_be_visible()
    token = page.get_by_test_id("stCode").inner_text().strip()
    assert token.startswith("cdsi_")
    bearer = {"Authorization": f"Bearer {token}"}

    own = page.request.get("/api/v1/submissions", headers=bearer)
    assert own.status == 200
    assert {row["structure"] for row in own.json()["data"]} == {"MEF"}
    other = page.request.get("/api/v1/results?include_drafts=true&structure=MS", headers=bearer)
    assert other.status == 403
    described = page.request.get("/api/v1/openapi.json", headers=bearer)
    assert "/api/v1/results" in described.json()["paths"]

    page.reload()  # shown once: a new run of the page no longer shows it
    wait_until_idle(page)
    expect(page.get_by_test_id("stCode")).to_have_count(0)
    prefix = token[:12]
    box = page.get_by_role("combobox", name="Jeton à révoquer")
    box.click()
    box.fill(prefix)
    page.get_by_role("option", name=re.compile(f"^dsi-mef — {re.escape(prefix)}… ")).click()
    wait_until_idle(page)
    page.get_by_role("button", name="Révoquer").click()
    wait_until_idle(page)
    expect(page.get_by_text(f"Jeton « {prefix}… » révoqué : il ne fonctionne plus.")
           ).to_be_visible()
    refused = page.request.get("/api/v1/submissions", headers=bearer)
    assert refused.status == 401
    assert "révoqué" in refused.json()["error"]["message"]
