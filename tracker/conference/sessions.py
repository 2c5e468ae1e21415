"""Conference sessions: numbering, agenda (opening with the follow-up of open items), attendance
and attendance rates; a closed session is read-only."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import case
from sqlmodel import Session, col, func, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.snapshots import take_snapshot
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import NotFound, TrackerError
from tracker.core.formats import format_date, format_number, ordinal_fr
from tracker.core.i18n import t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conference,
    ConferenceStatus,
    DueKind,
    Recommendation,
    utcnow,
)

HELD_STATUSES = (ConferenceStatus.held.value, ConferenceStatus.closed.value)
STATUSES = tuple(s.value for s in ConferenceStatus)
ATTENDANCE_STATUSES = tuple(s.value for s in AttendanceStatus)
LIST_COLUMNS = ["label", "number", "year", "rank_in_year", "session_date", "place", "theme",
                "chair", "status_label", "attendance_rate"]
AGENDA_COLUMNS = ["position", "title", "tags", "notes"]
ATTENDANCE_COLUMNS = ["code", "name", "status", "representative", "representative_role"]
ATTENDANCE_EDIT_COLUMNS = ["code", "status", "representative", "representative_role"]
# The follow-up item's title is stored in French: it is part of the PV, written in French.
FOLLOW_UP_KEY = "conferences.follow_up_title"


# --- labels -------------------------------------------------------------------------------


def conference_label(conference: Conference) -> str:
    """"18e conférence (2e session 2025)" in French, "Conference 18 (session 2 of 2025)"."""
    return t("conferences.label", n=conference.number, rank=conference.rank_in_year,
             year=conference.year, n_ord=ordinal_fr(conference.number, feminine=True),
             rank_ord=ordinal_fr(conference.rank_in_year, feminine=True))


def status_label(status: str) -> str:
    return t(f"conferences.status.{status}")


def attendance_label(status: str) -> str:
    return t(f"conferences.attendance_status.{status}") if status else ""


# --- queries ------------------------------------------------------------------------------


def list_conferences(session: Session) -> Sequence[Conference]:
    return session.exec(select(Conference).order_by(col(Conference.number).desc())).all()


def get_conference(session: Session, conference_id: int) -> Conference:
    conference = session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(t("common.not_found"))
    return conference


def held_numbers(session: Session) -> list[int]:
    """Cumulative numbers of the sessions held (or closed), ascending."""
    return sorted(session.exec(select(Conference.number).where(
        col(Conference.status).in_(HELD_STATUSES))).all())


def sessions_since(numbers: list[int], source_number: int) -> int:
    """How many of ``numbers`` (held sessions, ascending) came after the source session."""
    return len(numbers) - bisect_right(numbers, source_number)


def conference_options(session: Session) -> dict[int, str]:
    """Sessions for a picker, newest first: id → label."""
    return {c.id: conference_label(c) for c in list_conferences(session) if c.id is not None}


def ensure_open(conference: Conference) -> None:
    """A closed session is read-only: amendments go through the next session."""
    if conference.status == ConferenceStatus.closed:
        raise TrackerError(t("conferences.closed_read_only", label=conference_label(conference)))


# --- list, create, edit -------------------------------------------------------------------


def _rates_by_conference(session: Session) -> dict[int, tuple[int, int]]:
    """Per session: (present, recorded), counted by the database (a decade holds some 12,000
    attendance rows, read on every run of « Conférences »)."""
    present = func.sum(case((col(Attendance.status) == AttendanceStatus.present, 1), else_=0))
    rows = session.exec(select(  # type: ignore[call-overload]
        Attendance.conference_id, present, func.count()).group_by(
        col(Attendance.conference_id))).all()
    return {int(conference_id): (int(n_present or 0), int(n)) for conference_id, n_present, n
            in rows}


def conferences_frame(session: Session) -> pd.DataFrame:
    """The sessions, newest first, with their attendance rate (present / recorded, in %)."""
    rates = _rates_by_conference(session)
    rows = []
    for c in list_conferences(session):
        present, total = rates.get(c.id or -1, (0, 0))
        rows.append({"id": c.id, "label": conference_label(c), "number": c.number,
                     "year": c.year, "rank_in_year": c.rank_in_year,
                     "session_date": c.session_date, "place": c.place, "theme": c.theme,
                     "chair": c.chair, "rapporteur": c.rapporteur, "status": c.status,
                     "status_label": status_label(c.status),
                     "attendance_rate": round(100 * present / total, 1) if total else None,
                     "closed_at": c.closed_at, "version": c.version})
    columns = ["id", *LIST_COLUMNS, "rapporteur", "status", "closed_at", "version"]
    return pd.DataFrame(rows, columns=columns).set_index("id")


DETAIL_FIELDS = ("session_date", "place", "theme", "chair", "rapporteur", "status_label",
                 "attendance_rate")


def details_lines(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A session's details as a reader sees them (label, text), in the user's language: the
    date written out, the attendance rate with its unit, « — » where nothing was recorded."""
    lines = []
    for field in DETAIL_FIELDS:
        value = row.get(field)
        if field == "session_date":
            text = format_date(value, "long") if value else "—"
        elif field == "attendance_rate":
            text = f"{format_number(value, 1)} %" if value is not None and value == value \
                else "—"
        else:
            text = str(value) if value else "—"
        lines.append((t(f"conferences.col_{field}"), text))
    return lines


@dataclass
class ConferenceInput:
    """What the secretariat types for a session."""

    number: int
    year: int
    rank_in_year: int
    session_date: date | None = None
    place: str = ""
    theme: str = ""
    chair: str = ""
    rapporteur: str = ""


def next_numbers(session: Session, year: int) -> tuple[int, int]:
    """The cumulative number and the rank in ``year`` a new session would take."""
    last = session.exec(select(func.max(Conference.number))).one()
    last_rank = session.exec(select(func.max(Conference.rank_in_year)).where(
        Conference.year == year)).one()
    return int(last or 0) + 1, int(last_rank or 0) + 1


# The session's numbers as entered: (field, minimum, maximum); ConferenceInput's order.
NUMBER_FIELDS = (("number", 1, None), ("year", 2000, 2100), ("rank_in_year", 1, None))


def new_session_defaults(session: Session, year: int) -> dict[str, int]:
    """What the creation form proposes: the next cumulative number and rank in ``year``."""
    number, rank = next_numbers(session, year)
    return {"number": number, "year": year, "rank_in_year": rank}


def _validate(session: Session, data: ConferenceInput, conference_id: int | None) -> None:
    if data.number < 1 or data.rank_in_year < 1 or not 2000 <= data.year <= 2100:
        raise TrackerError(t("conferences.invalid_numbers"))
    if data.session_date is not None and data.session_date.year != data.year:
        raise TrackerError(t("conferences.date_year_mismatch"))
    clash = session.exec(select(Conference).where(Conference.number == data.number)).first()
    if clash is not None and clash.id != conference_id:
        raise TrackerError(t("conferences.number_taken", n=data.number))
    clash = session.exec(select(Conference).where(Conference.year == data.year,
                                                  Conference.rank_in_year == data.rank_in_year)
                         ).first()
    if clash is not None and clash.id != conference_id:
        raise TrackerError(t("conferences.rank_taken", rank=data.rank_in_year, year=data.year))
    for field in ("place", "theme", "chair", "rapporteur"):
        if len(getattr(data, field)) > 300:
            raise TrackerError(t("conferences.too_long", field=t(f"conferences.col_{field}")))


def _values(data: ConferenceInput) -> dict[str, object]:
    return {"number": data.number, "year": data.year, "rank_in_year": data.rank_in_year,
            "session_date": data.session_date, "place": data.place.strip(),
            "theme": data.theme.strip(), "chair": data.chair.strip(),
            "rapporteur": data.rapporteur.strip()}


def open_items_before(session: Session, number: int) -> list[str]:
    """Lines listing the recommendations and actions of earlier sessions still open, each
    with its owner, due date and age in sessions (counted up to and including session
    ``number``)."""
    earlier = {c.id: c for c in session.exec(select(Conference).where(
        Conference.number < number)).all()}
    if not earlier:
        return []
    numbers = sorted(c.number for c in earlier.values())
    codes = repo.structure_codes_by_id(session)
    closed = [s.value for s in CLOSED_ACTION_STATUSES]
    lines: list[str] = []
    items: list[tuple[int | None, str, str, int | None, date | None, str, str]] = []
    for reco in session.exec(select(Recommendation).where(
            col(Recommendation.conference_id).in_(list(earlier)),
            col(Recommendation.status).not_in(closed))).all():
        items.append((reco.conference_id, reco.number or "R", reco.text,
                      reco.owner_structure_id, reco.due_date, reco.due_kind, reco.group_ref))
    for action in session.exec(select(ActionItem).where(
            col(ActionItem.conference_id).in_(list(earlier)),
            col(ActionItem.status).not_in(closed))).all():
        items.append((action.conference_id, action.number or "A", action.title,
                      action.owner_structure_id, action.due_date, action.due_kind,
                      action.group_ref))
    # Oldest session first; within one, recommendations before actions (a stable sort).
    items.sort(key=lambda i: earlier[i[0]].number if i[0] in earlier else 0)
    # "All ministries" items are one line, naming how many ministries have not finished.
    open_in_group: dict[str, int] = {}
    for item in items:
        if item[6]:
            open_in_group[item[6]] = open_in_group.get(item[6], 0) + 1
    shown: set[str] = set()
    for conference_id, ref, text, owner_id, due, kind, group in items:
        source = earlier.get(conference_id)
        if source is None or (group and group in shown):
            continue
        age = sessions_since(numbers, source.number) + 1
        owner = codes.get(owner_id or -1, "—")
        if group:
            shown.add(group)
            owner = t("conferences.all_ministries_open", lang="fr", n=open_in_group[group])
        due_text = format_date(due) if due else t(f"actions.due_kind.{kind}", lang="fr")
        lines.append(t("conferences.follow_up_line", lang="fr", ref=ref, text=text, owner=owner,
                       due=due_text, source=ordinal_fr(source.number, feminine=True), age=age))
    return lines


def create_conference(session: Session, actor: Actor, data: ConferenceInput) -> Conference:
    """Create a planned session; its agenda opens with the follow-up of open items."""
    require(actor, Action.edit_conferences)
    _validate(session, data, None)
    conference = Conference(**_values(data), status=ConferenceStatus.planned)  # type: ignore[arg-type]
    audit.stamp(conference, actor)
    session.add(conference)
    audit.created(session, actor, conference, label=conference_label(conference),
                  entered=_values(data))
    assert conference.id is not None
    lines = open_items_before(session, conference.number)
    notes = "\n".join(lines) if lines else t("conferences.follow_up_none", lang="fr")
    item = AgendaItem(conference_id=conference.id, position=1,
                      title=t(FOLLOW_UP_KEY, lang="fr"), tags="governance", notes=notes)
    audit.stamp(item, actor)
    session.add(item)
    audit.created(session, actor, item, label=item.title,
                  entered={"position": item.position, "title": item.title, "tags": item.tags,
                           "notes": item.notes})
    if conference.session_date is not None:
        resolve_next_session_dues(session, actor, conference)
    return conference


def update_conference(session: Session, actor: Actor, conference_id: int, seen_version: int,
                      data: ConferenceInput) -> Conference:
    """Change a session's numbers, date, place, theme, chair or rapporteur (not once closed)."""
    require(actor, Action.edit_conferences)
    conference = get_conference(session, conference_id)
    ensure_open(conference)
    audit.ensure_fresh(session, conference, seen_version)
    _validate(session, data, conference_id)
    changes = audit.apply_changes(conference, _values(data))
    if changes:
        audit.stamp(conference, actor)
        session.add(conference)
        audit.record(session, actor, "update", conference, label=conference_label(conference),
                     changes=changes)
        if "session_date" in changes and conference.session_date is not None:
            resolve_next_session_dues(session, actor, conference)
    return conference


def set_status(session: Session, actor: Actor, conference_id: int, seen_version: int,
               status: str) -> Conference:
    """planned → held → closed; closing is final, makes the session read-only and freezes the
    roadmap's milestones as a snapshot (tracker/conference/snapshots.py)."""
    require(actor, Action.edit_conferences)
    conference = get_conference(session, conference_id)
    ensure_open(conference)
    audit.ensure_fresh(session, conference, seen_version)
    if status not in STATUSES:
        raise TrackerError(t("conferences.invalid_status"))
    if status == conference.status:
        return conference
    if status != ConferenceStatus.planned and conference.session_date is None:
        raise TrackerError(t("conferences.needs_date"))
    updates: dict[str, object] = {"status": status}
    if status == ConferenceStatus.closed:
        updates["closed_at"] = utcnow()
    changes = audit.apply_changes(conference, updates)
    audit.stamp(conference, actor)
    session.add(conference)
    audit.record(session, actor, "close" if status == ConferenceStatus.closed else "update",
                 conference, label=conference_label(conference), changes=changes)
    if status == ConferenceStatus.closed:
        # the roadmap as this session leaves it
        take_snapshot(session, actor, conference, label=conference_label(conference))
    return conference


def resolve_next_session_dues(session: Session, actor: Actor | None,
                              conference: Conference) -> int:
    """Items due "before the next session" from earlier sessions get this session's date; the
    secretariat's decision (the command line acts as the secretariat)."""
    require(actor, Action.edit_conferences)
    if conference.session_date is None:
        return 0
    day = conference.session_date
    before = session.exec(select(Conference).where(col(Conference.session_date) < day)).all()
    # Only the sessions whose next session is this one: none other is dated between them.
    earlier = [c.id for c in before if c.session_date is not None and not any(
        other.session_date is not None and c.session_date < other.session_date < day
        for other in before)]
    if not earlier:
        return 0
    resolved = 0
    for model in (ActionItem, Recommendation):
        rows = session.exec(select(model).where(
            col(model.conference_id).in_(earlier),
            model.due_kind == DueKind.next_session)).all()
        for row in rows:
            changes = audit.apply_changes(row, {"due_date": conference.session_date,
                                                "due_kind": DueKind.date.value})
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "update", row, label=conference_label(conference),
                         changes=changes)
            resolved += 1
    return resolved


def group_reference(conference_number: int, item_number: str) -> str:
    """The reference an item owned by « Tous les ministères » shares across its copies (one per
    ministry in force): the session's cumulative number and the item's, as ``S18-A3``."""
    return f"S{conference_number}-{item_number}"[:40]
