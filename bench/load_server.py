"""The server side of the load harness: a fresh database (a copy of the demo data set on SQLite,
or a scratch PostgreSQL database), `streamlit run app.py` on a free port, and the server's CPU
time and memory read from /proc."""

from __future__ import annotations

import os
import secrets
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

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except OSError:
        return False


def init_demo(database_url: str) -> None:
    """Migrate and load the demo data set, as a fresh install does (`python -m tracker init`)."""
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_DEMO": "1"}
    done = subprocess.run([sys.executable, "-m", "tracker", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"`python -m tracker init` failed:\n{done.stdout}\n{done.stderr}")


class SqliteTemplate:
    """The demo data set built once per harness run; every measured run gets its own copy."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "demo-template.db"

    def fresh(self, name: str) -> str:
        if not self.template.exists():
            init_demo(f"sqlite:///{self.template}")
        target = self.workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            if target.with_name(target.name + suffix).exists():
                target.with_name(target.name + suffix).unlink()
            source = self.template.with_name(self.template.name + suffix)
            if source.exists():
                shutil.copyfile(source, target.with_name(target.name + suffix))
        return f"sqlite:///{target}"


def fresh_postgres(database_url: str) -> str:
    """Drop and re-create the scratch PostgreSQL database named in the URL, then load the demo
    data set. Refused unless its name says it is a scratch database (contains "load")."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = url.database or ""
    if "load" not in name:
        raise SystemExit(f"refusing to drop and re-create {name!r}: with --start the harness "
                         "re-creates the database it is given; name a scratch database whose "
                         "name contains 'load' (e.g. cdsi_load)")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    init_demo(database_url)
    return database_url


@dataclass
class Server:
    url: str
    pid: int
    log: Path
    database_url: str


@contextmanager
def streamlit_server(database_url: str, log: Path, *, session_ttl: int) -> Iterator[Server]:
    """`streamlit run app.py` on a free port against ``database_url``; stopped on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_DEMO": "1",
           "TRACKER_COOKIE_SECRET": secrets.token_urlsafe(32), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
             "--server.disconnectedSessionTTL", str(session_ttl)],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url}/_stcore/health:\n"
                                   f"{log.read_text()}")
            time.sleep(0.3)
        yield Server(url, process.pid, log, database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its children still running."""
    total = 0.0
    for proc in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def main_thread_cpu_seconds(pid: int) -> float:
    """CPU time of the server's main thread: the event loop that receives the sockets' messages
    and serialises, compresses and sends every message to the browsers (the scripts run in
    threads of their own)."""
    try:
        fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    """Resident memory of the server process, MiB."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * PAGE_SIZE / 2**20
