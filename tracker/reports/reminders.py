"""E-mail reminders, each sent at most once per period (recorded in ReminderSent), nothing sent
when no SMTP server is configured:

- to each active DSI with an e-mail whose structure has not submitted (nor had validated) the
  quarter, from N days before its window closes (``submission_due``), and once it has closed
  (``submission_late``, for LATE_DAYS after the close); period: the quarter;
- to the active DSIs of an action item's owner structure, for items due within N days
  (``action_due``; period: the item and its due date) or overdue (``action_overdue``; period: the
  item and the ISO week, so at most weekly), grouped in one e-mail per recipient;
- a weekly summary to leadership (``weekly_summary``; period: the ISO week);
- the convocation of a planned session (date, place, agenda) with its pre-read brief attached
  (``session_brief``), to the active DSIs of the structures invited (those on the session's
  attendance list, else every structure in force on its date), from N days before the
  session until its day (period: the session, so once per session).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.accounts.users import dsis_with_a_structure, leadership_members
from tracker.conference import actions
from tracker.conference.sessions import conference_label
from tracker.core import repository as repo
from tracker.core.config import Settings
from tracker.core.db import reading, transaction
from tracker.core.formats import format_date, quarter_label
from tracker.core.i18n import t
from tracker.core.models import (
    ActionItem,
    Attendance,
    Conference,
    ConferenceStatus,
    DueKind,
    ReminderSent,
    Submission,
    SubmissionWindow,
    User,
    utcnow,
)
from tracker.core.periods import quarter_end, reporting_quarter
from tracker.dashboards import views as dashboards
from tracker.reports.brief import brief_pdf, gather
from tracker.reports.document import Document, command_line_actor, in_language

DEFAULT_DAYS = 7
LATE_DAYS = 30
SUBMISSION_DUE, SUBMISSION_LATE = "submission_due", "submission_late"
ACTION_DUE, ACTION_OVERDUE, WEEKLY_SUMMARY = "action_due", "action_overdue", "weekly_summary"
SESSION_BRIEF = "session_brief"
KINDS = (SUBMISSION_DUE, SUBMISSION_LATE, ACTION_DUE, ACTION_OVERDUE, WEEKLY_SUMMARY,
         SESSION_BRIEF)
DEFAULT_BRIEF_DAYS = 10
DONE_STATES = ("submitted", "validated")


@dataclass(frozen=True)
class Reminder:
    """One e-mail to one recipient, and the periods it covers (recorded once sent)."""

    kind: str
    recipient: str
    name: str
    subject: str
    body: str
    period_keys: tuple[str, ...]
    # the session's date whose brief goes attached, in the recipient's language
    brief_on: date | None = None
    lang: str = "fr"


@dataclass
class Outcome:
    """What a run did: the reminders due, those sent, those that failed."""

    reminders: list[Reminder]
    sent: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)
    dry_run: bool = False
    configured: bool = True


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _valid_address(address: str) -> bool:
    return "@" in address and not any(c.isspace() or c in "<>,;\"" for c in address)


def _recipients(users: Sequence[User]) -> list[User]:
    return [u for u in users if u.active and _valid_address(u.email.strip())]


@contextmanager
def _in(user: User) -> Iterator[None]:
    with in_language(user.language or "fr"):
        yield


def _already(session: Session, kind: str, recipient: str) -> set[str]:
    return set(session.exec(select(ReminderSent.period_key).where(
        ReminderSent.kind == kind, ReminderSent.recipient == recipient)).all())


def _footer() -> str:
    return t("reminders.footer")


# --- what is due ----------------------------------------------------------------------------


def _dsis_by_structure(session: Session) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {}
    for user in dsis_with_a_structure(_recipients(repo.list_users(session))):
        out.setdefault(user.structure_id or 0, []).append(user)
    return out


def submission_reminders(session: Session, today: date, days: int,
                         late_days: int = LATE_DAYS) -> list[Reminder]:
    """DSIs whose quarter is not submitted: from ``days`` before the window closes, and for
    ``late_days`` after it closed."""
    dsis = _dsis_by_structure(session)
    out = []
    for window in session.exec(select(SubmissionWindow)).all():
        if window.closes_on - timedelta(days=days) <= today <= window.closes_on:
            kind = SUBMISSION_DUE
        elif window.closes_on < today <= window.closes_on + timedelta(days=late_days):
            kind = SUBMISSION_LATE
        else:
            continue
        key = f"{window.year}-T{window.quarter}"
        subs = {s.structure_id: s for s in session.exec(select(Submission).where(
            Submission.year == window.year, Submission.quarter == window.quarter))}
        end = quarter_end(window.year, window.quarter)
        for structure in repo.list_structures(session):
            sub = subs.get(structure.id or -1)
            if not structure.in_force(end) or (sub is not None and sub.status in DONE_STATES):
                continue
            for user in dsis.get(structure.id or -1, []):
                if key in _already(session, kind, user.email):
                    continue
                with _in(user):
                    period = quarter_label(window.year, window.quarter)
                    values: dict[str, Any] = {"period": period, "structure": structure.code,
                              "closes": format_date(window.closes_on, "long"),
                              "name": user.display_name,
                              "state": t(f"results.states.{sub.status if sub else 'not_started'}")}
                    out.append(Reminder(kind, user.email, user.display_name,
                                        t(f"reminders.{kind}.subject", **values),
                                        t(f"reminders.{kind}.body", **values) + _footer(),
                                        (key,)))
    return out


def action_reminders(session: Session, today: date, days: int) -> list[Reminder]:
    """Owners' DSIs of open action items due within ``days`` days or overdue, one e-mail per
    recipient and kind listing the items not yet reminded in their period."""
    dsis = _dsis_by_structure(session)
    codes = repo.structure_codes_by_id(session)
    items = session.exec(select(ActionItem).where(
        col(ActionItem.status).not_in(list(actions.CLOSED)),
        ActionItem.due_kind == DueKind.date, col(ActionItem.due_date).is_not(None),
        col(ActionItem.owner_structure_id).is_not(None),
        col(ActionItem.due_date) <= today + timedelta(days=days))
        .order_by(col(ActionItem.due_date), col(ActionItem.id))).all()
    grouped: dict[tuple[str, str], tuple[User, list[tuple[ActionItem, str]]]] = {}
    for item in items:
        assert item.due_date is not None
        overdue = actions.is_overdue(item.status, item.due_date, today)
        kind = ACTION_OVERDUE if overdue else ACTION_DUE
        key = f"action-{item.id}@{iso_week(today) if overdue else item.due_date.isoformat()}"
        for user in dsis.get(item.owner_structure_id or -1, []):
            grouped.setdefault((kind, user.email), (user, []))[1].append((item, key))
    out = []
    for (kind, email), (user, pairs) in grouped.items():
        done = _already(session, kind, email)
        fresh = [(item, key) for item, key in pairs if key not in done]
        if not fresh:
            continue
        with _in(user):
            lines = "\n".join(t("reminders.action_line", title=item.title.replace("\n", " "),
                                owner=codes.get(item.owner_structure_id or -1, "—"),
                                due=format_date(item.due_date),
                                status=actions.status_label(item.status))
                              for item, _ in fresh)
            values: dict[str, Any] = {"n": len(fresh), "name": user.display_name, "days": days,
                      "lines": lines}
            out.append(Reminder(kind, email, user.display_name,
                                t(f"reminders.{kind}.subject", **values),
                                t(f"reminders.{kind}.body", **values) + _footer(),
                                tuple(key for _, key in fresh)))
    return out


def weekly_summaries(session: Session, today: date) -> list[Reminder]:
    """Leadership's weekly summary: the quarter being reported, open and overdue actions."""
    leaders = leadership_members(_recipients(repo.list_users(session)))
    key = iso_week(today)
    if not leaders:
        return []
    year, quarter = reporting_quarter(session, today)
    counts = dashboards.completeness_counts(session, year, quarter, today)
    frame = actions.followup_frame(session, command_line_actor(), actions.ACTION,
                                   actions.Filters(), today)
    open_items = frame[~frame["status"].isin(actions.CLOSED)]
    overdue = dashboards.overdue_by_structure(session, today).head(5)
    out = []
    for user in leaders:
        if key in _already(session, WEEKLY_SUMMARY, user.email):
            continue
        with _in(user):
            states = "\n".join(f"  - {t(f'results.states.{s}')}\u00a0: {int(n)}"
                               for s, n in counts.items())
            worst = "\n".join(f"  - {r.code}\u00a0: {int(r.overdue)}"
                              for r in overdue.itertuples(index=False)) or "  —"
            values: dict[str, Any] = {"name": user.display_name, "week": key,
                      "date": format_date(today, "long"),
                      "period": quarter_label(year, quarter), "states": states,
                      "open": len(open_items), "overdue": int(frame["overdue"].sum()),
                      "escalated": int(open_items["escalated"].fillna(False).astype(bool).sum()),
                      "worst": worst}
            out.append(Reminder(WEEKLY_SUMMARY, user.email, user.display_name,
                                t("reminders.weekly_summary.subject", **values),
                                t("reminders.weekly_summary.body", **values) + _footer(),
                                (key,)))
    return out


def _invited(session: Session, conference: Conference) -> list[User]:
    """The active DSIs (with an e-mail) of the structures invited to a session."""
    assert conference.session_date is not None
    listed = set(session.exec(select(Attendance.structure_id).where(
        Attendance.conference_id == conference.id)).all())
    in_force = {s.id for s in repo.list_structures(session) if s.in_force(conference.session_date)}
    dsis = _dsis_by_structure(session)
    wanted = listed or in_force
    return [user for sid in sorted(s for s in wanted if s is not None)
            for user in dsis.get(sid, [])]


def brief_reminders(session: Session, today: date, days: int) -> list[Reminder]:
    """The convocation of each planned session held within ``days`` days (today included),
    with the agenda (the saved one, else the proposed one) and the brief attached."""
    sessions = session.exec(select(Conference).where(
        Conference.status == ConferenceStatus.planned, col(Conference.session_date).is_not(None),
        col(Conference.session_date) >= today,
        col(Conference.session_date) <= today + timedelta(days=days))
        .order_by(col(Conference.session_date), col(Conference.number))).all()
    out = []
    for conference in sessions:
        assert conference.session_date is not None
        key = f"conference-{conference.number}"
        agendas: dict[str, tuple[str, ...]] = {}
        for user in _invited(session, conference):
            if key in _already(session, SESSION_BRIEF, user.email):
                continue
            lang = user.language or "fr"
            with _in(user):
                if lang not in agendas:
                    agendas[lang] = gather(session, command_line_actor(),
                                           conference.session_date).agenda
                lines = "\n".join(t("reminders.session_brief.agenda_line", n=n, title=title)
                                  for n, title in enumerate(agendas[lang], start=1))
                values: dict[str, Any] = {
                    "name": user.display_name, "label": conference_label(conference),
                    "date": format_date(conference.session_date, "long"), "agenda": lines,
                    "place": t("reminders.session_brief.place", place=conference.place)
                    if conference.place else ""}
                out.append(Reminder(SESSION_BRIEF, user.email, user.display_name,
                                    t("reminders.session_brief.subject", **values),
                                    t("reminders.session_brief.body", **values) + _footer(),
                                    (key,), brief_on=conference.session_date, lang=lang))
    return out


def plan_reminders(session: Session, today: date, *, days: int = DEFAULT_DAYS,
                   late_days: int = LATE_DAYS, brief_days: int = DEFAULT_BRIEF_DAYS
                   ) -> list[Reminder]:
    """Every reminder due today and not sent yet in its period."""
    return [*submission_reminders(session, today, days, late_days),
            *action_reminders(session, today, days), *weekly_summaries(session, today),
            *brief_reminders(session, today, brief_days)]


# --- sending --------------------------------------------------------------------------------


def message(reminder: Reminder, sender: str, now: datetime,
            attachment: Document | None = None) -> EmailMessage:
    """The e-mail: plain text (user text is never HTML), UTF-8; a document attached if any."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr((reminder.name, reminder.recipient))
    mail["Subject"] = reminder.subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(reminder.body)
    if attachment is not None:
        maintype, _, subtype = attachment.mime.partition("/")
        mail.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                            filename=attachment.filename)
    return mail


def _briefs(engine: Engine, reminders: Sequence[Reminder]) -> dict[tuple[date, str], Document]:
    """Each brief the reminders attach, built once per session and language."""
    wanted = sorted({(r.brief_on, r.lang) for r in reminders if r.brief_on is not None})
    if not wanted:
        return {}
    with reading(engine) as session:
        return {(on, lang): brief_pdf(session, command_line_actor(), on, lang=lang)
                for on, lang in wanted}


def _connect(settings: Settings) -> smtplib.SMTP:
    """A connection to the SMTP server that never carries the password in clear: TLS from the
    first byte (ssl) or STARTTLS before AUTH (starttls). A server that offers no STARTTLS gets
    no credentials: with a user configured the run stops; without one (a local relay that
    needs no login) the messages go as they are."""
    context = ssl.create_default_context()
    if settings.smtp_tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                timeout=30, context=context)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        server.ehlo()
        if server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
        elif settings.smtp_user:
            with suppress(smtplib.SMTPException, OSError):
                server.quit()
            raise smtplib.SMTPNotSupportedError(t("reminders.no_starttls",
                                                  host=settings.smtp_host))
    if settings.smtp_user:
        server.login(settings.smtp_user, settings.smtp_password)
    return server


def run_reminders(engine: Engine, settings: Settings, today: date, *, days: int = DEFAULT_DAYS,
                  dry_run: bool = False, brief_days: int = DEFAULT_BRIEF_DAYS) -> Outcome:
    """Send what is due (or, dry run or no SMTP server, only say what would go). Each e-mail is
    claimed in the database and sent in one transaction: a failed send records nothing, and a
    concurrent run cannot send it twice."""
    with reading(engine) as session:
        planned = plan_reminders(session, today, days=days, brief_days=brief_days)
    outcome = Outcome(planned, dry_run=dry_run, configured=bool(settings.smtp_host))
    if dry_run or not settings.smtp_host or not planned:
        return outcome
    briefs = _briefs(engine, planned)
    server = _connect(settings)
    try:
        for reminder in planned:
            try:
                with transaction(engine) as session:
                    for key in reminder.period_keys:
                        session.add(ReminderSent(kind=reminder.kind,
                                                 recipient=reminder.recipient, period_key=key))
                    session.flush()
                    attached = briefs.get((reminder.brief_on, reminder.lang)) \
                        if reminder.brief_on is not None else None
                    server.send_message(message(reminder, settings.smtp_sender, utcnow(),
                                                attached))
            except IntegrityError:
                continue  # another run sent it meanwhile
            except (smtplib.SMTPException, OSError) as exc:
                outcome.failed.append((reminder, str(exc)))
                continue
            outcome.sent.append(reminder)
    finally:
        with suppress(smtplib.SMTPException, OSError):
            server.quit()
    return outcome


def report_lines(outcome: Outcome) -> list[str]:
    """What the command prints: one line per e-mail, then the totals."""
    lines = []
    if not outcome.configured and not outcome.dry_run:
        lines.append(t("reminders.cli.not_configured"))
    sent = {id(r) for r in outcome.sent}
    failed = {id(r): why for r, why in outcome.failed}
    for reminder in outcome.reminders:
        if id(reminder) in sent:
            state = t("reminders.cli.sent")
        elif id(reminder) in failed:
            state = t("reminders.cli.failed", reason=failed[id(reminder)])
        else:
            state = t("reminders.cli.would_send")
        lines.append(t("reminders.cli.line", state=state, kind=reminder.kind,
                       recipient=reminder.recipient, subject=reminder.subject,
                       n=len(reminder.period_keys)))
    lines.append(t("reminders.cli.total", planned=len(outcome.reminders), sent=len(outcome.sent),
                   failed=len(outcome.failed)))
    return lines
