"""pages/validation.py: ASIN reviews a submitted quarter, validates it or returns it."""

import pytest
from sqlmodel import select

from tracker.core.db import reading, transaction
from tracker.core.models import Submission
from tracker.results import entry as results
from tracker.results import review

PAGE = "pages/validation.py"


@pytest.fixture
def submitted(engine, seeded, open_quarter, actor):
    year, quarter = open_quarter
    ms = seeded.structures["MS"]
    dsi = actor("dsi-ms")
    from datetime import date

    with transaction(engine) as db:
        results.save_entries(db, dsi, ms, year, quarter,
                             [results.EntryRow(1, "ESV_PUB", value="120")], seen_version=None,
                             today=date.today())
    with transaction(engine) as db:
        sub = results.get_submission(db, ms, year, quarter)
        review.submit(db, dsi, ms, year, quarter, seen_version=sub.version, today=date.today())
    return ms


def _pick(at, code):
    box = at.selectbox(key="validation_pick")
    for option in box.options:
        if option.startswith(f"{code} "):
            return box.select(option)
    raise AssertionError(code)


def test_admin_validates_a_submitted_quarter(run_page, submitted, engine):
    at = run_page(PAGE, "admin")
    assert not at.exception
    _pick(at, "MS").run()
    assert any(df.value["code"].tolist() == ["ESV_PUB"] for df in at.dataframe
               if "code" in df.value.columns and len(df.value) == 1)
    at.button(key="validation_validate").click().run()
    assert not at.exception
    with reading(engine) as db:
        assert db.exec(select(Submission)).one().status == "validated"
    assert at.success[0].value == "Déclaration validée."


def test_return_needs_a_comment_and_the_dsi_sees_it(run_page, submitted, engine):
    at = run_page(PAGE, "admin")
    _pick(at, "MS").run()
    at.button(key="validation_return").click().run()
    assert [e.value for e in at.error] == ["Indiquez le motif du renvoi."]
    at.text_area(key="validation_comment").input("ESV_PUB : valeur à justifier").run()
    _pick(at, "MS")
    at.button(key="validation_return").click().run()
    with reading(engine) as db:
        sub = db.exec(select(Submission)).one()
    assert (sub.status, sub.review_comment) == ("returned", "ESV_PUB : valeur à justifier")
    dsi_page = run_page("pages/results_entry.py", "dsi-ms")
    assert any("ESV_PUB : valeur à justifier" in w.value for w in dsi_page.warning)


@pytest.mark.parametrize("login", ["dsi-ms", "direction", "observateur"])
def test_only_the_secretariat_opens_validation(run_page, login, open_quarter):
    at = run_page(PAGE, login)
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]
