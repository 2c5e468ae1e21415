"""Reference data: loaded once from the CSVs, edited by the secretariat only, validated row by row,
all or nothing."""

import csv
from datetime import date

import pytest
from sqlmodel import Session, func, select

from tracker.accounts.auth import Actor
from tracker.core.db import transaction
from tracker.core.errors import PermissionDenied, ValidationFailed
from tracker.core.models import AuditEvent, Kpi, Role, Structure
from tracker.core.refdata import REFERENCE_DIR
from tracker.core.tables import diff_frames
from tracker.reference import catalogue as reference

REFERENCE = REFERENCE_DIR


def _count(engine, model) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(model)).one())


def _structure(engine, code):
    with Session(engine) as db:
        return db.exec(select(Structure).where(Structure.code == code)).first()


def _frame(engine):
    with Session(engine) as db:
        return reference.structures_frame(db)


def _save(engine, who, original, edited):
    with transaction(engine) as db:
        return reference.save_structures(
            db, who, diff_frames(original, edited, reference.STRUCTURE_COLUMNS),
            original["version"].to_dict())


def _with_row(frame, **values):
    edited = frame.copy()
    edited.loc[max(frame.index) + 1000 + len(edited)] = {"version": None, **values}
    return edited


def _renamed(frame, which, **values):
    edited = frame.copy()
    row = edited.index[edited["code"] == which][0]
    for column, value in values.items():
        edited.loc[row, column] = value
    return edited


def test_reference_data_loads_every_csv_row_once(session):
    with (REFERENCE / "structures.csv").open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    with (REFERENCE / "kpis.csv").open(encoding="utf-8") as handle:
        kpi_codes = {row["code"] for row in csv.DictReader(handle)}

    first = reference.load_reference_data(session)
    again = reference.load_reference_data(session)
    session.commit()

    assert first == (len(codes), len(kpi_codes))
    assert again == (0, 0)
    assert {s.code for s in session.exec(select(Structure)).all()} == codes
    ms = session.exec(select(Structure).where(Structure.code == "MS")).one()
    assert (ms.name_fr, ms.kind) == ("Ministère de la Santé", "ministere")


@pytest.mark.postgres
def test_admin_renames_a_structure(engine, seeded, actor):
    frame = _frame(engine)

    written = _save(engine, actor("admin"), frame,
                    _renamed(frame, "MS", name_fr="Ministère de la Santé publique"))

    assert written == 1
    renamed = _structure(engine, "MS")
    assert renamed.name_fr == "Ministère de la Santé publique"
    assert renamed.id == seeded.structures["MS"]
    assert _count(engine, Structure) == len(frame)


def test_admin_ends_a_structure_and_names_its_successor(engine, seeded, actor):
    frame = _frame(engine)
    added = _with_row(frame, code="mshp", name_fr="Ministère de la Santé et de l'Hygiène publique",
                      kind="ministere", valid_from=date(2027, 1, 1))
    assert _save(engine, actor("admin"), frame, added) == 1
    frame = _frame(engine)

    written = _save(engine, actor("admin"), frame,
                    _renamed(frame, "MS", valid_to=date(2026, 12, 31), successor="mshp"))

    assert written == 1
    old, new = _structure(engine, "MS"), _structure(engine, "MSHP")
    assert old.successor_id == new.id
    assert old.valid_to == date(2026, 12, 31)
    assert not old.in_force(date(2027, 1, 2)) and new.in_force(date(2027, 1, 2))
    assert _frame(engine).loc[old.id, "successor"] == "MSHP"


@pytest.mark.postgres
def test_invalid_rows_are_reported_per_row_and_nothing_is_written(engine, seeded, actor):
    frame = _frame(engine)
    edited = _renamed(frame, "MS", name_fr="Ministère de la Santé (valide)")
    edited = _renamed(edited, "MEF", kind="ministry")
    edited = _renamed(edited, "PR", valid_from=date(2024, 1, 1), valid_to=date(2023, 1, 1))
    edited = _renamed(edited, "SGG", code="ASIN")
    edited = _renamed(edited, "ANIP", successor="XYZ")
    positions = {code: i for i, code in enumerate(edited["code"], start=1)}
    positions["ASIN (SGG)"] = list(edited.index).index(seeded.structures["SGG"]) + 1
    events_before = _count(engine, AuditEvent)

    with pytest.raises(ValidationFailed) as refused:
        _save(engine, actor("admin"), frame, edited)

    assert str(refused.value) == "Lignes refusées : rien n'a été enregistré."
    errors = {(e.row, e.column): e.reason for e in refused.value.errors}
    assert errors == {
        (positions["MEF"], "Type"): "Type inconnu : ministere, agence, presidence, institution "
                                    "ou operateur.",
        (positions["PR"], "Fin de validité"): "La date de fin précède la date de début.",
        (positions["ASIN (SGG)"], "Code"): "Le code « ASIN » existe déjà.",
        (positions["ANIP"], "Successeur"): "Successeur inconnu : « XYZ »."}
    assert _structure(engine, "MS").name_fr == "Ministère de la Santé"
    assert _structure(engine, "MEF").kind == "ministere"
    assert _structure(engine, "SGG") is not None
    assert _count(engine, AuditEvent) == events_before


def test_new_structure_with_an_existing_code_is_refused(engine, seeded, actor):
    frame = _frame(engine)
    edited = _with_row(frame, code="ms", name_fr="Doublon", kind="ministere")

    with pytest.raises(ValidationFailed) as refused:
        _save(engine, actor("admin"), frame, edited)

    assert [(e.row, e.column, e.reason) for e in refused.value.errors] == [
        (len(edited), "Code", "Le code « MS » existe déjà.")]
    assert _count(engine, Structure) == len(frame)


def test_structure_cannot_succeed_itself(engine, seeded, actor):
    frame = _frame(engine)

    with pytest.raises(ValidationFailed) as refused:
        _save(engine, actor("admin"), frame, _renamed(frame, "MS", successor="MS"))

    assert [e.reason for e in refused.value.errors] == [
        "Une structure ne peut pas être son propre successeur."]


def test_ratio_kpi_must_be_a_percentage(engine, seeded, actor):
    with Session(engine) as db:
        frame = reference.kpis_frame(db)
    kpi_id = int(frame.index[frame["ratio"]][0])
    edited = frame.copy()
    edited.loc[kpi_id, "unit"] = "count"

    with pytest.raises(ValidationFailed) as refused:
        with transaction(engine) as db:
            reference.save_kpis(db, actor("admin"),
                                diff_frames(frame, edited, reference.KPI_COLUMNS),
                                frame["version"].to_dict())

    assert [e.reason for e in refused.value.errors] == [
        "Un indicateur ratio (numérateur / dénominateur) doit être en pourcentage."]
    with Session(engine) as db:
        assert db.get(Kpi, kpi_id).unit == "percent"


def _forged(role: Role, seeded, login="dsi-ms") -> Actor:
    # An identity built by hand, as a tampered session could try: the role alone decides.
    return Actor(id=seeded.users[login], login=login, display_name="Forgé", role=role,
                 structure_id=seeded.structures["MS"], structure_code="MS")


@pytest.mark.postgres
@pytest.mark.parametrize("role", [Role.dsi, Role.leadership, Role.viewer])
def test_only_the_secretariat_may_change_reference_data(engine, seeded, actor, role):
    with Session(engine) as db:
        structures, kpis = reference.structures_frame(db), reference.kpis_frame(db)
    new_name = diff_frames(structures, _renamed(structures, "MS", name_fr="Santé (forgé)"),
                           reference.STRUCTURE_COLUMNS)
    kpi_id = int(kpis.index[0])
    edited_kpis = kpis.copy()
    edited_kpis.loc[kpi_id, "label_fr"] = "forgé"
    new_label = diff_frames(kpis, edited_kpis, reference.KPI_COLUMNS)
    events_before = _count(engine, AuditEvent)

    with pytest.raises(PermissionDenied, match="Vous n'avez pas le droit"):
        with transaction(engine) as db:
            reference.save_structures(db, _forged(role, seeded), new_name,
                                      structures["version"].to_dict())
    with pytest.raises(PermissionDenied, match="Vous n'avez pas le droit"):
        with transaction(engine) as db:
            reference.save_kpis(db, _forged(role, seeded), new_label, kpis["version"].to_dict())

    assert _structure(engine, "MS").name_fr == "Ministère de la Santé"
    with Session(engine) as db:
        assert db.get(Kpi, kpi_id).label_fr == kpis.loc[kpi_id, "label_fr"]
    assert _count(engine, AuditEvent) == events_before
    # The very same changes go through for the secretariat: only the role was missing.
    with transaction(engine) as db:
        assert reference.save_structures(db, actor("admin"), new_name,
                                         structures["version"].to_dict()) == 1
        assert reference.save_kpis(db, actor("admin"), new_label,
                                   kpis["version"].to_dict()) == 1


def test_a_merger_entered_at_once_names_a_successor_added_in_the_same_save(engine, seeded, actor):
    from tracker.core.tables import RowChange
    from tracker.reference import catalogue as reference

    with Session(engine) as db:
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
        ms_id, ms_version = ms.id, ms.version
    changes = [
        RowChange(1, ms_id, {"code": "MS", "name_fr": "Ministère de la Santé", "name_en": "",
                             "kind": "ministere", "valid_from": None, "valid_to": None,
                             "successor": "MSAS", "note": ""}),
        RowChange(2, None, {"code": "MSAS", "name_fr": "Ministère de la Santé et des Affaires "
                            "sociales", "kind": "ministere", "successor": None})]
    with transaction(engine) as db:
        assert reference.save_structures(db, actor("admin"), changes, {ms_id: ms_version}) == 2
    with Session(engine) as db:
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
        msas = db.exec(select(Structure).where(Structure.code == "MSAS")).one()
        assert ms.successor_id == msas.id
