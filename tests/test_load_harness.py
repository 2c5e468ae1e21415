"""The load harness (bench/load.py) keeps working: three sessions for a few seconds against a
server started here, on a fresh demo database, end with no error and the database check passed.
Nothing here is timed: the numbers belong in BENCHMARKS.md, measured on a quiet machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120


# The harness's own server helpers (bench/load_server.py), not a second copy of them.
sys.path.insert(0, str(ROOT / "bench"))
from load_server import free_port, healthy  # noqa: E402


def _demo_database(tmp_path: Path) -> tuple[str, dict[str, str]]:
    database_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_DEMO": "1",
           "TRACKER_COOKIE_SECRET": "load-test-cookie-secret-0123456789abcdefghij",
           "PYTHONUNBUFFERED": "1"}
    init = subprocess.run([sys.executable, "-m", "tracker", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert init.returncode == 0, init.stdout + init.stderr
    return database_url, env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """The app on a free port, on a fresh SQLite database holding the demo data set."""
    database_url, env = _demo_database(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url}:\n{log.read_text()}",
                            pytrace=False)
            time.sleep(0.3)
        yield url, database_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def test_three_sessions_sign_in_save_validate_and_cycle_pages_without_error(server, tmp_path):
    url, database_url, pid = server
    out = tmp_path / "load.json"

    done = subprocess.run(
        [sys.executable, "bench/load.py", "--url", url, "--database-url", database_url,
         "--server-pid", str(pid), "--users", "3", "--seconds", "5", "--think", "0.2",
         "--no-warmup", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240)

    assert done.returncode == 0, done.stdout + done.stderr
    run = json.loads(out.read_text())["runs"][0]
    assert run["roles"] == {"admin": 1, "dsi": 2}
    assert run["errors"] == 0 and run["page_runs"] == run["page_runs_ok"] > 0, run
    kinds = run["latency_seconds"]["by_kind"]
    assert {"sign_in", "save", "submit", "validate", "view"} <= set(kinds)
    correctness = run["correctness"]
    assert correctness["passed"], correctness["problems"]
    assert (correctness["saves_checked"], correctness["submits_checked"],
            correctness["validations_checked"]) == (2, 2, 2)
    assert run["server"]["cpu_seconds"] is not None and run["server"]["rss_mib"]["peak"]


def test_the_database_check_finds_an_unaudited_change_and_a_save_that_is_not_there(
        tmp_path, monkeypatch):
    from sqlalchemy import create_engine, text

    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    from load_setup import Outcome, check, prepare

    database_url, _env = _demo_database(tmp_path)
    plan = prepare(database_url, 3)
    ms = next(a for a in plan.accounts if a.structure_code == "MS")
    assert check(plan, [])["passed"]

    engine = create_engine(database_url)
    with engine.begin() as connection:  # a write that bypasses the app and its audit trail
        connection.execute(text("UPDATE submission SET status = 'validated' WHERE "
                                "structure_id = :s AND year = :y AND quarter = :q"),
                           {"s": ms.structure_id, "y": plan.year, "q": plan.quarter})
    engine.dispose()
    claimed = Outcome(ms.structure_id, "MS", ms.login, typed=12345.0, saved=True)
    found = check(plan, [claimed])

    assert not found["passed"]
    assert any("status: database holds 'validated'" in p for p in found["problems"])
    assert any(p.startswith("MS: saved 12345.0") for p in found["problems"])
