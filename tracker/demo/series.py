"""Plausible KPI series per structure: growth, seasonality, ratios and stocks, with the
structure's size and reliability."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.demo.base import COMPUTED_KPIS, Ind, Org, quarter_end, quarter_start

# --- KPI series --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """How a KPI's values evolve for one structure; ``base`` is for a structure of size 1."""

    shape: str  # stock | delta | flow | level | ratio | bool | allocation | ytd | progress | uptime
    base: float = 1.0
    growth: float = 0.0
    start: float = 0.0
    end: float = 0.0
    noise: float = 0.05
    source: str = ""  # the series this one derives from (a ratio's denominator, a delta's stock)
    digits: int = 0


_SPECS: dict[str, _Spec] = {
    "ESV_PUB": _Spec("stock", base=6, growth=0.5),
    "ESV_NEW": _Spec("delta", source="ESV_PUB"),
    "ESV_DEMAT": _Spec("ratio", source="ESV_PUB", start=0.3, end=0.65),
    "ESV_PORTAIL": _Spec("ratio", source="ESV_PUB", start=0.55, end=0.9),
    "ESV_DEM": _Spec("flow", base=4000, growth=0.25),
    "ESV_SLA": _Spec("ratio", source="ESV_DEM", start=0.72, end=0.9),
    "ESV_DELAI": _Spec("level", start=110, end=60, noise=0.15, digits=1),
    "ESV_SATIS": _Spec("ratio", base=400, start=0.62, end=0.8),
    "ESV_RECET": _Spec("flow", base=6e7, growth=0.2),
    "ESV_PAYNUM": _Spec("ratio", base=2500, start=0.45, end=0.85),
    "XRD_SS": _Spec("stock", base=1, growth=0.06),
    "XRD_SVC_PUB": _Spec("stock", base=3, growth=0.6),
    "XRD_SVC_CONS": _Spec("stock", base=4, growth=0.8),
    "XRD_REQ": _Spec("flow", base=60000, growth=0.5),
    "XRD_OK": _Spec("ratio", source="XRD_REQ", start=0.975, end=0.993, noise=0.005),
    "XRD_RT": _Spec("level", start=850, end=380, noise=0.12),
    "PKI_CERT": _Spec("stock", base=15, growth=6),
    "PKI_DOCS": _Spec("flow", base=800, growth=0.9),
    "CLD_HEB": _Spec("ratio", base=18, start=0.3, end=0.7),
    "NPI_INTEG": _Spec("stock", base=1, growth=0.2),
    "OPS_DISPO": _Spec("uptime", start=0.985, end=0.997, noise=0.004),
    "OPS_INC_P1": _Spec("flow", base=1.6, growth=-0.15, noise=0.35),
    "OPS_MTTR": _Spec("level", start=10, end=4.5, noise=0.2, digits=1),
    "OPS_BACKUP": _Spec("ratio", base=270, start=0.9, end=0.98, noise=0.02),
    "SEC_PSSIE": _Spec("level", start=35, end=78, noise=0.1),
    "SEC_VULN_CRIT": _Spec("level", start=9, end=2, noise=0.4),
    "SEC_MFA": _Spec("ratio", base=25, start=0.2, end=0.85),
    "SEC_SENSIB": _Spec("flow", base=60, growth=0.2),
    "SEC_RSSI": _Spec("bool"),
    "FRM_AGENTS": _Spec("flow", base=120, growth=0.15),
    "FRM_DSI": _Spec("flow", base=4, growth=0.1),
    "PRV_PART": _Spec("stock", base=3, growth=0.2),
    "BUD_ENG": _Spec("ytd", source="BUD_DOT"),
    "BUD_DOT": _Spec("allocation", base=9e8, growth=0.06),
    "PRJ_AVANC": _Spec("progress"),
    "GOV_CMSIC": _Spec("flow", base=0.5, noise=0.35),
    "OPD_JEUX": _Spec("stock", base=2, growth=0.25),
    "CIT_RECL": _Spec("ratio", base=60, start=0.65, end=0.85),
}


def spec_for(kpi: Ind) -> _Spec:
    """The KPI's own spec, or one inferred from its unit (the decade scale's invented KPIs)."""
    if kpi.code in _SPECS:
        return _SPECS[kpi.code]
    down = kpi.direction == "down"
    if kpi.ratio:
        return _Spec("ratio", base=100, start=0.4, end=0.8)
    if kpi.unit == "percent":
        return _Spec("level", start=40, end=75, noise=0.1, digits=1)
    if kpi.unit == "count":
        if down:
            return _Spec("level", start=10, end=3, noise=0.3)
        if kpi.agg_quarters == "last":
            return _Spec("stock", base=5, growth=0.5)
        return _Spec("flow", base=200, growth=0.1)
    if kpi.unit == "xof":
        return _Spec("flow", base=5e7, growth=0.1)
    if kpi.unit == "bool":
        return _Spec("bool")
    start, end = {"hours": (48.0, 24.0), "ms": (900.0, 400.0), "days": (30.0, 12.0)}.get(
        kpi.unit, (50.0, 40.0))
    return _Spec("level", start=start, end=end, noise=0.15, digits=1)


# A cell is (value, numerator, denominator); None where the series has nothing that quarter.
Cell = tuple[float | None, float | None, float | None]


def _round_half(rng: random.Random, x: float) -> int:
    """Stochastic rounding: keeps small mean increments (0.3 a quarter) alive."""
    whole = int(x)
    return whole + (1 if rng.random() < x - whole else 0)


def kpi_series(spec: _Spec, kpi: Ind, size: float, quarters: Sequence[tuple[int, int]],
            rng: random.Random, raw: dict[str, list[float]]) -> list[Cell | None]:
    n = len(quarters)
    span = max(n - 1, 1)
    out: list[Cell | None] = []
    values: list[float] = []
    # each structure sits a little above or below the common trend, within the KPI's spread
    offset = rng.uniform(-1.5, 1.5) * spec.noise
    if spec.shape == "stock":
        level = float(max(0, round(spec.base * size * rng.uniform(0.5, 1.5))))
        for _ in quarters:
            level += _round_half(rng, spec.growth * size * rng.uniform(0.0, 2.0))
            values.append(level)
    elif spec.shape == "delta":
        stock = raw.get(spec.source, [])
        for t in range(n):
            previous = stock[t - 1] if t else stock[0] - _round_half(rng, size * 0.5)
            values.append(float(max(0.0, stock[t] - previous)) if stock else 0.0)
    elif spec.shape == "flow":
        for t, _ in enumerate(quarters):
            trend = (1 + spec.growth) ** (t / 4)
            noise = rng.uniform(1 - 2 * spec.noise - 0.1, 1 + 2 * spec.noise + 0.1)
            values.append(float(max(0, round(spec.base * size * trend * noise))))
    elif spec.shape == "level":
        personal = rng.uniform(0.8, 1.2)
        for t, _ in enumerate(quarters):
            mean = spec.start + (spec.end - spec.start) * t / span
            value = max(0.0, mean * personal * rng.uniform(1 - spec.noise, 1 + spec.noise))
            if kpi.unit == "percent":
                value = min(100.0, value)
            values.append(round(value, spec.digits) if spec.digits else float(round(value)))
    elif spec.shape == "bool":
        adopted = -1 if rng.random() < 0.3 else rng.randint(0, n + 6)
        values = [1.0 if t >= adopted else 0.0 for t in range(n)]
    elif spec.shape == "allocation":
        by_year: dict[int, float] = {}
        first_year = quarters[0][0]
        for year, quarter in quarters:
            if year not in by_year:
                amount = spec.base * size * (1 + spec.growth) ** (year - first_year)
                by_year[year] = round(amount * rng.uniform(0.8, 1.25), -6)
            if quarter == 3 and rng.random() < 0.15:
                # a supplementary budget (collectif budgétaire) revises the year's allocation
                by_year[year] = round(by_year[year] * rng.uniform(1.03, 1.12), -6)
            values.append(by_year[year])
    elif spec.shape == "progress":
        ranges = {1: (12, 30), 2: (28, 50), 3: (45, 70), 4: (60, 92)}
        values = [float(rng.randint(*ranges[q])) for _, q in quarters]
    if spec.shape in {"ratio", "ytd", "uptime"}:
        return _ratio_series(spec, size, quarters, rng, raw, offset)
    raw[kpi.code] = values
    for value in values:
        out.append((value, None, None))
    return out


def _ratio_series(spec: _Spec, size: float, quarters: Sequence[tuple[int, int]],
                  rng: random.Random, raw: dict[str, list[float]],
                  offset: float) -> list[Cell | None]:
    n = len(quarters)
    span = max(n - 1, 1)
    out: list[Cell | None] = []
    ytd_bounds = {1: (0.05, 0.28), 2: (0.25, 0.52), 3: (0.48, 0.78), 4: (0.75, 0.98)}
    previous_share = 0.0
    for t, (year, quarter) in enumerate(quarters):
        if spec.shape == "ytd":
            den = raw.get(spec.source, [0.0] * n)[t]
            share = rng.uniform(*ytd_bounds[quarter])
            # year to date: never below the previous quarter of the same year
            share = max(share, previous_share) if quarter > 1 else share
            previous_share = share
        elif spec.shape == "uptime":
            days = (quarter_end(year, quarter) - quarter_start(year, quarter)).days + 1
            den = float(days * 24 * max(1, round(3 * size)))
            share = spec.start + (spec.end - spec.start) * t / span
            share += rng.uniform(-spec.noise, spec.noise / 4)
        else:
            if spec.source:
                den = raw.get(spec.source, [0.0] * n)[t]
            else:
                den = float(max(0, round(spec.base * size * rng.uniform(0.75, 1.25))))
            share = spec.start + (spec.end - spec.start) * t / span + offset
            share += rng.uniform(-spec.noise, spec.noise)
        if den < 1:
            out.append(None)  # 0/0 has no rate: nothing is reported
            continue
        num = float(min(den, max(0, round(den * min(1.0, max(0.0, share))))))
        out.append((100 * num / den, num, den))
    return out


SIZES = {"MEF": 3.0, "MS": 2.5, "MND": 2.0, "MISP": 1.6, "MTFP": 1.5, "MEMP": 1.4,
          "MESTFP": 1.3, "MESRS": 1.3, "MJL": 1.2, "MDGL": 1.1, "ASIN": 3.0, "SBIN": 2.0,
          "ANIP": 2.0, "PR": 1.2}
# Structures that reliably report on time, and the ones that often do not.
RELIABLE = ("MEF", "MND", "ASIN", "SBIN", "MS")
# The demo accounts log in as the DSI of MS (a draft to finish) and of MEF (awaiting review).
OPEN_QUARTER_STATUS = {"MS": "draft", "MEF": "submitted", "MTFP": "returned",
                        "MND": "validated"}
LAGGARDS = ("MSP", "MTCA", "MASM")


def kpi_profile(org: Org, kpis: Sequence[Ind], rng: random.Random) -> list[Ind]:
    """The KPIs a structure of that kind plausibly reports."""
    eligible = [k for k in kpis if k.code not in COMPUTED_KPIS]
    if org.code.startswith("DEMO"):
        return eligible  # invented structures exist to fill the decade scale's volume
    if org.kind == "ministere":
        full = org.code in ("MS", "MEF")
        return [k for k in eligible if full or rng.random() > 0.08]
    if org.kind in ("agence", "operateur"):
        return [k for k in eligible if k.code != "GOV_CMSIC" and (
            k.group in ("securite", "exploitation", "formation")
            or k.code in ("BUD_ENG", "BUD_DOT", "PRJ_AVANC")
            or (bool(k.platform) and (org.code == "ASIN" or rng.random() < 0.5)))]
    return [k for k in eligible if k.code != "GOV_CMSIC" and (
        k.group in ("securite", "exploitation", "formation", "gouvernance")
        or (k.group == "e-services" and rng.random() < 0.4))]
