"""Conférences: sessions, agenda, attendance and attendance rates; closing; the PV as Word."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import Action, may
from tracker.conference import agenda as session_agenda
from tracker.conference import attendance as session_attendance
from tracker.conference import kpis as conference_kpis
from tracker.conference import pv_export
from tracker.conference import sessions as conferences
from tracker.core.formats import format_datetime
from tracker.core.i18n import t
from tracker.core.models import ConferenceStatus
from tracker.core.tables import diff_frames

actor = ui.require_actor("pages/conferences.py")
st.title(t("conferences.title"))
admin = may(actor, Action.edit_conferences)
st.caption(t("conferences.help_admin") if admin else t("conferences.help_reader"))
revision = ui.page_revision("conferences")


def session_inputs(prefix: str, row: dict) -> conferences.ConferenceInput:
    cols = st.columns(4)
    numbers = [cols[i].number_input(t(f"conferences.col_{name}"), min_value=low, max_value=high,
                                    step=1, value=int(row[name]), key=f"{prefix}_{name}")
               for i, (name, low, high) in enumerate(conferences.NUMBER_FIELDS)]
    day = cols[3].date_input(t("conferences.col_session_date"), value=row.get("session_date"),
                             format="DD/MM/YYYY", key=f"{prefix}_date")
    texts = {name: st.text_input(t(f"conferences.col_{name}"), value=row.get(name) or "",
                                 key=f"{prefix}_{name}")
             for name in ("place", "theme", "chair", "rapporteur")}
    return conferences.ConferenceInput(*map(int, numbers), session_date=day, **texts)


def run(service, *args, flash: str, select: bool = False) -> None:
    def chosen(result) -> None:
        st.session_state["conferences_selected"] = result.id
    ui.act("conferences", service, actor, *args, flash=flash, then=chosen if select else None)


with ui.read() as session:
    frame = conferences.conferences_frame(session)
    defaults = conferences.new_session_defaults(session, ui.today().year)

if admin:
    with st.expander(t("conferences.new_session")), st.form("conferences_new"):
        data = session_inputs("conferences_new", defaults)
        if st.form_submit_button(t("conferences.create"), type="primary"):
            run(conferences.create_conference, data, flash=t("conferences.created"), select=True)

if frame.empty:
    st.info(t("conferences.empty"))
    st.stop()
config = {**ui.labels("conferences.col_", conferences.LIST_COLUMNS), "session_date":
          st.column_config.DateColumn(t("conferences.col_session_date"), format="DD/MM/YYYY")}
st.dataframe(frame[conferences.LIST_COLUMNS], column_config=config, hide_index=True,
             width="stretch", placeholder="—")
ui.downloads(frame[conferences.LIST_COLUMNS], "conferences", key="conferences_dl")
if admin and st.button(t("followup_import.kpis.refresh"), key="conferences_kpis_refresh"):
    run(conference_kpis.refresh_computed_kpis, flash=t("followup_import.kpis.refreshed"))
selected = st.selectbox(t("conferences.selected"), list(frame.index), key="conferences_selected",
                        format_func=lambda i: str(frame.loc[i, "label"]))
row = frame.loc[selected].to_dict()
is_open = row["status"] != ConferenceStatus.closed
editable = admin and is_open
if not is_open:
    st.info(t("conferences.is_closed", when=format_datetime(row["closed_at"])))

details, agenda, attendance, rates, pv = st.tabs([
    t("conferences.tab_details"), t("conferences.tab_agenda"), t("conferences.tab_attendance"),
    t("conferences.tab_rates"), t("conferences.tab_pv")], key="conferences_tabs")
with details:
    if editable:  # the version on screen is the one the save checks (kept over the click)
        shown = ui.on_screen(f"conferences_details_{selected}", row, keep=ui.clicked(
            "conferences_edit_save", "conferences_mark_held", "conferences_close"))
        seen = int(shown["version"])
        with st.form(f"conferences_edit_{selected}_{seen}"):
            data = session_inputs(f"conferences_edit_{selected}_{seen}", shown)
            if st.form_submit_button(t("common.save"), type="primary", key="conferences_edit_save"):
                run(conferences.update_conference, selected, seen, data,
                    flash=t("conferences.updated"))
        if row["status"] == ConferenceStatus.planned and st.button(
                t("conferences.mark_held"), key="conferences_mark_held"):
            run(conferences.set_status, selected, seen, ConferenceStatus.held.value,
                flash=t("conferences.held_now"))
        confirm = st.checkbox(t("conferences.close_confirm"), key="conferences_close_confirm")
        if st.button(t("conferences.close"), key="conferences_close", disabled=not confirm):
            run(conferences.set_status, selected, seen, ConferenceStatus.closed.value,
                flash=t("conferences.closed_now"))
    else:  # every reader, and a closed session: the details as text
        st.subheader(ui.plain(str(row["label"])))
        for label, text in conferences.details_lines(row):
            st.markdown(f"**{label}** : {ui.plain(text)}")

with ui.read() as session:
    agenda_frame = session_agenda.agenda_frame(session, selected)
    attendance_frame = session_attendance.attendance_frame(session, selected)
agenda_key, attendance_key = (f"conferences_{n}_{selected}_{revision}"
                              for n in ("agenda", "attendance"))
if editable:  # edits and versions apply to the rows drawn before the click
    agenda_frame = ui.editor_rows(f"conferences_agenda_{selected}", agenda_frame, key=agenda_key,
                                  save="conferences_agenda_save")
    attendance_frame = ui.editor_rows(f"conferences_att_{selected}", attendance_frame,
                                      key=attendance_key, save="conferences_attendance_save")
with agenda:
    if editable:  # a range index lets the user add rows; the id travels in a hidden column
        edited = st.data_editor(
            agenda_frame.reset_index(),
            column_config=ui.column_config(session_agenda.agenda_specs()),
            column_order=conferences.AGENDA_COLUMNS, num_rows="dynamic", hide_index=True,
            placeholder="—", key=agenda_key, width="stretch").set_index("id")
        if st.button(t("common.save"), key="conferences_agenda_save", type="primary"):
            run(session_agenda.save_agenda, selected,
                diff_frames(agenda_frame, edited, conferences.AGENDA_COLUMNS),
                agenda_frame["version"].to_dict(),
                session_agenda.removed_ids(agenda_frame, edited), flash=t("common.saved"))
    else:
        ui.table(agenda_frame[conferences.AGENDA_COLUMNS], "conferences.col_")
    ui.agenda_proposal(actor, selected, row, agenda_frame)  # proposed agenda, pre-read brief

with attendance:
    if editable:
        edited_attendance = st.data_editor(
            attendance_frame, column_config=ui.column_config(session_attendance.attendance_specs()),
            hide_index=True, placeholder="—", column_order=conferences.ATTENDANCE_COLUMNS,
            key=attendance_key, width="stretch", height=520)
        if st.button(t("common.save"), key="conferences_attendance_save", type="primary"):
            run(session_attendance.save_attendance, selected, diff_frames(
                attendance_frame, edited_attendance, conferences.ATTENDANCE_EDIT_COLUMNS),
                attendance_frame["version"].to_dict(), flash=t("common.saved"))
    else:
        st.dataframe(session_attendance.attendance_shown(attendance_frame), hide_index=True,
                     placeholder="—", column_config=ui.labels(
                         "conferences.col_", conferences.ATTENDANCE_COLUMNS))

with rates, ui.read() as session:
    rates_revision = session_attendance.rates_revision(session)
    for part, shown in zip(("session", "structure"), ui.read_view(
            session_attendance.rates_frames, revision=rates_revision), strict=True):
        st.subheader(t(f"conferences.rates_by_{part}"))
        ui.table(shown, "conferences.col_")

with pv, ui.read() as session:
    st.caption(t("conferences.pv_draft_note") if is_open else "")
    st.download_button(t("conferences.download_pv"), ui.deferred(  # written when clicked
        lambda s: pv_export.pv_docx(s, selected)), file_name=pv_export.pv_filename(
            session, selected), key="conferences_pv_download", mime=pv_export.DOCX_MIME,
        on_click="ignore")
