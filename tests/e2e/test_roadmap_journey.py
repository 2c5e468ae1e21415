"""Issue 6 in Chromium: the secretariat adds an initiative of MS with two milestones; the DSI of
MS records one as done; the pillar's progress on « Avancement » moves accordingly."""

import re
from datetime import date

from journey import open_menu, sign_in, sign_out, wait_until_idle
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from tracker import roadmap
from tracker.db import make_engine, reading
from tracker.formats import format_percent
from tracker.models import Initiative, Milestone, Structure

INITIATIVE = "Télémédecine dans les hôpitaux de zone (parcours e2e)"
MILESTONES = ("Cahier des charges validé", "Premier hôpital raccordé")
# Columns as the accessibility table numbers them: the initiatives editor can only add rows
# (no row markers); the secretariat's milestones editor can delete them (row markers first).
INITIATIVE_COL = {name: i for i, name in enumerate(roadmap.INITIATIVE_COLUMNS)}
ADMIN_MILESTONE_COL = {name: i + 1 for i, name in enumerate(roadmap.MILESTONE_COLUMNS)}
DSI_MILESTONE_COL = {name: i for i, name in enumerate(roadmap.MILESTONE_COLUMNS)}


# --- helpers of this journey -----------------------------------------------------------


def cell(grid: Locator, column: int, row: int) -> Locator:
    """A cell of a data grid, through the grid's accessibility table (the canvas has no DOM):
    columns count from 0, or from 1 when the editor shows row markers (deletable rows)."""
    return grid.locator(f"#glide-cell-{column}-{row}")


def select_cell(page: Page, grid: Locator, column: int, row: int) -> None:
    """Give the grid the keyboard focus with a click on its top-left cell, then walk to the
    cell with the arrow keys (the accessibility table tells where the click landed)."""
    wait_until_idle(page)
    canvas = grid.get_by_test_id("data-grid-canvas")
    canvas.evaluate("e => e.scrollIntoView({block: 'center'})")  # clear of the app's header
    selected = grid.locator("[role=gridcell][aria-selected=true]")
    before = selected.first.get_attribute("id") if selected.count() else None
    markers = 0 if grid.locator("[id^='glide-cell-0-']").count() else 33
    landed = None
    for _ in range(10):  # the grid maps a click with its place before the page scrolled
        page.wait_for_timeout(300)
        box = canvas.bounding_box()
        page.mouse.click(box["x"] + markers + 12, box["y"] + 36 + 17)
        for _ in range(10):
            landed = selected.first.get_attribute("id") if selected.count() else None
            if landed and landed != before:
                break
            page.wait_for_timeout(100)
        if landed and (landed != before or grid.evaluate(
                "g => g.contains(document.activeElement)")):
            break
    start = re.fullmatch(r"glide-cell-(\d+)-(\d+)", landed or "")
    assert start, "the click selected no cell of the grid"
    dx, dy = column - int(start[1]), row - int(start[2])
    for _ in range(abs(dx)):
        page.keyboard.press("ArrowRight" if dx > 0 else "ArrowLeft")
    for _ in range(abs(dy)):
        page.keyboard.press("ArrowDown" if dy > 0 else "ArrowUp")
    expect(cell(grid, column, row)).to_have_attribute("aria-selected", "true")


def type_in_cell(page: Page, grid: Locator, column: int, row: int, text: str) -> None:
    """A text cell: Enter opens the overlay, fill() replaces its text, Enter commits."""
    select_cell(page, grid, column, row)
    page.keyboard.press("Enter")
    editor = page.locator("textarea").first
    expect(editor).to_be_visible()
    editor.fill(text)
    expect(editor).to_have_value(text)
    editor.press("Enter")
    expect(cell(grid, column, row)).to_have_text(text)
    wait_until_idle(page)


def choose_in_cell(page: Page, grid: Locator, column: int, row: int, option: str) -> None:
    """A selectbox cell whose options are their own labels: Enter opens the list, a click
    picks the option."""
    select_cell(page, grid, column, row)
    page.keyboard.press("Enter")
    expect(page.get_by_role("option").first).to_be_visible()
    page.get_by_role("option", name=option, exact=True).click()
    expect(cell(grid, column, row)).to_have_text(option)
    wait_until_idle(page)


def date_in_cell(page: Page, grid: Locator, column: int, row: int, day: date) -> None:
    """A date cell: Enter opens a date input, fill() takes ISO, Enter commits."""
    select_cell(page, grid, column, row)
    page.keyboard.press("Enter")
    editor = page.get_by_test_id("date-picker-cell")
    editor.fill(day.isoformat())
    editor.press("Enter")
    expect(cell(grid, column, row)).to_have_text(day.isoformat())
    wait_until_idle(page)


def add_row(page: Page, grid: Locator) -> None:
    """The editor's "Add row" (its toolbar shows while the pointer is over the grid)."""
    wait_until_idle(page)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    grid.get_by_role("button", name="Add row").click()
    wait_until_idle(page)


def row_with(page: Page, grid: Locator, column: int, text: str) -> int | None:
    """The row whose cell in ``column`` reads ``text`` among the rows drawn (None if absent)."""
    grid.get_by_test_id("data-grid-canvas").evaluate("e => e.scrollIntoView({block: 'center'})")
    drawn = grid.locator(f"[role=gridcell][id^='glide-cell-{column}-']")
    expect(drawn.first).to_be_attached()  # the rows are drawn
    found = drawn.filter(has_text=re.compile(f"^{re.escape(text)}$"))
    if not found.count():
        return None
    return int((found.first.get_attribute("id") or "").rsplit("-", 1)[1])


def open_tab(page: Page, name: str) -> Locator:
    """Click a tab once the page is idle (a click during a rerun can be lost)."""
    wait_until_idle(page)
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_role("tab", name=name, exact=True)).to_have_attribute(
        "aria-selected", "true")
    panel = page.get_by_role("tabpanel", name=name)
    expect(panel).to_be_visible()
    wait_until_idle(page)
    return panel


# --- the journey ---------------------------------------------------------------------------


def _progress(engine, year: int) -> dict[str, str]:
    """The « Avancement » bars as the service computes them: label → text shown."""
    with reading(engine) as db:
        frame = roadmap.progress_frame(roadmap.load_roadmap(db, year, date.today()))
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
        data = roadmap.load_roadmap(db, year, today)
    pillar = roadmap.pillar_label(data.pillars[0])
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
    expect(page.get_by_text("1 ligne(s) enregistrée(s).")).to_be_visible()
    with reading(engine) as db:
        created = db.exec(select(Initiative).where(Initiative.title == INITIATIVE)).one()
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
    assert (created.owner_structure_id, created.pillar_id) == (ms.id, data.pillars[0].id)

    # Open the page afresh before the milestones: the next rerun would remove the success
    # message above the tabs and Streamlit would redraw the editor (scrolled back to its top)
    # in the middle of the edits (reported to the lead with the tab reset).
    open_menu(page, "Feuille de route", "Feuille de route")
    expect(page.get_by_text("1 ligne(s) enregistrée(s).")).to_have_count(0)
    panel = open_tab(page, "Jalons")
    grid = panel.get_by_test_id("stDataFrame")
    for offset, (title, day) in enumerate(zip(MILESTONES, due, strict=True)):
        row = milestones + offset
        add_row(page, grid)
        choose_in_cell(page, grid, ADMIN_MILESTONE_COL["initiative"], row, INITIATIVE)
        type_in_cell(page, grid, ADMIN_MILESTONE_COL["title"], row, title)
        date_in_cell(page, grid, ADMIN_MILESTONE_COL["due_date"], row, day)
    panel.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("2 ligne(s) enregistrée(s).")).to_be_visible()
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
    expect(page.get_by_text("1 ligne(s) enregistrée(s).")).to_be_visible()
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
