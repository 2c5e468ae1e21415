"""Browser fixtures of the journeys (tests/e2e) and the trust tests (tests/trust): the real app
(`streamlit run app.py`) on demo data, in Debian's Chromium; one plugin for both folders, so that
an xdist worker running tests of both starts one server and one Playwright, never two.

One server per test session (per xdist worker): a fresh SQLite database under a temporary
directory, `python -m tracker init` (demo data), then `streamlit run` on a free port, ready once
/_stcore/health answers "ok" and the sign-in page shows its own text. `postgres_server` is the
same app on a fresh PostgreSQL database of its own, created on the server that
TRACKER_TEST_DATABASE_URL names and dropped at the end (skipped, saying so, without it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from postgres_databases import PG_ENV, PG_SKIP_REASON, fresh_postgres_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "test-results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NO_CHROMIUM = "Chromium not installed (apt-get install -y chromium)"
START_TIMEOUT = 120


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except OSError:
        return False


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        print(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    return path


def app_environment(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The variables the app and `python -m tracker` run with in the browser tests."""
    return {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_DEMO": "1",
            "TRACKER_COOKIE_SECRET": "e2e-cookie-secret-0123456789abcdefghijklmnop",
            "PYTHONUNBUFFERED": "1", **(extra or {})}


def init_demo(env: dict[str, str]) -> None:
    """`python -m tracker init` with the demo data set on the database of ``env``."""
    if importlib.util.find_spec("tracker.demo.generator") is None:
        pytest.fail("tracker/demo/generator.py is missing: the journeys run on the demo data set "
                    "that `python -m tracker init` loads", pytrace=False)
    init = subprocess.run([sys.executable, "-m", "tracker", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if init.returncode != 0 or "demo data loaded" not in init.stdout:
        pytest.fail(f"`python -m tracker init` failed ({init.returncode}):\n{init.stdout}\n"
                    f"{init.stderr}", pytrace=False)


@contextmanager
def serve(script: str, env: dict[str, str], workdir: Path) -> Iterator[tuple[str, Path]]:
    """``streamlit run script`` (a path from the repository's root) on a free port until the
    block ends; yields its URL and its log."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "streamlit.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url}/_stcore/health:\n"
                            f"{log.read_text()}", pytrace=False)
            time.sleep(0.5)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def running_app(workdir: Path, database_url: str,
                environment: dict[str, str] | None = None) -> Iterator[Server]:
    """`python -m tracker init` (demo data) on ``database_url``, then the app on a free port
    until the block ends (``environment``: more variables for both)."""
    env = app_environment(database_url, environment)
    init_demo(env)
    with serve("app.py", env, workdir) as (url, log):
        yield Server(url=url, database_url=database_url, log=log)


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    """The app with demo data on SQLite, on a free port; stopped at the end of the session."""
    workdir = tmp_path_factory.mktemp("e2e")
    with running_app(workdir, f"sqlite:///{workdir / 'tracker.db'}") as running:
        yield running


@pytest.fixture(scope="session")
def server(sqlite_server: Server) -> Server:
    """The app the journeys use (SQLite; a module may override ``server`` to choose)."""
    return sqlite_server


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory, chromium: str,
                    worker_id: str) -> Iterator[Server]:
    """The same app on a new PostgreSQL database of its own (one per xdist worker), dropped
    at the end of the session; skipped, with the reason printed, without a PostgreSQL server."""
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        print(PG_SKIP_REASON)
        pytest.skip(PG_SKIP_REASON)
    workdir = tmp_path_factory.mktemp("e2e-postgres")
    with fresh_postgres_database(base_url, f"browsers_{worker_id}") as database_url, \
            running_app(workdir, database_url) as running:
        yield running


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_out_page_shown(browser, server: Server) -> str:
    """The server's URL once the sign-in page has rendered (the first run imports a lot)."""
    from playwright.sync_api import expect

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url)
        expect(page.get_by_role("button", name="Se connecter")).to_be_visible(
            timeout=START_TIMEOUT * 1000)
    finally:
        context.close()
    return server.url


@pytest.fixture(scope="session")
def app_url(sqlite_server: Server, browser) -> str:
    """The SQLite server's URL once the sign-in page has rendered."""
    return signed_out_page_shown(browser, sqlite_server)


@pytest.fixture(scope="session")
def postgres_app_url(postgres_server: Server, browser) -> str:
    """The PostgreSQL server's URL once the sign-in page has rendered."""
    return signed_out_page_shown(browser, postgres_server)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def context(browser, app_url: str) -> Iterator[object]:
    """A fresh browser profile (no cookies) per journey."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                  accept_downloads=True, base_url=app_url)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def page(context, server: Server, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page of the app; on failure, a screenshot and the server's log land in test-results/."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)
        shutil.copyfile(server.log, RESULTS / f"{request.node.name}.streamlit.log")
