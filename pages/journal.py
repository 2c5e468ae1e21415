"""Journal: the audit log, filterable by user, object and date (admin only)."""

import streamlit as st

from tracker import ui
from tracker.accounts import journal
from tracker.core.i18n import t

actor = ui.require_actor("pages/journal.py")
st.title(t("journal.title"))
st.caption(t("journal.help"))

with ui.read() as session:
    logins, object_types = journal.filter_choices(session, actor)
cols = st.columns(4)
user = cols[0].selectbox(t("journal.user"), ["", *logins], key="journal_user",
                         format_func=lambda v: v or t("common.all"))
object_type = cols[1].selectbox(t("journal.object"), ["", *object_types], key="journal_object",
                                format_func=lambda v: journal.object_name(v) if v
                                else t("common.all"))
since = cols[2].date_input(t("journal.since"), value=None, key="journal_since",
                           format="DD/MM/YYYY")
until = cols[3].date_input(t("journal.until"), value=None, key="journal_until",
                           format="DD/MM/YYYY")

with ui.read() as session:
    filters = {"user_login": user, "object_type": object_type, "since": since, "until": until}
    lines, raw = journal.journal_frames(session, actor, **filters)
if lines.empty:
    st.info(t("journal.empty"))
else:
    st.caption(t("journal.count", n=len(lines)))
    st.dataframe(placeholder="—", data=lines, hide_index=True, width="stretch", height=560,
                 column_config=ui.labels("journal.col_", journal.SENTENCE_COLUMNS))
    with st.expander(t("journal.raw_detail")):
        ui.table(raw, "journal.col_", height=400)
    ui.downloads(raw, "journal", key="journal_dl")
