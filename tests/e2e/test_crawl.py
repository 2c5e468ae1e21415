"""Issue 13's guard: each role signs in and opens every page of its menu in Chromium (in French,
then a few in English), and nothing a person should not see is on the screen: an error, a
catalogue key, an internal enum value, an ISO date, "None"/"nan"/"NaT", a "(s)" plural,
Streamlit's English in French mode (outside the list the README documents), a menu collapsed
behind "View more", a chart without a title or a heatmap without a legend.

Data grids are drawn on a canvas and are not read here; their cells go through the same
formatting code as the rest of the page (tracker/core/formats.py), tested in tests/unit."""

from __future__ import annotations

import re

import pytest
from journey import sign_in, wait_until_idle
from playwright.sync_api import Page, expect

from tracker.core.i18n import catalogue, t
from tracker.core.models import Role
from tracker.ui.navigation import pages_for

ROLES = {"admin": Role.admin, "direction": Role.leadership, "dsi-ms": Role.dsi,
         "observateur": Role.viewer}

# Internal values a French reader must never meet as words (case-sensitive). Values that are
# also French words (« agence », « absent », « normal », « ratio », « date », « e-services »)
# or units shown as such (« ms ») are left out.
ENUM_WORDS = (
    "leadership", "viewer", "ministere", "presidence", "operateur", "institution_", "percent",
    "hours", "xof", "neutral", "count_true", "not_started", "in_progress", "blocked",
    "cancelled", "next_session", "recurring", "draft", "submitted", "validated", "returned",
    "entered", "imported", "computed", "on_track", "manageable", "serious", "out_of_reach",
    "planned", "held", "closed", "excused", "at_risk", "off_track", "xroad", "esign", "hosting",
    "security", "training", "governance", "Submission", "AgendaItem", "ActionItem",
    "reviewer_id", "structure_id", "kpi_id")
# Streamlit's own English that its API gives no way to translate, documented in the README
# (« Limites connues »); anything else in English on a French page is a bug.
STREAMLIT_ENGLISH = ("Drag and drop file here", "Drag and drop files here", "Browse files",
                     "Upload", "Limit", "per file")
ENGLISH_WORDS = re.compile(r"\b(View \d+ more|View less|Upload|Choose an option|Select all|"
                           r"Download|Submit|Save|Cancel|Search|Loading|Running)\b")
ISO_DATE = re.compile(r"\b(19|20)\d{2}-[01]\d-[0-3]\d\b")
NOTHING = re.compile(r"(?<![\w-])(None|nan|NaN|NaT)(?![\w-])")
PLURAL_S = re.compile(r"\w\((s|x|es)\)")
KEY = re.compile(r"\b[a-z][a-z_]+\.[a-z][a-z0-9_.]+\b")


def _keys() -> set[str]:
    return set(catalogue("fr"))


def _findings(page: Page, where: str, keys: set[str], lang: str) -> list[str]:
    found: list[str] = []
    if page.get_by_test_id("stException").count():
        found.append(f"{where}: an exception is shown")
    # The text a person reads, Streamlit's file uploaders apart: their wording is Streamlit's
    # own (README, « Limites connues ») and is checked against that list below.
    text = page.evaluate("""() => {
        const parts = [];
        for (const id of ["stMain", "stSidebar"]) {
            const root = document.querySelector(`[data-testid="${id}"]`);
            if (!root) continue;
            const copy = root.cloneNode(true);
            copy.querySelectorAll('[data-testid="stFileUploaderDropzone"]')
                .forEach(e => e.remove());
            document.body.appendChild(copy);
            parts.push(copy.innerText);
            copy.remove();
        }
        return parts.join("\\n");
    }""")
    dropzones = page.get_by_test_id("stFileUploaderDropzone")
    for i in range(dropzones.count()):
        rest = dropzones.nth(i).inner_text()
        for phrase in STREAMLIT_ENGLISH:
            rest = rest.replace(phrase, "")
        rest = re.sub(r"^upload\b", "", rest.strip())  # the icon's name, not shown
        rest = re.sub(r"\d+\s*[KMG]B|\b[A-Z]{2,8}\b|[•·,.\s]", "", rest)  # size, extensions
        if rest:
            found.append(f"{where}: file uploader says {dropzones.nth(i).inner_text()!r}")
    if t("common.unexpected", lang=lang) in text:
        found.append(f"{where}: « {t('common.unexpected', lang=lang)} »")
    found += [f"{where}: catalogue key {m!r}" for m in set(KEY.findall(text)) if m in keys]
    found += [f"{where}: ISO date {m.group(0)!r}" for m in ISO_DATE.finditer(text)]
    found += [f"{where}: {m.group(0)!r} shown" for m in NOTHING.finditer(text)]
    found += [f"{where}: plural written {m.group(0)!r}" for m in PLURAL_S.finditer(text)]
    if lang == "fr":
        words = set(re.findall(r"[A-Za-z_]+", text))
        found += [f"{where}: internal value {w!r}" for w in ENUM_WORDS if w in words]
        for match in ENGLISH_WORDS.finditer(text):
            found.append(f"{where}: English {match.group(0)!r}")
    charts = page.locator(".js-plotly-plot")
    for i in range(charts.count()):
        chart = charts.nth(i)
        title = chart.locator(".gtitle")
        if not title.count() or not (title.first.text_content() or "").strip():
            found.append(f"{where}: chart {i + 1} has no title")
        if chart.locator("g.hm, .heatmaplayer image, g.heatmaplayer").count() and \
                not chart.locator(".colorbar, g.legend").count():
            found.append(f"{where}: heatmap {i + 1} has no legend")
    return sorted(set(found))


def _open(page: Page, title: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name=title, exact=True).click()
    wait_until_idle(page)
    page.wait_for_timeout(700)  # charts are drawn after the script run
    wait_until_idle(page)


@pytest.mark.parametrize("login", list(ROLES))
def test_every_page_of_the_menu_shows_nothing_internal(page: Page, login: str) -> None:
    keys = _keys()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, login)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text(re.compile(r"View \d+ more"))).to_have_count(0)
    found: list[str] = []
    for spec in pages_for(ROLES[login]):
        title = t(spec.title_key, lang="fr")
        expect(nav.get_by_role("link", name=title, exact=True)).to_be_visible()
        _open(page, title)
        found += _findings(page, f"{login} · {title}", keys, "fr")
    assert found == [], "\n".join(found)


def test_a_few_pages_in_english_show_nothing_internal(page: Page) -> None:
    keys = set(catalogue("en"))
    sign_in(page, "admin")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("English", exact=True).click()
    wait_until_idle(page)
    try:
        page.reload()  # the choice is kept on the account: a reload stays in English
        expect(page.get_by_role("heading", name="Home")).to_be_visible()
        wait_until_idle(page)
        found: list[str] = []
        for key in ("nav.home", "nav.overview", "nav.validation", "actions.nav_title",
                    "nav.journal"):
            title = t(key, lang="en")
            _open(page, title)
            found += _findings(page, f"admin (en) · {title}", keys, "en")
    finally:  # the account's language is kept: the other journeys sign in as admin in French
        sidebar.get_by_text("Français", exact=True).click()
        wait_until_idle(page)
        expect(sidebar.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert found == [], "\n".join(found)
