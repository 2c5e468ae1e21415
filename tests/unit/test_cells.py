"""The cell reader: empty cells (blank, NaN, NaT) read as empty, numbers in the French way,
and what cannot be read gives the reason shown to the user."""

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from tracker.core import cells
from tracker.core.i18n import set_language


@pytest.fixture(autouse=True)
def french():
    set_language("fr")
    yield
    set_language("fr")


@pytest.mark.parametrize("empty", [None, "", "   ", float("nan"), np.nan, pd.NaT, pd.NA,
                                   np.datetime64("NaT")])
def test_empty_cells_read_as_empty(empty):
    assert cells.is_blank(empty)
    assert cells.text(empty) == ""
    assert cells.optional_text(empty) is None
    assert cells.number(empty) is None
    assert cells.integer(empty) is None
    assert cells.day(empty) is None
    assert cells.codes(empty) == []
    assert cells.boolean(empty) is False
    assert cells.boolean(empty, default=True) is True


def test_text_is_stripped_and_cut():
    assert cells.text("  Mise en ligne  ") == "Mise en ligne"
    assert cells.text("abcdef", 3) == "abc"
    assert cells.optional_text(" x ") == "x"
    assert cells.text(12) == "12"


@pytest.mark.parametrize(("typed", "expected"), [
    ("1 234,5", 1234.5), ("1\u202f234,5", 1234.5), ("12\u00a0450\u00a0000", 12450000.0),
    ("3,5", 3.5), ("3.5", 3.5), ("-2", -2.0), (7, 7.0), (2.25, 2.25), (np.float64(1.5), 1.5),
])
def test_numbers_read_with_french_separators(typed, expected):
    assert cells.number(typed) == expected


@pytest.mark.parametrize("typed", ["abc", "1,2,3", "nan", "inf", "12 kg"])
def test_an_unreadable_number_gives_its_reason(typed):
    with pytest.raises(cells.CellError) as refused:
        cells.number(typed)
    assert refused.value.reason == f"« {typed} » n'est pas un nombre " \
        "(exemples acceptés : 1 234,5 ; 3,5 ; 12)."


def test_an_integer_is_a_whole_number():
    assert cells.integer("3") == 3
    assert cells.integer("3,0") == 3
    assert cells.integer(4.0) == 4
    with pytest.raises(cells.CellError, match="n'est pas un nombre entier"):
        cells.integer("2,5")
    with pytest.raises(cells.CellError, match="n'est pas un nombre"):
        cells.integer("deux")


def test_a_quarter_reads_as_1_to_4():
    assert [cells.quarter(v) for v in ("1", "T2", "q3", 4, 2.0)] == [1, 2, 3, 4, 2]
    for refused in ("", "T5", "0", "1,5", "premier"):
        with pytest.raises(cells.CellError, match="n'est pas un trimestre"):
            cells.quarter(refused)


def test_dates_from_an_editor_or_typed():
    assert cells.day(date(2025, 3, 31)) == date(2025, 3, 31)
    assert cells.day(datetime(2025, 3, 31, 14, 5)) == date(2025, 3, 31)
    assert cells.day(pd.Timestamp("2025-03-31")) == date(2025, 3, 31)
    assert cells.day("2025-03-31") == date(2025, 3, 31)
    assert cells.day("31/03/2025") == date(2025, 3, 31)
    with pytest.raises(cells.CellError) as refused:
        cells.day("fin mars")
    assert refused.value.reason == "« fin mars » n'est pas une date (JJ/MM/AAAA)."


def test_booleans_from_a_checkbox_or_typed():
    assert cells.boolean(True) is True
    assert cells.boolean(False) is False
    assert cells.boolean(np.bool_(True)) is True
    assert [cells.boolean(v) for v in ("oui", "non", "false", "0", "no", "x")] == [
        True, False, False, False, False, True]


def test_codes_from_a_multiselect_or_typed():
    assert cells.codes(["asin", " SBIN ", "asin"]) == ["ASIN", "SBIN"]
    assert cells.codes("asin, sbin; ms,") == ["ASIN", "SBIN", "MS"]


def test_reasons_follow_the_language():
    set_language("en")
    with pytest.raises(cells.CellError, match="is not a date"):
        cells.day("end of March")


# --- pages of a long table ----------------------------------------------------------------


def test_a_long_table_is_cut_into_pages_and_a_page_past_the_end_is_the_last():
    from tracker.core.tables import table_page

    first = table_page(19_889, 1)
    assert (first.number, first.count, first.start, first.stop) == (1, 398, 0, 50)
    last = table_page(19_889, 398)
    assert (last.start, last.stop) == (19_850, 19_889)
    assert table_page(120, 9).number == 3  # a filter left fewer rows: the last page there is
    assert table_page(120, 0).number == 1
    empty = table_page(0, 5)
    assert (empty.number, empty.count, empty.start, empty.stop) == (1, 1, 0, 0)
