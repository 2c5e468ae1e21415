"""Accueil: what the signed-in user must know first."""

import streamlit as st

from tracker import ui
from tracker.core.formats import format_date, format_number, quarter_label
from tracker.core.i18n import t
from tracker.dashboards import home

actor = ui.require_actor("pages/home.py")
st.title(t("home.title"))

with ui.read() as session:
    if home.uses_national_home(actor):
        summary = home.national_home(session, ui.today())
        structure = None
    else:
        summary = None
    if summary is None:
        structure = home.structure_home(session, actor, ui.today())

if structure is not None:
    st.subheader(ui.plain(structure.name))
    st.caption(t("home.reporting", quarter=quarter_label(structure.year, structure.quarter, True),
                 closes=format_date(structure.window_closes_on, "long")))
    status = structure.submission_status or "not_started"
    cols = st.columns(3)
    cols[0].metric(t("home.submission_status"), t(f"home.status.{status}"))
    cols[1].metric(t("home.open_actions"), format_number(structure.open_actions, 0))
    cols[2].metric(t("home.overdue_actions"), format_number(structure.overdue_actions, 0))
    if structure.overdue_actions:
        st.warning(t("home.overdue_warning", n=structure.overdue_actions))
elif summary is not None:
    st.caption(t("home.reporting", quarter=quarter_label(summary.year, summary.quarter, True),
                 closes=format_date(summary.window_closes_on, "long")))
    cols = st.columns(5)
    cols[0].metric(t("home.structures"), format_number(summary.structures, 0))
    cols[1].metric(t("home.sessions_this_year"), format_number(summary.sessions_this_year, 0))
    cols[2].metric(t("home.open_actions"), format_number(summary.open_actions, 0))
    cols[3].metric(t("home.overdue_actions"), format_number(summary.overdue_actions, 0))
    cols[4].metric(t("home.submissions_received"),
                   f"{summary.submissions_received}/{summary.submissions_expected}")
    if summary.escalated_actions:
        st.subheader(t("home.escalated", n=summary.escalated_actions))
        with ui.read() as session:
            ui.table(home.escalated_frame(session), "home.col_")
