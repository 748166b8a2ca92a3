"""``executemany`` INSERTs go through the column-wise bulk path and keep sqlite3's semantics.

The bulk path inserts a chunk of parameter sets at once; when a chunk fails it runs the chunk set
by set, so the rows before a bad set stay and the error is that set's. Every case here is
compared with sqlite3 doing the same.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyram
from pyram.api.dbapi_control import BULK_CHUNK as _BULK_CHUNK

DDL = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, name TEXT UNIQUE, "
    "val REAL DEFAULT 1.5 CHECK (val >= 0))"
)


def both(fn: Callable[[Any], Any]) -> tuple[Any, Any]:
    """Run ``fn`` on a sqlite3 and a PyRAM connection (same DDL); each side's outcome: its
    result, or the PEP 249 exception class name it raised, plus the table's rows after."""
    out = []
    for module in (sqlite3, pyram):
        con = module.connect(":memory:")
        con.execute(DDL)
        try:
            outcome: Any = fn(con)
        except (sqlite3.Error, pyram.Error) as exc:
            outcome = type(exc).__name__
        rows = con.execute("SELECT id, grp, name, val FROM t ORDER BY id").fetchall()
        out.append((outcome, [tuple(r) for r in rows]))
    return out[0], out[1]


def executemany(sql: str, sets: Iterable[Any]) -> Callable[[Any], Any]:
    """Run ``executemany`` and commit what it did, also when it raised; its rowcount."""

    def run(con: Any) -> Any:
        cur = con.cursor()
        try:
            cur.executemany(sql, sets)
        finally:
            con.commit()
        return cur.rowcount

    return run


def test_many_rows_match_sqlite() -> None:
    sets = [(i, i % 7, f"n{i}", i / 4) for i in range(1, 40_000)]
    expected, got = both(executemany("INSERT INTO t VALUES (?, ?, ?, ?)", sets))
    assert got == expected


def test_named_parameters_defaults_and_literals() -> None:
    sets = [{"id": i, "g": i % 3} for i in range(1, 100)]
    expected, got = both(executemany("INSERT INTO t (id, grp, name) VALUES (:id, :g, NULL)", sets))
    assert got == expected
    expected, got = both(executemany("INSERT INTO t (grp, val) VALUES (?, 2.5)", [(1,), (2,)]))
    assert got == expected  # INTEGER PRIMARY KEY assigned as SQLite's rowid


@pytest.mark.parametrize(
    "bad",
    [
        (5, 1, "dup", 1.0),  # UNIQUE name taken by an earlier set
        (6, None, "x", 1.0),  # NOT NULL
        (7, 1, "y", -1.0),  # CHECK
        (3, 1, "z", 1.0),  # PRIMARY KEY taken
    ],
)
def test_a_failing_set_keeps_the_sets_before_it(bad: tuple[Any, ...]) -> None:
    sets = [(1, 1, "a", 1.0), (2, 1, "dup", 1.0), (3, 1, "c", 1.0), bad, (9, 1, "q", 1.0)]
    expected, got = both(executemany("INSERT INTO t VALUES (?, ?, ?, ?)", sets))
    assert got == expected
    assert got[0] == "IntegrityError" and len(got[1]) == 3


def test_a_wrong_type_is_refused_at_its_set() -> None:
    sets: list[Any] = [(1, 1, "a", 1.0), (2, "two", "b", 1.0), (3, 1, "c", 1.0)]
    con = pyram.connect()
    con.execute(DDL)
    cur = con.cursor()
    with pytest.raises(pyram.DataError):
        cur.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", sets)
    con.commit()
    assert con.execute("SELECT id FROM t").fetchall() == [(1,)]  # strict: no coercion


def test_malformed_sets_are_reported_as_row_by_row() -> None:
    con = pyram.connect()
    con.execute(DDL)
    with pytest.raises(pyram.ProgrammingError):
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(1, 1, "a", 1.0), (2, 1)])
    with pytest.raises(pyram.ProgrammingError):
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(3, 1, "c", 1.0), "abcd"])
    con.commit()
    assert con.execute("SELECT id FROM t ORDER BY id").fetchall() == [(1,), (3,)]


def test_a_generator_larger_than_a_chunk() -> None:
    count = _BULK_CHUNK * 2 + 5

    def run(con: Any) -> Any:
        sets = ((i, 1, None, 1.0) for i in range(count))  # a fresh generator per connection
        return executemany("INSERT INTO t VALUES (?, ?, ?, ?)", sets)(con)

    expected, got = both(run)
    assert got == expected and got[0] == count


def test_the_bulk_path_is_taken() -> None:
    """One chunk is one store insert (and so one undo entry), not one per set."""
    db = pyram.Database()
    con = pyram.connect(db)
    con.execute(DDL)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(i, 1, None, 1.0) for i in range(500)])
    log = db._store.undo_log
    assert log is not None and len(log) <= 3  # the first set alone, then one chunk
    con.commit()
    assert con.execute("SELECT count(*) FROM t").fetchone() == (500,)


def test_tables_with_triggers_run_set_by_set() -> None:
    """A row's trigger sees the rows inserted before it, as in sqlite3."""

    def run(con: Any) -> Any:
        con.execute("CREATE TABLE log (n INTEGER)")
        con.execute(
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log SELECT count(*) FROM t; END"
        )
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(i, 1, None, 1.0) for i in range(5)])
        con.commit()
        return [tuple(r) for r in con.execute("SELECT n FROM log ORDER BY n").fetchall()]

    expected, got = both(run)
    assert got == expected and got[0] == [(1,), (2,), (3,), (4,), (5,)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 30),
            st.one_of(st.none(), st.integers(0, 3)),
            st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),
            st.floats(-1, 3, allow_nan=False),
        ),
        max_size=40,
    )
)
def test_random_sets_match_sqlite(sets: list[tuple[Any, ...]]) -> None:
    expected, got = both(executemany("INSERT INTO t VALUES (?, ?, ?, ?)", sets))
    assert got == expected


def test_quoted_mixed_case_column_names() -> None:
    """Columns named with capitals ("ALL_UPPERCASE") are found as declared, on both paths."""
    con = pyram.connect()
    con.execute('CREATE TABLE u (id INTEGER PRIMARY KEY, "ALL_UPPERCASE" INTEGER, "Mixed" TEXT)')
    sql = 'INSERT INTO u (id, "ALL_UPPERCASE", "Mixed") VALUES (?, ?, ?)'
    con.execute(sql, (1, 10, "a"))
    con.executemany(sql, [(2, 20, "b"), (3, 30, "c")])
    assert con.execute("SELECT * FROM u").fetchall() == [(1, 10, "a"), (2, 20, "b"), (3, 30, "c")]
