"""Fenêtres et cibles: ASIN opens each quarter's entry window and sets the year's targets."""

import streamlit as st

from tracker import ui
from tracker.core.formats import quarter_label
from tracker.core.i18n import t
from tracker.core.periods import get_window, quarter_end, reporting_quarter
from tracker.core.tables import diff_frames
from tracker.results import entry as results
from tracker.results import submissions

actor = ui.require_actor("pages/results_settings.py")
st.title(t("results.settings_title"))
revision = ui.page_revision("settings")

with ui.read() as session:
    current = reporting_quarter(session, ui.today())
quarters = results.quarter_choices(ui.today())
st.subheader(t("results.window_title"))
year, quarter = st.selectbox(t("results.quarter"), quarters, key="settings_quarter",
                             index=quarters.index(current) if current in quarters else 0,
                             format_func=lambda yq: quarter_label(*yq, long=True))
with ui.read() as session:
    fresh_window = get_window(session, year, quarter)
# The window on screen is the one the save checks (kept over the click).
window = ui.on_screen(f"settings_window_{year}_{quarter}", fresh_window,
                      keep=ui.clicked("settings_window_save"))
seen = window.version if window else None
default_open = window.opens_on if window else quarter_end(year, quarter)
default_close = window.closes_on if window else quarter_end(year, quarter)
with st.form(f"settings_window_{year}_{quarter}_{seen}"):
    left, right = st.columns(2)
    opens = left.date_input(t("results.opens_on"), value=default_open, format="DD/MM/YYYY",
                            key=f"settings_opens_{year}_{quarter}_{seen}")
    closes = right.date_input(t("results.closes_on"), value=default_close, format="DD/MM/YYYY",
                              key=f"settings_closes_{year}_{quarter}_{seen}")
    if st.form_submit_button(t("results.set_window"), type="primary", key="settings_window_save"):
        ui.act("settings", submissions.set_window, actor, year, quarter, opens, closes,
               seen_version=seen, flash=t("results.window_saved"))

st.subheader(t("results.targets_title"))
st.caption(t("results.targets_help"))
target_year = st.number_input(t("results.year"), 2015, 2100, year, key="settings_year")
targets_key = f"settings_targets_{target_year}_{revision}"
with ui.read() as session:
    targets = ui.editor_rows(f"settings_targets_{target_year}",
                             submissions.targets_frame(session, actor, int(target_year)),
                             key=targets_key, save="settings_targets_save")
    specs = submissions.target_column_specs(session)  # the KPI shown by its name
edited = st.data_editor(placeholder="—",
                        data=targets.reset_index(), column_order=submissions.TARGET_COLUMNS,
                        hide_index=True,
                        num_rows="add", width="stretch", height=420,
                        column_config=ui.column_config(specs),
                        key=targets_key).set_index("id")
if st.button(t("common.save"), key="settings_targets_save", type="primary"):
    ui.act("settings", submissions.save_targets, actor, int(target_year),
           diff_frames(targets, edited, submissions.TARGET_COLUMNS), targets["version"].to_dict(),
           flash=lambda n: t("reference.saved", n=n))
ui.downloads(targets[submissions.TARGET_COLUMNS], f"cibles-{target_year}",
             key="settings_targets_dl")

with st.expander(t("targets_import.title")):
    ui.targets_import_panel(actor, int(target_year), key="settings_targets_import")
