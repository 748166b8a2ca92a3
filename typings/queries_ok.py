"""Positive typing contract of queries (type-checked with ``mypy --strict``, never run)."""

from __future__ import annotations

from decimal import Decimal
from collections.abc import Iterator
from typing import Any

from typing_extensions import assert_type

import pyram
from pyram import Col, Column, Expr, Select, func
from pyram.dsl.expr import Predicate
from pyram.dsl.terms import Aggregate


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    score: Col[float]
    email: Col[str | None] = pyram.column(default=None)
    balance: Col[Decimal] = pyram.column(default=Decimal(0))


@pyram.table
class Order(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    user_id: Col[int] = pyram.column(references=lambda: User.id)
    total: Col[float | None] = pyram.column(default=None)


db = pyram.Database()

# comparisons and boolean combinations
assert_type(User.age > 30, Predicate)
assert_type(User.age >= 2.5, Predicate)
assert_type(User.score < 1, Predicate)
assert_type(User.name <= "m", Predicate)
assert_type(User.email > "a", Expr[bool | None])  # NULL > "a" is NULL
assert_type(User.age.eq(3), Predicate)
assert_type(User.email.eq("x"), Expr[bool | None])
assert_type(User.email.eq(None), Predicate)
assert_type(Order.user_id.eq(User.id), Predicate)
assert_type((User.age > 3) & (User.name == "x") | ~(User.score > 1.0), Predicate)
assert_type(User.age.in_([1, 2, 3]), Predicate)
assert_type(User.age.between(1, 10), Predicate)
assert_type(User.age.between(pyram.param("lo", int), pyram.param("hi", int)), Predicate)
assert_type(User.email.between("a", "m"), Expr[bool | None])
assert_type(User.name.like("a%"), Predicate)
assert_type(User.email.is_null(), Predicate)

# arithmetic keeps the value type
assert_type(User.age + 1, Expr[int])
assert_type(User.age * User.age, Expr[int])
assert_type(User.score + 1, Expr[float])
assert_type(User.score - User.score, Expr[float])
assert_type(User.age / 2, Expr[int | None])
assert_type(Order.total + 1.0, Expr[float | None])
assert_type(User.balance + 1, Expr[Decimal])
assert_type(-User.age, Expr[int])
assert_type(User.name.concat("!"), Expr[str])

# functions
assert_type(func.count(), Aggregate[int])
assert_type(func.sum(User.age), Aggregate[int | None])
assert_type(func.sum(User.score), Aggregate[float | None])
assert_type(func.avg(User.age), Aggregate[float | None])
assert_type(func.min(User.name), Aggregate[str | None])
assert_type(func.lower(User.name), Expr[str])
assert_type(func.coalesce(User.email, "none"), Expr[str])
assert_type(pyram.case((User.age < 18, "minor"), else_="adult"), Expr[str])
assert_type(pyram.param("id", int), Expr[int])

# queries and their row types
q_users = User.select().where(User.age > 30).order_by(User.age.desc()).limit(10)
assert_type(q_users, Select[User])
assert_type(User.select().join(Order).where(Order.total > 5.0), Select[User])
assert_type(pyram.select(User), Select[User])
q_pairs = pyram.select(User.name, User.age)
assert_type(q_pairs, Select[tuple[str, int]])
assert_type(pyram.select(User.name, func.count()).group_by(User.name), Select[tuple[str, int]])
assert_type(pyram.select(User.email), Select[tuple[str | None]])
assert_type(q_pairs.union(pyram.select(User.name, User.age)), Select[tuple[str, int]])

assert_type(db.all(q_users), list[User])
assert_type(db.all(q_pairs), list[tuple[str, int]])
assert_type(db.first(q_users), User | None)
assert_type(db.one(q_pairs), tuple[str, int])
assert_type(db.scalar(pyram.select(func.count()).select_from(User)), int | None)
assert_type(db.iter(q_users), Iterator[User])
assert_type(db.explain(q_users), str)

# subqueries
assert_type(User.id.in_(pyram.select(Order.user_id)), Predicate)
assert_type(pyram.exists(pyram.select(Order.id).where(Order.user_id.eq(User.id))), Predicate)
assert_type(pyram.select(func.max(User.age)).scalar_subquery(), Expr[int | None])

# aliases keep column types
boss = pyram.alias(User, "boss")
assert_type(boss.id, Column[int, User])

# statements
assert_type(db.execute(pyram.update(User).set(User.age, User.age + 1).where(User.id.eq(1))), int)
assert_type(db.execute(pyram.delete(Order).where(Order.total.is_null())), int)
assert_type(db.execute(pyram.insert(Order).from_select(pyram.select(Order.id, Order.user_id, Order.total))), int)
ignored: Any = None

# user-defined functions: the DSL call is typed by the function's return type
@db.function
def double(x: int) -> int:
    return 2 * x


@pyram.udf
def initials(name: str) -> str | None:
    return name[:1] or None


assert_type(double, pyram.SqlFunction[int])
assert_type(double(User.age), Expr[int])
assert_type(initials(User.name), Expr[str | None])
assert_type(db.all(pyram.select(User.name, double(User.age))), list[tuple[str, int]])
assert_type(double(User.age) > 3, Predicate)
assert_type(db.call("proc", 1, "x"), Any)

# text functions and || keep NULL: NULL in, NULL out
assert_type(func.lower(User.name), Expr[str])
assert_type(func.upper(User.email), Expr[str | None])
assert_type(func.length(User.email), Expr[int | None])
assert_type(func.trim(User.email), Expr[str | None])
assert_type(func.substr(User.email, 2), Expr[str | None])
assert_type(func.replace(User.email, "@", " at "), Expr[str | None])
assert_type(User.name.concat("!"), Expr[str])
assert_type(User.email.concat("!"), Expr[str | None])
assert_type(User.name.concat(User.email), Expr[str | None])
