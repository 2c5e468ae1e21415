"""pages/results_entry.py: a DSI enters, saves, and submits their structure's quarter."""

from datetime import date

import pytest
from sqlmodel import select

from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.models import Result, Submission, Target
from tracker.results.entry import EntryRow, save_entries

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
    assert at.selectbox(key="entry_structure").options == ["MS — Ministère de la Santé"]
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
    reasons = _reasons_key(at)  # every KPI is blank: each gets a reason
    at.session_state[reasons] = {**NO_EDITS, "edited_rows": {
        i: {"reason": "Donnée non disponible"} for i in range(len(_codes(at)))}}
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
    assert any(o.startswith("MEF — ") for o in at.selectbox(key="entry_structure").options)


# --- completeness, unsaved drafts, reasons before submitting --------------------------------


def _markdowns(at) -> list[str]:
    return [m.value for m in at.markdown]


def _expanders(at) -> list[str]:
    return [e.label for e in at.expander]


def _reasons_key(at) -> str:
    return next(w.key for w in at.data_editor if w.key and w.key.startswith("entry_reasons_"))


def test_the_count_of_filled_kpis_and_the_blank_ones_by_name(run_page, open_quarter):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    total = len(codes)
    assert f"**0/{total} renseigné**" in _markdowns(at)
    assert f"{total} indicateurs non renseignés" in _expanders(at)
    at.session_state[_editor_key(at)] = {**NO_EDITS, "edited_rows": {
        codes.index("ESV_PUB"): {"value": "12"},
        codes.index("ESV_RECET"): {"value": "330 204 441"}}}
    at.run()
    assert f"**2/{total} renseignés**" in _markdowns(at)
    assert f"{total - 2} indicateurs non renseignés" in _expanders(at)
    listed = "\n".join(_markdowns(at))
    assert "ESV_PUB —" not in listed and "ESV_DEMAT — " in listed  # code and full name


def test_a_ratio_shows_its_rate_and_figures_carry_no_unit(run_page, open_quarter):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    at.session_state[_editor_key(at)] = {**NO_EDITS, "edited_rows": {
        codes.index("ESV_DEMAT"): {"numerator": "7", "denominator": "8"}}}
    at.run()
    grid = at.data_editor(key=_editor_key(at)).value
    row = grid.loc[grid["code"] == "ESV_DEMAT"].iloc[0]
    assert row["rate"] == "87,5 %" and row["unit"] == "%"


def test_unsaved_edits_are_kept_as_a_draft_when_the_grid_is_not_drawn(run_page, open_quarter,
                                                                      engine):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    key = _editor_key(at)
    at.session_state[key] = {**NO_EDITS, "edited_rows": {codes.index("ESV_PUB"): {"value": "12"}}}
    at.run()
    assert any("Modifications non enregistrées" in w.value for w in at.warning)
    # The DSI opens another page. The browser's Streamlit then forgets the editor's state (a
    # widget not drawn in a run loses it); AppTest keeps it, so it is forgotten here by hand.
    at.switch_page("home.py").run()
    assert not at.exception
    del at.session_state[key]
    at.switch_page("results_entry.py").run()
    assert not at.exception
    grid = at.data_editor(key=_editor_key(at)).value
    assert grid.loc[grid["code"] == "ESV_PUB", "value"].iloc[0] == "12"
    assert any("Modifications non enregistrées" in w.value for w in at.warning)
    assert _value(engine, "ESV_PUB") is None  # kept on screen, not saved
    at.button(key="entry_save").click().run()
    assert not at.exception
    assert _value(engine, "ESV_PUB").value == 12
    assert not any("Modifications non enregistrées" in w.value for w in at.warning)


def test_a_draft_can_be_discarded(run_page, open_quarter):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    key = _editor_key(at)
    at.session_state[key] = {**NO_EDITS, "edited_rows": {codes.index("ESV_PUB"): {"value": "12"}}}
    at.run()
    at.button(key="entry_discard").click().run()
    grid = at.data_editor(key=_editor_key(at)).value
    assert grid.loc[grid["code"] == "ESV_PUB", "value"].iloc[0] == ""
    assert not any("Modifications non enregistrées" in w.value for w in at.warning)
    assert "Modifications non enregistrées abandonnées." in at.success[0].value


def test_a_draft_made_on_older_data_is_not_drawn_over_newer_data(run_page, open_quarter, engine,
                                                                 actor, seeded):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    key = _editor_key(at)
    at.session_state[key] = {**NO_EDITS, "edited_rows": {codes.index("ESV_PUB"): {"value": "12"}}}
    at.run()
    with transaction(engine) as db:  # meanwhile, saved from another browser
        save_entries(db, actor("dsi-ms"), seeded.structures["MS"], *open_quarter,
                     [EntryRow(1, "ESV_PUB", value="40")], seen_version=None, today=date.today())
    at.switch_page("home.py").run()
    del at.session_state[key]
    at.switch_page("results_entry.py").run()
    grid = at.data_editor(key=_editor_key(at)).value
    assert grid.loc[grid["code"] == "ESV_PUB", "value"].iloc[0] == "40"
    assert any("n'ont pas été reprises" in w.value for w in at.warning)


def test_submitting_with_blank_kpis_asks_a_reason_for_each(run_page, open_quarter, engine):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    reasons = at.data_editor(key=_reasons_key(at)).value
    assert list(reasons["code"]) == codes  # all blank: each needs a reason
    assert set(reasons["why"]) == {"non renseigné"}
    at.checkbox(key="entry_confirm").check().run()
    at.button(key="entry_submit").click().run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith(
        f"Soumission refusée : indiquez un motif pour les {len(codes)} indicateurs")
    assert "ESV_PUB — " in at.error[0].value
    with reading(engine) as db:
        assert db.exec(select(Submission)).first() is None  # nothing written


def test_submitting_with_a_reason_per_blank_kpi_is_accepted_and_the_validator_reads_them(
        run_page, open_quarter, engine):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    at.session_state[_editor_key(at)] = {**NO_EDITS, "edited_rows": {
        codes.index("ESV_PUB"): {"value": "12"}}}
    at.run()
    reasons_key = _reasons_key(at)
    needed = list(at.data_editor(key=reasons_key).value["code"])
    assert "ESV_PUB" not in needed and len(needed) == len(codes) - 1
    at.session_state[reasons_key] = {**NO_EDITS, "edited_rows": {
        i: {"reason": f"Pas de donnée pour {code}"} for i, code in enumerate(needed)}}
    at.checkbox(key="entry_confirm").check().run()
    at.button(key="entry_submit").click().run()
    assert not at.exception and not at.error
    with reading(engine) as db:
        assert db.exec(select(Submission)).one().status == "submitted"
    assert _value(engine, "ESV_DEMAT").comment == "Pas de donnée pour ESV_DEMAT"
    assert _value(engine, "ESV_DEMAT").numerator is None

    validator = run_page("pages/validation.py", "admin")
    assert not validator.exception
    assert f"**KPI non renseignés ({len(needed)})**" in _markdowns(validator)
    shown = next(d.value for d in validator.dataframe if "Motif" in list(d.value.columns)
                 or "reason" in list(d.value.columns))
    assert "Pas de donnée pour ESV_DEMAT" in set(shown.iloc[:, -1])


def test_reasons_typed_are_kept_when_the_kpis_needing_one_change(run_page, open_quarter):
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    reasons_key = _reasons_key(at)
    at.session_state[reasons_key] = {**NO_EDITS, "edited_rows": {
        i: {"reason": f"Motif {code}"} for i, code in enumerate(codes)}}
    at.run()
    at.session_state[_editor_key(at)] = {**NO_EDITS, "edited_rows": {
        codes.index("ESV_PUB"): {"value": "12"}}}
    at.run()  # ESV_PUB no longer needs a reason: the table is drawn again without it
    shown = at.data_editor(key=_reasons_key(at)).value
    assert "ESV_PUB" not in list(shown["code"])
    assert shown.set_index("code").loc["ESV_DEMAT", "reason"] == "Motif ESV_DEMAT"


def test_a_value_typed_far_from_its_target_is_flagged_at_once_and_needs_a_reason(
        run_page, open_quarter, engine):
    with transaction(engine) as db:
        db.add(Target(kpi_id=repo.get_kpi_by_code(db, "ESV_PUB").id, year=open_quarter[0],
                      value=1000))
    at = run_page(PAGE, "dsi-ms")
    codes = _codes(at)
    at.session_state[_editor_key(at)] = {**NO_EDITS, "edited_rows": {
        codes.index("ESV_PUB"): {"value": "2"}}}
    at.run()
    grid = at.data_editor(key=_editor_key(at)).value.set_index("code")
    assert grid.loc["ESV_PUB", "flag"] == "cible" and grid.loc["ESV_PUB", "target"] == "1 000"
    needed = at.data_editor(key=_reasons_key(at)).value.set_index("code")
    assert needed.loc["ESV_PUB", "why"] == "très loin de la cible"
