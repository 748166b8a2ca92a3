"""Negative typing contract of the PostgreSQL backend: each line must be rejected."""

from __future__ import annotations

import pyram
import pyram.pg
from pyram import Col


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]


pg = pyram.pg.connect("host=localhost dbname=app")
pg.all("SELECT * FROM user")  # type: ignore[call-overload]
pg.insert(3)  # type: ignore[arg-type]
name: int = pg.one(pyram.select(User.name))[0]  # type: ignore[assignment]
user: User = pg.get(User, 1)  # type: ignore[assignment]
pg.transaction("dirty")  # type: ignore[arg-type]
pg.delete(User)  # type: ignore[call-overload]
pg.execute(pyram.select(User.id))  # type: ignore[arg-type]
pg.insert_many(3)  # type: ignore[arg-type]
pg.count("user")  # type: ignore[arg-type]
pg.upsert(User)  # type: ignore[arg-type]
pg.get(User, 1).name  # type: ignore[union-attr]
db: pyram.TypedDatabase = object()  # type: ignore[assignment]
pg.get(User.id, "1")  # type: ignore[misc]
pg.all(pyram.select(User.name), into=User)  # type: ignore[arg-type]


async def asynchronous() -> None:
    adb = await pyram.pg.connect_async("host=localhost dbname=app")
    await adb.get(User.id, "1")  # type: ignore[misc]
    await adb.get(User.name, 1)  # type: ignore[misc]
    await adb.all(pyram.select(User.name), into=User)  # type: ignore[arg-type]
    n: int = (await adb.all(pyram.select(User.name, User.id)))[0][0]  # type: ignore[assignment]
    s: int | None = await adb.scalar(pyram.select(User.name))  # type: ignore[arg-type]
    u: User = await adb.get(User.id, 1)  # type: ignore[assignment]
