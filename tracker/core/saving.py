"""The one skeleton for saving an edited table, all or nothing.

1. Every row is checked first (``check_rows``): a check returns the row's clean values or
   raises ``RowRefused``; all refusals are gathered and raised together as ``ValidationFailed``,
   before anything is written.
2. Then ``write_rows`` writes each row: a new row is created, stamped and audited by the one
   creation rule (``audit.created``); an edited row goes through ``audit.save_edit`` (refused if
   the version the user saw is not the stored one, only the changed fields set and audited).

The services that save an edited table (reference data, targets, agenda, pillars, milestones)
are this skeleton with their own checks. Tables whose rows are not plain creations and edits
keep their own loop and say why: attendance (one row per structure, removed when emptied),
follow-up items (no new rows, fields open per role), accounts (each row is an account update
with its own rules), results (a declaration of a quarter), initiatives (partners and KPIs
linked to each row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from tracker.core import audit
from tracker.core.audit import ActorLike
from tracker.core.errors import NotFound, RowError, StaleEdit, TrackerError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.tables import RowChange

M = TypeVar("M", bound=SQLModel)
Planned = tuple[RowChange, dict[str, Any]]


class RowRefused(Exception):
    """One row of an edited table refused by its check: the column (as the user reads it) and
    the reason, both translated; ``problems`` holds them all when a row fails on several
    columns."""

    def __init__(self, column: str, reason: str,
                 *more: tuple[str, str]) -> None:
        super().__init__(reason)
        self.problems: list[tuple[str, str]] = [(column, reason), *more]


def check_rows(changes: Iterable[RowChange],
               check: Callable[[RowChange], dict[str, Any]]) -> list[Planned]:
    """Each row with its clean values; every refusal at once, nothing written, if any row is
    refused."""
    planned: list[Planned] = []
    errors: list[RowError] = []
    for change in changes:
        try:
            planned.append((change, check(change)))
        except RowRefused as refusal:
            errors.extend(RowError(change.position, column, reason)
                          for column, reason in refusal.problems)
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    return planned


def _always(_row: Any) -> bool:
    return True


def write_rows(session: Session, actor: ActorLike, model: type[M], planned: Sequence[Planned],
               versions: Mapping[int, int], *, new: Callable[[dict[str, Any]], M],
               label: Callable[[M], str], belongs: Callable[[M], bool] = _always,
               conflict: Callable[[], TrackerError] | None = None) -> int:
    """Write checked rows; returns how many were created or changed.

    ``new`` builds a row from its values; ``label`` names a row in the audit trail; ``belongs``
    says whether an edited row belongs to what the user is editing (else: not found, as if it
    did not exist). A new row clashing with a stored one (same unique key) raises ``conflict()``
    (by default: someone saved the same row at the same moment)."""
    written = 0
    for change, values in planned:
        if change.id is None:
            row = new(values)
            audit.stamp(row, actor)
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:
                raise (conflict() if conflict else StaleEdit(t("common.stale_concurrent"))) \
                    from exc
            audit.created(session, actor, row, label=label(row), entered=values)
            written += 1
            continue
        existing = session.get(model, change.id)
        if existing is None or not belongs(existing):
            raise NotFound(t("common.not_found"))
        written += audit.save_edit(session, actor, existing, versions.get(change.id), values,
                                   label=label(existing))
    return written
