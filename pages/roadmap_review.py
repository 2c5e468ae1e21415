"""Revue de session: what changed in the roadmap since the previous session; the secretariat
prepares next year's roadmap from what is unfinished."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import Action, may
from tracker.core.formats import format_date
from tracker.core.i18n import t
from tracker.roadmap import nextyear, snapshots, views
from tracker.roadmap.review import (
    default_review,
    review_choices,
    review_display,
    session_review,
)

actor = ui.require_actor("pages/roadmap_review.py")
st.title(t("roadmap.review_title"))
st.caption(t("roadmap.review_help"))
ui.page_revision("roadmap_review")

with ui.read() as session:
    choices = review_choices(session)
    default = default_review(session, ui.today())
    years = views.year_choices(session, ui.today())

names = ["review", "next_year"] if may(actor, Action.edit_roadmap) else ["review"]
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
            review = session_review(session, actor, conference_id, ui.today())
        if review.since is None:
            st.subheader(t("roadmap.review_window_first", until=format_date(review.last_day)))
        else:
            st.subheader(t("roadmap.review_window", since=format_date(review.since),
                           until=format_date(review.last_day), previous=review.previous))
        metrics = st.columns(5)
        for column, kind in zip(metrics, ("new", "completed", "slipped", "status", "overdue"),
                                strict=True):
            column.metric(t(f"roadmap.review_count.{kind}"), review.counts.get(kind, 0))
        shown = review_display(review)
        if review.frame.empty:
            st.info(t("roadmap.review_empty"))
        else:
            st.dataframe(placeholder="—",
                         data=shown, hide_index=True, width="stretch", key="roadmap_review_table",
                         column_config={t("roadmap.review_col_when"): ui.datetime_column(
                             t("roadmap.review_col_when"))})
            ui.downloads(shown, t("roadmap.review_file"), key="roadmap_review_dl",
                         filters=t("roadmap.review_filters", session=review.conference))
        st.subheader(t("roadmap.slip_title"))
        st.caption(t("roadmap.slip_help"))
        with ui.read() as session:  # a decade of snapshots: read once per revision
            revision = snapshots.slippage_revision(session)
            any_snapshot = snapshots.has_snapshots(session)
        slips = ui.read_view(snapshots.slippage_frame, conference_id, revision=revision)
        if slips.empty:
            st.info(t("roadmap.slip_nothing" if any_snapshot else "roadmap.slip_none"))
        else:
            flagged = int((slips["flag"] != "").sum())
            if flagged:
                st.warning(t("roadmap.slip_flagged", n=flagged))
            slip_shown = snapshots.slippage_display(slips)
            ui.table(slip_shown, height=360)
            ui.downloads(slip_shown, t("roadmap.slip_file"), key="roadmap_slip_dl",
                         filters=t("roadmap.review_filters", session=review.conference))

if may(actor, Action.edit_roadmap):
    with tabs[1]:
        st.caption(t("roadmap.next_help"))
        source = st.selectbox(t("roadmap.next_source"), years,
                              index=years.index(ui.today().year), key="roadmap_next_year")
        with ui.read() as session:
            plan = nextyear.next_year_plan(session, source, ui.today())
        st.write(t("roadmap.next_summary", initiatives=plan.to_copy, milestones=plan.milestones,
                   pillars=plan.pillars_to_create, already=plan.already_copied,
                   target=plan.target_year))
        if plan.frame.empty:
            st.info(t("roadmap.next_nothing", year=source))
        else:
            st.dataframe(placeholder="—",
                         data=nextyear.plan_display(plan), hide_index=True, width="stretch",
                         key="roadmap_next_table")
        if plan.to_copy:
            confirmed = st.checkbox(t("roadmap.next_confirm", target=plan.target_year),
                                    key="roadmap_next_confirm")
            if st.button(t("roadmap.next_copy"), type="primary", disabled=not confirmed,
                         key="roadmap_next_copy"):
                ui.act("roadmap_review", nextyear.copy_to_next_year, actor, source, ui.today(),
                       flash=lambda done: t(
                           "roadmap.next_done", initiatives=done.initiatives,
                           milestones=done.milestones, pillars=done.pillars,
                           target=plan.target_year))
