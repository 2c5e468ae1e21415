"""Minutes as blocks (paragraph, list item, heading, table): the plain-text line reader, where
one line is one block, and the helpers that read a block or a table row whatever the format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from tracker.minutes.patterns import (
    BULLET,
    DECISION_PREFIX,
    LABEL,
    NUMBERING,
    fold,
    is_labelled_line,
    split_numbering,
    squash,
)

# --------------------------------------------------------------------------- blocks


BlockKind = Literal["heading", "list", "para", "table"]


@dataclass
class Block:
    """A paragraph, list item, heading or table, in document order, whatever the format."""

    kind: BlockKind
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    bullet: bool = False
    emphasis: bool = False
    # Raw HTML or code in a Markdown file: kept as text, never read as an item.
    verbatim: bool = False
    # A ticked GFM task-list box ("- [x] …").
    checked: bool = False


def line_block(kind: BlockKind, text: str, *, emphasis: bool = False) -> Block:
    text = squash(text)
    match = BULLET.match(text)
    if match:
        return Block("list" if kind == "para" else kind, text[match.end() :], bullet=True)
    return Block(kind, text, emphasis=emphasis)


def inline_text(text: str) -> tuple[str, bool]:
    """Markdown emphasis removed (links and HTML stay as written); True when all of it was bold."""
    text = text.strip()
    whole_bold = len(text) > 4 and text.startswith(("**", "__")) and text.endswith(("**", "__"))
    text = text.replace("**", "").replace("__", "").strip()
    text = _ITALIC.sub(r"\1", text)  # "*Lieu :* Cotonou"
    if len(text) > 2 and text[0] == text[-1] and text[0] in "*_":
        text = text[1:-1].strip()
    return squash(text), whole_bold


_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SEPARATOR_CELL = re.compile(r":?-+:?")
_RULE_LINE = re.compile(r"^(?:=+|-{3,}|\*{3,}|_{3,})$")
# Blanks within a line only ([^\S\n]): "\s*" at the start of every line of a file of blank
# lines backtracks over all the lines below, for each (minutes for a few thousand lines).
MARKDOWN_HINT = re.compile(
    r"^(?:#{1,6}\s|\S.*\n={3,}[ \t]*$|[^\S\n]*\|.*\|[^\S\n]*$"
    r"|[^\S\n]*\|?[^\S\n]*:?-{2,}:?[^\S\n]*(?:\|[^\S\n]*:?-{2,}:?[^\S\n]*)+\|?[^\S\n]*$)"
    r"|\*\*",
    re.MULTILINE,
)
_HYPHENATED = re.compile(r"[a-zà-ÿ]-$")
# Words after which a line of a text export cannot end: the next line carries on the sentence.
_DANGLING = re.compile(
    r"(?:[,(]|\b(?:de|des|du|la|le|les|l'|d'|et|ou|a|à|au|aux|en|par|pour|sur|avec|dans))$",
    re.IGNORECASE,
)


def _md_cells(line: str) -> list[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [inline_text(cell.replace("\\|", "|"))[0] for cell in re.split(r"(?<!\\)\|", inner)]


def starts_new_block(text: str) -> bool:
    folded = fold(text)
    return bool(
        BULLET.match(text)
        or NUMBERING.match(text)
        or LABEL.match(folded)
        or is_labelled_line(folded)
    )


def text_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown or plain-text PV: one per line, tables from `|` or tab-separated rows.

    An indented line continues the previous paragraph or list item (wrapped text); any other line
    starts a block, because plain-text PVs put one field or one person per line.
    """
    lines = text.splitlines()
    blocks: list[Block] = []
    previous: Block | None = None
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
            blocks.append(Block("table", rows=rows))
            previous = None
            continue
        if "\t" in stripped and i + 1 < len(lines) and "\t" in lines[i + 1].strip():
            rows = []
            while i < len(lines) and "\t" in lines[i].strip():
                rows.append([inline_text(c)[0] for c in re.split(r"\t+", lines[i].strip())])
                i += 1
            blocks.append(Block("table", rows=rows))
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
            blocks.append(Block("heading", inline_text(heading[2])[0]))
            previous = None
            continue
        content, bold = inline_text(stripped)
        if (
            previous is not None
            and previous.kind in ("para", "list")
            and not starts_new_block(content)
            and (line[0].isspace() or continues(previous.text, content))
        ):
            if _HYPHENATED.search(previous.text) and content[:1].islower():
                # "recom-" + "mandations": a word cut at the margin.
                previous.text = previous.text[:-1] + content
            else:
                previous.text = f"{previous.text} {content}"
            continue
        previous = line_block("para", content, emphasis=bold)
        blocks.append(previous)
    return blocks



def continues(previous: str, line: str) -> bool:
    """True when ``line`` is the rest of a sentence a text export broke at the margin."""
    first = line[:1]
    return bool(first) and (first.islower() or bool(_DANGLING.search(previous)))


def looks_like_markdown(text: str) -> bool:
    """Headings, pipe tables, table delimiter rows or bold: the text is Markdown."""
    return bool(MARKDOWN_HINT.search(text))


# --------------------------------------------------------------------------- block helpers


def row_line(row: list[str]) -> str:
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


def list_text(block: Block) -> str | None:
    """The item text when the block is a list item (bullet, Word list or visible numbering)."""
    rest = split_numbering(block.text)[2]
    if block.kind == "list" or block.bullet or rest != block.text:
        return rest
    return None


def prefixed_item(text: str) -> str | None:
    """ "A1. …" / "R2 – …" written as a plain paragraph is still an item."""
    return text if re.match(r"^[ARM]\.?\s?\d{1,3}\b", text) else None


def decision_text(block: Block) -> str | None:
    match = DECISION_PREFIX.match(fold(block.text))
    if match:
        return block.text[match.end() :].strip() or None
    return list_text(block)


def is_band(row: list[str]) -> bool:
    """A merged row ("Axe 1 : Interopérabilité") repeats one text across every column."""
    filled = [cell for cell in row if cell]
    return len(row) > 1 and len(filled) > 1 and len(set(filled)) == 1
