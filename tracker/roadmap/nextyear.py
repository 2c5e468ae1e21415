"""Next year's roadmap prepared from the unfinished initiatives and milestones (dates shifted by
one year), linked by ``copied_from_id``, never twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core.db import exclusive
from tracker.core.formats import format_date, format_percent
from tracker.core.i18n import t
from tracker.core.models import (
    Initiative,
    InitiativeStatus,
    Milestone,
    Pillar,
)
from tracker.roadmap.editing.initiatives import replace_links
from tracker.roadmap.editing.milestones import milestone_label
from tracker.roadmap.queries import copies_in_year, list_pillars
from tracker.roadmap.rules import (
    computed_status,
    initiative_period,
    pillar_label,
    shift_one_year,
    status_label,
)
from tracker.roadmap.views import Facts, RoadmapData, load_roadmap, percent

# --- next year ----------------------------------------------------------------------------


@dataclass
class CopyPlan:
    """What "Préparer l'année suivante" would do; ``frame`` lists every unfinished initiative."""

    year: int
    target_year: int
    frame: pd.DataFrame
    to_copy: int
    already_copied: int
    milestones: int
    pillars_to_create: int


def _unfinished(data: RoadmapData) -> list[Facts]:
    return [f for f in data.facts if f.status != InitiativeStatus.done.value]


def next_year_plan(session: Session, year: int, today: date) -> CopyPlan:
    """Preview: the unfinished initiatives of ``year`` and their unfinished milestones, which of
    them are already in next year's roadmap, and the pillars next year still lacks."""
    data = load_roadmap(session, year, today)
    copies = copies_in_year(session, year + 1)
    target_positions = {p.position for p in list_pillars(session, year + 1)}
    rows = []
    for f in _unfinished(data):
        pending = [m for m in f.milestones if m.done_on is None]
        rows.append({"pillar": pillar_label(f.pillar), "initiative": f.initiative.title,
                     "owner": data.codes.get(f.initiative.owner_structure_id or -1),
                     "status": status_label(f.status), "progress": percent(f.share),
                     "milestones": len(pending),
                     "first_due": shift_one_year(pending[0].due_date) if pending else None,
                     "already_copied": (f.initiative.id or 0) in copies})
    frame = pd.DataFrame(rows, columns=["pillar", "initiative", "owner", "status", "progress",
                                        "milestones", "first_due", "already_copied"])
    todo = frame[~frame["already_copied"].astype(bool)] if len(frame) else frame
    needed = {f.pillar.position for f in _unfinished(data)
              if (f.initiative.id or 0) not in copies}
    return CopyPlan(year, year + 1, frame, len(todo), len(frame) - len(todo),
                    int(todo["milestones"].sum()) if len(todo) else 0,
                    len(needed - target_positions))


def plan_display(plan: CopyPlan) -> pd.DataFrame:
    """The preview as read: translated headers, "already copied" as yes/no."""
    out = plan.frame.copy()
    out["already_copied"] = out["already_copied"].map(
        lambda v: t("common.yes") if v else t("common.no"))
    out["progress"] = out["progress"].map(lambda v: format_percent(v, 0))
    out["first_due"] = out["first_due"].map(lambda v: format_date(v) if v else "—")
    return out.rename(columns={c: t(f"roadmap.plan_col_{c}") for c in out.columns})


@dataclass(frozen=True)
class CopyResult:
    initiatives: int
    milestones: int
    pillars: int


def copy_to_next_year(session: Session, actor: Actor, year: int, today: date) -> CopyResult:
    """Copy the unfinished initiatives of ``year`` (owner, partners, KPIs, quarters, weight) and
    their unfinished milestones, one year later, into next year's roadmap, linked by
    ``copied_from_id``; creates next year's missing pillars; an initiative already copied is
    skipped, so running it twice changes nothing (secretariat only)."""
    require(actor, Action.edit_roadmap)
    exclusive(session)  # two clicks at once must not both copy
    data = load_roadmap(session, year, today)
    target = year + 1
    copies = copies_in_year(session, target)
    pillars = {p.position: p for p in list_pillars(session, target)}
    created_pillars = initiatives = milestones = 0
    for f in _unfinished(data):
        source = f.initiative
        if (source.id or 0) in copies:
            continue
        pillar = pillars.get(f.pillar.position)
        if pillar is None:
            pillar = Pillar(year=target, position=f.pillar.position, title_fr=f.pillar.title_fr,
                            title_en=f.pillar.title_en)
            audit.stamp(pillar, actor)
            session.add(pillar)
            audit.created(session, actor, pillar, label=f"{target} · {pillar.title_fr}",
                          entered={"position": pillar.position, "title_fr": pillar.title_fr,
                                   "title_en": pillar.title_en})
            pillars[pillar.position] = pillar
            created_pillars += 1
        pending = [m for m in f.milestones if m.done_on is None]
        shifted = [(m, min(shift_one_year(m.due_date), date(target, 12, 31))) for m in pending]
        copy = Initiative(pillar_id=pillar.id or 0, title=source.title,
                          owner_structure_id=source.owner_structure_id,
                          start_quarter=source.start_quarter, end_quarter=source.end_quarter,
                          weight=source.weight, copied_from_id=source.id,
                          status=InitiativeStatus.on_track.value)
        probe = [Milestone(initiative_id=0, title=m.title, due_date=due, weight=m.weight)
                 for m, due in shifted]
        copy.status = computed_status(probe, today, initiative_period(target, copy)[1])
        audit.stamp(copy, actor)
        session.add(copy)
        session.flush()
        replace_links(session, copy.id or 0, data.partners.get(source.id or 0, []),
                       data.kpis.get(source.id or 0, []))
        audit.created(session, actor, copy, label=copy.title,
                      entered={"title": copy.title, "copied_from_id": source.id,
                               "owner_structure_id": copy.owner_structure_id,
                               "start_quarter": copy.start_quarter,
                               "end_quarter": copy.end_quarter, "weight": copy.weight,
                               "status": copy.status})
        initiatives += 1
        for m, due in shifted:
            row = Milestone(initiative_id=copy.id or 0, title=m.title, due_date=due,
                            weight=m.weight)
            audit.stamp(row, actor)
            session.add(row)
            audit.created(session, actor, row, label=milestone_label(copy, row),
                          entered={"title": row.title, "due_date": due, "weight": row.weight})
            milestones += 1
    return CopyResult(initiatives, milestones, created_pillars)
