"""The demo generator's ground: seed and scales, plain snapshots of the reference rows, the
generation context, dates (quarters, French long dates, due-date wording) and bulk inserts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Table, insert, select
from sqlmodel import Session, SQLModel, col

from tracker.core.models import (
    ActionItem,
    ActionStatus,
    Conference,
    ConfidenceRating,
    DueKind,
    Kpi,
    Pillar,
    Recommendation,
    Result,
    Structure,
    Submission,
    SubmissionWindow,
    Target,
)
from tracker.core.periods import Quarter

SEED = "cdsi-demo-2025"
DEMO_NOTICE = "(Données de démonstration : personnes et contenus fictifs.)"
SCALES = ("default", "decade")
ALL = "*"  # "Tous les ministères": expanded to one row per ministry in force

# Africa/Porto-Novo is UTC+1 all year (no daylight saving).
LOCAL = timezone(timedelta(hours=1))
_CHUNK = 5000
# Computed by the product from the action items and the attendance it records.
COMPUTED_KPIS = ("CDSI_RECO", "CDSI_PRES")
OPEN = (ActionStatus.not_started, ActionStatus.in_progress, ActionStatus.partial,
         ActionStatus.blocked)


@dataclass
class DemoSummary:
    """Rows added per table by ``generate_demo``."""

    structures: int = 0
    kpis: int = 0
    submission_windows: int = 0
    submissions: int = 0
    results: int = 0
    targets: int = 0
    ratings: int = 0
    conferences: int = 0
    agenda_items: int = 0
    attendances: int = 0
    minutes: int = 0
    decisions: int = 0
    recommendations: int = 0
    action_items: int = 0
    pillars: int = 0
    initiatives: int = 0
    initiative_partners: int = 0
    initiative_kpis: int = 0
    milestones: int = 0
    kpi_links: int = 0
    roadmap_snapshots: int = 0

    def total(self) -> int:
        """All rows added."""
        return sum(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class _Plan:
    """How big the data set is; the generator is the same at every scale."""

    quarters: int | None  # None: from T1 three years before today's year
    extra_structures: int
    extra_kpis: int
    sessions_per_year: tuple[int, int]
    anchor: tuple[int, int] | None  # (year, cumulative number of that year's 1st session)
    actions_per_session: tuple[int, int]
    group_action_chance: float
    recommendations_per_session: tuple[int, int]
    group_recommendation_chance: float
    gap_rate: float
    outlier_rate: float


PLANS = {
    "default": _Plan(quarters=None, extra_structures=0, extra_kpis=0, sessions_per_year=(3, 4),
                     anchor=(2025, 17), actions_per_session=(6, 8), group_action_chance=0.2,
                     recommendations_per_session=(2, 3), group_recommendation_chance=0.25,
                     gap_rate=0.07, outlier_rate=0.0015),
    "decade": _Plan(quarters=40, extra_structures=50, extra_kpis=15, sessions_per_year=(40, 40),
                    anchor=None, actions_per_session=(27, 31), group_action_chance=0.7,
                    recommendations_per_session=(3, 5), group_recommendation_chance=0.2,
                    gap_rate=0.03, outlier_rate=0.001),
}


# --- plain snapshots of the reference rows --------------------------------------------------


@dataclass(frozen=True)
class Org:
    id: int
    code: str
    name_fr: str
    kind: str
    valid_from: date | None
    valid_to: date | None

    def in_force(self, on: date) -> bool:
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_to and on > self.valid_to)


@dataclass(frozen=True)
class Ind:
    id: int
    code: str
    group: str
    unit: str
    direction: str
    agg_quarters: str
    ratio: bool
    indicative_target: str
    platform: str


@dataclass
class Ctx:
    session: Session
    today: date
    plan: _Plan
    admin_id: int | None
    orgs: list[Org]
    by_code: dict[str, Org]
    kpis: list[Ind]
    kpi_by_code: dict[str, Ind]
    quarters: list[tuple[int, int]]
    # Nothing happens on "today" itself: the demo's last recorded event is yesterday evening.
    limit: datetime
    summary: DemoSummary = field(default_factory=DemoSummary)

    def ministries(self, on: date) -> list[Org]:
        return [o for o in self.orgs if o.kind == "ministere" and o.in_force(on)]


# --- dates -------------------------------------------------------------------------------------


def stamp_at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Porto-Novo) time of day as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).astimezone(UTC)


def moment(rng: random.Random, first: date, last: date) -> datetime:
    span = (last - first).days
    day = first + timedelta(days=rng.randint(0, span)) if span > 0 else first
    return stamp_at(day, rng.randint(8, 17), rng.choice((0, 5, 15, 20, 30, 40, 45, 55)))


def quarter_start(year: int, quarter: int) -> date:
    return Quarter(year, quarter).start


def quarter_end(year: int, quarter: int) -> date:
    return Quarter(year, quarter).end


def last_finished_quarter(today: date) -> tuple[int, int]:
    """The latest quarter whose end is before ``today``: its submission window is the open one."""
    return Quarter.of(today).previous().pair


def quarter_list(today: date, count: int | None) -> list[tuple[int, int]]:
    last = Quarter.of(today).previous()
    if count is None:
        count = (last.year - (today.year - 3)) * 4 + last.quarter
    return [q.pair for q in last.back(count)]


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def long_date(day: date, weekday: bool = False) -> str:
    text = f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def due_text(due_kind: str, due: date | None) -> str:
    if due_kind == DueKind.recurring:
        return "Permanent"
    if due_kind == DueKind.next_session:
        return "avant la prochaine session"
    if due is None:
        return ""
    quarter = (due.month - 1) // 3 + 1
    if due == quarter_end(due.year, quarter):
        return f"fin T{quarter} {due.year}"
    return due.strftime("%d/%m/%Y")


# --- plumbing ------------------------------------------------------------------------------------


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    """Bulk insert in chunks, every row with the same keys.

    A Core insert on the table, not ``insert(Model)``: the ORM bulk path regroups rows by which
    values are None, which at the decade scale turns one executemany into tens of thousands of
    single-row statements.
    """
    statement = insert(_table(model))
    for start in range(0, len(rows), _CHUNK):
        session.execute(statement, rows[start:start + _CHUNK])
    return len(rows)


def insert_ids(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert that returns the new ids in the order of ``rows``."""
    table = _table(model)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), _CHUNK):
        ids += list(session.execute(statement, rows[start:start + _CHUNK]).scalars())
    return ids


DEMO_TABLES: tuple[type[SQLModel], ...] = (Conference, Submission, SubmissionWindow, Result,
                                            Target, Recommendation, ActionItem, Pillar,
                                            ConfidenceRating)


def load(session: Session) -> tuple[list[Org], list[Ind]]:
    orgs = [Org(s.id or 0, s.code, s.name_fr, s.kind, s.valid_from, s.valid_to)
            for s in session.execute(select(Structure).order_by(col(Structure.code))).scalars()]
    kpis = [Ind(k.id or 0, k.code, k.group, k.unit, k.direction, k.agg_quarters, k.ratio,
                 k.indicative_target, k.platform)
            for k in session.execute(select(Kpi).where(col(Kpi.active).is_(True))
                                     .order_by(col(Kpi.position), col(Kpi.code))).scalars()]
    return orgs, kpis
