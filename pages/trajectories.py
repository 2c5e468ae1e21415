"""Trajectoires: will the year's targets be met? National picture, structure × KPI classes, a
KPI's trajectory with its forecast band, the method and its backtest, the quality scores."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import Action, may
from tracker.core.formats import format_date, format_percent, format_value, quarter_label
from tracker.core.i18n import t
from tracker.dashboards import confidence, trajectories
from tracker.dashboards.charts_forecast import CLASS_COLOURS

actor = ui.require_actor("pages/trajectories.py")
st.title(t("forecast.title"))
summary = ui.dashboard_summary()
cat = summary.cat
scope = trajectories.scope_of(actor)
st.caption(t("forecast.scope_own") if scope else t("forecast.scope_all"))
year = st.selectbox(t("forecast.year"), trajectories.years_of(summary.years, ui.today()),
                    key="trajectories_year")
view = ui.service_view(trajectories.view_trajectories, year, scope)
caption = t("dashboards.caption", date=format_date(ui.today()), filters=str(year))
if not view.quarter:
    st.info(t("forecast.no_quarter", year=year))
    st.stop()
as_of = quarter_label(year, view.quarter, long=True)
st.caption(t("forecast.as_of", quarter=as_of))
# The ratings of that quarter this user may read, with the flag.
rated = ui.dashboard_view(trajectories.view_rated, actor, year, view.quarter, view.forecasts)

st.subheader(t("forecast.section_national"))
if view.forecasts.empty:
    st.info(t("forecast.none"))
    st.stop()
ui.chart_block(view.counts_figure, view.counts, key="trajectories_counts", caption=caption,
               labels_prefix="forecast.col.")

st.subheader(t("forecast.section_matrix"))
st.caption(t("forecast.matrix_help"))
labels = {c: t(f"forecast.classes.{c}") for c in CLASS_COLOURS}
kpis = [c for c in view.matrix.columns if c != "structure"]
shown = view.matrix.copy()
for column in kpis:
    shown[column] = shown[column].map(lambda c: labels.get(c, "") if isinstance(c, str) else "")
colours = {labels[c]: colour for c, colour in CLASS_COLOURS.items()}
styled = shown.style.map(lambda v: f"background-color: {colours[v]}; color: #000000"
                         if v in colours else "", subset=kpis)
config = {"structure": st.column_config.Column(t("forecast.col.structure"), width=140),
          **{k: st.column_config.Column(k, width=96) for k in kpis}}
event = st.dataframe(styled, hide_index=True, key="trajectories_matrix", on_select="rerun",
                     selection_mode="single-cell", column_config=config,
                     height=min(36 * (len(shown) + 1) + 3, 600))
cells = event.selection.cells if event is not None else []
structures = list(view.matrix["structure"])
if cells and cells[0][1] in kpis:
    st.session_state["trajectories_structure"] = structures[cells[0][0]]
    st.session_state["trajectories_kpi"] = cells[0][1]

st.subheader(t("forecast.section_chart"))
left, right = st.columns(2)
structure = left.selectbox(t("forecast.pick_structure"), structures, key="trajectories_structure")
kpi = right.selectbox(t("forecast.pick_kpi"), kpis, key="trajectories_kpi")
national = t("forecast.national")
lines = view.forecasts[(view.forecasts["kpi"] == kpi) & (
    view.forecasts["structure"].fillna(national) == structure)]
if lines.empty:
    st.info(t("forecast.none"))
else:
    line = lines.iloc[0]
    unit = str(cat.kpis.loc[int(line["kpi_id"]), "unit"])
    frame, figure, used = ui.service_view(
        trajectories.view_trajectory, year, view.quarter,
        None if structure == national else structure, kpi,
        (line["forecast"], line["low"], line["high"], float(line["target"])))
    ui.chart_block(figure, frame, key="trajectories_chart", caption=caption,
                   labels_prefix="forecast.col.")
    cols = st.columns(4)
    cols[0].metric(t("forecast.col.class"), labels[line["class"]])
    cols[1].metric(t("forecast.col.actual_to_date"), format_value(line["actual_to_date"], unit))
    cols[2].metric(t("forecast.col.forecast"), format_value(line["forecast"], unit))
    cols[3].metric(t("forecast.col.target"), format_value(line["target"], unit))
    if line["class"] == "insufficient":
        st.info(t("forecast.insufficient_reason"))
    elif line["probability"] is not None and line["probability"] == line["probability"]:
        st.caption(t("forecast.probability", p=format_percent(100 * line["probability"], 0)))
    st.caption(t("forecast.figures", n=view.backtests, quarters=int(line["quarters_used"])))
    if used:
        st.caption(used)
    mine = rated[(rated["structure"] == structure) & (rated["kpi"] == kpi)]
    st.markdown(f"**{t('ratings.section_ratings', quarter=as_of)}**")
    for sentence in confidence.cell_sentences(mine.iloc[0]) if not mine.empty else []:
        st.write(ui.plain(sentence))
    if mine.empty:
        st.caption(t("ratings.no_rating"))
    elif mine.iloc[0]["flagged"]:
        st.warning(t("ratings.flagged_line"))

st.subheader(t("ratings.flagged_title"))
st.caption(t("ratings.flagged_help", quarter=as_of))
flagged = rated[rated["flagged"].astype(bool)]
if flagged.empty:
    st.info(t("ratings.flagged_none"))
else:
    ui.table(confidence.flagged_display(flagged), "ratings.col.", key="trajectories_flagged")

st.subheader(t("forecast.section_method"))
st.write(t("forecast.method"))
st.caption(t("forecast.accuracy_caption", year=year))
ui.table(view.accuracy, "forecast.col.")

st.subheader(t("forecast.section_quality"))
quality = ui.dashboard_view(trajectories.view_quality, may(actor, Action.compare_structures),
                          scope, year, ui.today())
if quality.national.empty:
    st.info(t("forecast.quality_none"))
else:
    st.metric(t("forecast.national"), t("forecast.quality_national",
                                       score=format_value(quality.national["score"].mean(), "")))
if quality.own is not None:
    st.metric(ui.plain(actor.structure_code or ""), t("forecast.quality_own",
                                           score=format_value(quality.own["score"], "")))
    ui.table(quality.own_components, "quality.col.")
    if quality.own_advice:
        st.write(t("forecast.quality_raise"))
        for name in quality.own_advice:
            st.write("- " + t("quality.item", name=t(f"quality.components.{name}"),
                              advice=t(f"quality.advice.{name}")))
    ui.plotly_chart(quality.own_figure, width="stretch", key="trajectories_quality_chart")
if quality.league is not None and not quality.league.empty:
    st.write(t("forecast.quality_league"))
    league = quality.league.rename(columns={c: t(f"quality.components.{c}")
                                            for c in ("timeliness", "completeness", "returns",
                                                      "corrections", "explanations")})
    ui.table(league.rename(columns={"rank": t("quality.rank"), "score": t("quality.score"),
                                    "quarters": t("quality.quarters")}), "forecast.col.")
