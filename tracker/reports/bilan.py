"""Reports to send (validated data only): the bilan of a quarter or a year and the one-page fiche
ministère as PDF, with charts, every page numbered and stating the date of its data and filters.

Figures come from tracker.dashboards.views and tracker.results.kpis (the aggregation rules are
never re-derived here); charts from tracker.dashboards.charts rendered to PNG by kaleido with the
system Chromium; text in DejaVu Sans, embedded, so that French typography (« », no-break spaces,
F CFA, "–") prints; user text (titles, comments) is written as plain text, never interpreted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.outline import OutlineSection
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference import actions
from tracker.core import repository as repo
from tracker.core.errors import TrackerError
from tracker.core.formats import (
    format_date,
    format_percent,
    format_value,
    quarter_key,
)
from tracker.core.formats import quarter_label as _quarter_label
from tracker.core.i18n import get_language, t
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
    TREND_KPIS,
    ReportData,
    attainment,
    headline_rows,
    light_label,
    load_data,
    start_renderer,
    try_png,
)
from tracker.reports.pdf import (
    BLUE,
    DEMO_ORANGE,
    FONT,
    GREY,
    PROGRESS_BLUE,
    ReportPdf,
    heading,
    image,
    legend,
    letterhead,
    new_pdf,
    paragraph,
    plain,
    table,
)
from tracker.reports.trajectories import forecast_section, forecasts_at
from tracker.results import submissions

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
    letterhead(pdf, above=14, below=8)
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
        widths: Sequence[float] = (34, 11, 11, 11, 11, 12, 11, 16, 13)
        aligns: Sequence[str] = ("LEFT", *["RIGHT"] * 6, "CENTER", "RIGHT")
        light_col = 7
    else:
        widths, aligns = (50, 12, 11, 16, 11, 13), ("LEFT", "RIGHT", "RIGHT", "CENTER",
                                                     "RIGHT", "RIGHT")
        light_col = 3
    table(pdf, headers, rows, widths, aligns, lights={light_col: lights}, wrap=(0,))
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
    heat = charts.heatmap_chart(frame, year, quarter, dashboards.kpi_names(data.cat,
                                                                         get_language()))
    if data.period.quarter is None:
        heat.update_layout(title={"text": t("reports.text.heatmap_year_title", year=year)})
    figures["heatmap"] = heat
    for code in TREND_KPIS:
        kpi_id = data.kpi_id(code)
        if kpi_id is None:
            continue
        trend = dashboards.trend_frame(data.results, data.cat, data.targets, kpi_id,
                                       data.progress).tail(12)
        if trend["value"].notna().any():
            figures[f"trend:{code}"] = charts.trend_chart(
                trend, data.label(kpi_id), data.cat.rules[kpi_id].unit, code=code)
    counts = dashboards.completeness_counts(session, year, quarter, data.today)
    figures["completeness"] = charts.completeness_chart(counts, year, quarter)
    figures["overdue"] = charts.overdue_chart(dashboards.overdue_by_structure(session,
                                                                              data.today),
                                              long_date(data.today))
    pngs: dict[str, bytes | str] = {}
    for n, (name, figure) in enumerate(figures.items(), start=1):
        progress(0.15 + 0.5 * n / len(figures), t("reports.steps.charts", n=n,
                                                  total=len(figures)))
        pngs[name] = try_png(figure, width=1400 if name == "heatmap" else 1100)
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
    """Progress by pillar from tracker.roadmap.service's roll-up (None: no roadmap that year)."""
    from tracker.roadmap import rules as rules_module
    from tracker.roadmap import views as views_module

    loaded = views_module.load_roadmap(session, year, today)
    if not loaded.pillars:
        return None
    progress = views_module.progress_frame(loaded)
    statuses: dict[str, dict[str, int]] = {}
    for facts in loaded.facts:
        key = rules_module.pillar_label(facts.pillar)
        per = statuses.setdefault(key, {})
        per[facts.status] = per.get(facts.status, 0) + 1
    out = []
    for row in progress.to_dict("records"):
        per = statuses.get(str(row["label"]), {})
        out.append({**row, "statuses": " · ".join(
            f"{rules_module.status_label(s)}\u00a0: {per[s]}" for s in rules_module.STATUSES
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


def _kpi_name(data: ReportData, code: str) -> str:
    kpi_id = data.kpi_id(code)
    return data.label(kpi_id) if kpi_id is not None else code


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
                (f"{prefix}{_kpi_name(data, str(row.kpi))}", str(row.comment)))
    return out


def _annex(pdf: ReportPdf, session: Session, data: ReportData, frame: pd.DataFrame,
           progress: ProgressFn) -> None:
    states = _states(session, data)
    comments = _comments(session, data)
    followup = actions.followup_frame(session, data.actor, actions.ACTION,
                                      actions.Filters(), data.today)
    year, quarter = data.period.last
    forecasts = forecasts_at(session, data.results, data.cat, data.targets, year, quarter)
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
            rows = [[data.label(int(r.kpi_id)), format_value(r.value, r.unit),
                     format_value(r.target, r.unit), light_label(r.light)]
                    for r in mine.itertuples(index=False)]
            table(pdf, [t("reports.col.kpi"), t("reports.col.value"), t("reports.col.target"),
                        t("reports.col.light")], rows,
                  (92, 20, 20, 16), ("LEFT", "RIGHT", "RIGHT", "CENTER"),
                  size=6.8, lights={3: list(mine["light"])}, wrap=(0,))
        notes = comments.get(structure.code, [])
        if notes:
            heading(pdf, t("reports.sections.comments"), level=2)
            table(pdf, [t("reports.col.kpi"), t("reports.col.comment")], notes, (50, 98),
                  ("LEFT", "LEFT"), size=7, wrap=(0, 1))
        if structure.id is not None:
            forecast_section(pdf, session, data.actor, structure.id, year, quarter, forecasts,
                             (data.results, data.cat, data.targets))


def bilan_pdf(session: Session, actor: Actor, period: Period, *, lang: str, today: date,
              progress: ProgressFn | None = None) -> Document:
    """The bilan of a quarter (or, without a quarter, of a year): cover, national summary,
    charts, submissions, actions and the overdue list, roadmap by pillar, one annex page per
    structure in force (admin and leadership)."""
    require(actor, Action.read_reports)
    report = progress or quiet
    start_renderer()
    with in_language(lang):
        report(0.02, t("reports.steps.data"))
        data = load_data(session, actor, period, today)
        if data.results.empty:
            raise TrackerError(t("reports.no_data"))
        title = _title(period)
        pdf = new_pdf(t("reports.pdf.running_bilan", title=title),
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
