"""Roadmap pages (pages/roadmap.py, pages/roadmap_review.py): per role, what is editable, one
real save each, the default pillars, and next year's preparation from the review page."""

from datetime import date

import pytest
from sqlmodel import Session, select

from tracker.accounts.auth import load_actor
from tracker.core.db import transaction
from tracker.core.models import AuditEvent, Initiative, Milestone, Pillar
from tracker.roadmap import editing, queries

PAGE = "pages/roadmap.py"
REVIEW = "pages/roadmap_review.py"
YEAR = date.today().year


@pytest.fixture
def data(engine, seeded):
    """This year's four pillars; MS owns "Dossier patient", MEF owns "Régies X-Road"."""
    with transaction(engine) as session:
        editing.create_default_pillars(session, load_actor(session, seeded.users["admin"]), YEAR)
        pillar = queries.list_pillars(session, YEAR)[0]
        ms = Initiative(pillar_id=pillar.id, title="Dossier patient",
                        owner_structure_id=seeded.structures["MS"])
        mef = Initiative(pillar_id=pillar.id, title="Régies X-Road",
                         owner_structure_id=seeded.structures["MEF"])
        session.add_all([ms, mef])
        session.flush()
        session.add_all([
            Milestone(initiative_id=ms.id, title="Pilote", due_date=date(YEAR, 1, 2)),
            Milestone(initiative_id=ms.id, title="Généralisation", due_date=date(YEAR, 12, 30),
                      weight=2),
            Milestone(initiative_id=mef.id, title="Raccordement", due_date=date(YEAR, 1, 3)),
        ])
    return seeded


def _buttons(at) -> set[str]:
    return {b.key for b in at.button if b.key}


def _milestone(engine, title) -> Milestone:
    with Session(engine) as session:
        return session.exec(select(Milestone).where(Milestone.title == title)).one()


def test_admin_sees_timeline_progress_editors_and_exports(run_page, data):
    at = run_page(PAGE, "admin")
    assert not at.exception
    assert at.title[0].value == "Feuille de route"
    assert len(at.get("plotly_chart")) == 2
    assert {"roadmap_save_initiatives", "roadmap_save_milestones", "roadmap_save_pillars",
            "roadmap_png_prepare"} <= _buttons(at)
    assert "Avancement d'une initiative = Σ poids des jalons atteints / Σ poids des jalons." in [
        c.value for c in at.caption]
    assert [d.label for d in at.get("download_button")] == [
        "Télécharger la feuille de route (Excel)"]


def test_admin_records_a_done_milestone_through_the_editor(run_page, data, engine):
    at = run_page(PAGE, "admin")
    key = at.session_state["roadmap_milestones_key"]
    at.session_state[key] = {"edited_rows": {0: {"done_on": f"{YEAR}-01-02"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="roadmap_save_milestones").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 ligne enregistrée."]
    assert _milestone(engine, "Pilote").done_on == date(YEAR, 1, 2)


def test_admin_sees_each_refused_row_and_nothing_is_saved(run_page, data, engine):
    at = run_page(PAGE, "admin")
    key = at.session_state["roadmap_milestones_key"]
    at.session_state[key] = {"edited_rows": {0: {"due_date": f"{YEAR + 1}-01-15"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="roadmap_save_milestones").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Lignes refusées : rien n'a été enregistré."]
    errors = next(d.value for d in at.dataframe if list(d.value.columns) == [
        "Ligne", "Colonne", "Motif"])
    assert list(errors.iloc[0]) == [1, "Échéance", f"L'échéance doit tomber en {YEAR}."]
    assert _milestone(engine, "Pilote").due_date == date(YEAR, 1, 2)


def test_dsi_ms_updates_progress_of_its_own_initiatives_only(run_page, data, engine):
    at = run_page(PAGE, "dsi-ms")
    assert not at.exception
    buttons = _buttons(at)
    assert "roadmap_save_milestones" in buttons
    assert not {"roadmap_save_initiatives", "roadmap_save_pillars"} & buttons
    assert "Vous pouvez renseigner la date d'atteinte des jalons des initiatives portées par " \
           "votre structure (MS). Les autres initiatives sont visibles dans le chronogramme et " \
           "l'export." in [i.value for i in at.info]
    key = at.session_state["roadmap_milestones_key"]
    at.session_state[key] = {"edited_rows": {0: {"done_on": f"{YEAR}-01-02"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="roadmap_save_milestones").click().run()
    assert not at.exception
    assert _milestone(engine, "Pilote").done_on == date(YEAR, 1, 2)
    assert _milestone(engine, "Raccordement").done_on is None  # MEF's: never offered
    with Session(engine) as session:
        logins = {e.user_login for e in session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "Milestone")).all()}
    assert logins == {"dsi-ms"}


def test_dsi_editing_the_due_date_is_refused(run_page, data, engine):
    at = run_page(PAGE, "dsi-ms")
    key = at.session_state["roadmap_milestones_key"]
    at.session_state[key] = {"edited_rows": {0: {"due_date": f"{YEAR}-03-01"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="roadmap_save_milestones").click().run()
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]
    assert _milestone(engine, "Pilote").due_date == date(YEAR, 1, 2)


@pytest.mark.parametrize("login", ["direction", "observateur"])
def test_readers_get_the_roadmap_without_any_editor(run_page, data, login):
    at = run_page(PAGE, login)
    assert not at.exception
    assert at.caption[0].value == "Consultation seule."
    assert not {b for b in _buttons(at) if b.startswith("roadmap_save")}
    assert "roadmap_milestones_key" not in at.session_state
    assert len(at.get("plotly_chart")) == 2


def test_admin_creates_the_four_default_pillars_for_an_empty_year(run_page, data, engine):
    at = run_page(PAGE, "admin", roadmap_year=YEAR + 1)
    assert f"La feuille de route {YEAR + 1} n'a encore aucun pilier." in [
        i.value for i in at.info]
    at.button(key="roadmap_defaults").click().run()
    assert not at.exception
    with Session(engine) as session:
        assert len(queries.list_pillars(session, YEAR + 1)) == 4
    assert at.tabs  # the roadmap of the new year now shows


def test_review_page_for_a_dsi_has_no_next_year_tab(run_page, data):
    at = run_page(REVIEW, "dsi-ms")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Revue de session"]
    assert "roadmap_next_copy" not in _buttons(at)


def test_admin_prepares_next_year_from_the_review_page(run_page, data, engine):
    at = run_page(REVIEW, "admin")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Revue de session", "Préparer l'année suivante"]
    assert at.button(key="roadmap_next_copy").disabled
    at.checkbox(key="roadmap_next_confirm").check().run()
    at.button(key="roadmap_next_copy").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(
        f"Feuille de route {YEAR + 1} préparée — initiatives : 2")
    with Session(engine) as session:
        copies = session.exec(select(Initiative).join(Pillar).where(
            Pillar.year == YEAR + 1)).all()
    assert sorted(c.title for c in copies) == ["Dossier patient", "Régies X-Road"]
    assert all(c.copied_from_id for c in copies)


def test_admin_overrides_a_status_with_its_reason_through_the_editor(run_page, data, engine):
    at = run_page(PAGE, "admin")
    key = at.session_state["roadmap_initiatives_key"]
    at.session_state[key] = {"edited_rows": {1: {"status_override": True,
                                                 "override_status": "à risque",
                                                 "override_reason": "Budget non voté",
                                                 "partners": ["ASIN"]}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="roadmap_save_initiatives").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 ligne enregistrée."]
    with Session(engine) as session:
        row = session.exec(select(Initiative).where(Initiative.title == "Régies X-Road")).one()
        assert (row.status_override, row.status, row.override_reason) == (
            True, "at_risk", "Budget non voté")
        fields = {e.field for e in session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "Initiative", AuditEvent.object_id == row.id)).all()}
    assert {"status_override", "status", "override_reason", "partners"} <= fields
