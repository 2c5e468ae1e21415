"""French dates as PVs write them; a due date only implied is returned with certain=False."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.core.refdata import normalize

# "Sans délai" has no date of its own; the conference reads it as "within the week".
IMMEDIATE_DELAY = timedelta(days=7)

MONTHS: dict[str, int] = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}

_ORDINALS: dict[str, int] = {
    "1er": 1,
    "1ere": 1,
    "1re": 1,
    "1e": 1,
    "premier": 1,
    "premiere": 1,
    "2eme": 2,
    "2nde": 2,
    "2nd": 2,
    "2e": 2,
    "deuxieme": 2,
    "seconde": 2,
    "second": 2,
    "3eme": 3,
    "3e": 3,
    "troisieme": 3,
    "4eme": 4,
    "4e": 4,
    "quatrieme": 4,
    "dernier": 4,
}

# Longest alternatives first so that "septembre" is not read as "sept" followed by junk.
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD_RE = "|".join(sorted(_ORDINALS, key=len, reverse=True))

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})(?!\d)")
_LONG = re.compile(rf"(?<!\d)(\d{{1,2}})\s*(?:er|re|e)?\s+({_MONTH_RE})\b\.?\s*(\d{{4}})(?!\d)")
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})\s*(?:er|re|e)?\s+({_MONTH_RE})\b")
_MONTH_YEAR = re.compile(
    rf"(?P<fin>\bfin\s+(?:du\s+mois\s+)?(?:de\s+|d')?)?\b(?P<month>{_MONTH_RE})\b\.?"
    rf"\s*(?:de\s+l'annee\s+)?(?P<year>\d{{4}})(?!\d)"
)
_MONTH_ONLY = re.compile(rf"\bfin\s+(?:du\s+mois\s+)?(?:de\s+|d')?(?P<month>{_MONTH_RE})\b")
_PERIOD_TAIL = r"\s*[-/]?\s*(?:de\s+l'annee\s+|de\s+|d')?(?P<year>\d{4})(?!\d)"
_QUARTER = re.compile(
    rf"(?:\bt\s?(?P<num>[1-4])\b|\b(?P<ord>{_ORD_RE})\s+trimestre\b|\btrimestre\s+(?P<n2>[1-4])\b)"
    + _PERIOD_TAIL
)
_HALF = re.compile(
    rf"(?:\bs\s?(?P<num>[12])\b|\b(?P<ord>{_ORD_RE})\s+semestre\b|\bsemestre\s+(?P<n2>[12])\b)"
    + _PERIOD_TAIL
)
_YEAR_END = re.compile(r"\bfin\s+(?:(?:de\s+l'|d')annee\s+)?(?P<year>\d{4})(?!\d)")
_FIN = re.compile(r"\bfin\b")
_RECURRING = re.compile(
    r"\b(?:permanente?s?|en\s+permanence|en\s+continu|continue?|continuellement"
    r"|a\s+chaque\s+session|chaque\s+trimestre)\b"
)
_NEXT_SESSION = re.compile(r"\bprochaine\s+(?:session|conference|reunion|seance|cdsi)\b")
_IMMEDIATE = re.compile(r"\b(?:sans\s+delai|immediate?(?:ment)?)\b")


@dataclass(frozen=True)
class DueResolution:
    """A due date as read from a PV: a date, the next session, a recurring item, or nothing."""

    due: date | None
    next_session: bool = False
    recurring: bool = False
    certain: bool = False
    raw: str = ""


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _full_year(text: str) -> int:
    year = int(text)
    # Two-digit years in PVs are always this century ("24/06/25").
    return year + 2000 if year < 100 else year


def parse_french_date(text: str) -> date | None:
    """The first complete date in ``text``: "31/03/2026", "1er avril 2026", "mardi 24 juin 2025"."""
    key = normalize(text)
    found: list[tuple[int, date]] = []
    for match in _ISO.finditer(key):
        day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
        if day:
            found.append((match.start(), day))
    for match in _NUMERIC.finditer(key):
        day = _safe_date(_full_year(match[3]), int(match[2]), int(match[1]))
        if day:
            found.append((match.start(), day))
    for match in _LONG.finditer(key):
        day = _safe_date(int(match[3]), MONTHS[match[2]], int(match[1]))
        if day:
            found.append((match.start(), day))
    return min(found)[1] if found else None


def _ordinal(match: re.Match[str]) -> int:
    if match["ord"]:
        return _ORDINALS[match["ord"]]
    return int(match["num"] or match["n2"])


def _next_occurrence(month: int, session_date: date) -> int:
    """The year of the first ``month`` not before the session (a PV's deadlines lie ahead)."""
    return session_date.year if month >= session_date.month else session_date.year + 1


def resolve_due(text: str, session_date: date | None) -> DueResolution:
    """Read a due date as the conference writes it; anything implied or unknown is uncertain."""
    raw = " ".join(text.split())
    key = normalize(raw)
    if not key:
        return DueResolution(None, raw=raw)
    if _RECURRING.search(key):
        return DueResolution(None, recurring=True, certain=True, raw=raw)
    explicit = parse_french_date(key)
    if explicit:
        return DueResolution(explicit, certain=True, raw=raw)
    if _IMMEDIATE.search(key):
        if session_date is None:
            return DueResolution(None, raw=raw)
        return DueResolution(session_date + IMMEDIATE_DELAY, certain=True, raw=raw)
    if _NEXT_SESSION.search(key):
        return DueResolution(None, next_session=True, certain=True, raw=raw)
    fin = bool(_FIN.search(key))
    if match := _MONTH_YEAR.search(key):
        due = _end_of_month(int(match["year"]), MONTHS[match["month"]])
        return DueResolution(due, certain=bool(match["fin"]), raw=raw)
    if match := _QUARTER.search(key):
        due = _end_of_month(int(match["year"]), 3 * _ordinal(match))
        return DueResolution(due, certain=fin, raw=raw)
    if match := _HALF.search(key):
        due = _end_of_month(int(match["year"]), 6 * _ordinal(match))
        return DueResolution(due, certain=fin, raw=raw)
    if match := _YEAR_END.search(key):
        return DueResolution(date(int(match["year"]), 12, 31), certain=True, raw=raw)
    if session_date is not None:
        # A month or a day without its year: the next one after the session, to be confirmed.
        if match := _MONTH_ONLY.search(key):
            month = MONTHS[match["month"]]
            due = _end_of_month(_next_occurrence(month, session_date), month)
            return DueResolution(due, raw=raw)
        if match := _DAY_MONTH.search(key):
            month = MONTHS[match[2]]
            day = _safe_date(_next_occurrence(month, session_date), month, int(match[1]))
            return DueResolution(day, raw=raw)
    return DueResolution(None, raw=raw)
