"""Year-end forecasts of KPIs against their targets: pure arithmetic on arrays, no database.

The rule, as the « Trajectoires » page writes it: the quarters still to come (and those of the
year a structure has not had validated yet) are projected from the quarters known so far, then
the year's figure is read with the KPI's own aggregation rule
(``tracker.results.kpis.year_end_array``:
sum of quarters, last value, ratio of sums…), exactly as the bilan reads it.

- Flows (``sum``, ``avg``, the numerator and denominator of ratio KPIs): a straight line fitted
  through the last 8 quarters (a flat mean of the last 4 when fewer than 6 are known), times a
  quarterly seasonal index taken from earlier complete years only when those years agree with
  one another (else no seasonality).
- Stocks (``last``): the last known value plus the median quarterly change of the last 8
  quarters (from 3 changes on; else the value is carried forward).
- Accuracy is measured, not assumed: every earlier complete year is forecast again from its
  first 1, 2 and 3 quarters (a backtest) beside two naive baselines (last value carried forward;
  a straight line through the last 4 quarters). The errors of those past forecasts give the
  interval (5th–95th percentile) and the probability of meeting the target. Where the method
  does not beat both baselines for the KPI family and the quarter reached, or fewer than 4
  quarters are known, the answer is « données insuffisantes », never a number.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tracker.results.kpis import KpiRule, year_end_array

MIN_QUARTERS = 4
METHODS = ("model", "carry", "line")
CLASSES = ("reached", "on_track", "watch", "off_track", "insufficient")
ON_TRACK, OFF_TRACK = 0.7, 0.3
FIT_WINDOW, LINE_WINDOW, LEVEL_WINDOW = 8, 4, 4
BLEND = 0.5
MIN_LINE = 6  # quarters known in the window before a line is drawn


@dataclass(frozen=True)
class Panel:
    """One KPI's quarterly series for several entities (structures, or the nation) on one
    timeline: index ``(year - first_year) * 4 + quarter - 1``; NaN where nothing is known."""

    keys: list[str | None]
    first_year: int
    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray

    def index(self, year: int, quarter: int) -> int:
        return (year - self.first_year) * 4 + quarter - 1


def family(rule: KpiRule) -> str:
    """The KPI family a forecast is judged in: how its year rolls up (ratio KPIs apart)."""
    return "ratio" if rule.ratio else rule.agg_quarters


def make_panel(rows: pd.DataFrame, first_year: int, last_year: int) -> Panel:
    """Rows (key, year, quarter, value, numerator, denominator) as arrays on one timeline."""
    keys = list(dict.fromkeys(rows["key"]))
    size = (last_year - first_year + 1) * 4
    arrays = [np.full((len(keys), size), np.nan) for _ in range(3)]
    if not rows.empty:
        row = rows["key"].map({k: i for i, k in enumerate(keys)}).to_numpy()
        col = ((rows["year"] - first_year) * 4 + rows["quarter"] - 1).to_numpy()
        inside = (col >= 0) & (col < size)
        for array, name in zip(arrays, ("value", "numerator", "denominator"), strict=True):
            array[row[inside], col[inside]] = rows[name].to_numpy(dtype=float)[inside]
    return Panel(keys, first_year, *arrays)


def _last_known(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    position = np.where(~np.isnan(series), np.arange(series.shape[1]), -1).max(axis=1)
    picked = series[np.arange(series.shape[0]), np.maximum(position, 0)]
    return position, np.where(position >= 0, picked, np.nan)


def _line(window: np.ndarray, start: int, minimum: int) -> tuple[np.ndarray, ...]:
    """Least squares per row through the known points of a window (NaN-aware): centre, mean,
    slope (0 where fewer than ``minimum`` points are known), count."""
    x = np.arange(start, start + window.shape[1], dtype=float)
    known = ~np.isnan(window)
    count = known.sum(axis=1)
    safe = np.maximum(count, 1)
    xm = np.where(known, x, 0.0).sum(axis=1) / safe
    ym = np.where(known, window, 0.0).sum(axis=1) / safe
    dx = np.where(known, x - xm[:, None], 0.0)
    spread = (dx ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(known, dx * (np.nan_to_num(window) - ym[:, None]), 0.0).sum(
            axis=1) / spread
    slope = np.where((count >= minimum) & (spread > 0), slope, 0.0)
    return xm, np.where(count > 0, ym, np.nan), slope, count


def nanmedian_rows(values: np.ndarray) -> np.ndarray:
    """Each row's median, NaN left out (NaN for a row of NaN only): numpy's nanmedian, written
    with one sort because numpy's goes through masked arrays row by row on small arrays, which
    the backtest calls thousands of times."""
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    ordered = np.sort(values, axis=1)  # NaN sort last
    count = (~np.isnan(values)).sum(axis=1)
    low = np.clip((count - 1) // 2, 0, None)[:, None]
    high = np.clip(count // 2, 0, values.shape[1] - 1)[:, None]
    middle = (np.take_along_axis(ordered, low, axis=1)
              + np.take_along_axis(ordered, high, axis=1))[:, 0] / 2
    return np.where(count > 0, middle, np.nan)


def seasonal_index(series: np.ndarray, cutoff: int) -> np.ndarray:
    """Per row, each quarter's ratio to the centred 4-quarter moving average (a trend does not
    read as a season), median over the years up to the cutoff; 1 everywhere unless every
    quarter has 2 ratios and the pattern is larger than twice its own standard error."""
    known = series[:, :cutoff + 1]
    size = known.shape[1]
    if size < 6:
        return np.ones((series.shape[0], 4))
    centred = (0.5 * known[:, :-4] + known[:, 1:-3] + known[:, 2:-2] + known[:, 3:-1]
               + 0.5 * known[:, 4:]) / 4  # centred on quarters 2 .. size - 3
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(centred > 0, known[:, 2:-2] / centred, np.nan)
    quarter = np.arange(2, size - 2) % 4
    index = np.ones((series.shape[0], 4))
    count = np.zeros((series.shape[0], 4))
    spreads = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for q in range(4):
            sample = ratio[:, quarter == q]
            index[:, q] = nanmedian_rows(sample)
            count[:, q] = (~np.isnan(sample)).sum(axis=1)
            spreads.append(np.abs(sample - index[:, q:q + 1]))
        spread = 1.4826 * nanmedian_rows(np.concatenate(spreads, axis=1))
    error = 1.25 * np.nan_to_num(spread) / np.sqrt(np.maximum(count.min(axis=1), 1))
    supported = (count.min(axis=1) >= 2) & np.all(np.isfinite(index) & (index > 0), axis=1)
    supported &= np.nanmax(np.abs(np.nan_to_num(index, nan=1.0) - 1), axis=1) > 2 * error
    index = np.where(supported[:, None], index, 1.0)
    return np.asarray(index / index.mean(axis=1, keepdims=True))


def _fit(window: np.ndarray, start: int, xm: np.ndarray, ym: np.ndarray,
         slope: np.ndarray) -> np.ndarray:
    """R² of the line through a window (0 without a slope): how much of the spread it explains."""
    x = np.arange(start, start + window.shape[1], dtype=float)
    known = ~np.isnan(window)
    fitted = ym[:, None] + slope[:, None] * (x - xm[:, None])
    residual = np.where(known, (np.nan_to_num(window) - fitted) ** 2, 0.0).sum(axis=1)
    total = np.where(known, (np.nan_to_num(window) - ym[:, None]) ** 2, 0.0).sum(axis=1)
    r2 = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), 0.0)
    return np.clip(r2, 0.0, 1.0)


@dataclass(frozen=True)
class FlowParts:
    """The figures a flow forecast is made of, per row: seasonal index (4 quarters), the line
    (centre, mean, slope per quarter; slope 0 without one), the flat mean of the last 4
    quarters, the last quarter (deseasonalised) and the weight of the line against it."""

    season: np.ndarray
    centre: np.ndarray
    mean: np.ndarray
    slope: np.ndarray
    flat: np.ndarray
    last: np.ndarray
    weight: np.ndarray
    fitted: np.ndarray


def flow_parts(series: np.ndarray, cutoff: int) -> FlowParts:
    """The parts of the flow forecast from the quarters up to ``cutoff``."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        season = seasonal_index(series, cutoff)
        start = max(0, cutoff - FIT_WINDOW + 1)
        quarters = np.arange(start, cutoff + 1) % 4
        deseasoned = series[:, start:cutoff + 1] / season[:, quarters]
        xm, ym, slope, count = _line(deseasoned, start, MIN_LINE)
        flat_start = max(0, cutoff - LEVEL_WINDOW + 1)
        _, flat, _, _ = _line(deseasoned[:, flat_start - start:], flat_start, 99)
        # the line, blended with the last quarter (deseasonalised) as much as the line fits
        # badly: the last quarter carries what is particular to this year, which a line smooths
        _, last = _last_known(series[:, :cutoff + 1] / season[:, np.arange(cutoff + 1) % 4])
        weight = BLEND + (1 - BLEND) * _fit(deseasoned, start, xm, ym, slope)
    return FlowParts(season, xm, ym, slope, flat, last, weight, count)


def _project_flow(series: np.ndarray, cutoff: int, steps: np.ndarray) -> np.ndarray:
    parts = flow_parts(series, cutoff)
    trend = np.where(parts.fitted[:, None] >= MIN_LINE,
                     parts.mean[:, None] + parts.slope[:, None] * (steps - parts.centre[:, None]),
                     parts.flat[:, None])
    weight = parts.weight[:, None]
    blended = np.where(np.isnan(parts.last)[:, None], trend,
                       weight * trend + (1 - weight) * parts.last[:, None])
    return blended * parts.season[:, steps % 4]


def stock_parts(series: np.ndarray, cutoff: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The last known value, its position, and the median quarterly change of the last 8
    quarters (0 with fewer than 3 changes known)."""
    start = max(0, cutoff - FIT_WINDOW)
    changes = np.diff(series[:, start:cutoff + 1], axis=1)
    enough = (~np.isnan(changes)).sum(axis=1) >= 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        drift = np.where(enough, nanmedian_rows(changes), 0.0)
    position, last = _last_known(series[:, :cutoff + 1])
    return last, position, np.nan_to_num(drift)


def _project_stock(series: np.ndarray, cutoff: int, steps: np.ndarray) -> np.ndarray:
    last, position, drift = stock_parts(series, cutoff)
    return last[:, None] + drift[:, None] * (steps - position[:, None])


def _project(series: np.ndarray, cutoff: int, first: int, end: int, method: str,
             stock: bool) -> np.ndarray:
    """Quarters ``first`` to ``end`` (inclusive) as projected from the quarters up to
    ``cutoff`` (quarters of the year not validated yet are projected like those to come)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _projected(series[:, :cutoff + 1], cutoff, np.arange(first, end + 1), method,
                          stock)


def _projected(known: np.ndarray, cutoff: int, steps: np.ndarray, method: str,
               stock: bool) -> np.ndarray:
    if method == "carry":
        _, last = _last_known(known)
        return np.repeat(last[:, None], steps.size, axis=1)
    if method == "line":
        start = max(0, cutoff - LINE_WINDOW + 1)
        xm, ym, slope, _ = _line(known[:, start:], start, 2)
        return ym[:, None] + slope[:, None] * (steps - xm[:, None])
    return _project_stock(known, cutoff, steps) if stock else _project_flow(known, cutoff, steps)


def _clip(values: np.ndarray, unit: str, history: np.ndarray | None = None) -> np.ndarray:
    upper = {"percent": 100.0, "bool": 1.0}.get(unit, np.inf)
    if unit == "bool" and history is not None and np.nanmax(history, initial=0.0) > 1:
        upper = np.inf  # the nation's figure of a yes/no KPI counts the structures saying yes
    return np.clip(values, 0.0, upper)


def completed(rule: KpiRule, panel: Panel, cutoff: int, method: str) -> Panel:
    """The panel known up to ``cutoff`` with the cutoff's year completed: every quarter of it
    without a value (to come, or not validated yet) projected."""
    first, end = (cutoff // 4) * 4, (cutoff // 4) * 4 + 3
    stock = rule.agg_quarters == "last"
    out = []
    for array, unit in ((panel.value, rule.unit), (panel.numerator, "count"),
                        (panel.denominator, "count")):
        filled = array[:, :end + 1].copy()
        filled[:, cutoff + 1:] = np.nan
        if not rule.ratio or array is not panel.value:
            year = filled[:, first:end + 1]
            projected = _clip(_project(filled, cutoff, first, end, method, stock), unit, filled)
            filled[:, first:end + 1] = np.where(np.isnan(year), projected, year)
        out.append(filled)
    if rule.ratio:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[0] = np.where(out[2] > 0, 100.0 * out[1] / out[2], np.nan)
    return Panel(panel.keys, panel.first_year, *out)


def year_figure(rule: KpiRule, panel: Panel, year: int, through: int = 4) -> np.ndarray:
    """Each entity's figure for the year by the KPI's rule, over quarters 1..``through``."""
    start = panel.index(year, 1)
    cut = slice(start, start + through)
    return year_end_array(rule, panel.value[:, cut], panel.numerator[:, cut],
                          panel.denominator[:, cut])


def quarters_known(rule: KpiRule, panel: Panel, cutoff: int) -> np.ndarray:
    """How many quarters of history each entity has up to the cutoff."""
    if rule.ratio:
        known = ~np.isnan(panel.numerator) & ~np.isnan(panel.denominator)
    else:
        known = ~np.isnan(panel.value)
    return np.asarray(known[:, :cutoff + 1].sum(axis=1))


def forecasts(rule: KpiRule, panel: Panel, year: int, quarter: int) -> dict[str, np.ndarray]:
    """Year-end figure of ``year`` by each method, from the quarters up to ``quarter``."""
    cutoff = panel.index(year, quarter)
    return {m: year_figure(rule, completed(rule, panel, cutoff, m), year) for m in METHODS}


def backtest(rule: KpiRule, panel: Panel, before: int) -> pd.DataFrame:
    """Every complete year before ``before`` forecast again from its Q1, Q2 and Q3, beside the
    actual year-end: columns key, year, as_of, actual, model, carry, line."""
    frames = []
    last_year = min(before - 1, panel.first_year + panel.value.shape[1] // 4 - 1)
    for year in range(panel.first_year + 1, last_year + 1):
        start = panel.index(year, 1)
        source = (panel.numerator, panel.denominator) if rule.ratio else (panel.value,)
        complete = np.all([(~np.isnan(a[:, start:start + 4])).all(axis=1) for a in source],
                          axis=0)
        if not complete.any():
            continue
        actual = year_figure(rule, panel, year)
        for quarter in (1, 2, 3):
            enough = quarters_known(rule, panel, panel.index(year, quarter)) >= MIN_QUARTERS
            chosen = complete & enough & ~np.isnan(actual)
            if not chosen.any():
                continue
            figures = forecasts(rule, panel, year, quarter)
            frames.append(pd.DataFrame({
                "key": np.asarray(panel.keys, dtype=object)[chosen], "year": year,
                "as_of": quarter, "actual": actual[chosen],
                **{m: figures[m][chosen] for m in METHODS}}))
    columns = ["key", "year", "as_of", "actual", *METHODS]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].dropna(subset=list(METHODS))


def accuracy(results: pd.DataFrame) -> pd.DataFrame:
    """Per family and quarter reached: forecasts scored, and the mean absolute percentage error
    (MAPE) and median absolute percentage error of the method and of both baselines."""
    scored = results[results["actual"].abs() > 1e-9]
    rows = []
    for (fam, as_of), group in scored.groupby(["family", "as_of"], sort=True):
        row: dict[str, object] = {"family": fam, "as_of": int(as_of), "n": len(group)}
        mape: dict[str, float] = {}
        for method in METHODS:
            error = 100 * (group[method] - group["actual"]).abs() / group["actual"].abs()
            mape[method] = row[f"mape_{method}"] = float(error.mean())
            row[f"mdape_{method}"] = float(error.median())
        row["beats"] = mape["model"] < min(mape["carry"], mape["line"]) or mape["model"] < 1e-9
        rows.append(row)
    return pd.DataFrame(rows, columns=["family", "as_of", "n",
                                       *[f"{k}_{m}" for m in METHODS for k in ("mape", "mdape")],
                                       "beats"])


def relative_errors(results: pd.DataFrame) -> np.ndarray:
    """How far past forecasts landed from the actual, as a share of the forecast."""
    usable = results[results["model"].abs() > 1e-9]
    return ((usable["actual"] - usable["model"]) / usable["model"].abs()).to_numpy(dtype=float)


def interval(forecast: float, errors: np.ndarray, unit: str) -> tuple[float, float]:
    """5th–95th percentile of the past errors applied to the forecast (clipped to the unit)."""
    if errors.size == 0:
        return forecast, forecast
    low, high = np.quantile(errors, [0.05, 0.95])
    bounds = _clip(np.array([forecast + low * abs(forecast), forecast + high * abs(forecast)]),
                   unit, np.array([forecast]))
    return float(bounds[0]), float(bounds[1])


def probability(forecast: float, errors: np.ndarray, target: float, direction: str) -> float:
    """Share of past forecast errors that, applied to this forecast, meet the target."""
    outcomes = forecast + errors * abs(forecast) if errors.size else np.array([forecast])
    met = outcomes <= target if direction == "down" else outcomes >= target
    return float(met.mean())


def classify(*, direction: str, forecast: float | None, probability: float | None,
             year_complete: bool, reached_for_good: bool, actual: float | None,
             target: float) -> str:
    """« atteint » once the target is met for good; else by the probability of meeting it:
    ≥ 70 % en bonne voie, 30–70 % à surveiller, < 30 % compromis."""
    met = actual is not None and not np.isnan(actual) and (
        actual <= target if direction == "down" else actual >= target)
    if met and (year_complete or reached_for_good):
        return "reached"
    if year_complete:
        return "off_track" if actual is not None and not np.isnan(actual) else "insufficient"
    if forecast is None or probability is None or np.isnan(forecast):
        return "insufficient"
    if probability >= ON_TRACK:
        return "on_track"
    return "watch" if probability >= OFF_TRACK else "off_track"
