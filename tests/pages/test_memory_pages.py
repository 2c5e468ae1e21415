"""The conference's memory on screen: « Effet des recommandations », the PV check before
confirming (with its offer to link a reworded open item), and the milestones' slippage on
« Revue de session »."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tracker.accounts.auth import load_actor
from tracker.conference import kpi_links, sessions
from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    Initiative,
    Milestone,
    Pillar,
    Recommendation,
    Result,
)

EFFECTS = "pages/effects.py"
MINUTES = "pages/minutes.py"
REVIEW = "pages/roadmap_review.py"
MD = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "pv-cdsi-2025-session2.md"


@pytest.fixture
def effect_data(engine, seeded):
    """A recommendation of the 17e session (10/04/2025) to MS and MEF tied to ESV_PUB; MS did it;
    validated values of T1 and T3 2025."""
    s = seeded.structures
    with transaction(engine) as session:
        conference = Conference(number=17, year=2025, rank_in_year=1,
                                session_date=date(2025, 4, 10), status="closed")
        session.add(conference)
        session.flush()
        recos = [Recommendation(conference_id=conference.id, number="R1", group_ref="S17-R1",
                                text="Publier davantage d'e-services", owner_structure_id=s[c],
                                status=status) for c, status in (("MS", "done"),
                                                                 ("MEF", "in_progress"))]
        session.add_all(recos)
        kpi = repo.get_kpi_by_code(session, "ESV_PUB")
        for code, quarter, value in (("MS", 1, 4), ("MS", 3, 10), ("MEF", 1, 6), ("MEF", 3, 7)):
            session.add(Result(structure_id=s[code], kpi_id=kpi.id, year=2025, quarter=quarter,
                               value=value, status="validated"))
        session.flush()
        kpi_links.set_kpi_links(session, load_actor(session, seeded.users["admin"]),
                                "recommendation", recos[0].id, ["ESV_PUB"])
    return seeded


def test_the_effect_view_says_there_is_nothing_to_show_before_any_link(run_page, seeded):
    at = run_page(EFFECTS, "observateur")
    assert not at.exception
    assert at.info[0].value.startswith("Aucune recommandation n'est encore liée à un indicateur")


def test_the_effect_view_shows_the_groups_averages_and_the_caution(run_page, effect_data):
    at = run_page(EFFECTS, "dsi-mef")
    assert not at.exception
    assert at.selectbox(key="effects_reco").value is not None
    assert at.selectbox(key="effects_kpi").value == "ESV_PUB"
    assert "Adoptée à la 17e conférence (1re session 2025), le 10/04/2025" in \
        at.caption[1].value
    assert any(m.value == "Structures l'ayant mise en œuvre : MS" for m in at.markdown)
    assert at.warning[0].value.startswith("À lire avec prudence : c'est une observation, pas "
                                          "la preuve d'un effet.")
    table = at.dataframe[0].value
    assert table["Structures"].tolist() == ["Ont mis en œuvre la recommandation",
                                            "Autres structures"]
    assert table["Moyenne avant"].tolist() == ["4", "6"]
    assert table["Moyenne après"].tolist() == ["10", "7"]
    assert table["Après : effectifs"].tolist() == ["1 structure, 1 valeur"] * 2
    assert len(at.get("plotly_chart")) == 1


@pytest.fixture
def open_item(engine, seeded):
    """An open action of MEF decided at the 17e session (10/03/2025)."""
    with transaction(engine) as session:
        conference = Conference(number=17, year=2025, rank_in_year=1,
                                session_date=date(2025, 3, 10), status="held")
        session.add(conference)
        session.flush()
        action = ActionItem(conference_id=conference.id, number="A4",
                            title="Transmettre à l'ASIN le rapport des tests du bac à sable "
                                  "de la PKI",
                            owner_structure_id=seeded.structures["MEF"])
        session.add(action)
        session.flush()
        return action.id


def test_the_pv_check_warns_and_offers_to_link_an_open_item_instead_of_a_duplicate(
        run_page, engine, open_item):
    at = run_page(MINUTES, "admin")
    at.file_uploader[0].set_value((MD.name, MD.read_bytes(), "text/markdown"))
    at.run()
    at.button(key="minutes_analyse").click().run()
    assert not at.exception
    texts = [element.value for element in at.text]
    assert any(t.startswith("• Actions, A5 : ressemble à un élément encore ouvert, "
                            "17e conférence (1re session 2025) — A4") for t in texts), texts
    assert "• Décisions, D1 : aucun indicateur visé." in texts
    assert any(w.value.endswith("remarques à examiner avant de confirmer (elles n'empêchent "
                                "pas la confirmation).") for w in at.warning)
    offer = at.checkbox(key="minutes_link_actions_5_0")
    assert offer.label.startswith("Lier à l'élément existant plutôt que créer un doublon : A5")
    offer.check().run()
    at.button(key="minutes_confirm").click().run()
    assert not at.exception
    with Session(engine) as session:
        titles = [a.title for a in session.exec(select(ActionItem)).all()]
        carried = session.exec(select(AuditEvent).where(
            AuditEvent.action == "carry_over")).one()
    assert "Transmettre à l'ASIN le rapport des tests du bac à sable de la PKI" in titles
    assert "Transmettre le rapport de tests du bac à sable PKI" not in titles  # not duplicated
    assert "Migrer les applications de santé vers le centre de données national" in titles
    assert carried.object_id == open_item


@pytest.fixture
def replanned(engine, seeded):
    """A milestone re-planned at each of three closings, then once more before the fourth."""
    with transaction(engine) as session:
        admin = load_actor(session, seeded.users["admin"])
        pillar = Pillar(year=2026, position=1, title_fr="Services")
        session.add(pillar)
        session.flush()
        initiative = Initiative(pillar_id=pillar.id, title="Portail national")
        session.add(initiative)
        session.flush()
        milestone = Milestone(initiative_id=initiative.id, title="Mise en ligne",
                              due_date=date(2026, 3, 31))
        session.add(milestone)
        session.flush()
        for n, due in ((1, date(2026, 5, 31)), (2, date(2026, 7, 31)), (3, date(2026, 9, 30)),
                       (4, None)):
            conference = Conference(number=n, year=2026, rank_in_year=n,
                                    session_date=date(2026, 2 * n, 10), status="held")
            session.add(conference)
            session.flush()
            if due is not None:
                sessions.set_status(session, admin, conference.id, conference.version,
                                    "closed")
                milestone.due_date = due
                session.add(milestone)
                session.flush()
        return conference.id


def test_the_session_review_flags_a_milestone_replanned_three_times(run_page, replanned):
    at = run_page(REVIEW, "direction", roadmap_review_session=replanned)
    assert not at.exception
    assert "Glissement des jalons depuis l'instantané précédent" in [s.value
                                                                     for s in at.subheader]
    assert any(w.value == "Jalons replanifiés trois fois ou plus : 1" for w in at.warning)
    frame = at.dataframe[-1].value
    row = frame.iloc[0]
    assert row["Jalon"] == "Mise en ligne — Portail national"
    assert (row["Glissement (jours)"], row["Replanifications"]) == (61, 3)
    assert row["Signal"] == "⚠ replanifié 3 fois ou plus"
