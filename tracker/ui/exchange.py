"""The panels of the data exchange: open-data releases on « Rapports » (publish, list,
download each edition as a Data Package), and the DHIS2 mapping import, quarter export and
values import on « Référentiels »."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from tracker.accounts import auth
from tracker.core.errors import TrackerError
from tracker.core.formats import quarter_label
from tracker.core.i18n import t
from tracker.exchange import datapackage, dhis2, releases
from tracker.ui.base import later, plain, read, today
from tracker.ui.dashboard import read_view
from tracker.ui.imports import import_panel
from tracker.ui.widgets import act, page_revision, show_error

ZIP_MIME = "application/zip"


def _period(year: int, quarter: int) -> str:
    return quarter_label(year, quarter) if quarter else str(year)


def dhis2_caption(actor: auth.Actor) -> None:
    """What the DHIS2 mapping is, above its table."""
    st.caption(t("exchange.dhis2_help") if dhis2.may_edit_mapping(actor)
               else t("exchange.dhis2_reader"))


def open_data_panel(actor: auth.Actor) -> None:
    """Publish a quarter or a year (leadership, admin), then every edition with its download."""
    st.subheader(t("exchange.open_data"))
    st.caption(t("exchange.open_data_help"))
    if flash := st.session_state.pop("open_data_flash", None):
        st.success(plain(flash))
    page_revision("open_data")
    with read() as session:
        published = releases.list_releases(session)
    if releases.may_publish(actor):
        quarters, default, _revision = _quarter_choices()
        if quarters:
            _publish_form(actor, quarters, default)
    if not published:
        st.info(t("exchange.no_releases"))
        return
    st.dataframe(pd.DataFrame(releases.releases_frame_rows(published)), hide_index=True,
                 width="stretch", placeholder="—")
    by_id = {r.id: r for r in published}
    chosen = st.selectbox(t("exchange.release_to_download"), list(by_id), key="open_data_pick",
                          format_func=lambda i: t("exchange.release_choice",
                                                  edition=by_id[i].edition,
                                                  period=_period(by_id[i].year,
                                                                 by_id[i].quarter)))
    release = by_id[chosen]
    try:
        releases.release_contents(release)  # its rows still match their fingerprint
    except TrackerError as error:
        show_error(error)
        return
    st.download_button(t("exchange.download_release", edition=release.edition,
                         period=_period(release.year, release.quarter)),
                       later(lambda: datapackage.package_zip(release)),  # zipped when clicked
                       file_name=f"{datapackage.package_name(release)}.zip", mime=ZIP_MIME,
                       key="open_data_download", icon=":material/download:", on_click="ignore")


def _quarter_choices() -> tuple[list[tuple[int, int]], tuple[int, int], str]:
    """``releases.quarter_choices``, read once per revision of what they depend on, and that
    revision (``releases.exchange_revision``)."""
    with read() as session:
        revision = releases.exchange_revision(session)
    quarters, default = read_view(releases.quarter_choices, today(), revision=revision)
    return quarters, default, revision


def _pick_quarter(label: str, quarters: list[tuple[int, int]], default: tuple[int, int], *,
                  key: str) -> tuple[int, int]:
    picked: tuple[int, int] = st.selectbox(
        label, quarters, key=key, index=quarters.index(default) if default in quarters else 0,
        format_func=lambda yq: quarter_label(yq[0], yq[1], long=True))
    return picked


def _publish_form(actor: auth.Actor, quarters: list[tuple[int, int]],
                  default: tuple[int, int]) -> None:
    scope = st.radio(t("exchange.publish_scope"), ("quarter", "year"), horizontal=True,
                     key="open_data_scope", format_func=lambda s: t(f"exchange.scope_{s}"))
    if scope == "quarter":
        year, quarter = _pick_quarter(t("reports.quarter"), quarters, default,
                                      key="open_data_quarter")
    else:
        year = st.selectbox(t("reports.year"), sorted({y for y, _ in quarters}, reverse=True),
                            key="open_data_year")
        quarter = releases.WHOLE_YEAR
    note = st.text_area(t("exchange.publish_note"), key="open_data_note", max_chars=2000)
    if st.button(t("exchange.publish"), key="open_data_publish", type="primary"):
        def said(done: releases.Published) -> str:
            r = done.release
            key = "exchange.published" if done.created else "exchange.unchanged"
            return t(key, edition=r.edition, period=_period(r.year, r.quarter), n=r.rows)
        act("open_data", releases.publish, actor, year, quarter, note=note or "", flash=said)


def dhis2_panel(actor: auth.Actor) -> None:
    """Below the reference tables (never in a hidden tab: an upload widget drawn hidden is
    squeezed): the mapping's file import (secretariat), a quarter's export (those who read the
    reports) and the values import (those who enter results)."""
    panels = {"mapping": (dhis2.may_edit_mapping(actor), _mapping_import),
              "export": (dhis2.may_export(actor), _export),
              "import": (dhis2.may_import(actor), _values_import)}
    offered = [name for name, (allowed, _draw) in panels.items() if allowed]
    if offered:
        st.subheader(t("exchange.dhis2_action"))
    for name in offered:
        with st.expander(t(f"exchange.actions.{name}")):
            panels[name][1](actor)


def _mapping_import(actor: auth.Actor) -> None:
    st.caption(t("exchange.mapping_import_help"))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return dhis2.read_mapping_file(session, actor, data, name)

    def apply(session: Session, data: bytes, name: str) -> str:
        written = dhis2.apply_mapping_file(session, actor, read_file(session, data, name))
        st.session_state["reference_revision"] = st.session_state.get(
            "reference_revision", 0) + 1  # the table above shows the new rows
        return t("exchange.mapping_imported", n=written)

    def pending(preview: Any) -> bool:
        if not preview.accepted and not preview.rejected:
            st.info(t("exchange.mapping_nothing"))
        return bool(preview.accepted)

    import_panel(key="dhis2_mapping", upload_label=t("exchange.mapping_import"),
                 read_file=read_file, apply=apply, confirm_label=t("exchange.mapping_confirm"),
                 pending=pending, scope=(actor.id,), accepted_frame=dhis2.mapping_preview_frame,
                 summary=lambda p: t("exchange.mapping_preview", accepted=len(p.accepted),
                                     unchanged=p.unchanged, rejected=len(p.rejected_rows)))


def _export(actor: auth.Actor) -> None:
    st.caption(t("exchange.export_help"))
    quarters, default, revision = _quarter_choices()
    if not quarters:
        st.info(t("reports.no_data"))
        return
    year, quarter = _pick_quarter(t("exchange.export_quarter"), quarters, default,
                                  key="dhis2_quarter")
    # Read once per revision (the panel is drawn on every run of « Référentiels », folded or
    # not); the file itself is written when its button is clicked.
    export = read_view(dhis2.export_quarter, actor, year, quarter, revision=revision)
    st.caption(t("exchange.export_summary", n=export.count))
    if export.unmapped_kpis or export.unmapped_structures:
        st.caption(plain(t("exchange.export_unmapped",
                           kpis=", ".join(export.unmapped_kpis) or "—",
                           structures=", ".join(export.unmapped_structures) or "—")))
    name = f"dhis2-{dhis2.dhis2_period(year, quarter)}.json"
    st.download_button(t("exchange.export_download", name=name), later(export.json_bytes),
                       file_name=name, mime="application/json", key="dhis2_export",
                       icon=":material/download:", on_click="ignore")


def _values_import(actor: auth.Actor) -> None:
    st.caption(t("exchange.import_help"))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return dhis2.import_preview(session, actor, data, name, today=today())

    def apply(session: Session, data: bytes, name: str) -> str:
        _preview, written = dhis2.import_file(session, actor, data, name, today=today())
        return t("exchange.imported", n=written)

    from tracker.results import loading

    import_panel(key="dhis2_values", upload_label=t("exchange.upload"), read_file=read_file,
                 apply=apply, confirm_label=t("exchange.confirm_import"),
                 accepted_frame=loading.preview_frame, scope=(actor.id,),
                 types=["json", "csv", "txt"],
                 summary=lambda p: t("exchange.import_preview", accepted=len(p.accepted),
                                     rejected=len(p.rejected_rows),
                                     period=quarter_label(p.year, p.quarter)))
