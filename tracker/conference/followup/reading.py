"""The secretariat's follow-up spreadsheet imports like a results file: previewed row by row, then
written all or nothing; the same file twice changes nothing; a closed session only takes status
and comment updates."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from numbers import Real
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference.sessions import conference_label, group_reference
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.errors import RowError, StaleEdit, UploadError
from tracker.core.formats import format_date
from tracker.core.frdates import parse_french_date, resolve_due
from tracker.core.i18n import catalogue, t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    ActionItem,
    ActionStatus,
    AuditEvent,
    Conference,
    ConferenceStatus,
    DueKind,
    Priority,
    Recommendation,
    utcnow,
)
from tracker.core.refdata import StructureMatcher, normalize
from tracker.files.spreadsheet_writing import Template, TemplateColumn
from tracker.files.spreadsheets import Rows, find_header, read_rows

# The PV parser is where owners ("Tous les ministères", "Ministère de la Santé (MS)") and
# follow-up statuses ("réalisé", "partiellement", "en attente"…) are read; one rule, one place.
# The PV parser is where owners ("Tous les ministères", "Ministère de la Santé (MS)") and
# follow-up statuses ("réalisé", "partiellement", "en attente"…) are read; one rule, one place.
from tracker.minutes.patterns import ALL_STRUCTURES, status_of
from tracker.minutes.structures import StructureIndex
from tracker.reference.catalogue import structure_refs

ACTION = "action"
RECOMMENDATION = "recommendation"
SESSION, TEXT, KIND, OWNER = "session", "text", "kind", "owner"
DUE, STATUS, COMMENT, NUMBER = "due", "status", "comment", "number"
ROLES = (SESSION, NUMBER, KIND, TEXT, OWNER, DUE, STATUS, COMMENT)

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    SESSION: ("session", "sessions", "conference", "session cdsi", "cdsi", "n° session",
              "numero de session", "date de la session", "session d'origine", "source"),
    NUMBER: ("n°", "no", "no.", "n", "numero", "ref", "reference", "n° ordre"),
    KIND: ("type", "nature", "categorie", "kind"),
    TEXT: ("recommandation/action", "recommandation / action", "recommandations/actions",
           "action/recommandation", "recommandation ou action", "intitule", "libelle",
           "recommandation", "recommandations", "action", "actions", "mesure", "activite",
           "texte", "description", "objet", "title", "text", "recommendation/action",
           "recommendation / action", "recommendation", "recommendations"),
    OWNER: ("responsable", "responsables", "structure responsable", "structures responsables",
            "structure", "porteur", "point focal", "owner"),
    DUE: ("echeance", "echeances", "delai", "delais", "date d'echeance", "date limite",
          "date butoir", "due", "due date"),
    STATUS: ("statut", "etat", "etat d'avancement", "etat de mise en oeuvre",
             "niveau de mise en oeuvre", "niveau d'execution", "status"),
    COMMENT: ("commentaire", "commentaires", "observations", "observation", "remarques",
              "commentaire d'avancement", "point de situation", "comment", "comments"),
}
_ROLE_BY_HEADER = {name: role for role, names in HEADER_SYNONYMS.items() for name in names}
KINDS = {"recommandation": RECOMMENDATION, "recommandations": RECOMMENDATION,
         "recommendation": RECOMMENDATION, "reco": RECOMMENDATION, "r": RECOMMENDATION,
         "action": ACTION, "actions": ACTION, "a": ACTION, "mesure": ACTION,
         "activite": ACTION}
STATUSES = tuple(s.value for s in ActionStatus)
CLOSED = frozenset(s.value for s in CLOSED_ACTION_STATUSES)
MAX_TEXT = 2000
_MODELS: tuple[tuple[str, Any], ...] = ((ACTION, ActionItem), (RECOMMENDATION, Recommendation))

_ORD = r"(?:ere|er|re|ieme|eme|e)"
_NUMBER_BEFORE = re.compile(rf"(?<!\d)(\d{{1,4}})\s*{_ORD}?\s+(?:conference|cdsi)\b")
_NUMBER_AFTER = re.compile(r"\b(?:conference|cdsi)\s*(?:n\s*[°o]\.?\s*)?(\d{1,4})\b")
_NUMBER_ONLY = re.compile(rf"(?:n\s*[°o]\.?\s*)?(\d{{1,4}})\s*{_ORD}?\.?")
_RANK = re.compile(rf"(?<!\d)([1-9])\s*{_ORD}\s+session\b\D*?(\d{{4}})(?!\d)")


class FollowupCounts(NamedTuple):
    """What a confirmed import did: items created, updated, and found already up to date."""

    created: int
    updated: int
    unchanged: int


@dataclass
class PlannedItem:
    """One stored item a file row maps to (one per ministry for "Tous les ministères")."""

    owner_id: int | None
    item_id: int | None = None  # None: to create
    version: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class FollowupRow:
    """One accepted row; ``row`` is the row number the user sees in their spreadsheet."""

    row: int
    kind: str
    conference_id: int
    session: str
    text: str
    owner: str
    number: str
    group_ref: str
    due_date: date | None
    due_kind: str | None  # None: no due date written
    status: str | None  # None: no status written
    comment: str | None
    check: str
    items: list[PlannedItem] = field(default_factory=list)

    @property
    def to_create(self) -> int:
        return sum(1 for item in self.items if item.item_id is None)

    @property
    def to_update(self) -> int:
        return sum(1 for item in self.items if item.item_id is not None and item.changes)


@dataclass
class FollowupPreview:
    """What an import would write and what it refuses, per row; nothing is written yet."""

    filename: str
    accepted: list[FollowupRow] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    skipped: int = 0
    notes: list[RowError] = field(default_factory=list)  # values a formula computed

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({error.row for error in self.rejected})

    @property
    def to_create(self) -> int:
        return sum(row.to_create for row in self.accepted)

    @property
    def to_update(self) -> int:
        return sum(row.to_update for row in self.accepted)

    @property
    def unchanged(self) -> int:
        return sum(len(row.items) - row.to_create - row.to_update for row in self.accepted)

    @property
    def pending(self) -> bool:
        """True when confirming would write something."""
        return bool(self.to_create or self.to_update)

    def to_json(self) -> dict[str, object]:
        return {"created": self.to_create, "updated": self.to_update,
                "unchanged": self.unchanged,
                "rejected": [error.as_dict() for error in self.rejected]}


# -- reading the file ------------------------------------------------------------------------


@dataclass
class _Layout:
    index: dict[str, int]
    header: dict[str, str]

    def column(self, role: str) -> str:
        return self.header.get(role) or t(f"followup_import.header_{role}")


def _rows(data: bytes, filename: str) -> tuple[_Layout, Rows]:
    rows = read_rows(data, filename, roles=_ROLE_BY_HEADER,
                     no_header_key="followup_import.no_header")
    found = find_header(rows, _ROLE_BY_HEADER)
    if found is None:
        raise UploadError(t("followup_import.no_header", file=filename))
    layout = _Layout(found[1], found[2])
    for role in (SESSION, TEXT):
        if role not in layout.index:
            raise UploadError(t(f"followup_import.no_{role}_column", file=filename))
    return layout, rows


def _cell(cells: Sequence[object], layout: _Layout, role: str) -> object:
    position = layout.index.get(role)
    if position is None or position >= len(cells):
        return None
    value = cells[position]
    if isinstance(value, str):
        return value.strip() or None
    return value


def _shown(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


# -- reading one row ---------------------------------------------------------------------------


@cache
def _status_words() -> dict[str, str]:
    """Codes, and the labels users see in French and English, as the keys a cell may hold."""
    words = {normalize(code.replace("_", " ")): code for code in STATUSES}
    for lang in ("fr", "en"):
        for code in STATUSES:
            label = catalogue(lang).get(f"actions.status.{code}")
            if label:
                words.setdefault(normalize(label), code)
    return words


def parse_status(raw: str) -> str | None:
    """An action status from the words of a follow-up table ("réalisé", "en cours",
    "partiellement", "non démarré", "sans objet", "en attente"…); None when unrecognised."""
    key = normalize(raw).strip(" .")
    code = _status_words().get(key)
    if code:
        return code
    status, recognised = status_of(raw)
    return status if recognised else None


def parse_session(raw: object) -> tuple[str, int | tuple[int, int] | date] | None:
    """How a session is named: ("number", 18) for "18", "18e", "18e conférence";
    ("date", d) for "24/06/2025" or a date cell; ("rank", (2025, 2)) for "2e session 2025"."""
    if isinstance(raw, datetime):
        return "date", raw.date()
    if isinstance(raw, date):
        return "date", raw
    if isinstance(raw, Real) and not isinstance(raw, bool):
        number = float(raw)
        return ("number", int(number)) if number.is_integer() and number > 0 else None
    key = normalize(str(raw))
    if match := _NUMBER_BEFORE.search(key) or _NUMBER_AFTER.search(key):
        return "number", int(match[1])
    if day := parse_french_date(key):
        return "date", day
    if match := _RANK.search(key):
        return "rank", (int(match[2]), int(match[1]))
    if match := _NUMBER_ONLY.fullmatch(key):
        return "number", int(match[1])
    return None


def _key_text(text: str) -> str:
    """The text as compared with what is stored: case, accents and spacing do not count."""
    return normalize(text).strip(" .;:")


class _Reader:
    """Row rules with lookups built once (sessions, structures, items already stored)."""

    def __init__(self, session: Session, preview: FollowupPreview, layout: _Layout) -> None:
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
        for kind, model in _MODELS:
            rows = self.session.exec(select(model).where(
                model.conference_id == conference_id).order_by(col(model.id))).all()
            for item in rows:
                text = item.title if kind == ACTION else item.text
                owners = self.items.setdefault((kind, conference_id, _key_text(text)), {})
                owners.setdefault(item.owner_structure_id, []).append(item)

    def _conference(self, raw: object, problems: list[tuple[str, str]]) -> Conference | None:
        parsed = parse_session(raw)
        if parsed is None:
            problems.append((SESSION, t("followup_import.bad_session", text=_shown(raw))))
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
            problems.append((SESSION, t("followup_import.unknown_session", text=_shown(raw))))
        return found

    def _owners(self, raw: object, conference: Conference,
                problems: list[tuple[str, str]]) -> tuple[list[int | None], str, bool]:
        """(owner ids, owner as shown, "all ministries")."""
        if raw is None:
            return [None], "—", False
        written = " ".join(str(raw).split())
        text = _shown(written)
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
            problems.append((DUE, t("followup_import.bad_due", text=_shown(raw))))
            return None, None, False
        return resolution.due, DueKind.date.value, resolution.certain

    # -- one row

    def read(self, number: int, cells: Sequence[object]) -> None:
        """Accept or reject one data row (``number`` as the user sees it)."""
        values = {role: _cell(cells, self.layout, role) for role in ROLES}
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
                problems.append((KIND, t("followup_import.bad_kind", text=_shown(values[KIND]))))
        status: str | None = None
        if values[STATUS] is not None:
            status = parse_status(str(values[STATUS]))
            if status is None:
                problems.append((STATUS, t("followup_import.bad_status",
                                           text=_shown(values[STATUS]))))
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
        key = _key_text(text)
        if kind is None:
            # No type written: the item already stored under either kind, else an action.
            kind = next((k for k in (ACTION, RECOMMENDATION)
                         if set(self.items.get((k, conference.id, key), {})) & set(owners)),
                        ACTION)
        stored = self.items.get((kind, conference.id, key), {})
        ref = _shown(values[NUMBER])[:20] if values[NUMBER] is not None else ""
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
    layout, rows = _rows(data, filename)
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


# -- writing -----------------------------------------------------------------------------------


def _table(model: type) -> Any:
    return model.__table__  # type: ignore[attr-defined]


_UPDATED = ("status", "progress_comment", "due_date", "due_kind", "closed_at")


def apply_followup(session: Session, actor: Actor, preview: FollowupPreview) -> FollowupCounts:
    """Write a previewed follow-up file in this one transaction: new items created, changed
    status, comment or due date updated (each change audited), the rest left untouched; an item
    changed by someone since the preview makes the whole import fail. Secretariat only."""
    require(actor, Action.edit_conferences)
    now = utcnow()
    audits: list[dict[str, Any]] = []
    created = updated = 0
    for kind, model in _MODELS:
        rows = [row for row in preview.accepted if row.kind == kind]
        inserts: list[dict[str, Any]] = []
        labels: list[str] = []
        updates: list[dict[str, Any]] = []
        for row in rows:
            label = f"{row.number} {row.text[:80]}".strip()
            for item in row.items:
                if item.item_id is None:
                    inserts.append(_insert_values(kind, row, item.owner_id, actor, now))
                    labels.append(label)
                elif item.changes:
                    current = session.get(model, item.item_id)
                    if current is None or current.version != item.version:
                        raise StaleEdit(t("followup_import.stale"))
                    changes = {**item.changes, **_closing(current, item.changes, now)}
                    values = {f: changes[f][1] if f in changes else getattr(current, f)
                              for f in _UPDATED}
                    updates.append({"b_id": current.id, "b_version": current.version, **values,
                                    "version": current.version + 1, "updated_at": now,
                                    "updated_by_id": actor.id})
                    audits.extend(audit.event_rows(actor, "update", model.__name__,
                                                   item.item_id, label, changes, now))
        table = _table(model)
        if updates:
            statement = table.update().where(
                table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version")
            ).values({f: bindparam(f) for f in (*_UPDATED, "version", "updated_at",
                                                 "updated_by_id")})
            if session.connection().execute(statement, updates).rowcount != len(updates):
                raise StaleEdit(t("followup_import.stale"))
            updated += len(updates)
        if inserts:
            result = session.connection().execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), inserts)
            for new_id, values, label in zip(result.scalars().all(), inserts, labels,
                                             strict=True):
                changes = {f: (None, values[f]) for f in ("title", "text", "owner_structure_id",
                                                          "due_date", "status")
                           if values.get(f) not in (None, "")}
                audits.extend(audit.event_rows(actor, "create", model.__name__, new_id, label,
                                               changes, now))
            created += len(inserts)
    if created or updated:
        audits.extend(audit.event_rows(actor, "import", "FollowupImport", None,
                                       f"{preview.filename} ({created + updated})", {}, now))
        session.connection().execute(_table(AuditEvent).insert(), audits)
        session.flush()
        # Rows loaded for the preview are now stale in this session: reread them from here on.
        session.expire_all()
        if any(row.kind == RECOMMENDATION and row.items for row in preview.accepted):
            from tracker.conference.kpis import refresh_computed_kpis

            refresh_computed_kpis(session, actor)
    return FollowupCounts(created, updated, preview.unchanged)


def _closing(current: Any, changes: dict[str, tuple[Any, Any]], now: datetime
             ) -> dict[str, tuple[Any, Any]]:
    """Done or cancelled from now on stamps closed_at; reopened clears it (as on the page)."""
    if "status" not in changes:
        return {}
    status = changes["status"][1]
    if status in CLOSED and current.closed_at is None:
        return {"closed_at": (None, now)}
    if status not in CLOSED and current.closed_at is not None:
        return {"closed_at": (current.closed_at, None)}
    return {}


def _insert_values(kind: str, row: FollowupRow, owner: int | None, actor: Actor,
                   now: datetime) -> dict[str, Any]:
    status = row.status or ActionStatus.not_started.value
    due_kind = row.due_kind or DueKind.none.value
    values: dict[str, Any] = {
        "conference_id": row.conference_id, "number": row.number,
        "owner_structure_id": owner, "group_ref": row.group_ref, "due_date": row.due_date,
        "due_kind": due_kind, "status": status, "progress_comment": row.comment or "",
        # Done at an unknown date, as a PV's status is: CDSI_RECO counts it done throughout.
        "closed_at": None, "created_at": now, "updated_at": now, "updated_by_id": actor.id,
        "version": 1}
    if kind == RECOMMENDATION:
        values["text"] = row.text
    else:
        values.update({"title": row.text, "recommendation_id": None, "person": "",
                       "priority": Priority.normal.value, "topic": "", "blocker": "",
                       "escalated": False, "escalated_at": None, "initiative_id": None})
    return values


# -- the template ------------------------------------------------------------------------------

TEMPLATE_WIDTHS = {SESSION: 30, NUMBER: 6, KIND: 16, TEXT: 60, OWNER: 14, DUE: 14, STATUS: 22,
                   COMMENT: 40}
TEMPLATE_ORDER = (SESSION, NUMBER, KIND, TEXT, OWNER, DUE, STATUS, COMMENT)
TEMPLATE_BLANK_ROWS = 200


def followup_template(session: Session, actor: Actor, lang: str = "fr") -> Template:
    """The follow-up spreadsheet to fill in (secretariat only): every recommendation and
    action still open, one row per owner, then blank rows for new items; Type and Statut take
    their lists only. Imported back unchanged, it changes nothing."""
    require(actor, Action.edit_conferences)
    kinds = (t("followup_import.kind_recommendation", lang), t("followup_import.kind_action",
                                                               lang))
    statuses = tuple(t(f"actions.status.{code}", lang) for code in STATUSES)
    notes = {SESSION: "note_session", OWNER: "note_owner", DUE: "note_due"}
    columns = [TemplateColumn(t(f"followup_import.header_{role}", lang), TEMPLATE_WIDTHS[role],
                              t(f"followup_import.{notes[role]}", lang) if role in notes else "",
                              kinds if role == KIND else statuses if role == STATUS else ())
               for role in TEMPLATE_ORDER]
    conferences = {c.id: c for c in session.exec(select(Conference))}
    codes = repo.structure_codes_by_id(session)
    rows: list[tuple[tuple[int, int, str, int], list[str | None]]] = []
    for order, (kind, model) in enumerate(reversed(_MODELS)):
        items: Sequence[Any] = session.exec(select(model).where(
            col(model.status).not_in(CLOSED))).all()
        for item in items:
            conference = conferences[item.conference_id]
            due = item.due_date.strftime("%d/%m/%Y") if item.due_date else (
                t(f"actions.due_kind.{item.due_kind}", lang)
                if lang == "fr" and item.due_kind in (DueKind.next_session, DueKind.recurring)
                else None)
            values = {SESSION: conference_label(conference), NUMBER: item.number or None,
                      KIND: kinds[order], TEXT: item.title if kind == ACTION else item.text,
                      OWNER: codes.get(item.owner_structure_id or 0),
                      DUE: due, STATUS: t(f"actions.status.{item.status}", lang),
                      COMMENT: item.progress_comment or None}
            rows.append(((conference.number, order, item.number, item.id or 0),
                         [values[role] for role in TEMPLATE_ORDER]))
    rows.sort(key=lambda pair: pair[0])
    return Template(sheet=t("followup_import.template_sheet", lang),
                    title=t("followup_import.template_title", lang),
                    help=t("followup_import.template_help", lang), columns=columns,
                    rows=[record for _, record in rows], blank_rows=TEMPLATE_BLANK_ROWS)


# -- display -----------------------------------------------------------------------------------

PREVIEW_COLUMNS = ["row", "kind", "session", "text", "owner", "due", "status", "comment",
                   "outcome", "check"]


def _outcome(row: FollowupRow) -> str:
    parts = []
    if row.to_create:
        parts.append(t("followup_import.outcome_create", n=row.to_create))
    if row.to_update:
        parts.append(t("followup_import.outcome_update", n=row.to_update))
    return " · ".join(parts) or t("followup_import.outcome_unchanged")


def _due_text(row: FollowupRow) -> str:
    if row.due_kind is None:
        return ""
    if row.due_kind == DueKind.date and row.due_date is not None:
        return format_date(row.due_date)
    return t(f"actions.due_kind.{row.due_kind}")


def preview_frame(preview: FollowupPreview) -> pd.DataFrame:
    """The accepted rows as the preview shows them, headers and words in the user's language."""
    rows = [{"row": r.row, "kind": t(f"followup_import.kind_{r.kind}"), "session": r.session,
             "text": r.text, "owner": r.owner, "due": _due_text(r),
             "status": t(f"actions.status.{r.status}") if r.status else "",
             "comment": r.comment or "", "outcome": _outcome(r), "check": r.check}
            for r in preview.accepted]
    frame = pd.DataFrame(rows, columns=PREVIEW_COLUMNS)
    return frame.rename(columns={c: t(f"followup_import.col_{c}") for c in PREVIEW_COLUMNS})
