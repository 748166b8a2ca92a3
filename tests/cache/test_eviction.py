"""Capacity limits and eviction: order per policy, refusal, foreign keys, rollback, events."""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import Any

import pytest

import pyram
from pyram import Col, column


def cache_model(evict: str, **limits: Any) -> type[pyram.Table]:
    @pyram.table(name="item", evict=evict, **limits)  # type: ignore[call-overload]
    class Item(pyram.Table):
        id: Col[int] = column(primary_key=True)
        payload: Col[str] = column(default="")

    return Item


def filled(evict: str, **limits: Any) -> tuple[pyram.Database, Any, Any]:
    clock = _Clock()
    item = cache_model(evict, max_rows=3, **limits)
    db = pyram.Database(clock=clock)
    db.create(item)
    for i in (1, 2, 3):
        db.insert(item(id=i))
        clock.now += 1
    return db, item, clock


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ids(db: pyram.Database, item: Any) -> list[int]:
    return sorted(row.id for row in db.all(item.select()))


def test_lru_evicts_the_least_recently_read() -> None:
    db, item, _ = filled("lru")
    db.get(item, 1)
    db.get(item, 3)
    db.insert(item(id=4))
    assert ids(db, item) == [1, 3, 4]


def test_lfu_evicts_the_least_often_read() -> None:
    db, item, _ = filled("lfu")
    for _ in range(3):
        db.get(item, 1)
        db.get(item, 2)
    db.get(item, 3)
    db.insert(item(id=4))
    assert ids(db, item) == [1, 2, 4]


def test_fifo_evicts_the_oldest_insert_whatever_was_read() -> None:
    db, item, _ = filled("fifo")
    db.get(item, 1)
    db.update(item(id=1, payload="x"))
    db.insert(item(id=4))
    assert ids(db, item) == [2, 3, 4]


def test_ttl_evicts_the_nearest_deadline() -> None:
    db, item, clock = filled("ttl", ttl=100)
    clock.now += 1
    db.update(item(id=1, payload="renewed"))  # now the latest deadline
    db.insert(item(id=4))
    assert ids(db, item) == [1, 3, 4]


def test_random_keeps_the_limit() -> None:
    db, item, _ = filled("random")
    for i in range(4, 40):
        db.insert(item(id=i))
    assert len(ids(db, item)) == 3
    assert 39 in ids(db, item)
    assert db.stats()["item"].evictions == 36


def test_none_refuses_and_changes_nothing() -> None:
    db, item, _ = filled("none")
    with pytest.raises(pyram.CapacityError, match="full"):
        db.insert(item(id=4))
    with pytest.raises(pyram.OperationalError):  # CapacityError is an OperationalError
        db.insert_many([item(id=5), item(id=6)])
    assert ids(db, item) == [1, 2, 3]
    assert db.upsert(item(id=2, payload="same count")) == "update"
    db.delete(item, 1)
    db.insert(item(id=4))
    assert ids(db, item) == [2, 3, 4]


def test_max_bytes_bounds_the_estimate() -> None:
    item = cache_model("fifo", max_bytes=20_000)
    db = pyram.Database()
    db.create(item)
    for i in range(500):
        db.insert(item(id=i, payload="x" * 100))
    stats = db.stats()["item"]
    assert stats.bytes <= 20_000
    assert 0 < stats.rows < 500
    assert stats.evictions == 500 - stats.rows


def test_database_max_bytes_counts_every_table() -> None:
    item = cache_model("lru")  # no limit of its own
    db = pyram.Database(max_bytes=30_000)
    db.create(item)
    db.sql("CREATE TABLE big (k INTEGER PRIMARY KEY, t TEXT)")
    db.sql("INSERT INTO big VALUES (1, ?)", ("y" * 100,))
    for i in range(400):
        db.insert(item(id=i, payload="x" * 100))
    total = sum(s.bytes for s in db.stats().values())
    assert total <= 30_000
    assert db.sql("SELECT count(*) FROM big").scalar() == 1


def test_eviction_is_an_event_and_counted() -> None:
    db, item, _ = filled("fifo")
    kinds: list[tuple[str, int]] = []
    db.on_change(item, lambda c: kinds.append((c.kind, (c.new or c.old).id)))
    db.insert(item(id=4))
    assert kinds == [("insert", 4), ("evict", 1)]
    assert db.stats()["item"].evictions == 1


def test_rollback_undoes_the_insert_and_its_eviction() -> None:
    db, item, _ = filled("fifo")
    with pytest.raises(RuntimeError), db.transaction():
        db.insert(item(id=4))
        assert ids(db, item) == [2, 3, 4]
        raise RuntimeError("abort")
    assert ids(db, item) == [1, 2, 3]
    assert db.stats()["item"].evictions == 0
    db.insert(item(id=5))  # bookkeeping came back too: 1 is still the oldest
    assert ids(db, item) == [2, 3, 5]


@pyram.table(max_rows=2, evict="fifo")
class Parent(pyram.Table):
    id: Col[int] = column(primary_key=True)


@pyram.table
class Held(pyram.Table):
    id: Col[int] = column(primary_key=True)
    parent: Col[int] = column(references=lambda: Parent.id)  # RESTRICT


@pyram.table
class Owned(pyram.Table):
    id: Col[int] = column(primary_key=True)
    parent: Col[int] = column(references=lambda: Parent.id, on_delete="cascade")


def test_eviction_skips_a_row_a_restrict_reference_holds() -> None:
    db = pyram.Database()
    db.create(Parent, Held, Owned)
    db.insert_many([Parent(id=1), Parent(id=2)])
    db.insert(Held(id=10, parent=1))
    db.insert(Owned(id=20, parent=2))
    db.insert(Parent(id=3))  # 1 is held: 2 goes, and its owned row with it
    assert sorted(p.id for p in db.all(Parent.select())) == [1, 3]
    assert db.all(Owned.select()) == []
    assert db.all(Held.select()) == [Held(id=10, parent=1)]


def test_a_full_table_of_held_rows_refuses() -> None:
    db = pyram.Database()
    db.create(Parent, Held)
    db.insert_many([Parent(id=1), Parent(id=2)])
    db.insert_many([Held(id=10, parent=1), Held(id=11, parent=2)])
    with pytest.raises(pyram.CapacityError, match="RESTRICT"):
        db.insert(Parent(id=3))
    assert sorted(p.id for p in db.all(Parent.select())) == [1, 2]


@pyram.table(ttl=5)
class Author(pyram.Table):
    id: Col[int] = column(primary_key=True)


@pyram.table
class Book(pyram.Table):
    id: Col[int] = column(primary_key=True)
    author: Col[int | None] = column(references=lambda: Author.id, on_delete="set null")


@pyram.table
class Review(pyram.Table):
    id: Col[int] = column(primary_key=True)
    author: Col[int] = column(references=lambda: Author.id)  # RESTRICT


def test_expiry_applies_on_delete_rules_and_waits_for_restrict() -> None:
    clock = _Clock()
    db = pyram.Database(clock=clock)
    db.create(Author, Book, Review)
    db.insert_many([Author(id=1), Author(id=2)])
    db.insert(Book(id=1, author=1))
    db.insert(Review(id=1, author=2))
    clock.now += 5
    assert [a.id for a in db.all(Author.select())] == [2]  # 2 is held by a review
    assert db.get(Book, 1) == Book(id=1, author=None)
    db.delete(Review, 1)
    clock.now += 1  # the held row is retried a second later
    assert db.all(Author.select()) == []


def zipf_trace(keys: int, length: int, s: float, seed: int) -> list[int]:
    rng = random.Random(seed)
    weights = [1.0 / (rank**s) for rank in range(1, keys + 1)]
    order = list(range(keys))
    rng.shuffle(order)  # popularity unrelated to key order (and so to row ids)
    return [order[i] for i in rng.choices(range(keys), weights=weights, k=length)]


def exact_lru_hits(trace: list[int], capacity: int) -> int:
    cache: OrderedDict[int, None] = OrderedDict()
    hits = 0
    for key in trace:
        if key in cache:
            hits += 1
            cache.move_to_end(key)
        else:
            cache[key] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits


def test_batched_lru_is_within_two_points_of_exact_lru() -> None:
    # a full table evicts 1/64 of its rows at once: not quite one-at-a-time LRU
    keys, capacity = 5000, 500
    trace = zipf_trace(keys, 30_000, 1.1, seed=7)
    item = cache_model("lru", max_rows=capacity)
    db = pyram.Database()
    db.create(item)
    for key in trace:
        db.get_or_load(item, key, lambda k: item(id=k))
    stats = db.stats()["item"]
    assert stats.hits + stats.misses == len(trace)
    exact = exact_lru_hits(trace, capacity) / len(trace)
    assert abs(stats.hit_ratio - exact) <= 0.02, (stats.hit_ratio, exact)
