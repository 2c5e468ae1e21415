"""The frames behind the dashboards, on a small data set computed by hand."""

from datetime import date

import pandas as pd
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
    # 2023 T1: ME 3 + MEM 4 reported before the merger, shown as MEEM's history; T2 has no
    # data: a row without a value (a gap on the time axis), never dropped nor zero.
    assert trend["period"].tolist() == ["2023-T1", "2023-T2", "2023-T3", "2023-T4"]
    assert trend["value"].tolist()[0] == 7.0 and trend["value"].tolist()[2:] == [9.0, 11.0]
    assert pd.isna(trend["value"].iloc[1])


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


# --- trends on a real time axis, provisional quarters apart (issue 13) ----------------------


def _progress(year, quarter, validated, expected, window_open):
    from tracker.results.submissions import QuarterProgress

    return {(year, quarter): QuarterProgress(year, quarter, validated, expected, window_open)}


def test_trend_keeps_missing_quarters_as_gaps_on_a_time_axis(data):
    results, cat, targets = data
    trend = dashboards.trend_frame(results, cat, targets, _kpi(cat, "ESV_PUB"))
    assert trend["period"].tolist() == ["2023-T1", "2023-T2", "2023-T3", "2023-T4"]
    gap = trend[trend["period"] == "2023-T2"].iloc[0]
    assert pd.isna(gap["value"]) and gap["reporting"] == 0
    assert [d.date() for d in trend["date"]] == [date(2023, 1, 1), date(2023, 4, 1),
                                                 date(2023, 7, 1), date(2023, 10, 1)]
    assert not trend["provisional"].any()  # no progress given: nothing is flagged


def test_trend_flags_the_quarter_still_open_for_entry(data):
    results, cat, targets = data
    progress = {**_progress(2023, 3, 28, 30, False), **_progress(2023, 4, 5, 30, True)}
    trend = dashboards.trend_frame(results, cat, targets, _kpi(cat, "ESV_PUB"), progress)
    last = trend.iloc[-1]
    assert last["period"] == "2023-T4" and bool(last["provisional"])
    assert (last["validated"], last["expected"]) == (5, 30)
    assert not trend[trend["period"] == "2023-T3"]["provisional"].iloc[0]
    structure = dashboards.structure_trend(results, cat, targets, "MEEM", _kpi(cat, "ESV_PUB"),
                                           progress)
    assert structure["provisional"].tolist() == [False, False, False, True]


def test_provisional_rule_window_open_or_fewer_than_half_validated():
    from tracker.results.submissions import QuarterProgress

    assert QuarterProgress(2026, 3, 30, 30, True).provisional  # window still open
    assert QuarterProgress(2026, 2, 14, 30, False).provisional  # closed, under half validated
    assert not QuarterProgress(2026, 2, 15, 30, False).provisional
    assert not QuarterProgress(2026, 1, 29, 30, False).provisional


def test_quarter_progress_reads_windows_and_validated_submissions(engine, seeded):
    from tracker.core.models import Submission, SubmissionWindow
    from tracker.results.submissions import quarter_progress

    with transaction(engine) as db:
        db.add(SubmissionWindow(year=2026, quarter=2, opens_on=date(2026, 7, 1),
                                closes_on=date(2026, 8, 8)))
        db.add(SubmissionWindow(year=2026, quarter=3, opens_on=date(2026, 10, 1),
                                closes_on=date(2026, 12, 17)))
        for code in ("MS", "MEF"):
            sid = repo.get_structure_by_code(db, code).id
            db.add(Submission(structure_id=sid, year=2026, quarter=3, status="validated"))
            db.add(Submission(structure_id=sid, year=2026, quarter=2, status="validated"))
    with reading(engine) as db:
        progress = quarter_progress(db, date(2026, 12, 4))
        expected = len(dashboards.structures_in_force(db, 2026, 3))
    open_quarter = progress[(2026, 3)]
    assert (open_quarter.validated, open_quarter.expected) == (2, expected)
    assert open_quarter.window_open and open_quarter.provisional
    assert not progress[(2026, 2)].window_open


def test_trend_chart_draws_the_provisional_quarter_apart_and_labelled(data):
    from tracker.dashboards import charts

    results, cat, targets = data
    kpi = _kpi(cat, "ESV_PUB")
    trend = dashboards.trend_frame(results, cat, targets, kpi, _progress(2023, 4, 5, 30, True))
    figure = charts.trend_chart(trend, dashboards.kpi_name(cat, kpi, "fr"), "count",
                                code="ESV_PUB")
    line, provisional = figure.data[0], figure.data[1]
    assert list(line.y[:3]) == [7.0, None, 9.0] or pd.isna(line.y[1])
    assert pd.isna(line.y[-1])  # the open quarter is not joined to the line
    assert list(provisional.y) == [11.0]
    assert "provisoire : 5/30 structures validées" in provisional.text[0]
    assert figure.layout.xaxis.type == "date"
    assert list(figure.layout.xaxis.ticktext) == ["T1 2023", "T2 2023", "T3 2023", "T4 2023"]
    assert figure.layout.yaxis.title.text and figure.layout.xaxis.title.text
    assert figure.layout.yaxis.tickformat == ",d"  # a count never ticks at 0,5
    assert "ESV_PUB" not in figure.layout.title.text  # the name, the code in the hover only
    assert "ESV_PUB" in line.hovertemplate


def test_heatmap_names_kpis_and_has_a_legend_of_classes_with_counts(data, engine):
    from tracker.dashboards import charts

    results, cat, targets = data
    with reading(engine) as db:
        structures = dashboards.structures_in_force(db, 2023, 4)
    frame = dashboards.attainment_frame(results, cat, targets, 2023, 4, structures)
    names = dashboards.kpi_names(cat, "fr")
    figure = charts.heatmap_chart(frame, 2023, 4, names=names)
    heat = figure.data[0]
    assert "ESV_DEMAT" not in " ".join(heat.y)
    assert names["ESV_DEMAT"].split()[0] in heat.y[list(frame["kpi"].unique()).index(
        "ESV_DEMAT")]
    # The hover: structure and KPI from the axes, the cell's value, target and class from its
    # own data (no sentence repeated in every cell).
    assert heat.text is None and "%{x} · %{y}" in heat.hovertemplate
    row = list(frame["kpi"].unique()).index("ESV_DEMAT")
    column = list(heat.x).index("MEF")
    assert list(heat.customdata[row][column]) == ["90\u202f%", "60\u202f%", "cible atteinte"]
    legend = [trace.name for trace in figure.data[1:] if trace.showlegend]
    assert legend[0].startswith("cible atteinte (1)")  # MEF's 90 % against 60 %
    assert any(name.startswith("loin de la cible (1)") for name in legend)
    assert figure.layout.legend.title.text


def test_platform_chart_names_stages_in_cells_and_legend(engine, seeded):
    from tracker.dashboards import charts, platforms

    with transaction(engine) as db:
        _add(db, "MS", "XRD_SS", 2024, 1, value=1)
    with reading(engine) as db:
        results, cat = dashboards.validated_results(db), dashboards.catalogue(db)
    stages = platforms.stage_frame(dashboards.per_quarter_values(results, cat))
    figure = charts.platform_chart(stages, [p.key for p in platforms.PLATFORMS])
    assert "serveur (1/3)" in [c for row in figure.data[0].text for c in row]
    assert "serveur de sécurité en production" in " ".join(
        c for row in figure.data[0].customdata for c in row)
    assert [trace.name for trace in figure.data[1:]] == [
        "aucune étape (4)", "étape intermédiaire (1)", "dernière étape atteinte (0)"]


def test_tile_delta_says_unit_and_period():
    assert dashboards.delta_text(3.3, "percent", 2026, 2) == "+3,3 pts vs T1 2026"
    assert dashboards.delta_text(-12, "count", 2026, 1) == "-12 vs T4 2025"
    assert dashboards.delta_text(None, "count", 2026, 1) is None


def test_actions_chart_labels_every_bar_top_structures_then_others():
    from tracker.conference import charts as action_charts

    counts = pd.DataFrame({"owner": [f"S{i:02d}" for i in range(44)], "code": "in_progress",
                           "status": "en cours", "count": list(range(44, 0, -1))})
    figure = action_charts.status_by_structure_chart(counts, "Actions")
    order = list(figure.layout.yaxis.categoryarray)
    assert len(order) == action_charts.TOP_STRUCTURES and order[0] == "S00"
    assert order[-1] == "autres (15 structures)"
    few = action_charts.status_by_structure_chart(counts.head(28), "Actions")
    assert len(few.layout.yaxis.categoryarray) == 28  # all 28 shown, each labelled
    assert figure.layout.yaxis.dtick == 1 or figure.layout.yaxis.type == "category"
