"""``python -m tracker report bilan|fiche|workbook``: build the document asked for and write it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tracker.reports.bilan import bilan_pdf
from tracker.reports.document import Period, command_line_actor, write_document
from tracker.reports.fiche import fiche_pdf


def run_report(engine: Any, command: str, *, year: int, quarter: int | None, lang: str,
               out: str | Path, today: date, structure: str | None = None,
               kpi: str | None = None) -> str:
    """``python -m tracker report bilan|fiche|workbook``: write the file, return the message."""
    from tracker.core.db import reading
    from tracker.reports.workbook import workbook_xlsx

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
