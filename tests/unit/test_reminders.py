"""E-mail reminders against a local SMTP server: who receives what, once per period, nothing on a
dry run, nothing without an SMTP server."""

import socket
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from tracker.core.config import load_settings
from tracker.core.db import transaction
from tracker.core.models import ActionItem, Submission, SubmissionWindow, User
from tracker.reports import reminders

CLOSES = date(2026, 12, 8)
DUE_DAY = date(2026, 12, 3)  # 5 days before the T3 window closes


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"

    def by_recipient(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for recipients, mail in self.messages:
            for address in recipients:
                out.setdefault(address, []).append(mail)
        return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _settings(port: int | None):
    env = {"TRACKER_COOKIE_SECRET": "x" * 40, "TRACKER_SMTP_SENDER": "cdsi@asin.bj"}
    if port is not None:
        env |= {"TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": str(port)}
    return load_settings(env)


def _subject(mail) -> str:
    return str(mail["Subject"])


@pytest.fixture
def scene(engine, seeded):
    """T3 2026 window closing 08/12/2026: MS has a draft, MEF submitted. MS owns an action due
    06/12/2026 and one overdue since 01/11/2026; MEF a done overdue one and one due in 2027.
    E-mails: dsi-ms, dsi-mef, direction (leadership); an inactive MS DSI and an MS DSI with no
    e-mail get nothing; dsi-ms reads English."""
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as db:
        for login, email, lang in (("dsi-ms", "dsi@sante.bj", "en"),
                                   ("dsi-mef", "dsi@finances.bj", "fr"),
                                   ("direction", "dg@asin.bj", "fr")):
            user = db.exec(select(User).where(User.login == login)).one()
            user.email, user.language = email, lang
        db.add_all([
            User(login="old-ms", display_name="Ancien DSI", email="ancien@sante.bj",
                 role="dsi", structure_id=ms, active=False),
            User(login="nomail-ms", display_name="Délégué", email="", role="dsi",
                 structure_id=ms),
            SubmissionWindow(year=2026, quarter=3, opens_on=date(2026, 10, 1),
                             closes_on=CLOSES),
            Submission(structure_id=ms, year=2026, quarter=3, status="draft"),
            Submission(structure_id=mef, year=2026, quarter=3, status="submitted"),
            ActionItem(title="Raccorder le DPI à X-Road", owner_structure_id=ms,
                       due_date=date(2026, 12, 6), status="in_progress"),
            ActionItem(title="Former les agents =SUM(1)", owner_structure_id=ms,
                       due_date=date(2026, 11, 1), status="not_started"),
            ActionItem(title="Migrer la messagerie", owner_structure_id=mef,
                       due_date=date(2026, 10, 1), status="done"),
            ActionItem(title="Budget 2027", owner_structure_id=mef,
                       due_date=date(2027, 1, 31)),
        ])
    return seeded


def _sent_rows(engine) -> int:
    with Session(engine) as db:
        return int(db.exec(select(func.count()).select_from(reminders.ReminderSent)).one())


def test_reminders_reach_the_right_people_with_the_right_content(engine, scene, smtp):
    inbox, port = smtp

    outcome = reminders.run_reminders(engine, _settings(port), DUE_DAY)

    mails = inbox.by_recipient()
    assert sorted(mails) == ["dg@asin.bj", "dsi@sante.bj"]
    kinds = sorted((r.kind, r.recipient) for r in outcome.sent)
    assert kinds == [("action_due", "dsi@sante.bj"), ("action_overdue", "dsi@sante.bj"),
                     ("submission_due", "dsi@sante.bj"), ("weekly_summary", "dg@asin.bj")]
    english = {_subject(m): m.get_content() for m in mails["dsi@sante.bj"]}
    assert "Reminder: Q3 2026 report (MS) to submit by 8 December 2026" in english
    due = next(body for subject, body in english.items() if "falling due" in subject)
    assert "Raccorder le DPI à X-Road" in due and "06/12/2026" in due
    assert "Former les agents" not in due
    overdue = next(body for subject, body in english.items() if "overdue" in subject)
    assert "Former les agents =SUM(1)" in overdue
    summary = mails["dg@asin.bj"][0]
    assert _subject(summary).startswith("Synthèse hebdomadaire de la Conférence des DSI")
    assert "Actions ouvertes\u00a0: 3" in summary.get_content()
    assert summary["From"] == "cdsi@asin.bj"
    assert summary.get_content_type() == "text/plain"
    assert _sent_rows(engine) == 4  # one row per period: each action, the quarter, the week


def test_a_second_run_sends_nothing_again(engine, scene, smtp):
    inbox, port = smtp
    reminders.run_reminders(engine, _settings(port), DUE_DAY)
    first = len(inbox.messages)

    again = reminders.run_reminders(engine, _settings(port), DUE_DAY)

    assert again.reminders == [] and again.sent == []
    assert len(inbox.messages) == first == 4


def test_after_the_window_closes_the_late_reminder_goes_once(engine, scene, smtp):
    _, port = smtp
    reminders.run_reminders(engine, _settings(port), DUE_DAY)

    late = reminders.run_reminders(engine, _settings(port), date(2026, 12, 10))
    later = reminders.run_reminders(engine, _settings(port), date(2026, 12, 11))

    submission = [r for r in late.sent if r.kind.startswith("submission")]
    assert [(r.kind, r.recipient) for r in submission] == [("submission_late", "dsi@sante.bj")]
    assert "closed on 8 December 2026" in submission[0].body
    assert later.reminders == [] and later.sent == []  # same quarter, same week


def test_overdue_items_are_reminded_weekly_and_due_items_once(engine, scene, smtp):
    _, port = smtp
    reminders.run_reminders(engine, _settings(port), DUE_DAY)

    next_week = reminders.run_reminders(engine, _settings(port), date(2026, 12, 7))

    # the quarter's submission reminder is not repeated: its period is the quarter
    assert sorted(r.kind for r in next_week.sent) == ["action_overdue", "weekly_summary"]
    overdue = next(r for r in next_week.sent if r.kind == "action_overdue")
    assert "Former les agents" in overdue.body  # reminded again: a new week
    assert "Raccorder le DPI" in overdue.body  # due 06/12, now overdue
    assert all(key.endswith("@2026-W50") for key in overdue.period_keys)
    assert "action_due" not in {r.kind for r in next_week.sent}


def test_dry_run_sends_and_records_nothing(engine, scene, smtp):
    inbox, port = smtp

    outcome = reminders.run_reminders(engine, _settings(port), DUE_DAY, dry_run=True)
    lines = reminders.report_lines(outcome)

    assert inbox.messages == [] and outcome.sent == [] and _sent_rows(engine) == 0
    assert len(outcome.reminders) == 4
    assert lines[0].startswith("[à envoyer] ")
    assert lines[-1] == "Rappels dus\u00a0: 4\u00a0; envoyés\u00a0: 0\u00a0; en échec\u00a0: 0."


def test_without_an_smtp_server_nothing_is_sent(engine, scene):
    outcome = reminders.run_reminders(engine, _settings(None), DUE_DAY)

    assert outcome.sent == [] and not outcome.configured and _sent_rows(engine) == 0
    assert reminders.report_lines(outcome)[0].startswith("SMTP non configuré")


def test_nothing_is_due_far_from_any_deadline(engine, scene, smtp):
    _, port = smtp
    with transaction(engine) as db:
        for user in db.exec(select(User).where(User.login == "direction")):
            user.email = ""
    outcome = reminders.run_reminders(engine, _settings(port), date(2026, 10, 5))

    assert outcome.reminders == [] and outcome.sent == []
