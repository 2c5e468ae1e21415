"""What every browser journey does: sign in and out, wait for the app, open a page from the
menu, pick an option in a select box, open a tab, and read and edit the cells of a data grid."""

import re
from datetime import date

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout


def wait_until_idle(page: Page) -> None:
    """Let the script run triggered by the last interaction finish.

    The app's own run state is read (``data-test-script-state`` on ``stApp``): the status widget
    (« Running… ») only shows after a delay, so a run can be under way while it is hidden; a
    click then lands on a page about to be redrawn and may be lost. Twice, a short time apart:
    an interaction's run may not have started when the first check is made."""
    app = page.get_by_test_id("stApp")
    for _ in range(2):
        page.wait_for_timeout(250)
        expect(app).to_have_attribute("data-test-script-state", "notRunning")


def sign_in(page: Page, login: str) -> None:
    page.goto("/")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def open_menu(page: Page, title: str, heading: str) -> None:
    """Click a sidebar entry, wait for the page. Every page of the role is in view: a menu
    collapsed behind Streamlit's "View N more" fails here."""
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Accueil", exact=True)).to_be_visible()
    expect(nav.get_by_text(re.compile(r"View \d+ more|View less"))).to_have_count(0)
    nav.get_by_role("link", name=title, exact=True).click()
    wait_until_idle(page)  # the previous page's elements stay, stale, until the run ends
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    wait_until_idle(page)


def pick(page: Page, label: str, option: str) -> None:
    """Choose an option of a selectbox (typed to filter: long lists are virtualised). A rerun
    that redraws the box while its list is open closes the list: the choice is typed again."""
    box = page.get_by_role("combobox", name=label)
    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        box.click()
        box.fill(option)
        try:
            choice.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_until_idle(page)
    choice.click()
    expect(box).to_have_value(option)
    wait_until_idle(page)


# --- data grids (st.data_editor, st.dataframe) -------------------------------------------


def cell(grid: Locator, column: int, row: int) -> Locator:
    """A cell of a data grid, through the grid's accessibility table (the canvas has no DOM):
    columns count from 0, or from 1 when the editor shows row markers (deletable rows)."""
    return grid.locator(f"#glide-cell-{column}-{row}")


def select_cell(page: Page, grid: Locator, column: int, row: int) -> None:
    """Give the grid the keyboard focus with a click on its top-left cell, then walk to the
    cell with the arrow keys (the accessibility table tells where the click landed)."""
    wait_until_idle(page)
    canvas = grid.get_by_test_id("data-grid-canvas")
    # Its top row in view, clear of the app's header (a grid taller than the window, drawn
    # without an inner scroll, would have its top row above the window if centred).
    canvas.evaluate("""e => {
        const tall = e.getBoundingClientRect().height > window.innerHeight - 200;
        e.scrollIntoView({block: tall ? 'start' : 'center'});
        let box = e.parentElement;
        while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
        const top = e.getBoundingClientRect().top;
        if (tall && box && top < 120) box.scrollBy(0, top - 120);
    }""")
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


def choose_in_cell(page: Page, grid: Locator, column: int, row: int, option: str,
                   shown: str | None = None) -> None:
    """A selectbox cell: Enter opens its list, a click picks the option. The cell then reads
    ``shown`` (the accessibility table holds an option's value when it differs from its label),
    else the option itself."""
    select_cell(page, grid, column, row)
    page.keyboard.press("Enter")
    expect(page.get_by_role("option").first).to_be_visible()
    page.get_by_role("option", name=option, exact=True).click()
    expect(cell(grid, column, row)).to_have_text(shown if shown is not None else option)
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


def grid_row_of(page: Page, grid: Locator, first_cell: str) -> int:
    """The row whose first cell reads ``first_cell``, scrolling the grid until it is drawn."""
    canvas = grid.get_by_test_id("data-grid-canvas")
    target = grid.locator("[role=gridcell][id^='glide-cell-0-']").filter(
        has_text=re.compile(f"^{re.escape(first_cell)}$"))
    for _ in range(20):
        if target.count():
            return int((target.first.get_attribute("id") or "").rsplit("-", 1)[1])
        canvas.evaluate("e => e.scrollIntoView({block: 'center'})")
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(300)
    raise AssertionError(f"no row {first_cell!r} in the grid")


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


def give_reasons(page: Page, text: str) -> None:
    """Before submitting: a reason in each row of « Motifs avant soumission » (the KPIs left
    blank or flagged without a comment), when the table is shown."""
    wait_until_idle(page)
    title = page.get_by_text("Motifs avant soumission", exact=True)
    if not title.count():
        return
    grid = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=columnheader]", has_text="Pourquoi"))
    rows = grid.locator("[role=row]").count() - 1
    for row in range(rows):
        type_in_cell(page, grid, 2, row, text)
