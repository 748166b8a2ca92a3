"""MVCC storage: snapshots read through every access path, versions collected, no waiting.

A reader opens a snapshot in its own thread and keeps it while the main thread writes and
commits; every way of reading the table (full scan, index equality / range / ordered scans,
index joins, point lookups, ``get``, ``count``) must answer as of the snapshot, and the
versions kept for it must go once it closes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import assert_indexes_agree

import pyram
from pyram.storage.visible import count_in_view

QUERIES = {
    "scan": "SELECT id, grp, val FROM item ORDER BY id",
    "eq": "SELECT id FROM item WHERE grp = 2 ORDER BY id",
    "range": "SELECT id, val FROM item WHERE val BETWEEN 20 AND 60",
    "ordered": "SELECT id FROM item ORDER BY val DESC LIMIT 5",
    "point": "SELECT val FROM item WHERE id = 3",
    "join": "SELECT item.id, tag.label FROM tag JOIN item ON item.id = tag.item_id ORDER BY 1",
    "count": "SELECT count(*), sum(val) FROM item",
}


class Reader:
    """A thread holding a transaction open, running the queries it is handed."""

    def __init__(self, db: pyram.Database, level: str = "snapshot") -> None:
        self.db = db
        self.inbox: queue.Queue[Callable[[], Any] | None] = queue.Queue()
        self.outbox: queue.Queue[Any] = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(level,), daemon=True)
        self.thread.start()

    def _run(self, level: str) -> None:
        tx = self.db.begin(level)  # type: ignore[arg-type]
        while (call := self.inbox.get()) is not None:
            try:
                self.outbox.put(call())
            except Exception as exc:  # handed back to the test
                self.outbox.put(exc)
        tx.commit()

    def ask(self, call: Callable[[], Any]) -> Any:
        self.inbox.put(call)
        answer = self.outbox.get(timeout=30)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def answers(self) -> dict[str, list[tuple[Any, ...]]]:
        return self.ask(lambda: {k: self.db.sql(q).all() for k, q in QUERIES.items()})

    def close(self) -> None:
        self.inbox.put(None)
        self.thread.join(10)


@pytest.fixture
def db() -> Iterator[pyram.Database]:
    database = pyram.Database()
    database.sql("CREATE TABLE item (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val INTEGER)")
    database.sql("CREATE INDEX item_grp ON item (grp)")
    database.sql("CREATE INDEX item_val ON item (val)")
    database.sql("CREATE TABLE tag (item_id INTEGER NOT NULL, label TEXT NOT NULL)")
    rows = ", ".join(f"({i}, {i % 4}, {i * 10})" for i in range(10))
    database.sql(f"INSERT INTO item VALUES {rows}")
    database.sql("INSERT INTO tag VALUES (1, 'a'), (3, 'b'), (5, 'c'), (12, 'z')")
    yield database


def answers_now(db: pyram.Database) -> dict[str, list[tuple[Any, ...]]]:
    return {k: db.sql(q).all() for k, q in QUERIES.items()}


def churn(db: pyram.Database) -> None:
    """Changes touching every access path: keys moved, rows gone and new, a value nulled."""
    db.sql("UPDATE item SET grp = 2, val = val + 1000 WHERE id IN (1, 4)")  # index keys move
    db.sql("UPDATE item SET val = NULL WHERE id = 5")
    db.sql("DELETE FROM item WHERE id IN (2, 3, 6)")
    db.sql("INSERT INTO item VALUES (12, 2, 25), (13, 0, 35)")


@pytest.mark.parametrize("in_transaction", [False, True])
def test_a_snapshot_reads_the_same_through_every_path(
    db: pyram.Database, in_transaction: bool
) -> None:
    reader = Reader(db)
    before = answers_now(db)
    assert reader.answers() == before
    if in_transaction:
        with db.transaction():
            churn(db)
            assert reader.answers() == before  # uncommitted: unseen
    else:
        churn(db)  # autocommitted statement by statement
    after = answers_now(db)
    assert after != before and all(after[k] != before[k] for k in ("eq", "range", "point"))
    assert reader.answers() == before  # committed after the snapshot: still unseen
    store = db._store
    assert reader.ask(lambda: count_in_view(store.data("item"), store.current_view())) == 10
    reader.close()
    fresh = Reader(db)
    assert fresh.answers() == after
    fresh.close()
    assert_indexes_agree(db)


def test_read_committed_sees_each_commit(db: pyram.Database) -> None:
    reader = Reader(db, "read_committed")
    assert reader.answers() == answers_now(db)
    churn(db)
    assert reader.answers() == answers_now(db)
    reader.close()


def test_versions_are_kept_while_a_snapshot_needs_them_and_no_longer(
    db: pyram.Database,
) -> None:
    data = db._store.data("item")
    churn(db)
    assert not data.versioned  # nobody older was reading: nothing kept
    reader = Reader(db)
    reader.answers()
    churn_again = "UPDATE item SET val = val + 1"
    db.sql(churn_again)
    assert data.versioned  # the reader's snapshot needs the old values
    reader.close()
    assert not data.versioned and not db._store.snapshots.open_count
    db.sql(churn_again)  # a commit with no reader keeps nothing either
    assert not data.versioned


def test_a_writer_alone_publishes_no_versions(db: pyram.Database) -> None:
    """With no other reader about, a transaction's changes live in its undo log only."""
    data = db._store.data("item")
    with db.transaction():
        churn(db)
        assert not data.versioned and not data.versions  # nothing published...
        assert answers_now(db)["point"] == []  # ...and the writer reads its own changes
    assert not data.versioned


@pytest.mark.parametrize("level", ["snapshot", "read_committed"])
def test_a_reader_arriving_mid_transaction_makes_the_writer_publish(
    db: pyram.Database, level: str
) -> None:
    """A view that opens while a writer holds unpublished changes reads around all of them,
    those made before it arrived and those made after."""
    data = db._store.data("item")
    before = answers_now(db)
    db.sql("BEGIN")
    db.sql("UPDATE item SET val = -1 WHERE id = 1")
    db.sql("DELETE FROM item WHERE id = 7")
    db.sql("INSERT INTO item VALUES (20, 1, 5)")
    assert not data.versioned
    reader = Reader(db, level)
    assert reader.answers() == before  # the earlier changes were published for it
    assert data.versioned
    churn(db)  # later changes are published as they are made
    assert reader.answers() == before
    db.sql("COMMIT")
    if level == "snapshot":
        assert reader.answers() == before
    else:
        assert reader.answers() == answers_now(db)
    reader.close()
    assert not data.versioned  # collected once the reader left


def test_the_point_read_fast_path_never_reads_unpublished_changes(db: pyram.Database) -> None:
    """``db.sql`` point reads outside a transaction skip the snapshot when a table has no
    versions: a writer that has not published must send them the general way."""
    db.sql("BEGIN")
    db.sql("UPDATE item SET val = -1 WHERE id = 3")
    seen: list[Any] = []
    thread = threading.Thread(
        target=lambda: seen.append(db.sql("SELECT val FROM item WHERE id = 3").all())
    )
    thread.start()
    thread.join(10)
    assert seen == [[(30,)]]
    db.sql("ROLLBACK")


def test_a_rollback_removes_its_versions(db: pyram.Database) -> None:
    data = db._store.data("item")
    reader = Reader(db)
    before = reader.answers()
    with pytest.raises(RuntimeError), db.transaction():
        churn(db)
        assert data.versioned
        raise RuntimeError("undo")
    assert not data.versioned
    assert reader.answers() == before == answers_now(db)
    reader.close()


def test_readers_and_writers_do_not_wait_for_each_other(db: pyram.Database) -> None:
    reader = Reader(db)
    reader.answers()
    with db.transaction():  # the writer holds the write lock...
        db.sql("UPDATE item SET val = 0")
        assert reader.answers()["count"] == [(10, 450)]  # ...the reader answers at once
    writer_done = threading.Event()

    def write() -> None:
        db.sql("UPDATE item SET val = 1")  # while the reader's snapshot stays open
        writer_done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert writer_done.wait(10)
    thread.join()
    assert reader.answers()["count"] == [(10, 450)]
    reader.close()
    assert db.sql("SELECT sum(val) FROM item").scalar() == 10


def test_a_snapshot_outlives_a_compaction_attempt(db: pyram.Database) -> None:
    from pyram.storage.table_data import COMPACT_MIN_DEAD

    rows = ", ".join(f"({i}, 0, {i})" for i in range(100, 100 + COMPACT_MIN_DEAD * 3))
    db.sql(f"INSERT INTO item VALUES {rows}")
    data = db._store.data("item")
    reader = Reader(db)
    count = reader.answers()["count"]
    db.sql("DELETE FROM item WHERE id >= 100")  # compaction is due, but a reader is open
    assert data.slot_count > data.live_count
    assert reader.answers()["count"] == count
    reader.close()
    db.sql("DELETE FROM item WHERE id = 9")  # no reader: the commit compacts
    assert data.slot_count == data.live_count == 9
    assert_indexes_agree(db)


def test_an_index_join_reads_the_snapshot() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
    db.sql("CREATE TABLE probe (k INTEGER NOT NULL)")
    db.sql("INSERT INTO big VALUES " + ", ".join(f"({i}, {i})" for i in range(2000)))
    db.sql("INSERT INTO probe VALUES (5), (7), (2500)")
    query = "SELECT probe.k, big.v FROM probe JOIN big ON big.id = probe.k ORDER BY 1"
    assert "IndexNestedLoopJoin" in "\n".join(r[0] for r in db.sql("EXPLAIN " + query).all())
    reader = Reader(db)
    before = reader.ask(lambda: db.sql(query).all())
    assert before == [(5, 5), (7, 7)]
    db.sql("UPDATE big SET id = 2500 WHERE id = 7")  # the key moves to another probe
    db.sql("UPDATE big SET v = -5 WHERE id = 5")
    assert db.sql(query).all() == [(5, -5), (2500, 7)]
    assert reader.ask(lambda: db.sql(query).all()) == before
    reader.close()
