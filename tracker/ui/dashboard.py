"""The dashboards' cache: validated data loaded once per data revision, views computed once per
database, revision, language and filters, and the chart block every dashboard draws."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

import pandas as pd
import streamlit as st

from tracker.core.db import reading
from tracker.core.i18n import get_language, set_language, t
from tracker.files.render import drawn_figures
from tracker.ui.base import RUN_REVISION, T, engine_for, plain, read, settings, today
from tracker.ui.widgets import csv_downloads, plotly_chart, ui_labels_for

# --- dashboards ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def _dashboard_data(url: str, revision: str) -> Any:
    from tracker.dashboards import views as dashboards

    with reading(engine_for(url, settings().demo_on_first_start)) as session:
        return (dashboards.validated_results(session), dashboards.catalogue(session),
                dashboards.targets_frame(session))


def _data_revision() -> Any:
    """The data revisions (tracker.dashboards.views.Revision), read once per script run."""
    revision = RUN_REVISION.get()
    if revision is None:
        from tracker.dashboards import views as dashboards

        with read() as session:
            revision = dashboards.data_revision(session)
        RUN_REVISION.set(revision)
    return revision


def dashboard_data() -> Any:
    """Validated results, KPI catalogue and targets. Dashboards show validated data only, to
    every role, so the cache key is the database and its validated revision (validating,
    reopening or correcting a result, or changing a target, a structure or a KPI, gives a new
    one and so bypasses the old entry; a DSI's draft does not)."""
    return _dashboard_data(settings().database_url, _data_revision().validated)


@st.cache_data(show_spinner=False, max_entries=8)
def _dashboard_summary(url: str, revision: str, today: date) -> Any:
    from tracker.dashboards import views as dashboards

    results, cat, _targets = _dashboard_data(url, revision)
    return dashboards.data_summary(results, cat, today)


def dashboard_summary() -> Any:
    """``tracker.dashboards.views.DataSummary`` of the validated data (catalogue, quarters,
    years), cached like ``dashboard_data`` but a few kilobytes to copy, not a decade of rows."""
    return _dashboard_summary(settings().database_url, _data_revision().validated, today())


def chart_block(fig: Any, frame: pd.DataFrame, *, key: str, caption: str,
                labels_prefix: str | None = None) -> None:
    """A chart, its caption (date of the data, filters) and a "Données" toggle with the table
    behind it and its CSV download."""
    plotly_chart(fig, width="stretch", key=f"{key}_chart",
                 config={"displaylogo": False, "locale": get_language()})
    st.caption(plain(caption))
    if st.toggle(t("dashboards.data"), key=f"{key}_data"):
        config = ui_labels_for(frame, labels_prefix) if labels_prefix else None
        st.dataframe(placeholder="—",
                     data=frame, hide_index=True, width="stretch", column_config=config)
        csv_downloads(frame, key, key=key, header_lines=[caption])


@st.cache_data(show_spinner=False, max_entries=64)
def _dashboard_view(url: str, validated: str, revision: str, lang: str, view_name: str,
                    _view: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    # ``_view`` is not hashed (leading underscore): ``view_name`` stands for it in the key.
    set_language(lang)
    results, cat, targets = _dashboard_data(url, validated)
    with reading(engine_for(url, settings().demo_on_first_start)) as session:
        return drawn_figures(_view(session, results, cat, targets, *args))


def dashboard_view(view: Callable[..., T], *args: Any) -> T:
    """A dashboard's frames and figures (``view(session, results, cat, targets, *args)``, one of
    ``tracker.dashboards.views.view_*``), cached per database, revision of everything the
    dashboards show (``Revision.everything``), language and filters."""
    name = f"{view.__module__}.{view.__qualname__}"
    revision = _data_revision()
    return cast(T, _dashboard_view(settings().database_url, revision.validated,
                                   revision.everything, get_language(), name, view, args))


@st.cache_data(show_spinner=False, max_entries=32)
def _service_view(url: str, revision: str, lang: str, name: str, args: tuple[Any, ...],
                  _view: Any) -> Any:
    set_language(lang)
    results, cat, targets = _dashboard_data(url, revision)
    with reading(engine_for(url, settings().demo_on_first_start)) as session:
        return drawn_figures(_view(session, results, cat, targets, *args))


def service_view(view: Any, *args: Any) -> Any:
    """``view(session, results, catalogue, targets, *args)`` computed from the validated figures
    alone (the forecasts: the costliest views), cached per database, validated revision,
    language and arguments: a view that reads anything else (submission states, ratings, action
    items) goes through ``dashboard_view``."""
    return _service_view(settings().database_url, _data_revision().validated, get_language(),
                         f"{view.__module__}.{view.__qualname__}", args, view)


# --- other pages' large reads -------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _read_view(url: str, revision: str, lang: str, name: str, args: tuple[Any, ...],
               _view: Any) -> Any:
    set_language(lang)
    with reading(engine_for(url, settings().demo_on_first_start)) as session:
        return drawn_figures(_view(session, *args))


def read_view(view: Callable[..., T], *args: Any, revision: str) -> T:
    """``view(session, *args)`` computed once per database, ``revision`` (the caller's cheap
    measure of the data the view reads, which any save changes), language and arguments, and
    shared by every session (an hour at most, 32 views)."""
    return cast(T, _read_view(settings().database_url, revision, get_language(),
                              f"{view.__module__}.{view.__qualname__}", args, view))
