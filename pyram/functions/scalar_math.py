"""Scalar numeric and NULL-handling functions with SQLite semantics: abs, round, sign, coalesce,
ifnull, nullif, multi-argument min/max and random.

Numeric functions take INTEGER, REAL or DECIMAL only (no text-to-number conversion, no BOOLEAN).
``round`` follows SQLite's algorithm, half away from zero, with a REAL result, except that a
DECIMAL argument is rounded exactly and stays DECIMAL.
"""

from __future__ import annotations

import decimal
import math
import random as _random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pyram.errors import DataError, ProgrammingError
from pyram.functions.registry import (
    ReturnTypeRule,
    common_type,
    define_scalar,
    expect,
    expect_integer,
    numeric_kind,
)
from pyram.functions.sql_numeric import check_abs
from pyram.types import DECIMAL, INTEGER, NULLTYPE, REAL, DataType

__all__: list[str] = []


# --- abs, sign ---------------------------------------------------------------------------------


def _abs_rule(args: Sequence[DataType]) -> DataType:
    arg = expect("abs", args, 0, "numeric")
    return NULLTYPE if arg.family == "null" else numeric_kind(arg)


define_scalar(
    "abs",
    1,
    1,
    _abs_rule,
    check_abs,
    doc="Absolute value; INTEGER stays INTEGER, REAL stays REAL; abs(-9223372036854775808) is an "
    "'integer overflow' error. Example: abs(-3) -> 3",
)


def _sign(value: int | float | Decimal) -> int:
    return (value > 0) - (value < 0)


def _sign_rule(args: Sequence[DataType]) -> DataType:
    expect("sign", args, 0, "numeric")
    return INTEGER


define_scalar(
    "sign",
    1,
    1,
    _sign_rule,
    _sign,
    doc="-1, 0 or 1 as the argument is negative, zero or positive. Example: sign(-2.5) -> -1",
)


# --- round -------------------------------------------------------------------------------------

#: Beyond 2**52 a double has no fractional part: SQLite returns it unchanged.
_NO_FRACTION = 4503599627370496.0
#: Wide enough to add any double below 2**52 to a rounding term exactly.
_EXACT = decimal.Context(prec=1200, rounding=decimal.ROUND_DOWN, Emin=-9999, Emax=9999)
_ROUNDERS = [Decimal(5).scaleb(-(n + 1)) for n in range(31)]
_QUANTA = [Decimal(1).scaleb(-n) for n in range(31)]
_FUDGE = Decimal("3e-16")


def _round_real(value: float, digits: int) -> float:
    """SQLite 3.40's roundFunc, with its printf("%.*f") done in exact decimal arithmetic.

    n == 0 adds +-0.5 and truncates (in doubles, as SQLite does). Otherwise SQLite prints the
    value with ``digits`` decimals: it adds 0.5 * 10**-digits plus a fudge of 3e-16 * |value|
    (when digits + exponent2 / 3 < 15), truncates to ``digits`` decimals and to 16 significant
    digits, and reads the text back.
    """
    if value < -_NO_FRACTION or value > _NO_FRACTION:
        return value
    if digits <= 0:
        return float(int(value + (-0.5 if value < 0 else 0.5)))
    digits = min(digits, 30)
    magnitude = -value if value < 0 else value
    exact = Decimal(magnitude)
    shifted = _EXACT.add(exact, _ROUNDERS[digits])
    exponent2 = math.frexp(magnitude)[1] - 1 if magnitude else -1023
    if digits + int(exponent2 / 3) < 15:
        shifted = _EXACT.add(shifted, _EXACT.multiply(exact, _FUDGE))
    cut = shifted.quantize(_QUANTA[digits], context=_EXACT)
    if cut:
        lead = cut.adjusted()
        if lead - 15 > -digits:  # SQLite's printf emits at most 16 significant digits
            cut = cut.quantize(Decimal(1).scaleb(lead - 15), context=_EXACT)
    result = float(cut)
    return -result if value < 0 else result


def _round(value: int | float | Decimal, digits: int = 0) -> float | Decimal:
    """round(x[, n]) for one row: REAL result for INTEGER/REAL, exact DECIMAL for DECIMAL."""
    if type(value) is float:
        return _round_real(value, digits)
    if isinstance(value, Decimal):
        digits = max(digits, 0)
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -digits:
            return value  # no more decimals than asked for: nothing to round
        return value.quantize(
            Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP, context=_EXACT
        )
    try:
        as_float = float(value)
    except OverflowError:
        raise DataError(f"round(): integer {value} is too large for REAL") from None
    return _round_real(as_float, digits)


def _round_rule(args: Sequence[DataType]) -> DataType:
    arg = expect("round", args, 0, "numeric")
    if len(args) > 1:
        expect_integer("round", args, 1)
    return DECIMAL if numeric_kind(arg) == DECIMAL else REAL


define_scalar(
    "round",
    1,
    2,
    _round_rule,
    _round,
    doc="Round half away from zero to n decimals (default 0, clamped to 0..30); REAL result "
    "(DECIMAL for DECIMAL). Example: round(2.675, 2) -> 2.68",
)


# --- NULL handling -----------------------------------------------------------------------------


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def _coalesce_rule(args: Sequence[DataType]) -> DataType:
    return common_type("coalesce", args)


define_scalar(
    "coalesce",
    2,
    None,
    _coalesce_rule,
    _coalesce,
    propagates_null=False,
    doc="The first non-NULL argument, or NULL. Example: coalesce(NULL, 2, 3) -> 2",
)


def _ifnull(value: Any, fallback: Any) -> Any:
    return fallback if value is None else value


def _ifnull_rule(args: Sequence[DataType]) -> DataType:
    return common_type("ifnull", args)


define_scalar(
    "ifnull",
    2,
    2,
    _ifnull_rule,
    _ifnull,
    propagates_null=False,
    doc="The first argument unless it is NULL, else the second. Example: ifnull(NULL, 'x') -> 'x'",
)


def _nullif(value: Any, other: Any) -> Any:
    if value is not None and other is not None and value == other:
        return None
    return value


def _nullif_rule(args: Sequence[DataType]) -> DataType:
    common_type("nullif", args)  # the two must be comparable
    return args[0]


define_scalar(
    "nullif",
    2,
    2,
    _nullif_rule,
    _nullif,
    propagates_null=False,
    doc="NULL if the two arguments are equal, else the first. Example: nullif(3, 3) -> NULL",
)


# --- multi-argument min / max ------------------------------------------------------------------


def _min(*values: Any) -> Any:
    # SQLite keeps the last of equal minima (min(1, 1.0) is 1.0): scan from the right.
    return min(reversed(values))


def _max(*values: Any) -> Any:
    return max(values)


def _ordered_rule(name: str) -> ReturnTypeRule:
    def rule(args: Sequence[DataType]) -> DataType:
        for i, arg in enumerate(args):
            if arg.family == "json":
                raise ProgrammingError(f"{name}(): argument {i + 1} is JSON, which has no order")
        return common_type(name, args)

    return rule


for _name, _impl, _which in (("min", _min, "smallest"), ("max", _max, "largest")):
    define_scalar(
        _name,
        2,
        None,
        _ordered_rule(_name),
        _impl,
        doc=f"The {_which} of two or more arguments; NULL if any is NULL (with one argument, "
        f"{_name} is the aggregate). Example: {_name}(3, 1, 2) -> {3 if _name == 'max' else 1}",
    )


# --- random ------------------------------------------------------------------------------------


def _random_int() -> int:
    return _random.getrandbits(64) - (1 << 63)


def _random_rule(args: Sequence[DataType]) -> DataType:
    return INTEGER


define_scalar(
    "random",
    0,
    0,
    _random_rule,
    _random_int,
    deterministic=False,
    doc="A pseudo-random signed 64-bit INTEGER. Example: random() -> -4685315203719413226",
)

del _name, _impl, _which
