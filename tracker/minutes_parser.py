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
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import _Element
from pydantic import BaseModel, Field

from tracker.errors import UploadError
from tracker.frdates import parse_french_date, resolve_due
from tracker.i18n import t
from tracker.refdata import StructureMatcher, StructureRef, normalize
from tracker.uploads import check_size, decode_text, is_zip, open_safe_zip

Status = Literal["not_started", "in_progress", "partial", "done", "blocked", "cancelled"]
SourceFormat = Literal["docx", "markdown", "text"]

ALL_STRUCTURES = "*"
# A real PV's document.xml is well under 1 MB; the cap keeps parsing time bounded on hostile input.
MAX_DOCUMENT_XML_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000

PDF_MAGIC = b"%PDF-"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"

HEADER = "header"
PARTICIPANTS = "participants"
AGENDA = "agenda"
DECISIONS = "decisions"
RECOMMENDATIONS = "recommendations"
ACTIONS = "actions"
BOTH = "recommendations_actions"
OTHER = "other"
ITEM_SECTIONS = frozenset({RECOMMENDATIONS, ACTIONS, BOTH})
RECOGNISED_SECTIONS = frozenset({PARTICIPANTS, AGENDA, DECISIONS, RECOMMENDATIONS, ACTIONS, BOTH})


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


# --------------------------------------------------------------------------- text helpers


class _FoldTable(dict[int, str]):
    """``str.translate`` table built on demand: each character to one lower-case unaccented one.

    Exactly one character out per character in, so offsets found in the folded text slice the
    original text.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        lowered = (base or ch).lower()
        folded = "'" if ch == "\u2019" else (lowered[0] if lowered else ch)
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _fold(text: str) -> str:
    """Lower-case, accent-free copy of ``text`` with the same length (for regex offsets)."""
    return text.translate(_FOLD_TABLE)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _clean_value(value: str) -> str:
    """A labelled value without the punctuation that separated it from the next label."""
    # A few rounds are enough for "(Responsable : MEF)." and keep the cost linear on hostile text.
    for _ in range(3):
        value = value.lstrip(" ;,:–—-").rstrip(" .;,:–—-")
        opens, closes = value.count("("), value.count(")")
        if value.endswith("(") or (value.endswith(")") and closes > opens):
            value = value[:-1]
        elif value.startswith("(") and opens > closes:
            value = value[1:]
        else:
            break
    return value.lstrip(" ;,:–—-").rstrip(" .;,:–—-")


_BULLET = re.compile(r"^[-*+•▪◦‣·–—○■□➢➤✓]\s+")
_NUMBERING = re.compile(
    r"^(?:(?P<arabic>\d{1,2})(?!\d)\s*(?:[.)\-–—:]|°)\s*"
    r"|(?P<roman>[IVX]{1,5})(?:\s*[.)]\s*|\s*[\-–—:]\s+|\s*[\-–—:](?=[A-ZÀ-Ý]{2}))"
    r"|(?P<letter>[a-z])\)\s*)"
)
_ROMAN = {"I": 1, "V": 5, "X": 10}


def _roman_value(text: str) -> int:
    total = 0
    for ch, nxt in zip(text, [*text[1:], ""], strict=True):
        value = _ROMAN[ch]
        total += -value if nxt and _ROMAN[nxt] > value else value
    return total


def _split_numbering(text: str) -> tuple[int | None, bool, str]:
    """(number, is_roman, rest) for "2. Ordre du jour", "IV – RECOMMANDATIONS", "a) …"."""
    match = _NUMBERING.match(text)
    if not match:
        return None, False, text
    rest = text[match.end() :].strip()
    if match["arabic"]:
        return int(match["arabic"]), False, rest
    if match["roman"]:
        return _roman_value(match["roman"]), True, rest
    return None, False, rest


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _strip_articles(key: str) -> str:
    return re.sub(r"^(?:les?\s+|la\s+|l')", "", key)


# --------------------------------------------------------------------------- blocks


BlockKind = Literal["heading", "list", "para", "table"]


@dataclass
class _Block:
    """A paragraph, list item, heading or table, in document order, whatever the format."""

    kind: BlockKind
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    bullet: bool = False
    emphasis: bool = False


def _line_block(kind: BlockKind, text: str, *, emphasis: bool = False) -> _Block:
    text = _squash(text)
    match = _BULLET.match(text)
    if match:
        return _Block("list" if kind == "para" else kind, text[match.end() :], bullet=True)
    return _Block(kind, text, emphasis=emphasis)


def _inline(text: str) -> tuple[str, bool]:
    """Markdown emphasis removed (links and HTML stay as written); True when all of it was bold."""
    text = text.strip()
    whole_bold = len(text) > 4 and text.startswith(("**", "__")) and text.endswith(("**", "__"))
    text = text.replace("**", "").replace("__", "").strip()
    if len(text) > 2 and text[0] == text[-1] and text[0] in "*_":
        text = text[1:-1].strip()
    return _squash(text), whole_bold


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SEPARATOR_CELL = re.compile(r":?-+:?")
_RULE_LINE = re.compile(r"^(?:=+|-{3,}|\*{3,}|_{3,})$")
_MARKDOWN_HINT = re.compile(r"^(?:#{1,6}\s|\s*\|.*\|\s*$)|\*\*", re.MULTILINE)


def _md_cells(line: str) -> list[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [_inline(cell.replace("\\|", "|"))[0] for cell in re.split(r"(?<!\\)\|", inner)]


def _starts_new_block(text: str) -> bool:
    folded = _fold(text)
    return bool(
        _BULLET.match(text)
        or _NUMBERING.match(text)
        or _LABEL.match(folded)
        or _is_labelled_line(folded)
    )


def _text_blocks(text: str) -> list[_Block]:
    """Blocks of a Markdown or plain-text PV: one per line, tables from `|` or tab-separated rows.

    An indented line continues the previous paragraph or list item (wrapped text); any other line
    starts a block, because plain-text PVs put one field or one person per line.
    """
    lines = text.splitlines()
    blocks: list[_Block] = []
    previous: _Block | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            previous = None
            i += 1
            continue
        if stripped.startswith("|"):
            rows: list[list[str]] = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = _md_cells(lines[i])
                if not all(_MD_SEPARATOR_CELL.fullmatch(c) or not c for c in cells):
                    rows.append(cells)
                i += 1
            blocks.append(_Block("table", rows=rows))
            previous = None
            continue
        if "\t" in stripped and i + 1 < len(lines) and "\t" in lines[i + 1].strip():
            rows = []
            while i < len(lines) and "\t" in lines[i].strip():
                rows.append([_inline(c)[0] for c in re.split(r"\t+", lines[i].strip())])
                i += 1
            blocks.append(_Block("table", rows=rows))
            previous = None
            continue
        i += 1
        if _RULE_LINE.match(stripped):
            # Setext underline: the paragraph just above is a heading.
            if previous is not None and previous.kind == "para" and stripped[0] in "=-":
                previous.kind = "heading"
            previous = None
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            blocks.append(_Block("heading", _inline(heading[2])[0]))
            previous = None
            continue
        content, bold = _inline(stripped)
        if (
            line[0].isspace()
            and previous is not None
            and previous.kind in ("para", "list")
            and not _starts_new_block(content)
        ):
            previous.text = f"{previous.text} {content}"
            continue
        previous = _line_block("para", content, emphasis=bold)
        blocks.append(previous)
    return blocks


def _docx_paragraph_blocks(element: _Element, parent: DocxDocument) -> list[_Block]:
    paragraph = Paragraph(element, parent)  # type: ignore[arg-type]
    style = paragraph.style
    style_name = (style.name or "").lower() if style is not None else ""
    ppr = element.find(qn("w:pPr"))
    numbered = ppr is not None and ppr.find(qn("w:numPr")) is not None
    kind: BlockKind = "para"
    if style_name.startswith(("heading", "titre", "title")):
        kind = "heading"
    elif "list" in style_name or "liste" in style_name or numbered:
        kind = "list"
    runs = [r for r in paragraph.runs if r.text.strip()]
    bold = bool(runs) and all(r.bold for r in runs)
    # A soft line break (Shift+Enter) often separates "Date :", "Lieu :"… in one paragraph.
    return [
        _line_block(kind, line, emphasis=bold)
        for line in paragraph.text.split("\n")
        if line.strip()
    ]


def _docx_table_block(element: _Element, parent: DocxDocument) -> _Block:
    table = Table(element, parent)  # type: ignore[arg-type]
    return _Block("table", rows=[[_squash(c.text) for c in row.cells] for row in table.rows])


def _docx_body_blocks(container: _Element, parent: DocxDocument) -> Iterator[_Block]:
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield from _docx_paragraph_blocks(child, parent)
        elif child.tag == qn("w:tbl"):
            yield _docx_table_block(child, parent)
        elif child.tag == qn("w:sdt"):
            # Content controls (templates) wrap ordinary paragraphs and tables.
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_body_blocks(content, parent)


def _docx_blocks(data: bytes, filename: str) -> list[_Block]:
    archive = open_safe_zip(data, filename, required="word/document.xml")
    with archive:
        size = archive.getinfo("word/document.xml").file_size
    if size > MAX_DOCUMENT_XML_BYTES:
        raise UploadError(t("minutes.too_long", file=filename))
    try:
        document = Document(io.BytesIO(data))
        return list(_docx_body_blocks(document.element.body, document))
    except UploadError:
        raise
    except Exception as exc:
        # python-docx and lxml raise many unrelated types on malformed parts (KeyError,
        # XMLSyntaxError, PackageNotFoundError…); for the user they all mean "unreadable".
        raise UploadError(t("minutes.unreadable_docx", file=filename)) from exc


def _mostly_control_characters(text: str) -> bool:
    sample = text[:100_000]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls > max(2, len(sample) // 200)


def _read_blocks(data: bytes, filename: str) -> tuple[list[_Block], SourceFormat]:
    check_size(data, filename)
    head = data[:1024].lstrip()
    if is_zip(data):
        return _docx_blocks(data, filename), "docx"
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
    source: SourceFormat = "markdown" if _MARKDOWN_HINT.search(text) else "text"
    return _text_blocks(text), source


# --------------------------------------------------------------------------- structures

_ALL_MINISTRIES = re.compile(
    r"\b(?:tous\s+les\s+(?:ministeres|dsi|departements\s+ministeriels)"
    r"|toutes\s+les\s+(?:structures|dsi|institutions)"
    r"|chaque\s+(?:ministere|structure|dsi)"
    r"|l'ensemble\s+des\s+(?:ministeres|structures|dsi))\b"
)
_MINISTRY_PREFIX = re.compile(
    r"^ministere\s+(?:d'etat\s+)?(?:charge\s+)?(?:de\s+l'|de\s+la\s+|du\s+|des\s+|de\s+)?"
)
_ACRONYM = re.compile(r"\b[A-Za-z]*[A-Z]{2,}[A-Za-z]*\b")
# No attendance list or owner cell names hundreds of structures; beyond this it is not a list.
_MAX_LIST_PIECES = 200
# "Name, role, structure" where a structure name holds up to 4 commas or "et".
_MAX_PARTICIPANT_PARTS = 10
_LIST_SEPARATOR = re.compile(r"(\s*[,;/+&]\s*|\s+et\s+|\s+[–—-]\s+)", re.IGNORECASE)


def _name_key(text: str) -> str:
    """A structure name as compared: normalized, without article or "Ministère de"."""
    key = _strip_articles(normalize(text))
    return _MINISTRY_PREFIX.sub("", key) if key.startswith("ministere") else key


class _StructureIndex:
    """StructureMatcher plus the spellings PVs use: articles, "(MS)", short ministry names."""

    def __init__(self, structures: list[StructureRef]) -> None:
        self.matcher = StructureMatcher(structures)
        self._by_core: dict[str, str] = {}
        # Beginnings of names that contain a list separator ("Ministère de l'Agriculture, de
        # l'Élevage et de la Pêche"), so that ``split`` only rejoins pieces that can form a name.
        self._name_starts: set[str] = set()
        for s in structures:
            key = normalize(s.name_fr)
            if key.startswith("ministere"):
                self._by_core.setdefault(_name_key(key), s.code)
            for name in (s.name_fr, s.name_en):
                pieces = _LIST_SEPARATOR.split(name)
                self._name_starts.update(
                    _name_key("".join(pieces[:end])) for end in range(1, len(pieces), 2)
                )

    def lookup(self, text: str) -> str | None:
        """One structure named by the whole of ``text``, or None."""
        text = _squash(text).strip(" .;,:")
        if not text:
            return None
        code = self.matcher.resolve(text)
        if code:
            return code
        key = normalize(text)
        bare = _strip_articles(key)
        if bare != key and (code := self.matcher.resolve(bare)):
            return code
        if bare.startswith("ministere") and (code := self._by_core.get(_name_key(text))):
            return code
        # "Ministère de la Santé (MS)": the name outside the brackets. What is inside is only
        # looked at by ``resolve``, so that "DSI, Ministère … (MS)" is not taken as one name.
        outside = _squash(re.sub(r"\([^()]*\)", " ", text))
        if outside and outside != text:
            return self.lookup(outside)
        return None

    def split(self, text: str) -> list[tuple[str, str | None]]:
        """Each structure of a list ("MEF, MS et ASIN"), keeping names that contain commas whole."""
        pieces = _LIST_SEPARATOR.split(text, maxsplit=_MAX_LIST_PIECES)
        tokens, separators = pieces[0::2], pieces[1::2]
        found: list[tuple[str, str | None]] = []
        i = 0
        while i < len(tokens):
            joined, end = tokens[i], i + 1
            best: tuple[int, str, str] | None = None
            while True:
                code = self.lookup(joined)
                if code:
                    best = (end, joined, code)
                if end >= len(tokens) or _name_key(joined) not in self._name_starts:
                    break
                joined += separators[end - 1] + tokens[end]
                end += 1
            if best:
                i, raw, code = best
                found.append((_squash(raw), code))
            else:
                raw = _clean_value(tokens[i])
                if raw:
                    found.append((raw, None))
                i += 1
        return found

    def resolve(self, raw: str) -> tuple[str | None, bool]:
        """(code, certain) for a structure as written; several structures keep the first."""
        code = self.lookup(raw)
        if code:
            # "ASIN (avec SBIN)" names a second structure; "Ministère de la Santé (MS)" does not.
            bracketed = " ".join(re.findall(r"\(([^()]*)\)", raw))
            return code, not set(self.codes_in(bracketed)) - {code}
        # "MEF, MS", "DSI (MEF)", "Direction du Trésor/MEF": the structures named inside.
        codes = self.codes_in(raw)
        if not codes:
            return None, False
        return codes[0], len(codes) == 1

    def codes_in(self, text: str) -> list[str]:
        """Every structure a name, then an acronym, in ``text`` designates."""
        found = [c for _, c in self.split(text) if c]
        found += [c for token in _ACRONYM.findall(text) if (c := self.lookup(token))]
        return _unique(found)

    def owner(self, raw: str) -> tuple[str | None, bool]:
        """Like ``resolve``, with "Tous les ministères" (and the like) meaning all: "*"."""
        if _ALL_MINISTRIES.search(normalize(raw)):
            return ALL_STRUCTURES, True
        return self.resolve(raw)


# --------------------------------------------------------------------------- line patterns

_META = re.compile(
    r"^(?P<label>date(?:\s+de\s+la\s+(?:session|reunion|seance))?|lieu|heure|horaires?"
    r"|presidence|president(?:e)?(?:\s+de\s+(?:seance|la\s+session))?|presidee?\s+par"
    r"|rapporteu(?:r|se)s?|theme)\s*:\s*"
)
_META_FIELDS = {
    "date": "date",
    "lieu": "place",
    "heure": "time",
    "horaire": "time",
    "presid": "chair",
    "rapporteu": "rapporteur",
    "theme": "theme",
}
_EXCUSED = re.compile(r"^(?:absents?\s+excuses?|absences?\s+excusees?|excuses?)\s*:\s*")
_ABSENT = re.compile(r"^absents?(?:\s+non\s+excuses?)?\s*:\s*")
_NOBODY = re.compile(r"^(?:neant|aucun|aucune|nul|-)\.?$")
_SIGNATURE = re.compile(r"^fait\s+a\s+(?P<place>[^,]+?)\s*,\s*le\s+(?P<date>.+)$")
_LABEL = re.compile(
    r"(?<![a-z])(?P<label>structures?\s+responsables?|responsables?|resp\.?|points?\s+focaux"
    r"|point\s+focal|porteurs?|echeances?|delais?|date\s+limite|date\s+butoir"
    r"|statut|etat\s+d'avancement|etat)\s*:"
)
_ITEM_PREFIX = re.compile(
    r"^(?:(?:action|recommandation|mesure|activite)\s*(?:n\s*[°o]\s*)?\d{1,3}\s*[:.)\-–—]?\s*"
    r"|[arm]\s?\d{1,3}\s*[:.)\-–—]?\s+"
    r"|\d{1,3}\s*[.)\-–—:]\s*"
    r"|[-*+•▪◦–—]\s+)"
)
_DECISION_PREFIX = re.compile(
    r"^(?:decision\s*(?:n\s*[°o]\s*)?\d{1,3}|d\s?\d{1,3})\s*[:.)\-–—]?\s*"
)
_TITLE = re.compile(
    r"\bsessions?\b.*\b(?:conference|cdsi)\b|\b(?:conference|cdsi)\b.*\bsessions?\b"
)
_ORDINAL_WORDS = {
    "premiere": 1,
    "premier": 1,
    "deuxieme": 2,
    "seconde": 2,
    "troisieme": 3,
    "quatrieme": 4,
    "cinquieme": 5,
    "sixieme": 6,
    "septieme": 7,
    "huitieme": 8,
    "neuvieme": 9,
    "dixieme": 10,
}
_ORDINAL = r"(?:(?P<n>\d{1,3})\s*(?:ere|er|re|ieme|eme|e)|(?P<w>" + "|".join(_ORDINAL_WORDS) + r"))"
_RANK = re.compile(rf"\b{_ORDINAL}\s+session\b")
_NUMBER = re.compile(rf"\b{_ORDINAL}\s+(?:conference|cdsi)\b")

_STATUS_RULES: tuple[tuple[Status, re.Pattern[str]], ...] = (
    (
        "not_started",
        re.compile(
            r"\b(?:non|pas)\s+(?:encore\s+)?(?:realise|execute|demarre|entame|commence|acheve"
            r"|debute|fait|mis\s+en\s+oeuvre)|\bpas\s+encore\b|\ba\s+demarrer\b"
        ),
    ),
    ("partial", re.compile(r"\bpartiel")),
    ("in_progress", re.compile(r"\ben\s+cours\b")),
    ("cancelled", re.compile(r"\bsans\s+objet\b|\babandonn|\bannule")),
    ("blocked", re.compile(r"\ben\s+attente\b|\bsuspendu|\bbloque")),
    ("done", re.compile(r"\b(?:realise|execute|acheve|termine|fait)e?s?\b")),
)

# Section headings. Starts are matched on any heading candidate; the looser "contains" forms only
# on text that is clearly a heading (styled, bold, capitals or Roman-numbered).
_FOLLOWUP_START = re.compile(
    r"^(?:suivi\b|point\s+de\s+(?:la\s+)?mise\s+en\s+oeuvre|etat\s+de\s+(?:la\s+)?mise\s+en\s+oeuvre"
    r"|etat\s+d'(?:execution|avancement)|point\s+d'execution|bilan\b)"
)
_FOLLOWUP_ANY = re.compile(r"\bsuivi\b|mise\s+en\s+oeuvre|\betat\s+d'(?:execution|avancement)")
_SECTION_STARTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        OTHER,
        re.compile(
            r"^(?:deroulement|divers|points\s+divers|questions\s+diverses|levee\s+de\s+(?:la\s+)?seance"
            r"|cloture|ouverture|annexes?|prochaine\s+session|date\s+de\s+la\s+prochaine"
            r"|adoption\s+du\s+(?:proces|pv)|travaux|compte\s+rendu|introduction|conclusion"
            r"|observations|informations|communications?|presentations?|examen)\b"
        ),
    ),
    (
        PARTICIPANTS,
        re.compile(
            r"^(?:participants|liste\s+(?:de|des)\s+presences?|liste\s+des\s+participants"
            r"|etaient\s+present(?:e)?s|ont\s+pris\s+part|presences?|participation)\b"
        ),
    ),
    (AGENDA, re.compile(r"^(?:ordre\s+du\s+jour|agenda)\b")),
    (
        DECISIONS,
        re.compile(r"^(?:releve\s+des\s+decisions|(?:principales\s+)?decisions?|resolutions)\b"),
    ),
    (RECOMMENDATIONS, re.compile(r"^(?:principales\s+)?recommandations?\b")),
    (
        ACTIONS,
        re.compile(
            r"^(?:(?:principales\s+)?actions?|plan\s+d'actions?|mesures\s+(?:retenues|a\s+prendre)"
            r"|activites\s+(?:retenues|a\s+mener)|taches)\b"
        ),
    ),
)
_SECTION_CONTAINS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PARTICIPANTS, re.compile(r"\bparticipants\b|\bliste\s+de\s+presence\b")),
    (AGENDA, re.compile(r"\bordre\s+du\s+jour\b")),
    (DECISIONS, re.compile(r"\bdecisions\b")),
    (RECOMMENDATIONS, re.compile(r"\brecommandations?\b")),
    (ACTIONS, re.compile(r"\bactions?\b")),
)
_MENTIONS_RECOMMENDATION = re.compile(r"\brecommandations?\b")
_MENTIONS_ACTION = re.compile(r"\bactions?\b")

_COLUMN_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"^(?:n\s*[°o]?|no|num(?:ero)?|#|rang|ordre)\.?$")),
    ("owner", re.compile(r"^(?:responsables?|resp\b|points?\s+foca|porteurs?|structures?\s+resp)")),
    ("name", re.compile(r"^(?:noms?\b|prenoms?\b|participants?$|identite)")),
    ("role", re.compile(r"^(?:fonctions?|titres?|qualites?|postes?|roles?)\b")),
    (
        "structure",
        re.compile(r"^(?:structures?|ministeres?|institutions?|organismes?|entites?|administrat)"),
    ),
    (
        "due",
        re.compile(r"^(?:echeances?|delais?|dates?\s+(?:limites?|butoirs?|d'echeance)|dates?$)"),
    ),
    ("status", re.compile(r"^(?:statuts?|etats?|niveau|avancement|situation)\b")),
    (
        "text",
        re.compile(
            r"^(?:recommandations?|actions?|mesures?|activites?|taches?|libelles?|intitules?"
            r"|descriptions?|objet|decisions?)\b"
        ),
    ),
)


def _section_kind(key: str, *, loose: bool) -> str | None:
    if _FOLLOWUP_START.match(key) or (loose and _FOLLOWUP_ANY.search(key)):
        return OTHER
    kind: str | None = None
    for candidate, pattern in _SECTION_STARTS:
        if pattern.match(key):
            kind = candidate
            break
    if kind is None and loose:
        for candidate, pattern in _SECTION_CONTAINS:
            if pattern.search(key):
                kind = candidate
                break
    if kind in (RECOMMENDATIONS, ACTIONS) and (
        _MENTIONS_RECOMMENDATION.search(key) and _MENTIONS_ACTION.search(key)
    ):
        return BOTH
    return kind


def _status(raw: str) -> tuple[Status, bool]:
    """(status, recognised); no status written means not started, which is not a doubt."""
    key = normalize(raw)
    if not key:
        return "not_started", True
    for status, pattern in _STATUS_RULES:
        if pattern.search(key):
            return status, True
    return "not_started", False


def _columns(row: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(row):
        key = normalize(cell).replace("(s)", "").strip(" .:*")
        for role, pattern in _COLUMN_RULES:
            if key and pattern.match(key):
                found.setdefault(role, []).append(index)
                break
    return found


def _find_header(rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    for index, row in enumerate(rows[:3]):
        columns = _columns(row)
        if "name" in columns or (
            "text" in columns and columns.keys() & {"owner", "due", "status", "structure"}
        ):
            return index, columns
    return None


def _cell(row: list[str], columns: dict[str, list[int]], role: str) -> str:
    return " ".join(row[i] for i in columns.get(role, []) if i < len(row) and row[i]).strip()


def _clean_item_text(text: str) -> str:
    text = text.strip()
    match = _ITEM_PREFIX.match(_fold(text))
    if match:
        text = text[match.end() :]
    return _clean_value(text)


# --------------------------------------------------------------------------- the reader


@dataclass
class _RawItem:
    kind: str
    text: str
    owner: str = ""
    due: str = ""
    status: str = ""


@dataclass
class _RawParticipant:
    name: str
    role: str
    structure_raw: str


@dataclass
class _Reader:
    """Walks the blocks once, collecting raw values; ``finish`` resolves them."""

    index: _StructureIndex
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
    participants: list[_RawParticipant] = field(default_factory=list)
    excused: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    agenda: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    items: list[_RawItem] = field(default_factory=list)
    skipped_tables: list[str] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)

    # ---- walking

    def feed(self, block: _Block) -> None:
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
            return
        self._line(block)

    def _heading_kind(self, block: _Block) -> str | None:
        number, roman, rest = _split_numbering(block.text)
        heading = rest.strip().rstrip(":").strip()
        key = _strip_articles(normalize(heading))
        if not key:
            return None
        kind: str | None
        if ":" in heading and _is_labelled_line(_fold(rest)):
            return None
        if block.kind == "heading":
            kind = _section_kind(key, loose=True) or OTHER
            return self._numbered(kind, number)
        if ":" in heading or block.bullet:
            return None
        strong = block.emphasis or roman or _is_caps(heading)
        if strong:
            if len(key) > 120:
                return None
            kind = _section_kind(key, loose=True)
            if kind is None and number is not None and _is_caps(heading):
                kind = OTHER
            return self._numbered(kind, number) if kind else None
        if len(key) > 60:
            return None
        kind = _section_kind(key, loose=False)
        if kind is None:
            return None
        if block.kind == "list":
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
        key = _fold(text)
        if self.title is None and len(text) <= 300 and _TITLE.search(key) and not _META.match(key):
            self.title = text
        if self.rank is None and (match := _RANK.search(key)):
            self.rank = _ordinal_value(match)
        if self.number is None and (match := _NUMBER.search(key)):
            self.number = _ordinal_value(match)

    def _line(self, block: _Block) -> None:
        text = block.text
        folded = _fold(text)
        number, _, _ = _split_numbering(text)
        if number is not None:
            self.run = number
        if match := _SIGNATURE.match(folded):
            self.signature_place = _clean_value(text[match.start("place") : match.end("place")])
            self.signature_date = parse_french_date(text[match.start("date") :])
            return
        if self.section in ITEM_SECTIONS:
            self._item_line(block)
            return
        if self._meta_line(text, folded) or self._attendance_line(text, folded):
            return
        if self.section == PARTICIPANTS:
            self._participant_line(block)
        elif self.section == AGENDA:
            item = _list_text(block)
            if item and not item.endswith(":"):
                self.agenda.append(item)
        elif self.section == DECISIONS:
            decision = _decision_text(block)
            if decision and not decision.endswith(":"):
                self.decisions.append(decision)

    def _meta_line(self, text: str, folded: str) -> bool:
        match = _META.match(folded)
        if not match:
            return False
        label = match["label"]
        name = next(v for k, v in _META_FIELDS.items() if label.startswith(k))
        value = text[match.end() :].strip()
        if value and name not in self.meta:
            self.meta[name] = value
        return True

    def _attendance_line(self, text: str, folded: str) -> bool:
        for pattern, target in ((_EXCUSED, self.excused), (_ABSENT, self.absent)):
            match = pattern.match(folded)
            if match:
                value = _clean_value(text[match.end() :])
                if value and not _NOBODY.match(normalize(value)):
                    target.append(value)
                return True
        return False

    def _participant_line(self, block: _Block) -> None:
        text = _list_text(block) or block.text
        if text.endswith(":"):
            return
        parts = [p for p in (x.strip() for x in re.split(r"\s*[,;]\s*|\s+[–—]\s+", text)) if p]
        if not 2 <= len(parts) <= _MAX_PARTICIPANT_PARTS or not _looks_like_name(parts[0]):
            return
        name, rest = parts[0], parts[1:]
        # The longest tail that names a structure, so "…, de l'Élevage et de la Pêche" stays whole.
        for i in range(len(rest)):
            candidate = ", ".join(rest[i:])
            if self.index.lookup(candidate):
                self.participants.append(_RawParticipant(name, ", ".join(rest[:i]), candidate))
                return
        if len(rest) == 1:
            self.participants.append(_RawParticipant(name, rest[0], ""))
        else:
            self.participants.append(_RawParticipant(name, ", ".join(rest[:-1]), rest[-1]))

    def _item_line(self, block: _Block) -> None:
        text = block.text
        folded = _fold(text)
        labels = list(_LABEL.finditer(folded))
        if not labels:
            item = _list_text(block)
            if item is None:
                item = _prefixed_item(text)
            if item and not item.endswith(":"):
                cleaned = _clean_item_text(item)
                if cleaned:
                    self.items.append(_RawItem(self._item_kind(text), cleaned))
            return
        values: dict[str, str] = {}
        for position, match in enumerate(labels):
            end = labels[position + 1].start() if position + 1 < len(labels) else len(text)
            value = _clean_value(text[match.end() : end])
            values.setdefault(_label_field(match["label"]), value)
        body = _clean_item_text(text[: labels[0].start()])
        if not body:
            # "Responsable : MEF. Échéance : …" on its own line completes the item above it.
            if self.items:
                last = self.items[-1]
                for name, value in values.items():
                    if not getattr(last, name):
                        setattr(last, name, value)
            return
        self.items.append(_RawItem(self._item_kind(text), body, **values))

    def _item_kind(self, text: str) -> str:
        if self.section == RECOMMENDATIONS:
            return RECOMMENDATIONS
        if self.section == ACTIONS:
            return ACTIONS
        head = _fold(text)[:20]
        return RECOMMENDATIONS if re.match(r"^(?:r\s?\d|recommandation)", head) else ACTIONS

    def _table(self, rows: list[list[str]]) -> None:
        rows = [row for row in rows if any(cell for cell in row)]
        if not rows:
            return
        header = _find_header(rows)
        if header is None:
            # A layout table ("Date :" | "24 juin 2025") or tab-aligned text: read it line by line.
            items_before = len(self.items)
            for row in rows:
                self.feed(_line_block("para", _row_line(row)))
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
            self.decisions.extend(text for row in body if (text := _cell(row, columns, "text")))

    def _participant_rows(self, body: list[list[str]], columns: dict[str, list[int]]) -> None:
        for row in body:
            name = _cell(row, columns, "name")
            if name:
                structure = _cell(row, columns, "structure") or _cell(row, columns, "owner")
                self.participants.append(
                    _RawParticipant(name, _cell(row, columns, "role"), structure)
                )

    def _item_rows(
        self, body: list[list[str]], columns: dict[str, list[int]], header: list[str]
    ) -> None:
        kind = self.section
        if kind == BOTH:
            heading = normalize(_cell(header, columns, "text"))
            kind = RECOMMENDATIONS if heading.startswith("recommandation") else ACTIONS
        for row in body:
            text = _clean_item_text(_cell(row, columns, "text"))
            if not text:
                continue
            self.items.append(
                _RawItem(
                    kind,
                    text,
                    owner=_cell(row, columns, "owner") or _cell(row, columns, "structure"),
                    due=_cell(row, columns, "due"),
                    status=_cell(row, columns, "status"),
                )
            )

    # ---- resolving

    def finish(self, filename: str, source: SourceFormat) -> ParsedMinutes:
        warnings: list[str] = []
        uncertain: list[str] = []

        def unresolved(name: str) -> None:
            shown = name if len(name) <= 80 else name[:79] + "…"
            warnings.append(t("minutes.warning.unresolved_structure", name=shown))

        session_date = parse_french_date(self.meta.get("date", ""))
        if session_date is None and self.title:
            session_date = parse_french_date(self.title)
        if session_date is None and self.signature_date is not None:
            session_date = self.signature_date
            uncertain.append("date")
            warnings.append(t("minutes.warning.date_from_signature"))
        if session_date is None:
            uncertain.append("date")
            warnings.append(t("minutes.warning.no_date"))
        place = self.meta.get("place")
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
        for section in _unique(self.skipped_tables):
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
            attendance[name] = (_unique(codes), missing)

        recommendations: list[ParsedRecommendation] = []
        actions: list[ParsedAction] = []
        for item in self.items:
            owner, owner_certain = self.index.owner(item.owner)
            if item.owner and owner is None:
                unresolved(item.owner)
            due = resolve_due(item.due, session_date)
            doubts = [] if owner_certain else ["owner"]
            if not due.certain:
                doubts.append("due")
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
            status, recognised = _status(item.status)
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
            theme=_strip_quotes(theme) if theme else None,
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
            sections=_unique(self.sections),
            uncertain=uncertain,
            warnings=_unique(warnings),
            plain_text="\n".join(self.text_lines),
        )


def _is_labelled_line(folded: str) -> bool:
    return bool(_META.match(folded) or _EXCUSED.match(folded) or _ABSENT.match(folded))


def _row_line(row: list[str]) -> str:
    """A table row as one line: "Date :" + "24 juin" → "Date : 24 juin"; else comma-separated."""
    cells = [c for i, c in enumerate(row) if c and (i == 0 or c != row[i - 1])]
    if len(cells) > 1 and re.fullmatch(r"\d{1,3}\.?", cells[0]):
        cells = cells[1:]
    line = ""
    for cell in cells:
        line = f"{line} {cell}" if line.endswith(":") else f"{line}, {cell}" if line else cell
    return line


def _ordinal_value(match: re.Match[str]) -> int:
    return int(match["n"]) if match["n"] else _ORDINAL_WORDS[match["w"]]


def _label_field(label: str) -> str:
    if label.startswith(("echeance", "delai", "date")):
        return "due"
    if label.startswith(("statut", "etat")):
        return "status"
    return "owner"


def _list_text(block: _Block) -> str | None:
    """The item text when the block is a list item (bullet, Word list or visible numbering)."""
    rest = _split_numbering(block.text)[2]
    if block.kind == "list" or block.bullet or rest != block.text:
        return rest
    return None


def _prefixed_item(text: str) -> str | None:
    """ "A1. …" / "R2 – …" written as a plain paragraph is still an item."""
    return text if re.match(r"^[ARM]\s?\d{1,3}\b", text) else None


def _decision_text(block: _Block) -> str | None:
    match = _DECISION_PREFIX.match(_fold(block.text))
    if match:
        return block.text[match.end() :].strip() or None
    return _list_text(block)


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 8
        and text[0].isupper()
        and not any(c.isdigit() for c in text)
        and ":" not in text
    )


def _is_band(row: list[str]) -> bool:
    """A merged row ("Axe 1 : Interopérabilité") repeats one text across every column."""
    filled = [cell for cell in row if cell]
    return len(row) > 1 and len(filled) > 1 and len(set(filled)) == 1


def _strip_quotes(text: str) -> str:
    return text.strip().strip("«»“”\"'\u00a0\u202f ").strip()


def parse_minutes(data: bytes, filename: str, structures: list[StructureRef]) -> ParsedMinutes:
    """Parse a PV (DOCX, Markdown or text, told apart by content) without writing anything.

    Raises ``UploadError`` (message naming the file) for empty, binary, PDF, Word 97-2003,
    damaged or oversized files, ZIP bombs, non-Word ZIPs, and documents that are not minutes
    (no session title and no recognised section).
    """
    blocks, source = _read_blocks(data, filename)
    reader = _Reader(_StructureIndex(structures))
    for block in blocks:
        reader.feed(block)
    if not reader.sections and reader.title is None:
        raise UploadError(t("minutes.not_minutes", file=filename))
    return reader.finish(filename, source)
