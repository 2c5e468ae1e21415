"""Script-run times of the dashboard pages and the entry page at decade scale (AppTest), side by
side with the same queries and figures built without Streamlit.

Each page run is reported twice: AppTest's wall time, and the script run itself (the time
Streamlit's script runner spends executing the page, which is what a user waits for on the
server). A fresh AppTest costs about 0.2–0.3 s of its own even for a blank script (it builds a
runtime and parses the element tree), so the ratio to the work alone uses the script run.

Usage: python bench/bench_pages.py
"""

from __future__ import annotations

import os
import statistics
import time

from common import ROOT, TODAY, decade_sqlite, machine

os.chdir(ROOT)
URL = decade_sqlite()
os.environ["TRACKER_DATABASE_URL"] = URL
os.environ["TRACKER_DEMO"] = "1"

import streamlit as st  # noqa: E402
import streamlit.runtime.scriptrunner.script_runner as script_runner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from tracker.accounts.auth import actor_from_user, open_session  # noqa: E402
from tracker.conference import actions  # noqa: E402
from tracker.core import repository as repo  # noqa: E402
from tracker.core.db import make_engine, reading, transaction  # noqa: E402
from tracker.core.periods import reporting_quarter  # noqa: E402
from tracker.dashboards import charts, confidence, platforms  # noqa: E402
from tracker.dashboards import views as dashboards  # noqa: E402
from tracker.results.entry import entry_sheet  # noqa: E402

WARM_RUNS = 15
engine = make_engine(URL)
SCRIPT_RUNS: list[float] = []
_execute = script_runner.exec_func_with_error_handling


def _timed_execute(func: object, ctx: object) -> object:
    """The script runner's execution of the page, timed (what the server spends on a run)."""
    started = time.perf_counter()
    try:
        return _execute(func, ctx)  # type: ignore[arg-type]
    finally:
        SCRIPT_RUNS.append(time.perf_counter() - started)


script_runner.exec_func_with_error_handling = _timed_execute


def login(login_name: str) -> int:
    with transaction(engine) as session:
        user = repo.get_user_by_login(session, login_name)
        session_id, _ = open_session(session, actor_from_user(session, user))
    return session_id


def page_times(path: str, login_name: str) -> tuple[float, float, float, float]:
    """(first run, its script run, warm median, warm script-run median), in seconds."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    at.session_state["auth_session_id"] = login(login_name)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    first_script = SCRIPT_RUNS[-1]
    assert not at.exception, at.exception
    warm, warm_script = [], []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
        warm_script.append(SCRIPT_RUNS[-1])
    return first, first_script, statistics.median(warm), statistics.median(warm_script)


def overview_alone() -> float:
    """The overview's views as the page asks for them (tiles, heatmap, completeness, overdue;
    the trend with its quarters' progress; the ranking)."""
    started = time.perf_counter()
    with reading(engine) as session:
        revision = dashboards.data_revision(session)
        del revision
        results = dashboards.validated_results(session)
        cat = dashboards.catalogue(session)
        targets = dashboards.targets_frame(session)
        year, quarter = dashboards.last_validated_quarter(results, TODAY)
        kpi = int(cat.kpis.index[0])
        view = dashboards.view_overview(session, results, cat, targets, year, quarter, TODAY,
                                        "d")
        trend = dashboards.view_trend(session, results, cat, targets, kpi, TODAY)[1]
        ranking = dashboards.view_ranking(session, results, cat, targets, kpi, year,
                                          quarter)[1]
    for figure in (*[v for v in vars(view).values() if hasattr(v, "to_json")], trend, ranking):
        figure.to_json()
    return time.perf_counter() - started


def platforms_alone() -> float:
    started = time.perf_counter()
    with reading(engine) as session:
        results = dashboards.validated_results(session)
        cat = dashboards.catalogue(session)
    stages = platforms.stage_frame(dashboards.per_quarter_values(results, cat))
    charts.platform_chart(stages, [p.key for p in platforms.PLATFORMS]).to_json()
    return time.perf_counter() - started


def ministry_alone() -> float:
    """The profile of the first structure in the picker (what `direction` lands on)."""
    started = time.perf_counter()
    with reading(engine) as session:
        revision = dashboards.data_revision(session)
        del revision
        results = dashboards.validated_results(session)
        cat = dashboards.catalogue(session)
        targets = dashboards.targets_frame(session)
        structures = sorted(repo.list_structures(session),
                            key=lambda s: (not s.in_force(TODAY), s.code))
        structure = structures[0]
        year = int(results["year"].max())
        dashboards.predecessor_codes(session, structure.id)
        summary = dashboards.structure_year_summary(results, cat, targets, structure.code, year)
        kpi_id = int(summary["kpi_id"].iloc[0])
        trend = dashboards.structure_trend(results, cat, targets, structure.code, kpi_id)
        charts.trend_chart(trend, cat.kpis.loc[kpi_id, "code"], cat.kpis.loc[kpi_id, "unit"],
                           structure=structure.code).to_json()
        dashboards.submission_history(session, structure.id, TODAY)
        actor = actor_from_user(session, repo.get_user_by_login(session, "direction"))
        code = dashboards.successor_codes(session).get(structure.id, structure.code)
        quarter, forecasts = confidence.year_forecasts(session, results, cat, targets, year,
                                                       code)
        confidence.structure_forecast(session, actor, structure.id or 0, year, quarter,
                                      forecasts, (results, cat, targets))
        actions.followup_frame(session, actor, actions.ACTION,
                               actions.Filters(structure_id=structure.id), TODAY)
        dashboards.attendance_history(session, structure.id)
        dashboards.owned_initiatives(session, structure.id)
    return time.perf_counter() - started


def entry_alone() -> float:
    started = time.perf_counter()
    with reading(engine) as session:
        user = repo.get_user_by_login(session, "dsi-ms")
        actor = actor_from_user(session, user)
        year, quarter = reporting_quarter(session, TODAY)
        entry_sheet(session, actor, actor.structure_id or 0, year, quarter, TODAY)
    return time.perf_counter() - started


def streamlit_start() -> float:
    """A blank script's first AppTest run: Streamlit's own one-time start in this process
    (it scans installed packages for components), paid once, not by any page."""
    started = time.perf_counter()
    AppTest.from_string("import streamlit as st\nst.write('blank')", default_timeout=120).run()
    return time.perf_counter() - started


if __name__ == "__main__":
    from tracker.bootstrap import initialize

    # What the server's start does before any page opens (migrations, first-start seeding),
    # then in the background (tracker.ui.web.lifespan): the forecasts' backtests.
    initialize(engine, demo=True)
    from tracker.dashboards.forecast_views import warm_backtests

    with reading(engine) as session:
        started = time.perf_counter()
        warm_backtests(session, TODAY)
        print(f"forecast backtests warmed at start in {time.perf_counter() - started:.1f} s")
    print(machine())
    print(f"Streamlit's one-time start in this process (blank script): "
          f"{streamlit_start() * 1000:.0f} ms; a blank script in a fresh AppTest afterwards: "
          f"{streamlit_start() * 1000:.0f} ms")
    # What the server imports when it starts (app.py and the pages' shared modules).
    import tracker.ui.base  # noqa: F401

    print("| page (role) | first run (AppTest) | of which the script run | warm median "
          "(script run) | same work without Streamlit (cold) | ratio script run / alone |")
    print("|---|---|---|---|---|---|")
    for path, who, alone, dashboard in (
            ("pages/overview.py", "direction", overview_alone, True),
            ("pages/platforms.py", "direction", platforms_alone, True),
            ("pages/ministry.py", "direction", ministry_alone, True),
            ("pages/results_entry.py", "dsi-ms", entry_alone, False)):
        alone()  # modules imported by both sides, so neither pays first-import costs
        st.cache_data.clear()  # every page's first run starts with cold caches
        first, first_script, warm, warm_script = page_times(path, who)
        baseline = alone()
        ratio = f"{first_script / baseline:.2f}" if dashboard else "— (not a dashboard)"
        print(f"| {path} ({who}) | {first * 1000:.0f} ms | {first_script * 1000:.0f} ms | "
              f"{warm * 1000:.0f} ms ({warm_script * 1000:.0f} ms) | {baseline * 1000:.0f} ms "
              f"| {ratio} |")
