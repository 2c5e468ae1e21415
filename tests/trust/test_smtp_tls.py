"""Reminders never send the SMTP password in clear, against a local aiosmtpd server that offers
AUTH without STARTTLS: with a user configured nothing is sent and no AUTH is tried; with
TRACKER_SMTP_TLS=ssl a plain server gets no credentials either."""

from __future__ import annotations

import smtplib
import socket
import ssl
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import select

from tracker.core.config import load_settings
from tracker.core.db import transaction
from tracker.core.models import Submission, SubmissionWindow, User
from tracker.reports import reminders

CLOSES = date(2026, 12, 8)
DUE_DAY = date(2026, 12, 3)


class Server:
    """A handler that keeps messages, and an authenticator that records every AUTH attempt."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.auth_attempts: list[object] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.auth_attempts.append(auth_data)
        return AuthResult(success=True)


@pytest.fixture
def plain_server_with_auth():
    handler = Server()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler,
                            auth_require_tls=False)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def due(engine, seeded):
    """A submission reminder to send: MS's T3 2026 draft, its DSI with an address."""
    with transaction(engine) as db:
        db.exec(select(User).where(User.login == "dsi-ms")).one().email = "dsi@sante.bj"
        db.add_all([SubmissionWindow(year=2026, quarter=3, opens_on=date(2026, 10, 1),
                                     closes_on=CLOSES),
                    Submission(structure_id=seeded.structures["MS"], year=2026, quarter=3,
                               status="draft")])


def _settings(port: int, **extra: str):
    return load_settings({"TRACKER_COOKIE_SECRET": "x" * 40, "TRACKER_SMTP_HOST": "127.0.0.1",
                          "TRACKER_SMTP_PORT": str(port), "TRACKER_SMTP_USER": "cdsi",
                          "TRACKER_SMTP_PASSWORD": "secret-du-relais", **extra})


def test_no_credentials_go_to_a_server_without_starttls(engine, due, plain_server_with_auth):
    server, port = plain_server_with_auth

    with pytest.raises(smtplib.SMTPNotSupportedError, match="STARTTLS"):
        reminders.run_reminders(engine, _settings(port), DUE_DAY)

    assert server.auth_attempts == []
    assert server.messages == []


def test_ssl_mode_never_talks_in_clear(engine, due, plain_server_with_auth):
    server, port = plain_server_with_auth

    with pytest.raises((ssl.SSLError, OSError)):
        reminders.run_reminders(engine, _settings(port, TRACKER_SMTP_TLS="ssl"), DUE_DAY)

    assert server.auth_attempts == []


def test_the_tls_mode_is_starttls_unless_said_otherwise():
    assert load_settings({"TRACKER_COOKIE_SECRET": "x" * 40}).smtp_tls == "starttls"
    with pytest.raises(ValueError, match="starttls or ssl"):
        load_settings({"TRACKER_COOKIE_SECRET": "x" * 40, "TRACKER_SMTP_TLS": "none"})
