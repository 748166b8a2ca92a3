"""Bitwise operators as functions, with SQLite's 64-bit semantics: the SQL operators ``&``,
``|``, ``~``, ``<<`` and ``>>`` bind to ``bit_and``, ``bit_or``, ``bit_not``, ``shift_left``
and ``shift_right``.

Operands are INTEGER (a REAL is truncated first, as SQLite does); results wrap to a signed
64-bit integer (``1 << 63`` is -9223372036854775808); a negative shift count shifts the other
way and a count of 64 or more shifts every bit out.

Also ``truth``: SQLite's truth value of any value, which the SQL binder uses for an untyped
parameter standing as a condition (``WHERE ?``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyram.functions.registry import define_scalar, expect
from pyram.types import BOOLEAN, INTEGER, DataType

__all__: list[str] = []

_MASK = (1 << 64) - 1
_SIGN = 1 << 63


def _wrap(value: int) -> int:
    value &= _MASK
    return value - (1 << 64) if value & _SIGN else value


def _int(value: Any) -> int:
    return int(value)


def _bit_and(a: Any, b: Any) -> int:
    return _wrap(_int(a) & _int(b))


def _bit_or(a: Any, b: Any) -> int:
    return _wrap(_int(a) | _int(b))


def _bit_not(a: Any) -> int:
    return _wrap(~_int(a))


def _shift_left(a: Any, b: Any) -> int:
    value, count = _int(a), _int(b)
    if count < 0:
        return _shift_right(value, -count)
    return 0 if count >= 64 else _wrap(value << count)


def _shift_right(a: Any, b: Any) -> int:
    value, count = _int(a), _int(b)
    if count < 0:
        return _shift_left(value, -count)
    if count >= 64:
        return -1 if value < 0 else 0
    return value >> count


def _rule(name: str, arity: int) -> Any:
    def rule(args: Sequence[DataType]) -> DataType:
        for i in range(arity):
            expect(name, args, i, "numeric")
        return INTEGER

    return rule


for _name, _impl, _arity, _doc in (
    ("bit_and", _bit_and, 2, "a & b, bitwise AND of 64-bit integers. Example: bit_and(6, 3) -> 2"),
    ("bit_or", _bit_or, 2, "a | b, bitwise OR of 64-bit integers. Example: bit_or(6, 3) -> 7"),
    ("bit_not", _bit_not, 1, "~a, bitwise NOT of a 64-bit integer. Example: bit_not(0) -> -1"),
    (
        "shift_left",
        _shift_left,
        2,
        "a << b, wrapping to 64 bits. Example: shift_left(1, 63) -> -9223372036854775808",
    ),
    ("shift_right", _shift_right, 2, "a >> b, arithmetic shift. Example: shift_right(-8, 1) -> -4"),
):
    define_scalar(_name, _arity, _arity, _rule(_name, _arity), _impl, doc=_doc)


# --- truth --------------------------------------------------------------------------------------


def _truth(value: Any) -> bool:
    """SQLite's truth value: a number is true when non-zero, text by its numeric prefix."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        from pyram.functions.sql_ops import cast_value

        return bool(cast_value(value, "REAL"))
    return bool(value)


def _truth_rule(args: Sequence[DataType]) -> DataType:
    return BOOLEAN


define_scalar(
    "truth",
    1,
    1,
    _truth_rule,
    _truth,
    doc="SQLite's truth value of any value (non-zero numbers, text read as a number); what a "
    "bare parameter means as a condition. Example: truth('2abc') -> TRUE",
)
