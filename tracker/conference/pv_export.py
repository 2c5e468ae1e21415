"""A session's procès-verbal as a Word document in the administration's format, built from the
stored data (not from the uploaded file); always in French, the language of the PV."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from babel.dates import format_date as babel_date
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from sqlmodel import Session, col, select

from tracker.conference.sessions import get_conference
from tracker.core import repository as repo
from tracker.core.formats import ordinal_fr
from tracker.core.i18n import t
from tracker.core.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    ConferenceStatus,
    Decision,
    DueKind,
    Recommendation,
)

LANG = "fr"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DEFAULT_CITY = "Cotonou"


def _t(key: str, **values: object) -> str:
    return t(f"conferences.pv.{key}", lang=LANG, **values)


def long_date(day: date) -> str:
    """"mardi 24 juin 2025", "mardi 1er juillet 2025" (the first of the month is "1er")."""
    text = babel_date(day, format="EEEE d MMMM yyyy", locale="fr_FR")
    if day.day == 1:
        weekday, _, rest = text.partition(" ")
        text = f"{weekday} 1er {rest.split(' ', 1)[1]}"
    return text


def day_month_year(day: date) -> str:
    """"24 juin 2025", "1er juillet 2025"."""
    text = babel_date(day, format="d MMMM yyyy", locale="fr_FR")
    return "1er" + text[1:] if day.day == 1 else text


def _due(due: date | None, kind: str) -> str:
    if due is not None:
        return due.strftime("%d/%m/%Y")
    return t(f"actions.due_kind.{kind}", lang=LANG) if kind != DueKind.date else "—"


def _grouped(rows: Sequence[Any], codes: dict[int, str]) -> list[tuple[Any, str]]:
    """One line per item; rows sharing a group_ref ("all ministries") show once."""
    seen: set[str] = set()
    out: list[tuple[Any, str]] = []
    for row in rows:
        if row.group_ref:
            if row.group_ref in seen:
                continue
            seen.add(row.group_ref)
            out.append((row, _t("all_ministries")))
        else:
            out.append((row, codes.get(row.owner_structure_id or -1, "—")))
    return out


def _table(document: Any, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value


def _centered(document: Any, text: str, *, bold: bool = False, size: int | None = None) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)


def pv_docx(session: Session, conference_id: int) -> bytes:
    """The PV of a session as DOCX: header, title, date, place, chair, numbered sections
    (participants, agenda, decisions, recommendations, actions), "Fait à …, le …", signatures."""
    conference = get_conference(session, conference_id)
    codes = repo.structure_codes_by_id(session)
    document = Document()
    _centered(document, _t("republic"), bold=True, size=14)
    _centered(document, _t("body"), bold=True)
    _centered(document, _t("secretariat"))
    if conference.status != ConferenceStatus.closed:
        _centered(document, _t("draft"), bold=True)
    document.add_heading(_t("title", rank_ord=ordinal_fr(conference.rank_in_year, feminine=True),
                            year=conference.year), level=1)
    _centered(document, _t("subtitle", n_ord=ordinal_fr(conference.number, feminine=True)))
    for label, value in (("date", long_date(conference.session_date)
                          if conference.session_date else ""),
                         ("place", conference.place), ("chair", conference.chair),
                         ("rapporteur", conference.rapporteur), ("theme", conference.theme)):
        if value:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{_t(label)} : ").bold = True
            paragraph.add_run(value)

    attendance = session.exec(select(Attendance).where(
        Attendance.conference_id == conference_id)).all()
    by_status: dict[str, list[Attendance]] = {s.value: [] for s in AttendanceStatus}
    for row in sorted(attendance, key=lambda a: codes.get(a.structure_id, "")):
        by_status[row.status].append(row)
    document.add_heading(f"1. {_t('participants')}", level=2)
    document.add_paragraph(_t("present_intro"))
    _table(document, [_t("col_no"), _t("col_name"), _t("col_role"), _t("col_structure")],
           [[str(i), a.representative, a.representative_role, codes.get(a.structure_id, "")]
            for i, a in enumerate(by_status[AttendanceStatus.present], start=1)])
    for status in (AttendanceStatus.excused, AttendanceStatus.absent):
        names = ", ".join(codes.get(a.structure_id, "") for a in by_status[status])
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{_t(status.value)} : ").bold = True
        paragraph.add_run(names or _t("none"))

    document.add_heading(f"2. {_t('agenda')}", level=2)
    for item in session.exec(select(AgendaItem).where(
            AgendaItem.conference_id == conference_id).order_by(col(AgendaItem.position))).all():
        document.add_paragraph(item.title, style="List Number")

    document.add_heading(f"3. {_t('decisions')}", level=2)
    decisions = session.exec(select(Decision).where(
        Decision.conference_id == conference_id).order_by(col(Decision.id))).all()
    for i, decision in enumerate(decisions, start=1):
        document.add_paragraph(f"{decision.number or f'D{i}'}. {decision.text}")
    if not decisions:
        document.add_paragraph(_t("none"))

    recos = session.exec(select(Recommendation).where(
        Recommendation.conference_id == conference_id).order_by(col(Recommendation.id))).all()
    document.add_heading(f"4. {_t('recommendations')}", level=2)
    _table(document, [_t("col_no"), _t("col_recommendation"), _t("col_owner"), _t("col_due")],
           [[r.number or f"R{i}", r.text, owner, _due(r.due_date, r.due_kind)]
            for i, (r, owner) in enumerate(_grouped(recos, codes), start=1)])

    items = session.exec(select(ActionItem).where(
        ActionItem.conference_id == conference_id).order_by(col(ActionItem.id))).all()
    document.add_heading(f"5. {_t('actions')}", level=2)
    _table(document, [_t("col_no"), _t("col_action"), _t("col_owner"), _t("col_due"),
                      _t("col_status")],
           [[a.number or f"A{i}", a.title, owner, _due(a.due_date, a.due_kind),
             t(f"actions.status.{a.status}", lang=LANG)]
            for i, (a, owner) in enumerate(_grouped(items, codes), start=1)])

    city = (conference.place.split(",")[0].strip() if conference.place else "") or DEFAULT_CITY
    signed_on = conference.session_date or (conference.closed_at.date()
                                            if conference.closed_at else None)
    document.add_paragraph()
    document.add_paragraph(_t("done_at", city=city,
                              date=day_month_year(signed_on) if signed_on else "…"))
    signatures = document.add_table(rows=2, cols=2)
    signatures.rows[0].cells[0].text = _t("signature_rapporteur")
    signatures.rows[0].cells[1].text = _t("signature_chair")
    signatures.rows[1].cells[0].text = conference.rapporteur
    signatures.rows[1].cells[1].text = conference.chair
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pv_filename(session: Session, conference_id: int) -> str:
    conference = get_conference(session, conference_id)
    return f"PV-CDSI-{conference.year}-session{conference.rank_in_year}.docx"
