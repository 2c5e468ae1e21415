"""Numbers as secretariats write them: session ranks and conference numbers, dates in words,
deadlines counted from the session."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.minutes.patterns import fold
from tracker.minutes.words import date_in_words, session_numbers, within, year_end


@pytest.mark.parametrize(
    ("title", "numbers"),
    [
        ("Procès-verbal de la 2e session ordinaire 2025 — 18e conférence", (2, 18)),
        ("PROCES-VERBAL DE LA IIe SESSION ORDINAIRE (XVe CONFERENCE)", (2, 15)),
        ("Dix-septième Conférence des DSI — Première session ordinaire", (1, 17)),
        ("la deuxième session ordinaire (vingt et unième conférence)", (2, 21)),
        ("LA 1ÈRE SESSION ORDINAIRE DE L'ANNÉE 2024 (QUATORZIEME CONFERENCE)", (1, 14)),
        ("CONFÉRENCE DES DSI — SESSION N° 2/2023", (2, None)),
        ("session ordinaire n° 1 de 2022 — Conférence n° 9", (1, 9)),
        ("réunion du mardi 11 juillet 2023 (12e CDSI)", (None, 12)),
        ("la session extraordinaire de la Conférence des DSI", (None, None)),
        ("la 3ème session de l'année 2024 de la conférence", (3, None)),
    ],
)
def test_session_rank_and_conference_number_in_any_form(
    title: str, numbers: tuple[int | None, int | None]
) -> None:
    assert session_numbers(fold(title)) == numbers


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("L'an deux mille vingt-deux et le mardi dix-neuf juillet, s'est tenue", date(2022, 7, 19)),
        ("Fait à Cotonou, le quatorze mars deux mille vingt-quatre", date(2024, 3, 14)),
        ("L'an deux mille vingt-cinq, le mardi vingt-deux juillet", date(2025, 7, 22)),
        ("le premier avril deux mille vingt-trois", date(2023, 4, 1)),
        ("le trente et un décembre deux mille vingt et un", date(2021, 12, 31)),
        ("le trente février deux mille vingt-quatre", None),
        ("le conseil des ministres", None),
    ],
)
def test_dates_written_in_words(text: str, day: date | None) -> None:
    assert date_in_words(fold(text)) == day


def test_deadlines_counted_from_the_session_or_to_the_end_of_a_year() -> None:
    session = date(2024, 1, 31)
    assert within("3 mois", session) == date(2024, 4, 30)
    assert within("sous 15 jours", session) == date(2024, 2, 15)
    assert within("dans deux semaines", session) == date(2024, 2, 14)
    assert within("3 mois", None) is None
    assert within("rentree 2024", session) is None
    assert year_end("courant 2025") == date(2025, 12, 31)
    assert year_end("fin mars 2025") is None
