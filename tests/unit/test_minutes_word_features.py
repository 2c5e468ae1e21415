"""Word minutes are read as Word shows them with changes accepted: one test per Word feature,
on documents built here with python-docx plus the raw XML that python-docx cannot write."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from tracker.core.refdata import StructureRef, load_structures_csv
from tracker.minutes.model import ParsedMinutes
from tracker.minutes.parser import parse_minutes

W = nsdecls("w")


@pytest.fixture(scope="module")
def structures() -> list[StructureRef]:
    return load_structures_csv()


def _pv(body: DocumentObject | None = None) -> DocumentObject:
    doc = body or Document()
    doc.add_heading("Procès-verbal de la 2e session ordinaire de la Conférence des DSI "
                    "(18e conférence)", level=0)
    doc.add_paragraph("Date : 24/06/2025")
    doc.add_paragraph("Lieu : Cotonou")
    doc.add_heading("Participants", level=1)
    doc.add_paragraph("Aïcha DOSSOU, DSI, MEF", style="List Bullet")
    doc.add_heading("Actions à mener", level=1)
    return doc


def _parse(doc: DocumentObject, structures: list[StructureRef]) -> ParsedMinutes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return parse_minutes(buffer.getvalue(), "pv.docx", structures)


def _action_table(doc: DocumentObject, owner_xml: str, status_xml: str = "") -> None:
    table = doc.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Action", "Responsable", "Échéance", "Statut"],
                          strict=True):
        cell.text = text
    row = table.rows[1].cells
    row[0].text = "Publier le guide de sécurité"
    row[2].text = "30/09/2025"
    row[1].paragraphs[0]._p.append(parse_xml(owner_xml))
    if status_xml:
        row[3].paragraphs[0]._p.append(parse_xml(status_xml))


def test_an_owner_inserted_with_track_changes_counts(structures: list[StructureRef]) -> None:
    doc = _pv()
    inserted = (f'<w:ins {W} w:id="1" w:author="DSI" w:date="2025-06-25T10:00:00Z">'
                "<w:r><w:t>MEF</w:t></w:r></w:ins>")
    _action_table(doc, inserted)
    parsed = _parse(doc, structures)
    assert [(a.text, a.owner) for a in parsed.actions] == [("Publier le guide de sécurité", "MEF")]
    assert "owner" not in parsed.actions[0].uncertain


def test_text_deleted_with_track_changes_does_not_count(structures: list[StructureRef]) -> None:
    doc = _pv()
    owner = (f"<w:r {W}><w:t>ASIN</w:t></w:r>")
    status = (f'<w:del {W} w:id="2" w:author="DSI" w:date="2025-06-25T10:00:00Z">'
              "<w:r><w:delText>Réalisée</w:delText></w:r></w:del>")
    _action_table(doc, owner, status)
    paragraph = doc.add_paragraph()
    paragraph._p.append(parse_xml(
        f'<w:del {W} w:id="3" w:author="DSI" w:date="2025-06-25T10:00:00Z"><w:r>'
        "<w:delText>Supprimer le portail. Responsable : MS.</w:delText></w:r></w:del>"))
    parsed = _parse(doc, structures)
    assert [(a.text, a.owner, a.status) for a in parsed.actions] == [
        ("Publier le guide de sécurité", "ASIN", "not_started")
    ]
    assert "Supprimer" not in parsed.plain_text


def test_a_tracked_row_insertion_and_deletion(structures: list[StructureRef]) -> None:
    doc = _pv()
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Action", "Responsable", "Échéance"],
                          strict=True):
        cell.text = text
    for mark, text, owner in (("ins", "Ajouter X", "MS"), ("del", "Retirer Y", "MND")):
        row = table.add_row()
        row.cells[0].text, row.cells[1].text, row.cells[2].text = text, owner, "31/12/2025"
        row._tr.insert(0, parse_xml(f'<w:trPr {W}><w:{mark} w:id="9" w:author="A" '
                                    'w:date="2025-06-25T10:00:00Z"/></w:trPr>'))
    parsed = _parse(doc, structures)
    assert [(a.text, a.owner) for a in parsed.actions] == [("Ajouter X", "MS")]


def test_text_in_content_controls_counts_and_placeholders_do_not(
    structures: list[StructureRef],
) -> None:
    doc = _pv()
    control = (f"<w:sdt {W}><w:sdtPr><w:tag w:val=\"responsable\"/></w:sdtPr>"
               "<w:sdtContent><w:r><w:t>MEF</w:t></w:r></w:sdtContent></w:sdt>")
    _action_table(doc, control)
    placeholder = doc.add_paragraph()
    placeholder._p.append(parse_xml(
        f"<w:sdt {W}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>"
        "Cliquez ici. Responsable : MS. Échéance : 31/12/2025.</w:t></w:r></w:sdtContent></w:sdt>"))
    # A block-level control (a template's whole paragraph) is read too.
    doc.element.body.append(parse_xml(
        f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Former les agents. Responsable : "
        "ASIN. Échéance : fin T4 2025.</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    parsed = _parse(doc, structures)
    assert [(a.text, a.owner) for a in parsed.actions] == [
        ("Publier le guide de sécurité", "MEF"),
        ("Former les agents", "ASIN"),
    ]


def test_fields_show_their_result_not_their_code(structures: list[StructureRef]) -> None:
    doc = Document()
    doc.add_heading("Procès-verbal de la 2e session ordinaire de la Conférence des DSI", level=0)
    date = doc.add_paragraph("Date : ")
    date._p.append(parse_xml(
        f'<w:fldSimple {W} w:instr="DATE"><w:r><w:t>24/06/2025</w:t></w:r></w:fldSimple>'))
    number = doc.add_paragraph("Numéro : ")
    for xml in ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r><w:instrText xml:space="preserve"> DOCPROPERTY numero 01/02/2020 '
                "</w:instrText></w:r>",
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
                "<w:r><w:t>18e conférence</w:t></w:r>",
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>'):
        number._p.append(parse_xml(xml.replace("<w:r>", f"<w:r {W}>", 1)))
    _pv(doc)
    doc.add_paragraph("Publier le guide. Responsable : MEF. Échéance : 30/09/2025.",
                      style="List Bullet")
    parsed = _parse(doc, structures)
    assert (parsed.date.isoformat() if parsed.date else None, parsed.number) == ("2025-06-24", 18)
    assert "DOCPROPERTY" not in parsed.plain_text


def test_a_text_box_is_read_once(structures: list[StructureRef]) -> None:
    doc = _pv()
    box = ("<w:txbxContent><w:p><w:r><w:t>Former les agents. Responsable : SBIN. "
           "Échéance : 31/10/2025.</w:t></w:r></w:p></w:txbxContent>")
    doc.element.body.append(parse_xml(
        f'<w:p {W} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><w:r><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"))
    parsed = _parse(doc, structures)
    assert [(a.text, a.owner) for a in parsed.actions] == [("Former les agents", "SBIN")]


def test_page_header_and_footer_are_read(structures: list[StructureRef]) -> None:
    doc = Document()
    doc.sections[0].header.paragraphs[0].text = (
        "Procès-verbal de la 3e session ordinaire de la Conférence des DSI (16e conférence)"
    )
    doc.sections[0].footer.paragraphs[0].text = "Fait à Cotonou, le 1er octobre 2024"
    doc.add_heading("Participants", level=1)
    doc.add_paragraph("Patrice KIKI, DSI, MJL", style="List Bullet")
    parsed = _parse(doc, structures)
    assert (parsed.number, parsed.rank_in_year) == (16, 3)
    assert parsed.date is not None and parsed.date.isoformat() == "2024-10-01"
    assert "date" in parsed.uncertain  # read from the closing formula, to be confirmed


def test_numbered_list_paragraphs_are_agenda_items(structures: list[StructureRef]) -> None:
    doc = _pv()
    doc.add_paragraph("Publier le guide. Responsable : MEF. Échéance : 30/09/2025.",
                      style="List Bullet")
    doc.add_heading("Ordre du jour", level=1)
    for item in ("Adoption de l'ordre du jour", "Suivi des recommandations"):
        paragraph = doc.add_paragraph(item)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'))
    parsed = _parse(doc, structures)
    assert parsed.agenda == ["Adoption de l'ordre du jour", "Suivi des recommandations"]
