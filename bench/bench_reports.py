"""Time to generate the quarterly bilan (PDF with charts) at the default demo scale: budget 20 s.

Usage: python bench/bench_reports.py [--runs N] [--keep DIR]
Builds a default-scale demo database in a temporary directory (tracker.bootstrap.initialize, as
`python -m tracker init` does), then times, in one process: the quarterly bilan cold (the first
one starts Chromium for kaleido) and warm, the yearly bilan, the fiche ministère and the workbook.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import TODAY, machine

from tracker.bootstrap import initialize
from tracker.core.db import make_engine, reading
from tracker.dashboards.views import last_validated_quarter, validated_results
from tracker.reports import bilan as reports
from tracker.reports import document as document_module
from tracker.reports import fiche as fiche_module
from tracker.reports import figures, workbook

BUDGET_SECONDS = 20.0


def timed(label: str, make: Callable[[], document_module.Document], out: Path) -> float:
    started = time.perf_counter()
    document = make()
    elapsed = time.perf_counter() - started
    (out / document.filename).write_bytes(document.data)
    pages = document.data.count(b"/Type /Page\n")
    extra = f", {pages} pages" if document.mime == document_module.PDF_MIME else ""
    print(f"{label:<34} {elapsed:6.2f} s  ({len(document.data) / 1e6:.2f} MB{extra})")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2, help="warm runs of the quarterly bilan")
    parser.add_argument("--keep", help="write the generated files to this folder")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    out = Path(args.keep) if args.keep else workdir
    out.mkdir(parents=True, exist_ok=True)
    try:
        engine = make_engine(f"sqlite:///{workdir / 'demo.db'}")
        started = time.perf_counter()
        initialize(engine, demo=True, today=TODAY)
        print(f"machine: {machine()}; Chromium found: {figures.chromium_available()}")
        print(f"default demo database built in {time.perf_counter() - started:.1f} s")
        with reading(engine) as session:
            year, quarter = last_validated_quarter(validated_results(session), TODAY)
        period = document_module.Period(year, quarter)
        actor = document_module.command_line_actor()

        def bilan(p: document_module.Period = period) -> document_module.Document:
            with reading(engine) as session:
                return reports.bilan_pdf(session, actor, p, lang="fr", today=TODAY)

        def fiche() -> document_module.Document:
            with reading(engine) as session:
                return fiche_module.fiche_pdf(session, actor, "MS", period, lang="fr", today=TODAY)

        def book() -> document_module.Document:
            with reading(engine) as session:
                return workbook.workbook_xlsx(session, actor, period, lang="fr", today=TODAY)

        cold = timed(f"bilan {period.label()} (cold)", bilan, out)
        warm = [timed(f"bilan {period.label()} (warm {n + 1})", bilan, out)
                for n in range(args.runs)]
        timed(f"bilan {year} (year, warm)", lambda: bilan(document_module.Period(year)), out)
        timed(f"fiche MS {period.label()}", fiche, out)
        timed(f"workbook {period.label()}", book, out)
        verdict = "within" if cold <= BUDGET_SECONDS else "OVER"
        print(f"quarterly bilan: cold {cold:.1f} s, warm median "
              f"{statistics.median(warm):.1f} s — {verdict} the {BUDGET_SECONDS:.0f} s budget")
        engine.dispose()
        return 0 if cold <= BUDGET_SECONDS else 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
