"""Milestones across the roadmap snapshots taken at each session's closing: the slippage since
the previous snapshot and how many times each milestone was re-planned.

- ``replanning`` is the rule, on a milestone's planned dates in session order (a pure function):
  the slippage is the last date minus the one before, in days; a re-planning is any change of
  date; three re-plannings or more flag the milestone.
- ``slippage_frame`` applies it for one session: its own snapshot when it was closed, else the
  roadmap of today compared with the snapshots taken so far.
- ``slipped_milestones`` lists the milestones planned later today than in a given session's
  snapshot (for the proposed agenda of the next session).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import NamedTuple

import pandas as pd
from sqlmodel import Session, col, select

from tracker.core.errors import NotFound
from tracker.core.i18n import t
from tracker.core.models import Conference, Initiative, Milestone, RoadmapSnapshot
from tracker.roadmap.editing.milestones import milestone_label

REPLANNED_FLAG = 3
SLIPPAGE_COLUMNS = ["milestone", "planned_before", "planned", "slip_days", "replanned",
                    "status", "flag"]


@dataclass(frozen=True)
class Replanning:
    slip_days: int | None  # last planned date minus the previous one; None with one date only
    times: int  # how many times the planned date changed

    @property
    def flagged(self) -> bool:
        return self.times >= REPLANNED_FLAG


def replanning(dates: Sequence[date]) -> Replanning:
    """The rule on a milestone's planned dates, oldest first (a pure function)."""
    times = sum(1 for a, b in pairwise(dates) if a != b)
    slip = (dates[-1] - dates[-2]).days if len(dates) >= 2 else None
    return Replanning(slip, times)


def _snapshot_sessions(session: Session) -> list[Conference]:
    """Sessions that have a snapshot, in date order."""
    ids = set(session.exec(select(RoadmapSnapshot.conference_id).distinct()).all())
    rows = session.exec(select(Conference).where(col(Conference.id).in_(ids))).all()
    return sorted(rows, key=lambda c: (c.session_date or date.min, c.number))


class SnapshotRow(NamedTuple):
    """What the slippage reads of a snapshot row (a decade holds 100,000 of them: read as plain
    tuples, not as ORM objects, which took 2.5 s on « Revue de session »)."""

    conference_id: int
    milestone_id: int
    initiative_id: int
    title: str
    planned_date: date
    status: str


def _history(session: Session, conference_ids: Sequence[int]) -> dict[int, list[SnapshotRow]]:
    """milestone id → its snapshots in the order of ``conference_ids``."""
    order = {cid: i for i, cid in enumerate(conference_ids)}
    out: dict[int, list[SnapshotRow]] = {}
    rows = session.exec(select(  # type: ignore[call-overload]
        RoadmapSnapshot.conference_id, RoadmapSnapshot.milestone_id,
        RoadmapSnapshot.initiative_id, RoadmapSnapshot.title, RoadmapSnapshot.planned_date,
        RoadmapSnapshot.status).where(
        col(RoadmapSnapshot.conference_id).in_(list(conference_ids)))).all()
    for row in sorted(map(SnapshotRow._make, rows), key=lambda r: order[r.conference_id]):
        out.setdefault(row.milestone_id, []).append(row)
    return out


def slippage_revision(session: Session) -> str:
    """Changes whenever the slippage of a session may change: a snapshot taken, a milestone or
    an initiative edited, a session's date changed (the key of the slippage's cache)."""
    from tracker.core.repository import stamp

    return "|".join([stamp(session, RoadmapSnapshot, column="taken_at"),
                     *(stamp(session, model) for model in (Milestone, Initiative, Conference))])


def has_snapshots(session: Session) -> bool:
    return session.exec(select(RoadmapSnapshot.id).limit(1)).first() is not None


def slippage_frame(session: Session, conference_id: int) -> pd.DataFrame:
    """Per milestone, for one session: its planned date at the previous snapshot and at this
    one (this session's own snapshot once it is closed, today's roadmap before), the slippage
    in days, how many times it was re-planned up to then, its status, and the flag (re-planned
    three times or more). Milestones that slipped or are flagged come first; those already done
    at the previous snapshot are left out."""
    chosen = session.get(Conference, conference_id)
    if chosen is None:
        raise NotFound(t("common.not_found"))
    sessions = _snapshot_sessions(session)
    own = any(c.id == conference_id for c in sessions)
    if own:
        upto = [c for c in sessions if (c.session_date or date.min, c.number)
                <= (chosen.session_date or date.min, chosen.number)]
    else:
        upto = [c for c in sessions if chosen.session_date is None
                or (c.session_date or date.min) <= chosen.session_date]
    history = _history(session, [c.id or 0 for c in upto])
    initiatives = {i.id: i for i in session.exec(select(Initiative)).all()}
    rows = []
    if own:
        current = {s.milestone_id: (s.title, s.initiative_id, s.planned_date, s.status)
                   for s in history_rows(history, conference_id)}
    else:
        from tracker.conference.snapshots import snapshot_status

        day = chosen.session_date or date.today()
        current = {m.id or 0: (m.title, m.initiative_id, m.due_date,
                               snapshot_status(m.due_date, m.done_on, day))
                   for m in session.exec(select(Milestone)).all()}
    for milestone_id, (title, initiative_id, planned, status) in current.items():
        past = history.get(milestone_id, [])
        previous = past[-2] if own and len(past) >= 2 else past[-1] if past and not own \
            else None
        if previous is not None and previous.status == "done":
            continue  # done before the previous snapshot: nothing left to review
        dates = [s.planned_date for s in past]
        if not own:
            dates.append(planned)
        if len(dates) < 2:
            continue  # nothing to compare with: new since the previous snapshot
        rule = replanning(dates)
        initiative = initiatives.get(initiative_id)
        label = f"{title} — {initiative.title}"[:300] if initiative else title
        rows.append({"milestone": label, "planned_before": dates[-2], "planned": dates[-1],
                     "slip_days": rule.slip_days, "replanned": rule.times,
                     "status": t(f"roadmap.snapshot_status.{status}"),
                     "flag": t("roadmap.replanned_flag") if rule.flagged else ""})
    frame = pd.DataFrame(rows, columns=SLIPPAGE_COLUMNS)
    if frame.empty:
        return frame
    frame["slip_days"] = frame["slip_days"].astype("Int64")
    frame["replanned"] = frame["replanned"].astype("Int64")
    return frame.sort_values(["replanned", "slip_days", "milestone"],
                             ascending=[False, False, True], kind="stable").reset_index(drop=True)


def history_rows(history: dict[int, list[SnapshotRow]], conference_id: int
                 ) -> list[SnapshotRow]:
    """The snapshot rows of one session out of a history."""
    return [s for rows in history.values() for s in rows if s.conference_id == conference_id]


def slippage_display(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={c: t(f"roadmap.slip_col_{c}") for c in SLIPPAGE_COLUMNS})


@dataclass(frozen=True)
class SlippedMilestone:
    """A milestone planned later today than in a session's snapshot."""

    milestone_id: int
    label: str
    planned_then: date
    planned_now: date
    slip_days: int
    replanned: int  # re-plannings over every snapshot since, today's date included


def slipped_milestones(session: Session, since_conference_id: int) -> list[SlippedMilestone]:
    """Milestones not done whose planned date today is later than in the snapshot taken at the
    closing of ``since_conference_id`` (none when that session has no snapshot), the longest
    slippage first. For the proposed agenda of the next session."""
    base = {s.milestone_id: s for s in session.exec(select(RoadmapSnapshot).where(
        RoadmapSnapshot.conference_id == since_conference_id)).all()}
    if not base:
        return []
    sessions = _snapshot_sessions(session)
    history = _history(session, [c.id or 0 for c in sessions])
    initiatives = {i.id: i for i in session.exec(select(Initiative)).all()}
    out = []
    for milestone in session.exec(select(Milestone).where(
            col(Milestone.id).in_(list(base)), col(Milestone.done_on).is_(None))).all():
        then = base[milestone.id or 0].planned_date
        if milestone.due_date <= then:
            continue
        dates = [s.planned_date for s in history.get(milestone.id or 0, [])]
        initiative = initiatives.get(milestone.initiative_id)
        out.append(SlippedMilestone(
            milestone.id or 0,
            milestone_label(initiative, milestone) if initiative else milestone.title,
            then, milestone.due_date, (milestone.due_date - then).days,
            replanning([*dates, milestone.due_date]).times))
    return sorted(out, key=lambda m: (-m.slip_days, m.label))
