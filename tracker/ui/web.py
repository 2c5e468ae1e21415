"""HTTP routes beside the Streamlit app: the signed, HttpOnly session cookie.

Streamlit scripts cannot set cookies, so after a login the page asks the browser (an image
request, same origin) to exchange a one-time code for the cookie here. These routes sit outside
Streamlit's XSRF protection: only same-origin requests are honoured.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from functools import cache

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tracker.accounts.auth import redeem_handoff
from tracker.core.config import load_settings
from tracker.core.db import make_engine, reading, transaction
from tracker.ui.sso import SignOutEverywhere, clear_identity_cookies

COOKIE_NAME = "cdsi_session"
COOKIE_MAX_AGE = 30 * 24 * 3600
_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


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


async def handoff(request: Request) -> Response:
    """Exchange a one-time code for the session cookie."""
    if not _same_origin(request):
        return _pixel(403)
    settings = load_settings()
    code = request.query_params.get("code", "")
    token = await run_in_threadpool(_redeem, settings.database_url, code) if code else None
    response = _pixel(200 if token else 404)
    if token:
        response.set_cookie(COOKIE_NAME, sign_token(settings.cookie_secret, token),
                            max_age=COOKIE_MAX_AGE, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
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


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """At server start: migrate the database and, on a first start, load the reference data,
    the demo data set and the demo accounts (before anyone opens a page)."""
    from tracker.bootstrap import initialize

    settings = load_settings()
    initialize(_engine(settings.database_url), demo=settings.demo_on_first_start)
    threading.Thread(target=_warm_forecasts, args=(settings.database_url,), daemon=True,
                     name="warm-forecasts").start()
    yield


def _warm_forecasts(database_url: str) -> None:
    """The forecasts' backtests, in the background once the server is up (see
    tracker.dashboards.forecast_views.warm_backtests); a failure only costs the first user the
    wait it was meant to save."""
    from tracker.dashboards.forecast_views import warm_backtests

    try:
        with reading(_engine(database_url)) as session:
            warm_backtests(session, date.today())  # the pages' today (ui.today)
    except Exception:  # logged, never fatal
        logging.getLogger("tracker").exception("warming the forecasts' backtests failed")


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


def middleware() -> list[Middleware]:
    """What wraps every request before Streamlit sees it."""
    return [Middleware(HiddenMetrics), Middleware(SignOutEverywhere, cookie_name=COOKIE_NAME)]


def routes() -> list[BaseRoute]:
    return [Route("/auth/handoff", handoff, methods=["GET"]),
            Route("/auth/forget", forget, methods=["GET"])]
