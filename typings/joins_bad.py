"""Outer-join typing the checkers must refuse (issue 17); each marked line is flagged by both."""

from __future__ import annotations

from typing import NamedTuple

import pyram
from pyram import Col, Column, Select


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]


@pyram.table
class Order(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    user_id: Col[int] = pyram.column(references=lambda: User.id)
    total: Col[float]


class Spend(NamedTuple):
    name: str
    total: float


db = pyram.Database()
per_user = pyram.select(User.name, pyram.nullable(Order.total)).left_join(Order)

rows: list[tuple[str, float]] = db.all(per_user)  # type: ignore[arg-type]
total: float = db.all(per_user)[0][1]  # type: ignore[assignment]
col: Column[float, Order] = pyram.nullable(Order.total)  # type: ignore[assignment]
owner: Column[float | None, User] = pyram.nullable(Order.total)  # type: ignore[assignment]
pyram.nullable(42)  # type: ignore[call-overload]
pyram.nullable(int)  # type: ignore[type-var]
typed: Select[tuple[str, float]] = per_user  # type: ignore[assignment]
db.all(per_user, into=Spend)  # type: ignore[arg-type]
pyram.nullable(Order.total) + "x"  # type: ignore[operator]
pyram.nullable(Order.total).eq("x")  # type: ignore[call-overload]
pyram.nullable(Order.total).in_(["a"])  # type: ignore[list-item]
for _, spent in db.all(per_user):
    spent + 1  # type: ignore[operator]
pair: tuple[User, Order] = db.all(pyram.select(User, pyram.nullable(Order)).left_join(Order))[0]  # type: ignore[assignment]
for _user, order in db.all(pyram.select(User, pyram.nullable(Order)).left_join(Order)):
    order.total  # type: ignore[union-attr]
