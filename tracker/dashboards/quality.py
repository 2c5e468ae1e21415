"""Data-quality and reporting-discipline score of each structure for each quarter, 0–100.

Five components, each with its points (the score is their sum):

- timeliness (25): submitted before the window closed; 0 if never submitted; a late submission
  loses its points over 30 days;
- completeness (30): KPIs filled among those expected (the ones the structure reported in the
  four quarters before; every entered KPI when it has no such history);
- returns (15): returned by ASIN for correction: 15 if never, 7.5 once, 0 twice or more;
- corrections (10): 0 when ASIN had to reopen the quarter after validating it;
- explanations (20): share of flagged values (a ×3 jump on the previous quarter, or far from the
  target) that carry a comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from tracker.core import repository as repo
from tracker.core.formats import LOCAL_TZ
from tracker.core.models import AuditEvent, Result, Submission, SubmissionStatus, SubmissionWindow
from tracker.core.periods import previous_quarter, quarter_end
from tracker.dashboards.views import structures_in_force, successor_codes, target_of, targets_frame
from tracker.results.kpis import KpiRule, display_value, far_from_target, jump_flag

POINTS = {"timeliness": 25.0, "completeness": 30.0, "returns": 15.0, "corrections": 10.0,
          "explanations": 20.0}
COMPONENTS = tuple(POINTS)
LATE_DAYS = 30
COMPUTED = ("CDSI_RECO", "CDSI_PRES")
SCORE_COLUMNS = ["structure", "year", "quarter", "score", *COMPONENTS, "submitted",
                 "days_late", "filled", "expected", "returned", "reopened", "flagged",
                 "unexplained"]


@dataclass(frozen=True)
class Facts:
    """What one structure did for one quarter: the raw facts the score is computed from."""

    structure: str
    year: int
    quarter: int
    submitted: bool
    days_late: int
    filled: int
    expected: int
    returned: int
    reopened: int
    flagged: int
    unexplained: int


def score(facts: Facts) -> dict[str, float]:
    """The points of each component and their total, from a quarter's facts."""
    timely = 0.0 if not facts.submitted else max(0.0, 1 - max(facts.days_late, 0) / LATE_DAYS)
    parts = {
        "timeliness": timely,
        "completeness": min(1.0, facts.filled / facts.expected) if facts.expected else 1.0,
        "returns": {0: 1.0, 1: 0.5}.get(facts.returned, 0.0),
        "corrections": 1.0 if facts.reopened == 0 else 0.0,
        "explanations": 1 - facts.unexplained / facts.flagged if facts.flagged else 1.0}
    points = {name: round(POINTS[name] * share, 1) for name, share in parts.items()}
    points["score"] = round(sum(points.values()), 1)
    return points


def score_frame(facts: list[Facts]) -> pd.DataFrame:
    """One row per structure and quarter: the score, its components and the facts behind."""
    rows = [{**facts_row.__dict__, **score(facts_row)} for facts_row in facts]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def advice(row: pd.Series) -> list[str]:
    """The components that lost points, the biggest loss first (keys of ``quality.advice``)."""
    lost = {name: POINTS[name] - float(row[name]) for name in COMPONENTS}
    return [name for name, gap in sorted(lost.items(), key=lambda kv: -kv[1]) if gap > 0.05]


def components_frame(row: pd.Series) -> pd.DataFrame:
    """One quarter's score component by component: points earned, points possible, and the
    facts behind each (days late, KPIs filled, returns, reopenings, flags left unexplained)."""
    facts = {"timeliness": f"{max(int(row['days_late']), 0)}" if row["submitted"] else "—",
             "completeness": f"{int(row['filled'])}/{int(row['expected'])}",
             "returns": f"{int(row['returned'])}", "corrections": f"{int(row['reopened'])}",
             "explanations": f"{int(row['unexplained'])}/{int(row['flagged'])}"}
    return pd.DataFrame([{"component": name, "points": float(row[name]),
                          "out_of": POINTS[name], "facts": facts[name]}
                         for name in COMPONENTS])


def _days_late(submission: Submission, closes: date | None) -> int:
    if submission.submitted_at is None or closes is None:
        return 0
    stamp = pd.Timestamp(submission.submitted_at)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return (stamp.tz_convert(LOCAL_TZ).date() - closes).days


Cells = dict[tuple[int, int, int], dict[int, Any]]


def _cells(session: Session, periods: Sequence[tuple[int, int]], kpis: Sequence[int]) -> Cells:
    """The results of these quarters, by structure and quarter, then KPI: plain rows (tens of
    thousands at decade scale: as ORM objects they cost seconds on the first « Trajectoires »)."""
    rows: Sequence[Any] = session.exec(select(  # type: ignore[call-overload]
        Result.structure_id, Result.year, Result.quarter, Result.kpi_id, Result.value,
        Result.numerator, Result.denominator, Result.comment).where(
        or_(*[and_(col(Result.year) == y, col(Result.quarter) == q) for y, q in set(periods)]),
        col(Result.kpi_id).in_(list(kpis)))).all()
    cells: Cells = {}
    for row in rows:
        cells.setdefault((row.structure_id, row.year, row.quarter), {})[row.kpi_id] = row
    return cells


def _earlier(year: int, quarter: int) -> list[tuple[int, int]]:
    earlier = [previous_quarter(year, quarter)]
    for _ in range(3):
        earlier.append(previous_quarter(*earlier[-1]))
    return earlier


def _kpis(session: Session) -> dict[int, Any]:
    return {k.id or 0: k for k in repo.list_kpis(session, active_only=True)
            if k.code not in COMPUTED}


def quarter_facts(session: Session, year: int, quarter: int, *,
                  cells: Cells | None = None, targets: pd.DataFrame | None = None) -> list[Facts]:
    """The facts of every structure in force in a quarter (all submission states: discipline
    is about reporting, not about the values). ``cells`` (``_cells`` of this quarter and the
    four before) and ``targets`` are read when not given."""
    window = session.exec(select(SubmissionWindow).where(
        SubmissionWindow.year == year, SubmissionWindow.quarter == quarter)).first()
    closes = window.closes_on if window else None
    subs = {s.structure_id: s for s in session.exec(select(Submission).where(
        Submission.year == year, Submission.quarter == quarter))}
    kpis = _kpis(session)
    rules = {i: KpiRule(k.code, k.unit, k.direction, k.agg_quarters, k.agg_structures, k.ratio)
             for i, k in kpis.items()}
    earlier = _earlier(year, quarter)
    by_period = cells if cells is not None else _cells(
        session, [(year, quarter), *earlier], list(kpis))
    events = session.exec(select(AuditEvent).where(
        AuditEvent.object_type == "Submission",
        col(AuditEvent.action).in_(["return", "reopen"]),
        col(AuditEvent.object_id).in_([s.id for s in subs.values()]))).all()
    targets = targets if targets is not None else targets_frame(session)
    codes = successor_codes(session)
    out = []
    for structure in structures_in_force(session, year, quarter):
        sid = structure.id or 0
        sub = subs.get(sid)
        now = by_period.get((sid, year, quarter), {})
        usual = set().union(*[by_period.get((sid, y, q), {}).keys() for y, q in earlier])
        expected = usual or set(kpis)
        filled = {k for k, r in now.items() if r.value is not None or (
            r.numerator is not None and r.denominator is not None)}
        before = by_period.get((sid, *earlier[0]), {})
        flagged = unexplained = 0
        for kpi_id, result in now.items():
            rule = rules[kpi_id]
            shown = display_value(rule, result.value, result.numerator, result.denominator)
            prev = before.get(kpi_id)
            previous = display_value(rule, prev.value, prev.numerator, prev.denominator) \
                if prev else None
            if jump_flag(shown, previous) or far_from_target(
                    rule.direction, shown, target_of(targets, kpi_id, year, quarter, sid)):
                flagged += 1
                unexplained += not result.comment.strip()
        mine = [e for e in events if sub is not None and e.object_id == sub.id]
        returns = sum(1 for e in mine if e.action == "return" and e.field in ("", "status"))
        if sub is not None and (sub.review_comment.strip()
                                or sub.status == SubmissionStatus.returned):
            returns = max(returns, 1)  # the review comment is written only on a return
        reopened = sum(1 for e in mine if e.action == "reopen" and e.field == "status"
                       and e.old_value == SubmissionStatus.validated)
        submitted = sub is not None and sub.submitted_at is not None
        out.append(Facts(codes.get(sid, structure.code), year, quarter, submitted,
                         _days_late(sub, closes) if sub else 0, len(filled & expected),
                         len(expected), returns, reopened, flagged, unexplained))
    return out


def quality_frame(session: Session, year: int, quarter: int | None = None,
                  today: date | None = None, targets: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    """Scores of a year's quarters (or one quarter); with ``today``, only quarters whose window
    has closed (an open quarter is not scored yet). The results are read once for them all."""
    scored = []
    for q in ([quarter] if quarter else [1, 2, 3, 4]):
        window = session.exec(select(SubmissionWindow).where(
            SubmissionWindow.year == year, SubmissionWindow.quarter == q)).first()
        closed = window.closes_on if window else quarter_end(year, q)
        if today is None or closed < today:
            scored.append(q)
    periods = [p for q in scored for p in [(year, q), *_earlier(year, q)]]
    cells = _cells(session, periods, list(_kpis(session))) if scored else {}
    targets = targets if targets is not None else targets_frame(session)
    frames = [score_frame(quarter_facts(session, year, q, cells=cells, targets=targets))
              for q in scored]
    if not frames:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def league_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Structures ranked by their mean score over the quarters scored, best first, with each
    component's mean and the score of each quarter (the trend: columns T1…T4)."""
    if scores.empty:
        return pd.DataFrame(columns=["rank", "structure", "score", *COMPONENTS, "quarters"])
    table = scores.groupby("structure", as_index=False)[["score", *COMPONENTS]].mean().round(1)
    table["quarters"] = scores.groupby("structure")["quarter"].count().to_numpy()
    trend = scores.pivot_table(index="structure", columns="quarter", values="score")
    trend.columns = [f"T{int(q)}" for q in trend.columns]
    table = table.join(trend, on="structure")
    table = table.sort_values(["score", "structure"], ascending=[False, True])
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


def national_average(scores: pd.DataFrame) -> pd.DataFrame:
    """The mean score of all structures, per quarter."""
    if scores.empty:
        return pd.DataFrame(columns=["year", "quarter", "score"])
    return scores.groupby(["year", "quarter"], as_index=False)["score"].mean().round(1)
