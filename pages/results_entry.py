"""Saisie des résultats: a DSI enters, imports and submits their structure's quarter."""

import streamlit as st

from tracker import ui
from tracker.core.formats import format_date, quarter_label
from tracker.core.i18n import t
from tracker.core.periods import reporting_quarter
from tracker.results import completeness, ratings
from tracker.results import entry as results

actor = ui.require_actor("pages/results_entry.py")
st.title(t("results.entry_title"))
revision = ui.page_revision("entry")

with ui.read() as session:
    choices = results.structure_choices(session, actor, ui.today())
    current = reporting_quarter(session, ui.today())
quarters = results.quarter_choices(ui.today())
left, right = st.columns(2)
structure_id = left.selectbox(t("results.structure"), [c[0] for c in choices],
                              key="entry_structure", format_func=dict(choices).__getitem__)
year, quarter = right.selectbox(t("results.quarter"), quarters, key="entry_quarter",
                                index=quarters.index(current) if current in quarters else 0,
                                format_func=lambda yq: quarter_label(*yq, long=True))

slot = f"{structure_id}_{year}_{quarter}"
grid_key = f"entry_grid_{slot}_{revision}"
with ui.read() as session:  # the sheet as drawn is kept while edits are pending or being saved
    sheet = ui.on_screen(f"entry_{slot}", results.entry_sheet(
        session, actor, structure_id, year, quarter, ui.today()), keep=ui.editing(grid_key)
        or ui.clicked("entry_save", "entry_submit"))
status = t(f"results.states.{sheet.status or 'not_started'}")
st.subheader(t("results.status_line", structure=ui.plain(sheet.structure_name),
               quarter=quarter_label(year, quarter), status=status))
if sheet.window:
    st.caption(t("results.window_line", opens=format_date(sheet.window.opens_on),
                 closes=format_date(sheet.window.closes_on)))
else:
    st.caption(t("results.no_window"))
if sheet.status == "returned" and sheet.review_comment:
    st.warning(t("results.returned", comment=ui.plain(sheet.review_comment)))
if not sheet.editable:
    st.info(t("results.read_only"))

# Unsaved edits survive a visit to another page (a draft in the session, for this version).
rows, draft = ui.draft_rows(f"entry_{slot}", sheet.frame, sheet.submission_version,
                            key=grid_key) if sheet.editable else (sheet.frame, "")
rows = results.with_rates(rows)
filled = completeness.completeness(rows)
notice = st.container()  # « Modifications non enregistrées », drawn once the grid is read
count_line = st.empty()
if filled.blank:
    with st.expander(t("results.blank_list", n=len(filled.blank))):
        st.markdown("\n".join(f"- {ui.plain(label)}" for label in filled.blank))
edited = st.data_editor(
    placeholder="—", data=rows,
    column_order=results.ENTRY_COLUMNS, hide_index=True, width="stretch",
    disabled=not sheet.editable or [c for c in results.ENTRY_COLUMNS
                                    if c not in results.ENTRY_INPUTS],
    column_config=ui.sized(ui.column_config(results.entry_column_specs()),
                           results.ENTRY_WIDTHS, results.ENTRY_NUMBERS),
    row_height=ui.WRAPPING_ROW, height=ui.grid_height(len(rows), row=ui.WRAPPING_ROW),
    key=grid_key)
count_line.markdown(f"**{t('results.filled', n=filled.filled, total=filled.total)}**")
unsaved = sheet.editable and ui.keep_draft(f"entry_{slot}", sheet.submission_version,
                                           sheet.frame, edited, results.ENTRY_INPUTS, draft)
if unsaved or draft == "stale":
    with notice:
        st.warning(t("results.unsaved") if unsaved else t("results.unsaved_stale"))
        ui.discard_button(f"entry_{slot}", "entry", key="entry_discard")

if sheet.flags:
    st.warning(t("results.flags_title") + "\n\n"
               + "\n".join(f"- {ui.plain(f)}" for f in sheet.flags))

st.subheader(t("ratings.entry_title"))
ratings_key = f"entry_ratings_{structure_id}_{year}_{quarter}_{revision}"
with ui.read() as session:  # kept like the sheet: a save checks the ratings' versions seen
    rating = ui.on_screen(f"entry_ratings_{structure_id}_{year}_{quarter}", ratings.rating_sheet(
        session, actor, structure_id, year, quarter, "dsi", ui.today()),
        keep=ui.editing(ratings_key) or ui.clicked("entry_save", "entry_submit"))
if rating.frame.empty:
    st.caption(t("ratings.entry_none"))
else:
    st.caption(t("ratings.entry_help"))
rated = st.data_editor(
    placeholder="—", data=rating.frame, column_order=ratings.RATING_COLUMNS, hide_index=True,
    width="stretch", disabled=not rating.editable, key=ratings_key,
    column_config=ui.column_config(ratings.rating_column_specs())) \
    if not rating.frame.empty else rating.frame
rating_rows = ratings.rating_rows_from_frame(rated)

if sheet.editable:
    missing = ratings.unrated(rating, rating_rows) if rating.editable else []
    if missing:
        st.warning(t("ratings.unrated_warning", kpis=ui.plain(", ".join(missing))))
    # Reasons typed are kept by KPI: the table is redrawn when the KPIs needing one change.
    kept = st.session_state.get(f"entry_reasons::{slot}", {})
    needed = completeness.reasons_needed(edited, kept)
    reasons: dict[str, str] = {}
    if not needed.empty:
        st.markdown(f"**{t('results.reasons_title')}**", help=t("results.reasons_help"))
        reasons = completeness.reasons_from_frame(st.data_editor(
            placeholder="—", data=needed, hide_index=True, width="stretch",
            height=ui.grid_height(len(needed)), column_order=["label", "why", "reason"],
            disabled=["code", "label", "why"],
            key=f"entry_reasons_{slot}_{revision}", column_config=ui.sized(ui.column_config(
                completeness.reason_column_specs()), completeness.REASON_WIDTHS)))
        st.session_state[f"entry_reasons::{slot}"] = {
            **kept, **dict.fromkeys(needed["code"], ""), **reasons}
    save_col, submit_col = st.columns(2)
    if save_col.button(t("results.save"), type="primary", key="entry_save"):
        ui.act("entry", ratings.save_draft_with_ratings, actor, structure_id, year, quarter,
               results.entry_rows_from_frame(edited), rating_rows,
               seen_version=sheet.submission_version, today=ui.today(),
               then=lambda _: ui.drop_draft(f"entry_{slot}"),
               flash=lambda n: t("results.saved", n=n))
    confirm = submit_col.checkbox(t("results.submit_confirm"), key="entry_confirm")
    if submit_col.button(t("results.submit"), disabled=not confirm, key="entry_submit"):
        ui.act("entry", ratings.submit_with_ratings, actor, structure_id, year, quarter,
               results.entry_rows_from_frame(edited), rating_rows,
               seen_version=sheet.submission_version, today=ui.today(), reasons=reasons,
               then=lambda _: ui.drop_draft(f"entry_{slot}"),
               flash=lambda left: t("ratings.submitted_unrated", kpis=", ".join(left),
                                    submitted=t("results.submitted"))
               if left else t("results.submitted"))

    with st.expander(t("results.import_title")):
        ui.results_import_panel(actor, sheet.structure_code, year, quarter, key="entry_import")

with st.expander(t("results.history")):
    kpi_code = st.selectbox(t("results.history_kpi"), list(sheet.frame["code"]),
                            key="entry_history_kpi")
    with ui.read() as session:
        history = results.result_history(session, actor, structure_id, kpi_code, year, quarter)
    if history.empty:
        st.caption(t("results.history_empty"))
    else:
        st.dataframe(placeholder="—", data=history, hide_index=True, width="stretch",
                     column_config=ui.labels("journal.col_", list(history.columns)))
