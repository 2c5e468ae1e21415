"""Walks a PV's blocks once, in document order, and collects what each section says as written.

Recommendations and actions are only read inside their own sections (tables, list items, labelled
lines, and sentences whose owner and deadline are then marked as inferred), so prose elsewhere
never turns into an item. Resolving structures and dates is left to ``tracker.minutes.parser``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from tracker.core.refdata import normalize
from tracker.minutes.lines import (
    HEADER_DATE_CONTEXT,
    PARTICIPANTS_INTRO,
    inline_due,
    inline_list,
    inline_owner,
    prose_participants,
    split_participant,
    strip_civility,
    trailing_owner_due,
)
from tracker.minutes.patterns import (
    ABSENT,
    ACTIONS,
    AGENDA,
    AGENDA_LINE,
    AGENDA_PROSE,
    BOTH,
    CONTENTS_ENTRY,
    DECISION_LABEL,
    DECISIONS,
    EXCUSED,
    FIELD_SEPARATOR,
    HEADER,
    HEADER_PLACE,
    ITEM_SECTIONS,
    LABEL,
    MAX_FIELDS_PER_LINE,
    META,
    META_FIELDS,
    NEXT_FIELD,
    NOBODY,
    OTHER,
    PARTICIPANTS,
    RECOGNISED_SECTIONS,
    RECOMMENDATIONS,
    SIGNATURE,
    TITLE,
    cell_text,
    clean_item_text,
    clean_value,
    column_roles,
    find_header,
    fold,
    is_caps,
    is_labelled_line,
    item_numbered,
    label_field,
    meta_field_name,
    section_kind,
    split_numbering,
    strip_articles,
    unique,
)
from tracker.minutes.structures import StructureIndex
from tracker.minutes.text import (
    Block,
    decision_text,
    is_band,
    line_block,
    list_text,
    prefixed_item,
    row_line,
)
from tracker.minutes.words import any_date, session_numbers


@dataclass
class RawItem:
    """A recommendation or action as written; ``inferred`` names the values read from wording."""

    kind: str
    text: str
    owner: str = ""
    due: str = ""
    status: str = ""
    inferred: tuple[str, ...] = ()


@dataclass
class RawParticipant:
    """One attendee as written; the structure is resolved later."""

    name: str
    role: str
    structure_raw: str


@dataclass
class Reader:
    """Walks the blocks once, collecting raw values; ``minutes_parser.resolve`` resolves them."""

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
    participants: list[RawParticipant] = field(default_factory=list)
    excused: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    items: list[RawItem] = field(default_factory=list)
    skipped_tables: list[str] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)

    # ---- walking

    def feed(self, block: Block) -> None:
        if block.kind == "table":
            self._table(block.rows)
            return
        if not block.text or CONTENTS_ENTRY.search(block.text):
            return  # "II. Ordre du jour ........ 2" lists a section, it does not open it
        self.text_lines.append(block.text)
        if not self.sections:
            self._header_text(block.text)
        kind = self._heading_kind(block)
        if kind is not None:
            self.section = kind
            self.run = 0
            if kind in RECOGNISED_SECTIONS:
                self.sections.append(kind)
                self.section_items[len(self.sections) - 1] = self.count()
            return
        self._line(block)

    def count(self) -> int:
        """Everything read so far: a section that adds nothing to it yielded no item."""
        return (
            len(self.participants) + len(self.excused) + len(self.absent) + len(self.agenda)
            + len(self.decisions) + len(self.items)
        )

    def _heading_kind(self, block: Block) -> str | None:
        if CONTENTS_ENTRY.search(block.text):
            return None
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
        # "2. SUIVI DES ACTIONS" in a PV written all in capitals continues the agenda's own
        # numbering: capitals alone do not make it a heading there.
        agenda_item = (
            self.section == AGENDA and number is not None and not roman and not block.emphasis
        )
        if strong and not agenda_item:
            if len(key) > 120:
                return None
            kind = section_kind(key, loose=True)
            if kind is None and number is not None and is_caps(heading):
                kind = OTHER
            return self._numbered(kind, number) if kind else None
        if len(key) > 60:
            return None
        kind = section_kind(key, loose=agenda_item)
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
                where = HEADER_PLACE.search(text)
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
            if META.match(folded) and meta_field_name(META.match(folded)) not in self.meta:
                # "Date : …" after a table of contents listed the sections: still the header.
                self._meta_line(text, folded)
            else:
                self._item_line(block)
            return
        if self.section == DECISIONS and (LABEL.search(folded) or prefixed_item(text)):
            # "R1. … Responsable : MEF. Échéance : …" under "Décisions et recommandations".
            self._item_line(block)
            return
        if self._meta_line(text, folded) or self._attendance_line(text, folded):
            return
        if labelled := DECISION_LABEL.match(folded):
            # "Décision : …" written in the proceedings rather than under its own heading.
            if written := clean_value(text[labelled.end() :]):
                self.decisions.append(written)
            return
        if (agenda := AGENDA_LINE.match(folded)) and (points := inline_list(text[agenda.end() :])):
            # "ORDRE DU JOUR : 1) Adoption de l'ordre du jour ; 2) … ; 3) Divers."
            self._enter(AGENDA)
            self.agenda.extend(points)
            return
        if intro := PARTICIPANTS_INTRO.match(folded):
            # "Ont pris part à la session : M. Koffi AGBO (MEF), Mme Awa BIO (MS) et …"
            self._enter(PARTICIPANTS)
            for name, role, structure in prose_participants(text[intro.end() :], self.index):
                self.participants.append(RawParticipant(name, role, structure))
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
            item = list_text(block)
            if item is None and plain and not AGENDA_PROSE.match(folded):
                item = text  # one agenda point per line, unnumbered
            if item and not item.endswith(":"):
                self.agenda.append(item.rstrip(" ;.,"))
        elif self.section == DECISIONS:
            decision = decision_text(block)
            if decision is None and plain and len(text) >= 12:
                decision = text  # "La conférence décide de …" written as a paragraph
            if decision and not decision.endswith(":"):
                self.decisions.append(decision)

    def _enter(self, section: str) -> None:
        if self.section != section:
            self.section = section
            self.sections.append(section)
            self.section_items[len(self.sections) - 1] = self.count()

    def _meta_line(self, text: str, folded: str) -> bool:
        match = META.match(folded)
        if not match:
            return False
        # "Date : 19/07/2022 — Lieu : Cotonou · 11e conférence": one line, several fields (a
        # header line holds a handful; the rest of a longer run is not read).
        for _ in range(MAX_FIELDS_PER_LINE):
            if match is None:
                break
            value = text[match.end() :].strip()
            following = NEXT_FIELD.search(fold(value))
            text = value[following.end() :] if following else ""
            if following:
                value = value[: following.start()].strip()
            self._meta_field(match["label"], FIELD_SEPARATOR.split(value)[0].strip())
            match = META.match(fold(text)) if text else None
        return True

    def _meta_field(self, label: str, value: str) -> None:
        if " et " in label:
            # "Date et lieu : Cotonou, le 12 février 2025"
            self.meta.setdefault("date", value)
            town = re.match(r"^(.{2,60}?),\s+le\b", value)
            if town:
                self.meta.setdefault("place", town[1].strip())
            return
        name = next(v for k, v in META_FIELDS.items() if label.startswith(k))
        if value and name not in self.meta:
            self.meta[name] = value

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
        text = (list_text(block) or block.text).rstrip(" ;.")
        if text.endswith(":"):
            return
        found = split_participant(text, self.index)
        if found:
            self.participants.append(RawParticipant(*found))

    def _item_line(self, block: Block) -> None:
        before = len(self.items)
        self._read_item_line(block)
        if block.checked and len(self.items) > before and not self.items[-1].status:
            self.items[-1].status = "[x]"  # read as "done" (see STATUS_RULES)

    def _read_item_line(self, block: Block) -> None:
        text = block.text
        folded = fold(text)
        labels = list(LABEL.finditer(folded))
        if not labels:
            item = list_text(block)
            if item is None:
                item = prefixed_item(text)
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
            RawItem(
                self._item_kind(text),
                body,
                owner=values.get("owner", ""),
                due=values.get("due", ""),
                status=values.get("status", ""),
            )
        )

    def _inline_item(self, kind: str, text: str) -> RawItem:
        """An item without labels: owner and deadline as the sentence words them, to confirm."""
        text, owner, due = trailing_owner_due(text, self.index)
        if not owner:
            owner = inline_owner(text)
            if owner and not self.index.owner(owner)[0]:
                owner = ""
            due = inline_due(text)
        inferred = tuple(name for name, value in (("owner", owner), ("due", due)) if value)
        return RawItem(kind, text, owner=owner, due=due, inferred=inferred)

    def _item_kind(self, text: str) -> str:
        if self.section == RECOMMENDATIONS:
            return RECOMMENDATIONS
        if self.section == ACTIONS:
            return ACTIONS
        head = fold(text)[:20]
        return RECOMMENDATIONS if re.match(r"^(?:r\.?\s?\d|recommandation)", head) else ACTIONS

    def _table(self, rows: list[list[str]]) -> None:
        rows = [row for row in rows if any(cell for cell in row)]
        if not rows:
            return
        header = find_header(rows)
        if header is None and self.section in (AGENDA, DECISIONS):
            # "N° | Point": one agenda point or decision per row.
            target = self.agenda if self.section == AGENDA else self.decisions
            columns = column_roles(rows[0])
            if "text" in columns:
                # "N° | Décision | Observations": the decision column only.
                target.extend(text for row in rows[1:] if (text := cell_text(row, columns, "text")))
                return
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
                    self.feed(line_block("para", row_line(row)))
            finally:
                self.in_layout_table = False
            if self.section in ITEM_SECTIONS and len(self.items) == items_before:
                self.skipped_tables.append(self.section)
            return
        self.text_lines.extend(" | ".join(row) for row in rows)
        start, columns = header
        body = [row for row in rows[start + 1 :] if row != rows[start] and not is_band(row)]
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
                self.participants.append(RawParticipant(name, role, structure))

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
            written = normalize(cell_text(row, columns, "kind"))
            row_kind = (
                RECOMMENDATIONS if written.startswith("r")
                else ACTIONS if written[:1] in ("a", "m") else kind
            )  # a "Type" column: Recommandation / Action / Mesure
            self.items.append(
                RawItem(
                    row_kind,
                    text,
                    owner=cell_text(row, columns, "owner") or cell_text(row, columns, "structure"),
                    due=cell_text(row, columns, "due"),
                    status=cell_text(row, columns, "status"),
                )
            )
