"""The fiche ministère: one page on one structure's KPIs against targets, its trend,
submissions and overdue actions, then its « Trajectoires et prévisions » (forecasts, confidence
ratings, flags), as PDF."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference import actions
from tracker.core import repository as repo
from tracker.core.errors import NotFound, TrackerError
from tracker.core.formats import (
    format_date,
    format_value,
    quarter_key,
)
from tracker.core.i18n import t
from tracker.dashboards import charts
from tracker.dashboards import views as dashboards
from tracker.reports.document import (
    PDF_MIME,
    Document,
    Period,
    ProgressFn,
    in_language,
    long_date,
    quiet,
)
from tracker.reports.figures import (
    ReportData,
    light_label,
    load_data,
    png_size,
    start_renderer,
    try_png,
)
from tracker.reports.pdf import (
    BLUE,
    CONDENSED,
    DEMO_ORANGE,
    FONT,
    GREY,
    HEADING_FILL,
    heading,
    light_colours,
    new_pdf,
    paragraph,
    plain,
)
from tracker.reports.trajectories import forecast_section, forecasts_at

# --- the fiche ministère ------------------------------------------------------------------


_FICHE_ALIGN = ("L", "R", "R", "C")


def _fiche_kpis(pdf: FPDF, rows: list[list[str]], lights: list[str], top: float) -> float:
    """One line per KPI (its name in full, value, target, light); returns the y below them."""
    widths = (pdf.epw - 66, 22, 22, 22)
    line = 3.4
    headers = [t("reports.col.kpi"), t("reports.col.value"), t("reports.col.target"),
               t("reports.col.light")]
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(CONDENSED, "B", 7)
    pdf.set_fill_color(*HEADING_FILL)
    for j, (w, title) in enumerate(zip(widths, headers, strict=True)):
        pdf.cell(w, line, plain(title), fill=True, align=_FICHE_ALIGN[j])
    pdf.set_font(CONDENSED, "", 7)
    for i, (values, state) in enumerate(zip(rows, lights, strict=True)):
        pdf.set_xy(pdf.l_margin, top + line * (i + 1))
        for j, (w, value) in enumerate(zip(widths, values, strict=True)):
            text = plain(value)
            while j == 0 and pdf.get_string_width(text) > w - 2 and len(text) > 4:
                text = text[:-2].rstrip() + "…"
            if j == 3:
                fill, ink = light_colours(state)
                pdf.set_fill_color(*fill)
                pdf.set_text_color(*ink)
            pdf.cell(w, line, text, fill=j == 3, align=_FICHE_ALIGN[j], border="B")
            pdf.set_text_color(0, 0, 0)
    return top + line * (len(rows) + 1) + 3


def fiche_pdf(session: Session, actor: Actor, structure_code: str, period: Period, *,
              lang: str, today: date, kpi_code: str | None = None,
              progress: ProgressFn | None = None) -> Document:
    """One page on one structure for one quarter: its submission, its KPIs against targets, a
    trend, its overdue actions; then its trajectories and forecasts with the confidence
    ratings (admin and leadership)."""
    require(actor, Action.read_reports)
    if period.quarter is None:
        raise TrackerError(t("reports.bad_quarter", quarter="—"))
    report = progress or quiet
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
        pdf = new_pdf("", [t("reports.pdf.data_as_of", date=long_date(today)),
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
        rows = [[data.label(int(r.kpi_id)), format_value(r.value, r.unit),
                 format_value(r.target, r.unit), light_label(r.light)]
                for r in frame.itertuples(index=False)]
        if rows:
            pdf.set_y(_fiche_kpis(pdf, rows, lights, pdf.get_y()))
        else:
            paragraph(pdf, t("reports.text.no_results"), style="I", colour=GREY)
        report(0.5, t("reports.steps.actions"))
        heading(pdf, t("reports.sections.fiche_actions"), level=2)
        _fiche_overdue(pdf, overdue, today)
        report(0.6, t("reports.steps.charts", n=1, total=1))
        kpi_id = _fiche_kpi(data, frame, kpi_code)
        on_second_page = False
        if kpi_id is not None:
            if pdf.h - 22 - pdf.get_y() < 44:  # not enough room left: the trend opens page 2
                pdf.add_page()
                on_second_page = True
            heading(pdf, t("reports.sections.fiche_trend"), level=2)
            trend = dashboards.structure_trend(data.results, data.cat, data.targets, code,
                                               kpi_id, data.progress).tail(8)
            figure = charts.trend_chart(trend, data.label(kpi_id), data.cat.rules[kpi_id].unit,
                                        structure=code,
                                        code=str(data.cat.kpis.loc[kpi_id, "code"]))
            figure.update_layout(height=380)
            png = try_png(figure, width=1300)
            if isinstance(png, bytes):
                w_px, h_px = png_size(png)
                height = min(62.0, pdf.epw * h_px / w_px, pdf.h - 22 - pdf.get_y())
                pdf.image(io.BytesIO(png), x=pdf.l_margin, y=pdf.get_y(), h=height,
                          w=height * w_px / h_px)
                pdf.set_y(pdf.get_y() + height + 2)
            else:
                paragraph(pdf, png, size=8, style="I", colour=GREY)
        report(0.9, t("ratings.section_forecast"))
        pdf.set_auto_page_break(True, margin=18)  # the forecasts go on the pages after
        if not on_second_page:
            pdf.add_page()
        forecast_section(pdf, session, actor, structure.id, year, quarter,
                         forecasts_at(session, data.results, data.cat, data.targets, year,
                                      quarter), (data.results, data.cat, data.targets), level=1)
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
    # At most 8 lines, so that the trend chart keeps its room on the page.
    room = min(8, int((pdf.h - 22 - pdf.get_y()) // line) - 1)
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
