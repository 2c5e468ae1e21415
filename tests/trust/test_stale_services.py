"""The services check the version the user saw, and refuse a save that does not say which one:
a missing version is a stale save, not a save without a check. Save-and-submit is one
transaction; a validation refers to the exact version of the declaration displayed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from tracker.core.db import transaction
from tracker.core.errors import StaleEdit
from tracker.core.models import AuditEvent, Result, Submission, SubmissionStatus
from tracker.results import entry as results
from tracker.results import review as declarations
from tracker.results import submissions
from tracker.results.entry import EntryRow

TODAY = date.today()
YEAR, QUARTER = 2026, 1


def _audit_count(engine) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(AuditEvent)).one())


@pytest.fixture
def window(engine, actor):
    with transaction(engine) as db:
        return submissions.set_window(db, actor("admin"), YEAR, QUARTER,
                                      TODAY - timedelta(days=5), TODAY + timedelta(days=5),
                                      seen_version=None)


def _kpi_code(engine) -> str:
    from tracker.core import repository

    with Session(engine) as db:
        return next(k.code for k in repository.list_kpis(db, active_only=True) if not k.ratio
                    and k.unit == "count")


def _submission(engine, structure_id: int) -> Submission:
    with Session(engine) as db:
        return db.exec(select(Submission).where(Submission.structure_id == structure_id)).one()


def _sheet_value(engine, structure_id: int, code: str) -> float | None:
    with Session(engine) as db:
        rows = db.exec(select(Result).where(Result.structure_id == structure_id)).all()
        from tracker.core.models import Kpi

        kpi_id = db.exec(select(Kpi.id).where(Kpi.code == code)).one()
        return next((r.value for r in rows if r.kpi_id == kpi_id), None)


@pytest.mark.postgres
def test_a_window_save_that_names_no_version_is_refused_once_the_window_exists(
        engine, seeded, actor, window):
    before = _audit_count(engine)
    with pytest.raises(StaleEdit, match="modifiée par"), transaction(engine) as db:
        submissions.set_window(db, actor("admin"), YEAR, QUARTER, TODAY, TODAY,
                               seen_version=None)
    assert _audit_count(engine) == before


@pytest.mark.postgres
def test_validation_of_a_declaration_changed_since_it_was_displayed_is_refused(
        engine, seeded, actor, window):
    dsi, admin, ms = actor("dsi-ms"), actor("admin"), seeded.structures["MS"]
    code = _kpi_code(engine)
    with transaction(engine) as db:
        declarations.save_and_submit(db, dsi, ms, YEAR, QUARTER, [EntryRow(1, code, value=12)],
                                seen_version=None, today=TODAY)
    displayed = _submission(engine, ms)  # ASIN opens the review screen here
    # Meanwhile the quarter is reopened and the DSI changes the value, then submits again.
    with transaction(engine) as db:
        declarations.reopen(db, admin, ms, YEAR, QUARTER, seen_version=displayed.version)
    with transaction(engine) as db:
        declarations.save_and_submit(db, dsi, ms, YEAR, QUARTER, [EntryRow(1, code, value=999999)],
                                seen_version=_submission(engine, ms).version, today=TODAY)
    before = _audit_count(engine)

    with pytest.raises(StaleEdit, match="modifiée par"), transaction(engine) as db:
        declarations.validate(db, admin, displayed.id, seen_version=displayed.version)

    assert _submission(engine, ms).status == SubmissionStatus.submitted
    assert _audit_count(engine) == before


@pytest.mark.postgres
def test_save_and_submit_from_an_old_screen_saves_nothing_and_submits_nothing(
        engine, seeded, actor, window):
    dsi, ms = actor("dsi-ms"), seeded.structures["MS"]
    code = _kpi_code(engine)
    with transaction(engine) as db:
        results.save_entries(db, dsi, ms, YEAR, QUARTER, [EntryRow(1, code, value=5)],
                             seen_version=None, today=TODAY)
    old = _submission(engine, ms).version
    with transaction(engine) as db:  # a colleague saves first
        results.save_entries(db, dsi, ms, YEAR, QUARTER, [EntryRow(1, code, value=6)],
                             seen_version=old, today=TODAY)
    before = _audit_count(engine)

    with pytest.raises(StaleEdit), transaction(engine) as db:
        declarations.save_and_submit(db, dsi, ms, YEAR, QUARTER, [EntryRow(1, code, value=7)],
                                seen_version=old, today=TODAY)

    assert _sheet_value(engine, ms, code) == 6
    assert _submission(engine, ms).status == SubmissionStatus.draft
    assert _audit_count(engine) == before
