"""pages/results_entry.py: a DSI enters, saves, and submits their structure's quarter."""

import pytest
from sqlmodel import select

from tracker.core import repository as repo
from tracker.core.db import reading
from tracker.core.models import Result, Submission

PAGE = "pages/results_entry.py"
NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


def _editor_key(at) -> str:
    return next(w.key for w in at.data_editor if w.key and w.key.startswith("entry_grid_"))


def _codes(at) -> list[str]:
    # The editor's edits are keyed by row position in the table it was given.
    return list(at.data_editor(key=_editor_key(at)).value["code"])


def _value(engine, code):
    with reading(engine) as db:
        kpi = repo.get_kpi_by_code(db, code)
        return db.exec(select(Result).where(Result.kpi_id == kpi.id)).first()


def test_dsi_sees_their_structure_and_an_editable_grid(run_page, open_quarter):
    at = run_page(PAGE, "dsi-ms")
    assert not at.exception
    assert at.title[0].value == "Saisie des résultats"
    assert "Ministère de la Santé" in at.subheader[0].value
    assert at.selectbox(key="entry_structure").options == ["MS"]
    assert [b.label for b in at.button] [:2] == ["Enregistrer le brouillon", "Soumettre"]


def test_dsi_saves_two_values_then_a_bad_one_is_refused(run_page, open_quarter, engine):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    key = _editor_key(at)
    at.session_state[key] = {**NO_EDITS, "edited_rows": {
        codes.index("ESV_PUB"): {"value": "12"},
        codes.index("ESV_RECET"): {"value": "12 450 000"}}}
    at.button(key="entry_save").click().run()
    assert not at.exception
    assert _value(engine, "ESV_PUB").value == 12
    assert _value(engine, "ESV_RECET").value == 12_450_000
    assert "Brouillon enregistré" in at.success[0].value

    key = _editor_key(at)
    at.session_state[key] = {**NO_EDITS, "edited_rows": {codes.index("ESV_PUB"): {
        "value": "-3"}}}
    at.button(key="entry_save").click().run()
    assert at.error, "a negative count must be refused"
    assert _value(engine, "ESV_PUB").value == 12


def test_submit_needs_confirmation_then_locks_the_grid(run_page, open_quarter, engine):
    at = run_page(PAGE, "dsi-ms")
    assert at.button(key="entry_submit").disabled
    at.checkbox(key="entry_confirm").check().run()
    at.button(key="entry_submit").click().run()
    assert not at.exception
    with reading(engine) as db:
        assert db.exec(select(Submission)).one().status == "submitted"
    assert any("n'est pas modifiable" in i.value for i in at.info)


@pytest.mark.parametrize("login", ["direction", "observateur"])
def test_readers_cannot_open_the_entry_page(run_page, login, open_quarter):
    at = run_page(PAGE, login)
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]
    assert len(at.data_editor) == 0


def test_admin_can_pick_any_structure(run_page, open_quarter):
    at = run_page(PAGE, "admin")
    assert not at.exception
    assert "MEF" in at.selectbox(key="entry_structure").options
