"""Quarterly results: draft, submit, return, validate, reopen; permissions; conflicts; imports."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.accounts.auth import Actor, actor_from_user
from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, StaleEdit, TrackerError, ValidationFailed
from tracker.core.models import AuditEvent, Result, Role, SubmissionWindow
from tracker.results import entry as results
from tracker.results import loading, review, submissions

TODAY = date(2026, 11, 25)
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


@pytest.fixture
def engine(engine, seeded):
    """The shared test database with the accounts and T3 2026's window open until 10/12/2026."""
    with transaction(engine) as session:
        session.add(SubmissionWindow(year=2026, quarter=3, opens_on=date(2026, 10, 1),
                                     closes_on=date(2026, 12, 10)))
    return engine


def actor(engine, login) -> Actor:
    with reading(engine) as session:
        return actor_from_user(session, repo.get_user_by_login(session, login))


def ms_id(engine) -> int:
    with reading(engine) as session:
        return repo.get_structure_by_code(session, "MS").id


def stored(engine, code):
    with reading(engine) as session:
        kpi = repo.get_kpi_by_code(session, code)
        return session.exec(select(Result).where(Result.kpi_id == kpi.id)).first()


def save(engine, who, rows, seen=None, structure=None):
    with transaction(engine) as session:
        return results.save_entries(session, who, structure or ms_id(engine), 2026, 3, rows,
                                    seen_version=seen, today=TODAY)


def test_dsi_saves_a_draft_with_french_numbers_and_it_is_audited(engine):
    dsi = actor(engine, "dsi-ms")
    written = save(engine, dsi, [
        results.EntryRow(1, "ESV_RECET", value="12 450 000"),
        results.EntryRow(2, "ESV_DEMAT", numerator="5", denominator="12"),
        results.EntryRow(3, "SEC_RSSI", value="oui")])
    assert written == 3
    assert stored(engine, "ESV_RECET").value == 12_450_000
    demat = stored(engine, "ESV_DEMAT")
    assert (demat.numerator, demat.denominator) == (5, 12)
    assert stored(engine, "SEC_RSSI").value == 1.0
    with reading(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.object_type == "Result")).all()
    assert {e.field for e in events} >= {"value", "numerator", "denominator"}
    assert all(e.user_login == "dsi-ms" for e in events)


def test_one_invalid_row_saves_nothing_and_names_row_and_column(engine):
    dsi = actor(engine, "dsi-ms")
    with pytest.raises(ValidationFailed) as caught:
        save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="12"),
                           results.EntryRow(2, "ESV_DEMAT", value="87,5 %")])
    assert caught.value.errors[0].row == 2
    assert "ESV_DEMAT" in caught.value.errors[0].column
    assert stored(engine, "ESV_PUB") is None
    with reading(engine) as session:
        assert not session.exec(
            select(AuditEvent).where(AuditEvent.object_type == "Result")).all()


@pytest.mark.postgres
def test_dsi_cannot_write_another_structure_even_with_a_forged_actor(engine):
    forged = Actor(id=actor(engine, "dsi-mef").id, login="dsi-mef", display_name="x",
                   role=Role.dsi, structure_id=999, structure_code="MS")
    with pytest.raises(PermissionDenied):
        save(engine, actor(engine, "dsi-mef"), [results.EntryRow(1, "ESV_PUB", value="3")])
    with pytest.raises(PermissionDenied):
        save(engine, forged, [results.EntryRow(1, "ESV_PUB", value="3")])
    leadership = actor(engine, "direction")
    with pytest.raises(PermissionDenied):
        save(engine, leadership, [results.EntryRow(1, "ESV_PUB", value="3")])
    assert stored(engine, "ESV_PUB") is None


@pytest.mark.postgres
def test_second_save_on_the_same_submission_is_refused_and_changes_nothing(engine):
    dsi, admin = actor(engine, "dsi-ms"), actor(engine, "admin")
    save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="10")])
    with reading(engine) as session:
        seen = results.get_submission(session, ms_id(engine), 2026, 3).version
    save(engine, admin, [results.EntryRow(1, "ESV_PUB", value="11")], seen=seen)
    with pytest.raises(StaleEdit) as caught:
        save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="12")], seen=seen)
    assert "Secrétariat CDSI (démo)" in str(caught.value)
    assert stored(engine, "ESV_PUB").value == 11


@pytest.mark.postgres
def test_full_cycle_submit_return_resubmit_validate_locks_values(engine):
    dsi, admin = actor(engine, "dsi-ms"), actor(engine, "admin")
    save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="10")])
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        review.submit(session, dsi, ms_id(engine), 2026, 3, seen_version=sub.version, today=TODAY)
    with pytest.raises(PermissionDenied):
        save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="11")], seen=sub.version + 1)
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        with pytest.raises(TrackerError):
            review.return_submission(session, admin, sub.id, "  ", seen_version=sub.version)
        review.return_submission(session, admin, sub.id, "ESV_PUB incohérent",
                                  seen_version=sub.version)
    with reading(engine) as session:
        sheet = results.entry_sheet(session, dsi, ms_id(engine), 2026, 3, TODAY)
    assert sheet.status == "returned" and sheet.editable
    assert sheet.review_comment == "ESV_PUB incohérent"
    save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="11")], seen=sheet.submission_version)
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        review.submit(session, dsi, ms_id(engine), 2026, 3, seen_version=sub.version, today=TODAY)
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        review.validate(session, admin, sub.id, seen_version=sub.version)
    assert stored(engine, "ESV_PUB").status == "validated"
    with reading(engine) as session:
        matrix = submissions.matrix_frame(session, admin, [(2026, 3)], TODAY)
    assert matrix.set_index("code").loc["MS", "2026-T3"] == "validated"
    assert matrix.set_index("code").loc["MEF", "2026-T3"] == "not_started"


def test_dsi_cannot_validate_and_leadership_sees_only_validated_results(engine):
    dsi, leader = actor(engine, "dsi-ms"), actor(engine, "direction")
    save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="10")])
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        with pytest.raises(PermissionDenied):
            review.validate(session, dsi, sub.id, seen_version=sub.version)
        assert submissions.quarter_results_frame(session, leader, 2026, 3).empty
        assert len(submissions.quarter_results_frame(session, dsi, 2026, 3)) == 1
        mef = actor(engine, "dsi-mef")
        assert submissions.quarter_results_frame(session, mef, 2026, 3).empty
        with pytest.raises(PermissionDenied):
            results.result_history(session, mef, ms_id(engine), "ESV_PUB", 2026, 3)


def test_window_closed_blocks_dsi_until_asin_reopens(engine):
    dsi, admin = actor(engine, "dsi-ms"), actor(engine, "admin")
    late = date(2026, 12, 20)
    with transaction(engine) as session:
        with pytest.raises(PermissionDenied):
            results.save_entries(session, dsi, ms_id(engine), 2026, 3,
                                 [results.EntryRow(1, "ESV_PUB", value="1")], seen_version=None,
                                 today=late)
        assert submissions.matrix_frame(session, admin, [(2026, 3)], late).set_index(
            "code").loc["MS", "2026-T3"] == "late"
        review.reopen(session, admin, ms_id(engine), 2026, 3, seen_version=None)
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        results.save_entries(session, dsi, ms_id(engine), 2026, 3,
                             [results.EntryRow(1, "ESV_PUB", value="1")],
                             seen_version=sub.version, today=late)
    assert stored(engine, "ESV_PUB").value == 1


@pytest.mark.postgres
def test_sample_file_imports_every_row_and_twice_changes_nothing(engine):
    sample = SAMPLES / "resultats-T2-2025-excel-fr.csv"
    data = sample.read_bytes()
    report = loading.import_results_file(engine, data, sample.name, year=2025, quarter=2,
                                         structure_code=None, dry_run=False)
    assert report["rejected"] == [] and report["accepted"] == 6
    assert stored(engine, "XRD_OK").numerator == 98512
    with reading(engine) as session:
        before = len(session.exec(select(AuditEvent)).all())
    again = loading.import_results_file(engine, data, sample.name, year=2025, quarter=2,
                                        structure_code=None, dry_run=False)
    assert again["accepted"] == 6
    with reading(engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == before


def test_dsi_import_rejects_rows_of_another_structure(engine):
    dsi = actor(engine, "dsi-mef")
    data = b"Structure;Indicateur;Valeur\nMS;ESV_PUB;3\nMEF;ESV_PUB;4\n"
    with transaction(engine) as session:
        preview = loading.import_preview(session, dsi, data, "r.csv", year=2026, quarter=3,
                                         structure_code=None, today=TODAY)
        assert [(e.row, e.column) for e in preview.rejected] == [(2, "Structure")]
        assert loading.apply_import(session, dsi, preview) == 1
    assert stored(engine, "ESV_PUB").value == 4


@pytest.mark.postgres
def test_an_import_audits_every_stored_field_and_a_reimport_only_what_changed(engine):
    """The bulk path writes the same audit trail as an entry: one event per field stored,
    naming the result; the history of a result shows it; a changed value is one update."""
    dsi = actor(engine, "dsi-ms")
    first = "Structure;Indicateur;Valeur;Numérateur;Dénominateur\nMS;ESV_RECET;12 450 000;;\n" \
            "MS;ESV_DEMAT;;5;12\n"
    with transaction(engine) as session:
        preview = loading.import_preview(session, dsi, first.encode(), "t3.csv", year=2026,
                                         quarter=3, structure_code=None, today=TODAY)
        assert loading.apply_import(session, dsi, preview) == 2
    recet, demat = stored(engine, "ESV_RECET"), stored(engine, "ESV_DEMAT")
    with reading(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.object_type == "Result")
                              .order_by(AuditEvent.id)).all()
        imports = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert [(e.object_id, e.action, e.field, e.old_value, e.new_value, e.object_label,
             e.user_login) for e in events] == [
        (recet.id, "create", "value", None, "12450000", "MS ESV_RECET 2026-T3", "dsi-ms"),
        (demat.id, "create", "numerator", None, "5", "MS ESV_DEMAT 2026-T3", "dsi-ms"),
        (demat.id, "create", "denominator", None, "12", "MS ESV_DEMAT 2026-T3", "dsi-ms")]
    assert [e.object_label for e in imports] == ["t3.csv (2)"]

    second = first.replace("5;12", "7;12")
    with transaction(engine) as session:
        preview = loading.import_preview(session, dsi, second.encode(), "t3.csv", year=2026,
                                         quarter=3, structure_code=None, today=TODAY)
        assert loading.apply_import(session, dsi, preview) == 1
    with reading(engine) as session:
        history = results.result_history(session, dsi, ms_id(engine), "ESV_DEMAT", 2026, 3)
        updates = session.exec(select(AuditEvent).where(AuditEvent.action == "update",
                                                        AuditEvent.object_type == "Result")).all()
    assert [(e.object_id, e.field, e.old_value, e.new_value) for e in updates] == [
        (demat.id, "numerator", "5", "7")]
    assert len(history) == 3


def test_dashboard_revisions_move_with_what_the_dashboards_show_not_with_drafts(engine):
    """The dashboards' cache keys: a DSI's second draft save of a quarter moves neither; the
    first (the state becomes « brouillon ») and a submission move ``everything``; only the
    validation moves ``validated`` (the figures and the forecasts are computed again)."""
    from tracker.dashboards.views import data_revision

    def revision():
        with reading(engine) as session:
            return data_revision(session)

    dsi, admin = actor(engine, "dsi-ms"), actor(engine, "admin")
    start = revision()
    save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="10")])
    first = revision()
    assert first.validated == start.validated and first.everything != start.everything
    with reading(engine) as session:
        seen = results.get_submission(session, ms_id(engine), 2026, 3).version
    save(engine, dsi, [results.EntryRow(1, "ESV_PUB", value="12")], seen=seen)
    assert revision() == first  # another draft save: every leadership page stays cached
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        review.submit(session, dsi, ms_id(engine), 2026, 3, seen_version=sub.version, today=TODAY)
    submitted = revision()
    assert submitted.validated == first.validated and submitted.everything != first.everything
    with transaction(engine) as session:
        sub = results.get_submission(session, ms_id(engine), 2026, 3)
        review.validate(session, admin, sub.id, seen_version=sub.version)
    validated = revision()
    assert validated.validated != submitted.validated
    assert validated.everything != submitted.everything
