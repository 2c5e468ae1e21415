"""Translation catalogue: every visible text comes from ``tracker/locales/<lang>/<domain>.toml``.

A key is ``<domain>.<name>``: the file's stem, then the key inside it. The language of the
current script run is held in a context variable, set by the UI from the user's choice.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"

_current: ContextVar[str] = ContextVar("tracker_language", default=DEFAULT_LANGUAGE)


def set_language(lang: str) -> None:
    """Use ``lang`` for the rest of this script run (falls back to French)."""
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def get_language() -> str:
    return _current.get()


def _flatten(prefix: str, table: dict[str, object], into: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, into)
        else:
            into[full] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, flattened."""
    entries: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as handle:
            _flatten(path.stem, tomllib.load(handle), entries)
    return entries


def plural_category(lang: str, count: object) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (Babel's rules: in French 0 and 1 are
    « one », in English only 1 is)."""
    try:
        number = abs(int(str(count).replace("\u202f", "").replace("\u00a0", "")
                         .replace(" ", "")))
    except ValueError:
        return "other"
    return str(Locale.parse(lang).plural_form(number))


def _entry(lang: str, key: str, values: dict[str, object]) -> str | None:
    entries = catalogue(lang)
    text = entries.get(key)
    if text is not None or f"{key}.other" not in entries:
        return text
    # A message with plural forms ({one = "…", other = "…"}) is worded for its count, ``n``.
    form = plural_category(lang, values.get("n", 0))
    return entries.get(f"{key}.{form}") or entries[f"{key}.other"]


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The text for ``key`` in the current language, with ``{name}`` placeholders filled; a
    message with plural forms takes the form its count ``n`` calls for."""
    lang = lang or get_language()
    text = _entry(lang, key, values) or _entry(DEFAULT_LANGUAGE, key, values) or key
    return text.format(**values) if values else text


def colon(lang: str | None = None) -> str:
    """What separates a label from its value: « : » after a no-break space in French, ": " in
    English."""
    return "\u00a0: " if (lang or get_language()) == "fr" else ": "


def has_key(key: str) -> bool:
    entries = catalogue(DEFAULT_LANGUAGE)
    return key in entries or f"{key}.other" in entries
