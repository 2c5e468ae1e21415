"""Issue 4 in Chromium: leadership changes the overview's quarter, opens a ministry's profile
from it and downloads the data behind a chart, on both pages."""

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from journey import open_menu, pick, sign_in, wait_until_idle
from playwright.sync_api import Page, expect
from sqlmodel import col, delete, select

from tracker.core.db import make_engine, reading, transaction
from tracker.core.formats import quarter_label
from tracker.core.models import Structure, User, UserSession
from tracker.core.periods import previous_quarter
from tracker.dashboards import views as dashboards

PROFILE = "MEF"  # not the viewer's own structure (ASIN), so the profile really was handed over


# --- helpers of this journey -----------------------------------------------------------


def chart_csv(page: Page, index: int) -> list[str]:
    """Turn on the "Données" toggle under the index-th chart, download its CSV, its lines."""
    switch = page.get_by_role("switch", name="Données").nth(index)
    switch.locator("xpath=ancestor::label[1]").click()  # the styled label covers the input
    expect(switch).to_be_checked()
    wait_until_idle(page)
    button = page.get_by_role("button", name="CSV (Excel, français)")
    expect(button).to_have_count(1)  # only the chart whose data is shown offers it
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".csv")
    return Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()


# --- the journey ---------------------------------------------------------------------------


@pytest.fixture
def direction_sessions(server) -> Iterator[None]:
    """Remove the sign-in sessions this journey opened for `direction` (the server's database
    is shared by the journeys of a worker, and test_journeys counts that account's sessions)."""
    engine = make_engine(server.database_url)
    with reading(engine) as db:
        user = db.exec(select(User).where(User.login == "direction")).one()
        last = max(db.exec(select(UserSession.id)).all(), default=0) or 0
    yield
    with transaction(engine) as db:
        db.exec(delete(UserSession).where(UserSession.user_id == user.id,  # type: ignore[call-overload]
                                          col(UserSession.id) > last))
    engine.dispose()


def test_direction_changes_quarter_opens_a_profile_and_downloads_chart_data(
        direction_sessions, page, server):
    engine = make_engine(server.database_url)
    with reading(engine) as db:
        validated = dashboards.validated_results(db)
        mef = db.exec(select(Structure).where(Structure.code == PROFILE)).one()
    engine.dispose()
    shown = dashboards.last_validated_quarter(validated, date.today())
    wanted = previous_quarter(*shown)
    assert wanted in dashboards.available_quarters(validated)
    profile = f"{mef.code} — {mef.name_fr}"

    sign_in(page, "direction")
    open_menu(page, "Vue d'ensemble", "Vue d'ensemble")
    quarter = page.get_by_role("combobox", name="Trimestre")
    expect(quarter).to_have_value(quarter_label(*shown, long=True))
    expect(page.get_by_text(f"filtres : {quarter_label(*shown)}").first).to_be_visible()

    pick(page, "Trimestre", quarter_label(*wanted, long=True))
    expect(page.get_by_text(f"filtres : {quarter_label(*wanted)}").first).to_be_visible()
    expect(page.get_by_text(f"filtres : {quarter_label(*shown)}")).to_have_count(0)

    # The attainment heatmap's data, for the quarter just chosen.
    lines = chart_csv(page, 0)
    assert lines[0].startswith("# Données validées au ")
    assert lines[0].endswith(f"filtres : {quarter_label(*wanted)}")
    assert lines[1] == "code;kpi;group;value;target;light"
    assert len(lines) > 10 and all(line.count(";") >= 5 for line in lines[2:])

    pick(page, "Fiche d'une structure", profile)
    page.get_by_role("button", name="Ouvrir la fiche").click()
    expect(page.get_by_role("heading", name="Fiche ministère")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/ministry$"))
    wait_until_idle(page)
    expect(page.get_by_role("combobox", name="Structure")).to_have_value(profile)
    expect(page.get_by_role("heading", name="Indicateurs de l'année")).to_be_visible()
    year = page.get_by_role("combobox", name="Année").input_value()

    # The profile's trend chart: its data is MEF's.
    lines = chart_csv(page, 0)
    assert f"filtres : {PROFILE}, {year}" in lines[0]
    assert lines[1].split(";")[:3] == ["period", "value", "target"]
    assert len(lines) > 3 and all(re.match(r"\d{4}-T[1-4];", line) for line in lines[2:])
