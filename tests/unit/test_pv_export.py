"""The PV as Word: the administration's layout, from the stored data."""

import io
from datetime import date

import docx
import pytest

from tracker.conference import pv_export
from tracker.core.db import reading, transaction
from tracker.core.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Conference,
    Decision,
    Recommendation,
)


@pytest.fixture
def closed_session(engine, seeded):
    codes = seeded.structures
    with transaction(engine) as session:
        conference = Conference(number=18, year=2025, rank_in_year=2,
                                session_date=date(2025, 7, 1), place="Cotonou, ASIN",
                                chair="Directeur général de l'ASIN", rapporteur="Chef du ST",
                                theme="Interopérabilité", status="closed")
        session.add(conference)
        session.flush()
        session.add_all([
            AgendaItem(conference_id=conference.id, position=1, title="Adoption de l'ODJ"),
            AgendaItem(conference_id=conference.id, position=2, title="X-Road"),
            Attendance(conference_id=conference.id, structure_id=codes["MEF"], status="present",
                       representative="Aïcha DOSSOU", representative_role="DSI"),
            Attendance(conference_id=conference.id, structure_id=codes["MDN"], status="excused"),
            Decision(conference_id=conference.id, number="D1", text="Le PV est adopté."),
            Recommendation(conference_id=conference.id, number="R1", text="Finaliser la PKI",
                           owner_structure_id=codes["ASIN"], due_date=date(2025, 9, 30)),
            *[ActionItem(conference_id=conference.id, number="A1", title="Point focal PKI",
                         owner_structure_id=codes[c], group_ref="g1", due_kind="next_session")
              for c in ("MS", "MEF")],
            ActionItem(conference_id=conference.id, number="A2", title="Migrer", status="done",
                       owner_structure_id=codes["MS"], due_date=date(2025, 12, 31)),
        ])
    return conference


def test_pv_has_the_administrations_header_sections_and_signatures(engine, closed_session):
    with reading(engine) as session:
        data = pv_export.pv_docx(session, closed_session.id)
    document = docx.Document(io.BytesIO(data))
    text = [p.text for p in document.paragraphs]
    assert text[0] == "RÉPUBLIQUE DU BÉNIN"
    assert ("Procès-verbal de la 2e session ordinaire de la Conférence des DSI au titre de "
            "l'année 2025") in text
    assert "Date : mardi 1er juillet 2025" in text
    assert "Présidence : Directeur général de l'ASIN" in text
    assert "Absents excusés : MDN" in text
    assert [t for t in text if t[:2] in ("1.", "2.", "3.", "4.", "5.")] == [
        "1. Participants", "2. Ordre du jour", "3. Relevé des décisions", "4. Recommandations",
        "5. Actions à mener"]
    assert "Fait à Cotonou, le 1er juillet 2025" in text
    assert not any("PROJET" in t for t in text)
    participants, recos, actions, signatures = document.tables
    assert [c.text for c in participants.rows[1].cells] == ["1", "Aïcha DOSSOU", "DSI", "MEF"]
    assert [c.text for c in recos.rows[1].cells] == ["R1", "Finaliser la PKI", "ASIN",
                                                     "30/09/2025"]
    # The all-ministries action shows once; statuses and due kinds in French.
    assert [[c.text for c in r.cells] for r in actions.rows[1:]] == [
        ["A1", "Point focal PKI", "Tous les ministères", "avant la prochaine session",
         "non démarrée"],
        ["A2", "Migrer", "MS", "31/12/2025", "réalisée"]]
    assert signatures.rows[0].cells[1].text == "Le Président de séance"


def test_pv_of_an_open_session_is_marked_draft(engine, closed_session):
    with transaction(engine) as session:
        session.get(Conference, closed_session.id).status = "held"
    with reading(engine) as session:
        document = docx.Document(io.BytesIO(pv_export.pv_docx(session, closed_session.id)))
    assert "PROJET — session non clôturée" in [p.text for p in document.paragraphs]
