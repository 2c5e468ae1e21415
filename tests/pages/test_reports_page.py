"""pages/reports.py: the reports page for the secretariat and leadership, refused to a DSI; a
generated workbook is kept for download."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest

from tracker.core.db import transaction
from tracker.core.models import Role
from tracker.demo.generator import generate_demo
from tracker.ui.navigation import roles_for

PAGE = "pages/reports.py"


@pytest.fixture
def demo(engine, seeded):
    with transaction(engine) as session:
        generate_demo(session, today=date(2026, 11, 25))


@pytest.mark.parametrize("login", ["admin", "direction"])
def test_reports_page_renders_for_the_secretariat_and_leadership(run_page, demo, login):
    at = run_page(PAGE, login)

    assert not at.exception
    assert [title.value for title in at.title] == ["Rapports"]
    assert at.radio(key="reports_kind").options == [
        "Bilan du trimestre (PDF)", "Bilan de l'année (PDF)", "Fiche ministère (PDF)",
        "Classeur du trimestre (Excel)"]
    assert at.selectbox(key="reports_quarter").value == (2026, 2)  # last well-covered quarter
    assert at.button(key="reports_generate")


def test_reports_page_is_refused_to_a_dsi(run_page, demo):
    at = run_page(PAGE, "dsi-ms")

    assert not at.exception
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]
    assert not at.title


def test_a_fiche_asks_for_a_structure_and_a_yearly_bilan_for_a_year(run_page, demo):
    at = run_page(PAGE, "direction")

    at.radio(key="reports_kind").set_value("fiche").run()
    assert at.selectbox(key="reports_structure").value is not None
    at.radio(key="reports_kind").set_value("bilan_year").run()
    assert at.selectbox(key="reports_year").value == 2026


def test_generating_the_workbook_keeps_it_for_download(run_page, demo):
    at = run_page(PAGE, "direction")

    at.radio(key="reports_kind").set_value("workbook").run()
    at.radio(key="reports_lang").set_value("en").run()
    at.button(key="reports_generate").click().run()

    assert not at.exception and not at.error
    _choice, document = at.session_state["reports_document"]
    assert document.filename == "classeur-cdsi-2026-T2-en.xlsx"
    book = openpyxl.load_workbook(BytesIO(document.data))
    assert book.sheetnames[:4] == ["Results", "Targets", "Submissions", "Actions"]
    assert [t.value for t in at.title] == ["Rapports"]  # the screen stays in French
    assert [s.label for s in at.get("status")] == [
        "Document prêt\u00a0: classeur-cdsi-2026-T2-en.xlsx"]
    assert [b.label for b in at.get("download_button")] == [
        "Télécharger classeur-cdsi-2026-T2-en.xlsx"]


def test_an_empty_installation_says_there_is_nothing_to_report(run_page, seeded):
    at = run_page(PAGE, "admin")

    assert [i.value for i in at.info] == [
        "Aucune donnée validée pour l'instant\u00a0: rien à mettre dans un rapport.",
        "Aucune publication pour l'instant."]


def test_the_menu_offers_the_page_to_the_same_roles_the_page_admits():
    assert roles_for(PAGE) == (Role.admin, Role.leadership)


def test_leadership_publishes_a_quarter_and_downloads_its_data_package(run_page, demo, engine):
    from sqlmodel import Session, select

    from tracker.core.models import OpenDataRelease

    at = run_page(PAGE, "direction")
    assert [i.value for i in at.info] == ["Aucune publication pour l'instant."]
    quarter = at.selectbox(key="open_data_quarter").value
    at.text_area(key="open_data_note").set_value("Données du trimestre.")
    at.button(key="open_data_publish").click().run()

    assert not at.exception and not at.error
    with Session(engine) as db:
        release = db.exec(select(OpenDataRelease)).one()
    assert (release.year, release.quarter, release.edition) == (*quarter, 1)
    assert release.change_note.endswith("Données du trimestre.")
    assert [s.value for s in at.success] == [
        f"Édition 1 de T{quarter[1]} {quarter[0]} publiée ({release.rows} résultats)."]
    listed = at.dataframe[0].value
    assert list(listed["Édition"]) == [1] and list(listed["Résultats"]) == [release.rows]
    assert f"Data Package (zip) de l'édition 1 de T{quarter[1]} {quarter[0]}" in [
        b.label for b in at.get("download_button")]

    at.button(key="open_data_publish").click().run()  # nothing changed since
    assert [s.value for s in at.success] == [
        f"Rien n'a changé depuis l'édition 1 de T{quarter[1]} {quarter[0]}\u00a0: elle reste "
        "la publication en vigueur."]
    with Session(engine) as db:
        assert len(db.exec(select(OpenDataRelease)).all()) == 1
