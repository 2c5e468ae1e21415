"""Reading a follow-up file row by row and matching each row to the items already stored."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.followup.columns import (
    ACTION,
    COMMENT,
    DUE,
    KIND,
    KINDS,
    MAX_TEXT,
    MODELS,
    NUMBER,
    OWNER,
    RECOMMENDATION,
    ROLES,
    SESSION,
    STATUS,
    TEXT,
    Layout,
    cell_of,
    key_text,
    parse_session,
    parse_status,
    read_layout,
    shown,
)
from tracker.conference.followup.preview import FollowupPreview, FollowupRow, PlannedItem
from tracker.conference.sessions import conference_label, group_reference
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import RowError
from tracker.core.frdates import resolve_due
from tracker.core.i18n import t
from tracker.core.models import Conference, ConferenceStatus, DueKind
from tracker.core.refdata import StructureMatcher, normalize

# The PV parser is where owners ("Tous les ministères", "Ministère de la Santé (MS)") are read;
# one rule, one place.
from tracker.minutes.patterns import ALL_STRUCTURES
from tracker.minutes.structures import StructureIndex
from tracker.reference.catalogue import structure_refs


class _Reader:
    """Row rules with lookups built once (sessions, structures, items already stored)."""

    def __init__(self, session: Session, preview: FollowupPreview, layout: Layout) -> None:
        self.preview = preview
        self.layout = layout
        conferences = session.exec(select(Conference)).all()
        self.by_number = {c.number: c for c in conferences}
        self.by_rank = {(c.year, c.rank_in_year): c for c in conferences}
        self.by_date: dict[date, list[Conference]] = {}
        for c in conferences:
            if c.session_date is not None:
                self.by_date.setdefault(c.session_date, []).append(c)
        refs = structure_refs(session)
        self.index = StructureIndex(refs)
        self.matcher = StructureMatcher(refs)
        self.ids = {code: sid for sid, code in repo.structure_codes_by_id(session).items()}
        self.session = session
        self.loaded: set[int] = set()
        # (kind, conference id, text key) -> {owner id: items, oldest first}, for the sessions
        # read so far; a session may hold the same text twice for one owner (carried over).
        self.items: dict[tuple[str, int, str], dict[int | None, list[Any]]] = {}
        self.claimed: set[tuple[str, int]] = set()  # (kind, item id) matched by an earlier row
        self.seen: dict[tuple[str, int, str, int | None], int] = {}
        self.last_session: object = None
        self.owner_cache: dict[str, tuple[str | None, bool]] = {}

    # -- lookups

    def _load(self, conference_id: int) -> None:
        if conference_id in self.loaded:
            return
        self.loaded.add(conference_id)
        for kind, model in MODELS:
            rows = self.session.exec(select(model).where(
                model.conference_id == conference_id).order_by(col(model.id))).all()
            for item in rows:
                text = item.title if kind == ACTION else item.text
                owners = self.items.setdefault((kind, conference_id, key_text(text)), {})
                owners.setdefault(item.owner_structure_id, []).append(item)

    def _conference(self, raw: object, problems: list[tuple[str, str]]) -> Conference | None:
        parsed = parse_session(raw)
        if parsed is None:
            problems.append((SESSION, t("followup_import.bad_session", text=shown(raw))))
            return None
        how, value = parsed
        found: Conference | None = None
        if how == "number" and isinstance(value, int):
            found = self.by_number.get(value)
        elif how == "rank" and isinstance(value, tuple):
            found = self.by_rank.get(value)
        elif isinstance(value, date):
            same_day = self.by_date.get(value, [])
            found = same_day[0] if len(same_day) == 1 else None
        if found is None:
            problems.append((SESSION, t("followup_import.unknown_session", text=shown(raw))))
        return found

    def _owners(self, raw: object, conference: Conference,
                problems: list[tuple[str, str]]) -> tuple[list[int | None], str, bool]:
        """(owner ids, owner as shown, "all ministries")."""
        if raw is None:
            return [None], "—", False
        written = " ".join(str(raw).split())
        text = shown(written)
        if written not in self.owner_cache:
            self.owner_cache[written] = self.index.owner(written)
        code, certain = self.owner_cache[written]
        if code == ALL_STRUCTURES:
            if conference.session_date is None:
                problems.append((OWNER, t("followup_import.all_needs_date")))
                return [], text, True
            codes = self.matcher.ministries_in_force(conference.session_date)
            return [self.ids[c] for c in codes if c in self.ids], \
                t("followup_import.all_ministries", n=len(codes)), True
        if code is None:
            problems.append((OWNER, t("followup_import.unknown_owner", text=text)))
            return [], text, False
        if not certain:
            problems.append((OWNER, t("followup_import.several_owners", text=text)))
            return [], text, False
        return [self.ids[code]], code, False

    def _due(self, raw: object, conference: Conference, problems: list[tuple[str, str]]
             ) -> tuple[date | None, str | None, bool]:
        """(due date, due kind, certain); kind None when nothing is written."""
        if raw is None:
            return None, None, True
        if isinstance(raw, datetime):
            return raw.date(), DueKind.date.value, True
        if isinstance(raw, date):
            return raw, DueKind.date.value, True
        resolution = resolve_due(str(raw), conference.session_date)
        if resolution.recurring:
            return None, DueKind.recurring.value, True
        if resolution.next_session:
            return None, DueKind.next_session.value, True
        if resolution.due is None:
            problems.append((DUE, t("followup_import.bad_due", text=shown(raw))))
            return None, None, False
        return resolution.due, DueKind.date.value, resolution.certain

    # -- one row

    def read(self, number: int, cells: Sequence[object]) -> None:
        """Accept or reject one data row (``number`` as the user sees it)."""
        values = {role: cell_of(cells, self.layout, role) for role in ROLES}
        if all(v is None for v in values.values()):
            return
        if values[TEXT] is None and values[SESSION] is not None and all(
                values[r] is None for r in (KIND, OWNER, DUE, STATUS, COMMENT)):
            # A band row ("18e conférence — 24/06/2025") names the session of the rows below.
            self.last_session = values[SESSION]
            self.preview.skipped += 1
            return
        problems: list[tuple[str, str]] = [
            (role, t("followup_import.formula")) for role, v in values.items()
            if isinstance(v, str) and v.startswith("=")]
        if problems:
            self._reject(number, problems)
            return
        if values[SESSION] is None:
            values[SESSION] = self.last_session  # merged cells: the session of the row above
        else:
            self.last_session = values[SESSION]
        text = " ".join(str(values[TEXT] or "").split())
        if not text:
            problems.append((TEXT, t("followup_import.text_required")))
        elif len(text) > MAX_TEXT:
            problems.append((TEXT, t("followup_import.text_too_long", limit=MAX_TEXT)))
        kind: str | None = None
        if values[KIND] is not None:
            kind = KINDS.get(normalize(str(values[KIND])).strip(" ."))
            if kind is None:
                problems.append((KIND, t("followup_import.bad_kind", text=shown(values[KIND]))))
        status: str | None = None
        if values[STATUS] is not None:
            status = parse_status(str(values[STATUS]))
            if status is None:
                problems.append((STATUS, t("followup_import.bad_status",
                                           text=shown(values[STATUS]))))
        if values[SESSION] is None:
            problems.append((SESSION, t("followup_import.session_required")))
            self._reject(number, problems)
            return
        conference = self._conference(values[SESSION], problems)
        if conference is None:
            self._reject(number, problems)
            return
        owners, owner_shown, group = self._owners(values[OWNER], conference, problems)
        due, due_kind, certain = self._due(values[DUE], conference, problems)
        if problems:
            self._reject(number, problems)
            return
        assert conference.id is not None
        self._plan(number, conference, kind, text, owners, owner_shown, group, due, due_kind,
                   certain, status, values)

    def _reject(self, number: int, problems: list[tuple[str, str]]) -> None:
        self.preview.rejected.extend(RowError(number, self.layout.column(role), reason)
                                     for role, reason in problems)

    def _plan(self, number: int, conference: Conference, kind: str | None, text: str,
              owners: list[int | None], owner_shown: str, group: bool, due: date | None,
              due_kind: str | None, certain: bool, status: str | None,
              values: dict[str, object]) -> None:
        assert conference.id is not None
        self._load(conference.id)
        key = key_text(text)
        if kind is None:
            # No type written: the item already stored under either kind, else an action.
            kind = next((k for k in (ACTION, RECOMMENDATION)
                         if set(self.items.get((k, conference.id, key), {})) & set(owners)),
                        ACTION)
        stored = self.items.get((kind, conference.id, key), {})
        ref = shown(values[NUMBER])[:20] if values[NUMBER] is not None else ""
        comment = None if values[COMMENT] is None else str(values[COMMENT]).strip()
        problems: list[tuple[str, str]] = []
        items: list[PlannedItem] = []
        for owner in owners:
            match = self._match(kind, stored.get(owner, []), ref)
            first = self.seen.setdefault((kind, conference.id, key, owner), number)
            if match is None and first != number:
                # Each stored item is matched once; a row beyond them repeats an earlier one.
                problems.append((TEXT, t("followup_import.duplicate", row=first)))
                break
            items.append(self._item(owner, match, due, due_kind, status, comment))
        closed = conference.status == ConferenceStatus.closed
        if closed and any(item.item_id is None for item in items):
            problems.append((SESSION, t("followup_import.closed_no_new",
                                        label=conference_label(conference))))
        elif closed and any({"due_date", "due_kind"} & set(item.changes) for item in items):
            problems.append((DUE, t("followup_import.closed_due",
                                    label=conference_label(conference))))
        if problems:
            self._reject(number, problems)
            return
        self.claimed.update((kind, item.item_id) for item in items if item.item_id is not None)
        group_ref = ""
        if group:
            refs = [item.group_ref for same in stored.values() for item in same
                    if item.group_ref]
            digest = hashlib.sha1(f"{kind}:{key}".encode(), usedforsecurity=False).hexdigest()
            group_ref = refs[0] if refs else group_reference(conference.number, ref or digest[:8])
        checks = [] if certain else [t("followup_import.check_due")]
        self.preview.accepted.append(FollowupRow(
            row=number, kind=kind, conference_id=conference.id,
            session=conference_label(conference), text=text, owner=owner_shown,
            number=ref, group_ref=group_ref, due_date=due, due_kind=due_kind, status=status,
            comment=comment, check=" ; ".join(checks), items=items))

    def _match(self, kind: str, candidates: list[Any], ref: str) -> Any:
        """The stored item a row names: the one with the row's number if any, else the oldest
        not matched yet by an earlier row; None when there is none left."""
        free = [item for item in candidates if (kind, item.id) not in self.claimed]
        numbered = [item for item in free if ref and normalize(item.number) == normalize(ref)]
        return (numbered or free or [None])[0]

    def _item(self, owner: int | None, stored: Any, due: date | None, due_kind: str | None,
              status: str | None, comment: str | None) -> PlannedItem:
        if stored is None:
            return PlannedItem(owner_id=owner)
        wanted: dict[str, Any] = {}
        if status is not None:
            wanted["status"] = status
        if comment:
            wanted["progress_comment"] = comment
        if due_kind is not None and not _same_due(stored, due, due_kind):
            wanted["due_date"] = due
            wanted["due_kind"] = due_kind
        changes = {f: (getattr(stored, f), v) for f, v in wanted.items()
                   if audit.as_text(getattr(stored, f)) != audit.as_text(v)}
        return PlannedItem(owner_id=owner, item_id=stored.id, version=stored.version,
                           changes=changes)


def _same_due(stored: Any, due: date | None, due_kind: str) -> bool:
    """A due date written as the stored one: the same date (an item due "before the next
    session" gets that session's date once it is dated), or the same kind without a date."""
    if due_kind == DueKind.date:
        return bool(stored.due_date == due)
    if due_kind == DueKind.next_session:
        return stored.due_kind == DueKind.next_session or (
            stored.due_kind == DueKind.date and stored.due_date is not None)
    return bool(stored.due_kind == due_kind)


def read_followup_file(session: Session, actor: Actor, data: bytes,
                       filename: str) -> FollowupPreview:
    """Preview the secretariat's follow-up spreadsheet (XLSX, ODS, CSV or TSV): each row
    accepted (to create, to update, or already up to date) or rejected with its column and
    reason. Nothing is written; secretariat only. Whole-file problems (a file with no data row
    among them) raise UploadError."""
    require(actor, Action.edit_conferences)
    layout, rows = read_layout(data, filename)
    preview = FollowupPreview(filename=filename)
    reader = _Reader(session, preview, layout)
    for number, cells in rows.data("followup_import.no_data"):
        reader.read(number, cells)
    preview.rejected.sort(key=lambda e: e.row)
    if rows.formulas:
        preview.notes = rows.formula_notes(
            {index: layout.column(role) for role, index in layout.index.items()},
            (row.row for row in preview.accepted))
    return preview
