"""Feuille de route: a year's pillars, initiatives and milestones, timeline, progress, exports."""

import streamlit as st

from tracker import ui
from tracker.accounts.permissions import audience, own_structure
from tracker.core.errors import TrackerError
from tracker.core.formats import format_date
from tracker.core.i18n import t
from tracker.core.tables import diff_frames
from tracker.roadmap import charts as charts_roadmap
from tracker.roadmap import editing, rules, views

actor = ui.require_actor("pages/roadmap.py")
st.title(t("roadmap.title"))
help_key = f"help_{audience(actor)}"
st.caption(t(f"roadmap.{help_key}"))
revision = ui.page_revision("roadmap")

with ui.read() as session:
    years = views.year_choices(session, ui.today())
year = st.selectbox(t("roadmap.year"), years, index=years.index(ui.today().year),
                    key="roadmap_year")
with ui.read() as session:  # kept as drawn while edits are pending or being saved
    fresh = views.roadmap_view(session, actor, year, ui.today())
TABLES = ("pillars", "initiatives", "milestones")
editors = [st.session_state.get(f"roadmap_{name}_key") for name in TABLES]
view = ui.on_screen(f"roadmap_view_{year}", fresh, keep=ui.clicked(
    *(f"roadmap_save_{name}" for name in TABLES)) or any(ui.editing(k) for k in editors if k))


def save(action, message_key: str) -> None:
    """One write; on success the page comes back with its tables redrawn and a message."""
    def done(_written) -> None:
        for name in TABLES:
            st.session_state.pop(f"roadmap_{name}_key", None)

    ui.act("roadmap", lambda session: action(session),
           flash=lambda written: t(message_key, n=written), then=done)


def table(name: str, frame, specs, columns, *, editable: bool, num_rows: str = "fixed"):
    """An editor for whoever may edit it (its key moves when anyone saves), else a table."""
    config = ui.column_config(specs)
    config["owner_id"] = None
    if "progress" in specs:
        config["progress"] = st.column_config.ProgressColumn(
            specs["progress"].label, min_value=0, max_value=100, format="%.0f %%",
            help=specs["progress"].help)
    for column, options in (("partners", view.owner_codes), ("kpis", view.kpi_codes)):
        if column in specs:
            config[column] = st.column_config.MultiselectColumn(
                specs[column].label, options=options, disabled=specs[column].disabled,
                help=specs[column].help or None)
    if not editable:
        st.dataframe(frame, column_config=config, column_order=columns, hide_index=True,
                     width="stretch", key=f"roadmap_{name}_table", placeholder="—")
        return None
    key = f"roadmap_{name}_{year}_{revision}_{view.revision}"
    previous = st.session_state.get(f"roadmap_{name}_key")
    if previous and previous != key and (st.session_state.get(previous) or {}).get("edited_rows"):
        st.warning(t("roadmap.edits_discarded"))
    st.session_state[f"roadmap_{name}_key"] = key
    return st.data_editor(frame, column_config=config, column_order=columns, hide_index=True,
                          num_rows=num_rows, key=key, width="stretch", placeholder="—")


if view.empty:
    st.info(t("roadmap.no_pillars", year=year))
    if view.is_admin and st.button(t("roadmap.create_defaults"), key="roadmap_defaults",
                                   type="primary"):
        save(lambda s: editing.create_default_pillars(s, actor, year), "roadmap.created_pillars")
    st.stop()

tabs = st.tabs([t(f"roadmap.tab_{name}") for name in
                ("timeline", "progress", "initiatives", "milestones", "pillars", "exports")],
               key="roadmap_tabs")
timeline = charts_roadmap.timeline_chart(
    view.timeline.bars, view.timeline.points, view.timeline.sessions, year=year,
    today=view.today, title=t("roadmap.timeline_title", year=year, day=format_date(view.today)))
with tabs[0]:
    if view.initiatives.empty:
        st.info(t("roadmap.no_initiatives"))
    ui.plotly_chart(timeline, key="roadmap_timeline_chart")
    st.caption(t("roadmap.timeline_help"))

with tabs[1]:
    st.caption(t("roadmap.formula_initiative"))
    st.caption(t("roadmap.formula_pillar"))
    ui.plotly_chart(charts_roadmap.progress_chart(view.progress, title=t(
        "roadmap.progress_title", year=year, day=format_date(view.today)),
        formula=t("roadmap.formula_short")), key="roadmap_progress_chart")

with tabs[2]:
    st.caption(t("roadmap.status_rule"))
    edited = table("initiatives", view.initiatives, views.initiative_specs(actor, view),
                   rules.INITIATIVE_COLUMNS, editable=view.is_admin, num_rows="add")
    if edited is not None and st.button(t("common.save"), key="roadmap_save_initiatives",
                                        type="primary"):
        changes = diff_frames(view.initiatives, edited, list(rules.INITIATIVE_FIELDS))
        save(lambda s: editing.save_initiatives(s, actor, year, changes,
                                                view.initiatives["version"].to_dict(),
                                                view.today), "roadmap.saved")

with tabs[3]:
    milestones = view.editable_milestones
    dsi = own_structure(actor) is not None
    if dsi:
        st.info(t("roadmap.dsi_own_only", code=ui.plain(actor.structure_code)))
    if milestones is not None and milestones.empty and dsi:
        st.caption(t("roadmap.dsi_none"))
    else:
        shown = view.milestones if milestones is None else milestones
        edited = table("milestones", shown, views.milestone_specs(actor, view),
                       rules.MILESTONE_COLUMNS, editable=milestones is not None,
                       num_rows="dynamic" if view.is_admin else "fixed")
        if edited is not None and st.button(t("common.save"), key="roadmap_save_milestones",
                                            type="primary"):
            changes = diff_frames(shown, edited, list(rules.MILESTONE_FIELDS))
            deleted = editing.removed_ids(shown, edited)
            save(lambda s: editing.save_milestones(s, actor, year, changes,
                                                   shown["version"].to_dict(), view.today,
                                                   deleted=deleted), "roadmap.saved")

with tabs[4]:
    edited = table("pillars", view.pillars, views.pillar_specs(actor),
                   rules.PILLAR_COLUMNS, editable=view.is_admin, num_rows="add")
    if edited is not None and st.button(t("common.save"), key="roadmap_save_pillars",
                                        type="primary"):
        changes = diff_frames(view.pillars, edited, list(rules.PILLAR_FIELDS))
        save(lambda s: editing.save_pillars(s, actor, year, changes,
                                            view.pillars["version"].to_dict()), "roadmap.saved")

with tabs[5]:
    st.caption(t("roadmap.exports_help", day=format_date(view.today)))
    st.download_button(t("roadmap.download_xlsx"), ui.later(lambda: views.roadmap_xlsx(view)),
                       file_name=t("roadmap.xlsx_name", year=year), key="roadmap_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore")  # written when clicked
    if st.button(t("roadmap.png_prepare"), key="roadmap_png_prepare"):
        try:
            image = views.figure_png(ui.inert_figure(timeline))  # drawn by the server's Chromium
            st.session_state["roadmap_png_bytes"] = (year, image)
        except TrackerError as exc:
            ui.show_error(exc)
    png = st.session_state.get("roadmap_png_bytes")
    if png and png[0] == year:
        st.download_button(t("roadmap.download_png"), png[1], mime="image/png",
                           file_name=t("roadmap.png_name", year=year), key="roadmap_png_download")
