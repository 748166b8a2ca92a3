"""Typed inputs and shaped results (issue 17): keys, statement columns, models in a select,
rows into a user's class. Each line here must pass mypy --strict and pyright strict."""

from __future__ import annotations

from typing import NamedTuple

import attrs
from typing_extensions import assert_type

import pyram
from pyram import Col, Column, Select


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


@pyram.table
class Tag(pyram.Table):
    label: Col[str] = pyram.column(primary_key=True)


class NameAge(NamedTuple):
    name: str
    age: int


class Contact(NamedTuple):
    name: str
    email: str | None


@attrs.frozen
class Spend:
    user: str
    total: float


class Pairing(NamedTuple):
    user: User
    order: Order


db = pyram.Database()

# --- columns know their model ---------------------------------------------------------------
assert_type(User.id, Column[int, User])
assert_type(Order.note, Column[str | None, Order])
any_int_column: Column[int] = User.id  # the owner defaults to Any

# --- db.get by the key column: the key is typed ---------------------------------------------
assert_type(db.get(User.id, 1), User | None)
assert_type(db.get(Tag.label, "red"), Tag | None)
assert_type(db.get(User, 1), User | None)  # by model: the key is not checked

# --- statements take their own model's columns ------------------------------------------------
pyram.update(User).set(User.age, User.age + 1)
pyram.update(Order).set(Order.note, "rush").set(Order.note, None)
pyram.insert(Order).from_select(pyram.select(User.id, User.id), Order.id, Order.user_id)
pyram.insert(Order).from_select(pyram.select(User.id, User.id, User.name), Order.id, Order.user_id, Order.note)
pyram.insert(Order).from_select(pyram.select(User.id, User.id, User.age), Order.id, Order.user_id, Order.total)
pyram.insert(Order).from_select(Order.select().where(Order.total > 10))
pyram.insert(Order).from_select(pyram.select(Order.id, Order.user_id, Order.note, Order.total))

# --- models in a select -----------------------------------------------------------------------
pairs = pyram.select(User, Order).join(Order)
assert_type(pairs, Select[tuple[User, Order]])
assert_type(db.all(pairs), list[tuple[User, Order]])
assert_type(db.first(pairs), tuple[User, Order] | None)
assert_type(db.scalar(pairs), User | None)
assert_type(pyram.select(User, Order.note).join(Order), Select[tuple[User, str | None]])
assert_type(pyram.select(Order.id, User), Select[tuple[int, User]])
assert_type(pyram.select(User, Order, Tag), Select[tuple[User, Order, Tag]])
assert_type(pyram.select(User.name, Order, Order.total, User), Select[tuple[str, Order, float, User]])
boss = pyram.alias(User, "boss")
assert_type(pyram.select(User, boss), Select[tuple[User, User]])
for user, order in db.all(pairs):
    assert_type(user.name, str)
    assert_type(order.note, str | None)

# --- rows into a user's class -----------------------------------------------------------------
assert_type(db.all(pyram.select(User.name, User.age), into=NameAge), list[NameAge])
assert_type(db.all(pyram.select(User.name, User.email), into=Contact), list[Contact])
assert_type(db.all(pyram.select(User.name, User.name), into=Contact), list[Contact])  # str fits str | None
assert_type(db.all(pyram.select(User.name, Order.total).join(Order), into=Spend), list[Spend])
assert_type(db.all(pyram.select(User.name, Order.user_id).join(Order), into=Spend), list[Spend])  # int fits float
assert_type(db.all(pairs, into=Pairing), list[Pairing])
assert_type(db.all(pyram.select(User.name)), list[tuple[str]])
