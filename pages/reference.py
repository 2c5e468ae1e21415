"""Référentiels: structures, the KPI catalogue and the DHIS2 mapping (the secretariat edits,
others read), with the DHIS2 exchange under the mapping."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import Action, may
from tracker.core.i18n import t
from tracker.core.tables import diff_frames
from tracker.exchange import dhis2
from tracker.reference import catalogue as reference

actor = ui.require_actor("pages/reference.py")
st.title(t("reference.title"))
editable = may(actor, Action.edit_reference)
st.caption(t("reference.help_admin") if editable else t("reference.help_reader"))
revision = ui.page_revision("reference")

tab_structures, tab_kpis, tab_dhis2 = st.tabs(
    [t("reference.structures"), t("reference.kpis"), t("exchange.dhis2")], key="reference_tabs")
TABLES = (
    (tab_structures, "structures", reference.structures_frame, reference.save_structures,
     reference.STRUCTURE_COLUMNS, reference.structure_column_config),
    (tab_kpis, "kpis", reference.kpis_frame, reference.save_kpis,
     reference.KPI_COLUMNS, reference.kpi_column_config),
    (tab_dhis2, "dhis2", dhis2.mapping_frame, dhis2.save_mapping, dhis2.MAPPING_COLUMNS,
     dhis2.mapping_column_config),
)
for tab, name, load, save, columns, config in TABLES:
    with tab:
        if name == "dhis2":
            ui.dhis2_caption(actor)
        key = f"reference_{name}_{revision}"
        with ui.read() as session:  # kept as drawn while edits are pending or being saved
            frame = ui.editor_rows(f"reference_{name}", load(session), key=key,
                                   save=f"reference_save_{name}")
        # A range index lets the secretariat add rows; the id travels in a hidden column.
        edited = st.data_editor(
            frame.reset_index(), placeholder="—", column_config=ui.column_config(config()),
            column_order=columns,
            disabled=not editable, num_rows="add" if editable else "fixed", hide_index=True,
            key=key, width="stretch", height=520).set_index("id")
        if editable and st.button(t("common.save"), key=f"reference_save_{name}", type="primary"):
            changes = diff_frames(frame, edited, columns)
            ui.act("reference", save, actor, changes, frame["version"].to_dict(),
                   flash=lambda written: t("reference.saved", n=written))
        ui.downloads(frame[columns], name, key=f"reference_dl_{name}")
ui.dhis2_panel(actor)

