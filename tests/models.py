"""Model classes shared by the tests (importable as ``models``: tests/ is on pythonpath)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid

import pyram
from pyram import Col, column


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@pyram.table
class User(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(index=True, check=lambda age: age >= 0)
    email: Col[str | None] = column(unique=True, default=None)


@pyram.table(name="orders")
class Order(pyram.Table):
    id: Col[int] = column(primary_key=True)
    user_id: Col[int] = column(references=lambda: User.id, on_delete="cascade")
    total: Col[float] = column(default=0.0)


@pyram.table
class Review(pyram.Table):
    id: Col[int] = column(primary_key=True)
    user_id: Col[int] = column(references="user.id")  # RESTRICT by default


@pyram.table
class Ticket(pyram.Table):
    id: Col[int] = column(primary_key=True)
    assignee: Col[int | None] = column(
        default=None, references=lambda: User.id, on_delete="set null"
    )


@pyram.table
class AllTypes(pyram.Table):
    id: Col[int] = column(primary_key=True)
    i: Col[int | None] = None
    f: Col[float | None] = None
    s: Col[str | None] = None
    b: Col[bool | None] = None
    raw: Col[bytes | None] = None
    dec: Col[decimal.Decimal | None] = None
    day: Col[dt.date | None] = None
    ts: Col[dt.datetime | None] = None
    tstz: Col[pyram.AwareDatetime | None] = None
    t: Col[dt.time | None] = None
    u: Col[uuid.UUID | None] = None
    color: Col[Color | None] = None
    level: Col[Level | None] = None
    doc: Col[pyram.JSON | None] = None
    took: Col[dt.timedelta | None] = None
