"""Markdown minutes read by a CommonMark parser with GFM tables (outer pipes or not).

Paragraph lines keep the plain-text line reader (PVs put one field or one person per line, and
"**Date :** 14/03/2024" lines follow each other without blank lines); headings (ATX or setext),
lists and tables come from the Markdown structure itself.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tracker.minutes.text import (
    Block,
    continues,
    inline_text,
    line_block,
    starts_new_block,
    text_blocks,
)

_TASK = re.compile(r"^\[([ xX])\]\s+")


def _parser() -> MarkdownIt:
    # Only the block structure is used (inline text is read by the line reader), so inline
    # tokenizing, slow on hostile emphasis runs, is left out.
    return MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")


def _source_lines(token: Token, lines: list[str]) -> list[str]:
    if token.map is None:
        return token.content.splitlines()
    start, end = token.map
    return lines[start:end]


class _Builder:
    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.blocks: list[Block] = []
        self.quote_depth = 0
        self.list_depth = 0
        # For each open list: (ordered, marker of the current item)
        self.items: list[tuple[bool, str]] = []
        self.item_started: list[bool] = []

    def run(self, tokens: list[Token]) -> list[Block]:
        i = 0
        while i < len(tokens):
            i = self.token(tokens, i)
        return self.blocks

    def token(self, tokens: list[Token], i: int) -> int:
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            text, _ = inline_text(tokens[i + 1].content)
            if text:
                self.blocks.append(Block("heading", " ".join(text.split())))
            return i + 3
        if kind == "blockquote_open":
            self.quote_depth += 1
        elif kind == "blockquote_close":
            self.quote_depth -= 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            self.items.append((kind == "ordered_list_open", ""))
            self.item_started.append(False)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.items.pop()
            self.item_started.pop()
        elif kind == "list_item_open" and self.items:
            ordered, _ = self.items[-1]
            marker = f"{token.info}{token.markup}" if ordered else "-"
            self.items[-1] = (ordered, marker)
            self.item_started[-1] = False
        elif kind == "paragraph_open":
            inline = tokens[i + 1]
            if self.items and not self.item_started[-1]:
                self.item_started[-1] = True
                self.list_item(inline)
            else:
                self.paragraph(inline)
            return i + 3
        elif kind == "table_open":
            return self.table(tokens, i)
        elif kind in ("fence", "code_block", "html_block"):
            for block in text_blocks(token.content):
                block.verbatim = True
                self.blocks.append(block)
        return i + 1

    def paragraph(self, inline: Token) -> None:
        if self.quote_depth or self.items:
            self.blocks.extend(text_blocks(inline.content))
        else:
            self.blocks.extend(text_blocks("\n".join(_source_lines(inline, self.lines))))

    def list_item(self, inline: Token) -> None:
        marker = self.items[-1][1]
        first, *rest = inline.content.split("\n")
        task = _TASK.match(first)
        if task:
            first = first[task.end() :]
        block = line_block("para", f"{marker} {inline_text(first)[0]}")
        # A GFM task list: a ticked box is the item's status unless a label gives one.
        block.checked = bool(task) and task is not None and task[1].lower() == "x"
        self.blocks.append(block)
        for line in rest:
            content, bold = inline_text(line)
            if not content:
                continue
            if starts_new_block(content) or (not continues(block.text, content) and (
                content[:1].isupper() and block.text.endswith((".", ":", ";"))
            )):
                # A line written flush left after a list item (lazy continuation in
                # CommonMark) that reads as a field of its own: "**Absents :** MTCA".
                block = line_block("para", content, emphasis=bold)
                self.blocks.append(block)
            else:
                block.text = f"{block.text} {content}"

    def table(self, tokens: list[Token], i: int) -> int:
        rows: list[list[str]] = []
        row: list[str] = []
        while i < len(tokens) and tokens[i].type != "table_close":
            token = tokens[i]
            if token.type == "tr_open":
                row = []
            elif token.type == "tr_close":
                rows.append(row)
            elif token.type == "inline":
                row.append(inline_text(token.content)[0])
            i += 1
        if rows:
            self.blocks.append(Block("table", rows=rows))
        return i + 1


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown PV, in document order."""
    tokens = _parser().parse(text)
    return _Builder(text).run(tokens)
