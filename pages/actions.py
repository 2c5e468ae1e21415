"""Actions: follow-up of actions and recommendations; a DSI updates their own structure's."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import Action, audience, may, own_structure, reads_drafts_anywhere
from tracker.conference import actions, kpi_links
from tracker.conference import charts as charts_actions
from tracker.conference import sessions as conferences
from tracker.core.formats import format_date
from tracker.core.i18n import t
from tracker.core.models import TOPIC_TAGS
from tracker.core.tables import diff_frames

actor = ui.require_actor("pages/actions.py")
st.title(t("actions.title"))
help_key = f"help_{audience(actor)}"
st.caption(t(f"actions.{help_key}"))
revision = ui.page_revision("actions")

with ui.read() as session:
    structures = actions.structure_options(session)
    sessions = conferences.conference_options(session)

kind = st.radio(t("actions.title"), [actions.ACTION, actions.RECOMMENDATION], horizontal=True,
                key="actions_kind", label_visibility="collapsed",
                format_func=lambda k: t(f"actions.tab_{k}s"))
cols = st.columns([2, 2, 3, 2, 2, 2])
own = own_structure(actor)
structure_choices = [None, *structures]
structure = cols[0].selectbox(t("actions.filter_structure"), structure_choices,
                              index=structure_choices.index(own), key="actions_structure",
                              format_func=lambda i: structures.get(i) or t("common.all"))
status = cols[1].selectbox(t("actions.filter_status"), [None, *actions.STATUSES],
                           key="actions_status",
                           format_func=lambda s: actions.status_label(s) if s else t("common.all"))
conference = cols[2].selectbox(t("actions.filter_session"), [None, *sessions],
                               key="actions_session",
                               format_func=lambda i: sessions.get(i) or t("common.all"))
topic = cols[3].selectbox(t("actions.filter_topic"), [None, *TOPIC_TAGS], key="actions_topic",
                          format_func=lambda x: actions.topic_label(x) if x else t("common.all"),
                          disabled=kind != actions.ACTION)
overdue = cols[4].checkbox(t("actions.filter_overdue"), key="actions_overdue")
blocked = cols[5].checkbox(t("actions.filter_blocked"), key="actions_blocked")
filters = actions.Filters(structure_id=structure, status=status, conference_id=conference,
                          topic=topic if kind == actions.ACTION else None,
                          overdue_only=overdue, blocked_only=blocked)

with ui.read() as session:  # kept as drawn while edits are pending or being saved
    followup_revision = actions.followup_revision(session)
# Every role reads the same follow-up (writes are checked on save): one cached frame per data
# revision and filters, shared by every session.
fresh = ui.read_view(actions.followup_frame, None, kind, filters, ui.today(),
                     revision=followup_revision)
frame = fresh  # counts, charts and exports: every row the filters keep
columns = actions.COLUMNS[kind]
editable_columns = actions.editable_columns(actor, kind)
editable = bool(editable_columns) and (reads_drafts_anywhere(actor) or structure == own)
if own is not None and not editable:
    st.info(t("actions.own_only", code=ui.plain(actor.structure_code)))

if frame.empty:
    st.info(t("actions.empty"))
elif not editable:
    st.caption(t("actions.count", n=len(frame)))
    shown, _ = ui.paged(frame, f"actions_page_{kind}_{filters}")  # 50 rows reach the browser
    ui.table(actions.display_frame(shown), height=480)  # dates as 30/09/2025, blanks as —
else:
    st.caption(t("actions.count", n=len(frame)))
    page_rows, page = ui.paged(frame, f"actions_page_{kind}_{filters}")
    # The page's rows kept as drawn while edits are pending or being saved (only this page's
    # fifty rows are kept in the session, never the whole follow-up).
    pending = st.session_state.get("actions_editor_key")
    shown = ui.on_screen(f"actions_{kind}_{filters}_{page.number}", page_rows,
                         keep=ui.clicked("actions_save") or (bool(pending)
                                                             and ui.editing(pending)),
                         family="actions_")
    with ui.read() as session:
        initiatives = actions.initiative_choices(session)
        kpi_labels = kpi_links.kpi_choices(session)
    specs = actions.column_specs(kind, actor, list(structures.values()), initiatives,
                                 kpi_labels)
    config = ui.column_config(specs)
    config["closed_session"] = None
    for name, label_of in (("status", actions.status_label), ("priority", actions.priority_label),
                           ("topic", actions.topic_label)):
        if name in specs:
            config[name] = st.column_config.SelectboxColumn(
                specs[name].label, options=list(specs[name].options), format_func=label_of,
                disabled=specs[name].disabled, required=specs[name].required)
    key = f"actions_editor_{kind}_{revision}_{page.number}_{actions.data_revision(shown)}"
    previous = st.session_state.get("actions_editor_key")
    if previous and previous != key and (st.session_state.get(previous) or {}).get("edited_rows"):
        st.warning(t("actions.edits_discarded"))
    st.session_state["actions_editor_key"] = key
    edited = st.data_editor(placeholder="—",
                            data=shown, column_config=config, column_order=columns, hide_index=True,
                            key=key, width="stretch", height=480)
    if st.button(t("common.save"), key="actions_save", type="primary"):
        st.session_state["actions_editor_key"] = None
        ui.act("actions", actions.save_followup, actor, kind,
               diff_frames(shown, edited, editable_columns), shown["version"].to_dict(),
               flash=lambda written: t("actions.saved", n=written))

if not frame.empty:
    when = format_date(ui.today())
    left, right = st.columns(2)
    ui.plotly_chart(where=left, figure=charts_actions.status_by_structure_chart(
        actions.status_by_structure_frame(frame),
        t(f"actions.chart_status_{kind}", when=when)), key="actions_chart_status")
    ui.plotly_chart(where=right, figure=charts_actions.overdue_by_age_chart(
        actions.overdue_age_frame(frame, ui.today()),
        t(f"actions.chart_overdue_{kind}", when=when)),
        key="actions_chart_overdue")
    ui.downloads(actions.display_frame(frame), f"{kind}s", key="actions_dl",
                 filters=actions.filters_text(filters, structures, sessions))

if may(actor, Action.edit_conferences):
    with st.expander(t("followup_import.expander")):
        ui.followup_import_panel(actor, "actions_followup")
