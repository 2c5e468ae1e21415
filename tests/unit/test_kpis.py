"""Aggregation rules on hand-computed examples (product.md, "Aggregation rules")."""

import pandas as pd
import pytest

from tracker.results.kpis import (
    KpiRule,
    Light,
    across_structures,
    display_value,
    jump_flag,
    light,
    national_series,
    over_quarters,
)

RATIO = KpiRule("ESV_DEMAT", "percent", "up", "last", "ratio", True)
FLOW_RATIO = KpiRule("ESV_SLA", "percent", "up", "ratio", "ratio", True)
STOCK = KpiRule("ESV_PUB", "count", "up", "last", "sum", False)
FLOW = KpiRule("ESV_NEW", "count", "up", "sum", "sum", False)
AVERAGE = KpiRule("OPS_MTTR", "hours", "down", "avg", "avg", False)
YTD = KpiRule("BUD_ENG", "percent", "up", "last", "ratio", True)
BOOL = KpiRule("SEC_RSSI", "bool", "up", "last", "count_true", False)


def frame(rows):
    return pd.DataFrame(rows, columns=["structure", "year", "quarter", "value", "numerator",
                                       "denominator"])


def test_ratio_across_structures_is_ratio_of_sums_not_mean_of_percentages():
    rows = frame([("MS", 2025, 2, None, 5, 12), ("MEF", 2025, 2, None, 90, 100)])
    # (5 + 90) / (12 + 100) = 84.82 %, whereas the mean of 41.7 % and 90 % would be 65.8 %
    assert across_structures(RATIO, rows) == pytest.approx(100 * 95 / 112)


def test_ratio_over_quarters_sums_numerators_and_denominators():
    rows = frame([("MS", 2025, 1, None, 9, 10), ("MS", 2025, 2, None, 1, 90)])
    assert over_quarters(FLOW_RATIO, rows) == pytest.approx(10.0)


def test_last_kpi_takes_last_quarter_with_a_value_and_never_sums():
    rows = frame([("MS", 2025, 1, 10, None, None), ("MS", 2025, 2, 12, None, None),
                  ("MS", 2025, 3, None, None, None)])
    assert over_quarters(STOCK, rows) == 12


def test_year_to_date_ratio_restarts_with_t1():
    rows_2026 = frame([("MS", 2026, 1, None, 20, 100)])
    assert over_quarters(YTD, rows_2026) == pytest.approx(20.0)


def test_sum_and_avg_skip_missing_values_instead_of_counting_zero():
    rows = frame([("MS", 2025, 1, 2, None, None), ("MS", 2025, 2, None, None, None),
                  ("MS", 2025, 3, 4, None, None)])
    assert over_quarters(FLOW, rows) == 6
    assert over_quarters(AVERAGE, rows) == 3


def test_nothing_reported_is_missing_not_zero():
    assert across_structures(FLOW, frame([("MS", 2025, 1, None, None, None)])) is None
    assert over_quarters(RATIO, frame([])) is None


def test_count_true_counts_structures_answering_yes():
    rows = frame([("MS", 2025, 1, 1, None, None), ("MEF", 2025, 1, 0, None, None),
                  ("MND", 2025, 1, 1, None, None)])
    assert across_structures(BOOL, rows) == 2


def test_national_series_reports_completeness_beside_the_value():
    rows = frame([("MS", 2025, 1, 3, None, None), ("MEF", 2025, 1, None, None, None),
                  ("MS", 2025, 2, 4, None, None), ("MEF", 2025, 2, 5, None, None)])
    series = national_series(FLOW, rows)
    assert series.to_dict("records") == [
        {"year": 2025, "quarter": 1, "value": 3.0, "reporting": 1},
        {"year": 2025, "quarter": 2, "value": 9.0, "reporting": 2}]


@pytest.mark.parametrize(("direction", "value", "target", "expected"), [
    ("up", 80, 80, Light.green), ("up", 73, 80, Light.amber), ("up", 71, 80, Light.red),
    ("down", 4, 4, Light.green), ("down", 4.3, 4, Light.amber), ("down", 6, 4, Light.red),
    ("neutral", 1, 2, Light.neutral), ("up", None, 80, Light.missing),
    ("up", 50, None, Light.neutral),
])
def test_traffic_light_against_target(direction, value, target, expected):
    assert light(direction, value, target) == expected


def test_display_value_of_ratio_is_recomputed_from_its_parts():
    assert display_value(RATIO, None, 5, 20) == 25.0
    assert display_value(RATIO, 99.0, None, 20) is None


def test_jump_flag_triggers_beyond_three_times_either_way():
    assert jump_flag(31, 10) and jump_flag(3, 10)
    assert not jump_flag(29, 10) and not jump_flag(4, 10) and not jump_flag(5, None)


def test_vectorised_aggregate_equals_the_rule_one_group_at_a_time():
    from tracker.results.kpis import aggregate

    rules = {1: RATIO, 2: FLOW, 3: AVERAGE, 4: BOOL}
    rows = pd.DataFrame([
        (1, "MS", 2025, 1, None, 5, 12), (1, "MEF", 2025, 1, None, 90, 100),
        (1, "MND", 2025, 1, None, 3, None), (2, "MS", 2025, 1, 2, None, None),
        (2, "MEF", 2025, 1, None, None, None), (3, "MS", 2025, 1, 4, None, None),
        (3, "MEF", 2025, 1, 6, None, None), (4, "MS", 2025, 1, 1, None, None),
        (4, "MEF", 2025, 1, 0, None, None)],
        columns=["kpi_id", "structure_id", "year", "quarter", "value", "numerator",
                 "denominator"])
    table = aggregate(rows, rules, ["year", "quarter"]).set_index("kpi_id")
    for kpi_id, rule in rules.items():
        expected = across_structures(rule, rows[rows["kpi_id"] == kpi_id])
        assert table.loc[kpi_id, "value"] == pytest.approx(expected)
    assert table.loc[1, "reporting"] == 2  # MND gave no denominator: not reported
    assert table.loc[2, "reporting"] == 1
