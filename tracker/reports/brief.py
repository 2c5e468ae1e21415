"""The pre-read brief of a session (PDF, at most ten pages, the bilan's look): the proposed
agenda, one page per item with its chart or table, and the follow-up of the previous
session's recommendations (done / in progress / late, by structure).

When the session of that date already has a saved agenda, the brief lists it and keeps the
pages of the proposed items the secretariat kept (their evidence is in the saved item's
notes), under the titles saved (an agenda written by hand, with no item from a proposal, keeps
every proposed item's page); else it lists the whole proposal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from fpdf.enums import XPos, YPos
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference import agenda as session_agenda
from tracker.conference import charts as conference_charts
from tracker.conference.sessions import conference_label
from tracker.core import repository as repo
from tracker.core.i18n import t
from tracker.core.models import Conference
from tracker.dashboards import agenda_proposal as proposal
from tracker.dashboards import charts
from tracker.reports.document import PDF_MIME, Document, in_language, long_date
from tracker.reports.figures import start_renderer, try_png
from tracker.reports.pdf import (
    BLUE,
    FONT,
    GREY,
    ReportPdf,
    heading,
    image,
    letterhead,
    new_pdf,
    paragraph,
    table,
)

MAX_ROWS = 22  # a table that fits its page under the heading and the evidence
MAX_ROWS_WITH_CHART = 9
MAX_PAGES = 10


@dataclass(frozen=True)
class Brief:
    """What the brief and the convocation say: the session (when one is planned that day), the
    agenda's titles in order, the proposed items with a page (those kept, under their titles
    as saved), and the previous session's recommendations."""

    on: date
    conference: Conference | None
    agenda: tuple[str, ...]
    items: tuple[proposal.ProposedItem, ...]
    previous: Conference | None
    followup: tuple[tuple[str, int, int, int], ...]


def gather(session: Session, actor: Actor, on: date) -> Brief:
    """The brief's content for a session held on ``on`` (see the module's docstring)."""
    require(actor, Action.read_reports)
    items = proposal.propose_agenda(session, actor, on)
    conference = proposal.session_on(session, on)
    previous = proposal.previous_session(session, on)
    followup = proposal.recommendation_followup(session, previous, on) if previous else ()
    saved = session_agenda.agenda_frame(session, conference.id) if conference is not None \
        and conference.id is not None else pd.DataFrame()
    if saved.empty:
        return Brief(on, conference, tuple(i.title for i in items), tuple(items), previous,
                     followup)
    kept = []
    for item in items:
        hits = [str(r.title) for r in saved.itertuples() if item.evidence
                and item.evidence in str(r.notes)]
        if hits:
            kept.append(replace(item, title=hits[0]))
    agenda = tuple(str(title) for title in saved["title"])
    # an agenda written by hand (no item saved from a proposal): every proposed item's page
    return Brief(on, conference, agenda, tuple(kept) if kept else tuple(items), previous,
                 followup)


def review_notes(item: proposal.ProposedItem) -> str:
    """The notes a kept item is saved with: its evidence and its link (how the brief finds
    the item's page again)."""
    return "\n".join(part for part in (item.evidence, item.link) if part)


def _cover(pdf: ReportPdf, brief: Brief, title: str) -> None:
    letterhead(pdf, above=6, below=5)
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, 8, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 10)
    place = brief.conference.place if brief.conference is not None else ""
    pdf.cell(0, 6, t("agenda.brief.session_line", date=long_date(brief.on),
                     place=t("agenda.brief.place", place=place) if place else ""),
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if brief.conference is None:
        paragraph(pdf, t("agenda.brief.no_session", date=long_date(brief.on)), size=8.5,
                  style="I", colour=GREY)
    pdf.ln(4)
    heading(pdf, t("agenda.brief.agenda"))
    table(pdf, ["#", t("agenda.review.col_title")],
          [[str(n), title] for n, title in enumerate(brief.agenda, start=1)], (8, 150),
          ("RIGHT", "LEFT"), size=8.5, wrap=(1,))


def _rows(item: proposal.ProposedItem, limit: int) -> list[tuple[str, ...]]:
    rows = list(item.rows[:limit])
    if len(item.rows) > limit:
        extra = len(item.rows) - limit
        rows.append((t("agenda.brief.more_rows", n=extra), *[""] * (len(item.headers) - 1)))
    return rows


def _overdue_chart(item: proposal.ProposedItem, on: date) -> bytes | str:
    counts: dict[str, int] = {}
    for row in item.rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    frame = pd.DataFrame([{"code": c, "overdue": n} for c, n in counts.items()],
                         columns=["code", "overdue"]).sort_values("overdue", ascending=False,
                                                                  kind="stable").head(12)
    return try_png(charts.overdue_chart(frame, long_date(on)), width=1100)


def _item_page(pdf: ReportPdf, n: int | None, item: proposal.ProposedItem, on: date) -> None:
    pdf.add_page()
    heading(pdf, t("agenda.brief.item", n=n, title=item.title) if n else item.title)
    paragraph(pdf, item.evidence)
    if item.link:
        paragraph(pdf, t("agenda.brief.link", link=item.link), size=7.5, colour=GREY)
    limit = MAX_ROWS
    if item.kind == proposal.OVERDUE:
        image(pdf, _overdue_chart(item, on), width=pdf.epw * 0.62)
        limit = MAX_ROWS_WITH_CHART
    if not item.rows:
        paragraph(pdf, t("agenda.brief.no_table"), style="I", colour=GREY)
        return
    widths = [3.0 if h in (item.headers[1:2]) and len(item.headers) > 3 else 1.6
              for h in item.headers]
    table(pdf, item.headers, _rows(item, limit), widths, ["LEFT"] * len(item.headers),
          size=7.5, wrap=tuple(range(len(item.headers))))


def followup_counts_frame(followup: Sequence[tuple[str, int, int, int]]) -> pd.DataFrame:
    """The previous session's recommendations per owner as the stacked chart reads them: done,
    in progress and late (coloured as done, in progress and blocked)."""
    rows = []
    for owner, done, going, late in followup:
        for code, label, count in (("done", t("agenda.col.done"), done),
                                   ("in_progress", t("agenda.col.in_progress"), going),
                                   ("blocked", t("agenda.col.late"), late)):
            if count:
                rows.append({"owner": owner, "code": code, "status": label, "count": count})
    return pd.DataFrame(rows, columns=["owner", "code", "status", "count"])


def _followup(pdf: ReportPdf, brief: Brief) -> None:
    pdf.add_page()
    heading(pdf, t("agenda.brief.followup"))
    if brief.previous is None:
        paragraph(pdf, t("agenda.brief.followup_none"))
        return
    if not brief.followup:
        paragraph(pdf, t("agenda.brief.followup_empty"))
        return
    rows = brief.followup
    done, going, late = (sum(r[1] for r in rows), sum(r[2] for r in rows),
                         sum(r[3] for r in rows))
    label = conference_label(brief.previous)
    paragraph(pdf, t("agenda.brief.followup_total", label=label, done=done, going=going,
                     late=late), style="B")
    figure = conference_charts.status_by_structure_chart(followup_counts_frame(brief.followup),
                                                         label)
    image(pdf, try_png(figure, width=1100), width=pdf.epw * 0.62)
    table(pdf, [t("agenda.col.structure"), t("agenda.col.done"), t("agenda.col.in_progress"),
                t("agenda.col.late")],
          [[o, str(d), str(g), str(lt)] for o, d, g, lt in brief.followup[:MAX_ROWS_WITH_CHART]]
          + ([[t("agenda.brief.more_rows", n=len(brief.followup) - MAX_ROWS_WITH_CHART), "",
               "", ""]] if len(brief.followup) > MAX_ROWS_WITH_CHART else []),
          (40, 20, 20, 20), ("LEFT", "RIGHT", "RIGHT", "RIGHT"), width=110, size=8)


def brief_title(brief: Brief) -> str:
    if brief.conference is not None:
        return t("agenda.brief.title_session", label=conference_label(brief.conference))
    return t("agenda.brief.title")


def brief_filename(on: date, lang: str) -> str:
    return f"note-preparation-cdsi-{on.isoformat()}-{lang}.pdf"


def brief_pdf(session: Session, actor: Actor, on: date, *, lang: str = "fr") -> Document:
    """The brief of the session held on ``on`` (admin and leadership), at most ten pages."""
    require(actor, Action.read_reports)
    start_renderer()
    with in_language(lang):
        brief = gather(session, actor, on)
        title = brief_title(brief)
        pdf = new_pdf(t("agenda.brief.running", date=long_date(on)),
                      [t("agenda.brief.data_as_of", date=long_date(on))],
                      repo.is_demo(session))
        pdf.set_title(title)
        _cover(pdf, brief, title)
        _followup(pdf, brief)
        pages = [i for i in brief.items if i.rows and i.kind != proposal.RECURRING]
        for item in pages:
            if pdf.page_no() >= MAX_PAGES:  # the brief stays within its ten pages
                break
            number = brief.agenda.index(item.title) + 1 if item.title in brief.agenda else None
            _item_page(pdf, number, item, on)
        content = bytes(pdf.output())
    return Document(content, brief_filename(on, lang), PDF_MIME)
