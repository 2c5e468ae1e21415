"""The data-quality score: each component from hand-built submissions, as a DSI would check it."""

from datetime import UTC, date, datetime

import pytest

from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import AuditEvent, Result, Submission, SubmissionWindow
from tracker.dashboards import quality


def test_a_perfect_quarter_scores_100_and_each_component_has_its_points():
    perfect = quality.Facts("MS", 2025, 2, True, -3, 10, 10, 0, 0, 2, 0)
    late = quality.Facts("MS", 2025, 2, True, 15, 5, 10, 2, 1, 2, 2)

    assert quality.score(perfect)["score"] == 100
    assert quality.score(late) == {"timeliness": 12.5, "completeness": 15.0, "returns": 0.0,
                                   "corrections": 0.0, "explanations": 0.0, "score": 27.5}


def test_never_submitted_loses_timeliness_and_nothing_flagged_keeps_explanations():
    silent = quality.Facts("MEF", 2025, 2, False, 0, 0, 4, 0, 0, 0, 0)

    points = quality.score(silent)

    assert points["timeliness"] == 0 and points["completeness"] == 0
    assert points["explanations"] == 20 and points["score"] == 45


@pytest.fixture
def quarter(engine, seeded):
    """MS, 2025-T2: submitted 5 days after the window closed, returned once, reopened after
    validation, 3 of its 4 usual KPIs filled, two ×5 jumps of which one is explained.
    MEF never submitted."""
    codes = ("ESV_NEW", "ESV_DEM", "XRD_REQ", "PKI_DOCS")
    with transaction(engine) as db:
        kpis = {c: repo.get_kpi_by_code(db, c) for c in codes}
        ms = seeded.structures["MS"]
        db.add(SubmissionWindow(year=2025, quarter=2, opens_on=date(2025, 7, 1),
                                closes_on=date(2025, 7, 15)))
        for code in codes:
            db.add(Result(structure_id=ms, kpi_id=kpis[code].id, year=2025, quarter=1,
                          value=10, status="validated"))
        for code, value, comment in (("ESV_NEW", 50, ""), ("ESV_DEM", 50, "campagne"),
                                     ("XRD_REQ", 10, "")):
            db.add(Result(structure_id=ms, kpi_id=kpis[code].id, year=2025, quarter=2,
                          value=value, comment=comment, status="validated"))
        submission = Submission(structure_id=ms, year=2025, quarter=2, status="validated",
                                submitted_at=datetime(2025, 7, 20, 10, 0, tzinfo=UTC),
                                review_comment="Renvoyée : total incohérent")
        db.add(submission)
        db.flush()
        db.add(AuditEvent(action="reopen", object_type="Submission", object_id=submission.id,
                          field="status", old_value="validated", new_value="draft"))
    return seeded


def test_the_components_come_from_the_quarter_as_it_was_reported(engine, quarter):
    with transaction(engine) as db:
        scores = quality.quality_frame(db, 2025, 2).set_index("structure")

    ms = scores.loc["MS"]
    assert (ms["days_late"], ms["filled"], ms["expected"]) == (5, 3, 4)
    assert (ms["returned"], ms["reopened"], ms["flagged"], ms["unexplained"]) == (1, 1, 2, 1)
    assert ms["timeliness"] == pytest.approx(20.8)
    assert ms["completeness"] == 22.5 and ms["returns"] == 7.5
    assert ms["corrections"] == 0 and ms["explanations"] == 10
    assert ms["score"] == pytest.approx(60.8)
    assert quality.advice(ms)[:2] == ["corrections", "explanations"]
    assert scores.loc["MEF", "timeliness"] == 0 and not scores.loc["MEF", "submitted"]


def test_league_table_ranks_best_first_and_the_national_average_is_the_mean(engine, quarter):
    with transaction(engine) as db:
        scores = quality.quality_frame(db, 2025, 2)

    league = quality.league_frame(scores)
    national = quality.national_average(scores)

    assert list(league["rank"])[:1] == [1]
    assert league.set_index("structure").loc["MS", "T2"] == pytest.approx(60.8)  # the trend
    assert league["score"].is_monotonic_decreasing
    assert national["score"].iloc[0] == pytest.approx(round(scores["score"].mean(), 1))
