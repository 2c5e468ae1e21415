"""Saving edited initiatives: each row's cells checked, partner and KPI links kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core.errors import NotFound, RowError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.models import Initiative, InitiativeKpi, InitiativePartner
from tracker.core.tables import RowChange
from tracker.roadmap.queries import list_initiative_kpis, list_partners
from tracker.roadmap.rules import (
    INITIATIVE_FIELDS,
    STATUSES,
    computed_status,
    initiative_period,
    pillar_label,
    status_label,
    weight_of_cell,
)
from tracker.roadmap.views import Facts, RoadmapData, load_roadmap


def _quarter(value: object) -> int | None:
    try:
        return read.quarter(value)
    except read.CellError:
        return None


def _status_code(value: object) -> str | None:
    """A status typed as its code or as its label in the user's language."""
    text = read.text(value)
    if text in STATUSES:
        return text
    by_label = {status_label(s).lower(): s for s in STATUSES}
    return by_label.get(text.lower())


@dataclass
class _InitiativePlan:
    position: int
    row: Initiative | None
    values: dict[str, Any]
    partners: list[int]
    kpis: list[int]


def _current_initiative_cells(data: RoadmapData, facts: Facts) -> dict[str, Any]:
    i = facts.initiative
    return {"pillar": pillar_label(facts.pillar), "title": i.title,
            "owner": data.codes.get(i.owner_structure_id or -1),
            "partners": [data.codes.get(s, "?") for s in data.partners.get(i.id or 0, [])],
            "start_quarter": i.start_quarter, "end_quarter": i.end_quarter, "weight": i.weight,
            "kpis": [data.kpi_by_id[k].code for k in data.kpis.get(i.id or 0, [])
                     if k in data.kpi_by_id],
            "status_override": i.status_override,
            "override_status": i.status if i.status_override else None,
            "override_reason": i.override_reason}


def _check_initiative(data: RoadmapData, position: int, cells: dict[str, Any],
                      errors: list[RowError]) -> tuple[dict[str, Any], list[int], list[int]] | None:
    """Validated values for one initiative row, or None after adding its errors."""
    before = len(errors)

    def fail(column: str, key: str, **values: Any) -> None:
        errors.append(RowError(position, t(f"roadmap.col_{column}"), t(f"roadmap.{key}",
                                                                         **values)))

    pillars = {pillar_label(p): p for p in data.pillars}
    pillars.update({str(p.position): p for p in data.pillars})
    pillar = pillars.get(read.text(cells.get("pillar")))
    if pillar is None:
        fail("pillar", "unknown_pillar")
    title = read.text(cells.get("title"), 300)
    if not title:
        fail("title", "title_required")
    by_code = {code: sid for sid, code in data.codes.items()}
    owner = read.text(cells.get("owner")).upper()
    if not owner:
        fail("owner", "owner_required")
    elif owner not in by_code:
        fail("owner", "unknown_structure", code=owner)
    partners = []
    for code in read.codes(cells.get("partners")):
        if code not in by_code:
            fail("partners", "unknown_structure", code=code)
        elif code == owner:
            fail("partners", "partner_is_owner", code=code)
        else:
            partners.append(by_code[code])
    kpi_by_code = {k.code: k.id for k in data.kpi_by_id.values()}
    kpis = []
    for code in read.codes(cells.get("kpis")):
        if code not in kpi_by_code:
            fail("kpis", "unknown_kpi", code=code)
        else:
            kpis.append(int(kpi_by_code[code] or 0))
    start, end = _quarter(cells.get("start_quarter")), _quarter(cells.get("end_quarter"))
    if start is None:
        fail("start_quarter", "invalid_quarter")
    if end is None:
        fail("end_quarter", "invalid_quarter")
    if start is not None and end is not None and end < start:
        fail("end_quarter", "end_before_start")
    weight = weight_of_cell(cells.get("weight"))
    if weight is None:
        fail("weight", "invalid_weight")
    override = read.boolean(cells.get("status_override"))
    status = _status_code(cells.get("override_status"))
    reason = read.text(cells.get("override_reason"))
    if override and status is None:
        fail("override_status", "override_status_required")
    if override and not reason:
        fail("override_reason", "override_reason_required")
    if len(errors) > before or pillar is None:
        return None
    values = {"pillar_id": pillar.id, "title": title, "owner_structure_id": by_code[owner],
              "start_quarter": start, "end_quarter": end, "weight": weight,
              "status_override": override, "override_reason": reason if override else "",
              "status": status if override else None}
    return values, partners, kpis


def save_initiatives(session: Session, actor: Actor, year: int, changes: list[RowChange],
                     versions: Mapping[int, int], today: date) -> int:
    """Edited and added initiatives, all or nothing (secretariat only): a pillar of the year,
    a title unique in the year, known owner, partners and KPIs, end quarter not before the
    start, weight ≥ 0, an override with its status and reason. Returns the rows written."""
    require(actor, Action.edit_roadmap)
    data = load_roadmap(session, year, today)
    by_id = data.by_id
    titles: dict[str, int] = {f.initiative.title.casefold(): f.initiative.id or 0
                              for f in data.facts}
    errors: list[RowError] = []
    plans: list[_InitiativePlan] = []
    for change in changes:
        facts = by_id.get(change.id) if change.id is not None else None
        if change.id is not None and facts is None:
            raise NotFound(t("common.not_found"))
        if facts is not None:
            audit.ensure_fresh(session, facts.initiative, versions.get(change.id or 0))
            cells = _current_initiative_cells(data, facts)
        else:
            cells = {"start_quarter": 1, "end_quarter": 4, "weight": 1.0}
        cells.update({k: v for k, v in change.values.items() if k in INITIATIVE_FIELDS
                      and (facts is not None or v is not None)})
        checked = _check_initiative(data, change.position, cells, errors)
        if checked is None:
            continue
        values, partners, kpis = checked
        ident = change.id if change.id is not None else -change.position
        if titles.setdefault(values["title"].casefold(), ident) != ident:
            errors.append(RowError(change.position, t("roadmap.col_title"),
                                   t("roadmap.duplicate_title")))
            continue
        plans.append(_InitiativePlan(change.position, facts.initiative if facts else None,
                                     values, partners, kpis))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    for plan in plans:
        _write_initiative(session, actor, data, plan, year, today)
    return len(plans)


def _write_initiative(session: Session, actor: Actor, data: RoadmapData, plan: _InitiativePlan,
                      year: int, today: date) -> None:
    values = dict(plan.values)
    row = plan.row
    facts = data.by_id.get(row.id or 0) if row is not None else None
    if values["status"] is None:  # not overridden: the stored status is the computed snapshot
        probe = Initiative(start_quarter=values["start_quarter"],
                           end_quarter=values["end_quarter"], pillar_id=0, title="")
        values["status"] = computed_status(facts.milestones if facts else [], today,
                                           initiative_period(year, probe)[1])
    codes, kpi_codes = data.codes, {k: v.code for k, v in data.kpi_by_id.items()}
    partner_text = ", ".join(sorted(codes.get(s, "?") for s in plan.partners))
    kpi_text = ", ".join(sorted(kpi_codes.get(k, "?") for k in plan.kpis))
    if row is None:
        row = Initiative(**values)
        audit.stamp(row, actor)
        session.add(row)
        session.flush()
        replace_links(session, row.id or 0, plan.partners, plan.kpis)
        shown = {**values, "partners": partner_text, "kpis": kpi_text}
        audit.created(session, actor, row, label=row.title, entered=shown)
        return
    old_partners = ", ".join(sorted(codes.get(s, "?") for s in data.partners.get(row.id or 0, [])))
    old_kpis = ", ".join(sorted(kpi_codes.get(k, "?") for k in data.kpis.get(row.id or 0, [])))
    diff = audit.apply_changes(row, values)
    if partner_text != old_partners:
        diff["partners"] = (old_partners, partner_text)
    if kpi_text != old_kpis:
        diff["kpis"] = (old_kpis, kpi_text)
    if not diff:
        return
    if "partners" in diff or "kpis" in diff:
        replace_links(session, row.id or 0, plan.partners, plan.kpis)
    audit.stamp(row, actor)  # also when only links changed: the version moves, stale saves fail
    session.add(row)
    audit.record(session, actor, "update", row, label=row.title, changes=diff)


def replace_links(session: Session, initiative_id: int, partners: Sequence[int],
                   kpis: Sequence[int]) -> None:
    for link in list_partners(session, [initiative_id]):
        if link.structure_id not in partners:
            session.delete(link)
    have = {link.structure_id for link in list_partners(session, [initiative_id])}
    session.add_all([InitiativePartner(initiative_id=initiative_id, structure_id=s)
                     for s in dict.fromkeys(partners) if s not in have])
    for kl in list_initiative_kpis(session, [initiative_id]):
        if kl.kpi_id not in kpis:
            session.delete(kl)
    have = {kl.kpi_id for kl in list_initiative_kpis(session, [initiative_id])}
    session.add_all([InitiativeKpi(initiative_id=initiative_id, kpi_id=k)
                     for k in dict.fromkeys(kpis) if k not in have])
    session.flush()
