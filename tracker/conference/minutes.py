"""Minutes import: a PV is parsed into review tables the secretariat corrects; only the
confirmation writes anything (session, attendance, agenda, decisions, recommendations,
actions and the original file), in one audited transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.kpi_links import (
    KpiName,
    NewItem,
    PvWarning,
    cell_codes,
    item_label,
    kpi_ids_by_code,
    links_by_object,
    open_items_before,
    propose_kpis,
    pv_warnings,
    similar_open_items,
    unknown_codes,
    write_links,
)
from tracker.conference.sessions import (
    ConferenceInput,
    conference_label,
    create_conference,
    ensure_open,
    group_reference,
    update_conference,
)
from tracker.core import audit
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.errors import NotFound, RowError, TrackerError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.logs import IMPORTS, log_event
from tracker.core.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conference,
    Decision,
    DueKind,
    Minutes,
    Recommendation,
)
from tracker.core.refdata import normalize
from tracker.core.tables import ColumnSpec
from tracker.files.uploads import check_size
from tracker.minutes.model import ParsedMinutes
from tracker.minutes.parser import parse_minutes
from tracker.minutes.patterns import ALL_STRUCTURES
from tracker.minutes.structures import StructureIndex
from tracker.reference.catalogue import structure_refs

NEXT_SESSION = "next_session"
RECURRING = "recurring"
DUE_KINDS = ("", NEXT_SESSION, RECURRING)
TABLES = ("participants", "absences", "agenda", "decisions", "recommendations", "actions")
COLUMNS: dict[str, list[str]] = {
    "participants": ["check", "name", "role", "structure"],
    "absences": ["check", "structure", "status"],
    "agenda": ["title"],
    "decisions": ["text", "kpis"],
    "recommendations": ["check", "number", "text", "owner", "due", "due_kind", "kpis"],
    "actions": ["check", "number", "text", "owner", "due", "due_kind", "status", "kpis"],
}
CONTENT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument."
                         "wordprocessingml.document",
                 "markdown": "text/markdown", "text": "text/plain"}


def parse_upload(session: Session, data: bytes, filename: str) -> ParsedMinutes:
    """Parse an uploaded PV against the structures in the database; writes nothing.

    Size is checked first; the parser tells formats apart by content and checks Word files'
    ZIP entries before reading them; any bad file raises UploadError with a clear message.
    """
    check_size(data, filename)
    return parse_minutes(data, filename, structure_refs(session))


def field_labels(fields: list[str]) -> str:
    """Uncertain fields named in the user's language."""
    return ", ".join(t(f"minutes.field.{f}") if t(f"minutes.field.{f}") != f"minutes.field.{f}"
                     else f for f in fields)


def review_frames(parsed: ParsedMinutes, kpis: Sequence[KpiName] = ()
                  ) -> dict[str, pd.DataFrame]:
    """The parse as editable tables; ``check`` names the uncertain fields to confirm; ``kpis``
    pre-fills each item's KPIs with those its text names (a proposal, saved only on
    confirmation)."""
    def due_kind(item: Any) -> str:
        return NEXT_SESSION if item.next_session else RECURRING if item.recurring else ""

    def proposed(text: str) -> list[str]:
        return propose_kpis(text, kpis)

    frames = {
        "participants": [{"check": field_labels(p.uncertain), "name": p.name, "role": p.role,
                          "structure": p.structure or p.structure_raw}
                         for p in parsed.participants],
        "absences": [{"check": "", "structure": code, "status": status}
                     for status, codes in (("excused", parsed.excused), ("absent", parsed.absent))
                     for code in codes]
        + [{"check": t("minutes.field.structure"), "structure": raw, "status": status}
           for status, raws in (("excused", parsed.excused_unresolved),
                                ("absent", parsed.absent_unresolved)) for raw in raws],
        "agenda": [{"title": title} for title in parsed.agenda],
        "decisions": [{"text": text, "kpis": proposed(text)} for text in parsed.decisions],
        "recommendations": [{"check": field_labels(r.uncertain), "number": f"R{i}", "text": r.text,
                             "owner": r.owner or r.owner_raw, "due": r.due,
                             "due_kind": due_kind(r), "kpis": proposed(r.text)}
                            for i, r in enumerate(parsed.recommendations, start=1)],
        "actions": [{"check": field_labels(a.uncertain), "number": f"A{i}", "text": a.text,
                     "owner": a.owner or a.owner_raw, "due": a.due, "due_kind": due_kind(a),
                     "status": a.status, "kpis": proposed(a.text)}
                    for i, a in enumerate(parsed.actions, start=1)],
    }
    return {name: pd.DataFrame(rows, columns=COLUMNS[name]) for name, rows in frames.items()}


def session_input(parsed: ParsedMinutes, today: date) -> ConferenceInput:
    """The session's metadata as parsed (what is missing gets an empty value to fill in)."""
    year = parsed.date.year if parsed.date else today.year
    return ConferenceInput(number=parsed.number or 1, year=year,
                           rank_in_year=parsed.rank_in_year or 1, session_date=parsed.date,
                           place=parsed.place or "", theme=parsed.theme or "",
                           chair=parsed.chair or "", rapporteur=parsed.rapporteur or "")


# --- confirmation -------------------------------------------------------------------------


@dataclass
class _Item:
    position: int
    number: str
    text: str
    owners: list[int]
    group: bool
    due: date | None
    due_kind: str
    status: str
    kpis: list[str]


class _Checker:
    """Validates the corrected tables row by row; collects (row, column, reason)."""

    def __init__(self, session: Session, session_date: date | None) -> None:
        self.codes = {code: sid for sid, code in repo.structure_codes_by_id(session).items()}
        # The parser's own index: a name the parse recognised is recognised here too.
        self.index = StructureIndex(structure_refs(session))
        self.session_date = session_date
        self.kpi_codes = set(kpi_ids_by_code(session))
        self.errors: list[RowError] = []

    def error(self, table: str, position: int, column: str, reason: str) -> None:
        self.errors.append(RowError(position, f"{t(f'minutes_review.table_{table}')} — "
                                              f"{t(f'minutes_review.col_{column}')}", reason))

    def structure(self, table: str, position: int, column: str, raw: str) -> int | None:
        code = raw.upper() if raw.upper() in self.codes else self.index.lookup(raw)
        if code is None:
            self.error(table, position, column, t("minutes_review.unknown_structure", name=raw))
            return None
        return self.codes[code]

    def kpis(self, table: str, position: int, value: object) -> list[str]:
        codes = cell_codes(value)
        unknown = unknown_codes(codes, self.kpi_codes)
        if unknown:
            self.error(table, position, "kpis", t("kpi_links.unknown_kpi",
                                                  codes=", ".join(unknown)))
            return []
        return codes

    def items(self, table: str, frame: pd.DataFrame) -> list[_Item]:
        out = []
        for position, row in enumerate(frame.to_dict("records"), start=1):
            text = read.text(row.get("text"))
            if not text:
                if any(read.text(v) for v in row.values()):
                    self.error(table, position, "text", t("minutes_review.text_required"))
                continue
            owner = read.text(row.get("owner"))
            group = owner == ALL_STRUCTURES or (self.index.lookup(owner) is None and \
                owner.casefold().startswith("tous les minist"))
            owners: list[int] = []
            if group:
                if self.session_date is None:
                    self.error(table, position, "owner", t("minutes_review.all_needs_date"))
                else:
                    owners = [self.codes[c] for c in
                              self.index.matcher.ministries_in_force(self.session_date)]
            elif owner:
                sid = self.structure(table, position, "owner", owner)
                owners = [sid] if sid is not None else []
            kind = read.text(row.get("due_kind"))
            try:
                due = read.day(row.get("due"))
            except read.CellError:
                self.error(table, position, "due", t("minutes_review.invalid_date"))
                continue
            if kind not in DUE_KINDS:
                self.error(table, position, "due_kind", t("minutes_review.invalid_due_kind"))
            status = read.text(row.get("status")) or ActionStatus.not_started.value
            if status not in {s.value for s in ActionStatus}:
                self.error(table, position, "status", t("minutes_review.invalid_status"))
            due_kind = {NEXT_SESSION: DueKind.next_session, RECURRING: DueKind.recurring}.get(
                kind, DueKind.date if due else DueKind.none)
            out.append(_Item(position, read.text(row.get("number")), text, owners, group,
                             due if due_kind == DueKind.date else None, due_kind.value, status,
                             self.kpis(table, position, row.get("kpis"))))
        return out


def _target_conference(session: Session, actor: Actor, meta: ConferenceInput) -> Conference:
    existing = session.exec(select(Conference).where(Conference.number == meta.number)).first()
    if existing is None:
        return create_conference(session, actor, meta)
    ensure_open(existing)
    assert existing.id is not None
    if session.exec(select(Minutes).where(Minutes.conference_id == existing.id)).first():
        raise TrackerError(t("minutes_review.already_imported", n=meta.number))
    return update_conference(session, actor, existing.id, existing.version, meta)


def confirm_minutes(session: Session, actor: Actor, meta: ConferenceInput,
                    frames: dict[str, pd.DataFrame], *, data: bytes, filename: str,
                    source_format: str, plain_text: str,
                    carry_over: Mapping[tuple[str, int], tuple[str, int]] | None = None
                    ) -> Conference:
    """Write the reviewed PV, all or nothing: the session (created, or completed when already
    planned), attendance, agenda, decisions, recommendations and actions ("Tous les
    ministères" gives one row per ministry in force on the session date, sharing group_ref),
    each with the KPIs chosen in its « kpis » column (audited links), and the original file.
    ``carry_over``: rows (table, position) the secretariat chose to link to an open item of an
    earlier session (kind, id) rather than create again: the earlier item is carried over to
    this session (audited) and gets the row's KPIs. Secretariat only; a closed session or one
    with minutes is refused."""
    require(actor, Action.edit_conferences)
    checker = _Checker(session, meta.session_date)
    carry_over = dict(carry_over or {})
    earlier_items: dict[tuple[str, int], Any] = {}
    for (table, position), (kind, item_id) in carry_over.items():
        model: Any = Recommendation if kind == "recommendation" else ActionItem
        item = session.get(model, item_id) if kind in ("recommendation", "action") else None
        if item is None or item.status in (ActionStatus.done, ActionStatus.cancelled):
            checker.error(table, position, "number",
                          t("kpi_links.unknown_link", number=str(position)))
        else:
            earlier_items[(table, position)] = item
    attendance: dict[int, tuple[str, str, str]] = {}
    for position, row in enumerate(frames["participants"].to_dict("records"), start=1):
        raw = read.text(row.get("structure"))
        if not raw:
            continue
        sid = checker.structure("participants", position, "structure", raw)
        if sid is not None and sid not in attendance:
            attendance[sid] = (AttendanceStatus.present.value, read.text(row.get("name")),
                               read.text(row.get("role")))
    for position, row in enumerate(frames["absences"].to_dict("records"), start=1):
        raw = read.text(row.get("structure"))
        status = read.text(row.get("status"))
        if not raw:
            continue
        if status not in (AttendanceStatus.excused.value, AttendanceStatus.absent.value):
            checker.error("absences", position, "status", t("minutes_review.invalid_absence"))
        sid = checker.structure("absences", position, "structure", raw)
        if sid is not None:
            attendance.setdefault(sid, (status, "", ""))
    recommendations = checker.items("recommendations", frames["recommendations"])
    actions = checker.items("actions", frames["actions"])
    decision_rows = [(read.text(r.get("text")),
                      checker.kpis("decisions", position, r.get("kpis")))
                     for position, r in enumerate(frames["decisions"].to_dict("records"),
                                                  start=1)]
    if checker.errors:
        raise ValidationFailed(t("common.errors_title"), checker.errors)

    conference = _target_conference(session, actor, meta)
    assert conference.id is not None
    conference_id = conference.id
    # The PV's agenda is the record of the session: it replaces the planned one, keeping the
    # follow-up notes on the PV's own follow-up item.
    follow_up_notes = ""
    for old in session.exec(select(AgendaItem).where(
            AgendaItem.conference_id == conference_id)).all():
        follow_up_notes = follow_up_notes or old.notes
        audit.record(session, actor, "delete", old, label=old.title)
        session.delete(old)
    for old_attendance in session.exec(select(Attendance).where(
            Attendance.conference_id == conference_id)).all():
        audit.record(session, actor, "delete", old_attendance,
                     label=str(old_attendance.structure_id))
        session.delete(old_attendance)
    session.flush()
    rows: list[Any] = []
    titles = [read.text(r.get("title")) for r in frames["agenda"].to_dict("records")]
    for i, title in enumerate([x for x in titles if x], start=1):
        notes = follow_up_notes if "mise en oeuvre" in normalize(title) else ""
        follow_up_notes = "" if notes else follow_up_notes
        rows.append(AgendaItem(conference_id=conference_id, position=i, title=title[:500],
                               notes=notes))
    links: list[tuple[Any, list[str]]] = []
    for i, (text, codes) in enumerate([d for d in decision_rows if d[0]], start=1):
        decision = Decision(conference_id=conference_id, number=f"D{i}", text=text)
        rows.append(decision)
        links.append((decision, codes))
    rows += [Attendance(conference_id=conference_id, structure_id=sid, status=status,
                        representative=name[:200], representative_role=role[:200])
             for sid, (status, name, role) in attendance.items()]
    carried: list[tuple[Any, list[str]]] = []
    for kind, items in (("R", recommendations), ("A", actions)):
        table = "recommendations" if kind == "R" else "actions"
        for item in items:
            if (table, item.position) in earlier_items:
                carried.append((earlier_items[(table, item.position)], item.kpis))
                continue
            number = item.number or f"{kind}{item.position}"
            group = group_reference(conference.number, number) if item.group else ""
            for owner in item.owners or [None]:  # type: ignore[list-item]
                common: dict[str, Any] = {
                    "conference_id": conference_id, "number": number[:20],
                    "owner_structure_id": owner, "group_ref": group, "due_date": item.due,
                    "due_kind": item.due_kind}
                made: Any = (Recommendation(text=item.text, **common) if kind == "R"
                             else ActionItem(title=item.text, status=item.status, **common))
                rows.append(made)
                links.append((made, item.kpis))
    minutes = Minutes(conference_id=conference_id, filename=filename[:300],
                      content_type=CONTENT_TYPES.get(source_format, "")[:100], original=data,
                      text=plain_text, imported_by_id=actor.id)
    rows.append(minutes)
    for row in rows:
        audit.stamp(row, actor)
        session.add(row)
    session.flush()
    for row in rows:
        label = str(getattr(row, "number", "") or getattr(row, "title", "") or filename)[:300]
        if isinstance(row, Minutes):  # the file itself: its name is the label
            audit.record(session, actor, "import", row, label=label)
        else:
            audit.created(session, actor, row, label=label,
                          entered=row.model_dump(exclude={"conference_id"}))
    for row, codes in links:
        if codes:
            write_links(session, actor, _kind_of(row), row.id, codes, label=item_label(row))
    for item, codes in carried:
        audit.record(session, actor, "carry_over", item, label=item_label(item),
                     changes={"carried_to": (None, conference_label(conference))})
        if codes:
            kind = _kind_of(item)
            known = links_by_object(session, kind).get(item.id, [])
            write_links(session, actor, kind, item.id, list(dict.fromkeys([*known, *codes])),
                        label=item_label(item))
    log_event(IMPORTS, "minutes_import", user=actor.login, file=filename, format=source_format,
              conference_id=conference.id, session_date=meta.session_date, rows=len(rows))
    return conference


def _kind_of(row: Any) -> str:
    return ("decision" if isinstance(row, Decision) else
            "recommendation" if isinstance(row, Recommendation) else "action")


def original_file(session: Session, conference_id: int) -> tuple[str, str, bytes]:
    """The PV as uploaded: file name, content type and bytes."""
    minutes = session.exec(select(Minutes).where(Minutes.conference_id == conference_id)).first()
    if minutes is None or minutes.original is None:
        raise NotFound(t("common.not_found"))
    return minutes.filename, minutes.content_type, minutes.original


def conferences_with_minutes(session: Session) -> dict[int, str]:
    """Sessions whose PV was imported: id → label, newest first."""
    from tracker.conference.sessions import conference_label

    rows = session.exec(select(Conference, Minutes).where(
        Minutes.conference_id == Conference.id)).all()
    ordered = sorted(rows, key=lambda pair: -pair[0].number)
    return {c.id: f"{conference_label(c)} — {m.filename}" for c, m in ordered if c.id is not None}


def column_specs(table: str, kpi_labels: Mapping[str, str] | None = None
                 ) -> dict[str, ColumnSpec]:
    """Labels and editors of one review table; the "to check" column is read-only; ``kpis`` is
    a multiselect of the catalogue's codes (``kpi_labels``: code → « code — name »)."""
    labels = dict(kpi_labels or {})
    selects = {"status": tuple(s.value for s in ActionStatus) if table == "actions"
               else (AttendanceStatus.excused.value, AttendanceStatus.absent.value),
               "due_kind": DUE_KINDS}
    selects["kpis"] = tuple(labels)
    helps = {"check": t("minutes_review.check_help"), "owner": t("minutes_review.owner_help"),
             "due_kind": t("minutes_review.due_kind_help"), "kpis": t("kpi_links.help_kpis")}
    specs = {}
    for column in COLUMNS[table]:
        kind = ("multiselect" if column == "kpis" else "select" if column in selects
                else "date" if column == "due" else "text")
        specs[column] = ColumnSpec(kind, t(f"minutes_review.col_{column}"),
                                   selects.get(column, ()), disabled=column == "check",
                                   help=helps.get(column, ""),
                                   labels=(lambda code: labels.get(code, code))
                                   if column == "kpis" else None)
    return specs


# --- the check before confirming ----------------------------------------------------------


def pv_check(session: Session, frames: Mapping[str, pd.DataFrame], session_date: date | None
             ) -> list[PvWarning]:
    """What the reviewed tables lack (owner, due date, KPI) and the recommendations and actions
    that look like open items of sessions before ``session_date`` (same owner, similar text).
    Reads only; the secretariat may still confirm."""
    index = StructureIndex(structure_refs(session))
    codes = {code: sid for sid, code in repo.structure_codes_by_id(session).items()}
    rows: list[dict[str, object]] = []
    new: list[NewItem] = []
    for table in ("decisions", "recommendations", "actions"):
        for position, row in enumerate(frames[table].to_dict("records"), start=1):
            text = read.text(row.get("text"))
            if not text:
                continue
            owner = read.text(row.get("owner"))
            code = owner.upper() if owner.upper() in codes else index.lookup(owner) \
                if owner else None
            number = read.text(row.get("number")) or (f"D{position}" if table == "decisions"
                                                      else str(position))
            rows.append({"table": table, "position": position, "number": number,
                         "owner": owner, "due": _present(row.get("due")),
                         "due_kind": read.text(row.get("due_kind")),
                         "kpis": cell_codes(row.get("kpis"))})
            if table != "decisions":
                new.append(NewItem(table, position, number, text,
                                   codes.get(code) if code else None))
    duplicates = similar_open_items(new, open_items_before(session, session_date))
    return pv_warnings(rows, duplicates)


def _present(value: object) -> bool:
    try:
        return read.day(value) is not None
    except read.CellError:
        return bool(read.text(value))
