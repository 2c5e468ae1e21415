"""Roadmap snapshots at each session's closing, the slippage between them, the milestones re-planned
three times or more, and ``slipped_milestones`` for the proposed agenda."""

from datetime import date

import pytest
from sqlmodel import select

from tracker.conference import sessions
from tracker.conference.snapshots import take_snapshot
from tracker.core.db import reading, transaction
from tracker.core.models import (
    AuditEvent,
    Conference,
    Initiative,
    Milestone,
    Pillar,
    RoadmapSnapshot,
)
from tracker.roadmap.snapshots import (
    replanning,
    slippage_display,
    slippage_frame,
    slipped_milestones,
)


def test_the_rule_counts_each_change_of_date_and_the_last_slippage():
    d = date
    assert replanning([d(2026, 3, 1)]).slip_days is None
    rule = replanning([d(2026, 3, 1), d(2026, 3, 1), d(2026, 4, 1)])
    assert (rule.slip_days, rule.times, rule.flagged) == (31, 1, False)
    rule = replanning([d(2026, 3, 1), d(2026, 4, 1), d(2026, 5, 1), d(2026, 4, 20)])
    assert (rule.slip_days, rule.times, rule.flagged) == (-11, 3, True)


@pytest.fixture
def roadmap(engine, seeded):
    """One initiative of 2026 with two milestones, and five sessions of 2026 held."""
    with transaction(engine) as session:
        pillar = Pillar(year=2026, position=1, title_fr="Services")
        session.add(pillar)
        session.flush()
        initiative = Initiative(pillar_id=pillar.id, title="Portail national")
        session.add(initiative)
        session.flush()
        drifting = Milestone(initiative_id=initiative.id, title="Mise en ligne",
                             due_date=date(2026, 3, 31))
        steady = Milestone(initiative_id=initiative.id, title="Cadrage",
                           due_date=date(2026, 2, 15), done_on=date(2026, 2, 10))
        session.add_all([drifting, steady])
        conferences = [Conference(number=n, year=2026, rank_in_year=n,
                                  session_date=date(2026, 2 * n, 10), status="held")
                       for n in range(1, 6)]
        session.add_all(conferences)
        session.flush()
        return {"drifting": drifting.id, "steady": steady.id,
                "conferences": [c.id for c in conferences]}


def close(engine, actor, conference_id):
    with transaction(engine) as session:
        conference = session.get(Conference, conference_id)
        sessions.set_status(session, actor, conference_id, conference.version, "closed")


def replan(engine, milestone_id, day):
    with transaction(engine) as session:
        milestone = session.get(Milestone, milestone_id)
        milestone.due_date = day
        session.add(milestone)


@pytest.mark.postgres
def test_closing_a_session_freezes_every_milestone_once_and_is_audited(engine, roadmap, actor):
    admin = actor("admin")
    close(engine, admin, roadmap["conferences"][0])
    with reading(engine) as session:
        rows = session.exec(select(RoadmapSnapshot).order_by(RoadmapSnapshot.milestone_id)).all()
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "snapshot")).one()
    assert [(r.milestone_id, r.planned_date, r.status) for r in rows] == [
        (roadmap["drifting"], date(2026, 3, 31), "open"),
        (roadmap["steady"], date(2026, 2, 15), "done")]
    assert event.object_id == roadmap["conferences"][0] and event.new_value == "2"
    # Closing is final: a second snapshot of the same session cannot be taken.
    with transaction(engine) as session:
        conference = session.get(Conference, roadmap["conferences"][0])
        assert take_snapshot(session, admin, conference, label="x") == 0


@pytest.mark.postgres
def test_a_milestone_replanned_three_times_is_flagged_with_its_slippage(engine, roadmap, actor):
    admin = actor("admin")
    ids = roadmap["conferences"]
    close(engine, admin, ids[0])  # 10/02: due 31/03
    replan(engine, roadmap["drifting"], date(2026, 5, 31))
    close(engine, admin, ids[1])  # 10/04: due 31/05
    replan(engine, roadmap["drifting"], date(2026, 7, 15))
    close(engine, admin, ids[2])  # 10/06: due 15/07
    with reading(engine) as session:
        frame = slippage_frame(session, ids[2])
    row = frame.set_index("milestone").loc["Mise en ligne — Portail national"]
    assert (row["planned_before"], row["planned"], row["slip_days"], row["replanned"]) == (
        date(2026, 5, 31), date(2026, 7, 15), 45, 2)
    assert row["flag"] == ""
    # The milestone done before the previous snapshot has nothing left to review.
    assert len(frame) == 1
    # Before the next session is closed, today's roadmap is compared with the last snapshot.
    replan(engine, roadmap["drifting"], date(2026, 9, 30))
    with reading(engine) as session:
        live = slippage_frame(session, ids[3])
    row = live.iloc[0]
    assert (row["slip_days"], row["replanned"], row["flag"]) == (
        77, 3, "⚠ replanifié 3 fois ou plus")
    assert slippage_display(live).columns[0] == "Jalon"
    # The earlier session's own review is unchanged by what came after.
    with reading(engine) as session:
        first = slippage_frame(session, ids[1])
    assert first.iloc[0]["slip_days"] == 61 and first.iloc[0]["replanned"] == 1


@pytest.mark.postgres
def test_slipped_milestones_since_a_session_for_the_agenda(engine, roadmap, actor):
    admin = actor("admin")
    ids = roadmap["conferences"]
    close(engine, admin, ids[0])
    replan(engine, roadmap["drifting"], date(2026, 5, 31))
    close(engine, admin, ids[1])
    replan(engine, roadmap["drifting"], date(2026, 6, 30))
    with reading(engine) as session:
        since_first = slipped_milestones(session, ids[0])
        since_second = slipped_milestones(session, ids[1])
        none = slipped_milestones(session, ids[4])  # no snapshot: nothing to compare
    assert [(m.label, m.planned_then, m.planned_now, m.slip_days, m.replanned)
            for m in since_first] == [("Mise en ligne — Portail national", date(2026, 3, 31),
                                       date(2026, 6, 30), 91, 2)]
    assert [m.slip_days for m in since_second] == [30]
    assert none == []
    # Done milestones are not slipping any more.
    with transaction(engine) as session:
        milestone = session.get(Milestone, roadmap["drifting"])
        milestone.done_on = date(2026, 6, 1)
        session.add(milestone)
    with reading(engine) as session:
        assert slipped_milestones(session, ids[0]) == []


def test_a_session_without_any_snapshot_shows_nothing_to_compare(engine, roadmap):
    with reading(engine) as session:
        assert slippage_frame(session, roadmap["conferences"][2]).empty


def test_the_slippage_cache_key_moves_when_a_snapshot_is_taken(engine, roadmap, actor):
    """« Revue de session » reads the slippage once per ``slippage_revision``: closing a session
    (its snapshot) gives a new one; reading again without a change keeps it."""
    from tracker.roadmap.snapshots import slippage_revision

    def revision():
        with reading(engine) as session:
            return slippage_revision(session)

    before = revision()
    assert revision() == before
    close(engine, actor("admin"), roadmap["conferences"][0])
    assert revision() != before
