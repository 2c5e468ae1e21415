"""The OpenAPI 3.1 description of the API, built from the route table (tracker.api.endpoints)
and the parameters' checking (tracker.api.params): nothing is kept twice, so the description
cannot drift from the routes."""

from __future__ import annotations

from typing import Any

from tracker import __version__
from tracker.api.endpoints import ENDPOINTS, OPENAPI_PATH, Endpoint
from tracker.api.params import PARAMETERS, accepted
from tracker.core.i18n import t

ERRORS = (401, 403, 404, 422, 429)


def schema(shape: Any) -> dict[str, Any]:
    """A JSON schema from a field shape: « integer », « string? » (may be null), a list of one
    shape (an array), a mapping (an object whose fields are all present)."""
    if isinstance(shape, str):
        kind = shape.rstrip("?")
        return {"type": [kind, "null"]} if shape.endswith("?") else {"type": kind}
    if isinstance(shape, list):
        return {"type": "array", "items": schema(shape[0])}
    return {"type": "object", "required": list(shape),
            "properties": {name: schema(sub) for name, sub in shape.items()}}


def _parameter(name: str) -> dict[str, Any]:
    spec = PARAMETERS[name]
    kind: dict[str, Any] = {"type": spec.kind}
    if spec.minimum is not None:
        kind["minimum"] = spec.minimum
    if spec.maximum is not None:
        kind["maximum"] = spec.maximum
    if spec.choices:
        kind["enum"] = list(spec.choices)
    if spec.default is not None:
        kind["default"] = spec.default
    return {"name": name, "in": "query", "required": False, "schema": kind,
            "description": t(f"api.parameters.{name}")}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["data", "page", "per_page", "total", "pages",
                                           "next", "previous"],
            "properties": {"data": {"type": "array", "items": item},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "total": {"type": "integer"}, "pages": {"type": "integer"},
                           "next": {"type": ["string", "null"]},
                           "previous": {"type": ["string", "null"]}}}


def _responses(body: dict[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "200": {"description": t("api.openapi.ok"),
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": body}}},
        "304": {"description": t("api.openapi.not_modified")},
    }
    for status in ERRORS:
        answers[str(status)] = {"description": t(f"api.openapi.error_{status}"),
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}}
    return answers


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    item = schema(endpoint.fields)
    return {"get": {"operationId": endpoint.name, "summary": t(f"api.endpoints.{endpoint.name}"),
                    "parameters": [_parameter(name) for name in accepted(endpoint)],
                    "responses": _responses(_page(item) if endpoint.paginated else item)}}


def description() -> dict[str, Any]:
    """The whole description, in the current language."""
    paths = {endpoint.path: _operation(endpoint) for endpoint in ENDPOINTS}
    paths[OPENAPI_PATH] = {"get": {"operationId": "openapi",
                                   "summary": t("api.endpoints.openapi"), "parameters": [],
                                   "responses": _responses({"type": "object"})}}
    return {
        "openapi": "3.1.0",
        "info": {"title": t("api.openapi.title"), "version": __version__,
                 "description": t("api.openapi.description")},
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": t("api.openapi.token")}},
            "schemas": {"Error": schema({"error": {"status": "integer", "code": "string",
                                                   "message": "string",
                                                   "parameter": "string?"}})},
        },
    }
