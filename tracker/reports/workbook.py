"""The quarter as a workbook to send: results, targets, submissions, actions and the roadmap, one
sheet each, every sheet stating its filters and the date of its data and set up to print
(landscape, one page wide, header row on every page, title, date and page numbers); numbers are
typed cells in formats that French Excel shows as 1 234,5 / 87,5 % / 12 450 000 F CFA, and text
a spreadsheet would run as a formula (= + - @ tab CR) is made inert
(tracker.files.exports.neutralise).

Number formats are stored in the file's own notation ("#,##0.0"): the reader's Excel or
LibreOffice shows them with its separators, so the same file reads 1 234,5 in French.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, reads_drafts_anywhere, require
from tracker.conference import actions
from tracker.core import repository as repo
from tracker.core.errors import TrackerError
from tracker.core.formats import LOCAL_TZ, quarter_key
from tracker.core.i18n import get_language, t
from tracker.core.models import Submission
from tracker.files.exports import neutralise
from tracker.files.spreadsheet_writing import print_setup
from tracker.reports.document import Document, Period, ProgressFn, in_language, long_date
from tracker.results import submissions

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NBSP = "\u00a0"
INTEGER, DECIMAL = "#,##0", "#,##0.0##"


def unit_format(unit: str) -> str | None:
    """The number format of a KPI value in its unit (None: a yes/no written as a boolean)."""
    day = "j" if get_language() == "fr" else "d"
    return {"count": INTEGER, "percent": f'#,##0.0"{NBSP}%"',
            "hours": f'#,##0.0"{NBSP}h"', "ms": f'#,##0"{NBSP}ms"',
            "xof": f'#,##0"{NBSP}F{NBSP}CFA"', "days": f'#,##0.0"{NBSP}{day}"',
            "bool": None}.get(unit, DECIMAL)


@dataclass(frozen=True)
class Column:
    """A sheet column: its key in the rows, translated title, kind and width."""

    key: str
    title: str
    kind: str = "text"  # text, number, integer, date, datetime, bool, unit (format per row)
    width: int = 14


@dataclass
class Sheet:
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]]


class _Writer:
    """xlsxwriter with formulas, URLs and numbers-in-text never interpreted."""

    def __init__(self, header: list[str], as_of: str = "") -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "in_memory": True})
        self.header = header
        self.as_of = as_of
        self.formats: dict[str, Any] = {}
        self.bold = self.book.add_format({"bold": True, "bg_color": "#E8EEF4", "text_wrap": True,
                                          "valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 12})

    def number_format(self, code: str) -> Any:
        if code not in self.formats:
            self.formats[code] = self.book.add_format({"num_format": code})
        return self.formats[code]

    def sheet(self, sheet: Sheet) -> None:
        ws = self.book.add_worksheet(_sheet_name(sheet.name))
        for row, line in enumerate(self.header):
            ws.write_string(row, 0, str(neutralise(line)), self.title if row == 0 else None)
        top = len(self.header) + 1
        for col, column in enumerate(sheet.columns):
            ws.write_string(top, col, str(neutralise(column.title)), self.bold)
            ws.set_column(col, col, column.width)
        for n, values in enumerate(sheet.rows, start=top + 1):
            for col, column in enumerate(sheet.columns):
                self.cell(ws, n, col, column, values.get(column.key), values.get("unit"))
        ws.freeze_panes(top + 1, 1)
        title = self.header[0] if self.header else ""
        print_setup(ws, title=f"{title} — {sheet.name}" if title else sheet.name,
                    as_of=self.as_of, header_row=top)
        if sheet.columns:
            ws.autofilter(top, 0, top + max(len(sheet.rows), 1), len(sheet.columns) - 1)

    def cell(self, ws: Any, row: int, col: int, column: Column, value: Any,
             unit: str | None) -> None:
        if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
            return
        kind = column.kind
        if kind == "unit":
            code = unit_format(str(unit or ""))
            if code is None:
                ws.write_boolean(row, col, bool(value))
                return
            ws.write_number(row, col, float(value), self.number_format(code))
        elif kind in ("number", "integer") and isinstance(value, int | float):
            whole = kind == "integer" or float(value).is_integer()
            ws.write_number(row, col, float(value),
                            self.number_format(INTEGER if whole else DECIMAL))
        elif kind == "bool":
            ws.write_boolean(row, col, bool(value))
        elif kind == "datetime" and isinstance(value, datetime):
            local = value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value
            ws.write_datetime(row, col, local, self.number_format("dd/mm/yyyy hh:mm"))
        elif kind in ("date", "datetime") and isinstance(value, date):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day),
                              self.number_format("dd/mm/yyyy"))
        else:
            ws.write_string(row, col, str(neutralise(str(value))))

    def close(self) -> bytes:
        self.book.set_properties({"title": self.header[0] if self.header else "",
                                  "author": "ASIN", "comments": " · ".join(self.header[1:])})
        self.book.close()
        return self.buffer.getvalue()


def _sheet_name(name: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    return "".join("-" if c in "[]:*?/\\" else c for c in name)[:31] or "-"


def _col(key: str, kind: str = "text", width: int = 14) -> Column:
    return Column(key, t(f"reports.col.{key}"), kind, width)


# --- the sheets ---------------------------------------------------------------------------


def results_sheet(session: Session, actor: Actor, period: Period) -> Sheet:
    """The quarter's results as this actor may see them (validated only, except for the
    secretariat, who sees every status), with their unit-typed values."""
    year, quarter = period.last
    frame = submissions.quarter_results_frame(session, actor, year, quarter)
    kpis = {k.code: k for k in repo.list_kpis(session)}
    english = get_language() == "en"
    rows = []
    for r in frame.to_dict("records"):
        kpi = kpis.get(str(r["kpi"]))
        label = (kpi.label_en or kpi.label_fr) if kpi and english else r["label"]
        rows.append({**r, "label": label, "unit_label": t(f"results.units.{r['unit']}"),
                     "status": t(f"results.states.{r['status']}"),
                     "position": kpi.position if kpi else 0})
    rows.sort(key=lambda r: (str(r["structure"]), r["position"], str(r["kpi"])))
    columns = [_col("structure", width=12), _col("kpi", width=16), _col("label", width=48),
               Column("unit_label", t("reports.col.unit"), "text", 10),
               _col("value", "unit", 16), _col("numerator", "number"),
               _col("denominator", "number"), _col("comment", width=40),
               _col("evidence_url", width=30), _col("status", width=12)]
    return Sheet(t("reports.workbook.sheet_results"), columns, rows)


def targets_sheet(session: Session, actor: Actor, period: Period) -> Sheet:
    """The year's targets that apply to the quarter (the year's and the quarter's own)."""
    year, quarter = period.last
    frame = submissions.targets_frame(session, actor, year)
    frame = frame[frame["quarter"].isin([0, quarter])]
    kpis = {k.code: k for k in repo.list_kpis(session)}
    english = get_language() == "en"
    rows = []
    for r in frame.to_dict("records"):
        kpi = kpis.get(str(r["kpi"]))
        rows.append({"kpi": r["kpi"], "label": ((kpi.label_en or kpi.label_fr) if english
                                                 else kpi.label_fr) if kpi else "",
                     "structure": r["structure"] or t("reports.workbook.national"),
                     "quarter": int(r["quarter"]), "value": r["value"],
                     "unit": kpi.unit if kpi else ""})
    columns = [_col("kpi", width=16), _col("label", width=48), _col("structure", width=12),
               _col("quarter", "integer", 12), _col("target", "unit", 16)]
    for row in rows:
        row["target"] = row.pop("value")
    return Sheet(t("reports.workbook.sheet_targets"), columns, rows)


def submissions_sheet(session: Session, actor: Actor, period: Period, today: date) -> Sheet:
    """Each structure in force: its submission state for the quarter (late included), when it
    was submitted and reviewed, and ASIN's comment."""
    year, quarter = period.last
    matrix = submissions.matrix_frame(session, actor, [(year, quarter)], today)
    key = quarter_key(year, quarter)
    structures = {s.code: s for s in repo.list_structures(session)}
    subs = {s.structure_id: s for s in session.exec(select(Submission).where(
        Submission.year == year, Submission.quarter == quarter))}
    english = get_language() == "en"
    rows = []
    for r in matrix.to_dict("records"):
        if not isinstance(r[key], str):
            continue
        structure = structures.get(str(r["code"]))
        sub = subs.get(structure.id or -1) if structure else None
        rows.append({"structure": r["code"],
                     "name": ((structure.name_en or structure.name_fr) if english
                              else structure.name_fr) if structure else "",
                     "state": t(f"results.states.{r[key]}"),
                     "submitted_at": sub.submitted_at if sub else None,
                     "reviewed_at": sub.reviewed_at if sub else None,
                     "review_comment": sub.review_comment if sub else ""})
    columns = [_col("structure", width=12), _col("name", width=50), _col("state", width=14),
               _col("submitted_at", "datetime", 17), _col("reviewed_at", "datetime", 17),
               _col("review_comment", width=40)]
    return Sheet(t("reports.workbook.sheet_submissions"), columns, rows)


def actions_sheet(session: Session, actor: Actor, today: date) -> Sheet:
    """Every action item as followed up today (overdue derived as of today)."""
    frame = actions.followup_frame(session, actor, actions.ACTION, actions.Filters(), today)
    rows = []
    for r in frame.reset_index().to_dict("records"):
        rows.append({**r, "status": actions.status_label(str(r["status"])),
                     "priority": actions.priority_label(str(r["priority"])),
                     "open_sessions": None if r["open_sessions"] is pd.NA
                     else r["open_sessions"]})
    columns = [_col("session", width=26), _col("number", width=6), _col("title", width=50),
               _col("owner", width=12), _col("person", width=20), _col("due_date", "date", 12),
               Column("due_note", t("actions.col_due_note"), "text", 16),
               _col("status", width=16), _col("priority", width=10),
               Column("topic", t("actions.col_topic"), "text", 12),
               _col("progress_comment", width=40), _col("blocker", width=30),
               _col("escalated", "bool", 10), _col("overdue", "bool", 10),
               _col("open_sessions", "integer", 12)]
    return Sheet(t("reports.workbook.sheet_actions"), columns, rows)


def frame_sheet(name: str, frame: pd.DataFrame) -> Sheet:
    """A display frame from another module, each column typed from its values."""
    columns = []
    for title in frame.columns:
        sample = frame[title].dropna()
        first = sample.iloc[0] if not sample.empty else None
        kind = ("bool" if isinstance(first, bool) else "datetime" if isinstance(first, datetime)
                else "date" if isinstance(first, date)
                else "number" if isinstance(first, int | float) else "text")
        columns.append(Column(str(title), str(title), kind, 40 if kind == "text" else 14))
    rows = [{str(k): (", ".join(map(str, v)) if isinstance(v, list) else v)
             for k, v in record.items()} for record in frame.to_dict("records")]
    return Sheet(name, columns, rows)


def roadmap_sheets(session: Session, actor: Actor, year: int, today: date) -> list[Sheet]:
    """The year's roadmap as the roadmap page exports it (pillars, initiatives, milestones)."""
    from tracker.roadmap import views

    view = views.roadmap_view(session, actor, year, today)
    return [frame_sheet(name, frame) for name, frame in views.export_sheets(view).items()]


def workbook_xlsx(session: Session, actor: Actor, period: Period, *, lang: str, today: date,
                  progress: ProgressFn | None = None) -> Document:
    """The quarter's workbook (admin and leadership)."""
    require(actor, Action.read_reports)
    if period.quarter is None:
        raise TrackerError(t("reports.bad_quarter", quarter="—"))
    report: Callable[[float, str], None] = progress or (lambda _f, _m: None)
    with in_language(lang):
        report(0.1, t("reports.steps.data"))
        scope = t("reports.workbook.results_all") if reads_drafts_anywhere(actor) \
            else t("reports.workbook.results_validated")
        filters = [t("reports.pdf.filter_period", period=period.label(long=True)), scope,
                   t("reports.pdf.filter_language")]
        as_of = t("common.data_as_of", when=long_date(today))
        header = [t("reports.workbook.title", period=period.label(long=True)),
                  t("reports.pdf.filters", filters=", ".join(filters)), as_of]
        if repo.is_demo(session):
            header.append(t("reports.pdf.demo_notice"))
        sheets: list[Sheet] = [results_sheet(session, actor, period),
                               targets_sheet(session, actor, period)]
        report(0.4, t("reports.steps.submissions"))
        sheets.append(submissions_sheet(session, actor, period, today))
        report(0.6, t("reports.steps.actions"))
        sheets.append(actions_sheet(session, actor, today))
        report(0.8, t("reports.steps.roadmap"))
        sheets.extend(roadmap_sheets(session, actor, period.year, today))
        report(0.9, t("reports.steps.writing"))
        writer = _Writer(header, as_of)
        for sheet in sheets:
            writer.sheet(sheet)
        data = writer.close()
        report(1.0, t("reports.steps.done"))
    return Document(data, f"classeur-cdsi-{period.slug}-{lang}.xlsx", XLSX_MIME)
