"""A declaration's path once entered: submitted by its DSI (after a last save, in one
transaction), then validated, returned with a comment or reopened by ASIN, each against the
version on screen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import (
    Action,
    require,
)
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import (
    NotFound,
    PermissionDenied,
    TrackerError,
)
from tracker.core.i18n import t
from tracker.core.models import (
    Result,
    ResultSource,
    Submission,
    SubmissionStatus,
    utcnow,
)
from tracker.core.periods import get_window
from tracker.results.entry import (
    EntryRow,
    can_edit,
    ensure_submission,
    get_submission,
    save_entries,
)


def _transition(session: Session, actor: Actor, submission: Submission, seen_version: int | None,
                new_status: SubmissionStatus, action: str, **fields: object) -> None:
    audit.ensure_fresh(session, submission, seen_version)
    changes = audit.apply_changes(submission, {"status": new_status.value, **fields})
    audit.stamp(submission, actor)
    session.add(submission)
    # Computed figures (CDSI_RECO, CDSI_PRES) are ASIN's own: a submission's fate is not theirs.
    for result in session.exec(select(Result).where(
            Result.structure_id == submission.structure_id, Result.year == submission.year,
            Result.quarter == submission.quarter, Result.source != ResultSource.computed)):
        if result.status != new_status.value:
            result.status = new_status.value
            session.add(result)
    code = repo.structure_codes_by_id(session).get(submission.structure_id, "?")
    audit.record(session, actor, action, submission,
                 label=f"{code} {submission.year}-T{submission.quarter}", changes=changes)


def submit(session: Session, actor: Actor, structure_id: int, year: int, quarter: int, *,
           seen_version: int | None, today: date) -> None:
    """The DSI submits the quarter; it can no longer be edited until returned or reopened."""
    require(actor, Action.enter_results, structure_id)
    submission = get_submission(session, structure_id, year, quarter)
    if not can_edit(actor, submission, get_window(session, year, quarter), today):
        raise PermissionDenied(t("results.locked"))
    submission = ensure_submission(session, actor, structure_id, year, quarter, seen_version,
                                    check=True)
    _transition(session, actor, submission, submission.version, SubmissionStatus.submitted,
                "submit", submitted_at=utcnow(), submitted_by_id=actor.id)


def save_and_submit(session: Session, actor: Actor, structure_id: int, year: int, quarter: int,
                    rows: Sequence[EntryRow], *, seen_version: int | None, today: date) -> int:
    """Save the sheet as shown and submit it, in one transaction: both or neither, and both
    against the submission version the user saw."""
    written = save_entries(session, actor, structure_id, year, quarter, rows,
                           seen_version=seen_version, today=today)
    submission = get_submission(session, structure_id, year, quarter)
    assert submission is not None  # save_entries created it
    submit(session, actor, structure_id, year, quarter, seen_version=submission.version,
           today=today)
    return written


def _review_target(session: Session, actor: Actor, submission_id: int) -> Submission:
    require(actor, Action.validate)
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(t("common.not_found"))
    return submission


def validate(session: Session, actor: Actor, submission_id: int, *, seen_version: int) -> None:
    """ASIN validates a submitted quarter: its values lock."""
    submission = _review_target(session, actor, submission_id)
    audit.ensure_fresh(session, submission, seen_version)  # the declaration on screen
    if submission.status != SubmissionStatus.submitted:
        raise TrackerError(t("results.not_submitted"))
    _transition(session, actor, submission, seen_version, SubmissionStatus.validated, "validate",
                reviewed_at=utcnow(), reviewer_id=actor.id, reopened=False)


def return_submission(session: Session, actor: Actor, submission_id: int, comment: str, *,
                      seen_version: int) -> None:
    """ASIN returns a submitted quarter with a comment; the DSI can edit it again."""
    submission = _review_target(session, actor, submission_id)
    audit.ensure_fresh(session, submission, seen_version)  # the declaration on screen
    if submission.status != SubmissionStatus.submitted:
        raise TrackerError(t("results.not_submitted"))
    if not comment.strip():
        raise TrackerError(t("results.comment_required"))
    _transition(session, actor, submission, seen_version, SubmissionStatus.returned, "return",
                reviewed_at=utcnow(), reviewer_id=actor.id, review_comment=comment.strip(),
                reopened=True)


def reopen(session: Session, actor: Actor, structure_id: int, year: int, quarter: int, *,
           seen_version: int | None) -> None:
    """ASIN reopens a validated or late submission for its DSI (even after the window closed)."""
    require(actor, Action.validate)
    submission = ensure_submission(session, actor, structure_id, year, quarter, seen_version,
                                    check=True)
    _transition(session, actor, submission, submission.version, SubmissionStatus.draft, "reopen",
                reopened=True)
