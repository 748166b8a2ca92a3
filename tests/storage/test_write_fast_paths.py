"""The shortcuts of the one-row and batch-delete write paths keep the checked semantics.

An upsert's insert skips its second primary-key lookup only while nothing was written since
its probe; a delete reuses the rows it copied for the watcher only for the table they came
from; a batch delete (an eviction) and its rollback leave rows, indexes and counts exact.
"""

from __future__ import annotations

import pytest

import pyram
from pyram import Col, Database, IntegrityError, Table, column


@pyram.table
class Item(Table):
    k: Col[int] = column(primary_key=True)
    v: Col[str]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pyram.table(name="slot", max_rows=200, evict="lru")
class Slot(Table):
    key: Col[int] = column(primary_key=True)
    name: Col[str]
    tag: Col[str]  # few distinct values: its value memo is kept


def test_upsert_refuses_a_key_a_before_insert_trigger_took() -> None:
    db = Database()
    db.create(Item)
    db.sql(
        "CREATE TRIGGER tr BEFORE INSERT ON item WHEN NEW.v = 'x' "
        "BEGIN INSERT INTO item VALUES (NEW.k, 'from trigger'); END"
    )
    with pytest.raises(IntegrityError, match="PRIMARY KEY"):
        db.upsert(Item(1, "x"))  # the trigger wrote after the upsert's probe
    assert db.sql("SELECT * FROM item").all() == []
    assert db.upsert(Item(2, "y")) == "insert"
    assert db.upsert(Item(2, "z")) == "update"
    assert db.sql("SELECT * FROM item").all() == [(2, "z")]
    with pytest.raises(IntegrityError):
        db.insert(Item(2, "again"))


def test_cascade_delete_reports_each_tables_own_rows() -> None:
    db = Database()
    db.sql("CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)")
    db.sql(
        "CREATE TABLE c (id INTEGER PRIMARY KEY, "
        "pid INTEGER REFERENCES p(id) ON DELETE CASCADE, note TEXT)"
    )
    # row id 0 in both tables: the parent's copied rows must not stand in for the child's
    db.sql("INSERT INTO p VALUES (7, 'parent')")
    db.sql("INSERT INTO c VALUES (9, 7, 'child')")
    seen: list[tuple[str, str, object]] = []
    db.on_change("p", lambda ch: seen.append((ch.table, ch.kind, ch.old)))
    db.on_change("c", lambda ch: seen.append((ch.table, ch.kind, ch.old)))
    db.sql("DELETE FROM p WHERE id = 7")
    assert sorted(seen, key=str) == sorted(
        [
            ("p", "delete", {"id": 7, "name": "parent"}),
            ("c", "delete", {"id": 9, "pid": 7, "note": "child"}),
        ],
        key=str,
    )
    assert db.sql("SELECT count(*) FROM c").all() == [(0,)]


def _full_cache() -> Database:
    db = Database(clock=_Clock())
    db.create(Slot)
    db.insert_many([Slot(k, f"name-{k}", f"tag-{k % 3}") for k in range(200)])
    return db


def _state(db: Database) -> list[tuple[object, ...]]:
    return db.sql("SELECT * FROM slot ORDER BY key").all()


def test_eviction_rolled_back_puts_every_row_and_index_entry_back() -> None:
    db = _full_cache()
    before = _state(db)
    with pytest.raises(RuntimeError), db.transaction():
        for k in range(1000, 1010):  # each insert past the limit evicts a batch
            db.upsert(Slot(k, f"name-{k}", "tag-new"))
        assert db.count(Slot) <= 200
        assert db.get(Slot, 0) is None  # the least recently used went first
        raise RuntimeError("roll back")
    assert _state(db) == before
    for k in range(200):  # through the primary-key index, not only a scan
        found = db.get(Slot, k)
        assert found is not None and found.name == f"name-{k}"
    assert db.sql("SELECT count(*) FROM slot WHERE tag = 'tag-new'").all() == [(0,)]


def test_eviction_committed_removes_the_least_recent_rows_exactly() -> None:
    db = _full_cache()
    for k in range(100, 200):
        db.get(Slot, k)  # keys 100..199 used after 0..99
    db.upsert(Slot(500, "name-500", "tag-0"))
    rows = _state(db)
    keys = [r[0] for r in rows]
    assert 500 in keys and len(keys) <= 200
    gone = set(range(200)) - set(keys)
    assert gone and max(gone) < 100  # only rows of the older half were evicted
    assert all(db.get(Slot, k) is None for k in gone)
    assert db.stats()["slot"].evictions == len(gone)


@pyram.table(name="timed", ttl=3600, max_rows=100, evict="lru")
class Timed(Table):
    key: Col[int] = column(primary_key=True)
    name: Col[str]


def test_deadline_heap_stays_bounded_under_steady_eviction_and_expires_right() -> None:
    clock = _Clock()
    db = Database(clock=clock)
    db.create(Timed)
    for k in range(5000):  # every insert past 100 rows evicts: their heap entries go stale
        clock.now = k * 0.01
        db.upsert(Timed(k, f"n{k}"))
    tracker = db._cache.by_model[Timed]
    assert len(tracker.deadlines) == db.count(Timed) <= 100
    assert len(tracker.heap) <= 2 * len(tracker.deadlines) + 64  # not one entry per insert
    survivors = [r[0] for r in db.sql("SELECT key FROM timed ORDER BY key").all()]
    assert survivors == list(range(5000 - len(survivors), 5000))  # LRU: the newest stay
    assert survivors[0] < 4950
    clock.now = 3600 + 49.495  # past the deadlines of the rows written up to t = 49.49
    assert [k for k in survivors if db.get(Timed, k) is not None] == list(range(4950, 5000))
    clock.now = 10_000.0
    assert db.count(Timed) == 0
