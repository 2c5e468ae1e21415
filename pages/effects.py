"""Effet des recommandations: a recommendation's KPI around the session that adopted it, the
structures that implemented it against the others (validated data only; an observation)."""

import streamlit as st

from tracker import ui
from tracker.core.formats import format_date
from tracker.core.i18n import t
from tracker.dashboards import charts, effects

ui.require_actor("pages/effects.py")
st.title(t("effects.title"))
st.caption(t("effects.help"))
ui.page_revision("effects")

with ui.read() as session:  # the choices and the effect are read once per revision
    revision = effects.effects_revision(session)
choices, default = ui.read_view(effects.page_choices, ui.today(), revision=revision)
if not choices:
    st.info(t("effects.none"))
    st.stop()
ids = list(choices)
chosen = st.selectbox(t("effects.recommendation"), ids, key="effects_reco",
                      index=ids.index(default) if default in ids else 0,
                      format_func=choices.__getitem__)
codes = ui.read_view(effects.kpi_options, chosen, revision=revision)
labels = ui.read_view(effects.kpi_labels, revision=revision)
code = st.selectbox(t("effects.kpi"), codes, key="effects_kpi",
                    format_func=lambda c: labels.get(c, c))
effect = ui.read_view(effects.effect_of, chosen, code, revision=revision)

st.caption(t("effects.session", session=effect.session, day=format_date(effect.session_date)))
if effect.done_codes:
    st.write(t("effects.done_codes", codes=", ".join(effect.done_codes)))
else:
    st.info(t("effects.done_none"))
st.warning(t("effects.caution"))
if effect.series.empty:
    st.info(t("effects.no_values"))
else:
    names = {group: t(f"effects.group_{group}") for group in (effects.DONE, effects.OTHERS)}
    ui.plotly_chart(figure=charts.effect_chart(
        effect.series, effect.session_day, effect.session, effect.kpi_label, effect.unit, names),
        key="effects_chart")
    shown = effects.comparison_display(effect.comparison, effect.unit)
    st.dataframe(placeholder="—", data=shown, hide_index=True, width="stretch",
                 key="effects_table")
    ui.downloads(shown, t("effects.file"), key="effects_dl",
                 filters=f"{effect.session} — {effect.recommendation[:120]} — {effect.kpi_code}")
