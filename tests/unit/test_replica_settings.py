"""Issue 16 without a server: the Secure cookie behind a trusted TLS proxy, /healthz and /readyz
(database down, behind on migrations, at head), unknown paths, the refusal to serve PostgreSQL
without a shared cookie secret, one engine per process with its pool size, and the logs (text or
JSON lines, request and user on each line, never a password)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tracker.accounts import auth
from tracker.accounts.permissions import Action, require
from tracker.core import logs
from tracker.core.config import (
    DEFAULT_DB_POOL_SIZE,
    DEFAULT_UPLOAD_LIMIT_MB,
    TrustedProxies,
    db_pool_size,
    load_settings,
    trusted_proxies,
)
from tracker.core.db import (
    alembic_config,
    dispose_shared_engines,
    make_engine,
    migrate,
    shared_engine,
    transaction,
)
from tracker.core.errors import AuthenticationFailed, PermissionDenied
from tracker.ui import web

PG_DOWN = "postgresql+psycopg://cdsi:s3cr3t@127.0.0.1:1/cdsi"


def _run(coroutine: Any) -> Any:
    """Run a coroutine to its end on an event loop of its own, in a thread of its own: a
    browser test earlier in the same worker may leave the main thread's loop running, where
    asyncio.run refuses to start."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# --- X-Forwarded-Proto and the Secure cookie ---------------------------------------------


def test_the_scheme_is_the_connections_unless_a_trusted_proxy_says_https() -> None:
    nobody, proxy = TrustedProxies(), trusted_proxies({"TRACKER_TRUSTED_PROXIES": "10.0.0.5"})
    # Nobody trusted: the header of whoever sent it proves nothing.
    assert nobody.scheme("10.0.0.5", "http", "https") == "http"
    # The configured proxy: its word counts (the last value, the nearest proxy's).
    assert proxy.scheme("10.0.0.5", "http", "https") == "https"
    assert proxy.scheme("10.0.0.5", "http", ["http", "https"]) == "https"
    assert proxy.scheme("10.0.0.5", "http", "https, http") == "http"
    # Anyone else: ignored.
    assert proxy.scheme("203.0.113.9", "http", "https") == "http"
    # No header, or nonsense: the connection's own scheme.
    assert proxy.scheme("10.0.0.5", "http", None) == "http"
    assert proxy.scheme("10.0.0.5", "http", "gopher") == "http"
    # A connection already over TLS (or made https by Streamlit's server) stays https.
    assert nobody.scheme("203.0.113.9", "https", "http") == "https"
    # A number of hops: whoever connects is the proxy.
    assert trusted_proxies({"TRACKER_TRUSTED_PROXIES": "1"}).scheme(
        "192.0.2.44", "http", "https") == "https"


def _request(peer: str, headers: dict[str, str], scheme: str = "http") -> Request:
    return Request({"type": "http", "method": "GET", "scheme": scheme, "path": "/",
                    "server": ("cdsi", 8501), "client": (peer, 50000), "query_string": b"",
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


def test_the_session_cookie_is_secure_behind_a_trusted_tls_proxy_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"TRACKER_DATABASE_URL": "sqlite://", "TRACKER_COOKIE_SECRET": "x" * 40}
    trusted = load_settings({**base, "TRACKER_TRUSTED_PROXIES": "10.0.0.0/24"})
    untrusted = load_settings(base)
    behind_tls = _request("10.0.0.5", {"X-Forwarded-Proto": "https"})

    assert web.browser_used_https(behind_tls, trusted)
    assert not web.browser_used_https(behind_tls, untrusted)
    assert not web.browser_used_https(_request("10.0.9.9", {"X-Forwarded-Proto": "https"}),
                                      trusted)
    assert web.browser_used_https(_request("198.51.100.1", {}, scheme="https"), untrusted)


# --- the cookie secret on PostgreSQL -----------------------------------------------------


def test_on_postgresql_without_a_cookie_secret_the_server_refuses_to_start(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", PG_DOWN)
    monkeypatch.delenv("TRACKER_COOKIE_SECRET", raising=False)
    settings = load_settings()
    assert settings.cookie_secret == ""  # no secret made up (nor written) for this replica
    refusal = settings.refusal_to_serve()
    assert refusal and "TRACKER_COOKIE_SECRET" in refusal and "replica" in refusal

    async def start() -> None:
        async with web.lifespan(None):
            pass

    with pytest.raises(web.ServerRefused, match="TRACKER_COOKIE_SECRET"):
        _run(start())


def test_with_a_cookie_secret_postgresql_may_start_and_sqlite_keeps_its_own() -> None:
    assert load_settings({"TRACKER_DATABASE_URL": PG_DOWN,
                          "TRACKER_COOKIE_SECRET": "shared"}).refusal_to_serve() is None
    sqlite = load_settings({"TRACKER_DATABASE_URL": "sqlite://"})
    assert sqlite.cookie_secret and sqlite.refusal_to_serve() is None


# --- one engine per process, its pool ----------------------------------------------------


def test_the_pool_size_comes_from_the_environment_and_bad_values_are_refused() -> None:
    assert db_pool_size({}) == DEFAULT_DB_POOL_SIZE
    assert db_pool_size({"TRACKER_DB_POOL_SIZE": "4"}) == 4
    for bad in ("0", "-3", "dix", "2.5", "5000"):
        with pytest.raises(ValueError, match="TRACKER_DB_POOL_SIZE"):
            db_pool_size({"TRACKER_DB_POOL_SIZE": bad})


def test_a_postgresql_engine_keeps_at_most_the_pool_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DB_POOL_SIZE", "7")
    engine = make_engine(PG_DOWN)  # nothing is connected before a query
    try:
        assert engine.pool.size() == 7 and engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_the_pages_routes_and_start_up_share_one_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    try:
        assert shared_engine(url) is shared_engine(url) is web._engine(url)
    finally:
        dispose_shared_engines()


# --- /healthz, /readyz, unknown paths ----------------------------------------------------


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Client:
    """GET requests straight into an ASGI app (the app's routes and middleware in front of a
    stand-in for Streamlit that answers "index" to every path, as Streamlit does)."""

    def __init__(self) -> None:
        self.app = Starlette(routes=[*web.routes(), Route(
            "/{rest:path}", lambda _r: PlainTextResponse("index"))], middleware=web.middleware())

    def get(self, path: str) -> Answer:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "scheme": "http", "path": path,
                 "raw_path": path.encode(), "root_path": "", "query_string": b"",
                 "headers": [(b"host", b"cdsi")], "client": ("127.0.0.1", 5000),
                 "server": ("cdsi", 80), "http_version": "1.1"}
        _run(self.app(scope, receive, send))  # type: ignore[arg-type]
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return Answer(start["status"], {k.decode(): v.decode() for k, v in start["headers"]},
                      body.decode())


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("TRACKER_COOKIE_SECRET", "x" * 40)
    yield Client()
    dispose_shared_engines()


def test_healthz_answers_alive(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "alive"}
    assert response.headers["x-request-id"]


def test_readyz_is_200_on_a_database_at_the_migration_head(
        client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    migrate(make_engine(url))
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)

    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["database"] == "reachable"
    assert body["migrations"]["database"] == body["migrations"]["code"] != []


def test_readyz_is_503_when_the_database_is_behind_on_migrations(
        client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    engine = make_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == "reachable"
    assert body["migrations"]["database"] == ["0003"]
    assert "0003" in body["reason"] and body["migrations"]["code"] != ["0003"]


def test_readyz_is_503_when_the_database_was_never_migrated(
        client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    response = client.get("/readyz")
    assert response.status_code == 503 and "never migrated" in response.json()["reason"]


def test_readyz_is_503_when_the_database_is_down_and_names_no_password(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", PG_DOWN)
    monkeypatch.setenv("TRACKER_COOKIE_SECRET", "x" * 40)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert "s3cr3t" not in response.text


def test_unknown_paths_answer_404_and_the_apps_paths_pass(client: Client) -> None:
    for path in ("/no-such-page", "/home/not-a-page", "/wp-login.php", "/.env",
                 "/results/x/y", "/_stcore/metrics"):
        assert client.get(path).status_code == 404, path
    for path in ("/", "/login", "/home", "/results", "/windows-targets", "/journal",
                 "/favicon.png", "/manifest.json", "/static/js/x.js", "/_stcore/health",
                 "/home/_stcore/health", "/media/abc.png", "/component/x/index.html",
                 "/app/static/logo.png", "/oauth2callback", "/api/v1/anything"):
        assert client.get(path).status_code == 200, path


def test_known_paths_follow_streamlits_base_path() -> None:
    pages, files = frozenset({"home"}), frozenset({"favicon.png"})
    assert web.known_path("/", pages=pages, files=files)
    assert web.known_path("/home/", pages=pages, files=files)
    assert not web.known_path("/homes", pages=pages, files=files)
    assert not web.known_path("/favicon.png/x", pages=pages, files=files)


# --- logs --------------------------------------------------------------------------------


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The tracker's log as JSON lines, for this test."""
    stream = io.StringIO()
    logs.configure(json_lines=True, stream=stream)
    yield stream
    logs.configure(json_lines=False, stream=sys.stderr)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_text_lines_carry_the_request_and_the_user() -> None:
    stream = io.StringIO()
    logs.configure(json_lines=False, stream=stream)
    try:
        marker = logs.current_user.set("dsi-ms")
        with logs.in_request("abc123"):
            logs.log_event(logs.IMPORTS, "results_import", structures="MS", written=3,
                           file="résultats T2.xlsx")
        logs.current_user.reset(marker)
    finally:
        logs.configure(json_lines=False, stream=sys.stderr)
    line = stream.getvalue().strip()
    assert "INFO tracker.imports [req=abc123 user=dsi-ms] results_import" in line
    assert 'structures=MS written=3 file="résultats T2.xlsx"' in line


def test_secrets_are_never_written_whatever_the_caller_passes(captured: io.StringIO) -> None:
    logs.log_event(logs.AUTH, "sign_in", user="admin", password="hunter2-hunter2",
                   token="tok", cookie="c00k", cookie_secret="s", handoff_code="h",
                   password_hash="$argon2")
    (line,) = _lines(captured)
    assert line["event"] == "sign_in" and line["user"] == "admin"
    assert not {"password", "token", "cookie", "cookie_secret", "handoff_code",
                "password_hash"} & line.keys()
    for secret in ("hunter2", "tok", "c00k", "$argon2"):
        assert secret not in captured.getvalue()


def test_sign_in_failure_throttling_success_and_logout_are_logged(
        session, seeded, captured: io.StringIO) -> None:
    engine = session.get_bind()
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(engine, "admin", "mauvais-mot-de-passe", client="198.51.100.7")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(engine, "personne", "mauvais-mot-de-passe", client="198.51.100.7")
    _actor, session_id, code = auth.sign_in(engine, "dsi-ms", "demo", client="198.51.100.8")
    with logs.in_request("r-logout"):
        with transaction(engine) as db:
            auth.close_session(db, session_id)
    for _ in range(auth.ACCOUNT_LIMIT + 1):
        with pytest.raises(AuthenticationFailed):
            auth.sign_in(engine, "direction", "mauvais-mot-de-passe")

    events = _lines(captured)
    failed = [e for e in events if e["event"] == "sign_in_failed"]
    assert [(e["user"], e["reason"], e["client"]) for e in failed[:2]] == [
        ("admin", "wrong_password", "198.51.100.7"), ("personne", "unknown_login", "198.51.100.7")]
    (signed,) = [e for e in events if e["event"] == "sign_in"]
    assert (signed["user"], signed["role"], signed["structure"]) == ("dsi-ms", "dsi", "MS")
    (logout,) = [e for e in events if e["event"] == "logout"]
    assert logout["user"] == "dsi-ms" and logout["request"] == "r-logout"
    assert any(e["event"] == "sign_in_lockout" for e in events)
    assert any(e["event"] == "sign_in_throttled" and e["user"] == "direction" for e in events)
    assert "mauvais-mot-de-passe" not in captured.getvalue() and code not in captured.getvalue()


def test_a_permission_refusal_is_logged_with_the_user_and_where(
        actor, captured: io.StringIO) -> None:
    viewer = actor("observateur")
    marker = logs.current_user.set(viewer.login)
    try:
        with pytest.raises(PermissionDenied):
            require(viewer, Action.manage_users)
    finally:
        logs.current_user.reset(marker)
    (line,) = [e for e in _lines(captured) if e["event"] == "permission_refused"]
    assert line["level"] == "WARNING" and line["user"] == "observateur"
    assert line["action"] == "manage_users"
    assert str(line["where"]).endswith(
        "test_a_permission_refusal_is_logged_with_the_user_and_where")


def test_the_sso_refusal_helper_logs_who_and_why(captured: io.StringIO) -> None:
    logs.log_sso_refused("sub-123", "unknown_subject", email="a.b@gouv.bj", provider="asin")
    (line,) = _lines(captured)
    assert (line["logger"], line["event"], line["subject"], line["reason"]) == (
        "tracker.auth", "sso_refused", "sub-123", "unknown_subject")


def test_configure_is_done_once_per_process() -> None:
    first = logs.configure(json_lines=False)
    assert logs.configure(json_lines=True) is first
    assert logging.getLogger("tracker").handlers.count(first) == 1


# --- deploy/ -----------------------------------------------------------------------------


def test_nginx_accepts_uploads_up_to_the_apps_limit_and_the_envelope() -> None:
    root = Path(__file__).resolve().parents[2]
    site = (root / "deploy" / "nginx" / "cdsi.conf").read_text()
    (size,) = re.findall(r"^\s*client_max_body_size (\d+)m;", site, flags=re.MULTILINE)
    streamlit = tomllib.loads((root / ".streamlit" / "config.toml").read_text())
    assert int(size) == DEFAULT_UPLOAD_LIMIT_MB + 1 == streamlit["server"]["maxUploadSize"] + 1


def test_the_replica_unit_runs_the_app_on_its_instances_port_behind_the_proxy() -> None:
    root = Path(__file__).resolve().parents[2]
    unit = (root / "deploy" / "systemd" / "cdsi@.service").read_text()
    site = (root / "deploy" / "nginx" / "cdsi.conf").read_text()
    assert "--server.port %i --server.address 127.0.0.1" in unit
    assert "EnvironmentFile=/etc/cdsi.env" in unit
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", site) == ["8501", "8502"]
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header Upgrade $http_upgrade;" in site


def test_an_import_is_logged_with_its_user_structures_file_and_counts(
        engine, seeded, captured: io.StringIO) -> None:
    from tracker.results.loading import import_results_file

    sample = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / \
        "resultats-T2-2025-excel-fr.csv"
    import_results_file(engine, sample.read_bytes(), sample.name, year=2025, quarter=2,
                        structure_code=None, dry_run=False)

    (line,) = [e for e in _lines(captured) if e["event"] == "results_import"]
    assert (line["logger"], line["user"], line["structures"], line["file"]) == (
        "tracker.imports", "command-line", "MS", sample.name)
    assert (line["year"], line["quarter"], line["written"], line["rejected_rows"]) == (
        2025, 2, 6, 0)
