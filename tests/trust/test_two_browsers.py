"""Issue 14 in Chromium: two people open the same row; the first saves; the second, still on
the older screen, saves too and is refused with « modifiée par … », and the first change
survives. One scenario per editing page, on SQLite; a representative few (conference details,
targets, validation, results entry) on PostgreSQL too, against a server of their own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from browser_fixtures import Server
from journey import (
    cell,
    choose_in_cell,
    open_menu,
    open_tab,
    pick,
    select_cell,
    sign_in,
    type_in_cell,
    wait_until_idle,
)
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from tracker.accounts.auth import actor_from_user
from tracker.conference import actions
from tracker.core.db import make_engine, reading, transaction
from tracker.core.formats import quarter_label
from tracker.core.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Conference,
    Pillar,
    Result,
    Structure,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
    User,
)
from tracker.core.periods import reporting_quarter
from tracker.core.repository import list_kpis
from tracker.results import entry as results
from tracker.results import review
from tracker.results.entry import EntryRow

STALE = "modifiée par"
# The scenarios run on PostgreSQL as well: one server per database, shared by the module.
ON_BOTH_DATABASES = pytest.mark.parametrize("server", ["sqlite", "postgres"], indirect=True,
                                            scope="module")


@dataclass
class Two:
    first: Page
    second: Page


def _pair(browser, app_url: str, login: str) -> tuple[list, Two]:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                    base_url=app_url) for _ in range(2)]
    pages = []
    for context in contexts:
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, login)
        pages.append(page)
    return contexts, Two(*pages)


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Server:
    """This module's app, signed-out page shown: the SQLite one of every browser test, or, for
    the scenarios marked ON_BOTH_DATABASES, the one on a PostgreSQL database of its own."""
    if getattr(request, "param", "sqlite") == "postgres":
        request.getfixturevalue("postgres_app_url")
        return request.getfixturevalue("postgres_server")  # type: ignore[no-any-return]
    request.getfixturevalue("app_url")
    return request.getfixturevalue("sqlite_server")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def admins(browser, server: Server) -> Iterator[Two]:
    """Two browsers (separate profiles) signed in as the secretariat, for the whole module."""
    contexts, pair = _pair(browser, server.url, "admin")
    yield pair
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def dsis(browser, server: Server) -> Iterator[Two]:
    """Two browsers signed in as the DSI of MS (the DSI and a delegate)."""
    contexts, pair = _pair(browser, server.url, "dsi-ms")
    yield pair
    for context in contexts:
        context.close()


@pytest.fixture
def two(admins: Two, server, request: pytest.FixtureRequest) -> Iterator[Two]:
    expect.set_options(timeout=30_000)
    yield admins
    _on_failure(request, server, admins)


def _on_failure(request: pytest.FixtureRequest, server, pair: Two) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        from browser_fixtures import RESULTS

        RESULTS.mkdir(exist_ok=True)
        for name, page in (("first", pair.first), ("second", pair.second)):
            page.screenshot(path=str(RESULTS / f"{request.node.name}-{name}.png"),
                            full_page=True)
        shutil.copyfile(server.log, RESULTS / f"{request.node.name}.streamlit.log")


def both(two: Two, action) -> None:  # type: ignore[no-untyped-def]
    for page in (two.first, two.second):
        action(page)


def saved_form(page: Page, button: str) -> Locator:
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button))


@ON_BOTH_DATABASES
def test_conference_details_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Conférences", "Sessions de la conférence"))
    for page, theme in ((two.first, "Thème de A"), (two.second, "Thème de B")):
        form = saved_form(page, "Enregistrer")
        form.get_by_label("Thème").fill(theme)
    saved_form(two.first, "Enregistrer").get_by_role("button", name="Enregistrer").click()
    expect(two.first.get_by_text("Session enregistrée.")).to_be_visible()

    saved_form(two.second, "Enregistrer").get_by_role("button", name="Enregistrer").click()

    expect(two.second.get_by_text(STALE)).to_be_visible()
    with reading(make_engine(server.database_url)) as db:
        themes = set(db.exec(select(Conference.theme)).all())
    assert "Thème de A" in themes and "Thème de B" not in themes
    # The refused screen now shows the first change.
    wait_until_idle(two.second)
    expect(saved_form(two.second, "Enregistrer").get_by_label("Thème")).to_have_value(
        "Thème de A")


def _grid(panel: Locator) -> Locator:
    return panel.get_by_test_id("stDataFrame").first


def test_agenda_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Conférences", "Sessions de la conférence"))
    panels = [open_tab(page, "Ordre du jour") for page in (two.first, two.second)]
    for page, panel, text in zip((two.first, two.second), panels, ("Note de A", "Note de B"),
                                 strict=True):
        type_in_cell(page, _grid(panel), 4, 0, text)
    panels[0].get_by_role("button", name="Enregistrer").click()
    expect(two.first.get_by_text("Modifications enregistrées.")).to_be_visible()

    panels[1].get_by_role("button", name="Enregistrer").click()

    expect(two.second.get_by_text(STALE)).to_be_visible()
    with reading(make_engine(server.database_url)) as db:
        notes = set(db.exec(select(AgendaItem.notes)).all())
    assert "Note de A" in notes and "Note de B" not in notes


def _engine(server):
    return make_engine(server.database_url)


def type_number(page: Page, grid: Locator, column: int, row: int, text: str) -> None:
    """A number cell: typing on the selected cell opens it with that text; Enter commits."""
    select_cell(page, grid, column, row)
    page.keyboard.press("Enter")
    editor = page.locator("#portal input").first
    expect(editor).to_be_visible()
    editor.fill(text)
    editor.press("Enter")
    expect(cell(grid, column, row)).to_have_text(text)
    wait_until_idle(page)


def _race_in_grid(two: Two, panels: tuple[Locator, Locator], edit, button: str,
                  saved: str) -> None:
    """Both browsers edit the grid drawn before either saves; the first saves, then the
    second, which must be refused."""
    for page, panel, text in ((two.first, panels[0], "A"), (two.second, panels[1], "B")):
        edit(page, _grid(panel), text)
    panels[0].get_by_role("button", name=button, exact=True).click()
    expect(two.first.get_by_text(saved)).to_be_visible()
    panels[1].get_by_role("button", name=button, exact=True).click()
    expect(two.second.get_by_text(STALE)).to_be_visible()


def _main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def test_attendance_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Conférences", "Sessions de la conférence"))
    panels = (open_tab(two.first, "Présence"), open_tab(two.second, "Présence"))

    def attend(page: Page, grid: Locator, who: str) -> None:
        choose_in_cell(page, grid, 2, 0, *(("présente", "present") if who == "A"
                                           else ("excusée", "excused")))
        type_in_cell(page, grid, 3, 0, f"Représentant {who}")

    _race_in_grid(two, panels, attend, "Enregistrer", "Modifications enregistrées.")

    with reading(_engine(server)) as db:
        names = set(db.exec(select(Attendance.representative)).all())
    assert "Représentant A" in names and "Représentant B" not in names


def test_reference_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Référentiels", "Référentiels"))
    panels = (_main(two.first), _main(two.second))

    _race_in_grid(two, (panels[0].get_by_role("tabpanel").first,
                        panels[1].get_by_role("tabpanel").first),
                  lambda page, grid, who: type_in_cell(page, grid, 1, 0, f"Structure {who}"),
                  "Enregistrer", "1 ligne enregistrée.")

    with reading(_engine(server)) as db:
        names = set(db.exec(select(Structure.name_fr)).all())
    assert "Structure A" in names and "Structure B" not in names


def test_users_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Utilisateurs", "Utilisateurs"))

    _race_in_grid(two, (_main(two.first), _main(two.second)),
                  lambda page, grid, who: type_in_cell(page, grid, 1, 1, f"Direction {who}"),
                  "Enregistrer", "1 ligne enregistrée.")

    with reading(_engine(server)) as db:
        names = set(db.exec(select(User.display_name)).all())
    assert "Direction A" in names and "Direction B" not in names


def test_window_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Fenêtres et cibles", "Fenêtres et cibles"))
    for page, year in ((two.first, "2020"), (two.second, "2019")):
        field = saved_form(page, "Enregistrer la fenêtre").get_by_role(
            "spinbutton", name="year, Ouverture")
        field.click()
        page.keyboard.type(year)
        expect(field).to_have_attribute("aria-valuenow", year)
    saved_form(two.first, "Enregistrer la fenêtre").get_by_role(
        "button", name="Enregistrer la fenêtre").click()
    expect(two.first.get_by_text("Fenêtre enregistrée.")).to_be_visible()

    saved_form(two.second, "Enregistrer la fenêtre").get_by_role(
        "button", name="Enregistrer la fenêtre").click()

    expect(two.second.get_by_text(STALE)).to_be_visible()
    with reading(_engine(server)) as db:
        years = {day.year for day in db.exec(select(SubmissionWindow.opens_on)).all()}
    assert 2020 in years and 2019 not in years


@ON_BOTH_DATABASES
def test_targets_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Fenêtres et cibles", "Fenêtres et cibles"))

    _race_in_grid(two, (_main(two.first), _main(two.second)),
                  lambda page, grid, who: type_number(page, grid, 3, 0,
                                                      "111" if who == "A" else "222"),
                  "Enregistrer", "1 ligne enregistrée.")

    with reading(_engine(server)) as db:
        values = set(db.exec(select(Target.value)).all())
    assert 111 in values and 222 not in values


def _submitted(server) -> tuple[Submission, str]:
    with reading(_engine(server)) as db:
        submission = db.exec(select(Submission).where(
            Submission.status == SubmissionStatus.submitted).order_by(
            Submission.year.desc(), Submission.quarter.desc())).first()
        assert submission is not None, "the demo data has a submitted declaration"
        structure = db.get(Structure, submission.structure_id)
        return submission, structure.name_fr


@ON_BOTH_DATABASES
def test_validation_of_a_declaration_changed_since_it_was_displayed_is_refused(two: Two,
                                                                              server):
    submission, name = _submitted(server)
    page = two.first
    open_menu(page, "Validation", "Validation des déclarations")
    pick(page, "Trimestre", quarter_label(submission.year, submission.quarter, long=True))
    pick(page, "Déclaration à examiner", f"{name} — soumise")
    expect(page.get_by_role("button", name="Valider")).to_be_visible()
    # Meanwhile the quarter is reopened, a value set to 999 999 and submitted again.
    engine = _engine(server)
    with reading(engine) as db:
        admin = actor_from_user(db, db.exec(select(User).where(User.login == "admin")).one())
        kpi = next(k.code for k in list_kpis(db, active_only=True)
                   if not k.ratio and k.unit == "count")
    with transaction(engine) as db:
        review.reopen(db, admin, submission.structure_id, submission.year, submission.quarter,
                       seen_version=submission.version)
    with transaction(engine) as db:
        current = results.get_submission(db, submission.structure_id, submission.year,
                                         submission.quarter)
        review.save_and_submit(db, admin, submission.structure_id, submission.year,
                                submission.quarter, [EntryRow(1, kpi, value=999999)],
                                seen_version=current.version, today=date.today())

    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_text(STALE)).to_be_visible()
    with reading(engine) as db:
        assert db.get(Submission, submission.id).status == SubmissionStatus.submitted


@pytest.fixture
def two_dsis(dsis: Two, server, request: pytest.FixtureRequest) -> Iterator[Two]:
    expect.set_options(timeout=30_000)
    yield dsis
    _on_failure(request, server, dsis)


def _count_row(server) -> tuple[int, str]:
    """The first row of MS's entry sheet that takes a plain count, and its KPI code."""
    with reading(_engine(server)) as db:
        dsi = actor_from_user(db, db.exec(select(User).where(User.login == "dsi-ms")).one())
        assert dsi.structure_id is not None
        year, quarter = reporting_quarter(db, date.today())
        sheet = results.entry_sheet(db, dsi, dsi.structure_id, year, quarter, date.today())
        units = {k.code: (k.unit, k.ratio) for k in list_kpis(db)}
    codes = list(sheet.frame["code"])
    row = next(i for i, code in enumerate(codes) if units[code] == ("count", False))
    return row, codes[row]


@ON_BOTH_DATABASES
def test_results_entry_second_save_from_an_older_screen_is_refused(two_dsis: Two, server):
    two = two_dsis
    row, _code = _count_row(server)
    both(two, lambda p: open_menu(p, "Saisie des résultats", "Saisie des résultats"))
    column = results.ENTRY_COLUMNS.index("value")

    _race_in_grid(two, (_main(two.first), _main(two.second)),
                  lambda page, grid, who: type_in_cell(page, grid, column, row,
                                                       "4101" if who == "A" else "4202"),
                  "Enregistrer le brouillon", "Brouillon enregistré")

    with reading(_engine(server)) as db:
        values = set(db.exec(select(Result.value)).all())
    assert 4101 in values and 4202 not in values


# Actions and the roadmap key their editors by a data revision: the screen drawn before the
# click is kept over it (edits pending, a save clicked), so the older screen's save reaches the
# service with the versions it showed and is refused with « modifiée par … », not taken for a
# save of no rows (« 0 ligne enregistrée »).


def test_actions_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Actions", "Suivi des actions et des recommandations"))
    column = actions.COLUMNS[actions.ACTION].index("progress_comment")

    _race_in_grid(two, (_main(two.first), _main(two.second)),
                  lambda page, grid, who: type_in_cell(page, grid, column, 0,
                                                       f"Avancement {who}"),
                  "Enregistrer", "1 ligne enregistrée.")

    expect(two.second.get_by_text("0 ligne enregistrée.")).to_have_count(0)
    with reading(_engine(server)) as db:
        comments = set(db.exec(select(ActionItem.progress_comment)).all())
    assert "Avancement A" in comments and "Avancement B" not in comments


def test_roadmap_second_save_from_an_older_screen_is_refused(two: Two, server):
    both(two, lambda p: open_menu(p, "Feuille de route", "Feuille de route"))
    panels = (open_tab(two.first, "Piliers"), open_tab(two.second, "Piliers"))

    _race_in_grid(two, panels, lambda page, grid, who: type_in_cell(
        page, grid, 2, 0, f"Pillar {who}"), "Enregistrer", "1 ligne enregistrée.")

    expect(two.second.get_by_text("0 ligne enregistrée.")).to_have_count(0)
    with reading(_engine(server)) as db:
        titles = set(db.exec(select(Pillar.title_en)).all())
    assert "Pillar A" in titles and "Pillar B" not in titles
