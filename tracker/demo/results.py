"""Demo windows, results and submissions (drafts, returns, validations, late reporters) and
targets."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from typing import Any

from tracker.core.models import (
    Result,
    ResultSource,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
)
from tracker.demo.base import LOCAL, SEED, Ctx, Org, insert_rows, moment, quarter_end, stamp_at
from tracker.demo.content import RESULT_COMMENTS, RETURN_REASONS
from tracker.demo.series import (
    LAGGARDS,
    OPEN_QUARTER_STATUS,
    RELIABLE,
    SIZES,
    Cell,
    kpi_profile,
    kpi_series,
    spec_for,
)


def window_rows(ctx: Ctx) -> dict[tuple[int, int], tuple[date, date]]:
    rng = random.Random(f"{SEED}:windows")
    windows: dict[tuple[int, int], tuple[date, date]] = {}
    rows: list[dict[str, Any]] = []
    for year, quarter in ctx.quarters:
        opens = quarter_end(year, quarter) + timedelta(days=1)
        closes = opens + timedelta(days=rng.randint(35, 42))
        if (year, quarter) == ctx.quarters[-1]:
            closes = max(closes, ctx.today + timedelta(days=rng.randint(10, 14)))
        windows[(year, quarter)] = (opens, closes)
        rows.append({"year": year, "quarter": quarter, "opens_on": opens, "closes_on": closes,
                     "updated_at": stamp_at(opens, 8), "updated_by_id": ctx.admin_id,
                     "version": 1})
    ctx.summary.submission_windows = insert_rows(ctx.session, SubmissionWindow, rows)
    return windows


def _submission(ctx: Ctx, rng: random.Random, org: Org, period: tuple[int, int],
                window: tuple[date, date], is_open: bool) -> dict[str, Any] | None:
    """A structure's submission for a quarter, or None when it never reported."""
    opens, closes = window
    limit = ctx.limit
    status: str
    if is_open:
        status = OPEN_QUARTER_STATUS.get(org.code) or rng.choices(
            ("validated", "submitted", "returned", "draft", "none"), (20, 25, 5, 22, 28))[0]
        if status == "none":
            return None
        last = ctx.today - timedelta(days=1)
        submitted = reviewed = None
        comment = ""
        if status == SubmissionStatus.draft:
            updated = min(moment(rng, max(opens, last - timedelta(days=12)), last), limit)
        else:
            submitted = min(moment(rng, opens + timedelta(days=2), last - timedelta(days=3)),
                            limit)
            updated = submitted
            if status in (SubmissionStatus.validated, SubmissionStatus.returned):
                reviewed = min(submitted + timedelta(days=rng.randint(1, 5), hours=2), limit)
                updated = reviewed
            if status == SubmissionStatus.returned:
                comment = f"Renvoyée pour correction : {rng.choice(RETURN_REASONS)}."
        reopened = False
    else:
        reliability = 0.0 if org.code in RELIABLE else (0.6 if org.code in LAGGARDS else 0.2)
        if rng.random() < 0.02 + 0.2 * reliability:
            return None
        late = rng.random() < 0.05 + 0.3 * reliability
        if late:
            submitted = moment(rng, closes + timedelta(days=1), closes + timedelta(days=30))
        else:
            submitted = moment(rng, opens + timedelta(days=3), closes - timedelta(days=1))
        status = SubmissionStatus.validated
        comment = ""
        if rng.random() < 0.07:
            returned_at = submitted + timedelta(days=rng.randint(2, 6))
            submitted = returned_at + timedelta(days=rng.randint(2, 8), hours=3)
            comment = (f"Renvoyée le {returned_at.astimezone(LOCAL):%d/%m/%Y} : "
                       f"{rng.choice(RETURN_REASONS)} ; validée après correction.")
        submitted = min(submitted, limit)
        reviewed = min(submitted + timedelta(days=rng.randint(1, 10), hours=1), limit)
        updated = reviewed
        # after the window closes, entry needs ASIN to reopen it for that structure
        reopened = submitted.date() > closes
    year, quarter = period
    return {"structure_id": org.id, "year": year, "quarter": quarter, "status": str(status),
            "deadline": closes, "reopened": reopened, "submitted_at": submitted,
            "submitted_by_id": None, "reviewed_at": reviewed,
            "reviewer_id": ctx.admin_id if reviewed else None, "review_comment": comment,
            "updated_at": updated, "updated_by_id": None, "version": 1}


def generate_results(ctx: Ctx, windows: dict[tuple[int, int], tuple[date, date]]) -> None:
    specs = {k.code: spec_for(k) for k in ctx.kpis}
    first_pass = [k for k in ctx.kpis if not specs[k.code].source]
    second_pass = [k for k in ctx.kpis if specs[k.code].source]
    open_period = ctx.quarters[-1]
    submissions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for org in ctx.orgs:
        rng = random.Random(f"{SEED}:results:{org.code}")
        size = SIZES.get(org.code) or round(rng.uniform(0.5, 1.3), 2)
        profile = kpi_profile(org, ctx.kpis, rng)
        raw: dict[str, list[float]] = {}
        series: dict[str, list[Cell | None]] = {}
        for kpi in first_pass + second_pass:
            series[kpi.code] = kpi_series(specs[kpi.code], kpi, size, ctx.quarters, rng, raw)
        for t, period in enumerate(ctx.quarters):
            if not org.in_force(quarter_end(*period)):
                continue
            is_open = period == open_period
            sub = _submission(ctx, rng, org, period, windows[period], is_open)
            if sub is None:
                continue
            submissions.append(sub)
            draft = sub["status"] == SubmissionStatus.draft
            filled = [k for k in profile
                      if rng.random() >= (0.4 if draft else ctx.plan.gap_rate)]
            if draft and len(filled) in (0, len(profile)) and len(profile) > 1:
                filled = profile[: len(profile) // 2]  # a draft is half-entered by definition
            opens = windows[period][0]
            done_at: datetime = sub["submitted_at"] or sub["updated_at"]
            for kpi in filled:
                cell = series[kpi.code][t]
                if cell is None:
                    continue
                value, num, den = cell
                # Stored as an entry would store it: a ratio KPI by its parts only (its rate is
                # always recomputed from sums), any other KPI by its value only.
                value, num, den = (None, num, den) if kpi.ratio else (value, None, None)
                if (value and not kpi.ratio and kpi.unit not in ("percent", "bool")
                        and rng.random() < ctx.plan.outlier_rate):
                    value = value * 5  # a typing slip that got through: a ×5 jump
                comment = rng.choice(RESULT_COMMENTS) if rng.random() < 0.02 else ""
                evidence = (f"https://preuves.demo.invalid/{org.code}/{period[0]}-T{period[1]}"
                            f"/{kpi.code}.pdf" if rng.random() < 0.03 else "")
                updated = max(stamp_at(opens, 8), done_at - timedelta(hours=rng.randint(1, 72)))
                results.append({
                    "structure_id": org.id, "kpi_id": kpi.id, "year": period[0],
                    "quarter": period[1], "value": value, "numerator": num, "denominator": den,
                    "comment": comment, "evidence_url": evidence, "source": str(ResultSource.demo),
                    "status": sub["status"], "updated_at": updated, "updated_by_id": None,
                    "version": 1})
    ctx.summary.submissions = insert_rows(ctx.session, Submission, submissions)
    ctx.summary.results = insert_rows(ctx.session, Result, results)


# --- targets -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?:>=|<=|>|<|=)?\s*(\d+(?:\.\d+)?)")
_QUARTER_TARGET = re.compile(r"t([1-4])\s*>=\s*(\d+(?:\.\d+)?)")
_PER_YEAR = re.compile(r"(\d+) par an")
# (structure, KPI, target) for the last two years: a few structures get their own ambition.
_STRUCTURE_TARGETS = (
    ("MS", "ESV_DEMAT", 50.0), ("MS", "CLD_HEB", 60.0), ("MS", "SEC_MFA", 80.0),
    ("MEF", "ESV_PAYNUM", 95.0), ("MEF", "XRD_SVC_PUB", 12.0), ("ASIN", "XRD_OK", 99.5),
    ("SBIN", "OPS_DISPO", 99.9), ("MND", "ESV_PORTAIL", 95.0), ("MTFP", "FRM_AGENTS", 1500.0),
)


def target_values(kpi_agg_quarters: str, indicative: str) -> dict[int, float]:
    """The numeric targets in an indicative target: {0: yearly} or {quarter: value}."""
    text = indicative.strip().lower().replace(",", ".")
    if text in ("oui", "yes"):
        return {0: 1.0}
    match = _NUMBER.fullmatch(text)
    if match:
        return {0: float(match.group(1))}
    quarterly = _QUARTER_TARGET.findall(text)
    if quarterly and _QUARTER_TARGET.sub("", text).strip() == "":
        return {int(q): float(v) for q, v in quarterly}
    yearly = _PER_YEAR.fullmatch(text)
    if yearly and kpi_agg_quarters == "sum":
        return {0: float(yearly.group(1))}
    return {}


def generate_targets(ctx: Ctx) -> None:
    years = sorted({year for year, _ in ctx.quarters})
    rows: list[dict[str, Any]] = []
    for year in years:
        stamp = stamp_at(date(year, 1, 15), 10)
        for kpi in ctx.kpis:
            for quarter, value in target_values(kpi.agg_quarters, kpi.indicative_target).items():
                rows.append({"kpi_id": kpi.id, "year": year, "structure_id": None,
                             "quarter": quarter, "value": value, "updated_at": stamp,
                             "updated_by_id": ctx.admin_id, "version": 1})
    for year in years[-2:]:
        for code, kpi_code, value in _STRUCTURE_TARGETS:
            org, measured = ctx.by_code.get(code), ctx.kpi_by_code.get(kpi_code)
            if org and measured:
                rows.append({"kpi_id": measured.id, "year": year, "structure_id": org.id,
                             "quarter": 0, "value": value,
                             "updated_at": stamp_at(date(year, 1, 20), 10),
                             "updated_by_id": ctx.admin_id, "version": 1})
    ctx.summary.targets = insert_rows(ctx.session, Target, rows)
