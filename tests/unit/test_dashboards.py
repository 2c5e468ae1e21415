"""The frames behind the dashboards, on a small data set computed by hand."""

from datetime import date

import pytest

from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.models import Result, Target
from tracker.dashboards import views as dashboards


def _add(db, code, kpi, year, quarter, value=None, num=None, den=None, status="validated"):
    structure = repo.get_structure_by_code(db, code)
    kpi_row = repo.get_kpi_by_code(db, kpi)
    db.add(Result(structure_id=structure.id, kpi_id=kpi_row.id, year=year, quarter=quarter,
                  value=value, numerator=num, denominator=den, status=status))


@pytest.fixture
def data(engine, seeded):
    """ESV_PUB (stock, last) and ESV_DEMAT (ratio) for a few structures; ME and MEM merged into
    MEEM in April 2023; one draft that must never show."""
    with transaction(engine) as db:
        _add(db, "ME", "ESV_PUB", 2023, 1, value=3)
        _add(db, "MEM", "ESV_PUB", 2023, 1, value=4)
        _add(db, "MEEM", "ESV_PUB", 2023, 3, value=9)
        _add(db, "MEEM", "ESV_PUB", 2023, 4, value=11)
        _add(db, "MS", "ESV_PUB", 2023, 3, value=10)
        _add(db, "MS", "ESV_PUB", 2023, 4)  # nothing entered: missing, not zero
        _add(db, "MS", "ESV_DEMAT", 2023, 4, num=5, den=10)
        _add(db, "MEF", "ESV_DEMAT", 2023, 4, num=45, den=50)
        _add(db, "MEF", "ESV_PUB", 2023, 4, value=100, status="draft")
        db.add(Target(kpi_id=repo.get_kpi_by_code(db, "ESV_DEMAT").id, year=2023, value=60))
    with reading(engine) as db:
        return (dashboards.validated_results(db), dashboards.catalogue(db),
                dashboards.targets_frame(db))


def _kpi(cat, code):
    return int(cat.kpis.index[cat.kpis["code"] == code][0])


def test_merged_structures_show_under_their_successor_with_history(data):
    results, cat, targets = data
    trend = dashboards.structure_trend(results, cat, targets, "MEEM", _kpi(cat, "ESV_PUB"))
    # 2023 T1: ME 3 + MEM 4 reported before the merger, shown as MEEM's history.
    assert trend[["period", "value"]].values.tolist() == [
        ["2023-T1", 7.0], ["2023-T3", 9.0], ["2023-T4", 11.0]]


def test_national_ratio_is_the_ratio_of_sums_with_completeness(data):
    results, cat, targets = data
    trend = dashboards.trend_frame(results, cat, targets, _kpi(cat, "ESV_DEMAT"))
    row = trend.iloc[-1]
    assert row["value"] == pytest.approx(100 * 50 / 60)  # not (50 % + 90 %) / 2 = 70 %
    assert row["reporting"] == 2
    assert row["target"] == 60


def test_missing_values_stay_missing_and_drafts_never_count(data):
    results, cat, targets = data
    trend = dashboards.trend_frame(results, cat, targets, _kpi(cat, "ESV_PUB"))
    t4 = trend[trend["period"] == "2023-T4"].iloc[0]
    assert t4["value"] == 11  # MEEM only: MS left it empty, MEF's 100 is a draft
    assert t4["reporting"] == 1


def test_year_summary_takes_the_last_quarter_of_a_stock(data):
    results, cat, targets = data
    summary = dashboards.structure_year_summary(results, cat, targets, "MEEM", 2023)
    row = summary[summary["kpi"] == "ESV_PUB"].iloc[0]
    assert row["value"] == 11  # last quarter with a value, never 7 + 9 + 11


def test_attainment_lights_against_target(data, engine):
    results, cat, targets = data
    with reading(engine) as db:
        structures = dashboards.structures_in_force(db, 2023, 4)
    frame = dashboards.attainment_frame(results, cat, targets, 2023, 4, structures)
    lights = {(r.code, r.kpi): r.light for r in frame.itertuples()}
    assert lights[("MEF", "ESV_DEMAT")] == "green"  # 90 % ≥ 60 %
    assert lights[("MS", "ESV_DEMAT")] == "red"  # 50 % < 54 %
    assert lights[("MEEM", "ESV_PUB")] == "neutral"  # no target


def test_platform_stage_reached_and_since_when(engine, seeded):
    from tracker.dashboards.platforms import stage_frame

    with transaction(engine) as db:
        _add(db, "MS", "XRD_SS", 2024, 1, value=1)
        _add(db, "MS", "XRD_SVC_PUB", 2024, 3, value=2)
    with reading(engine) as db:
        results, cat = dashboards.validated_results(db), dashboards.catalogue(db)
    stages = stage_frame(dashboards.per_quarter_values(results, cat)).set_index(
        ["code", "platform"])
    assert stages.loc[("MS", "xroad"), "stage_key"] == "xroad_published"
    assert stages.loc[("MS", "xroad"), "since"] == "2024-T3"


def test_overdue_actions_count_per_structure(engine, seeded):
    from tracker.core.models import ActionItem

    with transaction(engine) as db:
        ms = repo.get_structure_by_code(db, "MS").id
        db.add(ActionItem(title="a", owner_structure_id=ms, due_date=date(2020, 1, 1)))
        db.add(ActionItem(title="b", owner_structure_id=ms, due_date=date(2020, 1, 1),
                          status="done"))
    with reading(engine) as db:
        frame = dashboards.overdue_by_structure(db, date(2026, 1, 1))
    assert frame.values.tolist() == [["MS", 1]]
