"""Plotly builders for the roadmap: DataFrame → Figure, no I/O.

Status colours are Okabe–Ito (colour-blind safe) and never the only cue: at-risk and off-track
bars are also hatched, milestones differ by symbol, and the status is written in the legend and
the hover. Dates on the axis are French month names (Babel), numbers use plotly_separators().
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
from babel.dates import format_date as babel_date

from tracker.core.formats import (
    format_date,
    format_number,
    format_percent,
    locale,
    plotly_separators,
)
from tracker.core.i18n import t

STATUS_ORDER = ("on_track", "at_risk", "off_track", "done")
STATUS_COLOURS = {"on_track": "#009E73", "at_risk": "#E69F00", "off_track": "#D55E00",
                  "done": "#0072B2"}
STATUS_PATTERNS = {"on_track": "", "at_risk": "/", "off_track": "x", "done": ""}
MILESTONE_SYMBOLS = {"done": "diamond", "pending": "diamond-open", "overdue": "x-thin-open"}
MILESTONE_COLOURS = {"done": "#000000", "pending": "#000000", "overdue": "#CC79A7"}
TODAY_COLOUR = "#D55E00"
SESSION_COLOUR = "#56B4E9"
_DAY_MS = 86_400_000


def _month_ticks(year: int) -> tuple[list[str], list[str]]:
    """First day of each month, labelled "janv." … with the quarter on its first month."""
    values, texts = [], []
    for month in range(1, 13):
        day = date(year, month, 1)
        text = babel_date(day, format="MMM", locale=locale())
        if month % 3 == 1:
            quarter = (month - 1) // 3 + 1
            text += "<br>" + t("roadmap.chart_quarter", quarter=quarter, year=year)
        values.append(day.isoformat())
        texts.append(text)
    return values, texts


def timeline_chart(bars: pd.DataFrame, points: pd.DataFrame, sessions: pd.DataFrame, *,
                   year: int, today: date, title: str) -> go.Figure:
    """Gantt of a year's initiatives, grouped by pillar and coloured by status, with milestones,
    the session dates and today's line.

    ``bars``: pillar, initiative, title, start, end (exclusive), status, status_label, owner,
    progress_text, next_text, period_text. ``points``: pillar, initiative, due_date, state,
    state_label, title, date_text. ``sessions``: day, label, date_text.
    """
    figure = go.Figure()
    if not bars.empty:
        # Categories take the order in which traces first show them: an invisible first trace
        # puts pillars and initiatives in roadmap order, whatever their status.
        figure.add_scatter(x=[d.isoformat() for d in bars["start"]],
                           y=[list(bars["pillar"]), list(bars["initiative"])], mode="markers",
                           marker={"opacity": 0}, showlegend=False, hoverinfo="skip")
    for status in STATUS_ORDER:
        rows = bars[bars["status"] == status]
        if rows.empty:
            continue
        figure.add_bar(
            orientation="h", base=[d.isoformat() for d in rows["start"]],
            x=[(e - s).days * _DAY_MS for s, e in zip(rows["start"], rows["end"], strict=True)],
            y=[list(rows["pillar"]), list(rows["initiative"])],
            name=t(f"roadmap.status.{status}"),
            marker={"color": STATUS_COLOURS[status], "line": {"color": "#333333", "width": 0.5},
                    "pattern": {"shape": STATUS_PATTERNS[status], "fgcolor": "#333333",
                                "size": 6, "solidity": 0.25}},
            customdata=rows[["title", "owner", "progress_text", "next_text", "status_label",
                             "period_text"]].to_numpy(),
            hovertemplate=("<b>%{customdata[0]}</b><br>" + t("roadmap.hover_owner")
                           + " : %{customdata[1]}<br>" + t("roadmap.hover_progress")
                           + " : %{customdata[2]}<br>" + t("roadmap.hover_next")
                           + " : %{customdata[3]}<br>" + t("roadmap.hover_status")
                           + " : %{customdata[4]}<br>%{customdata[5]}<extra></extra>"))
    for state in ("done", "pending", "overdue"):
        rows = points[points["state"] == state]
        if rows.empty:
            continue
        figure.add_scatter(
            x=[d.isoformat() for d in rows["due_date"]],
            y=[list(rows["pillar"]), list(rows["initiative"])], mode="markers",
            name=t(f"roadmap.chart_milestone_{state}"),
            marker={"symbol": MILESTONE_SYMBOLS[state], "size": 10,
                    "color": MILESTONE_COLOURS[state], "line": {"width": 2,
                                                                "color": MILESTONE_COLOURS[state]}},
            customdata=rows[["title", "date_text", "state_label"]].to_numpy(),
            hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}"
                           "<extra></extra>"))
    if not sessions.empty:
        figure.add_scatter(
            x=[d.isoformat() for d in sessions["day"]], y=[1.0] * len(sessions), yaxis="y2",
            mode="markers", name=t("roadmap.chart_sessions"), cliponaxis=False,
            marker={"symbol": "triangle-down", "size": 13, "color": SESSION_COLOUR,
                    "line": {"color": "#000000", "width": 1}},
            customdata=sessions[["label", "date_text"]].to_numpy(),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>")
    # The lines given at once: one add_shape per session validated every shape again (a
    # decade's year of forty sessions took a quarter of a second).
    shapes = [{"type": "line", "x0": day.isoformat(), "x1": day.isoformat(), "y0": 0, "y1": 1,
               "xref": "x", "yref": "paper",
               "line": {"color": SESSION_COLOUR, "width": 1, "dash": "dot"}}
              for day in sessions["day"]] if not sessions.empty else []
    if date(year, 1, 1) <= today <= date(year, 12, 31):
        shapes.append({"type": "line", "x0": today.isoformat(), "x1": today.isoformat(),
                       "y0": 0, "y1": 1, "xref": "x", "yref": "paper",
                       "line": {"color": TODAY_COLOUR, "width": 2}})
        figure.add_annotation(x=today.isoformat(), y=1, xref="x", yref="paper", yanchor="bottom",
                              yshift=14, showarrow=False, font={"color": TODAY_COLOUR, "size": 11},
                              text=t("roadmap.chart_today", day=format_date(today)))
    figure.update_layout(shapes=shapes)
    ticks, texts = _month_ticks(year)
    figure.update_xaxes(type="date", tickvals=ticks, ticktext=texts, showgrid=True,
                        gridcolor="#E5E5E5",
                        range=[(date(year, 1, 1) - timedelta(days=5)).isoformat(),
                               (date(year, 12, 31) + timedelta(days=5)).isoformat()])
    figure.update_yaxes(autorange="reversed", tickfont={"size": 11})
    rows_count = max(1, len(bars))
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}}, separators=plotly_separators(),
        barmode="overlay", height=max(420, 30 * rows_count + 200), template="plotly_white",
        yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        legend={"orientation": "h", "y": -0.08, "x": 0, "title": {"text": ""}},
        margin={"l": 10, "r": 20, "t": 90, "b": 60}, font={"size": 12}, bargap=0.35)
    return figure


def progress_chart(frame: pd.DataFrame, *, title: str, formula: str = "") -> go.Figure:
    """Bars of progress (%): the whole roadmap first, then each pillar; the hover gives the
    weighted sums the percentage comes from (``frame``: level, label, progress, achieved,
    total, measured, initiatives)."""
    colours = ["#0072B2" if level == "roadmap" else "#56B4E9" for level in frame["level"]]
    texts = [format_percent(v, 1) if pd.notna(v) else t("roadmap.no_progress")
             for v in frame["progress"]]
    details = [t("roadmap.hover_sums", achieved=format_number(a, 2), total=format_number(w, 2),
                 measured=int(m), initiatives=int(n))
               if pd.notna(a) else t("roadmap.no_progress")
               for a, w, m, n in zip(frame["achieved"], frame["total"], frame["measured"],
                                     frame["initiatives"], strict=True)]
    labels = [f"<b>{label}</b>" if level == "roadmap" else label
              for label, level in zip(frame["label"], frame["level"], strict=True)]
    figure = go.Figure(go.Bar(
        x=frame["progress"].fillna(0), y=labels, orientation="h", marker_color=colours,
        text=texts, textposition="outside", cliponaxis=False, customdata=details,
        hovertemplate="%{y}<br>%{text}<br>%{customdata}<extra></extra>"))
    figure.update_xaxes(range=[0, 110], tickvals=[0, 25, 50, 75, 100],
                        title=t("roadmap.axis_progress"))
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(title={"text": title, "x": 0, "font": {"size": 16},
                                "subtitle": {"text": formula, "font": {"size": 11}}},
                         separators=plotly_separators(), template="plotly_white",
                         height=max(280, 48 * len(frame) + 140), showlegend=False,
                         margin={"l": 10, "r": 30, "t": 80, "b": 40}, font={"size": 12})
    return figure
