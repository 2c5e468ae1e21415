"""The demo conference's memory: recommendations tied to the KPIs they are meant to move, and
roadmap snapshots, one per closed session, as if each closing had frozen the roadmap (a few
milestones were re-planned along the way, three times or more for some, so that the session
review has slippage to show)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.conference.snapshots import snapshot_status
from tracker.core.models import (
    Conference,
    ConferenceStatus,
    FollowupKind,
    FollowupKpi,
    Initiative,
    Milestone,
    Pillar,
    Recommendation,
    RoadmapSnapshot,
)
from tracker.demo.base import SEED, Ctx, insert_rows
from tracker.demo.content import RECOMMENDATION_KPIS


def generate_snapshots(ctx: Ctx) -> int:
    """Snapshot rows for every closed session: each milestone of a roadmap that existed then
    (its year's roadmap is prepared mid-December of the year before). Returns rows added."""
    sessions = ctx.session.execute(
        select(col(Conference.id), col(Conference.session_date), col(Conference.closed_at))
        .where(col(Conference.status) == ConferenceStatus.closed,
               col(Conference.session_date).is_not(None))
        .order_by(col(Conference.session_date))).all()
    milestones = ctx.session.execute(
        select(col(Milestone.id), col(Milestone.initiative_id), col(Milestone.title),
               col(Milestone.due_date), col(Milestone.done_on), col(Pillar.year))
        .join(Initiative, col(Initiative.id) == col(Milestone.initiative_id))
        .join(Pillar, col(Pillar.id) == col(Initiative.pillar_id))
        .order_by(col(Milestone.id))).all()
    rng = random.Random(f"{SEED}:snapshots")
    rows: list[dict[str, Any]] = []
    flagged = False
    for milestone_id, initiative_id, title, due, done_on, year in milestones:
        scope = [s for s in sessions if s[1] >= date(year - 1, 12, 15)]
        if not scope:
            continue
        late = done_on is None or done_on > due
        replans = rng.choices((0, 1, 2, 3), (70, 15, 8, 7))[0] if late else 0
        if late and not flagged and sum(1 for s in scope if s[1] < due) >= 3 \
                and done_on is None:
            replans = max(replans, 3)  # at least one milestone the review flags
        flagged = flagged or (replans >= 3 and sum(1 for s in scope if s[1] < due) >= 3)
        step = rng.choice((30, 45, 60, 90))
        # the re-plannings happened at the last sessions before today's due date
        before_due = sum(1 for s in scope if s[1] < due)
        for i, (conference_id, day, closed_at) in enumerate(scope):
            planned = due - timedelta(days=step * max(0, min(replans, before_due - i)))
            rows.append({"conference_id": conference_id, "milestone_id": milestone_id,
                         "initiative_id": initiative_id, "title": title[:300],
                         "planned_date": planned, "done_on": done_on if done_on
                         and done_on <= day else None,
                         "status": snapshot_status(planned, done_on, day),
                         "taken_at": closed_at or ctx.limit})
    return insert_rows(ctx.session, RoadmapSnapshot, rows)


def generate_kpi_links(ctx: Ctx) -> int:
    """Each demo recommendation tied to the KPIs it is meant to move (one is left without, as
    a PV often leaves some). Returns rows added."""
    rows = []
    for reco_id, text, created_at in ctx.session.execute(
            select(col(Recommendation.id), col(Recommendation.text),
                   col(Recommendation.created_at)).order_by(col(Recommendation.id))).all():
        for code in RECOMMENDATION_KPIS.get(text, ()):
            if code in ctx.kpi_by_code:
                rows.append({"object_type": FollowupKind.recommendation.value,
                             "object_id": reco_id, "kpi_id": ctx.kpi_by_code[code].id,
                             "created_at": created_at, "created_by_id": ctx.admin_id})
    return insert_rows(ctx.session, FollowupKpi, rows)
