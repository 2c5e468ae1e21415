"""The pre-read brief (PDF): at most ten pages, the proposed agenda, one page per item with its
table, the follow-up of the previous session's recommendations; the saved agenda when there is
one; the command line's « agenda propose » and « report brief »."""

import io
import json

import pytest
from agenda_scene import ON, build_scene
from pypdf import PdfReader
from sqlmodel import Session

from tracker import cli
from tracker.conference import agenda as session_agenda
from tracker.core.db import transaction
from tracker.core.errors import PermissionDenied
from tracker.dashboards import agenda_proposal as proposal
from tracker.reports import brief


@pytest.fixture
def scene(engine, seeded):
    return build_scene(engine, seeded)


def _text(data: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


@pytest.mark.postgres
def test_the_brief_has_the_agenda_a_page_per_item_and_the_followup(engine, scene, actor):
    with Session(engine) as db:
        document = brief.brief_pdf(db, actor("admin"), ON)
        items = proposal.propose_agenda(db, actor("admin"), ON)

    pages, texts = _text(document.data)
    assert document.filename == "note-preparation-cdsi-2026-12-10-fr.pdf"
    # cover with the agenda, the follow-up, then one page per item with a table:
    # 2 targets at risk, missing reports, overdue, escalated, slipped milestones
    assert pages == 8 <= brief.MAX_PAGES
    cover = texts[0].replace("\n", " ")
    assert "Note de préparation — 2e conférence (2e session 2026)" in cover
    assert "10 décembre 2026, Cotonou, ASIN" in cover
    for item in items:
        assert item.title[:40] in cover
    followup = texts[1].replace("\n", " ")
    assert "Suivi des recommandations de la session précédente" in followup
    assert "réalisées : 1, en cours : 1, en retard : 1" in followup
    body = [text.replace("\n", " ") for text in texts[2:]]
    assert "Point 3 — Cible 2026 hors d'atteinte" in body[0]
    assert any("Migrer la messagerie" in text and "Raccorder le DPI" in text for text in body)
    assert any("Déploiement national" in text and "28/02/2027" in text for text in body)
    assert any("Crédits non ouverts" in text for text in body)


def test_the_saved_agenda_leads_and_dropped_items_lose_their_page(engine, scene, actor):
    with Session(engine) as db:
        items = proposal.propose_agenda(db, actor("admin"), ON)
    kept = [item for item in items if item.kind != proposal.ESCALATED]
    with transaction(engine) as db:
        session_agenda.save_proposed_agenda(
            db, actor("admin"), scene["planned"],
            [(n, item.title if n != 1 else "Ouverture officielle", brief.review_notes(item))
             for n, item in enumerate(kept, start=1)], {})
    with Session(engine) as db:
        document = brief.brief_pdf(db, actor("admin"), ON)

    pages, texts = _text(document.data)
    whole = " ".join(texts).replace("\n", " ")
    assert pages == 7
    assert "Ouverture officielle" in texts[0] and "Budget du cloud" not in whole


def test_the_brief_in_english_and_for_leadership_only(engine, scene, actor):
    with Session(engine) as db:
        document = brief.brief_pdf(db, actor("direction"), ON, lang="en")
        with pytest.raises(PermissionDenied):
            brief.brief_pdf(db, actor("dsi-ms"), ON)
    _, texts = _text(document.data)
    assert "Proposed agenda" in texts[0] and "Overdue actions (2)" in " ".join(texts)


def test_agenda_propose_prints_the_items_as_json(database_url, scene, capsys):
    code = cli.main(["--database-url", database_url, "agenda", "propose", "--date",
                     ON.isoformat(), "--json"])

    items = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [i["kind"] for i in items] == [
        "recurring", "recurring", "targets_at_risk", "targets_at_risk", "missing_declarations",
        "overdue_actions", "escalated_actions", "slipped_milestones", "recurring"]
    assert items[5]["structures"] == ["MEF", "MS"]
    assert items[5]["link"] == "/actions?kind=action&overdue=1"


def test_report_brief_writes_the_pdf_and_a_bad_date_exits_2(database_url, scene, tmp_path,
                                                           capsys):
    out = tmp_path / "note.pdf"
    assert cli.main(["--database-url", database_url, "report", "brief", "--date",
                     ON.isoformat(), "--out", str(out)]) == 0
    assert PdfReader(out).pages and str(out) in capsys.readouterr().out

    assert cli.main(["--database-url", database_url, "agenda", "propose", "--date",
                     "10/12/2026"]) == 2
    assert "date invalide : « 10/12/2026 »" in capsys.readouterr().err



def test_an_agenda_written_by_hand_keeps_every_proposed_page(engine, scene, actor):
    with transaction(engine) as db:
        session_agenda.save_proposed_agenda(db, actor("admin"), scene["planned"],
                                            [(1, "Point écrit à la main", "")], {})
    with Session(engine) as db:
        document = brief.brief_pdf(db, actor("admin"), ON)

    pages, texts = _text(document.data)
    assert pages == 8
    assert "Point écrit à la main" in texts[0] and "Ouverture de la session" not in texts[0]
    assert texts[2].startswith("Note de préparation") or "Cible 2026 hors d'atteinte" in texts[2]
    assert "Point 3 —" not in " ".join(texts)  # not on the agenda: no number
