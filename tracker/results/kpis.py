"""Aggregation rules, in one place for every page and report.

- A ratio KPI is Σnumerators / Σdenominators (×100), across structures and over quarters; never a
  mean of percentages.
- ``last`` KPIs (stocks, year-to-date figures) take the last quarter with a value within the
  period, never a sum; year-to-date figures therefore restart with each year's T1.
- ``sum`` adds up; ``avg`` averages the quarters (or structures) that have a value.
- ``count_true`` counts the structures answering yes.
- A missing value is missing, not zero: an aggregate over nothing is None, and completeness is
  reported beside it.
- Traffic light: green at or better than target, amber within 10 % of it, red otherwise;
  neutral KPIs, and values without a target, get no colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

AMBER_TOLERANCE = 0.10


class Light(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"
    neutral = "neutral"
    missing = "missing"


@dataclass(frozen=True)
class KpiRule:
    """What aggregation needs to know of a KPI."""

    code: str
    unit: str
    direction: str
    agg_quarters: str
    agg_structures: str
    ratio: bool


def _present(series: pd.Series) -> pd.Series:
    return series.dropna()


def _rate(numerators: pd.Series, denominators: pd.Series) -> float | None:
    mask = numerators.notna() & denominators.notna()
    den = float(denominators[mask].sum())
    if not mask.any() or den == 0:
        return None
    return 100.0 * float(numerators[mask].sum()) / den


def across_structures(rule: KpiRule, rows: pd.DataFrame) -> float | None:
    """The national figure of one quarter from per-structure rows (value, numerator,
    denominator)."""
    if rows.empty:
        return None
    if rule.ratio:
        return _rate(rows["numerator"], rows["denominator"])
    values = _present(rows["value"])
    if values.empty:
        return None
    if rule.agg_structures == "sum":
        return float(values.sum())
    if rule.agg_structures == "count_true":
        return float((values > 0).sum())
    return float(values.mean())


def over_quarters(rule: KpiRule, rows: pd.DataFrame) -> float | None:
    """One structure's (or the nation's) figure over a period from per-quarter rows, which carry
    ``year``, ``quarter``, ``value`` and, for ratio KPIs, ``numerator`` and ``denominator``."""
    if rows.empty:
        return None
    if rule.agg_quarters == "last":
        if rule.ratio:
            complete = rows[rows["numerator"].notna() & rows["denominator"].notna()]
            if complete.empty:
                return None
            last = complete.sort_values(["year", "quarter"]).iloc[-1]
            return _rate(pd.Series([last["numerator"]]), pd.Series([last["denominator"]]))
        present = rows[rows["value"].notna()]
        if present.empty:
            return None
        return float(present.sort_values(["year", "quarter"]).iloc[-1]["value"])
    if rule.ratio:
        return _rate(rows["numerator"], rows["denominator"])
    values = _present(rows["value"])
    if values.empty:
        return None
    if rule.agg_quarters == "sum":
        return float(values.sum())
    return float(values.mean())


def national_series(rule: KpiRule, rows: pd.DataFrame) -> pd.DataFrame:
    """National figure per quarter: columns year, quarter, value, reporting (structures with a
    value)."""
    out = []
    for (year, quarter), group in rows.groupby(["year", "quarter"], sort=True):
        has_value = group["value"].notna() | (group["numerator"].notna()
                                              & group["denominator"].notna())
        out.append({"year": int(year), "quarter": int(quarter),  # type: ignore[call-overload]
                    "value": across_structures(rule, group[has_value]),
                    "reporting": int(has_value.sum())})
    return pd.DataFrame(out, columns=["year", "quarter", "value", "reporting"])


def display_value(rule: KpiRule, value: float | None, numerator: float | None,
                  denominator: float | None) -> float | None:
    """The figure a user reads for one result: the rate for a ratio KPI, else the value."""
    if rule.ratio:
        if numerator is None or denominator in (None, 0) or _nan(numerator) or _nan(denominator):
            return None
        assert denominator is not None
        return 100.0 * numerator / denominator
    return None if value is None or _nan(value) else value


def _nan(value: float | None) -> bool:
    return value is not None and isinstance(value, float) and math.isnan(value)


def light(direction: str, value: float | None, target: float | None) -> Light:
    """Traffic light of a value against its target."""
    if value is None or _nan(value):
        return Light.missing
    if direction == "neutral" or target is None or _nan(target):
        return Light.neutral
    if direction == "down":
        if value <= target:
            return Light.green
        # "within 10 %" of a target of zero means within 10 % of one unit
        return Light.amber if value <= target + AMBER_TOLERANCE * max(abs(target), 1) else Light.red
    if value >= target:
        return Light.green
    return Light.amber if value >= target - AMBER_TOLERANCE * abs(target) else Light.red


def jump_flag(value: float | None, previous: float | None, factor: float = 3.0) -> bool:
    """True when a value moved more than ×3 or ÷3 against the previous quarter."""
    if value is None or previous is None or _nan(value) or _nan(previous):
        return False
    if previous == 0 or value == 0:
        return (previous == 0) != (value == 0) and max(abs(value), abs(previous)) >= factor
    ratio = abs(value / previous)
    return ratio > factor or ratio < 1 / factor


def far_from_target(direction: str, value: float | None, target: float | None) -> bool:
    """True when a value misses its target by more than half of it (red and far)."""
    if direction == "neutral" or value is None or target is None:
        return False
    if direction == "down":
        return value > target + 0.5 * max(abs(target), 1)
    return value < target - 0.5 * abs(target)


def aggregate(rows: pd.DataFrame, rules: dict[int, KpiRule], by: list[str]) -> pd.DataFrame:
    """``across_structures`` for many groups at once: rows (kpi_id, value, numerator,
    denominator, structure_id and the ``by`` columns) grouped by ``by`` + kpi_id, each group
    rolled up by its KPI's national rule; also ``reporting``, the structures with a value."""
    columns = [*by, "kpi_id", "value", "reporting"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = rows[[*by, "kpi_id", "structure_id", "value", "numerator", "denominator"]].copy()
    complete = frame["numerator"].notna() & frame["denominator"].notna()
    frame["num"] = frame["numerator"].where(complete)
    frame["den"] = frame["denominator"].where(complete)
    is_ratio = frame["kpi_id"].map({k: r.ratio for k, r in rules.items()}).fillna(False)
    has = frame["value"].notna() | complete
    frame = frame[has & (~is_ratio.astype(bool) | complete)]
    frame["positive"] = (frame["value"] > 0).where(frame["value"].notna())
    grouped = frame.groupby([*by, "kpi_id"], sort=True)
    table = grouped.agg(vsum=("value", "sum"), vmean=("value", "mean"),
                        vcount=("value", "count"), vtrue=("positive", "sum"),
                        nsum=("num", "sum"), dsum=("den", "sum"),
                        reporting=("structure_id", "nunique")).reset_index()
    kind = table["kpi_id"].map({k: "ratio" if r.ratio else r.agg_structures
                                for k, r in rules.items()})
    rate = 100 * table["nsum"] / table["dsum"].where(table["dsum"] != 0)
    value = table["vmean"].where(table["vcount"] > 0)
    value = value.mask(kind == "sum", table["vsum"].where(table["vcount"] > 0))
    value = value.mask(kind == "count_true", table["vtrue"].where(table["vcount"] > 0))
    value = value.mask(kind == "ratio", rate)
    table["value"] = value.astype("float64")
    return table[columns]


def target_keys(structure_id: int | None, quarter: int) -> list[tuple[int | None, int]]:
    """Which target applies, most specific first: the structure's for the quarter, the
    structure's for the year, the national one for the quarter, the national one for the year
    (a year target is stored with quarter 0). The one rule every page and report follows."""
    own = [(structure_id, quarter), (structure_id, 0)] if structure_id is not None else []
    return [*own, (None, quarter), (None, 0)]


def year_end_array(rule: KpiRule, values: np.ndarray, numerators: np.ndarray,
                   denominators: np.ndarray) -> np.ndarray:
    """``over_quarters`` for many series at once: arrays (..., quarters) with NaN for a missing
    quarter, rolled up over the last axis by the KPI's rule (same results, NaN for None); the
    forecasts use it to read thousands of year-ends without one frame each."""
    if rule.ratio:
        complete = ~np.isnan(numerators) & ~np.isnan(denominators)
        if rule.agg_quarters == "last":
            position = np.where(complete, np.arange(complete.shape[-1]), -1).max(axis=-1)
            safe = np.maximum(position, 0)[..., None]
            num = np.take_along_axis(numerators, safe, axis=-1)[..., 0]
            den = np.take_along_axis(denominators, safe, axis=-1)[..., 0]
            num, den = np.where(position >= 0, num, np.nan), np.where(position >= 0, den, np.nan)
        else:
            num = np.where(complete, numerators, 0.0).sum(axis=-1)
            den = np.where(complete, denominators, 0.0).sum(axis=-1)
            num = np.where(complete.any(axis=-1), num, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((den != 0) & ~np.isnan(den), 100.0 * num / den, np.nan)
    present = ~np.isnan(values)
    if rule.agg_quarters == "last":
        position = np.where(present, np.arange(present.shape[-1]), -1).max(axis=-1)
        picked = np.take_along_axis(values, np.maximum(position, 0)[..., None], axis=-1)[..., 0]
        return np.where(position >= 0, picked, np.nan)
    if rule.agg_quarters == "sum":
        return np.where(present.any(axis=-1), np.where(present, values, 0.0).sum(axis=-1),
                        np.nan)
    count = present.sum(axis=-1)
    total = np.where(present, values, 0.0).sum(axis=-1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)
