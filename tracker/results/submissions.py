"""Who has reported: the structures × quarters matrix, windows, targets and ASIN's review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, own_structure, reads_drafts_anywhere, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.errors import NotFound, StaleEdit, TrackerError
from tracker.core.formats import format_number, format_value, quarter_key
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    Kpi,
    Result,
    Structure,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
)
from tracker.core.periods import get_window, previous_quarter, quarter_end
from tracker.core.saving import RowRefused, check_rows, write_rows
from tracker.core.tables import ColumnSpec, RowChange
from tracker.results.entry import COMPUTED_KPIS, rule_of, target_for, targets_lookup
from tracker.results.kpis import display_value, far_from_target, jump_flag

MATRIX_STATES = ("not_started", "draft", "submitted", "validated", "returned", "late")


def state_of(submission: Submission | None, window: SubmissionWindow | None, today: date) -> str:
    """A cell of the matrix: the submission's status, or late once the window closed without a
    submission."""
    status = submission.status if submission else "not_started"
    if status in ("not_started", "draft", "returned") and window is not None \
            and today > window.closes_on and not (submission and submission.reopened):
        return "late"
    return status


@dataclass(frozen=True)
class QuarterProgress:
    """How far a quarter's entry has gone: structures validated out of those in force."""

    year: int
    quarter: int
    validated: int
    expected: int
    window_open: bool  # its submission window has not closed yet (or, without one, not ended)

    @property
    def provisional(self) -> bool:
        """THE rule for a provisional quarter (every trend follows it): a quarter is provisional
        while its submission window has not closed (a quarter without a window: until it has
        ended), or while fewer than half of the structures in force have their submission
        validated. A provisional quarter is never drawn as a national or a structure figure:
        the trends show it apart, labelled « provisoire : n/N structures validées »."""
        return self.window_open or 2 * self.validated < self.expected


def quarter_progress(session: Session, today: date) -> dict[tuple[int, int], QuarterProgress]:
    """Every quarter with a window or a validated submission: its progress on ``today``."""
    windows = {(w.year, w.quarter): w for w in session.exec(select(SubmissionWindow))}
    validated: dict[tuple[int, int], set[int]] = {}
    for year, quarter, sid in session.exec(
            select(Submission.year, Submission.quarter,  # type: ignore[call-overload]
                   Submission.structure_id).where(
                Submission.status == SubmissionStatus.validated)):
        validated.setdefault((int(year), int(quarter)), set()).add(int(sid))
    structures = repo.list_structures(session)
    out: dict[tuple[int, int], QuarterProgress] = {}
    for year, quarter in sorted(set(windows) | set(validated)):
        end = quarter_end(year, quarter)
        window = windows.get((year, quarter))
        still_open = today <= (window.closes_on if window is not None else end)
        out[(year, quarter)] = QuarterProgress(
            year, quarter, len(validated.get((year, quarter), ())),
            sum(1 for s in structures if s.in_force(end)), still_open)
    return out


def matrix_frame(session: Session, actor: Actor, quarters: list[tuple[int, int]],
                 today: date) -> pd.DataFrame:
    """Structures in force × quarters, each cell a state from MATRIX_STATES (admin, leadership)."""
    require(actor, Action.see_submissions)
    structures = [s for s in repo.list_structures(session)]
    subs = session.exec(select(Submission).where(
        col(Submission.year).in_({y for y, _ in quarters}))).all()
    by_key = {(s.structure_id, s.year, s.quarter): s for s in subs}
    windows = {(y, q): get_window(session, y, q) for y, q in quarters}
    from tracker.core.periods import quarter_end

    rows = []
    for structure in structures:
        row: dict[str, object] = {"code": structure.code, "name": structure.name_fr}
        active = False
        for y, q in quarters:
            end = quarter_end(y, q)
            start = date(y, 3 * q - 2, 1)
            if not (structure.in_force(end) or structure.in_force(start)):
                row[quarter_key(y, q)] = None
                continue
            active = True
            row[quarter_key(y, q)] = state_of(by_key.get((structure.id or 0, y, q)),
                                              windows[(y, q)], today)
        if active:
            rows.append(row)
    return pd.DataFrame(rows, columns=["code", "name",
                                       *[quarter_key(y, q) for y, q in quarters]])


def matrix_quarters(matrix: pd.DataFrame) -> list[str]:
    """The matrix's quarter columns, oldest first."""
    return [c for c in matrix.columns if c not in ("code", "name")]


def filter_matrix(matrix: pd.DataFrame, state: str | None, quarter: str) -> pd.DataFrame:
    """The structures whose ``quarter`` (a column, « 2026-T3 ») is in ``state`` (all of them for
    None, or when that quarter is not shown)."""
    if state is None or quarter not in matrix.columns:
        return matrix
    return matrix[matrix[quarter] == state]


def matrix_counts(matrix: pd.DataFrame) -> pd.DataFrame:
    """Counts per state and quarter."""
    quarters = matrix_quarters(matrix)
    data = {q: [int((matrix[q] == s).sum()) for s in MATRIX_STATES] for q in quarters}
    return pd.DataFrame(data, index=list(MATRIX_STATES))


# The order of ASIN's queue: what awaits a decision first, what is settled last.
QUEUE_ORDER = ("submitted", "returned", "draft", "late", "not_started", "validated")


def queue_frame(session: Session, actor: Actor, year: int, quarter: int,
                today: date) -> pd.DataFrame:
    """ASIN's review queue: every structure in force and its submission for the quarter, what
    awaits review first (the oldest submission first), then returned and draft declarations,
    the validated ones last; by name within a state."""
    require(actor, Action.validate)
    window = get_window(session, year, quarter)
    subs = {s.structure_id: s for s in session.exec(select(Submission).where(
        Submission.year == year, Submission.quarter == quarter))}
    rows = []
    end = date(year, 3 * quarter, 28)
    for s in repo.list_structures(session):
        if not s.in_force(end):
            continue
        sub = subs.get(s.id or 0)
        rows.append({"structure_id": s.id, "code": s.code, "name": s.name_fr,
                     "state": state_of(sub, window, today),
                     "submitted_at": sub.submitted_at if sub else None,
                     "submission_id": sub.id if sub else None,
                     "version": sub.version if sub else None})
    awaiting = sorted((r for r in rows if r["state"] == "submitted"),
                      key=lambda r: (r["submitted_at"] is None, r["submitted_at"] or 0, r["name"]))
    others = sorted((r for r in rows if r["state"] != "submitted"),
                    key=lambda r: (QUEUE_ORDER.index(r["state"]), str(r["name"]).casefold()))
    return pd.DataFrame(awaiting + others, columns=[
        "structure_id", "code", "name", "state", "submitted_at", "submission_id", "version"])


def queue_counts(queue: pd.DataFrame) -> str:
    """The queue at a glance, what awaits review first: « 8 à examiner · 2 renvoyées · … »."""
    counts = queue["state"].value_counts()
    parts = [t(f"validation.count.{state}", n=int(counts.get(state, 0))) for state in QUEUE_ORDER
             if state == "submitted" or counts.get(state, 0)]
    return " · ".join(parts)


def next_to_review(queue: pd.DataFrame, structure_id: int) -> int | None:
    """The declaration to open after deciding on ``structure_id``'s: the first other one that
    awaits review (the queue's order), else none."""
    waiting = queue[(queue["state"] == "submitted") & (queue["structure_id"] != structure_id)]
    return int(waiting["structure_id"].iloc[0]) if not waiting.empty else None


def review_frame(session: Session, actor: Actor, submission_id: int) -> pd.DataFrame:
    """Each KPI of a submission against the previous quarter and the target, with flags: what
    to look at first heads the table (the values flagged, then the blank KPIs), then the KPIs
    in their catalogue order. A blank KPI is an active KPI the DSI enters (not a computed one)
    with no value in the declaration."""
    require(actor, Action.validate)
    sub = session.get(Submission, submission_id)
    if sub is None:
        raise NotFound(t("common.not_found"))
    kpis = {k.id: k for k in repo.list_kpis(session) if k.id is not None}
    current = {r.kpi_id: r for r in session.exec(select(Result).where(
        Result.structure_id == sub.structure_id, Result.year == sub.year,
        Result.quarter == sub.quarter))}
    py, pq = previous_quarter(sub.year, sub.quarter)
    previous = {r.kpi_id: r for r in session.exec(select(Result).where(
        Result.structure_id == sub.structure_id, Result.year == py, Result.quarter == pq))}
    lookup = targets_lookup(session, sub.year)
    expected = {k.id for k in kpis.values()
                if k.id is not None and k.active and k.code not in COMPUTED_KPIS}
    rows = []
    for kpi_id in sorted(set(current) | expected, key=lambda k: kpis[k].position):
        kpi = kpis[kpi_id]
        rule = rule_of(kpi)
        r = current.get(kpi_id)
        value = display_value(rule, r.value, r.numerator, r.denominator) if r else None
        prev = previous.get(kpi_id)
        before = display_value(rule, prev.value, prev.numerator, prev.denominator) if prev else None
        target = target_for(lookup, kpi_id, sub.structure_id, sub.quarter)
        flags = [t("results.flag_jump")] if jump_flag(value, before) else []
        if far_from_target(kpi.direction, value, target):
            flags.append(t("results.flag_target"))
        if value is None:
            flags.insert(0, t("validation.flag_blank"))
        rows.append({"code": kpi.code,
                     "label": kpi.label_fr if get_language() == "fr" else kpi.label_en,
                     "flag": " · ".join(flags),
                     "value": format_value(value, kpi.unit),
                     "detail": f"{format_number(r.numerator, 0)} / "
                               f"{format_number(r.denominator, 0)}" if r and kpi.ratio
                     and r.numerator is not None and r.denominator is not None else "",
                     "previous": format_value(before, kpi.unit),
                     "target": format_value(target, kpi.unit),
                     "comment": r.comment if r else "", "blank": value is None})
    # Stable: the values flagged first, then the blank KPIs, then the rest, each in KPI order.
    rows.sort(key=lambda row: 1 if row["blank"] else 0 if row["flag"] else 2)
    return pd.DataFrame(rows, columns=["code", "label", "flag", "value", "previous", "target",
                                       "detail", "comment"])


# --- windows and targets (admin) ----------------------------------------------------------


def set_window(session: Session, actor: Actor, year: int, quarter: int, opens_on: date,
               closes_on: date, *, seen_version: int | None) -> SubmissionWindow:
    """Open (or move) a quarter's submission window."""
    require(actor, Action.manage_windows)
    if closes_on < opens_on:
        raise TrackerError(t("results.window_order"))
    window = get_window(session, year, quarter)
    if window is None and seen_version is not None:
        raise StaleEdit(t("common.stale_concurrent"))  # the window on screen was removed
    if window is None:
        window = SubmissionWindow(year=year, quarter=quarter, opens_on=opens_on,
                                  closes_on=closes_on)
        audit.add_new(session, actor, window)
        audit.created(session, actor, window, label=f"{year}-T{quarter}",
                      entered={"opens_on": opens_on, "closes_on": closes_on})
        return window
    audit.ensure_fresh(session, window, seen_version)
    audit.write_changes(session, actor, window, {"opens_on": opens_on, "closes_on": closes_on},
                        label=f"{year}-T{quarter}")
    return window


TARGET_COLUMNS = ["kpi", "structure", "quarter", "value"]


def targets_frame(session: Session, actor: Actor, year: int) -> pd.DataFrame:
    """A year's targets as an editable table (structure empty = national; quarter 0 = year)."""
    require(actor, Action.read_reports)
    kpis = {k.id: k.code for k in repo.list_kpis(session)}
    codes = repo.structure_codes_by_id(session)
    rows = [{"id": r.id, "kpi": kpis.get(r.kpi_id), "structure": codes.get(r.structure_id or -1),
             "quarter": r.quarter, "value": r.value, "version": r.version}
            for r in session.exec(select(Target).where(Target.year == year))]
    frame = pd.DataFrame(rows, columns=["id", *TARGET_COLUMNS, "version"]).set_index("id")
    return frame.sort_values(["kpi", "structure", "quarter"], na_position="first")


def save_targets(session: Session, actor: Actor, year: int, changes: list[RowChange],
                 versions: dict[int, int]) -> int:
    """Apply edited and added targets, all or nothing."""
    require(actor, Action.manage_windows)
    kpis: dict[str, Kpi] = {k.code: k for k in repo.list_kpis(session)}
    structures: dict[str, Structure] = {s.code: s for s in repo.list_structures(session)}

    def check(change: RowChange) -> dict[str, Any]:
        v = change.values
        kpi = kpis.get(read.text(v.get("kpi")).upper())
        code = read.text(v.get("structure")).upper()
        quarter, value = v.get("quarter") or 0, v.get("value")
        if kpi is None:
            raise RowRefused(t("results.col_code"), t("results.unknown_kpi", code=v.get("kpi")))
        if code and code not in structures:
            raise RowRefused(t("results.col_structure"), t("users.unknown_structure", code=code))
        if not isinstance(quarter, int | float) or int(quarter) not in range(5):
            raise RowRefused(t("results.col_quarter"), t("results.bad_quarter"))
        if not isinstance(value, int | float):
            raise RowRefused(t("results.col_value"), t("results.value_required"))
        return {"kpi_id": kpi.id, "structure_id": structures[code].id if code else None,
                "quarter": int(quarter), "value": float(value)}

    def duplicate() -> TrackerError:  # the unique scope (kpi, year, structure, quarter)
        return TrackerError(t("results.duplicate_target"))

    written = write_rows(session, actor, Target, check_rows(changes, check), versions,
                         new=lambda values: Target(year=year, **values),
                         label=lambda _row: f"{year}", conflict=duplicate)
    try:
        session.flush()
    except IntegrityError as exc:  # an edited row moved onto another's scope
        raise duplicate() from exc
    return written


def quarter_results_frame(session: Session, actor: Actor, year: int,
                          quarter: int) -> pd.DataFrame:
    """The quarter's results a user may see: admins all, a DSI their own and others' validated
    ones, leadership and viewers validated only."""
    kpis = {k.id: k for k in repo.list_kpis(session)}
    codes = repo.structure_codes_by_id(session)
    query = select(Result).where(Result.year == year, Result.quarter == quarter)
    if not reads_drafts_anywhere(actor):
        mine = own_structure(actor)
        if mine is not None:
            query = query.where((Result.status == SubmissionStatus.validated)
                                | (Result.structure_id == mine))
        else:
            query = query.where(Result.status == SubmissionStatus.validated)
    rows = []
    for r in session.exec(query):
        kpi = kpis[r.kpi_id]
        rows.append({"structure": codes.get(r.structure_id), "kpi": kpi.code,
                     "label": kpi.label_fr, "unit": kpi.unit,
                     "value": display_value(rule_of(kpi), r.value, r.numerator, r.denominator),
                     "numerator": r.numerator, "denominator": r.denominator,
                     "comment": r.comment, "evidence_url": r.evidence_url, "status": r.status})
    return pd.DataFrame(rows, columns=["structure", "kpi", "label", "unit", "value", "numerator",
                                       "denominator", "comment", "evidence_url", "status"])


def target_column_specs(session: Session) -> dict[str, ColumnSpec]:
    """The targets table's columns: the KPI chosen among the catalogue's codes (what the save
    reads) and shown by its name, « Taux de dématérialisation (ESV_DEMAT) »."""
    lang = get_language()
    names = {k.code: (k.label_fr if lang == "fr" else k.label_en or k.label_fr) or k.code
             for k in repo.list_kpis(session)}
    return {"kpi": ColumnSpec("select", t("results.col_kpi"), options=tuple(names),
                              required=True, width=420,
                              labels=lambda code: f"{names.get(code, code)} ({code})"),
            "structure": ColumnSpec("text", t("results.col_structure")),
            "quarter": ColumnSpec("number", t("results.col_quarter")),
            "value": ColumnSpec("number", t("results.col_value"), required=True)}
