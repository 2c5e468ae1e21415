"""Vue d'ensemble: the national picture against targets, for leadership (validated data)."""

import streamlit as st

from tracker import ui
from tracker.core.formats import format_date, format_value, quarter_label
from tracker.core.i18n import get_language, t
from tracker.dashboards import views as dashboards

actor = ui.require_actor("pages/overview.py")
st.title(t("dashboards.overview_title"))
st.caption(t("dashboards.validated_only"))
summary = ui.dashboard_summary()
cat, quarters, default = summary.cat, summary.quarters, summary.default_quarter
if not quarters:
    st.info(t("dashboards.no_data"))
    st.stop()

year, quarter = st.selectbox(t("dashboards.year_quarter"), quarters, key="overview_quarter",
                             index=quarters.index(default),
                             format_func=lambda yq: quarter_label(*yq, long=True))
period = quarter_label(year, quarter)
caption = t("dashboards.caption", date=format_date(ui.today()), filters=period)
view = ui.dashboard_view(dashboards.view_overview, year, quarter, ui.today(),
                         format_date(ui.today()))
for chunk in (view.headline.iloc[:4], view.headline.iloc[4:]):
    for column, row in zip(st.columns(4), chunk.itertuples(index=False), strict=False):
        with column.container(border=True):
            # The KPI's name wraps above the figure (a metric's own label is cut to one line).
            st.markdown(f"**{ui.plain(dashboards.kpi_name(cat, row.kpi_id, get_language()))}**",
                        help=f"{row.code} · {t('dashboards.delta_help')}")
            st.metric(row.code, format_value(row.value, row.unit), label_visibility="collapsed",
                      delta=dashboards.delta_text(row.delta, row.unit, year, quarter),
                      delta_color="normal" if cat.rules[row.kpi_id].direction != "down"
                      else "inverse")
            st.caption(t("dashboards.tile_target", target=format_value(row.target, row.unit),
                         n=row.reporting, total=row.expected))

with ui.read() as session:
    options = ui.structure_options(session)
pick_col, go_col = st.columns([3, 1], vertical_alignment="bottom")
picked = pick_col.selectbox(t("dashboards.open_profile"), list(options), key="overview_profile",
                            format_func=options.__getitem__)
if go_col.button(t("dashboards.open_profile_button"), key="overview_open_profile"):
    st.session_state["ministry_from_overview"] = picked
    st.switch_page("pages/ministry.py")

# The views, one tab each, run and drawn only when opened (the tab is part of the page's
# state): the page opens on the tiles and the attainment heatmap.
kpi_ids = list(cat.kpis.index)
heat_tab, trend_tab, rank_tab, completeness_tab, overdue_tab = st.tabs(
    [t(f"dashboards.overview_tabs.{name}") for name in ("attainment", "trend", "ranking",
                                                         "completeness", "overdue")],
    key="overview_tabs", on_change="rerun")
if heat_tab.open:
    with heat_tab:
        ui.chart_block(view.heatmap, view.attainment[["code", "kpi", "group", "value", "target",
                                                      "light"]],
                       key="overview_heatmap", caption=caption, labels_prefix="dashboards.col_")
if trend_tab.open:
    with trend_tab:
        trend_kpi = st.selectbox(t("dashboards.kpi"), kpi_ids, key="overview_trend_kpi",
                                 format_func=lambda k: dashboards.kpi_name(cat, k, get_language()))
        trend, figure = ui.dashboard_view(dashboards.view_trend, trend_kpi, ui.today())
        ui.chart_block(figure, trend[["period", "value", "target", "reporting", "provisional",
                                      "validated", "expected"]], key="overview_trend",
                       caption=t("dashboards.caption", date=format_date(ui.today()),
                                 filters=dashboards.kpi_name(cat, trend_kpi, get_language()))
                       + " · " + t("dashboards.trend_note"),
                       labels_prefix="dashboards.col_")
if rank_tab.open:
    with rank_tab:
        rank_kpi = st.selectbox(t("dashboards.kpi"), kpi_ids, key="overview_rank_kpi",
                                format_func=lambda k: dashboards.kpi_name(cat, k, get_language()))
        ranking, figure = ui.dashboard_view(dashboards.view_ranking, rank_kpi, year, quarter)
        ui.chart_block(figure, ranking, key="overview_ranking", caption=caption,
                       labels_prefix="dashboards.col_")
if completeness_tab.open:
    with completeness_tab:
        ui.chart_block(view.completeness_figure,
                       view.counts.rename_axis("state").reset_index(name="n"),
                       key="overview_completeness", caption=caption)
if overdue_tab.open:
    with overdue_tab:
        ui.chart_block(view.overdue_figure, view.overdue, key="overview_overdue",
                       caption=t("dashboards.caption", date=format_date(ui.today()),
                                 filters=format_date(ui.today())),
                       labels_prefix="dashboards.col_")
