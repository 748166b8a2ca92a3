"""Positive typing contract of window functions (type-checked, never run)."""

from __future__ import annotations

from typing_extensions import assert_type

import pyram
from pyram import Col, Expr, Select, func
from pyram.dsl.terms import Aggregate
from pyram.dsl.window import WindowFunction


@pyram.table
class Sale(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    region: Col[str]
    amount: Col[int]
    price: Col[float]
    note: Col[str | None] = pyram.column(default=None)


db = pyram.Database()

# window functions wait for .over(); their results are typed
assert_type(func.row_number(), WindowFunction[int])
assert_type(func.row_number().over(partition_by=Sale.region, order_by=Sale.id), Expr[int])
assert_type(func.rank().over(order_by=Sale.amount.desc()), Expr[int])
assert_type(func.dense_rank().over(order_by=[Sale.region, Sale.amount]), Expr[int])
assert_type(func.percent_rank().over(order_by=Sale.amount), Expr[float])
assert_type(func.cume_dist().over(order_by=Sale.amount), Expr[float])
assert_type(func.ntile(4).over(order_by=Sale.amount), Expr[int])
assert_type(func.lag(Sale.amount).over(order_by=Sale.id), Expr[int | None])
assert_type(func.lead(Sale.price, 2, 0.0).over(order_by=Sale.id), Expr[float | None])
assert_type(func.first_value(Sale.note).over(order_by=Sale.id), Expr[str | None])
assert_type(func.nth_value(Sale.region, 2).over(rows=(None, None)), Expr[str | None])

# aggregates as window functions keep their aggregate's type; FILTER keeps it too
assert_type(func.sum(Sale.amount).over(order_by=Sale.id, rows=(-2, 0)), Expr[int | None])
assert_type(func.avg(Sale.price).over(partition_by=Sale.region), Expr[float | None])
assert_type(func.count().over(order_by=Sale.amount, groups=(-1, 1), exclude="ties"), Expr[int])
assert_type(func.count().filter(Sale.amount > 3), Aggregate[int])
assert_type(func.max(Sale.price).filter(Sale.region == "n").over(), Expr[float | None])
assert_type(func.total(Sale.amount).over(range=(-2.5, 0)), Expr[float])

# rows of a query with window columns
q = pyram.select(Sale.id, func.rank().over(order_by=Sale.amount), func.lag(Sale.price).over())
assert_type(q, Select[tuple[int, int, float | None]])
assert_type(db.all(q), list[tuple[int, int, float | None]])
