"""Rapports: the bilan (quarter or year) and the fiche ministère as PDF, the quarter's workbook as
XLSX, generated with progress feedback and kept for download (admin, leadership); below, the
open-data releases (publish a quarter or a year, download each edition as a Data Package)."""

import streamlit as st

from tracker import ui
from tracker.core.errors import TrackerError
from tracker.core.formats import quarter_label
from tracker.core.i18n import LANGUAGES, t
from tracker.reports import bilan, fiche, workbook
from tracker.reports.document import Period, quarter_choices, year_choices

KINDS = ("bilan", "bilan_year", "fiche", "workbook")

actor = ui.require_actor("pages/reports.py")
st.title(t("reports.title"))
st.caption(t("reports.intro"))
results, _cat, _targets = ui.dashboard_data()
quarters = quarter_choices(results, ui.today())
with ui.read() as session:
    structures = ui.structure_options(session)
if not quarters:
    st.info(t("reports.no_data"))
    ui.open_data_panel(actor)
    st.stop()

kind = st.radio(t("reports.kind"), KINDS, key="reports_kind", horizontal=True,
                format_func=lambda k: t(f"reports.kinds.{k}"))
left, right = st.columns(2)
if kind == "bilan_year":
    year = left.selectbox(t("reports.year"), year_choices(quarters), key="reports_year")
    period = Period(year)
else:
    year, quarter = left.selectbox(t("reports.quarter"), quarters, key="reports_quarter",
                                   format_func=lambda yq: quarter_label(*yq, long=True))
    period = Period(year, quarter)
lang = right.radio(t("reports.language"), LANGUAGES, key="reports_lang", horizontal=True,
                   format_func=lambda code: t(f"reports.languages.{code}"))
structure_id = None
if kind == "fiche":
    structure_id = st.selectbox(t("reports.structure"), list(structures),
                                key="reports_structure", format_func=structures.__getitem__)

# A document is offered for download only for the choices it was generated from.
choice = (kind, period, lang, structure_id)
if st.button(t("reports.generate"), key="reports_generate", type="primary"):
    st.session_state.pop("reports_document", None)
    with st.status(t("reports.generating"), expanded=True) as status:
        bar = st.progress(0.0, text=t("reports.steps.data"))

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        try:
            with ui.read() as session:
                if kind == "workbook":
                    document = workbook.workbook_xlsx(session, actor, period, lang=lang,
                                                      today=ui.today(), progress=progress)
                elif kind == "fiche":
                    code = structures[structure_id].split(" — ")[0]
                    document = fiche.fiche_pdf(session, actor, code, period, lang=lang,
                                          today=ui.today(), progress=progress)
                else:
                    document = bilan.bilan_pdf(session, actor, period, lang=lang,
                                               today=ui.today(), progress=progress)
        except TrackerError as error:
            status.update(label=t("reports.failed"), state="error")
            ui.show_error(error)
        else:
            st.session_state["reports_document"] = (choice, document)
            status.update(label=t("reports.ready", name=document.filename), state="complete",
                          expanded=False)

generated, document = st.session_state.get("reports_document") or (None, None)
if document is not None and generated == choice:
    st.download_button(t("reports.download", name=document.filename), document.data,
                       file_name=document.filename, mime=document.mime, key="reports_download",
                       type="primary", icon=":material/download:")

st.divider()
ui.open_data_panel(actor)
