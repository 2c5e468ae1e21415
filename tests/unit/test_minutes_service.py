"""Minutes: upload → review tables → confirm; only the confirmation writes, all or nothing."""

from pathlib import Path

import pytest
from sqlmodel import select

from tracker.conference import minutes
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, TrackerError, UploadError, ValidationFailed
from tracker.core.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    AuditEvent,
    Conference,
    Decision,
    Minutes,
    Recommendation,
)
from tracker.core.refdata import load_structures_csv

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
MD = SAMPLES / "pv-cdsi-2025-session2.md"


def parse(engine, path=MD):
    with reading(engine) as session:
        return minutes.parse_upload(session, path.read_bytes(), path.name)


def confirm(engine, who, parsed, frames=None, meta=None):
    with transaction(engine) as session:
        return minutes.confirm_minutes(
            session, who, meta or minutes.session_input(parsed, parsed.date),
            frames or minutes.review_frames(parsed), data=MD.read_bytes(), filename=MD.name,
            source_format=parsed.source_format, plain_text=parsed.plain_text)


def count(engine, model):
    with reading(engine) as session:
        return len(session.exec(select(model)).all())


def test_parse_fills_review_tables_and_writes_nothing(engine, seeded):
    before = count(engine, AuditEvent)
    parsed = parse(engine)
    frames = minutes.review_frames(parsed)
    assert frames["participants"]["structure"].tolist() == ["MEF", "MS", "MND", "MISP", "MTFP",
                                                            "ASIN"]
    assert frames["absences"][["structure", "status"]].values.tolist() == [
        ["MDN", "excused"], ["MTCA", "excused"], ["MSP", "absent"]]
    assert frames["actions"]["owner"].tolist() == ["MTFP", "MS", "*", "ASIN", "MEF"]
    assert frames["actions"].loc[2, "due_kind"] == "next_session"
    assert frames["recommendations"].loc[0, "due_kind"] == "recurring"
    assert count(engine, Conference) == 0 and count(engine, AuditEvent) == before


def test_confirm_writes_the_session_and_expands_all_ministries(engine, seeded, actor):
    parsed = parse(engine)
    conference = confirm(engine, actor("admin"), parsed)
    ministries = [s.code for s in load_structures_csv()
                  if s.kind == "ministere" and s.in_force(parsed.date)]
    with reading(engine) as session:
        stored = session.get(Conference, conference.id)
        assert (stored.number, stored.rank_in_year, stored.year) == (18, 2, 2025)
        assert stored.chair == "Directeur général de l'ASIN"
        statuses = sorted(a.status for a in session.exec(select(Attendance)).all())
        assert statuses == ["absent"] + ["excused"] * 2 + ["present"] * 6
        assert len(session.exec(select(AgendaItem)).all()) == 6
        assert [d.number for d in session.exec(select(Decision)).all()] == ["D1", "D2"]
        r1 = session.exec(select(Recommendation).where(Recommendation.number == "R1")).all()
        assert len(r1) == len(ministries) == 21
        assert len({r.group_ref for r in r1}) == 1 and r1[0].group_ref
        assert {r.due_kind for r in r1} == {"recurring"}
        a3 = session.exec(select(ActionItem).where(ActionItem.number == "A3")).all()
        assert len(a3) == 21 and {a.due_kind for a in a3} == {"next_session"}
        a5 = session.exec(select(ActionItem).where(ActionItem.number == "A5")).one()
        assert (a5.status, a5.due_date.isoformat()) == ("done", "2025-07-01")
        kept = session.exec(select(Minutes)).one()
        assert kept.original == MD.read_bytes() and kept.filename == MD.name
        assert "Aïcha DOSSOU" in kept.text
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
        filename, _type, original = minutes.original_file(session, conference.id)
        assert (filename, original) == (MD.name, MD.read_bytes())


def test_corrections_in_the_tables_are_what_gets_saved(engine, seeded, actor):
    parsed = parse(engine)
    frames = minutes.review_frames(parsed)
    frames["actions"].loc[1, "owner"] = "MEF"
    frames["actions"].loc[1, "status"] = "blocked"
    frames["decisions"] = frames["decisions"].iloc[:1]
    confirm(engine, actor("admin"), parsed, frames)
    with reading(engine) as session:
        a2 = session.exec(select(ActionItem).where(ActionItem.number == "A2")).one()
        assert a2.status == "blocked"
        assert len(session.exec(select(Decision)).all()) == 1


def test_bad_rows_are_reported_with_table_row_and_column_and_nothing_is_written(
        engine, seeded, actor):
    before = count(engine, AuditEvent)
    parsed = parse(engine)
    frames = minutes.review_frames(parsed)
    frames["actions"].loc[3, "owner"] = "Ministère imaginaire"
    frames["participants"].loc[0, "structure"] = "XYZ"
    with pytest.raises(ValidationFailed) as refused:
        confirm(engine, actor("admin"), parsed, frames)
    errors = [(e.row, e.column) for e in refused.value.errors]
    assert errors == [(1, "Participants — Structure"), (4, "Actions — Responsable")]
    assert "Ministère imaginaire" in refused.value.errors[1].reason
    assert count(engine, Conference) == 0 and count(engine, AuditEvent) == before


def test_only_the_secretariat_confirms(engine, seeded, actor):
    parsed = parse(engine)
    for login in ("dsi-ms", "direction", "observateur"):
        with pytest.raises(PermissionDenied):
            confirm(engine, actor(login), parsed)
    assert count(engine, Conference) == 0


def test_a_session_with_minutes_or_closed_is_refused(engine, seeded, actor):
    parsed = parse(engine)
    confirm(engine, actor("admin"), parsed)
    with pytest.raises(TrackerError, match="déjà un procès-verbal"):
        confirm(engine, actor("admin"), parsed)
    with transaction(engine) as session:
        session.exec(select(Conference)).one().status = "closed"
        session.delete(session.exec(select(Minutes)).one())
    with pytest.raises(TrackerError, match="clôturée"):
        confirm(engine, actor("admin"), parsed)
    assert count(engine, Minutes) == 0


@pytest.mark.parametrize("data, name", [
    (b"%PDF-1.4 fake", "pv.pdf"),
    (b"PK\x03\x04" + b"\x00" * 50, "pv.docx"),
    (b"", "vide.txt"),
    (b"Une liste de courses\n- pain\n- lait\n", "notes.txt"),
])
def test_bad_files_get_a_clear_message(engine, seeded, data, name):
    with pytest.raises(UploadError, match=name.replace(".", r"\.")):
        with reading(engine) as session:
            minutes.parse_upload(session, data, name)


def test_a_planned_session_is_completed_and_its_follow_up_notes_kept(engine, seeded, actor):
    from tracker.conference.sessions import ConferenceInput, create_conference

    with transaction(engine) as session:
        create_conference(session, actor("admin"), ConferenceInput(18, 2025, 2))
    parsed = parse(engine)
    conference = confirm(engine, actor("admin"), parsed)
    with reading(engine) as session:
        assert session.get(Conference, conference.id).place.startswith("Cotonou")
        follow_up = session.exec(select(AgendaItem).where(AgendaItem.position == 3)).one()
        assert follow_up.title.startswith("Point de mise en œuvre")
        assert follow_up.notes.startswith("Aucune recommandation")
        assert count(engine, Conference) == 1


CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "minutes"


def test_values_read_from_sentences_are_marked_to_check_in_the_review_tables(engine, seeded):
    parsed = parse(engine, CORPUS / "c12-inline-prose.txt")
    frames = minutes.review_frames(parsed)
    assert frames["actions"]["owner"].tolist() == ["MEF", "ASIN", "MISP"]
    assert frames["actions"]["check"].tolist() == ["Responsable, Échéance"] * 3


def test_a_guessed_structure_is_marked_to_check_in_the_review_tables(engine, seeded):
    parsed = parse(engine, CORPUS / "c11-noms-anciens-fautes.md")
    frames = minutes.review_frames(parsed)
    checks = dict(zip(frames["participants"]["name"], frames["participants"]["check"]))
    assert checks["Romaric HOUNKPE"] == "Structure"
    assert checks["Koffi AGBANGLA"] == ""


@pytest.mark.parametrize("data", [
    b"# Proces-verbal de la 2e session de la Conference des DSI\n\n**Date :** 24/06/2025\n",
    b"PROCES-VERBAL DE LA 2E SESSION DE LA CONFERENCE DES DSI\n\nI. PARTICIPANTS\n\nII. ACTIONS\n",
])
def test_a_header_only_pv_is_refused_and_writes_nothing(engine, seeded, data):
    with pytest.raises(UploadError, match=r"pv\.md"):
        with reading(engine) as session:
            minutes.parse_upload(session, data, "pv.md")
    assert count(engine, Conference) == 0
