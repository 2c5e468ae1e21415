"""Targets import: French spreadsheet variants, per-row reasons, idempotence, admin only."""

import pytest
from sqlmodel import select

from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, UploadError
from tracker.core.models import AuditEvent, Target
from tracker.results import targets as targets_import

CSV = ("Indicateur;Structure;Trimestre;Cible\n"
       "ESV_DEMAT;;;60\n"
       "ESV_PUB;MS;T2;12\n"
       "Taux de satisfaction des usagers;Ministère de la Santé;;82,5 %\n"
       "INCONNU;;;3\n"
       "ESV_SLA;ZZZ;T5;=1+1\n").encode("cp1252")


def _preview(engine, actor, data=CSV, login="admin"):
    with reading(engine) as db:
        return targets_import.read_targets_file(db, actor(login), data, "cibles.csv", 2026)


def test_preview_accepts_french_rows_and_names_each_refusal(engine, seeded, actor):
    preview = _preview(engine, actor)
    assert [(r.kpi_code, r.structure_code, r.quarter, r.value) for r in preview.accepted] == [
        ("ESV_DEMAT", None, 0, 60.0), ("ESV_PUB", "MS", 2, 12.0),
        ("ESV_SATIS", "MS", 0, 82.5)]
    assert [(e.row, e.column) for e in preview.rejected] == [
        (5, "Indicateur"), (6, "Structure"), (6, "Trimestre"), (6, "Cible")]


def test_import_writes_once_and_again_changes_nothing(engine, seeded, actor):
    for expected in (3, 0):
        with transaction(engine) as db:
            preview = targets_import.read_targets_file(db, actor("admin"), CSV, "c.csv", 2026)
            assert targets_import.apply_targets(db, actor("admin"), preview) == expected
    with reading(engine) as db:
        assert len(db.exec(select(Target)).all()) == 3
        assert len(db.exec(select(AuditEvent).where(AuditEvent.object_type == "Target")).all()) == 3


def test_only_the_secretariat_imports_targets(engine, seeded, actor):
    with pytest.raises(PermissionDenied):
        _preview(engine, actor, login="dsi-ms")


def test_a_file_without_the_expected_columns_is_refused_whole(engine, seeded, actor):
    with pytest.raises(UploadError, match="Indicateur, Cible"):
        _preview(engine, actor, data=b"a;b\n1;2\n")
