"""The words of a PV: section headings, labels, numbering, ordinals, statuses and table columns.

Everything here works on one line or one table row, folded to lower case without accents; the
minutes reader decides what the lines mean together.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from tracker.core.refdata import normalize

ALL_STRUCTURES = "*"

Status = Literal["not_started", "in_progress", "partial", "done", "blocked", "cancelled"]

HEADER = "header"
PARTICIPANTS = "participants"
AGENDA = "agenda"
DECISIONS = "decisions"
RECOMMENDATIONS = "recommendations"
ACTIONS = "actions"
BOTH = "recommendations_actions"
OTHER = "other"
ITEM_SECTIONS = frozenset({RECOMMENDATIONS, ACTIONS, BOTH})
RECOGNISED_SECTIONS = frozenset({PARTICIPANTS, AGENDA, DECISIONS, RECOMMENDATIONS, ACTIONS, BOTH})


# --------------------------------------------------------------------------- text helpers


class _FoldTable(dict[int, str]):
    """``str.translate`` table built on demand: each character to one lower-case unaccented one.

    Exactly one character out per character in, so offsets found in the folded text slice the
    original text.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        lowered = (base or ch).lower()
        folded = "'" if ch == "\u2019" else (lowered[0] if lowered else ch)
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, accent-free copy of ``text`` with the same length (for regex offsets)."""
    return text.translate(_FOLD_TABLE)


def squash(text: str) -> str:
    return " ".join(text.split())


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def clean_value(value: str) -> str:
    """A labelled value without the punctuation that separated it from the next label."""
    # A few rounds are enough for "(Responsable : MEF)." and keep the cost linear on hostile text.
    for _ in range(3):
        value = value.lstrip(" ;,:–—-|").rstrip(" .;,:–—-|")
        opens, closes = value.count("("), value.count(")")
        if value.endswith("(") or (value.endswith(")") and closes > opens):
            value = value[:-1]
        elif value.startswith("(") and opens > closes:
            value = value[1:]
        else:
            break
    return value.lstrip(" ;,:–—-|").rstrip(" .;,:–—-|")


BULLET = re.compile(r"^[-*+•▪◦‣·–—○■□➢➤✓]\s+")
NUMBERING = re.compile(
    r"^(?:(?P<arabic>\d{1,2})(?!\d)\s*(?:°\s*[.)\-–—:]?|[.)\-–—:])\s*"
    r"|(?P<roman>[IVX]{1,5})(?:\s*[.)]\s*|\s*[\-–—:]\s+|\s*[\-–—:](?=[A-ZÀ-Ý]{2}))"
    r"|(?P<upper>[A-H])(?:\s*[.)]\s+|\s+[\-–—:]\s+)"
    r"|(?P<lroman>[ivx]{1,4})[.)]\s+"
    r"|(?P<letter>[a-z])(?:\)\s*|\.\s+)"
    r"|(?i:point|item)\s*(?:n\s*°\s*)?(?:\d{1,2}|unique)\s*[:.)\-–—]\s*"
    r"|(?i:n\s*°|no\.)\s*\d{1,3}\s*[:.)\-–—]?\s*)"
)
_ROMAN = {"I": 1, "V": 5, "X": 10}


def _roman_value(text: str) -> int:
    total = 0
    for ch, nxt in zip(text, [*text[1:], ""], strict=True):
        value = _ROMAN[ch]
        total += -value if nxt and _ROMAN[nxt] > value else value
    return total


def split_numbering(text: str) -> tuple[int | None, bool, str]:
    """(number, is_roman, rest) for "2. Ordre du jour", "IV – RECOMMANDATIONS", "a) …".

    Capital letters ("B – ORDRE DU JOUR") number headings like Roman numerals do; small
    letters, small Roman numerals and "Point 2 :" number items (no number returned).
    """
    match = NUMBERING.match(text)
    if not match:
        return None, False, text
    rest = text[match.end() :].strip()
    if match["arabic"]:
        return int(match["arabic"]), False, rest
    if match["roman"]:
        return _roman_value(match["roman"]), True, rest
    if match["upper"]:
        return ord(match["upper"]) - ord("A") + 1, True, rest
    return None, False, rest


def item_numbered(text: str) -> bool:
    """True for items numbered "a)", "iii.", "Point 2 :" (never a section heading)."""
    match = NUMBERING.match(text)
    if match is None:
        return False
    return not (match["arabic"] or match["roman"] or match["upper"])


def is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def strip_articles(key: str) -> str:
    return re.sub(r"^(?:les?\s+|la\s+|l')", "", key)


# --------------------------------------------------------------------------- line patterns

META = re.compile(
    r"^(?P<label>date(?:\s+et\s+lieu|\s+de\s+la\s+(?:session|reunion|seance))?|lieu\s+et\s+date"
    r"|lieu|heure|horaires?"
    r"|presidence|president(?:e)?(?:\s+de\s+(?:seance|la\s+session))?|presidee?\s+par"
    r"|rapporteu(?:r|se)s?|theme)\s*:\s*"
)
META_FIELDS = {
    "date": "date",
    "lieu": "place",
    "heure": "time",
    "horaire": "time",
    "presid": "chair",
    "rapporteu": "rapporteur",
    "theme": "theme",
}
_PLURAL = r"(?:s|\(s\)|\(es\))?"
EXCUSED = re.compile(
    rf"^(?:absent{_PLURAL}\s+excuse{_PLURAL}|absence{_PLURAL}\s+excusee{_PLURAL}|excuse{_PLURAL})"
    r"\s*:\s*"
)
ABSENT = re.compile(rf"^absent{_PLURAL}(?:\s+non\s+excuse{_PLURAL})?\s*:\s*")
NOBODY = re.compile(r"^(?:neant|aucun|aucune|nul|-)\.?$")
SIGNATURE = re.compile(r"^fait\s+a\s+(?P<place>[^,]+?)\s*,\s*le\s+(?P<date>.+)$")
LABEL = re.compile(
    r"(?<![a-z])(?P<label>structures?\s+responsables?|responsables?|resp\.?|points?\s+focaux"
    r"|point\s+focal|porteurs?|echeances?|delais?|date\s+limite|date\s+butoir"
    r"|statut|etat\s+d'avancement|etat)\s*:"
)
ITEM_PREFIX = re.compile(
    r"^(?:(?:action|recommandation|mesure|activite)\s*(?:n\s*[°o]\s*)?\d{1,3}\s*[:.)\-–—]?\s*"
    r"|(?:action|recommandation|mesure|activite)\s*:\s*"
    r"|[arm]\.?\s?\d{1,3}\s*[:.)\-–—]?\s+"
    r"|\d{1,3}\s*[.)\-–—:]\s*"
    r"|[-*+•▪◦–—]\s+)"
)
DECISION_LABEL = re.compile(r"^decisions?\s*(?:prises?\s*)?:\s*")
DECISION_PREFIX = re.compile(
    r"^(?:decision\s*(?:n\s*[°o]\s*)?\d{1,4}(?:[-/]\d{1,3})?|d\.?\s?\d{1,3})\s*[:.)\-–—]?\s*"
)
TITLE = re.compile(
    r"\bsessions?\b.*\b(?:conference|cdsi)\b|\b(?:conference|cdsi)\b.*\bsessions?\b"
)
ORDINAL_WORDS = {
    "premiere": 1,
    "premier": 1,
    "deuxieme": 2,
    "seconde": 2,
    "troisieme": 3,
    "quatrieme": 4,
    "cinquieme": 5,
    "sixieme": 6,
    "septieme": 7,
    "huitieme": 8,
    "neuvieme": 9,
    "dixieme": 10,
}
_ORDINAL = r"(?:(?P<n>\d{1,3})\s*(?:ere|er|re|ieme|eme|e)|(?P<w>" + "|".join(ORDINAL_WORDS) + r"))"
SESSION_RANK = re.compile(rf"\b{_ORDINAL}\s+session\b")
CONFERENCE_NUMBER = re.compile(rf"\b{_ORDINAL}\s+(?:conference|cdsi)\b")

_STATUS_RULES: tuple[tuple[Status, re.Pattern[str]], ...] = (
    (
        "not_started",
        re.compile(
            r"\b(?:non|pas)\s+(?:encore\s+)?(?:realise|execute|demarre|entame|commence|acheve"
            r"|debute|fait|mis\s+en\s+oeuvre|lance)|\bpas\s+encore\b|\ba\s+(?:demarrer|faire|lancer)\b"
            r"|\bnon\s+(?:entame|debute|lance)|\bneant\b|^0\s*%$"
        ),
    ),
    ("partial", re.compile(r"\bpartiel|\b(?:[1-9]\d?(?:[,.]\d+)?)\s*%")),
    (
        "in_progress",
        re.compile(r"\ben\s+cours\b|\ben\s+retard\b|\b(?:demarre|entame|lance|debute)e?s?\b"),
    ),
    ("cancelled", re.compile(r"\bsans\s+objet\b|\babandonn|\bannule|\bcaduc")),
    ("blocked", re.compile(r"\ben\s+attente\b|\bsuspendu|\bbloque|\breporte|\ben\s+instance\b")),
    (
        "done",
        re.compile(
            r"\b(?:realise|execute|acheve|termine|fait|cloture|effectif|accompli)e?s?\b|^ok$|^100\s*%$"
            r"|^\[x\]$"
        ),
    ),
)

# Section headings. Starts are matched on any heading candidate; the looser "contains" forms only
# on text that is clearly a heading (styled, bold, capitals or Roman-numbered).
_FOLLOWUP_START = re.compile(
    r"^(?:suivi\b|point\s+de\s+(?:la\s+)?mise\s+en\s+oeuvre|etat\s+de\s+(?:la\s+)?mise\s+en\s+oeuvre"
    r"|etat\s+d'(?:execution|avancement)|point\s+d'execution|bilan\b)"
)
_FOLLOWUP_ANY = re.compile(r"\bsuivi\b|mise\s+en\s+oeuvre|\betat\s+d'(?:execution|avancement)")
_SECTION_STARTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        OTHER,
        re.compile(
            r"^(?:deroulement|divers|points\s+divers|questions\s+diverses|levee\s+de\s+(?:la\s+)?seance"
            r"|cloture|ouverture|annexes?|prochaine\s+session|date\s+de\s+la\s+prochaine"
            r"|adoption\s+du\s+(?:proces|pv)|travaux|compte\s+rendu|introduction|conclusion"
            r"|observations|informations|communications?|presentations?|examen)\b"
        ),
    ),
    (
        PARTICIPANTS,
        re.compile(
            r"^(?:participants|liste\s+(?:de|des)\s+presences?|liste\s+des\s+participants"
            r"|etaient\s+present(?:e)?s|ont\s+pris\s+part|presences?|participation"
            r"|(?:membres|personnes|structures)\s+present(?:e)?s|liste\s+des\s+membres)\b"
        ),
    ),
    (AGENDA, re.compile(r"^(?:ordre\s+du\s+jour|agenda)\b")),
    (
        DECISIONS,
        re.compile(r"^(?:releve\s+des\s+decisions|(?:principales\s+)?decisions?|resolutions)\b"),
    ),
    (RECOMMENDATIONS, re.compile(r"^(?:principales\s+)?recommandations?\b")),
    (
        ACTIONS,
        re.compile(
            r"^(?:(?:principales\s+)?actions?|plan\s+d'actions?|mesures\s+(?:retenues|a\s+prendre)"
            r"|activites\s+(?:retenues|a\s+mener)|taches)\b"
        ),
    ),
)
_SECTION_CONTAINS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PARTICIPANTS, re.compile(r"\bparticipants\b|\bliste\s+de\s+presence\b")),
    (AGENDA, re.compile(r"\bordre\s+du\s+jour\b")),
    (DECISIONS, re.compile(r"\bdecisions\b")),
    (RECOMMENDATIONS, re.compile(r"\brecommandations?\b")),
    (ACTIONS, re.compile(r"\bactions?\b")),
)
_MENTIONS_RECOMMENDATION = re.compile(r"\brecommandations?\b")
_MENTIONS_ACTION = re.compile(r"\bactions?\b")

_COLUMN_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"^(?:n\s*[°o]?|no|num(?:ero)?|#|rang|ordre)\.?$")),
    (
        "comment",
        re.compile(
            r"^(?:observations?|commentaires?|remarques?|justifications?|presentateurs?"
            r"|intervenants?)\b"
        ),
    ),
    ("kind", re.compile(r"^(?:types?|nature)$")),
    (
        "owner",
        re.compile(
            r"^(?:responsables?|resp\b|points?\s+foca|porteurs?|structures?\s+(?:resp|charg|port)"
            r"|acteurs?|charge\s+de|qui\b|entites?\s+resp|pilotes?\b|destinataires?)"
        ),
    ),
    (
        "name",
        re.compile(
            r"^(?:noms?\b|prenoms?\b|participants?$|identite|representants?\b"
            r"|representee?s?\s+par)"
        ),
    ),
    ("role", re.compile(r"^(?:fonctions?|titres?|qualites?|postes?|roles?)\b")),
    (
        "structure",
        re.compile(r"^(?:structures?|ministeres?|institutions?|organismes?|entites?|administrat)"),
    ),
    (
        "due",
        re.compile(
            r"^(?:echeances?|delais?|dates?\s+(?:limites?|butoirs?|d'echeance|prevues?|de\s+real)"
            r"|dates?$|periodes?|quand\b|calendrier|chronogramme|horizon|duree)"
        ),
    ),
    (
        "status",
        re.compile(
            r"^(?:statuts?|etats?|niveau|avancement|situation|point\s+d'(?:execution|avancement)"
            r"|taux|ou\s+en\s+est|realisation\b)"
        ),
    ),
    (
        "text",
        re.compile(
            r"^(?:recommandations?|actions?|mesures?|activites?|taches?|libelles?|intitules?"
            r"|descriptions?|objet|decisions?|quoi\b|resume|contenu|points?$|sujets?$|themes?$)\b"
        ),
    ),
)


def section_kind(key: str, *, loose: bool) -> str | None:
    if _FOLLOWUP_START.match(key) or (loose and _FOLLOWUP_ANY.search(key)):
        return OTHER
    kind: str | None = None
    for candidate, pattern in _SECTION_STARTS:
        if pattern.match(key):
            kind = candidate
            break
    if kind is None and loose:
        for candidate, pattern in _SECTION_CONTAINS:
            if pattern.search(key):
                kind = candidate
                break
    if kind in (RECOMMENDATIONS, ACTIONS) and (
        _MENTIONS_RECOMMENDATION.search(key) and _MENTIONS_ACTION.search(key)
    ):
        return BOTH
    return kind


def status_of(raw: str) -> tuple[Status, bool]:
    """(status, recognised); no status written means not started, which is not a doubt."""
    key = normalize(raw)
    if not key:
        return "not_started", True
    for status, pattern in _STATUS_RULES:
        if pattern.search(key):
            return status, True
    return "not_started", False


def column_roles(row: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(row):
        key = normalize(cell).replace("(s)", "").strip(" .:*")
        for role, pattern in _COLUMN_RULES:
            if key and pattern.match(key):
                found.setdefault(role, []).append(index)
                break
    return found


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, list[int]]] | None:
    for index, row in enumerate(rows[:3]):
        columns = column_roles(row)
        if "name" in columns or (
            "text" in columns and columns.keys() & {"owner", "due", "status", "structure"}
        ):
            return index, columns
    return None


def cell_text(row: list[str], columns: dict[str, list[int]], role: str) -> str:
    return " ".join(row[i] for i in columns.get(role, []) if i < len(row) and row[i]).strip()


def clean_item_text(text: str) -> str:
    text = text.strip()
    match = ITEM_PREFIX.match(fold(text))
    if match:
        text = clean_value(text[match.end() :])
        # "Action : déclarer les traitements" reads "Déclarer les traitements" once unlabelled.
        return text[:1].upper() + text[1:]
    return clean_value(text)


def is_labelled_line(folded: str) -> bool:
    return bool(META.match(folded) or EXCUSED.match(folded) or ABSENT.match(folded))


def ordinal_value(match: re.Match[str]) -> int:
    return int(match["n"]) if match["n"] else ORDINAL_WORDS[match["w"]]


def label_field(label: str) -> str:
    if label.startswith(("echeance", "delai", "date")):
        return "due"
    if label.startswith(("statut", "etat")):
        return "status"
    return "owner"


def strip_quotes(text: str) -> str:
    return text.strip().strip("«»“”\"'\u00a0\u202f ").strip()


# --------------------------------------------------------------------------- header lines

# "Cotonou, le 5 décembre 2023" / "… s'est réunie le 26 juin 2025 à Cotonou".
HEADER_PLACE = re.compile(
    r"^\s*(?P<town>[A-ZÀ-Ý][\w'\-]+(?:[ \-][A-ZÀ-Ý][\w'\-]+)?),\s+le\b"
    r"|\bà\s+(?P<place>[A-ZÀ-Ý][\w'\-]+(?:[ \-][A-ZÀ-Ý][\w'\-]+)?)"
)
AGENDA_LINE = re.compile(
    r"^(?:ordre\s+du\s+jour|l'ordre\s+du\s+jour\s+(?:portait|comportait)[^:]{0,60})\s*:\s*"
)
# A table of contents line: a title, dot leaders and a page number.
CONTENTS_ENTRY = re.compile(r"(?:\.{4,}|…{2,}|\t)\s*\d{1,3}$")
AGENDA_PROSE = re.compile(r"^(?:l'ordre\s+du\s+jour|apres|la\s+seance|le\s+president)\b")
_FIELD_LABELS = r"(?:date|lieu|heure|horaires?|presidence|rapporteu(?:r|se)|theme)"
NEXT_FIELD = re.compile(rf"\s?[·•|;,—–-]{{1,3}}\s?(?={_FIELD_LABELS}\s*:)")
FIELD_SEPARATOR = re.compile(r"\s+[·•|]\s+")
MAX_FIELDS_PER_LINE = 8


def meta_field_name(match: re.Match[str] | None) -> str:
    """The field a header label fills ("Lieu :" → place); "Date et lieu :" counts as the date."""
    label = match["label"] if match else ""
    if " et " in label:
        return "date"
    return next((v for k, v in META_FIELDS.items() if label.startswith(k)), "")
