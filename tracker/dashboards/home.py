"""The home page's figures, per role: what a DSI must do now; what leadership must know now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, col, func, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import own_structure, sees_the_national_picture
from tracker.core.errors import PermissionDenied
from tracker.core.i18n import t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    ActionItem,
    Conference,
    ConferenceStatus,
    DueKind,
    Structure,
    Submission,
    SubmissionStatus,
)
from tracker.core.periods import get_window, reporting_quarter


@dataclass(frozen=True)
class StructureHome:
    code: str
    name: str
    year: int
    quarter: int
    submission_status: str | None  # None: not started
    window_closes_on: date | None
    open_actions: int
    overdue_actions: int
    escalated_actions: int


@dataclass(frozen=True)
class NationalHome:
    year: int
    quarter: int
    structures: int
    sessions_this_year: int
    open_actions: int
    overdue_actions: int
    escalated_actions: int
    submissions_received: int
    submissions_expected: int
    window_closes_on: date | None


def _open_actions(structure_id: int | None = None):  # type: ignore[no-untyped-def]
    query = select(func.count()).select_from(ActionItem).where(
        col(ActionItem.status).not_in([s.value for s in CLOSED_ACTION_STATUSES]))
    if structure_id is not None:
        query = query.where(ActionItem.owner_structure_id == structure_id)
    return query


def _counts(session: Session, today: date, structure_id: int | None) -> tuple[int, int, int]:
    open_count = session.exec(_open_actions(structure_id)).one()
    overdue = session.exec(_open_actions(structure_id).where(
        ActionItem.due_kind == DueKind.date, col(ActionItem.due_date) < today)).one()
    escalated = session.exec(_open_actions(structure_id).where(
        col(ActionItem.escalated).is_(True))).one()
    return int(open_count), int(overdue), int(escalated)


def structure_home(session: Session, actor: Actor, today: date) -> StructureHome:
    """A DSI's home: their structure, this quarter's submission, their open and overdue actions.
    Whoever answers for no structure (ASIN, leadership, viewers) is refused: theirs is the
    national home."""
    structure_id = own_structure(actor)
    structure = session.get(Structure, structure_id) if structure_id is not None else None
    if structure is None:
        raise PermissionDenied(t("common.permission"))
    year, quarter = reporting_quarter(session, today)
    submission = session.exec(select(Submission).where(
        Submission.structure_id == structure_id, Submission.year == year,
        Submission.quarter == quarter)).first()
    window = get_window(session, year, quarter)
    open_count, overdue, escalated = _counts(session, today, structure_id)
    return StructureHome(code=structure.code, name=structure.name_fr, year=year, quarter=quarter,
                         submission_status=submission.status if submission else None,
                         window_closes_on=window.closes_on if window else None,
                         open_actions=open_count, overdue_actions=overdue,
                         escalated_actions=escalated)


def national_home(session: Session, today: date) -> NationalHome:
    """Leadership's home: structures, sessions held this year, actions, submissions received."""
    year, quarter = reporting_quarter(session, today)
    structures = [s for s in session.exec(select(Structure)).all() if s.in_force(today)]
    sessions = session.exec(select(func.count()).select_from(Conference).where(
        Conference.year == today.year,
        col(Conference.status).in_([ConferenceStatus.held, ConferenceStatus.closed]))).one()
    received = session.exec(select(func.count()).select_from(Submission).where(
        Submission.year == year, Submission.quarter == quarter,
        col(Submission.status).in_([SubmissionStatus.submitted, SubmissionStatus.validated]))).one()
    open_count, overdue, escalated = _counts(session, today, None)
    window = get_window(session, year, quarter)
    return NationalHome(year=year, quarter=quarter, structures=len(structures),
                        sessions_this_year=int(sessions), open_actions=open_count,
                        overdue_actions=overdue, escalated_actions=escalated,
                        submissions_received=int(received),
                        submissions_expected=len(structures),
                        window_closes_on=window.closes_on if window else None)


def uses_national_home(actor: Actor) -> bool:
    return sees_the_national_picture(actor)


def escalated_frame(session: Session) -> pd.DataFrame:
    """Blocked actions escalated to leadership, oldest escalation first."""
    from tracker.core import repository as repo

    codes = repo.structure_codes_by_id(session)
    rows = session.exec(select(ActionItem).where(
        col(ActionItem.escalated).is_(True),
        col(ActionItem.status).not_in([s.value for s in CLOSED_ACTION_STATUSES]))
        .order_by(col(ActionItem.escalated_at))).all()
    return pd.DataFrame([{"owner": codes.get(a.owner_structure_id or -1, "—"), "title": a.title,
                          "blocker": a.blocker, "due_date": a.due_date,
                          "escalated_at": a.escalated_at} for a in rows],
                        columns=["owner", "title", "blocker", "due_date", "escalated_at"])
