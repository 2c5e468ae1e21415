"""pages/home.py: each role lands on its own home; a DSI sees their structure and its figures."""

from datetime import date, timedelta

import pytest

from tracker.core.db import transaction
from tracker.core.models import ActionItem

PAGE = "pages/home.py"


@pytest.fixture
def actions(engine, seeded):
    """MS: two open actions, one overdue, one done; MEF: three open actions, none overdue."""
    today = date.today()
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as db:
        db.add_all([
            ActionItem(title="Raccorder le DPI à X-Road", owner_structure_id=ms,
                       due_date=today - timedelta(days=10), status="in_progress"),
            ActionItem(title="Former les agents", owner_structure_id=ms,
                       due_date=today + timedelta(days=30)),
            ActionItem(title="Migrer la messagerie", owner_structure_id=ms,
                       due_date=today - timedelta(days=90), status="done"),
            *[ActionItem(title=f"Action MEF {n}", owner_structure_id=mef,
                         due_date=today + timedelta(days=n)) for n in (1, 2, 3)],
        ])


def _metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


@pytest.mark.parametrize("login", ["admin", "direction", "dsi-ms", "dsi-mef", "observateur"])
def test_home_renders_for_every_role(run_page, login):
    at = run_page(PAGE, login)

    assert not at.exception
    assert [title.value for title in at.title] == ["Accueil"]
    assert "Actions ouvertes" in _metrics(at)


def test_dsi_sees_their_structure_and_only_its_figures(run_page, actions):
    at = run_page(PAGE, "dsi-ms")

    assert not at.exception
    assert [header.value for header in at.subheader] == ["Ministère de la Santé"]
    metrics = _metrics(at)
    assert metrics["Actions ouvertes"] == "2"
    assert metrics["Actions en retard"] == "1"
    assert metrics["Déclaration du trimestre"] == "Non commencée"
    assert [w.value for w in at.warning] == [
        "1 action de votre structure a dépassé son échéance."]
    # One click into entry, and one into the overdue actions.
    assert [b.label for b in at.button] == ["Saisir mes résultats", "Voir les actions en retard"]


def test_another_dsi_sees_their_own_structure(run_page, actions):
    at = run_page(PAGE, "dsi-mef")

    assert [header.value for header in at.subheader] == [
        "Ministère d'État chargé de l'Économie et des Finances"]
    assert _metrics(at)["Actions ouvertes"] == "3"
    assert _metrics(at)["Actions en retard"] == "0"
    assert not at.warning


def test_leadership_sees_national_figures(run_page, actions):
    at = run_page(PAGE, "direction")

    metrics = _metrics(at)
    assert metrics["Actions ouvertes"] == "5"
    assert metrics["Actions en retard"] == "1"
    assert "Structures en activité" in metrics
    # Not counts only: which structures have not sent their declaration, and which actions
    # are overdue, with a way to each list.
    headers = [h.value for h in at.subheader]
    assert headers[0].endswith("n'ont pas encore transmis leur déclaration")
    assert headers[1] == "1 action en retard"
    missing = at.dataframe[0].value
    assert "Ministère de la Santé" in set(missing["structure"])
    assert set(missing["status"]) == {"Non commencée"}
    oldest = at.dataframe[2].value
    assert list(oldest["title"]) == ["Raccorder le DPI à X-Road"]
    assert list(oldest["owner"]) == ["Ministère de la Santé"]
    assert [b.label for b in at.button] == ["Suivi des soumissions",
                                            "Voir les actions en retard"]


def test_the_overdue_link_opens_actions_with_the_overdue_filter_set(run_page, actions):
    at = run_page(PAGE, "direction")
    at.button(key="home_overdue").click().run()

    assert at.session_state["actions_overdue"] is True


def test_a_returned_declaration_shows_asins_comment_on_the_dsis_home(run_page, engine, seeded):
    from tracker.core.models import Submission, SubmissionWindow
    from tracker.core.periods import Quarter

    year, quarter = Quarter.of(date.today()).previous().pair
    with transaction(engine) as db:
        db.add(SubmissionWindow(year=year, quarter=quarter, opens_on=date.today() - timedelta(5),
                                closes_on=date.today() + timedelta(10)))
        db.add(Submission(structure_id=seeded.structures["MS"], year=year, quarter=quarter,
                          status="returned", review_comment="ESV_PUB : 3 400 est-il exact ?"))
    at = run_page(PAGE, "dsi-ms")

    assert not at.exception
    assert any("ESV_PUB : 3 400 est-il exact ?" in w.value and "renvoyée" in w.value
               for w in at.warning)
    assert _metrics(at)["Déclaration du trimestre"] == "Renvoyée"
    assert _metrics(at)["Jours avant la clôture"] in ("9 jours", "10 jours")
    assert "Saisir mes résultats" in [b.label for b in at.button]


def test_the_viewer_sees_the_national_home_without_links_to_pages_they_cannot_open(run_page,
                                                                                   actions):
    at = run_page(PAGE, "observateur")

    assert not at.exception
    assert "Suivi des soumissions" not in [b.label for b in at.button]
    assert "Voir les actions en retard" in [b.label for b in at.button]


def test_home_in_english_when_the_user_chose_it(run_page):
    at = run_page(PAGE, "dsi-ms", lang="en")

    assert not at.exception
    assert [title.value for title in at.title] == ["Home"]


def test_signed_out_visitor_is_asked_to_sign_in_and_sees_no_figures(run_page):
    at = run_page(PAGE, None)

    assert [w.value for w in at.warning] == ["Votre session a expiré : reconnectez-vous."]
    assert not at.metric
    assert not at.title
