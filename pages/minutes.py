"""Procès-verbaux: upload a PV, review and correct its parse, confirm; nothing is written before."""

import streamlit as st

from tracker import ui
from tracker.conference import kpi_links, minutes
from tracker.conference.sessions import ConferenceInput, conference_label
from tracker.core.errors import TrackerError
from tracker.core.i18n import t

actor = ui.require_actor("pages/minutes.py")
st.title(t("minutes_review.title"))
st.caption(t("minutes_review.help"))
revision = ui.page_revision("minutes")

upload = ui.file_uploader(t("minutes_review.upload"), types=["docx", "md", "markdown", "txt"],
                          key=f"minutes_upload_{revision}")
if upload is not None and st.button(t("minutes_review.analyse"), key="minutes_analyse"):
    data = upload.getvalue()
    try:
        with ui.read() as session:
            parsed = minutes.parse_upload(session, data, upload.name)
    except TrackerError as exc:
        ui.show_error(exc)
    else:
        st.session_state.update(minutes_parsed=parsed, minutes_data=data,
                                minutes_filename=upload.name)

parsed = st.session_state.get("minutes_parsed")
if parsed is not None:
    st.info(t("minutes_review.parsed", file=ui.plain(st.session_state["minutes_filename"])))
    if parsed.warnings:
        with st.container(border=True):
            st.caption(t("minutes_review.warnings"))
            for warning in parsed.warnings:
                st.text(warning)  # may quote the file: never rendered as markdown
    if parsed.uncertain:
        st.warning(t("minutes_review.uncertain_fields",
                     fields=minutes.field_labels(parsed.uncertain)))
    meta = minutes.session_input(parsed, ui.today())
    st.subheader(t("minutes_review.session"))

    def flagged(field: str, label_key: str) -> str:
        return ("⚠ " if field in parsed.uncertain else "") + t(label_key)

    cols = st.columns(4)
    number = cols[0].number_input(flagged("number", "conferences.col_number"), min_value=1,
                                  value=meta.number, key=f"minutes_number_{revision}")
    year = cols[1].number_input(t("conferences.col_year"), min_value=2000, max_value=2100,
                                value=meta.year, key=f"minutes_year_{revision}")
    rank = cols[2].number_input(flagged("rank_in_year", "conferences.col_rank_in_year"),
                                min_value=1, value=meta.rank_in_year,
                                key=f"minutes_rank_{revision}")
    day = cols[3].date_input(flagged("date", "conferences.col_session_date"),
                             value=meta.session_date, format="DD/MM/YYYY",
                             key=f"minutes_date_{revision}")
    texts = {name: st.text_input(flagged(name, f"conferences.col_{name}"),
                                 value=getattr(meta, name), key=f"minutes_{name}_{revision}")
             for name in ("place", "theme", "chair", "rapporteur")}

    with ui.read() as session:
        kpi_names = kpi_links.kpi_names(session)
        kpi_labels = kpi_links.kpi_choices(session)
    frames = minutes.review_frames(parsed, kpi_names)
    edited = {}
    for table in minutes.TABLES:
        st.subheader(t(f"minutes_review.table_{table}"))
        edited[table] = st.data_editor(
            placeholder="—", data=frames[table],
            column_config=ui.column_config(minutes.column_specs(table, kpi_labels)),
            num_rows="dynamic", hide_index=True, width="stretch",
            key=f"minutes_table_{table}_{revision}")
    with st.expander(t("minutes_review.text")):
        st.text(parsed.plain_text)

    st.subheader(t("kpi_links.check_title"))
    with ui.read() as session:
        warnings = minutes.pv_check(session, edited, day)
    carry_over = {}
    if not warnings:
        st.success(t("kpi_links.check_ok"))
    else:
        st.warning(t("kpi_links.check_count", n=len(warnings)))
        for warning in warnings:
            st.text("• " + warning.message)  # quotes the PV: never rendered as markdown
        duplicates = [w for w in warnings if w.earlier is not None]
        if duplicates:
            st.caption(t("kpi_links.links_help"))
        for warning in duplicates:
            if st.checkbox(t("kpi_links.link_offer", number=warning.number,
                             earlier=warning.earlier.reference),
                           key=f"minutes_link_{warning.table}_{warning.position}_{revision}"):
                carry_over[(warning.table, warning.position)] = (warning.earlier.kind,
                                                                 warning.earlier.id)
    left, right = st.columns(2)
    if left.button(t("minutes_review.confirm"), key="minutes_confirm", type="primary"):
        reviewed = ConferenceInput(number=int(number), year=int(year), rank_in_year=int(rank),
                                   session_date=day, **texts)
        def forget(_conference) -> None:
            for key in ("minutes_parsed", "minutes_data", "minutes_filename"):
                st.session_state.pop(key, None)

        ui.act("minutes", minutes.confirm_minutes, actor, reviewed, edited,
               data=st.session_state["minutes_data"],
               filename=st.session_state["minutes_filename"],
               source_format=parsed.source_format, plain_text=parsed.plain_text,
               carry_over=carry_over, flash=lambda conference: t("minutes_review.saved",
                                          label=conference_label(conference)),
               then=forget)
    if right.button(t("minutes_review.discard"), key="minutes_discard"):
        for key in ("minutes_parsed", "minutes_data", "minutes_filename"):
            st.session_state.pop(key, None)
        st.session_state["minutes_revision"] = revision + 1
        st.rerun()

with ui.read() as session:
    imported = minutes.conferences_with_minutes(session)
if imported:
    st.subheader(t("minutes_review.history"))
    chosen = st.selectbox(t("conferences.selected"), list(imported), key="minutes_history",
                          format_func=imported.__getitem__)
    with ui.read() as session:
        filename, content_type, original = minutes.original_file(session, chosen)
    st.download_button(t("minutes_review.download_original"), original, file_name=filename,
                       mime=content_type or "application/octet-stream",
                       key="minutes_download_original")
