"""The database side of the load harness: the accounts and open quarters a run needs (in the
harness's own copy of the database), a snapshot before the run, and the check afterwards that
every acknowledged save is in the database, audited once per changed field, with no lost update.

The only module of bench/load*.py that imports tracker; its imports are listed at the top.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select

from tracker.accounts.auth import load_actor
from tracker.accounts.users import create_user
from tracker.core.audit import as_text
from tracker.core.db import make_engine, transaction
from tracker.core.models import AuditEvent, Kpi, Result, Structure, Submission, User
from tracker.core.periods import get_window, reporting_quarter
from tracker.results.review import reopen

# Who the N sessions are, in order: DSIs are the largest population, then the secretariat,
# leadership and viewers (N = 10: 6 DSIs, 1 admin, 1 leadership, 2 viewers).
ROLE_ORDER = ("dsi", "admin", "dsi", "leadership", "dsi", "viewer", "dsi", "dsi", "viewer", "dsi")
DEMO_LOGINS = {"admin": "admin", "leadership": "direction", "viewer": "observateur"}
DEMO_DSI = {"MS": "dsi-ms", "MEF": "dsi-mef"}
DEMO_PASSWORD = "demo"
LOAD_PASSWORD = "load-harness-2026"
RESULT_FIELDS = ("value", "numerator", "denominator", "comment", "evidence_url")
SUBMISSION_FIELDS = ("status", "submitted_at", "submitted_by_id", "reviewed_at", "reviewer_id",
                     "review_comment", "reopened")
EDITABLE = (None, "draft", "returned")


@dataclass
class Account:
    login: str
    password: str
    role: str
    structure_code: str | None = None
    structure_id: int | None = None
    structure_name: str | None = None  # as the validation queue names it


@dataclass
class Plan:
    """What a run does: its accounts, the quarter the DSIs save, the KPI they type into."""

    database_url: str
    year: int
    quarter: int
    kpi_code: str
    kpi_id: int
    accounts: list[Account]
    audit_baseline: int = 0
    before: dict[str, Any] = field(default_factory=dict)
    reopened: list[str] = field(default_factory=list)


def _in_force(structure: Structure, today: date) -> bool:
    return (structure.valid_from is None or structure.valid_from <= today) and (
        structure.valid_to is None or structure.valid_to >= today)


def prepare(database_url: str, users: int, today: date | None = None) -> Plan:
    """Accounts for ``users`` sessions (the demo accounts first, then ``load-*`` accounts, one
    DSI per structure in force), each DSI's quarter open for entry (reopened by the secretariat
    when it was submitted or validated), and the snapshot the check compares with."""
    today = today or date.today()
    engine = make_engine(database_url)
    roles = [ROLE_ORDER[i % len(ROLE_ORDER)] for i in range(users)]
    with transaction(engine) as session:
        year, quarter = reporting_quarter(session, today)
        structures = [s for s in session.exec(select(Structure).order_by(col(Structure.code)))
                      if _in_force(s, today)]
        structures.sort(key=lambda s: (s.code not in DEMO_DSI, list(DEMO_DSI).index(s.code)
                                       if s.code in DEMO_DSI else 0, s.code))
        kpi = session.exec(select(Kpi).where(Kpi.unit == "count", Kpi.active,
                                             col(Kpi.ratio).is_(False),
                                             col(Kpi.code).not_like("CDSI_%"))
                           .order_by(col(Kpi.id))).first()
        assert kpi is not None and kpi.id is not None, "no count KPI to type into"
        accounts: list[Account] = []
        counters: dict[str, int] = defaultdict(int)
        free = list(structures)
        for role in roles:
            if role == "dsi" and not free:
                role = "viewer"  # more DSIs than structures in force: the rest only read
            counters[role] += 1
            if role == "dsi":
                structure = free.pop(0)
                login = DEMO_DSI.get(structure.code, f"load-dsi-{structure.code.lower()}")
                accounts.append(Account(login, DEMO_PASSWORD if login in DEMO_DSI.values()
                                        else LOAD_PASSWORD, role, structure.code, structure.id,
                                        structure.name_fr))
            elif counters[role] == 1:
                accounts.append(Account(DEMO_LOGINS[role], DEMO_PASSWORD, role))
            else:
                accounts.append(Account(f"load-{role}-{counters[role]}", LOAD_PASSWORD, role))
        for account in accounts:
            if session.exec(select(User).where(User.login == account.login)).first() is None:
                create_user(session, None, {
                    "login": account.login, "display_name": f"Charge {account.login}",
                    "role": account.role, "structure_code": account.structure_code,
                    "password": account.password})
        plan = Plan(database_url, year, quarter, kpi.code, kpi.id, accounts)
    with transaction(engine) as session:
        admin = session.exec(select(User).where(User.login == "admin")).one()
        assert admin.id is not None
        actor = load_actor(session, admin.id)
        window = get_window(session, year, quarter)
        open_now = window is not None and window.opens_on <= today <= window.closes_on
        for account in accounts:
            if account.role != "dsi" or account.structure_id is None:
                continue
            submission = _submission(session, account.structure_id, year, quarter)
            status = submission.status if submission else None
            if status not in EDITABLE or not (open_now or (submission and submission.reopened)):
                reopen(session, actor, account.structure_id, year, quarter,
                       seen_version=submission.version if submission else None)
                plan.reopened.append(account.structure_code or "?")
    plan.before = snapshot(plan)
    plan.audit_baseline = plan.before["audit_max"]
    engine.dispose()
    return plan


def _submission(session: Any, structure_id: int, year: int, quarter: int) -> Submission | None:
    return session.exec(select(Submission).where(
        Submission.structure_id == structure_id, Submission.year == year,
        Submission.quarter == quarter)).first()


_ISO = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")


def norm(value: Any) -> str | None:
    """A value as the audit trail writes it; empty text as nothing, timestamps in naive UTC."""
    text = value if isinstance(value, str) or value is None else as_text(value)
    if text is None or text == "":
        return None
    if _ISO.match(text):
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat()
    return text


def snapshot(plan: Plan) -> dict[str, Any]:
    """The DSIs' results and submissions for the quarter, and the last audit event's id."""
    engine = make_engine(plan.database_url)
    ids = [a.structure_id for a in plan.accounts if a.role == "dsi" and a.structure_id]
    with transaction(engine) as session:
        results = {}
        for r in session.exec(select(Result).where(
                col(Result.structure_id).in_(ids), Result.year == plan.year,
                Result.quarter == plan.quarter)):
            results[("Result", r.id)] = {"structure_id": r.structure_id, "kpi_id": r.kpi_id,
                                         **{f: norm(getattr(r, f)) for f in RESULT_FIELDS}}
        submissions = {}
        for s in session.exec(select(Submission).where(
                col(Submission.structure_id).in_(ids), Submission.year == plan.year,
                Submission.quarter == plan.quarter)):
            submissions[("Submission", s.id)] = {
                "structure_id": s.structure_id, **{f: norm(getattr(s, f))
                                                   for f in SUBMISSION_FIELDS}}
        audit_max = session.exec(select(AuditEvent.id).order_by(
            col(AuditEvent.id).desc())).first() or 0
        events = [] if not plan.audit_baseline and not plan.before else [
            (e.id, e.object_type, e.object_id, e.field, e.old_value, e.new_value, e.action,
             e.user_login)
            for e in session.exec(select(AuditEvent).where(
                col(AuditEvent.id) > plan.audit_baseline).order_by(col(AuditEvent.id)))]
    engine.dispose()
    return {"objects": {**results, **submissions}, "audit_max": audit_max, "events": events}


# What a DSI of the run writes as the reason for each KPI left blank or flagged when submitting.
REASON = "Donnée non disponible ce trimestre (essai de charge)"


@dataclass
class Outcome:
    """What the harness saw acknowledged on screen for one DSI's quarter."""

    structure_id: int
    structure_code: str
    login: str
    structure_name: str = ""
    typed: float | None = None
    saved: bool = False
    submitted: bool = False
    validated: bool = False


def check(plan: Plan, outcomes: list[Outcome]) -> dict[str, Any]:
    """After the run: each acknowledged save is in the database; per object and field, the audit
    events since the run began form one chain from the value before to the value now (one event
    per change, none missing, none lost: a lost update breaks the chain); no other row of the
    DSIs' quarters changed; one submit per submission and one validation per validation seen."""
    after = snapshot(plan)
    before_objects, after_objects = plan.before["objects"], after["objects"]
    problems: list[str] = []
    chains: dict[tuple[str, int, str], list[tuple[Any, ...]]] = defaultdict(list)
    counted = 0
    for event in after["events"]:
        _id, kind, object_id, fld, _old, _new, _action, _user = event
        if kind not in ("Result", "Submission"):
            continue
        counted += 1
        if (kind, object_id) not in after_objects:
            problems.append(f"audit event {_id} on {kind} {object_id}: not a row of the run")
            continue
        if fld:
            chains[(kind, object_id, fld)].append(event)
    created_bare = {(e[1], e[2]) for e in after["events"] if e[6] == "create" and not e[3]}
    for key, obj in after_objects.items():
        kind = key[0]
        fields = RESULT_FIELDS if kind == "Result" else SUBMISSION_FIELDS
        old_obj = before_objects.get(key, {})
        for fld in fields:
            events = chains.get((kind, key[1], fld), [])
            current = old_obj.get(fld)
            if key not in before_objects and key in created_bare:
                # Created in the run by one event naming no field: its first values are the
                # defaults, which the field's first event (if any) starts from.
                current = norm(events[0][4]) if events else obj.get(fld)
            for event in events:
                if norm(event[4]) != current:
                    problems.append(f"{kind} {key[1]} {fld}: event {event[0]} starts from "
                                    f"{event[4]!r}, the value was {current!r} (lost update)")
                if norm(event[4]) == norm(event[5]):
                    problems.append(f"{kind} {key[1]} {fld}: event {event[0]} changes nothing")
                current = norm(event[5])
            if current != obj.get(fld):
                problems.append(f"{kind} {key[1]} {fld}: database holds {obj.get(fld)!r}, the "
                                f"audit trail ends at {current!r}")
    result_ids = {(o["structure_id"], o["kpi_id"]): k[1] for k, o in after_objects.items()
                  if k[0] == "Result"}
    submission_ids = {o["structure_id"]: k[1] for k, o in after_objects.items()
                      if k[0] == "Submission"}
    for (kind, object_id, fld), events in chains.items():
        if kind == "Result" and fld == "comment" and all(
                norm(e[5]) == REASON for e in events):
            continue  # the reason a DSI gives for a blank or flagged KPI when submitting
        if kind == "Result" and not (after_objects[(kind, object_id)]["kpi_id"] == plan.kpi_id
                                     and fld == "value"):
            problems.append(f"Result {object_id} {fld}: changed, though only {plan.kpi_code} "
                            f"was typed into ({len(events)} events)")
    saves = submits = validations = 0
    for outcome in outcomes:
        result_id = result_ids.get((outcome.structure_id, plan.kpi_id))
        value = after_objects.get(("Result", result_id), {}).get("value")
        value_events = chains.get(("Result", result_id, "value"), []) if result_id else []
        if outcome.saved:
            saves += 1
            if value != norm(outcome.typed):
                problems.append(f"{outcome.structure_code}: saved {outcome.typed!r}, the "
                                f"database holds {value!r}")
            if len(value_events) != 1:
                problems.append(f"{outcome.structure_code}: one save, {len(value_events)} "
                                f"audit events on the value")
        status_events = chains.get(("Submission", submission_ids.get(outcome.structure_id, -1),
                                    "status"), [])
        news = [norm(e[5]) for e in status_events]
        status = after_objects.get(("Submission", submission_ids.get(outcome.structure_id, -1)),
                                   {}).get("status")
        if outcome.submitted:
            submits += 1
            if news.count("submitted") != 1 or status not in ("submitted", "validated"):
                problems.append(f"{outcome.structure_code}: submitted once, status {status!r}, "
                                f"{news.count('submitted')} submit events")
        if outcome.validated:
            validations += 1
            if news.count("validated") != 1 or status != "validated":
                problems.append(f"{outcome.structure_code}: validated once, status {status!r}, "
                                f"{news.count('validated')} validate events")
    return {"passed": not problems, "problems": problems[:50], "saves_checked": saves,
            "submits_checked": submits, "validations_checked": validations,
            "audit_events_checked": counted, "quarter": f"{plan.year}-T{plan.quarter}",
            "kpi": plan.kpi_code, "reopened_before_run": plan.reopened}
