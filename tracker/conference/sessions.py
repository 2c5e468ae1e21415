"""Conference sessions: numbering, agenda (opening with the follow-up of open items), attendance
and attendance rates; a closed session is read-only."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, col, func, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import NotFound, RowError, TrackerError, ValidationFailed
from tracker.core.formats import format_date, ordinal_fr
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    TOPIC_TAGS,
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conference,
    ConferenceStatus,
    DueKind,
    Recommendation,
    Structure,
    utcnow,
)
from tracker.core.periods import quarter_end, quarter_of
from tracker.core.tables import ColumnSpec, RowChange

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
    rows = session.exec(select(Attendance.conference_id, Attendance.status)).all()
    counts: dict[int, tuple[int, int]] = {}
    for conference_id, status in rows:
        present, total = counts.get(conference_id, (0, 0))
        counts[conference_id] = (present + (status == AttendanceStatus.present), total + 1)
    return counts


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
    audit.record(session, actor, "create", conference, label=conference_label(conference),
                 changes={k: (None, v) for k, v in _values(data).items() if v not in (None, "")})
    assert conference.id is not None
    lines = open_items_before(session, conference.number)
    notes = "\n".join(lines) if lines else t("conferences.follow_up_none", lang="fr")
    item = AgendaItem(conference_id=conference.id, position=1,
                      title=t(FOLLOW_UP_KEY, lang="fr"), tags="governance", notes=notes)
    audit.stamp(item, actor)
    session.add(item)
    audit.record(session, actor, "create", item, label=item.title,
                 changes={"title": (None, item.title)})
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
    """planned → held → closed; closing is final and makes the session read-only."""
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


# --- agenda -------------------------------------------------------------------------------


def agenda_frame(session: Session, conference_id: int) -> pd.DataFrame:
    """The agenda in order, indexed by item id."""
    rows = [{"id": a.id, "position": a.position, "title": a.title, "tags": a.tags,
             "notes": a.notes, "version": a.version}
            for a in session.exec(select(AgendaItem).where(
                AgendaItem.conference_id == conference_id).order_by(
                col(AgendaItem.position), col(AgendaItem.id))).all()]
    return pd.DataFrame(rows, columns=["id", *AGENDA_COLUMNS, "version"]).set_index("id")


def agenda_specs() -> dict[str, ColumnSpec]:
    return {
        "position": ColumnSpec("number", t("conferences.col_position"), required=True),
        "title": ColumnSpec("text", t("conferences.col_title"), required=True),
        "tags": ColumnSpec("text", t("conferences.col_tags"),
                           help=t("conferences.tags_help", tags=", ".join(TOPIC_TAGS))),
        "notes": ColumnSpec("text", t("conferences.col_notes")),
    }


def parse_tags(text: object) -> tuple[str, list[str]]:
    """Comma-separated tags, normalised; returns (tags, unknown ones)."""
    raw = [part.strip().lower() for part in str(text or "").replace(";", ",").split(",")]
    tags = [tag for tag in raw if tag]
    unknown = [tag for tag in tags if tag not in TOPIC_TAGS]
    return ",".join(dict.fromkeys(tags)), unknown


def removed_ids(original: pd.DataFrame, edited: pd.DataFrame) -> list[int]:
    """Rows of the original table that the user deleted in the editor."""
    return [int(i) for i in original.index if i not in set(edited.index)]


def save_agenda(session: Session, actor: Actor, conference_id: int, changes: list[RowChange],
                versions: dict[int, int], removed: Sequence[int] = ()) -> int:
    """Add, edit and remove agenda items, all or nothing (not once the session is closed)."""
    require(actor, Action.edit_conferences)
    conference = get_conference(session, conference_id)
    ensure_open(conference)
    errors: list[RowError] = []
    clean: list[tuple[RowChange, dict[str, object]]] = []
    for change in changes:
        title = str(change.values.get("title") or "").strip()
        tags, unknown = parse_tags(change.values.get("tags"))
        position = change.values.get("position")
        if not title or len(title) > 500:
            errors.append(RowError(change.position, t("conferences.col_title"),
                                   t("conferences.title_required")))
        elif unknown:
            errors.append(RowError(change.position, t("conferences.col_tags"),
                                   t("conferences.unknown_tags", tags=", ".join(unknown),
                                     allowed=", ".join(TOPIC_TAGS))))
        elif position is None or int(float(str(position))) < 1:
            errors.append(RowError(change.position, t("conferences.col_position"),
                                   t("conferences.position_required")))
        else:
            clean.append((change, {"position": int(float(str(position))), "title": title,
                                   "tags": tags,
                                   "notes": str(change.values.get("notes") or "").strip()}))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    written = 0
    for item_id in removed:
        item = session.get(AgendaItem, item_id)
        if item is None or item.conference_id != conference_id:
            raise NotFound(t("common.not_found"))
        audit.ensure_fresh(session, item, versions.get(item_id))
        audit.record(session, actor, "delete", item, label=item.title)
        session.delete(item)
        written += 1
    for change, values in clean:
        if change.id is None:
            item = AgendaItem(conference_id=conference_id, **values)  # type: ignore[arg-type]
            audit.stamp(item, actor)
            session.add(item)
            audit.record(session, actor, "create", item, label=item.title,
                         changes={k: (None, v) for k, v in values.items() if v not in ("", None)})
            written += 1
            continue
        existing = session.get(AgendaItem, change.id)
        if existing is None or existing.conference_id != conference_id:
            raise NotFound(t("common.not_found"))
        written += audit.save_edit(session, actor, existing, versions.get(change.id), values,
                                   label=existing.title)
    return written


# --- attendance ---------------------------------------------------------------------------


def _expected_structures(session: Session, conference: Conference) -> list[Structure]:
    day = conference.session_date
    return [s for s in repo.list_structures(session) if day is None or s.in_force(day)]


def attendance_frame(session: Session, conference_id: int) -> pd.DataFrame:
    """One row per structure in force on the session date (indexed by structure id), with its
    attendance if recorded; structures recorded but no longer in force are kept."""
    conference = get_conference(session, conference_id)
    recorded = {a.structure_id: a for a in session.exec(select(Attendance).where(
        Attendance.conference_id == conference_id)).all()}
    structures: dict[int | None, Structure] = {
        s.id: s for s in _expected_structures(session, conference)}
    for recorded_id in recorded:
        if recorded_id not in structures:
            structure = session.get(Structure, recorded_id)
            if structure is not None:
                structures[recorded_id] = structure
    english = get_language() == "en"
    rows = []
    for structure_id, s in sorted(structures.items(), key=lambda item: item[1].code):
        a = recorded.get(structure_id or -1)
        rows.append({"id": structure_id, "code": s.code,
                     "name": (s.name_en or s.name_fr) if english else s.name_fr,
                     "status": a.status if a else None,
                     "representative": a.representative if a else "",
                     "representative_role": a.representative_role if a else "",
                     "version": a.version if a else 0})
    return pd.DataFrame(rows, columns=["id", *ATTENDANCE_COLUMNS, "version"]).set_index("id")


def attendance_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The attendance table for reading: statuses in words."""
    shown = frame.assign(status=frame["status"].map(lambda s: attendance_label(s or "")))
    return shown[ATTENDANCE_COLUMNS]


def attendance_specs() -> dict[str, ColumnSpec]:
    return {
        "code": ColumnSpec("text", t("conferences.col_structure"), disabled=True),
        "name": ColumnSpec("text", t("conferences.col_structure_name"), disabled=True),
        "status": ColumnSpec("select", t("conferences.col_attendance"), ATTENDANCE_STATUSES,
                             labels=attendance_label),
        "representative": ColumnSpec("text", t("conferences.col_representative")),
        "representative_role": ColumnSpec("text", t("conferences.col_representative_role")),
    }


def save_attendance(session: Session, actor: Actor, conference_id: int,
                    changes: list[RowChange], versions: dict[int, int]) -> int:
    """Record present / excused / absent per structure (rows indexed by structure id); an
    emptied status removes the record. All or nothing; not once the session is closed."""
    require(actor, Action.edit_conferences)
    conference = get_conference(session, conference_id)
    ensure_open(conference)
    errors: list[RowError] = []
    for change in changes:
        status = change.values.get("status")
        if change.id is None or session.get(Structure, change.id) is None:
            errors.append(RowError(change.position, t("conferences.col_structure"),
                                   t("conferences.unknown_structure")))
        elif status not in (None, "", *ATTENDANCE_STATUSES):
            errors.append(RowError(change.position, t("conferences.col_attendance"),
                                   t("conferences.invalid_attendance")))
        elif not status and (change.values.get("representative") or ""):
            errors.append(RowError(change.position, t("conferences.col_attendance"),
                                   t("conferences.attendance_required")))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    written = 0
    for change in changes:
        assert change.id is not None
        row = session.exec(select(Attendance).where(
            Attendance.conference_id == conference_id,
            Attendance.structure_id == change.id)).first()
        seen = versions.get(change.id)
        if row is not None:
            audit.ensure_fresh(session, row, seen or None)
        elif seen:
            # The user saw a record that someone else removed since.
            raise TrackerError(t("conferences.attendance_changed"))
        values = {"status": change.values.get("status") or None,
                  "representative": str(change.values.get("representative") or "").strip()[:200],
                  "representative_role": str(change.values.get("representative_role") or ""
                                             ).strip()[:200]}
        code = str(change.values.get("code") or change.id)
        if values["status"] is None:
            if row is not None:
                audit.record(session, actor, "delete", row, label=code)
                session.delete(row)
                written += 1
            continue
        if row is None:
            row = Attendance(conference_id=conference_id, structure_id=change.id,
                             **values)  # type: ignore[arg-type]
            audit.add_new(session, actor, row)
            audit.record(session, actor, "create", row, label=code,
                         changes={k: (None, v) for k, v in values.items() if v})
            written += 1
            continue
        diff = audit.apply_changes(row, values)
        if diff:
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "update", row, label=code, changes=diff)
            written += 1
    return written


def _attendance_rows(session: Session) -> list[tuple[Conference, Attendance]]:
    rows = session.exec(select(Conference, Attendance).where(
        Attendance.conference_id == Conference.id)).all()
    return [(c, a) for c, a in rows]


def attendance_by_session_frame(session: Session) -> pd.DataFrame:
    """Per session: structures present, excused, absent, and the rate present / recorded (%)."""
    counts: dict[int, dict[str, int]] = {}
    conferences: dict[int, Conference] = {}
    for conference, attendance in _attendance_rows(session):
        assert conference.id is not None
        conferences[conference.id] = conference
        bucket = counts.setdefault(conference.id, dict.fromkeys(ATTENDANCE_STATUSES, 0))
        bucket[attendance.status] += 1
    rows = []
    for conference_id, bucket in counts.items():
        c = conferences[conference_id]
        total = sum(bucket.values())
        rows.append({"number": c.number, "label": conference_label(c),
                     "session_date": c.session_date, **bucket,
                     "rate": round(100 * bucket["present"] / total, 1) if total else None})
    frame = pd.DataFrame(rows, columns=["number", "label", "session_date",
                                        *ATTENDANCE_STATUSES, "rate"])
    return frame.sort_values("number", ascending=False).reset_index(drop=True)


def attendance_by_structure_frame(session: Session) -> pd.DataFrame:
    """Per structure and year: attendance rate (present / sessions recorded, in %), years as
    columns, the whole period last."""
    counts: dict[tuple[str, int], list[int]] = {}
    codes = repo.structure_codes_by_id(session)
    for conference, attendance in _attendance_rows(session):
        key = (codes.get(attendance.structure_id, "?"), conference.year)
        present_total = counts.setdefault(key, [0, 0])
        present_total[0] += attendance.status == AttendanceStatus.present
        present_total[1] += 1
    if not counts:
        return pd.DataFrame(columns=["structure"])
    years = sorted({year for _, year in counts})
    overall = t("conferences.all_years")
    rows = []
    for code in sorted({code for code, _ in counts}):
        row: dict[str, object] = {"structure": code}
        present_all = total_all = 0
        for year in years:
            present, total = counts.get((code, year), [0, 0])
            row[str(year)] = round(100 * present / total, 1) if total else None
            present_all += present
            total_all += total
        row[overall] = round(100 * present_all / total_all, 1) if total_all else None
        rows.append(row)
    return pd.DataFrame(rows)


def attendance_kpi_frame(session: Session) -> pd.DataFrame:
    """CDSI_PRES for every structure and quarter with sessions: sessions attended (numerator)
    over sessions the structure was recorded at (denominator), a ratio of sums."""
    counts: dict[tuple[int, int, int], list[int]] = {}
    for conference, attendance in _attendance_rows(session):
        if conference.session_date is None or conference.status not in HELD_STATUSES:
            continue
        key = (attendance.structure_id, conference.session_date.year,
               quarter_of(conference.session_date))
        pair = counts.setdefault(key, [0, 0])
        pair[0] += attendance.status == AttendanceStatus.present
        pair[1] += 1
    codes = repo.structure_codes_by_id(session)
    rows = [{"kpi": "CDSI_PRES", "structure_id": sid, "structure": codes.get(sid, "?"),
             "year": year, "quarter": quarter, "numerator": float(n), "denominator": float(d),
             "rate": round(100 * n / d, 1) if d else None, "period_end": quarter_end(year, quarter)}
            for (sid, year, quarter), (n, d) in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["kpi", "structure_id", "structure", "year", "quarter",
                                       "numerator", "denominator", "rate", "period_end"])


def group_reference(conference_number: int, item_number: str) -> str:
    """The reference an item owned by « Tous les ministères » shares across its copies (one per
    ministry in force): the session's cumulative number and the item's, as ``S18-A3``."""
    return f"S{conference_number}-{item_number}"[:40]
