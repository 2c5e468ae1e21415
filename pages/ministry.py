"""Fiche ministère: one structure's KPIs against targets, reports, actions, attendance, roadmap."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import Action, may
from tracker.conference import actions
from tracker.core.formats import format_date, quarter_label
from tracker.core.i18n import get_language, t
from tracker.dashboards import confidence
from tracker.dashboards import views as dashboards

actor = ui.require_actor("pages/ministry.py")
st.title(t("dashboards.ministry_title"))
results, cat, targets = ui.dashboard_data()

with ui.read() as session:
    options = ui.structure_options(session)
ids = list(options)
default = ids.index(actor.structure_id) if actor.structure_id in ids else 0
if st.session_state.get("ministry_from_overview") in ids:
    default = ids.index(st.session_state.pop("ministry_from_overview"))
structure_id = st.selectbox(t("results.structure"), ids, index=default, key="ministry_structure",
                            format_func=options.__getitem__)
code = options[structure_id].split(" — ")[0]
years = sorted({int(y) for y in results["year"]}, reverse=True) or [ui.today().year]
year = st.selectbox(t("results.year"), years, key="ministry_year")
with ui.read() as session:
    predecessors = dashboards.predecessor_codes(session, structure_id)
    current = dashboards.successor_codes(session).get(structure_id, code)  # as results name it
if predecessors:
    st.caption(t("dashboards.history_note", codes=ui.plain(", ".join(predecessors))))
caption = t("dashboards.caption", date=format_date(ui.today()), filters=f"{code}, {year}")

st.subheader(t("dashboards.section_kpis"))
summary = ui.dashboard_view(dashboards.view_structure, code, year)
if summary.empty:
    st.info(t("dashboards.none_results"))
else:
    ui.table(ui.kpi_summary_display(summary, dashboards.kpi_names(cat, get_language())),
             "dashboards.col_", widths={"kpi": 300})  # every column fits at 1280 px
    kpi_id = st.selectbox(t("dashboards.kpi"), list(summary["kpi_id"]), key="ministry_kpi",
                          format_func=lambda k: dashboards.kpi_label(cat, k, get_language()))
    trend, figure = ui.dashboard_view(dashboards.view_structure_trend, code, kpi_id,
                                      ui.today())
    ui.chart_block(figure, trend[["period", "value", "target", "provisional", "validated",
                                  "expected"]], key="ministry_trend",
                   caption=caption + " · " + t("dashboards.trend_note"),
                   labels_prefix="dashboards.col_")

st.subheader(t("ratings.section_forecast"))
quarter, forecasts = ui.service_view(confidence.year_forecasts, year, current)  # this one only
with ui.read() as session:  # the ratings this user may read, beside the cached forecasts
    section = confidence.structure_forecast(session, actor, structure_id, year, quarter,
                                            forecasts, (results, cat, targets))
if section.frame.empty:
    st.info(t("ratings.forecast_none"))
else:
    st.caption(t("ratings.forecast_caption", year=year,
                 quarter=quarter_label(year, quarter, long=True)))
    # The figures in one table that fits at 1280 px; the ratings and their reasons (long
    # texts) in a second one below it.
    ui.table(section.frame.drop(columns=["dsi", "asin"]), "ratings.col.", key="ministry_forecast",
             widths={"kpi": 300, "class": "medium", "flag": "small"})
    ui.table(section.frame[["kpi", "dsi", "asin"]], "ratings.col.", key="ministry_ratings",
             widths={"kpi": 300})
    if section.flagged:
        st.warning(t("ratings.forecast_flagged", n=section.flagged))

with ui.read() as session:
    history = dashboards.submission_history(session, structure_id, ui.today())
    followup = actions.followup_frame(session, actor, actions.ACTION,
                                      actions.Filters(structure_id=structure_id), ui.today())
    attendance = dashboards.attendance_history(session, structure_id)
    initiatives = dashboards.owned_initiatives(session, structure_id)

st.subheader(t("dashboards.section_submissions"))
if history.empty:
    st.info(t("dashboards.none_submissions"))
elif may(actor, Action.read_submission_history, structure_id):
    ui.table(history.assign(state=history["state"].map(lambda s: t(f"results.states.{s}")),
                            period=history["period"].map(ui.period_label)), "dashboards.col_")

st.subheader(t("dashboards.section_actions"))
open_items = followup[followup["open_sessions"].notna() | followup["overdue"]]
if open_items.empty:
    st.info(t("dashboards.none_actions"))
else:
    ui.table(actions.display_frame(open_items))  # dates as 30/09/2025

st.subheader(t("dashboards.section_attendance"))
if attendance.empty:
    st.info(t("dashboards.none_attendance"))
else:
    ui.table(attendance.assign(attendance=attendance["attendance"].map(
        lambda s: t(f"dashboards.attendance.{s}"))), "dashboards.col_")

st.subheader(t("dashboards.section_roadmap"))
if initiatives.empty:
    st.info(t("dashboards.none_roadmap"))
else:
    ui.table(initiatives.assign(status=initiatives["status"].map(
        lambda s: t(f"dashboards.initiative.{s}"))), "dashboards.col_")
