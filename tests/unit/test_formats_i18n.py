"""Numbers and dates as users in Benin read them, and a translation catalogue with no gaps."""

import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tracker.core.formats import (
    format_date,
    format_datetime,
    format_number,
    format_percent,
    format_value,
    format_xof,
    quarter_label,
)
from tracker.core.i18n import LANGUAGES, catalogue, set_language, t

ROOT = Path(__file__).resolve().parents[2]
NNBSP = "\u202f"  # narrow no-break space: French thousands separator and before "%"
NBSP = "\u00a0"


@pytest.fixture
def english():
    set_language("en")
    yield
    set_language("fr")


def test_french_numbers_use_narrow_spaces_and_a_decimal_comma():
    assert format_number(1234567.5) == f"1{NNBSP}234{NNBSP}567,5"
    assert format_number(1234567.5, 0) == f"1{NNBSP}234{NNBSP}568"
    assert format_percent(87.5) == f"87,5{NNBSP}%"
    assert format_xof(12450) == f"12{NNBSP}450{NBSP}F CFA"
    assert format_xof(2.5e9) == f"2,5{NBSP}Md F CFA"
    assert format_value(3, "days") == f"3{NBSP}j"


def test_english_numbers_use_commas_and_a_decimal_point(english):
    assert format_number(1234567.5) == "1,234,567.5"
    assert format_percent(87.5) == "87.5%"
    assert format_xof(2.5e9) == f"2.5{NBSP}bn F CFA"


def test_missing_values_show_a_dash_not_zero():
    assert format_number(None) == "—"
    assert format_number(float("nan")) == "—"
    assert format_percent(None) == "—"
    assert format_date(None) == "—"


def test_french_dates():
    assert format_date(date(2022, 11, 29)) == "29/11/2022"
    assert format_date(date(2022, 11, 29), "long") == "29 novembre 2022"
    assert quarter_label(2025, 1) == "T1 2025"
    assert quarter_label(2025, 1, long=True) == "1er trimestre 2025"
    assert quarter_label(2025, 3, long=True) == "3e trimestre 2025"


def test_english_dates(english):
    assert format_date(date(2022, 11, 29), "long") == "29 November 2022"
    assert quarter_label(2025, 2) == "Q2 2025"
    assert quarter_label(2025, 2, long=True) == "2nd quarter 2025"


def test_timestamps_are_stored_in_utc_and_shown_in_porto_novo_time():
    assert format_datetime(datetime(2025, 6, 24, 8, 30, tzinfo=UTC)) == "24/06/2025 09:30"
    assert format_datetime(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2026 00:30"


def test_french_and_english_catalogues_have_exactly_the_same_keys():
    french, english = set(catalogue("fr")), set(catalogue("en"))

    assert sorted(french - english) == [], "missing in English"
    assert sorted(english - french) == [], "missing in French"
    assert len(french) > 100


def test_every_translation_is_a_well_formed_template():
    broken = {}
    for lang in LANGUAGES:
        for key, text in catalogue(lang).items():
            try:
                list(string.Formatter().parse(text))
            except ValueError as exc:
                broken[f"{lang}:{key}"] = str(exc)

    assert broken == {}


# t("domain.key") or t('domain.key') as a whole argument; not t(f"..."), t("prefix." + x),
# some_t(...) or x.t(...).
LITERAL_KEY = re.compile(r"""(?<![\w.])t\(\s*(["'])([A-Za-z0-9_.]+)\1\s*[,)]""")


def _sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
            *sorted(p for p in (ROOT / "tracker").rglob("*.py") if "migrations" not in p.parts)]


def test_every_literal_key_used_in_the_code_exists_in_french():
    used = {(str(path.relative_to(ROOT)), match.group(2))
            for path in _sources() for match in LITERAL_KEY.finditer(path.read_text("utf-8"))}
    french = catalogue("fr")

    assert len(used) > 100  # the scan found the calls
    assert sorted((path, key) for path, key in used
                  if key not in french and f"{key}.other" not in french) == []


def test_key_scan_ignores_f_strings_and_other_functions():
    sample = ('x = t("home.title") + t(f"home.status.{s}") + st.t("a.b") + format("c.d") '
              '+ t("a." + k) + t(\'home.reporting\', quarter=q)')
    assert [m.group(2) for m in LITERAL_KEY.finditer(sample)] == ["home.title", "home.reporting"]


def test_unknown_key_falls_back_to_french_then_to_the_key(english):
    assert t("auth.submit") == "Sign in"
    assert t("auth.submit", lang="fr") == "Se connecter"
    assert t("nope.missing") == "nope.missing"
    assert set(LANGUAGES) == {"fr", "en"}


def test_a_message_with_plural_forms_follows_babels_rules(tmp_path, monkeypatch):
    """French puts 0 and 1 in the singular, English only 1; a million is « many » in French,
    which falls back to « other » when the message has no such form."""
    from tracker.core import i18n

    for lang, text in (("fr", 'saved = { one = "{n} ligne enregistrée.", '
                              'other = "{n} lignes enregistrées." }\n'),
                       ("en", 'saved = { one = "{n} row saved.", other = "{n} rows saved." }\n')):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "demo.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert [t("demo.saved", lang="fr", n=n) for n in (0, 1, 2)] == [
            "0 ligne enregistrée.", "1 ligne enregistrée.", "2 lignes enregistrées."]
        assert t("demo.saved", lang="fr", n=1_000_000) == "1000000 lignes enregistrées."
        assert [t("demo.saved", lang="en", n=n) for n in (0, 1, 2)] == [
            "0 rows saved.", "1 row saved.", "2 rows saved."]
        assert t("demo.saved", lang="fr", n="1\u202f234") == "1\u202f234 lignes enregistrées."
        assert i18n.has_key("demo.saved")
    finally:
        i18n.catalogue.cache_clear()


def test_no_message_writes_a_plural_as_s_in_parentheses():
    """« ligne(s) » is not how a person writes: a message with a count has plural forms."""
    written = {f"{lang}:{key}": text for lang in LANGUAGES for key, text in catalogue(lang).items()
               if re.search(r"\w\((s|x|es)\)", text)}
    assert written == {}
