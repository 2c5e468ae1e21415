"""The PDF's look: DejaVu fonts embedded (French typography prints), colours, headings,
paragraphs, tables that never clip, images and the legend of the lights; user text is
written as plain text, never interpreted."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tracker.core.errors import TrackerError
from tracker.core.i18n import get_language, t
from tracker.dashboards import charts
from tracker.reports.figures import png_size

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FONT, CONDENSED = "DejaVu", "DejaVuCond"
_FONT_FILES = {(FONT, ""): "DejaVuSans.ttf", (FONT, "B"): "DejaVuSans-Bold.ttf",
               (FONT, "I"): "DejaVuSans-Oblique.ttf",
               (CONDENSED, ""): "DejaVuSansCondensed.ttf",
               (CONDENSED, "B"): "DejaVuSansCondensed-Bold.ttf"}
BLUE = (0, 84, 147)
GREY = (110, 110, 110)
DEMO_ORANGE = (190, 90, 0)
HEADING_FILL = (232, 238, 244)
PROGRESS_BLUE = (0, 114, 178)


# --- the PDF ------------------------------------------------------------------------------


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(FONT_DIR / _FONT_FILES[(FONT, "")])).getBestCmap())


def plain(value: object) -> str:
    """Text as printed: control characters out, characters the font lacks as "?"."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    glyphs = _glyphs()
    out = []
    for char in text:
        code = ord(char)
        if char in "\r\n\t\v\f":
            out.append(" ")
        elif code < 32 or 0x7F <= code < 0xA0:
            continue
        else:
            out.append(char if code in glyphs else "?")
    return "".join(out).strip()


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def light_colours(name: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Fill and text colour of a traffic-light cell (Okabe–Ito, as on the dashboards)."""
    fill = _hex(charts.LIGHT_COLOURS.get(name, "#FFFFFF"))
    return fill, ((255, 255, 255) if name in ("green", "red") else (0, 0, 0))


class ReportPdf(FPDF):
    """A4 pages with a running title, and a footer stating the data's date, the filters, the
    page number and (demo data) the demo notice."""

    def __init__(self, *, running: str, footer: str, demo: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        missing = [n for n in _FONT_FILES.values() if not (FONT_DIR / n).is_file()]
        if missing:
            raise TrackerError(t("reports.fonts_missing", path=str(FONT_DIR / missing[0])))
        for (family, style), name in _FONT_FILES.items():
            self.add_font(family, style, str(FONT_DIR / name))
        self.running, self.footer_text, self.demo = running, footer, demo
        self.set_margins(15, 16, 15)
        self.set_auto_page_break(True, margin=20)
        self.set_author("ASIN")
        self.set_creator("CDSI tracker")
        self.set_lang(get_language())

    def header(self) -> None:
        if self.page_no() == 1 or not self.running:
            return
        self.set_font(FONT, "", 7)
        self.set_text_color(*GREY)
        self.set_xy(self.l_margin, 8)
        self.cell(0, 4, self.running, align="R")
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, 12.5, self.w - self.r_margin, 12.5)
        self.set_text_color(0, 0, 0)
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(CONDENSED, "", 7)
        self.set_text_color(*GREY)
        self.cell(self.epw - 25, 3.5, self.footer_text)
        self.cell(25, 3.5, t("reports.pdf.page", n=self.page_no(), total="{nb}"), align="R",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.demo:
            self.set_text_color(*DEMO_ORANGE)
            self.cell(0, 3.5, t("reports.pdf.demo_notice"))
        self.set_text_color(0, 0, 0)


def new_pdf(running: str, footer_parts: Sequence[str], demo: bool) -> ReportPdf:
    return ReportPdf(running=plain(running), footer=plain(" · ".join(footer_parts)), demo=demo)


def letterhead(pdf: FPDF, *, above: float, below: float) -> None:
    """A cover's head on a new page: the Republic, the agency, then a blue rule (``above`` and
    ``below`` it, the space in mm)."""
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, t("reports.pdf.republic"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, t("reports.pdf.agency"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(above)
    pdf.set_fill_color(*BLUE)
    pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, 1.2, style="F")
    pdf.ln(below)


def heading(pdf: FPDF, text: str, level: int = 1, *, outline: int | None = None) -> None:
    """A title: level 1 a section, 2 a subsection; ``outline`` puts it in the PDF's bookmarks
    at that depth (sections at 0 by default)."""
    size = {1: 13.0, 2: 10.5}[level]
    if pdf.get_y() + 20 > pdf.page_break_trigger:
        pdf.add_page()
    depth = 0 if outline is None and level == 1 else outline
    if depth is not None:
        pdf.start_section(plain(text), level=depth)
    pdf.ln(2 if level > 1 else 1)
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, size * 0.5, plain(text), align="L", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def paragraph(pdf: FPDF, text: str, *, size: float = 9, style: str = "",
              colour: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.48, plain(text), align="L", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """One line of text cut with "…" to the width."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _lines(pdf: FPDF, text: str, width: float) -> list[str]:
    if pdf.get_string_width(text) <= width:
        return [text]
    lines = pdf.multi_cell(width, 1, text, dry_run=True, output="LINES")
    return [str(line) for line in lines] if isinstance(lines, list) else [text]  # type: ignore


def table(pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[object]],
          widths: Sequence[float], aligns: Sequence[str], *, size: float = 7.5,
          lights: dict[int, Sequence[str]] | None = None, wrap: Sequence[int] = (),
          width: float | None = None) -> None:
    """A table whose headings repeat on each new page. Columns in ``wrap`` wrap onto several
    lines, the others are cut with "…"; ``lights`` colours one column (index → each row's
    light), the light's name being written in the cell as well."""
    total = min(width or pdf.epw, pdf.epw)
    sizes = [w * total / sum(widths) for w in widths]
    line, pad = size * 0.42, 0.8
    texts = [[plain(v) for v in row] for row in rows]

    def draw_headings() -> None:
        pdf.set_font(CONDENSED, "B", size)
        heights = [len(_lines(pdf, plain(h), w - 2 * pad)) for h, w in zip(headers, sizes,
                                                                          strict=True)]
        height = max(heights) * line + 2 * pad
        pdf.set_fill_color(*HEADING_FILL)
        pdf.rect(pdf.l_margin, pdf.get_y(), total, height, style="F")
        _row(pdf, [plain(h) for h in headers], sizes, aligns, height, line, pad, set(
            range(len(headers))), None)

    if pdf.get_y() + 3 * line + 4 * pad > pdf.page_break_trigger:
        pdf.add_page()
    draw_headings()
    pdf.set_font(CONDENSED, "", size)
    wrapped = set(wrap)
    for index, values in enumerate(texts):
        count = max([len(_lines(pdf, values[c], sizes[c] - 2 * pad)) for c in wrapped] or [1])
        height = count * line + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            draw_headings()
            pdf.set_font(CONDENSED, "", size)
        fills = {c: lights[c][index] for c in lights} if lights else None
        _row(pdf, values, sizes, aligns, height, line, pad, wrapped, fills)
        pdf.set_draw_color(215, 215, 215)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + total, pdf.get_y())
    pdf.ln(2.5)


def _row(pdf: FPDF, values: Sequence[str], sizes: Sequence[float], aligns: Sequence[str],
         height: float, line: float, pad: float, wrapped: set[int],
         fills: dict[int, str] | None) -> None:
    x, y = pdf.l_margin, pdf.get_y()
    for column, (text, width, align) in enumerate(zip(values, sizes, aligns, strict=True)):
        ink = (0, 0, 0)
        if fills and column in fills:
            fill, ink = light_colours(fills[column])
            pdf.set_fill_color(*fill)
            pdf.rect(x + 0.3, y + 0.3, width - 0.6, height - 0.6, style="F")
        pdf.set_text_color(*ink)
        lines = _lines(pdf, text, width - 2 * pad) if column in wrapped \
            else [_fit(pdf, text, width - 2 * pad)]
        top = y + pad if len(lines) > 1 else y + (height - line) / 2
        for n, part in enumerate(lines):
            pdf.set_xy(x + pad, top + n * line)
            pdf.cell(width - 2 * pad, line, part, align=align[0])
        x += width
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y + height)


def image(pdf: FPDF, png: bytes | str, width: float | None = None) -> None:
    """A chart at the current position (a new page when it does not fit), or the reason it
    is missing."""
    if isinstance(png, str):
        paragraph(pdf, png, size=8, style="I", colour=GREY)
        return
    width = width or pdf.epw
    w_px, h_px = png_size(png)
    height = width * h_px / w_px
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(2)


def legend(pdf: FPDF) -> None:
    """The traffic light's colours in words (colour is never the only cue)."""
    pdf.set_font(CONDENSED, "", 7.5)
    pdf.cell(pdf.get_string_width(t("reports.text.legend")) + 2, 4, t("reports.text.legend"))
    for name in ("green", "amber", "red", "neutral", "missing"):
        pdf.set_fill_color(*_hex(charts.LIGHT_COLOURS[name]))
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(pdf.get_x(), pdf.get_y() + 0.8, 3, 2.6, style="DF")
        pdf.set_x(pdf.get_x() + 4)
        label = t(f"reports.legend.{name}")
        pdf.cell(pdf.get_string_width(label) + 4, 4, plain(label))
    pdf.ln(6)
