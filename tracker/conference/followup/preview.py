"""The preview of a follow-up import, row by row, and the frame the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import pandas as pd

from tracker.core.errors import RowError
from tracker.core.formats import format_date
from tracker.core.i18n import t
from tracker.core.models import DueKind


class FollowupCounts(NamedTuple):
    """What a confirmed import did: items created, updated, and found already up to date."""

    created: int
    updated: int
    unchanged: int


@dataclass
class PlannedItem:
    """One stored item a file row maps to (one per ministry for "Tous les ministères")."""

    owner_id: int | None
    item_id: int | None = None  # None: to create
    version: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class FollowupRow:
    """One accepted row; ``row`` is the row number the user sees in their spreadsheet."""

    row: int
    kind: str
    conference_id: int
    session: str
    text: str
    owner: str
    number: str
    group_ref: str
    due_date: date | None
    due_kind: str | None  # None: no due date written
    status: str | None  # None: no status written
    comment: str | None
    check: str
    items: list[PlannedItem] = field(default_factory=list)

    @property
    def to_create(self) -> int:
        return sum(1 for item in self.items if item.item_id is None)

    @property
    def to_update(self) -> int:
        return sum(1 for item in self.items if item.item_id is not None and item.changes)


@dataclass
class FollowupPreview:
    """What an import would write and what it refuses, per row; nothing is written yet."""

    filename: str
    accepted: list[FollowupRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: int = 0
    notes: list[RowError] = field(default_factory=list)  # values a formula computed

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({error.row for error in self.rejected})

    @property
    def to_create(self) -> int:
        return sum(row.to_create for row in self.accepted)

    @property
    def to_update(self) -> int:
        return sum(row.to_update for row in self.accepted)

    @property
    def unchanged(self) -> int:
        return sum(len(row.items) - row.to_create - row.to_update for row in self.accepted)

    @property
    def pending(self) -> bool:
        """True when confirming would write something."""
        return bool(self.to_create or self.to_update)

    def to_json(self) -> dict[str, object]:
        return {"created": self.to_create, "updated": self.to_update,
                "unchanged": self.unchanged,
                "rejected": [error.as_dict() for error in self.rejected]}


PREVIEW_COLUMNS = ["row", "kind", "session", "text", "owner", "due", "status", "comment",
                   "outcome", "check"]


def _outcome(row: FollowupRow) -> str:
    parts = []
    if row.to_create:
        parts.append(t("followup_import.outcome_create", n=row.to_create))
    if row.to_update:
        parts.append(t("followup_import.outcome_update", n=row.to_update))
    return " · ".join(parts) or t("followup_import.outcome_unchanged")


def _due_text(row: FollowupRow) -> str:
    if row.due_kind is None:
        return ""
    if row.due_kind == DueKind.date and row.due_date is not None:
        return format_date(row.due_date)
    return t(f"actions.due_kind.{row.due_kind}")


def preview_frame(preview: FollowupPreview) -> pd.DataFrame:
    """The accepted rows as the preview shows them, headers and words in the user's language."""
    rows = [{"row": r.row, "kind": t(f"followup_import.kind_{r.kind}"), "session": r.session,
             "text": r.text, "owner": r.owner, "due": _due_text(r),
             "status": t(f"actions.status.{r.status}") if r.status else "",
             "comment": r.comment or "", "outcome": _outcome(r), "check": r.check}
            for r in preview.accepted]
    frame = pd.DataFrame(rows, columns=PREVIEW_COLUMNS)
    return frame.rename(columns={c: t(f"followup_import.col_{c}") for c in PREVIEW_COLUMNS})
