"""pages/results_settings.py: ASIN opens a quarter's window and sets targets."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from tracker.core.db import reading
from tracker.core.models import AuditEvent, SubmissionWindow

PAGE = "pages/results_settings.py"


def test_admin_opens_a_window_and_it_is_audited(run_page, engine):
    at = run_page(PAGE, "admin")
    assert not at.exception
    opens, closes = date.today(), date.today() + timedelta(days=30)
    _date(at, "settings_opens").set_value(opens)
    _date(at, "settings_closes").set_value(closes)
    at.button[0].click().run()
    assert not at.exception
    with reading(engine) as db:
        window = db.exec(select(SubmissionWindow)).one()
        assert (window.opens_on, window.closes_on) == (opens, closes)
        assert db.exec(select(AuditEvent).where(AuditEvent.object_type == "SubmissionWindow")
                       ).first() is not None


def test_closing_before_opening_is_refused(run_page, engine):
    at = run_page(PAGE, "admin")
    _date(at, "settings_opens").set_value(date.today())
    _date(at, "settings_closes").set_value(date.today() - timedelta(days=1))
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "La date de clôture précède la date d'ouverture."]
    with reading(engine) as db:
        assert db.exec(select(SubmissionWindow)).first() is None


@pytest.mark.parametrize("login", ["dsi-ms", "direction"])
def test_others_cannot_change_windows(run_page, login):
    at = run_page(PAGE, login)
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]


def _date(at, prefix):
    # The window's inputs carry the version on screen in their key.
    return next(w for w in at.date_input if w.key and w.key.startswith(prefix))
