"""``pyram.pg.connect_async``: the typed read forms of the synchronous API, as coroutines
(issue 17): ``get(User.id, key)``, ``all(q, into=Row)``, ``select(User, Order)``, and the typed
``scalar``/``scalars``. Runs against the session's PostgreSQL server (tests/pg_server.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import psycopg
import pytest
from models import Order, User

import pyram
import pyram.pg


class Spend(NamedTuple):
    name: str
    total: float


def _reset(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _run(dsn: str, body: Callable[[pyram.pg.AsyncPgDatabase], Awaitable[None]]) -> None:
    """Run ``body`` on a fresh database holding two users and two orders of the first."""
    _reset(dsn)

    async def main() -> None:
        db = await pyram.pg.connect_async(dsn, pool_size=2)
        try:
            await db.create(User, Order)
            await db.insert_many([User(id=1, name="ada", age=36), User(id=2, name="bob", age=41)])
            await db.insert_many(
                [Order(id=10, user_id=1, total=5.0), Order(id=11, user_id=1, total=7.5)]
            )
            await body(db)
        finally:
            await db.close()

    try:
        asyncio.run(main())
    finally:
        _reset(dsn)  # leave the shared server's public schema empty


def test_get_by_key_column(postgres: Any) -> None:
    async def body(db: pyram.pg.AsyncPgDatabase) -> None:
        assert await db.get(User.id, 2) == User(id=2, name="bob", age=41)
        assert await db.get(User.id, 9) is None
        assert await db.get(Order.id, 11) == Order(id=11, user_id=1, total=7.5)
        assert await db.get(User.id, 1) == await db.get(User, 1)
        with pytest.raises(pyram.ProgrammingError, match="not the primary key of user"):
            await db.get(User.name, "ada")
        with pytest.raises(pyram.ProgrammingError, match="not a column of a model"):
            await db.get(pyram.alias(User, "boss").id, 1)

    _run(postgres.dsn, body)


def test_all_into_a_row_class(postgres: Any) -> None:
    async def body(db: pyram.pg.AsyncPgDatabase) -> None:
        q = (
            pyram.select(User.name, pyram.func.total(Order.total))
            .left_join(Order)
            .group_by(User.name)
            .order_by(User.name)
        )
        assert await db.all(q, into=Spend) == [Spend("ada", 12.5), Spend("bob", 0.0)]
        by_age = pyram.select(User.name, User.age).where(User.age > pyram.param("min", int))
        assert await db.all(by_age, {"min": 40}, into=Spend) == [Spend("bob", 41)]
        with pytest.raises(pyram.ProgrammingError, match="into=Spend cannot be built"):
            await db.all(pyram.select(User.name), into=Spend)  # type: ignore[arg-type]

    _run(postgres.dsn, body)


def test_select_of_models(postgres: Any) -> None:
    async def body(db: pyram.pg.AsyncPgDatabase) -> None:
        pairs = await db.all(pyram.select(Order, User).join(User).order_by(Order.id))
        ada = User(id=1, name="ada", age=36)
        first, second = Order(id=10, user_id=1, total=5.0), Order(id=11, user_id=1, total=7.5)
        assert pairs == [(first, ada), (second, ada)]
        mixed = await db.first(
            pyram.select(User, Order.total).join(Order).order_by(Order.id.desc())
        )
        assert mixed == (ada, 7.5)
        assert await db.one(pyram.select(User, Order).join(Order).where(Order.id.eq(10))) == (
            ada, Order(id=10, user_id=1, total=5.0)
        )  # fmt: skip
        with pytest.raises(pyram.ProgrammingError, match="select its columns instead"):
            pyram.select(User, Order).left_join(Order)
        # nullable(Order): the whole row, or None where the outer join found none
        maybe = pyram.select(User, pyram.nullable(Order)).left_join(Order)
        rows = await db.all(maybe.order_by(User.id, Order.id))
        assert rows == [(ada, first), (ada, second), (User(id=2, name="bob", age=41), None)]

    _run(postgres.dsn, body)


def test_scalar_and_scalars(postgres: Any) -> None:
    async def body(db: pyram.pg.AsyncPgDatabase) -> None:
        assert await db.scalar(pyram.select(User.name, User.age).order_by(User.age.desc())) == "bob"
        assert await db.scalar(User.select().where(User.id.eq(1))) == User(id=1, name="ada", age=36)
        assert await db.scalar(pyram.select(User.name).where(User.id > 5)) is None
        assert await db.scalars(pyram.select(Order.id).order_by(Order.id)) == [10, 11]
        nullable = pyram.nullable(Order.id)
        rows = await db.all(
            pyram.select(User.name, nullable).left_join(Order).order_by(User.id, nullable)
        )
        assert rows == [("ada", 10), ("ada", 11), ("bob", None)]

    _run(postgres.dsn, body)
