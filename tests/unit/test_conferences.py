"""Sessions: numbering, automatic follow-up agenda item, attendance and rates, closing."""

from datetime import date

import pytest
from sqlmodel import select

from tracker.conference import agenda as session_agenda
from tracker.conference import attendance as session_attendance
from tracker.conference import sessions as conferences
from tracker.conference.sessions import ConferenceInput
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, StaleEdit, TrackerError, ValidationFailed
from tracker.core.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    AuditEvent,
    Conference,
    Recommendation,
)
from tracker.core.tables import RowChange


def create(engine, who, **values):
    data = {"number": 18, "year": 2025, "rank_in_year": 2, "session_date": date(2025, 6, 24),
            "place": "Cotonou, ASIN", "chair": "DG ASIN", **values}
    with transaction(engine) as session:
        return conferences.create_conference(session, who, ConferenceInput(**data))


@pytest.fixture
def first(engine, seeded, actor):
    """The 17e conference (held) with open and finished items, one for all ministries."""
    conference = create(engine, actor("admin"), number=17, rank_in_year=1,
                        session_date=date(2025, 3, 26))
    codes = seeded.structures
    with transaction(engine) as session:
        session.get(Conference, conference.id).status = "held"
        session.add_all([
            Recommendation(conference_id=conference.id, number="R1", text="Finaliser la PKI",
                           owner_structure_id=codes["ASIN"], due_date=date(2025, 9, 30)),
            ActionItem(conference_id=conference.id, number="A1", title="Raccorder X-Road",
                       owner_structure_id=codes["MS"], due_kind="next_session"),
            ActionItem(conference_id=conference.id, number="A2", title="Déjà fait",
                       owner_structure_id=codes["MEF"], status="done"),
            *[ActionItem(conference_id=conference.id, number="A3", title="Point focal PKI",
                         owner_structure_id=codes[c], group_ref="g-a3", due_kind="next_session")
              for c in ("MS", "MEF", "MND")],
        ])
    return conference


def test_new_session_agenda_opens_with_open_items_and_their_age(engine, actor, first):
    conference = create(engine, actor("admin"))
    with reading(engine) as session:
        items = session.exec(select(AgendaItem).where(
            AgendaItem.conference_id == conference.id)).all()
    assert len(items) == 1
    assert items[0].position == 1 and items[0].title.startswith("Point de mise en œuvre")
    lines = items[0].notes.splitlines()
    assert len(lines) == 3  # R1, A1 and the all-ministries A3 once; A2 is done
    assert lines[0].startswith("R1 (17e conférence) — Finaliser la PKI — ASIN — échéance : "
                               "30/09/2025")
    assert all(line.endswith("sessions écoulées depuis : 1") for line in lines)
    assert "Tous les ministères (3 non achevés)" in lines[2]


def test_dating_the_next_session_resolves_items_due_before_it(engine, actor, first):
    create(engine, actor("admin"))
    with reading(engine) as session:
        rows = session.exec(select(ActionItem).where(ActionItem.number.in_(["A1", "A3"]))).all()
        assert {(r.due_kind, r.due_date) for r in rows} == {("date", date(2025, 6, 24))}
        assert session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "ActionItem", AuditEvent.field == "due_date")).all()


def test_numbers_must_be_unique_and_nothing_is_written(engine, actor, first):
    with pytest.raises(TrackerError, match="numéro 17"):
        create(engine, actor("admin"), number=17, rank_in_year=5)
    with pytest.raises(TrackerError, match="1e session en 2025"):
        create(engine, actor("admin"), number=30, rank_in_year=1)
    with reading(engine) as session:
        assert len(session.exec(select(Conference)).all()) == 1
        assert conferences.next_numbers(session, 2025) == (18, 2)


def test_only_the_secretariat_creates_sessions(engine, actor, seeded):
    for login in ("dsi-ms", "direction", "observateur"):
        with pytest.raises(PermissionDenied):
            create(engine, actor(login))


def test_attendance_is_recorded_and_rates_are_present_over_recorded(engine, actor, first,
                                                                    seeded):
    admin = actor("admin")
    with reading(engine) as session:
        frame = session_attendance.attendance_frame(session, first.id)
    positions = {code: i for i, code in enumerate(frame["code"], start=1)}
    changes = [RowChange(positions[c], seeded.structures[c], {"code": c, "status": s,
                                                               "representative": name})
               for c, s, name in (("MS", "present", "Koffi AGBANGLA"),
                                  ("MEF", "present", "Aïcha DOSSOU"),
                                  ("MND", "excused", ""), ("MSP", "absent", ""))]
    with transaction(engine) as session:
        assert session_attendance.save_attendance(session, admin, first.id, changes, {}) == 4
    with reading(engine) as session:
        by_session = session_attendance.attendance_by_session_frame(session)
        by_structure = session_attendance.attendance_by_structure_frame(session) \
            .set_index("structure")
        kpi = session_attendance.attendance_kpi_frame(session).set_index("structure")
        frame = session_attendance.attendance_frame(session, first.id)
    assert by_session.loc[0, ["present", "excused", "absent", "rate"]].tolist() == [2, 1, 1, 50.0]
    assert by_structure.loc["MS", "2025"] == 100.0 and by_structure.loc["MND", "2025"] == 0.0
    assert kpi.loc["MEF", ["numerator", "denominator", "quarter"]].tolist() == [1.0, 1.0, 1]
    # Clearing a status removes the record (audited).
    ms = frame.loc[seeded.structures["MS"]]
    with transaction(engine) as session:
        session_attendance.save_attendance(session, admin, first.id, [RowChange(
            positions["MS"], seeded.structures["MS"], {"code": "MS", "status": None})],
            {seeded.structures["MS"]: int(ms["version"])})
    with reading(engine) as session:
        assert len(session.exec(select(Attendance)).all()) == 3
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "delete",
                                                     AuditEvent.object_label == "MS")).first()


def test_agenda_rejects_unknown_topics_per_row_and_saves_tags(engine, actor, first):
    admin = actor("admin")
    with pytest.raises(ValidationFailed) as refused:
        with transaction(engine) as session:
            session_agenda.save_agenda(session, admin, first.id, [
                RowChange(2, None, {"position": 2, "title": "X-Road", "tags": "xroad, blockchain"})
            ], {})
    assert refused.value.errors[0].row == 2 and "blockchain" in refused.value.errors[0].reason
    with transaction(engine) as session:
        session_agenda.save_agenda(session, admin, first.id, [
            RowChange(2, None, {"position": 2, "title": "X-Road", "tags": "XRoad;pki"})], {})
    with reading(engine) as session:
        frame = session_agenda.agenda_frame(session, first.id)
    assert frame["tags"].tolist() == ["governance", "xroad,pki"]


def test_closing_makes_the_session_read_only(engine, actor, first):
    admin = actor("admin")
    with reading(engine) as session:
        version = session.get(Conference, first.id).version
    with transaction(engine) as session:
        conferences.set_status(session, admin, first.id, version, "closed")
    with reading(engine) as session:
        closed = session.get(Conference, first.id)
        assert closed.status == "closed" and closed.closed_at is not None
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "close")).first()
    attempts = (
        lambda s: conferences.update_conference(s, admin, first.id, closed.version,
                                                ConferenceInput(17, 2025, 1, theme="Nouveau")),
        lambda s: session_agenda.save_agenda(s, admin, first.id, [
            RowChange(2, None, {"position": 2, "title": "Ajout"})], {}),
        lambda s: session_attendance.save_attendance(s, admin, first.id, [], {}),
        lambda s: conferences.set_status(s, admin, first.id, closed.version, "held"),
    )
    for attempt in attempts:
        with pytest.raises(TrackerError, match="clôturée"):
            with transaction(engine) as session:
                attempt(session)
    with reading(engine) as session:
        assert session.get(Conference, first.id).theme == ""
        assert len(session_agenda.agenda_frame(session, first.id)) == 1


def test_a_session_needs_a_date_to_be_held(engine, actor, seeded):
    conference = create(engine, actor("admin"), session_date=None)
    with pytest.raises(TrackerError, match="date"):
        with transaction(engine) as session:
            conferences.set_status(session, actor("admin"), conference.id, conference.version,
                                   "held")


def test_stale_edit_of_a_session_is_refused(engine, actor, first):
    admin = actor("admin")
    with reading(engine) as session:
        seen = session.get(Conference, first.id).version
    with transaction(engine) as session:
        conferences.update_conference(session, admin, first.id, seen,
                                      ConferenceInput(17, 2025, 1, date(2025, 3, 26),
                                                      theme="A"))
    with pytest.raises(StaleEdit):
        with transaction(engine) as session:
            conferences.update_conference(session, admin, first.id, seen,
                                          ConferenceInput(17, 2025, 1, date(2025, 3, 26),
                                                          theme="B"))
    with reading(engine) as session:
        assert session.get(Conference, first.id).theme == "A"
