"""CDSI_RECO and CDSI_PRES stored as ASIN's own validated figures: a hand-computed example,
idempotence, updates and withdrawals audited, declared values left alone, roles."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from tracker.conference.kpis import refresh_computed_kpis
from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied
from tracker.core.models import (
    Attendance,
    AuditEvent,
    Conference,
    Kpi,
    Recommendation,
    Result,
)
from tracker.dashboards import views as dashboards
from tracker.results.entry import rule_of
from tracker.results.kpis import display_value

TODAY = date(2025, 11, 20)


@pytest.fixture(autouse=True)
def data(engine, seeded):
    """Two sessions held in T2 2025. MS: present at the first, absent at the second; MEF
    present at both. MS owes two recommendations due by the end of T2 2025, one done."""
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as session:
        april = Conference(number=17, year=2025, rank_in_year=1, session_date=date(2025, 4, 15),
                           status="held")
        june = Conference(number=18, year=2025, rank_in_year=2, session_date=date(2025, 6, 24),
                          status="held")
        session.add_all([april, june])
        session.flush()
        session.add_all([
            Attendance(conference_id=april.id, structure_id=ms, status="present"),
            Attendance(conference_id=june.id, structure_id=ms, status="absent"),
            Attendance(conference_id=april.id, structure_id=mef, status="present"),
            Attendance(conference_id=june.id, structure_id=mef, status="present"),
            Recommendation(conference_id=april.id, number="R1", text="Publier",
                           owner_structure_id=ms, due_date=date(2025, 5, 31), status="done"),
            Recommendation(conference_id=april.id, number="R2", text="Certifier",
                           owner_structure_id=ms, due_date=date(2025, 6, 30),
                           status="in_progress"),
        ])
    return seeded


def stored(engine) -> dict[tuple[str, str, int, int], Result]:
    """Computed-KPI results by (structure code, KPI code, year, quarter)."""
    with reading(engine) as session:
        kpis = {k.id: k for k in session.exec(select(Kpi)).all()}
        codes = {k.code for k in kpis.values() if k.code in ("CDSI_RECO", "CDSI_PRES")}
        structures = repo.structure_codes_by_id(session)
        return {(structures[r.structure_id], kpis[r.kpi_id].code, r.year, r.quarter): r
                for r in session.exec(select(Result)).all() if kpis[r.kpi_id].code in codes}


def refresh(engine, who=None, today=TODAY) -> int:
    with transaction(engine) as session:
        return refresh_computed_kpis(session, who, today=today)


def audit_count(engine) -> int:
    with reading(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEvent)).one()


@pytest.mark.postgres
def test_hand_computed_rates_are_stored_as_validated_computed_ratios(engine, actor):
    written = refresh(engine, actor("admin"))

    results = stored(engine)
    assert written == 3
    assert {key: (r.numerator, r.denominator, r.value, r.source, r.status)
            for key, r in results.items()} == {
        # 2 recommendations due by 30/06/2025, 1 done: 50 %
        ("MS", "CDSI_RECO", 2025, 2): (1.0, 2.0, None, "computed", "validated"),
        # 1 session attended out of 2: 50 %
        ("MS", "CDSI_PRES", 2025, 2): (1.0, 2.0, None, "computed", "validated"),
        ("MEF", "CDSI_PRES", 2025, 2): (2.0, 2.0, None, "computed", "validated"),
    }
    with reading(engine) as session:
        reco = session.exec(select(Kpi).where(Kpi.code == "CDSI_RECO")).one()
        pres = session.exec(select(Kpi).where(Kpi.code == "CDSI_PRES")).one()
    ms_reco = results[("MS", "CDSI_RECO", 2025, 2)]
    ms_pres = results[("MS", "CDSI_PRES", 2025, 2)]
    assert display_value(rule_of(reco), None, ms_reco.numerator, ms_reco.denominator) == 50.0
    assert display_value(rule_of(pres), None, ms_pres.numerator, ms_pres.denominator) == 50.0
    with reading(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.object_type == "Result")).all()
        # Dashboards read validated results only: the figures are on them.
        on_dashboards = dashboards.validated_results(session)
    assert {(e.action, e.user_login) for e in events} == {("create", "admin")}
    assert {(e.object_id, e.field, e.new_value) for e in events
            if e.object_id == ms_reco.id} == {(ms_reco.id, "numerator", "1"),
                                              (ms_reco.id, "denominator", "2")}
    assert len(on_dashboards) == 3


@pytest.mark.postgres
def test_running_it_twice_changes_nothing(engine):
    refresh(engine)
    before = ({k: (r.id, r.version) for k, r in stored(engine).items()}, audit_count(engine))

    assert refresh(engine) == 0

    assert ({k: (r.id, r.version) for k, r in stored(engine).items()},
            audit_count(engine)) == before


@pytest.mark.postgres
def test_a_change_in_attendance_updates_the_figure_and_is_audited(engine, data):
    refresh(engine)
    with transaction(engine) as session:
        absent = session.exec(select(Attendance).where(
            Attendance.structure_id == data.structures["MS"],
            Attendance.status == "absent")).one()
        absent.status = "present"
        session.add(absent)

    assert refresh(engine) == 1

    result = stored(engine)[("MS", "CDSI_PRES", 2025, 2)]
    assert (result.numerator, result.denominator, result.version) == (2.0, 2.0, 2)
    with reading(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.object_id == result.id,
                                                       AuditEvent.object_type == "Result",
                                                       AuditEvent.action == "update")).all()
    assert [(e.field, e.old_value, e.new_value, e.user_login) for e in events] == [
        ("numerator", "1", "2", "system")]


@pytest.mark.postgres
def test_a_figure_that_no_longer_applies_is_withdrawn_but_a_declared_one_is_kept(engine, data):
    refresh(engine)
    with transaction(engine) as session:
        for row in session.exec(select(Attendance).where(
                Attendance.structure_id == data.structures["MEF"])).all():
            session.delete(row)
        pres = session.exec(select(Kpi).where(Kpi.code == "CDSI_PRES")).one()
        session.add(Result(structure_id=data.structures["MEF"], kpi_id=pres.id, year=2025,
                           quarter=1, numerator=3, denominator=4, source="entered",
                           status="validated"))

    assert refresh(engine) == 1

    results = stored(engine)
    assert ("MEF", "CDSI_PRES", 2025, 2) not in results
    assert (results[("MEF", "CDSI_PRES", 2025, 1)].numerator,
            results[("MEF", "CDSI_PRES", 2025, 1)].source) == (3.0, "entered")
    with reading(engine) as session:
        deleted = session.exec(select(AuditEvent).where(AuditEvent.action == "delete")).all()
    assert {(e.object_label, e.field, e.old_value) for e in deleted} == {
        ("MEF CDSI_PRES 2025-T2", "numerator", "2"), ("MEF CDSI_PRES 2025-T2", "denominator", "2")}


def test_quarters_not_yet_begun_get_no_figure(engine, data):
    with transaction(engine) as session:
        conference = session.exec(select(Conference)).first()
        session.add(Recommendation(conference_id=conference.id, text="Plus tard",
                                   owner_structure_id=data.structures["MS"],
                                   due_date=date(2026, 3, 31)))

    refresh(engine, today=date(2025, 11, 20))

    reco = sorted((k[2], k[3]) for k in stored(engine) if k[:2] == ("MS", "CDSI_RECO"))
    assert reco == [(2025, 2), (2025, 3), (2025, 4)]
    assert stored(engine)[("MS", "CDSI_RECO", 2025, 4)].denominator == 2.0


def test_only_the_secretariat_or_the_system_recomputes(engine, actor):
    with pytest.raises(PermissionDenied):
        refresh(engine, actor("dsi-ms"))
    assert stored(engine) == {}
    assert refresh(engine, None) == 3


def test_the_conferences_page_button_stores_the_figures_for_the_secretariat(run_page, engine):
    # A page test kept beside its service: tests/pages/test_conferences_page.py is not ours.
    page = "pages/conferences.py"
    assert not any(b.key == "conferences_kpis_refresh" for b in run_page(page, "dsi-ms").button)
    at = run_page(page, "admin")

    at.button(key="conferences_kpis_refresh").click().run()

    assert not at.exception
    assert [s.value for s in at.success] == [
        "Indicateurs de la conférence recalculés (taux de mise en œuvre des recommandations, "
        "taux de participation)."]
    assert len(stored(engine)) == 3
