"""Frames of the « Trajectoires » page and of ``python -m tracker forecast``: validated results
turned into per-structure and national quarterly series, forecast to the year's end
(``tracker.dashboards.forecast``), measured by a backtest on earlier years and classed against
targets.

Only validated results feed forecasts (a DSI's own drafts are not forecast). Merged or renamed
structures are followed under their successor's code, as on the dashboards.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import numpy as np
import pandas as pd
from sqlmodel import Session

from tracker.core.errors import NotFound
from tracker.core.i18n import t
from tracker.dashboards import forecast as fc
from tracker.dashboards import views as dashboards
from tracker.dashboards.views import Catalogue, target_of
from tracker.results.kpis import KpiRule, aggregate

NATIONAL = "*"
FORECAST_COLUMNS = ["structure", "kpi", "year", "actual_to_date", "forecast", "low", "high",
                    "target", "probability", "class", "quarters_used"]
V = TypeVar("V")


class _Memo(Generic[V]):
    """Values already computed, by a key of their inputs' content, the latest few kept: what
    several views and pages of the same data would otherwise each compute again. Each value is
    served through ``serve`` (frames: a copy, since callers may change theirs)."""

    def __init__(self, kept: int, serve: Callable[[V], V] = lambda value: value) -> None:
        self.kept = kept
        self.serve = serve
        self.values: OrderedDict[tuple[object, ...], V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[object, ...], compute: Callable[[], V]) -> V:
        with self.lock:
            known = self.values.get(key)
            if known is not None:
                self.values.move_to_end(key)
                return self.serve(known)
        value = compute()
        with self.lock:
            self.values[key] = value
            while len(self.values) > self.kept:
                self.values.popitem(last=False)
        return self.serve(value)


def _copy(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.copy()


def content_key(frame: pd.DataFrame) -> int:
    """A frame's content as one number (a few milliseconds for a decade of results)."""
    return int(pd.util.hash_pandas_object(frame, index=False).sum())


def _catalogue_key(cat: Catalogue) -> int:
    return int(pd.util.hash_pandas_object(cat.kpis.astype(str), index=True).sum())


# The quarterly series of the validated results: every view of « Trajectoires », the ratings
# and the forecast report start from them (a fifth of a second at decade scale, each time).
_QUARTER_ROWS: _Memo[pd.DataFrame] = _Memo(kept=4, serve=_copy)


def quarter_rows(results: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Per structure (current code) and nationally (key ``*``), KPI and quarter: the figure by
    the rules across structures, and Σnumerators / Σdenominators of complete pairs."""
    return _QUARTER_ROWS.get((content_key(results), _catalogue_key(cat)),
                             lambda: _quarter_rows(results, cat))


def _quarter_rows(results: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    frame = results[results["kpi_id"].isin(cat.rules)]
    complete = frame["numerator"].notna() & frame["denominator"].notna()
    parts = frame.assign(numerator=frame["numerator"].where(complete),
                         denominator=frame["denominator"].where(complete))
    out = []
    for by, key in ((["code", "year", "quarter"], None), (["year", "quarter"], NATIONAL)):
        values = aggregate(frame, cat.rules, by)
        sums = parts.groupby([*by, "kpi_id"], as_index=False)[["numerator", "denominator"]].sum(
            min_count=1)
        table = values.merge(sums, on=[*by, "kpi_id"], how="left")
        table["key"] = table["code"] if key is None else key
        out.append(table[["key", "kpi_id", "year", "quarter", "value", "numerator",
                          "denominator"]])
    rows = pd.concat(out, ignore_index=True)
    for column in ("value", "numerator", "denominator"):
        rows[column] = rows[column].astype("float64")
    return rows


def panels(rows: pd.DataFrame, cat: Catalogue, last_year: int) -> dict[int, fc.Panel]:
    """One panel per KPI, from the first year with a validated result to ``last_year``."""
    if rows.empty:
        return {}
    first = int(rows["year"].min())
    return {int(kpi_id): fc.make_panel(group, first, last_year)  # type: ignore[call-overload]
            for kpi_id, group in rows[rows["year"] <= last_year].groupby("kpi_id")}


# Backtests already run, by the years they read: they depend only on the results of the years
# before the one forecast (and the catalogue), which change rarely, and cost seconds at decade
# scale, so every forecast of a year (a structure's sheet, the page, the bilan) shares one.
_BACKTESTS: _Memo[pd.DataFrame] = _Memo(kept=8, serve=_copy)


def backtest_frame(rows: pd.DataFrame, cat: Catalogue, before: int) -> pd.DataFrame:
    """Every complete year before ``before`` forecast again from Q1, Q2 and Q3, for every
    structure and KPI and nationally, with its KPI and family. Computed once for the same
    earlier years' results and catalogue (by content), then served from a small memo."""
    earlier = rows[rows["year"] < before] if "year" in rows else rows
    return _BACKTESTS.get((before, content_key(earlier), _catalogue_key(cat)),
                          lambda: _backtest_frame(rows, cat, before))


def _backtest_frame(rows: pd.DataFrame, cat: Catalogue, before: int) -> pd.DataFrame:
    frames = []
    for kpi_id, panel in panels(rows, cat, before - 1).items():
        rule = cat.rules[kpi_id]
        result = fc.backtest(rule, panel, before)
        if not result.empty:
            frames.append(result.assign(kpi=rule.code, family=fc.family(rule)))
    if not frames:
        return pd.DataFrame(columns=["key", "year", "as_of", "actual", *fc.METHODS, "kpi",
                                     "family"])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Skill:
    """What the backtest says: per family and quarter reached, whether the method beats both
    baselines, and the past errors that give intervals and probabilities."""

    table: pd.DataFrame
    errors: dict[tuple[str, int], np.ndarray]
    family_errors: dict[tuple[str, int], np.ndarray]

    def beats(self, family: str, as_of: int) -> bool:
        rows = self.table[(self.table["family"] == family) & (self.table["as_of"] == as_of)]
        return bool(not rows.empty and rows["beats"].iloc[0])

    def errors_for(self, kpi: str, family: str, as_of: int) -> np.ndarray:
        own = self.errors.get((kpi, as_of), np.array([]))
        return own if own.size >= 10 else self.family_errors.get((family, as_of), own)


_SKILLS: _Memo[Skill] = _Memo(kept=8)  # a Skill is never changed: served as is


def skill(backtest: pd.DataFrame) -> Skill:
    """What a backtest says (computed once per backtest's content)."""
    return _SKILLS.get((content_key(backtest),), lambda: _skill(backtest))


def _skill(backtest: pd.DataFrame) -> Skill:
    errors = {(str(k), int(q)): fc.relative_errors(g)  # type: ignore[call-overload]
              for (k, q), g in backtest.groupby(["kpi", "as_of"])}
    family_errors = {(str(f), int(q)): fc.relative_errors(g)  # type: ignore[call-overload]
                     for (f, q), g in backtest.groupby(["family", "as_of"])}
    return Skill(fc.accuracy(backtest), errors, family_errors)


def known_quarter(rows: pd.DataFrame, year: int) -> int:
    """The last quarter of ``year`` with a validated result (0 when none)."""
    quarters = rows.loc[rows["year"] == year, "quarter"]
    return int(quarters.max()) if not quarters.empty else 0


def as_of_quarter(results: pd.DataFrame, year: int) -> int:
    """The quarter of ``year`` a forecast is made at by default: the last one validated for at
    least half as many structures as the best-covered quarter (the dashboards' rule), so that
    a quarter still being validated does not read as a fall; 4 for a past year, 0 for none."""
    if results.empty or not (results["year"] == year).any():
        return 0
    last_year, last_quarter = dashboards.last_validated_quarter(results, date(year, 12, 31))
    if last_year > year:
        return 4
    return last_quarter if last_year == year else 0


def cut_rows(rows: pd.DataFrame, year: int, quarter: int) -> pd.DataFrame:
    """Only what was known at the end of a quarter (how ``--as-of`` and the backtest run)."""
    return rows[(rows["year"] < year) | ((rows["year"] == year) & (rows["quarter"] <= quarter))]


def _reached_for_good(rule: KpiRule, direction: str) -> bool:
    # a sum of non-negative quarters only grows: once above an upward target it stays there
    return rule.agg_quarters == "sum" and not rule.ratio and direction == "up"


# Forecasts already made, by the content of what they read: « Trajectoires », the ratings and
# the sheets of the same year ask for the same ones (the start-up warm-up makes this year's).
_FORECASTS: _Memo[pd.DataFrame] = _Memo(kept=16, serve=_copy)


def forecast_frame(rows: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame, year: int,
                   quarter: int, sid_of: dict[str, int], *, keys: list[str] | None = None,
                   kpi_code: str | None = None) -> pd.DataFrame:
    """Per structure (and the nation, ``structure`` None) and KPI with a yearly target and a
    direction: the figure to date, the year-end forecast, its interval, the probability of
    meeting the target and the class, from the results known at the end of ``quarter``."""
    known = cut_rows(rows, year, quarter)
    key = (content_key(known), content_key(targets), _catalogue_key(cat), year,
           quarter, tuple(sorted(sid_of.items())), None if keys is None else tuple(keys),
           kpi_code)
    return _FORECASTS.get(key, lambda: _forecast_frame(known, cat, targets, year, quarter,
                                                       sid_of, keys, kpi_code))


def _forecast_frame(known: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame, year: int,
                    quarter: int, sid_of: dict[str, int], keys: list[str] | None,
                    kpi_code: str | None) -> pd.DataFrame:
    past = skill(backtest_frame(known, cat, year))
    out = []
    for kpi_id, panel in panels(known, cat, year).items():
        rule = cat.rules[kpi_id]
        direction = str(cat.kpis.loc[kpi_id, "direction"])
        if direction == "neutral" or (kpi_code and rule.code != kpi_code):
            continue
        cutoff = panel.index(year, max(quarter, 1))
        to_date = fc.year_figure(rule, panel, year, max(quarter, 0))
        figures = fc.forecasts(rule, panel, year, quarter) if quarter else {}
        used = fc.quarters_known(rule, panel, cutoff)
        in_year = fc.quarters_known(rule, panel, cutoff) - fc.quarters_known(
            rule, panel, panel.index(year, 1) - 1) if quarter else np.zeros(len(panel.keys))
        family = fc.family(rule)
        errors = past.errors_for(rule.code, family, quarter)
        trusted = quarter == 4 or past.beats(family, quarter)
        for i, key in enumerate(panel.keys):
            if keys is not None and key not in keys:
                continue
            sid = None if key == NATIONAL else sid_of.get(str(key))
            target = target_of(targets, kpi_id, year, 0, sid)
            if target is None:
                continue
            actual = None if np.isnan(to_date[i]) else float(to_date[i])
            value = float(figures["model"][i]) if figures else float("nan")
            enough = trusted and used[i] >= fc.MIN_QUARTERS and in_year[i] > 0
            if quarter == 4:  # the year is over: its figure is the actual one
                value, enough = (actual, True) if actual is not None else (float("nan"), False)
            shown = None if not enough or np.isnan(value) else value
            low, high = fc.interval(value, errors, rule.unit) if shown is not None and \
                quarter < 4 else (shown, shown)
            chance = (fc.probability(value, errors, target, direction) if quarter < 4
                      else float(shown is not None and (
                          value <= target if direction == "down" else value >= target))
                      ) if shown is not None else None
            out.append({"structure": None if key == NATIONAL else key, "kpi": rule.code,
                        "year": year, "actual_to_date": actual, "forecast": shown, "low": low,
                        "high": high, "target": target, "probability": chance,
                        "class": fc.classify(direction=direction, forecast=shown,
                                             probability=chance, year_complete=quarter == 4,
                                             reached_for_good=_reached_for_good(rule,
                                                                                direction),
                                             actual=actual, target=target),
                        "quarters_used": int(used[i]), "kpi_id": kpi_id})
    frame = pd.DataFrame(out, columns=[*FORECAST_COLUMNS, "kpi_id"])
    return frame.sort_values(["kpi", "structure"], na_position="first").reset_index(drop=True)


def parse_as_of(text: str) -> tuple[int, int]:
    """'2025-Q2' (or '2025-T2') → (2025, 2)."""
    year, _, quarter = text.upper().replace("T", "Q").partition("-Q")
    if not (year.isdigit() and quarter in ("1", "2", "3", "4")):
        raise ValueError(text)
    return int(year), int(quarter)


def forecast_report(session: Session, year: int, *, as_of: tuple[int, int] | None = None,
                    structure: str | None = None, kpi: str | None = None) -> pd.DataFrame:
    """The command line's forecast: every structure in force and the nation (or one structure,
    or one KPI), from the validated results known at ``as_of`` (default: ``as_of_quarter``)."""
    results = dashboards.validated_results(session)
    cat = dashboards.catalogue(session)
    if kpi is not None and kpi not in set(cat.kpis["code"]):
        raise NotFound(t("forecast.unknown_kpi", code=kpi))
    rows = quarter_rows(results, cat)
    if as_of is None:
        quarter = as_of_quarter(results, year)
    else:
        rows = cut_rows(rows, *as_of)
        quarter = 4 if as_of[0] > year else (as_of[1] if as_of[0] == year else 0)
        quarter = min(quarter, known_quarter(rows, year))
    in_force = dashboards.structures_in_force(session, year, max(quarter, 1))
    codes = dashboards.successor_codes(session)
    sid_of = {codes[s.id]: s.id for s in in_force if s.id is not None}
    if structure is not None and structure not in sid_of:
        raise NotFound(t("forecast.unknown_structure", code=structure, year=year))
    keys = [NATIONAL, *sid_of] if structure is None else [structure]
    frame = forecast_frame(rows, cat, dashboards.targets_frame(session), year, quarter, sid_of,
                           keys=keys, kpi_code=kpi)
    return frame[FORECAST_COLUMNS]


@dataclass(frozen=True)
class YearForecasts:
    """A year's forecasts as « Trajectoires » shows them: the quarter they are made at, the
    frame, the backtest and what it says."""

    quarter: int
    frame: pd.DataFrame
    backtest: pd.DataFrame
    past: Skill


def year_forecasts(session: Session, results: pd.DataFrame, cat: Catalogue,
                   targets: pd.DataFrame, year: int, scope: str | None) -> YearForecasts:
    """Every structure in force and the nation (``scope`` None), or one structure, at the
    default quarter of ``year`` (``as_of_quarter``)."""
    quarter = as_of_quarter(results, year)
    rows = cut_rows(quarter_rows(results, cat), year, quarter)
    in_force = dashboards.structures_in_force(session, year, max(quarter, 1))
    codes = dashboards.successor_codes(session)
    sid_of = {codes[s.id]: s.id for s in in_force if s.id is not None}
    keys = [NATIONAL, *(sid_of if scope is None else [scope])]
    backtest = backtest_frame(rows, cat, year)
    frame = forecast_frame(rows, cat, targets, year, quarter, sid_of, keys=keys)
    return YearForecasts(quarter, frame, backtest, skill(backtest))


def trajectory_frame(rows: pd.DataFrame, cat: Catalogue, year: int, quarter: int, key: str,
                     kpi_id: int, line: pd.Series) -> pd.DataFrame:
    """One KPI of one structure (or the nation) through the year: quarter by quarter, the
    year-to-date figure by its rule (actual, last year's, forecast path) with the interval
    widening from the last known quarter to the year-end one, and the target."""
    rule = cat.rules[kpi_id]
    mine = cut_rows(rows[(rows["key"] == key) & (rows["kpi_id"] == kpi_id)], year, quarter)
    panel = fc.make_panel(mine.assign(key=key), min(int(mine["year"].min()), year - 1), year)
    filled = fc.completed(rule, panel, panel.index(year, max(quarter, 1)), "model")
    out = []
    for q in (1, 2, 3, 4):
        actual = fc.year_figure(rule, panel, year, q)[0] if q <= quarter else np.nan
        path = fc.year_figure(rule, filled, year, q)[0] if q >= quarter else np.nan
        share = (q - quarter) / (4 - quarter) if quarter < 4 and q >= quarter else np.nan
        has = line["forecast"] is not None and not pd.isna(line["forecast"])
        out.append({"quarter": q, "actual": actual,
                    "previous_year": fc.year_figure(rule, panel, year - 1, q)[0],
                    "forecast": path if has and quarter else np.nan,
                    "low": path + share * (line["low"] - line["forecast"]) if has else np.nan,
                    "high": path + share * (line["high"] - line["forecast"]) if has else np.nan,
                    "target": line["target"]})
    return pd.DataFrame(out)


def counts_frame(forecasts: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """How many targets are in each class, per KPI group (national lines apart)."""
    lines = forecasts[forecasts["structure"].notna()].join(cat.kpis["group"], on="kpi_id")
    table = lines.groupby(["group", "class"]).size().unstack(fill_value=0)
    return table.reindex(columns=list(fc.CLASSES), fill_value=0).reset_index()


def matrix_frame(forecasts: pd.DataFrame, national_label: str) -> pd.DataFrame:
    """Structures (the nation first) × KPIs, each cell the class of the year-end forecast."""
    if forecasts.empty:
        return pd.DataFrame(columns=["structure"])
    frame = forecasts.assign(structure=forecasts["structure"].fillna(national_label))
    order = [national_label, *sorted(set(frame["structure"]) - {national_label})]
    table = frame.pivot(index="structure", columns="kpi", values="class")
    return table.reindex(order).reset_index()


@dataclass(frozen=True)
class MethodPart:
    """The figures of one projected series (see ``method_figures``)."""

    series: str
    kind: str
    last: float
    points: int = 0
    slope: float = 0.0
    weight: float = 0.0
    flat: float = 0.0
    season: tuple[float, ...] | None = None
    drift: float = 0.0
    steps: int = 0


def method_figures(rows: pd.DataFrame, cat: Catalogue, year: int, quarter: int, key: str,
                   kpi_id: int) -> list[MethodPart]:
    """The figures one line's forecast was made of, per series projected (the value, or the
    numerator and denominator of a ratio KPI): for a flow the line (quarters, slope, weight
    against the last quarter) and the seasonal index when one was kept; for a stock the last
    value, the median change and the quarters to go."""
    rule = cat.rules[kpi_id]
    if not quarter or quarter == 4:
        return []
    mine = cut_rows(rows[(rows["key"] == key) & (rows["kpi_id"] == kpi_id)], year, quarter)
    if mine.empty:
        return []
    panel = fc.make_panel(mine.assign(key=key), int(mine["year"].min()), year)
    cutoff = panel.index(year, quarter)
    series = {"numerator": panel.numerator, "denominator": panel.denominator} if rule.ratio \
        else {"value": panel.value}
    out: list[MethodPart] = []
    for name, array in series.items():
        known = array[:, :cutoff + 1]
        if rule.agg_quarters == "last":
            last, position, drift = fc.stock_parts(known, cutoff)
            out.append(MethodPart(name, "stock", float(last[0]), drift=float(drift[0]),
                                  steps=int(panel.index(year, 4) - position[0])))
            continue
        parts = fc.flow_parts(known, cutoff)
        seasonal = bool(np.any(np.abs(parts.season[0] - 1) > 1e-9))
        out.append(MethodPart(name, "flow", float(parts.last[0]), int(parts.fitted[0]),
                              float(parts.slope[0]), float(parts.weight[0]),
                              float(parts.flat[0]),
                              tuple(float(v) for v in parts.season[0]) if seasonal else None))
    return out


def warm_backtests(session: Session, today: date) -> None:
    """Run the backtests of the years a user opens first (this year, and the latest year with
    validated results), and that year's national forecasts (what « Trajectoires » opens on),
    so that the first « Trajectoires » or « Fiche ministère » of the server's life does not
    wait for them (seconds at decade scale)."""
    results = dashboards.validated_results(session)
    if results.empty:
        return
    cat = dashboards.catalogue(session)
    rows = quarter_rows(results, cat)
    years = sorted({today.year, int(results["year"].max())})
    for year in years:
        backtest_frame(cut_rows(rows, year, 4), cat, year)
    year_forecasts(session, results, cat, dashboards.targets_frame(session), years[-1], None)
