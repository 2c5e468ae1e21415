"""Revue de session: what changed in the roadmap since the previous session; the secretariat
prepares next year's roadmap from what is unfinished."""

import streamlit as st

from tracker import roadmap, ui
from tracker.errors import TrackerError
from tracker.formats import format_date
from tracker.i18n import t
from tracker.models import Role
from tracker.navigation import roles_for

actor = ui.require_actor(*roles_for("pages/roadmap_review.py"))
st.title(t("roadmap.review_title"))
st.caption(t("roadmap.review_help"))
if flash := st.session_state.pop("roadmap_review_flash", None):
    st.success(flash)

with ui.read() as session:
    choices = roadmap.review_choices(session)
    default = roadmap.default_review(session, ui.today())
    years = roadmap.year_choices(session, ui.today())

names = ["review", "next_year"] if actor.role == Role.admin else ["review"]
tabs = st.tabs([t(f"roadmap.tab_{name}") for name in names])

with tabs[0]:
    if not choices:
        st.info(t("roadmap.review_no_sessions"))
    else:
        ids = list(choices)
        conference_id = st.selectbox(t("roadmap.review_session"), ids,
                                     index=ids.index(default) if default in ids else 0,
                                     format_func=choices.__getitem__, key="roadmap_review_session")
        with ui.read() as session:
            review = roadmap.session_review(session, actor, conference_id, ui.today())
        if review.since is None:
            st.subheader(t("roadmap.review_window_first", until=format_date(review.last_day)))
        else:
            st.subheader(t("roadmap.review_window", since=format_date(review.since),
                           until=format_date(review.last_day), previous=review.previous))
        metrics = st.columns(5)
        for column, kind in zip(metrics, ("new", "completed", "slipped", "status", "overdue"),
                                strict=True):
            column.metric(t(f"roadmap.review_count.{kind}"), review.counts.get(kind, 0))
        shown = roadmap.review_display(review)
        if review.frame.empty:
            st.info(t("roadmap.review_empty"))
        else:
            st.dataframe(placeholder="—",
                         data=shown, hide_index=True, width="stretch", key="roadmap_review_table",
                         column_config={t("roadmap.review_col_when"): ui.datetime_column(
                             t("roadmap.review_col_when"))})
            ui.downloads(shown, t("roadmap.review_file"), key="roadmap_review_dl",
                         filters=t("roadmap.review_filters", session=review.conference))

if actor.role == Role.admin:
    with tabs[1]:
        st.caption(t("roadmap.next_help"))
        source = st.selectbox(t("roadmap.next_source"), years,
                              index=years.index(ui.today().year), key="roadmap_next_year")
        with ui.read() as session:
            plan = roadmap.next_year_plan(session, source, ui.today())
        st.write(t("roadmap.next_summary", initiatives=plan.to_copy, milestones=plan.milestones,
                   pillars=plan.pillars_to_create, already=plan.already_copied,
                   target=plan.target_year))
        if plan.frame.empty:
            st.info(t("roadmap.next_nothing", year=source))
        else:
            st.dataframe(placeholder="—",
                         data=roadmap.plan_display(plan), hide_index=True, width="stretch",
                         key="roadmap_next_table")
        if plan.to_copy:
            confirmed = st.checkbox(t("roadmap.next_confirm", target=plan.target_year),
                                    key="roadmap_next_confirm")
            if st.button(t("roadmap.next_copy"), type="primary", disabled=not confirmed,
                         key="roadmap_next_copy"):
                try:
                    with ui.write() as session:
                        result = roadmap.copy_to_next_year(session, actor, source, ui.today())
                except TrackerError as exc:
                    ui.show_error(exc)
                else:
                    st.session_state["roadmap_review_flash"] = t(
                        "roadmap.next_done", initiatives=result.initiatives,
                        milestones=result.milestones, pillars=result.pillars,
                        target=plan.target_year)
                    st.rerun()
