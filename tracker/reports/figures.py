"""The figures a report prints (validated data only): the data loaded once, year and quarter
attainment, headline rows, and charts rendered to PNG (a report without Chromium says so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.core import repository as repo
from tracker.core.errors import TrackerError
from tracker.core.formats import (
    format_number,
    format_value,
)
from tracker.core.formats import quarter_label as _quarter_label
from tracker.core.i18n import get_language, t
from tracker.core.models import Structure
from tracker.dashboards import views as dashboards
from tracker.files import render
from tracker.reports.document import Period
from tracker.results.kpis import KpiRule, across_structures, light, over_quarters
from tracker.results.submissions import QuarterProgress, quarter_progress

TREND_KPIS = dashboards.HEADLINE_KPIS


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
    # Each quarter's progress on ``today``: a provisional quarter is drawn apart, as on screen.
    progress: dict[tuple[int, int], QuarterProgress] | None = None

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
    return ReportData(actor, period, today, repo.is_demo(session), results,
                      dashboards.catalogue(session), dashboards.targets_frame(session),
                      dashboards.structures_in_force(session, year, quarter),
                      progress=quarter_progress(session, today))


def national_year_figure(rule: KpiRule, rows: pd.DataFrame) -> float | None:
    """The nation's figure over a year: each quarter's national figure (across structures, with
    Σnumerators and Σdenominators for ratio KPIs), rolled up over the quarters by the KPI's own
    rule (sum, avg, last, ratio), both rules from tracker.results.kpis."""
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
        headers = [t("reports.col.kpi"), t("reports.col.value"),
                   t("reports.col.target"), t("reports.col.light"), t("reports.col.change"),
                   t("reports.col.completeness")]
        rows = [[data.label(r.kpi_id), format_value(r.value, r.unit),
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
        rows.append([data.label(kpi_id),
                     *[format_value(per_quarter.get(q), rule.unit) for q in range(1, 5)],
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
    """A plotly figure as PNG, in the report's font size (tracker.files.render: one renderer per
    process, one render at a time, never waiting forever)."""
    if not chromium_available():
        raise TrackerError(t("reports.pdf.chart_unavailable", reason="Chromium"))
    figure.update_layout(font={"size": font_size}, title={"font": {"size": font_size + 4}})
    height = int(figure.layout.height or 420)
    try:
        return render.png(figure, width=width, height=height)
    except render.RenderUnavailable as exc:
        raise TrackerError(t("reports.pdf.chart_unavailable", reason=str(exc))) from exc


def try_png(figure: Any, *, width: int) -> bytes | str:
    """The PNG, or the reason it could not be made (the report is still produced)."""
    try:
        return figure_png(figure, width=width)
    except TrackerError as exc:
        return str(exc)
    except Exception as exc:  # kaleido or Chromium failed: the report goes out without it
        return t("reports.pdf.chart_unavailable", reason=type(exc).__name__)


def png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
