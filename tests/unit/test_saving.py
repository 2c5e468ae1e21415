"""The one creation-audit rule and the one save skeleton for edited tables."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from tracker.core import audit
from tracker.core.db import transaction
from tracker.core.errors import NotFound, StaleEdit, TrackerError, ValidationFailed
from tracker.core.models import AgendaItem, AuditEvent, Structure
from tracker.core.saving import RowRefused, check_rows, write_rows
from tracker.core.tables import RowChange
from tracker.reference import catalogue as reference

ROOT = Path(__file__).resolve().parents[2]


def _events(engine) -> list[AuditEvent]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEvent).order_by(AuditEvent.id)))


def _count(engine) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(AuditEvent)).one())


def test_creation_records_each_entered_value_and_leaves_out_empty_bookkeeping_and_secrets():
    changes = audit.creation_changes({
        "title": "Point X-Road", "notes": "", "due_date": date(2026, 3, 31), "owner": None,
        "active": False, "weight": 0.0, "id": 7, "version": 1, "updated_at": "x",
        "password_hash": "$argon2id$…"})
    assert changes == {"title": (None, "Point X-Road"), "due_date": (None, date(2026, 3, 31)),
                       "active": (None, False), "weight": (None, 0.0)}


OWN_RULE = re.compile(r"(record|event_rows|event_values)\(\s*[^()]*?\"create\"")


def _own_creation_rules(root: Path) -> list[str]:
    """Calls recording a "create" outside tracker/core/audit.py (each writes its own rule of
    what a creation records)."""
    offenders = []
    for path in (root / "tracker").rglob("*.py"):
        if path.name == "audit.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        for match in OWN_RULE.finditer(text):
            line = text[:match.start()].count("\n") + 1
            offenders.append(f"{path.relative_to(root)}:{line}")
    return offenders


def test_no_service_audits_a_creation_by_a_rule_of_its_own():
    """A creation goes through audit.created / creation_events / creation_event_rows."""
    assert _own_creation_rules(ROOT) == []


def test_the_scan_sees_a_planted_creation_rule(tmp_path):
    (tmp_path / "tracker" / "core").mkdir(parents=True)
    (tmp_path / "tracker" / "core" / "audit.py").write_text('record(s, a, "create", o)\n')
    (tmp_path / "tracker" / "pillars.py").write_text(
        'x = 1\naudit.record(session, actor, "create", row,\n             label="x")\n')
    assert _own_creation_rules(tmp_path) == ["tracker/pillars.py:2"]


def test_every_refused_row_is_reported_at_once_and_nothing_is_returned():
    def check(change: RowChange) -> dict[str, object]:
        if change.values["title"] == "":
            raise RowRefused("Titre", "Le titre est obligatoire.")
        if change.values["title"] == "??":
            raise RowRefused("Titre", "Titre illisible.", ("Date", "Date impossible."))
        return {"title": change.values["title"]}

    changes = [RowChange(1, None, {"title": "A"}), RowChange(2, None, {"title": ""}),
               RowChange(3, 4, {"title": "??"})]
    with pytest.raises(ValidationFailed) as refused:
        check_rows(changes, check)
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "Titre"), (3, "Titre"),
                                                                (3, "Date")]
    assert check_rows(changes[:1], check) == [(changes[0], {"title": "A"})]


def _conference_id(engine) -> int:
    with Session(engine) as db:
        return db.exec(select(AgendaItem.conference_id)).first() or 0


def test_write_rows_creates_by_the_rule_and_edits_through_the_stale_check(engine, seeded, actor):
    admin = actor("admin")
    before = _count(engine)
    with transaction(engine) as db:
        structure = db.exec(select(Structure).where(Structure.code == "MS")).one()
        seen = structure.version
        planned = [(RowChange(1, None, {"code": "NEWCO", "name_fr": "Nouvelle structure",
                                        "kind": "agence", "note": ""}), {
                        "code": "NEWCO", "name_fr": "Nouvelle structure", "kind": "agence",
                        "note": ""}),
                   (RowChange(2, structure.id, {}), {"name_fr": "Ministère de la Santé (MS)"})]
        written = write_rows(db, admin, Structure, planned, {structure.id: seen},
                             new=lambda values: Structure(**values), label=lambda s: s.code)
    assert written == 2
    created = [e for e in _events(engine)[before:] if e.action == "create"]
    assert {e.field for e in created} == {"code", "name_fr", "kind"}  # empty note left out
    updated = [e for e in _events(engine)[before:] if e.action == "update"]
    assert [(e.field, e.new_value) for e in updated] == [("name_fr", "Ministère de la Santé (MS)")]
    # The same edit from the screen loaded before it: refused, nothing written.
    after = _count(engine)
    with pytest.raises(StaleEdit), transaction(engine) as db:
        write_rows(db, admin, Structure, [(RowChange(1, structure.id, {}), {"name_fr": "Autre"})],
                   {structure.id: seen}, new=lambda values: Structure(**values),
                   label=lambda s: s.code)
    assert _count(engine) == after


def test_write_rows_refuses_a_row_outside_what_is_edited_and_a_clashing_new_row(engine, seeded,
                                                                             actor):
    admin = actor("admin")
    with Session(engine) as db:
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
    with pytest.raises(NotFound), transaction(engine) as db:
        write_rows(db, admin, Structure, [(RowChange(1, ms.id, {}), {"name_fr": "X"})],
                   {ms.id: ms.version}, new=lambda values: Structure(**values),
                   label=lambda s: s.code, belongs=lambda s: s.code != "MS")
    with pytest.raises(TrackerError, match="double"), transaction(engine) as db:
        write_rows(db, admin, Structure, [(RowChange(1, None, {}), {
            "code": "MS", "name_fr": "Doublon", "kind": "ministere"})], {},
            new=lambda values: Structure(**values), label=lambda s: s.code,
            conflict=lambda: TrackerError("Code en double."))
    with Session(engine) as db:
        assert db.get(Structure, ms.id).name_fr == ms.name_fr


def test_new_structures_naming_each_other_as_successor_are_refused(engine, seeded, actor):
    changes = [RowChange(1, None, {"code": "AAA", "name_fr": "A", "kind": "agence",
                                   "successor": "BBB"}),
               RowChange(2, None, {"code": "BBB", "name_fr": "B", "kind": "agence",
                                   "successor": "AAA"})]
    before = _count(engine)
    with pytest.raises(ValidationFailed) as refused, transaction(engine) as db:
        reference.save_structures(db, actor("admin"), changes, {})
    assert [e.row for e in refused.value.errors] == [1, 2]
    assert _count(engine) == before


def test_a_chain_of_new_successors_is_created_in_order(engine, seeded, actor):
    changes = [RowChange(1, None, {"code": "AAA", "name_fr": "A", "kind": "agence",
                                   "successor": "BBB"}),
               RowChange(2, None, {"code": "BBB", "name_fr": "B", "kind": "agence",
                                   "successor": "CCC"}),
               RowChange(3, None, {"code": "CCC", "name_fr": "C", "kind": "agence"})]
    with transaction(engine) as db:
        assert reference.save_structures(db, actor("admin"), changes, {}) == 3
    with Session(engine) as db:
        by_code = {s.code: s for s in db.exec(select(Structure))}
    assert by_code["AAA"].successor_id == by_code["BBB"].id
    assert by_code["BBB"].successor_id == by_code["CCC"].id
