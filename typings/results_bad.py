"""Result types the checkers must refuse (issue 17); each marked line is flagged by both."""

from __future__ import annotations

from collections.abc import Sequence

import pyram
from pyram import Col, Expr, Select, func


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    email: Col[str | None] = pyram.column(default=None)


db = pyram.Database()
q = pyram.select(User.name, User.email)

s1: int | None = db.scalar(pyram.select(User.name, User.age))  # type: ignore[assignment]
s2: str = db.scalar(pyram.select(User.name))  # type: ignore[assignment]
s3: User = db.scalar(User.select())  # type: ignore[assignment]
s4: str | None = db.scalar(User.select())  # type: ignore[assignment]
n1: Select[tuple[str, str]] = q  # type: ignore[assignment]
n2: Sequence[tuple[str, str]] = db.all(q)  # type: ignore[arg-type]
n3: list[tuple[int, str | None]] = db.all(q)  # type: ignore[arg-type]
n4: Select[tuple[str]] = q  # type: ignore[assignment]
n5: Select[User] = pyram.select(User.id)  # type: ignore[assignment]
n6: tuple[str, str] = db.one(q)  # type: ignore[assignment]
nine = pyram.select(User.id, User.name, User.age, User.email, User.id, User.name, User.age, User.email, User.age)
w1: str = db.one(nine)[8]  # type: ignore[assignment]
User.id.in_(pyram.select(User.name))  # type: ignore[arg-type]
User.email.not_in(pyram.select(User.age))  # type: ignore[arg-type]
User.name.in_(pyram.select(User.name, User.age))  # type: ignore[arg-type]
c1: Expr[str] = pyram.case((User.age > 17, "adult"))  # type: ignore[assignment]
c2: object = pyram.case((User.age > 17, User.name), else_=User.age)  # type: ignore[misc]
c3: object = func.coalesce(User.email, User.age)  # type: ignore[misc]
c4: Expr[str] = func.coalesce(User.email, User.email)  # type: ignore[assignment]
bad_join = User.select().join(42)  # type: ignore[arg-type]


def by_age(low: int, high: int) -> None: ...


between = db.typed(User.select().where(User.age.between(pyram.param("low", int), pyram.param("high", int))), by_age)
p1 = between(low="18", high=30)  # type: ignore[arg-type]
p2 = between(lo=18, high=30)  # type: ignore[call-arg]
p3: list[tuple[int]] = between(low=18, high=30)  # type: ignore[assignment]
