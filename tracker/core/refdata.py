"""Reference data as plain values: structures and KPIs read from CSV, and name matching.

Parsers (minutes, results imports) work on these plain records so that they can run without a
database (the command line's ``--json`` parse) or with the structures loaded from it.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Shipped inside the package so that an installed tracker finds them (data/ is runtime state).
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference_data"


@dataclass(frozen=True)
class StructureRef:
    code: str
    name_fr: str
    name_en: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    successor: str | None = None

    def in_force(self, on: date) -> bool:
        """True when the structure existed on that date."""
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_to and on > self.valid_to)


@dataclass(frozen=True)
class KpiRef:
    code: str
    group: str
    label_fr: str
    label_en: str
    unit: str
    direction: str
    agg_quarters: str
    agg_structures: str
    ratio: bool
    indicative_target: str
    platform: str
    gtmi: str
    note: str


def normalize(text: str) -> str:
    """Case-, accent-, apostrophe- and space-insensitive key for matching names."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("\u2019", "'").replace("\u2018", "'").replace("œ", "oe")
    return " ".join(stripped.casefold().split())


def _date_or_none(value: str) -> date | None:
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


def _successor_from_note(note: str) -> str | None:
    # The reference CSV says "became MAE" / "merged into MCVT"; an admin edits it in the app later.
    note = (note or "").strip()
    for prefix in ("became ", "merged into "):
        if note.startswith(prefix):
            return note[len(prefix) :].split()[0]
    return None


def load_structures_csv(path: Path | None = None) -> list[StructureRef]:
    """Read ``structures.csv`` (code, name_fr, name_en, kind, valid_from, valid_to, note)."""
    path = path or REFERENCE_DIR / "structures.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            StructureRef(
                code=row["code"].strip(),
                name_fr=row["name_fr"].strip(),
                name_en=row["name_en"].strip(),
                kind=row["kind"].strip(),
                valid_from=_date_or_none(row.get("valid_from", "")),
                valid_to=_date_or_none(row.get("valid_to", "")),
                successor=_successor_from_note(row.get("note", "")),
            )
            for row in csv.DictReader(handle)
        ]


def load_kpis_csv(path: Path | None = None) -> list[KpiRef]:
    """Read ``kpis.csv``, the starting KPI catalogue."""
    path = path or REFERENCE_DIR / "kpis.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            KpiRef(
                code=row["code"].strip(),
                group=row["group"].strip(),
                label_fr=row["label_fr"].strip(),
                label_en=row["label_en"].strip(),
                unit=row["unit"].strip(),
                direction=row["direction"].strip(),
                agg_quarters=row["agg_quarters"].strip(),
                agg_structures=row["agg_structures"].strip(),
                ratio=row["ratio"].strip().lower() in {"yes", "oui", "true", "1"},
                indicative_target=row.get("indicative_target", "").strip(),
                platform=row.get("platform", "").strip(),
                gtmi=row.get("gtmi", "").strip(),
                note=row.get("note", "").strip(),
            )
            for row in csv.DictReader(handle)
        ]


class StructureMatcher:
    """Resolves a code, an acronym or a French/English name to a structure code.

    Historical codes resolve to themselves (history keeps old names); callers that need the
    structure in force follow ``successor``.
    """

    def __init__(self, structures: Iterable[StructureRef]) -> None:
        self.structures = list(structures)
        self._by_key: dict[str, str] = {}
        for s in self.structures:
            for key in (s.code, s.name_fr, s.name_en):
                if key:
                    self._by_key.setdefault(normalize(key), s.code)

    def resolve(self, text: str) -> str | None:
        """The structure code for ``text``, or None when nothing matches exactly."""
        key = normalize(text.strip().strip(".").strip())
        if not key:
            return None
        return self._by_key.get(key)

    def ministries_in_force(self, on: date) -> list[str]:
        """Codes of the ministries in force on a date ("Tous les ministères")."""
        return [s.code for s in self.structures if s.kind == "ministere" and s.in_force(on)]
