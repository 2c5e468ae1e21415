"""Accounts: only the secretariat creates and changes them; a DSI belongs to a structure;
deactivating or resetting a password ends open sessions."""

import pytest
from sqlmodel import Session, func, select

from tracker.accounts import auth, users
from tracker.accounts.auth import Actor
from tracker.core import repository
from tracker.core.db import transaction
from tracker.core.errors import (
    AuthenticationFailed,
    PermissionDenied,
    TrackerError,
    ValidationFailed,
)
from tracker.core.models import AuditEvent, Role, User
from tracker.core.tables import RowChange

IDLE = 120


def _user(engine, login):
    with Session(engine) as db:
        return db.exec(select(User).where(User.login == login)).first()


def _count(engine, model) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(model)).one())


def _create(engine, who, **data):
    with transaction(engine) as db:
        return users.create_user(db, who, {"display_name": "Nouveau", "role": "viewer", **data})


def _update(engine, who, login, **changes):
    current = _user(engine, login)
    with Session(engine) as db:
        code = repository.structure_codes_by_id(db).get(current.structure_id or -1)
    fields = {"display_name": current.display_name, "role": current.role,
              "structure_code": code, "active": current.active, **changes}
    with transaction(engine) as db:
        return users.update_user(db, who, users.UserUpdate(
            user_id=current.id, version=current.version, **fields))


def test_admin_creates_a_dsi_attached_to_their_structure(engine, seeded, actor):
    _create(engine, actor("admin"), login="Dsi-MAEP", display_name="DSI Agriculture",
            role="dsi", structure_code="maep", password="le baobab fleurit en mars")

    created = _user(engine, "dsi-maep")
    assert (created.role, created.structure_id) == ("dsi", seeded.structures["MAEP"])
    signed_in = auth.sign_in(engine, "dsi-maep", "le baobab fleurit en mars")[0]
    assert signed_in.structure_code == "MAEP"


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({"login": "dsi-x", "role": "dsi"},
                 "Un compte DSI doit être rattaché à une structure.",
                 id="dsi_without_structure"),
    pytest.param({"login": "dsi-ms"}, "L'identifiant « dsi-ms » est déjà utilisé.",
                 id="login_taken"),
    pytest.param({"login": "DSI-MS"}, "L'identifiant « dsi-ms » est déjà utilisé.",
                 id="login_taken_other_case"),
    pytest.param({"login": "x y"}, "Identifiant invalide : 2 à 80 caractères, lettres, "
                 "chiffres et . _ @ - seulement.",
                 id="login_with_space"),
    pytest.param({"login": "nouveau", "role": "dsi", "structure_code": "ZZZ"},
                 "Structure inconnue : « ZZZ ».", id="unknown_structure"),
    pytest.param({"login": "nouveau", "password": "abc"},
                 "Le mot de passe doit compter au moins 12 caractères : une phrase de passe de "
                 "plusieurs mots convient.", id="short_password"),
])
def test_invalid_account_is_refused_with_a_reason_and_not_created(engine, seeded, actor, data,
                                                                   message):
    accounts_before = _count(engine, User)

    with pytest.raises(TrackerError) as refused:
        _create(engine, actor("admin"), **data)

    assert str(refused.value) == message
    assert _count(engine, User) == accounts_before


def test_admin_changes_a_role_and_the_user_gets_it_at_next_check(engine, seeded, actor):
    _update(engine, actor("admin"), "observateur", role="leadership", structure_code="ASIN")

    changed = _user(engine, "observateur")
    assert (changed.role, changed.structure_id) == ("leadership", seeded.structures["ASIN"])
    assert actor("observateur").role == Role.leadership


def test_admin_cannot_remove_their_own_rights_or_deactivate_themselves(engine, seeded, actor):
    for change in ({"role": "viewer"}, {"active": False}):
        with pytest.raises(TrackerError, match="propres droits"):
            _update(engine, actor("admin"), "admin", **change)

    assert (_user(engine, "admin").role, _user(engine, "admin").active) == ("admin", True)


def test_a_dsi_cannot_be_left_without_a_structure(engine, seeded, actor):
    with pytest.raises(TrackerError, match="rattaché à une structure"):
        _update(engine, actor("admin"), "dsi-ms", structure_code=None)

    assert _user(engine, "dsi-ms").structure_id == seeded.structures["MS"]


def test_password_reset_replaces_the_password_and_ends_sessions(engine, seeded, actor):
    with transaction(engine) as db:
        session_id, _code = auth.open_session(db, actor("dsi-ms"))

    with transaction(engine) as db:
        users.reset_password(db, actor("admin"), seeded.users["dsi-ms"], "un secret bien long")

    with Session(engine) as db:
        assert auth.check_session(db, session_id, idle_minutes=IDLE) is None
        assert auth.sign_in(engine, "dsi-ms", "un secret bien long")[0].login == "dsi-ms"
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(engine, "dsi-ms", "demo")[0]


def test_short_reset_password_is_refused(engine, seeded, actor):
    with pytest.raises(TrackerError, match="au moins 12 caractères"):
        with transaction(engine) as db:
            users.reset_password(db, actor("admin"), seeded.users["dsi-ms"], "court")

    with Session(engine) as db:
        assert auth.sign_in(engine, "dsi-ms", "demo")[0].login == "dsi-ms"


def test_table_save_refuses_new_rows_and_applies_nothing(engine, seeded, actor):
    direction = _user(engine, "direction")
    changes = [
        RowChange(1, direction.id, {"display_name": "Direction générale", "role": "leadership",
                                    "structure": "ASIN", "active": True, "email": ""}),
        RowChange(2, None, {"login": "sans-mot-de-passe", "display_name": "X", "role": "viewer"}),
    ]

    with pytest.raises(ValidationFailed) as refused:
        with transaction(engine) as db:
            users.save_users(db, actor("admin"), changes, {direction.id: direction.version})

    assert [(e.row, e.reason) for e in refused.value.errors] == [
        (2, "Créez les nouveaux comptes avec le formulaire « Créer un compte ».")]
    assert _user(engine, "direction").display_name == direction.display_name
    assert _user(engine, "sans-mot-de-passe") is None


def _forged(role: Role, seeded) -> Actor:
    # Built by hand, as a tampered session could try: only the admin role may manage accounts.
    return Actor(id=seeded.users["dsi-ms"], login="dsi-ms", display_name="Forgé", role=role,
                 structure_id=seeded.structures["MS"], structure_code="MS")


@pytest.mark.postgres
@pytest.mark.parametrize("role", [Role.dsi, Role.leadership, Role.viewer])
def test_only_the_secretariat_may_manage_accounts(engine, seeded, role):
    forged = _forged(role, seeded)
    target = _user(engine, "dsi-mef")
    events_before = _count(engine, AuditEvent)
    attempts = {
        "create_user": lambda db: users.create_user(db, forged, {
            "login": "pirate", "display_name": "Pirate", "role": "admin",
            "structure_code": "ASIN", "password": "pirate des lagunes 123"}),
        "update_user": lambda db: users.update_user(db, forged, users.UserUpdate(
            user_id=seeded.users["dsi-ms"], version=1, display_name="Moi", role="admin",
            structure_code="ASIN", active=True)),
        "deactivate": lambda db: users.update_user(db, forged, users.UserUpdate(
            user_id=target.id, version=target.version, display_name=target.display_name,
            role="dsi", structure_code="MEF", active=False)),
        "reset_password": lambda db: users.reset_password(db, forged, target.id,
                                                          "pirate des lagunes"),
        "save_users": lambda db: users.save_users(db, forged, [RowChange(
            1, seeded.users["dsi-ms"], {"display_name": "Moi", "role": "admin",
                                        "structure": "ASIN", "active": True})], {}),
        "users_frame": lambda db: users.users_frame(db, forged),
    }

    for name, attempt in attempts.items():
        with pytest.raises(PermissionDenied, match="Vous n'avez pas le droit"):
            with transaction(engine) as db:
                attempt(db)
                pytest.fail(f"{name} was allowed for {role}")

    assert _user(engine, "pirate") is None
    assert _user(engine, "dsi-ms").role == "dsi"
    assert _user(engine, "dsi-mef").active is True
    with Session(engine) as db:
        assert auth.sign_in(engine, "dsi-mef", "demo")[0].login == "dsi-mef"
    assert _count(engine, AuditEvent) == events_before


def test_a_user_keeps_their_language_choice_without_making_the_account_stale(engine, seeded,
                                                                             actor):
    from tracker.accounts.auth import load_actor
    from tracker.core.models import AuditEvent

    dsi = actor("dsi-ms")
    with Session(engine) as db:
        before = db.get(User, dsi.id).version
    with transaction(engine) as db:
        assert users.choose_language(db, dsi, "en") is True
    with transaction(engine) as db:
        assert users.choose_language(db, dsi, "en") is False  # nothing to change
    with Session(engine) as db:
        user = db.get(User, dsi.id)
        assert user.language == "en" and user.version == before
        assert load_actor(db, dsi.id).language == "en"  # the next sign-in or reload
        events = db.exec(select(AuditEvent).where(AuditEvent.field == "language")).all()
        assert [(e.old_value, e.new_value, e.user_login) for e in events] == [
            ("fr", "en", "dsi-ms")]
    with pytest.raises(TrackerError), transaction(engine) as db:
        users.choose_language(db, dsi, "de")
