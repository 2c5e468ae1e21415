"""The section « Trajectoires et prévisions » of one structure in the PDF fiche and bilan: per
KPI with a yearly target, the figure to date, the forecast with its interval, the target, the
class, the DSI's and ASIN's confidence ratings and the disagreement flag
(``tracker.dashboards.confidence.structure_forecast``), validated data only."""

from __future__ import annotations

import pandas as pd
from fpdf import FPDF
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.core.formats import quarter_label
from tracker.core.i18n import t
from tracker.dashboards import confidence
from tracker.dashboards.views import Catalogue
from tracker.reports.pdf import GREY, heading, paragraph, table

WIDTHS = (37, 14, 14, 23, 12, 17, 29, 27, 14)
ALIGNS = ("LEFT", "RIGHT", "RIGHT", "CENTER", "RIGHT", "LEFT", "LEFT", "LEFT", "CENTER")


def forecasts_at(session: Session, results: pd.DataFrame, cat: Catalogue,
                 targets: pd.DataFrame, year: int, quarter: int) -> pd.DataFrame:
    """Every structure's forecasts as they stood at the end of the report's quarter."""
    return confidence.quarter_forecasts(session, results, cat, targets, year, quarter)


def forecast_section(pdf: FPDF, session: Session, actor: Actor | None, structure_id: int,
                     year: int, quarter: int, forecasts: pd.DataFrame,
                     data: tuple[pd.DataFrame, Catalogue, pd.DataFrame], *,
                     level: int = 2) -> None:
    """The section of one structure: heading, caption, table (or a sentence when empty)."""
    section = confidence.structure_forecast(session, actor, structure_id, year, quarter,
                                            forecasts, data)
    heading(pdf, t("ratings.section_forecast"), level=level)
    if section.frame.empty:
        paragraph(pdf, t("ratings.forecast_none"), size=8, style="I", colour=GREY)
        return
    paragraph(pdf, t("ratings.forecast_caption", year=year,
                     quarter=quarter_label(year, quarter, long=True)), size=7.5, colour=GREY)
    table(pdf, [t(f"ratings.col.{c}") for c in confidence.SECTION_COLUMNS],
          section.frame.values.tolist(), WIDTHS, ALIGNS, size=6.5, wrap=(0, 3, 5, 6, 7, 8))
    if section.flagged:
        paragraph(pdf, t("ratings.forecast_flagged", n=section.flagged), size=8, style="B")
