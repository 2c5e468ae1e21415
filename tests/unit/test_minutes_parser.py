"""Minutes import: PVs (DOCX, Markdown, text) parse to a reviewable shape; all else is refused."""

from __future__ import annotations

import io
import json
import random
import time
import tomllib
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_BREAK

from tracker.core.errors import UploadError
from tracker.core.i18n import t
from tracker.core.refdata import StructureRef, load_structures_csv
from tracker.minutes.model import ParsedMinutes
from tracker.minutes.parser import parse_minutes

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "fixtures" / "samples"
CORPUS = REPO / "tests" / "fixtures" / "corpora" / "python-docx"
FIXTURES = REPO / "tests" / "fixtures" / "minutes"
LOCALES = REPO / "tracker" / "locales"


@pytest.fixture(scope="module")
def structures() -> list[StructureRef]:
    return load_structures_csv()


def _parse(data: bytes, filename: str, structures: list[StructureRef]) -> ParsedMinutes:
    return parse_minutes(data, filename, structures)


def _shared_sample(name: str) -> Path:
    return SAMPLES / name


def _restricted(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: got.get(key, "<missing>") for key in expected}


# --------------------------------------------------------------------------- shared samples


@pytest.mark.parametrize(
    ("sample", "expected_name"),
    [
        ("pv-cdsi-2025-session2.md", "pv-cdsi-2025-session2.expected.json"),
        ("pv-cdsi-2025-session3.docx", "pv-cdsi-2025-session3.expected.json"),
    ],
)
def test_shared_samples_parse_to_their_expected_json(
    sample: str, expected_name: str, structures: list[StructureRef]
) -> None:
    path = _shared_sample(sample)
    expected = json.loads(_shared_sample(expected_name).read_text(encoding="utf-8"))
    parsed = _parse(path.read_bytes(), path.name, structures)
    assert _restricted(parsed.to_json_dict(), expected) == expected
    assert parsed.uncertain == []
    assert parsed.warnings == []
    assert all(not item.uncertain for item in [*parsed.recommendations, *parsed.actions])


def test_markdown_sample_keeps_raw_texts_for_review(structures: list[StructureRef]) -> None:
    path = _shared_sample("pv-cdsi-2025-session2.md")
    parsed = _parse(path.read_bytes(), path.name, structures)
    assert parsed.source_format == "markdown"
    assert (parsed.chair, parsed.rapporteur, parsed.time) == (
        "Directeur général de l'ASIN",
        "Chef du secrétariat technique de la CDSI",
        "9 h 00 – 13 h 30",
    )
    immediate = parsed.actions[4]
    assert (immediate.due_raw, immediate.due, immediate.status_raw) == (
        "sans délai",
        date(2025, 7, 1),
        "Réalisée",
    )
    assert parsed.actions[2].next_session is True
    assert parsed.actions[2].owner_raw == "Tous les ministères"
    assert "Quorum atteint (6 structures représentées)." in parsed.plain_text


def test_docx_sample_resolves_full_ministry_names(structures: list[StructureRef]) -> None:
    path = _shared_sample("pv-cdsi-2025-session3.docx")
    parsed = _parse(path.read_bytes(), path.name, structures)
    assert parsed.source_format == "docx"
    first = parsed.participants[0]
    assert (first.structure, first.structure_raw) == (
        "MEF",
        "Ministère d'État chargé de l'Économie et des Finances",
    )
    assert parsed.title is not None and parsed.title.endswith("19e conférence")


def test_format_is_chosen_by_content_not_by_extension(structures: list[StructureRef]) -> None:
    docx_bytes = _shared_sample("pv-cdsi-2025-session3.docx").read_bytes()
    markdown = _shared_sample("pv-cdsi-2025-session2.md").read_bytes()
    as_markdown = _parse(docx_bytes, "pv.md", structures)
    as_docx = _parse(markdown, "pv.docx", structures)
    assert (as_markdown.source_format, as_markdown.number) == ("docx", 19)
    assert (as_docx.source_format, as_docx.number) == ("markdown", 18)


def test_parsing_one_pv_takes_well_under_a_second(structures: list[StructureRef]) -> None:
    for name in ("pv-cdsi-2025-session2.md", "pv-cdsi-2025-session3.docx"):
        data = _shared_sample(name).read_bytes()
        started = time.perf_counter()
        _parse(data, name, structures)
        assert time.perf_counter() - started < 0.5, name


# --------------------------------------------------------------------------- own variants


@pytest.mark.parametrize("name", ["pv-2022-session3-romain.txt", "pv-2024-session1-tableaux.md"])
def test_fixture_variants_parse_to_their_expected_json(
    name: str, structures: list[StructureRef]
) -> None:
    path = FIXTURES / name
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
    assert _parse(path.read_bytes(), name, structures).to_json_dict() == expected


def test_roman_numbering_capitals_and_text_lines(structures: list[StructureRef]) -> None:
    parsed = _parse((FIXTURES / "pv-2022-session3-romain.txt").read_bytes(), "pv.txt", structures)
    assert parsed.source_format == "text"
    assert parsed.sections == ["participants", "agenda", "decisions", "recommendations", "actions"]
    assert (parsed.date, parsed.number, parsed.rank_in_year) == (date(2022, 11, 29), 11, 3)
    # Four agenda items although "2. Point de mise en oeuvre…" and "4. Divers" look like headings.
    assert parsed.agenda[-1] == "Divers" and len(parsed.agenda) == 4
    assert parsed.decisions[1] == "Un point focal sécurité est désigné dans chaque ministère."
    # Prose and bullets in "Déroulement des travaux" never become actions.
    assert [a.text[:12] for a in parsed.actions] == [
        "Transmettre ",
        "Désigner le ",
        "Former les a",
        "Publier la p",
        "Mettre à jou",
    ]


def test_owners_by_name_acronym_historical_code_and_all(structures: list[StructureRef]) -> None:
    parsed = _parse((FIXTURES / "pv-2022-session3-romain.txt").read_bytes(), "pv.txt", structures)
    owners = [(a.owner_raw, a.owner) for a in [*parsed.recommendations, *parsed.actions]]
    assert owners == [
        ("Tous les ministères", "*"),
        ("ASIN", "ASIN"),
        ("MAEC", "MAEC"),
        ("MEF, MS", "MEF"),
        ("Ministère du Cadre de vie et du Développement durable", "MCVDD"),
        ("Direction des bidules", None),
        ("MND", "MND"),
    ]
    structures_seen = [(p.structure_raw, p.structure) for p in parsed.participants]
    assert structures_seen == [
        ("Ministère de l'Économie et des Finances", "MEF"),
        ("MS", "MS"),
        ("MAEC", "MAEC"),
        ("Ministère de l'Agriculture, de l'Élevage et de la Pêche", "MAEP"),
        ("Direction inconnue", None),
    ]
    assert parsed.participants[3].role == "Chef service informatique"
    assert (parsed.excused, parsed.absent, parsed.absent_unresolved) == (
        ["MDN", "MTCA"],
        ["MSP"],
        ["Office des bidules"],
    )


def test_uncertain_fields_are_flagged_for_review(structures: list[StructureRef]) -> None:
    parsed = _parse((FIXTURES / "pv-2022-session3-romain.txt").read_bytes(), "pv.txt", structures)
    flags = [a.uncertain for a in parsed.actions]
    assert flags == [[], ["owner"], [], ["owner", "due", "status"], []]
    assert parsed.actions[3].status_raw == "à voir"
    assert parsed.participants[4].uncertain == ["structure"]
    assert parsed.uncertain == ["absent"]
    assert t("minutes.warning.unresolved_structure", name="Direction des bidules") in (
        parsed.warnings
    )


def test_due_dates_in_text_lines(structures: list[StructureRef]) -> None:
    parsed = _parse((FIXTURES / "pv-2022-session3-romain.txt").read_bytes(), "pv.txt", structures)
    r1, r2 = parsed.recommendations
    assert (r1.due_raw, r1.due) == ("fin du 1er trimestre 2023", date(2023, 3, 31))
    assert (r2.due_raw, r2.recurring, r2.due) == ("en continu", True, None)
    a1, a2, a3, _, a5 = parsed.actions
    assert (a1.due_raw, a1.due) == ("SANS DELAI", date(2022, 12, 6))
    assert (a2.due_raw, a2.next_session, a2.due) == ("avant la prochaine session", True, None)
    # The indented "Responsable : … ; Échéance : …" line completes the A3 line above it.
    assert (a3.owner, a3.due) == ("MCVDD", date(2023, 3, 31))
    assert (a5.due_raw, a5.recurring) == ("permanent", True)


def test_tables_with_header_synonyms(structures: list[StructureRef]) -> None:
    path = FIXTURES / "pv-2024-session1-tableaux.md"
    parsed = _parse(path.read_bytes(), path.name, structures)
    assert [a.status for a in parsed.actions] == [
        "done",
        "partial",
        "blocked",
        "cancelled",
        "not_started",
    ]
    assert parsed.recommendations[1].uncertain == ["owner"]  # "ASIN, SBIN"
    assert parsed.actions[4].uncertain == ["due"]  # "septembre 2024"
    assert parsed.participants[2].structure == "BJCSIRT"
    assert parsed.excused == [] and parsed.excused_unresolved == []  # "néant"


def _docx_variant() -> bytes:
    """A PV as Word users write it: Normal paragraphs, bold headings, layout and merged cells."""
    doc = Document()
    doc.add_paragraph("PROCÈS-VERBAL", style="Title")
    doc.add_paragraph(
        "Procès-verbal de la 4e session ordinaire de la Conférence des DSI "
        "au titre de l'année 2023 — 15e conférence"
    )
    meta = doc.add_paragraph()
    for i, line in enumerate(["Date : 28/11/2023", "Lieu : Grand-Popo", "Présidence : DG ASIN"]):
        run = meta.add_run(line)
        if i < 2:
            run.add_break(WD_BREAK.LINE)
    layout = doc.add_table(rows=1, cols=2)
    layout.cell(0, 0).text = "Thème :"
    layout.cell(0, 1).text = "« Cloud souverain »"
    doc.add_paragraph().add_run("Liste de présence").bold = True
    people = doc.add_table(rows=1, cols=4)
    for cell, text in zip(
        people.rows[0].cells, ["N°", "Prénoms et nom", "Fonction", "Ministère / Institution"]
    ):
        cell.text = text
    for row in [
        ["1", "Aïcha DOSSOU", "DSI", "Ministère de l'Économie et des Finances"],
        ["2", "Koffi AGBANGLA", "DSI", "MAE"],
        ["3", "Jean INCONNU", "Consultant", "Cabinet privé"],
    ]:
        for cell, text in zip(people.add_row().cells, row):
            cell.text = text
    doc.add_paragraph("Absents excusés : MIT, MEM")
    doc.add_heading("Ordre du jour", level=1)
    doc.add_paragraph("Adoption de l'ordre du jour", style="List Number")
    doc.add_paragraph("Recommandations de la session", style="List Number")
    doc.add_heading("Déroulement des travaux", level=1)
    doc.add_paragraph("Le point des recommandations antérieures est présenté ci-dessous.")
    followup = doc.add_table(rows=2, cols=3)
    for cell, text in zip(followup.rows[0].cells, ["Recommandation", "Responsable", "Statut"]):
        cell.text = text
    for cell, text in zip(followup.rows[1].cells, ["Ancienne recommandation", "MEF", "Réalisée"]):
        cell.text = text
    doc.add_paragraph().add_run("RELEVÉ DES DÉCISIONS").bold = True
    doc.add_paragraph("D1 : Le cloud souverain est retenu.", style="List Bullet")
    doc.add_heading("Actions retenues", level=1)
    actions = doc.add_table(rows=1, cols=4)
    header = ["Activité", "Structure responsable", "Date limite", "Niveau d'exécution"]
    for cell, text in zip(actions.rows[0].cells, header):
        cell.text = text
    band = actions.add_row().cells
    band[0].merge(band[3]).text = "Axe 1 : Hébergement"
    for row in [
        ["Migrer la messagerie", "SBIN", "fin du 1er semestre 2024", "Non démarrée"],
        ["Auditer les sauvegardes", "Tous les ministères", "sans délai", "En attente"],
        ["Publier la charte", "MAEC", "permanent", ""],
    ]:
        for cell, text in zip(actions.add_row().cells, row):
            cell.text = text
    doc.add_paragraph("Fait à Grand-Popo, le 28 novembre 2023")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_docx_variant_with_bold_headings_layout_table_and_merged_band(
    structures: list[StructureRef],
) -> None:
    parsed = _parse(_docx_variant(), "pv-2023.docx", structures)
    got = parsed.to_json_dict()
    assert {k: got[k] for k in ("date", "place", "number", "rank_in_year", "theme")} == {
        "date": "2023-11-28",
        "place": "Grand-Popo",
        "number": 15,
        "rank_in_year": 4,
        "theme": "Cloud souverain",
    }
    assert parsed.chair == "DG ASIN"
    assert got["participants"] == [
        {"name": "Aïcha DOSSOU", "role": "DSI", "structure": "MEF"},
        {"name": "Koffi AGBANGLA", "role": "DSI", "structure": "MAE"},
        {"name": "Jean INCONNU", "role": "Consultant", "structure": None},
    ]
    assert got["excused"] == ["MIT", "MEM"]
    assert got["agenda"] == ["Adoption de l'ordre du jour", "Recommandations de la session"]
    assert got["decisions"] == ["Le cloud souverain est retenu."]
    # The follow-up table under "Déroulement" and the merged "Axe 1" band are not new items.
    assert got["recommendations"] == []
    assert got["actions"] == [
        {
            "text": "Migrer la messagerie",
            "owner": "SBIN",
            "due": "2024-06-30",
            "status": "not_started",
            "recurring": False,
        },
        {
            "text": "Auditer les sauvegardes",
            "owner": "*",
            "due": "2023-12-05",
            "status": "blocked",
            "recurring": False,
        },
        {
            "text": "Publier la charte",
            "owner": "MAEC",
            "due": None,
            "status": "not_started",
            "recurring": True,
        },
    ]


@pytest.mark.parametrize(
    ("written", "status", "doubt"),
    [
        ("Réalisé", "done", False),
        ("réalisée", "done", False),
        ("Exécuté", "done", False),
        ("ACHEVE", "done", False),
        ("En cours", "in_progress", False),
        ("Partiellement réalisée", "partial", False),
        ("Non réalisé", "not_started", False),
        ("Non démarrée", "not_started", False),
        ("Pas encore", "not_started", False),
        ("Sans objet", "cancelled", False),
        ("Abandonné", "cancelled", False),
        ("En attente", "blocked", False),
        ("Suspendu", "blocked", False),
        ("Bloquée", "blocked", False),
        ("", "not_started", False),
        ("Vu en séance", "not_started", True),
    ],
)
def test_status_vocabulary(
    written: str, status: str, doubt: bool, structures: list[StructureRef]
) -> None:
    text = (
        "Procès-verbal de la 1re session de la Conférence des DSI\n\nDate : 14/03/2024\n\n"
        "## Actions à mener\n\n| Action | Responsable | Échéance | Statut |\n|---|---|---|---|\n"
        f"| Publier le guide | MEF | 31/03/2024 | {written} |\n"
    )
    (action,) = _parse(text.encode(), "pv.md", structures).actions
    assert (action.status, "status" in action.uncertain) == (status, doubt)


def test_text_encodings_windows_1252_and_utf16_are_read(structures: list[StructureRef]) -> None:
    text = (
        "Procès-verbal de la 2e session de la Conférence des DSI\nDate : 24 juin 2025\n\n"
        "ACTIONS A MENER\n- Former les agents. Responsable : Ministère de la Santé. "
        "Échéance : fin T1 2026.\n"
    )
    for encoding in ("cp1252", "utf-16", "utf-8-sig"):
        (action,) = _parse(text.encode(encoding), "pv.txt", structures).actions
        assert (action.text, action.owner, action.due) == (
            "Former les agents",
            "MS",
            date(2026, 3, 31),
        ), encoding


# --------------------------------------------------------------------------- not minutes


def test_a_document_that_is_not_a_pv_is_refused(structures: list[StructureRef]) -> None:
    letter = "Cotonou, le 3 mars 2025\n\nObjet : demande de congé\n\nMonsieur le Directeur,\n"
    with pytest.raises(UploadError) as error:
        _parse(letter.encode(), "lettre.txt", structures)
    assert str(error.value) == t("minutes.not_minutes", file="lettre.txt")


def test_a_titled_pv_without_sections_is_refused_as_header_only(
    structures: list[StructureRef],
) -> None:
    text = (
        "Procès-verbal de la 2e session de la Conférence des DSI\nDate : 24 juin 2025\n"
        "Action : publier le guide. Responsable : MEF. Échéance : fin T1 2026.\n"
    )
    with pytest.raises(UploadError) as error:
        _parse(text.encode(), "pv.txt", structures)
    assert str(error.value) == t("minutes.header_only", file="pv.txt")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n   \n",
        "# Procès-verbal de la 2e session de la Conférence des DSI\n\n**Date :** 24/06/2025\n",
        "PROCES-VERBAL DE LA 3E SESSION DE LA CONFERENCE DES DSI\n\nI. PARTICIPANTS\n\n"
        "II. ORDRE DU JOUR\n\nIII. ACTIONS A MENER\n",
    ],
    ids=["empty", "blank", "header", "headings-only"],
)
def test_an_empty_or_header_only_file_is_refused_with_its_reason(
    text: str, structures: list[StructureRef]
) -> None:
    with pytest.raises(UploadError) as error:
        _parse(text.encode(), "pv.md", structures)
    assert "pv.md" in str(error.value)


def test_a_file_with_no_date_no_participants_and_no_item_is_not_minutes(
    structures: list[StructureRef],
) -> None:
    text = "Ordre du jour de la réunion de service\n\n1. Budget\n2. Congés\n"
    with pytest.raises(UploadError) as error:
        _parse(text.encode(), "note.txt", structures)
    assert str(error.value) == t("minutes.not_minutes_content", file="note.txt")


def test_a_headerless_item_table_is_skipped_with_a_warning(structures: list[StructureRef]) -> None:
    text = (
        "Procès-verbal de la 2e session de la Conférence des DSI\nDate : 24 juin 2025\n\n"
        "## Participants\n\n- Aïcha DOSSOU, DSI, MEF\n\n"
        "## Actions à mener\n\n| 1 | Raccorder X | MEF | 30/09/2025 |\n| 2 | Faire Y | MS | |\n"
    )
    parsed = _parse(text.encode(), "pv.md", structures)
    assert parsed.actions == []
    assert parsed.warnings == [
        t("minutes.warning.empty_section", section=t("minutes.section.actions")),
        t("minutes.warning.table_skipped", section=t("minutes.section.actions")),
    ]


def test_a_recognised_section_that_yields_nothing_is_named_in_a_warning(
    structures: list[StructureRef],
) -> None:
    text = (
        "Procès-verbal de la 2e session de la Conférence des DSI\nDate : 24 juin 2025\n\n"
        "## Participants\n\n- Aïcha DOSSOU, DSI, MEF\n\n"
        "## Décisions\n\n"
        "## Actions à mener\n\n- Publier le guide. Responsable : MEF. Échéance : fin T1 2026.\n"
    )
    parsed = _parse(text.encode(), "pv.md", structures)
    assert parsed.warnings == [
        t("minutes.warning.empty_section", section=t("minutes.section.decisions"))
    ]


# --------------------------------------------------------------------------- hostile corpus


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _hostile_cases() -> list[tuple[str, bytes, str]]:
    sample = SAMPLES / "pv-cdsi-2025-session3.docx"
    docx_bytes = sample.read_bytes()
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"
    )
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    laughs_docx = _zip({**parts, "word/document.xml": billion_laughs})
    no_content_types = _zip({k: v for k, v in parts.items() if k != "[Content_Types].xml"})
    noise = random.Random(7)
    return [
        ("empty.md", b"", t("upload.empty", file="empty.md")),
        ("blank.txt", b"  \n\n \t\n", t("minutes.not_minutes", file="blank.txt")),
        (
            "random.docx",
            random.Random(20250624).randbytes(6000),
            t("upload.not_text", file="random.docx"),
        ),
        (
            "noise.txt",
            bytes(noise.randrange(1, 32) for _ in range(3000)),
            t("upload.not_text", file="noise.txt"),
        ),
        (
            "bomb.docx",
            _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * 30_000_000}),
            t("upload.zip_bomb", file="bomb.docx"),
        ),
        (
            "truncated.docx",
            docx_bytes[: len(docx_bytes) // 2],
            t("upload.corrupt", file="truncated.docx"),
        ),
        (
            "results.docx",
            _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
            t("upload.wrong_format", file="results.docx"),
        ),
        (
            "pv.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
            t("minutes.pdf", file="pv.pdf"),
        ),
        (
            "pv.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            t("minutes.legacy_word", file="pv.doc"),
        ),
        ("pv.rtf", rb"{\rtf1\ansi Proces-verbal}", t("minutes.unsupported", file="pv.rtf")),
        ("laughs.docx", laughs_docx, t("minutes.not_minutes", file="laughs.docx")),
        ("broken.docx", no_content_types, t("minutes.unreadable_docx", file="broken.docx")),
    ]


@pytest.mark.parametrize(
    ("filename", "data", "message"), [pytest.param(*case, id=case[0]) for case in _hostile_cases()]
)
def test_hostile_files_are_refused_with_a_message_naming_the_file(
    filename: str, data: bytes, message: str, structures: list[StructureRef]
) -> None:
    started = time.perf_counter()
    with pytest.raises(UploadError) as error:
        _parse(data, filename, structures)
    assert str(error.value) == message
    assert f"« {filename} »" in str(error.value)
    assert time.perf_counter() - started < 2


def test_markdown_with_html_and_javascript_links_is_kept_as_plain_text(
    structures: list[StructureRef],
) -> None:
    text = (
        "# Procès-verbal de la 2e session de la Conférence des DSI\n\n"
        "**Date :** 24/06/2025\n\n"
        "<script>document.location='https://evil.example'</script>\n\n"
        "## Actions à mener\n\n"
        "- <script>alert('x')</script> Publier le guide. Responsable : ASIN. "
        "Échéance : 31/12/2025.\n"
        "- Lire [la note](javascript:alert(1)). Responsable : MEF.\n\n"
        '<img src="x" onerror="alert(1)">\n'
        '<a href="javascript:alert(2)">cliquer</a>\n'
    )
    parsed = _parse(text.encode(), "piege.md", structures)
    assert [(a.text, a.owner) for a in parsed.actions] == [
        ("<script>alert('x')</script> Publier le guide", "ASIN"),
        ("Lire [la note](javascript:alert(1))", "MEF"),
    ]
    assert parsed.recommendations == []
    assert '<img src="x" onerror="alert(1)">' in parsed.plain_text
    assert "<script>document.location='https://evil.example'</script>" in parsed.plain_text


def test_huge_hostile_lists_stay_fast(structures: list[StructureRef]) -> None:
    text = (
        "Procès-verbal de la 2e session de la Conférence des DSI\nDate : 24 juin 2025\n"
        + "Absents excusés : "
        + "MEF, Ministère bidon, " * 20_000
        + "\n## Actions\n- X Responsable : "
        + "(" * 200_000
        + "\n"
    )
    started = time.perf_counter()
    parsed = _parse(text.encode(), "long.md", structures)
    assert time.perf_counter() - started < 5
    assert parsed.excused == ["MEF"]
    assert len(parsed.actions) == 1


def _corpus() -> list[Path]:
    found = sorted(CORPUS.glob("*.docx"))
    assert found, f"the foreign corpus {CORPUS} is missing"
    return found


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_foreign_word_documents_never_invent_actions(
    path: Path, structures: list[StructureRef]
) -> None:
    started = time.perf_counter()
    try:
        parsed = _parse(path.read_bytes(), path.name, structures)
    except UploadError as error:
        assert path.name in str(error)
    else:
        assert (parsed.actions, parsed.recommendations) == ([], [])
    assert time.perf_counter() - started < 2


# --------------------------------------------------------------------------- catalogue


def _keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        keys |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return keys


def test_minutes_messages_exist_in_french_and_english() -> None:
    french = tomllib.loads((LOCALES / "fr" / "minutes.toml").read_text("utf-8"))
    english = tomllib.loads((LOCALES / "en" / "minutes.toml").read_text("utf-8"))
    assert _keys(french) == _keys(english)
    assert {"not_minutes", "pdf", "warning.unresolved_structure", "field.owner"} <= _keys(french)
    assert t("minutes.pdf", lang="en", file="a.pdf").startswith("The file “a.pdf”")


# --------------------------------------------------------------------------- other house styles


def test_a_markdown_table_without_outer_pipes_is_read(structures: list[StructureRef]) -> None:
    text = (
        "# Procès-verbal de la 2e session de la Conférence des DSI\n\n**Date :** 24/06/2025\n\n"
        "## Actions à mener\n\n"
        "N° | Mesure | Responsable | Échéance | Statut\n"
        "---|---|---|---|---\n"
        "1 | Publier le guide | MEF | 30/09/2025 | En cours\n"
        "2 | Former les agents | ASIN | fin T4 2025 | Non démarré\n"
    )
    parsed = _parse(text.encode(), "pv.md", structures)
    assert parsed.source_format == "markdown"
    assert [(a.text, a.owner, a.due_json, a.status) for a in parsed.actions] == [
        ("Publier le guide", "MEF", "2025-09-30", "in_progress"),
        ("Former les agents", "ASIN", "2025-12-31", "not_started"),
    ]


def test_owner_and_due_read_from_a_sentence_are_marked_uncertain(
    structures: list[StructureRef],
) -> None:
    text = (
        "PROCES-VERBAL DE LA 3E SESSION DE LA CONFERENCE DES DSI\nDate : 8 octobre 2024\n\n"
        "ACTIONS RETENUES\n\n"
        "Le MEF devra raccorder son parapheur avant le 31 décembre 2024.\n"
        "Publier le guide. Responsable : ASIN. Échéance : 30/11/2024.\n"
    )
    parsed = _parse(text.encode(), "pv.txt", structures)
    inferred, labelled = parsed.actions
    assert (inferred.owner, inferred.due_json) == ("MEF", "2024-12-31")
    assert set(inferred.uncertain) == {"owner", "due"}
    assert (labelled.owner, labelled.due_json, labelled.uncertain) == ("ASIN", "2024-11-30", [])


def test_a_misspelt_or_shortened_structure_is_resolved_and_marked_uncertain(
    structures: list[StructureRef],
) -> None:
    text = (
        "# Procès-verbal de la 1re session de la Conférence des DSI\n\n**Date :** 15/03/2022\n\n"
        "## Participants\n\n"
        "- Romaric HOUNKPE, DSI, Minsitère du Numérique et de la Digitalisation\n"
        "- Patrice KIKI, DSI, Ministère de la Justice\n"
        "- Koffi AGBANGLA, DSI, Ministère de la Santé\n"
    )
    parsed = _parse(text.encode(), "pv.md", structures)
    assert [(p.structure, p.uncertain) for p in parsed.participants] == [
        ("MND", ["structure"]),
        ("MJL", ["structure"]),
        ("MS", []),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Procès-verbal de la conférence " + "session " * 40000,
        "PROCES-VERBAL DE LA 2E SESSION DE LA CONFERENCE\n" + "le " * 80000,
        "PROCES-VERBAL DE LA 2E SESSION DE LA CONFERENCE\n" + "l'an deux mille le " * 20000,
        "# PV de la 2e session de la CDSI\n\nDate : 24/06/2025 " + "-" * 200000,
        "# PV de la 2e session de la CDSI\n\n" + "*a " * 100000,
        "# PV de la 2e session de la CDSI\n\n## Participants\n\n"
        + "".join(f"- Jean DUPONT, DSI, Office {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}\n"
                  for i in range(3000)),
    ],
    ids=["sessions", "articles", "years-in-words", "dashes", "emphasis", "unknown-bodies"],
)
def test_hostile_repetitions_of_the_new_patterns_stay_fast(
    text: str, structures: list[StructureRef]
) -> None:
    started = time.perf_counter()
    try:
        parsed = _parse(text.encode(), "pv.md", structures)
    except UploadError:
        pass
    else:
        assert (parsed.actions, parsed.recommendations) == ([], [])
    assert time.perf_counter() - started < 3


def test_a_header_line_repeating_its_fields_stays_fast(structures: list[StructureRef]) -> None:
    text = (
        "# PV de la 2e session de la CDSI\n\n" + "Date : 24/06/2025 - Lieu : Cotonou - " * 20000
        + "\n\n## Participants\n\n- Aïcha DOSSOU, DSI, MEF\n"
    )
    started = time.perf_counter()
    parsed = _parse(text.encode(), "pv.md", structures)
    assert parsed.date == date(2025, 6, 24)
    assert time.perf_counter() - started < 3
