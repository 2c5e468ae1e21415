"""The roadmap frozen at each session's closing: every milestone's planned date and status on
the session's date, so that the next sessions can say how far each milestone slipped and how
many times it was re-planned (read in tracker/roadmap/snapshots.py)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.core import audit
from tracker.core.models import Conference, Milestone, RoadmapSnapshot, SnapshotStatus, utcnow


def snapshot_status(planned: date, done_on: date | None, day: date) -> str:
    """A milestone's status on ``day``: done (by then), late (planned before, not done), open."""
    if done_on is not None and done_on <= day:
        return SnapshotStatus.done.value
    return SnapshotStatus.late.value if planned < day else SnapshotStatus.open.value


def take_snapshot(session: Session, actor: Actor | None, conference: Conference, *,
                  label: str) -> int:
    """Freeze every milestone as it stands for ``conference`` (once: a session that already has
    its snapshot keeps it); audited as one « snapshot » event on the session. Returns the number
    of milestones frozen."""
    assert conference.id is not None
    if session.exec(select(RoadmapSnapshot.id).where(
            RoadmapSnapshot.conference_id == conference.id)).first() is not None:
        return 0
    day = conference.session_date or utcnow().date()
    taken = utcnow()
    rows = [RoadmapSnapshot(conference_id=conference.id, milestone_id=m.id or 0,
                            initiative_id=m.initiative_id, title=m.title[:300],
                            planned_date=m.due_date, done_on=m.done_on,
                            status=snapshot_status(m.due_date, m.done_on, day), taken_at=taken)
            for m in session.exec(select(Milestone)).all()]
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, "snapshot", conference, label=label,
                 changes={"milestones": (None, len(rows))})
    return len(rows)
