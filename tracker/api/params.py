"""The query parameters of the API: what each one accepts, and their checking (a refusal names
the parameter and what it accepts: HTTP 422)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from tracker.api.endpoints import DEFAULT_PER_PAGE, MAX_PER_PAGE, Endpoint, Query
from tracker.core import repository as repo
from tracker.core.i18n import t
from tracker.core.models import ActionStatus

MIN_YEAR, MAX_YEAR = 2000, 2100
TRUE, FALSE = ("true", "1", "oui", "yes"), ("false", "0", "non", "no")
PAGING = ("page", "per_page")


class ApiError(Exception):
    """A call refused with an HTTP status, a short code and a sentence for the caller."""

    def __init__(self, status: int, code: str, message: str, *,
                 headers: dict[str, str] | None = None, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.parameter = parameter


@dataclass(frozen=True)
class Parameter:
    """One query parameter: its JSON type, bounds or allowed values, and its default."""

    name: str
    kind: str  # integer, string, boolean
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None


PARAMETERS: dict[str, Parameter] = {p.name: p for p in (
    Parameter("year", "integer", MIN_YEAR, MAX_YEAR),
    Parameter("quarter", "integer", 1, 4),
    Parameter("structure", "string"),
    Parameter("kpi", "string"),
    Parameter("include_drafts", "boolean", default=False),
    Parameter("status", "string", choices=tuple(s.value for s in ActionStatus)),
    Parameter("overdue", "boolean"),
    Parameter("page", "integer", 1, None, default=1),
    Parameter("per_page", "integer", 1, MAX_PER_PAGE, default=DEFAULT_PER_PAGE),
)}


def accepted(endpoint: Endpoint) -> tuple[str, ...]:
    """The parameters an endpoint takes: its filters, and the page for a list."""
    return (*endpoint.filters, *(PAGING if endpoint.paginated else ()))


def _invalid(name: str, message: str) -> ApiError:
    return ApiError(422, "invalid_parameter", message, parameter=name)


def _integer(spec: Parameter, raw: str) -> int:
    text = raw.strip()
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise _invalid(spec.name, t("api.not_a_whole_number", name=spec.name, value=raw[:40]))
    number = int(text)
    if (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum):
        bounds = (t("api.between", low=spec.minimum, high=spec.maximum)
                  if spec.maximum is not None else t("api.at_least", low=spec.minimum))
        raise _invalid(spec.name, t("api.out_of_range", name=spec.name, value=number,
                                    bounds=bounds))
    return number


def _boolean(spec: Parameter, raw: str) -> bool:
    text = raw.strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise _invalid(spec.name, t("api.not_a_boolean", name=spec.name, value=raw[:40]))


def parse_query(session: Session, endpoint: Endpoint,
                pairs: Sequence[tuple[str, str]]) -> Query:
    """The call's parameters checked against what ``endpoint`` takes: an unknown or repeated
    parameter, a value of the wrong kind or out of range, an unknown structure or KPI code are
    refused (422) before anything is read."""
    allowed = accepted(endpoint)
    seen: dict[str, str] = {}
    for name, raw in pairs:
        if name not in allowed:
            raise _invalid(name, t("api.unknown_parameter", name=name[:40],
                                   allowed=", ".join(allowed) or "—"))
        if name in seen:
            raise _invalid(name, t("api.repeated_parameter", name=name))
        seen[name] = raw
    values: dict[str, Any] = {}
    for name, raw in seen.items():
        spec = PARAMETERS[name]
        if spec.kind == "integer":
            values[name] = _integer(spec, raw)
        elif spec.kind == "boolean":
            values[name] = _boolean(spec, raw)
        elif spec.choices and raw not in spec.choices:
            raise _invalid(name, t("api.not_a_choice", name=name, value=raw[:40],
                                   choices=", ".join(spec.choices)))
        else:
            values[name] = raw.strip()
    if "structure" in values:
        structure = repo.get_structure_by_code(session, values.pop("structure").upper())
        if structure is None:
            raise _invalid("structure", t("api.unknown_structure", value=seen["structure"][:40]))
        values["structure_id"] = structure.id
    if "kpi" in values:
        kpi = repo.get_kpi_by_code(session, values.pop("kpi").upper())
        if kpi is None:
            raise _invalid("kpi", t("api.unknown_kpi", value=seen["kpi"][:40]))
        values["kpi_id"] = kpi.id
    return Query(**values)
