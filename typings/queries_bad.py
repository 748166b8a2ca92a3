"""Negative typing contract of queries: every marked line must be rejected by mypy --strict."""

from __future__ import annotations

import pyram
from pyram import Col, func


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]


db = pyram.Database()

User.age > "x"  # type: ignore[operator]
User.name + 1  # type: ignore[operator]
User.age.eq("x")  # type: ignore[call-overload]
User.name.like(3)  # type: ignore[arg-type]
User.age.like("a%")  # type: ignore[misc]
User.age.in_(["a"])  # type: ignore[list-item]
User.age.between("a", "z")  # type: ignore[call-overload]
(User.age > 1) & User.name  # type: ignore[operator]
func.sum(User.name)  # type: ignore[type-var]
func.lower(User.age)  # type: ignore[arg-type]
User.select().limit("3")  # type: ignore[arg-type]
rows_wrong: list[tuple[int, str]] = db.all(pyram.select(User.name, User.age))  # type: ignore[arg-type]
user_wrong: int = db.all(User.select())[0]  # type: ignore[assignment]
pyram.update(User).set(User.age, "x")  # type: ignore[misc]


@db.function
def twice(x: int) -> int:
    return 2 * x


twice(User.age) + "x"  # type: ignore[operator]
text_wrong: list[tuple[str]] = db.all(pyram.select(twice(User.age)))  # type: ignore[arg-type]
