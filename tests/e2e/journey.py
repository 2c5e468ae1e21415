"""What every browser journey does: sign in and out, wait for the app, open a page from the
menu, pick an option in a select box."""

import re

from playwright.sync_api import Page, expect


def wait_until_idle(page: Page) -> None:
    """Let the script run triggered by the last interaction finish."""
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()


def sign_in(page: Page, login: str) -> None:
    page.goto("/")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def open_menu(page: Page, title: str, heading: str) -> None:
    """Click a sidebar entry (unfolding Streamlit's "View N more"), wait for the page."""
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Accueil", exact=True)).to_be_visible()
    more = nav.get_by_text(re.compile(r"^View \d+ more$"))
    if more.count():
        more.click()
    nav.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    wait_until_idle(page)


def pick(page: Page, label: str, option: str) -> None:
    """Choose an option of a selectbox (typed to filter: long lists are virtualised)."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
    wait_until_idle(page)
