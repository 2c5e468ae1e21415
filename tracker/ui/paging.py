"""Long tables one page at a time: the browser receives the rows it shows, never a decade's
follow-up (20,000 rows) to display fifty."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.core.formats import format_number
from tracker.core.i18n import t
from tracker.core.tables import PAGE_SIZE, TablePage, table_page


def paged(frame: pd.DataFrame, key: str, *, size: int = PAGE_SIZE) -> tuple[pd.DataFrame,
                                                                             TablePage]:
    """The rows of ``frame`` on the page the reader chose (a page picker under the table's
    title when there is more than one page), and that page."""
    requested = int(st.session_state.get(key) or 1)
    page = table_page(len(frame), requested, size)
    if page.count > 1:
        if key in st.session_state and st.session_state[key] != page.number:
            st.session_state[key] = page.number  # fewer rows now: the last page there is
        left, right = st.columns([1, 3], vertical_alignment="bottom")
        left.number_input(t("common.page", count=format_number(page.count, 0)), min_value=1,
                          max_value=page.count, step=1, key=key)
        right.caption(t("common.rows_shown", first=format_number(page.start + 1, 0),
                        last=format_number(page.stop, 0), total=format_number(len(frame), 0)))
    return frame.iloc[page.start:page.stop], page
