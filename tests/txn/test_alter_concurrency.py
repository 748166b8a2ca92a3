"""ALTER TABLE next to concurrent readers: DDL never waits for readers and never disturbs them.

The schema is not versioned (other threads see an ALTER when it happens, as CREATE and DROP),
the rows are: a snapshot taken before an ALTER reads the rows as of its snapshot in the new
shape, a query already running finishes on the table it started with, and an uncommitted
ALTER's rows stay invisible to others.
"""

from __future__ import annotations

import threading

import pytest
from isolation import run_permutation

import pyram
from pyram import Col, column

SETUP = """
CREATE TABLE t (a INTEGER PRIMARY KEY, e INTEGER);
INSERT INTO t VALUES (1, 10), (2, 20);
"""


def _db() -> pyram.Database:
    db = pyram.Database()
    db.sql(SETUP)
    return db


def _sql(text: str) -> object:
    return lambda db: db.sql(text).all()


@pytest.mark.parametrize("isolation", ["snapshot", "serializable"])
def test_snapshot_reads_its_rows_in_the_new_shape(isolation: str) -> None:
    db = _db()
    out = run_permutation(
        db,
        {
            "reader": {
                "r_begin": lambda db: db.begin(isolation),
                "r_read1": _sql("SELECT a, e FROM t ORDER BY a"),
                "r_read2": _sql("SELECT a, e, f FROM t ORDER BY a"),
                "r_end": lambda db: db.sql("COMMIT"),
            },
            "writer": {
                "w_insert": _sql("INSERT INTO t VALUES (3, 30)"),
                "w_alter": _sql("ALTER TABLE t ADD COLUMN f INTEGER DEFAULT 7"),
                "w_update": _sql("UPDATE t SET e = 0"),
                "w_drop": _sql("ALTER TABLE t RENAME COLUMN e TO ee"),
            },
        },
        ["r_begin", "r_read1", "w_insert", "w_alter", "w_update", "r_read2", "w_drop", "r_end"],
    )
    assert not any(o.blocked for o in out.values()), out  # DDL did not wait for the reader
    assert out["r_read1"].value == [(1, 10), (2, 20)]
    # the reader's snapshot: no row 3, the old values of e, the new column's default
    assert out["r_read2"].value == [(1, 10, 7), (2, 20, 7)]
    assert out["w_drop"].error is None
    assert db.sql("SELECT a, ee, f FROM t ORDER BY a").all() == [(1, 0, 7), (2, 0, 7), (3, 0, 7)]


def test_uncommitted_alter_hides_its_rows_from_others() -> None:
    db = _db()
    out = run_permutation(
        db,
        {
            "writer": {
                "w_begin": _sql("BEGIN"),
                "w_insert": _sql("INSERT INTO t VALUES (3, 30)"),
                "w_alter": _sql("ALTER TABLE t ADD COLUMN f INTEGER DEFAULT 7"),
                "w_update": _sql("UPDATE t SET f = 8 WHERE a = 1"),
                "w_rollback": _sql("ROLLBACK"),
            },
            "reader": {
                "r_read": _sql("SELECT a, e, f FROM t ORDER BY a"),
                "r_after": _sql("SELECT * FROM t ORDER BY a"),
            },
        },
        ["w_begin", "w_insert", "w_alter", "w_update", "r_read", "w_rollback", "r_after"],
    )
    assert not out["r_read"].blocked
    # the schema shows at once (not versioned); the writer's rows and values do not
    assert out["r_read"].value == [(1, 10, 7), (2, 20, 7)]
    assert out["r_after"].value == [(1, 10), (2, 20)]


def test_writer_on_a_snapshot_older_than_an_alter_must_retry() -> None:
    db = _db()
    out = run_permutation(
        db,
        {
            "old": {
                "o_begin": lambda db: db.begin("serializable"),
                "o_read": _sql("SELECT sum(e) FROM t"),
                "o_write": _sql("UPDATE t SET e = e + 1"),
            },
            "ddl": {"d_alter": _sql("ALTER TABLE t ADD COLUMN f INTEGER DEFAULT 1")},
        },
        ["o_begin", "o_read", "d_alter", "o_write"],
    )
    assert out["o_write"].error == "SerializationFailure"
    assert db.sql("SELECT e FROM t ORDER BY a").all() == [(10,), (20,)]


@pyram.table
class Item(pyram.Table):
    id: Col[int] = column(primary_key=True)
    qty: Col[int]


def test_query_running_during_an_alter_finishes_on_the_table_it_started_with() -> None:
    db = pyram.Database()
    db.create(Item)
    count = 40_000  # more than two engine batches
    db.insert_many(Item(i, i) for i in range(count))
    rows = db.iter(Item.select().order_by(Item.id))
    first = [next(rows) for _ in range(10)]

    def alter() -> None:
        db.sql("ALTER TABLE item ADD COLUMN note TEXT DEFAULT 'n'")
        db.sql("UPDATE item SET qty = -1")

    thread = threading.Thread(target=alter)
    thread.start()
    thread.join()
    rest = list(rows)
    assert [r.qty for r in first + rest] == list(range(count))
    assert db.sql("SELECT count(*), min(qty), max(note) FROM item").one() == (count, -1, "n")


def test_copied_versions_serve_an_older_snapshot_then_are_collected() -> None:
    db = _db()
    read_once, altered = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def reader() -> None:
        db.begin("snapshot")
        seen["before"] = db.sql("SELECT * FROM t ORDER BY a").all()
        read_once.set()
        altered.wait(10)
        seen["after"] = db.sql("SELECT * FROM t ORDER BY a").all()
        db.sql("COMMIT")

    thread = threading.Thread(target=reader)
    thread.start()
    read_once.wait(10)
    db.sql("UPDATE t SET e = 0 WHERE a = 1")  # a version the reader needs...
    db.sql("ALTER TABLE t ADD COLUMN f INTEGER DEFAULT 3")  # ...copied, reshaped
    assert db._store.data("t").versioned
    altered.set()
    thread.join()
    assert seen == {"before": [(1, 10), (2, 20)], "after": [(1, 10, 3), (2, 20, 3)]}
    assert not db._store.data("t").versioned  # collected once the snapshot closed
    assert db.sql("SELECT * FROM t ORDER BY a").all() == [(1, 0, 3), (2, 20, 3)]
