"""The application's log: configured once per process (the web server, the command line), plain
text by default or JSON lines (``TRACKER_LOG_JSON=1``), every line with the request or browser
session it belongs to.

One logger per area: ``tracker.auth`` (sign-in, throttling, logout, single sign-on refusals),
``tracker.permissions`` (refused actions), ``tracker.imports`` (files imported), ``tracker.db``
(the schema's migration at start). Events are
written with ``log_event(area, event, **fields)``: a field whose name says it holds a secret
(password, token, cookie, secret, hash, hand-off) is never written, whatever its value.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

ROOT_LOGGER = "tracker"
AUTH = "tracker.auth"
PERMISSIONS = "tracker.permissions"
IMPORTS = "tracker.imports"
DATABASE = "tracker.db"

# The request (HTTP route) or browser session (Streamlit run) the current work belongs to, and
# the signed-in user's login during a run of the app's pages.
request_id: ContextVar[str | None] = ContextVar("tracker_request_id", default=None)
current_user: ContextVar[str | None] = ContextVar("tracker_current_user", default=None)

_SECRET_WORDS = ("password", "passwd", "token", "cookie", "secret", "handoff", "hash")
_configured_lock = threading.Lock()
_configured: list[logging.Handler] = []


def _secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that may be written (no secret by name), as plain values."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if _secret(name):
            continue
        if value is None or isinstance(value, bool | int | float | str):
            cleaned[name] = value
        else:
            cleaned[name] = str(value)
    return cleaned


class _Context(logging.Filter):
    """Puts the request or session id (``-`` outside of one) and the signed-in user, when there
    is one, on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request"):
            record.request = request_id.get() or "-"
        if not hasattr(record, "user"):
            record.user = current_user.get()
        return True


def _fields_text(fields: Mapping[str, Any]) -> str:
    return " ".join(f"{name}={json.dumps(value, ensure_ascii=False)}"
                    if isinstance(value, str) and (not value or " " in value or '"' in value
                                                   or "=" in value)
                    else f"{name}={value}" for name, value in fields.items())


class TextFormatter(logging.Formatter):
    """``2026-12-05 07:00:00,123 INFO tracker.auth [req=…] sign_in user=admin …``"""

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record)
        fields = getattr(record, "fields", None)
        message = record.getMessage()
        if fields:
            message = f"{message} {_fields_text(fields)}"
        user = getattr(record, "user", None)
        context = f"req={getattr(record, 'request', '-')}" + (f" user={user}" if user else "")
        line = f"{stamp} {record.levelname} {record.name} [{context}] {message}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, request, event or message,
    then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request": getattr(record, "request", "-"),
        }
        user = getattr(record, "user", None)
        if user:
            data["user"] = user
        event = getattr(record, "event", None)
        if event:
            data["event"] = event
        else:
            data["message"] = record.getMessage()
        data.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure(*, json_lines: bool, stream: Any = None,
              level: int = logging.INFO) -> logging.Handler:
    """Send the ``tracker`` loggers' records to standard error (or ``stream``), as text or JSON
    lines (``json_lines``: the settings' ``TRACKER_LOG_JSON``). Done once per process: a second
    call keeps the first handler unless ``stream`` asks for another one (tests)."""
    with _configured_lock:
        if _configured and stream is None:
            return _configured[0]
        logger = logging.getLogger(ROOT_LOGGER)
        for old in _configured:
            logger.removeHandler(old)
        _configured.clear()
        handler = logging.StreamHandler(sys.stderr if stream is None else stream)
        handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
        handler.addFilter(_Context())
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # Streamlit's own handlers would write each line twice
        _configured.append(handler)
        return handler


def log_event(area: str, event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Write one event (``sign_in``, ``sso_refused``, …) of ``area`` (a logger name: AUTH,
    PERMISSIONS, IMPORTS) with its fields (user, structure, client address, counts…). Fields
    named like a secret are dropped: a password, token, cookie or hand-off code is never logged."""
    cleaned = _clean(fields)
    logging.getLogger(area).log(level, event, extra={"event": event, "fields": cleaned})


def log_sso_refused(subject: str | None, reason: str, *, email: str | None = None,
                    provider: str | None = None) -> None:
    """A single sign-on refused by the app (unknown subject, inactive account, …): who the
    identity provider said it was and why it was refused."""
    log_event(AUTH, "sso_refused", level=logging.WARNING, subject=subject, email=email,
              provider=provider, reason=reason)


@contextmanager
def in_request(identifier: str | None) -> Iterator[None]:
    """Mark the log lines written inside the block with ``identifier``."""
    marker = request_id.set(identifier)
    try:
        yield
    finally:
        request_id.reset(marker)
