"""Plotly builders for the dashboards: DataFrame in, Figure out, no I/O.

Every figure: French separators in French, a title that says what and when, missing data shown
as missing (a gap, a blank cell), never as zero. Colours of the traffic light are the Okabe–Ito
colour-blind-safe palette, and the light is also written in the hover.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tracker.core.formats import format_value, plotly_separators, quarter_label
from tracker.core.i18n import t

LIGHT_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00",
                 "neutral": "#BBBBBB", "missing": "#FFFFFF"}
STATE_COLOURS = {"not_started": "#BBBBBB", "draft": "#F0E442", "submitted": "#56B4E9",
                 "validated": "#009E73", "returned": "#E69F00", "late": "#D55E00"}
_LIGHT_CODES = {"missing": 0, "neutral": 1, "red": 2, "amber": 3, "green": 4}


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}},
                      separators=plotly_separators(), height=height,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, template="plotly_white",
                      legend={"orientation": "h", "y": -0.15}, font={"size": 12})
    return fig


def heatmap_chart(frame: pd.DataFrame, year: int, quarter: int) -> go.Figure:
    """Structures × KPIs coloured by target attainment, KPIs grouped by group."""
    kpis = list(dict.fromkeys(frame["kpi"]))
    codes = sorted(frame["code"].unique())
    value_word, target_word = t("dashboards.value"), t("dashboards.target")
    cells = frame.assign(
        z=frame["light"].map(_LIGHT_CODES).astype(float),
        text=[f"{c} · {k}<br>{value_word} : {format_value(v, u)}<br>{target_word} : "
              f"{format_value(tg, u)}<br>{t('dashboards.lights.' + lt)}"
              for c, k, v, tg, u, lt in zip(frame["code"], frame["kpi"], frame["value"],
                                            frame["target"], frame["unit"], frame["light"],
                                            strict=True)])
    z = cells.pivot(index="code", columns="kpi", values="z").reindex(
        index=codes, columns=kpis).fillna(0)
    text = cells.pivot(index="code", columns="kpi", values="text").reindex(
        index=codes, columns=kpis).fillna("")
    scale: list[list[float | str]] = []
    for name, code in sorted(_LIGHT_CODES.items(), key=lambda kv: kv[1]):
        scale += [[code / 4 - (0.001 if code else 0), LIGHT_COLOURS[name]],
                  [min(1.0, code / 4 + 0.124), LIGHT_COLOURS[name]]]
    scale = [[max(0.0, float(a)), c] for a, c in scale]
    fig = go.Figure(go.Heatmap(z=z.values, x=kpis, y=codes, text=text.values,
                               hovertemplate="%{text}<extra></extra>", colorscale=scale,
                               zmin=0, zmax=4, showscale=False, xgap=1, ygap=1))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, t("dashboards.heatmap_title", quarter=quarter_label(year, quarter)),
                   height=max(420, 22 * len(codes) + 160))


def trend_chart(frame: pd.DataFrame, label: str, unit: str,
                structure: str | None = None) -> go.Figure:
    """A KPI per quarter (national, or one structure's) with its target; quarters with no data
    leave a gap."""
    periods = [quarter_label(y, q) for y, q in zip(frame["year"], frame["quarter"], strict=True)]
    fig = go.Figure()
    reporting = frame["reporting"] if "reporting" in frame else [None] * len(frame)
    full = max([r for r in reporting if r] or [0])
    fig.add_scatter(x=periods, y=frame["value"], mode="lines+markers", name=t("dashboards.value"),
                    connectgaps=False, line={"color": "#0072B2", "width": 3},
                    # a hollow marker: fewer than half of the usual structures have reported
                    marker={"size": 9, "symbol": ["circle" if (r or 0) >= full / 2
                                                  else "circle-open" for r in reporting]},
                    customdata=[[format_value(v, unit), r or 0] for v, r
                                in zip(frame["value"], reporting, strict=True)],
                    hovertemplate="%{x} : %{customdata[0]}<br>%{customdata[1]} "
                    + t("dashboards.structures") + "<extra></extra>")
    if "target" in frame and frame["target"].notna().any():
        fig.add_scatter(x=periods, y=frame["target"], mode="lines", name=t("dashboards.target"),
                        line={"color": "#D55E00", "dash": "dash"})
    first, last = (periods[0], periods[-1]) if periods else ("", "")
    if structure:
        return _layout(fig, t("dashboards.structure_trend_title", kpi=label, structure=structure,
                              first=first, last=last))
    return _layout(fig, t("dashboards.trend_title", kpi=label, first=first, last=last))


def ranking_chart(frame: pd.DataFrame, label: str, unit: str, year: int,
                  quarter: int) -> go.Figure:
    fig = go.Figure(go.Bar(x=frame["value"], y=frame["code"], orientation="h",
                           marker_color="#0072B2",
                           text=[format_value(v, unit) for v in frame["value"]],
                           textposition="outside", hovertemplate="%{y} : %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("dashboards.ranking_title", kpi=label,
                          quarter=quarter_label(year, quarter)),
                   height=max(360, 22 * len(frame) + 120))


def completeness_chart(counts: pd.Series, year: int, quarter: int) -> go.Figure:
    """The quarter's submissions per state."""
    fig = go.Figure(go.Bar(x=[t(f"results.states.{s}") for s in counts.index], y=counts.values,
                           marker_color=[STATE_COLOURS.get(s, "#999999") for s in counts.index],
                           text=counts.values, textposition="outside"))
    return _layout(fig, t("dashboards.completeness_title", quarter=quarter_label(year, quarter)),
                   height=360)


def overdue_chart(frame: pd.DataFrame, as_of: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=frame["code"], y=frame["overdue"], marker_color="#D55E00",
                           text=frame["overdue"], textposition="outside"))
    return _layout(fig, t("dashboards.overdue_title", date=as_of), height=360)


def platform_chart(frame: pd.DataFrame, platforms: list[str]) -> go.Figure:
    """Structures × platforms: the stage reached (0 = none), darker when further."""
    codes = sorted(frame["code"].unique())
    z = frame.pivot(index="code", columns="platform", values="stage").reindex(
        index=codes, columns=platforms)
    share = frame.pivot(index="code", columns="platform", values="stages").reindex(
        index=codes, columns=platforms)
    text = frame.assign(label=[
        f"{r.code} · {t('platforms.names.' + r.platform)}<br>"
        f"{t('platforms.stages.' + r.stage_key)}"
        + (f"<br>{t('platforms.since')} {r.since}" if r.since else "")
        for r in frame.itertuples(index=False)]).pivot(
        index="code", columns="platform", values="label").reindex(index=codes, columns=platforms)
    fig = go.Figure(go.Heatmap(
        z=(z / share).values, x=[t(f"platforms.names.{p}") for p in platforms], y=codes,
        text=text.values, hovertemplate="%{text}<extra></extra>", zmin=0, zmax=1,
        colorscale=[[0, "#F7FBFF"], [0.34, "#9ECAE1"], [0.67, "#4292C6"], [1, "#08306B"]],
        showscale=False, xgap=2, ygap=1))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("platforms.chart_title"), height=max(420, 22 * len(codes) + 140))
