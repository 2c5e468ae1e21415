"""Importing quarterly results: every accepted file shape, every refusal with its row and column."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from tracker.core.errors import UploadError
from tracker.core.i18n import set_language
from tracker.core.refdata import load_kpis_csv, load_structures_csv
from tracker.results.importing import (
    ImportedRow,
    ImportPreview,
    read_results_file,
    template_csv,
    template_frame,
    template_xlsx,
)

KPIS = load_kpis_csv()
STRUCTURES = load_structures_csv()
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"

FR_HEADER = ["Structure", "Indicateur", "Valeur", "Numérateur", "Dénominateur", "Commentaire"]

# A value a user would type for each unit, and the float it must be stored as
TYPED = {
    "count": ("1 234", 1234.0),
    "percent": ("87,5 %", 87.5),
    "hours": ("3,5", 3.5),
    "ms": ("850", 850.0),
    "xof": ("12 450 000", 12450000.0),
    "bool": ("oui", 1.0),
    "days": ("4", 4.0),
}


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")


def read(data: bytes, filename: str = "resultats.csv", **options: object) -> ImportPreview:
    kwargs: dict[str, object] = {"year": 2025, "quarter": 2}
    kwargs.update(options)
    return read_results_file(data, filename, kpis=KPIS, structures=STRUCTURES,
                             **kwargs)  # type: ignore[arg-type]


def csv_bytes(rows: list[list[str]], *, sep: str = ";", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, formats: dict[str, str] | None = None) -> bytes:
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
    return out.getvalue()


def by_kpi(preview: ImportPreview) -> dict[str, ImportedRow]:
    return {row.kpi_code: row for row in preview.accepted}


def errors(preview: ImportPreview) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in preview.rejected]


# -- the shared sample -----------------------------------------------------------------------


def test_shared_sample_from_french_excel_imports_every_row_with_exact_values() -> None:
    sample = SAMPLES / "resultats-T2-2025-excel-fr.csv"
    data = sample.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the sample really is Windows-1252
    preview = read(data, sample.name)
    assert preview.rejected == []
    rows = by_kpi(preview)
    assert set(rows) == {"ESV_PUB", "ESV_DEMAT", "XRD_OK", "OPS_MTTR", "ESV_RECET", "SEC_RSSI"}
    assert all(row.structure_code == "MS" for row in preview.accepted)
    assert rows["ESV_PUB"].value == 12.0
    assert rows["ESV_PUB"].comment == "Deux nouveaux services"
    assert (rows["ESV_DEMAT"].numerator, rows["ESV_DEMAT"].denominator) == (5.0, 12.0)
    assert rows["ESV_DEMAT"].value is None
    assert (rows["XRD_OK"].numerator, rows["XRD_OK"].denominator) == (98512.0, 99004.0)
    assert rows["XRD_OK"].comment == "Source : supervision"
    assert rows["OPS_MTTR"].value == 3.5
    assert rows["ESV_RECET"].value == 12450000.0
    assert rows["SEC_RSSI"].value == 1.0
    assert rows["ESV_PUB"].row == 2 and rows["SEC_RSSI"].row == 7
    assert preview.to_json() == {"accepted": 6, "rejected": []}


# -- separators, encodings, number writing ---------------------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_separators_and_encodings_are_detected(sep: str, encoding: str) -> None:
    rows = [
        FR_HEADER,
        ["Ministère de la Santé", "ESV_PUB", "1\u00a0234", "", "", "Évalué à la DSI"],
        ["MS", "OPS_MTTR", "3,5", "", "", ""],
        ["MS", "XRD_OK", "", "98\u00a0512", "99\u00a0004", ""],
    ]
    data = csv_bytes(rows, sep=sep, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    preview = read(data)
    assert preview.rejected == []
    rows_by_kpi = by_kpi(preview)
    assert rows_by_kpi["ESV_PUB"].value == 1234.0
    assert rows_by_kpi["ESV_PUB"].comment == "Évalué à la DSI"
    assert rows_by_kpi["OPS_MTTR"].value == 3.5
    assert (rows_by_kpi["XRD_OK"].numerator, rows_by_kpi["XRD_OK"].denominator) == (98512, 99004)


@pytest.mark.parametrize(
    ("code", "typed", "expected"),
    [
        ("ESV_RECET", "12 450 000", 12450000.0),
        ("ESV_RECET", "12\u00a0450\u00a0000", 12450000.0),
        ("ESV_RECET", "12\u202f450\u202f000", 12450000.0),
        ("ESV_RECET", "12,450,000", 12450000.0),
        ("OPS_MTTR", "3,5", 3.5),
        ("OPS_MTTR", "3.5", 3.5),
        ("ESV_DELAI", "1 234,5", 1234.5),
        ("ESV_DELAI", "1,234.5", 1234.5),
        ("SEC_PSSIE", "87,5 %", 87.5),
        ("SEC_PSSIE", "87,5\u202f%", 87.5),
        ("SEC_RSSI", "oui", 1.0),
        ("SEC_RSSI", "NON", 0.0),
        ("SEC_RSSI", "yes", 1.0),
        ("SEC_RSSI", "No", 0.0),
        ("SEC_RSSI", "true", 1.0),
        ("SEC_RSSI", "FALSE", 0.0),
        ("SEC_RSSI", "1", 1.0),
        ("SEC_RSSI", "0", 0.0),
    ],
)
def test_number_and_boolean_writings_in_a_file(code: str, typed: str, expected: float) -> None:
    # Quoted so that "12,450,000" survives even a comma-separated file
    data = csv_bytes([FR_HEADER, ["MS", code, typed, "", "", ""]], sep=";", encoding="utf-8")
    preview = read(data)
    assert preview.rejected == []
    assert by_kpi(preview)[code].value == expected


def test_excel_unicode_text_export_utf16_tab_separated() -> None:
    text = "Structure\tIndicateur\tValeur\r\nMinistère de la Santé\tOPS_MTTR\t3,5\r\n"
    data = text.encode("utf-16")  # with its BOM, as Excel writes it
    assert by_kpi(read(data, "resultats.txt"))["OPS_MTTR"].value == 3.5


def test_multiline_comment_near_the_top_does_not_hide_the_separator() -> None:
    lines = ["Structure;Indicateur;Valeur;Commentaire"]
    lines += [f"MS;ESV_PUB;{n};" for n in range(1, 2)]
    data = ("\r\n".join(lines) + '\r\nMS;ESV_NEW;1;"' + "\r\n".join(["ligne"] * 60) + '"\r\n')
    preview = read(data.encode())
    assert [row.kpi_code for row in preview.accepted] == ["ESV_PUB", "ESV_NEW"]


def test_comma_separated_file_with_decimal_commas_in_quotes() -> None:
    data = b'Structure,Indicateur,Valeur\r\nMS,OPS_MTTR,"3,5"\r\nMS,ESV_RECET,"12 450 000"\r\n'
    rows = by_kpi(read(data))
    assert rows["OPS_MTTR"].value == 3.5
    assert rows["ESV_RECET"].value == 12450000.0


# -- headers, structures, KPIs ---------------------------------------------------------------


def test_english_headers_and_labels() -> None:
    data = csv_bytes([
        ["Structure", "Indicator", "Value", "Numerator", "Denominator", "Comment", "Evidence"],
        ["Ministry of Health", "Mean time to restore service", "4.5", "", "", "ok",
         "https://example.org/report.pdf"],
        ["MS", "Request success rate", "", "990", "1,000", "", ""],
    ], sep=",")
    preview = read(data)
    assert preview.rejected == []
    rows = by_kpi(preview)
    assert rows["OPS_MTTR"].structure_code == "MS"
    assert rows["OPS_MTTR"].value == 4.5
    assert rows["OPS_MTTR"].evidence == "https://example.org/report.pdf"
    assert (rows["XRD_OK"].numerator, rows["XRD_OK"].denominator) == (990.0, 1000.0)


def test_header_synonyms_case_and_accents_do_not_matter() -> None:
    data = csv_bytes([
        ["CODE STRUCTURE", "code indicateur", "Résultat", "NUMERATEUR", "denominateur",
         "Observations", "Justificatif"],
        ["MS", "ESV_PUB", "12", "", "", "RAS", "PV du 03/07"],
    ])
    row = read(data).accepted[0]
    assert (row.structure_code, row.kpi_code, row.value) == ("MS", "ESV_PUB", 12.0)
    assert (row.comment, row.evidence) == ("RAS", "PV du 03/07")


def test_ministere_and_kpi_headers_are_recognised() -> None:
    data = csv_bytes([["Ministère", "KPI", "Valeur"], ["MS", "ESV_PUB", "3"]])
    assert read(data).accepted[0].value == 3.0


@pytest.mark.parametrize(
    "name",
    ["MS", "ms", "Ministère de la Santé", "MINISTERE DE LA SANTE", "ministère de la santé",
     "Ministere de la sante", "Ministry of Health", " Ministère  de la Santé. "],
)
def test_structure_by_code_or_name_case_and_accent_insensitive(name: str) -> None:
    data = csv_bytes([FR_HEADER, [name, "ESV_PUB", "12", "", "", ""]], encoding="cp1252")
    preview = read(data)
    assert preview.rejected == []
    assert preview.accepted[0].structure_code == "MS"


@pytest.mark.parametrize(
    "indicator",
    ["ESV_PUB", "esv_pub", "Nombre d'e-services en production",
     "NOMBRE D\u2019E-SERVICES EN PRODUCTION", "E-services in production"],
)
def test_kpi_by_code_or_label(indicator: str) -> None:
    data = csv_bytes([FR_HEADER, ["MS", indicator, "12", "", "", ""]])
    preview = read(data)
    assert preview.rejected == []
    assert preview.accepted[0].kpi_code == "ESV_PUB"


def test_unknown_kpi_and_structure_are_reported_with_row_and_column_as_written() -> None:
    data = csv_bytes([
        ["Code structure", "Code indicateur", "Valeur"],
        ["MS", "ESV_PUB", "12"],
        ["MX", "ESV_NEW", "1"],
        ["MS", "ESV_INCONNU", "1"],
    ])
    preview = read(data)
    assert [row.row for row in preview.accepted] == [2]
    assert errors(preview) == [(3, "Code structure"), (4, "Code indicateur")]
    assert "« MX »" in preview.rejected[0].reason
    assert "« ESV_INCONNU »" in preview.rejected[1].reason


def test_missing_structure_uses_the_default_structure() -> None:
    data = csv_bytes([["Indicateur", "Valeur"], ["ESV_PUB", "12"]])
    preview = read(data, default_structure="MS")
    assert preview.accepted[0].structure_code == "MS"
    data = csv_bytes([FR_HEADER, ["", "ESV_PUB", "12", "", "", ""]])
    assert read(data, default_structure="Ministère de la Santé").accepted[0].structure_code == "MS"


def test_no_structure_column_and_no_default_is_a_whole_file_error() -> None:
    data = csv_bytes([["Indicateur", "Valeur"], ["ESV_PUB", "12"]])
    with pytest.raises(UploadError, match=r"export-ms\.csv"):
        read(data, "export-ms.csv")


def test_blank_structure_cell_without_default_is_rejected_on_that_row() -> None:
    data = csv_bytes([FR_HEADER, ["", "ESV_PUB", "12", "", "", ""]])
    preview = read(data)
    assert errors(preview) == [(2, "Structure")]
    assert preview.rejected[0].reason == "Structure manquante."


# -- the value rules, as a file shows them ---------------------------------------------------


def test_refused_values_name_the_row_and_the_file_column() -> None:
    data = csv_bytes([
        ["Structure", "Indicateur", "Résultat", "Num.", "Numérateur", "Dénominateur"],
        ["MS", "XRD_OK", "87,5 %", "", "", ""],  # bare percentage for a ratio
        ["MS", "ESV_DEMAT", "", "", "13", "12"],  # numerator above denominator
        ["MS", "SEC_PSSIE", "120", "", "", ""],  # percent above 100
        ["MS", "ESV_PUB", "-3", "", "", ""],  # negative count
        ["MS", "ESV_RECET", "12 450 000,50", "", "", ""],  # decimal francs
        ["MS", "OPS_MTTR", "3,5", "", "", ""],  # fine
    ])
    preview = read(data)
    assert [row.kpi_code for row in preview.accepted] == ["OPS_MTTR"]
    assert errors(preview) == [(2, "Résultat"), (3, "Numérateur"), (4, "Résultat"),
                               (5, "Résultat"), (6, "Résultat")]
    reasons = [error.reason for error in preview.rejected]
    assert "rapports de sommes" in reasons[0]
    assert "ne peut pas dépasser" in reasons[1]
    assert "entre 0 et 100" in reasons[2]
    assert "négative" in reasons[3]
    assert "sans décimales" in reasons[4]


def test_ratio_row_in_a_file_without_numerator_column_names_the_column_in_french() -> None:
    data = csv_bytes([["Structure", "Indicateur", "Valeur"], ["MS", "XRD_OK", "99"]])
    assert errors(read(data)) == [(2, "Valeur")]


def test_formula_written_in_a_csv_value_is_refused_but_kept_in_a_comment() -> None:
    data = csv_bytes([
        FR_HEADER,
        ["MS", "ESV_PUB", "=SOMME(A1:A3)", "", "", ""],
        ["MS", "ESV_NEW", "2", "", "", "=HYPERLINK(\"http://x\")"],
        ["MS", "ESV_DEM", "5", "", "", "+33 229 00 00 00"],
        ["MS", "FRM_DSI", "4", "", "", "-- à vérifier"],
        ["MS", "FRM_AGENTS", "4", "", "", "@DSI"],
    ])
    preview = read(data)
    assert errors(preview) == [(2, "Valeur")]
    assert "formule" in preview.rejected[0].reason
    comments = {row.kpi_code: row.comment for row in preview.accepted}
    assert comments == {"ESV_NEW": "=HYPERLINK(\"http://x\")", "ESV_DEM": "+33 229 00 00 00",
                        "FRM_DSI": "-- à vérifier", "FRM_AGENTS": "@DSI"}


def test_duplicate_structure_and_kpi_second_row_rejected() -> None:
    data = csv_bytes([
        FR_HEADER,
        ["MS", "ESV_PUB", "12", "", "", ""],
        ["MS", "OPS_MTTR", "3", "", "", ""],
        ["Ministère de la Santé", "esv_pub", "13", "", "", ""],
    ])
    preview = read(data)
    assert [row.row for row in preview.accepted] == [2, 3]
    assert by_kpi(preview)["ESV_PUB"].value == 12.0
    assert errors(preview) == [(4, "Indicateur")]
    assert "ligne 2" in preview.rejected[0].reason


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_file() -> None:
    data = b"Structure;Indicateur;Valeur\r\n\r\nMS;ESV_PUB;12\r\n;;\r\nMS;ESV_NEW;x\r\n"
    preview = read(data)
    assert [row.row for row in preview.accepted] == [3]
    assert errors(preview) == [(5, "Valeur")]
    assert preview.skipped == 0


def test_rows_naming_a_kpi_with_nothing_entered_are_skipped_not_rejected() -> None:
    data = csv_bytes([FR_HEADER, ["MS", "ESV_PUB", "", "", "", ""], ["MS", "ESV_NEW", "1", "", "",
                                                                     ""]])
    preview = read(data)
    assert preview.skipped == 1
    assert preview.rejected == []
    assert [row.kpi_code for row in preview.accepted] == ["ESV_NEW"]


def test_a_comment_without_value_is_rejected() -> None:
    data = csv_bytes([FR_HEADER, ["MS", "ESV_PUB", "", "", "", "pas de donnée"]])
    assert errors(read(data)) == [(2, "Valeur")]


def test_row_number_is_the_spreadsheet_row_even_with_a_multiline_comment() -> None:
    data = (b'Structure;Indicateur;Valeur;Commentaire\r\n'
            b'MS;ESV_PUB;12;"ligne 1\r\nligne 2"\r\n'
            b'MS;ESV_NEW;x;\r\n')
    preview = read(data)
    assert preview.accepted[0].comment == "ligne 1\r\nligne 2"
    assert errors(preview) == [(3, "Valeur")]


@pytest.mark.parametrize(
    ("year", "quarter"), [("2025", "T2"), ("2025", "2"), ("2025", "Q2"), ("", "t2"),
                          ("2025", "T2 2025"), ("2025", "2e trimestre"), ("2025", "")]
)
def test_year_and_quarter_columns_matching_the_import_are_accepted(year: str,
                                                                   quarter: str) -> None:
    data = csv_bytes([["Année", "Trimestre", "Structure", "Indicateur", "Valeur"],
                      [year, quarter, "MS", "ESV_PUB", "12"]])
    preview = read(data)
    assert preview.rejected == []
    assert len(preview.accepted) == 1


def test_year_or_quarter_not_matching_the_import_rejects_the_row() -> None:
    data = csv_bytes([
        ["Year", "Quarter", "Structure", "Indicator", "Value"],
        ["2025", "T3", "MS", "ESV_PUB", "12"],
        ["2024", "T2", "MS", "ESV_NEW", "1"],
        ["2025", "T5", "MS", "ESV_DEM", "1"],
        ["2025", "Q2", "MS", "FRM_DSI", "1"],
    ])
    preview = read(data)
    assert [row.kpi_code for row in preview.accepted] == ["FRM_DSI"]
    assert errors(preview) == [(2, "Quarter"), (3, "Year"), (4, "Quarter")]
    assert "T2 2025" in preview.rejected[0].reason
    assert "2024" in preview.rejected[1].reason


def test_to_json_gives_the_command_line_shape() -> None:
    data = csv_bytes([FR_HEADER, ["MS", "ESV_PUB", "12", "", "", ""],
                      ["MS", "ESV_NEW", "abc", "", "", ""]])
    preview = read(data)
    result = preview.to_json()
    assert result["accepted"] == 1
    assert result["rejected"] == [
        {"row": 3, "column": "Valeur",
         "reason": "« abc » n'est pas un nombre (exemples acceptés : 12 450 000 ; 3,5 ; 87,5 %)."}
    ]
    assert preview.to_json(accepted_count=0)["accepted"] == 0


def test_reasons_follow_the_user_language() -> None:
    set_language("en")
    data = csv_bytes([["Structure", "Indicator", "Value"], ["MS", "XRD_OK", "87.5 %"]], sep=",")
    preview = read(data)
    assert errors(preview) == [(2, "Value")]
    assert "ratios of sums" in preview.rejected[0].reason


# -- XLSX ------------------------------------------------------------------------------------


def test_xlsx_with_a_title_block_uses_spreadsheet_row_numbers() -> None:
    data = xlsx_bytes([
        ["RÉPUBLIQUE DU BÉNIN — Ministère de la Santé"],
        ["Résultats du 2e trimestre 2025", None, "Établi le 15/07/2025"],
        [],
        ["Structure", "Indicateur", "Valeur", "Numérateur", "Dénominateur", "Commentaire"],
        ["MS", "ESV_PUB", 12, None, None, "Deux nouveaux services"],
        [],
        ["MS", "XRD_OK", None, 98512, 99004, None],
        ["MS", "ESV_RECET", 12450000, None, None, None],
        ["MS", "OPS_MTTR", 3.5, None, None, None],
        ["MS", "SEC_RSSI", True, None, None, None],
        ["MS", "ESV_NEW", "deux", None, None, None],
    ])
    preview = read(data, "resultats.xlsx")
    rows = by_kpi(preview)
    assert rows["ESV_PUB"].row == 5
    assert rows["XRD_OK"].row == 7
    assert (rows["XRD_OK"].numerator, rows["XRD_OK"].denominator) == (98512.0, 99004.0)
    assert rows["ESV_RECET"].value == 12450000.0
    assert rows["OPS_MTTR"].value == 3.5
    assert rows["SEC_RSSI"].value == 1.0
    assert errors(preview) == [(11, "Valeur")]


def test_xlsx_formula_in_a_value_is_refused_but_kept_as_text_in_a_comment() -> None:
    data = xlsx_bytes([
        ["Structure", "Indicateur", "Valeur", "Numérateur", "Dénominateur", "Commentaire"],
        ["MS", "ESV_PUB", "=2+3", None, None, None],
        ["MS", "XRD_OK", None, "=A1", 10, None],
        ["MS", "ESV_NEW", 1, None, None, "=HYPERLINK(\"http://evil\",\"clic\")"],
    ])
    preview = read(data, "resultats.xlsx")
    assert errors(preview) == [(2, "Valeur"), (3, "Numérateur")]
    assert all("formule" in error.reason for error in preview.rejected)
    assert preview.accepted[0].comment == "=HYPERLINK(\"http://evil\",\"clic\")"


def test_xlsx_percent_formatted_cells_read_as_typed() -> None:
    data = xlsx_bytes(
        [["Structure", "Indicateur", "Valeur"], ["MS", "SEC_PSSIE", 0.875],
         ["MS", "XRD_OK", 0.99], ["MS", "ESV_PUB", 0.5]],
        formats={"C2": "0.0%", "C3": "0%", "C4": "0%"},
    )
    preview = read(data, "resultats.xlsx")
    assert by_kpi(preview)["SEC_PSSIE"].value == 87.5
    assert errors(preview) == [(3, "Valeur"), (4, "Valeur")]
    assert "rapports de sommes" in preview.rejected[0].reason
    assert "signe %" in preview.rejected[1].reason


def test_xlsx_text_numbers_written_the_french_way() -> None:
    data = xlsx_bytes([["Structure", "Indicateur", "Valeur"],
                       ["Ministère de la santé", "ESV_RECET", "12\u202f450\u202f000"],
                       ["MS", "SEC_PSSIE", "87,5 %"]])
    rows = by_kpi(read(data, "resultats.xlsx"))
    assert rows["ESV_RECET"].value == 12450000.0
    assert rows["SEC_PSSIE"].value == 87.5


def test_xlsx_without_a_recognisable_header_is_a_whole_file_error() -> None:
    data = xlsx_bytes([["Rapport"], ["MS", "ESV_PUB", 12]])
    with pytest.raises(UploadError, match=r"rapport\.xlsx"):
        read(data, "rapport.xlsx")


# -- the product's template ------------------------------------------------------------------


def fill(kpi_code: str) -> tuple[str, str, str]:
    """(value, numerator, denominator) as a user types them for that KPI."""
    kpi = next(k for k in KPIS if k.code == kpi_code)
    if kpi.ratio:
        return "", "45", "60"
    return TYPED[kpi.unit][0], "", ""


def test_template_frame_has_french_headers_and_one_row_per_kpi() -> None:
    frame = template_frame(KPIS, "MS", "fr")
    assert list(frame.columns) == ["Structure", "Indicateur", "Libellé", "Unité", "Valeur",
                                   "Numérateur", "Dénominateur", "Commentaire", "Lien de preuve"]
    assert len(frame) == len(KPIS) == 40
    assert list(frame["Indicateur"]) == [kpi.code for kpi in KPIS]
    assert set(frame["Structure"]) == {"MS"}
    first = frame.iloc[0]
    assert first["Libellé"] == "Nombre d'e-services en production"
    assert first["Unité"] == "nombre"
    assert frame.set_index("Indicateur").loc["XRD_OK", "Unité"].startswith("ratio")


def test_template_frame_in_english() -> None:
    frame = template_frame(KPIS, "MS", "en")
    assert list(frame.columns)[:3] == ["Structure", "Indicator", "Label"]
    assert frame.iloc[0]["Label"] == "E-services in production"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_template_xlsx_round_trips_with_every_row_accepted(lang: str) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(KPIS, "MS", lang)))
    sheet = workbook.worksheets[0]
    header_row = next(row for row in range(1, 10) if sheet.cell(row, 2).value in
                      ("Indicateur", "Indicator"))
    assert header_row > 1  # the template has a title block
    for row in range(header_row + 1, header_row + 1 + len(KPIS)):
        value, numerator, denominator = fill(str(sheet.cell(row, 2).value))
        for column, typed in ((5, value), (6, numerator), (7, denominator)):
            if typed:
                sheet.cell(row, column, typed)
    out = io.BytesIO()
    workbook.save(out)
    preview = read(out.getvalue(), "modele.xlsx")
    assert preview.rejected == []
    assert len(preview.accepted) == len(KPIS)
    assert preview.accepted[0].row == header_row + 1
    rows = by_kpi(preview)
    assert rows["ESV_RECET"].value == 12450000.0
    assert (rows["XRD_OK"].numerator, rows["XRD_OK"].denominator) == (45.0, 60.0)
    assert rows["SEC_RSSI"].value == 1.0


def test_template_xlsx_unfilled_is_all_skipped_and_nothing_rejected() -> None:
    preview = read(template_xlsx(KPIS, "MS"), "modele.xlsx")
    assert (preview.accepted, preview.rejected, preview.skipped) == ([], [], len(KPIS))


def test_template_csv_is_utf8_bom_semicolon_and_round_trips() -> None:
    data = template_csv(KPIS, "MS")
    assert data.startswith(b"\xef\xbb\xbfStructure;Indicateur;Libell\xc3\xa9;")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    for row in rows[1:]:
        row[4], row[5], row[6] = fill(row[1])
    preview = read(csv_bytes(rows, encoding="utf-8-sig"), "modele.csv")
    assert preview.rejected == []
    assert len(preview.accepted) == len(KPIS)


def test_template_never_turns_text_into_a_formula() -> None:
    hostile = [KPIS[0].__class__(**{**KPIS[0].__dict__, "label_fr": "=1+2"})]
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx(hostile, "MS")))
    cell = next(c for row in workbook.worksheets[0].iter_rows() for c in row if c.value == "=1+2")
    assert cell.data_type == "s"
    assert b";'=1+2;" in template_csv(hostile, "MS")


# -- hostile and broken files ----------------------------------------------------------------


def test_empty_file_is_refused() -> None:
    with pytest.raises(UploadError, match=r"vide\.csv"):
        read(b"", "vide.csv")


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_refused(seed: int) -> None:
    noise = random.Random(seed).randbytes(8192)
    with pytest.raises(UploadError, match=r"hasard\.bin"):
        read(noise, "hasard.bin")
    # Without NUL bytes noise may decode as Windows-1252, and still has no header
    with pytest.raises(UploadError, match=r"hasard\.bin"):
        read(noise.replace(b"\x00", b""), "hasard.bin")


def test_text_without_header_is_refused() -> None:
    with pytest.raises(UploadError, match="en-tête"):
        read("Bonjour;ceci\nn'est;pas un fichier de résultats\n".encode(), "lettre.csv")


def test_header_without_value_columns_is_refused() -> None:
    with pytest.raises(UploadError, match="Valeur"):
        read(b"Structure;Indicateur;Commentaire\r\nMS;ESV_PUB;x\r\n", "sans-valeur.csv")


def test_zip_bomb_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    with pytest.raises(UploadError, match="volumineux"):
        read(out.getvalue(), "bombe.xlsx")


def test_truncated_xlsx_is_refused() -> None:
    data = template_xlsx(KPIS, "MS")
    with pytest.raises(UploadError, match="tronqué"):
        read(data[: len(data) // 2], "coupe.xlsx")


def test_xlsx_with_a_truncated_sheet_inside_is_refused() -> None:
    source = zipfile.ZipFile(io.BytesIO(template_xlsx(KPIS, "MS")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            archive.writestr(info.filename, content)
    with pytest.raises(UploadError, match=r"interne\.xlsx"):
        read(out.getvalue(), "interne.xlsx")


def test_xlsx_with_an_entity_expansion_is_refused() -> None:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Structure", "Indicateur", "Valeur"]])))
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
              b'<c r="B1" t="inlineStr"><is><t>Indicateur</t></is></c></row></sheetData>'
              b'</worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = laughs
            archive.writestr(info.filename, content)
    with pytest.raises(UploadError, match=r"lol\.xlsx") as caught:
        read(out.getvalue(), "lol.xlsx")
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(type(error).__name__)
        error = error.__cause__
    assert "EntitiesForbidden" in causes  # refused by defusedxml, not by luck


def test_a_word_document_is_not_a_results_file() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(UploadError, match=r"pv\.docx"):
        read(out.getvalue(), "pv.docx")


def test_old_binary_excel_is_refused_naming_what_it_is_and_what_to_send() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(UploadError, match=r"Office 97-2003.*XLSX .*ODS .*CSV ou TSV"):
        read(data, "ancien.xls")


def test_upload_errors_are_one_line() -> None:
    with pytest.raises(UploadError) as caught:
        read(b"", "vide.csv")
    assert "\n" not in str(caught.value)


# -- structures change with governments ------------------------------------------------------


def test_a_structure_that_did_not_exist_in_the_quarter_is_rejected_naming_its_successor() -> None:
    meem = "Ministère de l'Énergie, de l'Eau et des Mines"
    data = csv_bytes([FR_HEADER, ["ME", "ESV_PUB", "3", "", "", ""],
                      [meem, "ESV_PUB", "4", "", "", ""]])
    preview = read(data)
    assert [row.structure_code for row in preview.accepted] == ["MEEM"]
    assert errors(preview) == [(2, "Structure")]
    assert preview.rejected[0].reason == (
        "La structure ME n'existait pas au T2 2025 (remplacée par MEEM)."
    )


def test_historical_structures_import_for_quarters_when_they_existed() -> None:
    data = csv_bytes([FR_HEADER, ["ME", "ESV_PUB", "3", "", "", ""],
                      ["MAEC", "ESV_PUB", "2", "", "", ""]])
    assert read(data, year=2022, quarter=2).rejected == []
    # MAEC ended on 2023-04-04: T2 2023 still saw it, T3 2023 did not
    assert len(read(data, year=2023, quarter=2).accepted) == 2
    assert [e.row for e in read(data, year=2023, quarter=3).rejected] == [2, 3]


def test_kpi_named_by_the_template_label_column_alone() -> None:
    data = csv_bytes([["Structure", "Libellé", "Valeur"],
                      ["MS", "Délai moyen de rétablissement", "2,5"]])
    row = read(data).accepted[0]
    assert (row.kpi_code, row.value) == ("OPS_MTTR", 2.5)


def test_a_file_beyond_the_row_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import tracker.files.uploads as module
    from tracker.files.spreadsheets import forget_read_files

    monkeypatch.setattr(module, "MAX_ROWS", 3)
    forget_read_files()
    rows = [FR_HEADER] + [["MS", code, "1", "", "", ""] for code in ("ESV_PUB", "ESV_NEW",
                                                                      "ESV_DEM")]
    with pytest.raises(UploadError, match="3 lignes"):
        read(csv_bytes(rows), "enorme.csv")
    with pytest.raises(UploadError, match="3 lignes"):
        read(xlsx_bytes(rows), "enorme.xlsx")  # type: ignore[arg-type]
    assert len(read(csv_bytes(rows[:3])).accepted) == 2


def test_columns_after_the_known_ones_are_not_read_as_the_missing_ones() -> None:
    rows = [["Structure", "Indicateur", "Valeur", "Échéance", "Statut"],
            ["MS", "ESV_PUB", "12", "31/12/2025", "En cours"]]
    preview = read(csv_bytes(rows))
    assert not preview.rejected
    assert [(r.kpi_code, r.value, r.comment) for r in preview.accepted] == [("ESV_PUB", 12.0, None)]
