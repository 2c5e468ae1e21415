"""The audit trail and optimistic locking: every accepted change is logged with its old and new
value; a save based on an outdated row is refused, names who changed it, and writes nothing."""

import pytest
from sqlmodel import Session, func, select

from tracker.accounts import users
from tracker.core.db import transaction
from tracker.core.errors import StaleEdit
from tracker.core.models import AuditEvent, Kpi, Structure, User
from tracker.core.tables import diff_frames
from tracker.reference import catalogue as reference


def _audit_count(engine) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(AuditEvent)).one())


def _structure(engine, code: str) -> Structure:
    with Session(engine) as db:
        return db.exec(select(Structure).where(Structure.code == code)).one()


def _edit(frame, code: str, **values):
    """The structures table as the admin left it after editing one row."""
    edited = frame.copy()
    row = edited.index[edited["code"] == code][0]
    for column, value in values.items():
        edited.loc[row, column] = value
    return edited


def _save_structures(engine, who, original, edited) -> int:
    """The page's save path: diff the editor against what was shown, one transaction."""
    with transaction(engine) as db:
        return reference.save_structures(
            db, who, diff_frames(original, edited, reference.STRUCTURE_COLUMNS),
            original["version"].to_dict())


@pytest.fixture
def second_admin(engine, seeded):
    with transaction(engine) as db:
        users.create_user(db, None, {"login": "awa", "display_name": "Awa Houngbédji",
                                     "role": "admin", "structure_code": "ASIN"})
    with Session(engine) as db:
        from tracker.accounts.auth import load_actor

        return load_actor(db, db.exec(select(User).where(User.login == "awa")).one().id)


@pytest.mark.postgres
def test_stale_save_is_rejected_names_who_changed_it_and_writes_nothing(
        engine, seeded, actor, second_admin):
    with Session(engine) as db:
        seen_by_admin = reference.structures_frame(db)
    # Awa saves first, from the same version of the table.
    _save_structures(engine, second_admin, seen_by_admin,
                     _edit(seen_by_admin, "MS", name_fr="Ministère de la Santé (Awa)"))
    events_before = _audit_count(engine)

    # The admin's edit touches a fresh row (MEF) and the row Awa changed (MS): all or nothing.
    edited = _edit(_edit(seen_by_admin, "MEF", note="revu"), "MS", name_en="Health (admin)")
    with pytest.raises(StaleEdit) as refused:
        _save_structures(engine, actor("admin"), seen_by_admin, edited)

    message = str(refused.value)
    assert "Awa Houngbédji" in message
    assert "rien n'a été enregistré" in message
    assert _structure(engine, "MS").name_fr == "Ministère de la Santé (Awa)"
    assert _structure(engine, "MS").name_en == "Ministry of Health"
    assert _structure(engine, "MEF").note == ""
    assert _audit_count(engine) == events_before


@pytest.mark.postgres
def test_stale_account_edit_is_rejected_and_writes_nothing(engine, seeded, actor, second_admin):
    with Session(engine) as db:
        seen = db.get(User, seeded.users["direction"])
    with transaction(engine) as db:
        users.update_user(db, second_admin, users.UserUpdate(
            user_id=seen.id, version=seen.version, display_name="Direction ASIN",
            role="leadership", structure_code="ASIN", active=True))
    events_before = _audit_count(engine)

    with pytest.raises(StaleEdit, match="Awa Houngbédji"):
        with transaction(engine) as db:
            users.update_user(db, actor("admin"), users.UserUpdate(
                user_id=seen.id, version=seen.version, display_name=seen.display_name,
                role="viewer", structure_code=None, active=True))

    with Session(engine) as db:
        assert db.get(User, seen.id).role == "leadership"
        assert db.get(User, seen.id).display_name == "Direction ASIN"
    assert _audit_count(engine) == events_before


@pytest.mark.postgres
def test_accepted_structure_change_is_audited_with_old_and_new_values(engine, seeded, actor):
    with Session(engine) as db:
        frame = reference.structures_frame(db)
    ms_id = seeded.structures["MS"]

    written = _save_structures(engine, actor("admin"), frame, _edit(
        frame, "MS", name_fr="Ministère de la Santé publique", valid_to="2026-12-31"))

    assert written == 1
    with Session(engine) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.object_type == "Structure",
                                                  AuditEvent.object_id == ms_id)).all()
        saved = db.get(Structure, ms_id)
    changes = {e.field: (e.old_value, e.new_value) for e in events}
    assert changes == {"name_fr": ("Ministère de la Santé", "Ministère de la Santé publique"),
                       "valid_to": (None, "2026-12-31")}
    assert {(e.user_login, e.user_id, e.action, e.object_label) for e in events} == {
        ("admin", seeded.users["admin"], "update", "MS")}
    assert saved.version == 2
    assert saved.updated_by_id == seeded.users["admin"]


def test_saving_an_unchanged_table_writes_and_logs_nothing(engine, seeded, actor):
    with Session(engine) as db:
        frame = reference.structures_frame(db)
    events_before = _audit_count(engine)

    assert _save_structures(engine, actor("admin"), frame, frame.copy()) == 0
    assert _audit_count(engine) == events_before
    assert _structure(engine, "MS").version == 1


def test_new_structure_is_audited_as_a_creation(engine, seeded, actor):
    with Session(engine) as db:
        frame = reference.structures_frame(db)
    edited = frame.copy()
    edited.loc[len(frame) + 10_000] = {"code": "mnum", "name_fr": "Ministère du Numérique",
                                       "kind": "ministere", "valid_from": "2026-06-01",
                                       "successor": None, "version": None}

    assert _save_structures(engine, actor("admin"), frame, edited) == 1

    created = _structure(engine, "MNUM")
    with Session(engine) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.object_id == created.id,
                                                  AuditEvent.object_type == "Structure")).all()
    assert {e.action for e in events} == {"create"}
    assert ("name_fr", None, "Ministère du Numérique") in {
        (e.field, e.old_value, e.new_value) for e in events}


def test_kpi_change_is_audited_with_old_and_new_values(engine, seeded, actor):
    with Session(engine) as db:
        frame = reference.kpis_frame(db)
    kpi_id = int(frame.index[0])
    old_label = frame.loc[kpi_id, "label_fr"]
    edited = frame.copy()
    edited.loc[kpi_id, "label_fr"] = "Libellé revu"

    with transaction(engine) as db:
        written = reference.save_kpis(db, actor("admin"),
                                      diff_frames(frame, edited, reference.KPI_COLUMNS),
                                      frame["version"].to_dict())

    assert written == 1
    with Session(engine) as db:
        assert db.get(Kpi, kpi_id).label_fr == "Libellé revu"
        event = db.exec(select(AuditEvent).where(AuditEvent.object_type == "Kpi")).one()
    assert (event.field, event.old_value, event.new_value, event.user_login) == (
        "label_fr", old_label, "Libellé revu", "admin")


def test_account_changes_are_audited_and_passwords_never_appear(engine, seeded, actor):
    admin = actor("admin")
    with transaction(engine) as db:
        created = users.create_user(db, admin, {
            "login": "koffi", "display_name": "Koffi", "role": "dsi", "structure_code": "MS",
            "password": "premier secret du ministere"})
        created_id = created.id
    with transaction(engine) as db:
        user = db.get(User, created_id)
        users.update_user(db, admin, users.UserUpdate(
            user_id=user.id, version=user.version, display_name="Koffi A.", role="dsi",
            structure_code="MEF", active=True))
    with transaction(engine) as db:
        users.reset_password(db, admin, created_id, "second-mot-de-passe")

    with Session(engine) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.object_id == created_id,
                                                  AuditEvent.object_type == "User")).all()
        password_hash = db.get(User, created_id).password_hash
    trail = {(e.action, e.field, e.old_value, e.new_value) for e in events}
    assert ("create", "role", None, "dsi") in trail
    assert ("update", "display_name", "Koffi", "Koffi A.") in trail
    assert ("update", "structure_id", str(seeded.structures["MS"]),
            str(seeded.structures["MEF"])) in trail
    assert ("reset_password", "", None, None) in trail
    assert {e.user_login for e in events} == {"admin"}
    logged = " ".join(f"{e.old_value} {e.new_value}" for e in events)
    for secret in ("premier secret du ministere", "second-mot-de-passe", password_hash):
        assert secret not in logged
