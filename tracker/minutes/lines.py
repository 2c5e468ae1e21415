"""What one line of a PV says when it is prose rather than a table: a participant, a list of
participants, an owner and a due date inside a sentence ("Le MEF devra … avant le …").

Values found here are *inferred* from wording, never read from a label: the reader marks them
uncertain so that a person confirms them.
"""

from __future__ import annotations

import re

from tracker.minutes.patterns import clean_value, fold, squash
from tracker.minutes.structures import StructureIndex

CIVILITY = re.compile(
    r"^(?:m\.|mr\.?|mme\.?|mlle\.?|dr\.?|pr\.?|me\.?|monsieur|madame|mademoiselle)\s+",
    re.IGNORECASE,
)
PARTICIPANTS_INTRO = re.compile(
    r"^(?:ont\s+(?:pris\s+part|participe|assiste)|etaient\s+(?:presents?|presentes|representes?)"
    r"|participaient|sont\s+presents?|presents?)\b[^:]{0,80}:\s*"
)
# A date read from the opening of a PV: "s'est tenue le …", "Cotonou, le …", "réunion du …".
HEADER_DATE_CONTEXT = re.compile(
    r"\b(?:proces|reunion|session|seance|tenue|reunie?s?|l'an|date)\b"
    r"|^[a-z' -]{2,40},\s+le\b"
)
_PART_SPLIT = re.compile(r"\s*[,;]\s*|\s+[–—-]\s+")
_PROSE_SPLIT = re.compile(
    r"\s*[,;]\s*(?:et\s+)?|\s+et\s+(?=(?:m\.|mme|mlle|monsieur|madame|[A-Z]))"
)
_BRACKETED = re.compile(r"\(([^()]{1,120})\)")
_ROLE_OF = re.compile(
    r"^(?P<role>.*?)\b(?:representant(?:e)?\s+(?:du|de\s+la|de\s+l'|des|de|le|la|l')"
    r"|(?:du|de\s+la|de\s+l'|des|de)\s*(?=minist|agence|societe|autorite|centre|presidence"
    r"|secretariat|direction))\s*(?P<structure>.+)$"
)
_ON_BEHALF = re.compile(
    r"^representant(?:e)?s?\s+(?:de\s+la|de\s+l'|du|des|de)\s*(?P<structure>[^:]{2,120}?)\s*:\s*"
)
_STRUCTURE_FIRST = re.compile(r"^(?P<structure>[^:]{2,80}?)\s*:\s*(?P<person>.+)$")
_SUBJECT = (
    r"(?:devra|devront|doit|doivent|est\s+charge(?:e)?|sont\s+charge(?:e)?s|veillera|veilleront"
    r"|transmettra|transmettront|publiera|publieront|presentera|presenteront|elaborera"
    r"|mettra|finalisera|organisera|assurera|prendra|procedera|realisera|raccordera"
    r"|s'engage|se\s+charge(?:ra)?|[a-z]{3,}(?:era|ira|ra|ront)"
    r"|(?:est|sont)\s+invite(?:e)?s?\s+a)\b"
)
_OWNER_FIRST = re.compile(rf"^(?:le|la|les|l')\s*(?P<owner>[^,;:]{{2,90}}?)\s+{_SUBJECT}")
_OWNER_ADDRESSED = re.compile(
    r"\b(?:recommande|demande|invite|exhorte|instruit|charge|enjoint)\s+"
    r"(?P<article>au|a\s+la|a\s+l'|aux|le|la|l'|les)\s*(?P<owner>[^,;:]{2,90}?)\s*(?:de\s|d')"
)
# One point of "La conférence recommande : - au MCVT de publier … ; - au MEEM d'équiper …".
_OWNER_DATIVE = re.compile(
    r"^(?P<article>au|a\s+la|a\s+l'|aux)\s*(?P<owner>[^,;:]{2,90}?)\s*(?:de\s|d')"
)
_DUE_PHRASE = re.compile(
    r"\b(?:avant|d'ici(?:\s+a)?|au\s+plus\s+tard|pour\s+(?:le|la|fin)|des\s+(?:le|la)"
    r"|a\s+compter\s+du|courant|(?<!au\s)plus\s+tard)\b.*"
    r"|\b(?:sans\s+delai|en\s+permanence|chaque\s+(?:trimestre|session|annee|mois)"
    r"|de\s+facon\s+permanente|immediatement)\b.*"
)


def strip_civility(name: str) -> str:
    """ "M. Koffi AGBO" → "Koffi AGBO"."""
    return CIVILITY.sub("", name.strip()).strip()


def looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 8
        and text[0].isupper()
        and not any(c.isdigit() for c in text)
        and ":" not in text
    )


def split_participant(text: str, index: StructureIndex) -> tuple[str, str, str] | None:
    """(name, role, structure as written) of "Aïcha DOSSOU, DSI, MEF", "Aïcha DOSSOU (MEF), DSI",
    "M. X, représentant du Ministère de la Santé", "Koffi AGBANGLA - DSI - MS",
    "Représentant de l'ANIP : M. Justin GBAGUIDI, Directeur technique"; None otherwise."""
    on_behalf = _ON_BEHALF.match(fold(text))
    if on_behalf:
        person = [p.strip() for p in text[on_behalf.end() :].split(",", 1)]
        name = strip_civility(person[0])
        if looks_like_name(name):
            role = person[1] if len(person) > 1 else ""
            structure = text[on_behalf.start("structure") : on_behalf.end("structure")]
            return name, role, structure
    labelled = _STRUCTURE_FIRST.match(text)
    if labelled and index.lookup(labelled["structure"]):
        # "MEF : Aïcha DOSSOU (DSI)"
        attendee: str = labelled["person"]
        bracket = _BRACKETED.search(attendee)
        role = bracket[1].strip() if bracket else ""
        name = strip_civility(attendee[: bracket.start()] if bracket else attendee.split(",")[0])
        if looks_like_name(name.strip()):
            return name.strip(), role, labelled["structure"]
    bracket = _BRACKETED.search(text)
    bracketed = ""
    first_separator = _PART_SPLIT.search(text)
    before_separator = first_separator is None or (
        bracket is not None and bracket.start() < first_separator.start()
    )
    if bracket and before_separator and index.codes_in(bracket[1]):
        # The structure in brackets after the name: "Aïcha DOSSOU (MEF), DSI".
        bracketed = bracket[1]
        text = squash(text[: bracket.start()] + text[bracket.end() :])
    parts = [p for p in (x.strip() for x in _PART_SPLIT.split(text)) if p]
    if not parts:
        return None
    name = strip_civility(parts[0])
    if not looks_like_name(name) or len(parts) > 10:
        return None
    rest = parts[1:]
    if bracketed:
        return name, ", ".join(rest), bracketed
    if not rest:
        return None
    # The longest tail that names a structure, so "…, de l'Élevage et de la Pêche" stays whole.
    for i in range(len(rest)):
        candidate = ", ".join(rest[i:])
        if index.lookup(candidate):
            return name, ", ".join(rest[:i]), candidate
    if len(rest) == 1:
        only = rest[0]
        match = _ROLE_OF.match(fold(only))
        if match:
            # "représentant du Ministère de …", "DSI du Ministère de …"
            role = clean_value(only[: match.start("structure")])
            return name, role or only, only[match.start("structure") :]
        if index.codes_in(only):
            return name, only, only  # "DSI/MDC", "DSI-MEF"
        return name, only, ""
    return name, ", ".join(rest[:-1]), rest[-1]


def prose_participants(text: str, index: StructureIndex) -> list[tuple[str, str, str]]:
    """ "M. Koffi AGBO (MEF), Mme Awa BIO (MS) et M. Paul DOSSA (ANIP)." → three participants."""
    found: list[tuple[str, str, str]] = []
    # Commas inside brackets ("(DSI, MEF)") do not separate people.
    protected = re.sub(r"\(([^()]*)\)", lambda m: "(" + m[1].replace(",", "\x00") + ")", text)
    for piece in _PROSE_SPLIT.split(protected.rstrip(" .")):
        piece = piece.replace("\x00", ",").strip()
        bracket = _BRACKETED.search(piece)
        if not bracket:
            continue
        name = strip_civility(piece[: bracket.start()])
        inside = [p.strip() for p in bracket[1].split(",") if p.strip()]
        if not looks_like_name(name) or not inside:
            continue
        structure = next((p for p in reversed(inside) if index.codes_in(p)), inside[-1])
        role = ", ".join(p for p in inside if p != structure)
        found.append((name, role, structure))
    return found


def inline_owner(text: str) -> str:
    """The owner a sentence names as its subject or addressee, as written; "" if none."""
    folded = fold(text)
    for pattern in (_OWNER_FIRST, _OWNER_ADDRESSED, _OWNER_DATIVE):
        match = pattern.search(folded)
        if match:
            return squash(text[match.start("owner") : match.end("owner")])
    return ""


_NUMBERED_POINTS = re.compile(r"(?:^|[;,.]\s*|\s)(?:\d{1,2}[).°]|[a-z]\)|[-•])\s+")


def inline_list(text: str) -> list[str]:
    """ "1) Adoption de l'ordre du jour ; 2) Point des recommandations ; 3) Divers." → 3 points;
    fewer than two numbered points is not a list."""
    pieces = [clean_value(p) for p in _NUMBERED_POINTS.split(text)]
    points = [p for p in pieces if p]
    return points if len(points) >= 2 and len(_NUMBERED_POINTS.findall(text)) >= 2 else []


def inline_due(text: str) -> str:
    """The deadline phrase of a sentence ("avant le 31 décembre 2025"), as written; "" if none."""
    match = _DUE_PHRASE.search(fold(text))
    return clean_value(text[match.start() :]) if match else ""


_TRAILING_BRACKETS = re.compile(r"\s*\(([^()]{2,120})\)\s*[.;]?\s*$")


def trailing_owner_due(text: str, index: StructureIndex) -> tuple[str, str, str]:
    """ "Publier les tarifs (SBIN ; 31/10/2023)." → (text, "SBIN", "31/10/2023"); the brackets
    stay in the text unless one of their parts names a structure."""
    match = _TRAILING_BRACKETS.search(text)
    if not match:
        return text, "", ""
    owner = due = ""
    for part in (p.strip() for p in re.split(r"\s*[;,]\s*", match[1])):
        if not owner and index.owner(part)[0]:
            owner = part
        elif not due and re.search(r"\d|fin|prochaine|permanent|delai", fold(part)):
            due = part
    if not owner:
        return text, "", ""
    return text[: match.start()].rstrip(" .;"), owner, due
