"""Expiry (and the checked path's eviction) of a table the cache's one-step write serves:
due rows leave in one storage step (pyram.storage.drop_rows), with the same result as the
checked delete: rows, indexes, bookkeeping, counters, snapshots and rollback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import assert_indexes_agree

import pyram
import pyram.cache.manager as manager_module
from pyram import Col, Database, Table, column
from pyram.storage import Store


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pyram.table(name="tok", ttl=10, max_rows=50)
class Tok(Table):
    id: Col[int] = column(primary_key=True)
    user: Col[str] = column(index=True)


@pytest.fixture
def drops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the one-step deletes (rows per call)."""
    calls: list[int] = []
    real = manager_module.drop_rows

    def counting(store: Store, data: Any, rids: list[int]) -> Any:
        calls.append(len(rids))
        return real(store, data, rids)

    monkeypatch.setattr(manager_module, "drop_rows", counting)
    yield calls


def _db(clock: _Clock) -> Database:
    db = Database(clock=clock)
    db.create(Tok)
    for k in range(20):
        db.upsert(Tok(k, f"u{k % 3}"))
        clock.now += 0.25  # row k expires at 1010 + k / 4
    return db


def _no_checked_delete(*args: object) -> int:
    raise AssertionError("expiry of this table must not take Store.delete")


def test_due_rows_leave_in_one_step_and_everything_agrees(
    drops: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    db = _db(clock)
    monkeypatch.setattr(Store, "delete", _no_checked_delete)
    clock.now = 1011.1  # rows 0..4 are due (deadlines 1010.0 .. 1011.0)
    assert [t.id for t in db.all(Tok.select().order_by(Tok.id))] == list(range(5, 20))
    assert drops == [5]
    tracker = db._cache.by_model[Tok]
    assert set(range(5)).isdisjoint(tracker.rank) and set(range(5)).isdisjoint(
        tracker.deadlines
    )
    assert db.stats()["tok"].expirations == 5
    assert db.sql("SELECT count(*) FROM tok WHERE user = 'u1'").all() == [(5,)]
    assert_indexes_agree(db)


def test_a_snapshot_open_before_still_sees_the_expired_rows(drops: list[int]) -> None:
    clock = _Clock()
    db = _db(clock)
    with db.transaction():
        before = db.sql("SELECT id FROM tok ORDER BY id").all()
        clock.now = 1011.1
        thread = threading.Thread(target=db.sweep)  # another thread removes the due rows
        thread.start()
        thread.join()
        assert drops == [5]
        assert db.sql("SELECT id FROM tok ORDER BY id").all() == before  # its snapshot
    assert db.sql("SELECT id FROM tok ORDER BY id").all() == [(k,) for k in range(5, 20)]
    assert_indexes_agree(db)


def test_a_watched_table_expires_through_the_checked_path(drops: list[int]) -> None:
    clock = _Clock()
    db = _db(clock)
    events: list[tuple[str, Any]] = []
    db.on_change(Tok, lambda change: events.append((change.kind, change.old)))
    clock.now = 1010.6  # rows 0..2 are due
    assert db.get(Tok, 0) is None
    assert drops == []  # a listener needs the rows: the checked path told it
    assert sorted(old.id for kind, old in events if kind == "expire") == [0, 1, 2]


def test_an_expiry_undone_with_its_transaction_comes_back(drops: list[int]) -> None:
    clock = _Clock()
    db = _db(clock)
    tracker = db._cache.by_model[Tok]
    ranks, deadlines = dict(tracker.rank), dict(tracker.deadlines)
    with pytest.raises(RuntimeError), db.transaction():
        clock.now = 1011.1  # inside: the transaction began with nothing due
        assert db.sweep() == 5  # inside the transaction: its statement joins it
        assert drops == [5]
        raise RuntimeError("roll back")
    clock.now = 1000.0  # back before every deadline: the rows are alive again
    assert [t.id for t in db.all(Tok.select().order_by(Tok.id))] == list(range(20))
    assert dict(tracker.rank) == ranks and dict(tracker.deadlines) == deadlines
    assert db.stats()["tok"].expirations == 0
    assert_indexes_agree(db)
