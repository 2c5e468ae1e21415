"""Quarters: which one is being reported now, and the arithmetic of quarter ends."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from tracker.models import SubmissionWindow


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> date:
    """Last day of a quarter (31/03, 30/06, 30/09, 31/12)."""
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def reporting_quarter(session: Session, today: date) -> tuple[int, int]:
    """The quarter being reported: the latest window opened by today, else the last ended one."""
    window = session.exec(
        select(SubmissionWindow).where(col(SubmissionWindow.opens_on) <= today)
        .order_by(col(SubmissionWindow.year).desc(), col(SubmissionWindow.quarter).desc())
    ).first()
    if window is not None:
        return window.year, window.quarter
    return previous_quarter(today.year, quarter_of(today))


def get_window(session: Session, year: int, quarter: int) -> SubmissionWindow | None:
    return session.exec(select(SubmissionWindow).where(
        SubmissionWindow.year == year, SubmissionWindow.quarter == quarter)).first()
