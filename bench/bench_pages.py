"""Script-run times of the dashboard pages and the entry page at decade scale (AppTest), side by
side with the same queries and figures built without Streamlit.

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

from streamlit.testing.v1 import AppTest  # noqa: E402

from tracker import charts, dashboards, platforms  # noqa: E402
from tracker import repository as repo  # noqa: E402
from tracker.auth import actor_from_user, open_session  # noqa: E402
from tracker.db import make_engine, reading  # noqa: E402
from tracker.periods import reporting_quarter  # noqa: E402
from tracker.results import entry_sheet  # noqa: E402

WARM_RUNS = 15
engine = make_engine(URL)


def login(login_name: str) -> int:
    with reading(engine) as session:
        user = repo.get_user_by_login(session, login_name)
        session_id, _ = open_session(session, actor_from_user(session, user))
    return session_id


def page_times(path: str, login_name: str) -> tuple[float, float]:
    at = AppTest.from_file(str(ROOT / path), default_timeout=120)
    at.session_state["auth_session_id"] = login(login_name)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    warm = []
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return first, statistics.median(warm)


def overview_alone() -> float:
    started = time.perf_counter()
    with reading(engine) as session:
        revision = dashboards.data_revision(session)
        del revision
        results = dashboards.validated_results(session)
        cat = dashboards.catalogue(session)
        targets = dashboards.targets_frame(session)
        year, quarter = dashboards.last_validated_quarter(results, TODAY)
        structures = dashboards.structures_in_force(session, year, quarter)
        counts = dashboards.completeness_counts(session, year, quarter, TODAY)
        overdue = dashboards.overdue_by_structure(session, TODAY)
    dashboards.headline_frame(results, cat, targets, year, quarter, len(structures))
    kpi = int(cat.kpis.index[0])
    figures = [
        charts.heatmap_chart(dashboards.attainment_frame(results, cat, targets, year, quarter,
                                                         structures), year, quarter),
        charts.trend_chart(dashboards.trend_frame(results, cat, targets, kpi), "k", "count"),
        charts.ranking_chart(dashboards.ranking_frame(results, cat, kpi, year, quarter), "k",
                             "count", year, quarter),
        charts.completeness_chart(counts, year, quarter),
        charts.overdue_chart(overdue, "d")]
    for figure in figures:
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

    # What the server's start does before any page opens (migrations, first-start seeding).
    initialize(engine, demo=True)
    print(machine())
    print(f"Streamlit's one-time start in this process (blank script): "
          f"{streamlit_start() * 1000:.0f} ms")
    print("| page (role) | first run | warm median | same work without Streamlit (cold) | ratio |")
    print("|---|---|---|---|---|")
    for path, who, alone in (("pages/overview.py", "direction", overview_alone),
                             ("pages/platforms.py", "direction", platforms_alone),
                             ("pages/ministry.py", "direction", None),
                             ("pages/results_entry.py", "dsi-ms", entry_alone)):
        if alone:
            alone()  # modules imported by both sides, so neither pays first-import costs
        first, warm = page_times(path, who)
        baseline = alone() if alone else None
        ratio = f"{first / baseline:.2f}" if baseline else "—"
        print(f"| {path} ({who}) | {first * 1000:.0f} ms | {warm * 1000:.0f} ms | "
              + (f"{baseline * 1000:.0f} ms" if baseline else "—") + f" | {ratio} |")
