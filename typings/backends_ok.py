"""Positive typing contract of the two backends (mypy --strict and pyright, never run).

``pyram.Database`` (memory) and ``pyram.pg.PgDatabase`` (PostgreSQL) both satisfy
``pyram.TypedDatabase``, and every query method gives the same result type on both;
``pyram.pg.AsyncPgDatabase`` gives the same types from its coroutines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, NamedTuple

from typing_extensions import assert_type

import pyram
import pyram.pg
from pyram import Col, func


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    email: Col[str | None] = pyram.column(default=None)


@pyram.table
class Pet(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    owner: Col[int] = pyram.column(references=lambda: User.id)


class NameAge(NamedTuple):
    name: str
    age: int


def application(db: pyram.TypedDatabase) -> list[tuple[str, int]]:
    """Code written once against the shared Protocol."""
    db.create(User)
    db.insert(User(id=1, name="ann", age=30))
    with db.transaction("snapshot"):
        db.execute(pyram.update(User).set(User.age, User.age + 1))
    assert_type(db.get(User, 1), User | None)
    assert_type(db.get(User.id, 1), User | None)
    assert_type(db.first(User.select()), User | None)
    assert_type(db.scalar(pyram.select(User.age)), int | None)
    assert_type(db.scalars(pyram.select(User.email)), list[str | None])
    assert_type(db.all(pyram.select(User.name, User.age), into=NameAge), list[NameAge])
    return db.all(pyram.select(User.name, User.age))


memory: pyram.TypedDatabase = pyram.Database()
postgres: pyram.TypedDatabase = pyram.pg.connect("host=localhost dbname=app")
application(pyram.Database())
application(pyram.pg.connect("host=localhost dbname=app"))

pg = pyram.pg.connect("host=localhost dbname=app")
mem = pyram.Database()
q = pyram.select(User.name, func.count()).group_by(User.name)
assert_type(pg.all(q), list[tuple[str, int]])
assert_type(mem.all(q), list[tuple[str, int]])
assert_type(pg.one(User.select()), User)
assert_type(mem.one(User.select()), User)
assert_type(pg.get(User, 1), User | None)
assert_type(mem.get(User, 1), User | None)
assert_type(pg.get(User.id, 1), User | None)
assert_type(pg.all(pyram.select(User.name, User.age), into=NameAge), list[NameAge])
assert_type(pg.first(pyram.select(User.id)), tuple[int] | None)
assert_type(mem.first(pyram.select(User.id)), tuple[int] | None)
assert_type(pg.scalar(pyram.select(User.email)), str | None)
assert_type(mem.scalar(pyram.select(User.email)), str | None)
assert_type(pg.upsert(User(id=1, name="a", age=1)), Literal["insert", "update"])
assert_type(mem.upsert(User(id=1, name="a", age=1)), Literal["insert", "update"])
assert_type(pg.execute(pyram.delete(User).where(User.age > 3)), int)
assert_type(pg.explain(User.select()), str)
assert_type(pg.transaction(), pyram.pg.PgTransaction)


async def asynchronous() -> None:
    adb = await pyram.pg.connect_async("host=localhost dbname=app")
    assert_type(await adb.all(q), list[tuple[str, int]])
    assert_type(await adb.get(User, 1), User | None)
    assert_type(await adb.get(User.id, 1), User | None)
    assert_type(await adb.all(q, into=NameAge), list[NameAge])
    assert_type(await adb.all(pyram.select(User, Pet).join(Pet)), list[tuple[User, Pet]])
    assert_type(await adb.first(pyram.select(Pet, User.name).join(User)), tuple[Pet, str] | None)
    assert_type(await adb.scalar(q), str | None)
    assert_type(await adb.scalar(User.select()), User | None)
    assert_type(await adb.scalars(pyram.select(User.age)), list[int])
    assert_type(await adb.one(User.select()), User)
    assert_type(await adb.execute(pyram.delete(User)), int)
    assert_type(await adb.delete(User(id=2, name="b", age=2)), bool)
    assert_type([u async for u in adb.iter(User.select())], list[User])
    assert_type(await adb.on_change(User, print), Callable[[], None])
    async with adb.transaction():
        await adb.insert(User(id=2, name="b", age=2))
