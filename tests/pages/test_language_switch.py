"""The language switch keeps what the user chose: Streamlit remembers a picker's choice by its
worded label (« 1er trimestre 2026 »), which the other language does not offer, so a switch used
to put every such picker back to its default (the current quarter, « Tous »)."""

from __future__ import annotations

import pytest

from tracker.core.i18n import set_language


def _sent(widget) -> str | None:
    """The worded choice the run sent to the browser for the picker to show (None: the browser
    keeps showing the label it had, which may be French)."""
    return widget.proto.raw_value if widget.proto.set_value else None


@pytest.fixture(autouse=True)
def _french_after():
    # AppTest words the pickers' states in this thread's language (below): French again after.
    yield
    set_language("fr")


def _switch_language(at, lang: str):
    # AppTest sends back each picker's label worded by its format_func in this thread: in the
    # language the page was drawn in, as the browser does.
    set_language(at.session_state["lang"] if "lang" in at.session_state else "fr")
    at.session_state["lang"] = lang  # what the sidebar's switch sets before the page runs again
    at.run()
    set_language(lang)
    assert not at.exception
    return at


def test_the_quarter_chosen_on_windows_and_targets_survives_the_language_switch(run_page):
    at = run_page("pages/results_settings.py", "admin")
    box = at.selectbox(key="settings_quarter")
    assert box.index != 3
    box.select_index(3).run()
    picked = at.selectbox(key="settings_quarter").value

    _switch_language(at, "en")

    assert at.title[0].value == "Windows and targets"
    assert at.selectbox(key="settings_quarter").value == picked
    box = at.selectbox(key="settings_quarter")
    assert _sent(box) == box.options[3]
    _switch_language(at, "fr")
    box = at.selectbox(key="settings_quarter")
    assert box.value == picked and _sent(box) == box.options[3]


@pytest.mark.parametrize(("page", "login", "key"), [
    ("pages/validation.py", "admin", "validation_quarter"),
    ("pages/results_entry.py", "dsi-ms", "entry_quarter"),
    ("pages/actions.py", "admin", "actions_status"),
])
def test_every_worded_quarter_or_status_survives_the_language_switch(run_page, page, login, key):
    at = run_page(page, login)
    box = at.selectbox(key=key)
    other = 2 if box.index != 2 else 1
    box.select_index(other).run()
    picked = at.selectbox(key=key).value

    _switch_language(at, "en")

    assert at.selectbox(key=key).value == picked
    box = at.selectbox(key=key)
    assert _sent(box) == box.options[other]  # the box shows it, worded in English


@pytest.mark.parametrize(("page", "key", "value"), [
    ("pages/actions.py", "actions_kind", "recommendation"),
])
def test_a_worded_radio_survives_the_language_switch(run_page, page, key, value):
    at = run_page(page, "admin")
    at.radio(key=key).set_value(value).run()

    _switch_language(at, "en")

    assert at.radio(key=key).value == value
    radio = at.radio(key=key)
    assert _sent(radio) == radio.options[1]  # shown, worded in English


def _switch_only() -> None:
    from tracker import ui
    from tracker.ui.base import language_switch

    ui.apply_language()
    language_switch(ui.current_actor())


def test_the_language_chosen_is_kept_on_the_account(app_env, login_apptest, engine, seeded):
    """A reload (or the next sign-in) starts from the account's language: the switch keeps the
    choice there (the reload itself is run in Chromium by tests/e2e/test_crawl.py)."""
    from sqlmodel import Session
    from streamlit.testing.v1 import AppTest

    from tracker.core.models import User

    at = AppTest.from_function(_switch_only, default_timeout=30)
    login_apptest(at, "dsi-ms")
    at.run()
    at.radio(key="app_language").set_value("en").run()

    assert not at.exception
    assert at.session_state["lang"] == "en"
    with Session(engine) as db:
        assert db.get(User, seeded.users["dsi-ms"]).language == "en"
