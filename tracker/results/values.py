"""A KPI value is a plain number in its unit, never a formula; a ratio is numerator/denominator."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from enum import StrEnum
from numbers import Integral, Real
from typing import NamedTuple

from babel.numbers import format_decimal

from tracker.core.i18n import get_language, t
from tracker.core.refdata import KpiRef

# Floats hold whole numbers exactly only up to 2**53; anything bigger is a typing error anyway.
MAX_MAGNITUDE = Decimal("1e15")

# How far a percentage written beside a numerator and denominator may differ from their ratio:
# half a point covers a rounded display ("41,7" for 5/12).
RATIO_VALUE_TOLERANCE = Decimal("0.5")

# Units whose values are whole numbers: a count of things, an amount in francs CFA
WHOLE_UNITS = frozenset({"count", "xof"})
_NON_NEGATIVE_UNITS = frozenset({"count", "hours", "ms", "days"})

_TRUE = frozenset({"oui", "o", "yes", "y", "true", "vrai", "1"})
_FALSE = frozenset({"non", "n", "no", "false", "faux", "0"})

# How French and most English users write numbers: "12 450 000", "3,5", "3.5", "87,5 %", "-2".
# Thousands may be grouped by a space, a no-break space or a narrow no-break space (normalised to
# a space first); a single comma or point is a decimal separator, so "1,234" is 1.234.
_COMMON = re.compile(r"(-?)(\d{1,3}(?: \d{3})+|\d+)(?:[.,](\d+))?( ?%)?", re.ASCII)

# The rarer forms: "+2", "1,234.5", "1.234,5", "1,234,567", "1.5E+06" (Excel's scientific cells).
_NUMBER = re.compile(
    r"""
    (?P<sign>[-+])?
    (?:
        (?P<plain>\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)
      | (?P<english>\d{1,3}(?:,\d{3})+(?:\.\d+)?)
      | (?P<dotted>\d{1,3}(?:\.\d{3})+(?:,\d+)?)
    )
    (?:\ ?(?P<percent>%))?
    """,
    re.VERBOSE | re.ASCII,
)


class Field(StrEnum):
    """The three cells a KPI result is entered in."""

    VALUE = "value"
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"

    def label(self, lang: str | None = None) -> str:
        """The column name in the user's language ("Valeur", "Numérateur", "Dénominateur")."""
        return t(f"values.column_{self.value}", lang)


class FormulaRefused(ValueError):
    """A cell holds a spreadsheet formula (``=…``) instead of a typed value."""


class CleanValue(NamedTuple):
    """A validated result as stored: floats or None; a yes/no KPI is stored as 1.0 / 0.0.

    A ratio KPI keeps ``value`` None: its rate is always recomputed from sums of numerators and
    denominators, so no stored percentage can ever be averaged by mistake.
    """

    value: float | None
    numerator: float | None
    denominator: float | None


Problems = list[tuple[Field, str]]


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if raw.__class__ is str or isinstance(raw, str):
        return not raw.strip()  # type: ignore[attr-defined]
    if isinstance(raw, float):
        return math.isnan(raw)  # an empty cell of a pandas grid
    if isinstance(raw, Decimal):
        return raw.is_nan()
    # pandas.NA / NaT from the entry grid, without importing pandas here
    return type(raw).__name__ in {"NAType", "NaTType"}


def _shown(raw: object) -> str:
    text = str(raw).strip()
    return text if len(text) <= 40 else text[:39] + "…"


def _fmt(number: Decimal) -> str:
    return format_decimal(number, locale="fr_FR" if get_language() == "fr" else "en_US")


def _parse_text(text: str, *, whole_unit: bool = False) -> tuple[Decimal, bool]:
    """The number written in ``text`` and whether it carried a percent sign.

    ``whole_unit``: only whole numbers make sense (counts, francs, numerator and denominator),
    so "1,000" or "98.512" can only mean thousands, never 1 or 98.512 (English and
    continental writing); elsewhere a single comma or point is a decimal separator.
    """
    cleaned = text.strip()
    if not cleaned.isascii():
        cleaned = (cleaned.replace("\u00a0", " ").replace("\u202f", " ")
                   .replace("\u2009", " ").replace("\u2212", "-"))
    if "  " in cleaned or "\t" in cleaned:
        cleaned = " ".join(cleaned.split())
    common = _COMMON.fullmatch(cleaned)
    if common is not None:
        sign, whole, fraction, percent = common.groups()
        if whole_unit and fraction and len(fraction) == 3 and len(whole) <= 3:
            whole, fraction = whole + fraction, None
        whole = whole.replace(" ", "")
        number = Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")
    else:
        if cleaned.startswith("="):
            raise FormulaRefused(t("values.formula"))
        match = _NUMBER.fullmatch(cleaned)
        if match is None:
            raise ValueError(t("values.not_a_number", text=_shown(text)))
        if match["plain"] is not None:
            body = match["plain"].replace(",", ".")
        elif match["english"] is not None:
            body = match["english"].replace(",", "")
        else:
            body = match["dotted"].replace(".", "").replace(",", ".")
        number = Decimal(body)
        if match["sign"] == "-":
            number = -number
        percent = match["percent"]
    if abs(number) >= MAX_MAGNITUDE:
        raise ValueError(t("values.too_large", text=_shown(text)))
    if not number:
        number = Decimal(0)  # "-0" would be stored and shown as -0.0
    return number, percent is not None


def parse_number(text: str) -> Decimal:
    """Read a number written the French or the English way; refuse formulas and anything else.

    Accepted: ``12 450 000`` (space, no-break or narrow no-break space), ``3,5``, ``3.5``,
    ``1 234,5``, ``1,234.5``, ``87,5 %``, ``-2``. A single comma or point is a decimal
    separator (``1,234`` is 1.234, as a French user means it); validation of a count, an
    amount or a numerator/denominator reads ``1,000`` as a thousand instead.
    """
    return _parse_text(text)[0]


def parse_bool(text: object) -> bool:
    """Read oui/non, yes/no, true/false, vrai/faux, 1/0, o/n (any case)."""
    if isinstance(text, bool):
        return text
    if isinstance(text, Real) and not isinstance(text, bool) and text in (0, 1):
        return bool(text)
    key = str(text).strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(t("values.not_a_bool", text=_shown(text)))


def _to_decimal(raw: object, *, whole_unit: bool = False) -> tuple[Decimal, bool]:
    """A typed cell (number from a spreadsheet or a grid) or a text, as a Decimal."""
    if raw.__class__ is str:
        return _parse_text(raw, whole_unit=whole_unit)  # type: ignore[arg-type]
    if isinstance(raw, bool):
        # TRUE typed in a number cell is read as the text "True" and refused, not stored as 1
        return _parse_text(str(raw))
    if isinstance(raw, Integral):
        number = Decimal(int(raw))
    elif isinstance(raw, Real | Decimal):
        as_float = float(raw)
        if not math.isfinite(as_float):
            raise ValueError(t("values.not_a_number", text=_shown(raw)))
        number = raw if isinstance(raw, Decimal) else Decimal(repr(as_float))
    else:
        return _parse_text(str(raw), whole_unit=whole_unit)
    if abs(number) >= MAX_MAGNITUDE:
        raise ValueError(t("values.too_large", text=_shown(raw)))
    return number, False


def _is_whole(number: Decimal) -> bool:
    return number == number.to_integral_value()


def _count_part(raw: object, field: Field, problems: Problems) -> Decimal | None:
    """A numerator or denominator: a whole number, zero or more."""
    if _is_blank(raw):
        problems.append((field, t(f"values.missing_{field.value}")))
        return None
    try:
        number, percent = _to_decimal(raw, whole_unit=True)
    except ValueError as exc:
        problems.append((field, str(exc)))
        return None
    if percent:
        problems.append((field, t("values.percent_not_allowed")))
    elif not _is_whole(number):
        problems.append((field, t("values.not_whole", text=_shown(raw))))
    elif number < 0:
        problems.append((field, t("values.negative", text=_shown(raw))))
    else:
        return number
    return None


def _check_ratio(kpi: KpiRef, value: object, numerator: object, denominator: object,
                 problems: Problems) -> CleanValue:
    if _is_blank(numerator) and _is_blank(denominator):
        reason = "values.ratio_missing" if _is_blank(value) else "values.ratio_bare_value"
        column = Field.NUMERATOR if _is_blank(value) else Field.VALUE
        problems.append((column, t(reason)))
        return CleanValue(None, None, None)
    num = _count_part(numerator, Field.NUMERATOR, problems)
    den = _count_part(denominator, Field.DENOMINATOR, problems)
    if num is None or den is None:
        return CleanValue(None, None, None)
    if den == 0:
        # 0/0 has no rate; "not applicable" is a blank row, not a zero that weighs in the sums
        problems.append((Field.DENOMINATOR, t("values.zero_denominator")))
        return CleanValue(None, None, None)
    if num > den:
        problems.append((Field.NUMERATOR, t("values.numerator_above_denominator",
                                            numerator=_fmt(num), denominator=_fmt(den))))
        return CleanValue(None, None, None)
    if not _is_blank(value):
        # A rate written beside its parts is tolerated only when it says the same thing
        try:
            written, _ = _to_decimal(value)
        except ValueError as exc:
            problems.append((Field.VALUE, str(exc)))
            return CleanValue(None, None, None)
        computed = num * 100 / den if kpi.unit == "percent" else num / den
        if abs(written - computed) > RATIO_VALUE_TOLERANCE:
            problems.append((Field.VALUE, t("values.ratio_value_disagrees", value=_fmt(written),
                                            computed=_fmt(round(computed, 1)))))
            return CleanValue(None, None, None)
    return CleanValue(None, float(num), float(den))


def _check_plain(kpi: KpiRef, value: object, problems: Problems) -> float | None:
    if _is_blank(value):
        problems.append((Field.VALUE, t("values.missing_value")))
        return None
    if kpi.unit == "bool":
        try:
            return 1.0 if parse_bool(value) else 0.0
        except ValueError as exc:
            problems.append((Field.VALUE, str(exc)))
            return None
    try:
        number, percent = _to_decimal(value, whole_unit=kpi.unit in WHOLE_UNITS)
    except ValueError as exc:
        problems.append((Field.VALUE, str(exc)))
        return None
    unit = kpi.unit
    reason: str | None = None
    if percent and unit != "percent":
        reason = t("values.percent_not_allowed")
    elif unit == "percent" and not 0 <= number <= 100:
        reason = t("values.percent_range", text=_shown(value))
    elif unit == "count" and not _is_whole(number):
        reason = t("values.not_whole", text=_shown(value))
    elif unit == "xof" and not _is_whole(number):
        reason = t("values.xof_whole", text=_shown(value))
    elif unit in _NON_NEGATIVE_UNITS and number < 0:
        reason = t("values.negative", text=_shown(value))
    if reason:
        problems.append((Field.VALUE, reason))
        return None
    return float(number)


def check_value(kpi: KpiRef, *, value: object, numerator: object,
                denominator: object) -> tuple[CleanValue, Problems]:
    """Validate one result against its KPI's unit and ratio rule; problems name the Field.

    The cleaned value holds None wherever a problem was found; a result with any problem must
    not be stored.
    """
    problems: Problems = []
    if kpi.ratio:
        return _check_ratio(kpi, value, numerator, denominator, problems), problems
    if not _is_blank(numerator):
        problems.append((Field.NUMERATOR, t("values.parts_not_expected")))
    if not _is_blank(denominator):
        problems.append((Field.DENOMINATOR, t("values.parts_not_expected")))
    return CleanValue(_check_plain(kpi, value, problems), None, None), problems


def validate_value(kpi: KpiRef, *, value: object, numerator: object,
                   denominator: object) -> tuple[CleanValue, list[tuple[str, str]]]:
    """Validate one result; problems are (column name in the user's language, reason)."""
    cleaned, problems = check_value(kpi, value=value, numerator=numerator,
                                    denominator=denominator)
    return cleaned, [(field.label(), reason) for field, reason in problems]


def is_empty_entry(value: object, numerator: object, denominator: object) -> bool:
    """True when nothing was entered: such a row is "not reported", not an error."""
    return _is_blank(value) and _is_blank(numerator) and _is_blank(denominator)


def read_number(raw: object) -> float | None:
    """A typed cell read as a number for display (a count, a numerator: ``1,000`` is a
    thousand), or None when it is blank or not a number; never raises."""
    if _is_blank(raw):
        return None
    try:
        return float(_to_decimal(raw, whole_unit=True)[0])
    except (ValueError, ArithmeticError):
        return None
