"""Plateformes nationales: the stage each structure has reached on each national platform."""

import streamlit as st

from tracker import ui
from tracker.core.formats import format_date
from tracker.core.i18n import t
from tracker.dashboards import platforms
from tracker.dashboards import views as dashboards

actor = ui.require_actor("pages/platforms.py")
st.title(t("platforms.title"))
st.caption(t("platforms.help"))
if not ui.dashboard_summary().quarters:
    st.info(t("dashboards.no_data"))
    st.stop()

stages, figure = ui.dashboard_view(dashboards.view_platforms)
caption = t("dashboards.caption", date=format_date(ui.today()), filters=t("platforms.all"))
table = stages.assign(
    platform=stages["platform"].map(lambda p: t(f"platforms.names.{p}")),
    stage_key=stages["stage_key"].map(lambda s: t(f"platforms.stages.{s}")))
ui.chart_block(figure,
               table[["code", "platform", "stage_key", "since"]], key="platforms_matrix",
               caption=caption, labels_prefix="platforms.col_")

st.subheader(t("platforms.definitions"))
for platform in platforms.PLATFORMS:
    steps = " → ".join([t("platforms.stages.none")]
                       + [f"{t('platforms.stages.' + s.key)} ({s.kpi} ≥ {s.at_least:g})"
                          for s in platform.stages])
    st.markdown(f"**{t('platforms.names.' + platform.key)}** : {steps}")
