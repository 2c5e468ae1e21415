"""Numbers written out as secretariats write them: ordinals in words, figures or Roman numerals
("dix-septième", "17e", "XVIIe"), and dates in words ("L'an deux mille vingt-quatre et le jeudi
quatorze mars").

Every function takes text already folded (lower case, no accents).
"""

from __future__ import annotations

import datetime as dt
import re

from tracker.core.frdates import MONTHS, parse_french_date

CARDINALS: dict[str, int] = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "vingts": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
}
# "dix-septième": the stem of each ordinal in "-ième".
ORDINAL_STEMS: dict[str, int] = {
    "un": 1,
    "deux": 2,
    "trois": 3,
    "quatr": 4,
    "cinqu": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuv": 9,
    "dix": 10,
    "onz": 11,
    "douz": 12,
    "treiz": 13,
    "quatorz": 14,
    "quinz": 15,
    "seiz": 16,
    "vingt": 20,
    "trent": 30,
    "quarant": 40,
    "cinquant": 50,
    "soixant": 60,
    "cent": 100,
}
ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
WEEKDAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_MONTH = "|".join(sorted((m for m in MONTHS if len(m) > 3), key=len, reverse=True))
_WORD = r"[a-z]+"
_NUMBER_WORDS = rf"(?:{_WORD}|\d{{1,2}}(?:er)?)(?:[\s-]+(?:{_WORD})){{0,3}}?"
_YEAR_WORDS = r"(?:deux[\s-]+)?mille(?:[\s-]+[a-z]+){0,4}"
_DATE_AFTER_YEAR = re.compile(
    rf"\bl'an\s+(?P<year>{_YEAR_WORDS}?)\s*(?:,|\bet\b)?\s*(?:,\s*)?le\s+(?:{WEEKDAYS}\s+)?"
    rf"(?P<day>{_NUMBER_WORDS})\s+(?P<month>{_MONTH})\b"
)
_DATE_WITH_YEAR = re.compile(
    rf"\ble\s+(?:{WEEKDAYS}\s+)?(?P<day>{_NUMBER_WORDS})\s+(?P<month>{_MONTH})\s+(?:de\s+l'an\s+)?"
    rf"(?P<year>{_YEAR_WORDS})"
)
_ORDINAL_TOKEN = re.compile(
    r"^(?:(?P<digits>\d{1,3})(?:ere|er|re|ieme|eme|e)"
    r"|(?P<roman>[ivx][ivxlc]{0,6})(?:ere|er|re|ieme|eme|e)"
    r"|(?P<first>premiere?|premier)|(?P<second>seconde?)"
    r"|(?P<stem>[a-z]+?)i?eme)$"
)
_TOKENS = re.compile(r"[a-z0-9']+")


def roman_value(text: str) -> int | None:
    """The value of a Roman numeral in lower case ("xiv" → 14), None if it is not one."""
    if not text or any(c not in ROMAN for c in text):
        return None
    total = 0
    for ch, nxt in zip(text, [*text[1:], ""], strict=True):
        value = ROMAN[ch]
        total += -value if nxt and ROMAN[nxt] > value else value
    return total


def cardinal(words: list[str]) -> int | None:
    """ "deux mille vingt-quatre" (as words) → 2024; None when a word is not a number."""
    total = 0
    current = 0
    seen = False
    for word in words:
        if word == "et":
            continue
        if word.isdigit():
            current += int(word)
        elif word in ("vingt", "vingts") and current % 100 == 4:
            current += 76  # quatre-vingt(s)
        elif word in CARDINALS:
            current += CARDINALS[word]
        elif word in ("cent", "cents"):
            current = max(current, 1) * 100
        elif word == "mille":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _ordinal_word(token: str) -> int | None:
    match = _ORDINAL_TOKEN.match(token)
    if not match:
        return None
    if match["digits"]:
        return int(match["digits"])
    if match["roman"]:
        return roman_value(match["roman"])
    if match["first"]:
        return 1
    if match["second"]:
        return 2
    return ORDINAL_STEMS.get(match["stem"] or "")


def ordinal_before(folded: str, noun: re.Pattern[str]) -> int | None:
    """The ordinal written just before ``noun``: "2e session", "dix-septième conférence"."""
    for found in noun.finditer(folded):
        # A number written out takes a few words: look no further back than that.
        window = folded[max(0, found.start() - 80) : found.start()]
        before = re.split(r"[\s\-(),]+", window.rstrip(" (-"))
        if not before or not before[-1]:
            continue
        value = _ordinal_word(before[-1])
        if value is None:
            continue
        prefix: list[str] = []
        for word in reversed(before[:-1]):
            if word in CARDINALS or word == "et":
                prefix.insert(0, word)
            else:
                break
        while prefix and prefix[0] == "et":
            prefix.pop(0)
        token = _ORDINAL_TOKEN.match(before[-1])
        if prefix and token is not None and token["stem"]:
            return (cardinal(prefix) or 0) + value
        return value
    return None


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s-]+", text.strip()) if w]


def _day(text: str) -> int | None:
    words = _words(text)
    if len(words) == 1 and re.fullmatch(r"\d{1,2}(?:er)?", words[0]):
        return int(words[0].removesuffix("er"))
    if words in (["premier"], ["1er"]):
        return 1
    return cardinal(words)


def date_in_words(folded: str) -> dt.date | None:
    """A date written out: "l'an deux mille vingt-deux et le mardi dix-neuf juillet",
    "le quatorze mars deux mille vingt-quatre"."""
    for pattern in (_DATE_AFTER_YEAR, _DATE_WITH_YEAR):
        for match in pattern.finditer(folded):
            year_words = _words(match["year"])
            # The year ends at the first word that is not a number word ("…vingt-quatre, s'est").
            kept: list[str] = []
            for word in year_words:
                if cardinal([word]) is None and word != "et":
                    break
                kept.append(word)
            year = cardinal(kept)
            day = _day(match["day"])
            if year is None or day is None or not 1900 < year < 2200:
                continue
            try:
                return dt.date(year, MONTHS[match["month"]], day)
            except ValueError:
                continue
    return None


def any_date(folded: str) -> dt.date | None:
    """The first date in figures, or failing that in words."""
    return parse_french_date(folded) or date_in_words(folded)


def tokens(folded: str) -> list[str]:
    """Words of a folded line, apostrophes kept ("l'asin")."""
    return _TOKENS.findall(folded)


_SESSION = re.compile(r"\bsessions?\b")
_CONFERENCE = re.compile(r"\b(?:conference|cdsi)\b")
_SESSION_NO = re.compile(r"\bsession\s+(?:(?:extra)?ordinaire\s+)?n\s*[°o]\s*(\d{1,2})\b")
_CONFERENCE_NO = re.compile(r"\b(?:conference|cdsi)\s+n\s*[°o]\s*(\d{1,3})\b")


def session_numbers(folded: str) -> tuple[int | None, int | None]:
    """(rank in the year, cumulative number) written in a title line, each None when absent."""
    rank = ordinal_before(folded, _SESSION)
    if rank is None and (match := _SESSION_NO.search(folded)):
        rank = int(match[1])
    number = ordinal_before(folded, _CONFERENCE)
    if number is None and (match := _CONFERENCE_NO.search(folded)):
        number = int(match[1])
    return rank, number


_YEAR_ONLY = re.compile(r"^(?:(?:courant|en|au\s+cours\s+de|dans\s+l'annee|annee)\s+)?(20\d\d)$")


_THIS_YEAR_END = re.compile(r"\bfin\s+(?:de\s+l'|d')annee(?:\s+en\s+cours)?$")


def year_end(folded: str, session_date: dt.date | None = None) -> dt.date | None:
    """ "courant 2025", "2025": the end of that year (what the conference means by it); "d'ici
    la fin de l'année": the end of the session's year."""
    text = folded.strip(" .;")
    match = _YEAR_ONLY.match(text)
    if match:
        return dt.date(int(match[1]), 12, 31)
    if session_date is not None and _THIS_YEAR_END.search(text):
        return dt.date(session_date.year, 12, 31)
    return None


_WITHIN = re.compile(
    r"^(?:dans\s+(?:un\s+delai\s+de\s+)?|sous\s+|d'ici\s+|delai\s+(?:de\s+)?)?"
    r"(?P<count>\d{1,2}|[a-z]+)\s+(?P<unit>mois|semaines?|jours?)$"
)


def within(folded: str, session_date: dt.date | None) -> dt.date | None:
    """ "3 mois", "sous 15 jours", "dans deux semaines": counted from the session date."""
    match = _WITHIN.match(folded.strip(" .;"))
    if not match or session_date is None:
        return None
    count = int(match["count"]) if match["count"].isdigit() else cardinal([match["count"]])
    if not count:
        return None
    if match["unit"] == "mois":
        month = session_date.month - 1 + count
        year, month = session_date.year + month // 12, month % 12 + 1
        last = 31
        while last > 28:
            try:
                return dt.date(year, month, min(session_date.day, last))
            except ValueError:
                last -= 1
        return dt.date(year, month, min(session_date.day, 28))
    days = count * 7 if match["unit"].startswith("semaine") else count
    return session_date + dt.timedelta(days=days)
