"""Quarters: the one home of quarter arithmetic (``Quarter``), and which one is being reported.

The fiscal year is the calendar year: T1 is January to March, T4 October to December.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from tracker.core.models import SubmissionWindow


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; ordered by time, so ``max``, ``sorted`` and ``<`` read naturally."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in (1, 2, 3, 4):
            raise ValueError(f"a quarter is 1 to 4, not {self.quarter}")

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter a day falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        """First day: 01/01, 01/04, 01/07 or 01/10."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """Last day: 31/03, 30/06, 30/09 or 31/12."""
        after = date(self.year + 1, 1, 1) if self.quarter == 4 \
            else date(self.year, 3 * self.quarter + 1, 1)
        return after - timedelta(days=1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.quarter == 1 \
            else Quarter(self.year, self.quarter - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.quarter == 4 \
            else Quarter(self.year, self.quarter + 1)

    def back(self, count: int) -> list[Quarter]:
        """This quarter and the ``count - 1`` before it, oldest first."""
        out = [self]
        for _ in range(count - 1):
            out.append(out[-1].previous())
        return out[::-1]

    @property
    def pair(self) -> tuple[int, int]:
        """As the (year, quarter) keys of frames and tables."""
        return self.year, self.quarter


def quarter_of(day: date) -> int:
    return Quarter.of(day).quarter


def quarter_end(year: int, quarter: int) -> date:
    """Last day of a quarter (31/03, 30/06, 30/09, 31/12)."""
    return Quarter(year, quarter).end


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return Quarter(year, quarter).previous().pair


def reporting_quarter(session: Session, today: date) -> tuple[int, int]:
    """The quarter being reported: the latest window opened by today, else the last ended one."""
    window = session.exec(
        select(SubmissionWindow).where(col(SubmissionWindow.opens_on) <= today)
        .order_by(col(SubmissionWindow.year).desc(), col(SubmissionWindow.quarter).desc())
    ).first()
    if window is not None:
        return window.year, window.quarter
    return Quarter.of(today).previous().pair


def get_window(session: Session, year: int, quarter: int) -> SubmissionWindow | None:
    return session.exec(select(SubmissionWindow).where(
        SubmissionWindow.year == year, SubmissionWindow.quarter == quarter)).first()
