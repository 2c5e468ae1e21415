"""Accueil: what the signed-in user must know first, and where to go from there."""

import streamlit as st

from tracker import ui
from tracker.core.formats import format_date, format_number, quarter_label
from tracker.core.i18n import t
from tracker.dashboards import home

actor = ui.require_actor("pages/home.py")
st.title(t("home.title"))
today = ui.today()

with ui.read() as session:
    national = home.uses_national_home(actor)
    if national:
        summary = home.national_home(session, today)
        missing = home.missing_declarations(session, actor, today)
        bands, oldest = home.overdue_overview(session, actor, today)
        escalated = home.escalated_frame(session)
    else:
        structure = home.structure_home(session, actor, today)

if not national:
    st.subheader(ui.plain(structure.name))
    st.caption(t("home.reporting", quarter=quarter_label(structure.year, structure.quarter, True),
                 closes=format_date(structure.window_closes_on, "long")))
    status = structure.submission_status or "not_started"
    cols = st.columns(4)
    cols[0].metric(t("home.submission_status"), t(f"home.status.{status}"))
    if structure.days_left is not None:
        cols[1].metric(t("home.days_left"), t("home.days", n=max(structure.days_left, 0)))
    cols[2].metric(t("home.open_actions"), format_number(structure.open_actions, 0))
    cols[3].metric(t("home.overdue_actions"), format_number(structure.overdue_actions, 0))
    if structure.return_comment:
        st.warning(t("home.returned_with", comment=ui.plain(structure.return_comment)))
    if status in ("not_started", "draft", "returned"):
        ui.page_link(actor, "pages/results_entry.py", t("home.go_entry"), ":material/edit_note:")
    if structure.overdue_actions:
        st.warning(t("home.overdue_warning", n=structure.overdue_actions))
        ui.page_link(actor, "pages/actions.py", t("home.go_overdue"), ":material/task_alt:",
                     preset={"actions_overdue": True}, key="home_overdue")
else:
    st.caption(t("home.reporting", quarter=quarter_label(summary.year, summary.quarter, True),
                 closes=format_date(summary.window_closes_on, "long")))
    cols = st.columns(5)
    cols[0].metric(t("home.structures"), format_number(summary.structures, 0))
    cols[1].metric(t("home.sessions_this_year"), format_number(summary.sessions_this_year, 0))
    cols[2].metric(t("home.open_actions"), format_number(summary.open_actions, 0))
    cols[3].metric(t("home.overdue_actions"), format_number(summary.overdue_actions, 0))
    cols[4].metric(t("home.submissions_received"),
                   f"{format_number(summary.submissions_received, 0)} / "
                   f"{format_number(summary.submissions_expected, 0)}")
    left, right = st.columns(2)
    with left:
        st.subheader(t("home.missing_title", n=len(missing)))
        if missing.empty:
            st.success(t("home.missing_none"))
        else:
            ui.table(missing, "home.col_", height=min(38 + 35 * len(missing), 400))
        ui.page_link(actor, "pages/submissions.py", t("home.go_submissions"),
                     ":material/grid_view:")
    with right:
        st.subheader(t("home.overdue_title", n=summary.overdue_actions))
        ui.table(bands, "home.col_")
        if not oldest.empty:
            st.caption(t("home.oldest_caption", n=len(oldest)))
            ui.table(oldest, "home.col_")
        ui.page_link(actor, "pages/actions.py", t("home.go_overdue"), ":material/task_alt:",
                     preset={"actions_overdue": True}, key="home_overdue")
    if not escalated.empty:
        st.subheader(t("home.escalated", n=len(escalated)))
        ui.table(escalated, "home.col_")
