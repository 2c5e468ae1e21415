"""Every page of every role's menu at decade scale (AppTest): the first run after a start (the
pages' caches empty, the server's start-up warm-up done: tracker.ui.web.warm_up) and the median
of the warm runs, each timed as the script run itself (what the server spends and the
user waits for; AppTest's own cost is left out, see bench_pages.py).

Some pages are also timed in the states a user puts them in: Conférences with a session chosen
(its tabs are all drawn on every run), Actions with each filter, Validation with a declaration.

Usage: python bench/bench_all_pages.py [--warm N] [--roles admin,direction,dsi-ms] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable
from typing import Any

from common import ROOT, decade_sqlite, machine

os.chdir(ROOT)
URL = decade_sqlite()
os.environ["TRACKER_DATABASE_URL"] = URL
os.environ["TRACKER_DEMO"] = "1"

import streamlit as st  # noqa: E402

# The script runner timed and the sign-in, as bench_pages.py does them (same database).
from bench_pages import SCRIPT_RUNS, engine, login  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from tracker.core.models import Role  # noqa: E402
from tracker.ui.navigation import pages_for  # noqa: E402

ROLES = {"admin": Role.admin, "direction": Role.leadership, "dsi-ms": Role.dsi,
         "observateur": Role.viewer}


def _choose_session(at: AppTest) -> None:
    """Conférences: the last session of the list (its details, agenda, attendance, PV)."""
    box = next((s for s in at.selectbox if s.key == "conferences_selected"), None)
    if box is not None and box.options:
        box.set_value(box.options[-1])


def _filter(label_part: str) -> Callable[[AppTest], None]:
    def apply(at: AppTest) -> None:
        for box in at.checkbox:
            if label_part in str(box.label):
                box.check()
                return
        raise AssertionError(f"no checkbox like {label_part!r}")
    return apply


VARIANTS: dict[str, list[tuple[str, Callable[[AppTest], None]]]] = {
    "pages/conferences.py": [("session chosen", _choose_session)],
    "pages/actions.py": [("en retard seulement", _filter("retard"))],
}


def time_page(path: str, login_name: str, warm_runs: int,
              change: Callable[[AppTest], None] | None = None) -> dict[str, Any]:
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / path), default_timeout=300)
    at.session_state["auth_session_id"] = login(login_name)
    at.run()
    first = SCRIPT_RUNS[-1]
    assert not at.exception, (path, at.exception)
    if change is not None:
        change(at)
        at.run()
        first = SCRIPT_RUNS[-1]  # the first run in that state
        assert not at.exception, (path, at.exception)
    warm = []
    for _ in range(warm_runs):
        at.run()
        warm.append(SCRIPT_RUNS[-1])
    return {"first_ms": round(first * 1000), "warm_ms": round(statistics.median(warm) * 1000)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--roles", default="admin,direction,dsi-ms")
    parser.add_argument("--pages", default="", help="only pages whose path contains this")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    from tracker.bootstrap import initialize

    initialize(engine, demo=True)
    AppTest.from_string("import streamlit as st\nst.write('blank')").run()  # Streamlit's start
    import tracker.ui.base  # noqa: F401  (what the server imports at start)
    from tracker.ui.web import warm_up

    warm_up(URL)  # what the server does in the background once it is up

    print(machine())
    rows: list[dict[str, Any]] = []
    for login_name in args.roles.split(","):
        for spec in pages_for(ROLES[login_name]):
            if args.pages and args.pages not in spec.path:
                continue
            for label, change in [("", None), *VARIANTS.get(spec.path, [])]:
                row = {"page": spec.path, "state": label, "role": login_name,
                       **time_page(spec.path, login_name, args.warm, change)}
                rows.append(row)
                print(f"| {spec.path}{' (' + label + ')' if label else ''} | {login_name} | "
                      f"{row['first_ms']} ms | {row['warm_ms']} ms |", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
