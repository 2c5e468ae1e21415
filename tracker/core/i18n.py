"""Translation catalogue: every visible text comes from ``tracker/locales/<lang>/<domain>.toml``.

A key is ``<domain>.<name>``: the file's stem, then the key inside it. The language of the
current script run is held in a context variable, set by the UI from the user's choice.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from functools import cache
from pathlib import Path

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


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The text for ``key`` in the current language, with ``{name}`` placeholders filled."""
    lang = lang or get_language()
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text


def has_key(key: str) -> bool:
    return key in catalogue(DEFAULT_LANGUAGE)
