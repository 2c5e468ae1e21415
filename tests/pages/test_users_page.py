"""pages/users.py: the secretariat manages accounts; every other role is refused and sees none."""

import pytest
from sqlmodel import Session, select

from tracker.accounts import auth
from tracker.core.models import AuditEvent, User

PAGE = "pages/users.py"
PERMISSION = "Vous n'avez pas le droit d'effectuer cette action."


def _user(engine, login):
    with Session(engine) as db:
        return db.exec(select(User).where(User.login == login)).first()


def _button(at, label):
    return next(button for button in at.button if button.label == label)


def test_admin_sees_every_account(run_page):
    at = run_page(PAGE, "admin")

    assert not at.exception
    assert [title.value for title in at.title] == ["Utilisateurs"]
    assert set(at.data_editor[0].value["login"]) == {
        "admin", "direction", "dsi-ms", "dsi-mef", "observateur"}


@pytest.mark.parametrize("login", ["direction", "dsi-ms", "observateur"])
def test_other_roles_get_the_permission_error_and_no_table(run_page, login):
    at = run_page(PAGE, login)

    assert not at.exception
    assert [error.value for error in at.error] == [PERMISSION]
    assert not at.dataframe
    assert not at.text_input
    assert not at.title


def test_forged_session_state_does_not_open_the_page_to_a_dsi(run_page):
    at = run_page(PAGE, "dsi-ms", role="admin", is_admin=True, users_revision=3)

    assert [error.value for error in at.error] == [PERMISSION]
    assert not at.dataframe


def test_admin_creates_a_dsi_account_with_the_form(run_page, engine, seeded):
    at = run_page(PAGE, "admin")
    at.text_input(key="users_new_login").input("Dsi-MAEP")
    at.text_input(key="users_new_name").input("DSI Agriculture")
    at.selectbox(key="users_new_role").select("dsi")
    at.selectbox(key="users_new_structure").select("MAEP")
    at.text_input(key="users_new_password").input("le baobab fleurit en mars")

    _button(at, "Créer le compte").click().run()

    assert not at.exception
    assert not at.error
    assert [s.value for s in at.success] == ["Compte « dsi-maep » créé."]
    created = _user(engine, "dsi-maep")
    assert (created.display_name, created.role, created.structure_id) == (
        "DSI Agriculture", "dsi", seeded.structures["MAEP"])
    assert created.password_hash.startswith("$argon2")
    with Session(engine) as db:
        assert auth.sign_in(engine, "dsi-maep", "le baobab fleurit en mars")[0].role == "dsi"
        trail = db.exec(select(AuditEvent).where(AuditEvent.object_id == created.id,
                                                 AuditEvent.object_type == "User")).all()
    assert {(e.action, e.user_login) for e in trail} == {("create", "admin")}
    assert "dsi-maep" in set(at.data_editor[0].value["login"])


def test_form_shows_why_an_account_is_refused(run_page, engine):
    at = run_page(PAGE, "admin")
    at.text_input(key="users_new_login").input("dsi-ms")
    at.text_input(key="users_new_name").input("Doublon")

    _button(at, "Créer le compte").click().run()

    assert [error.value for error in at.error] == ["L'identifiant « dsi-ms » est déjà utilisé."]
    assert _user(engine, "dsi-ms").display_name == "DSI Ministère de la Santé (démo)"


def test_admin_deactivates_an_account_in_the_table(run_page, engine):
    at = run_page(PAGE, "admin")
    position = list(at.data_editor[0].value["login"]).index("dsi-mef")
    at.session_state["users_table_0"] = {"edited_rows": {position: {"active": False}},
                                         "added_rows": [], "deleted_rows": []}

    at.button(key="users_save").click().run()

    assert not at.exception
    assert [s.value for s in at.success] == ["1 ligne enregistrée."]
    assert _user(engine, "dsi-mef").active is False


def test_admin_issues_an_api_token_shown_once_then_revokes_it(run_page, engine, seeded):
    from tracker.accounts.tokens import token_hash
    from tracker.core.models import ApiToken

    at = run_page(PAGE, "admin")
    assert [c.value for c in at.caption if "Aucun jeton" in c.value] == ["Aucun jeton délivré."]
    at.selectbox(key="users_token_user").set_value(seeded.users["dsi-ms"])
    at.number_input(key="users_token_days").set_value(30)

    _button(at, "Créer un jeton").click().run()

    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Jeton créé pour « dsi-ms », valable jusqu'au ")
    assert [w.value for w in at.warning] == [
        "Copiez ce jeton maintenant : il ne sera plus jamais affiché."]
    shown = at.code[0].value
    with Session(engine) as db:
        row = db.exec(select(ApiToken)).one()
    assert shown.startswith("cdsi_") and row.token_hash == token_hash(shown)
    assert shown not in {row.prefix, row.token_hash} and row.user_id == seeded.users["dsi-ms"]
    assert 29 <= (row.expires_at - row.created_at).days <= 30
    listed = at.dataframe[-1].value
    assert list(listed.iloc[0][["login", "prefix", "state"]]) == [
        "dsi-ms", f"{row.prefix}…", "actif"]

    at.run()  # any later run: the token is gone from the screen for good
    assert not at.code and not at.warning

    at.selectbox(key="users_token_revoke").set_value(row.id)
    _button(at, "Révoquer").click().run()

    assert [s.value for s in at.success] == [f"Jeton « {row.prefix}… » révoqué : il ne "
                                             "fonctionne plus."]
    with Session(engine) as db:
        assert db.get(ApiToken, row.id).revoked_at is not None
        trail = db.exec(select(AuditEvent).where(AuditEvent.object_type == "ApiToken")).all()
    assert {(e.action, e.user_login, e.object_label) for e in trail} == {
        ("create", "admin", "dsi-ms"), ("revoke", "admin", "dsi-ms")}
    assert list(at.dataframe[-1].value.iloc[0][["state"]]) == ["révoqué"]
    assert not [s for s in at.selectbox if s.key == "users_token_revoke"]


def test_accounts_created_by_a_first_sign_on_are_shown_awaiting_a_role(run_page, engine):
    from tracker.accounts import sso

    for subject, email in (("a1", "awa.dossou@sante.gouv.bj"), ("b2", "k.agbo@mef.gouv.bj")):
        sso.sign_on(engine, sso.Identity(issuer="https://idp.gouv.bj", subject=subject,
                                         email=email, email_verified=True), create="viewer")

    at = run_page(PAGE, "admin")

    assert not at.exception
    table = at.data_editor[0].value.set_index("login")
    assert table["awaiting_role"].to_dict() == {
        "admin": False, "direction": False, "dsi-ms": False, "dsi-mef": False,
        "observateur": False, "awa.dossou": True, "k.agbo": True}
    [notice] = at.info
    assert notice.value.startswith("2 comptes créés à leur première connexion unique attendent")
    assert "awa.dossou, k.agbo" in notice.value
