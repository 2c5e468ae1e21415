"""What the « Trajectoires » page shows, decided here: whose lines a user sees (leadership,
admin and viewers every structure's validated figures; a DSI their own structure's and the
nation's), the national picture, the matrix of classes, one KPI's trajectory, and the quality
scores (the league table for ASIN's secretariat and leadership; a DSI their own score and what
would raise it; everyone the national average)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import own_structure
from tracker.core.formats import format_number, format_percent
from tracker.core.i18n import t
from tracker.dashboards import charts_forecast, confidence, quality
from tracker.dashboards import forecast as fc
from tracker.dashboards import forecast_views as fv
from tracker.dashboards.views import Catalogue


def scope_of(actor: Actor) -> str | None:
    """The one structure whose lines a user sees, or None for every structure."""
    return actor.structure_code if own_structure(actor) is not None else None


def years_of(years: list[int], today: date) -> list[int]:
    """Years a forecast can be asked for (those with validated results, and this one), newest
    first."""
    return sorted({*years, today.year}, reverse=True)


@dataclass
class TrajectoriesView:
    """The national picture and the matrix of one year, from the validated results."""

    year: int
    quarter: int
    forecasts: pd.DataFrame
    counts: pd.DataFrame
    counts_figure: object
    matrix: pd.DataFrame
    accuracy: pd.DataFrame
    backtests: int


def view_trajectories(session: Session, results: pd.DataFrame, cat: Catalogue,
                      targets: pd.DataFrame, year: int, scope: str | None) -> TrajectoriesView:
    made = fv.year_forecasts(session, results, cat, targets, year, scope)
    counts = fv.counts_frame(made.frame, cat)
    return TrajectoriesView(
        year=year, quarter=made.quarter, forecasts=made.frame, counts=counts,
        counts_figure=charts_forecast.class_counts_chart(counts, year),
        matrix=fv.matrix_frame(made.frame, t("forecast.national")),
        accuracy=accuracy_display(made.past.table), backtests=len(made.backtest))


def view_rated(session: Session, results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame,
               actor: Actor, year: int, quarter: int, forecasts: pd.DataFrame) -> pd.DataFrame:
    """The ratings of the quarter this actor may read, each with the forecast and the flag
    (``confidence.rating_lines``; cached by the page per actor, so what one user may read is
    never served to another)."""
    return confidence.rating_lines(session, actor, year, quarter, forecasts=forecasts,
                                   data=(results, cat, targets))


def accuracy_display(table: pd.DataFrame) -> pd.DataFrame:
    """The backtest table as read on screen: family in words, quarters known, errors in %."""
    shown = pd.DataFrame({
        "family": table["family"].map(lambda f: t(f"forecast.families.{f}")),
        "as_of": table["as_of"].map(lambda q: "T1" if q == 1 else f"T1–T{q}"),
        "n": table["n"]})
    for method in fc.METHODS:
        shown[f"mape_{method}"] = table[f"mape_{method}"].map(lambda v: format_percent(v, 2))
    shown["beats"] = table["beats"].map(lambda b: t("common.yes") if b else t("common.no"))
    return shown


def view_trajectory(session: Session, results: pd.DataFrame, cat: Catalogue,
                    targets: pd.DataFrame, year: int, quarter: int, structure: str | None,
                    kpi: str, line: tuple[float | None, float | None, float | None, float]
                    ) -> tuple[pd.DataFrame, object, str]:
    """One cell of the matrix: its trajectory frame and chart, and the figures its forecast
    was made of, in words."""
    del session, targets
    rows = fv.quarter_rows(results, cat)
    kpi_id = int(cat.kpis.index[cat.kpis["code"] == kpi][0])
    forecast, low, high, target = line
    frame = fv.trajectory_frame(rows, cat, year, quarter, structure or fv.NATIONAL, kpi_id,
                                pd.Series({"forecast": forecast, "low": low, "high": high,
                                           "target": target}))
    who = structure or t("forecast.national")
    figures = fv.method_figures(rows, cat, year, quarter, structure or fv.NATIONAL, kpi_id)
    return frame, charts_forecast.trajectory_chart(
        frame, kpi=kpi, who=who, unit=str(cat.kpis.loc[kpi_id, "unit"]), year=year), \
        " ".join(_in_words(part) for part in figures)


def _in_words(part: fv.MethodPart) -> str:
    series = t(f"forecast.series.{part.series}")
    if part.kind == "stock":
        return t("forecast.figures_stock", series=series, last=format_number(part.last),
                 drift=format_number(part.drift, 2), steps=part.steps)
    seasons = t("forecast.season_none") if part.season is None else t(
        "forecast.season_used", values=" ; ".join(format_number(v, 2) for v in part.season))
    if part.points < fc.MIN_LINE:
        return t("forecast.figures_flat", series=series, flat=format_number(part.flat),
                 last=format_number(part.last), season=seasons)
    return t("forecast.figures_flow", series=series, points=part.points,
             slope=format_number(part.slope, 2), weight=format_number(part.weight, 2),
             last=format_number(part.last), season=seasons)


@dataclass
class QualityView:
    """Quality scores of a year as one user may see them."""

    league: pd.DataFrame | None
    national: pd.DataFrame
    own: pd.Series | None = None
    own_advice: list[str] = field(default_factory=list)
    own_components: pd.DataFrame | None = None
    own_figure: object | None = None


def view_quality(session: Session, results: pd.DataFrame, cat: Catalogue,
                 targets: pd.DataFrame, league_shown: bool, structure_code: str | None,
                 year: int,
                 today: date) -> QualityView:
    del results, cat
    scores = quality.quality_frame(session, year, today=today, targets=targets)
    national = quality.national_average(scores)
    league = quality.league_frame(scores) if league_shown else None
    view = QualityView(league=league, national=national)
    if structure_code:
        mine = scores[scores["structure"] == structure_code]
        if not mine.empty:
            view.own = mine.iloc[-1]
            view.own_advice = quality.advice(view.own)
            parts = quality.components_frame(view.own)
            view.own_components = parts.assign(component=parts["component"].map(
                lambda c: t(f"quality.components.{c}")))
            view.own_figure = charts_forecast.quality_trend_chart(mine, national,
                                                                  who=structure_code, year=year)
    return view
