"""Quarter arithmetic has one home: tracker.core.periods.Quarter."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.core.periods import Quarter, previous_quarter, quarter_end, quarter_of


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 1, 1), Quarter(2026, 1)), (date(2026, 3, 31), Quarter(2026, 1)),
    (date(2026, 4, 1), Quarter(2026, 2)), (date(2026, 12, 31), Quarter(2026, 4)),
])
def test_a_day_falls_in_its_calendar_quarter(day: date, expected: Quarter) -> None:
    assert Quarter.of(day) == expected
    assert quarter_of(day) == expected.quarter


def test_bounds_previous_and_next_cross_the_year() -> None:
    assert (Quarter(2026, 1).start, Quarter(2026, 1).end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert Quarter(2024, 4).end == date(2024, 12, 31) == quarter_end(2024, 4)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert previous_quarter(2026, 1) == (2025, 4)
    assert Quarter(2025, 4).next() == Quarter(2026, 1)


def test_quarters_are_ordered_by_time_and_counted_back() -> None:
    assert Quarter(2025, 4) < Quarter(2026, 1) < Quarter(2026, 2)
    assert Quarter(2026, 2).back(3) == [Quarter(2025, 4), Quarter(2026, 1), Quarter(2026, 2)]


def test_a_fifth_quarter_does_not_exist() -> None:
    with pytest.raises(ValueError, match="1 to 4"):
        Quarter(2026, 5)
