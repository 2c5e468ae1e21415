"""The HTTP side of the API: Starlette routes beside the app's own (mounted from app.py).

Every call, in order: the token (401 without a valid one, and nothing else is said or
written); the rate limit of the token (429); the audit event (who, path, query: one insert,
in the same short transaction as the call's count); the parameters (422); the data, read with
the token's account's permissions (403, 404); the ETag (304 when ``If-None-Match`` matches).
Database work runs off the server's event loop."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tracker.accounts.auth import Actor
from tracker.accounts.tokens import authenticate, calls_left, count_call
from tracker.api.endpoints import ENDPOINTS, OPENAPI_PATH, Endpoint, Rows
from tracker.api.openapi import description
from tracker.api.params import ApiError, parse_query
from tracker.core import audit
from tracker.core.config import load_settings
from tracker.core.db import reading, shared_engine, transaction
from tracker.core.errors import AuthenticationFailed, NotFound, PermissionDenied
from tracker.core.i18n import set_language, t
from tracker.core.models import utcnow

READ_METHODS = ("GET", "HEAD")
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CALL_OBJECT = "ApiCall"  # what an API call is in the audit trail (its id: the token's)


def _engine(url: str) -> Engine:
    """The process's one engine (its pool is shared with the pages and the sign-in routes)."""
    return shared_engine(url)


@dataclass(frozen=True)
class Call:
    """What the server needs of a request (read on the event loop, served in a thread)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    authorization: str | None
    if_none_match: str | None


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        media = "application/json" if self.body else None
        return Response(self.body, status_code=self.status, headers=self.headers,
                        media_type=media)


def _clean(value: Any) -> Any:
    """NaN and infinities become null: the body is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _json(document: Any) -> bytes:
    return json.dumps(_clean(document), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode()


def error_answer(error: ApiError) -> Answer:
    body: dict[str, Any] = {"status": error.status, "code": error.code,
                            "message": error.message}
    if error.parameter:
        body["parameter"] = error.parameter
    headers = {"Cache-Control": "no-store", **error.headers}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="cdsi"'
    return Answer(error.status, _json({"error": body}), headers)


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and len(token) <= 200 else None


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _link(path: str, query: Sequence[tuple[str, str]], page: int) -> str:
    kept = [(k, v) for k, v in query if k != "page"]
    return f"{path}?{urlencode([*kept, ('page', str(page))])}"


def _paged(rows: Rows, page: int, per_page: int, call: Call) -> dict[str, Any]:
    pages = max(1, math.ceil(rows.total / per_page))
    return {"data": rows.items, "page": page, "per_page": per_page, "total": rows.total,
            "pages": pages,
            "next": _link(call.path, call.query, page + 1) if page < pages else None,
            "previous": _link(call.path, call.query, page - 1) if 1 < page <= pages + 1
            else None}


class ApiServer:
    """Serves the API for one database, with one rate limit per token per minute."""

    def __init__(self, database_url: str | None = None,
                 rate_per_minute: int | None = None) -> None:
        self._url = database_url
        self._rate = rate_per_minute

    def _settings(self) -> tuple[str, int]:
        if self._url is None or self._rate is None:
            settings = load_settings()
            self._url = self._url or settings.database_url
            self._rate = self._rate or settings.api_rate_per_minute
        return self._url, self._rate

    def engine(self) -> Engine:
        return _engine(self._settings()[0])

    def admit(self, call: Call) -> tuple[Actor, dict[str, str]]:
        """The token's account, once the token is checked, the call counted and audited."""
        token = bearer(call.authorization)
        if token is None:
            raise ApiError(401, "unauthorized", t("api.no_token"))
        _url, limit = self._settings()
        now = utcnow()
        try:
            with transaction(self.engine()) as session:
                actor, row = authenticate(session, token, now)
                wait = count_call(session, row, limit, now)
                headers = {"X-RateLimit-Limit": str(limit),
                           "X-RateLimit-Remaining": str(calls_left(row, limit))}
                if wait is None:
                    query = urlencode(call.query)
                    audit.record_event(session, actor, "api", CALL_OBJECT, row.id,
                                       label=f"{call.method} {call.path}"[:300],
                                       changes={"query": (None, query)} if query else None)
        except AuthenticationFailed as refused:
            raise ApiError(401, "unauthorized", str(refused)) from None
        if wait is not None:
            raise ApiError(429, "rate_limited", t("api.rate_limited", n=limit, seconds=wait,
                                                  lang=actor.language),
                           headers={**headers, "Retry-After": str(wait)})
        return actor, headers

    def serve(self, endpoint: Endpoint | None, call: Call) -> Answer:
        """One call, start to end (run in a worker thread)."""
        set_language("fr")
        try:
            actor, headers = self.admit(call)
        except ApiError as error:
            return error_answer(error)
        set_language(actor.language)
        try:
            document = self._document(endpoint, actor, call)
        except ApiError as error:
            answer = error_answer(error)
            answer.headers.update(headers)
            return answer
        body = _json(document)
        etag = _etag(body)
        headers.update({"ETag": etag, "Cache-Control": "private, no-cache",
                        "Vary": "Authorization"})
        if _matches(call.if_none_match, etag):
            return Answer(304, b"", headers)
        return Answer(200, body, headers)

    def _document(self, endpoint: Endpoint | None, actor: Actor, call: Call) -> Any:
        if call.path == OPENAPI_PATH and call.method in READ_METHODS:
            if call.query:
                raise ApiError(422, "invalid_parameter", t(
                    "api.unknown_parameter", name=call.query[0][0][:40], allowed="—"),
                    parameter=call.query[0][0][:40])
            return description()
        if endpoint is None:
            if call.method not in READ_METHODS and _known(call.path):
                raise ApiError(405, "method_not_allowed", t("api.read_only"))
            raise ApiError(404, "not_found", t("api.unknown_path", path=call.path[:200]))
        with reading(self.engine()) as session:
            try:
                query = parse_query(session, endpoint, call.query)
                data = endpoint.fetch(session, actor, query, date.today())
            except PermissionDenied as refused:
                raise ApiError(403, "forbidden", str(refused)) from None
            except NotFound as missing:
                raise ApiError(404, "not_found", str(missing)) from None
        if endpoint.paginated:
            return _paged(data, query.page, query.per_page, call)
        return data

    async def handle(self, request: Request, endpoint: Endpoint | None) -> Response:
        headers: Mapping[str, str] = request.headers
        call = Call(request.method, request.url.path,
                    tuple(request.query_params.multi_items()),
                    headers.get("authorization"), headers.get("if-none-match"))
        answer = await run_in_threadpool(self.serve, endpoint, call)
        return answer.response()


def _known(path: str) -> bool:
    return path == OPENAPI_PATH or any(path == e.path for e in ENDPOINTS)


def api_routes(database_url: str | None = None,
               rate_per_minute: int | None = None) -> list[BaseRoute]:
    """The API's routes: one per endpoint of the table, its description, and every other path
    under /api (401 without a token, else 404 or 405), so that nothing there reaches the app.
    The database and the rate limit come from the settings unless given (tests)."""
    server = ApiServer(database_url, rate_per_minute)

    def route(endpoint: Endpoint | None) -> Any:
        async def answer(request: Request) -> Response:
            return await server.handle(request, endpoint)
        return answer

    return [*(Route(e.path, route(e), methods=["GET"], name=f"api_{e.name}")
              for e in ENDPOINTS),
            Route(OPENAPI_PATH, route(None), methods=["GET"], name="api_openapi"),
            Route("/api", route(None), methods=EVERY_METHOD, name="api_other_root"),
            Route("/api/{rest:path}", route(None), methods=EVERY_METHOD, name="api_other")]

