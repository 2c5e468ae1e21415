"""Suivi des soumissions: who has reported, structures × quarters (admin, leadership)."""

import streamlit as st

from tracker import ui
from tracker.core.formats import quarter_label
from tracker.core.i18n import t
from tracker.results import entry as results
from tracker.results import submissions

actor = ui.require_actor("pages/submissions.py")
st.title(t("results.tracking_title"))

quarters = results.quarter_choices(ui.today())
count = st.slider(t("results.quarters"), 2, 12, 6, key="submissions_count")
shown = list(reversed(quarters[:count]))
with ui.read() as session:
    matrix = submissions.matrix_frame(session, actor, shown, ui.today())

labels = {c: quarter_label(*map(int, c.split("-T"))) for c in matrix.columns if c != "code"}
display = matrix.rename(columns=labels).set_index("code")
st.dataframe(placeholder="—", data=ui.state_styler(display), width="stretch", height=620)
st.caption(" · ".join(f"{ui.STATE_ICONS[s]} {t('results.states.' + s)}"
                      for s in submissions.MATRIX_STATES))

st.subheader(t("results.counts"))
counts = submissions.matrix_counts(matrix).rename(columns=labels)
counts.index = [t(f"results.states.{s}") for s in counts.index]
st.dataframe(placeholder="—", data=counts, width="stretch")
ui.downloads(display.reset_index(), "suivi-soumissions", key="submissions_dl",
             filters=", ".join(labels.values()))
