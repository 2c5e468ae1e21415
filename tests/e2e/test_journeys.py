"""Real journeys in Chromium: the secretariat renames a structure and finds it in the journal; a
DSI lands on their ministry without the admin pages; a reload keeps you signed in and logout
really ends the session."""

import time
from pathlib import Path

from journey import open_menu, sign_in, wait_until_idle
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from tracker.core.db import make_engine
from tracker.core.models import AuditEvent, Structure, User, UserSession
from tracker.reference import catalogue as reference

COOKIE = "cdsi_session"


def _db(server):
    return make_engine(server.database_url)


def wait_for_cookie(page: Page) -> dict:
    """The session cookie the browser fetched after signing in (an image request)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        cookies = [c for c in page.context.cookies() if c["name"] == COOKIE]
        if cookies:
            return cookies[0]
        page.wait_for_timeout(200)
    raise AssertionError("the browser never received its session cookie")


def download_csv(page: Page) -> str:
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV (Excel, français)").first.click()
    return Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_admin_renames_a_structure_and_finds_it_after_reload_and_in_the_journal(page, server):
    engine = _db(server)
    with Session(engine) as db:
        first = reference.structures_frame(db).iloc[0]  # the editor's first row
    new_name = f"{first['name_fr']} (renommée)"
    sign_in(page, "admin")

    open_menu(page, "Référentiels", "Référentiels")
    wait_until_idle(page)  # an edit started before the page's run ends is lost with the grid
    grid = page.get_by_test_id("stDataFrame").first.get_by_test_id("data-grid-canvas")
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    # Header row ~36 px, rows 35 px; "Nom (français)" is the second column, past the codes.
    page.mouse.dblclick(box["x"] + 150, box["y"] + 36 + 17)
    cell_editor = page.locator("textarea").first
    expect(cell_editor).to_have_value(first["name_fr"])
    # fill() replaces the whole text (keyboard typing can race the overlay taking focus).
    cell_editor.fill(new_name)
    expect(cell_editor).to_have_value(new_name)
    cell_editor.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.get_by_text("1 ligne enregistrée.")).to_be_visible()

    with Session(engine) as db:
        saved = db.exec(select(Structure).where(Structure.code == first["code"])).one()
    assert saved.name_fr == new_name

    page.reload()
    expect(page.get_by_role("heading", name="Référentiels")).to_be_visible()
    assert f"{first['code']};{new_name};" in download_csv(page)

    open_menu(page, "Journal", "Journal des modifications")
    journal = download_csv(page)
    assert f"{first['name_fr']};{new_name}" in journal
    assert "admin;modification;Structure" in journal
    with Session(engine) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.object_type == "Structure",
                                                 AuditEvent.new_value == new_name)).one()
    assert (event.user_login, event.field, event.old_value) == ("admin", "name_fr",
                                                                first["name_fr"])
    engine.dispose()


def test_dsi_lands_on_their_ministry_without_admin_pages(page):
    sign_in(page, "dsi-ms")

    expect(page.get_by_role("heading", name="Ministère de la Santé")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("Référentiels")
    expect(nav.get_by_role("link", name="Utilisateurs")).to_have_count(0)
    expect(nav.get_by_role("link", name="Journal")).to_have_count(0)

    # Typing the address of the accounts page does not open it either.
    wait_for_cookie(page)
    page.goto("/users")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()
    expect(page.get_by_role("heading", name="Utilisateurs")).to_have_count(0)
    expect(page.get_by_label("Identifiant")).to_have_count(0)


def test_reload_keeps_the_user_signed_in_and_logout_really_ends_the_session(
        page, browser, server, app_url):
    sign_in(page, "direction")
    cookie = wait_for_cookie(page)
    assert cookie["httpOnly"] is True

    page.reload()
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("button", name="Se connecter")).to_have_count(0)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Identifiant")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)

    engine = _db(server)
    with Session(engine) as db:
        direction = db.exec(select(User).where(User.login == "direction")).one()
        # Other journeys may sign in as direction on the same server: this test's session is
        # the latest one.
        latest = db.exec(select(UserSession).where(UserSession.user_id == direction.id)
                         .order_by(UserSession.id.desc())).first()
    engine.dispose()
    assert latest is not None and latest.revoked_at is not None

    # The old cookie, replayed from another browser, no longer opens anything.
    replay = browser.new_context(base_url=app_url)
    try:
        replay.add_cookies([cookie])
        other = replay.new_page()
        other.goto("/")
        expect(other.get_by_role("button", name="Se connecter")).to_be_visible()
        expect(other.get_by_role("heading", name="Accueil")).to_have_count(0)
    finally:
        replay.close()
