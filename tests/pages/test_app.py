"""app.py: the sign-in form when signed out, the role's navigation when signed in.

Logout is covered by the browser journeys (tests/e2e): in AppTest 1.67 a widget of the main
script of an st.navigation app (the sidebar's logout button) does not survive the first rerun.
"""

import pytest

from tracker.core import repository
from tracker.core.db import transaction

APP = "app.py"


def _button(at, label):
    return next(button for button in at.button if button.label == label)


def _sign_in(at, login, password):
    at.text_input(key="login_user").input(login)
    at.text_input(key="login_password").input(password)
    return _button(at, "Se connecter").click().run()


def _menu(at) -> list[str]:
    """The titles of the pages the navigation offers (as st.navigation registered them)."""
    return [page["page_name"] for page in at._registered_pages.values()]


def test_signed_out_visitor_sees_the_login_form(apptest, seeded):
    at = apptest(APP).run()

    assert not at.exception
    assert [field.label for field in at.text_input] == ["Identifiant", "Mot de passe"]
    assert [button.label for button in at.button] == ["Se connecter"]
    assert _menu(at) == ["Connexion"]
    assert not at.dataframe  # no demo accounts on a real installation


def test_demo_installation_lists_the_demo_accounts_on_the_login_page(apptest, engine, seeded):
    with transaction(engine) as db:
        repository.set_setting(db, "demo", "1")

    at = apptest(APP).run()

    assert not at.exception
    accounts = at.table[0].value
    assert list(accounts.index) == ["admin", "direction", "dsi-ms", "dsi-mef", "observateur"]
    assert "**Comptes de démonstration (mot de passe : demo)**" in [m.value for m in at.markdown]


def test_right_password_opens_the_home_page(apptest, seeded):
    at = _sign_in(apptest(APP).run(), "dsi-ms", "demo")

    assert not at.exception
    assert [title.value for title in at.title] == ["Accueil"]
    assert [header.value for header in at.subheader] == ["Ministère de la Santé"]
    assert at.session_state["auth_session_id"] > 0


def test_wrong_password_is_refused_with_the_generic_message(apptest, seeded):
    at = _sign_in(apptest(APP).run(), "dsi-ms", "mauvais")

    assert [error.value for error in at.error] == ["Identifiant ou mot de passe incorrect."]
    assert "auth_session_id" not in at.session_state
    assert [field.label for field in at.text_input] == ["Identifiant", "Mot de passe"]


def test_dsi_navigation_has_no_users_or_journal(apptest, login_apptest):
    at = apptest(APP)
    login_apptest(at, "dsi-ms")
    at.run()

    assert not at.exception
    menu = _menu(at)
    assert menu[0] == "Accueil"
    assert "Référentiels" in menu
    assert "Utilisateurs" not in menu
    assert "Journal" not in menu
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/users.py")


def test_admin_navigation_offers_users_and_journal(apptest, login_apptest):
    at = apptest(APP)
    login_apptest(at, "admin")
    at.run()

    assert {"Accueil", "Référentiels", "Utilisateurs", "Journal"} <= set(_menu(at))
    at.switch_page("pages/users.py").run()
    assert not at.exception
    assert [title.value for title in at.title] == ["Utilisateurs"]
