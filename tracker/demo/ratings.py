"""Demo confidence ratings: for every submitted or validated quarter of the last two years, the
DSI rates each key KPI (a yearly target) from how far the structure's figure so far stands from
its target, a little optimistic at times; ASIN rates validated quarters, more sober. A few DSIs
say « en bonne voie » whatever their figures: those lines disagree with the forecast and are
flagged. Deterministic (seeded), one query per table, cheap at the decade scale."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.core.models import (
    ConfidenceRating,
    Result,
    Submission,
    SubmissionStatus,
    Target,
    User,
)
from tracker.demo.base import COMPUTED_KPIS, SEED, Ctx, Ind, insert_rows
from tracker.demo.content import RATING_REASONS_ASIN, RATING_REASONS_DSI

LEVELS = ("on_track", "manageable", "serious", "out_of_reach")


def _figure(kpi: Ind, cells: list[tuple[float | None, float | None, float | None]]
            ) -> float | None:
    """The year so far, roughly by the KPI's rule (sums projected to a whole year)."""
    if not cells:
        return None
    if kpi.ratio:
        pairs = [(c[1], c[2]) for c in cells if c[1] is not None and c[2] is not None]
        den = sum(d for _, d in pairs)
        if not den:
            return None
        num = sum(n for n, _ in pairs)
        return 100.0 * num / den if kpi.unit == "percent" else num / den
    values = [c[0] for c in cells if c[0] is not None]
    if not values:
        return None
    if kpi.agg_quarters == "sum":
        return sum(values) * 4 / len(cells)
    if kpi.agg_quarters == "avg":
        return sum(values) / len(values)
    return values[-1]


def level_from(kpi: Ind, now: float | None, before: float | None, quarter: int,
               target: float) -> int:
    """0 en bonne voie … 3 hors d'atteinte: the figure so far and where its last change leads
    by the year's end, against the target."""
    if now is None:
        return 2
    ahead = now + (now - before) * (4 - quarter) if before is not None else now
    sign = -1.0 if kpi.direction == "down" else 1.0
    if sign * (now - target) >= 0 and sign * (ahead - target) >= 0:
        return 0
    if sign * (ahead - target) >= 0:
        return 1
    shortfall = abs(ahead - target) / max(abs(target), 1e-9)
    return 2 if shortfall < 0.05 else 3


def generate_ratings(ctx: Ctx) -> None:
    years = sorted({y for y, _ in ctx.quarters})[-2:]
    keys = {k.id: k for k in ctx.kpis if k.code not in COMPUTED_KPIS
            and k.direction != "neutral"}
    session = ctx.session
    targets: dict[tuple[int, int, int | None], float] = {}
    for kpi_id, year, sid, value in session.execute(select(
            col(Target.kpi_id), col(Target.year), col(Target.structure_id),
            col(Target.value)).where(
            col(Target.year).in_(years), col(Target.quarter) == 0)):
        targets[(kpi_id, year, sid)] = value
    received = [s for s in session.execute(select(Submission).where(
        col(Submission.year).in_(years), col(Submission.status).in_(
            (SubmissionStatus.submitted, SubmissionStatus.validated)))).scalars()]
    cells: dict[tuple[int, int, int], dict[int, tuple[Any, Any, Any]]] = defaultdict(dict)
    for sid, kpi_id, year, quarter, value, num, den in session.execute(select(
            col(Result.structure_id), col(Result.kpi_id), col(Result.year), col(Result.quarter),
            col(Result.value), col(Result.numerator), col(Result.denominator)).where(
            col(Result.year).in_(years))):
        if kpi_id in keys:
            cells[(sid, kpi_id, year)][quarter] = (value, num, den)
    dsis: dict[int | None, int | None] = {sid: uid for sid, uid in session.execute(select(
        col(User.structure_id), col(User.id)).where(col(User.role) == "dsi"))}
    rows: list[dict[str, Any]] = []
    for sub in sorted(received, key=lambda s: (s.year, s.quarter, s.structure_id)):
        rng = random.Random(f"{SEED}:ratings:{sub.structure_id}:{sub.year}:{sub.quarter}")
        blind = rng.random() < 0.06  # this DSI sees every target « en bonne voie »
        submitted: datetime = sub.submitted_at or sub.updated_at
        for kpi_id, kpi in keys.items():
            target = targets.get((kpi_id, sub.year, sub.structure_id),
                                 targets.get((kpi_id, sub.year, None)))
            if target is None:
                continue
            known = cells.get((sub.structure_id, kpi_id, sub.year), {})
            so_far = [known[q] for q in sorted(known) if q <= sub.quarter]
            base = level_from(kpi, _figure(kpi, so_far), _figure(kpi, so_far[:-1]),
                              sub.quarter, target)
            optimistic = base < 3 and rng.random() < 0.1  # one level better than the figures say
            dsi = 0 if blind and rng.random() < 0.8 else base - int(optimistic and base > 0)
            if rng.random() < 0.08:
                continue  # left unrated
            rows.append(_row(sub, kpi_id, "dsi", dsi, rng.choice(RATING_REASONS_DSI[dsi]),
                             dsis.get(sub.structure_id), submitted - timedelta(minutes=5)))
            if sub.status == SubmissionStatus.validated and sub.reviewed_at is not None:
                asin = min(3, base + int(rng.random() < 0.12))  # ASIN a little more sober
                reason = rng.choice(RATING_REASONS_ASIN[asin]) if asin >= 2 or \
                    rng.random() < 0.3 else ""
                rows.append(_row(sub, kpi_id, "asin", asin, reason, ctx.admin_id,
                                 sub.reviewed_at - timedelta(minutes=5)))
    ctx.summary.ratings = insert_rows(session, ConfidenceRating, rows)


def _row(sub: Submission, kpi_id: int, source: str, level: int, reason: str,
         author: int | None, at: datetime) -> dict[str, Any]:
    return {"structure_id": sub.structure_id, "year": sub.year, "quarter": sub.quarter,
            "kpi_id": kpi_id, "source": source, "level": LEVELS[level], "reason": reason,
            "author_id": author, "updated_at": at, "updated_by_id": author, "version": 1}
