"""Who attended each session: one row per structure expected, edited as a table, and the
attendance rates by session and by structure (the CDSI_PRES figures)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.sessions import (
    ATTENDANCE_COLUMNS,
    ATTENDANCE_STATUSES,
    HELD_STATUSES,
    attendance_label,
    conference_label,
    ensure_open,
    get_conference,
)
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import RowError, TrackerError, ValidationFailed
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    Attendance,
    AttendanceStatus,
    Conference,
    Structure,
)
from tracker.core.periods import quarter_end, quarter_of
from tracker.core.tables import ColumnSpec, RowChange

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
            audit.created(session, actor, row, label=code, entered=values)
            written += 1
            continue
        written += audit.write_changes(session, actor, row, values, label=code)
    return written


def _counts(session: Session, *keys: Any) -> list[tuple[Any, ...]]:
    """Attendance rows counted by ``keys`` and status, in the database (a decade holds some
    12,000 rows: they are never loaded one by one): ``(*keys, status, n)``."""
    columns: list[Any] = [*keys, Attendance.status, func.count()]
    query = (sql_select(*columns)
             .join(Conference, Attendance.conference_id == Conference.id)  # type: ignore[arg-type]
             .group_by(*keys, Attendance.status))
    return [tuple(row) for row in session.execute(query).all()]


def rates_revision(session: Session) -> str:
    """Changes whenever the attendance rates may change (an attendance recorded, a session or a
    structure edited): the key of the rates' cache on « Conférences »."""
    return "|".join(repo.stamp(session, model) for model in (Attendance, Conference, Structure))


def rates_frames(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The « Taux de présence » tab: per session, and per structure and year."""
    return attendance_by_session_frame(session), attendance_by_structure_frame(session)


def attendance_by_session_frame(session: Session) -> pd.DataFrame:
    """Per session: structures present, excused, absent, and the rate present / recorded (%)."""
    counts: dict[int, dict[str, int]] = {}
    for conference_id, status, n in _counts(session, Attendance.conference_id):
        counts.setdefault(int(conference_id), dict.fromkeys(ATTENDANCE_STATUSES, 0))[
            str(status)] += int(n)
    conferences = {c.id: c for c in session.exec(select(Conference).where(
        Conference.id.in_(list(counts)))).all()} if counts else {}  # type: ignore[union-attr]
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
    for structure_id, year, status, n in _counts(session, Attendance.structure_id,
                                                 Conference.year):
        present_total = counts.setdefault((codes.get(structure_id, "?"), int(year)), [0, 0])
        present_total[0] += int(n) if status == AttendanceStatus.present else 0
        present_total[1] += int(n)
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
    for structure_id, day, held, status, n in _counts(
            session, Attendance.structure_id, Conference.session_date, Conference.status):
        if day is None or held not in HELD_STATUSES:
            continue
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        pair = counts.setdefault((int(structure_id), day.year, quarter_of(day)), [0, 0])
        pair[0] += int(n) if status == AttendanceStatus.present else 0
        pair[1] += int(n)
    codes = repo.structure_codes_by_id(session)
    rows = [{"kpi": "CDSI_PRES", "structure_id": sid, "structure": codes.get(sid, "?"),
             "year": year, "quarter": quarter, "numerator": float(n), "denominator": float(d),
             "rate": round(100 * n / d, 1) if d else None, "period_end": quarter_end(year, quarter)}
            for (sid, year, quarter), (n, d) in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["kpi", "structure_id", "structure", "year", "quarter",
                                       "numerator", "denominator", "rate", "period_end"])
