"""Shared set-up for the benchmarks: a database at decade scale, built once and reused."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.bootstrap import initialize  # noqa: E402
from tracker.core.db import make_engine  # noqa: E402

CACHE = ROOT / "bench" / "results"
TODAY = date(2026, 11, 25)


def machine() -> str:
    """The machine, for BENCHMARKS.md."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu}{mem}, Python {platform.python_version()}"


def decade_sqlite() -> str:
    """A SQLite database at decade scale (generated once under bench/results/)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "decade.db"
    if not path.exists():
        started = time.perf_counter()
        tmp = CACHE / "decade.tmp.db"
        tmp.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{tmp}")
        initialize(engine, demo=True, scale="decade", today=TODAY)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.move(tmp, path)
        print(f"decade database generated in {time.perf_counter() - started:.1f} s")
    return f"sqlite:///{path}"


def decade_postgres(name: str = "cdsi_bench") -> str | None:
    """A fresh PostgreSQL database at decade scale, when a local server answers."""
    base = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1")
    try:
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name],
                       check=True, capture_output=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    url = f"{base}/{name}"
    started = time.perf_counter()
    initialize(make_engine(url), demo=True, scale="decade", today=TODAY)
    print(f"decade PostgreSQL database generated in {time.perf_counter() - started:.1f} s")
    return url
