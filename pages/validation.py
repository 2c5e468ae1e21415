"""Validation: ASIN reviews each submission against the previous quarter and the target."""

import streamlit as st

from tracker import ui
from tracker.core.formats import quarter_label
from tracker.core.i18n import t
from tracker.core.periods import reporting_quarter
from tracker.dashboards import confidence
from tracker.results import completeness, ratings, submissions
from tracker.results import entry as results
from tracker.results import review as declarations

actor = ui.require_actor("pages/validation.py")
st.title(t("results.validation_title"))
revision = ui.page_revision("validation", to_top=True)  # the decision's message

with ui.read() as session:
    current = reporting_quarter(session, ui.today())
quarters = results.quarter_choices(ui.today())
year, quarter = st.selectbox(t("results.quarter"), quarters, key="validation_quarter",
                             index=quarters.index(current) if current in quarters else 0,
                             format_func=lambda yq: quarter_label(*yq, long=True))
with ui.read() as session:
    queue = submissions.queue_frame(session, actor, year, quarter, ui.today())
st.markdown(f"**{submissions.queue_counts(queue)}**", help=t("validation.queue_help"))

names = {int(sid): str(name) for sid, name in zip(queue["structure_id"], queue["name"],
                                                   strict=True)}
by_id = queue.set_index("structure_id")
if (after := st.session_state.pop("validation_next", None)) in names:
    st.session_state["validation_pick"] = after  # the next declaration, after a decision
picked = st.selectbox(t("results.open_submission"), list(names), key="validation_pick",
                      format_func=lambda sid: t("validation.pick_line", name=names[sid], state=t(
                          "results.states." + by_id.loc[sid, "state"])))
row = by_id.loc[picked]


def decided(message: str) -> str:
    """What a decision did, and which declaration the page opens next."""
    following = submissions.next_to_review(queue, picked)
    st.session_state["validation_next"] = following
    return " ".join([t(message, name=names[picked]), t("validation.next", name=names[following])
                     if following is not None else t("validation.none_left")])


if row["submission_id"] is not None and row["submission_id"] == row["submission_id"]:
    submission_id = int(row["submission_id"])
    with ui.read() as session:
        fresh = (int(row["version"]), submissions.review_frame(session, actor, submission_id))
    # A decision refers to the declaration on screen: its version is kept over the click.
    version, review = ui.on_screen(f"validation_{submission_id}", fresh, keep=ui.clicked(
        "validation_validate", "validation_return", "validation_reopen"))
    if review.empty:
        st.info(t("results.nothing_to_review"))
    else:  # the flags first, beside the KPI's name: seen without scrolling sideways
        st.dataframe(placeholder="—", data=review, hide_index=True, width="stretch",
                     column_config=ui.labels("results.col_", list(review.columns), widths={
                         "code": 105, "label": 255, "flag": 175, "value": 80, "previous": 125,
                         "target": 80}))
    with ui.read() as session:  # the KPIs left blank, each with the DSI's reason
        blanks = completeness.blank_kpis(session, actor, submission_id)
    if not blanks.empty:
        st.markdown(f"**{t('results.blank_title', n=len(blanks))}**")
        ui.table(blanks, "results.col_")
    if row["state"] == "submitted":
        left, right = st.columns(2)
        if left.button(t("results.validate"), type="primary", key="validation_validate"):
            ui.act("validation", declarations.validate, actor, submission_id, seen_version=version,
                   flash=lambda _: decided("validation.validated"))
        comment = right.text_area(t("results.return_comment"), key="validation_comment")
        if right.button(t("results.return_button"), key="validation_return"):
            ui.act("validation", declarations.return_submission, actor, submission_id, comment,
                   seen_version=version, flash=lambda _: decided("validation.returned"))
    st.subheader(t("ratings.validation_title"))
    ratings_key = f"validation_ratings_{submission_id}_{revision}"
    with ui.read() as session:  # the ratings on screen are kept while edited or saved
        rating = ui.on_screen(f"validation_ratings_{submission_id}", ratings.rating_sheet(
            session, actor, picked, year, quarter, "asin", ui.today()),
            keep=ui.editing(ratings_key) or ui.clicked("validation_ratings_save"))
    st.caption(t("ratings.validation_help") if not rating.frame.empty
               else t("ratings.validation_none"))
    if not rating.frame.empty:
        rated = st.data_editor(
            placeholder="—", data=rating.frame, hide_index=True, width="stretch",
            column_order=["code", "label", "other_level", "other_reason", "level", "reason"],
            disabled=["code", "label", "other_level", "other_reason"] if rating.editable
            else True, key=ratings_key, column_config={
                **ui.column_config(ratings.rating_column_specs()),
                **ui.labels("ratings.col.", ["other_level", "other_reason"])})
        if rating.editable and st.button(t("ratings.save_asin"), key="validation_ratings_save"):
            ui.act("validation", ratings.save_ratings, actor, picked, year,
                   quarter, "asin", ratings.rating_rows_from_frame(rated), today=ui.today(),
                   flash=lambda n: t("ratings.saved", n=n))
        data = ui.dashboard_data()  # the forecast of that quarter, against the saved ratings
        with ui.read() as session:
            lines = confidence.rating_lines(
                session, actor, year, quarter, structure_id=picked,
                forecasts=ui.service_view(confidence.quarter_forecasts, year, quarter),
                data=data)
        for line in confidence.flagged_display(lines[lines["flagged"].astype(bool)]).itertuples():
            st.warning(t("ratings.flagged_kpi", kpi=ui.plain(line.kpi),
                         forecast=ui.plain(line.forecast)))
    if row["state"] in ("validated", "late") and st.button(t("results.reopen"),
                                                          key="validation_reopen"):
        ui.act("validation", declarations.reopen, actor, picked, year, quarter,
               seen_version=version, flash=t("results.reopened"))
elif row["state"] == "late" and st.button(t("results.reopen"), key="validation_reopen_new"):
    ui.act("validation", declarations.reopen, actor, picked, year, quarter,
           seen_version=None, flash=t("results.reopened"))

st.subheader(t("results.queue"))
st.dataframe(placeholder="—", hide_index=True, width="stretch",
             data=queue.assign(state=queue["state"].map(lambda s: t(f"results.states.{s}")))[
                 ["name", "code", "state", "submitted_at"]], column_config={
                 **ui.labels("results.col_", ["code", "name", "state"]),
                 "submitted_at": ui.datetime_column(t("results.col_submitted_at"))})

with st.expander(t("results.import_title")):
    ui.results_import_panel(actor, None, year, quarter, key="validation_import")

with st.expander(t("results.export")):
    with ui.read() as session:
        export = submissions.quarter_results_frame(session, actor, year, quarter)
    ui.downloads(export, f"resultats-T{quarter}-{year}", key="validation_export",
                 filters=quarter_label(year, quarter))
