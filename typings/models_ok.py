"""Positive typing contract of PyRAM models (type-checked with ``mypy --strict``, never run).

Every ``assert_type`` must hold exactly: a mismatch is a type error, so this file pins what
users see from the checker. See ``tests/test_typings.py``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any, Literal

from typing_extensions import assert_type

import pyram
from pyram import Col, Column, Select


@pyram.table
class User(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]
    email: Col[str | None] = pyram.column(default=None)


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@pyram.table
class AllTypes(pyram.Table):
    i: Col[int] = pyram.column(primary_key=True)
    f: Col[float]
    s: Col[str]
    b: Col[bool]
    raw: Col[bytes]
    dec: Col[Decimal]
    day: Col[dt.date]
    naive: Col[dt.datetime]
    aware: Col[pyram.AwareDatetime]
    clock: Col[dt.time]
    uid: Col[uuid.UUID]
    color: Col[Color]
    doc: Col[pyram.JSON]
    maybe: Col[int | None]


@pyram.table
class WithDefaults(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    count: Col[int] = pyram.column(default=0)
    label: Col[str] = pyram.column(default="x", unique=True)
    ratio: Col[float] = pyram.column(default=1.5, check=lambda v: v >= 0)
    tags: Col[list[Any]] = pyram.column(default_factory=list)
    meta: Col[pyram.JSON] = pyram.column(default_factory=dict)
    token: Col[uuid.UUID] = pyram.column(default_factory=uuid.uuid4)
    note: Col[str | None] = pyram.column(default=None, index="hash")
    flag: Col[bool] = pyram.column(default=False, index=True)
    # A None default for a union wider than ``X | None`` (issue 17: was inferred as Col[None]).
    extra: Col[pyram.JSON | None] = pyram.column(default=None)
    tier: Col[Color] = pyram.column(default=Color.RED)
    stock: Col[int | None] = pyram.column(default=None, check=lambda q: q >= 0)


@pyram.table
class Post(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    author: Col[int] = pyram.column(references=lambda: User.id, on_delete="cascade")
    by_name: Col[int] = pyram.column(references="user.id")
    editor: Col[int | None] = pyram.column(default=None, references=lambda: User.id)
    reviewer: Col[int | None] = pyram.column(
        default=None, references=lambda: User.id, on_delete="set null"
    )


@pyram.table(name="x", primary_key=("a", "b"))
class Pair(pyram.Table):
    a: Col[int]
    b: Col[str]


@pyram.table(kw_only=True)
class KwOnly(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)


# --- class access gives column expressions; instance access gives values -----------------------
assert_type(User.age, Column[int, User])
assert_type(User.id, Column[int, User])
assert_type(User.name, Column[str, User])
assert_type(User.email, Column[str | None, User])
assert_type(Pair.a, Column[int, Pair])
assert_type(Pair.b, Column[str, Pair])

u = User(id=1, name="ada", age=36)
assert_type(u, User)
assert_type(u.id, int)
assert_type(u.age, int)
assert_type(u.name, str)
assert_type(u.email, str | None)

# --- construction: keyword, positional, mixed, defaults omitted ---------------------------------
User(1, "ada", 36)
User(1, "ada", 36, "ada@example.com")
User(1, "ada", age=36, email=None)
Pair(1, "b")
Pair(a=1, b="b")
KwOnly(id=1)
WithDefaults(id=1)
WithDefaults(1, 2, "y", 0.5, [1], {"k": 1}, uuid.uuid4(), None, True)
Post(id=1, author=1, by_name=1)
Post(1, 1, 1, None, 2)

# --- assignment with the right types ------------------------------------------------------------
u.age = 37
u.email = None
u.email = "a@b.c"

# --- every supported column type ----------------------------------------------------------------
row = AllTypes(
    i=1,
    f=1.0,
    s="s",
    b=True,
    raw=b"x",
    dec=Decimal("1.5"),
    day=dt.date(2024, 1, 1),
    naive=dt.datetime(2024, 1, 1),
    aware=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
    clock=dt.time(12, 0),
    uid=uuid.uuid4(),
    color=Color.RED,
    doc={"a": [1, 2]},
    maybe=None,
)
AllTypes(
    1, 1.0, "s", False, b"", Decimal(0), dt.date.today(), dt.datetime.now(),
    dt.datetime.now(dt.timezone.utc), dt.time(), uuid.uuid4(), Color.GREEN, [1, "x"], 3,
)
assert_type(row.i, int)
assert_type(row.f, float)
assert_type(row.s, str)
assert_type(row.b, bool)
assert_type(row.raw, bytes)
assert_type(row.dec, Decimal)
assert_type(row.day, dt.date)
assert_type(row.naive, dt.datetime)
assert_type(row.aware, dt.datetime)
assert_type(row.clock, dt.time)
assert_type(row.uid, uuid.UUID)
assert_type(row.color, Color)
assert_type(row.doc, dict[str, Any] | list[Any])
assert_type(row.doc, pyram.JSON)
assert_type(row.maybe, int | None)
assert_type(AllTypes.dec, Column[Decimal, AllTypes])
assert_type(AllTypes.color, Column[Color, AllTypes])
assert_type(AllTypes.maybe, Column[int | None, AllTypes])

w = WithDefaults(id=1)
assert_type(w.count, int)
assert_type(w.label, str)
assert_type(w.ratio, float)
assert_type(w.tags, list[Any])
assert_type(w.meta, dict[str, Any] | list[Any])
assert_type(w.token, uuid.UUID)
assert_type(w.note, str | None)
assert_type(w.flag, bool)

p = Post(id=1, author=1, by_name=1)
assert_type(p.author, int)
assert_type(p.editor, int | None)
assert_type(p.reviewer, int | None)
assert_type(p.by_name, int)
assert_type(Post.author, Column[int, Post])
assert_type(Post.editor, Column[int | None, Post])

# --- queries -------------------------------------------------------------------------------------
assert_type(User.select(), Select[User])
assert_type(User.select().limit(3), Select[User])
assert_type(User.select().offset(2).limit(3), Select[User])
assert_type(Pair.select(), Select[Pair])

# --- database ------------------------------------------------------------------------------------
db = pyram.Database()
db.create(User, Post, Pair)
db.insert(u)
assert_type(db.insert_many([User(2, "bob", 40), User(3, "cy", 50)]), int)
assert_type(db.get(User, 1), User | None)
assert_type(db.get(Pair, (1, "b")), Pair | None)
got = db.get(User, 1)
if got is not None:
    assert_type(got.age, int)
assert_type(db.update(u), bool)
assert_type(db.upsert(u), Literal["insert", "update"])
assert_type(db.delete(u), bool)
assert_type(db.count(User), int)

# --- value helpers -------------------------------------------------------------------------------
assert_type(pyram.replace(u, age=3), User)
assert_type(pyram.replace(row, s="t"), AllTypes)
assert_type(pyram.asdict(u), dict[str, Any])


@pyram.table
class Scored(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    # NULL is never checked, so the predicate receives the non-NULL type
    score: Col[int | None] = pyram.column(default=None, check=lambda v: v > 0)


assert_type(Scored(id=1).score, int | None)
