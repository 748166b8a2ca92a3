"""Outer-join typing the checkers must refuse (issue 17); each marked line is flagged by both."""

from __future__ import annotations

import pyram
from pyram import Col, Column


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]


@pyram.table
class Order(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    user_id: Col[int] = pyram.column(references=lambda: User.id)
    total: Col[float]


db = pyram.Database()
per_user = pyram.select(User.name, pyram.nullable(Order.total)).left_join(Order)

rows: list[tuple[str, float]] = db.all(per_user)  # type: ignore[arg-type]
total: float = db.all(per_user)[0][1]  # type: ignore[assignment]
col: Column[float, Order] = pyram.nullable(Order.total)  # type: ignore[assignment]
owner: Column[float | None, User] = pyram.nullable(Order.total)  # type: ignore[assignment]
pyram.nullable(42)  # type: ignore[call-overload]
pyram.nullable(Order)  # type: ignore[call-overload]
