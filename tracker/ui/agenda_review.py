"""« Conférences »: the proposed agenda of a planned session, reviewed in a table (keep, order,
title) before it is saved through the agenda service, and the session's pre-read brief."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may
from tracker.conference import agenda as session_agenda
from tracker.core.i18n import get_language, t
from tracker.core.models import ConferenceStatus
from tracker.dashboards import agenda_proposal as proposal
from tracker.reports.brief import brief_filename, brief_pdf, review_notes
from tracker.reports.document import PDF_MIME
from tracker.ui.base import deferred, read
from tracker.ui.widgets import act

REVIEW_COLUMNS = ["keep", "position", "title", "evidence", "kind", "link"]


def _slot(conference_id: int) -> str:
    return f"agenda_proposal_{conference_id}"


def _column_config() -> dict[str, Any]:
    return {
        "keep": st.column_config.CheckboxColumn(t("agenda.review.col_keep"), width="small"),
        "position": st.column_config.NumberColumn(t("agenda.review.col_position"), min_value=1,
                                                  step=1, width="small", required=True),
        "title": st.column_config.TextColumn(t("agenda.review.col_title"), max_chars=500,
                                             required=True, width="large"),
        "evidence": st.column_config.TextColumn(t("agenda.review.col_evidence"),
                                                disabled=True, width="large"),
        "kind": st.column_config.TextColumn(t("agenda.review.col_kind"), disabled=True),
        "link": st.column_config.LinkColumn(t("agenda.review.col_link"), disabled=True),
    }


def kept_rows(edited: pd.DataFrame, notes: list[str]) -> list[tuple[object, str, str]]:
    """The rows ticked « Retenir », as the service takes them: order typed, title, notes."""
    return [(row["position"], str(row["title"] or ""), notes[n])
            for n, row in enumerate(edited.to_dict("records")) if bool(row["keep"])]


def _propose(actor: Actor, conference_id: int, day: date) -> None:
    with read() as session:
        items = proposal.propose_agenda(session, actor, day)
    st.session_state[_slot(conference_id)] = {
        "day": day, "frame": proposal.proposal_frame(items),
        "notes": [review_notes(item) for item in items]}


def _forget(conference_id: int) -> None:
    st.session_state.pop(_slot(conference_id), None)


def _review(actor: Actor, conference_id: int, agenda: pd.DataFrame) -> None:
    held = st.session_state[_slot(conference_id)]
    st.caption(t("agenda.review.help", date=held["day"].strftime("%d/%m/%Y")))
    edited = st.data_editor(held["frame"], column_config=_column_config(),
                            column_order=REVIEW_COLUMNS, hide_index=True, num_rows="fixed",
                            key=f"agenda_proposal_editor_{conference_id}", width="stretch")
    replace = confirmed = False
    if not agenda.empty:
        replace = st.radio(t("agenda.review.mode"), [False, True], horizontal=True,
                           format_func=lambda r: t(f"agenda.review.{'replace' if r else 'append'}"),
                           key=f"agenda_proposal_mode_{conference_id}")
        if replace:
            confirmed = st.checkbox(t("agenda.review.replace_confirm", n=len(agenda)),
                                    key=f"agenda_proposal_confirm_{conference_id}")
    left, right = st.columns(2)
    if left.button(t("agenda.review.save"), type="primary",
                   key=f"agenda_proposal_save_{conference_id}"):
        act("conferences", session_agenda.save_proposed_agenda, actor, conference_id,
            kept_rows(edited, held["notes"]), agenda["version"].to_dict(), replace=replace,
            confirmed=confirmed, flash=lambda n: t("agenda.review.saved", n=n),
            then=lambda _: _forget(conference_id))
    if right.button(t("agenda.review.discard"), key=f"agenda_proposal_discard_{conference_id}"):
        _forget(conference_id)
        st.rerun()


def agenda_proposal(actor: Actor, conference_id: int, row: dict[str, Any],
                    agenda: pd.DataFrame) -> None:
    """Under a session's agenda: « Proposer l'ordre du jour » and its review (the secretariat,
    a planned session with a date), and the brief's download (admin and leadership)."""
    day = row.get("session_date")
    if not isinstance(day, date):
        return
    planned = row["status"] == ConferenceStatus.planned
    if may(actor, Action.edit_conferences):
        if not planned:
            st.caption(t("agenda.review.only_planned"))
        elif st.button(t("agenda.review.propose"), key=f"agenda_propose_{conference_id}"):
            _propose(actor, conference_id, day)
        if planned and _slot(conference_id) in st.session_state:
            _review(actor, conference_id, agenda)
    if may(actor, Action.read_reports):
        lang = get_language()
        st.download_button(t("agenda.review.download_brief"),
                           deferred(lambda s: brief_pdf(s, actor, day, lang=lang).data),
                           file_name=brief_filename(day, lang), mime=PDF_MIME,
                           key=f"agenda_brief_download_{conference_id}", on_click="ignore")
