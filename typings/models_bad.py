"""Negative typing contract of PyRAM models (type-checked with ``mypy --strict``, never run).

Each line that the checker must reject carries a targeted ``# type: ignore[code]``. With
``warn_unused_ignores = true`` an ignore that stops being needed (the checker no longer flags the
bad line) fails the run. ``tests/test_typings.py`` also strips the ignores and checks that every
such line is reported.
"""

from __future__ import annotations

import pyram
from pyram import Col


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    email: Col[str | None] = pyram.column(default=None)


# Wrong argument type in the constructor.
User(id=1, name="a", age="x")  # type: ignore[arg-type]
# Missing required argument.
User(id=1, name="a")  # type: ignore[call-arg]
# Unknown keyword argument.
User(id=1, name="a", age=3, nosuch=1)  # type: ignore[call-arg]
# Too many positional arguments.
User(1, "a", 3, None, 5)  # type: ignore[call-arg]
# None for a non-nullable column.
User(id=1, name=None, age=3)  # type: ignore[arg-type]

u = User(id=1, name="a", age=3)
# Assigning values of the wrong type.
u.age = "x"  # type: ignore[assignment]
u.email = 3  # type: ignore[assignment]
u.name = None  # type: ignore[assignment]
# Instance values are not expressions, and vice versa.
u_age_str: str = User(id=2, name="b", age=4).age  # type: ignore[assignment]
col_as_int: int = User.age  # type: ignore[assignment]


@pyram.table
class BadDefault(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    # Default of the wrong type.
    count: Col[int] = pyram.column(default="x")  # type: ignore[arg-type]
    # default_factory producing the wrong type.
    tags: Col[str] = pyram.column(default_factory=list)  # type: ignore[arg-type]
    # None default on a non-nullable column.
    size: Col[int] = pyram.column(default=None)  # type: ignore[arg-type]
    # A bare default: runs, but a Col[int] annotation is not an int (docs teach column(default=)).
    bare: Col[int] = 0  # type: ignore[assignment]


@pyram.table
class BadReference(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    # Foreign key from a str column to an int column.
    owner: Col[str] = pyram.column(references=lambda: User.id)  # type: ignore[arg-type, return-value]
    # Nullable foreign key from a str column to an int column.
    # Nullable foreign key (default=None) declared on a non-nullable column.
    boss: Col[int] = pyram.column(default=None, references=lambda: User.id)  # type: ignore[assignment]
    other: Col[str | None] = pyram.column(default=None, references=lambda: User.id)  # type: ignore[arg-type, return-value]


# limit()/offset() take an int.
User.select().limit("3")  # type: ignore[arg-type]
User.select().offset(None)  # type: ignore[arg-type]

db = pyram.Database()
# get() may return None: attribute access needs a None check.
db.get(User, 1).age  # type: ignore[union-attr]
# No such column.
User.nosuch  # type: ignore[attr-defined]
u.nosuch  # type: ignore[attr-defined]
# replace() returns the same model type.
not_user: int = pyram.replace(u, age=4)  # type: ignore[assignment]
# Only table classes can be created / fetched.
db.create(int)  # type: ignore[arg-type]
db.get(int, 1)  # type: ignore[type-var]
