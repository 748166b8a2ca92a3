"""Arithmetic the checkers must reject (issue 17): each marked line is flagged by mypy and pyright.

DECIMAL does not mix with REAL (exactness would be lost silently), text and bytes are not numbers,
and a nullable result cannot be taken as a non-null one.
"""

from __future__ import annotations

from decimal import Decimal

import pyram
from pyram import Col, Expr


@pyram.table
class Line(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    qty: Col[int]
    unit_price: Col[Decimal]
    weight: Col[float]
    name: Col[str]
    spare: Col[int | None] = pyram.column(default=None)


d1 = Line.unit_price * 1.5  # type: ignore[operator]
d2 = 1.5 * Line.unit_price  # type: ignore[operator]
d3 = Line.unit_price * Line.weight  # type: ignore[operator]
d4 = Line.weight * Line.unit_price  # type: ignore[operator]
s1 = Line.name * 2  # type: ignore[operator]
s2 = 2 * Line.name  # type: ignore[operator]
s3 = Line.qty + "x"  # type: ignore[operator]
s4 = "x" + Line.qty  # type: ignore[operator]
n1: Expr[int] = Line.spare + 1  # type: ignore[assignment]
n2: Expr[float] = Line.qty * 1.5 + Line.spare  # type: ignore[assignment]
n3: Expr[int] = Line.qty * 1.5  # type: ignore[assignment]
n4: Expr[int] = Line.qty / 2  # type: ignore[assignment]
n5: Expr[int] = Line.qty * Line.unit_price  # type: ignore[assignment]
