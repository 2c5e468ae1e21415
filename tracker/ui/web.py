"""HTTP routes beside the Streamlit app: the signed, HttpOnly session cookie, the health checks
(``/healthz``, ``/readyz``), and what wraps every request (request ids, unknown paths → 404).

Streamlit scripts cannot set cookies, so after a login the page asks the browser (an image
request, same origin) to exchange a one-time code for the cookie here. These routes sit outside
Streamlit's XSRF protection: only same-origin requests are honoured. Their database and file
work runs in the thread pool, never on the server's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import re
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from functools import cache
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker.accounts.auth import redeem_handoff
from tracker.core import logs
from tracker.core.config import Settings, load_settings
from tracker.core.db import code_heads, database_revisions, reading, shared_engine, transaction
from tracker.ui.navigation import PAGES
from tracker.ui.sso import SignOutEverywhere, clear_identity_cookies

COOKIE_NAME = "cdsi_session"
COOKIE_MAX_AGE = 30 * 24 * 3600
_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
READY_TIMEOUT = 5.0
_log = logging.getLogger("tracker.web")


def _engine(url: str) -> Engine:
    return shared_engine(url)


def serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="cdsi-session")


def sign_token(secret: str, token: str) -> str:
    return serializer(secret).dumps(token)


def unsign_token(secret: str, value: str) -> str | None:
    """The token inside a cookie value, or None when forged or older than the cookie's life."""
    try:
        token = serializer(secret).loads(value, max_age=COOKIE_MAX_AGE)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    host = request.headers.get("host", "")
    return bool(host) and origin.split("/")[2:3] == [host]


def _pixel(status: int = 200) -> Response:
    return Response(_PIXEL, status_code=status, media_type="image/gif",
                    headers={"Cache-Control": "no-store"})


def _redeem(url: str, code: str) -> str | None:
    # A write transaction (it may wait for another writer), off the server's event loop.
    with transaction(_engine(url)) as session:
        return redeem_handoff(session, code)


def browser_used_https(request: Request, settings: Settings) -> bool:
    """True when the browser reached the app over HTTPS: the connection itself, or a TLS
    proxy that Streamlit's server (a proxy on this machine) or TRACKER_TRUSTED_PROXIES (a proxy
    elsewhere) trusts said so in X-Forwarded-Proto."""
    peer = request.client.host if request.client else None
    return settings.trusted_proxies.scheme(
        peer, request.url.scheme, request.headers.getlist("x-forwarded-proto")) == "https"


async def handoff(request: Request) -> Response:
    """Exchange a one-time code for the session cookie."""
    if not _same_origin(request):
        return _pixel(403)
    settings = await run_in_threadpool(load_settings)  # may read the secret's file
    code = request.query_params.get("code", "")
    token = await run_in_threadpool(_redeem, settings.database_url, code) if code else None
    response = _pixel(200 if token else 404)
    if token:
        response.set_cookie(COOKIE_NAME, sign_token(settings.cookie_secret, token),
                            max_age=COOKIE_MAX_AGE, httponly=True, samesite="strict",
                            secure=browser_used_https(request, settings), path="/")
    return response


async def forget(request: Request) -> Response:
    """Drop the cookie (the session itself is already closed in the database), and Streamlit's
    single sign-on identity cookies, which would otherwise sign the browser straight back in."""
    if not _same_origin(request):
        return _pixel(403)
    response = _pixel()
    response.delete_cookie(COOKIE_NAME, path="/")
    clear_identity_cookies(request, response)
    return response


async def healthz(_request: Request) -> Response:
    """Alive: the process answers HTTP (nothing else is checked)."""
    return JSONResponse({"status": "alive"}, headers={"Cache-Control": "no-store"})


def readiness(database_url: str) -> tuple[int, dict[str, object]]:
    """200 and what was checked when the database answers and is at the code's migration
    head; 503 and why not otherwise."""
    heads = sorted(code_heads())
    try:
        current = sorted(database_revisions(_engine(database_url)))
    except Exception as exc:  # whatever the driver raises: the database is not usable
        _log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return 503, {"status": "unavailable", "database": "unreachable",
                     "error": type(exc).__name__}
    migrations = {"database": current, "code": heads}
    if current != heads:
        reason = ("the database was never migrated" if not current else
                  f"the database is at revision {', '.join(current)}, the code at "
                  f"{', '.join(heads)}")
        return 503, {"status": "unavailable", "database": "reachable",
                     "migrations": migrations, "reason": reason}
    return 200, {"status": "ready", "database": "reachable", "migrations": migrations}


async def readyz(_request: Request) -> Response:
    """Ready to serve: the database answers (within READY_TIMEOUT) and is migrated to the
    code's head; JSON either way, 503 when not ready."""
    settings = await run_in_threadpool(load_settings)
    try:
        status, body = await asyncio.wait_for(
            run_in_threadpool(readiness, settings.database_url), READY_TIMEOUT)
    except TimeoutError:
        status, body = 503, {"status": "unavailable", "database": "no answer",
                             "error": f"no answer within {READY_TIMEOUT:g} s"}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


class ServerRefused(RuntimeError):
    """The settings do not allow the web server to start (the message says why)."""


def _streamlit_logs_as(handler: logging.Handler) -> None:
    """Streamlit's and its server's own loggers (one console handler each) write in the same
    format as the app's: with JSON lines, every line of the server's output is JSON."""
    from streamlit import logger as streamlit_logger

    for named in list(getattr(streamlit_logger, "_loggers", {}).values()):
        console = getattr(named, "streamlit_console_handler", None)
        if isinstance(console, logging.Handler) and handler.formatter is not None:
            console.setFormatter(handler.formatter)
            for context in handler.filters:
                console.addFilter(context)


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """At server start: the logs, the settings' check (no cookie secret on PostgreSQL stops
    it), then migrate the database and, on a first start, load the reference data, the demo
    data set and the demo accounts (before anyone opens a page)."""
    from tracker.bootstrap import initialize

    settings = load_settings()
    handler = logs.configure(json_lines=settings.log_json)
    if settings.log_json:
        _streamlit_logs_as(handler)
    refusal = settings.refusal_to_serve()
    if refusal:
        _log.error(refusal)
        raise ServerRefused(refusal)
    await run_in_threadpool(initialize, _engine(settings.database_url),
                            demo=settings.demo_on_first_start)
    engine = _engine(settings.database_url)
    _log.info("server ready (database %s%s)", engine.url.render_as_string(hide_password=True),
              f", at most {settings.db_pool_size} connections"
              if engine.dialect.name == "postgresql" else "")
    threading.Thread(target=warm_up, args=(settings.database_url,), daemon=True,
                     name="warm-up").start()
    yield


def warm_up(database_url: str) -> None:
    """What the first page runs after a start would otherwise wait for, done in the background
    once the server is up: the forecasts' backtests (see
    tracker.dashboards.forecast_views.warm_backtests), the charts' libraries and plotly's
    template; then the start-up objects frozen. A failure only costs the first user the wait
    it was meant to save. (The page benchmarks call it too: their « first run » is the first
    run after a start.)"""
    from tracker.dashboards.forecast_views import warm_backtests

    try:
        with reading(_engine(database_url)) as session:
            warm_backtests(session, date.today())  # the pages' today (ui.today)
    except Exception:  # logged, never fatal
        logging.getLogger("tracker").exception("warming the forecasts' backtests failed")
    _freeze_start_objects()


def _freeze_start_objects() -> None:
    """The libraries the pages use imported, then every object alive at this point (modules,
    plotly's validators, the backtests' memo: millions of objects that live as long as the
    server) moved out of the garbage collector's reach (``gc.freeze``): each collection then
    walks only what the page runs made (the collections of tracker/ui/collector.py)."""
    import pandas.io.formats.style  # noqa: F401  (the coloured tables' Styler)
    import plotly.graph_objects  # (what the charts are made of)

    import tracker.conference.charts
    import tracker.dashboards.charts
    import tracker.roadmap.charts  # noqa: F401

    # The charts' template and the kinds of trace they draw, read and checked on their first
    # use (a tenth of a second, else paid by the first chart of the server's life).
    go = plotly.graph_objects
    go.Figure([go.Bar(x=[1], y=[1]), go.Scatter(x=[1], y=[1]), go.Heatmap(z=[[1]])],
              layout={"template": "plotly_white"}).to_plotly_json()
    gc.collect()
    gc.freeze()


class HiddenMetrics:
    """Streamlit serves its internal metrics (sessions, memory, cache sizes) at
    ``/_stcore/metrics`` to anyone; this app does not expose them: the path answers 404."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").rstrip("/").endswith(
                "/_stcore/metrics"):
            await Response("Not Found", status_code=404, media_type="text/plain")(
                scope, receive, send)
            return
        await self.app(scope, receive, send)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIds:
    """Every HTTP request gets an id (the proxy's ``X-Request-ID`` when it sent a plain one,
    else a new one) that its log lines carry and its answer returns in ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                      if name == b"x-request-id"), "")
        identifier = given if _REQUEST_ID.match(given) else secrets.token_hex(8)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", identifier.encode("latin-1"))]
            await send(message)

        with logs.in_request(identifier):
            await self.app(scope, receive, send_with_id)


# First path segments served besides the pages: Streamlit's own (its API and WebSocket,
# assets, media, components, the app's static folder), its OpenID Connect callback, and the
# app's routes (cookie, health, the read API).
STREAMLIT_PREFIXES = frozenset({"_stcore", "static", "media", "component", "app"})
APP_PREFIXES = frozenset({"auth", "oauth2callback", "api", "healthz", "readyz"})


@cache
def _streamlit_files() -> frozenset[str]:
    """The files at the root of Streamlit's front end (index.html, favicon.png, …)."""
    from streamlit import file_util

    root = Path(file_util.get_static_dir())
    return frozenset(entry.name for entry in root.iterdir() if entry.is_file())


@cache
def _page_names() -> frozenset[str]:
    return frozenset({"login", *(page.url_path for page in PAGES)})


@cache
def _base_path() -> str:
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def known_path(path: str, *, pages: frozenset[str], files: frozenset[str]) -> bool:
    """True for a path the app serves: the root, a page (``/results``), Streamlit's and the
    app's prefixes, a file of Streamlit's front end; a page followed by one of Streamlit's
    prefixes is left to Streamlit (its front end probes ``/<page>/_stcore/…``)."""
    parts = [part for part in path.split("/") if part]
    if not parts:
        return True
    first = parts[0]
    if first in STREAMLIT_PREFIXES or first in APP_PREFIXES:
        return True
    if len(parts) == 1:
        return first in pages or first in files
    return first in pages and parts[1] in STREAMLIT_PREFIXES


class UnknownPaths:
    """Streamlit answers its page (200) for any path so that its front end can route pages;
    here a path that is no page, no route and no file answers 404, so that a health check,
    a crawler or a typo is told the truth."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "/")
            base = _base_path()
            if base and (path == base or path.startswith(base + "/")):
                path = path[len(base):]
            if not known_path(path, pages=_page_names(), files=_streamlit_files()):
                await Response("Not Found", status_code=404, media_type="text/plain",
                               headers={"Cache-Control": "no-store"})(scope, receive, send)
                return
        await self.app(scope, receive, send)


def middleware() -> list[Middleware]:
    """What wraps every request before Streamlit sees it (outermost first)."""
    return [Middleware(RequestIds), Middleware(UnknownPaths), Middleware(HiddenMetrics),
            Middleware(SignOutEverywhere, cookie_name=COOKIE_NAME)]


def routes() -> list[BaseRoute]:
    return [Route("/auth/handoff", handoff, methods=["GET"]),
            Route("/auth/forget", forget, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/readyz", readyz, methods=["GET", "HEAD"])]
