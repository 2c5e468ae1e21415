"""Links from one page to another, shown only to those who may open the target page."""

from __future__ import annotations

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
