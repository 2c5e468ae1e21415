"""Issue 16 in the real server (SQLite): /healthz and /readyz, 404 for what is no page, route
or file while every page, Streamlit's own paths and the app's routes keep working (a browser
opens every page of the secretariat's menu by its address and no request of the page answers
404), and the refusal to start on PostgreSQL without TRACKER_COOKIE_SECRET."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

from browser_fixtures import ROOT, Server, _free_port
from journey import sign_in, wait_until_idle
from playwright.sync_api import expect

from tracker.ui.navigation import PAGES

PROBES = re.compile(r"/[a-z-]+/_stcore/(health|host-config)$")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_health_readiness_and_unknown_paths(sqlite_server: Server, app_url: str) -> None:
    status, body = _get(f"{app_url}/healthz")
    assert status == 200 and json.loads(body) == {"status": "alive"}
    status, body = _get(f"{app_url}/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"

    for path in ("/no-such-page", "/home/no-such-thing", "/wp-admin/setup.php", "/.git/config",
                 "/_stcore/metrics"):
        assert _get(f"{app_url}{path}")[0] == 404, path
    for path in ("/", "/login", *(f"/{page.url_path}" for page in PAGES), "/favicon.png",
                 "/manifest.json", "/_stcore/health", "/_stcore/host-config"):
        assert _get(f"{app_url}{path}")[0] == 200, path


def test_every_page_opened_by_its_address_loads_without_a_404(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                  base_url=app_url)
    context.set_default_timeout(30_000)
    missing: list[str] = []
    unknown: list[str] = []
    # Streamlit's front end first asks /<page>/_stcore/health and host-config, which Streamlit
    # itself answers 404 (then it asks at the root): those are not the app's.
    context.on("response", lambda response: missing.append(response.url)
               if response.status == 404 and not PROBES.search(response.url) else None)
    try:
        page = context.new_page()
        sign_in(page, "admin")
        for spec in PAGES:
            # The menu's first page is Streamlit's default page, at "/".
            page.goto("/" if spec == PAGES[0] else f"/{spec.url_path}")
            expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
            wait_until_idle(page)
            if page.get_by_text("Page not found").count():
                unknown.append(spec.url_path)
    finally:
        context.close()
    assert (missing, unknown) == ([], [])


def test_on_postgresql_without_a_cookie_secret_the_server_does_not_start(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "TRACKER_COOKIE_SECRET"}
    env["TRACKER_DATABASE_URL"] = "postgresql+psycopg://cdsi@127.0.0.1:1/cdsi"  # never reached
    run = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(_free_port()), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "TRACKER_COOKIE_SECRET is not set" in output and "replicas" in output
