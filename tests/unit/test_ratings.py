"""Confidence ratings (issue 18): who rates what and when, stale saves, the audit, the reason
rule, and the disagreement flag between the DSI, ASIN and the forecast."""

from datetime import date

import pandas as pd
import pytest
from sqlmodel import func, select

from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from tracker.core.models import (
    AuditEvent,
    ConfidenceRating,
    Kpi,
    Submission,
    SubmissionWindow,
    Target,
)
from tracker.dashboards import confidence
from tracker.dashboards import views as dashboards
from tracker.results import ratings as rt
from tracker.results import review
from tracker.results.entry import EntryRow

TODAY = date(2026, 11, 25)
YEAR, QUARTER = 2026, 3


@pytest.fixture
def world(engine, seeded):
    """T3 2026 open; yearly targets for ESV_DEMAT (national) and SEC_MFA (MS's own);
    ESV_PUB has no yearly target (not a key KPI)."""
    with transaction(engine) as db:
        db.add(SubmissionWindow(year=YEAR, quarter=QUARTER, opens_on=date(2026, 10, 1),
                                closes_on=date(2026, 12, 10)))
        kpis = {k.code: k.id for k in db.exec(select(Kpi))}
        db.add(Target(kpi_id=kpis["ESV_DEMAT"], year=YEAR, value=60.0))
        db.add(Target(kpi_id=kpis["SEC_MFA"], year=YEAR, structure_id=seeded.structures["MS"],
                      value=80.0))
    return seeded


def _rate(engine, who, structure, source, rows):
    with transaction(engine) as db:
        return rt.save_ratings(db, who, structure, YEAR, QUARTER, source, rows, today=TODAY)


def _stored(engine):
    with reading(engine) as db:
        return {(r.kpi_id, r.source): r for r in db.exec(select(ConfidenceRating))}


def _count(engine, model):
    with reading(engine) as db:
        return db.exec(select(func.count()).select_from(model)).one()


def test_the_key_kpis_are_those_with_a_yearly_target(engine, world, actor):
    with reading(engine) as db:
        sheet = rt.rating_sheet(db, actor("dsi-ms"), world.structures["MS"], YEAR, QUARTER,
                                "dsi", TODAY)
        other = rt.rating_sheet(db, actor("dsi-mef"), world.structures["MEF"], YEAR, QUARTER,
                                "dsi", TODAY)
    assert list(sheet.frame["code"]) == ["ESV_DEMAT", "SEC_MFA"] and sheet.editable
    assert list(other.frame["code"]) == ["ESV_DEMAT"]  # SEC_MFA's target is MS's own


def test_a_dsi_rates_their_own_structure_and_it_is_audited(engine, world, actor):
    ms = world.structures["MS"]
    written = _rate(engine, actor("dsi-ms"), ms, "dsi", [
        rt.RatingRow(1, "ESV_DEMAT", "en bonne voie"),
        rt.RatingRow(2, "SEC_MFA", "difficultés sérieuses", "Marché MFA non attribué")])
    assert written == 2
    stored = _stored(engine)
    assert sorted(r.level for r in stored.values()) == ["on_track", "serious"]
    with reading(engine) as db:
        events = db.exec(select(AuditEvent).where(
            AuditEvent.object_type == "ConfidenceRating")).all()
    assert {e.action for e in events} == {"create"} and any(
        e.new_value == "Marché MFA non attribué" for e in events)


@pytest.mark.parametrize(("login", "where", "allowed"), [
    ("dsi-ms", "MS", True), ("dsi-ms", "MEF", False), ("admin", "MS", True),
    ("direction", "MS", False), ("observateur", "MS", False)])
def test_who_may_give_the_dsi_rating(engine, world, actor, login, where, allowed):
    structure = world.structures[where]
    rows = [rt.RatingRow(1, "ESV_DEMAT", "on_track")]
    if allowed:
        assert _rate(engine, actor(login), structure, "dsi", rows) == 1
    else:
        events = _count(engine, AuditEvent)
        with pytest.raises(PermissionDenied):
            _rate(engine, actor(login), structure, "dsi", rows)
        assert _count(engine, ConfidenceRating) == 0 and _count(engine, AuditEvent) == events


def _blank_reasons(db) -> dict[str, str]:
    """A reason for each KPI: the entry page's submission asks one for every blank KPI."""
    return {k.code: "Donnée non disponible" for k in repo.list_kpis(db, active_only=True)}


def test_a_submitted_quarter_freezes_the_dsi_rating_and_opens_asin_s(engine, world, actor):
    ms = world.structures["MS"]
    dsi = actor("dsi-ms")
    with pytest.raises(PermissionDenied):  # nothing received yet: ASIN cannot rate
        _rate(engine, actor("admin"), ms, "asin", [rt.RatingRow(1, "ESV_DEMAT", "serious",
                                                                "Retard")])
    with transaction(engine) as db:
        unrated = rt.submit_with_ratings(
            db, dsi, ms, YEAR, QUARTER, [EntryRow(1, "ESV_PUB", value="5")],
            [rt.RatingRow(1, "ESV_DEMAT", "en bonne voie")], seen_version=None, today=TODAY,
            reasons=_blank_reasons(db))
    assert unrated == ["SEC_MFA — Comptes à privilèges protégés par MFA"]
    with pytest.raises(PermissionDenied):
        _rate(engine, dsi, ms, "dsi", [rt.RatingRow(1, "SEC_MFA", "on_track")])
    for login in ("direction", "observateur", "dsi-ms"):
        with pytest.raises(PermissionDenied):
            _rate(engine, actor(login), ms, "asin", [rt.RatingRow(1, "ESV_DEMAT", "on_track")])
    assert _rate(engine, actor("admin"), ms, "asin", [
        rt.RatingRow(1, "ESV_DEMAT", "hors d'atteinte", "Aucun financement")]) == 1
    assert {(r.source, r.level) for r in _stored(engine).values()} == {
        ("dsi", "on_track"), ("asin", "out_of_reach")}


def test_a_stale_rating_is_refused_and_nothing_is_written(engine, world, actor):
    ms = world.structures["MS"]
    _rate(engine, actor("dsi-ms"), ms, "dsi", [rt.RatingRow(1, "ESV_DEMAT", "on_track")])
    seen = next(iter(_stored(engine).values())).version
    _rate(engine, actor("admin"), ms, "dsi", [rt.RatingRow(1, "ESV_DEMAT", "manageable", "",
                                                           seen)])
    events = _count(engine, AuditEvent)
    with pytest.raises(StaleEdit, match=r"Administrat|modifi"):
        _rate(engine, actor("dsi-ms"), ms, "dsi", [
            rt.RatingRow(1, "SEC_MFA", "on_track"),
            rt.RatingRow(2, "ESV_DEMAT", "serious", "Retard", seen)])
    assert _count(engine, AuditEvent) == events
    assert {r.level for r in _stored(engine).values()} == {"manageable"}
    with pytest.raises(StaleEdit):  # created meanwhile by someone else: the screen showed none
        _rate(engine, actor("dsi-ms"), ms, "dsi", [rt.RatingRow(1, "ESV_DEMAT", "serious",
                                                                "Retard", None)])


def test_a_bad_level_needs_a_reason_of_at_most_500_characters(engine, world, actor):
    ms = world.structures["MS"]
    with pytest.raises(ValidationFailed) as failed:
        _rate(engine, actor("dsi-ms"), ms, "dsi", [
            rt.RatingRow(1, "ESV_DEMAT", "difficultés sérieuses", "  "),
            rt.RatingRow(2, "SEC_MFA", "hors d'atteinte", "x" * 501),
            rt.RatingRow(3, "ESV_PUB", "en bonne voie"),
            rt.RatingRow(4, "ESV_DEMAT", "bof")])
    assert [e.row for e in failed.value.errors] == [1, 2, 3, 4]
    assert "obligatoire" in failed.value.errors[0].reason
    assert _count(engine, ConfidenceRating) == 0


def test_viewers_read_ratings_of_validated_quarters_only(engine, world, actor):
    ms = world.structures["MS"]
    with transaction(engine) as db:
        rt.submit_with_ratings(db, actor("dsi-ms"), ms, YEAR, QUARTER,
                               [EntryRow(1, "ESV_PUB", value="5")],
                               [rt.RatingRow(1, "ESV_DEMAT", "serious", "Budget gelé")],
                               seen_version=None, today=TODAY, reasons=_blank_reasons(db))
    with reading(engine) as db:
        seen = {login: len(rt.ratings_frame(db, actor(login), YEAR, QUARTER))
                for login in ("admin", "direction", "dsi-ms", "dsi-mef", "observateur")}
    assert seen == {"admin": 1, "direction": 0, "dsi-ms": 1, "dsi-mef": 0, "observateur": 0}
    with transaction(engine) as db:
        submission = db.exec(select(Submission)).one()
        review.validate(db, actor("admin"), submission.id, seen_version=submission.version)
    with reading(engine) as db:
        assert len(rt.ratings_frame(db, actor("observateur"), YEAR, QUARTER)) == 1
        lines = confidence.rating_lines(db, actor("direction"), YEAR, QUARTER)
        mine = confidence.rating_lines(db, actor("dsi-mef"), YEAR, QUARTER)
    assert list(lines["dsi_reason"]) == ["Budget gelé"] and mine.empty
    assert lines.iloc[0]["structure_name"] == "Ministère de la Santé"


# --- the disagreement flag ------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "probability", "level"), [
    ("reached", 1.0, "on_track"), ("on_track", 0.8, "on_track"), ("watch", 0.6, "manageable"),
    ("watch", 0.4, "serious"), ("off_track", 0.1, "out_of_reach"), ("insufficient", None, None),
    (None, None, None)])
def test_the_forecast_on_the_ratings_scale(cls, probability, level):
    assert confidence.forecast_level(cls, probability) == level


@pytest.mark.parametrize(("levels", "flagged"), [
    (["on_track", "serious", None], True),  # DSI and ASIN two apart
    (["on_track", None, "out_of_reach"], True),  # DSI against the forecast
    (["on_track", "manageable", "serious"], True),  # the extremes two apart
    (["on_track", "manageable", None], False),
    (["serious", "out_of_reach", "serious"], False),
    (["out_of_reach", None, None], False),  # one level alone is no disagreement
    ([None, None, None], False)])
def test_the_disagreement_flag(levels, flagged):
    assert confidence.disagrees(levels) is flagged


def test_lines_flag_against_the_forecast_of_the_structure(engine, world):
    ms, mef = world.structures["MS"], world.structures["MEF"]
    with reading(engine) as db:
        cat = dashboards.catalogue(db)
    demat = int(cat.kpis.index[cat.kpis["code"] == "ESV_DEMAT"][0])
    ratings = pd.DataFrame([
        {"structure_id": ms, "kpi_id": demat, "year": YEAR, "quarter": 3, "source": "dsi",
         "level": "on_track", "reason": "", "author": "DSI MS", "updated_at": None},
        {"structure_id": mef, "kpi_id": demat, "year": YEAR, "quarter": 3, "source": "dsi",
         "level": "on_track", "reason": "", "author": "DSI MEF", "updated_at": None},
        {"structure_id": mef, "kpi_id": demat, "year": YEAR, "quarter": 3, "source": "asin",
         "level": "manageable", "reason": "", "author": "ASIN", "updated_at": None}])
    forecasts = pd.DataFrame([
        {"structure": "MS", "kpi": "ESV_DEMAT", "class": "off_track", "probability": 0.1},
        {"structure": "MEF", "kpi": "ESV_DEMAT", "class": "on_track", "probability": 0.9},
        {"structure": None, "kpi": "ESV_DEMAT", "class": "off_track", "probability": 0.0}])
    lines = confidence.lines_frame(ratings, forecasts, {ms: "MS", mef: "MEF"},
                                   {ms: "Ministère de la Santé", mef: "MEF"}, cat)
    assert list(zip(lines["structure"], lines["flagged"], strict=True)) == [
        ("MEF", False), ("MS", True)]
    shown = confidence.flagged_display(lines[lines["flagged"]])
    assert shown.iloc[0]["structure"] == "Ministère de la Santé (MS)"
    assert shown.iloc[0]["kpi"].startswith("Taux de dématérialisation")  # the name, no code
    assert shown.iloc[0]["forecast"] == "compromis"


# --- the demo data set ----------------------------------------------------------------------


def _demo(tmp_path, name):
    from tracker import bootstrap
    from tracker.core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / name}")
    bootstrap.initialize(engine, demo=True, today=TODAY)
    return engine


def test_the_demo_rates_received_quarters_the_same_way_every_time(tmp_path):
    from tracker.accounts.auth import load_actor
    from tracker.core import repository as repo
    from tracker.dashboards import trajectories

    first, second = _demo(tmp_path, "a.db"), _demo(tmp_path, "b.db")
    rows = []
    for engine in (first, second):
        with reading(engine) as db:
            rows.append([(r.structure_id, r.year, r.quarter, r.kpi_id, r.source, r.level,
                          r.reason) for r in db.exec(select(ConfidenceRating).order_by(
                              ConfidenceRating.id))])
    assert rows[0] == rows[1] and len(rows[0]) > 1000  # seeded: the same rows
    with reading(first) as db:
        states = {(s.structure_id, s.year, s.quarter): s.status
                  for s in db.exec(select(Submission))}
        direction = load_actor(db, repo.get_user_by_login(db, "direction").id)
        data = (dashboards.validated_results(db), dashboards.catalogue(db),
                dashboards.targets_frame(db))
        view = trajectories.view_trajectories(db, *data, YEAR, None)
        lines = confidence.rating_lines(db, direction, YEAR, view.quarter,
                                        forecasts=view.forecasts, data=data)
    for sid, year, quarter, _, source, level, reason in rows[0]:
        assert states[(sid, year, quarter)] in (("submitted", "validated") if source == "dsi"
                                                else ("validated",))
        assert reason or level not in rt.REASON_REQUIRED
    flagged = lines[lines["flagged"]]
    assert 0 < len(flagged) < len(lines) / 4  # a few disagreements, not the rule
    assert set(lines["dsi_reason"]) - {""}
    for engine in (first, second):
        engine.dispose()
