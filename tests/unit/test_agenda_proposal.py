"""The proposed agenda on a small data set with one case of each kind, nothing invented when
the data has nothing, the same items from the same data; the reviewed proposal saved through
the agenda service (append, confirmed replacement, nothing written on a refusal)."""

from datetime import date

import pytest
from agenda_scene import ON, build_scene
from sqlmodel import Session, select

from tracker.conference import agenda as session_agenda
from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.errors import TrackerError
from tracker.core.models import (
    AgendaItem,
    Conference,
    Result,
    Target,
)
from tracker.dashboards import agenda_proposal as proposal


@pytest.fixture
def scene(engine, seeded):
    return build_scene(engine, seeded)


def _propose(engine, actor, on=ON):
    with Session(engine) as db:
        return proposal.propose_agenda(db, actor("admin"), on)


def _kinds(items):
    return [item.kind for item in items]


@pytest.mark.postgres
def test_one_item_of_each_kind_with_its_evidence(engine, scene, actor):
    items = _propose(engine, actor)
    by_kind = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)

    assert set(by_kind) == set(proposal.KINDS)
    opening, followup, aob = by_kind["recurring"]
    assert items[0] is opening and items[-1] is aob and items[1] is followup
    assert opening.title == "Ouverture de la session" and aob.title == "Divers"
    assert followup.title == "Suivi des recommandations de la 1re conférence (1re session 2026)"
    assert followup.evidence == \
        "3 recommandations — réalisées : 1, en cours : 1, en retard : 1."
    assert followup.structures == ("MEF",)
    assert followup.counts == (("MEF", 0, 0, 1), ("MS", 1, 1, 0))

    at_risk, flagged = by_kind["targets_at_risk"]
    assert at_risk.title == "Cible 2026 hors d'atteinte : Nouveaux e-services mis en ligne"
    assert at_risk.structures == ("MS",) and at_risk.link == "/trajectories?year=2026&kpi=ESV_NEW"
    assert "T2 2026" in at_risk.evidence and at_risk.rows[0][0] == "MS"
    assert flagged.title == "Points signalés pour la prochaine session (T2 2026)"
    assert flagged.structures == ("MS",) and len(flagged.rows) == 1

    (missing,) = by_kind["missing_declarations"]
    assert missing.title == "Déclarations du T3 2026 manquantes ou en retard"
    states = {row[0]: row[2] for row in missing.rows}
    assert states["MS"] == "Brouillon" or states["MS"].lower().startswith("brouillon")
    assert states["MEF"] == "soumise après la clôture"
    assert "MEF" in missing.structures and "MS" in missing.structures

    (overdue,) = by_kind["overdue_actions"]
    assert overdue.title == "Actions en retard (2)"
    assert overdue.structures == ("MEF", "MS")  # the owner of the oldest item first
    assert [row[1] for row in overdue.rows] == ["Migrer la messagerie",
                                                "Raccorder le DPI à X-Road"]
    assert "01/08/2026 (MEF)" in overdue.evidence
    assert overdue.link == "/actions?kind=action&overdue=1"

    (escalated,) = by_kind["escalated_actions"]
    assert escalated.structures == ("MEF",) and escalated.rows[0][1] == "Budget du cloud"
    assert escalated.rows[0][3] == "Crédits non ouverts"

    (slipped,) = by_kind["slipped_milestones"]
    assert [row[0] for row in slipped.rows] == ["Pilote à Cotonou", "Déploiement national"]
    assert slipped.rows[1][3:] == ("15/10/2026", "28/02/2027", "replanifié plus tard")
    assert slipped.rows[0][5] == "échéance dépassée"
    assert slipped.structures == ("MS",)
    assert "15/06/2026" in slipped.evidence


def test_the_same_data_gives_the_same_proposal(engine, scene, actor):
    first = [item.as_dict() for item in _propose(engine, actor)]
    second = [item.as_dict() for item in _propose(engine, actor)]

    assert first == second
    assert set(first[0]) == {"kind", "title", "evidence", "structures", "link"}


@pytest.mark.postgres
def test_nothing_is_invented_when_the_data_has_nothing(engine, seeded, actor):
    items = _propose(engine, actor)

    assert [(item.kind, item.title) for item in items] == [
        ("recurring", "Ouverture de la session"), ("recurring", "Divers")]


def test_the_date_decides_what_was_known(engine, scene, actor):
    # on 15/08/2026 the window of T3 had not closed, only MEF's action was overdue, nothing
    # was escalated yet, and the 1st session (15/06) is the previous one
    items = _propose(engine, actor, date(2026, 8, 15))
    kinds = _kinds(items)

    assert "missing_declarations" not in kinds and "escalated_actions" not in kinds
    overdue = next(i for i in items if i.kind == "overdue_actions")
    assert overdue.structures == ("MEF",)
    assert "slipped_milestones" not in kinds  # nothing moved or passed between 15/06 and 15/08


def test_without_forecasts_the_structures_far_from_target_are_proposed(engine, seeded, actor):
    with transaction(engine) as db:
        kpi = repo.get_kpi_by_code(db, "ESV_DEMAT")
        for code, num in (("MS", 2), ("MEF", 9)):
            db.add(Result(structure_id=seeded.structures[code], kpi_id=kpi.id, year=2026,
                          quarter=3, numerator=num, denominator=10, status="validated"))
        db.add(Target(kpi_id=kpi.id, year=2026, value=60))

    items = _propose(engine, actor)
    far = [i for i in items if i.kind == "targets_at_risk"]

    assert len(far) == 1
    assert far[0].title.startswith("Loin de la cible au T3 2026 : ")
    assert far[0].structures == ("MS",)


# --- saving the reviewed proposal -------------------------------------------------------------


def _agenda(engine, conference_id):
    with Session(engine) as db:
        return [(a.position, a.title) for a in db.exec(
            select(AgendaItem).where(AgendaItem.conference_id == conference_id)
            .order_by(AgendaItem.position)).all()]


def _save(engine, actor, conference_id, kept, *, login="admin", **options):
    with transaction(engine) as db:
        versions = session_agenda.agenda_frame(db, conference_id)["version"].to_dict()
        return session_agenda.save_proposed_agenda(db, actor(login), conference_id, kept,
                                                   versions, **options)


def test_kept_items_are_appended_in_the_order_typed(engine, scene, actor):
    planned = scene["planned"]
    _save(engine, actor, planned, [(1, "Ouverture", "")])

    written = _save(engine, actor, planned, [(3, "Divers", ""), (1, "Actions en retard", "x"),
                                             (2, "Jalons décalés", "")])

    assert written == 3
    assert _agenda(engine, planned) == [(1, "Ouverture"), (2, "Actions en retard"),
                                        (3, "Jalons décalés"), (4, "Divers")]


def test_replacing_needs_a_confirmation_and_then_replaces(engine, scene, actor):
    planned = scene["planned"]
    _save(engine, actor, planned, [(1, "Ancien point", "")])

    with pytest.raises(TrackerError, match="Confirmez le remplacement"):
        _save(engine, actor, planned, [(1, "Nouveau", "")], replace=True)
    assert _agenda(engine, planned) == [(1, "Ancien point")]

    _save(engine, actor, planned, [(1, "Nouveau", "")], replace=True, confirmed=True)
    assert _agenda(engine, planned) == [(1, "Nouveau")]


@pytest.mark.parametrize(("kept", "message"), [
    ([], "Aucun point n'est retenu"),
    ([(0, "Ouverture", "")], "un nombre entier positif"),
    ([(1, "Ouverture", ""), ("deux", "Divers", "")], "un nombre entier positif"),
    ([(1, "", "")], "intitulé du point est obligatoire"),
])
def test_bad_input_is_refused_and_nothing_written(engine, scene, actor, kept, message):
    with pytest.raises(TrackerError, match=message):
        _save(engine, actor, scene["planned"], kept)
    assert _agenda(engine, scene["planned"]) == []


def test_only_the_secretariat_saves_and_not_a_closed_session(engine, scene, actor):
    with pytest.raises(TrackerError):
        _save(engine, actor, scene["planned"], [(1, "Point", "")], login="direction")
    with transaction(engine) as db:
        db.get(Conference, scene["held"]).status = "closed"
    with pytest.raises(TrackerError):
        _save(engine, actor, scene["held"], [(1, "Point", "")])
    assert _agenda(engine, scene["planned"]) == [] and _agenda(engine, scene["held"]) == []
