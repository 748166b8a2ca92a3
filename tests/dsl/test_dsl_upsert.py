"""``insert(...).on_conflict(...)``: ignore, replace and update, the same on both backends.

Every test runs in memory and on PostgreSQL (tests/dsl/backends.py), with the answers written
out (SQLite's: checked against sqlite3 by the property test in test_dsl_pg_differential.py).
Source rows come from a staging table read in order, so "multi-row" means several rows of one
statement, keys repeated among them.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest
from backends import backend_fixture  # noqa: F401  (the ``backend`` fixture)

import pyram
from pyram import Col, column, excluded


@pyram.table(unique=[("a", "b")])
class Item(pyram.Table):
    id: Col[int] = column(primary_key=True)
    code: Col[str | None] = column(default=None, unique=True)
    a: Col[int | None] = None
    b: Col[int | None] = None
    qty: Col[int | None] = None


@pyram.table
class Feed(pyram.Table):
    """The rows an INSERT proposes, in the order ``n``."""

    n: Col[int] = column(primary_key=True)
    id: Col[int]
    code: Col[str | None] = None
    a: Col[int | None] = None
    b: Col[int | None] = None
    qty: Col[int | None] = None


@pyram.table
class Tag(pyram.Table):
    id: Col[int] = column(primary_key=True)
    item: Col[int | None] = column(default=None, references=lambda: Item.id, on_delete="cascade")
    code: Col[str | None] = column(default=None, references=lambda: Item.code, on_delete="set null")


@pyram.table
class Pin(pyram.Table):
    id: Col[int] = column(primary_key=True)
    item: Col[int] = column(references=lambda: Item.id)  # RESTRICT


MODELS = (Item, Feed, Tag, Pin)
FEED = pyram.select(Feed.id, Feed.code, Feed.a, Feed.b, Feed.qty).order_by(Feed.n)


def items(db: pyram.TypedDatabase) -> list[tuple[Any, ...]]:
    return [(i.id, i.code, i.a, i.b, i.qty) for i in db.all(Item.select().order_by(Item.id))]


def fill(db: pyram.TypedDatabase, existing: list[Any], proposed: list[Any]) -> None:
    db.insert_many([Item(*row) for row in existing])
    db.insert_many([Feed(n, *row) for n, row in enumerate(proposed)])


def test_ignore_skips_rows_whose_key_is_taken(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(
        db,
        [(1, "a", 1, 1, 10)],
        [
            (1, "x", None, None, 1),
            (2, "a", 2, 2, 2),
            (3, "c", 1, 1, 3),
            (4, "d", None, 5, 4),
            (4, "e", None, 5, 5),
            (5, None, 7, None, 6),
            (6, None, 7, None, 7),
        ],
    )
    assert db.execute(pyram.insert(Item).from_select(FEED).on_conflict("ignore")) == 3
    # NULL keys never conflict; the second id 4 meets the first, inserted by this statement
    assert items(db) == [
        (1, "a", 1, 1, 10),
        (4, "d", None, 5, 4),
        (5, None, 7, None, 6),
        (6, None, 7, None, 7),
    ]


def test_ignore_with_a_target_still_fails_on_other_keys(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(db, [(1, "a", 1, 1, 10)], [(1, "z", None, None, 1)])
    on_code = pyram.insert(Item).from_select(FEED).on_conflict("ignore", Item.code)
    with pytest.raises(pyram.IntegrityError):
        db.execute(on_code)  # the id is taken: not the key the clause watches
    assert items(db) == [(1, "a", 1, 1, 10)]
    on_id = pyram.insert(Item).from_select(FEED).on_conflict("ignore", Item.id)
    assert db.execute(on_id) == 0


def test_replace_deletes_every_row_in_the_way(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(
        db,
        [(1, "a", 1, 1, 10), (2, "b", 2, 2, 20), (3, "c", 3, 3, 30), (4, None, None, None, 40)],
        # row 0 meets id 1 and code "b" (two rows go); row 1 meets (a, b) = (3, 3)
        [(1, "b", None, None, 1), (9, "n", 3, 3, 2), (4, None, None, 3, 3)],
    )
    replace = pyram.insert(Item).from_select(FEED).on_conflict("replace")
    assert db.execute(replace) == 3
    assert items(db) == [(1, "b", None, None, 1), (4, None, None, 3, 3), (9, "n", 3, 3, 2)]


def test_replace_a_later_row_of_the_statement_wins_and_counts(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(
        db,
        [(1, "a", None, None, 10)],
        [
            (5, "d", None, None, 1),
            (6, "d", None, None, 2),
            (7, "e", None, None, 3),
            (7, "a", None, None, 4),
        ],
    )
    # SQLite counts every row it inserted, those a later row then replaced too
    assert db.execute(pyram.insert(Item).from_select(FEED).on_conflict("replace")) == 4
    assert items(db) == [(6, "d", None, None, 2), (7, "a", None, None, 4)]


def test_replace_applies_on_delete_actions(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(db, [(1, "a", None, None, 10), (2, "b", None, None, 20)], [(1, "b", None, None, 1)])
    db.insert_many([Tag(1, 1, None), Tag(2, None, "b"), Tag(3, 2, "a")])
    assert db.execute(pyram.insert(Item).from_select(FEED).on_conflict("replace")) == 1
    assert items(db) == [(1, "b", None, None, 1)]
    # id 1 and id 2 (code "b") were deleted: their tags cascade; "a" went with id 1
    assert db.all(Tag.select().order_by(Tag.id)) == [Tag(2, None, None)]
    db.insert(Pin(1, 1))
    with pytest.raises(pyram.IntegrityError):  # RESTRICT: the deleted row is referenced
        db.execute(pyram.insert(Item).from_select(FEED).on_conflict("replace"))
    assert items(db) == [(1, "b", None, None, 1)]


def test_update_reads_the_existing_and_the_proposed_row(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(
        db,
        [(1, "a", None, None, 10), (2, "b", None, None, None), (3, "c", None, None, 30)],
        [
            (1, "x", None, None, 5),
            (2, "y", None, None, 6),
            (3, "z", None, None, 7),
            (4, "w", None, None, 8),
        ],
    )
    upsert = (
        pyram.insert(Item)
        .from_select(FEED)
        .on_conflict("update", Item.id)
        .set(Item.qty, Item.qty + excluded(Item.qty))
        .set(Item.code, excluded(Item.code))
        .where(Item.qty < 20)
    )
    # id 1 updated, id 2 (qty NULL) and id 3 (qty 30) fail the WHERE, id 4 inserted
    assert db.execute(upsert) == 2
    assert items(db) == [
        (1, "x", None, None, 15),
        (2, "b", None, None, None),
        (3, "c", None, None, 30),
        (4, "w", None, None, 8),
    ]


def test_update_with_parameters_and_a_composite_target(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(db, [(1, "a", 1, 2, 10)], [(7, "q", 1, 2, 5), (8, None, 1, None, 6)])
    upsert = (
        pyram.insert(Item)
        .from_select(FEED)
        .on_conflict("update", Item.b, Item.a)
        .set(Item.qty, pyram.param("qty", int))
    )
    assert db.execute(upsert, qty=99) == 2
    assert items(db) == [(1, "a", 1, 2, 99), (8, None, 1, None, 6)]


def test_update_refuses_a_row_twice_and_other_keys(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(db, [(1, "a", None, None, 10)], [(1, "x", None, None, 1), (1, "y", None, None, 2)])
    twice = pyram.insert(Item).from_select(FEED).on_conflict("update", Item.id)
    with pytest.raises(pyram.ProgrammingError, match=r"(?i)a row .*twice|a second time"):
        db.execute(twice.set(Item.qty, excluded(Item.qty)))
    assert items(db) == [(1, "a", None, None, 10)]
    # met twice, updated once: the first meeting's WHERE left the row alone
    once = twice.set(Item.qty, excluded(Item.qty)).where(excluded(Item.qty) > 1)
    assert db.execute(once) == 1
    assert items(db) == [(1, "a", None, None, 2)]
    # the second meeting finds the row the first one updated: refused, nothing changes
    swapped = twice.set(Item.qty, excluded(Item.qty)).where(excluded(Item.qty) < 9)
    with pytest.raises(pyram.ProgrammingError, match=r"(?i)a row .*twice|a second time"):
        db.execute(swapped)
    assert items(db) == [(1, "a", None, None, 2)]
    db.execute(pyram.delete(Feed))
    db.insert(Feed(0, 2, "a", None, None, 1))  # a new id, but code "a" is taken
    with pytest.raises(pyram.IntegrityError):
        db.execute(twice.set(Item.qty, excluded(Item.qty)))
    assert items(db) == [(1, "a", None, None, 2)]


def test_statement_errors(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    start = pyram.insert(Item).from_select(FEED)
    with pytest.raises(pyram.ProgrammingError, match="not the primary key or a UNIQUE key"):
        db.execute(start.on_conflict("update", Item.qty).set(Item.qty, 1))
    with pytest.raises(pyram.ProgrammingError, match="needs at least one set"):
        db.execute(start.on_conflict("update", Item.id))
    with pytest.raises(pyram.ProgrammingError, match=r"(?i)not a column of item"):
        db.execute(start.on_conflict("update", Item.id).set(Feed.qty, 1))
    with pytest.raises(pyram.ProgrammingError, match=r"(?i)not a column of item"):
        db.execute(start.on_conflict("update", Item.id).set(excluded(Item.qty), 1))
    with pytest.raises(pyram.ProgrammingError, match="is INTEGER"):
        db.execute(start.on_conflict("update", Item.id).set(Item.qty, excluded(Item.code)))
    with pytest.raises(pyram.ProgrammingError, match="no target"):
        start.on_conflict("replace", Item.id)
    with pytest.raises(pyram.ProgrammingError, match="needs the target"):
        start.on_conflict("update")
    with pytest.raises(pyram.ProgrammingError, match="one of"):
        start.on_conflict("merge")  # type: ignore[arg-type]
    with pytest.raises(pyram.ProgrammingError, match="follows on_conflict"):
        start.set(Item.qty, 1)
    with pytest.raises(pyram.ProgrammingError, match="follows on_conflict"):
        start.on_conflict("ignore").where(Item.qty > 1)


def _events(db: Any, expected: int) -> tuple[list[pyram.Change], Any]:
    seen: list[pyram.Change] = []
    done = threading.Event()

    def record(change: pyram.Change) -> None:
        seen.append(change)
        if len(seen) >= expected:
            done.set()

    stop = db.on_change(Item, record)
    return seen, (done, stop)


def test_on_change_replace_is_delete_then_insert_update_is_update(backend: Any) -> None:
    db = backend.fresh(*MODELS)
    fill(db, [(1, "a", None, None, 10), (2, "b", None, None, 20)], [(1, "b", None, None, 1)])
    seen, (done, stop) = _events(db, 4)
    db.execute(pyram.insert(Item).from_select(FEED).on_conflict("replace"))
    upsert = pyram.insert(Item).from_select(FEED).on_conflict("update", Item.id)
    db.execute(upsert.set(Item.qty, Item.qty + 1))
    assert done.wait(10)
    stop()
    kinds = [
        (c.kind, None if c.old is None else c.old.id, None if c.new is None else c.new.id)
        for c in seen
    ]
    assert sorted(kinds[:2]) == [("delete", 1, None), ("delete", 2, None)]
    assert kinds[2:] == [("insert", None, 1), ("update", 1, 1)]
    assert seen[3].new == Item(1, "b", None, None, 2)


def test_sql_front_end_counts_replaced_rows_as_sqlite() -> None:
    """The engine's conflict resolution is shared with ``db.sql``: its row counts are
    sqlite3's (a row a later row of the statement replaced counts as inserted)."""
    script = [
        "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, q INTEGER)",
        "INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)",
    ]
    statements = [
        "INSERT OR REPLACE INTO t VALUES (1, 'b', 10), (4, 'd', 40), (5, 'd', 50)",
        "INSERT OR IGNORE INTO t VALUES (6, 'a', 0), (6, 'f', 0), (7, 'd', 0)",
        "INSERT INTO t VALUES (6, 'x', 1), (7, 'y', 2) "
        "ON CONFLICT (id) DO UPDATE SET q = q + excluded.q WHERE excluded.q > 1",
    ]
    oracle = sqlite3.connect(":memory:")
    db = pyram.Database()
    for sql in script:
        oracle.execute(sql)
        db.sql(sql)
    for sql in statements:
        assert db.sql(sql).rowcount == oracle.execute(sql).rowcount, sql
        assert (
            db.sql("SELECT * FROM t ORDER BY id").all()
            == oracle.execute("SELECT * FROM t ORDER BY id").fetchall()
        )
