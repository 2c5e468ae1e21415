"""A session's agenda: its items in order with tags and notes, edited as a table (the follow-up
item of open recommendations opens every new session's agenda)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.sessions import AGENDA_COLUMNS, ensure_open, get_conference
from tracker.core import audit
from tracker.core.errors import NotFound, TrackerError
from tracker.core.i18n import t
from tracker.core.models import (
    TOPIC_TAGS,
    AgendaItem,
)
from tracker.core.saving import RowRefused, check_rows, write_rows
from tracker.core.tables import ColumnSpec, RowChange

# --- agenda -------------------------------------------------------------------------------


def agenda_frame(session: Session, conference_id: int) -> pd.DataFrame:
    """The agenda in order, indexed by item id."""
    rows = [{"id": a.id, "position": a.position, "title": a.title, "tags": a.tags,
             "notes": a.notes, "version": a.version}
            for a in session.exec(select(AgendaItem).where(
                AgendaItem.conference_id == conference_id).order_by(
                col(AgendaItem.position), col(AgendaItem.id))).all()]
    return pd.DataFrame(rows, columns=["id", *AGENDA_COLUMNS, "version"]).set_index("id")


def agenda_specs() -> dict[str, ColumnSpec]:
    return {
        "position": ColumnSpec("number", t("conferences.col_position"), required=True),
        "title": ColumnSpec("text", t("conferences.col_title"), required=True),
        "tags": ColumnSpec("text", t("conferences.col_tags"),
                           help=t("conferences.tags_help", tags=", ".join(TOPIC_TAGS))),
        "notes": ColumnSpec("text", t("conferences.col_notes")),
    }


def parse_tags(text: object) -> tuple[str, list[str]]:
    """Comma-separated tags, normalised; returns (tags, unknown ones)."""
    raw = [part.strip().lower() for part in str(text or "").replace(";", ",").split(",")]
    tags = [tag for tag in raw if tag]
    unknown = [tag for tag in tags if tag not in TOPIC_TAGS]
    return ",".join(dict.fromkeys(tags)), unknown


def removed_ids(original: pd.DataFrame, edited: pd.DataFrame) -> list[int]:
    """Rows of the original table that the user deleted in the editor."""
    return [int(i) for i in original.index if i not in set(edited.index)]


def save_agenda(session: Session, actor: Actor, conference_id: int, changes: list[RowChange],
                versions: dict[int, int], removed: Sequence[int] = ()) -> int:
    """Add, edit and remove agenda items, all or nothing (not once the session is closed)."""
    require(actor, Action.edit_conferences)
    conference = get_conference(session, conference_id)
    ensure_open(conference)
    def check(change: RowChange) -> dict[str, Any]:
        title = str(change.values.get("title") or "").strip()
        tags, unknown = parse_tags(change.values.get("tags"))
        position = change.values.get("position")
        if not title or len(title) > 500:
            raise RowRefused(t("conferences.col_title"), t("conferences.title_required"))
        if unknown:
            raise RowRefused(t("conferences.col_tags"),
                             t("conferences.unknown_tags", tags=", ".join(unknown),
                               allowed=", ".join(TOPIC_TAGS)))
        if position is None or int(float(str(position))) < 1:
            raise RowRefused(t("conferences.col_position"), t("conferences.position_required"))
        return {"position": int(float(str(position))), "title": title, "tags": tags,
                "notes": str(change.values.get("notes") or "").strip()}

    planned = check_rows(changes, check)
    written = 0
    for item_id in removed:
        item = session.get(AgendaItem, item_id)
        if item is None or item.conference_id != conference_id:
            raise NotFound(t("common.not_found"))
        audit.ensure_fresh(session, item, versions.get(item_id))
        audit.record(session, actor, "delete", item, label=item.title)
        session.delete(item)
        written += 1
    return written + write_rows(
        session, actor, AgendaItem, planned, versions,
        new=lambda values: AgendaItem(conference_id=conference_id, **values),
        label=lambda item: item.title, belongs=lambda item: item.conference_id == conference_id)


# --- a proposed agenda, reviewed ------------------------------------------------------------


def save_proposed_agenda(session: Session, actor: Actor, conference_id: int,
                         kept: Sequence[tuple[object, str, str]], versions: dict[int, int], *,
                         replace: bool = False, confirmed: bool = False) -> int:
    """Write the items the secretariat kept from a proposed agenda (``kept``: order as typed,
    title, notes), after the agenda's existing items (``replace``: instead of them, once the
    replacement is ``confirmed`` when there are some). All or nothing, through
    ``save_agenda`` (permission, closed session, stale versions, audit). Returns the items
    written."""
    require(actor, Action.edit_conferences)
    if not kept:
        raise TrackerError(t("agenda.review.nothing_kept"))
    existing = agenda_frame(session, conference_id)
    if replace and not existing.empty and not confirmed:
        raise TrackerError(t("agenda.review.replace_unconfirmed"))
    ordered = []
    for n, (position, title, notes) in enumerate(kept):
        try:
            rank = int(float(str(position)))
        except ValueError:
            rank = 0
        if rank < 1 or str(position).strip() in ("", "nan", "None"):
            raise TrackerError(t("agenda.review.bad_position", title=str(title)[:80]))
        if not str(title or "").strip() or len(str(title)) > 500:
            raise TrackerError(t("conferences.title_required"))
        ordered.append((rank, n, str(title).strip(), str(notes or "")))
    start = 0 if replace or existing.empty else int(existing["position"].max())
    changes = [RowChange(n, None, {"position": start + n, "title": title, "tags": "",
                                   "notes": notes})
               for n, (_, _, title, notes) in enumerate(sorted(ordered), start=1)]
    removed = [int(i) for i in existing.index] if replace else []
    written = save_agenda(session, actor, conference_id, changes, versions, removed)
    return written - len(removed)
