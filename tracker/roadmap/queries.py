"""The roadmap's queries, one named function each: pillars, initiatives, milestones, partners,
linked KPIs and actions, dated sessions, audit events, years."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, col, select

from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    Initiative,
    InitiativeKpi,
    InitiativePartner,
    Milestone,
    Pillar,
    Target,
)
from tracker.roadmap.rules import ROADMAP_TYPES

# --- queries ------------------------------------------------------------------------------


def list_pillars(session: Session, year: int) -> Sequence[Pillar]:
    return session.exec(select(Pillar).where(Pillar.year == year)
                        .order_by(col(Pillar.position))).all()


def list_initiatives(session: Session, pillar_ids: Sequence[int]) -> Sequence[Initiative]:
    return session.exec(select(Initiative).where(col(Initiative.pillar_id).in_(pillar_ids))
                        .order_by(col(Initiative.pillar_id), col(Initiative.id))).all()


def list_milestones(session: Session, initiative_ids: Sequence[int]) -> Sequence[Milestone]:
    return session.exec(select(Milestone).where(col(Milestone.initiative_id).in_(initiative_ids))
                        .order_by(col(Milestone.due_date), col(Milestone.id))).all()


def list_partners(session: Session, initiative_ids: Sequence[int]) -> Sequence[InitiativePartner]:
    return session.exec(select(InitiativePartner).where(
        col(InitiativePartner.initiative_id).in_(initiative_ids))).all()


def list_initiative_kpis(session: Session,
                         initiative_ids: Sequence[int]) -> Sequence[InitiativeKpi]:
    return session.exec(select(InitiativeKpi).where(
        col(InitiativeKpi.initiative_id).in_(initiative_ids))).all()


def national_year_targets(session: Session, year: int) -> dict[int, float]:
    """KPI id → the year's national target (no structure, quarter 0)."""
    rows = session.exec(select(Target).where(Target.year == year, Target.quarter == 0,
                                             col(Target.structure_id).is_(None))).all()
    return {r.kpi_id: r.value for r in rows}


class ActionRef(NamedTuple):
    """What the roadmap shows of an action item tied to an initiative: its reference."""

    id: int
    initiative_id: int | None
    conference_id: int | None
    number: str


def list_linked_actions(session: Session, initiative_ids: Sequence[int]) -> list[ActionRef]:
    """Plain rows (thousands at decade scale, read on every run of « Feuille de route »)."""
    a = ActionItem
    rows = session.exec(select(a.id, a.initiative_id, a.conference_id,  # type: ignore[call-overload]
                               a.number).where(col(a.initiative_id).in_(initiative_ids))
                        .order_by(col(a.conference_id), col(a.id))).all()
    return [ActionRef(*row) for row in rows]


def list_dated_conferences(session: Session) -> Sequence[Conference]:
    return session.exec(select(Conference).where(col(Conference.session_date).is_not(None))
                        .order_by(col(Conference.session_date), col(Conference.number))).all()


def list_roadmap_events(session: Session, since: datetime | None, until: datetime,
                        limit: int | None = None) -> Sequence[AuditEvent]:
    query = select(AuditEvent).where(col(AuditEvent.object_type).in_(ROADMAP_TYPES),
                                     col(AuditEvent.at) < until)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    query = query.order_by(col(AuditEvent.at), col(AuditEvent.id))
    return session.exec(query.limit(limit) if limit else query).all()


def copies_in_year(session: Session, year: int) -> dict[int, int]:
    """Source initiative id → its copy in ``year``."""
    rows = session.exec(select(Initiative.copied_from_id, Initiative.id).join(
        Pillar, col(Pillar.id) == col(Initiative.pillar_id)).where(
        Pillar.year == year, col(Initiative.copied_from_id).is_not(None))).all()
    return {int(src): int(dst) for src, dst in rows if src is not None and dst is not None}


def roadmap_years(session: Session) -> list[int]:
    return sorted({int(y) for y in session.exec(select(Pillar.year).distinct()).all()})
