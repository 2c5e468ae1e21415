"""Issue 3 in Chromium: a DSI enters, fixes and submits the quarter; ASIN returns it with a
comment; the DSI corrects and resubmits; ASIN validates; the tracking matrix says so."""

import re
from datetime import date

from journey import (
    cell,
    give_reasons,
    grid_row_of,
    open_menu,
    pick,
    sign_in,
    sign_out,
    type_in_cell,
    wait_until_idle,
)
from playwright.sync_api import expect
from sqlmodel import select

from tracker.accounts.auth import actor_from_user
from tracker.core.db import make_engine, reading
from tracker.core.formats import quarter_label
from tracker.core.models import Structure, Submission, User
from tracker.core.periods import reporting_quarter
from tracker.results import entry as results

VALUE_COLUMN = results.ENTRY_COLUMNS.index("value")  # column_order of the entry grid


# --- the journey ---------------------------------------------------------------------------


def _state(engine, structure_id: int, year: int, quarter: int) -> Submission:
    with reading(engine) as db:
        submission = results.get_submission(db, structure_id, year, quarter)
    assert submission is not None
    return submission


def _values(engine, actor_login: str, structure_id: int, year: int, quarter: int) -> dict:
    """The entry sheet as the DSI sees it: code → value text."""
    with reading(engine) as db:
        user = db.exec(select(User).where(User.login == actor_login)).one()
        sheet = results.entry_sheet(db, actor_from_user(db, user), structure_id, year, quarter,
                                    date.today())
    return dict(zip(sheet.frame["code"], sheet.frame["value"], strict=True))


def test_dsi_submits_asin_returns_dsi_resubmits_asin_validates(page, server):
    engine = make_engine(server.database_url)
    with reading(engine) as db:
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
        year, quarter = reporting_quarter(db, date.today())
        dsi = db.exec(select(User).where(User.login == "dsi-ms")).one()
        sheet = results.entry_sheet(db, actor_from_user(db, dsi), ms.id, year, quarter,
                                    date.today())
    assert ms.id is not None
    assert sheet.status == "draft" and sheet.editable  # the demo's draft, window open
    # Two plain counts near the top of the grid (their rows as shown: the frame's order).
    counts = [i for i, (unit, ratio) in enumerate(zip(sheet.frame["unit"], sheet.frame["ratio"],
                                                      strict=True))
              if unit == "nb" and not ratio][:2]
    first, second = counts
    codes = list(sheet.frame["code"])
    before = dict(zip(codes, sheet.frame["value"], strict=True))

    def bumped(code: str, by: int) -> str:
        return str(int((before[code] or "0").replace(" ", "")) + by)

    first_value, second_value = bumped(codes[first], 7), bumped(codes[second], 3)
    period = quarter_label(year, quarter)

    # The DSI: two values, one of them wrong at first.
    sign_in(page, "dsi-ms")
    open_menu(page, "Saisie des résultats", "Saisie des résultats")
    expect(page.get_by_role("heading", name=f"Ministère de la Santé — {period} — statut : "
                                             "brouillon")).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(cell(grid, 0, first)).to_have_text(sheet.frame["label"].iloc[first])
    type_in_cell(page, grid, VALUE_COLUMN, first, "abc")
    type_in_cell(page, grid, VALUE_COLUMN, second, second_value)
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Lignes refusées : rien n'a été enregistré.")).to_be_visible()
    # the table of refused rows (row, column, reason), after the sheet and the ratings
    errors = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=columnheader]", has_text="Colonne"))
    expect(errors.locator("[role=gridcell]").filter(has_text="« abc » n'est pas un nombre")
           ).to_have_count(1)
    expect(errors.locator("[role=gridcell]").filter(has_text=f"{codes[first]} · Valeur")
           ).to_have_count(1)
    assert _values(engine, "dsi-ms", ms.id, year, quarter) == before  # nothing written

    type_in_cell(page, grid, VALUE_COLUMN, first, first_value)
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    # Not exactly 2: the demo stores a percentage beside the numerator and denominator of ratio
    # KPIs, and the first save of its draft clears them too (reported to the lead).
    expect(page.get_by_text(re.compile(r"^Brouillon enregistré \(\d+ valeurs? "
                                       r"modifiées?\)\.$"))).to_be_visible()
    saved = _values(engine, "dsi-ms", ms.id, year, quarter)
    assert (saved[codes[first]], saved[codes[second]]) == (first_value, second_value)
    assert _state(engine, ms.id, year, quarter).status == "draft"

    wait_until_idle(page)
    give_reasons(page, "Donnée non disponible ce trimestre")
    page.get_by_text("Je confirme la soumission").click()
    wait_until_idle(page)
    page.get_by_role("button", name="Soumettre", exact=True).click()
    expect(page.get_by_text("Déclaration soumise à l'ASIN.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("statut : soumise$"))).to_be_visible()
    expect(page.get_by_text("Cette déclaration n'est pas modifiable")).to_be_visible()
    assert _state(engine, ms.id, year, quarter).status == "submitted"

    # ASIN returns it with a comment.
    comment = f"Vérifiez la valeur de {codes[second]} : elle paraît faible."
    sign_out(page)
    sign_in(page, "admin")
    open_menu(page, "Validation", "Validation des déclarations")
    pick(page, "Déclaration à examiner", f"{ms.name_fr} — soumise")
    page.get_by_label("Motif du renvoi (visible par le DSI)").fill(comment)
    page.get_by_role("button", name="Renvoyer avec un commentaire").click()
    expect(page.get_by_text(f"Déclaration de {ms.name_fr} renvoyée au DSI.")).to_be_visible()
    returned = _state(engine, ms.id, year, quarter)
    assert (returned.status, returned.review_comment) == ("returned", comment)

    # The DSI reads the comment, corrects the value and submits again.
    corrected = bumped(codes[second], 30)
    sign_out(page)
    sign_in(page, "dsi-ms")
    open_menu(page, "Saisie des résultats", "Saisie des résultats")
    expect(page.get_by_text(f"Déclaration renvoyée par l'ASIN : {comment}")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("statut : renvoyée$"))).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(cell(grid, VALUE_COLUMN, second)).to_have_text(second_value)
    type_in_cell(page, grid, VALUE_COLUMN, second, corrected)
    give_reasons(page, "Donnée non disponible ce trimestre")
    page.get_by_text("Je confirme la soumission").click()
    wait_until_idle(page)
    page.get_by_role("button", name="Soumettre", exact=True).click()
    expect(page.get_by_text("Déclaration soumise à l'ASIN.")).to_be_visible()
    resubmitted = _state(engine, ms.id, year, quarter)
    assert resubmitted.status == "submitted"
    assert _values(engine, "dsi-ms", ms.id, year, quarter)[codes[second]] == corrected

    # ASIN validates; the tracking matrix shows MS validated for the quarter.
    sign_out(page)
    sign_in(page, "admin")
    open_menu(page, "Validation", "Validation des déclarations")
    pick(page, "Déclaration à examiner", f"{ms.name_fr} — soumise")
    page.get_by_role("button", name="Valider", exact=True).click()
    expect(page.get_by_text(f"Déclaration de {ms.name_fr} validée.")).to_be_visible()
    assert _state(engine, ms.id, year, quarter).status == "validated"

    open_menu(page, "Suivi des soumissions", "Suivi des soumissions")
    matrix = page.get_by_test_id("stDataFrame").first
    headers = matrix.locator("[role=columnheader]")
    expect(headers.filter(has_text=period)).to_have_count(1)
    column = headers.all_inner_texts().index(period)
    row = grid_row_of(page, matrix, ms.name_fr)  # the matrix names its structures
    expect(cell(matrix, column, row)).to_have_text(re.compile(r"validée$"))
    engine.dispose()
