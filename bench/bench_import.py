"""Import of 100k result rows from a French-format CSV at decade scale: parse + validate + write.

Usage: python bench/bench_import.py [--postgres]
The decade database gets 1,800 extra (bench) structures so that one quarter holds 100k rows.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import time

from common import CACHE, decade_postgres, decade_sqlite, machine
from sqlalchemy import insert
from sqlmodel import col, delete

from tracker.core import repository as repo
from tracker.core.db import make_engine, reading, transaction
from tracker.core.models import Result, Structure, Submission, utcnow
from tracker.results.loading import apply_import, import_preview

ROWS = 100_000
YEAR, QUARTER = 2027, 1


def _grouped(number: int) -> str:
    """12450000 written the French way: 12 450 000 (no-break spaces)."""
    return f"{number:,}".replace(",", "\u00a0")


def sample_value(unit: str, rng: random.Random) -> str:
    """A value as a French spreadsheet writes it; every row different, as in a real quarter."""
    if unit == "count":
        return _grouped(rng.randint(0, 250_000))
    if unit == "percent":
        return f"{rng.randint(0, 1000) / 10:.1f} %".replace(".", ",")
    if unit == "hours":
        return f"{rng.randint(0, 2000) / 10:.1f}".replace(".", ",")
    if unit == "xof":
        return _grouped(rng.randint(0, 900_000_000))
    if unit == "bool":
        return rng.choice(("oui", "non", "Oui", "NON"))
    return str(rng.randint(0, 5000))  # ms, days


def add_bench_structures(url: str, needed: int) -> list[str]:
    engine = make_engine(url)
    with transaction(engine) as session:
        have = [s.code for s in repo.list_structures(session) if s.code.startswith("BENCH")]
        rows = [{"code": f"BENCH{i:04d}", "name_fr": f"Structure de mesure {i}",
                 "name_en": f"Benchmark structure {i}", "kind": "agence", "note": "",
                 "version": 1, "updated_at": utcnow()}
                for i in range(len(have), needed)]
        if rows:
            session.execute(insert(Structure), rows)
    with reading(engine) as session:
        return [s.code for s in repo.list_structures(session)
                if (s.valid_to is None and s.kind != "ministere") or s.code.startswith("BENCH")]


def build_csv(url: str) -> bytes:
    with reading(make_engine(url)) as session:
        kpis = [k for k in repo.list_kpis(session, active_only=True)
                if k.code not in ("CDSI_RECO", "CDSI_PRES")]
    codes = add_bench_structures(url, ROWS // len(kpis) + 1)
    rng = random.Random(2027)
    lines = ["Structure;Indicateur;Valeur;Numérateur;Dénominateur;Commentaire"]
    for code in codes:
        for kpi in kpis:
            if len(lines) > ROWS:
                break
            if kpi.ratio:
                denominator = rng.randint(1, 120_000)
                numerator = rng.randint(0, denominator)
                lines.append(f"{code};{kpi.code};;{_grouped(numerator)};{_grouped(denominator)};"
                             "Source : supervision")
            else:
                lines.append(f"{code};{kpi.code};{sample_value(kpi.unit, rng)};;;")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace")


def run(url: str, label: str) -> str:
    engine = make_engine(url)
    data = build_csv(url)
    with transaction(engine) as session:  # a clean quarter each run
        session.execute(delete(Result).where(col(Result.year) == YEAR))
        session.execute(delete(Submission).where(col(Submission.year) == YEAR))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with transaction(engine) as session:
        preview = import_preview(session, None, data, "bench.csv", year=YEAR, quarter=QUARTER,
                                 structure_code=None, today=YEAR_DAY)
        parsed = time.perf_counter()
        written = apply_import(session, None, preview)
    total = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if preview.rejected:
        raise SystemExit(f"rejected rows: {preview.rejected[:3]}")
    assert written == len(preview.accepted) == ROWS, (written, len(preview.accepted))
    again_started = time.perf_counter()
    with transaction(engine) as session:
        again = apply_import(session, None, import_preview(
            session, None, data, "bench.csv", year=YEAR, quarter=QUARTER, structure_code=None,
            today=YEAR_DAY))
    again_time = time.perf_counter() - again_started
    assert again == 0
    return (f"| {label} | {ROWS:,} | {parsed - started:.2f} s | {total:.2f} s | "
            f"{again_time:.2f} s (0 written) | {rss:.0f} MiB max RSS "
            f"({rss - rss_before:+.0f} MiB during the import) |")


YEAR_DAY = __import__("datetime").date(2027, 4, 15)

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(machine())
    print("| database | rows | parse + validate | + write (total) | same file again | "
          "peak memory |")
    print("|---|---|---|---|---|---|")
    source = decade_sqlite()
    work = CACHE / "import-bench.db"
    shutil.copy(source.split("///", 1)[1], work)
    print(run(f"sqlite:///{work}", "SQLite"))
    if args.postgres:
        url = decade_postgres()
        if url:
            print(run(url, "PostgreSQL"))
