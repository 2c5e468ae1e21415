"""The rules of a KPI value: French and English numbers, yes/no, ratios, units, formulas."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tracker.core.i18n import set_language
from tracker.core.refdata import KpiRef, load_kpis_csv
from tracker.results.values import (
    CleanValue,
    Field,
    FormulaRefused,
    check_value,
    is_empty_entry,
    parse_bool,
    parse_number,
    validate_value,
)

KPIS = {kpi.code: kpi for kpi in load_kpis_csv()}


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")


def kpi(code: str) -> KpiRef:
    return KPIS[code]


def with_unit(unit: str) -> KpiRef:
    return dataclasses.replace(kpi("ESV_PUB"), code=f"X_{unit.upper()}", unit=unit)


# -- parse_number ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 450 000", Decimal("12450000")),
        ("12\u00a0450\u00a0000", Decimal("12450000")),
        ("12\u202f450\u202f000", Decimal("12450000")),
        ("3,5", Decimal("3.5")),
        ("3.5", Decimal("3.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u202f234,5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("1,234,567", Decimal("1234567")),
        ("1.234,5", Decimal("1234.5")),
        ("87,5 %", Decimal("87.5")),
        ("87,5\u202f%", Decimal("87.5")),
        ("87,5%", Decimal("87.5")),
        ("-2", Decimal("-2")),
        ("\u22122", Decimal("-2")),
        ("+2", Decimal("2")),
        ("  42  ", Decimal("42")),
        ("0", Decimal("0")),
        ("-0", Decimal("0")),
        ("1,5E+06", Decimal("1500000")),
        ("98\u00a0512", Decimal("98512")),
    ],
)
def test_parse_number_reads_french_and_english_writing(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


def test_a_single_comma_is_a_french_decimal_separator() -> None:
    assert parse_number("1,234") == Decimal("1.234")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "12,", ",5", "1 23", "12 4500", "1,2,3", "1.2.3", "1,234.5,6", "--2",
     "12 450 000 FCFA", "N/A", "#DIV/0!", "12 %%", "½", "١٢", "1e", "0x10", "nan", "inf"],
)
def test_parse_number_refuses_anything_else(text: str) -> None:
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        parse_number(text)


@pytest.mark.parametrize("text", ["=1+1", "=SUM(A1:A3)", " =A1", "=HYPERLINK(\"http://x\")"])
def test_a_formula_is_refused_with_its_own_reason(text: str) -> None:
    with pytest.raises(FormulaRefused, match="formule"):
        parse_number(text)


def test_a_number_too_large_to_be_plausible_is_refused() -> None:
    with pytest.raises(ValueError, match="trop grand"):
        parse_number("1 000 000 000 000 000")


# -- parse_bool ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["oui", "Oui", "OUI", "yes", "YES", "true", "True", "vrai", "VRAI", "1", "o", "O",
             " oui ", True, 1],
)
def test_parse_bool_reads_yes(text: object) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize(
    "text", ["non", "Non", "no", "NO", "false", "FALSE", "faux", "Faux", "0", "n", "N", False, 0],
)
def test_parse_bool_reads_no(text: object) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["peut-être", "", "2", "oui/non", "ouii", 2])
def test_parse_bool_refuses_anything_else(text: object) -> None:
    with pytest.raises(ValueError, match="oui/non"):
        parse_bool(text)


# -- validate_value: ratio KPIs ----------------------------------------------------------------


def test_ratio_kpi_keeps_numerator_and_denominator_and_no_value() -> None:
    cleaned, problems = validate_value(kpi("XRD_OK"), value=None, numerator="98\u00a0512",
                                       denominator="99\u00a0004")
    assert problems == []
    assert cleaned == CleanValue(value=None, numerator=98512.0, denominator=99004.0)
    assert isinstance(cleaned.numerator, float)


def test_bare_percentage_for_a_ratio_kpi_is_refused_with_the_ratio_reason() -> None:
    cleaned, problems = validate_value(kpi("XRD_OK"), value="87,5 %", numerator=None,
                                       denominator=None)
    assert cleaned == CleanValue(None, None, None)
    assert len(problems) == 1
    column, reason = problems[0]
    assert column == "Valeur"
    assert "numérateur et le dénominateur" in reason
    assert "rapports de sommes" in reason


def test_bare_number_for_a_ratio_kpi_is_refused_too() -> None:
    _, problems = validate_value(kpi("ESV_DEMAT"), value=42, numerator="", denominator="")
    assert [column for column, _ in problems] == ["Valeur"]


def test_numerator_above_denominator_is_refused() -> None:
    _, problems = validate_value(kpi("XRD_OK"), value=None, numerator="99 004",
                                 denominator="98 512")
    assert len(problems) == 1
    column, reason = problems[0]
    assert column == "Numérateur"
    assert "ne peut pas dépasser le dénominateur" in reason
    assert "99\u202f004" in reason  # French number formatting in the message


def test_zero_over_zero_is_refused_and_zero_over_n_is_accepted() -> None:
    _, problems = validate_value(kpi("ESV_DEMAT"), value=None, numerator=0, denominator=0)
    assert [column for column, _ in problems] == ["Dénominateur"]
    cleaned, problems = validate_value(kpi("ESV_DEMAT"), value=None, numerator="0",
                                       denominator="12")
    assert problems == []
    assert cleaned == CleanValue(None, 0.0, 12.0)


def test_numerator_equal_to_denominator_is_accepted() -> None:
    cleaned, problems = validate_value(kpi("SEC_MFA"), value=None, numerator=7, denominator=7)
    assert problems == [] and cleaned == CleanValue(None, 7.0, 7.0)


def test_ratio_needs_both_parts() -> None:
    _, problems = validate_value(kpi("ESV_DEMAT"), value=None, numerator="5", denominator=None)
    assert [column for column, _ in problems] == ["Dénominateur"]
    _, problems = validate_value(kpi("ESV_DEMAT"), value=None, numerator=None, denominator="5")
    assert [column for column, _ in problems] == ["Numérateur"]


@pytest.mark.parametrize(
    ("numerator", "reason"),
    [("2,5", "entier"), ("-1", "négative"), ("50 %", "signe %"), ("=B2", "formule"),
     ("beaucoup", "pas un nombre")],
)
def test_ratio_parts_are_whole_non_negative_numbers(numerator: str, reason: str) -> None:
    _, problems = validate_value(kpi("ESV_DEMAT"), value=None, numerator=numerator,
                                 denominator="12")
    assert len(problems) == 1
    assert problems[0][0] == "Numérateur"
    assert reason in problems[0][1]


def test_value_beside_its_parts_must_agree_with_them() -> None:
    cleaned, problems = validate_value(kpi("ESV_DEMAT"), value="41,7", numerator=5,
                                       denominator=12)
    assert problems == [] and cleaned == CleanValue(None, 5.0, 12.0)
    _, problems = validate_value(kpi("ESV_DEMAT"), value="60 %", numerator=5, denominator=12)
    assert [column for column, _ in problems] == ["Valeur"]
    assert "41,7" in problems[0][1]


def test_nothing_entered_for_a_ratio_names_the_numerator() -> None:
    _, problems = validate_value(kpi("ESV_DEMAT"), value=None, numerator=None, denominator=None)
    assert [column for column, _ in problems] == ["Numérateur"]


# -- validate_value: units -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("SEC_PSSIE", "87,5 %", 87.5),
        ("SEC_PSSIE", "87.5", 87.5),
        ("SEC_PSSIE", "100", 100.0),
        ("SEC_PSSIE", "0", 0.0),
        ("ESV_PUB", "12", 12.0),
        ("ESV_PUB", 12, 12.0),
        ("ESV_PUB", 12.0, 12.0),
        ("ESV_PUB", Decimal("12"), 12.0),
        ("ESV_PUB", "1 234", 1234.0),
        ("ESV_RECET", "12\u00a0450\u00a0000", 12450000.0),
        ("ESV_RECET", "12 450 000,00", 12450000.0),
        ("ESV_RECET", 12450000, 12450000.0),
        ("OPS_MTTR", "3,5", 3.5),
        ("OPS_MTTR", 3.5, 3.5),
        ("XRD_RT", "850", 850.0),
        ("SEC_RSSI", "oui", 1.0),
        ("SEC_RSSI", "Non", 0.0),
        ("SEC_RSSI", True, 1.0),
        ("SEC_RSSI", "false", 0.0),
    ],
)
def test_accepted_values_are_stored_as_floats(code: str, value: object, expected: float) -> None:
    cleaned, problems = validate_value(kpi(code), value=value, numerator=None, denominator=None)
    assert problems == []
    assert cleaned == CleanValue(expected, None, None)
    assert isinstance(cleaned.value, float)


@pytest.mark.parametrize(
    ("code", "value", "reason"),
    [
        ("SEC_PSSIE", "100,5", "entre 0 et 100"),
        ("SEC_PSSIE", "101 %", "entre 0 et 100"),
        ("SEC_PSSIE", "-1", "entre 0 et 100"),
        ("ESV_PUB", "-3", "négative"),
        ("ESV_PUB", "1,5", "entier"),
        ("ESV_PUB", "12 %", "signe %"),
        ("ESV_PUB", True, "pas un nombre"),
        ("ESV_RECET", "12 450 000,50", "sans décimales"),
        ("ESV_RECET", 1.5, "sans décimales"),
        ("OPS_MTTR", "-1", "négative"),
        ("XRD_RT", "-0,5", "négative"),
        ("SEC_RSSI", "peut-être", "oui/non"),
        ("SEC_RSSI", "87 %", "oui/non"),
        ("ESV_PUB", "=A1*2", "formule"),
        ("ESV_PUB", float("inf"), "pas un nombre"),
        ("ESV_PUB", "", "manquante"),
        ("ESV_PUB", None, "manquante"),
        ("ESV_PUB", float("nan"), "manquante"),
    ],
)
def test_values_breaking_the_unit_rule_are_refused(code: str, value: object, reason: str) -> None:
    cleaned, problems = validate_value(kpi(code), value=value, numerator=None, denominator=None)
    assert cleaned.value is None
    assert len(problems) == 1
    assert problems[0][0] == "Valeur"
    assert reason in problems[0][1]


@pytest.mark.parametrize(
    ("code", "typed", "expected"),
    [("ESV_PUB", "1,000", 1000.0), ("ESV_PUB", "1.000", 1000.0), ("ESV_RECET", "12,450", 12450.0),
     ("ESV_RECET", "-1,500", -1500.0), ("OPS_MTTR", "1,500", 1.5), ("SEC_PSSIE", "87,500", 87.5)],
)
def test_three_digits_after_one_separator_mean_thousands_only_for_whole_units(
    code: str, typed: str, expected: float
) -> None:
    cleaned, problems = validate_value(kpi(code), value=typed, numerator=None, denominator=None)
    assert problems == []
    assert cleaned.value == expected


def test_ratio_parts_written_the_english_way_are_thousands() -> None:
    cleaned, problems = validate_value(kpi("XRD_OK"), value=None, numerator="98,512",
                                       denominator="99,004")
    assert problems == [] and cleaned == CleanValue(None, 98512.0, 99004.0)


def test_negative_amount_in_francs_is_allowed_but_must_be_whole() -> None:
    cleaned, problems = validate_value(kpi("ESV_RECET"), value="-2", numerator=None,
                                       denominator=None)
    assert problems == [] and cleaned.value == -2.0


def test_days_are_non_negative() -> None:
    days = with_unit("days")
    assert validate_value(days, value="2,5", numerator=None, denominator=None)[1] == []
    assert validate_value(days, value="-1", numerator=None, denominator=None)[1] != []


def test_numerator_for_a_plain_kpi_is_refused_on_its_column() -> None:
    _, problems = validate_value(kpi("ESV_PUB"), value="12", numerator="3", denominator=None)
    assert [column for column, _ in problems] == ["Numérateur"]


def test_columns_and_reasons_follow_the_user_language() -> None:
    set_language("en")
    _, problems = validate_value(kpi("XRD_OK"), value="87.5 %", numerator=None, denominator=None)
    assert problems[0][0] == "Value"
    assert "ratios of sums" in problems[0][1]
    _, problems = validate_value(kpi("XRD_OK"), value=None, numerator=9, denominator=8)
    assert problems[0][0] == "Numerator"


def test_check_value_names_fields_independently_of_language() -> None:
    _, problems = check_value(kpi("XRD_OK"), value=None, numerator=9, denominator=8)
    assert problems[0][0] is Field.NUMERATOR


def test_empty_entry_detection() -> None:
    assert is_empty_entry(None, "", float("nan"))
    assert not is_empty_entry("0", None, None)
