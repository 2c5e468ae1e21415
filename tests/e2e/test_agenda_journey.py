"""Issue 19 in Chromium: the secretariat proposes the agenda of the next (planned) session,
removes one item, saves, and downloads the session's pre-read brief."""

import io
import re
from pathlib import Path

from journey import open_menu, open_tab, pick, select_cell, sign_in, wait_until_idle
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlmodel import col, select

from tracker.conference import sessions as conferences
from tracker.core.db import make_engine, reading
from tracker.core.models import AgendaItem, Conference

KEEP, TITLE = 0, 2  # columns of the review table (no row markers: rows are fixed)


def test_admin_proposes_the_agenda_removes_an_item_saves_and_downloads_the_brief(page: Page,
                                                                                 server):
    engine = make_engine(server.database_url)
    with reading(engine) as db:
        planned = db.exec(select(Conference).where(Conference.status == "planned")
                          .order_by(col(Conference.number).desc())).first()
        assert planned is not None and planned.session_date is not None
        label = conferences.conference_label(planned)
        before = [a.title for a in db.exec(select(AgendaItem).where(
            AgendaItem.conference_id == planned.id)).all()]

    sign_in(page, "admin")
    open_menu(page, "Conférences", "Sessions de la conférence")
    pick(page, "Session", label)
    panel = open_tab(page, "Ordre du jour")
    panel.get_by_role("button", name="Proposer l'ordre du jour").click()
    wait_until_idle(page)
    grid = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=columnheader]", has_text="Retenir"))
    expect(grid).to_be_visible()
    titles = grid.locator(f"[role=gridcell][id^='glide-cell-{TITLE}-']")
    expect(titles.first).to_be_attached()
    overdue = titles.filter(has_text=re.compile(r"^Actions? en retard \(\d+\)$"))
    assert overdue.count() == 1, "the demo data has overdue actions: the proposal lists them"
    dropped = overdue.first.inner_text()
    row = int((overdue.first.get_attribute("id") or "").rsplit("-", 1)[1])
    shown = titles.count()

    select_cell(page, grid, KEEP, row)
    page.keyboard.press("Enter")  # untick « Retenir » (the grid's text layer keeps "true")
    wait_until_idle(page)
    with reading(engine) as db:  # nothing written before « Enregistrer »
        assert len(db.exec(select(AgendaItem).where(
            AgendaItem.conference_id == planned.id)).all()) == len(before)

    page.get_by_role("button", name="Enregistrer l'ordre du jour").click()
    expect(page.get_by_text(re.compile(r"^Ordre du jour enregistré \(\d+ points\)\.$"))) \
        .to_be_visible()
    with reading(engine) as db:
        after = [a.title for a in db.exec(select(AgendaItem).where(
            AgendaItem.conference_id == planned.id).order_by(col(AgendaItem.position))).all()]
    added = after[len(before):]
    assert after[:len(before)] == before  # appended after the agenda already there
    assert len(added) == shown - 1 and dropped not in added
    assert added[0] == "Ouverture de la session" and added[-1] == "Divers"

    panel = open_tab(page, "Ordre du jour")
    with page.expect_download(timeout=120_000) as download:
        panel.get_by_role("button", name="Télécharger la note de préparation (PDF)").click()
    assert download.value.suggested_filename == \
        f"note-preparation-cdsi-{planned.session_date.isoformat()}-fr.pdf"
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert len(pdf.pages) <= 10
    assert "Ordre du jour proposé" in text and "Suivi des recommandations" in text
    assert added[2][:30] in text.replace("\n", " ")
    assert dropped not in text  # the item dropped has no page in the brief
