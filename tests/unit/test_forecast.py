"""Year-end forecasts on constructed series with known answers, read with the KPI's own
aggregation rule; too little history gives « données insuffisantes », never a number."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tracker.dashboards import forecast as fc
from tracker.dashboards import forecast_views as fv
from tracker.dashboards.views import Catalogue
from tracker.results.kpis import KpiRule, over_quarters, year_end_array

FIRST, YEAR = 2020, 2025
SUM = KpiRule("FLOW", "count", "up", "sum", "sum", False)
LAST = KpiRule("STOCK", "count", "up", "last", "sum", False)
AVG = KpiRule("LEVEL", "percent", "up", "avg", "avg", False)
RATIO = KpiRule("RATE", "percent", "up", "ratio", "ratio", True)


def rows_of(values, *, key="MS", numerators=None, denominators=None):
    """Quarterly rows from FIRST-T1 on, one value per quarter (None: not known)."""
    out = []
    for t, value in enumerate(values):
        out.append({"key": key, "year": FIRST + t // 4, "quarter": t % 4 + 1,
                    "value": np.nan if value is None else float(value),
                    "numerator": np.nan if numerators is None else float(numerators[t]),
                    "denominator": np.nan if denominators is None else float(denominators[t])})
    return pd.DataFrame(out)


def year_end(rule, rows, quarter):
    panel = fc.make_panel(rows, FIRST, YEAR)
    return fc.forecasts(rule, panel, YEAR, quarter)


def test_a_linear_flow_is_summed_to_its_exact_year_end():
    values = [100 + 10 * t for t in range(22)]  # 2020-T1 .. 2025-T2

    figures = year_end(SUM, rows_of(values), 2)

    assert figures["model"][0] == pytest.approx(300 + 310 + 320 + 330)
    assert figures["carry"][0] == pytest.approx(300 + 310 + 310 + 310)


def test_a_seasonal_flow_keeps_its_seasons():
    season = [50, 100, 150, 100]
    values = [season[t % 4] for t in range(21)]  # 2025-T1 known

    figures = year_end(SUM, rows_of(values), 1)

    assert figures["model"][0] == pytest.approx(400)
    assert figures["carry"][0] == pytest.approx(200)  # T1 carried forward misses the seasons


def test_a_stock_takes_its_year_end_value_never_a_sum():
    values = [10 + 2 * t for t in range(22)]

    figures = year_end(LAST, rows_of(values), 2)

    assert figures["model"][0] == pytest.approx(10 + 2 * 23)  # the T4 value


def test_a_ratio_is_the_ratio_of_summed_numerators_and_denominators():
    numerators = [40 + t for t in range(21)]
    denominators = [100 if t % 2 else 300 for t in range(21)]
    rows = rows_of([None] * 21, numerators=numerators, denominators=denominators)

    figures = year_end(RATIO, rows, 1)

    # T1..T4 2025: numerators 60..63, denominators 300, 100, 300, 100
    assert figures["model"][0] == pytest.approx(100 * (60 + 61 + 62 + 63) / 800)


def catalogue_of(rule):
    kpis = pd.DataFrame([{"id": 1, "code": rule.code, "group": "test", "label_fr": rule.code,
                          "label_en": rule.code, "unit": rule.unit,
                          "direction": rule.direction, "position": 1, "platform": ""}]
                        ).set_index("id")
    return Catalogue(kpis, {1: rule})


def targets_of(value):
    return pd.DataFrame([{"kpi_id": 1, "year": YEAR, "structure_id": None, "quarter": 0,
                          "value": value}])


def forecast_lines(rule, rows, target, quarter):
    frame = pd.concat([rows, rows.assign(key=fv.NATIONAL)]).assign(kpi_id=1)
    return fv.forecast_frame(frame, catalogue_of(rule), targets_of(target), YEAR, quarter,
                             {"MS": 7})


def test_a_series_with_two_quarters_of_history_gives_insufficient_data():
    rows = rows_of([None] * 20 + [100, 110])

    lines = forecast_lines(SUM, rows, 300, 2)
    ms = lines[lines["structure"] == "MS"].iloc[0]

    assert ms["class"] == "insufficient"
    assert ms["forecast"] is None
    assert ms["actual_to_date"] == 210
    assert ms["quarters_used"] == 2


def test_a_linear_flow_is_classed_against_its_target():
    rows = rows_of([100 + 10 * t for t in range(22)])

    on_track = forecast_lines(SUM, rows, 1200, 2).iloc[0]
    off_track = forecast_lines(SUM, rows, 1500, 2).iloc[0]
    reached = forecast_lines(SUM, rows, 600, 2).iloc[0]

    assert on_track["forecast"] == pytest.approx(1260)
    assert on_track["class"] == "on_track" and on_track["probability"] == 1.0
    assert off_track["class"] == "off_track" and off_track["probability"] == 0.0
    assert reached["class"] == "reached"  # 610 already: a sum of counts only grows


def test_the_backtest_scores_the_method_beside_both_baselines():
    rows = rows_of([100 + 10 * t for t in range(24)])
    panel = fc.make_panel(rows, FIRST, YEAR)

    result = fc.backtest(SUM, panel, YEAR + 1)
    # from 6 known quarters on, the line is drawn (before, a flat mean: fewer assumptions)
    table = fc.accuracy(result[result["year"] >= 2022].assign(family="sum"))

    assert set(result["as_of"]) == {1, 2, 3}
    assert set(result["year"]) == {2021, 2022, 2023, 2024, 2025}
    assert (table["mape_model"] < 1e-9).all()  # a straight line is forecast exactly
    assert (table["mape_carry"] > 0).all()
    assert table["beats"].all()


@pytest.mark.parametrize("rule", [SUM, LAST, AVG, RATIO, KpiRule("R2", "percent", "up", "last",
                                                                 "ratio", True)])
def test_year_end_array_gives_what_over_quarters_gives(rule):
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 50, (30, 4))
    values[rng.random((30, 4)) < 0.3] = np.nan
    numerators = np.where(np.isnan(values), np.nan, values)
    denominators = np.where(rng.random((30, 4)) < 0.2, np.nan, values + 50)

    arrays = year_end_array(rule, values, numerators, denominators)

    for i in range(30):
        frame = pd.DataFrame({"year": 2025, "quarter": [1, 2, 3, 4], "value": values[i],
                              "numerator": numerators[i], "denominator": denominators[i]})
        expected = over_quarters(rule, frame)
        assert (np.isnan(arrays[i]) and expected is None) or arrays[i] == pytest.approx(expected)


def test_a_quarter_not_validated_yet_is_forecast_like_those_to_come():
    reported = rows_of([100 + 10 * t for t in range(22)], key="MS")  # through 2025-T2
    late = rows_of([100 + 10 * t for t in range(21)], key="MEF")  # 2025-T2 not validated yet
    panel = fc.make_panel(pd.concat([reported, late]), FIRST, YEAR)

    figures = fc.forecasts(SUM, panel, YEAR, 2)

    assert figures["model"] == pytest.approx([1260, 1260])  # T2 of MEF projected, not zero


def test_the_default_quarter_is_the_last_one_validated_for_most_structures():
    def results(quarters):
        return pd.DataFrame([{"structure_id": s, "year": YEAR, "quarter": q}
                             for q, n in quarters.items() for s in range(n)])

    assert fv.as_of_quarter(results({1: 30, 2: 28, 3: 5}), YEAR) == 2  # T3 being validated
    assert fv.as_of_quarter(results({1: 30, 2: 28, 3: 20}), YEAR) == 3
    assert fv.as_of_quarter(results({1: 30}), YEAR + 1) == 0


def test_the_backtest_is_run_once_for_the_same_earlier_years(monkeypatch):
    """The backtest reads only the years before the one forecast: a second forecast of the
    year (another structure, the page after the sheet) is served from the memo; a change in an
    earlier year's result, or in the catalogue, runs it again."""
    rows = pd.concat([rows_of([100 + 10 * t for t in range(22)]).assign(kpi_id=1)])
    runs = []
    real = fv._backtest_frame
    monkeypatch.setattr(fv, "_backtest_frame", lambda *a: runs.append(1) or real(*a))
    fv._BACKTESTS.values.clear()
    first = fv.backtest_frame(rows, catalogue_of(SUM), YEAR)
    this_year = rows.copy()
    this_year.loc[this_year["year"] == YEAR, "value"] += 5  # this year's figures: not read
    again = fv.backtest_frame(this_year, catalogue_of(SUM), YEAR)
    assert len(runs) == 1
    pd.testing.assert_frame_equal(first, again)
    earlier = rows.copy()
    earlier.loc[0, "value"] = 1.0
    fv.backtest_frame(earlier, catalogue_of(SUM), YEAR)
    fv.backtest_frame(rows, catalogue_of(LAST), YEAR)
    assert len(runs) == 3


def test_the_quarterly_series_are_computed_once_for_the_same_results(monkeypatch):
    """The quarterly series are shared by the views of « Trajectoires » and the ratings: the
    same results are aggregated once; any changed figure gives a new computation, and a caller
    that changes its copy does not change what the next one gets."""
    results = pd.DataFrame({"structure_id": [1, 1, 2, 2], "kpi_id": [1] * 4,
                            "year": [YEAR] * 4, "quarter": [1, 2, 1, 2],
                            "value": [10.0, 20.0, 30.0, 40.0], "numerator": [None] * 4,
                            "denominator": [None] * 4, "code": ["A", "A", "B", "B"]})
    for column in ("numerator", "denominator"):
        results[column] = results[column].astype("float64")
    runs = []
    real = fv._quarter_rows
    monkeypatch.setattr(fv, "_quarter_rows", lambda *a: runs.append(1) or real(*a))
    fv._QUARTER_ROWS.values.clear()
    first = fv.quarter_rows(results, catalogue_of(SUM))
    first.loc[:, "value"] = -1.0
    again = fv.quarter_rows(results.copy(), catalogue_of(SUM))
    assert len(runs) == 1
    assert (again["value"] > 0).all()
    national = again[(again["key"] == fv.NATIONAL) & (again["quarter"] == 1)]
    assert national["value"].tolist() == [40.0]
    changed = results.copy()
    changed.loc[0, "value"] = 11.0
    moved = fv.quarter_rows(changed, catalogue_of(SUM))
    assert len(runs) == 2
    assert moved[(moved["key"] == fv.NATIONAL) & (moved["quarter"] == 1)]["value"].tolist() \
        == [41.0]


def test_the_row_median_is_numpys_nanmedian():
    rng = np.random.default_rng(7)
    for shape in [(4, 0), (6, 1), (40, 2), (40, 7), (200, 11)]:
        values = rng.normal(size=shape)
        values[rng.random(shape) < 0.3] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy warns on a row of NaN only
            expected = np.nanmedian(values, axis=1) if shape[1] else np.full(shape[0], np.nan)
        np.testing.assert_allclose(fc.nanmedian_rows(values), expected, equal_nan=True)
