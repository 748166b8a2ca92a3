"""The type rules of bound expressions: the SQL type of a constant, of arithmetic, of a CASE,
and of a function call's arguments.

:class:`~pyram.plan.builder.PlanBuilder` applies them as it builds expressions (so both front
ends type alike); the engine's kernel translator uses :func:`arith_result_type` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from pyram.errors import ProgrammingError
from pyram.plan.expr import Arith, ArithOp, ColumnRef, Expr, Literal_, Negate, Param
from pyram.types import (
    BLOB,
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    NULLTYPE,
    REAL,
    TEXT,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    UUID_TYPE,
    DataType,
)

__all__ = [
    "arith_result_type",
    "common_type",
    "describe_operand",
    "literal_type",
    "narrow_operands",
    "numeric_result",
    "typed_args",
    "values_match_type",
]


def literal_type(value: object) -> DataType:
    """The SQL type of a Python constant written without a column to give it context."""
    import datetime as dt
    import uuid
    from decimal import Decimal

    if value is None:
        return NULLTYPE
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return REAL
    if isinstance(value, str):
        return TEXT
    if isinstance(value, bytes):
        return BLOB
    if isinstance(value, Decimal):
        return DECIMAL
    if isinstance(value, dt.datetime):
        return TIMESTAMPTZ if value.utcoffset() is not None else TIMESTAMP
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, dt.time):
        return TIME
    if isinstance(value, uuid.UUID):
        return UUID_TYPE
    raise ProgrammingError(f"cannot use {type(value).__name__} value {value!r} in a query")


def describe_operand(expr: Expr) -> str:
    if isinstance(expr, ColumnRef):
        return expr.name
    if isinstance(expr, Literal_):
        return repr(expr.value)
    if isinstance(expr, Param):
        return f"parameter {expr.key!r}"
    return type(expr).__name__.lower().rstrip("_")


def arith_result_type(op: ArithOp, left: DataType, right: DataType) -> DataType:
    """The type of ``left op right`` for operands :meth:`PlanBuilder.arith` accepted."""
    return TEXT if op == "||" else numeric_result(left, right)


def typed_args(
    rule: Callable[[Sequence[DataType]], DataType], args: Sequence[Expr]
) -> tuple[list[Expr], DataType]:
    """Arguments and result type of a call. An argument made REAL only by a parameter next
    to an INTEGER column (``i + ?``) stays so where the result's type is the same either way
    (``total(i + ?)``, ``round(i + ?)``); elsewhere (``substr(s, i + ?)``, ``sum(i + ?)``) it
    is typed INTEGER again, its parameter then taking INTEGER values only, so the plan types
    no differently than without REAL parameters."""
    narrowed = [narrow_operands(a) for a in args]
    if all(n is a for n, a in zip(narrowed, args, strict=True)):
        return list(args), rule([a.dtype for a in args])
    strict = rule([a.dtype for a in narrowed])
    try:
        lenient = rule([a.dtype for a in args])
    except ProgrammingError:
        return narrowed, strict
    # lenient only where the result's type does not depend on it (round, total, avg ...)
    return (list(args), lenient) if lenient is strict else (narrowed, strict)


def narrow_operands(expr: Expr) -> Expr:
    """``expr`` with its operand parameters strict again and the arithmetic they made REAL
    INTEGER again (see ``Param.operand``): where a function needs an INTEGER argument."""
    if isinstance(expr, Param) and expr.operand:
        return attrs.evolve(expr, operand=False)
    if isinstance(expr, Negate):
        inner = narrow_operands(expr.arg)
        return expr if inner is expr.arg else Negate(inner)
    if not isinstance(expr, Arith) or expr.op == "||":
        return expr
    left, right = narrow_operands(expr.left), narrow_operands(expr.right)
    if left is expr.left and right is expr.right:
        return expr
    return Arith(expr.op, left, right, numeric_result(left.dtype, right.dtype))


def values_match_type(expr: Expr) -> bool:
    """True when every value of ``expr`` has the storage class of its type: a stored column,
    or a value of a family other than numeric (a REAL expression may mix in INTEGER values,
    an INTEGER one REAL values through a REAL parameter next to an INTEGER column)."""
    if isinstance(expr, Literal_ | Param):
        return False
    return expr.dtype.family != "numeric" or isinstance(expr, ColumnRef)


def numeric_result(a: DataType, b: DataType) -> DataType:
    names = {a.name, b.name} - {"NULL"}
    if not names or names == {"INTEGER"}:
        return INTEGER
    if "REAL" in names:
        return REAL
    if "DECIMAL" in names:
        return DECIMAL
    return a if a is not NULLTYPE else b


def common_type(exprs: Sequence[Expr]) -> DataType:
    typed = [e.dtype for e in exprs if e.dtype is not NULLTYPE]
    if not typed:
        return NULLTYPE
    families = {t.family for t in typed}
    if len(families) > 1:
        raise ProgrammingError(
            "CASE branches have incompatible types: " + ", ".join(sorted(t.name for t in typed))
        )
    if families == {"numeric"}:
        result = typed[0]
        for t in typed[1:]:
            result = numeric_result(result, t)
        return result
    return typed[0]
