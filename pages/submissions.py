"""Suivi des soumissions: who has reported, structures × quarters (admin, leadership)."""

import streamlit as st

from tracker import ui
from tracker.core.formats import quarter_key, quarter_label
from tracker.core.i18n import t
from tracker.core.periods import reporting_quarter
from tracker.results import entry as results
from tracker.results import submissions

actor = ui.require_actor("pages/submissions.py")
st.title(t("results.tracking_title"))

quarters = results.quarter_choices(ui.today())
left, right = st.columns([2, 1])
count = left.slider(t("results.quarters"), 2, 12, 6, key="submissions_count")
state = right.selectbox(t("results.show_state"), [None, *submissions.MATRIX_STATES],
                        key="submissions_state",
                        format_func=lambda s: t(f"results.states.{s}") if s else t("common.all"))
shown = list(reversed(quarters[:count]))
with ui.read() as session:
    matrix = submissions.matrix_frame(session, actor, shown, ui.today())
    focus = quarter_key(*reporting_quarter(session, ui.today()))

labels = {c: quarter_label(*map(int, c.split("-T"))) for c in submissions.matrix_quarters(matrix)}
chosen = submissions.filter_matrix(matrix, state, focus)
display = chosen.drop(columns="code").rename(columns=labels).set_index("name")
display.index.name = t("results.col_structure")
st.caption(t("results.structures_shown", n=len(display), total=len(matrix),
             quarter=labels.get(focus, "")))
st.dataframe(placeholder="—", data=ui.state_styler(display), width="stretch", height=620)
st.dataframe(ui.state_legend(), hide_index=True, width="stretch")

st.subheader(t("results.counts"))
counts = submissions.matrix_counts(matrix).rename(columns=labels)
counts.index = [t(f"results.states.{s}") for s in counts.index]
st.dataframe(placeholder="—", data=counts, width="stretch")
ui.downloads(display.reset_index(), "suivi-soumissions", key="submissions_dl",
             filters=", ".join(labels.values()))
