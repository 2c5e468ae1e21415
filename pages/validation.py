"""Validation: ASIN reviews each submission against the previous quarter and the target."""

import streamlit as st

from tracker import results, submissions, ui
from tracker.errors import TrackerError
from tracker.formats import quarter_label
from tracker.i18n import t
from tracker.navigation import roles_for
from tracker.periods import reporting_quarter

actor = ui.require_actor(*roles_for("pages/validation.py"))
st.title(t("results.validation_title"))
if flash := st.session_state.pop("validation_flash", None):
    st.success(flash)

with ui.read() as session:
    current = reporting_quarter(session, ui.today())
quarters = results.quarter_choices(ui.today())
year, quarter = st.selectbox(t("results.quarter"), quarters, key="validation_quarter",
                             index=quarters.index(current) if current in quarters else 0,
                             format_func=lambda yq: quarter_label(*yq, long=True))
with ui.read() as session:
    queue = submissions.queue_frame(session, actor, year, quarter, ui.today())

st.subheader(t("results.queue"))
shown = queue.assign(state=queue["state"].map(lambda s: t(f"results.states.{s}")))
st.dataframe(placeholder="—",
             data=shown[["code", "name", "state", "submitted_at"]], hide_index=True,
             width="stretch",
             height=300, column_config={
                 **ui.labels("results.col_", ["code", "name", "state"]),
                 "submitted_at": ui.datetime_column(t("results.col_submitted_at"))})

options = list(queue.index)
picked = st.selectbox(t("results.open_submission"), options, key="validation_pick",
                      format_func=lambda i: f"{queue.loc[i, 'code']} — "
                      f"{t('results.states.' + queue.loc[i, 'state'])}")
row = queue.loc[picked]


def act(action, message):  # type: ignore[no-untyped-def]
    try:
        with ui.write() as session:
            action(session)
    except TrackerError as exc:
        ui.show_error(exc, refresh="validation_revision")
    else:
        st.session_state["validation_flash"] = message
        st.rerun()


if row["submission_id"] is not None and row["submission_id"] == row["submission_id"]:
    submission_id = int(row["submission_id"])
    with ui.read() as session:
        fresh = (int(row["version"]), submissions.review_frame(session, actor, submission_id))
    # A decision refers to the declaration on screen: its version is kept over the click.
    version, review = ui.on_screen(f"validation_{submission_id}", fresh, keep=ui.clicked(
        "validation_validate", "validation_return", "validation_reopen"))
    if review.empty:
        st.info(t("results.nothing_to_review"))
    else:
        st.dataframe(placeholder="—", data=review, hide_index=True, width="stretch",
                     column_config=ui.labels("results.col_", list(review.columns)))
    if row["state"] == "submitted":
        left, right = st.columns(2)
        if left.button(t("results.validate"), type="primary", key="validation_validate"):
            act(lambda s: results.validate(s, actor, submission_id, seen_version=version),
                t("results.validated"))
        comment = right.text_area(t("results.return_comment"), key="validation_comment")
        if right.button(t("results.return_button"), key="validation_return"):
            act(lambda s: results.return_submission(s, actor, submission_id, comment,
                                                    seen_version=version),
                t("results.returned_ok"))
    if row["state"] in ("validated", "late") and st.button(t("results.reopen"),
                                                          key="validation_reopen"):
        act(lambda s: results.reopen(s, actor, int(row["structure_id"]), year, quarter,
                                     seen_version=version), t("results.reopened"))
elif row["state"] == "late" and st.button(t("results.reopen"), key="validation_reopen_new"):
    act(lambda s: results.reopen(s, actor, int(row["structure_id"]), year, quarter,
                                 seen_version=None), t("results.reopened"))

with st.expander(t("results.import_title")):
    ui.results_import_panel(actor, None, year, quarter, key="validation_import")

with st.expander(t("results.export")):
    with ui.read() as session:
        export = submissions.quarter_results_frame(session, actor, year, quarter)
    ui.downloads(export, f"resultats-T{quarter}-{year}", key="validation_export",
                 filters=quarter_label(year, quarter))
