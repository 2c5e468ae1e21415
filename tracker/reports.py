"""Reports to send (validated data only): the bilan of a quarter or a year and the one-page fiche
ministère as PDF, with charts, every page numbered and stating the date of its data and filters.

Figures come from tracker.dashboards and tracker.kpis (the aggregation rules are never re-derived
here); charts from tracker.charts rendered to PNG by kaleido with the system Chromium; text in
DejaVu Sans, embedded, so that French typography (« », no-break spaces, F CFA, "–") prints; user
text (titles, comments) is written as plain text, never interpreted.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.outline import OutlineSection
from sqlmodel import Session

from tracker import actions, bootstrap, charts, dashboards, render, submissions
from tracker import repository as repo
from tracker.auth import Actor, require_role
from tracker.errors import NotFound, TrackerError
from tracker.formats import format_date, format_number, format_percent, format_value, quarter_key
from tracker.formats import quarter_label as _quarter_label
from tracker.i18n import get_language, set_language, t
from tracker.kpis import KpiRule, across_structures, light, over_quarters
from tracker.models import Role, Structure
from tracker.progress import step

ROLES = (Role.admin, Role.leadership)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FONT, CONDENSED = "DejaVu", "DejaVuCond"
_FONT_FILES = {(FONT, ""): "DejaVuSans.ttf", (FONT, "B"): "DejaVuSans-Bold.ttf",
               (FONT, "I"): "DejaVuSans-Oblique.ttf",
               (CONDENSED, ""): "DejaVuSansCondensed.ttf",
               (CONDENSED, "B"): "DejaVuSansCondensed-Bold.ttf"}
PDF_MIME = "application/pdf"
BLUE = (0, 84, 147)
GREY = (110, 110, 110)
DEMO_ORANGE = (190, 90, 0)
HEADING_FILL = (232, 238, 244)
PROGRESS_BLUE = (0, 114, 178)
TREND_KPIS = dashboards.HEADLINE_KPIS
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class Document:
    """A generated file, ready to download or write."""

    data: bytes
    filename: str
    mime: str


@dataclass(frozen=True)
class Period:
    """A quarter, or a whole year when ``quarter`` is None."""

    year: int
    quarter: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and self.quarter not in (1, 2, 3, 4):
            raise TrackerError(t("reports.bad_quarter", quarter=self.quarter))

    @property
    def last(self) -> tuple[int, int]:
        return self.year, self.quarter or 4

    @property
    def quarters(self) -> list[tuple[int, int]]:
        if self.quarter:
            return [(self.year, self.quarter)]
        return [(self.year, q) for q in range(1, 5)]

    @property
    def slug(self) -> str:
        return quarter_key(self.year, self.quarter) if self.quarter else str(self.year)

    def label(self, long: bool = False) -> str:
        return _quarter_label(self.year, self.quarter, long=long) if self.quarter \
            else str(self.year)


def command_line_actor() -> Actor:
    """Who runs ``python -m tracker report``: whoever holds the database URL reads as the
    secretariat does."""
    return Actor(id=0, login="cli", display_name="python -m tracker", role=Role.admin,
                 structure_id=None, structure_code=None)


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Write a document in ``lang`` without changing the language of the user's screen."""
    previous = get_language()
    set_language(lang)
    try:
        yield
    finally:
        set_language(previous)


def long_date(day: date) -> str:
    """25 novembre 2026, 1er mars 2026 (24 June 2025 in English)."""
    text = format_date(day, "long")
    return "1er" + text[1:] if get_language() == "fr" and day.day == 1 else text


def _quiet(fraction: float, message: str) -> None:
    """No page listens: tell whoever listens to the work's progress (the command line)."""
    step(f"{round(fraction * 100):3d} % {message}")


# --- data ---------------------------------------------------------------------------------


@dataclass
class ReportData:
    """Validated results up to the end of the period, the catalogue, targets, structures."""

    actor: Actor
    period: Period
    today: date
    demo: bool
    results: pd.DataFrame
    cat: dashboards.Catalogue
    targets: pd.DataFrame
    structures: list[Structure]
    states: dict[str, dict[str, str]] | None = None

    def label(self, kpi_id: int) -> str:
        row = self.cat.kpis.loc[kpi_id]
        return str(row["label_en"] or row["label_fr"]) if get_language() == "en" \
            else str(row["label_fr"])

    def kpi_id(self, code: str) -> int | None:
        hits = self.cat.kpis.index[self.cat.kpis["code"] == code]
        return int(hits[0]) if len(hits) else None


def load_data(session: Session, actor: Actor, period: Period, today: date) -> ReportData:
    """What every report reads: validated results (never later than the period), targets."""
    results = dashboards.validated_results(session)
    year, quarter = period.last
    results = results[(results["year"] < year)
                      | ((results["year"] == year) & (results["quarter"] <= quarter))]
    return ReportData(actor, period, today, bootstrap.is_demo(session), results,
                      dashboards.catalogue(session), dashboards.targets_frame(session),
                      dashboards.structures_in_force(session, year, quarter))


def national_year_figure(rule: KpiRule, rows: pd.DataFrame) -> float | None:
    """The nation's figure over a year: each quarter's national figure (across structures, with
    Σnumerators and Σdenominators for ratio KPIs), rolled up over the quarters by the KPI's own
    rule (sum, avg, last, ratio), both rules from tracker.kpis."""
    quarters = []
    for (year, quarter), group in rows.groupby(["year", "quarter"], sort=True):
        complete = group[group["numerator"].notna() & group["denominator"].notna()]
        both = rule.ratio and not complete.empty
        quarters.append({"year": year, "quarter": quarter,
                         "value": across_structures(rule, group),
                         "numerator": float(complete["numerator"].sum()) if both else None,
                         "denominator": float(complete["denominator"].sum()) if both else None})
    frame = pd.DataFrame(quarters, columns=["year", "quarter", "value", "numerator",
                                            "denominator"])
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype("float64")
    return over_quarters(rule, frame)


def year_attainment(data: ReportData) -> pd.DataFrame:
    """Structures × KPIs over the year (each structure's quarterly roll-up against its year
    target), in the shape of dashboards.attainment_frame."""
    frames = []
    for structure in data.structures:
        summary = dashboards.structure_year_summary(data.results, data.cat, data.targets,
                                                    structure.code, data.period.year)
        if not summary.empty:
            frames.append(summary.assign(code=structure.code))
    columns = ["code", "kpi_id", "value", "target", "light", "kpi", "group", "unit", "position"]
    if not frames:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(frames, ignore_index=True).drop(columns=["kpi", "unit"])
    meta = data.cat.kpis[["code", "group", "unit", "position"]].rename(columns={"code": "kpi"})
    return frame.join(meta, on="kpi_id").sort_values(["group", "position", "code"])[columns]


def attainment(data: ReportData) -> pd.DataFrame:
    year, quarter = data.period.last
    if data.period.quarter is None:
        return year_attainment(data)
    return dashboards.attainment_frame(data.results, data.cat, data.targets, year, quarter,
                                       data.structures)


def light_label(name: str) -> str:
    return t(f"reports.lights.{name}")


def _change(delta: float | None, unit: str) -> str:
    if delta is None or delta != delta:
        return "—"
    sign = "+" if delta > 0 else ("−" if delta < 0 else "")
    value = format_number(abs(delta), 1)
    key = "reports.text.change_points" if unit == "percent" else "reports.text.change"
    return t(key, sign=sign, value=value)


def headline_rows(data: ReportData) -> tuple[list[str], list[list[str]], list[str]]:
    """The key KPIs table: headers, rows and each row's traffic light."""
    expected = len(data.structures)
    year, quarter = data.period.last
    if data.period.quarter is not None:
        frame = dashboards.headline_frame(data.results, data.cat, data.targets, year, quarter,
                                          expected)
        headers = [t("reports.col.kpi"), t("reports.col.label"), t("reports.col.value"),
                   t("reports.col.target"), t("reports.col.light"), t("reports.col.change"),
                   t("reports.col.completeness")]
        rows = [[r.code, data.label(r.kpi_id), format_value(r.value, r.unit),
                 format_value(r.target, r.unit), light_label(r.light), _change(r.delta, r.unit),
                 t("reports.text.completeness", n=r.reporting, total=r.expected)]
                for r in frame.itertuples(index=False)]
        return headers, rows, list(frame["light"]) if not frame.empty else []
    headers = [t("reports.col.kpi"), *[_quarter_label(year, q) for q in range(1, 5)],
               t("reports.col.year"), t("reports.col.target"), t("reports.col.light"),
               t("reports.col.completeness")]
    rows, lights = [], []
    for code in dashboards.HEADLINE_KPIS:
        kpi_id = data.kpi_id(code)
        if kpi_id is None:
            continue
        rule = data.cat.rules[kpi_id]
        mine = data.results[(data.results["kpi_id"] == kpi_id) & (data.results["year"] == year)]
        per_quarter = {int(q): across_structures(rule, g) for q, g in mine.groupby("quarter")}
        value = national_year_figure(rule, mine)
        target = dashboards.target_of(data.targets, kpi_id, year, 0)
        state = light(rule.direction, value, target).value
        lights.append(state)
        rows.append([code, *[format_value(per_quarter.get(q), rule.unit) for q in range(1, 5)],
                     format_value(value, rule.unit), format_value(target, rule.unit),
                     light_label(state),
                     t("reports.text.completeness", n=int(mine["structure_id"].nunique()),
                       total=expected)])
    return headers, rows, lights


# --- charts -------------------------------------------------------------------------------

def chromium_available() -> bool:
    """kaleido renders with a Chromium found on PATH (or BROWSER_PATH); it downloads nothing."""
    return render.chromium_available()


def start_renderer() -> None:
    """Start the chart renderer (one Chromium for the process) in the background, so that it
    boots while the report's data is read."""
    if chromium_available():
        render.start()


def figure_png(figure: Any, *, width: int, font_size: int = 14) -> bytes:
    """A plotly figure as PNG, in the report's font size (tracker.render: one renderer per
    process, one render at a time, never waiting forever)."""
    if not chromium_available():
        raise TrackerError(t("reports.pdf.chart_unavailable", reason="Chromium"))
    figure.update_layout(font={"size": font_size}, title={"font": {"size": font_size + 4}})
    height = int(figure.layout.height or 420)
    try:
        return render.png(figure, width=width, height=height)
    except render.RenderUnavailable as exc:
        raise TrackerError(t("reports.pdf.chart_unavailable", reason=str(exc))) from exc


def _try_png(figure: Any, *, width: int) -> bytes | str:
    """The PNG, or the reason it could not be made (the report is still produced)."""
    try:
        return figure_png(figure, width=width)
    except TrackerError as exc:
        return str(exc)
    except Exception as exc:  # kaleido or Chromium failed: the report goes out without it
        return t("reports.pdf.chart_unavailable", reason=type(exc).__name__)


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


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


def _light_colours(name: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
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


def _new_pdf(running: str, footer_parts: Sequence[str], demo: bool) -> ReportPdf:
    return ReportPdf(running=plain(running), footer=plain(" · ".join(footer_parts)), demo=demo)


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
            fill, ink = _light_colours(fills[column])
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
    w_px, h_px = _png_size(png)
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


# --- the bilan ----------------------------------------------------------------------------


def _filters(data: ReportData) -> list[str]:
    return [t("reports.pdf.filter_period", period=data.period.label(long=True)),
            t("reports.pdf.filter_validated"),
            t("reports.pdf.filter_structures", n=len(data.structures)),
            t("reports.pdf.filter_language")]


def _title(period: Period) -> str:
    if period.quarter is None:
        return t("reports.pdf.bilan_year", year=period.year)
    return t("reports.pdf.bilan_quarter", period=period.label(long=True))


def _render_toc(pdf: FPDF, outline: list[OutlineSection]) -> None:
    pdf.set_x(pdf.l_margin)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 7, t("reports.pdf.contents"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    for section in outline:
        if section.level > 0:
            continue
        pdf.set_font(FONT, "", 10)
        pdf.cell(pdf.epw - 15, 7, plain(section.name))
        pdf.cell(15, 7, str(section.page_number), align="R", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)


def _cover(pdf: ReportPdf, data: ReportData, title: str) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, t("reports.pdf.republic"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, t("reports.pdf.agency"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(14)
    pdf.set_fill_color(*BLUE)
    pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, 1.2, style="F")
    pdf.ln(8)
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(0, 6, t("reports.pdf.conference"), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 22)
    pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, 10, plain(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)
    pdf.set_font(FONT, "", 10.5)
    pdf.cell(0, 6, t("reports.pdf.data_as_of", date=long_date(data.today)), align="C",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, plain(t("reports.pdf.filters", filters=", ".join(_filters(data)))),
                   align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_fill_color(*BLUE)
    pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, 1.2, style="F")
    pdf.ln(8)
    if data.demo:
        pdf.set_draw_color(*DEMO_ORANGE)
        pdf.set_text_color(*DEMO_ORANGE)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 7, t("reports.pdf.demo_notice"), border=1, align="C",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(6)
    pdf.insert_toc_placeholder(_render_toc, pages=1, allow_extra_pages=True)


def _summary(pdf: ReportPdf, session: Session, data: ReportData) -> None:
    heading(pdf, t("reports.sections.summary"))
    heading(pdf, t("reports.sections.headline"), level=2)
    headers, rows, lights = headline_rows(data)
    if data.period.quarter is None:
        widths: Sequence[float] = (15, 11, 11, 11, 11, 12, 11, 16, 13)
        aligns: Sequence[str] = ("LEFT", *["RIGHT"] * 6, "CENTER", "RIGHT")
        light_col = 7
    else:
        widths, aligns = (15, 39, 12, 11, 16, 11, 13), ("LEFT", "LEFT", "RIGHT", "RIGHT",
                                                        "CENTER", "RIGHT", "RIGHT")
        light_col = 4
    table(pdf, headers, rows, widths, aligns, lights={light_col: lights},
          wrap=(1,) if data.period.quarter is not None else ())
    legend(pdf)
    heading(pdf, t("reports.sections.completeness"), level=2)
    states = _states(session, data)
    validated = sum(1 for per in states.values() if per and all(
        s == "validated" for s in per.values()))
    keys = {(y, q) for y, q in data.period.quarters}
    in_period = [(y, q) in keys for y, q in zip(data.results["year"], data.results["quarter"],
                                               strict=True)]
    reporting = int(data.results.loc[in_period, "code"].nunique())
    if data.period.quarter is None:
        paragraph(pdf, t("reports.text.summary_year", year=data.period.year,
                         expected=len(data.structures), reporting=reporting))
    else:
        paragraph(pdf, t("reports.text.summary", validated=validated,
                         expected=len(data.structures), reporting=reporting))
    counts = _state_counts(states, data.period)
    table(pdf, [t("reports.col.state"), *[_quarter_label(y, q) for y, q in data.period.quarters]],
          [[t(f"results.states.{s}"), *[str(n) for n in counts[s]]]
           for s in submissions.MATRIX_STATES],
          (40, *[15] * len(data.period.quarters)),
          ("LEFT", *["RIGHT"] * len(data.period.quarters)),
          width=55 + 15 * len(data.period.quarters))


def _states(session: Session, data: ReportData) -> dict[str, dict[str, str]]:
    """Each structure in force: its submission state per quarter of the period."""
    if data.states is not None:
        return data.states
    matrix = submissions.matrix_frame(session, data.actor, data.period.quarters,
                                      data.today)
    keys = [quarter_key(y, q) for y, q in data.period.quarters]
    wanted = {s.code for s in data.structures}
    data.states = {row["code"]: {k: row[k] for k in keys if isinstance(row[k], str)}
            for row in matrix.to_dict("records") if row["code"] in wanted}
    return data.states


def _state_counts(states: dict[str, dict[str, str]], period: Period) -> dict[str, list[int]]:
    keys = [quarter_key(y, q) for y, q in period.quarters]
    return {s: [sum(1 for per in states.values() if per.get(k) == s) for k in keys]
            for s in submissions.MATRIX_STATES}


def _charts(pdf: ReportPdf, session: Session, data: ReportData, frame: pd.DataFrame,
            progress: ProgressFn) -> dict[str, bytes | str]:
    """Renders every chart of the bilan (kaleido), then places the heatmap and the trends."""
    year, quarter = data.period.last
    figures: dict[str, Any] = {}
    heat = charts.heatmap_chart(frame, year, quarter)
    if data.period.quarter is None:
        heat.update_layout(title={"text": t("reports.text.heatmap_year_title", year=year)})
    figures["heatmap"] = heat
    for code in TREND_KPIS:
        kpi_id = data.kpi_id(code)
        if kpi_id is None:
            continue
        trend = dashboards.trend_frame(data.results, data.cat, data.targets, kpi_id).tail(12)
        if trend["value"].notna().any():
            figures[f"trend:{code}"] = charts.trend_chart(
                trend, f"{code} — {data.label(kpi_id)}", data.cat.rules[kpi_id].unit)
    counts = dashboards.completeness_counts(session, year, quarter, data.today)
    figures["completeness"] = charts.completeness_chart(counts, year, quarter)
    figures["overdue"] = charts.overdue_chart(dashboards.overdue_by_structure(session,
                                                                              data.today),
                                              long_date(data.today))
    pngs: dict[str, bytes | str] = {}
    for n, (name, figure) in enumerate(figures.items(), start=1):
        progress(0.15 + 0.5 * n / len(figures), t("reports.steps.charts", n=n,
                                                  total=len(figures)))
        pngs[name] = _try_png(figure, width=1400 if name == "heatmap" else 1100)
    heading(pdf, t("reports.sections.charts"))
    heading(pdf, t("reports.sections.heatmap"), level=2)
    image(pdf, pngs["heatmap"])
    legend(pdf)
    pdf.add_page()
    heading(pdf, t("reports.sections.trends"), level=2)
    for name, png in pngs.items():
        if name.startswith("trend:"):
            image(pdf, png, width=pdf.epw * 0.92)
    return pngs


def _submissions(pdf: ReportPdf, session: Session, data: ReportData,
                 pngs: dict[str, bytes | str]) -> None:
    pdf.add_page()
    heading(pdf, t("reports.sections.submissions"))
    image(pdf, pngs["completeness"], width=pdf.epw * 0.8)
    states = _states(session, data)
    keys = [quarter_key(y, q) for y, q in data.period.quarters]
    names = {s.code: (s.name_en or s.name_fr) if get_language() == "en" else s.name_fr
             for s in data.structures}
    rows = [[code, names.get(code, ""), *[t(f"results.states.{states[code][k]}")
                                          if k in states[code] else "—" for k in keys]]
            for code in sorted(states)]
    many = len(keys) > 1
    table(pdf, [t("reports.col.structure"), t("reports.col.name"),
                *[_quarter_label(y, q) for y, q in data.period.quarters]], rows,
          (14, 60 if many else 70, *[(14 if many else 22)] * len(keys)),
          ("LEFT", "LEFT", *["LEFT"] * len(keys)))


def _actions(pdf: ReportPdf, session: Session, data: ReportData,
             pngs: dict[str, bytes | str]) -> None:
    pdf.add_page()
    heading(pdf, t("reports.sections.actions"))
    frame = actions.followup_frame(session, data.actor, actions.ACTION,
                                   actions.Filters(), data.today)
    open_items = frame[~frame["status"].isin(actions.CLOSED)]
    overdue = frame[frame["overdue"]].sort_values(["due_date", "owner"])
    paragraph(pdf, t("reports.text.actions_summary", open=len(open_items), overdue=len(overdue),
                     blocked=int((frame["status"] == "blocked").sum()),
                     escalated=int(open_items["escalated"].fillna(False).astype(bool).sum())))
    heading(pdf, t("reports.sections.status_counts", date=long_date(data.today)), level=2)
    counts = frame["status"].value_counts()
    table(pdf, [t("reports.col.status"), t("reports.col.count")],
          [[actions.status_label(s), str(int(counts.get(s, 0)))] for s in actions.STATUSES],
          (40, 15), ("LEFT", "RIGHT"), width=80)
    image(pdf, pngs["overdue"], width=pdf.epw * 0.8)
    heading(pdf, t("reports.sections.overdue", date=long_date(data.today)), level=2)
    if overdue.empty:
        paragraph(pdf, t("reports.text.no_overdue"))
        return
    rows = [[r.number or "—", r.session, r.title, r.owner or "—", format_date(r.due_date),
             t("reports.text.days_late", n=(data.today - r.due_date).days),
             actions.status_label(r.status)] for r in overdue.itertuples()]
    table(pdf, [t("reports.col.number"), t("reports.col.session"), t("reports.col.title"),
                t("reports.col.owner"), t("reports.col.due_date"), t("reports.col.late"),
                t("reports.col.status")], rows, (7, 24, 58, 17, 14, 10, 20),
          ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"), size=7, wrap=(1, 2, 6))


def roadmap_rows(session: Session, year: int, today: date) -> list[dict[str, Any]] | None:
    """Progress by pillar from tracker.roadmap's roll-up (None: no roadmap that year)."""
    from tracker import roadmap

    loaded = roadmap.load_roadmap(session, year, today)
    if not loaded.pillars:
        return None
    progress = roadmap.progress_frame(loaded)
    statuses: dict[str, dict[str, int]] = {}
    for facts in loaded.facts:
        key = roadmap.pillar_label(facts.pillar)
        per = statuses.setdefault(key, {})
        per[facts.status] = per.get(facts.status, 0) + 1
    out = []
    for row in progress.to_dict("records"):
        per = statuses.get(str(row["label"]), {})
        out.append({**row, "statuses": " · ".join(
            f"{roadmap.status_label(s)}\u00a0: {per[s]}" for s in roadmap.STATUSES
            if per.get(s))})
    return out


def _roadmap(pdf: ReportPdf, session: Session, data: ReportData) -> None:
    pdf.add_page()
    heading(pdf, t("reports.sections.roadmap"))
    rows = roadmap_rows(session, data.period.year, data.today)
    if rows is None:
        paragraph(pdf, t("reports.text.no_roadmap", year=data.period.year))
        return
    total = rows[0]
    paragraph(pdf, t("reports.text.roadmap_total", progress=format_percent(total["progress"]),
                     measured=total["measured"], initiatives=total["initiatives"]), style="B")
    bar_x, bar_w = pdf.l_margin + 92, 60
    for row in rows[1:]:
        y = pdf.get_y()
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(90, 4.4, plain(row["label"]), align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        share = (row["progress"] or 0) / 100
        pdf.set_fill_color(225, 225, 225)
        pdf.rect(bar_x, y + 0.6, bar_w, 3.2, style="F")
        pdf.set_fill_color(*PROGRESS_BLUE)
        if share > 0:
            pdf.rect(bar_x, y + 0.6, bar_w * min(share, 1), 3.2, style="F")
        pdf.set_xy(bar_x + bar_w + 3, y)
        pdf.set_font(FONT, "B", 8.5)
        pdf.cell(20, 4.4, format_percent(row["progress"]))
        pdf.set_y(max(pdf.get_y(), y + 4.4) + 2.5)
    pdf.ln(2)
    table(pdf, [t("reports.col.pillar"), t("reports.col.progress"), t("reports.col.measured"),
                t("reports.col.initiatives"), t("reports.col.status")],
          [[r["label"], format_percent(r["progress"]), str(r["measured"]),
            str(r["initiatives"]), r["statuses"]] for r in rows],
          (60, 16, 14, 14, 50), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"), wrap=(0, 4))


def _comments(session: Session, data: ReportData) -> dict[str, list[tuple[str, str]]]:
    """Validated results' comments in the period, by current structure code."""
    current = dashboards.successor_codes(session)
    codes = repo.structure_codes_by_id(session)
    to_current = {codes[sid]: code for sid, code in current.items() if sid in codes}
    out: dict[str, list[tuple[str, str]]] = {}
    for year, quarter in data.period.quarters:
        frame = submissions.quarter_results_frame(session, data.actor, year, quarter)
        frame = frame[(frame["status"] == "validated") & (frame["comment"].str.strip() != "")]
        for row in frame.itertuples(index=False):
            prefix = f"{_quarter_label(year, quarter)} · " if data.period.quarter is None else ""
            out.setdefault(to_current.get(str(row.structure), str(row.structure)), []).append(
                (f"{prefix}{row.kpi}", str(row.comment)))
    return out


def _annex(pdf: ReportPdf, session: Session, data: ReportData, frame: pd.DataFrame,
           progress: ProgressFn) -> None:
    states = _states(session, data)
    comments = _comments(session, data)
    followup = actions.followup_frame(session, data.actor, actions.ACTION,
                                      actions.Filters(), data.today)
    first = True
    for n, structure in enumerate(sorted(data.structures, key=lambda s: s.code)):
        if n % 5 == 0:
            progress(0.75 + 0.2 * n / max(len(data.structures), 1), t("reports.steps.annex"))
        pdf.add_page()
        if first:
            heading(pdf, t("reports.sections.annex"))
            first = False
        name = (structure.name_en or structure.name_fr) if get_language() == "en" \
            else structure.name_fr
        heading(pdf, f"{structure.code} — {name}", outline=1)
        per = states.get(structure.code, {})
        state_text = " · ".join(
            t("reports.text.submission_state", period=_quarter_label(y, q),
              state=t(f"results.states.{per[quarter_key(y, q)]}"))
            for y, q in data.period.quarters if quarter_key(y, q) in per)
        mine_actions = followup[followup["owner"] == structure.code]
        open_n = int((~mine_actions["status"].isin(actions.CLOSED)).sum())
        paragraph(pdf, f"{t(f'reports.kinds_structure.{structure.kind}')} · {state_text}",
                  size=8.5)
        paragraph(pdf, t("reports.text.fiche_actions", open=open_n,
                         overdue=int(mine_actions["overdue"].sum())), size=8.5)
        mine = frame[frame["code"] == structure.code]
        if mine.empty:
            paragraph(pdf, t("reports.text.no_results"), style="I", colour=GREY)
        else:
            rows = [[r.kpi, data.label(int(r.kpi_id)), format_value(r.value, r.unit),
                     format_value(r.target, r.unit), light_label(r.light)]
                    for r in mine.itertuples(index=False)]
            table(pdf, [t("reports.col.kpi"), t("reports.col.label"), t("reports.col.value"),
                        t("reports.col.target"), t("reports.col.light")], rows,
                  (22, 70, 20, 20, 16), ("LEFT", "LEFT", "RIGHT", "RIGHT", "CENTER"),
                  size=6.8, lights={4: list(mine["light"])}, wrap=(1,))
        notes = comments.get(structure.code, [])
        if notes:
            heading(pdf, t("reports.sections.comments"), level=2)
            table(pdf, [t("reports.col.kpi"), t("reports.col.comment")], notes, (22, 126),
                  ("LEFT", "LEFT"), size=7, wrap=(1,))


def bilan_pdf(session: Session, actor: Actor, period: Period, *, lang: str, today: date,
              progress: ProgressFn | None = None) -> Document:
    """The bilan of a quarter (or, without a quarter, of a year): cover, national summary,
    charts, submissions, actions and the overdue list, roadmap by pillar, one annex page per
    structure in force (admin and leadership)."""
    require_role(actor, *ROLES)
    report = progress or _quiet
    start_renderer()
    with in_language(lang):
        report(0.02, t("reports.steps.data"))
        data = load_data(session, actor, period, today)
        if data.results.empty:
            raise TrackerError(t("reports.no_data"))
        title = _title(period)
        pdf = _new_pdf(t("reports.pdf.running_bilan", title=title),
                       [t("reports.pdf.data_as_of", date=long_date(today)),
                        *_filters(data)[:2]], data.demo)
        pdf.set_title(plain(title))
        _cover(pdf, data, title)
        report(0.1, t("reports.steps.summary"))
        _summary(pdf, session, data)
        frame = attainment(data)
        pngs = _charts(pdf, session, data, frame, report)
        report(0.66, t("reports.steps.submissions"))
        _submissions(pdf, session, data, pngs)
        report(0.7, t("reports.steps.actions"))
        _actions(pdf, session, data, pngs)
        report(0.73, t("reports.steps.roadmap"))
        _roadmap(pdf, session, data)
        _annex(pdf, session, data, frame, report)
        report(0.97, t("reports.steps.writing"))
        content = bytes(pdf.output())
        report(1.0, t("reports.steps.done"))
    return Document(content, f"bilan-cdsi-{period.slug}-{lang}.pdf", PDF_MIME)


# --- the fiche ministère ------------------------------------------------------------------


_FICHE_ALIGN = ("L", "R", "R", "C")


def _fiche_kpis(pdf: FPDF, rows: list[list[str]], lights: list[str], top: float,
                bottom: float) -> float:
    """Two columns of (KPI, value, target, light) rows; returns the y below them."""
    widths = (26, 21, 21, 21)
    line = 4.1
    per_column = max(1, -(-len(rows) // 2))
    per_column = min(per_column, int((bottom - top - line) // line))
    x0 = pdf.l_margin
    headers = [t("reports.col.kpi"), t("reports.col.value"), t("reports.col.target"),
               t("reports.col.light")]
    for block in range(2):
        x = x0 + block * (sum(widths) + 4)
        pdf.set_xy(x, top)
        pdf.set_font(CONDENSED, "B", 7)
        pdf.set_fill_color(*HEADING_FILL)
        for j, (w, title) in enumerate(zip(widths, headers, strict=True)):
            pdf.cell(w, line, plain(title), fill=True, align=_FICHE_ALIGN[j])
        chunk = list(zip(rows, lights, strict=True))[block * per_column:(block + 1) * per_column]
        for i, (values, state) in enumerate(chunk):
            pdf.set_xy(x, top + line * (i + 1))
            pdf.set_font(CONDENSED, "", 7)
            for j, (w, value) in enumerate(zip(widths, values, strict=True)):
                if j == 3:
                    fill, ink = _light_colours(state)
                    pdf.set_fill_color(*fill)
                    pdf.set_text_color(*ink)
                pdf.cell(w, line, plain(value), fill=j == 3, align=_FICHE_ALIGN[j], border="B")
                pdf.set_text_color(0, 0, 0)
    return top + line * (per_column + 1) + 3


def fiche_pdf(session: Session, actor: Actor, structure_code: str, period: Period, *,
              lang: str, today: date, kpi_code: str | None = None,
              progress: ProgressFn | None = None) -> Document:
    """One page on one structure for one quarter: its submission, its KPIs against targets, a
    trend, its overdue actions (admin and leadership)."""
    require_role(actor, *ROLES)
    if period.quarter is None:
        raise TrackerError(t("reports.bad_quarter", quarter="—"))
    report = progress or _quiet
    start_renderer()
    with in_language(lang):
        report(0.05, t("reports.steps.data"))
        structure = repo.get_structure_by_code(session, structure_code.strip().upper())
        if structure is None or structure.id is None:
            raise NotFound(t("reports.unknown_structure", code=structure_code))
        data = load_data(session, actor, period, today)
        year, quarter = period.last
        code = structure.code
        frame = dashboards.attainment_frame(data.results, data.cat, data.targets, year, quarter,
                                            [structure])
        name = (structure.name_en or structure.name_fr) if lang == "en" else structure.name_fr
        title = t("reports.pdf.fiche_title", code=code)
        pdf = _new_pdf("", [t("reports.pdf.data_as_of", date=long_date(today)),
                            t("reports.pdf.filter_structure", code=code),
                            t("reports.pdf.filter_period", period=period.label()),
                            t("reports.pdf.filter_validated")], data.demo)
        pdf.set_title(plain(f"{title} — {period.label()}"))
        pdf.set_auto_page_break(False)
        pdf.add_page()
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(0, 4, f"{t('reports.pdf.republic')} · ASIN · CDSI", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        pdf.set_text_color(*BLUE)
        pdf.set_font(FONT, "B", 15)
        pdf.cell(0, 8, plain(f"{title} — {period.label(long=True)}"), new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        paragraph(pdf, f"{name} ({t(f'reports.kinds_structure.{structure.kind}')})", size=10,
                  style="B")
        history = dashboards.submission_history(session, structure.id, today)
        hit = history[history["period"] == quarter_key(year, quarter)]
        state = str(hit.iloc[0]["state"]) if not hit.empty else "not_started"
        submitted = hit.iloc[0]["submitted_at"] if not hit.empty else None
        state_text = t("reports.text.submission_state", period=period.label(),
                       state=t(f"results.states.{state}"))
        if submitted is not None and submitted == submitted:
            state_text += f" ({t('reports.text.submitted_on', date=long_date(submitted.date()))})"
        paragraph(pdf, state_text, size=8.5)
        lights = list(frame["light"])
        paragraph(pdf, t("reports.text.kpi_counts", n=sum(1 for x in lights if x != "missing"),
                         green=lights.count("green"), amber=lights.count("amber"),
                         red=lights.count("red")), size=8.5)
        followup = actions.followup_frame(session, actor, actions.ACTION,
                                          actions.Filters(structure_id=structure.id), today)
        overdue = followup[followup["overdue"]].sort_values("due_date")
        open_n = int((~followup["status"].isin(actions.CLOSED)).sum())
        paragraph(pdf, t("reports.text.fiche_actions", open=open_n, overdue=len(overdue)),
                  size=8.5)
        if data.demo:
            paragraph(pdf, t("reports.pdf.demo_notice"), size=8, style="B", colour=DEMO_ORANGE)
        heading(pdf, t("reports.sections.fiche_kpis", period=period.label(long=True)), level=2)
        report(0.3, t("reports.steps.summary"))
        rows = [[r.kpi, format_value(r.value, r.unit), format_value(r.target, r.unit),
                 light_label(r.light)] for r in frame.itertuples(index=False)]
        if rows:
            y = _fiche_kpis(pdf, rows, lights, pdf.get_y(), pdf.get_y() + 92)
            pdf.set_y(y)
        else:
            paragraph(pdf, t("reports.text.no_results"), style="I", colour=GREY)
        report(0.5, t("reports.steps.charts", n=1, total=1))
        kpi_id = _fiche_kpi(data, frame, kpi_code)
        if kpi_id is not None:
            heading(pdf, t("reports.sections.fiche_trend"), level=2)
            trend = dashboards.structure_trend(data.results, data.cat, data.targets, code,
                                               kpi_id).tail(8)
            figure = charts.trend_chart(trend, f"{data.cat.kpis.loc[kpi_id, 'code']} — "
                                        f"{data.label(kpi_id)}", data.cat.rules[kpi_id].unit,
                                        structure=code)
            figure.update_layout(height=380)
            png = _try_png(figure, width=1300)
            if isinstance(png, bytes):
                w_px, h_px = _png_size(png)
                height = min(62.0, pdf.epw * h_px / w_px)
                pdf.image(io.BytesIO(png), x=pdf.l_margin, y=pdf.get_y(), h=height,
                          w=height * w_px / h_px)
                pdf.set_y(pdf.get_y() + height + 2)
            else:
                paragraph(pdf, png, size=8, style="I", colour=GREY)
        report(0.8, t("reports.steps.actions"))
        heading(pdf, t("reports.sections.fiche_actions"), level=2)
        _fiche_overdue(pdf, overdue, today)
        content = bytes(pdf.output())
        report(1.0, t("reports.steps.done"))
    return Document(content, f"fiche-{code}-{period.slug}-{lang}.pdf", PDF_MIME)


def _fiche_kpi(data: ReportData, frame: pd.DataFrame, kpi_code: str | None) -> int | None:
    """The KPI of the fiche's trend: the one asked for, else the first key KPI it reports."""
    if kpi_code:
        kpi_id = data.kpi_id(kpi_code.strip().upper())
        if kpi_id is None:
            raise NotFound(t("reports.unknown_kpi", code=kpi_code))
        return kpi_id
    reported = set(frame.loc[frame["value"].notna(), "kpi"])
    for code in (*dashboards.HEADLINE_KPIS, *frame["kpi"]):
        if code in reported:
            return data.kpi_id(str(code))
    return None


def _fiche_overdue(pdf: FPDF, overdue: pd.DataFrame, today: date) -> None:
    if overdue.empty:
        paragraph(pdf, t("reports.text.no_overdue"), size=8.5)
        return
    line = 4.0
    room = int((pdf.h - 22 - pdf.get_y()) // line) - 1
    shown = overdue.head(max(room, 1)) if len(overdue) > room else overdue
    if len(overdue) > len(shown):
        shown = overdue.head(max(room - 1, 1))
    pdf.set_font(CONDENSED, "B", 7)
    pdf.set_fill_color(*HEADING_FILL)
    widths = (118, 22, 14, 26)
    for w, title in zip(widths, (t("reports.col.title"), t("reports.col.due_date"),
                                 t("reports.col.late"), t("reports.col.status")), strict=True):
        pdf.cell(w, line, plain(title), fill=True)
    pdf.ln(line)
    pdf.set_font(CONDENSED, "", 7)
    for r in shown.itertuples():
        title = plain(r.title)
        while pdf.get_string_width(title) > widths[0] - 2 and len(title) > 4:
            title = title[:-2].rstrip() + "…" if not title.endswith("…") else title[:-2] + "…"
        values = (title, format_date(r.due_date),
                  t("reports.text.days_late", n=(today - r.due_date).days),
                  actions.status_label(r.status))
        for w, value in zip(widths, values, strict=True):
            pdf.cell(w, line, plain(value), border="B")
        pdf.ln(line)
    if len(overdue) > len(shown):
        pdf.set_font(FONT, "I", 7.5)
        pdf.cell(0, line, t("reports.pdf.truncated", n=len(overdue) - len(shown)) + " "
                 + t("reports.text.fiche_more"))


# --- choices for the page and the command line --------------------------------------------


def quarter_choices(results: pd.DataFrame, today: date) -> list[tuple[int, int]]:
    """Quarters with validated results (dashboards.validated_results), the dashboards' default
    first, then newest first."""
    quarters = dashboards.available_quarters(results)
    default = dashboards.last_validated_quarter(results, today)
    return [default, *[q for q in quarters if q != default]] if quarters else []


def year_choices(quarters: list[tuple[int, int]]) -> list[int]:
    return sorted({y for y, _ in quarters}, reverse=True)


def write_document(document: Document, out: str | Path) -> str:
    """Write a document where the command line asked; returns the message to print."""
    path = Path(out)
    path.write_bytes(document.data)
    return t("reports.written", path=str(path), size=format_number(len(document.data), 0))


def run_report(engine: Any, command: str, *, year: int, quarter: int | None, lang: str,
               out: str | Path, today: date, structure: str | None = None,
               kpi: str | None = None) -> str:
    """``python -m tracker report bilan|fiche|workbook``: write the file, return the message."""
    from tracker.db import reading
    from tracker.workbook import workbook_xlsx

    period = Period(year, quarter)
    actor = command_line_actor()
    with reading(engine) as session:
        if command == "bilan":
            document = bilan_pdf(session, actor, period, lang=lang, today=today)
        elif command == "fiche":
            document = fiche_pdf(session, actor, structure or "", period, lang=lang,
                                 today=today, kpi_code=kpi)
        else:
            document = workbook_xlsx(session, actor, period, lang=lang, today=today)
    return write_document(document, out)
