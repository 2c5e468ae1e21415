"""A PV (DOCX, Markdown or text) becomes a reviewable parse: nothing invented, every doubt flagged.

The format is chosen from the content, never from the file name: a ZIP must be a Word document
(read from its XML, ``tracker.minutes.word``), PDF and Word 97-2003 files are refused with a
message saying what to do, Markdown is read by a CommonMark parser (``tracker.minutes.markdown``)
and plain text line by line (``tracker.minutes.text``). ``tracker.minutes.reader`` collects what
each section says; this module resolves structures and dates and says what to check.

What is refused (``UploadError``): a file with neither a session title nor a recognised section
(``minutes.not_minutes``); one with no date, no participants and no decision, recommendation or
action (``minutes.not_minutes_content``); a PV reduced to its header (``minutes.header_only``).
What is flagged: every value inferred rather than read (a date or place from the opening or
closing formula, an owner or deadline from a sentence, a misspelt or shortened structure name, a
status read into "en retard" or a percentage) is listed in ``uncertain``; a recognised section
that yields nothing gets a warning naming it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import replace
from typing import Any

from tracker.core.errors import UploadError
from tracker.core.frdates import resolve_due
from tracker.core.i18n import t
from tracker.core.refdata import StructureRef
from tracker.files.uploads import MAX_TEXT_CHARS, check_size, check_text, decode_text, is_zip
from tracker.minutes.markdown import markdown_blocks
from tracker.minutes.model import (
    ParsedAction,
    ParsedMinutes,
    ParsedRecommendation,
    Participant,
    SourceFormat,
)
from tracker.minutes.patterns import (
    ALL_STRUCTURES,
    RECOMMENDATIONS,
    fold,
    status_of,
    strip_quotes,
    unique,
)
from tracker.minutes.reader import Reader
from tracker.minutes.structures import StructureIndex
from tracker.minutes.text import Block, looks_like_markdown, text_blocks
from tracker.minutes.word import docx_blocks
from tracker.minutes.words import any_date, within, year_end

# Statuses that are an interpretation ("en retard" is not a status; 60 % is "partial").
_READ_INTO_STATUS = re.compile(r"\ben\s+retard\b|%")

__all__ = ["ALL_STRUCTURES", "ParsedMinutes", "StructureIndex", "parse_minutes", "status_of"]

PDF_MAGIC = b"%PDF-"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"


def _mostly_control_characters(text: str) -> bool:
    sample = text[:100_000]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls > max(2, len(sample) // 200)


def _block_texts(blocks: list[Block]) -> list[str]:
    """Every text a Word PV holds, paragraphs and table cells, for the checks a text file gets."""
    return [part for block in blocks
            for part in (block.text, *(cell for row in block.rows for cell in row))]


def _read_blocks(data: bytes, filename: str) -> tuple[list[Block], SourceFormat]:
    check_size(data, filename)
    head = data[:1024].lstrip()
    if is_zip(data):
        blocks = docx_blocks(data, filename)
        check_text("\n".join(_block_texts(blocks)), filename, max_chars=MAX_TEXT_CHARS)
        return blocks, "docx"
    if head.startswith(PDF_MAGIC):
        raise UploadError(t("minutes.pdf", file=filename))
    if data.startswith(OLE_MAGIC):
        raise UploadError(t("minutes.legacy_word", file=filename))
    if head.startswith(RTF_MAGIC):
        raise UploadError(t("minutes.unsupported", file=filename))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Notepad's "Unicode" encoding; decode_text refuses it for its NUL bytes.
        try:
            text = check_text(data.decode("utf-16"), filename)
        except UnicodeDecodeError as exc:
            raise UploadError(t("upload.not_text", file=filename)) from exc
    else:
        text = decode_text(data, filename)
    check_text(text, filename, max_chars=MAX_TEXT_CHARS)
    if _mostly_control_characters(text):
        raise UploadError(t("upload.not_text", file=filename))
    if looks_like_markdown(text):
        return markdown_blocks(text), "markdown"
    return text_blocks(text), "text"



def resolve(reader: Reader, filename: str, source: SourceFormat) -> ParsedMinutes:
    warnings: list[str] = []
    uncertain: list[str] = []

    def unresolved(name: str) -> None:
        shown = name if len(name) <= 80 else name[:79] + "…"
        warnings.append(t("minutes.warning.unresolved_structure", name=shown))

    session_date = any_date(fold(reader.meta.get("date", "")))
    if session_date is None and reader.title:
        session_date = any_date(fold(reader.title))
    if session_date is None and reader.header_date is not None:
        # "s'est tenue le …", "Cotonou, le …": read from the opening; any other date in the
        # header is only a guess.
        session_date = reader.header_date
        if not reader.header_date_read:
            uncertain.append("date")
            warnings.append(t("minutes.warning.date_guessed"))
    if session_date is None and reader.signature_date is not None:
        session_date = reader.signature_date
        uncertain.append("date")
        warnings.append(t("minutes.warning.date_from_signature"))
    if session_date is None:
        uncertain.append("date")
        warnings.append(t("minutes.warning.no_date"))
    place = reader.meta.get("place")
    if place is None and reader.header_place:
        place = reader.header_place
        uncertain.append("place")
    if place is None and reader.signature_place:
        place = reader.signature_place
        uncertain.append("place")
        warnings.append(t("minutes.warning.place_from_signature"))
    if place is None:
        uncertain.append("place")
    for field_name, found in (("number", reader.number), ("rank_in_year", reader.rank)):
        if found is None:
            uncertain.append(field_name)
    if not reader.sections:
        warnings.append(t("minutes.warning.no_sections"))
    for position, kind in enumerate(reader.sections):
        end = reader.section_items.get(position + 1, reader.count())
        if reader.section_items.get(position, 0) == end:
            warnings.append(
                t("minutes.warning.empty_section", section=t(f"minutes.section.{kind}"))
            )
    for section in unique(reader.skipped_tables):
        warnings.append(
            t("minutes.warning.table_skipped", section=t(f"minutes.section.{section}"))
        )

    participants: list[Participant] = []
    for raw in reader.participants:
        code, certain = reader.index.resolve(raw.structure_raw)
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
    for name, values in (("excused", reader.excused), ("absent", reader.absent)):
        codes: list[str] = []
        missing: list[str] = []
        for value in values:
            for raw_name, code in reader.index.split(value):
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
    for item in reader.items:
        owner, owner_certain = reader.index.owner(item.owner)
        if item.owner and owner is None:
            unresolved(item.owner)
        due = resolve_due(item.due, session_date)
        if due.due is None and not (due.recurring or due.next_session):
            # "courant 2025": the end of the year; "3 mois": from the session; to be confirmed.
            implied = year_end(fold(item.due), session_date) or within(fold(item.due), session_date)
            due = replace(due, due=implied, certain=False)
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
        if not recognised or _READ_INTO_STATUS.search(fold(item.status)):
            doubts.append("status")
        actions.append(
            ParsedAction(**common, uncertain=doubts, status=status, status_raw=item.status)
        )

    theme = reader.meta.get("theme")
    return ParsedMinutes(
        filename=filename,
        source_format=source,
        title=reader.title,
        date=session_date,
        place=place,
        time=reader.meta.get("time"),
        number=reader.number,
        rank_in_year=reader.rank,
        theme=strip_quotes(theme) if theme else None,
        chair=reader.meta.get("chair"),
        rapporteur=reader.meta.get("rapporteur"),
        participants=participants,
        excused=attendance["excused"][0],
        absent=attendance["absent"][0],
        excused_unresolved=attendance["excused"][1],
        absent_unresolved=attendance["absent"][1],
        agenda=reader.agenda,
        decisions=reader.decisions,
        recommendations=recommendations,
        actions=actions,
        sections=unique(reader.sections),
        uncertain=uncertain,
        warnings=unique(warnings),
        plain_text="\n".join(reader.text_lines),
    )



def parse_minutes(data: bytes, filename: str, structures: list[StructureRef]) -> ParsedMinutes:
    """Parse a PV (DOCX, Markdown or text, told apart by content) without writing anything.

    Raises ``UploadError`` (message naming the file) for empty, binary, PDF, Word 97-2003,
    damaged or oversized files, ZIP bombs, non-Word ZIPs, documents that are not minutes (no
    session title and no recognised section; or no date, no participants and no outcome) and
    minutes reduced to their header (nothing to import).
    """
    blocks, source = _read_blocks(data, filename)
    reader = Reader(StructureIndex(structures))
    for block in blocks:
        reader.feed(block)
    if not reader.sections and reader.title is None:
        raise UploadError(t("minutes.not_minutes", file=filename))
    parsed = resolve(reader, filename, source)
    people = parsed.participants or parsed.excused or parsed.absent
    outcomes = parsed.decisions or parsed.recommendations or parsed.actions
    if parsed.date is None and not people and not outcomes:
        raise UploadError(t("minutes.not_minutes_content", file=filename))
    if not people and not outcomes and not parsed.agenda:
        # A title, a date and nothing else: importing it would create an empty session.
        raise UploadError(t("minutes.header_only", file=filename))
    return parsed
