"""The cache's own write (pyram.cache.put): an upsert into a cache table stored with its
victims as one storage step keeps every semantic of the checked write path.

Each test first makes sure which path ran (the one-step path counts its ``put_row`` calls),
then checks what users see: the rows, the primary-key index, the LRU order, the deadlines,
the counters, open snapshots, change events and a durable file.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_indexes_agree

import pyram
import pyram.cache.put as put_module
from pyram import Col, Database, DataError, Table, column
from pyram.storage import Store


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pyram.table(name="slot", ttl=3600, max_rows=100, evict="lru")
class Slot(Table):
    key: Col[int] = column(primary_key=True)
    name: Col[str]
    score: Col[float]


@pytest.fixture
def puts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the one-step writes (victims per call)."""
    calls: list[int] = []
    real = put_module.put_row

    def counting(store: Store, data: Any, stored: list[Any], victims: list[int]) -> Any:
        calls.append(len(victims))
        return real(store, data, stored, victims)

    monkeypatch.setattr(put_module, "put_row", counting)
    yield calls


def _full(clock: _Clock | None = None, path: str | None = None) -> Database:
    db = Database(path, clock=clock or _Clock())
    db.create(Slot)
    for k in range(100):
        db.upsert(Slot(k, f"name-{k}", k * 0.5))
    return db


def _rows(db: Database) -> list[tuple[Any, ...]]:
    return db.sql("SELECT * FROM slot ORDER BY key").all()


def _book(db: Database) -> tuple[dict[Any, int], dict[Any, float], int]:
    """Ranks (tick and row-id hint), deadlines and the eviction count. The ranks' dict
    order is left out: a key a rollback brings back goes to the end (docs/cache.md)."""
    tracker = db._cache.by_model[Slot]
    return dict(tracker.rank), dict(tracker.deadlines), db.stats()["slot"].evictions


def test_upsert_into_a_full_table_evicts_in_one_step(
    puts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _full()
    for k in range(50, 100):
        db.get(Slot, k)  # 0..49 are now the least recently used
    monkeypatch.setattr(Store, "delete", _no_checked_delete)
    assert db.upsert(Slot(1000, "new", 1.0)) == "insert"
    assert puts[-1] >= 1  # the write evicted, in the same step
    keys = [r[0] for r in _rows(db)]
    gone = set(range(100)) - set(keys)
    assert 1000 in keys and len(keys) == 100 - puts[-1] + 1 <= 100
    assert gone == set(range(puts[-1]))  # exactly the least recently used, oldest first
    assert all(db.get(Slot, k) is None for k in gone)  # the index forgot them too
    assert db.stats()["slot"].evictions == len(gone)
    tracker = db._cache.by_model[Slot]
    assert gone.isdisjoint(tracker.rank) and gone.isdisjoint(tracker.deadlines)
    assert next(reversed(tracker.rank)) == 1000  # the new row is the most recently used


def _no_checked_delete(*args: object) -> int:
    raise AssertionError("the one-step path must not delete through Store.delete")


def test_a_failure_after_the_step_undoes_row_victims_and_bookkeeping(
    puts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _full()
    before, book = _rows(db), _book(db)
    tracker = db._cache.by_model[Slot]

    def failing(*args: object) -> None:
        raise RuntimeError("after the rows moved")

    monkeypatch.setattr(tracker, "added", failing)
    with pytest.raises(RuntimeError, match="after the rows moved"):
        db.upsert(Slot(1000, "new", 1.0))
    assert puts and puts[-1] >= 1  # it had evicted
    monkeypatch.undo()
    assert _rows(db) == before
    assert _book(db) == book  # ranks, deadlines, no eviction counted
    for k in range(100):  # through the primary-key index, not only a scan
        found = db.get(Slot, k)
        assert found is not None and found.name == f"name-{k}"
    assert db.get(Slot, 1000) is None
    db.upsert(Slot(1001, "again", 2.0))  # key 0 is the least recently read again
    assert db.get(Slot, 0) is None and db.get(Slot, 1001) is not None


def test_a_rolled_back_transaction_of_cache_writes_restores_everything(
    puts: list[int],
) -> None:
    db = _full()
    before, book = _rows(db), _book(db)
    with pytest.raises(RuntimeError), db.transaction():
        for k in range(1000, 1010):  # inside a transaction: the checked path
            db.upsert(Slot(k, "in-txn", 1.0))
        raise RuntimeError("roll back")
    assert not puts[100:]  # only the fill used the one-step path
    assert _rows(db) == before and _book(db) == book


def _hold_snapshot(db: Database, opened: threading.Event, go: threading.Event,
                   seen: list[list[tuple[Any, ...]]]) -> None:
    with db.transaction(isolation="snapshot"):
        seen.append(_rows(db))
        opened.set()
        go.wait(10)
        seen.append(_rows(db))


def test_a_snapshot_open_during_the_eviction_still_sees_the_victims(puts: list[int]) -> None:
    db = _full()
    before = _rows(db)
    opened, go, seen = threading.Event(), threading.Event(), []
    reader = threading.Thread(target=_hold_snapshot, args=(db, opened, go, seen))
    reader.start()
    assert opened.wait(10)
    db.upsert(Slot(1000, "new", 1.0))  # evicts while the snapshot is open
    assert puts[-1] >= 1
    go.set()
    reader.join(10)
    assert seen == [before, before]  # the victims still there, the new row not yet
    assert db.get(Slot, 1000) is not None and db.get(Slot, 0) is None  # now: the new state
    assert not db._store.snapshots.views  # the versions kept for it were released


def test_a_reader_arriving_mid_write_sees_the_state_before_it(
    puts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _full()
    before = _rows(db)
    opened, go, seen = threading.Event(), threading.Event(), []
    reader = threading.Thread(target=_hold_snapshot, args=(db, opened, go, seen))
    real_pick = put_module.pick_victims

    def pick_then_reader_arrives(*args: Any) -> list[int]:
        victims = real_pick(*args)
        reader.start()  # its snapshot opens while this write holds the write lock
        assert opened.wait(10)
        return victims

    monkeypatch.setattr(put_module, "pick_victims", pick_then_reader_arrives)
    db.upsert(Slot(1000, "new", 1.0))
    assert puts[-1] >= 1
    go.set()
    reader.join(10)
    assert seen == [before, before]
    assert [r[0] for r in _rows(db)][-1] == 1000


def test_listeners_get_evict_events_through_the_checked_path(puts: list[int]) -> None:
    db = _full()
    filled = len(puts)
    changes: list[tuple[str, Any]] = []
    stop = db.on_change(Slot, lambda ch: changes.append((ch.kind, (ch.old or ch.new).key)))
    db.upsert(Slot(1000, "new", 1.0))
    assert len(puts) == filled  # a listener needs the rows: the general path wrote them
    evicted = sorted(key for kind, key in changes if kind == "evict")
    assert ("insert", 1000) in changes and evicted == list(range(len(evicted))) and evicted
    stop()
    db.upsert(Slot(1001, "new", 1.0))  # nobody listens: the one-step path again
    assert len(puts) == filled + 1


def test_durable_writes_that_evict_replay_after_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "cache.pyram")
    clock = _Clock()
    db = _full(clock, path)
    for k in range(1000, 1300):
        db.upsert(Slot(k, f"name-{k}", 1.0))
    expected = _rows(db)
    evictions = db.stats()["slot"].evictions
    db.close()
    assert evictions >= 300
    with Database(path, clock=clock) as again:
        assert _rows(again) == expected


def test_tables_the_step_does_not_fit_take_the_checked_path(puts: list[int]) -> None:
    db = Database(clock=_Clock())
    db.sql("CREATE TABLE lot (id INTEGER PRIMARY KEY, name TEXT) WITH (max_rows = 20)")
    db.sql("CREATE TABLE ref (id INTEGER PRIMARY KEY, lot INTEGER REFERENCES lot(id))")
    db.sql("INSERT INTO lot VALUES " + ", ".join(f"({k}, 'n{k}')" for k in range(20)))
    db.sql("INSERT INTO ref VALUES (1, 0)")  # RESTRICT holds row 0, the least recent
    for k in range(100, 140):
        db.sql(f"INSERT OR REPLACE INTO lot VALUES ({k}, 'x')")
    assert db.sql("SELECT id FROM lot WHERE id = 0").all() == [(0,)]  # skipped, kept
    assert db.sql("SELECT count(*) FROM lot").all()[0][0] <= 20
    assert not puts  # no one-step write for a referenced table (nor for SQL)


def test_an_update_and_a_rewrite_keep_their_meaning(puts: list[int]) -> None:
    clock = _Clock()
    db = _full(clock)
    tracker = db._cache.by_model[Slot]
    clock.now = 10.0
    assert db.upsert(Slot(5, "changed", 9.0)) == "update"
    assert db.get(Slot, 5) == Slot(5, "changed", 9.0)
    assert tracker.deadlines[5] == 10.0 + 3600  # a write restarts the clock
    clock.now = 20.0
    assert db.upsert(Slot(6, "name-6", 3.0)) == "update"  # same values: still a write
    assert tracker.deadlines[6] == 20.0 + 3600
    assert list(tracker.rank)[-2:] == [5, 6]
    assert db.count(Slot) == 100 and db.stats()["slot"].evictions == 0


def test_a_rewrite_with_the_same_values_only_moves_clock_and_rank(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    db = _full(clock)
    tracker = db._cache.by_model[Slot]
    updates: list[int] = []
    real = Store.update

    def counting(self: Store, table: str, rid: int, row: Any) -> bool:
        updates.append(rid)
        return real(self, table, rid, row)

    monkeypatch.setattr(Store, "update", counting)
    clock.now = 30.0
    assert db.upsert(Slot(7, "name-7", 3.5)) == "update"  # the values it holds
    assert updates == [] and tracker.deadlines[7] == 30.0 + 3600
    assert next(reversed(tracker.rank)) == 7
    assert db.upsert(Slot(7, "name-7", -3.5)) == "update"  # one value differs
    assert len(updates) == 1 and db.get(Slot, 7) == Slot(7, "name-7", -3.5)
    assert db.upsert(Slot(0, "name-0", -0.0)) == "update"  # equal to 0.0, but not the same
    assert len(updates) == 2
    assert math.copysign(1.0, db.sql("SELECT score FROM slot WHERE key = 0").all()[0][0]) == -1
    assert_indexes_agree(db)


def test_a_value_of_the_wrong_type_is_refused_and_changes_nothing(puts: list[int]) -> None:
    db = _full()
    before, book = _rows(db), _book(db)
    calls = len(puts)
    for field, bad in (("name", 5), ("score", math.nan), ("key", 2**70)):
        row = Slot(1000, "new", 1.0)
        object.__setattr__(row, field, bad)  # past the constructor's own check
        with pytest.raises(DataError):
            db.upsert(row)
    assert len(puts) == calls and _rows(db) == before and _book(db) == book


@pytest.mark.parametrize("policy", ["lru", "lfu", "fifo", "ttl"])
def test_each_policy_evicts_the_same_rows_on_both_paths(policy: str, puts: list[int]) -> None:
    # a table of at most 16 rows is ranked whole, so every policy but "random" is exact and
    # the one-step path (autocommitted upserts) must match the checked path (upserts inside
    # a transaction) victim for victim
    @pyram.table(name="small", ttl=100, max_rows=10, evict=policy)
    class Small(Table):
        key: Col[int] = column(primary_key=True)
        value: Col[int]

    clocks = (_Clock(), _Clock())
    fast, checked = (Database(clock=clock) for clock in clocks)
    for db in (fast, checked):
        db.create(Small)
    for step in range(60):
        for clock in clocks:
            clock.now = step * 0.5
        key = (step * 7) % 23
        fast.upsert(Small(key, step))
        with checked.transaction():
            checked.upsert(Small(key, step))
        for db in (fast, checked):
            for read in (step % 5, (step * 3) % 11):
                db.get(Small, read)  # LRU and LFU ranks move
        assert fast.sql("SELECT * FROM small ORDER BY key").all() == checked.sql(
            "SELECT * FROM small ORDER BY key"
        ).all(), step
        assert fast.stats()["small"].evictions == checked.stats()["small"].evictions
    assert sum(puts) >= 10  # the one-step path did evict


@pyram.table(name="wide", ttl=3600, max_rows=2200, evict="lru")
class Wide(Table):
    key: Col[int] = column(primary_key=True)
    name: Col[str]
    score: Col[float]


@pyram.table(name="tagged", ttl=3600, max_rows=50, evict="lru")
class Tagged(Table):
    key: Col[int] = column(primary_key=True)
    tag: Col[str]


def test_the_append_without_shared_values_keeps_rows_index_and_rollback_exact(
    puts: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # past the value-sharing sample every column of Wide stores values as given: the write
    # appends inline (TableData.put), which must match what the general append does
    db = Database(clock=_Clock())
    db.create(Wide)
    for k in range(2200):
        db.upsert(Wide(k, f"name-{k}", k * 0.5))
    data = db._store.data("wide")
    assert data._memos.count(None) == len(data._memos)  # the inline append from here on
    for k in range(5000, 5100):
        db.upsert(Wide(k, f"name-{k}", k * 0.5))
    assert sum(puts[-100:]) >= 100 and db.count(Wide) <= 2200  # they evicted, in one step
    assert_indexes_agree(db)
    for k in range(5000, 5100):
        assert db.get(Wide, k) == Wide(k, f"name-{k}", k * 0.5)
    before = db.sql("SELECT * FROM wide ORDER BY key").all()
    tracker = db._cache.by_model[Wide]

    def failing(*args: object) -> None:
        raise RuntimeError("after the append")

    monkeypatch.setattr(tracker, "added", failing)
    with pytest.raises(RuntimeError):
        db.upsert(Wide(9000, "late", 1.0))
    monkeypatch.undo()
    assert db.sql("SELECT * FROM wide ORDER BY key").all() == before
    assert_indexes_agree(db)
    assert db.get(Wide, 9000) is None


def test_the_append_with_shared_values_shares_them(puts: list[int]) -> None:
    # a column of few distinct values keeps one object per value: equal strings written by
    # the one-step path are stored as the first one's object
    db = Database(clock=_Clock())
    db.create(Tagged)
    first = "".join(["gro", "up"])
    db.upsert(Tagged(1, first))
    db.upsert(Tagged(2, "".join(["gr", "oup"])))
    assert len(puts) == 2
    data = db._store.data("tagged")
    tags = data.columns[1]
    assert tags[0] == tags[1] == "group" and tags[1] is tags[0] is first
    assert_indexes_agree(db)
