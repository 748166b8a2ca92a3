"""Negative typing contract of window functions: every marked line must be rejected."""

from __future__ import annotations

import pyram
from pyram import Col, func


@pyram.table
class Sale(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    region: Col[str]
    amount: Col[int]


db = pyram.Database()

pyram.select(Sale.id, func.row_number())  # type: ignore[call-overload]
func.row_number() + 1  # type: ignore[operator]
func.rank().over(order_by=Sale.id, rows=(None, "x"))  # type: ignore[arg-type]
func.rank().over(exclude="others")  # type: ignore[arg-type]
func.rank().over(partition=Sale.region)  # type: ignore[call-arg]
func.ntile("4")  # type: ignore[arg-type]
func.lag(Sale.amount, 1, "none")  # type: ignore[misc]
func.nth_value(Sale.amount, "2")  # type: ignore[arg-type]
func.count().filter(Sale.amount)  # type: ignore[arg-type]
Sale.amount.over()  # type: ignore[attr-defined]
bad: int = func.lag(Sale.amount).over()  # type: ignore[assignment]
ranks: list[tuple[int, str]] = db.all(pyram.select(Sale.id, func.rank().over()))  # type: ignore[arg-type]
