"""One year's roadmap loaded once, and what the page shows and exports: frames of pillars,
initiatives and milestones, progress, the timeline, the page's view with its editable columns,
the workbook and the timeline as PNG."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, own_structure, writes_for_own_structure_only
from tracker.conference.sessions import conference_label
from tracker.core import repository as repo
from tracker.core.errors import TrackerError
from tracker.core.formats import format_date, format_percent, format_value
from tracker.core.i18n import colon, get_language, t
from tracker.core.models import (
    Conference,
    Initiative,
    Kpi,
    Milestone,
    Pillar,
)
from tracker.core.tables import ColumnSpec
from tracker.files import exports, render
from tracker.roadmap.queries import (
    ActionRef,
    list_dated_conferences,
    list_initiative_kpis,
    list_initiatives,
    list_linked_actions,
    list_milestones,
    list_partners,
    list_pillars,
    national_year_targets,
    roadmap_years,
)
from tracker.roadmap.rules import (
    DSI_MILESTONE_FIELDS,
    INITIATIVE_COLUMNS,
    INITIATIVE_FIELDS,
    MILESTONE_COLUMNS,
    MILESTONE_FIELDS,
    PILLAR_COLUMNS,
    PILLAR_FIELDS,
    STATUSES,
    Share,
    computed_status,
    effective_status,
    initiative_period,
    milestone_share,
    next_milestone,
    pillar_label,
    status_label,
    weighted_share,
)

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
    actions: dict[int, list[ActionRef]]
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
    actions: dict[int, list[ActionRef]] = {i: [] for i in ids}
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


def percent(share: Share | None) -> float | None:
    value = share.percent if share else None
    return None if value is None else round(value, 1)


def _action_ref(data: RoadmapData, action: ActionRef) -> str:
    number = data.conference_numbers.get(action.conference_id or -1)
    return t("roadmap.action_ref", number=action.number or f"#{action.id}",
             conference=number if number is not None else "—")


def _target_text(data: RoadmapData, kpi_id: int) -> str:
    kpi = data.kpi_by_id.get(kpi_id)
    if kpi is None:
        return ""
    name = (kpi.label_en or kpi.label_fr) if get_language() == "en" else kpi.label_fr
    return f"{name}{colon()}{format_value(data.targets.get(kpi_id), kpi.unit)}"


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
                     "progress": percent(share), "version": p.version})
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
            "progress": percent(f.share), "milestones_done": f"{done}/{len(f.milestones)}",
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
                 "progress": percent(total), "achieved": total.achieved if total else None,
                 "total": total.total if total else None,
                 "measured": sum(1 for f in data.facts if f.share is not None),
                 "initiatives": len(data.facts)})
    for p in data.pillars:
        own = [f for f in data.facts if f.pillar.id == p.id]
        share = weighted_share((f.initiative.weight, f.share) for f in own)
        rows.append({"level": "pillar", "label": pillar_label(p), "progress": percent(share),
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
                     "progress_text": format_percent(percent(f.share), 0),
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
    is_admin = may(actor, Action.edit_roadmap)
    own = own_structure(actor)
    if is_admin:
        editable = milestones_frame(data)
    elif own is not None:
        editable = milestones_frame(data, owner_id=own)
    return RoadmapView(
        year=year, today=today, is_admin=is_admin,
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
    editable = PILLAR_FIELDS if may(actor, Action.edit_roadmap) else ()
    return {"position": _spec("number", "position", editable, required=True),
            "title_fr": _spec("text", "title_fr", editable, required=True),
            "title_en": _spec("text", "title_en", editable),
            "initiatives": _spec("number", "initiatives", ()),
            "progress": _spec("number", "progress", ())}


def initiative_specs(actor: Actor, view: RoadmapView) -> dict[str, ColumnSpec]:
    """Column editors; the page swaps in multiselect and progress columns where named."""
    editable = INITIATIVE_FIELDS if may(actor, Action.edit_roadmap) else ()
    kinds = {"start_quarter": "number", "end_quarter": "number", "weight": "number",
             "progress": "number", "status_override": "checkbox"}
    options = {"pillar": view.pillar_labels, "owner": view.owner_codes,
               "override_status": [status_label(s) for s in STATUSES]}
    return {c: _spec("select" if c in options else kinds.get(c, "text"), c, editable,
                     options.get(c, ()), required=c in ("pillar", "title", "owner"))
            for c in INITIATIVE_COLUMNS}


def milestone_specs(actor: Actor, view: RoadmapView) -> dict[str, ColumnSpec]:
    editable = MILESTONE_FIELDS if may(actor, Action.edit_roadmap) else \
        DSI_MILESTONE_FIELDS if writes_for_own_structure_only(actor) else ()
    kinds = {"due_date": "date", "done_on": "date", "weight": "number"}
    return {c: _spec("select" if c == "initiative" else kinds.get(c, "text"), c, editable,
                     view.initiative_titles if c == "initiative" else (),
                     required=c in ("initiative", "title", "due_date"))
            for c in MILESTONE_COLUMNS}


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
