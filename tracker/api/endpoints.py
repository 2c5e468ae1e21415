"""What each endpoint of the API answers, read through the services the pages use, with the
permissions of the screens; and the route table (path, filters, fields) that the routes and
the OpenAPI description are both built from."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, own_structure, reads_drafts_anywhere
from tracker.conference.actions import ACTION, Filters, followup_frame
from tracker.core import repository as repo
from tracker.core.errors import PermissionDenied
from tracker.core.i18n import t
from tracker.core.models import (
    Kpi,
    Result,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
)
from tracker.results.entry import rule_of
from tracker.results.kpis import display_value
from tracker.results.submissions import state_of
from tracker.roadmap.rules import weighted_share
from tracker.roadmap.views import load_roadmap, milestone_state, percent

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Query:
    """A call's parameters, checked: codes resolved to ids, pages counted from 1."""

    year: int | None = None
    quarter: int | None = None
    structure_id: int | None = None
    kpi_id: int | None = None
    include_drafts: bool = False
    status: str | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Rows:
    """One page of an endpoint's items, and how many there are in all."""

    items: list[dict[str, Any]]
    total: int


def page_of(items: Sequence[dict[str, Any]], query: Query) -> Rows:
    return Rows(list(items[query.offset:query.offset + query.per_page]), len(items))


def _iso(value: object) -> Any:
    """A value as JSON holds it: dates in ISO 8601, NaN and NA as null, numpy as Python."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()  # type: ignore[attr-defined]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _forbidden() -> PermissionDenied:
    return PermissionDenied(t("common.permission"))


# --- the endpoints ------------------------------------------------------------------------


def structures(session: Session, actor: Actor, query: Query, today: date) -> Rows:
    del actor, today  # every role reads the reference data
    found = repo.list_structures(session)
    codes = {s.id: s.code for s in found}
    return page_of([{"code": s.code, "name_fr": s.name_fr, "name_en": s.name_en, "kind": s.kind,
                     "valid_from": _iso(s.valid_from), "valid_to": _iso(s.valid_to),
                     "successor": codes.get(s.successor_id) if s.successor_id else None}
                    for s in found if query.structure_id in (None, s.id)], query)


def kpis(session: Session, actor: Actor, query: Query, today: date) -> Rows:
    del actor, today
    return page_of([{"code": k.code, "group": k.group, "label_fr": k.label_fr,
                     "label_en": k.label_en, "unit": k.unit, "direction": k.direction,
                     "aggregation_quarters": k.agg_quarters,
                     "aggregation_structures": k.agg_structures, "ratio": k.ratio,
                     "indicative_target": k.indicative_target or None,
                     "platform": k.platform or None, "active": k.active}
                    for k in repo.list_kpis(session) if query.kpi_id in (None, k.id)], query)


def targets(session: Session, actor: Actor, query: Query, today: date) -> Rows:
    del actor, today  # targets are shown to every role beside the validated results
    statement = select(Target)
    if query.year is not None:
        statement = statement.where(Target.year == query.year)
    if query.quarter is not None:
        statement = statement.where(Target.quarter == query.quarter)
    if query.structure_id is not None:
        statement = statement.where(Target.structure_id == query.structure_id)
    if query.kpi_id is not None:
        statement = statement.where(Target.kpi_id == query.kpi_id)
    rows = session.exec(statement.order_by(col(Target.year), col(Target.kpi_id),
                                           col(Target.structure_id), col(Target.quarter))).all()
    codes = repo.structure_codes_by_id(session)
    kpi_by_id = {k.id: k for k in repo.list_kpis(session)}
    return page_of([{"kpi": kpi_by_id[r.kpi_id].code, "unit": kpi_by_id[r.kpi_id].unit,
                     "year": r.year, "quarter": r.quarter or None,
                     "structure": codes.get(r.structure_id) if r.structure_id else None,
                     "value": r.value} for r in rows], query)


def _results_scope(actor: Actor, query: Query) -> tuple[bool, int | None]:
    """Which drafts a call reads: (every structure's, or only this structure's). Validated
    results only by default; ``include_drafts`` as the screens allow it (the secretariat every
    structure's, a DSI their own structure's), refused to anyone else."""
    if not query.include_drafts:
        return False, None
    if reads_drafts_anywhere(actor):
        return True, None
    mine = own_structure(actor)
    if mine is None or not may(actor, Action.read_drafts, mine):
        raise _forbidden()
    if query.structure_id is not None and not may(actor, Action.read_drafts,
                                                  query.structure_id):
        raise PermissionDenied(t("api.drafts_other_structure"))
    return False, mine


def results(session: Session, actor: Actor, query: Query, today: date) -> Rows:
    del today
    every_draft, own_drafts = _results_scope(actor, query)
    conditions: list[Any] = []
    if not every_draft:
        visible = Result.status == SubmissionStatus.validated
        conditions.append(visible | (Result.structure_id == own_drafts)
                          if own_drafts is not None else visible)
    for column, value in ((Result.year, query.year), (Result.quarter, query.quarter),
                          (Result.structure_id, query.structure_id),
                          (Result.kpi_id, query.kpi_id)):
        if value is not None:
            conditions.append(column == value)
    total = session.exec(select(func.count()).select_from(Result).where(*conditions)).one()
    rows = session.exec(select(Result).where(*conditions).order_by(
        col(Result.year), col(Result.quarter), col(Result.structure_id), col(Result.kpi_id))
        .offset(query.offset).limit(query.per_page)).all()
    codes = repo.structure_codes_by_id(session)
    kpi_by_id: dict[int | None, Kpi] = {k.id: k for k in repo.list_kpis(session)}
    items = []
    for r in rows:
        kpi = kpi_by_id[r.kpi_id]
        items.append({"structure": codes.get(r.structure_id), "kpi": kpi.code,
                      "year": r.year, "quarter": r.quarter, "unit": kpi.unit,
                      "value": display_value(rule_of(kpi), r.value, r.numerator, r.denominator),
                      "numerator": r.numerator, "denominator": r.denominator,
                      "status": r.status, "comment": r.comment or None,
                      "evidence_url": r.evidence_url or None,
                      "updated_at": _iso(r.updated_at)})
    return Rows(items, int(total))


def submissions(session: Session, actor: Actor, query: Query, today: date) -> Rows:
    """Every structure's declarations for those who follow them (secretariat, leadership); a
    DSI their own structure's; nobody else."""
    structure_id = query.structure_id
    if not may(actor, Action.see_submissions):
        mine = own_structure(actor)
        if mine is None or not may(actor, Action.read_submission_history, mine):
            raise _forbidden()
        if structure_id is not None and structure_id != mine:
            raise PermissionDenied(t("api.other_structure"))
        structure_id = mine
    statement = select(Submission)
    for column, value in ((Submission.year, query.year), (Submission.quarter, query.quarter),
                          (Submission.structure_id, structure_id)):
        if value is not None:
            statement = statement.where(column == value)
    rows = session.exec(statement.order_by(col(Submission.year), col(Submission.quarter),
                                           col(Submission.structure_id))).all()
    windows = {(w.year, w.quarter): w for w in session.exec(select(SubmissionWindow))}
    codes = repo.structure_codes_by_id(session)
    return page_of([{"structure": codes.get(s.structure_id), "year": s.year,
                     "quarter": s.quarter, "status": s.status,
                     "state": state_of(s, windows.get((s.year, s.quarter)), today),
                     "reopened": s.reopened, "deadline": _iso(s.deadline),
                     "submitted_at": _iso(s.submitted_at), "reviewed_at": _iso(s.reviewed_at),
                     "review_comment": s.review_comment or None} for s in rows], query)


ACTION_FIELDS = ("number", "session", "title", "owner", "person", "due_date", "due_note",
                 "status", "priority", "topic", "initiative", "progress_comment", "blocker",
                 "escalated", "overdue", "open_sessions")


def actions(session: Session, actor: Actor, query: Query, today: date) -> Rows:
    """The follow-up of action items as « Actions » shows it (every role reads it)."""
    frame = followup_frame(session, actor, ACTION, Filters(
        structure_id=query.structure_id, status=query.status,
        overdue_only=bool(query.overdue)), today)
    if query.overdue is False:
        frame = frame[~frame["overdue"].astype(bool)]
    items = []
    for action_id, row in frame.iterrows():
        due = row["due_date"]
        if query.year is not None and (not isinstance(due, date) or due.year != query.year):
            continue
        if query.quarter is not None and (not isinstance(due, date)
                                          or (due.month - 1) // 3 + 1 != query.quarter):
            continue
        item: dict[str, Any] = {"id": int(action_id)}  # type: ignore[call-overload]
        item.update({name: _iso(row[name]) for name in ACTION_FIELDS})
        for name in ("number", "person", "topic", "initiative", "progress_comment", "blocker",
                     "due_note"):
            item[name] = item[name] or None
        items.append(item)
    return page_of(items, query)


def roadmap(session: Session, actor: Actor, query: Query, today: date) -> dict[str, Any]:
    """A year's roadmap (this year by default): pillars, initiatives, milestones, progress, as
    « Feuille de route » shows it to every role; with ``structure``, the initiatives that
    structure owns (progress over them)."""
    del actor
    data = load_roadmap(session, query.year or today.year, today)
    facts = [f for f in data.facts
             if query.structure_id in (None, f.initiative.owner_structure_id)]
    total = weighted_share((f.initiative.weight, f.share) for f in facts)
    pillars = []
    for p in data.pillars:
        own = [f for f in facts if f.pillar.id == p.id]
        initiatives = [{
            "id": f.initiative.id, "title": f.initiative.title,
            "owner": data.codes.get(f.initiative.owner_structure_id or -1),
            "partners": sorted(data.codes.get(s, "?")
                               for s in data.partners.get(f.initiative.id or 0, [])),
            "start_quarter": f.initiative.start_quarter, "end_quarter": f.initiative.end_quarter,
            "starts_on": f.starts_on.isoformat(), "ends_on": f.ends_on.isoformat(),
            "weight": float(f.initiative.weight), "status": f.status,
            "status_override": bool(f.initiative.status_override),
            "progress": percent(f.share),
            "kpis": [data.kpi_by_id[k].code for k in data.kpis.get(f.initiative.id or 0, [])
                     if k in data.kpi_by_id],
            "milestones": [{"title": m.title, "due_date": m.due_date.isoformat(),
                            "done_on": _iso(m.done_on), "weight": float(m.weight),
                            "state": milestone_state(m, today)} for m in f.milestones],
        } for f in own]
        share = weighted_share((f.initiative.weight, f.share) for f in own)
        pillars.append({"position": p.position, "title_fr": p.title_fr,
                        "title_en": p.title_en or None, "progress": percent(share),
                        "initiatives": initiatives})
    return {"year": data.year, "progress": percent(total), "pillars": pillars}


# --- the route table ----------------------------------------------------------------------

Fetch = Callable[[Session, Actor, Query, date], Any]
# Field types for the description: a JSON type, « ? » when it may be null; a list of one
# mapping is an array of objects, a mapping an object.
Shape = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """One GET route of the API: its path under /api/v1, what answers it, the filters it takes,
    the fields of each item, and whether it is paginated (else one document)."""

    name: str
    fetch: Fetch
    filters: tuple[str, ...]
    fields: Shape
    paginated: bool = True

    @property
    def path(self) -> str:
        return f"{PREFIX}/{self.name}"


PREFIX = "/api/v1"
OPENAPI_PATH = f"{PREFIX}/openapi.json"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("structures", structures, ("structure",), {
        "code": "string", "name_fr": "string", "name_en": "string", "kind": "string",
        "valid_from": "string?", "valid_to": "string?", "successor": "string?"}),
    Endpoint("kpis", kpis, ("kpi",), {
        "code": "string", "group": "string", "label_fr": "string", "label_en": "string",
        "unit": "string", "direction": "string", "aggregation_quarters": "string",
        "aggregation_structures": "string", "ratio": "boolean",
        "indicative_target": "string?", "platform": "string?", "active": "boolean"}),
    Endpoint("targets", targets, ("year", "quarter", "structure", "kpi"), {
        "kpi": "string", "unit": "string", "year": "integer", "quarter": "integer?",
        "structure": "string?", "value": "number"}),
    Endpoint("results", results, ("year", "quarter", "structure", "kpi", "include_drafts"), {
        "structure": "string", "kpi": "string", "year": "integer", "quarter": "integer",
        "unit": "string", "value": "number?", "numerator": "number?",
        "denominator": "number?", "status": "string", "comment": "string?",
        "evidence_url": "string?", "updated_at": "string"}),
    Endpoint("submissions", submissions, ("year", "quarter", "structure"), {
        "structure": "string", "year": "integer", "quarter": "integer", "status": "string",
        "state": "string", "reopened": "boolean", "deadline": "string?",
        "submitted_at": "string?", "reviewed_at": "string?", "review_comment": "string?"}),
    Endpoint("actions", actions, ("year", "quarter", "structure", "status", "overdue"), {
        "id": "integer", "number": "string?", "session": "string", "title": "string",
        "owner": "string?", "person": "string?", "due_date": "string?", "due_note": "string?",
        "status": "string", "priority": "string", "topic": "string?",
        "initiative": "string?", "progress_comment": "string?", "blocker": "string?",
        "escalated": "boolean", "overdue": "boolean", "open_sessions": "integer?"}),
    Endpoint("roadmap", roadmap, ("year", "structure"), {
        "year": "integer", "progress": "number?",
        "pillars": [{"position": "integer", "title_fr": "string", "title_en": "string?",
                     "progress": "number?", "initiatives": [{
                         "id": "integer", "title": "string", "owner": "string?",
                         "partners": ["string"], "start_quarter": "integer",
                         "end_quarter": "integer", "starts_on": "string",
                         "ends_on": "string", "weight": "number", "status": "string",
                         "status_override": "boolean", "progress": "number?",
                         "kpis": ["string"], "milestones": [{
                             "title": "string", "due_date": "string", "done_on": "string?",
                             "weight": "number", "state": "string"}]}]}]},
        paginated=False),
)
