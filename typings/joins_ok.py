"""Outer joins (issue 17): the columns of the side that may be missing, typed Optional through
``pyram.nullable``; a plain expression or a whole model there is not made Optional."""

from __future__ import annotations

from typing_extensions import assert_type

import pyram
from pyram import Col, Column, Expr, Select, func


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]


@pyram.table
class Order(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    user_id: Col[int] = pyram.column(references=lambda: User.id)
    total: Col[float]
    note: Col[str | None] = pyram.column(default=None)


db = pyram.Database()

# nullable() keeps the column (and its table) and adds None to its value type
assert_type(pyram.nullable(Order.total), Column[float | None, Order])
assert_type(pyram.nullable(Order.note), Column[str | None, Order])
assert_type(pyram.nullable(Order.total * 2), Expr[float | None])

# a left join: the joined table's columns may be NULL
per_user = pyram.select(User.name, pyram.nullable(Order.total)).left_join(Order)
assert_type(per_user, Select[tuple[str, float | None]])
assert_type(db.all(per_user), list[tuple[str, float | None]])
for _name, total in db.all(per_user):
    assert_type(total, float | None)

# usable wherever a column is: where, order_by, group_by, aggregates, arithmetic
late = pyram.nullable(Order.total)
q = (
    pyram.select(User.name, func.sum(late), late + 1.0)
    .left_join(Order)
    .where(late.is_null() | (late > 10.0))
    .group_by(User.name)
    .order_by(late.desc())
)
assert_type(q, Select[tuple[str, float | None, float | None]])

# a right join: the FROM table is the one that may be missing
assert_type(
    pyram.select(pyram.nullable(Order.id), User.name).right_join(
        User, on=Order.user_id.eq(User.id)
    ),
    Select[tuple[int | None, str]],
)
# a whole model on the missing side: nullable(Model) gives Model | None
with_orders = pyram.select(User, pyram.nullable(Order)).left_join(Order)
assert_type(with_orders, Select[tuple[User, Order | None]])
for user, order in db.all(with_orders):
    assert_type(user, User)
    assert_type(order, Order | None)
assert_type(
    db.first(pyram.select(pyram.nullable(Order), User.name).right_join(User)),
    tuple[Order | None, str] | None,
)
# a model on the kept side stays a model
assert_type(
    db.all(pyram.select(User, pyram.nullable(Order.id)).left_join(Order)),
    list[tuple[User, int | None]],
)
