"""One family of errors: every message is a sentence a user can read, already translated."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

from tracker.core.logs import PERMISSIONS, log_event


class TrackerError(Exception):
    """Base of every error a page may show with ``str(error)``."""


class PermissionDenied(TrackerError):
    """The acting user may not do this (role or structure). Every refusal is logged
    (``tracker.permissions``, ``permission_refused``) with the user of the run, where it was
    refused, and the action and structure when the caller names them."""

    def __init__(self, message: str, *, action: str | None = None,
                 structure_id: int | None = None) -> None:
        super().__init__(message)
        log_event(PERMISSIONS, "permission_refused", level=logging.WARNING, where=_refuser(),
                  action=action, structure_id=structure_id, reason=message)


def _refuser() -> str:
    """The function that refused (past this module and the permissions' ``require``)."""
    frame = sys._getframe(2)
    while frame.f_back is not None and frame.f_globals.get("__name__") in {
            __name__, "tracker.accounts.permissions"}:
        frame = frame.f_back
    return f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}"


class NotFound(TrackerError):
    """The object does not exist (or is not visible to this user)."""


class StaleEdit(TrackerError):
    """The row changed since the user loaded it; nothing was written."""


class AuthenticationFailed(TrackerError):
    """Login refused, without saying which field was wrong."""


class UploadError(TrackerError):
    """An uploaded file cannot be read (empty, wrong format, too large, truncated, zip bomb)."""


@dataclass
class RowError:
    """One rejected row of a table or file: the row as the user sees it, the column and why."""

    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ValidationFailed(TrackerError):
    """Some rows are invalid; nothing was written."""

    message: str
    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message
