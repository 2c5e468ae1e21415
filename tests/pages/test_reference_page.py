"""pages/reference.py: everyone reads the reference data; only the secretariat edits and saves."""

import pytest
from sqlmodel import Session, select

from tracker.accounts import auth
from tracker.core.db import transaction
from tracker.core.models import AuditEvent, Structure

PAGE = "pages/reference.py"
STRUCTURES_EDITOR = "reference_structures_0"
NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


def _structure(engine, code):
    with Session(engine) as db:
        return db.exec(select(Structure).where(Structure.code == code)).first()


def _position(at, code: str) -> int:
    # The editor's edits are keyed by row position in the table it was given.
    return list(at.data_editor(key=STRUCTURES_EDITOR).value["code"]).index(code)


@pytest.mark.parametrize("login", ["admin", "direction", "dsi-ms", "observateur"])
def test_reference_page_renders_its_three_tables_for_every_role(run_page, login):
    at = run_page(PAGE, login)

    assert not at.exception
    assert [title.value for title in at.title] == ["Référentiels"]
    assert [tab.label for tab in at.tabs] == ["Structures", "Catalogue des indicateurs", "DHIS2"]
    structures = at.dataframe[0].value
    assert "Ministère de la Santé" in set(structures["name_fr"])
    assert len(at.dataframe[1].value) > 30


@pytest.mark.parametrize("login", ["direction", "dsi-ms", "observateur"])
def test_readers_get_a_locked_table_and_no_save_button(run_page, login):
    at = run_page(PAGE, login)

    assert at.caption[0].value == (
        "Consultation seule : seul le secrétariat de l'ASIN modifie les référentiels.")
    assert all(editor.proto.disabled for editor in at.data_editor)
    assert [editor.editing_mode for editor in at.data_editor] == ["fixed", "fixed", "fixed"]
    assert "Enregistrer" not in [button.label for button in at.button]


def test_admin_renames_a_structure_in_the_table_and_it_is_saved_and_audited(run_page, engine):
    at = run_page(PAGE, "admin")
    assert "Enregistrer" in [button.label for button in at.button]
    at.session_state[STRUCTURES_EDITOR] = {
        **NO_EDITS, "edited_rows": {_position(at, "MS"): {"name_fr": "Ministère de la Santé "
                                                                      "publique"}}}

    at.button(key="reference_save_structures").click().run()

    assert not at.exception
    assert not at.error
    assert [message.value for message in at.success] == ["1 ligne enregistrée."]
    assert _structure(engine, "MS").name_fr == "Ministère de la Santé publique"
    with Session(engine) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.object_type == "Structure")).one()
    assert (event.user_login, event.object_label, event.field, event.old_value,
            event.new_value) == ("admin", "MS", "name_fr", "Ministère de la Santé",
                                 "Ministère de la Santé publique")
    # The page shows the table again, fresh from the database, in a new editor.
    assert "Ministère de la Santé publique" in set(at.dataframe[0].value["name_fr"])


def test_invalid_edit_shows_row_errors_and_saves_nothing(run_page, engine):
    at = run_page(PAGE, "admin")
    at.session_state[STRUCTURES_EDITOR] = {
        **NO_EDITS, "edited_rows": {_position(at, "MS"): {"name_fr": "Santé"},
                                    _position(at, "MEF"): {"successor": "NULLEPART"}}}

    at.button(key="reference_save_structures").click().run()

    assert not at.exception
    assert [error.value for error in at.error] == ["Lignes refusées : rien n'a été enregistré."]
    tables = [frame.value for frame in at.dataframe]
    errors = next(table for table in tables if list(table.columns) == ["Ligne", "Colonne", "Motif"])
    assert errors.to_dict("records") == [{"Ligne": _position(at, "MEF") + 1,
                                          "Colonne": "Successeur",
                                          "Motif": "Successeur inconnu : « NULLEPART »."}]
    assert _structure(engine, "MS").name_fr == "Ministère de la Santé"


def test_forged_session_state_gives_a_dsi_no_editing_rights(run_page, engine):
    at = run_page(PAGE, "dsi-ms", lang="en", role="admin", is_admin=True, reference_revision=0,
                  auth_handoff="forged")
    # Even with edits injected into the locked editor, there is nothing to save them with.
    at.session_state[STRUCTURES_EDITOR] = {
        **NO_EDITS, "edited_rows": {_position(at, "MS"): {"name_fr": "Forgé"}}}
    at.run()

    assert not at.exception
    assert all(editor.proto.disabled for editor in at.data_editor)
    assert not at.button
    assert at.caption[0].value == "Read only: only ASIN's secretariat edits reference data."
    assert _structure(engine, "MS").name_fr == "Ministère de la Santé"


def test_session_id_of_a_closed_session_grants_nothing(apptest, login_apptest, engine):
    at = apptest(PAGE)
    session_id = login_apptest(at, "admin")
    with transaction(engine) as db:
        auth.close_session(db, session_id)

    at.run()

    assert [w.value for w in at.warning] == ["Votre session a expiré : reconnectez-vous."]
    assert not at.data_editor
    assert not at.button


def test_the_dhis2_tab_maps_a_structure_for_the_secretariat_and_offers_the_exchange(
        run_page, engine):
    from tracker.core.models import Dhis2Mapping

    at = run_page(PAGE, "admin")
    editor = "reference_dhis2_0"
    assert at.data_editor(key=editor).editing_mode == "add"
    assert [e.label for e in at.expander] == [
        "Importer une correspondance (CSV, XLSX, ODS)", "Exporter un trimestre vers DHIS2",
        "Importer des valeurs DHIS2"]
    at.session_state[editor] = {**NO_EDITS, "added_rows": [
        {"kind": "structure", "code": "MS", "uid": "ouMinSante1"},
        {"kind": "kpi", "code": "ESV_PUB", "part": "value", "uid": "pas-un-uid"}]}
    at.button(key="reference_save_dhis2").click().run()

    assert [error.value for error in at.error] == ["Lignes refusées : rien n'a été enregistré."]
    with Session(engine) as db:
        assert db.exec(select(Dhis2Mapping)).all() == []
    at.session_state[editor] = {**NO_EDITS, "added_rows": [
        {"kind": "structure", "code": "MS", "uid": "ouMinSante1"}]}
    at.button(key="reference_save_dhis2").click().run()

    assert not at.exception and not at.error
    with Session(engine) as db:
        stored = db.exec(select(Dhis2Mapping)).one()
    assert (stored.kind, stored.code, stored.part, stored.uid) == (
        "structure", "MS", "value", "ouMinSante1")


@pytest.mark.parametrize(("login", "actions"), [
    ("direction", ["Exporter un trimestre vers DHIS2"]),
    ("dsi-ms", ["Importer des valeurs DHIS2"]),
    ("observateur", None),
])
def test_the_dhis2_tab_offers_each_role_what_it_may_do(run_page, login, actions):
    at = run_page(PAGE, login)

    assert not at.exception
    assert [e.label for e in at.expander] == (actions or [])
