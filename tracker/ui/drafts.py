"""Unsaved edits of a data editor kept while the user is on another page.

Streamlit forgets a data editor's edits as soon as a run does not draw it (the user opened
another page). The rows as edited are therefore kept in the session under the editor's
``slot`` with the version of the data they were made on, and drawn again when the user comes
back, with « Modifications non enregistrées » and a button to discard them. Edits made on data
that has changed since (another version) are never drawn over the newer data: the page says so
and shows the current data."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tracker.core.i18n import t

_PREFIX = "unsaved_draft::"


def _name(slot: str) -> str:
    return f"{_PREFIX}{slot}"


def with_pending_edits(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` with the cell edits pending in the fixed-rows data editor ``key`` (rows by
    position): what the editor will show in this run."""
    state = st.session_state.get(key)
    edits = state.get("edited_rows") if isinstance(state, dict) else None
    if not edits:
        return frame
    shown = frame.copy()
    for position, cells in edits.items():
        row = int(position)
        if 0 <= row < len(shown):
            for column, value in cells.items():
                if column in shown.columns:
                    shown.iloc[row, shown.columns.get_loc(column)] = value
    return shown


def draft_rows(slot: str, fresh: pd.DataFrame, version: Any, *, key: str) -> tuple[
        pd.DataFrame, str]:
    """The rows to draw in the editor ``key``: the unsaved draft of ``slot`` when it was made
    on this ``version`` of the data, else ``fresh``; with the edits pending in the editor. And
    the draft's state: "" (none), "unsaved" or "stale" (made on other data, not drawn)."""
    draft = st.session_state.get(_name(slot))
    if draft is None:
        return with_pending_edits(fresh, key), ""
    if draft["version"] != version or list(draft["rows"].index) != list(fresh.index):
        return with_pending_edits(fresh, key), "stale"
    return with_pending_edits(draft["rows"], key), "unsaved"


def keep_draft(slot: str, version: Any, fresh: pd.DataFrame, edited: pd.DataFrame,
               columns: list[str], state: str) -> bool:
    """Remember ``edited`` as the unsaved draft of ``slot`` when its ``columns`` differ from
    the saved data ``fresh`` (forget it when they are the same again; a stale draft is kept
    until the user edits or discards). Returns whether unsaved changes are on screen."""
    def cells(frame: pd.DataFrame) -> list[list[str]]:
        return [["" if pd.isna(v) else str(v).strip() for v in row]
                for row in frame[columns].itertuples(index=False)]

    if fresh.empty or cells(edited) == cells(fresh):
        if state != "stale":
            st.session_state.pop(_name(slot), None)
        return False
    st.session_state[_name(slot)] = {"version": version, "rows": edited.copy()}
    return True


def drop_draft(slot: str) -> None:
    """Forget the unsaved draft of ``slot`` (it was saved, or the user discarded it)."""
    st.session_state.pop(_name(slot), None)


def discard_button(slot: str, page: str, *, key: str) -> None:
    """« Abandonner les modifications »: the draft is forgotten and the editor drawn afresh
    from the saved data (the page's revision moves on)."""
    def discard() -> None:
        drop_draft(slot)
        st.session_state[f"{page}_revision"] = st.session_state.get(f"{page}_revision", 0) + 1
        st.session_state[f"{page}_flash"] = t("results.discarded")

    st.button(t("results.discard"), key=key, on_click=discard)


# A row taller than 4 rem: Streamlit's grid then wraps a long text onto several lines instead
# of cutting it (three lines of its 14 px text).
WRAPPING_ROW = 66


def grid_height(rows: int, *, row: int = 35, header: int = 38) -> int:
    """A data editor tall enough for all its rows (no inner scroll)."""
    return header + row * max(rows, 1) + 3


def sized(config: dict[str, Any], widths: dict[str, int | str],
          right: tuple[str, ...] = ()) -> dict[str, Any]:
    """A column configuration (``column_config``) with fixed widths, and the ``right`` columns
    aligned right (figures)."""
    for name, width in widths.items():
        if name in config and isinstance(config[name], dict):
            config[name]["width"] = width
    for name in right:
        if name in config and isinstance(config[name], dict):
            config[name]["alignment"] = "right"
    return config
