"""Follow-up items tied to KPIs: the proposal from the text, the audited links (on the review of a
PV and in the follow-up table), the PV check and its duplicate detection."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.conference import actions, kpi_links, minutes
from tracker.conference.kpi_links import (
    KpiName,
    NewItem,
    OpenItem,
    propose_kpis,
    pv_warnings,
    similar_open_items,
)
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, ValidationFailed
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    Decision,
    FollowupKpi,
    Kpi,
    Recommendation,
)
from tracker.core.tables import RowChange

CATALOGUE = [
    KpiName(1, "XRD_SS", "Serveurs de sécurité X-Road en production"),
    KpiName(2, "ESV_SATIS", "Taux de satisfaction des usagers"),
    KpiName(3, "ESV_PUB", "Nombre d'e-services en production"),
    KpiName(4, "SEC_RSSI", "Structures ayant désigné un RSSI"),
]
MD = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "pv-cdsi-2025-session2.md"


# --- the proposal from the text (pure) ----------------------------------------------------


def test_a_code_in_the_text_proposes_its_kpi_whatever_the_case():
    assert propose_kpis("Suivre l'indicateur xrd_ss chaque trimestre", CATALOGUE) == ["XRD_SS"]
    assert propose_kpis("Porter ESV_PUB à 12 (cf. ESV_PUB)", CATALOGUE) == ["ESV_PUB"]


def test_a_code_inside_another_word_proposes_nothing():
    assert propose_kpis("Le dossier XRD_SS2 est en cours", CATALOGUE) == []


def test_a_name_proposes_its_kpi_without_accents_nor_capitals():
    text = "Améliorer le TAUX DE SATISFACTION des usagers des e-services"
    assert propose_kpis(text, CATALOGUE) == ["ESV_SATIS"]


def test_every_content_word_of_a_long_name_in_another_order_proposes_it():
    text = "Mettre en production un serveur de sécurité pour X-Road dans chaque ministère"
    assert propose_kpis(text, CATALOGUE) == ["XRD_SS"]


def test_two_kpis_named_come_in_catalogue_order_and_unrelated_text_proposes_none():
    text = "Désigner un RSSI (SEC_RSSI) et suivre le taux de satisfaction des usagers"
    assert propose_kpis(text, CATALOGUE) == ["ESV_SATIS", "SEC_RSSI"]
    assert propose_kpis("Organiser la prochaine session à Parakou", CATALOGUE) == []


# --- duplicate detection (pure) -----------------------------------------------------------

EARLIER = OpenItem("action", 7, "18e conférence — A3",
                   "Installer le serveur de sécurité X-Road du MEF en production avant juin", 2)


def new(text, owner):
    return NewItem("actions", 1, "A1", text, owner)


def test_the_same_item_reworded_for_the_same_owner_is_flagged():
    reworded = new("Le MEF doit mettre en production son serveur de sécurité X-Road", 2)
    assert similar_open_items([reworded], [EARLIER]) == {("actions", 1): EARLIER}


def test_the_same_text_for_another_owner_is_not_flagged():
    other = new("Installer le serveur de sécurité X-Road du MEF en production avant juin", 3)
    assert similar_open_items([other], [EARLIER]) == {}


def test_an_unrelated_item_of_the_same_owner_is_not_flagged():
    unrelated = new("Former les agents du MEF à la signature électronique", 2)
    assert similar_open_items([unrelated], [EARLIER]) == {}


def test_an_item_without_owner_is_never_a_duplicate():
    assert similar_open_items([new(EARLIER.text, None)], [EARLIER]) == {}


def test_the_check_names_what_each_row_lacks_then_the_duplicates():
    rows = [
        {"table": "recommendations", "position": 1, "number": "R1", "owner": "MS",
         "due": True, "due_kind": "", "kpis": ["XRD_SS"]},
        {"table": "actions", "position": 1, "number": "A1", "owner": "", "due": False,
         "due_kind": "", "kpis": []},
        {"table": "actions", "position": 2, "number": "A2", "owner": "MEF", "due": False,
         "due_kind": "next_session", "kpis": ["ESV_PUB"]},
        {"table": "decisions", "position": 1, "number": "D1", "kpis": []},
    ]
    warnings = pv_warnings(rows, {("actions", 2): EARLIER})
    assert [(w.number, w.problem) for w in warnings] == [
        ("A1", "no_owner"), ("A1", "no_due"), ("A1", "no_kpi"), ("A2", "duplicate"),
        ("D1", "no_kpi")]
    assert warnings[0].message == "Actions, A1 : pas de responsable."
    assert warnings[3].message.startswith(
        "Actions, A2 : ressemble à un élément encore ouvert, 18e conférence — A3")


# --- links in the database ----------------------------------------------------------------


@pytest.fixture
def items(engine, seeded):
    """A closed 17e session (2025-03-10) with an open action of MEF and a recommendation of MS."""
    with transaction(engine) as session:
        conference = Conference(number=17, year=2025, rank_in_year=1,
                                session_date=date(2025, 3, 10), status="held")
        session.add(conference)
        session.flush()
        action = ActionItem(conference_id=conference.id, number="A1",
                            title="Publier les services de l'état civil sur X-Road",
                            owner_structure_id=seeded.structures["MEF"],
                            due_date=date(2025, 6, 30))
        reco = Recommendation(conference_id=conference.id, number="R1",
                              text="Désigner un RSSI", owner_structure_id=seeded.structures["MS"],
                              due_date=date(2025, 6, 30))
        session.add_all([action, reco])
        session.flush()
        return {"conference": conference.id, "action": action.id, "recommendation": reco.id}


def links(engine, kind, object_id):
    with reading(engine) as session:
        return kpi_links.links_by_object(session, kind).get(object_id, [])


@pytest.mark.postgres
def test_the_secretariat_links_and_unlinks_kpis_and_each_change_is_audited(engine, items,
                                                                           actor):
    with transaction(engine) as session:
        assert kpi_links.set_kpi_links(session, actor("admin"), "action", items["action"],
                                       ["XRD_SVC_PUB", "XRD_SS"]) == 2
    assert sorted(links(engine, "action", items["action"])) == ["XRD_SS", "XRD_SVC_PUB"]
    with transaction(engine) as session:
        assert kpi_links.set_kpi_links(session, actor("admin"), "action", items["action"],
                                       ["XRD_SS"]) == 1
    assert links(engine, "action", items["action"]) == ["XRD_SS"]
    with reading(engine) as session:
        events = session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "ActionItem", AuditEvent.object_id == items["action"])
            .order_by(AuditEvent.id)).all()
    assert [(e.action, e.old_value, e.new_value, e.user_login) for e in events] == [
        ("link_kpi", None, "XRD_SS", "admin"), ("link_kpi", None, "XRD_SVC_PUB", "admin"),
        ("unlink_kpi", "XRD_SVC_PUB", None, "admin")]


@pytest.mark.postgres
def test_a_dsi_only_reads_and_an_unknown_kpi_is_refused_with_nothing_written(engine, items,
                                                                             actor):
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        kpi_links.set_kpi_links(session, actor("dsi-mef"), "action", items["action"],
                                ["XRD_SS"])
    with transaction(engine) as session, pytest.raises(ValidationFailed) as refused:
        kpi_links.set_kpi_links(session, actor("admin"), "action", items["action"],
                                ["XRD_SS", "NOPE_1"])
    assert str(refused.value) == ("Indicateur inconnu : NOPE_1. Choisissez un indicateur du "
                                  "référentiel.")
    with reading(engine) as session:
        assert session.exec(select(FollowupKpi)).all() == []


def followup(engine, actor_, kind):
    with reading(engine) as session:
        return actions.followup_frame(session, actor_, kind, actions.Filters(), date(2025, 5, 1))


@pytest.mark.postgres
def test_the_follow_up_table_edits_the_kpis_column_for_the_secretariat(engine, items, actor):
    admin = actor("admin")
    frame = followup(engine, admin, actions.RECOMMENDATION)
    assert frame.loc[items["recommendation"], "kpis"] == []
    version = int(frame.loc[items["recommendation"], "version"])
    change = RowChange(1, items["recommendation"], {"kpis": ["SEC_RSSI"]})
    with transaction(engine) as session:
        assert actions.save_followup(session, admin, actions.RECOMMENDATION, [change],
                                     {items["recommendation"]: version}) == 1
    frame = followup(engine, admin, actions.RECOMMENDATION)
    assert frame.loc[items["recommendation"], "kpis"] == ["SEC_RSSI"]
    shown = actions.display_frame(frame)
    assert shown["Indicateurs visés"].tolist() == ["SEC_RSSI"]
    # An unknown code is refused with its row and column, nothing written.
    bad = RowChange(1, items["recommendation"], {"kpis": ["SEC_RSSI", "XYZ"]})
    with transaction(engine) as session, pytest.raises(ValidationFailed) as refused:
        actions.save_followup(session, admin, actions.RECOMMENDATION, [bad],
                              {items["recommendation"]: version})
    assert refused.value.errors[0].column == "Indicateurs visés"
    assert links(engine, "recommendation", items["recommendation"]) == ["SEC_RSSI"]


@pytest.mark.postgres
def test_a_dsi_cannot_change_the_kpis_of_their_own_action(engine, items, actor):
    dsi = actor("dsi-mef")
    assert "kpis" not in actions.editable_columns(dsi, actions.ACTION)
    frame = followup(engine, dsi, actions.ACTION)
    change = RowChange(1, items["action"], {"kpis": ["XRD_SS"]})
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        actions.save_followup(session, dsi, actions.ACTION, [change],
                              {items["action"]: int(frame.loc[items["action"], "version"])})
    assert links(engine, "action", items["action"]) == []


# --- the PV review --------------------------------------------------------------------------


def parse(engine):
    with reading(engine) as session:
        return minutes.parse_upload(session, MD.read_bytes(), MD.name)


def review(engine, parsed):
    with reading(engine) as session:
        return minutes.review_frames(parsed, kpi_links.kpi_names(session))


def confirm(engine, who, parsed, frames, carry_over=None):
    with transaction(engine) as session:
        return minutes.confirm_minutes(
            session, who, minutes.session_input(parsed, parsed.date), frames,
            data=MD.read_bytes(), filename=MD.name, source_format=parsed.source_format,
            plain_text=parsed.plain_text, carry_over=carry_over)


@pytest.mark.postgres
def test_the_review_proposes_kpis_and_the_confirmation_saves_the_chosen_ones(engine, items,
                                                                              actor):
    parsed = parse(engine)
    frames = review(engine, parsed)
    proposed = frames["actions"]["kpis"].tolist()
    texts = frames["actions"]["text"].tolist()
    with reading(engine) as session:
        catalogue = kpi_links.kpi_names(session)
    assert proposed == [propose_kpis(text, catalogue) for text in texts]
    with reading(engine) as session:  # the proposal wrote nothing
        assert session.exec(select(FollowupKpi)).all() == []
    frames["actions"].at[0, "kpis"] = ["FRM_AGENTS"]
    frames["decisions"].at[0, "kpis"] = ["GOV_CMSIC", "CDSI_RECO"]
    confirm(engine, actor("admin"), parsed, frames)
    with reading(engine) as session:
        first = session.exec(select(ActionItem).where(ActionItem.number == "A1",
                                                      ActionItem.conference_id
                                                      != items["conference"])).first()
        decision = session.exec(select(Decision).where(Decision.number == "D1")).one()
    assert links(engine, "action", first.id) == ["FRM_AGENTS"]
    assert sorted(links(engine, "decision", decision.id)) == ["CDSI_RECO", "GOV_CMSIC"]


@pytest.mark.postgres
def test_an_unknown_kpi_in_the_review_is_refused_and_nothing_is_written(engine, items, actor):
    parsed = parse(engine)
    frames = review(engine, parsed)
    frames["recommendations"].at[0, "kpis"] = ["INCONNU"]
    with pytest.raises(ValidationFailed) as refused:
        confirm(engine, actor("admin"), parsed, frames)
    error = refused.value.errors[0]
    assert (error.row, error.column) == (1, "Recommandations — Indicateurs visés")
    assert "INCONNU" in error.reason
    with reading(engine) as session:
        assert session.exec(select(Conference)).all()[0].number == 17
        assert len(session.exec(select(Conference)).all()) == 1


@pytest.mark.postgres
def test_the_pv_check_flags_a_rewording_of_an_open_item_and_linking_creates_no_duplicate(
        engine, items, actor, seeded):
    parsed = parse(engine)
    frames = review(engine, parsed)
    frames["actions"].at[4, "text"] = "Le MEF publiera sur X-Road les services de l'état civil"
    frames["actions"].at[4, "owner"] = "MEF"
    with reading(engine) as session:
        warnings = minutes.pv_check(session, frames, parsed.date)
    duplicates = [w for w in warnings if w.problem == "duplicate"]
    assert [(w.table, w.position, w.earlier.id) for w in duplicates] == [
        ("actions", 5, items["action"])]
    assert any(w.problem == "no_kpi" for w in warnings)
    with reading(engine) as session:
        before = len(session.exec(select(ActionItem)).all())
    frames["actions"].at[4, "kpis"] = ["XRD_SVC_PUB"]
    confirm(engine, actor("admin"), parsed, frames,
            carry_over={("actions", 5): ("action", items["action"])})
    with reading(engine) as session:
        rows = session.exec(select(ActionItem)).all()
        carried = session.exec(select(AuditEvent).where(
            AuditEvent.action == "carry_over")).one()
    created = len(rows) - before
    assert not any("état civil" in r.title and r.id != items["action"] for r in rows)
    assert created > 0 and carried.object_id == items["action"]
    assert carried.new_value.startswith("18e conférence")
    assert links(engine, "action", items["action"]) == ["XRD_SVC_PUB"]


def test_kpi_choices_name_each_kpi_by_code_and_name(engine, seeded):
    with reading(engine) as session:
        choices = kpi_links.kpi_choices(session)
        total = len(session.exec(select(Kpi).where(Kpi.active)).all())
    assert choices["XRD_SS"] == "XRD_SS — Serveurs de sécurité X-Road en production"
    assert len(choices) == total


def test_the_journal_tells_a_kpi_link_in_words(engine, items, actor):
    from tracker.accounts import journal

    with transaction(engine) as session:
        kpi_links.set_kpi_links(session, actor("admin"), "action", items["action"], ["XRD_SS"])
    with reading(engine) as session:
        frame = journal.sentences_frame(session, actor("admin"))
    row = frame[frame["what"].str.contains("indicateur")].iloc[0]
    assert row["what"].startswith("a lié à un indicateur l'action « A1 Publier les services")
    assert row["detail"] == "indicateur : XRD_SS"
