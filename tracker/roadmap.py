"""The roadmap of a year: pillars → initiatives → milestones.

Rules kept here, and nowhere else:

- Progress rolls up from milestones: an initiative's progress is Σ weight of milestones done /
  Σ weight of its milestones; a pillar's (and the whole roadmap's) is Σ (initiative weight ×
  progress) / Σ initiative weight, over the initiatives that have milestones (an initiative
  without milestones has no measured progress: missing, not zero).
- An initiative's status is computed when read, from its milestones and today: done when every
  milestone is done; off track ("en retard") when two milestones or more are overdue or its end
  quarter is over; at risk when its next milestone is overdue; on track otherwise. The
  secretariat may override it (``status_override``), always with a reason. The stored
  ``Initiative.status`` is the override, or else a snapshot of the computed status refreshed at
  each write (for readers of the raw table); the truth is ``effective_status``.
- The secretariat edits everything. The owner structure's DSI records progress: the date a
  milestone of its own initiatives was done, nothing else; the initiative's status then follows
  from its milestones (a DSI never sets a status).
- Next year's roadmap is prepared from the unfinished initiatives and milestones (dates shifted
  by one year), linked by ``copied_from_id``, never twice.
- The session review reads the audit log since the previous session.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker import audit, exports, render
from tracker import repository as repo
from tracker.auth import Actor, require_own_structure, require_role
from tracker.conferences import conference_label
from tracker.db import exclusive
from tracker.errors import NotFound, PermissionDenied, RowError, TrackerError, ValidationFailed
from tracker.formats import LOCAL_TZ, format_date, format_number, format_percent, format_value
from tracker.i18n import get_language, has_key, t
from tracker.models import (
    ActionItem,
    AuditEvent,
    Conference,
    Initiative,
    InitiativeKpi,
    InitiativePartner,
    InitiativeStatus,
    Kpi,
    Milestone,
    Pillar,
    Role,
    Target,
    utcnow,
)
from tracker.periods import quarter_end
from tracker.tables import ColumnSpec, RowChange

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


def initiative_labels(session: Session) -> dict[int, str]:
    """Every initiative as a user picks it to link an action item: "2026 · Title", the newest
    year first; an initiative copied into next year keeps its title, hence the year (and the
    number when one year holds the same title twice)."""
    rows = session.exec(select(Initiative.id, Initiative.title, Pillar.year)
                        .join(Pillar, col(Initiative.pillar_id) == Pillar.id)
                        .order_by(col(Pillar.year).desc(), col(Initiative.title),
                                  col(Initiative.id))).all()
    labels: dict[int, str] = {}
    taken: set[str] = set()
    for initiative_id, title, year in rows:
        label = f"{year} · {title}"
        if label in taken:
            label = f"{label} (n° {initiative_id})"
        taken.add(label)
        labels[initiative_id or 0] = label  # ids of stored rows are never None
    return labels


def list_linked_actions(session: Session, initiative_ids: Sequence[int]) -> Sequence[ActionItem]:
    return session.exec(select(ActionItem).where(col(ActionItem.initiative_id).in_(initiative_ids))
                        .order_by(col(ActionItem.conference_id), col(ActionItem.id))).all()


def list_dated_conferences(session: Session) -> Sequence[Conference]:
    return session.exec(select(Conference).where(col(Conference.session_date).is_not(None))
                        .order_by(col(Conference.session_date), col(Conference.number))).all()


def list_roadmap_events(session: Session, since: datetime | None,
                        until: datetime) -> Sequence[AuditEvent]:
    query = select(AuditEvent).where(col(AuditEvent.object_type).in_(ROADMAP_TYPES),
                                     col(AuditEvent.at) < until)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    return session.exec(query.order_by(col(AuditEvent.at), col(AuditEvent.id))).all()


def copies_in_year(session: Session, year: int) -> dict[int, int]:
    """Source initiative id → its copy in ``year``."""
    rows = session.exec(select(Initiative.copied_from_id, Initiative.id).join(
        Pillar, col(Pillar.id) == col(Initiative.pillar_id)).where(
        Pillar.year == year, col(Initiative.copied_from_id).is_not(None))).all()
    return {int(src): int(dst) for src, dst in rows if src is not None and dst is not None}


def roadmap_years(session: Session) -> list[int]:
    return sorted({int(y) for y in session.exec(select(Pillar.year).distinct()).all()})


# --- one year's roadmap, loaded once ------------------------------------------------------


@dataclass
class Facts:
    """One initiative with what is derived from its milestones."""

    initiative: Initiative
    pillar: Pillar
    milestones: list[Milestone]
    share: Share | None
    status: str
    computed: str
    next: Milestone | None
    starts_on: date
    ends_on: date


@dataclass
class RoadmapData:
    year: int
    today: date
    pillars: list[Pillar]
    facts: list[Facts]
    partners: dict[int, list[int]]
    kpis: dict[int, list[int]]
    actions: dict[int, list[ActionItem]]
    codes: dict[int, str]
    kpi_by_id: dict[int, Kpi]
    targets: dict[int, float]
    conference_numbers: dict[int, int]

    @property
    def by_id(self) -> dict[int, Facts]:
        return {f.initiative.id: f for f in self.facts if f.initiative.id is not None}

    def milestone_rows(self) -> list[tuple[Facts, Milestone]]:
        return [(f, m) for f in self.facts for m in f.milestones]


def load_roadmap(session: Session, year: int, today: date) -> RoadmapData:
    """Everything about a year's roadmap in a handful of queries."""
    pillars = list(list_pillars(session, year))
    by_pillar = {p.id: p for p in pillars}
    initiatives = list(list_initiatives(session, [p.id for p in pillars if p.id is not None]))
    ids = [i.id for i in initiatives if i.id is not None]
    milestones: dict[int, list[Milestone]] = {i: [] for i in ids}
    for m in list_milestones(session, ids):
        milestones[m.initiative_id].append(m)
    partners: dict[int, list[int]] = {i: [] for i in ids}
    for link in list_partners(session, ids):
        partners[link.initiative_id].append(link.structure_id)
    kpis: dict[int, list[int]] = {i: [] for i in ids}
    for kl in list_initiative_kpis(session, ids):
        kpis[kl.initiative_id].append(kl.kpi_id)
    actions: dict[int, list[ActionItem]] = {i: [] for i in ids}
    for a in list_linked_actions(session, ids):
        actions[a.initiative_id or 0].append(a)
    facts = []
    for initiative in initiatives:
        own = milestones.get(initiative.id or 0, [])
        starts_on, ends_on = initiative_period(year, initiative)
        facts.append(Facts(initiative, by_pillar[initiative.pillar_id], own,
                           milestone_share(own), effective_status(initiative, own, year, today),
                           computed_status(own, today, ends_on), next_milestone(own),
                           starts_on, ends_on))
    facts.sort(key=lambda f: (f.pillar.position, f.initiative.id or 0))
    conference_numbers = {c.id: c.number for c in session.exec(select(Conference)).all()
                          if c.id is not None}
    return RoadmapData(year, today, pillars, facts, partners, kpis, actions,
                       repo.structure_codes_by_id(session),
                       {k.id: k for k in repo.list_kpis(session) if k.id is not None},
                       national_year_targets(session, year), conference_numbers)


# --- frames (what the page shows and exports) ---------------------------------------------


def _percent(share: Share | None) -> float | None:
    value = share.percent if share else None
    return None if value is None else round(value, 1)


def _action_ref(data: RoadmapData, action: ActionItem) -> str:
    number = data.conference_numbers.get(action.conference_id or -1)
    return t("roadmap.action_ref", number=action.number or f"#{action.id}",
             conference=number if number is not None else "—")


def _target_text(data: RoadmapData, kpi_id: int) -> str:
    kpi = data.kpi_by_id.get(kpi_id)
    if kpi is None:
        return ""
    return f"{kpi.code} : {format_value(data.targets.get(kpi_id), kpi.unit)}"


def next_text(facts: Facts) -> str:
    if facts.next is None:
        return t("roadmap.no_next")
    return t("roadmap.next_text", title=facts.next.title, due=format_date(facts.next.due_date))


def pillars_frame(data: RoadmapData) -> pd.DataFrame:
    """The year's pillars, indexed by id, with their initiatives and weighted progress."""
    rows = []
    for p in data.pillars:
        own = [f for f in data.facts if f.pillar.id == p.id]
        share = weighted_share((f.initiative.weight, f.share) for f in own)
        rows.append({"id": p.id, "position": p.position, "title_fr": p.title_fr,
                     "title_en": p.title_en, "initiatives": len(own),
                     "progress": _percent(share), "version": p.version})
    return pd.DataFrame(rows, columns=["id", *PILLAR_COLUMNS, "version"]).set_index("id")


def initiatives_frame(data: RoadmapData) -> pd.DataFrame:
    """Initiatives indexed by id: links, roll-up, next milestone, status and its override."""
    rows = []
    for f in data.facts:
        i = f.initiative
        iid = i.id or 0
        done = sum(1 for m in f.milestones if m.done_on)
        rows.append({
            "id": iid, "pillar": pillar_label(f.pillar), "title": i.title,
            "owner": data.codes.get(i.owner_structure_id or -1),
            "partners": sorted(data.codes.get(s, "?") for s in data.partners.get(iid, [])),
            "start_quarter": i.start_quarter, "end_quarter": i.end_quarter,
            "weight": float(i.weight),
            "kpis": [data.kpi_by_id[k].code for k in data.kpis.get(iid, [])
                     if k in data.kpi_by_id],
            "targets": " ; ".join(_target_text(data, k) for k in data.kpis.get(iid, [])),
            "actions": ", ".join(_action_ref(data, a) for a in data.actions.get(iid, [])),
            "progress": _percent(f.share), "milestones_done": f"{done}/{len(f.milestones)}",
            "next_milestone": next_text(f), "status": status_label(f.status),
            "status_override": bool(i.status_override),
            "override_status": status_label(i.status) if i.status_override else None,
            "override_reason": i.override_reason, "version": i.version,
            "owner_id": i.owner_structure_id})
    columns = ["id", *INITIATIVE_COLUMNS, "version", "owner_id"]
    return pd.DataFrame(rows, columns=columns).set_index("id")


def milestone_state(milestone: Milestone, today: date) -> str:
    if milestone.done_on is not None:
        return "done"
    return "overdue" if milestone.due_date < today else "pending"


def milestones_frame(data: RoadmapData, *, owner_id: int | None = None) -> pd.DataFrame:
    """Milestones indexed by id (only those of ``owner_id``'s initiatives when given)."""
    rows = []
    for f, m in data.milestone_rows():
        if owner_id is not None and f.initiative.owner_structure_id != owner_id:
            continue
        rows.append({"id": m.id, "initiative": f.initiative.title,
                     "owner": data.codes.get(f.initiative.owner_structure_id or -1),
                     "title": m.title, "due_date": m.due_date, "done_on": m.done_on,
                     "weight": float(m.weight),
                     "state": t(f"roadmap.milestone_state.{milestone_state(m, data.today)}"),
                     "version": m.version})
    return pd.DataFrame(rows, columns=["id", *MILESTONE_COLUMNS, "version"]).set_index("id")


def progress_frame(data: RoadmapData) -> pd.DataFrame:
    """The whole roadmap then each pillar: progress (%), Σ achieved and Σ total weights."""
    rows = []
    total = weighted_share((f.initiative.weight, f.share) for f in data.facts)
    rows.append({"level": "roadmap", "label": t("roadmap.whole_roadmap", year=data.year),
                 "progress": _percent(total), "achieved": total.achieved if total else None,
                 "total": total.total if total else None,
                 "measured": sum(1 for f in data.facts if f.share is not None),
                 "initiatives": len(data.facts)})
    for p in data.pillars:
        own = [f for f in data.facts if f.pillar.id == p.id]
        share = weighted_share((f.initiative.weight, f.share) for f in own)
        rows.append({"level": "pillar", "label": pillar_label(p), "progress": _percent(share),
                     "achieved": share.achieved if share else None,
                     "total": share.total if share else None,
                     "measured": sum(1 for f in own if f.share is not None),
                     "initiatives": len(own)})
    return pd.DataFrame(rows, columns=["level", "label", "progress", "achieved", "total",
                                       "measured", "initiatives"])


def _wrap(text: str, width: int = 24) -> str:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@dataclass
class Timeline:
    """What the Gantt chart draws: one bar per initiative, milestones, session dates."""

    bars: pd.DataFrame
    points: pd.DataFrame
    sessions: pd.DataFrame


def timeline_frames(session: Session, data: RoadmapData) -> Timeline:
    """Bars grouped by pillar (in order), milestone points, and the year's session dates."""
    bars, points = [], []
    for f in data.facts:
        pillar, name = _wrap(pillar_label(f.pillar)), _short(f.initiative.title)
        bars.append({"pillar": pillar, "initiative": name, "title": f.initiative.title,
                     "start": f.starts_on, "end": f.ends_on + timedelta(days=1),
                     "status": f.status, "status_label": status_label(f.status),
                     "owner": data.codes.get(f.initiative.owner_structure_id or -1, "—"),
                     "progress_text": format_percent(_percent(f.share), 0),
                     "next_text": next_text(f),
                     "period_text": t("roadmap.period_text", start=format_date(f.starts_on),
                                      end=format_date(f.ends_on))})
        for m in f.milestones:
            state = milestone_state(m, data.today)
            points.append({"pillar": pillar, "initiative": name, "due_date": m.due_date,
                           "state": state, "title": m.title,
                           "state_label": t(f"roadmap.milestone_state.{state}"),
                           "date_text": format_date(m.due_date)
                           + (f" ({t('roadmap.done_on_short', day=format_date(m.done_on))})"
                              if m.done_on else "")})
    sessions = [{"day": c.session_date, "label": conference_label(c),
                 "date_text": format_date(c.session_date)}
                for c in list_dated_conferences(session)
                if c.session_date is not None and c.session_date.year == data.year]
    return Timeline(
        pd.DataFrame(bars, columns=["pillar", "initiative", "title", "start", "end", "status",
                                    "status_label", "owner", "progress_text", "next_text",
                                    "period_text"]),
        pd.DataFrame(points, columns=["pillar", "initiative", "due_date", "state", "title",
                                      "state_label", "date_text"]),
        pd.DataFrame(sessions, columns=["day", "label", "date_text"]))


# --- the page's view ----------------------------------------------------------------------


@dataclass
class RoadmapView:
    """Everything the roadmap page shows for one year, as this actor may see and edit it."""

    year: int
    today: date
    is_admin: bool
    pillars: pd.DataFrame
    initiatives: pd.DataFrame
    milestones: pd.DataFrame
    editable_milestones: pd.DataFrame | None
    progress: pd.DataFrame
    timeline: Timeline
    pillar_labels: list[str]
    initiative_titles: list[str]
    owner_codes: list[str]
    kpi_codes: list[str]

    @property
    def empty(self) -> bool:
        return self.pillars.empty

    @property
    def revision(self) -> int:
        """Changes whenever a row shown was saved by anyone (part of the editors' keys)."""
        frames = (self.pillars, self.initiatives, self.milestones)
        return sum(int(f["version"].sum()) * 7 + len(f) for f in frames)


def year_choices(session: Session, today: date) -> list[int]:
    """Years that have a roadmap, plus this year and next."""
    return sorted({*roadmap_years(session), today.year, today.year + 1})


def roadmap_view(session: Session, actor: Actor, year: int, today: date) -> RoadmapView:
    """The year's roadmap for the page: every signed-in role reads it; the secretariat edits
    everything; a DSI gets the milestones of its own structure's initiatives to update."""
    data = load_roadmap(session, year, today)
    editable: pd.DataFrame | None = None
    if actor.role == Role.admin:
        editable = milestones_frame(data)
    elif actor.role == Role.dsi and actor.structure_id is not None:
        editable = milestones_frame(data, owner_id=actor.structure_id)
    return RoadmapView(
        year=year, today=today, is_admin=actor.role == Role.admin,
        pillars=pillars_frame(data), initiatives=initiatives_frame(data),
        milestones=milestones_frame(data), editable_milestones=editable,
        progress=progress_frame(data), timeline=timeline_frames(session, data),
        pillar_labels=[pillar_label(p) for p in data.pillars],
        initiative_titles=[f.initiative.title for f in data.facts],
        owner_codes=sorted(data.codes.values()),
        kpi_codes=[k.code for k in data.kpi_by_id.values() if k.active])


def _spec(kind: str, column: str, editable: Iterable[str], options: Sequence[str] = (),
          required: bool = False) -> ColumnSpec:
    return ColumnSpec(kind, t(f"roadmap.col_{column}"), tuple(options),
                      disabled=column not in set(editable), required=required,
                      help=t(f"roadmap.help_{column}") if column in _HELPED else "")


_HELPED = ("progress", "weight", "status", "status_override", "override_reason", "done_on",
           "kpis", "targets")


def pillar_specs(actor: Actor) -> dict[str, ColumnSpec]:
    editable = PILLAR_FIELDS if actor.role == Role.admin else ()
    return {"position": _spec("number", "position", editable, required=True),
            "title_fr": _spec("text", "title_fr", editable, required=True),
            "title_en": _spec("text", "title_en", editable),
            "initiatives": _spec("number", "initiatives", ()),
            "progress": _spec("number", "progress", ())}


def initiative_specs(actor: Actor, view: RoadmapView) -> dict[str, ColumnSpec]:
    """Column editors; the page swaps in multiselect and progress columns where named."""
    editable = INITIATIVE_FIELDS if actor.role == Role.admin else ()
    kinds = {"start_quarter": "number", "end_quarter": "number", "weight": "number",
             "progress": "number", "status_override": "checkbox"}
    options = {"pillar": view.pillar_labels, "owner": view.owner_codes,
               "override_status": [status_label(s) for s in STATUSES]}
    return {c: _spec("select" if c in options else kinds.get(c, "text"), c, editable,
                     options.get(c, ()), required=c in ("pillar", "title", "owner"))
            for c in INITIATIVE_COLUMNS}


def milestone_specs(actor: Actor, view: RoadmapView) -> dict[str, ColumnSpec]:
    editable = {Role.admin: MILESTONE_FIELDS, Role.dsi: DSI_MILESTONE_FIELDS}.get(actor.role, ())
    kinds = {"due_date": "date", "done_on": "date", "weight": "number"}
    return {c: _spec("select" if c == "initiative" else kinds.get(c, "text"), c, editable,
                     view.initiative_titles if c == "initiative" else (),
                     required=c in ("initiative", "title", "due_date"))
            for c in MILESTONE_COLUMNS}


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
    require_role(actor, Role.admin)
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
    require_role(actor, Role.admin)
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
    require_role(actor, Role.admin)
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
        _replace_links(session, row.id or 0, plan.partners, plan.kpis)
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
        _replace_links(session, row.id or 0, plan.partners, plan.kpis)
    audit.stamp(row, actor)  # also when only links changed: the version moves, stale saves fail
    session.add(row)
    audit.record(session, actor, "update", row, label=row.title, changes=diff)


def _replace_links(session: Session, initiative_id: int, partners: Sequence[int],
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


def _milestone_label(initiative: Initiative, milestone: Milestone) -> str:
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
    require_role(actor, Role.admin, Role.dsi)
    is_admin = actor.role == Role.admin
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
            if not is_admin:
                require_own_structure(actor, initiative.owner_structure_id)
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
            audit.record(session, actor, "create", row, label=_milestone_label(initiative, row),
                         changes={k: (None, v) for k, v in values.items() if v is not None})
        else:
            touched.add(row.initiative_id)
            diff = audit.apply_changes(row, values)
            if not diff:
                continue
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "update", row, label=_milestone_label(initiative, row),
                         changes=diff)
        touched.add(values["initiative_id"])
        written += 1
    for row in doomed:
        audit.ensure_fresh(session, row, versions.get(row.id or 0))
        audit.record(session, actor, "delete", row, label=_milestone_label(owners[row.id], row),
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
                     "status": status_label(f.status), "progress": _percent(f.share),
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
    require_role(actor, Role.admin)
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
            audit.record(session, actor, "create", pillar, label=f"{target} · {pillar.title_fr}")
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
        _replace_links(session, copy.id or 0, data.partners.get(source.id or 0, []),
                       data.kpis.get(source.id or 0, []))
        audit.record(session, actor, "create", copy, label=copy.title,
                     changes={"copied_from_id": (None, source.id)})
        initiatives += 1
        for m, due in shifted:
            row = Milestone(initiative_id=copy.id or 0, title=m.title, due_date=due,
                            weight=m.weight)
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "create", row, label=_milestone_label(copy, row),
                         changes={"due_date": (m.due_date, due)})
            milestones += 1
    return CopyResult(initiatives, milestones, created_pillars)


# --- session review -----------------------------------------------------------------------

REVIEW_KINDS = ("new", "completed", "slipped", "status", "overdue", "reopened", "edited",
                "deleted")
REVIEW_COLUMNS = ["when", "kind", "object_type", "object", "detail", "who"]


@dataclass
class Review:
    """What changed in the roadmap between the previous session and this one."""

    conference: str
    previous: str | None
    since: date | None
    last_day: date
    frame: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def review_choices(session: Session) -> dict[int, str]:
    """Dated sessions, newest first: id → label."""
    return {c.id: f"{conference_label(c)} · {format_date(c.session_date)}"
            for c in reversed(list_dated_conferences(session)) if c.id is not None}


def default_review(session: Session, today: date) -> int | None:
    """The next session to hold (the first dated today or later), else the latest one."""
    dated = list_dated_conferences(session)
    upcoming = [c for c in dated if c.session_date and c.session_date >= today]
    chosen = upcoming[0] if upcoming else (dated[-1] if dated else None)
    return chosen.id if chosen else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _value_text(field_name: str, value: str | None) -> str:
    if value is None or value == "":
        return "—"
    if field_name in ("due_date", "done_on"):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field_name == "status":
        return status_label(value)
    if field_name == "status_override":
        return t("common.yes") if value == "true" else t("common.no")
    return value


def _classify(event: AuditEvent) -> tuple[str, str]:
    """(kind, detail) of one audit event."""
    name, old, new = event.field, event.old_value, event.new_value
    if event.action == "create":
        return "new", ""
    if event.action == "delete":
        return "deleted", ""
    if event.object_type == "Milestone" and name == "done_on":
        if new:
            return "completed", t("roadmap.review_done_on", day=_value_text(name, new))
        return "reopened", ""
    if event.object_type == "Milestone" and name == "due_date" and old and new and new > old:
        days = (date.fromisoformat(new) - date.fromisoformat(old)).days
        return "slipped", t("roadmap.review_slipped", old=_value_text(name, old),
                            new=_value_text(name, new), days=format_number(days, 0))
    label = t(f"roadmap.field.{name}") if has_key(f"roadmap.field.{name}") else name
    detail = f"{label} : {_value_text(name, old)} → {_value_text(name, new)}" if name else ""
    if event.object_type == "Initiative" and name in ("status", "status_override",
                                                      "override_reason"):
        return ("completed" if name == "status" and new == "done" else "status"), detail
    return "edited", detail


def session_review(session: Session, actor: Actor, conference_id: int, today: date) -> Review:
    """Roadmap changes since the previous session, from the audit log: new pillars, initiatives
    and milestones, milestones done, slipped (due date moved later), status changes; plus the
    milestones that fell due in that time and are still not done. Who made each change is
    shown to the secretariat and the direction only."""
    show_who = actor.role in (Role.admin, Role.leadership)
    dated = list(list_dated_conferences(session))
    chosen = next((c for c in dated if c.id == conference_id), None)
    if chosen is None or chosen.session_date is None:
        raise NotFound(t("common.not_found"))
    earlier = [c for c in dated if c.session_date and c.session_date < chosen.session_date]
    previous = earlier[-1] if earlier else None
    since = previous.session_date if previous else None
    until = min(chosen.session_date, today + timedelta(days=1))
    events = list_roadmap_events(session, _midnight(since) if since else None,
                                 min(_midnight(until), utcnow() + timedelta(seconds=1)))
    rows, created = [], set()
    for event in events:
        kind, detail = _classify(event)
        if kind == "new":
            if (event.object_type, event.object_id) in created:
                continue  # a creation is one line, whatever the number of fields it set
            created.add((event.object_type, event.object_id))
        rows.append({"when": event.at.astimezone(LOCAL_TZ).replace(tzinfo=None),
                     "group": f"{event.object_type}:{event.object_id}:{event.at.isoformat()}",
                     "kind": kind, "object_type": t(f"roadmap.object.{event.object_type}"),
                     "object": event.object_label, "detail": detail,
                     "who": event.user_login if show_who else ""})
    rows += _fell_due(session, since, until)
    frame = pd.DataFrame(rows, columns=[*REVIEW_COLUMNS, "group"])
    # One save that overrides a status writes several fields: it is one change, counted once.
    counts = {k: int(frame.loc[frame["kind"] == k, "group"].nunique()) for k in REVIEW_KINDS}
    frame = frame.drop(columns="group")
    frame["kind"] = frame["kind"].map(lambda k: t(f"roadmap.review_kind.{k}"))
    frame = frame.sort_values("when", kind="stable").reset_index(drop=True)
    return Review(conference_label(chosen), conference_label(previous) if previous else None,
                  since, until - timedelta(days=1), frame, counts)


def _fell_due(session: Session, since: date | None, until: date) -> list[dict[str, Any]]:
    query = select(Milestone, Initiative).join(
        Initiative, col(Initiative.id) == col(Milestone.initiative_id)).where(
        col(Milestone.done_on).is_(None), col(Milestone.due_date) < until)
    if since is not None:
        query = query.where(col(Milestone.due_date) >= since)
    return [{"when": datetime.combine(m.due_date, time.min), "kind": "overdue",
             "group": f"due:{m.id}",
             "object_type": t("roadmap.object.Milestone"), "object": _milestone_label(i, m),
             "detail": t("roadmap.review_overdue", day=format_date(m.due_date)), "who": "—"}
            for m, i in session.exec(query).all()]


def review_display(review: Review) -> pd.DataFrame:
    return review.frame.rename(columns={c: t(f"roadmap.review_col_{c}") for c in REVIEW_COLUMNS})


# --- exports ------------------------------------------------------------------------------


def display_frame(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A table as read and exported: lists joined, translated headers, internal columns out."""
    out = frame[list(columns)].copy()
    for name in ("partners", "kpis"):
        if name in out:
            out[name] = out[name].map(lambda v: ", ".join(v) if isinstance(v, list) else v)
    return out.rename(columns={c: t(f"roadmap.col_{c}") for c in columns})


def export_sheets(view: RoadmapView) -> dict[str, pd.DataFrame]:
    return {t("roadmap.sheet_pillars"): display_frame(view.pillars, PILLAR_COLUMNS),
            t("roadmap.sheet_initiatives"): display_frame(view.initiatives, INITIATIVE_COLUMNS),
            t("roadmap.sheet_milestones"): display_frame(view.milestones, MILESTONE_COLUMNS)}


def roadmap_xlsx(view: RoadmapView) -> bytes:
    """The roadmap as a workbook: pillars, initiatives and milestones sheets, dated."""
    header = [t("roadmap.export_header", year=view.year),
              t("common.data_as_of", when=format_date(view.today))]
    return exports.xlsx_bytes(export_sheets(view), header_lines=header)


def figure_png(figure: Any, *, width: int = 1400) -> bytes:
    """A chart as PNG (kaleido, with the system Chromium); a readable error when it cannot."""
    height = int(figure.layout.height or 600)
    try:
        return render.png(figure, width=width, height=height)
    except render.RenderUnavailable as exc:  # no browser, kaleido failed or did not answer
        raise TrackerError(t("roadmap.png_unavailable")) from exc
