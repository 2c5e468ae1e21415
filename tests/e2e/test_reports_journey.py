"""Issue 7 in Chromium: leadership generates the bilan, a ministry sheet and the quarter's
workbook on "Rapports" and downloads each file."""

import io
import re
from pathlib import Path

from journey import open_menu, sign_in, wait_until_idle
from playwright.sync_api import Page, expect


def _generate_and_download(page: Page, kind: str, file_name: str) -> bytes:
    page.get_by_text(kind, exact=True).click()
    wait_until_idle(page)
    # No download is offered for a choice that has not been generated yet.
    expect(page.get_by_role("button", name=re.compile("^Télécharger "))).to_have_count(0)
    page.get_by_role("button", name="Générer").click()
    download_button = page.get_by_role("button", name=re.compile(f"^Télécharger .*{file_name}"))
    expect(download_button).to_be_visible(timeout=120_000)
    with page.expect_download(timeout=60_000) as download:
        download_button.click()
    return Path(download.value.path()).read_bytes()


def test_leadership_downloads_the_bilan_a_ministry_sheet_and_the_workbook(page: Page):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    sign_in(page, "direction")
    open_menu(page, "Rapports", "Rapports")
    wait_until_idle(page)

    bilan = PdfReader(io.BytesIO(_generate_and_download(page, "Bilan du trimestre (PDF)", "bilan")))
    assert len(bilan.pages) > 10
    first = bilan.pages[0].extract_text()
    assert "Bilan" in first and "démonstration" in first

    fiche = PdfReader(io.BytesIO(_generate_and_download(page, "Fiche ministère (PDF)", "fiche")))
    assert len(fiche.pages) == 2  # the sheet, then its « Trajectoires et prévisions »

    workbook = load_workbook(io.BytesIO(_generate_and_download(
        page, "Classeur du trimestre (Excel)", "xlsx")), read_only=True)
    assert workbook.sheetnames == ["Résultats", "Cibles", "Soumissions", "Actions", "Piliers",
                                   "Initiatives", "Jalons"]
