"""Typed inputs the checkers must refuse (issue 17); each marked line is flagged by both."""

from __future__ import annotations

from typing import NamedTuple

import pyram
from pyram import Col, Select


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int] = pyram.column(default=0)
    email: Col[str | None] = pyram.column(default=None)


@pyram.table
class Order(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    user_id: Col[int] = pyram.column(references=lambda: User.id)
    note: Col[str | None] = pyram.column(default=None)
    total: Col[float] = pyram.column(default=0.0)


class NameAge(NamedTuple):
    name: str
    age: int


db = pyram.Database()

# keys typed by the key column
db.get(User.id, "x")  # type: ignore[misc]
db.get(User.id, None)  # type: ignore[misc]
g1: Order | None = db.get(User.id, 1)  # type: ignore[assignment]

# statement columns belong to the statement's model
pyram.update(User).set(Order.note, "x")  # type: ignore[arg-type]
pyram.update(User).set(Order.id, 3)  # type: ignore[arg-type]
pyram.insert(Order).from_select(pyram.select(User.id, User.id), Order.id, User.id)  # type: ignore[arg-type]
pyram.insert(Order).from_select(pyram.select(User.name, User.id), Order.id, Order.user_id)  # type: ignore[misc]
pyram.insert(Order).from_select(pyram.select(User.id), Order.id, Order.user_id)  # type: ignore[arg-type]
pyram.insert(Order).from_select(pyram.select(User.email, User.id), Order.id, Order.note)  # type: ignore[misc]
pyram.insert(Order).from_select(User.select())  # type: ignore[arg-type]
pyram.insert(Order).from_select(pyram.select(User.age), Order.note)  # type: ignore[misc]

# models in a select
p1: Select[tuple[User, User]] = pyram.select(User, Order)  # type: ignore[arg-type]
p2: Select[tuple[User, int]] = pyram.select(User, Order.note)  # type: ignore[arg-type]
p3: list[tuple[Order, User]] = db.all(pyram.select(User, Order))  # type: ignore[arg-type]
pyram.select(User, 3)  # type: ignore[call-overload]

# rows into a user's class: fields against the select's column types
db.all(pyram.select(User.age, User.name), into=NameAge)  # type: ignore[arg-type]
db.all(pyram.select(User.name, User.email), into=NameAge)  # type: ignore[arg-type]
db.all(pyram.select(User.name), into=NameAge)  # type: ignore[arg-type]
db.all(pyram.select(User.name, User.age, User.id), into=NameAge)  # type: ignore[arg-type]
db.all(User.select(), into=NameAge)  # type: ignore[arg-type]
pyram.select(int)  # type: ignore[type-var]
pyram.select(User, int)  # type: ignore[type-var]

# boolean operators need boolean operands
~User.age  # type: ignore[misc]
User.age & (User.id > 1)  # type: ignore[misc]
(User.id > 1) | User.name  # type: ignore[operator]
