"""pages/validation.py: ASIN reviews a submitted quarter, validates it or returns it."""

from datetime import date

import pytest
from sqlmodel import select

from tracker.core.db import reading, transaction
from tracker.core.models import Structure, Submission
from tracker.results import entry as results
from tracker.results import review

PAGE = "pages/validation.py"


def _submit(engine, seeded, actor, year, quarter, code, login):
    sid = seeded.structures[code]
    with transaction(engine) as db:
        results.save_entries(db, actor(login), sid, year, quarter,
                             [results.EntryRow(1, "ESV_PUB", value="120")], seen_version=None,
                             today=date.today())
    with transaction(engine) as db:
        sub = results.get_submission(db, sid, year, quarter)
        review.submit(db, actor(login), sid, year, quarter, seen_version=sub.version,
                      today=date.today())
    return sid


@pytest.fixture
def submitted(engine, seeded, open_quarter, actor):
    return _submit(engine, seeded, actor, *open_quarter, "MS", "dsi-ms")


def _name(engine, sid):
    with reading(engine) as db:
        return db.get(Structure, sid).name_fr


def _pick(at, engine, sid):
    return at.selectbox(key="validation_pick").set_value(sid)


def _review(at):
    return next(df.value for df in at.dataframe if "flag" in df.value.columns)


def test_admin_validates_a_submitted_quarter(run_page, submitted, engine):
    at = run_page(PAGE, "admin")
    assert not at.exception
    _pick(at, engine, submitted).run()
    shown = _review(at)
    # ESV_PUB holds a value; every other KPI the DSI enters is blank, flagged first.
    assert shown["code"].tolist()[-1] == "ESV_PUB"
    assert set(shown["flag"].iloc[:-1]) == {"non renseigné"}
    assert list(shown.columns[:3]) == ["code", "label", "flag"]
    at.button(key="validation_validate").click().run()
    assert not at.exception
    with reading(engine) as db:
        assert db.exec(select(Submission)).one().status == "validated"
    assert at.success[0].value == (f"Déclaration de {_name(engine, submitted)} validée. "
                                   "Plus aucune déclaration n'attend d'examen pour ce trimestre.")


def test_return_needs_a_comment_and_the_dsi_sees_it(run_page, submitted, engine):
    at = run_page(PAGE, "admin")
    _pick(at, engine, submitted).run()
    at.button(key="validation_return").click().run()
    assert [e.value for e in at.error] == ["Indiquez le motif du renvoi."]
    at.text_area(key="validation_comment").input("ESV_PUB : valeur à justifier").run()
    _pick(at, engine, submitted)
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


def test_the_queue_puts_what_awaits_review_first_with_counts(run_page, engine, seeded,
                                                             open_quarter, actor):
    """Submitted declarations head the queue, the oldest first, with « n à examiner » above;
    the selector names the structures and says their state in words."""
    mef = _submit(engine, seeded, actor, *open_quarter, "MEF", "dsi-mef")
    ms = _submit(engine, seeded, actor, *open_quarter, "MS", "dsi-ms")
    at = run_page(PAGE, "admin")
    assert not at.exception
    assert at.markdown[0].value.startswith("**2 à examiner · ")
    box = at.selectbox(key="validation_pick")
    assert box.value == mef  # submitted first, so reviewed first
    assert box.options[:2] == [f"{_name(engine, mef)} — soumise", f"{_name(engine, ms)} — soumise"]
    assert all(option.endswith("— non commencée") for option in box.options[2:])


def test_after_a_decision_the_next_declaration_opens_and_the_message_comes_first(
        run_page, engine, seeded, open_quarter, actor):
    mef = _submit(engine, seeded, actor, *open_quarter, "MEF", "dsi-mef")
    ms = _submit(engine, seeded, actor, *open_quarter, "MS", "dsi-ms")
    at = run_page(PAGE, "admin")
    at.button(key="validation_validate").click().run()
    assert not at.exception
    assert at.selectbox(key="validation_pick").value == ms
    message = (f"Déclaration de {_name(engine, mef)} validée. "
               f"Déclaration suivante à examiner : {_name(engine, ms)}.")
    assert at.success[0].value == message
    # The message is the first thing under the title, above the quarter and the queue.
    first = list(at.main.children.values())[:2]
    assert [e.type for e in first] == ["title", "success"] and first[1].value == message
    assert at.markdown[0].value.startswith("**1 à examiner · ")
