"""Numeric promotion in the arithmetic operators (issue 17): checked by mypy and pyright, never run.

INTEGER with REAL gives REAL, INTEGER with DECIMAL gives DECIMAL, in both operand orders, for
columns and literals; a nullable operand makes the result nullable; ``/`` and ``%`` are nullable
(NULL on division by zero).
"""

from __future__ import annotations

from decimal import Decimal

from typing_extensions import assert_type

import pyram
from pyram import Col, Expr, func


@pyram.table
class Line(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    qty: Col[int]
    unit_price: Col[Decimal]
    weight: Col[float]
    spare: Col[int | None] = pyram.column(default=None)
    discount: Col[Decimal | None] = pyram.column(default=None)
    factor: Col[float | None] = pyram.column(default=None)


# int with float is float, both orders, literals and columns
assert_type(Line.qty * 1.1, Expr[float])
assert_type(1.1 * Line.qty, Expr[float])
assert_type(Line.qty * Line.weight, Expr[float])
assert_type(Line.weight * Line.qty, Expr[float])
assert_type(func.count() * 1.0, Expr[float])
assert_type(Line.weight + 1, Expr[float])
assert_type(2 + Line.weight, Expr[float])

# int with Decimal is Decimal, both orders
assert_type(Line.qty * Line.unit_price, Expr[Decimal])
assert_type(Line.unit_price * Line.qty, Expr[Decimal])
assert_type(Decimal("1.5") * Line.qty, Expr[Decimal])
assert_type(Line.qty * Decimal("1.5"), Expr[Decimal])
assert_type(3 * Line.unit_price, Expr[Decimal])

# int with int stays int, literals on either side
assert_type(2 * Line.qty, Expr[int])
assert_type(10 - Line.qty, Expr[int])
assert_type(Line.qty % 3, Expr[int | None])

# nullable operands give nullable results
assert_type(Line.spare * Line.unit_price, Expr[Decimal | None])
assert_type(Line.qty * Line.discount, Expr[Decimal | None])
assert_type(Line.discount * Line.qty, Expr[Decimal | None])
assert_type(Line.spare + 1, Expr[int | None])
assert_type(1 + Line.spare, Expr[int | None])
assert_type(Line.spare * 1.5, Expr[float | None])
assert_type(Line.weight - Line.spare, Expr[float | None])
assert_type(Line.factor * Line.qty, Expr[float | None])
assert_type(Line.qty * Line.factor, Expr[float | None])
assert_type(2.5 * Line.factor, Expr[float | None])
assert_type(Line.spare + Line.spare, Expr[int | None])

# division and remainder: NULL on a zero divisor
assert_type(Line.qty / 2, Expr[int | None])
assert_type(Line.qty / 2.0, Expr[float | None])
assert_type(Line.unit_price / Line.qty, Expr[Decimal | None])
assert_type(100 / Line.qty, Expr[int | None])
assert_type(1.0 / Line.weight, Expr[float | None])
assert_type(7 % Line.spare, Expr[int | None])

# totals in a select
total = func.sum(Line.qty * Line.unit_price)
q = pyram.select(Line.id, Line.qty * Line.unit_price, Line.weight * 2)
assert_type(q, pyram.Select[tuple[int, Decimal, float]])

# scalar functions: NULL in, NULL out
assert_type(func.round(Line.weight), Expr[float])
assert_type(func.round(Line.factor, 2), Expr[float | None])
assert_type(func.round(Line.spare), Expr[float | None])
