"""Issue 18 in Chromium: leadership opens « Trajectoires », opens a red (« compromis ») cell of
the structure × KPI matrix and sees that KPI's trajectory with its forecast band and the DSI's
confidence rating with its reason."""

from collections.abc import Iterator
from datetime import date

import pytest
from journey import open_menu, select_cell, sign_in, wait_until_idle
from playwright.sync_api import Page, expect
from sqlmodel import col, delete, select

from tracker.accounts.auth import load_actor
from tracker.core.db import make_engine, reading, transaction
from tracker.core.models import User, UserSession
from tracker.dashboards import confidence, trajectories
from tracker.dashboards import views as dashboards

TITLE = "Trajectoires : les cibles de l'année seront-elles atteintes ?"


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


def red_cell(server) -> tuple[int, int, str, str, str]:
    """A structure's « compromis » cell of this year's matrix whose DSI gave a reason that
    `direction` may read: grid column, row, code, KPI, the reason."""
    engine = make_engine(server.database_url)
    with reading(engine) as db:
        results = dashboards.validated_results(db)
        year = trajectories.years_of([int(y) for y in results["year"].unique()], date.today())[0]
        data = (results, dashboards.catalogue(db), dashboards.targets_frame(db))
        view = trajectories.view_trajectories(db, *data, year, None)
        direction = load_actor(db, db.exec(select(User.id).where(User.login == "direction")).one())
        lines = confidence.rating_lines(db, direction, year, view.quarter,
                                        forecasts=view.forecasts, data=data)
    engine.dispose()
    reasons = {(r.structure, r.kpi): r.dsi_reason for r in lines.itertuples() if r.dsi_reason}
    matrix = view.matrix
    for row in range(1, len(matrix)):
        for column, kpi in enumerate(matrix.columns):
            code = str(matrix.iloc[row]["structure"])
            if matrix.iloc[row][kpi] == "off_track" and (code, kpi) in reasons:
                return column, row, code, str(kpi), reasons[(code, kpi)]
    raise AssertionError("the demo data set has no rated target off track this year")


def test_direction_opens_a_red_cell_and_sees_its_trajectory_with_the_forecast_band(
        direction_sessions, page: Page, server):
    column, row, structure, kpi, reason = red_cell(server)
    sign_in(page, "direction")

    open_menu(page, "Trajectoires", TITLE)
    grid = page.locator(".st-key-trajectories_matrix")
    expect(grid.get_by_text("compromis").first).to_be_attached()
    select_cell(page, grid, column, row)
    wait_until_idle(page)

    expect(page.get_by_role("combobox", name="Structure")).to_have_value(structure)
    expect(page.get_by_role("combobox", name="Indicateur")).to_have_value(kpi)
    chart = page.locator(".st-key-trajectories_chart_chart")
    expect(chart.get_by_text(f"{kpi} — {structure}")).to_be_visible()
    # the forecast band (plotly may draw a legend twice while the chart is redrawn)
    expect(chart.get_by_text("Intervalle à 90 %").first).to_be_visible()
    expect(chart.get_by_text("Prévision", exact=True).first).to_be_visible()
    metrics = page.get_by_test_id("stMetric")
    expect(metrics.filter(has_text="Classe")).to_contain_text("compromis")
    # the DSI's confidence rating and its reason, under the chart
    expect(page.get_by_text("Niveau du DSI", exact=False).first).to_be_visible()
    expect(page.get_by_text(reason, exact=False).first).to_be_visible()
