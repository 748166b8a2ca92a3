"""SQLite's numeric semantics: 64-bit INTEGER arithmetic, text read as a number, REAL as text.

SQLite's INTEGER is a signed 64-bit value: ``+``, ``-`` and ``*`` whose exact result leaves that
range are computed in double precision instead (the result is a REAL), integer ``/`` of the
smallest INTEGER by -1 too; a NaN result (``inf - inf``) is NULL. Converting a REAL to INTEGER
saturates at the range's ends. Text used as a number is read from its longest numeric prefix:
INTEGER when that prefix is an integer that fits, else REAL (:func:`text_operand`); ``CAST(text
AS NUMERIC)`` has slightly different rules (:func:`text_numeric`). A REAL shown as text uses
SQLite's ``%!.15g`` (:func:`real_text`).

The engine's kernels inline the common case (a result inside the 64-bit range: one chained
comparison) and call :func:`add`, :func:`sub` or :func:`mul` only for results outside it, so
these functions are the one implementation behind kernels and constant folding alike.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pyram.errors import OperationalError

__all__ = [
    "I64_MAX",
    "I64_MIN",
    "RANGE_HIGH",
    "RANGE_LOW",
    "add",
    "check_abs",
    "mul",
    "neg",
    "no_nan",
    "real_text",
    "real_to_int",
    "sub",
    "sum_integers",
    "text_integer",
    "text_numeric",
    "text_operand",
    "text_real",
    "text_remainder_operand",
    "widen",
]

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
#: the 64-bit range as floats (exactly -2**63 and 2**63): ``RANGE_LOW <= x < RANGE_HIGH`` is the
#: range test for an int, compares floats at float speed and is False for NaN and infinities
RANGE_LOW = -9.223372036854776e18
RANGE_HIGH = 9.223372036854776e18

# SQLite's whitespace (sqlite3Isspace), not Unicode's
_SPACE = "[ \t\n\v\f\r]*"
_INT_PREFIX = re.compile(_SPACE + r"[+-]?\d+")
_REAL_PREFIX = re.compile(_SPACE + r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
#: RealSameAsInt: SQLite reads an integral REAL as INTEGER only below 2**51 in magnitude
_SAME_AS_INT = 2**51


def no_nan(value: Any) -> Any:
    """``value``, or None (NULL) for a NaN: SQLite has no NaN."""
    return None if value != value else value


def add(a: Any, b: Any) -> Any:
    """SQLite ``a + b``: an INTEGER leaving the 64-bit range is computed as REAL."""
    r = a + b
    if type(r) is int and not I64_MIN <= r <= I64_MAX:
        return float(a) + float(b)
    return None if r != r else r


def sub(a: Any, b: Any) -> Any:
    """SQLite ``a - b`` (see :func:`add`)."""
    r = a - b
    if type(r) is int and not I64_MIN <= r <= I64_MAX:
        return float(a) - float(b)
    return None if r != r else r


def mul(a: Any, b: Any) -> Any:
    """SQLite ``a * b`` (see :func:`add`)."""
    r = a * b
    if type(r) is int and not I64_MIN <= r <= I64_MAX:
        return float(a) * float(b)
    return None if r != r else r


def neg(a: Any) -> Any:
    """SQLite unary minus: ``-(-9223372036854775808)`` is REAL."""
    return widen(-a)


def widen(value: Any) -> Any:
    """An int above the 64-bit range as the REAL SQLite computes (other values unchanged)."""
    return float(value) if type(value) is int and value > I64_MAX else value


def check_abs(value: Any) -> Any:
    """SQLite abs(): the smallest INTEGER has no positive counterpart."""
    if value == I64_MIN and type(value) is int:
        raise OperationalError("integer overflow")
    return abs(value)


def sum_integers(values: list[Any]) -> Any:
    """SQLite sum() of a non-empty list: exact over INTEGERs, an error when a running sum of the
    leading INTEGERs (those before the first REAL) leaves the 64-bit range; with a REAL, the
    double-precision sum of all values in order (NaN: NULL)."""
    if type(values[0]) is float:
        return no_nan(sum(values, 0.0))
    total = sum(values)
    if type(total) is Decimal:
        return total
    if len(values) * max(-min(values), max(values)) > I64_MAX:
        # a running sum may leave the range (rare: only huge values get here)
        running = 0
        for v in values:
            if type(v) is not int:
                break
            running += v
            if not I64_MIN <= running <= I64_MAX:
                raise OperationalError("integer overflow")
    if type(total) is int:
        return total
    return no_nan(sum(values, 0.0))


def real_to_int(value: float) -> int:
    """REAL -> INTEGER as SQLite converts: truncated toward zero, saturating at the range ends."""
    if value >= RANGE_HIGH:
        return I64_MAX
    if value <= RANGE_LOW:
        return I64_MIN
    if value != value:
        return 0
    return int(value)


def text_integer(text: str) -> int:
    """CAST(text AS INTEGER): the integer prefix (0 without one), saturating."""
    m = _INT_PREFIX.match(text)
    if m is None:
        return 0
    return max(I64_MIN, min(I64_MAX, int(m.group())))


def text_real(text: str) -> float:
    """CAST(text AS REAL): the numeric prefix as a REAL (0.0 without one)."""
    m = _REAL_PREFIX.match(text)
    return float(m.group()) if m else 0.0


def text_operand(text: str) -> int | float:
    """Text as an operand of arithmetic (SQLite's numeric type of a string): the numeric prefix,
    INTEGER when it is an integer inside the 64-bit range, else REAL; 0 without a prefix.
    Example: '3' -> 3, '3x' -> 3, '1e3' -> 1000.0, '2.0' -> 2.0, 'abc' -> 0."""
    m = _REAL_PREFIX.match(text)
    if m is None:
        return 0
    prefix = m.group()
    if "." in prefix or "e" in prefix or "E" in prefix:
        return float(prefix)
    value = int(prefix)
    return value if I64_MIN <= value <= I64_MAX else float(value)


def text_remainder_operand(text: str) -> int | float:
    """Text as an operand of ``%``: SQLite takes the remainder of INTEGER values, and for a
    text that reads as REAL it uses the text's INTEGER prefix (``'1e3' % 2`` is ``1 % 2``, as
    REAL 1.0): so an INTEGER text is its value, any other its integer prefix as a REAL."""
    value = text_operand(text)
    return value if type(value) is int else float(text_integer(text))


def text_numeric(text: str) -> int | float:
    """CAST(text AS NUMERIC): as :func:`text_operand`, except that an integral REAL below 2**51
    in magnitude becomes INTEGER. Example: '1e3' -> 1000, '2.0' -> 2, '2.5' -> 2.5."""
    value = text_operand(text)
    if type(value) is float and (
        value == 0.0 or (value.is_integer() and -_SAME_AS_INT <= value < _SAME_AS_INT)
    ):
        return int(value)
    return value


def real_text(value: float) -> str:
    """A REAL as SQLite shows it as text (``%!.15g``): 15 significant digits, always a decimal
    point, exponent form below 1e-4 or from 1e15. Example: 1e15 -> '1.0e+15', 100.0 -> '100.0',
    1/3 -> '0.333333333333333'."""
    if value != value:
        return ""  # NaN: never a value (NULL instead), kept total
    if value in (float("inf"), float("-inf")):
        return "Inf" if value > 0 else "-Inf"
    if value == 0.0:
        return "0.0"  # also -0.0: SQLite prints no sign for it
    text = f"{value:.15g}"
    mantissa, sep, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + sep + exponent
