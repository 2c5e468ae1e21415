"""Conferences page: the secretariat creates a session, edits attendance, closes it."""

from datetime import date

import pytest
from sqlmodel import Session, select

from tracker.conference import attendance as session_attendance
from tracker.core.db import transaction
from tracker.core.models import AgendaItem, Attendance, Conference

PAGE = "pages/conferences.py"


@pytest.fixture
def held(engine, seeded):
    with transaction(engine) as session:
        conference = Conference(number=18, year=2025, rank_in_year=2, status="held",
                                session_date=date(2025, 6, 24), place="Cotonou")
        session.add(conference)
    return conference


def test_secretariat_creates_a_session_with_its_follow_up_agenda(run_page, engine, seeded):
    at = run_page(PAGE, "admin")
    assert not at.exception
    assert "Aucune session enregistrée." in [i.value for i in at.info]
    at.number_input(key="conferences_new_number").set_value(18)
    at.number_input(key="conferences_new_year").set_value(2025)
    at.number_input(key="conferences_new_rank_in_year").set_value(2)
    at.text_input(key="conferences_new_place").input("Cotonou, ASIN")
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Session créée.")
    with Session(engine) as session:
        conference = session.exec(select(Conference)).one()
        assert (conference.number, conference.rank_in_year, conference.place) == (
            18, 2, "Cotonou, ASIN")
        agenda = session.exec(select(AgendaItem)).one()
        assert agenda.title.startswith("Point de mise en œuvre")


def test_secretariat_records_attendance_in_the_table(run_page, engine, held, seeded):
    at = run_page(PAGE, "admin")
    assert not at.exception
    key = f"conferences_attendance_{held.id}_0"
    with Session(engine) as session:
        codes = list(session_attendance.attendance_frame(session, held.id)["code"])
    at.session_state[key] = {"edited_rows": {codes.index("MS"): {
        "status": "present", "representative": "Koffi AGBANGLA"}},
        "added_rows": [], "deleted_rows": []}
    at.button(key="conferences_attendance_save").click().run()
    assert not at.exception
    with Session(engine) as session:
        row = session.exec(select(Attendance)).one()
        assert (row.structure_id, row.status, row.representative) == (
            seeded.structures["MS"], "present", "Koffi AGBANGLA")


def test_closing_needs_confirmation_and_leaves_the_session_read_only(run_page, engine, held):
    at = run_page(PAGE, "admin")
    assert at.button(key="conferences_close").disabled
    at.checkbox(key="conferences_close_confirm").check().run()
    at.button(key="conferences_close").click().run()
    assert not at.exception
    with Session(engine) as session:
        assert session.get(Conference, held.id).status == "closed"
    assert not any(b.key == "conferences_agenda_save" for b in at.button)
    assert any(i.value.startswith("Session clôturée le") for i in at.info)
    assert at.get("download_button")


def test_dsi_reads_sessions_without_editing(run_page, held):
    at = run_page(PAGE, "dsi-ms")
    assert not at.exception
    assert not any(str(b.key).startswith("conferences_") and "save" in str(b.key)
                   for b in at.button)
    assert len(at.dataframe) >= 3


@pytest.mark.parametrize("login", ["dsi-ms", "direction", "observateur"])
def test_every_reader_sees_the_sessions_details(run_page, held, login):
    at = run_page(PAGE, login)

    shown = [m.value for m in at.markdown]
    assert "**Date** : 24 juin 2025" in shown
    assert "**Lieu** : Cotonou" in shown
    assert "**Thème** : —" in shown
    assert not any("None" in line or "nan" in line for line in shown)


def test_a_closed_session_shows_its_details_to_the_secretariat_too(run_page, engine, held):
    with transaction(engine) as session:
        conference = session.get(Conference, held.id)
        conference.status = "closed"
        session.add(conference)
    at = run_page(PAGE, "admin")

    assert "**Lieu** : Cotonou" in [m.value for m in at.markdown]


def test_secretariat_adds_an_agenda_item(run_page, engine, held):
    at = run_page(PAGE, "admin")
    key = f"conferences_agenda_{held.id}_0"
    at.session_state[key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"position": 2, "title": "Bus X-Road : raccordements", "tags": "xroad"}]}
    at.button(key="conferences_agenda_save").click().run()
    assert not at.exception
    with Session(engine) as session:
        items = session.exec(select(AgendaItem)).all()
        assert [(i.position, i.title, i.tags) for i in items] == [
            (2, "Bus X-Road : raccordements", "xroad")]
