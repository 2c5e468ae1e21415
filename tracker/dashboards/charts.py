"""Plotly builders for the dashboards: DataFrame in, Figure out, no I/O.

Every figure: French separators in French, a title that says what and when, missing data shown
as missing (a gap, a blank cell), never as zero. Colours of the traffic light are the Okabe–Ito
colour-blind-safe palette, and the light is also written in the hover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tracker.core.formats import format_value, plotly_separators, quarter_label, wrap
from tracker.core.i18n import colon, t

LIGHT_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00",
                 "neutral": "#BBBBBB", "missing": "#FFFFFF"}
STATE_COLOURS = {"not_started": "#BBBBBB", "draft": "#F0E442", "submitted": "#56B4E9",
                 "validated": "#009E73", "returned": "#E69F00", "late": "#D55E00"}
_LIGHT_CODES = {"missing": 0, "neutral": 1, "red": 2, "amber": 3, "green": 4}


def _layout(fig: go.Figure, title: str, height: int = 420, width: int = 60) -> go.Figure:
    text = wrap(title, width)
    lines = text.count("<br>") + 1
    fig.update_layout(title={"text": text, "x": 0, "font": {"size": 16}},
                      separators=plotly_separators(), height=height + 20 * (lines - 1),
                      margin={"l": 10, "r": 10, "t": 40 + 22 * lines, "b": 10},
                      template="plotly_white",
                      legend={"orientation": "h", "y": -0.2, "x": 0}, font={"size": 12})
    return fig


def integer_axis(fig: go.Figure, top: float, axis: str = "y") -> None:
    """A count axis ticks at whole numbers only (never « 0,5 »)."""
    settings: dict[str, object] = {"rangemode": "tozero", "tickformat": ",d"}
    if top <= 10:
        settings["dtick"] = 1
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**settings)


def unit_title(unit: str) -> str:
    word = t(f"results.units.{unit}")
    return word[:1].upper() + word[1:]


def _legend_entry(fig: go.Figure, name: str, colour: str) -> None:
    """A legend line for a heatmap's colour class (a heatmap draws no legend of its own)."""
    fig.add_scatter(x=[None], y=[None], mode="markers", name=name, showlegend=True,
                    hoverinfo="skip", marker={"symbol": "square", "size": 14, "color": colour,
                                              "line": {"color": "#888888", "width": 1}})


def heatmap_chart(frame: pd.DataFrame, year: int, quarter: int,
                  names: dict[str, str] | None = None) -> go.Figure:
    """KPIs (by name, grouped by group) × structures coloured by target attainment, with a
    legend of the attainment classes and how many cells each holds; the hover names the
    structure and the KPI, and gives the value, the target and the class."""
    names = names or {}
    kpis = list(dict.fromkeys(frame["kpi"]))
    codes = sorted(frame["code"].unique())
    value_word, target_word = t("dashboards.value"), t("dashboards.target")
    # Each cell carries only its own figures (value, target, class); the structure and the KPI
    # come from the axes in the hover template: a decade's national picture is some 4,000 cells,
    # and whole sentences per cell made the page's largest message (600 kB).
    cells = frame.assign(
        z=frame["light"].map(_LIGHT_CODES).astype(float),
        value_text=[format_value(v, u) for v, u in zip(frame["value"], frame["unit"],
                                                       strict=True)],
        target_text=[format_value(tg, u) for tg, u in zip(frame["target"], frame["unit"],
                                                          strict=True)],
        light_text=[t("dashboards.lights." + lt) for lt in frame["light"]])
    z = cells.pivot(index="kpi", columns="code", values="z").reindex(
        index=kpis, columns=codes)
    parts = [cells.pivot(index="kpi", columns="code", values=column).reindex(
        index=kpis, columns=codes).fillna(empty) for column, empty in (
        ("value_text", "—"), ("target_text", "—"),
        ("light_text", t("dashboards.lights.missing")))]
    customdata = np.dstack([part.to_numpy(dtype=object) for part in parts])
    scale: list[list[float | str]] = []
    for name, code in sorted(_LIGHT_CODES.items(), key=lambda kv: kv[1]):
        scale += [[code / 4 - (0.001 if code else 0), LIGHT_COLOURS[name]],
                  [min(1.0, code / 4 + 0.124), LIGHT_COLOURS[name]]]
    scale = [[max(0.0, float(a)), c] for a, c in scale]
    labels = [names.get(k, k) for k in kpis]
    fig = go.Figure(go.Heatmap(z=z.fillna(0).values, x=codes, y=labels, customdata=customdata,
                               hovertemplate=f"%{{x}} · %{{y}}<br>{value_word}{colon()}"
                               f"%{{customdata[0]}}<br>{target_word}{colon()}"
                               "%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
                               colorscale=scale,
                               zmin=0, zmax=4, showscale=False, xgap=1, ygap=1,
                               showlegend=False))
    counts = pd.Series(z.fillna(0).to_numpy().ravel()).map(
        {float(v): k for k, v in _LIGHT_CODES.items()}).value_counts()
    for name in ("green", "amber", "red", "neutral", "missing"):
        _legend_entry(fig, f"{t('dashboards.lights.' + name)} ({int(counts.get(name, 0))})",
                      LIGHT_COLOURS[name])
    fig.update_yaxes(autorange="reversed", automargin=True, title_text=t("dashboards.kpi"),
                     type="category", dtick=1)
    fig.update_xaxes(tickangle=-90, side="top", automargin=True, title_text="",
                     showgrid=False, zeroline=False)
    fig.update_yaxes(showgrid=False, zeroline=False)
    fig = _layout(fig, t("dashboards.heatmap_title", quarter=quarter_label(year, quarter)),
                  height=max(420, 20 * len(labels) + 260))
    fig.update_layout(legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0,
                              "title": {"text": t("dashboards.legend_attainment")}},
                      margin={"t": 140, "b": 60})
    return fig


def _period_ticks(fig: go.Figure, dates: list[pd.Timestamp], labels: list[str]) -> None:
    step = 1 if len(dates) <= 12 else 2
    fig.update_xaxes(type="date", tickvals=dates[::step], ticktext=labels[::step],
                     tickangle=-45 if len(dates) > 6 else 0, title_text=t("dashboards.col_period"),
                     range=[dates[0] - pd.Timedelta(days=45), dates[-1] + pd.Timedelta(days=45)]
                     if dates else None)


def trend_chart(frame: pd.DataFrame, label: str, unit: str, structure: str | None = None,
                code: str | None = None) -> go.Figure:
    """A KPI per quarter (national, or one structure's) with its target, on a real time axis:
    quarters with no data leave a gap; a provisional quarter (``frame["provisional"]``, the rule of
    submissions.QuarterProgress) is never joined to the line: it is drawn apart, hollow, and
    labelled « provisoire : n/N structures validées »."""
    frame = frame.reset_index(drop=True)
    periods = [quarter_label(int(y), int(q)) for y, q in zip(frame["year"], frame["quarter"],
                                                             strict=True)]
    dates = (list(frame["date"]) if "date" in frame else
             [pd.Timestamp(int(y), 3 * int(q) - 2, 1) for y, q in zip(frame["year"],
                                                                   frame["quarter"], strict=True)])
    provisional = (frame["provisional"].astype(bool) if "provisional" in frame
                   else pd.Series(False, index=frame.index))
    reporting = frame["reporting"] if "reporting" in frame else pd.Series(0, index=frame.index)
    values = frame["value"].astype("float64")
    final = values.where(~provisional)
    hover_code = f" ({code})" if code else ""
    fig = go.Figure()
    fig.add_scatter(x=dates, y=final, mode="lines+markers", name=t("dashboards.value"),
                    connectgaps=False, line={"color": "#0072B2", "width": 3},
                    marker={"size": 9},
                    customdata=[[p, format_value(v, unit), int(r or 0)] for p, v, r
                                in zip(periods, values, reporting, strict=True)],
                    hovertemplate="%{customdata[0]} : %{customdata[1]}"
                    + ("<br>%{customdata[2]} " + t("dashboards.structures")
                       if "reporting" in frame else "")
                    + f"<extra>{label}{hover_code}</extra>")
    if provisional.any():
        def whole(column: str) -> list[int]:
            numbers = frame[column] if column in frame else pd.Series(0, index=frame.index)
            return [0 if pd.isna(v) else int(v) for v in numbers]

        notes = [t("dashboards.provisional_point", n=n, total=total)
                 for n, total in zip(whole("validated"), whole("expected"), strict=True)]
        rows = [i for i in frame.index if provisional[i] and values[i] == values[i]]
        if rows:
            fig.add_scatter(
                x=[dates[i] for i in rows], y=[values[i] for i in rows], mode="markers+text",
                name=notes[rows[-1]], text=[notes[i] for i in rows], textposition="top left",
                textfont={"color": "#555555", "size": 11},
                marker={"size": 11, "symbol": "circle-open", "color": "#0072B2",
                        "line": {"width": 2}},
                customdata=[[periods[i], format_value(values[i], unit), notes[i]] for i in rows],
                hovertemplate="%{customdata[0]} : %{customdata[1]}<br>%{customdata[2]}"
                + f"<extra>{label}{hover_code}</extra>")
    if "target" in frame and frame["target"].notna().any():
        fig.add_scatter(x=dates, y=frame["target"], mode="lines", name=t("dashboards.target"),
                        line={"color": "#D55E00", "dash": "dash"}, connectgaps=False,
                        customdata=[[p, format_value(v, unit)] for p, v
                                    in zip(periods, frame["target"], strict=True)],
                        hovertemplate="%{customdata[0]} : %{customdata[1]}<extra>"
                        + t("dashboards.target") + "</extra>")
    _period_ticks(fig, dates, periods)
    fig.update_yaxes(title_text=unit_title(unit), rangemode="tozero")
    if unit == "count":
        top = float(pd.concat([values, frame.get("target", values)]).max() or 0)
        integer_axis(fig, top if top == top else 0)
    first, last = (periods[0], periods[-1]) if periods else ("", "")
    if structure:
        title = t("dashboards.structure_trend_title", kpi=label, structure=structure,
                  first=first, last=last)
    else:
        title = t("dashboards.trend_title", kpi=label, first=first, last=last)
    fig = _layout(fig, title, width=55)
    # The legend under the title: below the plot it would cover the period axis's title.
    fig.update_layout(showlegend=True, legend={"y": 1.0, "yanchor": "bottom"},
                      margin={"t": fig.layout.margin.t + 30})
    return fig


def ranking_chart(frame: pd.DataFrame, label: str, unit: str, year: int,
                  quarter: int) -> go.Figure:
    """Every structure with a figure, best first, each one labelled."""
    fig = go.Figure(go.Bar(x=frame["value"], y=frame["code"], orientation="h",
                           marker_color="#0072B2",
                           text=[format_value(v, unit) for v in frame["value"]],
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{y} : %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category", dtick=1, automargin=True,
                     title_text=t("dashboards.col_code"))
    fig.update_xaxes(title_text=unit_title(unit))
    if unit == "count" and not frame.empty:
        integer_axis(fig, float(frame["value"].max()), axis="x")
    return _layout(fig, t("dashboards.ranking_title", kpi=label,
                          quarter=quarter_label(year, quarter)),
                   height=max(360, 22 * len(frame) + 140), width=55)


def completeness_chart(counts: pd.Series, year: int, quarter: int) -> go.Figure:
    """The quarter's submissions per state."""
    fig = go.Figure(go.Bar(x=[t(f"results.states.{s}") for s in counts.index], y=counts.values,
                           marker_color=[STATE_COLOURS.get(s, "#999999") for s in counts.index],
                           text=counts.values, textposition="outside", cliponaxis=False))
    fig.update_xaxes(title_text=t("dashboards.col_state"))
    fig.update_yaxes(title_text=t("dashboards.axis_structures"))
    integer_axis(fig, float(counts.max()) if len(counts) else 0)
    return _layout(fig, t("dashboards.completeness_title", quarter=quarter_label(year, quarter)),
                   height=380, width=55)


def overdue_chart(frame: pd.DataFrame, as_of: str) -> go.Figure:
    """Overdue actions per owner structure: horizontal bars, most late first, every structure
    labelled."""
    fig = go.Figure(go.Bar(x=frame["overdue"], y=frame["code"], orientation="h",
                           marker_color="#D55E00", text=frame["overdue"],
                           textposition="outside", cliponaxis=False))
    fig.update_yaxes(autorange="reversed", type="category", dtick=1, automargin=True,
                     title_text=t("dashboards.col_code"))
    fig.update_xaxes(title_text=t("dashboards.col_overdue"))
    integer_axis(fig, float(frame["overdue"].max()) if len(frame) else 0, axis="x")
    return _layout(fig, t("dashboards.overdue_title", date=as_of),
                   height=max(380, 22 * len(frame) + 140), width=55)


def platform_chart(frame: pd.DataFrame, platforms: list[str]) -> go.Figure:
    """Structures × platforms: the stage reached (0 = none), darker when further; each cell
    names its stage and the legend says what the shades mean."""
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
    # Short stage names in the cells (the full ones are in the hover and under the chart).
    stage_names = frame.assign(name=[
        f"{t('platforms.short.' + r.stage_key)} ({r.stage}/{r.stages})"
        for r in frame.itertuples(index=False)]).pivot(
        index="code", columns="platform", values="name").reindex(index=codes, columns=platforms)
    ratio = (z / share).values
    fig = go.Figure(go.Heatmap(
        z=ratio, x=[wrap(t(f"platforms.names.{p}"), 22) for p in platforms], y=codes,
        text=stage_names.values, customdata=text.values, texttemplate="%{text}",
        textfont={"size": 10}, hovertemplate="%{customdata}<extra></extra>", zmin=0, zmax=1,
        colorscale=[[0, "#F7FBFF"], [0.34, "#9ECAE1"], [0.67, "#4292C6"], [1, "#08306B"]],
        showscale=False, xgap=2, ygap=1, showlegend=False))
    shades = {"none": ("#F7FBFF", ratio == 0), "partial": ("#9ECAE1", (ratio > 0) & (ratio < 1)),
              "all": ("#08306B", ratio >= 1)}
    for key, (colour, cells) in shades.items():
        _legend_entry(fig, f"{t('platforms.legend.' + key)} ({int(cells.sum())})", colour)
    fig.update_yaxes(autorange="reversed", type="category", dtick=1, automargin=True,
                     title_text=t("dashboards.col_code"), showgrid=False, zeroline=False)
    fig.update_xaxes(side="top", automargin=True, showgrid=False, zeroline=False)
    fig = _layout(fig, t("platforms.chart_title"), height=max(420, 24 * len(codes) + 200))
    fig.update_layout(legend={"orientation": "h", "y": -0.01, "yanchor": "top", "x": 0,
                              "title": {"text": t("platforms.legend.title")}},
                      margin={"t": 110, "b": 60})
    return fig


def effect_chart(series: pd.DataFrame, session_day: pd.Timestamp, session_label: str,
                 label: str, unit: str, names: dict[str, str]) -> go.Figure:
    """The average of a KPI per quarter for each group of structures (``names``: group →
    legend), with the session's date marked by a dotted line and its name."""
    fig = go.Figure()
    colours = {"done": "#009E73", "others": "#0072B2"}
    all_dates: list[pd.Timestamp] = []
    for group, name in names.items():
        part = series[series["group"] == group]
        dates = [pd.Timestamp(int(y), 3 * int(q) - 2, 1) for y, q in zip(
            part["year"], part["quarter"], strict=True)]
        all_dates += dates
        periods = [quarter_label(int(y), int(q)) for y, q in zip(part["year"], part["quarter"],
                                                                  strict=True)]
        fig.add_scatter(x=dates, y=part["value"], mode="lines+markers", name=name,
                        line={"color": colours.get(group, "#555555"), "width": 3},
                        customdata=[[p, format_value(v, unit), int(n)] for p, v, n in zip(
                            periods, part["value"], part["structures"], strict=True)],
                        hovertemplate="%{customdata[0]} : %{customdata[1]}<br>%{customdata[2]} "
                        + t("dashboards.structures") + f"<extra>{name}</extra>")
    fig.add_shape(type="line", x0=session_day, x1=session_day, y0=0, y1=1, yref="paper",
                  line={"color": "#D55E00", "dash": "dot", "width": 2})
    # Left of the line, inside the plot (the session is often near the end of the series).
    fig.add_annotation(x=session_day, y=1, yref="paper", text=wrap(session_label, 24),
                       showarrow=False, xanchor="right", yanchor="top", align="right",
                       font={"color": "#D55E00", "size": 11})
    ordered = sorted(set(all_dates))
    if ordered:
        _period_ticks(fig, ordered, [quarter_label(d.year, (d.month - 1) // 3 + 1)
                                     for d in ordered])
        low, high = ordered[0] - pd.Timedelta(days=45), ordered[-1] + pd.Timedelta(days=45)
        fig.update_xaxes(range=[min(low, session_day - pd.Timedelta(days=45)),
                                max(high, session_day + pd.Timedelta(days=45))])
    fig.update_yaxes(title_text=unit_title(unit), rangemode="tozero")
    fig = _layout(fig, t("effects.chart_title", kpi=label), width=55)
    fig.update_layout(showlegend=True, legend={"y": 1.0, "yanchor": "bottom"},
                      margin={"t": fig.layout.margin.t + 30})
    return fig
