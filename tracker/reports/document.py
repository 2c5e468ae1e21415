"""What every report shares: the period, the generated document, the reader's language and
dates, the command line's actor, the choices of periods offered, writing a file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from tracker.accounts.auth import Actor
from tracker.core.errors import TrackerError
from tracker.core.formats import (
    format_date,
    format_number,
    quarter_key,
)
from tracker.core.formats import quarter_label as _quarter_label
from tracker.core.i18n import get_language, set_language, t
from tracker.core.models import Role
from tracker.core.progress import step
from tracker.dashboards import views as dashboards

PDF_MIME = "application/pdf"
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class Document:
    """A generated file, ready to download or write."""

    data: bytes
    filename: str
    mime: str


@dataclass(frozen=True)
class Period:
    """A quarter, or a whole year when ``quarter`` is None."""

    year: int
    quarter: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and self.quarter not in (1, 2, 3, 4):
            raise TrackerError(t("reports.bad_quarter", quarter=self.quarter))

    @property
    def last(self) -> tuple[int, int]:
        return self.year, self.quarter or 4

    @property
    def quarters(self) -> list[tuple[int, int]]:
        if self.quarter:
            return [(self.year, self.quarter)]
        return [(self.year, q) for q in range(1, 5)]

    @property
    def slug(self) -> str:
        return quarter_key(self.year, self.quarter) if self.quarter else str(self.year)

    def label(self, long: bool = False) -> str:
        return _quarter_label(self.year, self.quarter, long=long) if self.quarter \
            else str(self.year)


def command_line_actor() -> Actor:
    """Who runs ``python -m tracker report``: whoever holds the database URL reads as the
    secretariat does."""
    return Actor(id=0, login="cli", display_name="python -m tracker", role=Role.admin,
                 structure_id=None, structure_code=None)


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Write a document in ``lang`` without changing the language of the user's screen."""
    previous = get_language()
    set_language(lang)
    try:
        yield
    finally:
        set_language(previous)


def long_date(day: date) -> str:
    """25 novembre 2026, 1er mars 2026 (24 June 2025 in English)."""
    text = format_date(day, "long")
    return "1er" + text[1:] if get_language() == "fr" and day.day == 1 else text


def quiet(fraction: float, message: str) -> None:
    """No page listens: tell whoever listens to the work's progress (the command line)."""
    step(f"{round(fraction * 100):3d} % {message}")


# --- choices for the page and the command line --------------------------------------------


def quarter_choices(results: pd.DataFrame, today: date) -> list[tuple[int, int]]:
    """Quarters with validated results (dashboards.validated_results), the dashboards' default
    first, then newest first."""
    quarters = dashboards.available_quarters(results)
    default = dashboards.last_validated_quarter(results, today)
    return [default, *[q for q in quarters if q != default]] if quarters else []


def year_choices(quarters: list[tuple[int, int]]) -> list[int]:
    return sorted({y for y, _ in quarters}, reverse=True)


def write_document(document: Document, out: str | Path) -> str:
    """Write a document where the command line asked; returns the message to print."""
    path = Path(out)
    path.write_bytes(document.data)
    return t("reports.written", path=str(path), size=format_number(len(document.data), 0))
