"""The demo data set: deterministic, consistent with the reference data and the sample PVs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, func, select

from tracker.core.db import make_engine
from tracker.core.models import (
    TOPIC_TAGS,
    ActionItem,
    AgendaItem,
    Attendance,
    Conference,
    Initiative,
    Kpi,
    Milestone,
    Minutes,
    Pillar,
    Result,
    Structure,
    Submission,
    SubmissionWindow,
    Target,
    User,
)
from tracker.demo.base import DEMO_NOTICE, last_finished_quarter
from tracker.demo.content import PILLARS
from tracker.demo.generator import generate_demo
from tracker.demo.results import target_values
from tracker.reference.catalogue import load_reference_data

TODAY = date(2026, 11, 25)
OPEN = (2026, 3)


def _quarter_end(year: int, quarter: int) -> date:
    return date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(1)


def _fresh_engine() -> Engine:
    engine = make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    return engine


def _seeded(admin: bool = False) -> Engine:
    engine = _fresh_engine()
    with Session(engine) as session:
        load_reference_data(session)
        if admin:
            session.add(User(login="admin", display_name="Secrétariat", role="admin"))
        session.flush()
        generate_demo(session, today=TODAY)
        session.commit()
    return engine


@pytest.fixture(scope="module")
def db() -> Iterator[Session]:
    engine = _seeded()
    with Session(engine) as session:
        yield session


def _codes(session: Session) -> dict[int, str]:
    return {s.id: s.code for s in session.exec(select(Structure)) if s.id}


def _structures(session: Session) -> dict[str, Structure]:
    return {s.code: s for s in session.exec(select(Structure))}


def _kpis(session: Session) -> dict[int, Kpi]:
    return {k.id: k for k in session.exec(select(Kpi)) if k.id}


def _result_rows(engine: Engine) -> list[tuple[object, ...]]:
    table = Result.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa_select(table).order_by(table.c.id))]


def _story(engine: Engine) -> list[object]:
    with Session(engine) as session:
        actions = session.exec(select(ActionItem).order_by(col(ActionItem.id))).all()
        minutes = session.exec(select(Minutes).order_by(col(Minutes.id))).all()
        return [[(a.title, a.owner_structure_id, a.status, a.due_date, a.closed_at)
                 for a in actions], [m.text for m in minutes]]


def test_same_input_gives_identical_rows() -> None:
    first, second = _seeded(), _seeded()
    rows = _result_rows(first)
    assert rows and rows == _result_rows(second)
    assert _story(first) == _story(second)


def test_ms_has_a_draft_half_entered_in_the_open_window_and_mef_has_submitted(db: Session) -> None:
    assert last_finished_quarter(TODAY) == OPEN
    window = db.exec(select(SubmissionWindow).where(
        SubmissionWindow.year == OPEN[0], SubmissionWindow.quarter == OPEN[1])).one()
    assert window.opens_on == date(2026, 10, 1)
    assert window.opens_on <= TODAY and window.closes_on >= TODAY + timedelta(days=10)
    structures = _structures(db)
    ms, mef = structures["MS"], structures["MEF"]
    ms_sub = db.exec(select(Submission).where(
        Submission.structure_id == ms.id, Submission.year == 2026,
        Submission.quarter == 3)).one()
    assert ms_sub.status == "draft" and ms_sub.submitted_at is None
    mef_sub = db.exec(select(Submission).where(
        Submission.structure_id == mef.id, Submission.year == 2026,
        Submission.quarter == 3)).one()
    assert mef_sub.status == "submitted" and mef_sub.submitted_at is not None

    def kpi_count(year: int, quarter: int) -> int:
        return len(db.exec(select(Result).where(
            Result.structure_id == ms.id, Result.year == year,
            Result.quarter == quarter)).all())

    entered = kpi_count(2026, 3)
    assert 0 < entered < kpi_count(2026, 2)  # some values entered, some still missing
    statuses = {r.status for r in db.exec(select(Result).where(
        Result.structure_id == ms.id, Result.year == 2026, Result.quarter == 3))}
    assert statuses == {"draft"}


def test_only_the_last_finished_quarter_is_open(db: Session) -> None:
    windows = db.exec(select(SubmissionWindow)).all()
    open_now = [(w.year, w.quarter) for w in windows if w.opens_on <= TODAY <= w.closes_on]
    assert open_now == [OPEN]
    assert min((w.year, w.quarter) for w in windows) == (2023, 1)
    for w in windows:
        assert w.opens_on == _quarter_end(w.year, w.quarter) + timedelta(days=1)


def test_open_quarter_mixes_statuses_and_structures_not_started(db: Session) -> None:
    subs = db.exec(select(Submission).where(
        Submission.year == OPEN[0], Submission.quarter == OPEN[1])).all()
    statuses = Counter(s.status for s in subs)
    assert {"draft", "submitted", "validated", "returned"} <= set(statuses)
    in_force = [s for s in _structures(db).values() if s.in_force(_quarter_end(*OPEN))]
    assert len(subs) < len(in_force)  # some have not started


def test_past_quarters_are_validated_with_late_and_missing_submissions(db: Session) -> None:
    windows = {(w.year, w.quarter): w for w in db.exec(select(SubmissionWindow))}
    past = [s for s in db.exec(select(Submission)) if (s.year, s.quarter) != OPEN]
    assert {s.status for s in past} == {"validated"}
    assert all(s.reviewed_at and s.submitted_at and s.reviewed_at >= s.submitted_at
               for s in past)
    late = [s for s in past
            if s.submitted_at and s.submitted_at.date() > windows[(s.year, s.quarter)].closes_on]
    assert late and all(s.reopened for s in late)
    assert any("validée après correction" in s.review_comment for s in past)
    structures = list(_structures(db).values())
    expected = sum(1 for (y, q) in windows if (y, q) != OPEN
                   for s in structures if s.in_force(_quarter_end(y, q)))
    assert len(past) < expected  # gaps: some structures never reported


def test_ratio_results_are_whole_numerator_and_denominator(db: Session) -> None:
    kpis = _kpis(db)
    ratio_rows = non_ratio = 0
    for r in db.exec(select(Result)):
        kpi = kpis[r.kpi_id]
        if kpi.ratio:
            ratio_rows += 1
            # stored as an entry stores it: the parts only, the rate is always recomputed
            assert r.numerator is not None and r.denominator is not None and r.value is None
            assert r.numerator == int(r.numerator) and r.denominator == int(r.denominator)
            assert 0 <= r.numerator <= r.denominator and r.denominator >= 1
        else:
            non_ratio += 1
            assert r.numerator is None and r.denominator is None and r.value is not None
    assert ratio_rows > 1000 and non_ratio > 1000


def test_values_respect_their_units(db: Session) -> None:
    kpis = _kpis(db)
    by_code: dict[str, list[float]] = defaultdict(list)
    for r in db.exec(select(Result)):
        kpi = kpis[r.kpi_id]
        if kpi.ratio:
            continue  # numerator and denominator: checked above
        assert r.value is not None
        by_code[kpi.code].append(r.value)
        if kpi.unit == "percent":
            assert 0 <= r.value <= 100
        elif kpi.unit in ("count", "xof"):
            assert r.value >= 0 and r.value == int(r.value)
        elif kpi.unit == "bool":
            assert r.value in (0.0, 1.0)
        else:
            assert r.value >= 0
    budgets = sorted(by_code["BUD_DOT"])
    assert 1e8 <= budgets[len(budgets) // 2] <= 1e10
    assert "CDSI_RECO" not in by_code and "CDSI_PRES" not in by_code
    assert all(v % 1_000_000 == 0 for v in budgets)  # allocations are in round millions


def test_stocks_grow_and_year_to_date_budget_restarts_every_t1(db: Session) -> None:
    kpis = {k.code: k for k in _kpis(db).values()}
    ms = _structures(db)["MS"]
    stock = [r.value for r in db.exec(select(Result).where(
        Result.structure_id == ms.id, Result.kpi_id == kpis["ESV_PUB"].id)
        .order_by(col(Result.year), col(Result.quarter)))]
    assert stock[-1] is not None and stock[0] is not None and stock[-1] > stock[0]
    rows = db.exec(select(Result).where(Result.kpi_id == kpis["BUD_ENG"].id)
                      .order_by(col(Result.structure_id), col(Result.year),
                                col(Result.quarter))).all()
    previous: dict[tuple[int, int], float] = {}
    restarts = 0
    for r in rows:
        key = (r.structure_id, r.year)
        assert r.numerator is not None and r.denominator  # a ratio KPI: committed / allocated
        rate = 100 * r.numerator / r.denominator
        if key in previous:
            assert rate >= previous[key] - 1e-9  # cumulative within the year
        if r.quarter == 1:
            assert rate < 30
            restarts += 1
        previous[key] = rate
    assert restarts > 50


def test_no_result_outside_a_structures_validity(db: Session) -> None:
    codes = _structures(db)
    by_id = {s.id: s for s in codes.values()}
    periods_by_code: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for r in db.exec(select(Result)):
        structure = by_id[r.structure_id]
        assert structure.in_force(_quarter_end(r.year, r.quarter))
        periods_by_code[structure.code].add((r.year, r.quarter))
    assert codes["MAEC"].valid_to == date(2023, 4, 4)
    assert periods_by_code["MAEC"] == {(2023, 1)}
    assert min(periods_by_code["MAE"]) >= (2023, 2)
    for old in ("MCVDD", "ME", "MEM", "MIT"):
        assert periods_by_code[old] <= {(2023, 1)}
    assert min(periods_by_code["MCVT"]) >= (2023, 2)


def test_results_are_marked_demo_and_mirror_their_submission(db: Session) -> None:
    subs = {(s.structure_id, s.year, s.quarter): s.status
            for s in db.exec(select(Submission))}
    rows = db.exec(select(Result)).all()
    assert 8000 < len(rows) < 20000
    for r in rows:
        assert r.source == "demo"
        assert r.status == subs[(r.structure_id, r.year, r.quarter)]


def test_sessions_18_and_19_are_2025_ranks_2_and_3_as_in_the_sample_pvs(db: Session) -> None:
    sessions = db.exec(select(Conference).order_by(col(Conference.number))).all()
    by_number = {c.number: c for c in sessions}
    assert (by_number[18].year, by_number[18].rank_in_year) == (2025, 2)
    assert by_number[18].session_date == date(2025, 6, 24)
    assert (by_number[19].year, by_number[19].rank_in_year) == (2025, 3)
    assert by_number[19].session_date == date(2025, 9, 25)
    assert 11 <= len(sessions) <= 16
    numbers = [c.number for c in sessions]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    per_year = Counter(c.year for c in sessions)
    assert all(3 <= n <= 4 for n in per_year.values())
    *past, held, planned = sessions
    assert planned.status == "planned" and planned.session_date and planned.session_date > TODAY
    assert held.status == "held" and held.session_date and held.session_date < TODAY
    assert all(c.status == "closed" and c.closed_at for c in past)


def test_every_structure_in_force_answers_the_roll_call(db: Session) -> None:
    by_id = {s.id: s for s in _structures(db).values()}
    for conference in db.exec(select(Conference)):
        rows = db.exec(select(Attendance).where(
            Attendance.conference_id == conference.id)).all()
        if conference.status == "planned":
            assert rows == []
            continue
        assert conference.session_date is not None
        expected = {s.code for s in by_id.values() if s.in_force(conference.session_date)}
        assert {by_id[a.structure_id].code for a in rows} == expected
        assert all(a.representative and a.representative_role for a in rows)
        assert {a.status for a in rows} <= {"present", "excused", "absent"}


def test_agenda_opens_with_adoption_and_follow_up(db: Session) -> None:
    for conference in db.exec(select(Conference)):
        items = db.exec(select(AgendaItem).where(AgendaItem.conference_id == conference.id)
                           .order_by(col(AgendaItem.position))).all()
        assert items[0].title == "Adoption de l'ordre du jour"
        assert items[2].title.startswith("Point de mise en œuvre des recommandations")
        for item in items:
            assert all(tag in TOPIC_TAGS for tag in item.tags.split(",") if tag)


def test_minutes_are_markdown_pvs_with_the_demo_notice(db: Session) -> None:
    conferences = {c.id: c for c in db.exec(select(Conference))}
    minutes = db.exec(select(Minutes)).all()
    held = [c for c in conferences.values() if c.status != "planned"]
    assert len(minutes) == len(held)
    for m in minutes:
        conference = conferences[m.conference_id]
        assert m.filename == f"pv-cdsi-{conference.year}-session{conference.rank_in_year}.md"
        assert m.content_type == "text/markdown"
        assert m.original is not None and m.original.decode("utf-8") == m.text
        assert DEMO_NOTICE in m.text
        assert f"au titre de l'année {conference.year}" in m.text
        assert "## 6. Actions à mener" in m.text and "Fait à Cotonou, le" in m.text
    pv18 = next(m for m in minutes if conferences[m.conference_id].number == 18)
    assert "2e session ordinaire" in pv18.text and "18e conférence" in pv18.text
    assert "mardi 24 juin 2025" in pv18.text


def test_ms_and_mef_own_overdue_actions(db: Session) -> None:
    structures = _structures(db)
    for code in ("MS", "MEF"):
        owned = db.exec(select(ActionItem).where(
            ActionItem.owner_structure_id == structures[code].id)).all()
        overdue = [a for a in owned if a.status not in ("done", "cancelled")
                   and a.due_date is not None and a.due_date < TODAY]
        assert len(owned) >= 5 and len(overdue) >= 3, code


def test_actions_have_a_realistic_mix(db: Session) -> None:
    actions = db.exec(select(ActionItem)).all()
    assert 100 <= len(actions) <= 170
    assert {a.status for a in actions} == {"not_started", "in_progress", "partial", "done",
                                           "blocked", "cancelled"}
    assert {a.due_kind for a in actions} >= {"date", "next_session", "recurring"}
    for a in actions:
        assert (a.closed_at is not None) == (a.status in ("done", "cancelled"))
        assert a.escalated == (a.escalated_at is not None)
        assert a.topic in TOPIC_TAGS
        assert a.created_at <= a.updated_at
    assert any(a.escalated for a in actions)
    assert any(a.initiative_id for a in actions)
    conferences = {c.id: c for c in db.exec(select(Conference))}
    carried = [a for a in actions if a.status not in ("done", "cancelled")
               and conferences[a.conference_id].year < 2025]
    assert carried  # old sessions still have open items


def test_all_ministries_items_give_one_row_per_ministry_in_force(db: Session) -> None:
    by_id = {s.id: s for s in _structures(db).values()}
    conferences = {c.id: c for c in db.exec(select(Conference))}
    groups: dict[str, list[ActionItem]] = defaultdict(list)
    for a in db.exec(select(ActionItem).where(ActionItem.group_ref != "")):
        groups[a.group_ref].append(a)
    assert groups
    for ref, rows in groups.items():
        day = conferences[rows[0].conference_id].session_date
        assert day is not None
        ministries = {s.code for s in by_id.values()
                      if s.kind == "ministere" and s.in_force(day)}
        assert {by_id[r.owner_structure_id].code for r in rows if r.owner_structure_id} \
            == ministries, ref
        assert len({(r.number, r.title) for r in rows}) == 1


def test_roadmap_has_the_four_pillars_every_year(db: Session) -> None:
    pillars = db.exec(select(Pillar)).all()
    years = sorted({p.year for p in pillars})
    assert years == [2023, 2024, 2025, 2026, 2027]
    structures = {s.id: s.code for s in _structures(db).values()}
    for year in years:
        mine = sorted((p for p in pillars if p.year == year), key=lambda p: p.position)
        assert [(p.title_fr, p.title_en) for p in mine] == list(PILLARS)
        owners = set()
        for pillar in mine:
            initiatives = db.exec(select(Initiative).where(
                Initiative.pillar_id == pillar.id)).all()
            assert 3 <= len(initiatives) <= 5
            for initiative in initiatives:
                owners.add(structures.get(initiative.owner_structure_id or 0))
                milestones = db.exec(select(Milestone).where(
                    Milestone.initiative_id == initiative.id)).all()
                assert 2 <= len(milestones) <= 4
                assert all(m.due_date.year == year for m in milestones)
                assert all(m.done_on is None or m.done_on < TODAY for m in milestones)
        assert {"MS", "MEF"} <= owners
    undone_overdue = db.exec(select(func.count()).select_from(Milestone).where(
        col(Milestone.done_on).is_(None), col(Milestone.due_date) < TODAY)).one()
    assert undone_overdue > 0


def test_national_targets_come_from_the_indicative_targets(db: Session) -> None:
    kpis = {k.id: k.code for k in _kpis(db).values()}
    national = {(kpis[t.kpi_id], t.quarter): t.value
                for t in db.exec(select(Target).where(
                    Target.year == 2026, col(Target.structure_id).is_(None)))}
    assert national[("ESV_DEMAT", 0)] == 60
    assert national[("ESV_DELAI", 0)] == 72
    assert national[("OPS_INC_P1", 0)] == 0
    assert national[("SEC_MFA", 0)] == 100
    assert national[("SEC_RSSI", 0)] == 1
    assert national[("BUD_ENG", 2)] == 45
    assert ("ESV_PUB", 0) not in national  # "+2 à +5 par an" is not a level
    per_structure = db.exec(select(func.count()).select_from(Target).where(
        col(Target.structure_id).is_not(None))).one()
    assert per_structure > 0


def test_target_values_reads_the_indicative_forms() -> None:
    assert target_values("last", ">=60") == {0: 60.0}
    assert target_values("avg", "<=72") == {0: 72.0}
    assert target_values("last", ">=99.5") == {0: 99.5}
    assert target_values("last", "oui") == {0: 1.0}
    assert target_values("last", "T1>=20 T2>=45 T3>=70 T4>=95") == {1: 20, 2: 45, 3: 70, 4: 95}
    assert target_values("sum", "2 par an") == {0: 2.0}
    assert target_values("last", "+2 à +5 par an") == {}


def test_timestamps_are_aware_and_before_today(db: Session) -> None:
    start_of_today = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    stamps = [r.updated_at for r in db.exec(select(Result))]
    stamps += [a.updated_at for a in db.exec(select(ActionItem))]
    stamps += [s.reviewed_at for s in db.exec(select(Submission)) if s.reviewed_at]
    assert all(s.tzinfo is not None and s < start_of_today for s in stamps)


def test_a_second_run_is_refused_and_changes_nothing(db: Session) -> None:
    before = db.exec(select(func.count()).select_from(Result)).one()
    with pytest.raises(ValueError):
        generate_demo(db, today=TODAY)
    assert db.exec(select(func.count()).select_from(Result)).one() == before


def test_unknown_scale_and_missing_reference_data_are_refused() -> None:
    engine = _fresh_engine()
    with Session(engine) as session:
        with pytest.raises(ValueError):
            generate_demo(session, today=TODAY)  # no structures or KPIs yet
        load_reference_data(session)
        with pytest.raises(ValueError):
            generate_demo(session, scale="huge", today=TODAY)


def test_the_admin_account_is_the_reviewer_when_it_exists() -> None:
    engine = _seeded(admin=True)
    with Session(engine) as session:
        admin_id = session.exec(select(User.id).where(User.login == "admin")).one()
        reviewers = {s.reviewer_id for s in session.exec(select(Submission))
                     if s.reviewed_at}
        assert reviewers == {admin_id}
        assert session.exec(select(func.count()).select_from(User)).one() == 1


def test_saving_the_ms_demo_draft_unchanged_changes_nothing() -> None:
    """The demo stores results as an entry would: opening MS's draft and saving it as it is
    writes no result and no audit change the DSI did not make."""
    from tracker.accounts.auth import actor_from_user
    from tracker.core.models import AuditEvent, Role
    from tracker.results.entry import entry_rows_from_frame, entry_sheet, save_entries

    engine = _seeded()
    with Session(engine) as session:
        ms = _structures(session)["MS"]
        user = User(login="dsi-ms-test", display_name="DSI MS", role=Role.dsi,
                    structure_id=ms.id)
        session.add(user)
        session.flush()
        actor = actor_from_user(session, user)
        assert ms.id is not None
        sheet = entry_sheet(session, actor, ms.id, *OPEN, TODAY)
        assert sheet.status == "draft" and sheet.editable
        written = save_entries(session, actor, ms.id, *OPEN, entry_rows_from_frame(sheet.frame),
                               seen_version=sheet.submission_version, today=TODAY)
        result_events = session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "Result")).all()
        assert written == 0 and result_events == []
