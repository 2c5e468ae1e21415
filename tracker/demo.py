"""The demo data set: generated from a fixed seed, relative to ``today``; all people invented."""

from __future__ import annotations

import random
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlmodel import Session, SQLModel, col

from tracker.conferences import group_reference
from tracker.formats import ordinal_fr
from tracker.i18n import t as tr
from tracker.models import (
    TOPIC_TAGS,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conference,
    ConferenceStatus,
    Decision,
    DueKind,
    Initiative,
    InitiativeKpi,
    InitiativePartner,
    InitiativeStatus,
    Kpi,
    Milestone,
    Minutes,
    Pillar,
    Priority,
    Recommendation,
    Result,
    ResultSource,
    Structure,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
    User,
)
from tracker.progress import step

SEED = "cdsi-demo-2025"
DEMO_NOTICE = "(Données de démonstration : personnes et contenus fictifs.)"
SCALES = ("default", "decade")
ALL = "*"  # "Tous les ministères": expanded to one row per ministry in force

# Africa/Porto-Novo is UTC+1 all year (no daylight saving).
_LOCAL = timezone(timedelta(hours=1))
_CHUNK = 5000
# Computed by the product from the action items and the attendance it records.
_COMPUTED_KPIS = ("CDSI_RECO", "CDSI_PRES")
_OPEN = (ActionStatus.not_started, ActionStatus.in_progress, ActionStatus.partial,
         ActionStatus.blocked)


@dataclass
class DemoSummary:
    """Rows added per table by ``generate_demo``."""

    structures: int = 0
    kpis: int = 0
    submission_windows: int = 0
    submissions: int = 0
    results: int = 0
    targets: int = 0
    conferences: int = 0
    agenda_items: int = 0
    attendances: int = 0
    minutes: int = 0
    decisions: int = 0
    recommendations: int = 0
    action_items: int = 0
    pillars: int = 0
    initiatives: int = 0
    initiative_partners: int = 0
    initiative_kpis: int = 0
    milestones: int = 0

    def total(self) -> int:
        """All rows added."""
        return sum(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class _Plan:
    """How big the data set is; the generator is the same at every scale."""

    quarters: int | None  # None: from T1 three years before today's year
    extra_structures: int
    extra_kpis: int
    sessions_per_year: tuple[int, int]
    anchor: tuple[int, int] | None  # (year, cumulative number of that year's 1st session)
    actions_per_session: tuple[int, int]
    group_action_chance: float
    recommendations_per_session: tuple[int, int]
    group_recommendation_chance: float
    gap_rate: float
    outlier_rate: float


_PLANS = {
    "default": _Plan(quarters=None, extra_structures=0, extra_kpis=0, sessions_per_year=(3, 4),
                     anchor=(2025, 17), actions_per_session=(6, 8), group_action_chance=0.2,
                     recommendations_per_session=(2, 3), group_recommendation_chance=0.25,
                     gap_rate=0.07, outlier_rate=0.0015),
    "decade": _Plan(quarters=40, extra_structures=50, extra_kpis=15, sessions_per_year=(40, 40),
                    anchor=None, actions_per_session=(27, 31), group_action_chance=0.7,
                    recommendations_per_session=(3, 5), group_recommendation_chance=0.2,
                    gap_rate=0.03, outlier_rate=0.001),
}


# --- plain snapshots of the reference rows --------------------------------------------------


@dataclass(frozen=True)
class _Org:
    id: int
    code: str
    name_fr: str
    kind: str
    valid_from: date | None
    valid_to: date | None

    def in_force(self, on: date) -> bool:
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_to and on > self.valid_to)


@dataclass(frozen=True)
class _Ind:
    id: int
    code: str
    group: str
    unit: str
    direction: str
    agg_quarters: str
    ratio: bool
    indicative_target: str
    platform: str


@dataclass
class _Ctx:
    session: Session
    today: date
    plan: _Plan
    admin_id: int | None
    orgs: list[_Org]
    by_code: dict[str, _Org]
    kpis: list[_Ind]
    kpi_by_code: dict[str, _Ind]
    quarters: list[tuple[int, int]]
    # Nothing happens on "today" itself: the demo's last recorded event is yesterday evening.
    limit: datetime
    summary: DemoSummary = field(default_factory=DemoSummary)

    def ministries(self, on: date) -> list[_Org]:
        return [o for o in self.orgs if o.kind == "ministere" and o.in_force(on)]


# --- dates -------------------------------------------------------------------------------------


def _stamp(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Porto-Novo) time of day as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=_LOCAL).astimezone(UTC)


def _moment(rng: random.Random, first: date, last: date) -> datetime:
    span = (last - first).days
    day = first + timedelta(days=rng.randint(0, span)) if span > 0 else first
    return _stamp(day, rng.randint(8, 17), rng.choice((0, 5, 15, 20, 30, 40, 45, 55)))


def _quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def _quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def last_finished_quarter(today: date) -> tuple[int, int]:
    """The latest quarter whose end is before ``today``: its submission window is the open one."""
    current = (today.month - 1) // 3 + 1
    return (today.year, current - 1) if current > 1 else (today.year - 1, 4)


def _quarters(today: date, count: int | None) -> list[tuple[int, int]]:
    year, quarter = last_finished_quarter(today)
    if count is None:
        count = (year - (today.year - 3)) * 4 + quarter
    out: list[tuple[int, int]] = []
    for _ in range(count):
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out[::-1]


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _long_date(day: date, weekday: bool = False) -> str:
    text = f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def _due_text(due_kind: str, due: date | None) -> str:
    if due_kind == DueKind.recurring:
        return "Permanent"
    if due_kind == DueKind.next_session:
        return "avant la prochaine session"
    if due is None:
        return ""
    quarter = (due.month - 1) // 3 + 1
    if due == _quarter_end(due.year, quarter):
        return f"fin T{quarter} {due.year}"
    return due.strftime("%d/%m/%Y")


# --- people (all invented) ---------------------------------------------------------------------

_FIRST_NAMES = (
    ("Aïcha", "f"), ("Koffi", "m"), ("Romaric", "m"), ("Estelle", "f"), ("Gildas", "m"),
    ("Nadège", "f"), ("Sandrine", "f"), ("Rodrigue", "m"), ("Chimène", "f"), ("Bertin", "m"),
    ("Fulbert", "m"), ("Prudence", "f"), ("Edwige", "f"), ("Ulrich", "m"), ("Carine", "f"),
    ("Florent", "m"), ("Gisèle", "f"), ("Hugues", "m"), ("Inès", "f"), ("Jocelyn", "m"),
    ("Laetitia", "f"), ("Modeste", "m"), ("Nafissatou", "f"), ("Pacôme", "m"),
    ("Rachidatou", "f"), ("Serge", "m"), ("Tatiana", "f"), ("Victorin", "m"), ("Yasmine", "f"),
    ("Wilfried", "m"), ("Afiavi", "f"), ("Mawuli", "m"), ("Sènami", "f"), ("Sètondji", "m"),
    ("Bignon", "f"), ("Codjo", "m"), ("Fifamè", "f"), ("Euloge", "m"), ("Clarisse", "f"),
    ("Parfait", "m"), ("Reine", "f"), ("Crépin", "m"), ("Flora", "f"), ("Dieudonné", "m"),
)
_LAST_NAMES = (
    "DOSSOU", "AGBANGLA", "HOUNKPÈ", "ADJOVI", "KPOSSOU", "GBAGUIDI", "AHOUANSOU", "HOUNSOU",
    "DEGBEY", "TOSSOU", "AKPLOGAN", "SOSSA", "AGOSSOU", "KPADONOU", "ASSOGBA", "FANOU",
    "GANDONOU", "HOUESSOU", "KOUTON", "LOKO", "MÈDÉHOU", "SAGBO", "TCHIBOZO", "VIGAN", "ZANNOU",
    "AGBODJAN", "DJOSSOU", "AKAKPO", "ALOMÈ", "BOCOVO", "DANSOU", "EDAH", "HOUÉNOU",
    "OGOUBIYI", "SINZOGAN", "TOKPANOU", "YÉHOUÉNOU", "ZOSSOU", "AVOCÈ", "GOUDJO",
)
_DELEGATE_ROLES = ("RSSI", "Chef du service informatique", "Chargé d'études à la DSI",
                   "Chef service études et développement")


@dataclass(frozen=True)
class _Person:
    name: str
    role: str


def _people(orgs: Sequence[_Org]) -> dict[str, _Person]:
    """One invented DSI per structure (seeded by its code, so the same person at every scale)."""
    taken: set[str] = set()
    out: dict[str, _Person] = {}
    for org in sorted(orgs, key=lambda o: o.code):
        rng = random.Random(f"{SEED}:person:{org.code}")
        while True:
            first, gender = rng.choice(_FIRST_NAMES)
            name = f"{first} {rng.choice(_LAST_NAMES)}"
            if name not in taken:
                break
        taken.add(name)
        if org.code == "ASIN":
            role = "Chef pôle SID"
        elif org.kind == "ministere":
            role = ("Directrice" if gender == "f" else "Directeur") + " des systèmes d'information"
        else:
            role = ("Directrice" if gender == "f" else "Directeur") + " technique"
        out[org.code] = _Person(name, role)
    return out


def _stranger(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)[0]} {rng.choice(_LAST_NAMES)}"


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


def _spec_for(kpi: _Ind) -> _Spec:
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
_Cell = tuple[float | None, float | None, float | None]


def _round_half(rng: random.Random, x: float) -> int:
    """Stochastic rounding: keeps small mean increments (0.3 a quarter) alive."""
    whole = int(x)
    return whole + (1 if rng.random() < x - whole else 0)


def _series(spec: _Spec, kpi: _Ind, size: float, quarters: Sequence[tuple[int, int]],
            rng: random.Random, raw: dict[str, list[float]]) -> list[_Cell | None]:
    n = len(quarters)
    span = max(n - 1, 1)
    out: list[_Cell | None] = []
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
                  offset: float) -> list[_Cell | None]:
    n = len(quarters)
    span = max(n - 1, 1)
    out: list[_Cell | None] = []
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
            days = (_quarter_end(year, quarter) - _quarter_start(year, quarter)).days + 1
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


_SIZES = {"MEF": 3.0, "MS": 2.5, "MND": 2.0, "MISP": 1.6, "MTFP": 1.5, "MEMP": 1.4,
          "MESTFP": 1.3, "MESRS": 1.3, "MJL": 1.2, "MDGL": 1.1, "ASIN": 3.0, "SBIN": 2.0,
          "ANIP": 2.0, "PR": 1.2}
# Structures that reliably report on time, and the ones that often do not.
_RELIABLE = ("MEF", "MND", "ASIN", "SBIN", "MS")
# The demo accounts log in as the DSI of MS (a draft to finish) and of MEF (awaiting review).
_OPEN_QUARTER_STATUS = {"MS": "draft", "MEF": "submitted", "MTFP": "returned",
                        "MND": "validated"}
_LAGGARDS = ("MSP", "MTCA", "MASM")


def _profile(org: _Org, kpis: Sequence[_Ind], rng: random.Random) -> list[_Ind]:
    """The KPIs a structure of that kind plausibly reports."""
    eligible = [k for k in kpis if k.code not in _COMPUTED_KPIS]
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


# --- results and submissions --------------------------------------------------------------------

_RESULT_COMMENTS = (
    "Valeur provisoire, à confirmer au prochain trimestre.",
    "Hausse liée à la campagne de sensibilisation du trimestre.",
    "Baisse due à la maintenance du centre de données.",
    "Donnée issue du rapport d'activité trimestriel de la DSI.",
    "Périmètre élargi aux directions départementales.",
)
_RETURN_REASONS = (
    "dénominateur manquant pour un indicateur de ratio",
    "taux d'exécution budgétaire incohérent avec la dotation",
    "nombre d'e-services en baisse sans explication",
    "pièce justificative manquante",
)


def _window_rows(ctx: _Ctx) -> dict[tuple[int, int], tuple[date, date]]:
    rng = random.Random(f"{SEED}:windows")
    windows: dict[tuple[int, int], tuple[date, date]] = {}
    rows: list[dict[str, Any]] = []
    for year, quarter in ctx.quarters:
        opens = _quarter_end(year, quarter) + timedelta(days=1)
        closes = opens + timedelta(days=rng.randint(35, 42))
        if (year, quarter) == ctx.quarters[-1]:
            closes = max(closes, ctx.today + timedelta(days=rng.randint(10, 14)))
        windows[(year, quarter)] = (opens, closes)
        rows.append({"year": year, "quarter": quarter, "opens_on": opens, "closes_on": closes,
                     "updated_at": _stamp(opens, 8), "updated_by_id": ctx.admin_id,
                     "version": 1})
    ctx.summary.submission_windows = _insert(ctx.session, SubmissionWindow, rows)
    return windows


def _submission(ctx: _Ctx, rng: random.Random, org: _Org, period: tuple[int, int],
                window: tuple[date, date], is_open: bool) -> dict[str, Any] | None:
    """A structure's submission for a quarter, or None when it never reported."""
    opens, closes = window
    limit = ctx.limit
    status: str
    if is_open:
        status = _OPEN_QUARTER_STATUS.get(org.code) or rng.choices(
            ("validated", "submitted", "returned", "draft", "none"), (20, 25, 5, 22, 28))[0]
        if status == "none":
            return None
        last = ctx.today - timedelta(days=1)
        submitted = reviewed = None
        comment = ""
        if status == SubmissionStatus.draft:
            updated = min(_moment(rng, max(opens, last - timedelta(days=12)), last), limit)
        else:
            submitted = min(_moment(rng, opens + timedelta(days=2), last - timedelta(days=3)),
                            limit)
            updated = submitted
            if status in (SubmissionStatus.validated, SubmissionStatus.returned):
                reviewed = min(submitted + timedelta(days=rng.randint(1, 5), hours=2), limit)
                updated = reviewed
            if status == SubmissionStatus.returned:
                comment = f"Renvoyée pour correction : {rng.choice(_RETURN_REASONS)}."
        reopened = False
    else:
        reliability = 0.0 if org.code in _RELIABLE else (0.6 if org.code in _LAGGARDS else 0.2)
        if rng.random() < 0.02 + 0.2 * reliability:
            return None
        late = rng.random() < 0.05 + 0.3 * reliability
        if late:
            submitted = _moment(rng, closes + timedelta(days=1), closes + timedelta(days=30))
        else:
            submitted = _moment(rng, opens + timedelta(days=3), closes - timedelta(days=1))
        status = SubmissionStatus.validated
        comment = ""
        if rng.random() < 0.07:
            returned_at = submitted + timedelta(days=rng.randint(2, 6))
            submitted = returned_at + timedelta(days=rng.randint(2, 8), hours=3)
            comment = (f"Renvoyée le {returned_at.astimezone(_LOCAL):%d/%m/%Y} : "
                       f"{rng.choice(_RETURN_REASONS)} ; validée après correction.")
        submitted = min(submitted, limit)
        reviewed = min(submitted + timedelta(days=rng.randint(1, 10), hours=1), limit)
        updated = reviewed
        # after the window closes, entry needs ASIN to reopen it for that structure
        reopened = submitted.date() > closes
    year, quarter = period
    return {"structure_id": org.id, "year": year, "quarter": quarter, "status": str(status),
            "deadline": closes, "reopened": reopened, "submitted_at": submitted,
            "submitted_by_id": None, "reviewed_at": reviewed,
            "reviewer_id": ctx.admin_id if reviewed else None, "review_comment": comment,
            "updated_at": updated, "updated_by_id": None, "version": 1}


def _results_and_submissions(ctx: _Ctx, windows: dict[tuple[int, int], tuple[date, date]]) -> None:
    specs = {k.code: _spec_for(k) for k in ctx.kpis}
    first_pass = [k for k in ctx.kpis if not specs[k.code].source]
    second_pass = [k for k in ctx.kpis if specs[k.code].source]
    open_period = ctx.quarters[-1]
    submissions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for org in ctx.orgs:
        rng = random.Random(f"{SEED}:results:{org.code}")
        size = _SIZES.get(org.code) or round(rng.uniform(0.5, 1.3), 2)
        profile = _profile(org, ctx.kpis, rng)
        raw: dict[str, list[float]] = {}
        series: dict[str, list[_Cell | None]] = {}
        for kpi in first_pass + second_pass:
            series[kpi.code] = _series(specs[kpi.code], kpi, size, ctx.quarters, rng, raw)
        for t, period in enumerate(ctx.quarters):
            if not org.in_force(_quarter_end(*period)):
                continue
            is_open = period == open_period
            sub = _submission(ctx, rng, org, period, windows[period], is_open)
            if sub is None:
                continue
            submissions.append(sub)
            draft = sub["status"] == SubmissionStatus.draft
            filled = [k for k in profile
                      if rng.random() >= (0.4 if draft else ctx.plan.gap_rate)]
            if draft and len(filled) in (0, len(profile)) and len(profile) > 1:
                filled = profile[: len(profile) // 2]  # a draft is half-entered by definition
            opens = windows[period][0]
            done_at: datetime = sub["submitted_at"] or sub["updated_at"]
            for kpi in filled:
                cell = series[kpi.code][t]
                if cell is None:
                    continue
                value, num, den = cell
                # Stored as an entry would store it: a ratio KPI by its parts only (its rate is
                # always recomputed from sums), any other KPI by its value only.
                value, num, den = (None, num, den) if kpi.ratio else (value, None, None)
                if (value and not kpi.ratio and kpi.unit not in ("percent", "bool")
                        and rng.random() < ctx.plan.outlier_rate):
                    value = value * 5  # a typing slip that got through: a ×5 jump
                comment = rng.choice(_RESULT_COMMENTS) if rng.random() < 0.02 else ""
                evidence = (f"https://preuves.demo.invalid/{org.code}/{period[0]}-T{period[1]}"
                            f"/{kpi.code}.pdf" if rng.random() < 0.03 else "")
                updated = max(_stamp(opens, 8), done_at - timedelta(hours=rng.randint(1, 72)))
                results.append({
                    "structure_id": org.id, "kpi_id": kpi.id, "year": period[0],
                    "quarter": period[1], "value": value, "numerator": num, "denominator": den,
                    "comment": comment, "evidence_url": evidence, "source": str(ResultSource.demo),
                    "status": sub["status"], "updated_at": updated, "updated_by_id": None,
                    "version": 1})
    ctx.summary.submissions = _insert(ctx.session, Submission, submissions)
    ctx.summary.results = _insert(ctx.session, Result, results)


# --- targets -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?:>=|<=|>|<|=)?\s*(\d+(?:\.\d+)?)")
_QUARTER_TARGET = re.compile(r"t([1-4])\s*>=\s*(\d+(?:\.\d+)?)")
_PER_YEAR = re.compile(r"(\d+) par an")
# (structure, KPI, target) for the last two years: a few structures get their own ambition.
_STRUCTURE_TARGETS = (
    ("MS", "ESV_DEMAT", 50.0), ("MS", "CLD_HEB", 60.0), ("MS", "SEC_MFA", 80.0),
    ("MEF", "ESV_PAYNUM", 95.0), ("MEF", "XRD_SVC_PUB", 12.0), ("ASIN", "XRD_OK", 99.5),
    ("SBIN", "OPS_DISPO", 99.9), ("MND", "ESV_PORTAIL", 95.0), ("MTFP", "FRM_AGENTS", 1500.0),
)


def target_values(kpi_agg_quarters: str, indicative: str) -> dict[int, float]:
    """The numeric targets in an indicative target: {0: yearly} or {quarter: value}."""
    text = indicative.strip().lower().replace(",", ".")
    if text in ("oui", "yes"):
        return {0: 1.0}
    match = _NUMBER.fullmatch(text)
    if match:
        return {0: float(match.group(1))}
    quarterly = _QUARTER_TARGET.findall(text)
    if quarterly and _QUARTER_TARGET.sub("", text).strip() == "":
        return {int(q): float(v) for q, v in quarterly}
    yearly = _PER_YEAR.fullmatch(text)
    if yearly and kpi_agg_quarters == "sum":
        return {0: float(yearly.group(1))}
    return {}


def _targets(ctx: _Ctx) -> None:
    years = sorted({year for year, _ in ctx.quarters})
    rows: list[dict[str, Any]] = []
    for year in years:
        stamp = _stamp(date(year, 1, 15), 10)
        for kpi in ctx.kpis:
            for quarter, value in target_values(kpi.agg_quarters, kpi.indicative_target).items():
                rows.append({"kpi_id": kpi.id, "year": year, "structure_id": None,
                             "quarter": quarter, "value": value, "updated_at": stamp,
                             "updated_by_id": ctx.admin_id, "version": 1})
    for year in years[-2:]:
        for code, kpi_code, value in _STRUCTURE_TARGETS:
            org, measured = ctx.by_code.get(code), ctx.kpi_by_code.get(kpi_code)
            if org and measured:
                rows.append({"kpi_id": measured.id, "year": year, "structure_id": org.id,
                             "quarter": 0, "value": value,
                             "updated_at": _stamp(date(year, 1, 20), 10),
                             "updated_by_id": ctx.admin_id, "version": 1})
    ctx.summary.targets = _insert(ctx.session, Target, rows)


# --- roadmap -------------------------------------------------------------------------------------

PILLARS = (
    ("Accélération des e-services", "Accelerating e-services"),
    ("Formation des ressources humaines de l'administration",
     "Training public administration staff"),
    ("Implication du secteur privé", "Involving the private sector"),
    ("Pérennisation de l'innovation", "Sustaining innovation"),
)


@dataclass(frozen=True)
class _InitiativeTemplate:
    pillar: int
    title: str
    owner: str
    partners: tuple[str, ...]
    kpis: tuple[str, ...]
    always: bool = False


_INITIATIVES = (
    _InitiativeTemplate(1, "Raccordement des régies financières au bus X-Road", "MEF", ("ASIN",),
                        ("XRD_SVC_PUB", "XRD_REQ"), always=True),
    _InitiativeTemplate(1, "Dossier patient informatisé dans les hôpitaux de zone", "MS",
                        ("ASIN", "SBIN"), ("ESV_PUB", "ESV_DEMAT"), always=True),
    _InitiativeTemplate(1, "Mise en ligne des e-services prioritaires sur service-public.bj",
                        "ASIN", ("MND", "MTFP"), ("ESV_PUB", "ESV_NEW", "ESV_PORTAIL")),
    _InitiativeTemplate(1, "Paiement en ligne généralisé des frais administratifs", "MEF",
                        ("ASIN", "ARCEP"), ("ESV_PAYNUM", "ESV_RECET")),
    _InitiativeTemplate(1, "Signature électronique des actes administratifs", "ASIN",
                        ("MJL", "MEF"), ("PKI_CERT", "PKI_DOCS")),
    _InitiativeTemplate(1, "Intégration du NPI dans les systèmes sectoriels", "ANIP",
                        ("MISP", "MS"), ("NPI_INTEG",)),
    _InitiativeTemplate(1, "Dématérialisation des procédures de la fonction publique", "MTFP",
                        ("ASIN",), ("ESV_DEMAT", "ESV_SLA")),
    _InitiativeTemplate(2, "Formation des agents de santé aux outils numériques", "MS", ("ASIN",),
                        ("FRM_AGENTS",), always=True),
    _InitiativeTemplate(2, "Formation des agents aux outils collaboratifs et aux e-services",
                        "MTFP", ("ASIN", "MND"), ("FRM_AGENTS",)),
    _InitiativeTemplate(2, "Certification des personnels des DSI (sécurité, cloud, "
                        "interopérabilité)", "ASIN", ("SBIN",), ("FRM_DSI",)),
    _InitiativeTemplate(2, "Sensibilisation des agents à la cybersécurité", "BJCSIRT",
                        ("ASIN",), ("SEC_SENSIB",)),
    _InitiativeTemplate(2, "Académie numérique des finances publiques", "MEF", ("MTFP",),
                        ("FRM_AGENTS", "FRM_DSI")),
    _InitiativeTemplate(3, "Mobilisation des prestataires locaux pour les e-services", "ASIN",
                        ("MIC", "MPMEPE"), ("PRV_PART",)),
    _InitiativeTemplate(3, "Partenariat avec les opérateurs de paiement mobile", "MEF",
                        ("ARCEP", "ASIN"), ("ESV_PAYNUM",), always=True),
    _InitiativeTemplate(3, "Stages en entreprise pour les agents des DSI", "MPMEPE", ("MTFP",),
                        ("FRM_DSI",)),
    _InitiativeTemplate(3, "Ouverture des données publiques aux jeunes entreprises", "ASIN",
                        ("APDP", "MND"), ("OPD_JEUX",)),
    _InitiativeTemplate(3, "Maintenance des équipements informatiques de santé par des PME "
                        "locales", "MS", ("MIC",), ("PRV_PART",)),
    _InitiativeTemplate(4, "Hébergement des applications critiques au centre de données "
                        "national", "SBIN", ("MS", "MEF"), ("CLD_HEB", "OPS_DISPO"), always=True),
    _InitiativeTemplate(4, "Passage en production de la PKI nationale", "ASIN", ("MEF", "MJL"),
                        ("PKI_CERT",)),
    _InitiativeTemplate(4, "Secrétariat permanent de la conférence des DSI", "ASIN", ("MND",),
                        ("CDSI_RECO", "CDSI_PRES")),
    _InitiativeTemplate(4, "Conformité de toutes les DSI à la PSSIE", "BJCSIRT", ("ASIN",),
                        ("SEC_PSSIE", "SEC_MFA", "SEC_RSSI")),
    _InitiativeTemplate(4, "Schéma directeur des SI du secteur de la santé", "MS",
                        ("ASIN", "MEF"), ("PRJ_AVANC",)),
    _InitiativeTemplate(4, "Plan de continuité des systèmes financiers de l'État", "MEF",
                        ("SBIN",), ("OPS_DISPO", "OPS_BACKUP")),
)
_PHASES = ("Cadrage et désignation de l'équipe projet", "Validation du cahier des charges",
           "Recrutement du prestataire", "Déploiement pilote", "Formation des utilisateurs",
           "Généralisation", "Bilan et transfert en exploitation")
_FALLBACK_OWNERS = ("ASIN", "MND", "SBIN", "PR")


def _owner_in_force(ctx: _Ctx, code: str, on: date) -> _Org | None:
    for candidate in (code, *_FALLBACK_OWNERS):
        org = ctx.by_code.get(candidate)
        if org and org.in_force(on):
            return org
    return None


def _milestones(ctx: _Ctx, rng: random.Random, year: int, start_q: int,
                end_q: int) -> list[dict[str, Any]]:
    first, last = _quarter_start(year, start_q), _quarter_end(year, end_q)
    count = rng.randint(2, 4)
    phases = sorted(rng.sample(range(len(_PHASES)), count))
    span = (last - first).days
    offsets = sorted(rng.sample(range(10, span + 1), count))
    out = []
    for phase, offset in zip(phases, offsets, strict=True):
        due = first + timedelta(days=offset)
        done_on: date | None = None
        if due < ctx.today:
            if rng.random() < (0.93 if year < ctx.today.year else 0.8):
                done_on = min(due + timedelta(days=rng.randint(-20, 25)),
                              ctx.today - timedelta(days=1))
        elif rng.random() < 0.1 and due - timedelta(days=15) < ctx.today:
            done_on = ctx.today - timedelta(days=rng.randint(1, 10))
        if done_on is not None:
            done_on = max(done_on, first)
        stamp = _stamp(done_on or min(due, ctx.today - timedelta(days=1)), 11)
        out.append({"title": _PHASES[phase], "due_date": due, "done_on": done_on,
                    "weight": 2.0 if _PHASES[phase] == "Généralisation" else 1.0,
                    "updated_at": stamp, "updated_by_id": ctx.admin_id, "version": 1})
    return out


def _initiative_status(milestones: Sequence[dict[str, Any]], today: date) -> str:
    if all(m["done_on"] for m in milestones):
        return InitiativeStatus.done
    overdue = sum(1 for m in milestones if not m["done_on"] and m["due_date"] < today)
    if overdue >= 2:
        return InitiativeStatus.off_track
    return InitiativeStatus.at_risk if overdue == 1 else InitiativeStatus.on_track


def _roadmap(ctx: _Ctx, years: Sequence[int]) -> dict[int, dict[int, list[int]]]:
    """Pillars, initiatives and milestones per year; returns initiative ids by year and pillar."""
    rng = random.Random(f"{SEED}:roadmap")
    by_year: dict[int, dict[int, list[int]]] = {}
    previous: dict[str, tuple[int, str]] = {}
    for year in years:
        mid_year = date(year, 7, 1)
        pillar_rows = [{"year": year, "position": i + 1, "title_fr": fr, "title_en": en,
                        "updated_at": _stamp(date(year - 1, 12, 15), 10),
                        "updated_by_id": ctx.admin_id, "version": 1}
                       for i, (fr, en) in enumerate(PILLARS)]
        pillar_ids = _insert_ids(ctx.session, Pillar, pillar_rows)
        ctx.summary.pillars += len(pillar_ids)
        initiatives: list[dict[str, Any]] = []
        extras: list[tuple[_InitiativeTemplate, list[dict[str, Any]]]] = []
        for position, pillar_id in enumerate(pillar_ids, start=1):
            bank = [t for t in _INITIATIVES if t.pillar == position]
            carried = [t for t in bank if t.title in previous
                       and previous[t.title][1] != InitiativeStatus.done]
            chosen = [t for t in bank if t.always or t in carried]
            others = [t for t in bank if t not in chosen]
            wanted = rng.randint(3, 5)
            chosen += rng.sample(others, max(0, min(len(others), wanted - len(chosen))))
            for template in [t for t in bank if t in chosen]:
                owner = _owner_in_force(ctx, template.owner, mid_year)
                start_q = rng.choice((1, 1, 1, 2, 3))
                end_q = rng.choice((*range(start_q, 5), 4, 4))
                milestones = _milestones(ctx, rng, year, start_q, end_q)
                status = (InitiativeStatus.on_track if year > ctx.today.year
                          else _initiative_status(milestones, ctx.today))
                copied = previous.get(template.title)
                initiatives.append({
                    "pillar_id": pillar_id, "title": template.title,
                    "owner_structure_id": owner.id if owner else None,
                    "start_quarter": start_q, "end_quarter": end_q, "status": str(status),
                    "status_override": False, "override_reason": "",
                    "weight": rng.choice((1.0, 1.0, 1.5, 2.0)),
                    "copied_from_id": copied[0] if copied else None,
                    "updated_at": max(m["updated_at"] for m in milestones),
                    "updated_by_id": ctx.admin_id, "version": 1})
                extras.append((template, milestones))
        ids = _insert_ids(ctx.session, Initiative, initiatives)
        ctx.summary.initiatives += len(ids)
        partners: list[dict[str, Any]] = []
        measures: list[dict[str, Any]] = []
        milestone_rows: list[dict[str, Any]] = []
        by_year[year] = {p: [] for p in range(1, 5)}
        previous = {}
        for initiative_id, row, (template, milestones) in zip(ids, initiatives, extras,
                                                               strict=True):
            by_year[year][template.pillar].append(initiative_id)
            previous[template.title] = (initiative_id, row["status"])
            for code in template.partners:
                partner = ctx.by_code.get(code)
                if partner and partner.in_force(mid_year) and partner.id != \
                        row["owner_structure_id"]:
                    partners.append({"initiative_id": initiative_id, "structure_id": partner.id})
            for code in template.kpis:
                if code in ctx.kpi_by_code:
                    measures.append({"initiative_id": initiative_id,
                                     "kpi_id": ctx.kpi_by_code[code].id})
            milestone_rows += [{**m, "initiative_id": initiative_id} for m in milestones]
        ctx.summary.initiative_partners += _insert(ctx.session, InitiativePartner, partners)
        ctx.summary.initiative_kpis += _insert(ctx.session, InitiativeKpi, measures)
        ctx.summary.milestones += _insert(ctx.session, Milestone, milestone_rows)
    return by_year


# --- conferences ---------------------------------------------------------------------------------

_PLACES = ("Cotonou, salle de conférence de l'ASIN", "Cotonou, Sèmè City",
           "Cotonou, Palais des congrès", "Cotonou, siège de SBIN",
           "Cotonou, salle de conférence du ministère du Numérique et de la Digitalisation")
_CHAIRS = ("Directeur général de l'ASIN", "Directrice générale adjointe de l'ASIN",
           "Secrétaire général du ministère du Numérique et de la Digitalisation")
_FEMININE_CHAIRS = ("Directrice générale adjointe de l'ASIN",)
_RAPPORTEUR = "Chef du secrétariat technique de la CDSI"
_THEMES = (
    ("Interopérabilité : le bus X-Road au service des e-services", ("xroad", "e-services")),
    ("PKI et signature électronique : du bac à sable à la production", ("pki", "esign")),
    ("Hébergement souverain au centre de données national avec SBIN", ("hosting", "security")),
    ("Accélérer les e-services sur service-public.bj", ("e-services", "xroad")),
    ("Cybersécurité : conformité à la PSSIE et gestion des incidents", ("security", "training")),
    ("Former les agents de l'administration au numérique", ("training", "e-services")),
    ("Gouvernance des SI : budgets, commissions ministérielles et suivi des recommandations",
     ("governance", "training")),
)
# The two sessions the sample PVs describe (tests/fixtures/samples): same date, place and theme.
_SAMPLE_SESSIONS = {
    (2025, 2): (date(2025, 6, 24), "Cotonou, salle de conférence de l'ASIN",
                "Interopérabilité et signature électronique : passer à l'échelle",
                ("xroad", "esign")),
    (2025, 3): (date(2025, 9, 25), "Cotonou, Sèmè City",
                "Hébergement souverain et continuité de service", ("hosting", "security")),
}
_AGENDA_TOPICS: dict[str, tuple[str, ...]] = {
    "xroad": ("Bus d'interopérabilité X-Road : état des raccordements",
              "Publication de nouveaux services sur la plateforme d'interopérabilité"),
    "pki": ("Bac à sable PKI : bilan des tests",
            "Politique de certification de l'infrastructure à clés publiques"),
    "esign": ("Plateforme de signature en ligne : déploiement dans les ministères",
              "Dématérialisation des parapheurs et signature électronique"),
    "hosting": ("Hébergement des applications au centre de données national (SBIN)",
                "Plan de migration vers le cloud gouvernemental"),
    "e-services": ("Mise en ligne de nouveaux e-services sur service-public.bj",
                   "Paiement en ligne et par mobile money des e-services"),
    "security": ("Conformité à la PSSIE et désignation des RSSI",
                 "Retour d'expérience sur les incidents de sécurité (bjCSIRT)"),
    "training": ("Plan de formation des agents au numérique",
                 "Certification des personnels des DSI"),
    "governance": ("Exécution des budgets SI", "Tenue des commissions ministérielles des SI"),
}
_DECISIONS: dict[str, str] = {
    "xroad": "Chaque ministère publie au moins deux services sur le bus X-Road avant la fin du "
             "trimestre.",
    "pki": "Chaque ministère désigne un point focal PKI avant la prochaine session.",
    "esign": "La signature électronique devient la règle pour les courriers internes à compter "
             "du prochain trimestre.",
    "hosting": "Toute nouvelle application est hébergée par défaut au centre de données "
               "national.",
    "e-services": "Les nouveaux e-services sont publiés sur service-public.bj avec paiement en "
                  "ligne.",
    "security": "Chaque structure transmet son autoévaluation PSSIE à l'ASIN avant la prochaine "
                "session.",
    "training": "Le plan de formation commun est validé ; l'ASIN en assure la coordination.",
    "governance": "Les résultats trimestriels sont transmis dans la fenêtre de saisie ; les "
                  "retards sont signalés en séance.",
}
# (text, owner: a code or ALL, due kind)
_RECOMMENDATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "xroad": (("Publier au moins deux services par trimestre sur le bus X-Road", ALL,
               DueKind.recurring),),
    "pki": (("Finaliser la politique de certification de la PKI", "ASIN", DueKind.date),),
    "esign": (("Généraliser la signature électronique des actes administratifs", "ASIN",
               DueKind.date),),
    "hosting": (("Migrer les applications critiques vers le centre de données national", ALL,
                 DueKind.date),
                ("Publier le catalogue des offres d'hébergement", "SBIN", DueKind.date)),
    "e-services": (("Activer le paiement en ligne sur tous les e-services payants", "MEF",
                    DueKind.date),),
    "security": (("Désigner un RSSI dans chaque structure", ALL, DueKind.next_session),),
    "training": (("Inscrire la formation au numérique dans les plans de formation des "
                  "ministères", "MTFP", DueKind.date),),
    "governance": (("Instituer un secrétariat permanent de la conférence", "ASIN",
                    DueKind.date),
                   ("Tenir au moins deux sessions par an de la commission ministérielle des SI",
                    ALL, DueKind.recurring)),
}
# (title, topic, preferred owner or "" for any)
_STANDING_ACTIONS = (
    "Publier deux nouveaux services sur la plateforme d'interopérabilité",
    "Transmettre les résultats trimestriels des indicateurs dans les délais",
    "Tenir la session ordinaire de la commission ministérielle des SI",
    "Organiser une session de sensibilisation à la cybersécurité",
    "Former les agents aux outils collaboratifs",
)
_ACTIONS = (
    ("Raccorder le système d'information métier au bus X-Road", "xroad", ""),
    ("Raccorder le système de gestion des carrières au bus X-Road", "xroad", "MTFP"),
    ("Publier deux nouveaux services sur la plateforme d'interopérabilité", "xroad", ""),
    ("Installer le serveur de sécurité X-Road en production", "xroad", ""),
    ("Intégrer le NPI dans le fichier des usagers", "xroad", ""),
    ("Désigner le point focal PKI et le communiquer à l'ASIN", "pki", ""),
    ("Transmettre le rapport de tests du bac à sable PKI", "pki", ""),
    ("Recenser les agents à doter d'un certificat de signature", "pki", ""),
    ("Déployer la signature électronique des courriers administratifs", "esign", ""),
    ("Organiser la formation des agents à la signature électronique", "esign", "ASIN"),
    ("Dématérialiser le parapheur du secrétariat général", "esign", ""),
    ("Migrer les applications critiques vers le centre de données national", "hosting", ""),
    ("Migrer les applications de santé vers le centre de données national", "hosting", "MS"),
    ("Signer la convention d'hébergement avec SBIN", "hosting", ""),
    ("Tester le plan de reprise d'activité avec SBIN", "hosting", "SBIN"),
    ("Inventorier les applications hébergées hors du centre de données national", "hosting", ""),
    ("Mettre en ligne deux nouveaux e-services sur service-public.bj", "e-services", ""),
    ("Activer le paiement par mobile money des e-services du ministère", "e-services", ""),
    ("Mener l'enquête de satisfaction des usagers des e-services", "e-services", ""),
    ("Réduire le délai de traitement des demandes en ligne", "e-services", ""),
    ("Raccorder la chaîne de la dépense au paiement en ligne", "e-services", "MEF"),
    ("Désigner un RSSI et le déclarer à l'ASIN", "security", ""),
    ("Corriger les vulnérabilités critiques signalées par le bjCSIRT", "security", ""),
    ("Activer l'authentification multifacteur des comptes à privilèges", "security", ""),
    ("Réaliser l'autoévaluation de conformité à la PSSIE", "security", ""),
    ("Former les agents aux outils collaboratifs", "training", ""),
    ("Transmettre le plan de formation des personnels de la DSI", "training", ""),
    ("Organiser une session de sensibilisation à la cybersécurité", "training", "BJCSIRT"),
    ("Tenir la session ordinaire de la commission ministérielle des SI", "governance", ""),
    ("Transmettre les résultats trimestriels des indicateurs dans les délais", "governance", ""),
    ("Communiquer le taux d'exécution du budget SI", "governance", "MEF"),
    ("Mettre à jour le schéma directeur des SI", "governance", ""),
)
_GROUP_ACTIONS = (
    ("Désigner le point focal PKI et le communiquer à l'ASIN", "pki", DueKind.next_session),
    ("Transmettre les résultats trimestriels des indicateurs dans les délais", "governance",
     DueKind.recurring),
    ("Désigner un RSSI et le déclarer à l'ASIN", "security", DueKind.date),
    ("Publier au moins deux services sur le bus X-Road", "xroad", DueKind.date),
)
_TOPIC_PILLAR = {"e-services": 1, "xroad": 1, "esign": 1, "pki": 4, "training": 2,
                 "hosting": 4, "security": 4, "governance": 4}
_BLOCKERS = ("En attente de la convention d'hébergement avec SBIN.",
             "Crédits budgétaires non encore disponibles.",
             "Accès au bus X-Road en attente de validation.",
             "Prestataire non encore recruté.")
_PROGRESS = {
    ActionStatus.in_progress: ("Travaux en cours.", "Prestataire mobilisé, déploiement en cours.",
                               "Premiers tests réalisés, généralisation à suivre."),
    ActionStatus.partial: ("Réalisée pour les directions centrales ; reste les directions "
                           "départementales.", "Deux services sur trois livrés."),
    ActionStatus.done: ("Réalisée ; justificatif transmis à l'ASIN.", "Achevée.",
                        "Réalisée dans les délais."),
    ActionStatus.cancelled: ("Sans objet après la réorganisation du ministère.",
                             "Abandonnée : remplacée par une action de la feuille de route."),
}
_STATUS_FR = {ActionStatus.not_started: "Non démarrée", ActionStatus.in_progress: "En cours",
              ActionStatus.partial: "Partiellement réalisée", ActionStatus.done: "Réalisée",
              ActionStatus.blocked: "Bloquée", ActionStatus.cancelled: "Sans objet"}


@dataclass
class _Item:
    """A recommendation or an action as written in the PV (ALL not yet expanded)."""

    number: str
    text: str
    owner: str
    due_kind: str
    due: date | None
    topic: str = ""
    status_in_pv: str = ActionStatus.not_started


@dataclass
class _Sess:
    number: int
    year: int
    rank: int
    day: date
    place: str
    theme: str
    tags: tuple[str, ...]
    chair: str
    status: str = ConferenceStatus.closed
    next_day: date | None = None
    agenda: list[tuple[str, str]] = field(default_factory=list)
    attendance: list[tuple[_Org, str, str, str]] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    recommendations: list[_Item] = field(default_factory=list)
    actions: list[_Item] = field(default_factory=list)


def _session_days(rng: random.Random, year: int, count: int) -> list[date]:
    """Irregular dates spread over the year, on a Tuesday, Wednesday or Thursday."""
    step = 365 / count
    days: list[date] = []
    for i in range(count):
        day = date(year, 1, 1) + timedelta(days=int(step * (i + 0.75)))
        day += timedelta(days=rng.randint(-int(step * 0.2), int(step * 0.2)))
        while day.weekday() not in (1, 2, 3):
            day += timedelta(days=1)
        while day.year > year or day.weekday() not in (1, 2, 3):
            day -= timedelta(days=1)
        days.append(max(day, days[-1]) if days else max(day, date(year, 1, 2)))
    return days


def _calendar(ctx: _Ctx, first_year: int) -> list[_Sess]:
    """Held sessions up to today and the next one, numbered cumulatively and within the year."""
    plan = ctx.plan
    start = min(first_year, plan.anchor[0]) if plan.anchor else first_year
    dated: list[tuple[int, int, date, str, str, tuple[str, ...]]] = []
    last_year = max(ctx.today.year + 1, plan.anchor[0] if plan.anchor else 0)
    for year in range(start, last_year + 1):
        rng = random.Random(f"{SEED}:sessions:{year}")
        low, high = plan.sessions_per_year
        count = rng.choice((low, low, high))
        if plan.anchor and year == plan.anchor[0]:
            count = 4
        themes = rng.sample(_THEMES, min(len(_THEMES), count))
        tags: tuple[str, ...]
        for rank, day in enumerate(_session_days(rng, year, count), start=1):
            place = rng.choice(_PLACES)
            theme, tags = themes[(rank - 1) % len(themes)]
            if rank == count:
                theme, tags = f"Bilan {year} et feuille de route {year + 1}", ("governance",)
            if plan.anchor and (year, rank) in _SAMPLE_SESSIONS:
                day, place, theme, tags = _SAMPLE_SESSIONS[(year, rank)]
            dated.append((year, rank, day, place, theme, tags))
    # dated is chronological, so the held sessions and the next one are a prefix of it
    kept = dated[: sum(1 for d in dated if d[2] < ctx.today) + 1]
    base = 1
    if plan.anchor:
        first_of_anchor = next(i for i, d in enumerate(dated) if d[0] == plan.anchor[0])
        base = plan.anchor[1] - first_of_anchor
    sessions = []
    for i, (year, rank, day, place, theme, tags) in enumerate(kept):
        if year < first_year:
            continue
        rng = random.Random(f"{SEED}:chair:{year}:{rank}")
        sessions.append(_Sess(number=base + i, year=year, rank=rank, day=day, place=place,
                              theme=theme, tags=tags, chair=rng.choice(_CHAIRS)))
    for current, following in pairwise(sessions):
        current.next_day = following.day
    sessions[-1].status = ConferenceStatus.planned
    if len(sessions) > 1:
        sessions[-2].status = ConferenceStatus.held
    return sessions


def _pick_owner(ctx: _Ctx, rng: random.Random, preferred: str, on: date) -> _Org:
    if preferred and preferred in ctx.by_code and ctx.by_code[preferred].in_force(on):
        return ctx.by_code[preferred]
    candidates = [o for o in ctx.orgs if o.in_force(on) and o.kind in ("ministere", "agence")]
    weights = [4.0 if o.code in ("MS", "MEF") else 2.0 if o.code in ("MND", "MTFP") else
               1.0 if o.kind == "ministere" else 0.4 for o in candidates]
    return rng.choices(candidates, weights)[0]


def _due(rng: random.Random, sess: _Sess, kind: str) -> date | None:
    if kind == DueKind.recurring:
        return None
    if kind == DueKind.next_session:
        return sess.next_day
    if kind == "sans délai":
        return sess.day + timedelta(days=7)
    target = sess.day + timedelta(days=rng.randint(45, 270))
    if rng.random() < 0.5:
        quarter = (target.month - 1) // 3 + 1
        return _quarter_end(target.year, quarter)
    return target


def _fill_session(ctx: _Ctx, sess: _Sess, people: dict[str, _Person]) -> None:
    """Agenda, attendance, decisions, recommendations and actions of one session."""
    rng = random.Random(f"{SEED}:session:{sess.year}:{sess.rank}")
    plan = ctx.plan
    topics = list(sess.tags) + [t for t in rng.sample(TOPIC_TAGS, 3) if t not in sess.tags][:1]
    agenda = [("Adoption de l'ordre du jour", "governance"),
              ("Adoption du procès-verbal de la session précédente", "governance"),
              ("Point de mise en œuvre des recommandations et des actions des sessions "
               "précédentes", "governance")]
    for topic in topics:
        agenda.append((rng.choice(_AGENDA_TOPICS[topic]), topic))
    if sess.theme.startswith("Bilan"):
        agenda.append((f"Bilan des résultats {sess.year} et feuille de route {sess.year + 1}",
                       "governance"))
    agenda.append(("Divers", ""))
    sess.agenda = agenda
    if sess.status == ConferenceStatus.planned:
        return
    for org in ctx.orgs:
        if not org.in_force(sess.day):
            continue
        person = people[org.code]
        reliable = org.code in ("ASIN", "MS", "MEF", "MND")
        status = (AttendanceStatus.present if reliable and rng.random() < 0.95 else
                  rng.choices((AttendanceStatus.present, AttendanceStatus.excused,
                               AttendanceStatus.absent), (80, 12, 8))[0])
        name, role = person.name, person.role
        if status == AttendanceStatus.present and rng.random() < 0.15:
            name, role = _stranger(rng), rng.choice(_DELEGATE_ROLES)
        sess.attendance.append((org, str(status), name, role))
    sess.decisions = [f"Le procès-verbal de la {ordinal_fr(sess.number - 1, True)} conférence "
                      "est adopté sous réserve des amendements."]
    sess.decisions += [_DECISIONS[t] for t in topics[: rng.randint(1, 3)]]
    if sess.theme.startswith("Bilan"):
        sess.decisions.append(f"La feuille de route {sess.year + 1} est adoptée.")
    pool = [r for t in topics for r in _RECOMMENDATIONS[t]]
    pool = rng.sample(pool, len(pool))
    for i in range(rng.randint(*plan.recommendations_per_session)):
        text, owner, kind = pool[i % len(pool)]
        if owner == ALL and rng.random() >= plan.group_recommendation_chance:
            owner = _pick_owner(ctx, rng, "", sess.day).code
        sess.recommendations.append(_Item(f"R{i + 1}", text, owner or ALL, kind,
                                          _due(rng, sess, kind)))
    actions: list[_Item] = []
    topical = [a for a in _ACTIONS if a[1] in topics] or list(_ACTIONS)
    for _ in range(rng.randint(*plan.actions_per_session)):
        title, topic, preferred = rng.choice(topical if rng.random() < 0.7 else _ACTIONS)
        responsible = _pick_owner(ctx, rng, preferred, sess.day)
        kind = rng.choices((DueKind.date, "sans délai", DueKind.next_session,
                            DueKind.recurring),
                           (70, 8, 12, 40 if title in _STANDING_ACTIONS else 0))[0]
        due = _due(rng, sess, kind)
        actions.append(_Item("", title, responsible.code, DueKind.date if kind == "sans délai"
                             else kind, due, topic))
    if rng.random() < plan.group_action_chance:
        title, topic, kind = rng.choice(_GROUP_ACTIONS)
        actions.insert(rng.randint(0, len(actions)),
                       _Item("", title, ALL, kind, _due(rng, sess, kind), topic))
    for i, item in enumerate(actions, start=1):
        item.number = f"A{i}"
        if rng.random() < 0.15:
            item.status_in_pv = ActionStatus.in_progress
    sess.actions = actions


def _follow_up(rng: random.Random, ctx: _Ctx, created: date, item: _Item) -> dict[str, Any]:
    """Where an item stands today: older items are mostly done, recent ones mostly open."""
    age = (ctx.today - created).days
    p_done = min(0.75, 0.1 + age / 900)
    if rng.random() < p_done:
        status = ActionStatus.done
    elif rng.random() < 0.06:
        status = ActionStatus.cancelled
    else:
        status = rng.choices((ActionStatus.in_progress, ActionStatus.partial,
                              ActionStatus.not_started, ActionStatus.blocked),
                             (40, 18, 30 if age > 60 else 60, 15))[0]
    if status == ActionStatus.not_started and item.status_in_pv == ActionStatus.in_progress:
        status = ActionStatus.in_progress
    if status == ActionStatus.done and item.due_kind == DueKind.recurring:
        status = ActionStatus.in_progress  # a standing commitment is never "done"
    due = item.due
    last = ctx.today - timedelta(days=1)
    first = created + timedelta(days=1)
    closed_at = escalated_at = None
    blocker = ""
    if status in (ActionStatus.done, ActionStatus.cancelled):
        horizon = min(last, (due or created + timedelta(days=120)) + timedelta(days=45))
        closed_at = min(_moment(rng, first + timedelta(days=6), horizon), ctx.limit)
        updated = closed_at
    else:
        updated = min(_moment(rng, first, last), ctx.limit)
    if status == ActionStatus.blocked:
        blocker = rng.choice(_BLOCKERS)
        if rng.random() < 0.6:
            escalated_at = updated
    comments = _PROGRESS.get(ActionStatus(status), ("",))
    return {"status": str(status), "closed_at": closed_at, "updated_at": updated,
            "progress_comment": rng.choice(comments), "blocker": blocker,
            "escalated": escalated_at is not None, "escalated_at": escalated_at}


def _item_rows(ctx: _Ctx, sess: _Sess, item: _Item, kind: str,
               rng: random.Random) -> list[dict[str, Any]]:
    """One row per owner: "Tous les ministères" gives one per ministry in force, sharing a ref."""
    owners = ctx.ministries(sess.day) if item.owner == ALL else [ctx.by_code[item.owner]]
    group_ref = group_reference(sess.number, item.number) if item.owner == ALL else ""
    created = _stamp(sess.day, 13, 30)
    rows = []
    for owner in owners:
        row = {"number": item.number, "owner_structure_id": owner.id, "owner_code": owner.code,
               "group_ref": group_ref, "due_date": item.due, "due_kind": str(item.due_kind),
               "created_at": created, "updated_by_id": ctx.admin_id, "version": 1,
               "_day": sess.day, "_session": sess.number, "_item": item}
        row.update(_follow_up(rng, ctx, sess.day, item))
        if kind == "recommendation":
            for key in ("blocker", "escalated", "escalated_at"):
                row.pop(key)
            row["text"] = item.text
        else:
            row["title"] = item.text
            row["topic"] = item.topic
            row["recommendation_id"] = None
            row["priority"] = rng.choices(
                (Priority.high, Priority.normal, Priority.low), (20, 65, 15))[0].value
        rows.append(row)
    return rows


def _ensure_overdue(ctx: _Ctx, actions: list[dict[str, Any]], code: str, wanted: int,
                    people: dict[str, _Person]) -> None:
    """The demo accounts (DSI of MS and of MEF) must find overdue actions of their own."""
    org = ctx.by_code.get(code)
    if org is None:
        return

    def overdue(row: dict[str, Any]) -> bool:
        return (row["owner_structure_id"] == org.id and row["status"] in _OPEN
                and row["due_date"] is not None and row["due_date"] < ctx.today)

    missing = wanted - sum(1 for row in actions if overdue(row))
    candidates = [row for row in actions if not row["group_ref"] and row["due_date"]
                  and row["due_date"] < ctx.today and row["status"] not in _OPEN
                  and org.in_force(row["_day"])]
    candidates.sort(key=lambda r: (r["owner_structure_id"] != org.id, -r["_session"]))
    for row in candidates[: max(0, missing)]:
        row["_item"].owner = org.code  # the PV names the same owner as the database
        row.update({"owner_structure_id": org.id, "owner_code": org.code,
                    "person": people[org.code].name, "status": ActionStatus.in_progress.value,
                    "closed_at": None, "progress_comment": "Travaux en cours ; retard signalé."})


def _closing_days(rows: Sequence[dict[str, Any]], status: str | None = None) -> list[date]:
    return sorted(r["closed_at"].astimezone(_LOCAL).date() for r in rows
                  if r["closed_at"] and (status is None or r["status"] == status))


def _minutes_text(ctx: _Ctx, sess: _Sess, done_recos: tuple[int, int]) -> str:
    lines = [
        "# PROCÈS-VERBAL", "",
        "**RÉPUBLIQUE DU BÉNIN — Agence des systèmes d'information et du numérique (ASIN)**",
        "Secrétariat technique de la Conférence des DSI", "",
        f"## {ordinal_fr(sess.rank, True)} session ordinaire de la Conférence des Directeurs des "
        f"Systèmes d'Information au titre de l'année {sess.year} — "
        f"{ordinal_fr(sess.number, True)} conférence", "",
        f"- **Date :** {_long_date(sess.day, weekday=True)}",
        f"- **Lieu :** {sess.place}",
        "- **Heure :** 9 h 00 – 13 h 30",
        f"- **Présidence :** {sess.chair}",
        f"- **Rapporteur :** {_RAPPORTEUR}",
        f"- **Thème :** « {sess.theme} »", "",
        f"*{DEMO_NOTICE}*", "",
        "## 1. Participants", "",
        "| N° | Nom et prénoms | Fonction | Structure |", "|---|---|---|---|",
    ]
    present = [a for a in sess.attendance if a[1] == AttendanceStatus.present]
    for i, (org, _, name, role) in enumerate(present, start=1):
        lines.append(f"| {i} | {name} | {role} | {org.code} |")
    excused = [a[0].code for a in sess.attendance if a[1] == AttendanceStatus.excused]
    absent = [a[0].code for a in sess.attendance if a[1] == AttendanceStatus.absent]
    lines += ["", f"**Absents excusés :** {', '.join(excused) or 'néant'}",
              f"**Absents :** {', '.join(absent) or 'néant'}", "",
              f"Quorum atteint ({len(present)} structures représentées).", "",
              "## 2. Ordre du jour", ""]
    lines += [f"{i}. {title}" for i, (title, _) in enumerate(sess.agenda, start=1)]
    done, total = done_recos
    lines += ["", "## 3. Déroulement des travaux", "",
              f"{'La' if sess.chair in _FEMININE_CHAIRS else 'Le'} {sess.chair} a ouvert la "
              "séance à 9 h 10. Le point de mise en œuvre des "
              f"recommandations montre que {done} recommandations sur {total} sont réalisées.",
              ""]
    for title, tag in sess.agenda[3:-1]:
        if tag:
            lines.append(f"Le point « {title} » a donné lieu à des échanges sur l'état "
                         "d'avancement dans les structures et les difficultés rencontrées.")
    lines += ["", "## 4. Décisions", ""]
    lines += [f"- D{i}. {text}" for i, text in enumerate(sess.decisions, start=1)]
    lines += ["", "## 5. Recommandations", "",
              "| N° | Recommandation | Responsable | Échéance |", "|---|---|---|---|"]
    for item in sess.recommendations:
        owner = "Tous les ministères" if item.owner == ALL else item.owner
        lines.append(f"| {item.number} | {item.text} | {owner} | "
                     f"{_due_text(item.due_kind, item.due)} |")
    lines += ["", "## 6. Actions à mener", "",
              "| N° | Action | Responsable | Échéance | Statut |", "|---|---|---|---|---|"]
    for item in sess.actions:
        owner = "Tous les ministères" if item.owner == ALL else item.owner
        lines.append(f"| {item.number} | {item.text} | {owner} | "
                     f"{_due_text(item.due_kind, item.due)} | "
                     f"{_STATUS_FR[ActionStatus(item.status_in_pv)]} |")
    lines += ["", "## 7. Divers", ""]
    if sess.next_day:
        lines.append(f"Prochaine session : {_MONTHS[sess.next_day.month - 1]} "
                     f"{sess.next_day.year} (date indicative).")
        lines.append("")
    lines += ["Levée de séance : 13 h 30.", "",
              f"Fait à Cotonou, le {_long_date(sess.day)}", "",
              "Le Rapporteur — Le Président de séance", ""]
    return "\n".join(lines)


def _conferences(ctx: _Ctx, first_year: int,
                 initiatives: dict[int, dict[int, list[int]]]) -> None:
    people = _people(ctx.orgs)
    sessions = _calendar(ctx, first_year)
    for sess in sessions:
        _fill_session(ctx, sess, people)
    # every row is built before anything is inserted, so that the carried-over counts and the
    # PV tables are computed from the final owners and statuses
    recommendations: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for sess in sessions:
        rng = random.Random(f"{SEED}:follow-up:{sess.number}")
        for item in sess.recommendations:
            recommendations += _item_rows(ctx, sess, item, "recommendation", rng)
        for item in sess.actions:
            for row in _item_rows(ctx, sess, item, "action", rng):
                row["person"] = people[row["owner_code"]].name
                pillar_ids = initiatives.get(sess.year, {}).get(_TOPIC_PILLAR[item.topic], [])
                row["initiative_id"] = (rng.choice(pillar_ids) if pillar_ids
                                        and rng.random() < 0.3 else None)
                actions.append(row)
    _ensure_overdue(ctx, actions, "MS", 4, people)
    _ensure_overdue(ctx, actions, "MEF", 3, people)
    conference_rows = []
    for sess in sessions:
        closed_at = (_stamp(sess.next_day, 15) if sess.status == ConferenceStatus.closed
                     and sess.next_day else None)
        conference_rows.append({
            "number": sess.number, "year": sess.year, "rank_in_year": sess.rank,
            "session_date": sess.day, "place": sess.place, "theme": sess.theme,
            "chair": sess.chair, "rapporteur": _RAPPORTEUR, "status": str(sess.status),
            "closed_at": closed_at,
            "updated_at": closed_at or min(_stamp(sess.day, 14), ctx.limit),
            "updated_by_id": ctx.admin_id, "version": 1})
    ids = _insert_ids(ctx.session, Conference, conference_rows)
    ctx.summary.conferences = len(ids)
    conference_id = {sess.number: cid for sess, cid in zip(sessions, ids, strict=True)}
    agenda_rows: list[dict[str, Any]] = []
    attendance_rows: list[dict[str, Any]] = []
    decision_rows: list[dict[str, Any]] = []
    minutes_rows: list[dict[str, Any]] = []
    reco_days = sorted(r["_day"] for r in recommendations)
    reco_done = _closing_days(recommendations, ActionStatus.done)
    action_days = sorted(r["_day"] for r in actions)
    action_closed = _closing_days(actions)
    for sess in sessions:
        cid = conference_id[sess.number]
        prepared = min(_stamp(sess.day - timedelta(days=14), 10), ctx.limit)
        # actions of earlier sessions still open on this session's date
        carried = bisect_left(action_days, sess.day) - bisect_left(action_closed, sess.day)
        for position, (title, tags) in enumerate(sess.agenda, start=1):
            notes = ""
            if position == 3:
                notes = (f"{carried} actions des sessions précédentes restent ouvertes à la "
                         "date de la session.")
            agenda_rows.append({"conference_id": cid, "position": position, "title": title,
                                "tags": tags, "notes": notes, "updated_at": prepared,
                                "updated_by_id": ctx.admin_id, "version": 1})
        if sess.status == ConferenceStatus.planned:
            continue
        held = _stamp(sess.day, 14)
        for org, status, name, role in sess.attendance:
            attendance_rows.append({"conference_id": cid, "structure_id": org.id,
                                    "status": status, "representative": name,
                                    "representative_role": role, "updated_at": held,
                                    "updated_by_id": ctx.admin_id, "version": 1})
        for i, text in enumerate(sess.decisions, start=1):
            decision_rows.append({"conference_id": cid, "number": f"D{i}", "text": text,
                                  "updated_at": held, "updated_by_id": ctx.admin_id,
                                  "version": 1})
        done_recos = (bisect_left(reco_done, sess.day), bisect_left(reco_days, sess.day))
        text = _minutes_text(ctx, sess, done_recos)
        imported = min(_stamp(sess.day + timedelta(days=3 + sess.number % 9), 10), ctx.limit)
        minutes_rows.append({"conference_id": cid,
                             "filename": f"pv-cdsi-{sess.year}-session{sess.rank}.md",
                             "content_type": "text/markdown", "original": text.encode("utf-8"),
                             "text": text, "imported_at": imported,
                             "imported_by_id": ctx.admin_id, "version": 1})
    for rows in (recommendations, actions):
        for row in rows:
            row["conference_id"] = conference_id[row.pop("_session")]
            for key in ("owner_code", "_day", "_item"):
                row.pop(key)
    ctx.summary.agenda_items = _insert(ctx.session, AgendaItem, agenda_rows)
    ctx.summary.attendances = _insert(ctx.session, Attendance, attendance_rows)
    ctx.summary.decisions = _insert(ctx.session, Decision, decision_rows)
    ctx.summary.minutes = _insert(ctx.session, Minutes, minutes_rows)
    ctx.summary.recommendations = _insert(ctx.session, Recommendation, recommendations)
    ctx.summary.action_items = _insert(ctx.session, ActionItem, actions)


# --- the decade scale's invented reference rows --------------------------------------------------

_EXTRA_KPI_SHAPES = (
    ("e-services", "count", "up", "sum", "sum", False, ""),
    ("e-services", "percent", "up", "ratio", "ratio", True, ">=80"),
    ("exploitation", "hours", "down", "avg", "avg", False, "<=8"),
    ("gouvernance", "xof", "up", "sum", "sum", False, ""),
    ("interoperabilite", "count", "up", "last", "sum", False, ""),
    ("securite", "percent", "up", "last", "avg", False, ">=70"),
    ("interoperabilite", "ms", "down", "avg", "avg", False, "<=500"),
    ("e-services", "days", "down", "avg", "avg", False, "<=15"),
    ("securite", "bool", "up", "last", "count_true", False, "oui"),
    ("formation", "percent", "up", "ratio", "ratio", True, ">=75"),
    ("formation", "count", "up", "sum", "sum", False, ""),
    ("gouvernance", "xof", "neutral", "last", "sum", False, ""),
    ("engagement", "count", "up", "last", "sum", False, ""),
    ("engagement", "percent", "up", "ratio", "ratio", True, ">=85"),
    ("exploitation", "count", "down", "sum", "sum", False, "0"),
)


def _add_invented_reference(ctx: _Ctx) -> None:
    stamp = _stamp(_quarter_start(*ctx.quarters[0]), 8)
    for i in range(1, ctx.plan.extra_structures + 1):
        ministry = i % 3 == 0
        ctx.session.add(Structure(
            code=f"DEMO{i:02d}",
            name_fr=(f"Ministère de démonstration n° {i} (fictif)" if ministry
                     else f"Agence de démonstration n° {i} (fictive)"),
            name_en=(f"Demo ministry no. {i} (fictitious)" if ministry
                     else f"Demo agency no. {i} (fictitious)"),
            kind="ministere" if ministry else "agence",
            note="Structure fictive du jeu de démonstration", updated_at=stamp,
            updated_by_id=ctx.admin_id))
    position = 1000
    for i in range(1, ctx.plan.extra_kpis + 1):
        group, unit, direction, by_quarter, by_structure, ratio, target = \
            _EXTRA_KPI_SHAPES[(i - 1) % len(_EXTRA_KPI_SHAPES)]
        ctx.session.add(Kpi(
            code=f"DEMO_K{i:02d}", group=group,
            label_fr=f"Indicateur de démonstration n° {i} (fictif)",
            label_en=f"Demo indicator no. {i} (fictitious)", unit=unit, direction=direction,
            agg_quarters=by_quarter, agg_structures=by_structure, ratio=ratio,
            indicative_target=target, note="Indicateur fictif du jeu de démonstration",
            position=position + i, updated_at=stamp, updated_by_id=ctx.admin_id))
    ctx.session.flush()
    ctx.summary.structures = ctx.plan.extra_structures
    ctx.summary.kpis = ctx.plan.extra_kpis


# --- plumbing ------------------------------------------------------------------------------------


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    """Bulk insert in chunks, every row with the same keys.

    A Core insert on the table, not ``insert(Model)``: the ORM bulk path regroups rows by which
    values are None, which at the decade scale turns one executemany into tens of thousands of
    single-row statements.
    """
    statement = insert(_table(model))
    for start in range(0, len(rows), _CHUNK):
        session.execute(statement, rows[start:start + _CHUNK])
    return len(rows)


def _insert_ids(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert that returns the new ids in the order of ``rows``."""
    table = _table(model)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), _CHUNK):
        ids += list(session.execute(statement, rows[start:start + _CHUNK]).scalars())
    return ids


_DEMO_TABLES: tuple[type[SQLModel], ...] = (Conference, Submission, SubmissionWindow, Result,
                                            Target, Recommendation, ActionItem, Pillar)


def _load(session: Session) -> tuple[list[_Org], list[_Ind]]:
    orgs = [_Org(s.id or 0, s.code, s.name_fr, s.kind, s.valid_from, s.valid_to)
            for s in session.execute(select(Structure).order_by(col(Structure.code))).scalars()]
    kpis = [_Ind(k.id or 0, k.code, k.group, k.unit, k.direction, k.agg_quarters, k.ratio,
                 k.indicative_target, k.platform)
            for k in session.execute(select(Kpi).where(col(Kpi.active).is_(True))
                                     .order_by(col(Kpi.position), col(Kpi.code))).scalars()]
    return orgs, kpis


def generate_demo(session: Session, *, scale: str = "default", today: date) -> DemoSummary:
    """Fill an empty installation with the deterministic demo data set (same input, same rows)."""
    if scale not in _PLANS:
        raise ValueError(f"unknown demo scale {scale!r}; expected one of {', '.join(SCALES)}")
    session.flush()
    for model in _DEMO_TABLES:
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            raise ValueError(f"demo data refused: table {model.__tablename__} already has rows")
    orgs, kpis = _load(session)
    codes = {o.code for o in orgs}
    missing = [c for c in ("ASIN", "MEF", "MS") if c not in codes]
    if missing or not kpis:
        raise ValueError("demo data needs the reference data (structures and KPIs) loaded first")
    admin_id = session.execute(select(col(User.id)).where(col(User.login) == "admin")).scalar()
    plan = _PLANS[scale]
    ctx = _Ctx(session=session, today=today, plan=plan, admin_id=admin_id, orgs=orgs,
               by_code={o.code: o for o in orgs}, kpis=kpis,
               kpi_by_code={k.code: k for k in kpis}, quarters=_quarters(today, plan.quarters),
               limit=_stamp(today - timedelta(days=1), 18))
    if plan.extra_structures or plan.extra_kpis:
        _add_invented_reference(ctx)
        ctx.orgs, ctx.kpis = _load(session)
        ctx.by_code = {o.code: o for o in ctx.orgs}
        ctx.kpi_by_code = {k.code: k for k in ctx.kpis}
    windows = _window_rows(ctx)
    step(tr("progress.demo_results", quarters=len(ctx.quarters), structures=len(ctx.orgs)))
    _results_and_submissions(ctx, windows)
    step(tr("progress.demo_targets"))
    _targets(ctx)
    first_year = ctx.quarters[0][0] + (1 if ctx.quarters[0][1] > 1 else 0)
    step(tr("progress.demo_roadmap"))
    initiatives = _roadmap(ctx, range(first_year, today.year + 2))
    step(tr("progress.demo_conferences"))
    _conferences(ctx, first_year, initiatives)
    session.flush()
    return ctx.summary
