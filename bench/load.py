"""Load harness (issue 15): N concurrent sessions on one server, each signing in, cycling
through its role's pages and making one save, for a bounded time.

    python bench/load.py --start --users 10,25,50 --seconds 60 --json load.json
    python bench/load.py --start --users 10,25,50 --seconds 60 --json load-pg.json \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/cdsi_load
    python bench/load.py --url http://127.0.0.1:8501 --database-url sqlite:////tmp/copy.db \\
        --server-pid 1234 --users 3 --seconds 5

The first line is the measurement of issue 15 (a fresh server and a fresh copy of the demo data
set for every N; results printed, the curve across N last, everything in the JSON file); the
second does the same on PostgreSQL (the scratch database named is dropped and re-created for
every N); the third targets a server already running, whose database (a scratch copy: the
harness creates accounts and reopens quarters in it) and process id it is given.

How a user is simulated, and why. Each virtual user is a real Streamlit session driven over
Streamlit's own WebSocket protocol (bench/load_client.py): it sends the ``rerun_script`` messages
a browser's frontend sends (page script hash, widget states: typed cells of the entry grid, button
clicks, selectbox choices) and reads ``ForwardMsg``s until ``script_finished``. The time measured
is the time a user waits: from the request to the end of the script run, reruns asked for with
``st.rerun()`` included (the server's work and every message it sends). What is left out is the
browser's own drawing, which costs the same whatever the load, and Chromium itself: fifty
Chromium processes on a two-core machine would measure the browsers, not the server. The
frontend's message cache is reproduced, so the server sends what it would send to a browser.

Sign-in takes the path a browser takes: the login form is submitted over the socket (argon2
check, session row), then the hand-off image the page shows is fetched from ``/auth/handoff``
(same origin), which sets the signed, HttpOnly ``cdsi_session`` cookie; the cookie is kept like a
browser keeps it.

Each session: the demo accounts by role, then ``load-*`` accounts the harness creates in its own
copy of the database (one DSI per structure in force; bench/load_setup.py). A DSI first opens
« Saisie des résultats », types a new value into one cell of its own quarter's grid (the data
editor's real widget state), saves, ticks the confirmation and submits: the page's own buttons,
no service call. A secretariat session validates, on « Validation », each declaration its DSIs
submitted (picked in the page's selectbox, the page's « Valider » button). Then every session
cycles through the pages of its navigation menu (the role's pages, from tracker.ui.navigation, as
the server sends them), with a think time between clicks, until the time is up; the secretariat then
validates what is still waiting. Quarters already submitted or validated in the demo data are
reopened before the run (in the harness's copy) so that every DSI can save.

Pacing: sessions start spread over --ramp seconds; between two clicks a user pauses --think
seconds on average (uniformly 0.5 to 1.5 times it). The default, 10 s, is a person reading the
page they opened (a table of figures, a chart) or typing a value before the next click: 50
people at once then ask for about five page runs a second. --think 1 (a click a second by every
session) and --think 0 (back to back) measure capacity, the server saturated, rather than what a
user waits for; BENCHMARKS.md reports both. Throughput is page runs per second from the
first session's start to the last one's end. What limits the server shows in the results: its
CPU against one core (the scripts of all sessions share one Python process and its GIL: beyond
100 % of a core only C code that lets the GIL go runs in parallel, such as SQLite, argon2 or
compression), the CPU of its event loop thread (receiving and sending every message), the KiB
sent per page run (message sizes), and the same run on SQLite and on PostgreSQL (the database).

A page run is an error when the run shows an exception or an error message, when a save is not
acknowledged by its success message, or when no ``script_finished`` comes within --page-timeout.
Afterwards the database is checked (bench/load_setup.py): every acknowledged save holds the
typed value, each changed field has exactly one audit event, the audit events of each field form
one chain from the value before the run to the value now (a lost update breaks it), nothing else
changed. The server's CPU time and resident memory are read from /proc: before (after a warm-up
session that opens every page once), peak during, right after the sessions close, and after they
expired (--settle; a harness-started server drops closed sessions after --session-ttl seconds
instead of Streamlit's 120).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

from load_client import (  # noqa: E402
    ProtocolError,
    RunResult,
    StreamlitSession,
    arrow_frame,
    boolean,
    data_editor_edits,
    handoff_path,
    text,
    trigger,
)
from load_server import (  # noqa: E402
    SqliteTemplate,
    cpu_seconds,
    fresh_postgres,
    main_thread_cpu_seconds,
    rss_mib,
    streamlit_server,
)
from load_setup import REASON, Account, Outcome, Plan, check, prepare  # noqa: E402

SUCCESS = 4  # Alert.Format.SUCCESS
TARGET_P95 = 3.0
TARGET_MEMORY_MIB = 100.0


class UserAborted(Exception):
    """The session cannot go on (socket closed, page missing)."""


@dataclass
class Record:
    user: str
    role: str
    page: str
    kind: str
    start: float
    end: float
    ok: bool
    error: str = ""
    received_bytes: int = 0
    messages: int = 0

    @property
    def seconds(self) -> float:
        return self.end - self.start


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return {"count": len(ordered), "p50": round(at(0.50), 4), "p95": round(at(0.95), 4),
            "p99": round(at(0.99), 4), "max": round(ordered[-1], 4),
            "mean": round(sum(ordered) / len(ordered), 4)}


class LoadRun:
    """N sessions against one server for a bounded time."""

    def __init__(self, url: str, plan: Plan, args: argparse.Namespace) -> None:
        self.url = url
        self.plan = plan
        self.args = args
        self.records: list[Record] = []
        self.handoffs: list[float] = []
        self.outcomes: dict[int, Outcome] = {}
        self.queues: dict[str, asyncio.Queue[int | None]] = {}
        self.admin_of: dict[str, str] = {}
        self.expected: dict[str, int] = defaultdict(int)
        self.deadline = 0.0
        self.random = random.Random(15)

    # --- timing -----------------------------------------------------------------------

    async def timed(self, account: Account, kind: str, page: str,
                    request: Callable[[], Awaitable[RunResult]],
                    expect: Callable[[RunResult], str | None] | None = None) -> RunResult:
        start = time.monotonic()
        try:
            result = await request()
        except Exception as exc:  # no answer in time, or the socket closed under the session
            self.records.append(Record(account.login, account.role, page, kind, start,
                                       time.monotonic(), False, f"{type(exc).__name__}: {exc}"))
            raise UserAborted(str(exc)) from exc
        end = time.monotonic()
        problems = list(result.errors)
        if expect is not None and not problems:
            missing = expect(result)
            if missing:
                problems.append(missing)
        result.failure = "; ".join(problems)[:500]
        self.records.append(Record(account.login, account.role, page, kind, start, end,
                                   not problems, result.failure, result.received_bytes,
                                   result.messages))
        return result

    async def think(self) -> None:
        if self.args.think > 0:
            await asyncio.sleep(self.args.think * self.random.uniform(0.5, 1.5))

    # --- one session --------------------------------------------------------------------

    async def user(self, index: int, account: Account, start_after: float) -> None:
        await asyncio.sleep(start_after)
        session = StreamlitSession(self.url, timeout=self.args.page_timeout)
        try:
            await session.open()
            await self.sign_in(session, account)
            if account.role == "dsi":
                await self.enter_and_submit(session, account)
            await self.cycle(session, account, index)
        except UserAborted:
            pass
        except Exception as exc:
            self.records.append(Record(account.login, account.role, "-", "connect",
                                       time.monotonic(), time.monotonic(), False,
                                       f"{type(exc).__name__}: {exc}"))
        finally:
            self.hand_over(account)
            await session.close()

    def hand_over(self, account: Account) -> None:
        """Tell the DSI's secretariat session, once, what is waiting for validation."""
        if account.role == "dsi" and account.login in self.admin_of:
            queue = self.queues[self.admin_of.pop(account.login)]
            outcome = self.outcomes.get(account.structure_id or 0)
            queue.put_nowait(account.structure_id if outcome and outcome.submitted else None)

    async def sign_in(self, session: StreamlitSession, account: Account) -> None:
        form = await self.timed(account, "open", "login", lambda: session.run(page=""))
        await self.think()
        widgets = [text(form.widget_id("login_user"), account.login),
                   text(form.widget_id("login_password"), account.password),
                   trigger(form.form_submitter())]
        result = await self.timed(
            account, "sign_in", "login", lambda: session.run(widgets=widgets),
            expect=lambda r: None if "app_logout" in r.widgets() else "not signed in")
        path = handoff_path(result)
        started = time.monotonic()
        status = await session.get(path) if path else 0
        self.handoffs.append(time.monotonic() - started)
        if status != 200 or "cdsi_session" not in session.cookies:
            self.records.append(Record(account.login, account.role, "/auth/handoff", "handoff",
                                       started, time.monotonic(), False,
                                       f"hand-off answered {status}, no session cookie"))
        if not session.pages:
            raise UserAborted("no navigation after sign-in")

    async def enter_and_submit(self, session: StreamlitSession, account: Account) -> None:
        """Type a new value into one cell of the own quarter's grid, save, then submit."""
        assert account.structure_id is not None
        outcome = Outcome(account.structure_id, account.structure_code or "?", account.login,
                          account.structure_name or account.structure_code or "?")
        self.outcomes[account.structure_id] = outcome
        page = await self.timed(account, "view", "results",
                                lambda: session.run(page="results"))
        try:
            grid_key = page.widget_key_starting("entry_grid_")
            grid_id = page.widget_id(grid_key)
            frame = arrow_frame(page.widget(grid_key))
            position = list(frame["code"]).index(self.plan.kpi_code)  # rows by position
            shown = str(frame.iloc[position]["value"] or "").replace(" ", "").replace(
                "\u202f", "").replace("\u00a0", "")
        except (ProtocolError, ValueError, KeyError) as exc:
            self.records.append(Record(account.login, account.role, "results", "save",
                                       time.monotonic(), time.monotonic(), False,
                                       f"entry grid not usable: {exc}"))
            return
        typed = (int(float(shown.replace(",", "."))) if shown else 0) + 7
        edits = data_editor_edits(grid_id, {position: {"value": str(typed)}})
        await self.think()
        edited = await self.timed(account, "edit", "results",
                                  lambda: session.run(widgets=[edits]))
        await self.think()
        saved = await self.timed(
            account, "save", "results",
            lambda: session.run(widgets=[edits, trigger(edited.widget_id("entry_save"))]),
            expect=lambda r: None if r.alerts(SUCCESS) else "save not acknowledged")
        outcome.typed = float(typed)
        outcome.saved = not saved.failure
        if not outcome.saved:
            return
        await self.think()
        confirm = [boolean(saved.widget_id("entry_confirm"), True)]
        try:  # a DSI gives a reason for each blank KPI or flag left without a comment
            reasons_key = saved.widget_key_starting("entry_reasons_")
            needed = arrow_frame(saved.widget(reasons_key))
            confirm.append(data_editor_edits(saved.widget_id(reasons_key), {
                row: {"reason": REASON}
                for row in range(len(needed))}))
        except ProtocolError:
            pass  # nothing to explain
        ticked = await self.timed(account, "confirm", "results",
                                  lambda: session.run(widgets=confirm))
        await self.think()
        submitted = await self.timed(
            account, "submit", "results",
            lambda: session.run(widgets=[*confirm, trigger(ticked.widget_id("entry_submit"))]),
            expect=lambda r: None if r.alerts(SUCCESS) else "submission not acknowledged")
        outcome.submitted = not submitted.failure
        self.hand_over(account)

    async def validate(self, session: StreamlitSession, account: Account,
                       structure_ids: list[int]) -> None:
        """On « Validation »: pick each declaration and validate it."""
        await self.think()
        page = await self.timed(account, "view", "validation",
                                lambda: session.run(page="validation"))
        for structure_id in structure_ids:
            outcome = self.outcomes[structure_id]
            await self.think()
            try:
                pick = page.widget("validation_pick")
                label = next(o for o in pick.options  # « name — état »
                             if o.startswith(f"{outcome.structure_name} — "))
            except (ProtocolError, StopIteration):
                self.records.append(Record(account.login, account.role, "validation", "validate",
                                           time.monotonic(), time.monotonic(), False,
                                           f"{outcome.structure_code} not in the queue"))
                continue
            choice = [text(pick.id, label)]
            picked = await self.timed(
                account, "pick", "validation", lambda choice=choice: session.run(widgets=choice),
                expect=lambda r: None if "validation_validate" in r.widgets()
                else "no validate button: declaration not submitted")
            page = picked
            if picked.failure:
                continue
            await self.think()
            click = [*choice, trigger(picked.widget_id("validation_validate"))]
            page = await self.timed(account, "validate", "validation",
                                    lambda click=click: session.run(widgets=click),
                                    expect=lambda r: None if r.alerts(SUCCESS)
                                    else "validation not acknowledged")
            outcome.validated = not page.failure

    async def pending(self, account: Account, *, wait: float = 0.0) -> list[int]:
        queue = self.queues.get(account.login)
        if queue is None:
            return []
        found: list[int | None] = []
        if wait > 0:
            try:
                found.append(await asyncio.wait_for(queue.get(), wait))
            except TimeoutError:
                return []
        while not queue.empty():
            found.append(queue.get_nowait())
        self.expected[account.login] -= len(found)
        return [s for s in found if s is not None]

    async def cycle(self, session: StreamlitSession, account: Account, index: int) -> None:
        pages = list(session.pages)
        position = index % len(pages)
        while time.monotonic() < self.deadline:
            await self.think()
            page = pages[position % len(pages)]
            position += 1
            await self.timed(account, "view", page or "home",
                             lambda page=page: session.run(page=page))
            if account.role == "admin" and (ready := await self.pending(account)):
                await self.validate(session, account, ready)
        drain_until = time.monotonic() + self.args.drain
        while account.role == "admin" and self.expected.get(account.login, 0) > 0 \
                and time.monotonic() < drain_until:
            ready = await self.pending(account, wait=drain_until - time.monotonic())
            if ready:
                await self.validate(session, account, ready)

    # --- the whole run ------------------------------------------------------------------

    async def run(self, users: int, seconds: float) -> None:
        accounts = self.plan.accounts
        admins = [a.login for a in accounts if a.role == "admin"]
        self.queues = {login: asyncio.Queue() for login in admins}
        dsis = [a for a in accounts if a.role == "dsi"]
        for number, dsi in enumerate(dsis):
            if admins:
                admin = admins[number % len(admins)]
                self.admin_of[dsi.login] = admin
                self.expected[admin] += 1
        ramp = self.args.ramp if self.args.ramp is not None else min(5.0, 0.1 * users)
        self.deadline = time.monotonic() + seconds + ramp
        await asyncio.gather(*(self.user(i, a, ramp * i / max(users, 1))
                               for i, a in enumerate(accounts)))


async def warm_up(url: str, timeout: float) -> dict[str, Any]:
    """One secretariat session opens every page once (imports, first queries, caches)."""
    session = StreamlitSession(url, timeout=timeout)
    started = time.monotonic()
    times: dict[str, float] = {}
    await session.open()
    form = await session.run(page="")
    await session.run(widgets=[text(form.widget_id("login_user"), "admin"),
                               text(form.widget_id("login_password"), "demo"),
                               trigger(form.form_submitter())])
    for page in list(session.pages):
        begun = time.monotonic()
        await session.run(page=page)
        times[page or "home"] = round(time.monotonic() - begun, 3)
    await session.close()
    return {"seconds": round(time.monotonic() - started, 2), "first_runs": times}


async def probe(url: str, timeout: float) -> None:
    """Open and close one session (the server reaps expired sessions when it stores one)."""
    session = StreamlitSession(url, timeout=timeout)
    await session.open()
    await session.run(page="")
    await session.close()


async def sample_memory(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(rss_mib(pid))
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


def summarise(run: LoadRun, users: int, wall: float) -> dict[str, Any]:
    records = run.records
    page_runs = [r for r in records if r.kind not in ("connect", "handoff")]
    errors = [r for r in records if not r.ok]
    by_page: dict[str, list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, list[int]] = defaultdict(list)
    for r in page_runs:
        by_page[r.page].append(r.seconds)
        by_kind[r.kind].append(r.seconds)
        sizes[r.page].append(r.received_bytes)
    ok_runs = [r for r in page_runs if r.ok]
    return {
        "users": users, "roles": dict(sorted(_count(a.role for a in run.plan.accounts).items())),
        "wall_seconds": round(wall, 2), "page_runs": len(page_runs),
        "page_runs_ok": len(ok_runs), "errors": len(errors),
        "success_rate": round(len(ok_runs) / len(page_runs), 4) if page_runs else 0.0,
        "throughput_runs_per_second": round(len(page_runs) / wall, 2) if wall else 0.0,
        "latency_seconds": {
            "overall": percentiles([r.seconds for r in page_runs]),
            "overall_without_sign_in": percentiles([r.seconds for r in page_runs
                                                    if r.kind not in ("open", "sign_in")]),
            "by_page": {k: percentiles(v) for k, v in sorted(by_page.items())},
            "by_kind": {k: percentiles(v) for k, v in sorted(by_kind.items())}},
        "handoff_seconds": percentiles(run.handoffs),
        "received_kib_per_run": {k: round(sum(v) / len(v) / 1024, 1)
                                 for k, v in sorted(sizes.items())},
        "received_mib_per_second": round(
            sum(r.received_bytes for r in page_runs) / 2**20 / wall, 3) if wall else 0.0,
        "error_samples": [asdict(r) | {"seconds": round(r.seconds, 3)} for r in errors[:20]],
        # Every page run, for the curve over time (start, in s from the first, and duration).
        "runs": [[round(r.start - first, 2), round(r.seconds, 3), r.page, r.kind, r.role]
                 for first in [min((r.start for r in page_runs), default=0.0)]
                 for r in sorted(page_runs, key=lambda r: r.start)],
    }


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return counts


async def measure(url: str, pid: int | None, database_url: str, users: int,
                  args: argparse.Namespace) -> dict[str, Any]:
    plan = prepare(database_url, users)
    rss_start = rss_mib(pid) if pid else None
    warm = await warm_up(url, args.page_timeout) if args.warmup else None
    await asyncio.sleep(1.0 if args.warmup else 0)
    rss_before = rss_mib(pid) if pid else None
    cpu_before = cpu_seconds(pid) if pid else None
    loop_before = main_thread_cpu_seconds(pid) if pid else None
    harness_before = resource.getrusage(resource.RUSAGE_SELF)
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pid, samples, stop)) if pid else None
    run = LoadRun(url, plan, args)
    started = time.monotonic()
    await run.run(users, args.seconds)
    wall = time.monotonic() - started
    cpu_during = cpu_seconds(pid) - cpu_before if pid and cpu_before is not None else None
    loop_during = main_thread_cpu_seconds(pid) - loop_before \
        if pid and loop_before is not None else None
    stop.set()
    if sampler:
        await sampler
    harness_after = resource.getrusage(resource.RUSAGE_SELF)
    rss_close = rss_mib(pid) if pid else None
    if args.settle > 0:
        await asyncio.sleep(args.settle)
        await probe(url, args.page_timeout)
        await asyncio.sleep(1.0)
    rss_after = rss_mib(pid) if pid else None
    correctness = check(plan, list(run.outcomes.values()))
    summary = summarise(run, users, wall)
    summary["think_seconds"] = args.think
    summary["warm_up"] = warm
    summary["server"] = {
        "pid": pid, "cpu_seconds": round(cpu_during, 2) if cpu_during is not None else None,
        "cpu_percent_of_one_core": round(100 * cpu_during / wall, 1)
        if cpu_during is not None and wall else None,
        "cpu_seconds_per_page_run": round(cpu_during / summary["page_runs"], 3)
        if cpu_during is not None and summary["page_runs"] else None,
        "cpu_seconds_event_loop_thread": round(loop_during, 2)
        if loop_during is not None else None,
        "rss_mib": {"at_start": _r(rss_start), "before": _r(rss_before),
                    "peak": _r(max(samples)) if samples else None, "at_close": _r(rss_close),
                    "after": _r(rss_after), "settle_seconds": args.settle}}
    summary["harness_cpu_seconds"] = round(
        harness_after.ru_utime + harness_after.ru_stime
        - harness_before.ru_utime - harness_before.ru_stime, 2)
    summary["correctness"] = correctness
    growth = (rss_after - rss_before) if rss_after is not None and rss_before is not None \
        else None
    p95 = summary["latency_seconds"]["overall"].get("p95")
    summary["targets"] = {
        "all_page_runs_succeed": summary["errors"] == 0,
        "p95_at_most_3_s": p95 is not None and p95 <= TARGET_P95,
        "memory_after_within_100_mib": growth is not None and growth <= TARGET_MEMORY_MIB,
        "correctness": correctness["passed"]}
    return summary


def _r(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def print_summary(result: dict[str, Any]) -> None:
    lat = result["latency_seconds"]["overall"]
    server = result["server"]
    rss = server["rss_mib"]
    print(f"\nN = {result['users']} {result['roles']}: {result['page_runs']} page runs in "
          f"{result['wall_seconds']} s, {result['throughput_runs_per_second']} runs/s, "
          f"{result['errors']} errors")
    print(f"  latency s: P50 {lat.get('p50')}  P95 {lat.get('p95')}  P99 {lat.get('p99')}  "
          f"max {lat.get('max')}")
    print(f"  server: CPU {server['cpu_seconds']} s ({server['cpu_percent_of_one_core']} % of "
          f"one core; event loop thread {server['cpu_seconds_event_loop_thread']} s); "
          f"{result['received_mib_per_second']} MiB/s sent")
    print(f"  RSS MiB: start {rss['at_start']}, before {rss['before']}, peak "
          f"{rss['peak']}, at close {rss['at_close']}, after {rss['after']}; harness CPU "
          f"{result['harness_cpu_seconds']} s")
    print(f"  {'page':<16} {'runs':>5} {'P50':>7} {'P95':>7} {'P99':>7}  KiB/run")
    for page, stats in result["latency_seconds"]["by_page"].items():
        print(f"  {page:<16} {stats['count']:>5} {stats['p50']:>7.3f} {stats['p95']:>7.3f} "
              f"{stats['p99']:>7.3f}  {result['received_kib_per_run'][page]}")
    correctness = result["correctness"]
    print(f"  correctness: {'passed' if correctness['passed'] else 'FAILED'} "
          f"({correctness['saves_checked']} saves, {correctness['submits_checked']} "
          f"submissions, {correctness['validations_checked']} validations, "
          f"{correctness['audit_events_checked']} audit events)")
    for problem in correctness["problems"]:
        print(f"    {problem}")
    for sample in result["error_samples"][:10]:
        print(f"    error: {sample['user']} {sample['page']} {sample['kind']}: {sample['error']}")
    print(f"  targets: {result['targets']}")


def print_curve(results: list[dict[str, Any]]) -> None:
    """One line per N: how throughput, latency, CPU and memory move as sessions are added."""
    print(f"\n{'N':>4} {'db':>10} {'runs':>6} {'runs/s':>7} {'P50':>7} {'P95':>7} {'P99':>7} "
          f"{'CPU %':>6} {'CPU s/run':>9} {'RSS before':>10} {'peak':>7} {'after':>7} "
          f"{'errors':>6} check")
    for r in results:
        lat, server = r["latency_seconds"]["overall"], r["server"]
        rss = server["rss_mib"]
        print(f"{r['users']:>4} {r['database']:>10} {r['page_runs']:>6} "
              f"{r['throughput_runs_per_second']:>7} {lat.get('p50', 0):>7.3f} "
              f"{lat.get('p95', 0):>7.3f} {lat.get('p99', 0):>7.3f} "
              f"{server['cpu_percent_of_one_core'] or 0:>6} "
              f"{server['cpu_seconds_per_page_run'] or 0:>9} {rss['before'] or 0:>10} "
              f"{rss['peak'] or 0:>7} {rss['after'] or 0:>7} {r['errors']:>6} "
              f"{'ok' if r['correctness']['passed'] else 'FAILED'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--start", action="store_true",
                        help="start `streamlit run app.py` on a free port, on a fresh database "
                             "for every N")
    target.add_argument("--url", help="a running server; --database-url is its database, in "
                                      "which the harness creates accounts and reopens quarters: "
                                      "a scratch copy, never data/")
    parser.add_argument("--database-url",
                        help="with --start: default a fresh SQLite copy of the demo data set; "
                             "a PostgreSQL URL names a scratch database that is re-created "
                             "(its name must contain 'load'); with --url: the server's database")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's process id "
                                                       "(for CPU and memory)")
    parser.add_argument("--users", default="10", help="N, or a list: 10,25,50")
    parser.add_argument("--seconds", type=float, default=60.0, help="time each run cycles pages")
    parser.add_argument("--think", type=float, default=10.0,
                        help="mean pause between a user's clicks, s (0: back to back)")
    parser.add_argument("--ramp", type=float, default=None,
                        help="sessions start spread over this many seconds (default 0.1 s per "
                             "session, at most 5)")
    parser.add_argument("--drain", type=float, default=60.0,
                        help="time the secretariat may take after the end to validate what "
                             "is still waiting")
    parser.add_argument("--page-timeout", type=float, default=60.0)
    parser.add_argument("--session-ttl", type=int, default=10,
                        help="with --start: seconds a closed session is kept for reconnection")
    parser.add_argument("--settle", type=float, default=None,
                        help="wait before the 'after' memory sample (default: session TTL + 5 "
                             "with --start, else 0)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    if args.url and not args.database_url:
        parser.error("--url needs --database-url (accounts are set up and saves checked there)")
    if args.settle is None:
        args.settle = args.session_ttl + 5 if args.start else 0.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counts = [int(n) for n in str(args.users).split(",") if n.strip()]
    results = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cdsi-load-")))
        template = SqliteTemplate(workdir)
        for users in counts:
            if args.start:
                if args.database_url:
                    database_url = fresh_postgres(args.database_url)
                else:
                    database_url = template.fresh(f"load-{users}")
                log = workdir / f"streamlit-{users}.log"
                with streamlit_server(database_url, log, session_ttl=args.session_ttl) as server:
                    result = asyncio.run(measure(server.url, server.pid, database_url, users,
                                                 args))
                    if result["errors"]:
                        result["server_log_tail"] = log.read_text()[-4000:]
            else:
                database_url = args.database_url
                result = asyncio.run(measure(args.url, args.server_pid, database_url, users,
                                             args))
            result["database"] = database_url.split("://", 1)[0]
            print_summary(result)
            results.append(result)
    print_curve(results)
    report = {"machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, "
                         f"load average {os.getloadavg()[0]:.1f} at the end",
              "command": " ".join(sys.argv), "runs": results}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    failed = any(r["errors"] or not r["correctness"]["passed"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
