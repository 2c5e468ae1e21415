"""French dates and due dates as PVs write them."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.core.frdates import DueResolution, parse_french_date, resolve_due

SESSION = date(2025, 6, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/03/2026", date(2026, 3, 31)),
        ("31 mars 2026", date(2026, 3, 31)),
        ("1er avril 2026", date(2026, 4, 1)),
        ("mardi 24 juin 2025", date(2025, 6, 24)),
        ("MARDI 24 JUIN 2025", date(2025, 6, 24)),
        ("24-06-2025", date(2025, 6, 24)),
        ("24.06.2025", date(2025, 6, 24)),
        ("24/06/25", date(2025, 6, 24)),
        ("2025-06-24", date(2025, 6, 24)),
        ("le 15 août 2025", date(2025, 8, 15)),
        ("15 aout 2025", date(2025, 8, 15)),
        ("3 févr. 2026", date(2026, 2, 3)),
        ("Fait à Cotonou, le 29 novembre 2022", date(2022, 11, 29)),
        ("du 2 mars 2026 au 31/03/2026", date(2026, 3, 2)),
    ],
)
def test_complete_dates_are_read_in_french_forms(text: str, expected: date) -> None:
    assert parse_french_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "31/02/2026", "32 mars 2026", "mars 2026", "fin T1 2026", "sans délai", "T3"]
)
def test_incomplete_or_impossible_dates_are_not_dates(text: str) -> None:
    assert parse_french_date(text) is None


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("31/03/2026", date(2026, 3, 31)),
        ("31 mars 2026", date(2026, 3, 31)),
        ("1er avril 2026", date(2026, 4, 1)),
        ("avant le 15 octobre 2025", date(2025, 10, 15)),
        ("fin mars 2026", date(2026, 3, 31)),
        ("Fin février 2028", date(2028, 2, 29)),
        ("fin du mois d'août 2025", date(2025, 8, 31)),
        ("fin novembre 2025", date(2025, 11, 30)),
        ("fin T1 2026", date(2026, 3, 31)),
        ("FIN T1 2026", date(2026, 3, 31)),
        ("fin T4 2025", date(2025, 12, 31)),
        ("fin du 1er trimestre 2026", date(2026, 3, 31)),
        ("fin du premier trimestre 2026", date(2026, 3, 31)),
        ("FIN DU PREMIER TRIMESTRE 2026", date(2026, 3, 31)),
        ("fin du 3e trimestre 2025", date(2025, 9, 30)),
        ("fin du deuxième trimestre de l'année 2026", date(2026, 6, 30)),
        ("fin S1 2026", date(2026, 6, 30)),
        ("fin du 1er semestre 2026", date(2026, 6, 30)),
        ("fin S2 2025", date(2025, 12, 31)),
        ("fin 2026", date(2026, 12, 31)),
        ("sans délai", date(2025, 7, 1)),
        ("SANS DELAI", date(2025, 7, 1)),
        ("Immédiat", date(2025, 7, 1)),
        ("immédiatement", date(2025, 7, 1)),
    ],
)
def test_due_dates_that_are_certain(text: str, due: date) -> None:
    assert resolve_due(text, SESSION) == DueResolution(due, certain=True, raw=text)


@pytest.mark.parametrize(
    "text", ["avant la prochaine session", "Prochaine session", "AVANT LA PROCHAINE SESSION"]
)
def test_next_session_has_no_date_until_that_session_is_dated(text: str) -> None:
    assert resolve_due(text, SESSION) == DueResolution(
        None, next_session=True, certain=True, raw=text
    )


@pytest.mark.parametrize("text", ["permanent", "Permanente", "en continu", "Continu", "CONTINU"])
def test_recurring_items_have_no_due_date(text: str) -> None:
    assert resolve_due(text, SESSION) == DueResolution(None, recurring=True, certain=True, raw=text)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("septembre 2025", date(2025, 9, 30)),
        ("T3 2025", date(2025, 9, 30)),
        ("2e trimestre 2026", date(2026, 6, 30)),
        # A month or a day without its year: the next one after the session.
        ("fin juillet", date(2025, 7, 31)),
        ("fin mars", date(2026, 3, 31)),
        ("15 octobre", date(2025, 10, 15)),
    ],
)
def test_implied_due_dates_are_returned_but_flagged_uncertain(text: str, due: date) -> None:
    resolution = resolve_due(text, SESSION)
    assert resolution.due == due
    assert resolution.certain is False


@pytest.mark.parametrize("text", ["", "   ", "dès que possible", "à définir", "continuité", "T5"])
def test_unreadable_due_dates_are_none_and_uncertain(text: str) -> None:
    resolution = resolve_due(text, SESSION)
    assert (resolution.due, resolution.next_session, resolution.recurring) == (None, False, False)
    assert resolution.certain is False


def test_sans_delai_without_a_session_date_cannot_be_computed() -> None:
    assert resolve_due("sans délai", None) == DueResolution(None, certain=False, raw="sans délai")


def test_raw_text_is_kept_with_spaces_squashed() -> None:
    assert resolve_due("  fin   T1\u00a02026 ", SESSION).raw == "fin T1 2026"
