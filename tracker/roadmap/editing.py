"""Saving the edited tables of pillars, initiatives and milestones: cells parsed and checked row
by row, the secretariat edits everything, a DSI records its own milestones' done dates; each
save checks versions, is audited and refreshes the stored statuses."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import update
from sqlmodel import Session, col

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, require, writes_for_own_structure_only
from tracker.core import audit
from tracker.core.errors import NotFound, PermissionDenied, RowError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.models import (
    Initiative,
    InitiativeKpi,
    InitiativePartner,
    Milestone,
    Pillar,
)
from tracker.core.tables import RowChange
from tracker.roadmap.queries import (
    list_initiative_kpis,
    list_milestones,
    list_partners,
    list_pillars,
)
from tracker.roadmap.rules import (
    DEFAULT_PILLARS,
    DSI_MILESTONE_FIELDS,
    INITIATIVE_FIELDS,
    MILESTONE_FIELDS,
    PILLAR_FIELDS,
    STATUSES,
    computed_status,
    initiative_period,
    pillar_label,
    status_label,
)
from tracker.roadmap.views import Facts, RoadmapData, load_roadmap

# --- parsing edited cells -----------------------------------------------------------------


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _codes(value: object) -> list[str]:
    """Codes from a multiselect (list) or typed text ("ASIN, SBIN")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    seen: dict[str, None] = {}
    for item in items:
        code = str(item).strip().upper()
        if code:
            seen[code] = None
    return list(seen)


def _number(value: object) -> float | None:
    """A number typed in a cell (decimal comma accepted); None when empty; NaN when unreadable."""
    text = _text(value).replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return math.nan


def _quarter(value: object) -> int | None:
    text = _text(value).upper().lstrip("TQ")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1 <= number <= 4 else None


def _day(value: object) -> date | str | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = _text(value)
    if not text:
        return None
    for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d/%m/%Y").date()):
        try:
            return parse(text[:10])
        except ValueError:
            continue
    return text  # refused by the row checks


def _normal(name: str, value: object) -> object:
    """A cell's value in comparable form (dates as dates, numbers as floats, text stripped)."""
    if name in ("due_date", "done_on"):
        return _day(value)
    if name == "weight":
        return _number(value)
    return _text(value)


def _weight(value: object) -> float | None:
    """An empty weight counts 1; a negative or unreadable one is refused (None)."""
    number = _number(value)
    if number is None:
        return 1.0
    return None if math.isnan(number) or number < 0 else number


def _status_code(value: object) -> str | None:
    text = _text(value)
    if text in STATUSES:
        return text
    by_label = {status_label(s).lower(): s for s in STATUSES}
    return by_label.get(text.lower())


def _bool(value: object) -> bool:
    return bool(value) and _text(value).lower() not in ("false", "0", "non", "no")


# --- saving pillars -----------------------------------------------------------------------


def create_default_pillars(session: Session, actor: Actor, year: int) -> int:
    """The Digital Transformation Centre's four pillars for a year that has none (secretariat);
    returns how many were created (0 when the year already has pillars)."""
    require(actor, Action.edit_roadmap)
    if list_pillars(session, year):
        return 0
    for position, (fr, en) in enumerate(DEFAULT_PILLARS, start=1):
        pillar = Pillar(year=year, position=position, title_fr=fr, title_en=en)
        audit.stamp(pillar, actor)
        session.add(pillar)
        audit.record(session, actor, "create", pillar, label=f"{year} · {fr}")
    return len(DEFAULT_PILLARS)


def save_pillars(session: Session, actor: Actor, year: int, changes: list[RowChange],
                 versions: Mapping[int, int]) -> int:
    """Edited and added pillars of a year, all or nothing (secretariat); positions stay unique."""
    require(actor, Action.edit_roadmap)
    existing = {p.id: p for p in list_pillars(session, year)}
    positions: dict[int, int] = {p.position: p.id or 0 for p in existing.values()}
    errors: list[RowError] = []
    planned: list[tuple[Pillar | None, dict[str, Any]]] = []
    for change in changes:
        row = existing.get(change.id) if change.id is not None else None
        if change.id is not None and row is None:
            raise NotFound(t("common.not_found"))
        if row is not None:
            audit.ensure_fresh(session, row, versions.get(change.id or 0))
        values: dict[str, Any] = {"position": row.position if row else len(positions) + 1,
                  "title_fr": row.title_fr if row else "", "title_en": row.title_en if row else ""}
        for name in PILLAR_FIELDS:
            if name in change.values:
                values[name] = change.values[name]
        position = _number(values["position"])
        if position is None or math.isnan(position) or not position.is_integer() or position < 1:
            errors.append(RowError(change.position, t("roadmap.col_position"),
                                   t("roadmap.invalid_position")))
            continue
        values.update(position=int(position), title_fr=_text(values["title_fr"])[:300],
                      title_en=_text(values["title_en"])[:300])
        if not values["title_fr"]:
            errors.append(RowError(change.position, t("roadmap.col_title_fr"),
                                   t("roadmap.title_required")))
            continue
        holder = positions.get(values["position"])
        if holder is not None and holder != change.id:
            errors.append(RowError(change.position, t("roadmap.col_position"),
                                   t("roadmap.duplicate_position", position=values["position"])))
            continue
        positions[values["position"]] = change.id if change.id is not None else -change.position
        planned.append((row, values))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    written = 0
    for row, values in planned:
        if row is None:
            row = Pillar(year=year, **values)
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "create", row, label=f"{year} · {row.title_fr}",
                         changes={k: (None, v) for k, v in values.items() if v not in ("", None)})
            written += 1
            continue
        diff = audit.apply_changes(row, values)
        if diff:
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "update", row, label=f"{year} · {row.title_fr}",
                         changes=diff)
            written += 1
    return written


# --- saving initiatives -------------------------------------------------------------------


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
    pillar = pillars.get(_text(cells.get("pillar")))
    if pillar is None:
        fail("pillar", "unknown_pillar")
    title = _text(cells.get("title"))[:300]
    if not title:
        fail("title", "title_required")
    by_code = {code: sid for sid, code in data.codes.items()}
    owner = _text(cells.get("owner")).upper()
    if not owner:
        fail("owner", "owner_required")
    elif owner not in by_code:
        fail("owner", "unknown_structure", code=owner)
    partners = []
    for code in _codes(cells.get("partners")):
        if code not in by_code:
            fail("partners", "unknown_structure", code=code)
        elif code == owner:
            fail("partners", "partner_is_owner", code=code)
        else:
            partners.append(by_code[code])
    kpi_by_code = {k.code: k.id for k in data.kpi_by_id.values()}
    kpis = []
    for code in _codes(cells.get("kpis")):
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
    weight = _weight(cells.get("weight"))
    if weight is None:
        fail("weight", "invalid_weight")
    override = _bool(cells.get("status_override"))
    status = _status_code(cells.get("override_status"))
    reason = _text(cells.get("override_reason"))
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
        audit.record(session, actor, "create", row, label=row.title,
                     changes={k: (None, v) for k, v in shown.items() if v not in ("", None)})
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


# --- saving milestones --------------------------------------------------------------------


def milestone_label(initiative: Initiative, milestone: Milestone) -> str:
    return f"{milestone.title} — {initiative.title}"[:300]


def _check_milestone(data: RoadmapData, position: int, cells: dict[str, Any],
                     errors: list[RowError]) -> dict[str, Any] | None:
    before = len(errors)

    def fail(column: str, key: str, **values: Any) -> None:
        errors.append(RowError(position, t(f"roadmap.col_{column}"), t(f"roadmap.{key}",
                                                                         **values)))

    by_title = {f.initiative.title: f.initiative for f in data.facts}
    initiative = by_title.get(_text(cells.get("initiative")))
    if initiative is None:
        fail("initiative", "unknown_initiative")
    title = _text(cells.get("title"))[:300]
    if not title:
        fail("title", "title_required")
    due, done = _day(cells.get("due_date")), _day(cells.get("done_on"))
    if due is None:
        fail("due_date", "due_required")
    elif isinstance(due, str):
        fail("due_date", "invalid_date")
    elif due.year != data.year:
        fail("due_date", "outside_year", year=data.year)
    if isinstance(done, str):
        fail("done_on", "invalid_date")
    elif done is not None and done > data.today:
        fail("done_on", "done_in_future")
    weight = _weight(cells.get("weight"))
    if weight is None:
        fail("weight", "invalid_weight")
    if len(errors) > before or initiative is None:
        return None
    return {"initiative_id": initiative.id, "title": title, "due_date": due, "done_on": done,
            "weight": weight}


def removed_ids(original: pd.DataFrame, edited: pd.DataFrame) -> list[int]:
    """Rows deleted in an editor: ids shown before and missing after."""
    kept = set(edited.index)
    return [int(i) for i in original.index if i not in kept]


def save_milestones(session: Session, actor: Actor, year: int, changes: list[RowChange],
                    versions: Mapping[int, int], today: date,
                    deleted: Sequence[int] = ()) -> int:
    """Edited, added and deleted milestones, all or nothing. The secretariat edits every field;
    the owner structure's DSI only records when a milestone of its own initiatives was done.
    Due dates inside the year, done dates not in the future, weights ≥ 0. The initiatives'
    stored status snapshots follow. Returns the rows written."""
    is_admin = may(actor, Action.edit_roadmap)
    if not is_admin and not writes_for_own_structure_only(actor):
        raise PermissionDenied(t("common.permission"))
    if deleted and not is_admin:
        raise PermissionDenied(t("common.permission"))
    data = load_roadmap(session, year, today)
    owners = {m.id: f.initiative for f, m in data.milestone_rows()}
    rows = {m.id: m for _, m in data.milestone_rows()}
    errors: list[RowError] = []
    planned: list[tuple[Milestone | None, dict[str, Any]]] = []
    for change in changes:
        row = rows.get(change.id) if change.id is not None else None
        if change.id is not None and row is None:
            raise NotFound(t("common.not_found"))
        if row is None and not is_admin:
            raise PermissionDenied(t("common.permission"))
        cells: dict[str, Any] = {"weight": 1.0}
        if row is not None:
            initiative = owners[row.id]
            require(actor, Action.record_milestone, initiative.owner_structure_id)
            audit.ensure_fresh(session, row, versions.get(row.id or 0))
            cells = {"initiative": initiative.title, "title": row.title,
                     "due_date": row.due_date, "done_on": row.done_on, "weight": row.weight}
        wanted = {k: v for k, v in change.values.items() if k in MILESTONE_FIELDS}
        if row is not None and not is_admin:
            moved = {k for k, v in wanted.items() if _normal(k, v) != _normal(k, cells.get(k))}
            if moved - set(DSI_MILESTONE_FIELDS):
                raise PermissionDenied(t("common.permission"))
        cells.update(wanted)
        values = _check_milestone(data, change.position, cells, errors)
        if values is not None:
            planned.append((row, values))
    doomed = [rows[i] for i in deleted if i in rows]
    if len(doomed) != len(deleted):
        raise NotFound(t("common.not_found"))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    touched: set[int] = set()
    written = 0
    by_id = data.by_id
    for row, values in planned:
        initiative = by_id[values["initiative_id"]].initiative
        if row is None:
            row = Milestone(**values)
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "create", row, label=milestone_label(initiative, row),
                         changes={k: (None, v) for k, v in values.items() if v is not None})
        else:
            touched.add(row.initiative_id)
            diff = audit.apply_changes(row, values)
            if not diff:
                continue
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "update", row, label=milestone_label(initiative, row),
                         changes=diff)
        touched.add(values["initiative_id"])
        written += 1
    for row in doomed:
        audit.ensure_fresh(session, row, versions.get(row.id or 0))
        audit.record(session, actor, "delete", row, label=milestone_label(owners[row.id], row),
                     changes={"due_date": (row.due_date, None), "title": (row.title, None)})
        touched.add(row.initiative_id)
        session.delete(row)
        written += 1
    session.flush()
    sync_statuses(session, actor, year, sorted(touched), today)
    return written


def sync_statuses(session: Session, actor: Actor | None, year: int, initiative_ids: Sequence[int],
                  today: date) -> int:
    """Refresh the stored status snapshot of initiatives not overridden, audited as a status
    change. A plain UPDATE on purpose: the snapshot is derived, so refreshing it must not make a
    colleague's open edit of the initiative stale."""
    changed = 0
    if not initiative_ids:
        return changed
    milestones: dict[int, list[Milestone]] = {i: [] for i in initiative_ids}
    for m in list_milestones(session, initiative_ids):
        milestones[m.initiative_id].append(m)
    for iid in initiative_ids:
        initiative = session.get(Initiative, iid)
        if initiative is None or initiative.status_override:
            continue
        new = computed_status(milestones[iid], today, initiative_period(year, initiative)[1])
        if new == initiative.status:
            continue
        old = initiative.status
        session.execute(update(Initiative).where(col(Initiative.id) == iid,
                                                 col(Initiative.status_override).is_(False))
                        .values(status=new).execution_options(synchronize_session="fetch"))
        audit.record(session, actor, "update", initiative, label=initiative.title,
                     changes={"status": (old, new)})
        changed += 1
    return changed
