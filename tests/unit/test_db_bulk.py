"""The bulk writing helpers of imports: multi-row inserts, new ids, the paused collector."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from tracker.core import audit
from tracker.core.db import (
    bulk_writer,
    collector_paused,
    reading,
    transaction,
)
from tracker.core.models import AuditEvent


def _table() -> object:
    return AuditEvent.__table__  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_bulk_insert_returns_the_id_of_every_row_in_order(engine: Engine) -> None:
    """More rows than one SQLite statement holds (2,000), timestamps stored as SQLAlchemy does;
    an event written before (by the ORM) keeps its id and the new ids follow it."""
    at = datetime(2026, 3, 31, 22, 15, 7, 123456, tzinfo=UTC)
    with transaction(engine) as session:
        earlier = AuditEvent(user_login="system", action="x", object_type="T",
                             object_label="", at=at, field="")
        session.add(earlier)
        session.flush()
        rows = [values for index in range(4_321) for values in audit.event_values(
            None, "create", "Result", index, f"R{index}", {"value": (None, index / 2)}, at)]
        with bulk_writer(session) as writer:
            ids = writer.insert_returning_ids(_table(), audit.EVENT_COLUMNS, rows,
                                              key=("object_id", "action"))
    assert len(set(ids)) == 4_321 and earlier.id not in ids
    with reading(engine) as session:
        stored = {e.id: e for e in session.exec(select(AuditEvent))}
    assert len(stored) == 4_322
    for index in (0, 1, 2_000, 4_320):
        event = stored[ids[index]]
        assert (event.object_id, event.object_label, event.field, event.old_value,
                event.new_value) == (index, f"R{index}", "value", None,
                                     audit.as_text(index / 2))
    assert stored[ids[1]].new_value == "0.5" and stored[ids[4_320]].new_value == "2160"
    assert stored[ids[0]].at.replace(tzinfo=UTC) == at
    assert stored[ids[0]].user_login == "system" and stored[ids[0]].user_id is None


@pytest.mark.postgres
def test_ids_of_a_second_bulk_insert_follow_the_first(engine: Engine) -> None:
    at = datetime.now(UTC)
    with transaction(engine) as session, bulk_writer(session) as writer:
        first = writer.insert_returning_ids(
            _table(), audit.EVENT_COLUMNS,
            [audit.event_values(None, "a", "T", i, "", {}, at)[0] for i in range(3)],
            key=("object_id",))
    with transaction(engine) as session, bulk_writer(session) as writer:
        second = writer.insert_returning_ids(
            _table(), audit.EVENT_COLUMNS,
            [audit.event_values(None, "b", "T", i, "", {}, at)[0] for i in range(3)],
            key=("object_id", "action"))
    assert min(second) > max(first)
    with reading(engine) as session:
        actions = {e.id: (e.action, e.object_id) for e in session.exec(select(AuditEvent))}
    assert [actions[i] for i in first + second] == [
        ("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1), ("b", 2)]


def test_bulk_insert_refuses_rows_of_the_wrong_width(engine: Engine) -> None:
    with transaction(engine) as session, pytest.raises(ValueError, match="columns"), \
            bulk_writer(session) as writer:
        writer.insert(_table(), ("action", "object_type"), [("a", "b"), ("c",)])


def test_collector_pause_nests_and_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer job is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # was off before: stays off
    finally:
        gc.enable()


def test_collector_pause_is_shared_by_concurrent_jobs() -> None:
    inside, release = threading.Event(), threading.Event()

    def job() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=job)
    worker.start()
    inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other job still holds the pause
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_collector_resumes_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


@pytest.mark.postgres
def test_a_failing_background_insert_is_raised_and_nothing_is_kept(engine: Engine) -> None:
    """A constraint broken by a statement run in the writer's thread reaches the caller when
    the writer closes, and the whole transaction is rolled back."""
    from sqlalchemy.exc import IntegrityError

    at = datetime.now(UTC)
    good = [audit.event_values(None, "a", "T", i, "", {}, at)[0] for i in range(2_500)]
    with pytest.raises(IntegrityError), transaction(engine) as session, \
            bulk_writer(session) as writer:
        writer.insert(_table(), audit.EVENT_COLUMNS, good)
        # action is NOT NULL: this batch fails inside the writer
        writer.insert(_table(), audit.EVENT_COLUMNS, [(*good[0][:2], None, *good[0][3:])])
    with reading(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []


@pytest.mark.postgres
def test_ids_are_read_after_the_statements_handed_over_have_run(engine: Engine) -> None:
    at = datetime.now(UTC)
    with transaction(engine) as session, bulk_writer(session) as writer:
        writer.insert(_table(), audit.EVENT_COLUMNS,
                      [audit.event_values(None, "a", "T", i, "", {}, at)[0] for i in range(4_100)])
        ids = writer.insert_returning_ids(
            _table(), audit.EVENT_COLUMNS,
            [audit.event_values(None, "b", "T", i, "", {}, at)[0] for i in range(3)],
            key=("object_id", "action"))
    with reading(engine) as session:
        stored = {e.id: (e.action, e.object_id) for e in session.exec(select(AuditEvent))}
    assert len(stored) == 4_103
    assert [stored[i] for i in ids] == [("b", 0), ("b", 1), ("b", 2)]
