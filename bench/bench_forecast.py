"""Backtest of the year-end forecasts on the decade demo data set (issue 18).

Usage: python bench/bench_forecast.py [--database-url URL] [--before YEAR]
Every complete year before YEAR (default: the last year with data) is forecast again from its
first 1, 2 and 3 quarters of validated results (as ``python -m tracker forecast --as-of`` does),
for every structure and KPI and nationally, and compared with its actual year-end figure (read
by the KPI's own rule). Printed per KPI family and quarters known: the number of forecasts, the
mean and median absolute percentage errors (MAPE, MdAPE) of the method and of both naive
baselines (last value carried forward; a straight line through the last 4 quarters), and
whether the method beats both; then the same for the national lines alone.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from common import decade_sqlite, machine

from tracker.core.db import make_engine, reading
from tracker.dashboards import forecast as fc
from tracker.dashboards import forecast_views as fv
from tracker.dashboards import views as dashboards


def table(frame: pd.DataFrame) -> str:
    lines = ["| family | quarters known | forecasts | MAPE method | MAPE last value | "
             "MAPE 4-quarter line | MdAPE method | MdAPE last value | MdAPE line | beats both |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in frame.itertuples(index=False):
        known = "T1" if row.as_of == 1 else f"T1–T{row.as_of}"
        lines.append(f"| {row.family} | {known} | {row.n} | {row.mape_model:.2f} % | "
                     f"{row.mape_carry:.2f} % | {row.mape_line:.2f} % | {row.mdape_model:.2f} % "
                     f"| {row.mdape_carry:.2f} % | {row.mdape_line:.2f} % | "
                     f"{'yes' if row.beats else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--before", type=int)
    args = parser.parse_args()
    url = args.database_url or decade_sqlite()
    engine = make_engine(url)
    started = time.perf_counter()
    with reading(engine) as session:
        results = dashboards.validated_results(session)
        cat = dashboards.catalogue(session)
    rows = fv.quarter_rows(results, cat)
    before = args.before or int(rows["year"].max())
    backtest = fv.backtest_frame(rows, cat, before)
    elapsed = time.perf_counter() - started
    print(f"{machine()}; {len(results)} validated results; complete years before {before}; "
          f"{len(backtest)} forecasts per method in {elapsed:.1f} s\n")
    print("All lines (structures and national):\n")
    print(table(fc.accuracy(backtest)))
    print("\nNational lines only:\n")
    print(table(fc.accuracy(backtest[backtest["key"] == fv.NATIONAL])))


if __name__ == "__main__":
    main()
