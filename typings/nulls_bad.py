"""NULL-aware and covariant expression typing the checkers must refuse (issue 17); each marked
line is flagged by both. Covariance lets ``Expr[str]`` and ``Expr[int]`` meet at
``Expr[object]``: the lines below that mix types show that arguments which must share one type
are still checked (they go through ``SameType``, not ``Expr[T]``)."""

from __future__ import annotations

import pyram
from pyram import Col, Expr, func
from pyram.dsl.expr import Predicate


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    city: Col[str | None] = pyram.column(default=None)
    rank: Col[int | None] = pyram.column(default=None)


db = pyram.Database()

p1: Predicate = User.rank > 3  # type: ignore[assignment]
p2: Predicate = User.city == "x"  # type: ignore[assignment]
p3: Predicate = User.city.eq("x")  # type: ignore[assignment]
p4: Predicate = (User.age > 3) & (User.rank > 3)  # type: ignore[assignment]
p5: Predicate = User.rank.in_([1])  # type: ignore[assignment]
r1: list[tuple[bool]] = db.all(pyram.select(User.rank > 3))  # type: ignore[arg-type]
e1: Expr[int] = User.rank  # type: ignore[assignment]
e2: Expr[str] = User.age  # type: ignore[assignment]
User.age.eq("x")  # type: ignore[call-overload]
User.rank.eq("x")  # type: ignore[call-overload]
User.name.ne(User.age)  # type: ignore[arg-type]
User.rank.between("a", 3)  # type: ignore[arg-type]
User.rank > "x"  # type: ignore[operator]
pyram.case((User.age > 3, User.name), else_=User.age)  # type: ignore[misc]
pyram.case((User.age > 3, User.city), (User.age > 9, User.rank))  # type: ignore[misc]
func.coalesce(User.city, User.age)  # type: ignore[misc]
func.coalesce(User.rank, "none")  # type: ignore[misc]
func.nullif(User.name, 3)  # type: ignore[misc]
func.max(User.age, "x")  # type: ignore[misc]
func.lag(User.age, 1, "none")  # type: ignore[misc]
func.lead(User.city, 1, User.age)  # type: ignore[misc]
