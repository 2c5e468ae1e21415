"""In Chromium, at decade scale: from a click in the navigation until every chart of the page is
drawn, against the time a blank Streamlit page takes to open from its URL (same run).

With ``--admin``: every page of the secretariat's menu, from a click in the menu until the page
is idle (the script run finished: no running indicator, no element left stale), then a select or
filter changed on the pages that have one (``CHANGES``), each against half the time a blank
Streamlit page takes to open from its URL.

Usage: python bench/bench_browser.py [--admin]
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from common import ROOT, decade_sqlite, machine
from playwright.sync_api import sync_playwright

RUNS = 7
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PAGES = (("Vue d'ensemble", 5), ("Plateformes nationales", 1), ("Fiche ministère", 1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(script: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as answer:
                if answer.read() == b"ok":
                    return process, port
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{script} did not start")


# Idle: the app's own run state says the script finished (the « Running » widget shows only
# after a delay), and no element is left stale.
IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState"
        " === 'notRunning' && !document.querySelector('[data-stale=\"true\"]')")


def admin_pages(page: object, runs: int) -> list[tuple[str, float]]:
    """Every page of the admin's menu: click → idle, median of ``runs``."""
    from tracker.core.i18n import t
    from tracker.core.models import Role
    from tracker.ui.navigation import pages_for

    rows = []
    for spec in pages_for(Role.admin)[1:]:
        title = t(spec.title_key, lang="fr")
        times = []
        for _ in range(runs):
            page.get_by_test_id("stSidebarNav").get_by_role(  # type: ignore[attr-defined]
                "link", name="Accueil", exact=True).click()
            page.wait_for_url("**/", timeout=60000)  # type: ignore[attr-defined]
            page.wait_for_function(IDLE, timeout=120000)  # type: ignore[attr-defined]
            started = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_role(  # type: ignore[attr-defined]
                "link", name=title, exact=True).click()
            page.wait_for_url(f"**/{spec.url_path}", timeout=60000)  # type: ignore[attr-defined]
            page.wait_for_timeout(50)  # type: ignore[attr-defined]
            page.wait_for_function(IDLE, timeout=120000)  # type: ignore[attr-defined]
            times.append(time.perf_counter() - started)
        rows.append((title, statistics.median(times)))
    return rows


# A change on a page as its users make it: (page, kind, label); a select alternates between
# its second and third options, a checkbox is ticked and unticked.
CHANGES = (("Vue d'ensemble", "select", "Trimestre"), ("Fiche ministère", "select", "Structure"),
           ("Trajectoires", "select", "Année"), ("Conférences", "select", "Session"),
           ("Actions", "checkbox", "En retard"), ("Feuille de route", "select", "Année"))


def admin_changes(page: object, runs: int) -> list[tuple[str, float]]:
    """A select or filter changed on a page of the admin's menu: change → idle, median."""
    rows = []
    for title, kind, label in CHANGES:
        page.get_by_test_id("stSidebarNav").get_by_role(  # type: ignore[attr-defined]
            "link", name=title, exact=True).click()
        page.wait_for_timeout(50)  # type: ignore[attr-defined]
        page.wait_for_function(IDLE, timeout=120000)  # type: ignore[attr-defined]
        times = []
        for run in range(runs):
            if kind == "select":
                page.get_by_role("combobox", name=label).first.click()  # type: ignore[attr-defined]
                option = page.get_by_role("option").nth(1 + run % 2)  # type: ignore[attr-defined]
                option.wait_for(timeout=30000)
                started = time.perf_counter()
                option.click()
            else:
                box = page.get_by_test_id("stCheckbox").filter(  # type: ignore[attr-defined]
                    has_text=label).locator("label")
                started = time.perf_counter()
                box.click()
            page.wait_for_timeout(50)  # type: ignore[attr-defined]
            page.wait_for_function(IDLE, timeout=120000)  # type: ignore[attr-defined]
            times.append(time.perf_counter() - started)
        rows.append((f"{title} ({label})", statistics.median(times)))
    return rows


def main() -> None:
    env = {**os.environ, "TRACKER_DATABASE_URL": decade_sqlite(), "TRACKER_DEMO": "1"}
    app, app_port = serve("app.py", env)
    blank, blank_port = serve("bench/blank_app.py", env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            blank_times = []
            for _ in range(RUNS):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{blank_port}/")
                page.get_by_text("Page vide").wait_for()
                blank_times.append(time.perf_counter() - started)
                page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{app_port}/")
            page.get_by_label("Identifiant").fill("admin" if ADMIN else "direction")
            page.get_by_label("Mot de passe").fill("demo")
            page.get_by_role("button", name="Se connecter").click()
            page.get_by_role("heading", name="Accueil").wait_for(timeout=60000)
            rows = []
            for title, charts in () if ADMIN else PAGES:
                times = []
                for _ in range(RUNS):
                    page.get_by_role("link", name="Accueil").first.click()
                    page.get_by_role("heading", name="Accueil").wait_for(timeout=60000)
                    started = time.perf_counter()
                    page.get_by_role("link", name=title).first.click()
                    page.wait_for_function(
                        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n"
                        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                        arg=charts * 2, timeout=120000)
                    times.append(time.perf_counter() - started)
                rows.append((title, statistics.median(times)))
            if ADMIN:
                rows = admin_pages(page, 9)
                changes = admin_changes(page, 6)
            browser.close()
    finally:
        app.terminate()
        blank.terminate()
    blank_median = statistics.median(blank_times)
    print(machine())
    if ADMIN:
        print("| page (admin) | click → idle (median of 9) | 0.5 × blank page from its URL | "
              "met? |")
        print("|---|---|---|---|")
        for title, median in rows:
            print(f"| {title} | {median * 1000:.0f} ms | {blank_median * 500:.0f} ms | "
                  f"{'yes' if median <= blank_median / 2 else 'no'} |")
        print()
        print("| change (admin) | change → idle (median of 6) | 0.5 × blank page from its URL | "
              "met? |")
        print("|---|---|---|---|")
        for title, median in changes:
            print(f"| {title} | {median * 1000:.0f} ms | {blank_median * 500:.0f} ms | "
                  f"{'yes' if median <= blank_median / 2 else 'no'} |")
        return
    print("| page | click → every chart drawn (median of 7) | blank page from its URL | "
          "faster? |")
    print("|---|---|---|---|")
    for title, median in rows:
        print(f"| {title} | {median * 1000:.0f} ms | {blank_median * 1000:.0f} ms | "
              f"{'yes' if median < blank_median else 'no'} |")


ADMIN = "--admin" in sys.argv

if __name__ == "__main__":
    main()
