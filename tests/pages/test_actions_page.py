"""Actions page: renders per role, a DSI saves their own action, readers cannot edit."""

from datetime import date

import pytest
from sqlmodel import Session, select

from tracker.core.db import transaction
from tracker.core.models import ActionItem, AuditEvent, Conference

PAGE = "pages/actions.py"


@pytest.fixture
def data(engine, seeded):
    with transaction(engine) as session:
        conference = Conference(number=18, year=2025, rank_in_year=2,
                                session_date=date(2025, 6, 24), status="held")
        session.add(conference)
        session.flush()
        session.add_all([
            ActionItem(conference_id=conference.id, number="A1", title="Raccorder X-Road",
                       owner_structure_id=seeded.structures["MS"], due_date=date(2025, 6, 30),
                       status="in_progress", topic="xroad"),
            ActionItem(conference_id=conference.id, number="A2", title="Budget PKI",
                       owner_structure_id=seeded.structures["MEF"],
                       due_date=date(2030, 12, 31), status="not_started", topic="pki"),
        ])
    return seeded


def test_admin_sees_every_action_with_charts_and_exports(run_page, data):
    at = run_page(PAGE, "admin")
    assert not at.exception
    assert at.title[0].value == "Suivi des actions et des recommandations"
    assert "2 lignes." in [c.value for c in at.caption]
    assert len(at.get("plotly_chart")) == 2
    assert at.button(key="actions_save")
    # the table's exports, and the follow-up template to fill in (XLSX and LibreOffice's ODS)
    assert [b.key for b in at.get("download_button")] == [
        "actions_dl_csv", "actions_dl_csv_std", "actions_dl_xlsx",
        "actions_followup_tpl_xlsx", "actions_followup_tpl_ods"]


def test_dsi_saves_a_status_change_on_their_own_action(run_page, data, engine):
    at = run_page(PAGE, "dsi-ms")
    assert not at.exception
    assert at.selectbox(key="actions_structure").value == data.structures["MS"]
    key = at.session_state["actions_editor_key"]
    at.session_state[key] = {"edited_rows": {0: {"status": "done",
                                                 "progress_comment": "Raccordé le 1er juillet"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="actions_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 ligne enregistrée."]
    with Session(engine) as session:
        row = session.exec(select(ActionItem).where(ActionItem.number == "A1")).one()
        assert (row.status, row.progress_comment) == ("done", "Raccordé le 1er juillet")
        assert row.closed_at is not None
        logins = {e.user_login for e in session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "ActionItem")).all()}
        assert logins == {"dsi-ms"}


def test_admin_links_an_action_to_a_roadmap_initiative(run_page, data, engine):
    from tracker.core.models import Initiative, Pillar

    with transaction(engine) as session:
        pillar = Pillar(year=2025, position=1, title_fr="Interopérabilité",
                        title_en="Interoperability")
        session.add(pillar)
        session.flush()
        initiative = Initiative(pillar_id=pillar.id, title="Raccorder les ministères")
        session.add(initiative)
        session.flush()
        initiative_id = initiative.id
    at = run_page(PAGE, "admin")
    key = at.session_state["actions_editor_key"]
    at.session_state[key] = {"edited_rows": {0: {"initiative":
                                                 "2025 · Raccorder les ministères"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="actions_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 ligne enregistrée."]
    with Session(engine) as session:
        row = session.exec(select(ActionItem).where(ActionItem.number == "A1")).one()
        assert row.initiative_id == initiative_id


def test_dsi_looking_at_all_structures_gets_a_read_only_table(run_page, data):
    at = run_page(PAGE, "dsi-ms", actions_structure=None)
    assert not at.exception
    assert "Pour modifier, filtrez sur votre structure (MS)." in [i.value for i in at.info]
    assert not _has_button(at)
    assert len(at.dataframe) == 1


def _has_button(at):
    return any(b.key == "actions_save" for b in at.button)


def test_leadership_reads_without_save_button(run_page, data):
    at = run_page(PAGE, "direction")
    assert not at.exception
    assert not _has_button(at)
    assert len(at.dataframe) == 1


def test_overdue_filter_keeps_only_late_items(run_page, data):
    at = run_page(PAGE, "admin", actions_overdue=True)
    assert not at.exception
    assert "1 ligne." in [c.value for c in at.caption]


FOLLOWUP_CSV = ("Session;Recommandation/Action;Responsable;Échéance;Statut;Observations\r\n"
                "18e conférence;Raccorder X-Road;MS;30/06/2025;réalisé;Raccordé\r\n"
                "18;Publier le schéma directeur;MEF;fin T4 2025;en cours;\r\n"
                "18;Action inconnue;XYZ;;;\r\n").encode("cp1252")


def _followup_expanders(at):
    return [e for e in at.expander if e.label == "Importer le tableau de suivi"]


def test_only_the_secretariat_gets_the_follow_up_import(run_page, data):
    assert len(_followup_expanders(run_page(PAGE, "admin"))) == 1
    for login in ("dsi-ms", "direction", "observateur"):
        at = run_page(PAGE, login)
        assert not at.exception
        assert _followup_expanders(at) == []
        assert not any(u.key == "actions_followup_file" for u in at.file_uploader)


def test_admin_imports_the_follow_up_spreadsheet_after_a_preview(run_page, data, engine):
    at = run_page(PAGE, "admin")
    at.file_uploader(key="actions_followup_file").upload("suivi.csv", FOLLOWUP_CSV, "text/csv")
    at.run()
    assert not at.exception
    assert ("À créer : 1 ; à mettre à jour : 1 ; déjà à jour : 0 ; lignes refusées : 1."
            in [m.value for m in at.markdown])
    reasons = at.dataframe[-2].value  # the rejected rows, then the preview
    assert reasons.iloc[0].tolist() == [
        4, "Responsable", "Responsable inconnu : « XYZ » (indiquez le sigle, par exemple MS, le "
                          "nom de la structure ou « Tous les ministères »)."]
    with Session(engine) as session:
        assert session.exec(select(ActionItem).where(ActionItem.number == "A1")).one().status \
            == "in_progress"  # nothing written before the confirmation

    at.button(key="actions_followup_confirm").click().run()

    assert not at.exception
    assert ("Tableau de suivi importé. Éléments créés : 1 ; mis à jour : 1 ; déjà à jour : 0."
            in [s.value for s in at.success])
    with Session(engine) as session:
        raccorder = session.exec(select(ActionItem).where(ActionItem.number == "A1")).one()
        assert (raccorder.status, raccorder.progress_comment) == ("done", "Raccordé")
        new = session.exec(select(ActionItem).where(
            ActionItem.title == "Publier le schéma directeur")).one()
        assert (new.owner_structure_id, new.due_date, new.status) == (
            data.structures["MEF"], date(2025, 12, 31), "in_progress")
    # The same file again: the preview says there is nothing left to write.
    assert "Rien à enregistrer : le tableau de suivi est déjà à jour." in [
        i.value for i in at.info]


def test_a_long_follow_up_reaches_the_browser_fifty_rows_at_a_time(run_page, engine, seeded):
    with transaction(engine) as session:
        conference = Conference(number=18, year=2025, rank_in_year=2,
                                session_date=date(2025, 6, 24), status="held")
        session.add(conference)
        session.flush()
        session.add_all([ActionItem(conference_id=conference.id, number=f"A{i}",
                                    title=f"Action {i:03d}", status="not_started",
                                    owner_structure_id=seeded.structures["MS"])
                         for i in range(1, 121)])
    at = run_page(PAGE, "admin")
    assert not at.exception
    assert "120 lignes." in [c.value for c in at.caption]
    assert len(at.data_editor[0].value) == 50
    assert "Lignes 1 à 50 sur 120" in [c.value for c in at.caption]
    [picker] = [n for n in at.number_input if n.key.startswith("actions_page_")]
    picker.set_value(3).run()
    assert not at.exception
    assert list(at.data_editor[0].value["title"]) == [f"Action {i:03d}" for i in range(101, 121)]
    assert "Lignes 101 à 120 sur 120" in [c.value for c in at.caption]
    assert len(at.get("plotly_chart")) == 2  # the charts still count every row
    # The session keeps the rows it shows (one page), not the follow-up once per filter tried.
    at.checkbox(key="actions_overdue").check().run()
    at.checkbox(key="actions_overdue").uncheck().run()
    kept = [k for k in at.session_state._state._state.filtered_state
            if str(k).startswith("on_screen::actions_")]
    assert len(kept) == 1 and len(at.session_state[kept[0]]) <= 50
