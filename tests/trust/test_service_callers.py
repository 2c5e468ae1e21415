"""Every service checks its caller itself: an import is re-checked when it is written (role,
structure, and the declaration's status and version, under lock), the secretariat alone moves
due dates to the next session, and a home without a structure is a clear refusal."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from tracker.core.db import transaction
from tracker.core.errors import PermissionDenied, StaleEdit
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    DueKind,
    Kpi,
    Result,
    Submission,
    SubmissionStatus,
)
from tracker.dashboards import home
from tracker.results import loading, review, submissions
from tracker.results.entry import EntryRow, save_entries
from tracker.results.importing import read_results_file

TODAY = date.today()
YEAR, QUARTER = 2026, 1
CODE = "ESV_PUB"


@pytest.fixture
def window(engine, seeded, actor):
    with transaction(engine) as db:
        return submissions.set_window(db, actor("admin"), YEAR, QUARTER,
                                      TODAY - timedelta(days=5), TODAY + timedelta(days=5),
                                      seen_version=None)


def _audit_count(engine) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(AuditEvent)).one())


def _value(engine, structure_id: int) -> float | None:
    with Session(engine) as db:
        kpi_id = db.exec(select(Kpi.id).where(Kpi.code == CODE)).one()
        found = db.exec(select(Result.value).where(Result.structure_id == structure_id,
                                                   Result.kpi_id == kpi_id)).first()
        return found


def _submission(engine, structure_id: int) -> Submission:
    with Session(engine) as db:
        return db.exec(select(Submission).where(Submission.structure_id == structure_id)).one()


def _file(code: str, value: int) -> bytes:
    return f"Structure;Indicateur;Valeur\n{code};{CODE};{value}\n".encode()


def _preview(engine, who, code: str, value: int):
    with transaction(engine) as db:
        return loading.import_preview(db, who, _file(code, value), "t1.csv", year=YEAR,
                                      quarter=QUARTER, structure_code=None, today=TODAY)


def _declare_and_validate(engine, actor, structure_id: int, value: int) -> None:
    dsi, admin = actor("dsi-ms"), actor("admin")
    with transaction(engine) as db:
        review.save_and_submit(db, dsi, structure_id, YEAR, QUARTER,
                               [EntryRow(1, CODE, value=value)], seen_version=None, today=TODAY)
    submitted = _submission(engine, structure_id)
    with transaction(engine) as db:
        review.validate(db, admin, submitted.id, seen_version=submitted.version)


@pytest.mark.postgres
@pytest.mark.parametrize("login", ["dsi-mef", "direction", "observateur"])
def test_an_import_previewed_for_ms_is_refused_to_whoever_may_not_write_ms(
        engine, seeded, actor, window, login):
    preview = _preview(engine, actor("admin"), "MS", 7)  # a preview this caller could not get
    assert len(preview.accepted) == 1
    before = _audit_count(engine)

    with pytest.raises(PermissionDenied), transaction(engine) as db:
        loading.apply_import(db, actor(login), preview)

    assert _value(engine, seeded.structures["MS"]) is None
    assert _audit_count(engine) == before


@pytest.mark.postgres
def test_an_import_built_without_a_preview_is_refused_and_writes_nothing(
        engine, seeded, actor, window):
    with Session(engine) as db:
        from tracker.reference.catalogue import kpi_refs, structure_refs

        forged = read_results_file(_file("MS", 7), "t1.csv", kpis=kpi_refs(db),
                                   structures=structure_refs(db), default_structure=None,
                                   year=YEAR, quarter=QUARTER)
    before = _audit_count(engine)

    with pytest.raises(StaleEdit), transaction(engine) as db:
        loading.apply_import(db, actor("dsi-ms"), forged)

    assert _value(engine, seeded.structures["MS"]) is None
    assert _audit_count(engine) == before


@pytest.mark.postgres
@pytest.mark.parametrize("login", ["admin", "dsi-ms"])
def test_an_import_previewed_before_the_quarter_was_validated_changes_nothing(
        engine, seeded, actor, window, login):
    ms = seeded.structures["MS"]
    with transaction(engine) as db:
        save_entries(db, actor("dsi-ms"), ms, YEAR, QUARTER, [EntryRow(1, CODE, value=5)],
                     seen_version=None, today=TODAY)
    preview = _preview(engine, actor(login), "MS", 424242)
    assert len(preview.accepted) == 1
    draft = _submission(engine, ms)
    with transaction(engine) as db:  # the declaration moves on in another tab
        review.submit(db, actor("dsi-ms"), ms, YEAR, QUARTER, seen_version=draft.version,
                      today=TODAY)
    submitted = _submission(engine, ms)
    with transaction(engine) as db:
        review.validate(db, actor("admin"), submitted.id, seen_version=submitted.version)
    before = _audit_count(engine)

    with pytest.raises(StaleEdit, match="validée"), transaction(engine) as db:
        loading.apply_import(db, actor(login), preview)

    assert _value(engine, ms) == 5
    assert _submission(engine, ms).status == SubmissionStatus.validated
    assert _audit_count(engine) == before


# PostgreSQL only: on SQLite the import's write transaction is exclusive, nothing commits in
# between (the SQLite case is the previous test's).
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_validation_committed_between_preview_and_write_is_seen_by_the_write(
        engine, seeded, actor, window, backend):
    """The page previews and writes in one transaction; ASIN validates in between."""
    ms = seeded.structures["MS"]
    with transaction(engine) as db:
        review.save_and_submit(db, actor("dsi-ms"), ms, YEAR, QUARTER,
                               [EntryRow(1, CODE, value=5)], seen_version=None, today=TODAY)
    with transaction(engine) as db:
        review.reopen(db, actor("admin"), ms, YEAR, QUARTER,
                      seen_version=_submission(engine, ms).version)
    with transaction(engine) as db:
        review.submit(db, actor("dsi-ms"), ms, YEAR, QUARTER,
                      seen_version=_submission(engine, ms).version, today=TODAY)
    with transaction(engine) as db:
        review.return_submission(db, actor("admin"), _submission(engine, ms).id, "à revoir",
                                 seen_version=_submission(engine, ms).version)
    admin = actor("admin")

    def validate_meanwhile() -> None:
        with transaction(engine) as other:  # resubmitted and validated by ASIN
            sub = other.exec(select(Submission).where(Submission.structure_id == ms)).one()
            review.submit(other, actor("dsi-ms"), ms, YEAR, QUARTER, seen_version=sub.version,
                          today=TODAY)
        with transaction(engine) as other:
            sub = other.exec(select(Submission).where(Submission.structure_id == ms)).one()
            review.validate(other, admin, sub.id, seen_version=sub.version)

    with pytest.raises(StaleEdit), transaction(engine) as db:
        preview = loading.import_preview(db, admin, _file("MS", 424242), "t1.csv", year=YEAR,
                                         quarter=QUARTER, structure_code=None, today=TODAY)
        assert len(preview.accepted) == 1
        meanwhile = threading.Thread(target=validate_meanwhile)
        meanwhile.start()
        meanwhile.join(timeout=60)
        loading.apply_import(db, admin, preview)

    assert _value(engine, ms) == 5
    assert _submission(engine, ms).status == SubmissionStatus.validated


@pytest.mark.postgres
@pytest.mark.parametrize("login", ["dsi-ms", "direction", "observateur"])
def test_only_the_secretariat_moves_due_dates_to_the_next_session(engine, seeded, actor, login):
    with transaction(engine) as db:
        first = Conference(number=1, year=2026, rank_in_year=1, session_date=date(2026, 3, 1))
        db.add(first)
        db.flush()
        db.add(ActionItem(conference_id=first.id, title="Plan", due_kind=DueKind.next_session,
                          owner_structure_id=seeded.structures["MS"]))
        later = Conference(number=2, year=2026, rank_in_year=2, session_date=date(2026, 6, 1))
        db.add(later)
    before = _audit_count(engine)

    with pytest.raises(PermissionDenied), transaction(engine) as db:
        from tracker.conference.sessions import resolve_next_session_dues

        resolve_next_session_dues(db, actor(login), db.get(Conference, later.id))

    with Session(engine) as db:
        item = db.exec(select(ActionItem)).one()
    assert (item.due_kind, item.due_date) == (DueKind.next_session, None)
    assert _audit_count(engine) == before


@pytest.mark.parametrize("login", ["observateur", "direction", "admin"])
def test_a_structure_home_without_a_structure_is_a_clear_refusal(engine, seeded, actor, login):
    with Session(engine) as db, pytest.raises(PermissionDenied, match="droit"):
        home.structure_home(db, actor(login), TODAY)


def test_a_dsi_still_gets_their_structure_home(engine, seeded, actor):
    with Session(engine) as db:
        mine = home.structure_home(db, actor("dsi-ms"), TODAY)
    assert mine.code == "MS"
