"""The roadmap's rules: vocabularies and columns, labels, progress roll-up, computed status,
an initiative's period and the one-year shift of the next-year copy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.core import cells
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    Initiative,
    InitiativeStatus,
    Milestone,
    Pillar,
)
from tracker.core.periods import quarter_end

STATUSES = tuple(s.value for s in InitiativeStatus)
# The Digital Transformation Centre's four pillars (French, English).
DEFAULT_PILLARS = (
    ("Accélération des e-services", "Accelerating e-services"),
    ("Formation des ressources humaines de l'administration",
     "Training public administration staff"),
    ("Implication du secteur privé", "Involving the private sector"),
    ("Pérennisation de l'innovation", "Sustaining innovation"),
)
ROADMAP_TYPES = ("Pillar", "Initiative", "Milestone")

PILLAR_COLUMNS = ["position", "title_fr", "title_en", "initiatives", "progress"]
PILLAR_FIELDS = ("position", "title_fr", "title_en")
INITIATIVE_COLUMNS = ["pillar", "title", "owner", "partners", "start_quarter", "end_quarter",
                      "weight", "kpis", "targets", "actions", "progress", "milestones_done",
                      "next_milestone", "status", "status_override", "override_status",
                      "override_reason"]
INITIATIVE_FIELDS = ("pillar", "title", "owner", "partners", "start_quarter", "end_quarter",
                     "weight", "kpis", "status_override", "override_status", "override_reason")
MILESTONE_COLUMNS = ["initiative", "owner", "title", "due_date", "done_on", "weight", "state"]
MILESTONE_FIELDS = ("initiative", "title", "due_date", "done_on", "weight")
# What the owner structure's DSI may change: the progress of its own initiatives, no more.
DSI_MILESTONE_FIELDS = ("done_on",)


# --- labels -------------------------------------------------------------------------------


def status_label(status: str | None) -> str:
    """dans les temps / à risque / en retard / achevée."""
    return t(f"roadmap.status.{status}") if status in STATUSES else (status or "")


def pillar_title(pillar: Pillar) -> str:
    return (pillar.title_en or pillar.title_fr) if get_language() == "en" else pillar.title_fr


def pillar_label(pillar: Pillar) -> str:
    """"1. Accélération des e-services": the position makes the label unique in the year."""
    return f"{pillar.position}. {pillar_title(pillar)}"


# --- rules: progress and status -----------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A weighted share: what is achieved over what there is, both in weight units."""

    achieved: float
    total: float

    @property
    def percent(self) -> float | None:
        return None if self.total <= 0 else 100.0 * self.achieved / self.total


def weight_of_cell(value: object) -> float | None:
    """An edited weight: an empty cell counts 1; a negative or unreadable one is refused
    (None)."""
    try:
        number = cells.number(value)
    except cells.CellError:
        return None
    if number is None:
        return 1.0
    return None if number < 0 else number


def milestone_share(milestones: Sequence[Milestone]) -> Share | None:
    """Avancement = Σ poids des jalons atteints / Σ poids des jalons (None without milestones;
    when every weight is 0, each milestone counts as one)."""
    if not milestones:
        return None
    total = sum(max(m.weight or 0.0, 0.0) for m in milestones)
    if total <= 0:
        return Share(float(sum(1 for m in milestones if m.done_on)), float(len(milestones)))
    return Share(sum(max(m.weight or 0.0, 0.0) for m in milestones if m.done_on), total)


def weighted_share(items: Iterable[tuple[float, Share | None]]) -> Share | None:
    """Roll-up of initiatives into a pillar or the roadmap: Σ (poids × avancement) / Σ poids,
    over the initiatives whose progress is measured (all weights 0: each counts as one)."""
    measured = [(max(w or 0.0, 0.0), s.percent) for w, s in items
                if s is not None and s.percent is not None]
    if not measured:
        return None
    total = sum(w for w, _ in measured)
    if total <= 0:
        measured = [(1.0, p) for _, p in measured]
        total = float(len(measured))
    return Share(sum(w * (p or 0.0) / 100.0 for w, p in measured), total)


def next_milestone(milestones: Sequence[Milestone]) -> Milestone | None:
    """The earliest milestone not done yet."""
    pending = [m for m in milestones if m.done_on is None]
    return min(pending, key=lambda m: (m.due_date, m.id or 0)) if pending else None


def is_overdue(milestone: Milestone, today: date) -> bool:
    return milestone.done_on is None and milestone.due_date < today


def computed_status(milestones: Sequence[Milestone], today: date,
                    ends_on: date | None = None) -> str:
    """Done when every milestone is done; off track when two or more milestones are overdue or
    the end quarter is over; at risk when the next milestone is overdue; else on track."""
    if milestones and all(m.done_on for m in milestones):
        return InitiativeStatus.done.value
    overdue = sum(1 for m in milestones if is_overdue(m, today))
    if overdue >= 2 or (ends_on is not None and ends_on < today):
        return InitiativeStatus.off_track.value
    if overdue:
        return InitiativeStatus.at_risk.value
    return InitiativeStatus.on_track.value


def initiative_period(year: int, initiative: Initiative) -> tuple[date, date]:
    """First day of the start quarter, last day of the end quarter."""
    start = date(year, 3 * (initiative.start_quarter or 1) - 2, 1)
    return start, quarter_end(year, initiative.end_quarter or 4)


def effective_status(initiative: Initiative, milestones: Sequence[Milestone], year: int,
                     today: date) -> str:
    """The secretariat's override when there is one, else the status computed from milestones."""
    if initiative.status_override and initiative.status in STATUSES:
        return initiative.status
    return computed_status(milestones, today, initiative_period(year, initiative)[1])


def shift_one_year(day: date) -> date:
    """The same day next year (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
