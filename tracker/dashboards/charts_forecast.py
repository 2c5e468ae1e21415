"""Plotly builders of the « Trajectoires » page: DataFrame in, Figure out, no I/O.

Same habits as tracker.dashboards.charts: French separators in French, a title saying what and
when, axis
titles, the legend below, the Okabe–Ito colour-blind-safe palette, and the class also written in
words (hover, legend), never by colour alone.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tracker.core.formats import format_value, plotly_separators, quarter_label
from tracker.core.i18n import colon, t

CLASS_COLOURS = {"reached": "#0072B2", "on_track": "#009E73", "watch": "#E69F00",
                 "off_track": "#D55E00", "insufficient": "#BBBBBB"}


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}},
                      separators=plotly_separators(), height=height,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.2}, font={"size": 12})
    return fig


def class_counts_chart(counts: pd.DataFrame, year: int) -> go.Figure:
    """Targets per KPI group, stacked by the class of their year-end forecast."""
    fig = go.Figure()
    for name, colour in CLASS_COLOURS.items():
        if name in counts:
            label = t(f"forecast.classes.{name}")
            fig.add_bar(y=counts["group"], x=counts[name], name=label, orientation="h",
                        marker={"color": colour},
                        hovertemplate=f"%{{y}} · {label}{colon()}%{{x}}<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("forecast.axis_count"))
    fig.update_yaxes(title_text=t("forecast.col.group"), autorange="reversed")
    return _layout(fig, t("forecast.counts_title", year=year),
                   height=max(320, 28 * len(counts) + 160))


def trajectory_chart(frame: pd.DataFrame, *, kpi: str, who: str, unit: str,
                     year: int) -> go.Figure:
    """The year to date quarter by quarter: actual, last year's, the forecast path with its
    90 % band, and the target."""
    x = [quarter_label(year, int(q)) for q in frame["quarter"]]
    fig = go.Figure()
    band = frame[frame["low"].notna()]
    if not band.empty:
        xb = [quarter_label(year, int(q)) for q in band["quarter"]]
        fig.add_scatter(x=xb + xb[::-1], y=list(band["high"]) + list(band["low"])[::-1],
                        fill="toself", fillcolor="rgba(86,180,233,0.25)", mode="lines",
                        line={"width": 0}, name=t("forecast.band"), hoverinfo="skip")
    fig.add_scatter(x=x, y=frame["previous_year"], mode="lines", name=t("forecast.previous_year"),
                    line={"color": "#999999", "dash": "dot"},
                    customdata=[format_value(v, unit) for v in frame["previous_year"]],
                    hovertemplate="%{x} : %{customdata}<extra></extra>")
    if frame["forecast"].notna().any():
        fig.add_scatter(x=x, y=frame["forecast"], mode="lines+markers", name=t("forecast.forecast"),
                        line={"color": "#56B4E9", "dash": "dash", "width": 3},
                        customdata=[format_value(v, unit) for v in frame["forecast"]],
                        hovertemplate="%{x} : %{customdata}<extra></extra>")
    fig.add_scatter(x=x, y=frame["actual"], mode="lines+markers", name=t("forecast.actual"),
                    line={"color": "#0072B2", "width": 3}, marker={"size": 9},
                    customdata=[format_value(v, unit) for v in frame["actual"]],
                    hovertemplate="%{x} : %{customdata}<extra></extra>")
    if frame["target"].notna().any():
        fig.add_scatter(x=x, y=frame["target"], mode="lines", name=t("forecast.target"),
                        line={"color": "#D55E00", "dash": "dash"})
    fig.update_xaxes(title_text=t("forecast.axis_quarter"), categoryorder="array",
                     categoryarray=x)
    fig.update_yaxes(title_text=t("forecast.axis_value"))
    return _layout(fig, t("forecast.chart_title", kpi=kpi, who=who, year=year))


def quality_trend_chart(frame: pd.DataFrame, national: pd.DataFrame, *, who: str,
                        year: int) -> go.Figure:
    """A structure's quality score per quarter beside the national average."""
    fig = go.Figure()
    fig.add_scatter(x=[quarter_label(year, int(q)) for q in national["quarter"]],
                    y=national["score"], mode="lines", name=t("forecast.national"),
                    line={"color": "#999999", "dash": "dot"})
    fig.add_scatter(x=[quarter_label(year, int(q)) for q in frame["quarter"]], y=frame["score"],
                    mode="lines+markers", name=who, line={"color": "#0072B2", "width": 3})
    fig.update_xaxes(title_text=t("forecast.axis_quarter"))
    fig.update_yaxes(title_text=t("quality.score"), range=[0, 100])
    return _layout(fig, t("forecast.quality_trend_title", who=who, year=year), height=340)
