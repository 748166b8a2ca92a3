"""The cost of one change must not grow with the size of its transaction (issue 11).

Work is counted, not timed: the Python bytecode instructions a change executes (a trace hook
with ``f_trace_opcodes``), which is deterministic and blind to machine load. A transaction is
filled with a mix of inserts, updates and deletes (through the native API, untraced), then a
few changes of every write path are traced at each size: 10, 1,000, 10,000 and 100,000
changes, in four settings: plain, with savepoints opened along the way, with a snapshot open in
another thread (so versions are published and kept), and both. A cost that grew with the
transaction, as a walk over its changes per statement would (issue 11 measured O(n^2)), shows
as a per-change count at the largest size well above the count at the smallest.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from types import FrameType
from typing import Any

import pytest

import pyram
from pyram import Col, column

SIZES = [10, 1_000, 10_000, 100_000]
# Traced changes per path and size: enough to average out a rare branch (a dict resize).
OPS = 4


@pyram.table
class Item(pyram.Table):
    id: Col[int] = column(primary_key=True)
    grp: Col[int] = column(index=True)
    val: Col[float]
    name: Col[str]


def count_opcodes(fn: Callable[[], object]) -> int:
    """Bytecode instructions executed by ``fn()`` (Python frames only)."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "opcode":
            count += 1
        return local

    def global_(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        return local

    previous = sys.gettrace()  # coverage's tracer, when the suite runs under it
    sys.settrace(global_)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


class Fixture:
    """A database with Item rows 0..base-1, a DB-API cursor on it, and fresh keys to use."""

    def __init__(self, base: int) -> None:
        self.db = pyram.Database()
        self.db.create(Item)
        self.db.insert_many(Item(id=i, grp=i % 50, val=float(i), name=f"n{i}") for i in range(base))
        self.con = pyram.connect(self.db, autocommit=True)
        self.cur = self.con.cursor()
        self.next_id = 10_000_000
        self.base = base

    def fresh(self) -> int:
        self.next_id += 1
        return self.next_id

    def fill(self, count: int, savepoints: bool) -> None:
        """``count`` more changes in the open transaction: inserts, updates, deletes."""
        db = self.db
        for n in range(count):
            key = self.fresh()
            db.insert(Item(id=key, grp=key % 50, val=1.0, name="f"))
            if n % 3 == 0:
                db.update(Item(id=key, grp=7, val=2.0, name="g"))
            elif n % 3 == 1:
                db.delete(Item, key)
            if savepoints and n % 1000 == 999:
                db.sql(f"SAVEPOINT s{self.next_id}")


def paths(fx: Fixture) -> dict[str, Callable[[], object]]:
    """One change through each write path a user reaches (each call touches its own row)."""
    db, cur = fx.db, fx.cur
    victims = iter(range(fx.base))

    def sql_insert() -> None:
        db.sql("INSERT INTO item VALUES (?, ?, ?, ?)", [fx.fresh(), 1, 1.5, "s"])

    def sql_update() -> None:
        db.sql("UPDATE item SET val = ? WHERE id = ?", [3.5, next(victims)])

    def sql_delete() -> None:
        db.sql("DELETE FROM item WHERE id = ?", [next(victims)])

    def sql_upsert() -> None:
        db.sql(
            "INSERT INTO item VALUES (?, 1, 1.0, 'u') ON CONFLICT (id) DO UPDATE SET val = 9.0",
            [next(victims)],
        )

    def dbapi_execute() -> None:
        cur.execute("UPDATE item SET grp = ? WHERE id = ?", (3, next(victims)))

    def dbapi_executemany() -> None:
        cur.executemany(
            "INSERT INTO item VALUES (?, ?, ?, ?)", [(fx.fresh(), 1, 1.0, "m") for _ in range(3)]
        )

    def native_insert() -> None:
        db.insert(Item(id=fx.fresh(), grp=2, val=1.0, name="i"))

    def native_insert_many() -> None:
        db.insert_many([Item(id=fx.fresh(), grp=2, val=1.0, name="i") for _ in range(3)])

    def native_update() -> None:
        db.update(Item(id=next(victims), grp=4, val=4.0, name="u"))

    def native_upsert() -> None:
        db.upsert(Item(id=next(victims), grp=5, val=5.0, name="u"))

    def native_delete() -> None:
        db.delete(Item, next(victims))

    key = pyram.param("key", int)
    update = pyram.update(Item).set(Item.val, 6.0).where(Item.id.eq(key))
    delete = pyram.delete(Item).where(Item.id.eq(key))

    def dsl_update() -> None:
        db.execute(update, key=next(victims))

    def dsl_delete() -> None:
        db.execute(delete, key=next(victims))

    return {
        "sql_insert": sql_insert,
        "sql_update": sql_update,
        "sql_delete": sql_delete,
        "sql_upsert": sql_upsert,
        "dbapi_execute": dbapi_execute,
        "dbapi_executemany": dbapi_executemany,
        "native_insert": native_insert,
        "native_insert_many": native_insert_many,
        "native_update": native_update,
        "native_upsert": native_upsert,
        "native_delete": native_delete,
        "dsl_update": dsl_update,
        "dsl_delete": dsl_delete,
    }


@contextmanager
def snapshot_elsewhere(db: pyram.Database) -> Iterator[None]:
    """Another thread holds a snapshot transaction open (it has read the table)."""
    opened, done = threading.Event(), threading.Event()

    def reader() -> None:
        with db.transaction(isolation="snapshot"):
            db.count(Item)
            opened.set()
            done.wait(600)

    thread = threading.Thread(target=reader)
    thread.start()
    opened.wait(60)
    try:
        yield
    finally:
        done.set()
        thread.join(60)


def per_change_costs(savepoints: bool, snapshot: bool) -> dict[str, list[float]]:
    """Path -> opcodes per change at each size of the open transaction."""
    fx = Fixture(base=len(SIZES) * OPS * 20 + 10)
    costs: dict[str, list[float]] = {}
    with snapshot_elsewhere(fx.db) if snapshot else nullcontext(), fx.db.transaction():
        done = 0
        for size in SIZES:
            fx.fill(size - done, savepoints)
            done = size
            for name, fn in paths(fx).items():
                fn()  # warm: the statement is prepared and cached
                total = sum(count_opcodes(fn) for _ in range(OPS))
                costs.setdefault(name, []).append(total / OPS)
    return costs


@pytest.mark.parametrize(
    ("savepoints", "snapshot"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["plain", "savepoints", "snapshot-elsewhere", "both"],
)
def test_per_change_work_is_flat_in_the_transaction_size(savepoints: bool, snapshot: bool) -> None:
    costs = per_change_costs(savepoints, snapshot)
    assert len(costs) == 13  # every write path was measured
    for name, counts in costs.items():
        smallest, largest = counts[0], max(counts)
        # flat: the largest transaction costs a change what the smallest does, give or take
        # a branch (a unique check that meets an earlier change, a new index node)
        assert largest <= smallest * 1.25 + 50, (name, dict(zip(SIZES, counts, strict=True)))


def test_the_counter_sees_quadratic_work() -> None:
    """The measure itself: work that walks a growing list grows per call."""
    grown: list[int] = []

    def walk() -> None:
        grown.append(1)
        for _ in grown:
            pass

    small = count_opcodes(walk)
    for _ in range(500):
        grown.append(1)
    assert count_opcodes(walk) > small * 50
