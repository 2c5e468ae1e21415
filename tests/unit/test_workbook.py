"""The quarter's workbook: its sheets, typed cells in French number formats, the scope each role
may see, filters and date on top, and formula-like text made inert."""

import shutil
import subprocess
import zipfile
from datetime import date, datetime
from io import BytesIO

import openpyxl
import pandas as pd
import pytest
from sqlmodel import col, select

from tracker.accounts.auth import Actor
from tracker.conference import actions
from tracker.core import repository as repo
from tracker.core.db import make_engine, migrate, reading, transaction
from tracker.core.errors import PermissionDenied
from tracker.core.models import ActionItem, Result, Role, SubmissionStatus
from tracker.dashboards import views as dashboards
from tracker.demo.generator import generate_demo
from tracker.files import exports
from tracker.reference.catalogue import load_reference_data
from tracker.reports import workbook
from tracker.reports.document import Period

TODAY = date(2026, 11, 25)
T2 = Period(2026, 2)
HOSTILE_TITLE = "=HYPERLINK(\"http://evil.example\",\"clic\")"
HOSTILE_COMMENT = "+cmd|' /C calc'!A0 <script>alert(1)</script>"
HEADER_ROWS = 6  # title, filters, date, demo notice, blank, then the column titles
LEADERSHIP = Actor(id=2, login="direction", display_name="Direction", role=Role.leadership,
                   structure_id=None, structure_code="ASIN")
ADMIN = Actor(id=1, login="admin", display_name="Admin", role=Role.admin, structure_id=None,
              structure_code="ASIN")


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    """The default demo data set, with a formula-like action title and result comment (MS)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('workbook') / 'demo.db'}")
    migrate(engine)
    with transaction(engine) as session:
        load_reference_data(session)
        generate_demo(session, today=TODAY)
        repo.set_setting(session, "demo", "1")
        ms = repo.get_structure_by_code(session, "MS")
        action = session.exec(select(ActionItem).where(ActionItem.owner_structure_id == ms.id)
                              .order_by(col(ActionItem.id))).first()
        action.title = HOSTILE_TITLE
        result = session.exec(select(Result).where(
            Result.structure_id == ms.id, Result.year == 2026, Result.quarter == 2,
            Result.status == SubmissionStatus.validated).order_by(col(Result.id))).first()
        result.comment = HOSTILE_COMMENT
    yield engine
    engine.dispose()


def _book(engine, actor, period=T2, lang="fr"):
    with reading(engine) as session:
        document = workbook.workbook_xlsx(session, actor, period, lang=lang, today=TODAY)
    return document, openpyxl.load_workbook(BytesIO(document.data))


@pytest.fixture(scope="module")
def book(demo_engine):
    return _book(demo_engine, LEADERSHIP)


def _rows(sheet):
    titles = [c.value for c in sheet[HEADER_ROWS]]
    return [dict(zip(titles, row, strict=False))
            for row in sheet.iter_rows(min_row=HEADER_ROWS + 1)], titles


def test_workbook_has_one_sheet_per_subject_with_filters_and_date_on_top(book):
    document, wb = book
    assert document.filename == "classeur-cdsi-2026-T2-fr.xlsx"
    assert wb.sheetnames == ["Résultats", "Cibles", "Soumissions", "Actions", "Piliers",
                             "Initiatives", "Jalons"]
    for sheet in wb.worksheets:
        top = [sheet.cell(row=r, column=1).value for r in range(1, 5)]
        assert top[0] == "Classeur du 2e trimestre 2026 — Conférence des DSI"
        assert "période\u00a0: 2e trimestre 2026" in top[1]
        assert "résultats\u00a0: validés uniquement" in top[1]
        assert top[2] == "Données au 25 novembre 2026"
        assert top[3].startswith("Données de démonstration")


def test_result_values_are_typed_numbers_equal_to_the_dashboards(book, demo_engine):
    _, wb = book
    rows, titles = _rows(wb["Résultats"])
    assert titles[:7] == ["Structure", "Indicateur", "Libellé", "Unité", "Valeur",
                          "Numérateur", "Dénominateur"]
    with reading(demo_engine) as session:
        results = dashboards.validated_results(session)
        cat, targets = dashboards.catalogue(session), dashboards.targets_frame(session)
        ms = repo.get_structure_by_code(session, "MS")
    frame = dashboards.attainment_frame(results, cat, targets, 2026, 2, [ms]).set_index("kpi")
    cells = {r["Indicateur"].value: r for r in rows if r["Structure"].value == "MS"}
    demat = cells["ESV_DEMAT"]
    assert demat["Valeur"].data_type == "n"
    assert demat["Valeur"].value == pytest.approx(frame.loc["ESV_DEMAT", "value"])
    assert demat["Valeur"].number_format == '#,##0.0"\u00a0%"'  # 64,3 % in French Excel
    assert demat["Numérateur"].data_type == "n" and demat["Dénominateur"].value > 0
    assert cells["BUD_DOT"]["Valeur"].number_format == '#,##0"\u00a0F\u00a0CFA"'
    assert cells["ESV_DEM"]["Valeur"].number_format == "#,##0"
    assert cells["SEC_RSSI"]["Valeur"].data_type == "b"  # yes/no written as a boolean
    assert {r["Statut"].value for r in rows} == {"validée"}


def test_admin_workbook_holds_every_status_leadership_only_validated(demo_engine):
    period = Period(2026, 3)  # the quarter still being reviewed
    _, admin = _book(demo_engine, ADMIN, period)
    _, leader = _book(demo_engine, LEADERSHIP, period)
    admin_status = {r["Statut"].value for r in _rows(admin["Résultats"])[0]}
    leader_rows = _rows(leader["Résultats"])[0]
    assert {"validée", "soumise"} <= admin_status
    assert {r["Statut"].value for r in leader_rows} <= {"validée"}
    assert len(_rows(admin["Résultats"])[0]) > len(leader_rows)
    assert "tous statuts" in admin["Résultats"]["A2"].value


def test_submissions_actions_and_targets_are_typed(book, demo_engine):
    _, wb = book
    subs, _ = _rows(wb["Soumissions"])
    with reading(demo_engine) as session:
        in_force = dashboards.structures_in_force(session, 2026, 2)
        followup = actions.followup_frame(session, LEADERSHIP, actions.ACTION,
                                          actions.Filters(), TODAY)
    assert {r["Structure"].value for r in subs} >= {s.code for s in in_force}
    submitted = [r["Soumise le"] for r in subs if r["Soumise le"].value is not None]
    assert submitted and all(isinstance(c.value, datetime) for c in submitted)
    assert submitted[0].number_format == "dd/mm/yyyy hh:mm"
    items, _ = _rows(wb["Actions"])
    assert len(items) == len(followup)
    late = sum(1 for r in items if r["En retard"].value is True)
    assert late == int(followup["overdue"].sum())
    assert all(r["En retard"].data_type == "b" for r in items)
    due = [r["Échéance"] for r in items if r["Échéance"].value is not None]
    assert due[0].is_date and due[0].number_format == "dd/mm/yyyy"
    targets, _ = _rows(wb["Cibles"])
    kinds = {r["Indicateur"].value: r["Cible"].data_type for r in targets}
    assert kinds["ESV_DEMAT"] == "n" and kinds["SEC_RSSI"] == "b"  # a yes/no target
    assert {r["Trimestre (0 = année)"].value for r in targets} <= {0, 2}


def test_formula_like_text_is_inert(book):
    document, wb = book
    cells = [c for sheet in wb.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + HOSTILE_TITLE in values and HOSTILE_TITLE not in values
    assert "'" + HOSTILE_COMMENT in values and HOSTILE_COMMENT not in values
    with zipfile.ZipFile(BytesIO(document.data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/"))
    assert b"<f>" not in xml and b"<f " not in xml


def test_workbook_in_english(demo_engine):
    document, wb = _book(demo_engine, LEADERSHIP, lang="en")
    assert document.filename == "classeur-cdsi-2026-T2-en.xlsx"
    assert wb.sheetnames[:4] == ["Results", "Targets", "Submissions", "Actions"]
    rows, titles = _rows(wb["Results"])
    assert titles[2] == "Label"
    labels = {r["KPI"].value: r["Label"].value for r in rows}
    assert labels["ESV_DEMAT"] == "Share of e-services fully digital end to end"
    assert {r["Status"].value for r in rows} == {"validated"}
    assert rows[0]["Value"].number_format in {"#,##0", '#,##0"\u00a0F\u00a0CFA"',
                                             '#,##0.0"\u00a0%"', '#,##0"\u00a0ms"',
                                             '#,##0.0"\u00a0h"', '#,##0.0"\u00a0d"',
                                             "#,##0.0##", "General"}


def test_a_dsi_cannot_export_the_workbook(demo_engine):
    dsi = Actor(id=3, login="dsi-ms", display_name="DSI", role=Role.dsi, structure_id=1,
                structure_code="MS")
    with reading(demo_engine) as session, pytest.raises(PermissionDenied):
        workbook.workbook_xlsx(session, dsi, T2, lang="fr", today=TODAY)


def _assert_prints(sheet, *, header_row: int, title: str, as_of: str) -> None:
    setup = sheet.page_setup
    assert setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    # One page wide (1 is the file format's default, written as nothing), as long as it takes
    assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    assert title in sheet.oddHeader.left.text and as_of in sheet.oddHeader.right.text
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet.freeze_panes is not None
    assert int("".join(c for c in sheet.freeze_panes if c.isdigit())) == header_row + 1


def test_every_sheet_of_the_workbook_prints_landscape_one_page_wide_with_its_header(book):
    _, wb = book
    assert len(wb.worksheets) >= 5
    for sheet in wb.worksheets:
        _assert_prints(sheet, header_row=HEADER_ROWS, title=sheet.title,
                       as_of="Données au 25 novembre 2026")
        assert "Classeur du 2e trimestre 2026" in sheet.oddHeader.left.text


def test_table_exports_print_with_their_header_repeated_and_the_date_of_their_data():
    frame = pd.DataFrame({"Structure": ["MS", "MEF"], "Valeur": [1.5, 2.0]})
    data = exports.xlsx_bytes({"resultats": frame},
                              header_lines=["Filtres : T2 2026", "Données au 2026-11-25"])
    sheet = openpyxl.load_workbook(BytesIO(data)).worksheets[0]
    _assert_prints(sheet, header_row=4, title="resultats", as_of="Données au 2026-11-25")
    assert [c.value for c in sheet[4]] == ["Structure", "Valeur"]


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed "
                    "(apt-get install libreoffice-calc-nogui)")
def test_the_workbook_printed_by_libreoffice_is_landscape_and_keeps_columns_together(
        book, tmp_path):
    from pypdf import PdfReader

    document, _ = book
    source = tmp_path / "classeur.xlsx"
    source.write_bytes(document.data)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300)
    pages = PdfReader(tmp_path / "classeur.pdf").pages
    # Without a print setup the demo workbook took about 130 portrait pages, columns split.
    assert len(pages) < 40
    assert all(page.mediabox.width > page.mediabox.height for page in pages)
    texts = [page.extract_text() for page in pages]
    results = [text for text in texts if "— Résultats" in text]
    assert len(results) > 1
    # Every page of the results sheet carries the header row, its last column included
    assert all("Indicateur" in text and "Statut" in text for text in results)
