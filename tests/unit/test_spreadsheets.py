"""Spreadsheets as people have them: every import fed the same table as XLSX (with the values
Excel stores for formulas) and as ODS (LibreOffice's own format), files of another kind refused
by name, header-only files refused, templates ready to fill in, and real LibreOffice files."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.table import Table, TableCell, TableRow
from odf.text import P

from tracker.conference import followup as followup_import
from tracker.core.db import reading, transaction
from tracker.core.errors import UploadError
from tracker.core.models import ActionItem, Conference, Recommendation
from tracker.core.refdata import load_kpis_csv, load_structures_csv
from tracker.files import spreadsheet_writing, spreadsheets
from tracker.results import targets as targets_import
from tracker.results.importing import (
    ImportPreview,
    read_results_file,
    results_template,
    template_ods,
    template_xlsx,
)

KPIS = load_kpis_csv()
STRUCTURES = load_structures_csv()
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"

Cells = dict[tuple[int, int], object]  # (row, column), both from 1 as the user sees them


# -- files as office suites write them ----------------------------------------------------------


def xlsx_file(rows: list[list[object]], *, stored: Cells | None = None,
              formats: dict[str, str] | None = None) -> bytes:
    """An XLSX written by openpyxl; a formula cell carries the value that Excel or LibreOffice
    stores when saving (``stored``), which openpyxl itself never computes."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    if not stored:
        return out.getvalue()
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for (row, column), value in stored.items():
                    ref = f"{openpyxl.utils.get_column_letter(column)}{row}"
                    text, count = re.subn(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/?>(?:</v>)?',
                                          rf"\g<1>\g<2><v>{value}</v>", text)
                    assert count == 1, ref
                data = text.encode()
            target.writestr(item, data)
    return result.getvalue()


def ods_file(rows: list[list[object]], *, formulas: dict[tuple[int, int], tuple[str, object]]
             | None = None, percent: set[tuple[int, int]] | None = None) -> bytes:
    """An ODS written with odfpy the way LibreOffice writes one: typed cells, a formula with the
    value it computed (or none: ``(formula, None)``), percentages stored as fractions, and the
    sheet's unused rows and columns as one repeated blank row."""
    formulas = formulas or {}
    percent = percent or set()
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Feuille1")
    for number, row in enumerate(rows, start=1):
        element = TableRow()
        for column, value in enumerate(row, start=1):
            cell: TableCell
            if (number, column) in formulas:
                formula, computed = formulas[(number, column)]
                if computed is None:
                    cell = TableCell(formula=f"of:{formula}")
                else:
                    cell = TableCell(formula=f"of:{formula}", valuetype="float",
                                     value=computed)
                    cell.addElement(P(text=str(computed)))
            elif (number, column) in percent:
                assert isinstance(value, float)
                cell = TableCell(valuetype="percentage", value=value)
                cell.addElement(P(text=f"{value * 100:g} %"))
            elif value is None:
                cell = TableCell()
            elif isinstance(value, bool):
                cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            elif isinstance(value, date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
                cell.addElement(P(text=value.strftime("%d/%m/%Y")))
            else:
                cell = TableCell(valuetype="string")
                for line in str(value).split("\n"):
                    cell.addElement(P(text=line))
            element.addElement(cell)
        element.addElement(TableCell(numbercolumnsrepeated=1000))
        table.addElement(element)
    blank = TableRow(numberrowsrepeated=1_048_000)
    blank.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(blank)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


Writer = Callable[..., bytes]
KINDS = {"xlsx": xlsx_file, "ods": ods_file}


def write(kind: str, rows: list[list[object]], *, formulas: dict[tuple[int, int],
          tuple[str, object]] | None = None) -> bytes:
    """The same table as ``kind``: formulas given as (formula, stored value or None)."""
    formulas = formulas or {}
    if kind == "ods":
        return ods_file(rows, formulas=formulas)
    rows = [list(row) for row in rows]
    stored: Cells = {}
    for (row, column), (formula, value) in formulas.items():
        rows[row - 1][column - 1] = formula
        if value is not None:
            stored[(row, column)] = value
    return xlsx_file(rows, stored=stored)


def read_results(data: bytes, filename: str) -> ImportPreview:
    return read_results_file(data, filename, kpis=KPIS, structures=STRUCTURES, year=2025,
                             quarter=2)


RESULTS = [
    ["Résultats du 2e trimestre 2025 — Ministère de la Santé"],
    [],
    ["Structure", "Indicateur", "Valeur", "Numérateur", "Dénominateur", "Commentaire"],
    ["MS", "ESV_PUB", 12, None, None, "Deux nouveaux services"],
    ["MS", "ESV_DEMAT", None, 5, 12, None],
    ["Ministère de la Santé", "OPS_MTTR", "3,5", None, None, None],
    [],
    ["MS", "SEC_RSSI", "oui", None, None, "ligne après un blanc"],
]


# -- results -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_results_read_from_xlsx_and_ods_as_from_csv_with_the_file_row_numbers(kind):
    preview = read_results(write(kind, RESULTS), f"resultats.{kind}")
    assert preview.rejected == []
    assert [(r.row, r.structure_code, r.kpi_code, r.value, r.numerator, r.denominator)
            for r in preview.accepted] == [
        (4, "MS", "ESV_PUB", 12.0, None, None), (5, "MS", "ESV_DEMAT", None, 5.0, 12.0),
        (6, "MS", "OPS_MTTR", 3.5, None, None), (8, "MS", "SEC_RSSI", 1.0, None, None)]
    assert preview.accepted[0].comment == "Deux nouveaux services"
    assert preview.notes == []


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_formula_whose_file_stores_its_value_is_read_as_that_value_and_noted(kind):
    data = write(kind, RESULTS, formulas={(4, 3): ("=5+7", 12), (5, 4): ("=2+3", 5)})
    preview = read_results(data, f"resultats.{kind}")
    assert preview.rejected == []
    values = {r.kpi_code: (r.value, r.numerator) for r in preview.accepted}
    assert values["ESV_PUB"] == (12.0, None) and values["ESV_DEMAT"] == (None, 5.0)
    assert [(n.row, n.column, n.reason) for n in preview.notes] == [
        (4, "Valeur", "valeur calculée par une formule (=5+7)"),
        (5, "Numérateur", "valeur calculée par une formule (=2+3)")]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_formula_without_a_stored_value_is_refused_with_its_row_and_column(kind):
    data = write(kind, RESULTS, formulas={(4, 3): ("=5+7", None)})
    preview = read_results(data, f"resultats.{kind}")
    assert [(e.row, e.column) for e in preview.rejected] == [(4, "Valeur")]
    assert "formule" in preview.rejected[0].reason
    assert [r.kpi_code for r in preview.accepted] == ["ESV_DEMAT", "OPS_MTTR", "SEC_RSSI"]


def test_ods_percentages_booleans_dates_and_repeated_cells_read_as_typed():
    rows: list[list[object]] = [["Structure", "Indicateur", "Valeur", "Commentaire"],
                                ["MS", "SEC_PSSIE", 0.75, "a  b\nc"],
                                ["MS", "SEC_RSSI", True, None]]
    data = ods_file(rows, percent={(2, 3)})
    preview = read_results(data, "pct.ods")
    assert preview.rejected == []
    assert [(r.kpi_code, r.value) for r in preview.accepted] == [("SEC_PSSIE", 75.0),
                                                                 ("SEC_RSSI", 1.0)]
    assert preview.accepted[0].comment == "a  b\nc"


def test_ods_read_without_cutting_blank_cells_or_rows_out_of_the_numbering():
    rows = spreadsheets.read_rows(
        ods_file([["Structure", None, None, "Indicateur", "Valeur"], [], [],
                  ["MS", None, None, "ESV_PUB", 4]]),
        "trous.ods", roles={"structure": "s", "indicateur": "k"}, no_header_key="x")
    assert list(rows) == [(1, ["Structure", None, None, "Indicateur", "Valeur"]),
                          (4, ["MS", None, None, "ESV_PUB", 4])]


# -- whole-file refusals ---------------------------------------------------------------------------


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def _odt() -> bytes:
    doc = OpenDocumentText()
    doc.text.addElement(P(text="Procès-verbal"))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("data", "found"), [
    (_docx(), "un document Word (DOCX)"),
    (_odt(), "un document texte LibreOffice (ODT)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "un document PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "un fichier Office 97-2003"),
], ids=["docx", "odt", "pdf", "xls"])
def test_a_file_of_another_kind_is_refused_naming_the_formats_accepted_and_the_one_found(
        data, found):
    with pytest.raises(UploadError) as caught:
        read_results(data, "in.ods")
    message = str(caught.value)
    assert message.startswith(f"Le fichier « in.ods » est {found}")
    assert "XLSX (Excel), ODS (LibreOffice), CSV ou TSV" in message


def test_the_refusal_is_in_english_for_an_english_user():
    from tracker.core.i18n import set_language

    set_language("en")
    with pytest.raises(UploadError, match=r"is a Word document \(DOCX\): send a table as XLSX"):
        read_results(_docx(), "in.xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx", "ods"])
def test_a_results_file_with_only_its_header_is_refused(kind):
    header = [["Structure", "Indicateur", "Valeur"]]
    data = b"Structure;Indicateur;Valeur\r\n\r\n" if kind == "csv" else write(kind, header)
    with pytest.raises(UploadError) as caught:
        read_results(data, f"f.{kind}")
    assert str(caught.value) == (f"Aucune ligne de résultat dans « f.{kind} » : "
                                 "le fichier ne contient que l'en-tête.")


def test_a_targets_file_with_only_its_header_is_refused(engine, seeded, actor):
    with reading(engine) as session, pytest.raises(UploadError, match="Aucune ligne de cible"):
        targets_import.read_targets_file(session, actor("admin"), b"Indicateur;Cible\n",
                                         "c.csv", 2026)


def test_a_followup_file_with_only_its_header_is_refused(engine, seeded, actor):
    with reading(engine) as session, pytest.raises(UploadError, match="Aucune ligne de suivi"):
        followup_import.read_followup_file(session, actor("admin"),
                                           b"Session;Action;Statut\n", "s.csv")


# -- targets and follow-up, fed both formats --------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_targets_read_from_xlsx_and_ods_with_formula_values(kind, engine, seeded, actor):
    rows: list[list[object]] = [["Cibles 2026"], ["Indicateur", "Structure", "Trimestre", "Cible"],
                                ["ESV_DEMAT", None, None, 60], ["ESV_PUB", "MS", "T2", None],
                                ["ESV_NEW", None, "T4", None]]
    data = write(kind, rows, formulas={(5, 4): ("=10*3", 30)})
    with reading(engine) as session:
        preview = targets_import.read_targets_file(session, actor("admin"), data,
                                                   f"cibles.{kind}", 2026)
    assert [(r.row, r.kpi_code, r.structure_code, r.quarter, r.value)
            for r in preview.accepted] == [(3, "ESV_DEMAT", None, 0, 60.0),
                                            (5, "ESV_NEW", None, 4, 30.0)]
    assert (preview.rejected, preview.skipped) == ([], 1)
    assert [(n.row, n.column) for n in preview.notes] == [(5, "Cible")]


@pytest.fixture
def sessions(engine, seeded):
    with transaction(engine) as session:
        held = Conference(number=18, year=2025, rank_in_year=2, session_date=date(2025, 6, 24),
                          status="held")
        session.add(held)
        session.flush()
        session.add(ActionItem(conference_id=held.id, number="A1",
                               title="Raccorder le MEF à X-Road",
                               owner_structure_id=seeded.structures["MEF"],
                               status="not_started", due_date=date(2025, 9, 30)))
        session.add(Recommendation(conference_id=held.id, number="R1", text="Réalisée déjà",
                                   owner_structure_id=seeded.structures["MS"], status="done"))
    return seeded


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_the_followup_spreadsheet_reads_from_xlsx_and_ods(kind, engine, sessions, actor):
    rows: list[list[object]] = [
        ["Suivi des recommandations"],
        ["Session", "N°", "Recommandation/Action", "Responsable", "Échéance", "Statut"],
        [18, "A1", "Raccorder le MEF à X-Road", "MEF", date(2025, 12, 31), "en cours"],
        ["18e conférence", None, "Former les agents", "MS", "permanent", "non démarré"]]
    data = write(kind, rows, formulas={(3, 1): ("=17+1", 18)})
    with reading(engine) as session:
        preview = followup_import.read_followup_file(session, actor("admin"), data,
                                                     f"suivi.{kind}")
    assert preview.rejected == []
    assert [(r.row, r.text, r.status, r.due_date) for r in preview.accepted] == [
        (3, "Raccorder le MEF à X-Road", "in_progress", date(2025, 12, 31)),
        (4, "Former les agents", "not_started", None)]
    assert (preview.to_create, preview.to_update) == (1, 1)
    assert [(n.row, n.column) for n in preview.notes] == [(3, "Session")]


# -- templates -------------------------------------------------------------------------------------


def _ods_parts(data: bytes) -> tuple[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive.read("content.xml").decode(), archive.read("settings.xml").decode()


def _check_xlsx_template(data: bytes, *, header: list[str], choices: dict[str, str]) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[spreadsheet_writing.TEMPLATE_HEADER_ROW]][:len(header)] == header
    assert sheet.freeze_panes == f"A{spreadsheet_writing.TEMPLATE_HEADER_ROW + 1}"
    assert all(sheet.column_dimensions[letter].width
               for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:len(header)])
    assert any(c.value for c in sheet[spreadsheet_writing.TEMPLATE_HEADER_ROW - 1])  # the notes row
    lists = {v.formula1 for v in sheet.data_validations.dataValidation}
    for column, word in choices.items():
        assert any(word in formula for formula in lists), column
    assert sheet.page_setup.orientation == "landscape"


def _check_ods_template(data: bytes, *, header: list[str], choices: dict[str, str]) -> None:
    content, settings = _ods_parts(data)
    for title in header:
        assert f"<text:p>{title}</text:p>" in content
    assert "cell-content-is-in-list" in content
    for word in choices.values():
        assert f'"{word}"' in content
    assert 'table:column-width="' in content.replace("style:column-width", "table:column-width")
    assert re.search(r'config:name="VerticalSplitPosition" config:type="int">4<', settings)
    assert "table:formula" not in content


def test_the_results_template_as_xlsx_and_ods_is_ready_to_fill_and_imports_back():
    kpis = [k for k in KPIS if k.code in ("ESV_PUB", "ESV_DEMAT", "SEC_RSSI")]
    header = ["Structure", "Indicateur", "Libellé", "Unité", "Valeur", "Numérateur",
              "Dénominateur", "Commentaire", "Lien de preuve"]
    _check_xlsx_template(template_xlsx(kpis, "MS"), header=header, choices={"Valeur": "oui"})
    _check_ods_template(template_ods(kpis, "MS"), header=header, choices={"Valeur": "oui"})
    # Filled in (values typed in the white cells) and imported back in either format
    template = results_template(kpis, "MS")
    rows: list[list[object]] = [[template.title], [template.help],
                                [c.note for c in template.columns],
                                [c.title for c in template.columns],
                                *[list(r) for r in template.rows]]
    typed: dict[str, dict[int, object]] = {"ESV_PUB": {4: 4}, "ESV_DEMAT": {5: 3, 6: 8},
                                           "SEC_RSSI": {4: "non"}}
    expected = {"ESV_PUB": (4.0, None), "ESV_DEMAT": (None, 3.0), "SEC_RSSI": (0.0, None)}
    for row in rows[4:]:
        for column, value in typed[str(row[1])].items():
            row[column] = value
    for kind in ("xlsx", "ods"):
        preview = read_results(write(kind, rows), f"modele.{kind}")
        assert preview.rejected == []
        assert [(r.row, r.kpi_code, r.value, r.numerator) for r in preview.accepted] == [
            (5 + n, str(r[1]), *expected[str(r[1])]) for n, r in enumerate(template.rows)]


def test_the_targets_template_lists_the_kpis_and_imports_back_unfilled_as_nothing(
        engine, seeded, actor):
    with reading(engine) as session:
        template = targets_import.targets_template(session, actor("admin"), 2026)
    assert len(template.rows) >= 30
    header = ["Indicateur", "Libellé", "Unité", "Structure", "Trimestre", "Cible"]
    _check_xlsx_template(spreadsheet_writing.template_xlsx(template), header=header,
                         choices={"Trimestre": "T4"})
    _check_ods_template(spreadsheet_writing.template_ods(template), header=header,
                        choices={"Trimestre": "T4"})
    rows: list[list[object]] = [[c.title for c in template.columns],
                                *[list(r) for r in template.rows]]
    rows[1][5] = 75
    with reading(engine) as session:
        preview = targets_import.read_targets_file(session, actor("admin"),
                                                   write("ods", rows), "cibles.ods", 2026)
    assert [(r.kpi_code, r.quarter, r.value) for r in preview.accepted] == [
        (template.rows[0][0], 0, 75.0)]
    assert preview.rejected == [] and preview.skipped == len(template.rows) - 1


def test_the_followup_template_holds_the_open_items_and_imports_back_unchanged(
        engine, sessions, actor):
    with reading(engine) as session:
        template = followup_import.followup_template(session, actor("admin"))
    assert [r[3] for r in template.rows] == ["Raccorder le MEF à X-Road"]  # done items left out
    header = ["Session", "N°", "Type", "Recommandation/Action", "Responsable", "Échéance",
              "Statut", "Commentaire"]
    choices = {"Statut": "partiellement réalisée", "Type": "recommandation"}
    xlsx = spreadsheet_writing.template_xlsx(template)
    _check_xlsx_template(xlsx, header=header, choices=choices)
    _check_ods_template(spreadsheet_writing.template_ods(template), header=header, choices=choices)
    with reading(engine) as session:
        preview = followup_import.read_followup_file(session, actor("admin"), xlsx, "suivi.xlsx")
    assert preview.rejected == [] and not preview.pending


def test_template_text_is_never_a_formula_in_either_format():
    hostile = dataclasses.replace(next(k for k in KPIS if k.code == "ESV_PUB"), label_fr="=1+2")
    content, _ = _ods_parts(template_ods([hostile], "MS"))
    assert "table:formula" not in content
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx([hostile], "MS"))).worksheets[0]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# -- real LibreOffice ------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _convert(tmp_path: Path, source: Path, kind: str) -> bytes:
    # The CSV as French Excel saves it (';', Windows-1252, French numbers), formulas evaluated
    options = "59,34,1,1,,1036,false,false,false,false,false,-1,true"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    f"--infilter=Text - txt - csv (StarCalc):{options}", "--convert-to",
                    kind, "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    return (tmp_path / f"{source.stem}.{kind}").read_bytes()


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed "
                    "(apt-get install libreoffice-calc-nogui)")
def test_the_shared_sample_saved_by_libreoffice_as_xlsx_and_ods_imports_like_the_csv(tmp_path):
    sample = SAMPLES / "resultats-T2-2025-excel-fr.csv"
    expected = [(r.row, r.kpi_code, r.value, r.numerator, r.denominator, r.comment)
                for r in read_results(sample.read_bytes(), sample.name).accepted]
    assert len(expected) == 6
    for kind in ("xlsx", "ods"):
        preview = read_results(_convert(tmp_path, sample, kind), f"in.{kind}")
        assert preview.rejected == []
        assert [(r.row, r.kpi_code, r.value, r.numerator, r.denominator, r.comment)
                for r in preview.accepted] == expected


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed "
                    "(apt-get install libreoffice-calc-nogui)")
def test_a_libreoffice_formula_is_read_as_the_value_it_saved(tmp_path):
    source = tmp_path / "formules.csv"
    source.write_bytes("Structure;Indicateur;Valeur;Numérateur;Dénominateur\r\n"
                       "MS;ESV_PUB;=5+7;;\r\nMS;ESV_DEMAT;;=2+3;12\r\n".encode("cp1252"))
    for kind in ("xlsx", "ods"):
        preview = read_results(_convert(tmp_path, source, kind), f"formules.{kind}")
        assert preview.rejected == []
        assert [(r.kpi_code, r.value, r.numerator) for r in preview.accepted] == [
            ("ESV_PUB", 12.0, None), ("ESV_DEMAT", None, 5.0)]
        assert [(n.row, n.column) for n in preview.notes] == [(2, "Valeur"), (3, "Numérateur")]


def _with_content(data: bytes, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == "content.xml"
                            else source.read(item))
    return out.getvalue()


def test_an_ods_with_an_entity_expansion_or_broken_xml_is_refused_as_damaged():
    data = ods_file(RESULTS)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>')
    for content in (bomb, b"<office:document-content"):
        with pytest.raises(UploadError, match="endommagé ou tronqué"):
            read_results(_with_content(data, content), "in.ods")


def test_an_ods_cut_short_is_refused_as_damaged():
    data = ods_file(RESULTS)
    with pytest.raises(UploadError, match="endommagé ou tronqué"):
        read_results(data[: len(data) // 2], "coupe.ods")


@pytest.mark.parametrize("writer", [spreadsheet_writing.template_xlsx,
                                    spreadsheet_writing.template_ods], ids=["xlsx", "ods"])
def test_english_templates_import_back_too(writer, engine, sessions, actor):
    from tracker.core.i18n import set_language

    set_language("en")
    with reading(engine) as session:
        followup = followup_import.followup_template(session, actor("admin"), "en")
        targets = targets_import.targets_template(session, actor("admin"), 2026, "en")
    assert followup.columns[3].title == "Recommendation/Action"
    with reading(engine) as session:
        shown = followup_import.read_followup_file(session, actor("admin"), writer(followup),
                                                   "followup")
        goals = targets_import.read_targets_file(session, actor("admin"), writer(targets),
                                                 "targets", 2026)
    assert (shown.rejected, shown.pending) == ([], False)
    assert (goals.rejected, goals.accepted, goals.skipped) == ([], [], len(targets.rows))


def test_ods_cells_read_as_pandas_odf_engine_reads_them_and_comments_stay_out():
    import pandas as pd
    from odf.office import Annotation

    data = ods_file(RESULTS)
    engine = pd.read_excel(io.BytesIO(data), engine="odf", header=None, dtype=object)
    expected = {(row + 1, column): value for (row, column), value in engine.stack().items()
                if pd.notna(value)}
    rows = spreadsheets.read_rows(data, "r.ods", roles={}, no_header_key="x")
    ours = {(number, column): value for number, cells in rows
            for column, value in enumerate(cells) if value is not None}
    assert ours == expected

    doc = OpenDocumentSpreadsheet()
    table = Table(name="F")
    row = TableRow()
    cell = TableCell(valuetype="string")
    note = Annotation()
    note.addElement(P(text="relu par le DSI"))
    cell.addElement(note)
    cell.addElement(P(text="Structure"))
    row.addElement(cell)
    table.addElement(row)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    assert list(spreadsheets.read_rows(out.getvalue(), "n.ods", roles={}, no_header_key="x")) \
        == [(1, ["Structure"])]


def test_an_xlsx_formula_in_a_percent_cell_reads_as_the_percentage_it_shows():
    data = xlsx_file([["Structure", "Indicateur", "Valeur"], ["MS", "SEC_PSSIE", "=3/4"]],
                     stored={(2, 3): 0.75}, formats={"C2": "0%"})
    preview = read_results(data, "pct.xlsx")
    assert [(r.kpi_code, r.value) for r in preview.accepted] == [("SEC_PSSIE", 75.0)]
    assert [(n.row, n.reason) for n in preview.notes] == [
        (2, "valeur calculée par une formule (=3/4)")]
