"""The journal reads as sentences: who (by name), what (a verb, the object, its label with
quarters in words), and each changed field in words with its values in words; times in
Porto-Novo; no id, enum value or ISO date reaches the reader."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from tracker.accounts import journal
from tracker.core.db import transaction
from tracker.core.errors import PermissionDenied
from tracker.core.models import AuditEvent, User


def _event(engine, **values) -> None:
    base = {"user_login": "admin", "action": "update", "object_type": "Submission",
            "object_id": 1, "object_label": "MEF 2026-T3",
            "at": datetime(2026, 12, 4, 18, 30, tzinfo=UTC), "field": ""}
    with transaction(engine) as db:
        db.add(AuditEvent(**{**base, **values}))


def test_a_validation_reads_as_a_sentence_with_values_in_words(engine, seeded, actor):
    with Session(engine) as db:
        admin = db.exec(select(User).where(User.login == "admin")).one()
    for field, old, new in (("status", "submitted", "validated"),
                            ("reviewer_id", None, str(admin.id)),
                            ("reviewed_at", None, "2026-12-04T18:30:00"),
                            ("reopened", "true", "false"),
                            ("structure_id", None, str(seeded.structures["MEF"]))):
        _event(engine, action="validate", field=field, old_value=old, new_value=new)
    with Session(engine) as db:
        lines = journal.sentences_frame(db, actor("admin"))
    line = lines[lines["what"].str.startswith("a validé")].iloc[0].to_dict()
    assert line["who"] == admin.display_name
    assert line["when"] == "04/12/2026 19:30"  # Porto-Novo, UTC+1
    assert line["what"] == "a validé la déclaration « MEF T3 2026 »"
    assert "statut : Soumise → Validée" in line["detail"]
    assert f"relecteur : — → {admin.display_name}" in line["detail"]
    assert "relu le : — → 04/12/2026 19:30" in line["detail"]
    assert "rouverte : oui → non" in line["detail"]
    assert "Ministère" in line["detail"]
    shown = " ".join(str(v) for v in line.values())
    assert not re.search(r"\d{4}-\d{2}-\d{2}|_id\b|validated|submitted|true|false", shown)


def test_an_action_by_the_system_and_an_unknown_object_still_read(engine, seeded, actor):
    _event(engine, user_login="system", action="create", object_type="Gadget", object_label="")
    with Session(engine) as db:
        lines = journal.sentences_frame(db, actor("admin"))
    line = lines[lines["what"].str.contains("gadget")].iloc[0].to_dict()
    assert line["who"] == "Le système"
    assert line["what"] == "a créé l'objet « gadget »"


@pytest.mark.parametrize("login", ["direction", "dsi-ms", "observateur"])
def test_only_the_secretariat_reads_the_journal(engine, seeded, actor, login):
    with Session(engine) as db, pytest.raises(PermissionDenied):
        journal.sentences_frame(db, actor(login))
