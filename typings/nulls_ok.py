"""NULL in expression types (issue 17): a comparison with a nullable operand is
``Expr[bool | None]``; ``Expr`` and ``Select`` are covariant, so non-null fits nullable; branches
and arguments that must share a type unify a nullable with a non-null one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from typing_extensions import assert_type

import pyram
from pyram import Col, Expr, Select, func
from pyram.dsl.expr import Predicate
from pyram.dsl.terms import Aggregate
from pyram.dsl.window import WindowFunction


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    city: Col[str | None] = pyram.column(default=None)
    rank: Col[int | None] = pyram.column(default=None)
    seen: Col[dt.datetime | None] = pyram.column(default=None)


db = pyram.Database()

# comparisons: NULL on either side makes the answer NULL; IS NULL never does
assert_type(User.age > 3, Predicate)
assert_type(User.rank > 3, Expr[bool | None])
assert_type(User.age > User.rank, Expr[bool | None])
assert_type(User.seen < dt.datetime(2026, 1, 1), Expr[bool | None])
assert_type(User.name == "x", Predicate)
assert_type(User.city == "x", Expr[bool | None])
assert_type(User.name != User.city, Expr[bool | None])
assert_type(User.city == None, Predicate)  # noqa: E711  (IS NULL)
assert_type(User.city.is_null(), Predicate)
assert_type(User.age.eq(3), Predicate)
assert_type(User.city.eq("x"), Expr[bool | None])
assert_type(User.name.ne(User.city), Expr[bool | None])
assert_type(User.city.eq(None), Predicate)
assert_type(User.rank.in_([1, 2]), Expr[bool | None])
assert_type(User.age.in_(pyram.select(User.rank)), Expr[bool | None])
assert_type(User.age.in_(pyram.select(User.id)), Predicate)
assert_type(User.rank.between(1, 5), Expr[bool | None])
assert_type(User.age.between(1, User.rank), Expr[bool | None])
assert_type(db.all(pyram.select(User.rank > 3)), list[tuple[bool | None]])

# boolean combinations keep NULL: TRUE AND NULL is NULL
assert_type((User.age > 3) & (User.name == "x"), Predicate)
assert_type((User.age > 3) & (User.city == "x"), Expr[bool | None])
assert_type((User.rank > 3) | (User.age > 3), Expr[bool | None])
assert_type(~(User.rank > 3), Expr[bool | None])
assert_type(~(User.age > 3), Predicate)

# ... and every clause taking a condition takes a nullable one
q = User.select().where(User.city == "x").having(User.rank > 1).order_by(User.id)
assert_type(q, Select[User])
assert_type(pyram.case((User.rank > 3, "high"), else_="low"), Expr[str])
assert_type(func.count().filter(User.city.eq("x")), Aggregate[int])
assert_type(User.select().join(User, on=User.rank.eq(User.id)), Select[User])

# covariance: a non-null expression or query serves where a nullable one is expected
maybe_age: Expr[int | None] = User.age
anything: Expr[object] = User.name
rows: Sequence[tuple[str, int | None]] = db.all(pyram.select(User.name, User.age))
wider: Select[tuple[str | None]] = pyram.select(User.name)


def label(e: Expr[str | None]) -> Expr[str | None]:
    return e.concat("!")


assert_type(label(User.name), Expr[str | None])

# arguments sharing one type: a nullable one makes the result nullable
assert_type(pyram.case((User.age > 3, User.name), else_=User.city), Expr[str | None])
assert_type(pyram.case((User.age > 3, User.city), else_=User.name), Expr[str | None])
assert_type(
    pyram.case((User.age > 3, User.city), (User.age > 9, "old"), else_="young"), Expr[str | None]
)
assert_type(pyram.case((User.age > 3, User.name), else_="young"), Expr[str])
assert_type(pyram.case((User.age > 3, 1), else_=2.5), Expr[float])
assert_type(func.coalesce(User.city, User.name), Expr[str])
assert_type(func.coalesce(User.city, User.city), Expr[str | None])
assert_type(func.coalesce(User.rank, User.age, 0), Expr[int])
assert_type(func.nullif(User.name, User.city), Expr[str | None])
assert_type(func.max(User.age, User.rank, 3), Expr[int | None])
assert_type(func.lag(User.rank, 1, User.age), WindowFunction[int | None])
assert_type(func.lead(User.name, 1, "none"), WindowFunction[str | None])
assert_type(pyram.case((User.age > 3, None), else_="young"), Expr[str | None])
assert_type(pyram.case((User.age > 3, User.name), else_=None), Expr[str | None])
assert_type(func.coalesce(User.city, None), Expr[str | None])
