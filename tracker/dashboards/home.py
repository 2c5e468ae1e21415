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
    days_left: int | None  # None: no window; negative: days since it closed
    return_comment: str  # what ASIN said when it returned the declaration ("" otherwise)


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
    returned = submission is not None and submission.status == SubmissionStatus.returned
    return StructureHome(code=structure.code, name=structure.name_fr, year=year, quarter=quarter,
                         submission_status=submission.status if submission else None,
                         window_closes_on=window.closes_on if window else None,
                         open_actions=open_count, overdue_actions=overdue,
                         escalated_actions=escalated,
                         days_left=(window.closes_on - today).days if window else None,
                         return_comment=submission.review_comment if returned and submission
                         else "")


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


def _names(session: Session) -> dict[int, str]:
    return {s.id or 0: s.name_fr for s in session.exec(select(Structure))}


def escalated_frame(session: Session) -> pd.DataFrame:
    """Blocked actions escalated to leadership, oldest escalation first."""
    names = _names(session)
    rows = session.exec(select(ActionItem).where(
        col(ActionItem.escalated).is_(True),
        col(ActionItem.status).not_in([s.value for s in CLOSED_ACTION_STATUSES]))
        .order_by(col(ActionItem.escalated_at))).all()
    return pd.DataFrame([{"owner": names.get(a.owner_structure_id or -1, "—"), "title": a.title,
                          "blocker": a.blocker, "due_date": a.due_date,
                          "escalated_at": a.escalated_at} for a in rows],
                        columns=["owner", "title", "blocker", "due_date", "escalated_at"])


WAITING = (None, SubmissionStatus.draft, SubmissionStatus.returned)


def missing_declarations(session: Session, actor: Actor, today: date) -> pd.DataFrame:
    """The structures in force whose declaration of the quarter being reported has not reached
    ASIN (not started, draft or returned), the latest first: name, status in words, and days
    late once the window closed (blank before). For those who see the national picture."""
    if not sees_the_national_picture(actor):
        raise PermissionDenied(t("common.permission"))
    year, quarter = reporting_quarter(session, today)
    window = get_window(session, year, quarter)
    statuses = {s.structure_id: s.status for s in session.exec(select(Submission).where(
        Submission.year == year, Submission.quarter == quarter))}
    late = (today - window.closes_on).days if window and today > window.closes_on else None
    rows = []
    for structure in sorted(session.exec(select(Structure)).all(), key=lambda s: s.name_fr):
        status = statuses.get(structure.id or 0)
        if structure.in_force(today) and status in WAITING:
            rows.append({"structure": structure.name_fr,
                         "status": t(f"home.status.{status or 'not_started'}"),
                         "days_late": late})
    return pd.DataFrame(rows, columns=["structure", "status", "days_late"])


OLDEST_SHOWN = 5


def overdue_overview(session: Session, actor: Actor, today: date
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overdue actions of every structure: how many by age band (the Actions page's bands),
    and the oldest few (owner's name, action, due date, days late). For those who see the
    national picture."""
    from tracker.conference.actions import overdue_age_frame

    if not sees_the_national_picture(actor):
        raise PermissionDenied(t("common.permission"))
    names = _names(session)
    rows = session.exec(_open_rows().where(ActionItem.due_kind == DueKind.date,
                                           col(ActionItem.due_date) < today)
                        .order_by(col(ActionItem.due_date), col(ActionItem.id))).all()
    frame = pd.DataFrame({"due_date": [a.due_date for a in rows], "overdue": [True] * len(rows)})
    oldest = pd.DataFrame([{"owner": names.get(a.owner_structure_id or -1, "—"),
                            "title": a.title, "due_date": a.due_date,
                            "days_late": (today - a.due_date).days}
                           for a in rows[:OLDEST_SHOWN] if a.due_date is not None],
                          columns=["owner", "title", "due_date", "days_late"])
    return overdue_age_frame(frame, today), oldest


def _open_rows():  # type: ignore[no-untyped-def]
    return select(ActionItem).where(
        col(ActionItem.status).not_in([s.value for s in CLOSED_ACTION_STATUSES]))
