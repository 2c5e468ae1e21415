"""The import panels of the pages (results, targets, follow-up spreadsheet): template downloads,
upload, preview of accepted and refused rows, confirmation."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from tracker.accounts import auth
from tracker.core.errors import TrackerError
from tracker.core.i18n import get_language, t
from tracker.ui.base import deferred, plain, read, today, write
from tracker.ui.widgets import csv_downloads, file_uploader, row_errors, show_error

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "ods"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def template_downloads(*, key: str, stem: str, template: Any, lang: str,
                       csv: pd.DataFrame | None = None) -> None:
    """The template of an import as XLSX and ODS (and, given its frame, as both CSVs):
    ``template(session, lang)`` gives its tracker.files.spreadsheet_writing.Template, read and
    written when its button is clicked (the follow-up template of a decade holds 20,000
    rows)."""
    from tracker.files import spreadsheet_writing

    columns = st.columns(4 if csv is not None else 2)
    columns[0].download_button(
        t("upload.template_xlsx"),
        deferred(lambda s: spreadsheet_writing.template_xlsx(template(s, lang))),
        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_tpl_xlsx", on_click="ignore")
    columns[1].download_button(
        t("upload.template_ods"),
        deferred(lambda s: spreadsheet_writing.template_ods(template(s, lang))),
        file_name=f"{stem}.ods", mime=ODS_MIME, key=f"{key}_tpl_ods", on_click="ignore")
    if csv is not None:
        csv_downloads(csv, stem, key=f"{key}_tpl", slots=columns[2:],
                      labels=(t("results.template_csv"), t("results.template_csv_standard")))


def read_once(key: str, data: bytes, name: str, scope: tuple[object, ...], read_file: Any
              ) -> Any:
    """The preview of the file in an uploader, read once per upload: kept in the page's
    session state by content, name, ``scope`` (what else the preview depends on: structure,
    period) and language, with the refusal when the file is refused. A rerun (another widget,
    a language switch: the rows themselves stay in tracker.files.spreadsheets' cache) reads
    nothing again."""
    seen = (hashlib.sha256(data).hexdigest(), name, scope, get_language())
    kept = st.session_state.get(f"{key}_read")
    if kept is not None and kept[0] == seen:
        return kept[1]
    try:
        with st.spinner(t("common.reading_file", file=plain(name))), read() as session:
            outcome: Any = read_file(session, data, name)
    except TrackerError as exc:
        outcome = exc
    st.session_state[f"{key}_read"] = (seen, outcome)  # one file per panel
    return outcome


def import_panel(*, key: str, upload_label: str, read_file: Any, summary: Any,
                 apply: Any, confirm_label: str, accepted_frame: Any = None,
                 pending: Any = None, scope: tuple[object, ...] = (),
                 types: list[str] | None = None) -> None:
    """Upload → preview (accepted rows, refused rows with row, column and reason) → one
    confirmation that re-reads the file and writes everything in one transaction, or nothing.

    ``read_file(session, data, filename)`` gives the preview (with ``rejected``), ``summary``
    its one-line description, ``apply(session, data, filename)`` writes and returns the message
    shown afterwards. ``scope``: what else the preview depends on (see read_once); ``types``:
    the file extensions accepted (default: spreadsheets and CSV)."""
    if flash := st.session_state.pop(f"{key}_flash", None):
        st.success(plain(flash))
    upload = file_uploader(upload_label, types=types or UPLOAD_TYPES, key=f"{key}_file")
    if upload is None:
        st.session_state.pop(f"{key}_read", None)
        return
    data = upload.getvalue()
    preview = read_once(key, data, upload.name, scope, read_file)
    if isinstance(preview, TrackerError):
        show_error(preview)
        return
    st.markdown(plain(summary(preview)))
    if preview.rejected:
        row_errors(preview.rejected)
    if preview.notes:
        st.caption(t("upload.notes"))
        row_errors(preview.notes)
    if accepted_frame is not None and preview.accepted:
        st.dataframe(placeholder="—",
                     data=accepted_frame(preview), hide_index=True, width="stretch", height=240)
    waiting = pending(preview) if pending is not None else bool(preview.accepted)
    if waiting and st.button(confirm_label, type="primary", key=f"{key}_confirm"):
        try:
            with st.spinner(t("common.writing_file", file=upload.name)), write() as session:
                message = apply(session, data, upload.name)
        except TrackerError as exc:
            show_error(exc)
        else:
            st.session_state.pop(f"{key}_read", None)  # what it found is written now
            st.session_state[f"{key}_flash"] = message
            st.rerun()


def results_import_panel(actor: auth.Actor, structure_code: str | None, year: int, quarter: int,
                         *, key: str) -> None:
    """Template downloads, upload, preview with rejected rows, then confirmation."""
    from tracker.reference.catalogue import kpi_refs
    from tracker.results import entry as results
    from tracker.results import loading
    from tracker.results.importing import results_template, template_frame

    st.caption(t("results.import_help"))
    with read() as session:
        kpis = [k for k in kpi_refs(session) if k.code not in results.COMPUTED_KPIS]
    code = structure_code or ""
    template_downloads(key=key, stem=f"modele-resultats-{code}-T{quarter}-{year}",
                       template=lambda _s, lang: results_template(kpis, code, lang),
                       lang=get_language(), csv=template_frame(kpis, code, get_language()))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return loading.import_preview(session, actor, data, name, year=year, quarter=quarter,
                                      structure_code=structure_code, today=today())

    def apply(session: Session, data: bytes, name: str) -> str:
        written = loading.apply_import(session, actor, read_file(session, data, name),
                                       today=today())
        return t("results.imported", n=written)

    import_panel(
        key=key, upload_label=t("results.upload"), read_file=read_file, apply=apply,
        confirm_label=t("results.confirm_import"),
        summary=lambda p: t("results.preview", accepted=len(p.accepted),
                            rejected=len(p.rejected_rows)),
        accepted_frame=loading.preview_frame, scope=(actor.id, structure_code, year, quarter))


def followup_import_panel(actor: auth.Actor, key: str) -> None:
    """The secretariat's follow-up spreadsheet: upload, preview with rejected rows (row,
    column, reason), then one confirmation that writes everything or nothing."""
    from tracker.conference import followup as followup_import

    st.caption(t("followup_import.help"))
    template_downloads(key=key, stem=f"suivi-cdsi-{today().isoformat()}", lang=get_language(),
                       template=lambda s, lang: followup_import.followup_template(s, actor, lang))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return followup_import.read_followup_file(session, actor, data, name)

    def apply(session: Session, data: bytes, name: str) -> str:
        counts = followup_import.apply_followup(session, actor, read_file(session, data, name))
        return t("followup_import.done", **counts._asdict())

    def pending(preview: Any) -> bool:
        if not preview.pending:
            st.info(t("followup_import.nothing_to_do"))
        return bool(preview.pending)

    import_panel(
        key=key, upload_label=t("followup_import.upload"), read_file=read_file, apply=apply,
        confirm_label=t("followup_import.confirm"), pending=pending, scope=(actor.id,),
        summary=lambda p: t("followup_import.preview", create=p.to_create, update=p.to_update,
                            unchanged=p.unchanged, rejected=len(p.rejected_rows)),
        accepted_frame=followup_import.preview_frame)


def targets_import_panel(actor: auth.Actor, year: int, *, key: str) -> None:
    """Upload a targets file, preview it with its refused rows, confirm."""
    from tracker.results import targets as targets_import

    st.caption(t("targets_import.help"))
    template_downloads(key=key, stem=f"modele-cibles-{year}", lang=get_language(),
                       template=lambda s, lang: targets_import.targets_template(s, actor, year,
                                                                                lang))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return targets_import.read_targets_file(session, actor, data, name, year)

    def apply(session: Session, data: bytes, name: str) -> str:
        written = targets_import.apply_targets(session, actor, read_file(session, data, name))
        return t("targets_import.imported", n=written)

    import_panel(
        key=key, upload_label=t("targets_import.upload"), read_file=read_file, apply=apply,
        confirm_label=t("targets_import.confirm"), scope=(actor.id, year),
        summary=lambda p: t("targets_import.preview", accepted=len(p.accepted),
                            rejected=len(p.rejected)))
