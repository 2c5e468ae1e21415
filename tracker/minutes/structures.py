"""Structures as PVs name them: codes, acronyms, full, short and old names, lists of them."""

from __future__ import annotations

import difflib
import re

from tracker.core.refdata import StructureMatcher, StructureRef, normalize
from tracker.minutes.patterns import (
    ALL_STRUCTURES,
    clean_value,
    fold,
    squash,
    strip_articles,
    unique,
)

# --------------------------------------------------------------------------- structures

_ALL_MINISTRIES = re.compile(
    r"\b(?:tous\s+les\s+(?:ministeres|dsi|departements\s+ministeriels)"
    r"|toutes\s+les\s+(?:structures|dsi|institutions)"
    r"|chaque\s+(?:ministere|structure|dsi)"
    r"|l'ensemble\s+des\s+(?:ministeres|structures|dsi))\b"
)
_MINISTRY_PREFIX = re.compile(
    r"^ministere\s+(?:d'etat\s+)?(?:charge\s+)?(?:de\s+l'|de\s+la\s+|du\s+|des\s+|de\s+)?"
)
_ACRONYM = re.compile(r"\b[A-Za-z]*[A-Z]{2,}[A-Za-z]*\b")
# No attendance list or owner cell names hundreds of structures; beyond this it is not a list.
_MAX_LIST_PIECES = 200
# "Name, role, structure" where a structure name holds up to 4 commas or "et".
MAX_PARTICIPANT_PARTS = 10
_LIST_SEPARATOR = re.compile(r"(\s*[,;/+&]\s*|\s+et\s+|\s+[–—-]\s+)", re.IGNORECASE)


# Where the name of a body starts inside a longer text ("représentant du Ministère de …").
_BODY_START = re.compile(
    r"\b(?:ministere|agence|societe|autorite|centre|presidence|secretariat|office|conseil)\b"
)
_STOP_WORDS = frozenset({"de", "la", "le", "les", "l", "d", "du", "des", "et", "a", "au", "aux"})
# A misspelt name ("Minsitère de la Santé") is still that name when this close to it.
FUZZY_CUTOFF = 0.88
# A PV names a few dozen bodies; past this many distinct unknown names the file is not a PV's list
# and close matching (the costly part) stops, keeping hostile files fast.
MAX_APPROXIMATIONS = 300


def _content_words(key: str) -> set[str]:
    return {w for w in re.split(r"[\s',\-]+", key) if w and w not in _STOP_WORDS}


def name_key(text: str) -> str:
    """A structure name as compared: normalized, without article or "Ministère de"."""
    key = strip_articles(normalize(text))
    return _MINISTRY_PREFIX.sub("", key) if key.startswith("ministere") else key


class StructureIndex:
    """StructureMatcher plus the spellings PVs use: articles, "(MS)", short ministry names."""

    def __init__(self, structures: list[StructureRef]) -> None:
        self.matcher = StructureMatcher(structures)
        self._by_core: dict[str, str] = {}
        # Beginnings of names that contain a list separator ("Ministère de l'Agriculture, de
        # l'Élevage et de la Pêche"), so that ``split`` only rejoins pieces that can form a name.
        self._name_starts: set[str] = set()
        self._full_names: dict[str, str] = {}
        self._approximated: dict[str, tuple[str | None, bool]] = {}
        self._ministry_words: list[tuple[set[str], str]] = []
        for s in structures:
            for name in (s.name_fr, s.name_en):
                self._full_names.setdefault(normalize(name), s.code)
            if s.kind == "ministere":
                self._ministry_words.append((_content_words(name_key(s.name_fr)), s.code))
            key = normalize(s.name_fr)
            if key.startswith("ministere"):
                self._by_core.setdefault(name_key(key), s.code)
            for name in (s.name_fr, s.name_en):
                pieces = _LIST_SEPARATOR.split(name)
                self._name_starts.update(
                    name_key("".join(pieces[:end])) for end in range(1, len(pieces), 2)
                )

    def lookup(self, text: str) -> str | None:
        """One structure named by the whole of ``text``, or None."""
        text = squash(text).strip(" .;,:")
        if not text:
            return None
        code = self.matcher.resolve(text)
        if code:
            return code
        key = normalize(text)
        bare = strip_articles(key)
        if bare != key and (code := self.matcher.resolve(bare)):
            return code
        if bare.startswith("ministere") and (code := self._by_core.get(name_key(text))):
            return code
        # "Ministère de la Santé (MS)": the name outside the brackets. What is inside is only
        # looked at by ``resolve``, so that "DSI, Ministère … (MS)" is not taken as one name.
        outside = squash(re.sub(r"\([^()]*\)", " ", text))
        if outside and outside != text:
            return self.lookup(outside)
        return None

    def split(self, text: str) -> list[tuple[str, str | None]]:
        """Each structure of a list ("MEF, MS et ASIN"), keeping names that contain commas whole."""
        pieces = _LIST_SEPARATOR.split(text, maxsplit=_MAX_LIST_PIECES)
        tokens, separators = pieces[0::2], pieces[1::2]
        found: list[tuple[str, str | None]] = []
        i = 0
        while i < len(tokens):
            joined, end = tokens[i], i + 1
            best: tuple[int, str, str] | None = None
            while True:
                code = self.lookup(joined)
                if code:
                    best = (end, joined, code)
                if end >= len(tokens) or name_key(joined) not in self._name_starts:
                    break
                joined += separators[end - 1] + tokens[end]
                end += 1
            if best:
                i, raw, code = best
                found.append((squash(raw), code))
            else:
                raw = clean_value(tokens[i])
                if raw:
                    found.append((raw, None))
                i += 1
        return found

    def resolve(self, raw: str) -> tuple[str | None, bool]:
        """(code, certain) for a structure as written; several structures keep the first."""
        code = self.lookup(raw)
        if code:
            # "ASIN (avec SBIN)" names a second structure; "Ministère de la Santé (MS)" does not.
            bracketed = " ".join(re.findall(r"\(([^()]*)\)", raw))
            return code, not set(self.codes_in(bracketed)) - {code}
        # "MEF, MS", "DSI (MEF)", "Direction du Trésor/MEF": the structures named inside.
        codes = self.codes_in(raw)
        if not codes:
            return self.approximate(raw)
        return codes[0], len(codes) == 1

    def approximate(self, raw: str) -> tuple[str | None, bool]:
        """A body named inside a longer text (read: certain), or misspelt or shortened (a guess)."""
        if raw in self._approximated:
            return self._approximated[raw]
        if len(self._approximated) >= MAX_APPROXIMATIONS or len(raw) > 200:
            return None, False
        found = self._approximate(raw)
        self._approximated[raw] = found
        return found

    def _approximate(self, raw: str) -> tuple[str | None, bool]:
        folded = fold(raw)
        for match in _BODY_START.finditer(folded):
            tail = raw[match.start() :]
            if code := self.lookup(tail):
                return code, True
        candidates = [raw[m.start() :] for m in _BODY_START.finditer(folded)] or [raw]
        for candidate in candidates:
            key = normalize(squash(re.sub(r"\([^()]*\)", " ", candidate))).strip(" .;,:")
            close = difflib.get_close_matches(key, list(self._full_names), n=1, cutoff=FUZZY_CUTOFF)
            if close:
                return self._full_names[close[0]], False
            if key.startswith("ministere"):
                words = _content_words(name_key(key))
                owners = [code for known, code in self._ministry_words if words and words <= known]
                if len(owners) == 1:
                    return owners[0], False
        return None, False

    def codes_in(self, text: str) -> list[str]:
        """Every structure a name, then an acronym, in ``text`` designates."""
        found = [c for _, c in self.split(text) if c]
        found += [c for token in _ACRONYM.findall(text) if (c := self.lookup(token))]
        return unique(found)

    def owner(self, raw: str) -> tuple[str | None, bool]:
        """Like ``resolve``, with "Tous les ministères" (and the like) meaning all: "*"."""
        if _ALL_MINISTRIES.search(normalize(raw)):
            return ALL_STRUCTURES, True
        return self.resolve(raw)

