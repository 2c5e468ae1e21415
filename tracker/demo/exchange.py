"""The demo's DHIS2 mapping: the Ministry of Health (the ministry that reports in DHIS2) as an
organisation unit, and every KPI as data elements (a ratio KPI by its numerator and
denominator), with invented but well-formed UIDs that stay the same from one run to the next."""

from __future__ import annotations

import hashlib

from tracker.core.models import Dhis2Mapping, MappingKind, MappingPart
from tracker.demo.base import Ctx

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DHIS2_STRUCTURES = ("MS",)


def demo_uid(key: str) -> str:
    """A DHIS2-shaped UID (a letter, then ten letters or digits) derived from ``key``."""
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest(), "big")
    chars = [ALPHABET[10 + number % 52]]
    number //= 52
    for _ in range(10):
        chars.append(ALPHABET[number % 62])
        number //= 62
    return "".join(chars)


def generate_dhis2_mapping(ctx: Ctx) -> None:
    for code in DHIS2_STRUCTURES:
        if code in ctx.by_code:
            ctx.session.add(Dhis2Mapping(kind=MappingKind.structure, code=code,
                                         part=MappingPart.value, uid=demo_uid(f"ou:{code}"),
                                         updated_by_id=ctx.admin_id))
    for kpi in ctx.kpis:
        parts = (MappingPart.numerator, MappingPart.denominator) if kpi.ratio \
            else (MappingPart.value,)
        for part in parts:
            ctx.session.add(Dhis2Mapping(kind=MappingKind.kpi, code=kpi.code, part=part,
                                         uid=demo_uid(f"de:{kpi.code}:{part.value}"),
                                         updated_by_id=ctx.admin_id))
