"""A PV (DOCX, Markdown or text) becomes a reviewable parse: nothing invented, every doubt flagged.

What counts as minutes: a file with neither a session title (a line naming a "session" and the
"conférence"/CDSI) nor any recognised section heading (participants, ordre du jour, décisions,
recommandations, actions) is refused with ``UploadError`` (``minutes.not_minutes``). A file with a
title but no section parses to empty lists and a warning. Recommendations and actions are only
read inside their own sections, from a table or from list items and lines carrying
``Responsable :`` / ``Échéance :`` labels, so prose elsewhere never turns into an action.

The format is chosen from the content, never from the file name: a ZIP must be a Word document,
PDF and Word 97-2003 files are refused with a message saying what to do, anything else must decode
as text (Markdown and plain text share one reader).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, Field

from tracker.errors import UploadError
from tracker.frdates import resolve_due
from tracker.i18n import t
from tracker.minutes_docx import docx_blocks
from tracker.minutes_lines import (
    HEADER_DATE_CONTEXT,
    PARTICIPANTS_INTRO,
    inline_due,
    inline_owner,
    prose_participants,
    split_participant,
    strip_civility,
    trailing_owner_due,
)
from tracker.minutes_markdown import markdown_blocks
from tracker.minutes_patterns import (
    ABSENT,
    ACTIONS,
    AGENDA,
    ALL_STRUCTURES,
    BOTH,
    DECISION_PREFIX,
    DECISIONS,
    EXCUSED,
    HEADER,
    ITEM_SECTIONS,
    LABEL,
    META,
    META_FIELDS,
    NOBODY,
    OTHER,
    PARTICIPANTS,
    RECOGNISED_SECTIONS,
    RECOMMENDATIONS,
    SIGNATURE,
    TITLE,
    Status,
    cell_text,
    clean_item_text,
    clean_value,
    find_header,
    fold,
    is_caps,
    is_labelled_line,
    item_numbered,
    label_field,
    section_kind,
    split_numbering,
    status_of,
    strip_articles,
    strip_quotes,
    unique,
)
from tracker.minutes_structures import StructureIndex
from tracker.minutes_text import Block, line_block, looks_like_markdown, text_blocks
from tracker.minutes_words import any_date, session_numbers, year_end
from tracker.refdata import StructureRef, normalize
from tracker.uploads import check_size, decode_text, is_zip

SourceFormat = Literal["docx", "markdown", "text"]

# "Cotonou, le 5 décembre 2023" / "… s'est réunie le 26 juin 2025 à Cotonou".
_HEADER_PLACE = re.compile(
    r"^\s*(?P<town>[A-ZÀ-Ý][\w'\-]+(?:[ \-][A-ZÀ-Ý][\w'\-]+)?),\s+le\b"
    r"|\bà\s+(?P<place>[A-ZÀ-Ý][\w'\-]+(?:[ \-][A-ZÀ-Ý][\w'\-]+)?)"
)
_AGENDA_PROSE = re.compile(r"^(?:l'ordre\s+du\s+jour|apres|la\s+seance|le\s+president)\b")
_FIELD_LABELS = r"(?:date|lieu|heure|horaires?|presidence|rapporteu(?:r|se)|theme)"
_NEXT_FIELD = re.compile(rf"\s*[·•|;,—–-]+\s*(?={_FIELD_LABELS}\s*:)")
_FIELD_SEPARATOR = re.compile(r"\s+[·•|]\s+")

__all__ = ["ALL_STRUCTURES", "ParsedMinutes", "StructureIndex", "parse_minutes", "status_of"]
# Names the follow-up import used before the parser was split; it should import
# ``StructureIndex`` (tracker.minutes_structures) and ``status_of`` (tracker.minutes_patterns).
_StructureIndex = StructureIndex
_status = status_of

MAX_TEXT_CHARS = 2_000_000

PDF_MAGIC = b"%PDF-"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"


# --------------------------------------------------------------------------- the parse


class Participant(BaseModel):
    """One line of the attendance list."""

    name: str
    role: str = ""
    structure: str | None = None
    structure_raw: str = ""
    uncertain: list[str] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "structure": self.structure}


class MinutesItem(BaseModel):
    """What recommendations and actions share: text, owner structure and due date."""

    text: str
    owner: str | None = None
    owner_raw: str = ""
    due: dt.date | None = None
    due_raw: str = ""
    recurring: bool = False
    next_session: bool = False
    uncertain: list[str] = Field(default_factory=list)

    @property
    def due_json(self) -> str | None:
        """The due date as the JSON export writes it: ISO date, "next_session" or None."""
        if self.next_session:
            return "next_session"
        return self.due.isoformat() if self.due else None


class ParsedRecommendation(MinutesItem):
    def to_json_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "due": self.due_json,
            "recurring": self.recurring,
        }


class ParsedAction(MinutesItem):
    status: Status = "not_started"
    status_raw: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "due": self.due_json,
            "status": self.status,
            "recurring": self.recurring,
        }


class ParsedMinutes(BaseModel):
    """The parse of one PV, to be reviewed and corrected before anything is saved.

    ``uncertain`` (here and on each item) names the fields a person must confirm; ``warnings``
    are sentences from the catalogue explaining why.
    """

    filename: str
    source_format: SourceFormat
    title: str | None = None
    date: dt.date | None = None
    place: str | None = None
    time: str | None = None
    number: int | None = None
    rank_in_year: int | None = None
    theme: str | None = None
    chair: str | None = None
    rapporteur: str | None = None
    participants: list[Participant] = Field(default_factory=list)
    excused: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    excused_unresolved: list[str] = Field(default_factory=list)
    absent_unresolved: list[str] = Field(default_factory=list)
    agenda: list[str] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)
    recommendations: list[ParsedRecommendation] = Field(default_factory=list)
    actions: list[ParsedAction] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    uncertain: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    plain_text: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """The shape of ``tests/fixtures/samples/*.expected.json`` (``title`` only when found)."""
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        out.update(
            {
                "date": self.date.isoformat() if self.date else None,
                "place": self.place,
                "number": self.number,
                "rank_in_year": self.rank_in_year,
                "theme": self.theme,
                "participants": [p.to_json_dict() for p in self.participants],
                "excused": list(self.excused),
                "absent": list(self.absent),
                "agenda": list(self.agenda),
                "decisions": list(self.decisions),
                "recommendations": [r.to_json_dict() for r in self.recommendations],
                "actions": [a.to_json_dict() for a in self.actions],
            }
        )
        return out


def _mostly_control_characters(text: str) -> bool:
    sample = text[:100_000]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls > max(2, len(sample) // 200)


def _read_blocks(data: bytes, filename: str) -> tuple[list[Block], SourceFormat]:
    check_size(data, filename)
    head = data[:1024].lstrip()
    if is_zip(data):
        return docx_blocks(data, filename), "docx"
    if head.startswith(PDF_MAGIC):
        raise UploadError(t("minutes.pdf", file=filename))
    if data.startswith(OLE_MAGIC):
        raise UploadError(t("minutes.legacy_word", file=filename))
    if head.startswith(RTF_MAGIC):
        raise UploadError(t("minutes.unsupported", file=filename))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Notepad's "Unicode" encoding; decode_text refuses it for its NUL bytes.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UploadError(t("upload.not_text", file=filename)) from exc
    else:
        text = decode_text(data, filename)
    if len(text) > MAX_TEXT_CHARS:
        raise UploadError(t("minutes.too_long", file=filename))
    if _mostly_control_characters(text):
        raise UploadError(t("upload.not_text", file=filename))
    if looks_like_markdown(text):
        return markdown_blocks(text), "markdown"
    return text_blocks(text), "text"


# --------------------------------------------------------------------------- the reader


@dataclass
class _RawItem:
    kind: str
    text: str
    owner: str = ""
    due: str = ""
    status: str = ""
    inferred: tuple[str, ...] = ()


@dataclass
class _RawParticipant:
    name: str
    role: str
    structure_raw: str


@dataclass
class _Reader:
    """Walks the blocks once, collecting raw values; ``finish`` resolves them."""

    index: StructureIndex
    section: str = HEADER
    last_number: int = 0
    run: int = 0
    sections: list[str] = field(default_factory=list)
    title: str | None = None
    number: int | None = None
    rank: int | None = None
    meta: dict[str, str] = field(default_factory=dict)
    signature_place: str | None = None
    signature_date: dt.date | None = None
    header_date: dt.date | None = None
    header_date_read: bool = False
    header_place: str | None = None
    in_layout_table: bool = False
    section_items: dict[int, int] = field(default_factory=dict)
    participants: list[_RawParticipant] = field(default_factory=list)
    excused: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    items: list[_RawItem] = field(default_factory=list)
    skipped_tables: list[str] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)

    # ---- walking

    def feed(self, block: Block) -> None:
        if block.kind == "table":
            self._table(block.rows)
            return
        if not block.text:
            return
        self.text_lines.append(block.text)
        if not self.sections:
            self._header_text(block.text)
        kind = self._heading_kind(block)
        if kind is not None:
            self.section = kind
            self.run = 0
            if kind in RECOGNISED_SECTIONS:
                self.sections.append(kind)
                self.section_items[len(self.sections) - 1] = self._count()
            return
        self._line(block)

    def _count(self) -> int:
        """Everything read so far: a section that adds nothing to it yielded no item."""
        return (
            len(self.participants) + len(self.excused) + len(self.absent) + len(self.agenda)
            + len(self.decisions) + len(self.items)
        )

    def _heading_kind(self, block: Block) -> str | None:
        number, roman, rest = split_numbering(block.text)
        heading = rest.strip().rstrip(":").strip()
        key = strip_articles(normalize(heading))
        if not key:
            return None
        kind: str | None
        if ":" in heading and is_labelled_line(fold(rest)):
            return None
        if block.kind == "heading":
            kind = section_kind(key, loose=True) or OTHER
            return self._numbered(kind, number)
        if ":" in heading or block.bullet:
            return None
        kind = self._implicit_heading_kind(block, number, roman, heading, key)
        if kind is not None and kind == self.section and kind != OTHER:
            # "Adoption de l'ordre du jour" under "ORDRE DU JOUR" is an item, not a new heading.
            return None
        return kind

    def _implicit_heading_kind(
        self, block: Block, number: int | None, roman: bool, heading: str, key: str
    ) -> str | None:
        """A paragraph that only its wording, emphasis or numbering marks as a heading."""
        kind: str | None
        strong = block.emphasis or roman or is_caps(heading)
        if strong:
            if len(key) > 120:
                return None
            kind = section_kind(key, loose=True)
            if kind is None and number is not None and is_caps(heading):
                kind = OTHER
            return self._numbered(kind, number) if kind else None
        if len(key) > 60:
            return None
        kind = section_kind(key, loose=False)
        if kind is None:
            return None
        if block.kind == "list" or item_numbered(block.text):
            # A Word list paragraph is an agenda or decision item far more often than a heading.
            recognised = kind != OTHER and self.section != AGENDA
            return kind if recognised else None
        if number is None:
            return kind
        # Plain-text numbering: "3. Déroulement des travaux" follows heading 2 while the agenda's
        # own items run 1, 2, 3…; the next item of the current list is not a heading.
        next_heading = number == self.last_number + 1
        continues_list = number == self.run + 1
        if next_heading and (not continues_list or kind != OTHER):
            return self._numbered(kind, number)
        if continues_list or kind == OTHER or self.section == AGENDA:
            return None
        return self._numbered(kind, number)

    def _numbered(self, kind: str, number: int | None) -> str:
        if number is not None:
            self.last_number = number
        return kind

    def _header_text(self, text: str) -> None:
        key = fold(text)
        if self.title is None and len(text) <= 300 and TITLE.search(key) and not META.match(key):
            self.title = text
        rank, number = session_numbers(key)
        if self.rank is None:
            self.rank = rank
        if self.number is None:
            self.number = number
        if self.header_date is None and not META.match(key) and not SIGNATURE.match(key):
            found = any_date(key)
            if found is not None:
                self.header_date = found
                self.header_date_read = bool(HEADER_DATE_CONTEXT.search(key))
                where = _HEADER_PLACE.search(text)
                if where:
                    self.header_place = where["town"] or where["place"]

    def _line(self, block: Block) -> None:
        text = block.text
        folded = fold(text)
        number, _, _ = split_numbering(text)
        if number is not None:
            self.run = number
        if match := SIGNATURE.match(folded):
            self.signature_place = clean_value(text[match.start("place") : match.end("place")])
            self.signature_date = any_date(folded[match.start("place") :])
            # "Fait à …, le …" closes the PV: the signatures below it are not items.
            self.section = OTHER
            return
        if self.section in ITEM_SECTIONS:
            self._item_line(block)
            return
        if self._meta_line(text, folded) or self._attendance_line(text, folded):
            return
        if intro := PARTICIPANTS_INTRO.match(folded):
            # "Ont pris part à la session : M. Koffi AGBO (MEF), Mme Awa BIO (MS) et …"
            self._enter(PARTICIPANTS)
            for name, role, structure in prose_participants(text[intro.end() :], self.index):
                self.participants.append(_RawParticipant(name, role, structure))
            return
        plain = (
            block.kind == "para"
            and not block.bullet
            and not block.verbatim
            and not self.in_layout_table
        )
        if self.section == PARTICIPANTS:
            self._participant_line(block)
        elif self.section == AGENDA:
            item = _list_text(block)
            if item is None and plain and not _AGENDA_PROSE.match(folded):
                item = text  # one agenda point per line, unnumbered
            if item and not item.endswith(":"):
                self.agenda.append(item.rstrip(" ;.,"))
        elif self.section == DECISIONS:
            decision = _decision_text(block)
            if decision is None and plain and len(text) >= 12:
                decision = text  # "La conférence décide de …" written as a paragraph
            if decision and not decision.endswith(":"):
                self.decisions.append(decision)

    def _enter(self, section: str) -> None:
        if self.section != section:
            self.section = section
            self.sections.append(section)
            self.section_items[len(self.sections) - 1] = self._count()

    def _meta_line(self, text: str, folded: str) -> bool:
        match = META.match(folded)
        if not match:
            return False
        label = match["label"]
        name = next(v for k, v in META_FIELDS.items() if label.startswith(k))
        value = text[match.end() :].strip()
        # "Date : 19/07/2022 — Lieu : Cotonou · 11e conférence": one line, several fields.
        following = _NEXT_FIELD.search(fold(value))
        if following:
            rest = value[following.end() :]
            value = value[: following.start()].strip()
            self._meta_line(rest, fold(rest))
        value = _FIELD_SEPARATOR.split(value)[0].strip()
        if value and name not in self.meta:
            self.meta[name] = value
        return True

    def _attendance_line(self, text: str, folded: str) -> bool:
        for pattern, target in ((EXCUSED, self.excused), (ABSENT, self.absent)):
            match = pattern.match(folded)
            if match:
                value = clean_value(text[match.end() :])
                if value and not NOBODY.match(normalize(value)):
                    target.append(value)
                return True
        return False

    def _participant_line(self, block: Block) -> None:
        text = (_list_text(block) or block.text).rstrip(" ;.")
        if text.endswith(":"):
            return
        found = split_participant(text, self.index)
        if found:
            self.participants.append(_RawParticipant(*found))

    def _item_line(self, block: Block) -> None:
        text = block.text
        folded = fold(text)
        labels = list(LABEL.finditer(folded))
        if not labels:
            item = _list_text(block)
            if item is None:
                item = _prefixed_item(text)
            prose = block.kind == "para" and not (self.in_layout_table or block.verbatim)
            if item is None and prose:
                item = text  # a recommendation or an action written as a paragraph
            if item and not item.endswith(":") and len(item) >= 8:
                cleaned = clean_item_text(item)
                if cleaned:
                    self.items.append(self._inline_item(self._item_kind(text), cleaned))
            return
        values: dict[str, str] = {}
        for position, match in enumerate(labels):
            end = labels[position + 1].start() if position + 1 < len(labels) else len(text)
            value = clean_value(text[match.end() : end])
            values.setdefault(label_field(match["label"]), value)
        body = clean_item_text(text[: labels[0].start()])
        if not body:
            # "Responsable : MEF. Échéance : …" on its own line completes the item above it.
            if self.items:
                last = self.items[-1]
                for name, value in values.items():
                    if not getattr(last, name):
                        setattr(last, name, value)
            return
        self.items.append(
            _RawItem(
                self._item_kind(text),
                body,
                owner=values.get("owner", ""),
                due=values.get("due", ""),
                status=values.get("status", ""),
            )
        )

    def _inline_item(self, kind: str, text: str) -> _RawItem:
        """An item without labels: owner and deadline as the sentence words them, to confirm."""
        text, owner, due = trailing_owner_due(text, self.index)
        if not owner:
            owner = inline_owner(text)
            if owner and not self.index.owner(owner)[0]:
                owner = ""
            due = inline_due(text)
        inferred = tuple(name for name, value in (("owner", owner), ("due", due)) if value)
        return _RawItem(kind, text, owner=owner, due=due, inferred=inferred)

    def _item_kind(self, text: str) -> str:
        if self.section == RECOMMENDATIONS:
            return RECOMMENDATIONS
        if self.section == ACTIONS:
            return ACTIONS
        head = fold(text)[:20]
        return RECOMMENDATIONS if re.match(r"^(?:r\s?\d|recommandation)", head) else ACTIONS

    def _table(self, rows: list[list[str]]) -> None:
        rows = [row for row in rows if any(cell for cell in row)]
        if not rows:
            return
        header = find_header(rows)
        if header is None and self.section in (AGENDA, DECISIONS):
            # "N° | Point": one agenda point or decision per row.
            target = self.agenda if self.section == AGENDA else self.decisions
            for position, row in enumerate(rows):
                cells = [c for c in row if c and not re.fullmatch(r"[A-Za-z]?\d{1,3}[.)]?", c)]
                if position == 0 and all(len(c) <= 25 and not c[:1].isdigit() for c in row):
                    continue  # the header row
                if cells:
                    target.append(" ".join(unique(cells)))
            return
        if header is None:
            # A layout table ("Date :" | "24 juin 2025") or tab-aligned text: read it line by line.
            items_before = len(self.items)
            self.in_layout_table = True
            try:
                for row in rows:
                    self.feed(line_block("para", _row_line(row)))
            finally:
                self.in_layout_table = False
            if self.section in ITEM_SECTIONS and len(self.items) == items_before:
                self.skipped_tables.append(self.section)
            return
        self.text_lines.extend(" | ".join(row) for row in rows)
        start, columns = header
        body = [row for row in rows[start + 1 :] if row != rows[start] and not _is_band(row)]
        if "name" in columns:
            self._participant_rows(body, columns)
        elif self.section in ITEM_SECTIONS:
            self._item_rows(body, columns, rows[start])
        elif self.section == DECISIONS:
            self.decisions.extend(text for row in body if (text := cell_text(row, columns, "text")))

    def _participant_rows(self, body: list[list[str]], columns: dict[str, list[int]]) -> None:
        for row in body:
            name = strip_civility(cell_text(row, columns, "name"))
            role = cell_text(row, columns, "role")
            if "," in name and not role:
                # "Koffi AGBO, DSI" in a "Représenté par" column
                name, role = (part.strip() for part in name.split(",", 1))
            if name:
                structure = cell_text(row, columns, "structure") or cell_text(row, columns, "owner")
                self.participants.append(_RawParticipant(name, role, structure))

    def _item_rows(
        self, body: list[list[str]], columns: dict[str, list[int]], header: list[str]
    ) -> None:
        kind = self.section
        if kind == BOTH:
            heading = normalize(cell_text(header, columns, "text"))
            kind = RECOMMENDATIONS if heading.startswith("recommandation") else ACTIONS
        for row in body:
            text = clean_item_text(cell_text(row, columns, "text"))
            if not text:
                continue
            self.items.append(
                _RawItem(
                    kind,
                    text,
                    owner=cell_text(row, columns, "owner") or cell_text(row, columns, "structure"),
                    due=cell_text(row, columns, "due"),
                    status=cell_text(row, columns, "status"),
                )
            )

    # ---- resolving

    def finish(self, filename: str, source: SourceFormat) -> ParsedMinutes:
        warnings: list[str] = []
        uncertain: list[str] = []

        def unresolved(name: str) -> None:
            shown = name if len(name) <= 80 else name[:79] + "…"
            warnings.append(t("minutes.warning.unresolved_structure", name=shown))

        session_date = any_date(fold(self.meta.get("date", "")))
        if session_date is None and self.title:
            session_date = any_date(fold(self.title))
        if session_date is None and self.header_date is not None:
            # "s'est tenue le …", "Cotonou, le …": read from the opening; any other date in the
            # header is only a guess.
            session_date = self.header_date
            if not self.header_date_read:
                uncertain.append("date")
                warnings.append(t("minutes.warning.date_guessed"))
        if session_date is None and self.signature_date is not None:
            session_date = self.signature_date
            uncertain.append("date")
            warnings.append(t("minutes.warning.date_from_signature"))
        if session_date is None:
            uncertain.append("date")
            warnings.append(t("minutes.warning.no_date"))
        place = self.meta.get("place")
        if place is None and self.header_place:
            place = self.header_place
            uncertain.append("place")
        if place is None and self.signature_place:
            place = self.signature_place
            uncertain.append("place")
            warnings.append(t("minutes.warning.place_from_signature"))
        if place is None:
            uncertain.append("place")
        for field_name, found in (("number", self.number), ("rank_in_year", self.rank)):
            if found is None:
                uncertain.append(field_name)
        if not self.sections:
            warnings.append(t("minutes.warning.no_sections"))
        for position, kind in enumerate(self.sections):
            end = self.section_items.get(position + 1, self._count())
            if self.section_items.get(position, 0) == end:
                warnings.append(
                    t("minutes.warning.empty_section", section=t(f"minutes.section.{kind}"))
                )
        for section in unique(self.skipped_tables):
            warnings.append(
                t("minutes.warning.table_skipped", section=t(f"minutes.section.{section}"))
            )

        participants: list[Participant] = []
        for raw in self.participants:
            code, certain = self.index.resolve(raw.structure_raw)
            doubts = [] if certain else ["structure"]
            if raw.structure_raw and not code:
                unresolved(raw.structure_raw)
            participants.append(
                Participant(
                    name=raw.name,
                    role=raw.role,
                    structure=code,
                    structure_raw=raw.structure_raw,
                    uncertain=doubts,
                )
            )

        attendance: dict[str, tuple[list[str], list[str]]] = {}
        for name, values in (("excused", self.excused), ("absent", self.absent)):
            codes: list[str] = []
            missing: list[str] = []
            for value in values:
                for raw_name, code in self.index.split(value):
                    if code:
                        codes.append(code)
                    else:
                        missing.append(raw_name)
                        unresolved(raw_name)
            if missing:
                uncertain.append(name)
            attendance[name] = (unique(codes), missing)

        recommendations: list[ParsedRecommendation] = []
        actions: list[ParsedAction] = []
        for item in self.items:
            owner, owner_certain = self.index.owner(item.owner)
            if item.owner and owner is None:
                unresolved(item.owner)
            due = resolve_due(item.due, session_date)
            if due.due is None and not (due.recurring or due.next_session):
                # "courant 2025": the end of the year, to be confirmed.
                due = replace(due, due=year_end(fold(item.due)), certain=False)
            doubts = [] if owner_certain else ["owner"]
            if not due.certain:
                doubts.append("due")
            # Read from the wording of a sentence, not from a label or a column: to confirm.
            doubts += [name for name in item.inferred if name not in doubts]
            common: dict[str, Any] = {
                "text": item.text,
                "owner": owner,
                "owner_raw": item.owner,
                "due": due.due,
                "due_raw": item.due,
                "recurring": due.recurring,
                "next_session": due.next_session,
            }
            if item.kind == RECOMMENDATIONS:
                recommendations.append(ParsedRecommendation(**common, uncertain=doubts))
                continue
            status, recognised = status_of(item.status)
            if not recognised:
                doubts.append("status")
            actions.append(
                ParsedAction(**common, uncertain=doubts, status=status, status_raw=item.status)
            )

        theme = self.meta.get("theme")
        return ParsedMinutes(
            filename=filename,
            source_format=source,
            title=self.title,
            date=session_date,
            place=place,
            time=self.meta.get("time"),
            number=self.number,
            rank_in_year=self.rank,
            theme=strip_quotes(theme) if theme else None,
            chair=self.meta.get("chair"),
            rapporteur=self.meta.get("rapporteur"),
            participants=participants,
            excused=attendance["excused"][0],
            absent=attendance["absent"][0],
            excused_unresolved=attendance["excused"][1],
            absent_unresolved=attendance["absent"][1],
            agenda=self.agenda,
            decisions=self.decisions,
            recommendations=recommendations,
            actions=actions,
            sections=unique(self.sections),
            uncertain=uncertain,
            warnings=unique(warnings),
            plain_text="\n".join(self.text_lines),
        )


def _row_line(row: list[str]) -> str:
    """A table row as one line: "Date :" + "24 juin" → "Date : 24 juin"; else comma-separated."""
    cells = [c for i, c in enumerate(row) if c and (i == 0 or c != row[i - 1])]
    if len(cells) > 1 and re.fullmatch(r"\d{1,3}\.?", cells[0]):
        cells = cells[1:]
    if len(cells) > 1 and not cells[0].endswith(":") and is_labelled_line(fold(cells[0]) + " :"):
        cells[0] += " :"  # "Date" | "24 juin 2025" in a layout table
    line = ""
    for cell in cells:
        line = f"{line} {cell}" if line.endswith(":") else f"{line}, {cell}" if line else cell
    return line


def _list_text(block: Block) -> str | None:
    """The item text when the block is a list item (bullet, Word list or visible numbering)."""
    rest = split_numbering(block.text)[2]
    if block.kind == "list" or block.bullet or rest != block.text:
        return rest
    return None


def _prefixed_item(text: str) -> str | None:
    """ "A1. …" / "R2 – …" written as a plain paragraph is still an item."""
    return text if re.match(r"^[ARM]\s?\d{1,3}\b", text) else None


def _decision_text(block: Block) -> str | None:
    match = DECISION_PREFIX.match(fold(block.text))
    if match:
        return block.text[match.end() :].strip() or None
    return _list_text(block)


def _is_band(row: list[str]) -> bool:
    """A merged row ("Axe 1 : Interopérabilité") repeats one text across every column."""
    filled = [cell for cell in row if cell]
    return len(row) > 1 and len(filled) > 1 and len(set(filled)) == 1


def parse_minutes(data: bytes, filename: str, structures: list[StructureRef]) -> ParsedMinutes:
    """Parse a PV (DOCX, Markdown or text, told apart by content) without writing anything.

    Raises ``UploadError`` (message naming the file) for empty, binary, PDF, Word 97-2003,
    damaged or oversized files, ZIP bombs, non-Word ZIPs, documents that are not minutes (no
    session title and no recognised section; or no date, no participants and no outcome) and
    minutes reduced to their header (nothing to import).
    """
    blocks, source = _read_blocks(data, filename)
    reader = _Reader(StructureIndex(structures))
    for block in blocks:
        reader.feed(block)
    if not reader.sections and reader.title is None:
        raise UploadError(t("minutes.not_minutes", file=filename))
    parsed = reader.finish(filename, source)
    people = parsed.participants or parsed.excused or parsed.absent
    outcomes = parsed.decisions or parsed.recommendations or parsed.actions
    if parsed.date is None and not people and not outcomes:
        raise UploadError(t("minutes.not_minutes", file=filename))
    if not people and not outcomes and not parsed.agenda:
        # A title, a date and nothing else: importing it would create an empty session.
        raise UploadError(t("minutes.header_only", file=filename))
    return parsed
