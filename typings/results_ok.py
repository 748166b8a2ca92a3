"""Result types of queries (issue 17): ``db.scalar`` of any select, covariant ``Select``."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import assert_type

import pyram
from pyram import Col, Expr, Select, func


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    email: Col[str | None] = pyram.column(default=None)


db = pyram.Database()

# db.scalar: the first column of the first row (None when there is no row), at any width
assert_type(db.scalar(pyram.select(User.id)), int | None)
assert_type(db.scalar(pyram.select(User.name, User.age)), str | None)
assert_type(db.scalar(pyram.select(User.email, User.id, User.age, User.name)), str | None)
assert_type(db.scalar(User.select()), User | None)

# Select is covariant: a query of non-null columns serves where nullable rows are expected
q = pyram.select(User.name, User.age)
wider: Select[tuple[str, int | None]] = q
rows: Sequence[tuple[str, int | None]] = db.all(q)
first: tuple[str, float] | None = db.first(q)
assert_type(q.union(pyram.select(User.name, User.id)), Select[tuple[str, int]])

# selects of up to 16 columns keep every column's type
U = User
wide = pyram.select(U.id, U.name, U.age, U.email, U.id, U.name, U.age, U.email, U.id, U.name,
                    U.age, U.email, U.id, U.name, U.age, U.email)  # fmt: skip
assert_type(
    db.all(wide),
    list[tuple[int, str, int, str | None, int, str, int, str | None, int, str, int, str | None,
               int, str, int, str | None]],
)  # fmt: skip
nine = pyram.select(U.id, U.name, U.age, U.email, U.id, U.name, U.age, U.email, U.age)
assert_type(db.one(nine)[8], int)

# IN (subquery): the subquery's column must hold the same type (NULLs allowed on either side)
maybe_boss = pyram.select(User.email)
User.id.in_(pyram.select(User.age))
User.name.not_in(maybe_boss)
User.email.in_(pyram.select(User.name))

# case: no else_ means NULL when no branch is taken; coalesce with a non-null fallback is non-null
assert_type(pyram.case((User.age > 17, "adult"), else_="minor"), Expr[str])
assert_type(pyram.case((User.age > 17, User.name), (User.id > 5, "x"), else_=User.name), Expr[str])
assert_type(pyram.case((User.age > 17, User.name)), Expr[str | None])
assert_type(pyram.case((User.age > 17, "adult")), Expr[str | None])
assert_type(func.coalesce(User.email, User.name), Expr[str])
assert_type(func.coalesce(User.email, "none"), Expr[str])
assert_type(func.coalesce(User.email, User.email), Expr[str | None])


# typed parameters: a signature names the query's parameters with their types
def by_age(low: int, high: int) -> None: ...


between = db.typed(User.select().where(User.age.between(pyram.param("low", int), pyram.param("high", int))), by_age)
assert_type(between(low=18, high=30), list[User])
assert_type(between.first(18, 30), User | None)
assert_type(between.one(low=18, high=30), User)
