"""Issue 21 in Chromium: the secretariat downloads the follow-up spreadsheet as ODS and XLSX
(each built when its button is clicked), and the ODS uploaded back is read and found already up
to date; a DSI uploads an ODS whose value a formula computed, and the preview says so."""

import io
import re
import zipfile
from datetime import date
from pathlib import Path

from journey import open_menu, sign_in, wait_until_idle
from playwright.sync_api import Page, expect
from sqlmodel import select

from tracker.accounts.auth import actor_from_user
from tracker.core.db import make_engine, transaction
from tracker.core.models import Structure, Submission, User
from tracker.core.periods import reporting_quarter
from tracker.results import review

ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def _download(page: Page, label: str) -> bytes:
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=label).click()
    return Path(download.value.path()).read_bytes()


def _ods_with_a_formula() -> bytes:
    """A results sheet as LibreOffice saves it: the value a formula computed stored beside it."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Feuille1")
    for values in (["Structure", "Indicateur", "Valeur"], ["MS", "ESV_PUB", None]):
        row = TableRow()
        for value in values:
            if value is None:
                cell = TableCell(formula="of:=12+7", valuetype="float", value=19)
                cell.addElement(P(text="19"))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def test_the_secretariat_round_trips_the_followup_spreadsheet_as_ods(page: Page):
    sign_in(page, "admin")
    open_menu(page, "Actions", "Suivi des actions et des recommandations")
    page.get_by_text("Importer le tableau de suivi").click()
    wait_until_idle(page)

    data = _download(page, "Modèle LibreOffice (ODS)")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.read("mimetype").decode() == ODS_MIME
    assert "Recommandation/Action" in archive.read("content.xml").decode()
    assert _download(page, "Modèle Excel (XLSX)")[:2] == b"PK"

    uploader = page.locator("input[type=file]")
    uploader.set_input_files({"name": "suivi.ods", "mimeType": ODS_MIME, "buffer": data})
    expect(page.get_by_text("Rien à enregistrer : le tableau de suivi est déjà à jour.")
           ).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"^À créer : 0 ; à mettre à jour : 0 ; déjà à jour : "
                                       r"\d+ ; lignes refusées : 0\.$"))).to_be_visible()


def _open_quarter_of_ms(database_url: str) -> None:
    """Another journey of this worker may have submitted or validated MS's quarter: ASIN reopens
    it, so that the DSI can import (the server is shared by the journeys of a worker)."""
    engine = make_engine(database_url)
    with transaction(engine) as db:
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
        year, quarter = reporting_quarter(db, date.today())
        sub = db.exec(select(Submission).where(
            Submission.structure_id == ms.id, Submission.year == year,
            Submission.quarter == quarter)).first()
        if sub is not None and sub.status not in ("draft", "returned"):
            admin = actor_from_user(db, db.exec(select(User).where(User.login == "admin")).one())
            review.reopen(db, admin, ms.id or 0, year, quarter, seen_version=sub.version)
    engine.dispose()


def test_a_dsi_uploads_an_ods_whose_value_a_formula_computed_and_the_preview_says_so(page: Page,
                                                                                      server):
    _open_quarter_of_ms(server.database_url)
    data = _ods_with_a_formula()
    sign_in(page, "dsi-ms")
    open_menu(page, "Saisie des résultats", "Saisie des résultats")
    page.get_by_text("Importer un fichier").click()
    wait_until_idle(page)
    assert _download(page, "Modèle LibreOffice (ODS)")[:2] == b"PK"

    page.locator("input[type=file]").set_input_files(
        {"name": "resultats.ods", "mimeType": ODS_MIME, "buffer": data})
    expect(page.get_by_text("Lignes acceptées : 1 ; refusées : 0.")).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("Valeurs lues comme calculées par une formule")).to_be_visible()
