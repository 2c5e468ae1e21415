"""Shared widgets of the pages: text shown as text, the rows on screen kept for a save, one
helper for save → message → rerun, errors with their rows, tables and downloads, column
settings and labels, states with colour and words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from tracker.core.errors import RowError, StaleEdit, TrackerError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.tables import ColumnSpec
from tracker.files import exports
from tracker.files.render import DrawnFigure, inert_figure
from tracker.ui.base import REFUSED_KEY, T, later, plain, settings, today, write


def plotly_chart(figure: Any, *, where: Any = None, **kwargs: Any) -> None:
    """``st.plotly_chart`` (or ``where.plotly_chart``, a column) with the chart's texts made
    inert: what people wrote is drawn as text, never as a link or a fetched style. A
    ``DrawnFigure`` (what the pages' caches hand out) already is."""
    shown = figure.figure() if isinstance(figure, DrawnFigure) else inert_figure(figure)
    (where or st).plotly_chart(shown, **kwargs)


def file_uploader(label: str, *, types: Sequence[str], key: str) -> Any:
    """A file upload widget that refuses files over ``TRACKER_UPLOAD_LIMIT_MB`` and says so."""
    limit = settings().upload_limit_mb
    return st.file_uploader(label, type=list(types), key=key, max_upload_size=limit,
                            help=t("upload.limit_help", limit=limit))


def on_screen(slot: str, fresh: Any, *, keep: bool, family: str | None = None) -> Any:
    """What the user has on screen under ``slot`` (a form's row, an editor's frame).

    Every click re-runs the page, which reads the database afresh. While the user acts on what
    they saw (``keep``: the click that saves it, or edits pending in its editor), the copy drawn
    before the click is returned: the save then checks the version they saw, and an editor's
    edits stay on the rows they were made on. Otherwise ``fresh`` is drawn and remembered, and
    the other slots of its ``family`` (the same page's other filters or pages) are forgotten:
    a session keeps one copy of what it shows, not one per filter it ever tried."""
    name = f"on_screen::{slot}"
    if keep and name in st.session_state:
        return st.session_state[name]
    if family is not None:
        for other in [k for k in st.session_state if isinstance(k, str)
                      and k.startswith(f"on_screen::{family}") and k != name]:
            del st.session_state[other]
    st.session_state[name] = fresh
    return fresh


def editor_rows(slot: str, fresh: pd.DataFrame, *, key: str, save: str) -> pd.DataFrame:
    """The frame drawn in the data editor ``key`` before this run while edits are pending or
    its ``save`` button is clicked (see ``on_screen``); else ``fresh``."""
    return on_screen(slot, fresh, keep=editing(key) or clicked(save))  # type: ignore[no-any-return]


def clicked(*keys: str) -> bool:
    """Whether this run answers a click on one of these buttons (read before they are drawn)."""
    return any(bool(st.session_state.get(key)) for key in keys)


def editing(key: str) -> bool:
    """Whether the data editor ``key`` holds edits not saved yet."""
    state = st.session_state.get(key)
    return isinstance(state, dict) and any(
        state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def show_error(error: Exception, *, refresh: str | None = None) -> None:
    """A sentence for the user; row errors as a table (row, column, reason).

    A stale save with ``refresh`` (the page's revision key): the message stays on screen while
    the page shows the current data again (the edits made on the old screen are dropped)."""
    if refresh is not None and isinstance(error, StaleEdit):
        st.session_state[refresh] = st.session_state.get(refresh, 0) + 1
        st.session_state[REFUSED_KEY] = str(error)
        st.rerun()
    st.error(plain(error))
    if isinstance(error, ValidationFailed) and error.errors:
        row_errors(error.errors)


# Brings the page back to its top, where the message of the last save is (the page keeps its
# scroll position over a rerun: a button low on the page would leave the message out of view).
_TO_TOP = ("<script>for (const e of [window, document.scrollingElement, document.querySelector("
           "'[data-testid=\"stMain\"]'), document.querySelector("
           "'[data-testid=\"stAppViewContainer\"]')]) { if (e && e.scrollTo) e.scrollTo(0, 0); }"
           "</script>")


def page_revision(page: str, *, to_top: bool = False) -> int:
    """The start of a page that saves: the message its last save left, shown once (as text),
    and the page's data revision (editors keyed by it are redrawn after a save). ``to_top``: the
    page scrolls back up to that message."""
    if flash := st.session_state.pop(f"{page}_flash", None):
        st.success(plain(flash))
        if to_top:
            st.html(_TO_TOP, unsafe_allow_javascript=True)
    return int(st.session_state.setdefault(f"{page}_revision", 0))


def act(page: str, service: Callable[..., T], *args: Any, flash: str | Callable[[T], str],
        then: Callable[[T], None] | None = None, **kwargs: Any) -> None:
    """One save on ``page``: ``service(session, *args)`` in a write transaction. Done: the page's
    data revision moves on, ``flash`` (or ``flash(result)``) is kept for the next run, ``then``
    sees the result, and the page runs again. Refused: the reason is shown (a stale save redraws
    the current data); nothing was written."""
    try:
        with write() as session:
            result = service(session, *args, **kwargs)
    except TrackerError as error:
        show_error(error, refresh=f"{page}_revision")
        return
    st.session_state[f"{page}_revision"] = st.session_state.get(f"{page}_revision", 0) + 1
    st.session_state[f"{page}_flash"] = flash(result) if callable(flash) else flash
    if then is not None:
        then(result)
    st.rerun()


def row_errors(errors: list[RowError]) -> None:
    st.dataframe(placeholder="—",
                 data=pd.DataFrame([{t("common.row"): e.row, t("common.column"): e.column,
                                t("common.reason"): e.reason} for e in errors]),
                 hide_index=True, width="stretch")


CSV_MIME = "text/csv"


def csv_downloads(frame: pd.DataFrame, name: str, *, key: str,
                  header_lines: list[str] | None = None, slots: Sequence[Any] | None = None,
                  labels: tuple[str, str] | None = None) -> None:
    """The two CSV downloads of a table, always together: « CSV (Excel, français) » (``;``,
    decimal commas, the filters on ``#`` lines: what French Excel opens) and « CSV standard
    (UTF-8, virgule) » (what pandas.read_csv and open-data tools read with default settings).
    ``slots``: two containers (columns) to draw them in; ``labels``: other button texts."""
    french_label, standard_label = labels or (t("common.download_csv"),
                                              t("common.download_csv_standard"))
    left, right = slots if slots is not None else st.columns(2)
    # Both written when clicked, never on each run of the page.
    left.download_button(french_label,
                         later(lambda: exports.csv_bytes(frame, header_lines=header_lines)),
                         file_name=f"{name}.csv", mime=CSV_MIME, key=f"{key}_csv",
                         help=t("common.download_csv_help"), on_click="ignore")
    right.download_button(standard_label, later(lambda: exports.standard_csv_bytes(frame)),
                          file_name=f"{name}-utf8.csv", mime=CSV_MIME, key=f"{key}_csv_std",
                          help=t("common.download_csv_standard_help"), on_click="ignore")


def downloads(frame: pd.DataFrame, name: str, *, key: str, filters: str = "") -> None:
    """CSV (both kinds) and XLSX buttons for a table, stating its filters and the date of its
    data."""
    header = [line for line in (filters, t("common.data_as_of", when=today().isoformat())) if line]
    french, standard, right = st.columns(3)
    # Written when clicked (a decade's follow-up is 20,000 rows), from the rows on screen.
    csv_downloads(frame, name, key=key, header_lines=header, slots=(french, standard))
    right.download_button(
        t("common.download_xlsx"),
        later(lambda: exports.xlsx_bytes({name: frame}, header_lines=header)),
        file_name=f"{name}.xlsx", key=f"{key}_xlsx", on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def column_config(specs: dict[str, ColumnSpec]) -> dict[str, Any]:
    """Streamlit column configuration from the domain's column specs."""
    config: dict[str, Any] = {"version": None}
    for name, spec in specs.items():
        common: dict[str, Any] = {"label": spec.label, "required": spec.required,
                                  "disabled": spec.disabled,
                                  "help": spec.help or None, "width": spec.width}
        if spec.kind == "select":
            config[name] = st.column_config.SelectboxColumn(options=list(spec.options),
                                                            format_func=spec.labels, **common)
        elif spec.kind == "multiselect":
            config[name] = st.column_config.MultiselectColumn(
                options=list(spec.options), format_func=spec.labels, **common)
        elif spec.kind == "date":
            config[name] = st.column_config.DateColumn(format="DD/MM/YYYY", **common)
        elif spec.kind == "checkbox":
            config[name] = st.column_config.CheckboxColumn(**common)
        elif spec.kind == "number":
            config[name] = st.column_config.NumberColumn(**common)
        elif spec.kind == "datetime":
            config[name] = st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", **common)
        else:
            config[name] = st.column_config.TextColumn(**common)
    return config


def labels(prefix: str, columns: list[str], *,
           widths: dict[str, Any] | None = None) -> dict[str, Any]:
    """Translated headers (and French date formats) for a read-only table; ``widths`` sets some
    columns' width ("small", "medium", "large" or pixels) so that what matters fits the screen."""
    config: dict[str, Any] = {}
    for column in columns:
        config[column] = st.column_config.Column(t(f"{prefix}{column}"),
                                                 width=(widths or {}).get(column))
    if "at" in columns:
        config["at"] = st.column_config.DatetimeColumn(t(f"{prefix}at"),
                                                       format="DD/MM/YYYY HH:mm")
    return config


_STATE_COLOURS = {"not_started": "#F2F2F2", "draft": "#FFF4CC", "submitted": "#D6E9F8",
                  "validated": "#CDEBD8", "returned": "#F9E0C7", "late": "#F6C9C9"}


def state_styler(frame: pd.DataFrame) -> Any:
    """The submission matrix with a colour per state and the state's name in the cell
    (colour is never the only cue; no emoji, which many Linux browsers draw as empty boxes)."""
    shown = frame.map(lambda s: t('results.states.' + s) if isinstance(s, str) else "")
    colours = frame.map(lambda s: f"background-color: {_STATE_COLOURS.get(s, '#FFFFFF')}"
                        if isinstance(s, str) else "")
    return shown.style.apply(lambda _: colours, axis=None)


def state_legend() -> Any:
    """The matrix's legend: each state's name on its colour."""
    from tracker.results.submissions import MATRIX_STATES

    return state_styler(pd.DataFrame([list(MATRIX_STATES)], columns=[
        t(f"results.states.{s}") for s in MATRIX_STATES]))


def datetime_column(label: str) -> Any:
    return st.column_config.DatetimeColumn(label, format="DD/MM/YYYY HH:mm")


def ui_labels_for(frame: pd.DataFrame, prefix: str) -> dict[str, Any]:
    from tracker.core.i18n import has_key

    return {c: st.column_config.Column(t(f"{prefix}{c}")) for c in frame.columns
            if has_key(f"{prefix}{c}")}


def structure_options(session: Session) -> dict[int, str]:
    """Structures for a picker: "CODE — Nom", those in force first."""
    from tracker.core import repository

    rows = repository.list_structures(session)
    ordered = sorted(rows, key=lambda s: (not s.in_force(today()), s.code))
    return {s.id or 0: f"{s.code} — {s.name_fr}" for s in ordered}


def kpi_summary_display(summary: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """A structure's yearly KPI table with values in their units and the light in words; each
    KPI by its name (``names``: code → name), as officials read it."""
    from tracker.core.formats import format_value

    shown = summary.copy()
    shown["kpi"] = [names.get(code, code) for code in summary["kpi"]]
    shown["value"] = [format_value(v, u) for v, u in zip(summary["value"], summary["unit"],
                                                         strict=True)]
    shown["target"] = [format_value(v, u) if v == v and v is not None else "—"
                       for v, u in zip(summary["target"], summary["unit"], strict=True)]
    shown["light"] = [t(f"dashboards.lights.{x}") for x in summary["light"]]
    return shown[["kpi", "value", "target", "light", "quarters"]]


def table(frame: pd.DataFrame, prefix: str | None = None, *,
          widths: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A read-only table as users read it: translated headers, dates as 24/06/2025, timestamps
    in Porto-Novo time, missing values blank; ``widths`` sets some columns' width (pixels or
    "small", "medium", "large") so that the table fits the screen."""
    from datetime import date as date_type
    from datetime import datetime as datetime_type

    from tracker.core.formats import LOCAL_TZ, format_date, format_number
    from tracker.core.i18n import has_key

    shown = frame.copy()
    config: dict[str, Any] = {}
    for column in shown.columns:
        label = t(f"{prefix}{column}") if prefix and has_key(f"{prefix}{column}") else None
        sample = shown[column].dropna()
        first = sample.iloc[0] if not sample.empty else None
        if isinstance(first, datetime_type) or isinstance(shown[column].dtype,
                                                          pd.DatetimeTZDtype):
            local = pd.to_datetime(shown[column], utc=True).dt.tz_convert(LOCAL_TZ)
            shown[column] = [v.strftime("%d/%m/%Y %H:%M") if not pd.isna(v) else "—"
                             for v in local]
        elif isinstance(first, date_type):
            shown[column] = [format_date(v) if isinstance(v, date_type) else "—"
                             for v in shown[column]]
        elif pd.api.types.is_float_dtype(shown[column].dtype):  # 86,7 and 1 234,5, not 86.7
            shown[column] = [format_number(v) for v in shown[column]]
        elif shown[column].dtype == object:
            shown[column] = shown[column].map(lambda v: "—" if v is None else v)
        if label or column in (widths or {}):
            config[column] = st.column_config.Column(label, width=(widths or {}).get(column))
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(placeholder="—", data=shown, column_config=config, **kwargs)


def period_label(key: str) -> str:
    """'2025-T2' → 'T2 2025' (Q2 2025 in English)."""
    from tracker.core.formats import quarter_label

    year, quarter = key.split("-T")
    return quarter_label(int(year), int(quarter))


def script_error(error: Exception) -> bool:
    """Any error no page caught: logged with its traceback for the operators, shown to the user
    as one sentence in their language (never a traceback)."""
    import logging

    logging.getLogger("tracker").exception("unexpected error", exc_info=error)
    if isinstance(error, TrackerError):
        st.error(str(error))
    else:
        st.error(t("common.unexpected"))
    return True
