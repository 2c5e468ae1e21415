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
        "1 action(s) de votre structure ont dépassé leur échéance."]


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
    assert not at.subheader


def test_home_in_english_when_the_user_chose_it(run_page):
    at = run_page(PAGE, "dsi-ms", lang="en")

    assert not at.exception
    assert [title.value for title in at.title] == ["Home"]


def test_signed_out_visitor_is_asked_to_sign_in_and_sees_no_figures(run_page):
    at = run_page(PAGE, None)

    assert [w.value for w in at.warning] == ["Votre session a expiré : reconnectez-vous."]
    assert not at.metric
    assert not at.title
