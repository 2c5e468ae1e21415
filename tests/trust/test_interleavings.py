"""Two people never overwrite each other: random interleavings of two or three writers on the
same rows, through the services, on SQLite and PostgreSQL. A save is accepted exactly when the
version its writer saw is still current; nothing is lost and every accepted change leaves one
audit row. Then the same rows raced by real threads: one save wins, the others get the stale
message, never an unexpected error."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pytest
from racing import race
from sqlmodel import Session, func, select

from tracker.conference import attendance
from tracker.conference import sessions as conferences
from tracker.conference.sessions import ConferenceInput
from tracker.core.db import transaction
from tracker.core.errors import StaleEdit
from tracker.core.models import Attendance, AuditEvent, Conference, Structure
from tracker.core.tables import RowChange, diff_frames
from tracker.reference import catalogue as reference

INTERLEAVINGS = 1000
BASE = ConferenceInput(30, 2026, 1, theme="Thème initial", place="Cotonou")


def _audit_rows(engine, object_type: str, field: str) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == object_type, AuditEvent.field == field)).one())


@pytest.fixture
def conference_id(engine, actor) -> int:
    with transaction(engine) as db:
        conference = conferences.create_conference(db, actor("admin"), BASE)
        assert conference.id is not None
        return conference.id


@dataclass
class Row:
    """How a writer reads and saves one row kind through the services."""

    object_type: str
    field: str

    def read(self, engine, row_id: int) -> tuple[int, str]:
        raise NotImplementedError

    def save(self, engine, who, row_id: int, seen: int, value: str) -> None:
        raise NotImplementedError


class ConferenceTheme(Row):
    def read(self, engine, row_id):
        with Session(engine) as db:
            row = db.get(Conference, row_id)
            return row.version, row.theme

    def save(self, engine, who, row_id, seen, value):
        with transaction(engine) as db:
            conferences.update_conference(db, who, row_id, seen, replace(BASE, theme=value))


class StructureName(Row):
    """The structures table as the page has it: the frame drawn, edited, diffed and saved with
    the versions it showed."""

    def read(self, engine, row_id):
        with Session(engine) as db:
            row = db.get(Structure, row_id)
            if row.version not in self.frames:  # the table as drawn at this version
                self.frames[row.version] = reference.structures_frame(db).loc[[row_id]]
            return row.version, row.name_fr

    def save(self, engine, who, row_id, seen, value):
        shown = self.frames[seen]
        edited = shown.copy()
        edited.loc[row_id, "name_fr"] = value
        with transaction(engine) as db:
            reference.save_structures(db, who, diff_frames(shown, edited,
                                                           reference.STRUCTURE_COLUMNS),
                                      shown["version"].to_dict())

    @property
    def frames(self) -> dict[int, object]:
        # The frame each writer saw, by the version it showed (writers that read the same
        # version saw the same table).
        if not hasattr(self, "_frames"):
            self._frames: dict[int, object] = {}
        return self._frames


def _interleave(rng: random.Random, writers: int) -> list[tuple[str, int]]:
    """A random order of each writer's read and save, every read before its save."""
    steps: list[tuple[str, int]] = []
    pending = {w: ["read", "save"] for w in range(writers)}
    while pending:
        writer = rng.choice(sorted(pending))
        steps.append((pending[writer].pop(0), writer))
        if not pending[writer]:
            del pending[writer]
    return steps


def _run_interleavings(engine, who, kind: Row, row_id: int, count: int, seed: int) -> int:
    rng = random.Random(seed)
    audits_before = _audit_rows(engine, kind.object_type, kind.field)
    accepted_total = 0
    current, last_value = kind.read(engine, row_id)
    for round_ in range(count):
        seen: dict[int, int] = {}
        for step, writer in _interleave(rng, rng.choice((2, 3))):
            if step == "read":
                seen[writer] = kind.read(engine, row_id)[0]
                continue
            value = f"v{round_}-{writer}"
            try:
                kind.save(engine, who, row_id, seen[writer], value)
            except StaleEdit as exc:
                assert "modifiée par" in str(exc)
                # Refused only when someone saved since this writer looked.
                assert current != seen[writer], (round_, writer)
            else:
                assert current == seen[writer], f"lost update in round {round_}"
                accepted_total += 1
                current, last_value = current + 1, value
        assert kind.read(engine, row_id) == (current, last_value)
    assert _audit_rows(engine, kind.object_type, kind.field) - audits_before == accepted_total
    return accepted_total


@pytest.mark.postgres
def test_random_interleavings_lose_no_update_and_audit_each_accepted_change(
        engine, seeded, actor, conference_id):
    admin = actor("admin")
    half = INTERLEAVINGS // 2
    accepted = _run_interleavings(engine, admin, ConferenceTheme("Conference", "theme"),
                                  conference_id, half, seed=14)
    accepted += _run_interleavings(engine, admin, StructureName("Structure", "name_fr"),
                                   seeded.structures["MS"], INTERLEAVINGS - half, seed=41)

    # Every round accepts its first save and refuses at least the saves that came too late.
    assert INTERLEAVINGS <= accepted < INTERLEAVINGS * 3


@pytest.mark.postgres
def test_simultaneous_saves_from_the_same_screen_one_wins_the_others_are_stale(
        engine, seeded, actor, conference_id):
    admin = actor("admin")
    kind = ConferenceTheme("Conference", "theme")
    audits_before = _audit_rows(engine, "Conference", "theme")
    for round_ in range(15):
        seen, _ = kind.read(engine, conference_id)
        outcomes = race(3, lambda i, seen=seen, round_=round_: kind.save(
            engine, admin, conference_id, seen, f"r{round_}-{i}"))

        winners = [i for i, o in enumerate(outcomes) if o is None]
        assert len(winners) == 1, outcomes
        assert all(isinstance(o, StaleEdit) for o in outcomes if o is not None), outcomes
        assert kind.read(engine, conference_id)[1] == f"r{round_}-{winners[0]}"
    assert _audit_rows(engine, "Conference", "theme") - audits_before == 15


@pytest.mark.postgres
def test_simultaneous_first_attendance_records_one_wins_the_other_is_stale(
        engine, seeded, actor, conference_id):
    admin = actor("admin")
    ms = seeded.structures["MS"]

    def record(i: int) -> None:
        with transaction(engine) as db:
            attendance.save_attendance(db, admin, conference_id, [RowChange(
                1, ms, {"code": "MS", "status": "present", "representative": f"R{i}",
                        "representative_role": ""})], {ms: 0})

    outcomes = race(2, record)

    assert sorted(o is None for o in outcomes) == [False, True], outcomes
    assert all(isinstance(o, StaleEdit) for o in outcomes if o is not None), outcomes
    with Session(engine) as db:
        assert len(db.exec(select(Attendance)).all()) == 1
