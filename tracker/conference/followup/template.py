"""The follow-up spreadsheet to fill in: every open item, one row per owner, then blank rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.followup.columns import (
    ACTION,
    CLOSED,
    COMMENT,
    DUE,
    KIND,
    MODELS,
    NUMBER,
    OWNER,
    SESSION,
    STATUS,
    STATUSES,
    TEXT,
)
from tracker.conference.sessions import conference_label
from tracker.core import repository as repo
from tracker.core.i18n import t
from tracker.core.models import Conference, DueKind
from tracker.files.spreadsheet_writing import Template, TemplateColumn

TEMPLATE_WIDTHS = {SESSION: 30, NUMBER: 6, KIND: 16, TEXT: 60, OWNER: 14, DUE: 14, STATUS: 22,
                   COMMENT: 40}
TEMPLATE_ORDER = (SESSION, NUMBER, KIND, TEXT, OWNER, DUE, STATUS, COMMENT)
TEMPLATE_BLANK_ROWS = 200


def followup_template(session: Session, actor: Actor, lang: str = "fr") -> Template:
    """The follow-up spreadsheet to fill in (secretariat only): every recommendation and
    action still open, one row per owner, then blank rows for new items; Type and Statut take
    their lists only. Imported back unchanged, it changes nothing."""
    require(actor, Action.edit_conferences)
    kinds = (t("followup_import.kind_recommendation", lang), t("followup_import.kind_action",
                                                               lang))
    statuses = tuple(t(f"actions.status.{code}", lang) for code in STATUSES)
    notes = {SESSION: "note_session", OWNER: "note_owner", DUE: "note_due"}
    columns = [TemplateColumn(t(f"followup_import.header_{role}", lang), TEMPLATE_WIDTHS[role],
                              t(f"followup_import.{notes[role]}", lang) if role in notes else "",
                              kinds if role == KIND else statuses if role == STATUS else ())
               for role in TEMPLATE_ORDER]
    conferences = {c.id: c for c in session.exec(select(Conference))}
    codes = repo.structure_codes_by_id(session)
    rows: list[tuple[tuple[int, int, str, int], list[str | None]]] = []
    for order, (kind, model) in enumerate(reversed(MODELS)):
        items: Sequence[Any] = session.exec(select(model).where(
            col(model.status).not_in(CLOSED))).all()
        for item in items:
            conference = conferences[item.conference_id]
            due = item.due_date.strftime("%d/%m/%Y") if item.due_date else (
                t(f"actions.due_kind.{item.due_kind}", lang)
                if lang == "fr" and item.due_kind in (DueKind.next_session, DueKind.recurring)
                else None)
            values = {SESSION: conference_label(conference), NUMBER: item.number or None,
                      KIND: kinds[order], TEXT: item.title if kind == ACTION else item.text,
                      OWNER: codes.get(item.owner_structure_id or 0),
                      DUE: due, STATUS: t(f"actions.status.{item.status}", lang),
                      COMMENT: item.progress_comment or None}
            rows.append(((conference.number, order, item.number, item.id or 0),
                         [values[role] for role in TEMPLATE_ORDER]))
    rows.sort(key=lambda pair: pair[0])
    return Template(sheet=t("followup_import.template_sheet", lang),
                    title=t("followup_import.template_title", lang),
                    help=t("followup_import.template_help", lang), columns=columns,
                    rows=[record for _, record in rows], blank_rows=TEMPLATE_BLANK_ROWS)
