"""SQL operator semantics Python lacks, shared by the engine's kernels and constant folding.

Kept tiny and total: each returns None (SQL NULL) instead of raising where SQLite returns NULL
(division by zero, a NaN result), and implements SQLite's integer division and remainder
(truncation toward zero), LIKE and GLOB matching, three-valued AND/OR for value contexts, and
CAST. The 64-bit INTEGER rules and the number <-> text conversions live in
:mod:`pyram.functions.sql_numeric`.
"""

from __future__ import annotations

import operator as _operator
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pyram.errors import DataError
from pyram.functions.sql_numeric import (
    I64_MIN,
    real_text,
    real_to_int,
    text_integer,
    text_numeric,
    text_operand,
    text_real,
    text_remainder_operand,
)
from pyram.types import DataType, registered_types, type_from_sql_name

__all__ = [
    "CAST_TARGETS",
    "TEXT_READ_CASTS",
    "and3",
    "cast_value",
    "concat",
    "div",
    "glob_regex",
    "in3",
    "like_regex",
    "match_glob",
    "match_like",
    "mod",
    "or3",
    "typed_arith",
]


def div(a: Any, b: Any) -> Any:
    """SQLite ``/``: integer division truncating toward zero for two ints; NULL on zero."""
    if b == 0:
        return None
    if type(a) is int and type(b) is int:
        if b == -1 and a == I64_MIN:
            return float(a) / float(b)  # the quotient does not fit 64 bits: REAL
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    r = a / b
    return None if r != r else r


def mod(a: Any, b: Any) -> Any:
    """SQLite ``%``: remainder with the sign of the dividend; NULL on zero."""
    if type(a) is int and type(b) is int:
        if b == 0:
            return None
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return None if b == 0 else a % b
    # SQLite computes % on REAL operands as (saturated) integers, then returns REAL
    ia = a if type(a) is int else real_to_int(a)
    ib = b if type(b) is int else real_to_int(b)
    if ib == 0:
        return None
    r = abs(ia) % abs(ib)
    return float(r if ia >= 0 else -r)


def typed_arith(op: str) -> Callable[[Any, Any], Any]:
    """The operator of arithmetic beyond numbers (``timestamp + interval``, ``interval * 2``:
    the operand types allowed it, see :meth:`pyram.types.DataType.arith_result`): Python's own
    operator, with SQL's NULL for a division by zero and a DataError for a result out of range.
    """
    return _TYPED_ARITH[op]


def _typed(operator: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def run(a: Any, b: Any) -> Any:
        # a timedelta scales by int or float, not Decimal
        a = float(a) if isinstance(a, Decimal) else a
        b = float(b) if isinstance(b, Decimal) else b
        try:
            return operator(a, b)
        except ZeroDivisionError:
            return None
        except OverflowError:
            raise DataError(f"{a!r} and {b!r}: date/time arithmetic out of range") from None

    return run


_TYPED_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": _typed(_operator.add),
    "-": _typed(_operator.sub),
    "*": _typed(_operator.mul),
    "/": _typed(_operator.truediv),
}


def concat(a: Any, b: Any) -> Any:
    """SQLite ``||`` on non-text operands: their text forms joined."""
    return _text(a) + _text(b)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return real_text(value)
    return str(value)


def and3(*values: Any) -> Any:
    """Three-valued AND of already evaluated operands."""
    result: Any = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def or3(*values: Any) -> Any:
    """Three-valued OR of already evaluated operands."""
    result: Any = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


def in3(value: Any, items: tuple[Any, ...]) -> Any:
    """Three-valued ``value IN (items)``: NULL when not found but a NULL was present."""
    if value is None:
        return None
    saw_null = False
    for item in items:
        if item is None:
            saw_null = True
        elif item == value:
            return True
    return None if saw_null else False


@lru_cache(maxsize=256)
def like_regex(pattern: str, escape: str | None = None) -> re.Pattern[str]:
    """Compile an SQL LIKE pattern (``%``, ``_``; ASCII case-insensitive, as SQLite)."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if escape is not None and ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.ASCII | re.DOTALL)


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile an SQLite GLOB pattern (``*``, ``?``, ``[...]``, case-sensitive)."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                negate = body.startswith("^")
                if negate:
                    body = body[1:]
                body = body.replace("\\", "\\\\")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def match_like(value: Any, pattern: Any, escape: str | None = None) -> Any:
    """``value LIKE pattern`` with NULL propagation (non-text values use their text form)."""
    if value is None or pattern is None:
        return None
    return like_regex(_text(pattern), escape).fullmatch(_text(value)) is not None


def match_glob(value: Any, pattern: Any) -> Any:
    """``value GLOB pattern`` with NULL propagation."""
    if value is None or pattern is None:
        return None
    return glob_regex(_text(pattern)).fullmatch(_text(value)) is not None


_TEXT_AS_NUMBER = {
    "NUMERIC": text_numeric,
    "OPERAND": text_operand,
    "REMAINDER_OPERAND": text_remainder_operand,
}


def cast_value(value: Any, target: str) -> Any:
    """``CAST(value AS target)`` for a target SQL type name, SQLite-style for text sources.

    Besides type names, ``target`` may be "NUMERIC" (SQLite's CAST AS NUMERIC: text becomes
    INTEGER or REAL by its content, numbers stay), "OPERAND" or "REMAINDER_OPERAND" (text read
    as an operand of arithmetic or of ``%``, see :mod:`pyram.functions.sql_numeric`).
    """
    if value is None:
        return None
    if target == "INTEGER":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return real_to_int(value)
        if isinstance(value, Decimal):
            return int(value)
        if isinstance(value, str):
            return text_integer(value)
        raise DataError(f"cannot cast {type(value).__name__} to INTEGER")
    if target == "REAL":
        if isinstance(value, int | float | Decimal):
            return float(value)
        if isinstance(value, str):
            return text_real(value)
        raise DataError(f"cannot cast {type(value).__name__} to REAL")
    if target in _TEXT_AS_NUMBER:
        if isinstance(value, str):
            return _TEXT_AS_NUMBER[target](value)
        return int(value) if isinstance(value, bool) else value
    if target == "TEXT":
        return _text(value)
    if target == "DECIMAL":
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return Decimal(0)
    if target == "BLOB":
        return value if isinstance(value, bytes) else _text(value).encode()
    if target == "BOOLEAN":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "t", "yes", "y", "on")
        return bool(value)
    if target in TEXT_READ_CASTS:
        return _cast_to_own_type(value, target)
    raise DataError(f"CAST to {target} is not supported")


#: types a CAST reads text into by the type's own SQL text reader (``$1::TIMESTAMP``); a
#: value already of the type passes checked (each type says so: ``DataType.cast_reads_text``)
TEXT_READ_CASTS = frozenset(t.name for t in registered_types() if t.cast_reads_text)
#: every type a CAST may convert to: SQLite's storage classes (the branches of
#: :func:`cast_value`) and the types read from text
CAST_TARGETS = frozenset(t.name for t in registered_types())


def _cast_to_own_type(value: Any, target: str) -> Any:
    """``CAST(value AS DATE/TIMESTAMP/...)``: text read as PostgreSQL reads a literal of the
    type, any other value checked to be of the type (its stored form)."""
    dtype = type_from_sql_name(target)
    if isinstance(value, str):
        return read_text_as(dtype, value)
    try:
        return dtype.check(value)
    except DataError:
        raise DataError(f"cannot cast {type(value).__name__} {value!r} to {target}") from None


def read_text_as(dtype: DataType, text: str) -> Any:
    """``text`` read as a value of ``dtype`` in stored form: as a SQL literal next to such a
    column (``'2024-01-31'`` a DATE), else in PostgreSQL's text format (a JSON document).

    Raises:
        DataError: the text is not a value of the type.
    """
    read = dtype.from_sql_text(text)
    if read is not None:
        return read
    try:
        return dtype.check(dtype.from_pg_text(text))
    except (ValueError, DataError):
        raise DataError(f"cannot read {text!r} as {dtype.name}") from None
