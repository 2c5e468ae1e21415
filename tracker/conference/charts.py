"""Plotly builders for the follow-up of actions: DataFrame → Figure, no I/O."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tracker.core.formats import plotly_separators, wrap
from tracker.core.i18n import t
from tracker.core.models import ActionStatus

_STATUSES = [s.value for s in ActionStatus]

# One colour per status, in vocabulary order (colour-blind safe, done in green, blocked in red).
STATUS_COLOURS = ("#9e9e9e", "#1f77b4", "#8fbbd9", "#2ca02c", "#d62728", "#c7c7c7")


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(title={"text": wrap(title, 55)}, separators=plotly_separators(),
                         xaxis_title=x_title, yaxis_title=y_title, legend_title_text="",
                         margin={"t": 40 + 22 * (wrap(title, 55).count("<br>") + 1), "l": 40,
                                 "r": 20, "b": 40}, height=420)
    return figure


TOP_STRUCTURES = 30


def status_by_structure_chart(counts: pd.DataFrame, title: str) -> go.Figure:
    """Stacked horizontal bars: items per owner structure, one colour per status; every bar
    labelled: the structures with the most items first, the rest summed as « autres ».

    ``counts`` has columns owner, code (status), status (translated) and count.
    """
    totals = counts.groupby("owner")["count"].sum().sort_values(ascending=False, kind="stable")
    if len(totals) > TOP_STRUCTURES:
        kept = list(totals.index[:TOP_STRUCTURES - 1])
        others = t("actions.axis_others", n=len(totals) - len(kept))
        counts = counts.assign(owner=counts["owner"].where(counts["owner"].isin(kept), others))
        counts = counts.groupby(["owner", "code", "status"], as_index=False, sort=False)[
            "count"].sum()
        order = [*kept, others]
    else:
        order = list(totals.index)
    figure = go.Figure()
    for (code, status), rows in counts.groupby(["code", "status"], sort=False):
        figure.add_bar(y=rows["owner"], x=rows["count"], name=str(status), orientation="h",
                       marker_color=STATUS_COLOURS[_STATUSES.index(str(code))],
                       hovertemplate="%{y} : %{x}<extra>" + str(status) + "</extra>")
    figure.update_layout(barmode="stack")
    figure.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed",
                        type="category", dtick=1, automargin=True)
    _integer(figure, float(totals.max()) if len(totals) else 0, "x")
    figure = _layout(figure, title, t("actions.axis_count"), t("actions.axis_structure"))
    height = max(420, 24 * len(order) + 200)
    # The legend far enough under the plot (in pixels) not to cover the count axis's title.
    figure.update_layout(height=height, margin={"b": 60},
                         legend={"orientation": "h", "y": -70 / max(200, height - 160),
                                 "traceorder": "normal",
                                 "yanchor": "top", "x": 0})
    return figure


def _integer(figure: go.Figure, top: float, axis: str) -> None:
    """Counts tick at whole numbers only."""
    settings: dict[str, object] = {"rangemode": "tozero", "tickformat": ",d"}
    if top <= 10:
        settings["dtick"] = 1
    (figure.update_yaxes if axis == "y" else figure.update_xaxes)(**settings)


def overdue_by_age_chart(ages: pd.DataFrame, title: str) -> go.Figure:
    """Bars: overdue items by how long they are late (``ages``: age, count)."""
    figure = go.Figure(go.Bar(x=ages["age"], y=ages["count"], marker_color="#d62728",
                              text=ages["count"], textposition="outside", cliponaxis=False))
    _integer(figure, float(ages["count"].max()) if len(ages) else 0, "y")
    return _layout(figure, title, t("actions.axis_age"), t("actions.axis_count"))
