"""Roadmap rules: roll-up by hand, computed status and its override, who may edit what, stale
saves, validation, next year's copy (idempotent), the session review, exports and charts."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from sqlmodel import Session, select

from tracker.core.db import transaction
from tracker.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from tracker.core.formats import LOCAL_TZ
from tracker.core.models import (
    AuditEvent,
    Conference,
    Initiative,
    InitiativeKpi,
    InitiativePartner,
    Kpi,
    Milestone,
    Pillar,
    Role,
    Target,
)
from tracker.core.tables import RowChange
from tracker.roadmap import charts as charts_roadmap
from tracker.roadmap import editing, nextyear, queries, rules, views
from tracker.roadmap import review as roadmap_review

YEAR = 2025
TODAY = date(2025, 6, 15)


@pytest.fixture
def rm(engine, seeded, actor):
    """Four pillars of 2025 and four initiatives whose figures are computed by hand below.

    A (pillar 1, MS, weight 2): milestones 1 done, 3 overdue, 1 ahead → 1/5 = 20 %, at risk.
    B (pillar 1, MEF, weight 1): 1 + 1 done → 100 %, done.
    C (pillar 2, MS, weight 1): no milestone → no measured progress, on track.
    D (pillar 2, MEF, weight 3): 2 + 2 ahead → 0 %, on track.
    """
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as session:
        assert editing.create_default_pillars(session, actor("admin"), YEAR) == 4
        p1, p2 = queries.list_pillars(session, YEAR)[:2]
        a = Initiative(pillar_id=p1.id, title="A", owner_structure_id=ms, weight=2.0)
        b = Initiative(pillar_id=p1.id, title="B", owner_structure_id=mef, weight=1.0,
                       end_quarter=2)
        c = Initiative(pillar_id=p2.id, title="C", owner_structure_id=ms, weight=1.0)
        d = Initiative(pillar_id=p2.id, title="D", owner_structure_id=mef, weight=3.0,
                       start_quarter=3)
        session.add_all([a, b, c, d])
        session.flush()
        session.add_all([
            Milestone(initiative_id=a.id, title="a1", due_date=date(2025, 2, 1), weight=1,
                      done_on=date(2025, 1, 30)),
            Milestone(initiative_id=a.id, title="a2", due_date=date(2025, 5, 1), weight=3),
            Milestone(initiative_id=a.id, title="a3", due_date=date(2025, 9, 30), weight=1),
            Milestone(initiative_id=b.id, title="b1", due_date=date(2025, 3, 1), weight=1,
                      done_on=date(2025, 3, 1)),
            Milestone(initiative_id=b.id, title="b2", due_date=date(2025, 4, 1), weight=1,
                      done_on=date(2025, 4, 2)),
            Milestone(initiative_id=d.id, title="d1", due_date=date(2025, 10, 1), weight=2),
            Milestone(initiative_id=d.id, title="d2", due_date=date(2025, 12, 1), weight=2),
            InitiativePartner(initiative_id=a.id, structure_id=seeded.structures["ASIN"]),
        ])
        kpi = session.exec(select(Kpi)).first()
        session.add(InitiativeKpi(initiative_id=a.id, kpi_id=kpi.id))
        session.add(Target(kpi_id=kpi.id, year=YEAR, quarter=0, value=80.0))
    return seeded


def view(engine, login_actor, today=TODAY, year=YEAR):
    with Session(engine) as session:
        return views.roadmap_view(session, login_actor, year, today)


def milestone(engine, title) -> Milestone:
    with Session(engine) as session:
        return session.exec(select(Milestone).where(Milestone.title == title)).one()


def initiative(engine, title, year=YEAR) -> Initiative:
    with Session(engine) as session:
        return session.exec(select(Initiative).join(Pillar).where(
            Initiative.title == title, Pillar.year == year)).one()


def events(engine, object_type, object_id=None):
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.object_type == object_type)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == object_id)
        return session.exec(query).all()


def save_milestones(engine, who, rows, today=TODAY, deleted=()):
    """rows: [(Milestone, {column: value})] as the editor would send them."""
    with transaction(engine) as session:
        return editing.save_milestones(
            session, who, YEAR, [RowChange(i, m.id, v) for i, (m, v) in enumerate(rows, 1)],
            {m.id: m.version for m, _ in rows}, today, deleted=deleted)


def save_initiatives(engine, who, rows, today=TODAY):
    with transaction(engine) as session:
        return editing.save_initiatives(
            session, who, YEAR,
            [RowChange(i, x.id if x else None, v) for i, (x, v) in enumerate(rows, 1)],
            {x.id: x.version for x, _ in rows if x}, today)


# --- roll-up ------------------------------------------------------------------------------


def test_progress_rolls_up_from_weighted_milestones_to_pillars_and_roadmap(engine, rm, actor):
    v = view(engine, actor("admin"))
    by_title = v.initiatives.set_index("title")
    assert by_title.loc["A", "progress"] == 20.0  # 1 / (1 + 3 + 1)
    assert by_title.loc["B", "progress"] == 100.0
    assert pd_isna(by_title.loc["C", "progress"])  # no milestone: missing, not zero
    assert by_title.loc["D", "progress"] == 0.0
    assert by_title.loc["A", "milestones_done"] == "1/3"
    progress = v.progress.set_index("label")["progress"]
    # pillar 1: (2 × 20 + 1 × 100) / (2 + 1); pillar 2: C is not measured, D = 0
    assert progress["1. Accélération des e-services"] == pytest.approx(46.7)
    assert progress["2. Formation des ressources humaines de l'administration"] == 0.0
    assert pd_isna(progress["3. Implication du secteur privé"])
    # the roadmap weighs every measured initiative: (2 × 20 + 1 × 100 + 3 × 0) / (2 + 1 + 3)
    assert progress["Feuille de route 2025"] == pytest.approx(23.3)
    sums = v.progress.set_index("label").loc["Feuille de route 2025"]
    assert (sums["achieved"], sums["total"], sums["measured"]) == (pytest.approx(1.4), 6.0, 3)


def pd_isna(value):
    import pandas as pd

    return pd.isna(value)


def test_zero_weights_count_each_item_once():
    zero = [Milestone(initiative_id=1, title="x", due_date=TODAY, weight=0, done_on=TODAY),
            Milestone(initiative_id=1, title="y", due_date=TODAY, weight=0)]
    assert rules.milestone_share(zero).percent == 50.0
    assert rules.milestone_share([]) is None
    share = rules.weighted_share([(0.0, rules.Share(1, 1)), (0.0, rules.Share(0, 1))])
    assert share.percent == 50.0
    assert rules.weighted_share([(1.0, None)]) is None


# --- status -------------------------------------------------------------------------------


def test_status_is_computed_from_milestones_and_today(engine, rm, actor):
    def statuses(today):
        return view(engine, actor("admin"), today).initiatives.set_index("title")["status"]

    in_june = statuses(TODAY)
    assert (in_june["A"], in_june["B"], in_june["C"], in_june["D"]) == (
        "à risque", "achevée", "dans les temps", "dans les temps")
    in_october = statuses(date(2025, 10, 15))
    assert in_october["A"] == "en retard"  # a2 and a3 are overdue
    assert in_october["D"] == "à risque"  # its next milestone d1 is overdue
    next_year = statuses(date(2026, 1, 10))
    assert next_year["C"] == "en retard"  # its end quarter is over, not done
    assert next_year["B"] == "achevée"


def test_override_needs_a_status_and_a_reason_and_lifting_it_returns_to_computed(
        engine, rm, actor):
    admin = actor("admin")
    a = initiative(engine, "A")
    with pytest.raises(ValidationFailed) as refused:
        save_initiatives(engine, admin, [(a, {"status_override": True,
                                              "override_status": "dans les temps"})])
    assert [(e.row, e.column, e.reason) for e in refused.value.errors] == [
        (1, "Motif du forçage", "Le motif est obligatoire pour forcer un statut.")]
    assert initiative(engine, "A").status_override is False

    save_initiatives(engine, admin, [(a, {"status_override": True,
                                          "override_status": "dans les temps",
                                          "override_reason": "Prestataire recruté hier"})])
    forced = initiative(engine, "A")
    assert (forced.status_override, forced.status) == (True, "on_track")
    assert view(engine, admin).initiatives.set_index("title").loc["A", "status"] == \
        "dans les temps"
    changed = {e.field: e.new_value for e in events(engine, "Initiative", a.id)}
    assert changed["override_reason"] == "Prestataire recruté hier"
    assert changed["status_override"] == "true"

    save_initiatives(engine, admin, [(forced, {"status_override": False})])
    lifted = initiative(engine, "A")
    assert (lifted.status_override, lifted.status, lifted.override_reason) == (
        False, "at_risk", "")
    assert view(engine, admin).initiatives.set_index("title").loc["A", "status"] == "à risque"


def test_marking_the_last_milestone_done_makes_the_initiative_done_and_audits_it(
        engine, rm, actor):
    for title in ("a2", "a3"):
        save_milestones(engine, actor("dsi-ms"), [(milestone(engine, title),
                                                   {"done_on": date(2025, 6, 10)})])
    a = initiative(engine, "A")
    assert a.status == "done"  # the stored snapshot follows
    assert view(engine, actor("admin")).initiatives.set_index("title").loc["A", "progress"] == 100
    status_events = [e for e in events(engine, "Initiative", a.id) if e.field == "status"]
    assert [(e.old_value, e.new_value, e.user_login) for e in status_events] == [
        ("on_track", "done", "dsi-ms")]


# --- permissions --------------------------------------------------------------------------


def test_dsi_records_when_its_own_milestone_was_done(engine, rm, actor):
    a2 = milestone(engine, "a2")
    assert save_milestones(engine, actor("dsi-ms"), [(a2, {"done_on": date(2025, 6, 1)})]) == 1
    after = milestone(engine, "a2")
    assert (after.done_on, after.version) == (date(2025, 6, 1), a2.version + 1)
    logged = [(e.field, e.new_value, e.user_login) for e in events(engine, "Milestone", a2.id)]
    assert logged == [("done_on", "2025-06-01", "dsi-ms")]
    by_title = view(engine, actor("dsi-ms")).initiatives.set_index("title")
    assert by_title.loc["A", "progress"] == 80.0


def test_dsi_of_ms_cannot_touch_mefs_initiative_even_with_a_forged_actor(engine, rm, actor):
    d1 = milestone(engine, "d1")  # MEF's initiative D
    dsi_ms = actor("dsi-ms")
    with pytest.raises(PermissionDenied):
        save_milestones(engine, dsi_ms, [(d1, {"done_on": date(2025, 6, 1)})])
    for forged in (replace(dsi_ms, structure_id=None), replace(dsi_ms, role=Role.viewer),
                   replace(dsi_ms, role=Role.leadership)):
        with pytest.raises(PermissionDenied):
            save_milestones(engine, forged, [(d1, {"done_on": date(2025, 6, 1)})])
    assert milestone(engine, "d1").done_on is None
    assert events(engine, "Milestone") == []


def test_dsi_updates_progress_only_never_the_plan_nor_the_initiative(engine, rm, actor):
    dsi = actor("dsi-ms")
    a2, a = milestone(engine, "a2"), initiative(engine, "A")
    with pytest.raises(PermissionDenied):  # the due date is the plan: the secretariat's
        save_milestones(engine, dsi, [(a2, {"due_date": date(2025, 8, 1)})])
    with pytest.raises(PermissionDenied):
        save_milestones(engine, dsi, [(a2, {"weight": 10})])
    with pytest.raises(PermissionDenied):  # no new milestones
        with transaction(engine) as session:
            editing.save_milestones(session, dsi, YEAR, [RowChange(1, None, {
                "initiative": "A", "title": "nouveau", "due_date": date(2025, 7, 1)})], {},
                TODAY)
    with pytest.raises(PermissionDenied):
        save_milestones(engine, dsi, [], deleted=[a2.id])
    with pytest.raises(PermissionDenied):  # nor the status, nor any initiative field
        save_initiatives(engine, dsi, [(a, {"status_override": True,
                                            "override_status": "achevée",
                                            "override_reason": "fini"})])
    # An unchanged cell sent along with the done date is not a change.
    save_milestones(engine, dsi, [(a2, {"done_on": date(2025, 6, 1), "weight": 3.0,
                                        "due_date": "2025-05-01"})])
    assert milestone(engine, "a2").due_date == date(2025, 5, 1)


def test_readers_cannot_write_anything(engine, rm, actor):
    for login in ("direction", "observateur"):
        who = actor(login)
        with pytest.raises(PermissionDenied):
            save_milestones(engine, who, [(milestone(engine, "a2"),
                                           {"done_on": date(2025, 6, 1)})])
        with pytest.raises(PermissionDenied):
            with transaction(engine) as session:
                editing.create_default_pillars(session, who, 2030)
        with pytest.raises(PermissionDenied):
            with transaction(engine) as session:
                nextyear.copy_to_next_year(session, who, YEAR, TODAY)
        assert view(engine, who).editable_milestones is None


def test_dsi_view_offers_only_its_own_milestones_for_editing(engine, rm, actor):
    v = view(engine, actor("dsi-ms"))
    assert set(v.editable_milestones["initiative"]) == {"A"}
    assert len(v.milestones) == 7  # everything stays readable
    specs = views.milestone_specs(actor("dsi-ms"), v)
    assert [c for c, s in specs.items() if not s.disabled] == ["done_on"]


# --- stale saves and validation -----------------------------------------------------------


def test_stale_save_is_refused_naming_who_and_changes_nothing(engine, rm, actor):
    seen = milestone(engine, "a2")
    save_milestones(engine, actor("admin"), [(seen, {"title": "a2 bis"})])
    with pytest.raises(StaleEdit, match="Secrétariat CDSI"):
        save_milestones(engine, actor("dsi-ms"), [(seen, {"done_on": date(2025, 6, 1)})])
    after = milestone(engine, "a2 bis")
    assert (after.id, after.done_on) == (seen.id, None)
    a = initiative(engine, "A")
    save_initiatives(engine, actor("admin"), [(a, {"weight": 5})])
    with pytest.raises(StaleEdit):
        save_initiatives(engine, actor("admin"), [(a, {"title": "A ancien"})])
    assert initiative(engine, "A").weight == 5


def test_each_bad_row_gets_its_column_and_reason_and_nothing_is_written(engine, rm, actor):
    admin = actor("admin")
    a, b = initiative(engine, "A"), initiative(engine, "B")
    with pytest.raises(ValidationFailed) as refused:
        save_initiatives(engine, admin, [
            (a, {"start_quarter": 3, "end_quarter": 2}),
            (b, {"weight": -1, "owner": "XXX"}),
            (None, {"pillar": "1. Accélération des e-services", "title": "A", "owner": "MS"}),
        ])
    assert [(e.row, e.column, e.reason) for e in refused.value.errors] == [
        (1, "Trimestre de fin", "Le trimestre de fin ne peut pas précéder le trimestre de début."),
        (2, "Responsable", "Structure inconnue : « XXX »."),
        (2, "Poids", "Le poids doit être un nombre positif ou nul."),
        (3, "Intitulé", "Une autre initiative de cette année porte déjà cet intitulé."),
    ]
    with pytest.raises(ValidationFailed) as refused:
        save_milestones(engine, admin, [
            (milestone(engine, "a2"), {"due_date": date(2026, 1, 15)}),
            (milestone(engine, "a3"), {"done_on": TODAY + timedelta(days=1)}),
            (milestone(engine, "d1"), {"weight": "-2"}),
        ])
    assert [(e.row, e.column) for e in refused.value.errors] == [
        (1, "Échéance"), (2, "Atteint le"), (3, "Poids")]
    assert refused.value.errors[0].reason == "L'échéance doit tomber en 2025."
    assert (initiative(engine, "A").end_quarter, milestone(engine, "a2").due_date) == (
        4, date(2025, 5, 1))
    assert events(engine, "Initiative") == [] and events(engine, "Milestone") == []


def test_admin_adds_an_initiative_with_partners_and_kpis_and_a_milestone(engine, rm, actor):
    admin = actor("admin")
    save_initiatives(engine, admin, [(None, {
        "pillar": "3. Implication du secteur privé", "title": "E", "owner": "ASIN",
        "partners": ["MS", "MEF"], "kpis": "", "start_quarter": 2, "end_quarter": 3,
        "weight": None})])
    e = initiative(engine, "E")
    assert (e.start_quarter, e.end_quarter, e.weight, e.status) == (2, 3, 1.0, "on_track")
    with Session(engine) as session:
        partners = session.exec(select(InitiativePartner).where(
            InitiativePartner.initiative_id == e.id)).all()
    assert {p.structure_id for p in partners} == {rm.structures["MS"], rm.structures["MEF"]}
    with transaction(engine) as session:
        editing.save_milestones(session, admin, YEAR, [RowChange(1, None, {
            "initiative": "E", "title": "e1", "due_date": "15/09/2025", "weight": 2})], {},
            TODAY)
    assert milestone(engine, "e1").due_date == date(2025, 9, 15)
    assert {ev.action for ev in events(engine, "Milestone")} == {"create"}


def test_admin_deletes_a_milestone_and_the_deletion_is_audited(engine, rm, actor):
    a3 = milestone(engine, "a3")
    save_milestones(engine, actor("admin"), [(a3, {})], deleted=[a3.id])
    with Session(engine) as session:
        assert session.get(Milestone, a3.id) is None
    assert {e.action for e in events(engine, "Milestone", a3.id)} == {"delete"}
    with pytest.raises(NotFound):
        save_milestones(engine, actor("admin"), [], deleted=[99999])


def test_default_pillars_are_created_once(engine, rm, actor):
    with transaction(engine) as session:
        assert editing.create_default_pillars(session, actor("admin"), YEAR) == 0
        assert editing.create_default_pillars(session, actor("admin"), 2031) == 4
    with Session(engine) as session:
        titles = [p.title_fr for p in queries.list_pillars(session, 2031)]
    assert titles == ["Accélération des e-services",
                      "Formation des ressources humaines de l'administration",
                      "Implication du secteur privé", "Pérennisation de l'innovation"]


def test_pillar_positions_stay_unique(engine, rm, actor):
    with Session(engine) as session:
        p1, p2 = queries.list_pillars(session, YEAR)[:2]
    with pytest.raises(ValidationFailed) as refused:
        with transaction(engine) as session:
            editing.save_pillars(session, actor("admin"), YEAR,
                                 [RowChange(2, p2.id, {"position": 1})], {p2.id: p2.version})
    assert refused.value.errors[0].column == "Rang"
    with transaction(engine) as session:
        editing.save_pillars(session, actor("admin"), YEAR,
                             [RowChange(1, p1.id, {"title_en": "E-services first"})],
                             {p1.id: p1.version})
    assert [e.field for e in events(engine, "Pillar", p1.id) if e.action == "update"] == [
        "title_en"]


# --- next year ----------------------------------------------------------------------------


def test_next_year_copies_unfinished_work_once_with_dates_shifted(engine, rm, actor):
    with Session(engine) as session:
        plan = nextyear.next_year_plan(session, YEAR, TODAY)
    assert list(plan.frame["initiative"]) == ["A", "C", "D"]  # B is done
    assert (plan.to_copy, plan.milestones, plan.pillars_to_create) == (3, 4, 2)

    with transaction(engine) as session:
        result = nextyear.copy_to_next_year(session, actor("admin"), YEAR, TODAY)
    assert result == nextyear.CopyResult(initiatives=3, milestones=4, pillars=2)
    a, copy = initiative(engine, "A"), initiative(engine, "A", 2026)
    assert copy.copied_from_id == a.id
    with Session(engine) as session:
        dues = sorted(m.due_date for m in session.exec(select(Milestone).where(
            Milestone.initiative_id == copy.id)).all())
        partners = session.exec(select(InitiativePartner).where(
            InitiativePartner.initiative_id == copy.id)).all()
        kpis = session.exec(select(InitiativeKpi).where(
            InitiativeKpi.initiative_id == copy.id)).all()
        positions = [p.position for p in queries.list_pillars(session, 2026)]
    assert dues == [date(2026, 5, 1), date(2026, 9, 30)]  # a1 was done: not carried
    assert [p.structure_id for p in partners] == [rm.structures["ASIN"]] and len(kpis) == 1
    assert positions == [1, 2]

    with transaction(engine) as session:
        again = nextyear.copy_to_next_year(session, actor("admin"), YEAR, TODAY)
    assert again == nextyear.CopyResult(0, 0, 0)
    with Session(engine) as session:
        plan = nextyear.next_year_plan(session, YEAR, TODAY)
        assert len(views.load_roadmap(session, 2026, TODAY).facts) == 3
    assert (plan.to_copy, plan.already_copied) == (0, 3)


def test_29_february_moves_to_28_february():
    assert rules.shift_one_year(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.shift_one_year(date(2025, 3, 31)) == date(2026, 3, 31)


# --- session review -----------------------------------------------------------------------


def test_review_lists_roadmap_changes_since_the_previous_session(engine, rm, actor):
    today = datetime.now(LOCAL_TZ).date()  # the app's today: Porto-Novo's, not the machine's
    with transaction(engine) as session:
        session.add_all([
            Conference(number=17, year=today.year, rank_in_year=1,
                       session_date=today - timedelta(days=20), status="held"),
            Conference(number=18, year=today.year, rank_in_year=2,
                       session_date=today + timedelta(days=10)),
        ])
        # before the previous session: not part of this review
        session.add(AuditEvent(at=roadmap_review._midnight(today - timedelta(days=30)),
                               user_login="admin", action="update", object_type="Milestone",
                               object_id=1, object_label="ancien", field="title"))
    admin = actor("admin")
    a2, a3, d1 = milestone(engine, "a2"), milestone(engine, "a3"), milestone(engine, "d1")
    save_milestones(engine, actor("dsi-ms"), [(a2, {"done_on": TODAY})], today=today)
    save_milestones(engine, admin, [(a3, {"due_date": date(2025, 11, 30)}),
                                    (d1, {"due_date": date(2025, 9, 1)})], today=today)
    save_initiatives(engine, admin, [(initiative(engine, "C"), {
        "status_override": True, "override_status": "à risque",
        "override_reason": "Budget non voté"})], today=today)
    with transaction(engine) as session:
        session.add(Initiative(pillar_id=initiative(engine, "C").pillar_id, title="F",
                               owner_structure_id=rm.structures["MS"]))
        editing.save_milestones(session, admin, YEAR, [RowChange(1, None, {
            "initiative": "A", "title": "a4", "due_date": date(2025, 12, 15)})], {}, today)

    with Session(engine) as session:
        conference = session.exec(select(Conference).where(Conference.number == 18)).one()
        review = roadmap_review.session_review(session, admin, conference.id, today)
        reader = roadmap_review.session_review(session, actor("observateur"), conference.id, today)
    assert review.previous == f"17e conférence (1re session {today.year})"
    assert review.since == today - timedelta(days=20)
    assert review.counts["completed"] == 1
    assert review.counts["slipped"] == 1  # a3 later; d1 moved earlier is not a slip
    # the fixture's four pillars and a4 (F was added outside the services: no audit)
    assert review.counts["new"] == 5
    assert "a4 — A" in set(review.frame["object"]) and "F" not in set(review.frame["object"])
    # C's override (three fields, one save), and A and D whose stored status follows their
    # edited milestones (seen from today, their 2025 end quarter is over: off track)
    assert review.counts["status"] == 3
    frame = review.frame
    slipped = frame[frame["kind"] == "Échéance décalée"].iloc[0]
    assert slipped["detail"] == "échéance 30/09/2025 → 30/11/2025 (+61 j)"
    assert "ancien" not in set(frame["object"])
    assert set(frame["who"]) <= {"Secrétariat CDSI (démo)", "DSI Ministère de la Santé (démo)"}
    assert set(reader.frame["who"]) == {""}  # who changed what: secretariat and direction only


def test_review_counts_milestones_that_fell_due_in_the_period(engine, rm, actor):
    with transaction(engine) as session:
        session.add_all([
            Conference(number=17, year=YEAR, rank_in_year=1, session_date=date(2025, 4, 15)),
            Conference(number=18, year=YEAR, rank_in_year=2, session_date=date(2025, 6, 20)),
        ])
    with Session(engine) as session:
        choices = roadmap_review.review_choices(session)
        chosen = roadmap_review.default_review(session, TODAY)
        review = roadmap_review.session_review(session, actor("admin"), chosen, TODAY)
    assert next(iter(choices.values())).startswith("18e conférence")
    assert review.counts["overdue"] == 1  # a2, due 01/05/2025, not done
    assert review.last_day == TODAY


def test_the_review_opens_on_a_session_whose_window_holds_changes(engine, rm, actor):
    """The next session's window holds nothing yet (the previous one was days ago): the page
    opens on the latest session whose window does, not on an empty review."""
    with transaction(engine) as session:
        session.add_all([
            Conference(number=17, year=YEAR, rank_in_year=1, session_date=date(2025, 4, 15)),
            Conference(number=18, year=YEAR, rank_in_year=2,
                       session_date=TODAY - timedelta(days=1)),
            Conference(number=19, year=YEAR, rank_in_year=3,
                       session_date=TODAY + timedelta(days=2)),
        ])
    with Session(engine) as session:
        ids = {c.number: c.id for c in session.exec(select(Conference))}
        upcoming = roadmap_review.session_review(session, actor("admin"), ids[19], TODAY)
        chosen = roadmap_review.default_review(session, TODAY)
        review = roadmap_review.session_review(session, actor("admin"), chosen, TODAY)
    assert upcoming.frame.empty
    assert chosen == ids[18] and not review.frame.empty


# --- exports and charts -------------------------------------------------------------------


def test_xlsx_has_pillars_initiatives_and_milestones_sheets(engine, rm, actor):
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(views.roadmap_xlsx(view(engine, actor("admin")))))
    assert book.sheetnames == ["Piliers", "Initiatives", "Jalons"]
    sheet = book["Initiatives"]
    assert sheet["A1"].value == "Feuille de route 2025"
    headers = [c.value for c in sheet[4]]
    assert headers[:3] == ["Pilier", "Intitulé", "Responsable"]
    assert [c.value for c in sheet[5]][1] == "A"
    assert "Structures partenaires" in headers and sheet.cell(5, 4).value == "ASIN"


def test_timeline_groups_by_pillar_colours_by_status_and_marks_today_and_sessions(
        engine, rm, actor):
    with transaction(engine) as session:
        session.add(Conference(number=18, year=YEAR, rank_in_year=2,
                               session_date=date(2025, 6, 24)))
    v = view(engine, actor("admin"))
    with Session(engine) as session:
        timeline = views.timeline_frames(session, views.load_roadmap(session, YEAR, TODAY))
    figure = charts_roadmap.timeline_chart(timeline.bars, timeline.points, timeline.sessions,
                                           year=YEAR, today=TODAY, title="Feuille de route 2025")
    names = [trace.name for trace in figure.data if trace.name]
    assert names == ["dans les temps", "à risque", "achevée", "Jalon atteint", "Jalon à venir",
                     "Jalon en retard", "Sessions de la conférence"]
    risky = next(trace for trace in figure.data if trace.name == "à risque")
    assert risky.marker.color == "#E69F00" and risky.customdata[0][1] == "MS"
    assert "Prochain jalon" in risky.hovertemplate
    assert risky.customdata[0][3] == "a2 (01/05/2025)"
    assert figure.layout.separators == ", "
    assert {shape.x0 for shape in figure.layout.shapes} == {"2025-06-15", "2025-06-24"}
    assert figure.layout.annotations[0].text == "Aujourd'hui (15/06/2025)"
    assert v.timeline.bars["pillar"].iloc[0] == "1. Accélération des<br>e-services"


def test_progress_chart_shows_percentages_in_french(engine, rm, actor):
    figure = charts_roadmap.progress_chart(view(engine, actor("admin")).progress, title="x",
                                           formula="Avancement = Σ …")
    assert list(figure.data[0].text)[:2] == ["23,3\u202f%", "46,7\u202f%"]
    assert figure.layout.title.subtitle.text == "Avancement = Σ …"


def test_timeline_png_renders_with_kaleido(engine, rm, actor):
    pytest.importorskip("kaleido")
    v = view(engine, actor("admin"))
    figure = charts_roadmap.timeline_chart(v.timeline.bars, v.timeline.points,
                                           v.timeline.sessions, year=YEAR, today=TODAY,
                                           title="Feuille de route 2025")
    png = views.figure_png(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
