"""A Word PV read from its XML, as the author sees it with changes accepted.

Text inserted with Track Changes counts and deleted text does not; content controls, fields,
hyperlinks, text boxes, headers and footers are read; merged cells repeat their text in every
column they cover (as Word shows them), so that a banner row is recognisable. python-docx's
``paragraph.text`` would drop all of these.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from tracker.core.errors import UploadError
from tracker.core.i18n import t
from tracker.files.uploads import open_safe_zip
from tracker.minutes.patterns import squash
from tracker.minutes.text import Block, BlockKind, line_block

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# A real PV's document.xml is well under 1 MB; the cap keeps parsing time bounded on hostile input.
MAX_DOCUMENT_XML_BYTES = 20 * 1024 * 1024
# Word documents nest tables in cells and text boxes in paragraphs; deeper than this is hostile.
MAX_DEPTH = 12

_PART_ORDER = re.compile(r"(\d+)\.xml$")


def w(tag: str) -> str:
    """The qualified name of a WordprocessingML element."""
    return f"{{{W}}}{tag}"


SKIPPED = frozenset(
    {
        w("del"),  # tracked deletion
        w("moveFrom"),  # the old place of moved text
        w("delText"),
        w("instrText"),  # a field's code, not its result
        w("delInstrText"),
        w("sdtPr"),  # a content control's properties
        w("rPr"),
        w("pPr"),
        w("footnoteReference"),
        w("commentReference"),
        f"{{{MC}}}Fallback",  # the VML copy of a text box already read in mc:Choice
    }
)
TEXT_BOX = w("txbxContent")


@dataclass
class _ParagraphText:
    parts: list[str] = field(default_factory=list)
    boxes: list[etree._Element] = field(default_factory=list)
    bold: list[bool] = field(default_factory=list)


def _is_on(element: etree._Element | None) -> bool:
    if element is None:
        return False
    return element.get(w("val"), "true").lower() not in ("0", "false", "off", "none")


def _run_is_bold(run: etree._Element, bold_styles: frozenset[str]) -> bool:
    props = run.find(w("rPr"))
    if props is None:
        return False
    if _is_on(props.find(w("b"))):
        return True
    style = props.find(w("rStyle"))
    return style is not None and style.get(w("val"), "") in bold_styles


def _is_placeholder(sdt: etree._Element) -> bool:
    props = sdt.find(w("sdtPr"))
    return props is not None and props.find(w("showingPlcHdr")) is not None


def _collect(
    element: etree._Element, out: _ParagraphText, bold_styles: frozenset[str], depth: int = 0
) -> None:
    """The visible text of a paragraph, in order; text boxes are kept apart for their own blocks."""
    if depth > MAX_DEPTH * 4:
        return
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            continue
        if tag == TEXT_BOX:
            out.boxes.append(child)
        elif tag == w("t"):
            out.parts.append(child.text or "")
        elif tag in (w("tab"), w("ptab")):
            out.parts.append("\t")
        elif tag in (w("br"), w("cr")):
            out.parts.append("\n")
        elif tag == w("noBreakHyphen"):
            out.parts.append("-")
        elif tag == w("sdt") and _is_placeholder(child):
            continue  # "Cliquez ici pour entrer du texte." is not the author's text
        else:
            if tag == w("r") and any(
                (g.text or "").strip() for g in child.iterchildren(w("t"))
            ):
                out.bold.append(_run_is_bold(child, bold_styles))
            _collect(child, out, bold_styles, depth + 1)


@dataclass
class _Styles:
    names: dict[str, str] = field(default_factory=dict)
    outline: set[str] = field(default_factory=set)
    bold: set[str] = field(default_factory=set)


def _read_styles(root: etree._Element | None) -> _Styles:
    styles = _Styles()
    if root is None:
        return styles
    for style in root.iter(w("style")):
        style_id = style.get(w("styleId"), "")
        name = style.find(w("name"))
        styles.names[style_id] = (name.get(w("val"), "") if name is not None else style_id).lower()
        ppr = style.find(w("pPr"))
        if ppr is not None and ppr.find(w("outlineLvl")) is not None:
            styles.outline.add(style_id)
        rpr = style.find(w("rPr"))
        if rpr is not None and _is_on(rpr.find(w("b"))):
            styles.bold.add(style_id)
    return styles


class _Walker:
    """Turns body, header and footer XML into blocks in reading order."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.bold_styles = frozenset(styles.bold)

    def container(self, element: etree._Element, depth: int = 0) -> Iterator[Block]:
        if depth > MAX_DEPTH:
            return
        for child in element:
            tag = child.tag
            if tag == w("p"):
                yield from self.paragraph(child, depth)
            elif tag == w("tbl"):
                yield from self.table(child, depth)
            elif tag in (w("sdt"), w("customXml"), w("ins"), w("moveTo"), w("smartTag")):
                # Content controls and tracked insertions wrap whole paragraphs and tables.
                if tag == w("sdt") and _is_placeholder(child):
                    continue
                content = child.find(w("sdtContent")) if tag == w("sdt") else child
                if content is not None:
                    yield from self.container(content, depth + 1)

    def _kind(self, paragraph: etree._Element) -> tuple[BlockKind, bool]:
        ppr = paragraph.find(w("pPr"))
        style_id = ""
        numbered = False
        outline = False
        if ppr is not None:
            style = ppr.find(w("pStyle"))
            style_id = style.get(w("val"), "") if style is not None else ""
            numbered = ppr.find(w("numPr")) is not None
            outline = ppr.find(w("outlineLvl")) is not None
        name = self.styles.names.get(style_id, style_id.lower())
        if name.startswith(("heading", "titre", "title")) or outline or (
            style_id in self.styles.outline
        ):
            return "heading", False
        if "list" in name or "liste" in name or numbered:
            return "list", style_id in self.styles.bold
        return "para", style_id in self.styles.bold

    def paragraph(self, paragraph: etree._Element, depth: int) -> Iterator[Block]:
        kind, style_bold = self._kind(paragraph)
        text = _ParagraphText()
        _collect(paragraph, text, self.bold_styles)
        for box in text.boxes:
            yield from self.container(box, depth + 1)
        bold = (bool(text.bold) and all(text.bold)) or (style_bold and bool(text.parts))
        # A soft line break (Shift+Enter) often separates "Date :", "Lieu :"… in one paragraph.
        for line in "".join(text.parts).split("\n"):
            if line.strip():
                yield line_block(kind, _untab(line), emphasis=bold)

    def cell_text(self, cell: etree._Element, depth: int, nested: list[Block]) -> str:
        """A cell's paragraphs as one text; a table inside the cell goes to ``nested``."""
        lines: list[str] = []
        for block in self.container(cell, depth + 1):
            if block.kind == "table":
                nested.append(block)
            else:
                lines.append(block.text)
        return squash(" ".join(lines))

    def table(self, table: etree._Element, depth: int) -> Iterator[Block]:
        rows: list[list[str]] = []
        nested: list[Block] = []
        above: dict[int, str] = {}
        for row in table.iter(w("tr")):
            # Rows of a nested table belong to that table; rows wrapped in a control or a
            # tracked insertion belong to this one.
            if _owning_table(row) is not table:
                continue
            trpr = row.find(w("trPr"))
            if trpr is not None and trpr.find(w("del")) is not None:
                continue  # a row deleted with Track Changes
            cells: list[str] = []
            for cell in row.iter(w("tc")):
                if _owning_row(cell) is not row:
                    continue
                tcpr = cell.find(w("tcPr"))
                span = 1
                merged_from_above = False
                if tcpr is not None:
                    grid = tcpr.find(w("gridSpan"))
                    if grid is not None and (grid.get(w("val")) or "").isdigit():
                        span = max(1, min(int(grid.get(w("val")) or 1), 64))
                    vmerge = tcpr.find(w("vMerge"))
                    merged_from_above = vmerge is not None and vmerge.get(w("val")) != "restart"
                column = len(cells)
                if merged_from_above:
                    value = above.get(column, "")
                else:
                    value = self.cell_text(cell, depth, nested)
                for offset in range(span):
                    above[column + offset] = value
                    cells.append(value)
            rows.append(cells)
        if rows:
            yield Block("table", rows=rows)
        # A table laid out inside another one's cell (a frame around the attendance list).
        yield from nested


def _untab(line: str) -> str:
    """Tabs as Word users align columns: "Aïcha DOSSOU⇥DSI⇥MEF" is a row of three values, while
    "1.⇥Adoption" or "Date :⇥24 juin 2025" is one value after its number or label."""
    cells = [cell.strip() for cell in line.split("\t") if cell.strip()]
    return ", ".join(cells) if len(cells) >= 3 else " ".join(cells)


def _owning_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != w("tbl"):
        parent = parent.getparent()
    return parent


def _owning_row(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != w("tr"):
        parent = parent.getparent()
    return parent


def _parse_xml(archive: zipfile.ZipFile, name: str, filename: str) -> etree._Element | None:
    if name not in archive.namelist():
        return None
    if archive.getinfo(name).file_size > MAX_DOCUMENT_XML_BYTES:
        raise UploadError(t("minutes.too_long", file=filename))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    try:
        return etree.fromstring(archive.read(name), parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UploadError(t("minutes.unreadable_docx", file=filename)) from exc


def _parts(archive: zipfile.ZipFile, prefix: str) -> list[str]:
    names = [n for n in archive.namelist() if re.fullmatch(rf"word/{prefix}\d*\.xml", n)]
    return sorted(names, key=lambda n: int(m[1]) if (m := _PART_ORDER.search(n)) else 0)


def docx_blocks(data: bytes, filename: str) -> list[Block]:
    """The blocks of a Word PV: page headers first, then the body, then page footers."""
    archive = open_safe_zip(data, filename, required="word/document.xml")
    with archive:
        if "[Content_Types].xml" not in archive.namelist():
            # Word itself refuses a package without its content types.
            raise UploadError(t("minutes.unreadable_docx", file=filename))
        document = _parse_xml(archive, "word/document.xml", filename)
        body = document.find(w("body")) if document is not None else None
        if body is None:
            raise UploadError(t("minutes.unreadable_docx", file=filename))
        walker = _Walker(_read_styles(_parse_xml(archive, "word/styles.xml", filename)))
        margins = {
            prefix: [
                root for name in _parts(archive, prefix)
                if (root := _parse_xml(archive, name, filename)) is not None
            ]
            for prefix in ("header", "footer")
        }
    blocks: list[Block] = []
    seen: set[str] = set()
    for root in margins["header"]:
        blocks.extend(_once(walker.container(root), seen))
    blocks.extend(walker.container(body))
    for root in margins["footer"]:
        for block in _once(walker.container(root), seen):
            # Page numbers and references at the foot of each page are never items.
            block.verbatim = True
            blocks.append(block)
    return blocks


def _once(blocks: Iterator[Block], seen: set[str]) -> Iterator[Block]:
    """A header repeated for the first page, even pages and each section is read once."""
    for block in blocks:
        key = block.text if block.kind != "table" else repr(block.rows)
        if key not in seen:
            seen.add(key)
            yield block
