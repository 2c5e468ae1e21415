"""Issue 6 in Chromium: the secretariat adds an initiative of MS with two milestones; the DSI of
MS records one as done; the pillar's progress on « Avancement » moves accordingly."""

from datetime import date

from journey import (
    add_row,
    cell,
    choose_in_cell,
    date_in_cell,
    open_menu,
    open_tab,
    row_with,
    sign_in,
    sign_out,
    type_in_cell,
)
from playwright.sync_api import Page, expect
from sqlmodel import select

from tracker.core.db import make_engine, reading
from tracker.core.formats import format_percent
from tracker.core.models import Initiative, Milestone, Structure
from tracker.roadmap import rules, views

INITIATIVE = "Télémédecine dans les hôpitaux de zone (parcours e2e)"
MILESTONES = ("Cahier des charges validé", "Premier hôpital raccordé")
# Columns as the accessibility table numbers them: the initiatives editor can only add rows
# (no row markers); the secretariat's milestones editor can delete them (row markers first).
INITIATIVE_COL = {name: i for i, name in enumerate(rules.INITIATIVE_COLUMNS)}
ADMIN_MILESTONE_COL = {name: i + 1 for i, name in enumerate(rules.MILESTONE_COLUMNS)}
DSI_MILESTONE_COL = {name: i for i, name in enumerate(rules.MILESTONE_COLUMNS)}


# --- helpers of this journey -----------------------------------------------------------


def _progress(engine, year: int) -> dict[str, str]:
    """The « Avancement » bars as the service computes them: label → text shown."""
    with reading(engine) as db:
        frame = views.progress_frame(views.load_roadmap(db, year, date.today()))
    return {label: format_percent(value, 1) if value == value and value is not None
            else "sans jalon" for label, value in zip(frame["label"], frame["progress"],
                                                       strict=True)}


def shown_progress(page: Page, engine, year: int) -> dict[str, str]:
    """The « Avancement » tab's bars (the whole roadmap, then each pillar), read off the
    chart: label (from the service, in the same order) → the text drawn beside the bar."""
    panel = open_tab(page, "Avancement")
    labels = list(_progress(engine, year))
    texts = panel.locator(".js-plotly-plot .bartext")
    expect(texts).to_have_count(len(labels))
    return dict(zip(labels, texts.all_text_contents(), strict=True))


def test_secretariat_adds_an_initiative_dsi_reaches_a_milestone_pillar_progress_moves(
        page, server):
    engine = make_engine(server.database_url)
    today = date.today()
    year = today.year
    with reading(engine) as db:
        data = views.load_roadmap(db, year, today)
    pillar = rules.pillar_label(data.pillars[0])
    initiatives, milestones = len(data.facts), len(list(data.milestone_rows()))
    due = (date(year, 12, 30), date(year, 12, 31))

    # The secretariat: the initiative, then its two milestones.
    sign_in(page, "admin")
    open_menu(page, "Feuille de route", "Feuille de route")
    start = shown_progress(page, engine, year)
    assert start == _progress(engine, year)

    panel = open_tab(page, "Initiatives")
    grid = panel.get_by_test_id("stDataFrame")
    add_row(page, grid)
    choose_in_cell(page, grid, INITIATIVE_COL["pillar"], initiatives, pillar)
    type_in_cell(page, grid, INITIATIVE_COL["title"], initiatives, INITIATIVE)
    choose_in_cell(page, grid, INITIATIVE_COL["owner"], initiatives, "MS")
    panel.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("1 ligne enregistrée.")).to_be_visible()
    with reading(engine) as db:
        created = db.exec(select(Initiative).where(Initiative.title == INITIATIVE)).one()
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
    assert (created.owner_structure_id, created.pillar_id) == (ms.id, data.pillars[0].id)

    # Open the page afresh before the milestones: the next rerun would remove the success
    # message above the tabs and Streamlit would redraw the editor (scrolled back to its top)
    # in the middle of the edits (reported to the lead with the tab reset).
    open_menu(page, "Feuille de route", "Feuille de route")
    expect(page.get_by_text("1 ligne enregistrée.")).to_have_count(0)
    panel = open_tab(page, "Jalons")
    grid = panel.get_by_test_id("stDataFrame")
    for offset, (title, day) in enumerate(zip(MILESTONES, due, strict=True)):
        row = milestones + offset
        add_row(page, grid)
        choose_in_cell(page, grid, ADMIN_MILESTONE_COL["initiative"], row, INITIATIVE)
        type_in_cell(page, grid, ADMIN_MILESTONE_COL["title"], row, title)
        date_in_cell(page, grid, ADMIN_MILESTONE_COL["due_date"], row, day)
    panel.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("2 lignes enregistrées.")).to_be_visible()
    with reading(engine) as db:
        stored = db.exec(select(Milestone).where(Milestone.initiative_id == created.id)).all()
    assert sorted((m.title, m.due_date, m.done_on) for m in stored) == [
        (MILESTONES[0], due[0], None), (MILESTONES[1], due[1], None)]

    # Two milestones, none reached: the initiative counts at 0 % in its pillar.
    before = shown_progress(page, engine, year)
    assert before == _progress(engine, year)

    # The DSI of MS records the first milestone as reached today.
    sign_out(page)
    sign_in(page, "dsi-ms")
    open_menu(page, "Feuille de route", "Feuille de route")
    panel = open_tab(page, "Jalons")
    expect(panel.get_by_text("Vous pouvez renseigner la date d'atteinte des jalons")
           ).to_be_visible()
    grid = panel.get_by_test_id("stDataFrame")
    row = row_with(page, grid, DSI_MILESTONE_COL["title"], MILESTONES[0])
    assert row is not None, "the DSI does not see the new milestone"
    expect(cell(grid, DSI_MILESTONE_COL["initiative"], row)).to_have_text(INITIATIVE)
    date_in_cell(page, grid, DSI_MILESTONE_COL["done_on"], row, today)
    panel.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("1 ligne enregistrée.")).to_be_visible()
    with reading(engine) as db:
        done = db.exec(select(Milestone).where(Milestone.initiative_id == created.id,
                                               Milestone.title == MILESTONES[0])).one()
    assert done.done_on == today

    after = shown_progress(page, engine, year)
    assert after == _progress(engine, year)
    assert after[pillar] != before[pillar], "the pillar's progress did not move"
    number = float(after[pillar].split("\u202f")[0].replace(",", "."))
    assert number > float(before[pillar].split("\u202f")[0].replace(",", "."))
    engine.dispose()
