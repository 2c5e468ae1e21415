"""Links from one page to another, shown only to those who may open the target page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from tracker.accounts.auth import Actor
from tracker.ui.navigation import may_open


def page_link(actor: Actor, path: str, label: str, icon: str | None = None, *,
              preset: dict[str, Any] | None = None, key: str | None = None) -> None:
    """A link to ``path`` for whoever may open it (nothing for the others). ``preset`` gives
    the target page's widgets their values first (a filter already set)."""
    if not may_open(actor.role, path):
        return
    if st.button(label, icon=icon, key=key or f"link_{path}", type="tertiary"):
        st.session_state.update(preset or {})
        st.switch_page(path)


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _kind(value: str) -> str | None:
    return value if value in ("action", "recommendation") else None


# The filters a link may set (the proposed agenda's links: /actions?overdue=1,
# /actions?kind=recommendation&session=12, /trajectories?year=2026&kpi=ESV_NEW): per page,
# the query parameter, the page's widget and how the text becomes its value. A value the
# widget does not offer leaves the widget at its default.
LINK_FILTERS: dict[str, dict[str, tuple[str, Callable[[str], Any]]]] = {
    "pages/actions.py": {"kind": ("actions_kind", _kind), "session": ("actions_session", int),
                         "overdue": ("actions_overdue", _flag)},
    "pages/trajectories.py": {"year": ("trajectories_year", int),
                              "kpi": ("trajectories_kpi", str)},
}


def link_filters(path: str) -> None:
    """Set the filters a link to ``path`` names in its query, once (the parameters are then
    removed from the address, so that the user's own choices are not overridden)."""
    for name, (key, parse) in LINK_FILTERS.get(path, {}).items():
        if name not in st.query_params:
            continue
        try:
            value = parse(st.query_params[name])
        except ValueError:
            value = None
        if value is not None:
            st.session_state[key] = value
        del st.query_params[name]
