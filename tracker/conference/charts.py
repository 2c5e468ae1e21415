"""Plotly builders for the follow-up of actions: DataFrame → Figure, no I/O."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tracker.core.formats import plotly_separators
from tracker.core.i18n import t
from tracker.core.models import ActionStatus

_STATUSES = [s.value for s in ActionStatus]

# One colour per status, in vocabulary order (colour-blind safe, done in green, blocked in red).
STATUS_COLOURS = ("#9e9e9e", "#1f77b4", "#8fbbd9", "#2ca02c", "#d62728", "#c7c7c7")


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(title={"text": title}, separators=plotly_separators(),
                         xaxis_title=x_title, yaxis_title=y_title, legend_title_text="",
                         margin={"t": 60, "l": 40, "r": 20, "b": 40}, height=420)
    return figure


def status_by_structure_chart(counts: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars: items per owner structure, one colour per status.

    ``counts`` has columns owner, code (status), status (translated) and count.
    """
    figure = go.Figure()
    for (code, status), rows in counts.groupby(["code", "status"], sort=False):
        figure.add_bar(x=rows["owner"], y=rows["count"], name=str(status),
                       marker_color=STATUS_COLOURS[_STATUSES.index(str(code))],
                       hovertemplate="%{x} : %{y}<extra>" + str(status) + "</extra>")
    figure.update_layout(barmode="stack")
    figure.update_xaxes(categoryorder="category ascending")
    return _layout(figure, title, t("actions.axis_structure"), t("actions.axis_count"))


def overdue_by_age_chart(ages: pd.DataFrame, title: str) -> go.Figure:
    """Bars: overdue items by how long they are late (``ages``: age, count)."""
    figure = go.Figure(go.Bar(x=ages["age"], y=ages["count"], marker_color="#d62728",
                              text=ages["count"], textposition="outside"))
    return _layout(figure, title, t("actions.axis_age"), t("actions.axis_count"))
