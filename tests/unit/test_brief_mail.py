"""The convocation of a planned session with its pre-read brief attached, sent through the
reminders against a local SMTP server: once per session, to the invited DSIs, in their
language; nothing on a dry run."""

import io
from datetime import date

import pytest
from agenda_scene import build_scene
from pypdf import PdfReader
from sqlmodel import Session, select
from test_reminders import _settings, smtp  # noqa: F401  (the local SMTP server)

from tracker.core.db import transaction
from tracker.core.models import Attendance, ReminderSent, User
from tracker.reports import reminders

SEVEN_DAYS_BEFORE = date(2026, 12, 3)


def _scene(engine, seeded):
    ids = build_scene(engine, seeded)
    with transaction(engine) as db:
        for login, email, lang in (("dsi-ms", "dsi@sante.bj", "en"),
                                   ("dsi-mef", "dsi@finances.bj", "fr")):
            user = db.exec(select(User).where(User.login == login)).one()
            user.email, user.language = email, lang
    return ids


def _briefs(inbox):
    return {address: mail for recipients, mail in inbox.messages for address in recipients
            if "Convocation" in str(mail["Subject"])}


@pytest.mark.postgres
def test_the_invited_dsis_get_the_convocation_and_the_brief_once(engine, seeded, smtp):  # noqa: F811
    inbox, port = smtp
    _scene(engine, seeded)

    outcome = reminders.run_reminders(engine, _settings(port), SEVEN_DAYS_BEFORE)

    mails = _briefs(inbox)
    assert sorted(mails) == ["dsi@finances.bj", "dsi@sante.bj"]
    french = mails["dsi@finances.bj"]
    assert str(french["Subject"]) == \
        "Convocation\u00a0: 2e conférence (2e session 2026), le 10 décembre 2026"
    body = french.get_body(("plain",)).get_content()
    assert "le 10 décembre 2026 (Cotonou, ASIN)" in body
    assert "  1. Ouverture de la session" in body and "Actions en retard (2)" in body
    (attached,) = list(french.iter_attachments())
    assert attached.get_filename() == "note-preparation-cdsi-2026-12-10-fr.pdf"
    pdf = PdfReader(io.BytesIO(attached.get_content()))
    assert len(pdf.pages) <= 10 and "Ordre du jour proposé" in pdf.pages[0].extract_text()
    english = mails["dsi@sante.bj"]
    assert str(english["Subject"]) == "Convocation: Conference 2 (session 2 of 2026), " \
        "on 10 December 2026"
    assert next(english.iter_attachments()).get_filename().endswith("-en.pdf")
    sent = [r for r in outcome.sent if r.kind == reminders.SESSION_BRIEF]
    assert len(sent) == 2
    with Session(engine) as db:
        keys = db.exec(select(ReminderSent.period_key).where(
            ReminderSent.kind == reminders.SESSION_BRIEF)).all()
    assert sorted(keys) == ["conference-2", "conference-2"]

    again = reminders.run_reminders(engine, _settings(port), date(2026, 12, 4))
    assert [r for r in again.reminders if r.kind == reminders.SESSION_BRIEF] == []
    assert len(_briefs(inbox)) == 2


def test_only_the_structures_on_the_attendance_list_are_invited(engine, seeded, smtp):  # noqa: F811
    inbox, port = smtp
    ids = _scene(engine, seeded)
    with transaction(engine) as db:
        db.add(Attendance(conference_id=ids["planned"], structure_id=seeded.structures["MEF"],
                          status="present"))

    reminders.run_reminders(engine, _settings(port), SEVEN_DAYS_BEFORE)

    assert sorted(_briefs(inbox)) == ["dsi@finances.bj"]


def test_too_early_or_a_dry_run_sends_nothing(engine, seeded, smtp):  # noqa: F811
    inbox, port = smtp
    _scene(engine, seeded)

    early = reminders.run_reminders(engine, _settings(port), date(2026, 11, 20), dry_run=True)
    dry = reminders.run_reminders(engine, _settings(port), SEVEN_DAYS_BEFORE, dry_run=True)

    assert all(r.kind != reminders.SESSION_BRIEF for r in early.reminders)
    planned = [r for r in dry.reminders if r.kind == reminders.SESSION_BRIEF]
    assert len(planned) == 2 and inbox.messages == []
    assert any("[à envoyer] session_brief" in line for line in reminders.report_lines(dry))
    with Session(engine) as db:
        assert db.exec(select(ReminderSent)).all() == []
