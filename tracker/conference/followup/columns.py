"""The follow-up file's columns and words: headers, kinds, statuses, session names, cells."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from numbers import Real
from typing import Any

from tracker.core.errors import UploadError
from tracker.core.formats import format_date
from tracker.core.frdates import parse_french_date
from tracker.core.i18n import catalogue, t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    ActionItem,
    ActionStatus,
    Recommendation,
)
from tracker.core.refdata import normalize
from tracker.files.spreadsheets import Rows, find_header, read_rows

# The PV parser is where follow-up statuses ("réalisé", "partiellement", "en attente"…) are
# read; one rule, one place.
from tracker.minutes.patterns import status_of

ACTION = "action"
RECOMMENDATION = "recommendation"
SESSION, TEXT, KIND, OWNER = "session", "text", "kind", "owner"
DUE, STATUS, COMMENT, NUMBER = "due", "status", "comment", "number"
ROLES = (SESSION, NUMBER, KIND, TEXT, OWNER, DUE, STATUS, COMMENT)

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    SESSION: ("session", "sessions", "conference", "session cdsi", "cdsi", "n° session",
              "numero de session", "date de la session", "session d'origine", "source"),
    NUMBER: ("n°", "no", "no.", "n", "numero", "ref", "reference", "n° ordre"),
    KIND: ("type", "nature", "categorie", "kind"),
    TEXT: ("recommandation/action", "recommandation / action", "recommandations/actions",
           "action/recommandation", "recommandation ou action", "intitule", "libelle",
           "recommandation", "recommandations", "action", "actions", "mesure", "activite",
           "texte", "description", "objet", "title", "text", "recommendation/action",
           "recommendation / action", "recommendation", "recommendations"),
    OWNER: ("responsable", "responsables", "structure responsable", "structures responsables",
            "structure", "porteur", "point focal", "owner"),
    DUE: ("echeance", "echeances", "delai", "delais", "date d'echeance", "date limite",
          "date butoir", "due", "due date"),
    STATUS: ("statut", "etat", "etat d'avancement", "etat de mise en oeuvre",
             "niveau de mise en oeuvre", "niveau d'execution", "status"),
    COMMENT: ("commentaire", "commentaires", "observations", "observation", "remarques",
              "commentaire d'avancement", "point de situation", "comment", "comments"),
}
ROLE_BY_HEADER = {name: role for role, names in HEADER_SYNONYMS.items() for name in names}
KINDS = {"recommandation": RECOMMENDATION, "recommandations": RECOMMENDATION,
         "recommendation": RECOMMENDATION, "reco": RECOMMENDATION, "r": RECOMMENDATION,
         "action": ACTION, "actions": ACTION, "a": ACTION, "mesure": ACTION,
         "activite": ACTION}
STATUSES = tuple(s.value for s in ActionStatus)
CLOSED = frozenset(s.value for s in CLOSED_ACTION_STATUSES)
MAX_TEXT = 2000
# The stored model of each kind of item, actions first.
MODELS: tuple[tuple[str, Any], ...] = ((ACTION, ActionItem), (RECOMMENDATION, Recommendation))

_ORD = r"(?:ere|er|re|ieme|eme|e)"
_NUMBER_BEFORE = re.compile(rf"(?<!\d)(\d{{1,4}})\s*{_ORD}?\s+(?:conference|cdsi)\b")
_NUMBER_AFTER = re.compile(r"\b(?:conference|cdsi)\s*(?:n\s*[°o]\.?\s*)?(\d{1,4})\b")
_NUMBER_ONLY = re.compile(rf"(?:n\s*[°o]\.?\s*)?(\d{{1,4}})\s*{_ORD}?\.?")
_RANK = re.compile(rf"(?<!\d)([1-9])\s*{_ORD}\s+session\b\D*?(\d{{4}})(?!\d)")


@dataclass
class Layout:
    """Where each role's column is in a file (index) and its header as the user wrote it."""

    index: dict[str, int]
    header: dict[str, str]

    def column(self, role: str) -> str:
        return self.header.get(role) or t(f"followup_import.header_{role}")


def read_layout(data: bytes, filename: str) -> tuple[Layout, Rows]:
    """The file's rows and where its columns are; UploadError without a session and a text."""
    rows = read_rows(data, filename, roles=ROLE_BY_HEADER,
                     no_header_key="followup_import.no_header")
    found = find_header(rows, ROLE_BY_HEADER)
    if found is None:
        raise UploadError(t("followup_import.no_header", file=filename))
    layout = Layout(found[1], found[2])
    for role in (SESSION, TEXT):
        if role not in layout.index:
            raise UploadError(t(f"followup_import.no_{role}_column", file=filename))
    return layout, rows


def cell_of(cells: Sequence[object], layout: Layout, role: str) -> object:
    """A row's cell for a role, None when empty or absent (text stripped)."""
    position = layout.index.get(role)
    if position is None or position >= len(cells):
        return None
    value = cells[position]
    if isinstance(value, str):
        return value.strip() or None
    return value


def shown(value: object) -> str:
    """A cell as quoted back to the user in a reason (dates in their format, cut at 60)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"



# -- words of a cell ---------------------------------------------------------------------


@cache
def _status_words() -> dict[str, str]:
    """Codes, and the labels users see in French and English, as the keys a cell may hold."""
    words = {normalize(code.replace("_", " ")): code for code in STATUSES}
    for lang in ("fr", "en"):
        for code in STATUSES:
            label = catalogue(lang).get(f"actions.status.{code}")
            if label:
                words.setdefault(normalize(label), code)
    return words


def parse_status(raw: str) -> str | None:
    """An action status from the words of a follow-up table ("réalisé", "en cours",
    "partiellement", "non démarré", "sans objet", "en attente"…); None when unrecognised."""
    key = normalize(raw).strip(" .")
    code = _status_words().get(key)
    if code:
        return code
    status, recognised = status_of(raw)
    return status if recognised else None


def parse_session(raw: object) -> tuple[str, int | tuple[int, int] | date] | None:
    """How a session is named: ("number", 18) for "18", "18e", "18e conférence";
    ("date", d) for "24/06/2025" or a date cell; ("rank", (2025, 2)) for "2e session 2025"."""
    if isinstance(raw, datetime):
        return "date", raw.date()
    if isinstance(raw, date):
        return "date", raw
    if isinstance(raw, Real) and not isinstance(raw, bool):
        number = float(raw)
        return ("number", int(number)) if number.is_integer() and number > 0 else None
    key = normalize(str(raw))
    if match := _NUMBER_BEFORE.search(key) or _NUMBER_AFTER.search(key):
        return "number", int(match[1])
    if day := parse_french_date(key):
        return "date", day
    if match := _RANK.search(key):
        return "rank", (int(match[2]), int(match[1]))
    if match := _NUMBER_ONLY.fullmatch(key):
        return "number", int(match[1])
    return None


def key_text(text: str) -> str:
    """The text as compared with what is stored: case, accents and spacing do not count."""
    return normalize(text).strip(" .;:")
