"""One family of errors: every message is a sentence a user can read, already translated."""

from __future__ import annotations

from dataclasses import dataclass, field


class TrackerError(Exception):
    """Base of every error a page may show with ``str(error)``."""


class PermissionDenied(TrackerError):
    """The acting user may not do this (role or structure)."""


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
