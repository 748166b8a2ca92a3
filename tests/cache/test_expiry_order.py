"""Expiry when deadlines come out of order: the clock steps back, a rollback restores old
deadlines, a held row is retried, a read restarts a row's clock, rows carry their own deadline.

Deadlines are kept in the order they were stored, with a side heap for those out of order
(:mod:`pyram.cache.expiry_queue`); these tests check through the public API that every row
still goes exactly at its deadline, whatever the order, and that the "is anything due?" test
stays a comparison.
"""

from __future__ import annotations

import contextlib
import math
import random
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

import pyram
from pyram import Col, column
from pyram.cache import HELD_RETRY_SECONDS
from pyram.cache.expiry_queue import ExpiryQueue

TTL = 10.0


@pyram.table(ttl=TTL)
class Visit(pyram.Table):
    id: Col[int] = column(primary_key=True)
    page: Col[str] = column(index=True)


@pyram.table(ttl=TTL, expire_after="access")
class Ticket(pyram.Table):
    id: Col[int] = column(primary_key=True)


@pyram.table
class Offer(pyram.Table):
    id: Col[int] = column(primary_key=True)
    until: Col[float | None] = column(expires=True, default=None)


@pyram.table(ttl=TTL)
class Owner(pyram.Table):
    id: Col[int] = column(primary_key=True)


@pyram.table
class Claim(pyram.Table):
    id: Col[int] = column(primary_key=True)
    owner: Col[int] = column(references=lambda: Owner.id)  # RESTRICT


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Abort(Exception):
    """Raised to roll a transaction back."""


def _queue(db: pyram.Database, model: type) -> ExpiryQueue:
    queue: ExpiryQueue = db._cache.by_model[model].expiry
    return queue


#: a cached DSL query by one parameter (the prepared point lookup's fast path)
_VISIT_BY_ID = Visit.select().where(Visit.id == pyram.param("id", int))

#: each reads the visible Visit ids a different way (each must remove due rows itself)
READ_PATHS: dict[str, Callable[[pyram.Database, list[int]], set[int]]] = {
    "get": lambda db, ids: {i for i in ids if db.get(Visit, i) is not None},
    "select": lambda db, ids: {v.id for v in db.all(Visit.select())},
    "index": lambda db, ids: {v.id for v in db.all(Visit.select().where(Visit.page == "p"))},
    "dsl_point": lambda db, ids: {i for i in ids if db.first(_VISIT_BY_ID, id=i) is not None},
    "sql_point": lambda db, ids: {
        i for i in ids if db.sql("SELECT id FROM visit WHERE id = ?", (i,)).all()
    },
    "sql_scan": lambda db, ids: {r[0] for r in db.sql("SELECT id FROM visit").all()},
    "count": lambda db, ids: set(range(db.count(Visit))),  # compared by size below
}


@pytest.mark.parametrize("path", sorted(READ_PATHS))
def test_a_clock_stepping_back_still_expires_every_row_on_time(path: str) -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Visit)
    # the clock jumps back and forth between writes (none so late that a row is due)
    written = {1: 85.0, 2: 82.0, 3: 88.5, 4: 80.0, 5: 84.0, 6: 89.0, 7: 81.0, 8: 81.0}
    for key, at in written.items():
        clock.now = at
        db.insert(Visit(id=key, page="p"))
    deadlines = {key: at + TTL for key, at in written.items()}
    read = READ_PATHS[path]
    ids = sorted(written)
    for moment in sorted({t for d in deadlines.values() for t in (d - 0.001, d)}):
        clock.now = moment
        expected = {key for key, d in deadlines.items() if d > moment}
        seen = read(db, ids)
        if path == "count":
            assert len(seen) == len(expected), moment
        else:
            assert seen == expected, moment
    assert db.stats()["visit"].expirations == len(written)


def test_a_rollback_restores_old_deadlines_that_still_expire_on_time() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Visit)
    for key in range(1, 6):  # deadlines 10, 11, 12, 13, 14
        clock.now = key - 1.0
        db.insert(Visit(id=key, page="p"))
    clock.now = 5.0
    with contextlib.suppress(_Abort), db.transaction():
        db.update(Visit(id=1, page="q"))  # deadline 15: moved to the end of the order
        db.update(Visit(id=2, page="q"))
        db.delete(Visit, 3)
        raise _Abort
    assert _queue(db, Visit).heap  # the restored deadlines are out of order now
    for key in range(1, 6):
        clock.now = key + TTL - 1 - 0.001
        assert db.get(Visit, key) == Visit(id=key, page="p")
        clock.now = key + TTL - 1
        assert db.get(Visit, key) is None
        assert db.count(Visit) == 5 - key


def test_a_held_row_is_retried_later_while_the_rows_behind_it_go_on_time() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Owner, Claim)
    for key in (1, 2, 3):  # deadlines 10, 11, 12
        clock.now = key - 1.0
        db.insert(Owner(id=key))
    db.insert(Claim(id=1, owner=1))  # RESTRICT holds owner 1
    clock.now = 10.0
    assert {o.id for o in db.all(Owner.select())} == {1, 2, 3}  # 1 is due but held
    clock.now = 11.0  # 2 goes on time; 1 is retried (a second later), still held
    assert {o.id for o in db.all(Owner.select())} == {1, 3}
    db.delete(Claim, 1)
    clock.now = 11.0 + HELD_RETRY_SECONDS - 0.001  # before its next retry: it stays
    assert db.get(Owner, 1) == Owner(id=1)
    clock.now = 11.0 + HELD_RETRY_SECONDS  # its retry and 3's deadline
    assert db.all(Owner.select()) == []
    assert db.stats()["owner"].expirations == 3


def test_a_read_under_expire_after_access_moves_the_row_back_in_the_order() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Ticket)
    db.insert_many([Ticket(id=key) for key in range(1, 5)])  # all due at 10
    clock.now = 5.0
    assert db.get(Ticket, 1) == Ticket(id=1)  # the front row: now due at 15
    clock.now = 2.0  # the clock steps back: a read gives 4 a deadline of 12 (later than 10)
    assert db.get(Ticket, 4) == Ticket(id=4)
    assert db.get(Ticket, 1) == Ticket(id=1)  # 12 would be earlier than 15: 15 stands
    clock.now = 9.999
    assert db.count(Ticket) == 4  # counts do not restart clocks
    clock.now = 10.0
    assert {t.id for t in db.all(Ticket.select())} == {1, 4}
    clock.now = 12.0
    assert {t.id for t in db.all(Ticket.select())} == {1}
    clock.now = 14.999
    assert db.count(Ticket) == 1
    clock.now = 15.0
    assert db.count(Ticket) == 0


def test_per_row_deadlines_in_random_order_expire_each_on_time() -> None:
    rng = random.Random(20261207)
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Offer)
    model: dict[int, float | None] = {}
    for key in rng.sample(range(1000), 300):
        until = None if rng.random() < 0.1 else round(rng.uniform(1.0, 100.0), 1)
        db.insert(Offer(id=key, until=until))
        model[key] = until
    for key in rng.sample(sorted(model), 60):  # moved, earlier or later, or cleared
        until = None if rng.random() < 0.1 else round(rng.uniform(1.0, 100.0), 1)
        db.update(Offer(id=key, until=until))
        model[key] = until
    moments = sorted({d for d in model.values() if d is not None})
    for step, moment in enumerate(moments):
        clock.now = moment - 0.01
        expected = {k for k, d in model.items() if d is None or d > clock.now}
        if step % 2:
            assert {o.id for o in db.all(Offer.select())} == expected
        else:
            assert db.sql("SELECT count(*) FROM offer").scalar() == len(expected)
        clock.now = moment
        expected = {k for k, d in model.items() if d is None or d > moment}
        assert {r[0] for r in db.sql("SELECT id FROM offer").all()} == expected
    assert {o.id for o in db.all(Offer.select())} == {k for k, d in model.items() if d is None}


def test_anything_due_stays_a_comparison_after_front_deletions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Visit)
    for key in range(200):  # deadlines 10.0 .. 29.9, in order
        clock.now = key / 10
        db.insert(Visit(id=key, page="p"))
    db.sql("DELETE FROM visit WHERE id < 100")  # the front half: deleted slots ahead
    queue = _queue(db, Visit)
    assert queue.soonest <= min(queue.deadlines.values())  # still a lower bound
    calls: list[float] = []
    due = ExpiryQueue.due

    def counted(self: ExpiryQueue, now: float, limit: int) -> dict[Any, float]:
        calls.append(now)
        return due(self, now, limit)

    monkeypatch.setattr(ExpiryQueue, "due", counted)
    clock.now = 15.0  # past the deleted rows' deadlines, before the first live one (20.0)
    for key in range(100, 200):
        assert db.get(Visit, key) is not None
    assert len(calls) <= 1  # the bound was the deleted front's: one look raises it
    assert queue.soonest == 20.0
    calls.clear()
    for key in range(100, 200):
        assert db.get(Visit, key) is not None
    assert db.count(Visit) == 100
    assert calls == []  # nothing due: no look at the deadlines at all
    clock.now = 20.0
    assert db.get(Visit, 100) is None  # the first live row goes exactly on time
    assert db.count(Visit) == 99


def test_the_side_heap_stays_bounded_under_steady_out_of_order_writes() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)

    @pyram.table(name="hot", ttl=TTL, max_rows=50, evict="lru")
    class Hot(pyram.Table):
        id: Col[int] = column(primary_key=True)

    db.create(Hot)
    queue = _queue(db, Hot)
    written: dict[int, float] = {}
    for key in range(3000):  # a clock that jitters back by up to a second, all the time
        clock.now = 1000.0 + key * 0.001 - (key % 7) * 0.15
        db.upsert(Hot(id=key))
        written[key] = clock.now + TTL
        assert len(queue.heap) <= 2 * (len(queue.deadlines) + 1) + 64
    live = {h.id for h in db.all(Hot.select())}
    assert len(live) == 50
    for moment in sorted({written[k] for k in live}):
        clock.now = moment
        assert {h.id for h in db.all(Hot.select())} == {k for k in live if written[k] > moment}


def test_reads_restarting_clocks_in_threads_keep_the_order_whole() -> None:
    """``expire_after="access"``: reads move deadlines without the write lock while a writer
    inserts and the clock moves (rows expire meanwhile); the queue must stay whole."""
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Ticket)
    db.insert_many([Ticket(id=key) for key in range(200)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        try:
            while not stop.is_set():
                db.get(Ticket, rng.randrange(400))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: inside the walks, not between them
    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(3)]
    try:
        for thread in threads:
            thread.start()
        for step in range(600):
            clock.now = step * 0.05  # a row read or written at t lives until t + 10
            db.upsert(Ticket(id=200 + step % 200))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        sys.setswitchinterval(switch)
    assert errors == []
    queue = _queue(db, Ticket)
    live = {t.id for t in db.all(Ticket.select())}
    assert set(queue.deadlines) == live
    in_heap = set(queue.heap)
    ahead = -math.inf
    for key, deadline in queue.deadlines.items():  # keys due before one ahead: in the heap
        assert deadline >= ahead or (deadline, key) in in_heap
        ahead = max(ahead, deadline)
    assert all(queue.get(key) >= placed for key, placed in queue.deadlines.items())
    clock.now = max(map(queue.get, queue.deadlines))  # reads' later deadlines included
    assert db.count(Ticket) == 0



def test_a_read_after_the_clock_stepped_back_never_keeps_a_row_forever() -> None:
    clock = Clock()
    clock.now = 100.0
    db = pyram.Database(clock=clock)
    db.create(Ticket)
    db.insert(Ticket(id=1))  # due at 110
    clock.now = 50.0
    assert db.get(Ticket, 1) == Ticket(id=1)  # 60 would be earlier: 110 stands
    clock.now = 109.999
    assert db.count(Ticket) == 1
    clock.now = 110.0
    assert db.count(Ticket) == 0
