"""The PEP 249 driver :mod:`pyram.dbapi`: connections, cursors, types and transactions.

Transaction behaviour is checked side by side with the standard library's sqlite3 in its
default (legacy) mode: the same script of execute/commit/rollback runs on both, and after each
step both must report the same outcome, ``in_transaction`` and visible rows.
"""

from __future__ import annotations

import datetime as dt
import gc
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_docs import DOCS, python_blocks

import pyram
import pyram.dbapi as dbapi
from pyram import Col, column

# --------------------------------------------------------------------------------- fixtures


@pytest.fixture
def con() -> Iterator[dbapi.Connection]:
    connection = pyram.connect()
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    yield connection
    connection.close()


def names(connection: Any) -> list[tuple[Any, ...]]:
    cur = connection.execute("SELECT id, name FROM t ORDER BY id")
    rows: list[tuple[Any, ...]] = cur.fetchall()
    return rows


# --------------------------------------------------------------------------------- module


def test_module_globals_and_reexports() -> None:
    assert dbapi.apilevel == "2.0"
    assert dbapi.threadsafety == 1
    assert dbapi.paramstyle == "qmark"
    for name in ("connect", "apilevel", "threadsafety", "paramstyle", "Connection", "Cursor"):
        assert getattr(pyram, name) is getattr(dbapi, name)
        assert name in pyram.__all__


EXCEPTIONS = (
    "Warning",
    "Error",
    "InterfaceError",
    "DatabaseError",
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
)


@pytest.mark.parametrize("name", EXCEPTIONS)
def test_exceptions_are_module_and_connection_attributes(name: str) -> None:
    cls = getattr(pyram.errors, name)
    assert getattr(dbapi, name) is cls
    assert getattr(pyram, name) is cls
    assert getattr(dbapi.Connection, name) is cls
    connection = pyram.connect()
    assert getattr(connection, name) is cls
    if name != "Warning":
        assert issubclass(cls, dbapi.Error)


def test_exception_hierarchy() -> None:
    assert issubclass(dbapi.Warning, Exception)
    assert not issubclass(dbapi.Warning, dbapi.Error)
    for sub in ("DataError", "OperationalError", "IntegrityError", "InternalError"):
        assert issubclass(getattr(dbapi, sub), dbapi.DatabaseError)
    assert issubclass(dbapi.ProgrammingError, dbapi.DatabaseError)
    assert issubclass(dbapi.NotSupportedError, dbapi.DatabaseError)
    assert issubclass(dbapi.InterfaceError, dbapi.Error)


def test_constructors() -> None:
    assert dbapi.Date(2002, 12, 25) == dt.date(2002, 12, 25)
    assert dbapi.Time(13, 45, 30) == dt.time(13, 45, 30)
    assert dbapi.Timestamp(2002, 12, 25, 13, 45, 30) == dt.datetime(2002, 12, 25, 13, 45, 30)
    ticks = dt.datetime(2002, 12, 25, 13, 45, 30).timestamp()  # local time, as the PEP says
    assert dbapi.DateFromTicks(ticks) == dt.date(2002, 12, 25)
    assert dbapi.TimeFromTicks(ticks) == dt.time(13, 45, 30)
    assert dbapi.TimestampFromTicks(ticks) == dt.datetime(2002, 12, 25, 13, 45, 30)
    assert dbapi.Binary(b"x\x00") == b"x\x00"
    assert dbapi.Binary(bytearray(b"ab")) == b"ab"
    assert type(dbapi.Binary(memoryview(b"ab"))) is bytes


def test_constructed_values_round_trip() -> None:
    connection = pyram.connect()
    connection.execute("CREATE TABLE v (d DATE, t TIME, ts TIMESTAMP, b BLOB)")
    row = (
        dbapi.Date(2020, 1, 2),
        dbapi.Time(3, 4, 5),
        dbapi.TimestampFromTicks(0),
        dbapi.Binary(b"\x00\xff"),
    )
    connection.execute("INSERT INTO v VALUES (?, ?, ?, ?)", row)
    assert connection.execute("SELECT * FROM v").fetchall() == [row]


# --------------------------------------------------------------------------------- types


def test_type_objects_compare_with_type_codes() -> None:
    assert dbapi.NUMBER == "INTEGER"
    assert "REAL" == dbapi.NUMBER  # noqa: SIM300 - the reflected comparison is under test
    assert dbapi.NUMBER != "TEXT"
    assert dbapi.STRING == "TEXT"
    assert dbapi.STRING != "BLOB"
    assert dbapi.BINARY == "BLOB"
    assert dbapi.DATETIME == "TIMESTAMPTZ"
    assert dbapi.NUMBER != dbapi.STRING
    assert dbapi.NUMBER == dbapi.NUMBER
    assert dbapi.NUMBER != None  # noqa: E711 - the comparison itself is under test
    assert dbapi.NUMBER != 3
    assert len({dbapi.STRING, dbapi.BINARY, dbapi.NUMBER, dbapi.DATETIME, dbapi.ROWID}) == 5
    assert "NUMBER" in repr(dbapi.NUMBER)


TYPED_COLUMNS = [
    ("i INTEGER", 1, "INTEGER", dbapi.NUMBER),
    ("r REAL", 1.5, "REAL", dbapi.NUMBER),
    ("d DECIMAL", Decimal("1.25"), "DECIMAL", dbapi.NUMBER),
    ("b BOOLEAN", True, "BOOLEAN", dbapi.NUMBER),
    ("s VARCHAR(20)", "text", "TEXT", dbapi.STRING),
    ("j JSON", {"a": [1]}, "JSON", dbapi.STRING),
    ("u UUID", uuid.UUID(int=5), "UUID", dbapi.STRING),
    ("x BLOB", b"\x00", "BLOB", dbapi.BINARY),
    ("da DATE", dt.date(2020, 1, 2), "DATE", dbapi.DATETIME),
    ("ti TIME", dt.time(1, 2, 3), "TIME", dbapi.DATETIME),
    ("ts TIMESTAMP", dt.datetime(2020, 1, 2, 3), "TIMESTAMP", dbapi.DATETIME),
    ("tz TIMESTAMPTZ", dt.datetime(2020, 1, 2, tzinfo=dt.UTC), "TIMESTAMPTZ", dbapi.DATETIME),
    ("iv INTERVAL", dt.timedelta(hours=1), "INTERVAL", dbapi.DATETIME),
]


def test_description_type_codes() -> None:
    connection = pyram.connect()
    connection.execute(f"CREATE TABLE v ({', '.join(c[0] for c in TYPED_COLUMNS)})")
    values = tuple(c[1] for c in TYPED_COLUMNS)
    connection.execute(f"INSERT INTO v VALUES ({', '.join('?' * len(values))})", values)
    cur = connection.execute("SELECT * FROM v")
    assert cur.fetchall() == [values]
    assert cur.description is not None
    assert len(cur.description) == len(TYPED_COLUMNS)
    others = {dbapi.NUMBER, dbapi.STRING, dbapi.BINARY, dbapi.DATETIME, dbapi.ROWID}
    for entry, (decl, _, code, type_object) in zip(cur.description, TYPED_COLUMNS, strict=True):
        assert entry == (decl.split()[0], code, None, None, None, None, None)
        assert entry[1] == type_object
        assert type_object == entry[1]
        assert all(entry[1] != other for other in others - {type_object})


def test_description_of_expressions() -> None:
    connection = pyram.connect()
    cur = connection.execute("SELECT 1 + 1 AS two, 'a' || 'b', 2.5, NULL")
    assert cur.description == (
        ("two", "INTEGER", None, None, None, None, None),
        ("'a' || 'b'", "TEXT", None, None, None, None, None),
        ("2.5", "REAL", None, None, None, None, None),
        ("NULL", None, None, None, None, None, None),
    )


def test_description_is_none_for_statements(con: dbapi.Connection) -> None:
    cur = con.cursor()
    assert cur.description is None
    cur.execute("SELECT name FROM t")
    assert cur.description is not None
    cur.execute("INSERT INTO t (name) VALUES ('a')")
    assert cur.description is None
    cur.execute("SELECT name FROM t")
    cur.execute("CREATE TABLE u (a INTEGER)")
    assert cur.description is None


# --------------------------------------------------------------------------------- connect


def test_connect_memory_gives_fresh_databases() -> None:
    a = pyram.connect()
    b = pyram.connect(":memory:")
    c = pyram.connect(database=":memory:")
    a.execute("CREATE TABLE t (x INTEGER)")
    assert isinstance(a.database, pyram.Database)
    assert a.database is not b.database
    assert b.database.table_names() == c.database.table_names() == []


@pytest.mark.parametrize("path", ["", "file:x?mode=memory"])
def test_connect_to_a_temporary_database_or_uri_is_not_supported(path: Any) -> None:
    with pytest.raises(pyram.NotSupportedError, match="not supported"):
        pyram.connect(path)


@pytest.mark.parametrize("as_path", [str, Path])
def test_connect_to_a_file_opens_a_durable_database(tmp_path: Path, as_path: Any) -> None:
    path = as_path(tmp_path / "app.db")
    con = pyram.connect(path)
    con.execute("CREATE TABLE t (x INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.execute("INSERT INTO t VALUES (2)")  # never committed: rolled back by close()
    with pytest.raises(pyram.PersistenceError, match="is locked"):
        pyram.connect(path)
    con.close()  # closes (and unlocks) the database it opened
    again = pyram.connect(path, durability="normal")
    assert again.execute("SELECT x FROM t").fetchall() == [(1,)]
    again.close()


def test_connect_rejects_other_types() -> None:
    with pytest.raises(TypeError, match=r"pyram\.Database"):
        pyram.connect(3)  # type: ignore[arg-type]


def test_connect_wraps_an_existing_database() -> None:
    @pyram.table
    class Pet(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]

    db = pyram.Database()
    db.create(Pet)
    db.insert(Pet(id=1, name="rex"))
    connection = pyram.connect(db)
    assert connection.database is db
    assert connection.execute("SELECT name FROM pet").fetchall() == [("rex",)]
    connection.execute("INSERT INTO pet VALUES (?, ?)", (2, "tom"))
    connection.commit()
    assert db.get(Pet, 2) == Pet(id=2, name="tom")
    connection.execute("CREATE TABLE food (pet_id INTEGER, what TEXT)")
    assert "food" in db.table_names()
    assert db.sql("SELECT count(*) FROM food").scalar() == 0


def test_connection_and_cursor_repr() -> None:
    connection = pyram.connect()
    cur = connection.cursor()
    assert "open" in repr(connection) and "open" in repr(cur)
    cur.close()
    connection.close()
    assert "closed" in repr(connection) and "closed" in repr(cur)


# --------------------------------------------------------------------------------- execute


def test_execute_returns_the_cursor(con: dbapi.Connection) -> None:
    cur = con.cursor()
    assert cur.execute("SELECT 1") is cur
    assert cur.connection is con
    assert isinstance(con.execute("SELECT 1"), dbapi.Cursor)


def test_qmark_and_named_parameters(con: dbapi.Connection) -> None:
    cur = con.cursor()
    cur.execute("INSERT INTO t (name) VALUES (?)", ("a",))
    cur.execute("INSERT INTO t (name) VALUES (?)", ["b"])
    cur.execute("INSERT INTO t (name) VALUES (:name)", {"name": "c"})
    cur.execute("INSERT INTO t (id, name) VALUES (?2, ?1)", ("d", 10))
    assert names(con) == [(1, "a"), (2, "b"), (3, "c"), (10, "d")]
    assert cur.execute("SELECT name FROM t WHERE id = :id", {"id": 2}).fetchone() == ("b",)
    assert cur.execute("SELECT ? || ?", ("x", "y")).fetchone() == ("xy",)
    assert cur.execute("SELECT ?", (5,)).fetchone() == (5,)
    # markers inside string literals are text, not parameters
    cur.execute("INSERT INTO t (name) VALUES ('what? :no %s')")
    assert cur.execute("SELECT name FROM t WHERE id = 11").fetchone() == ("what? :no %s",)


BY_ID = "SELECT name FROM t WHERE id = ?"


@pytest.mark.parametrize(
    ("sql", "params", "error"),
    [
        (BY_ID, (), pyram.ProgrammingError),  # missing value
        (BY_ID, (1, 2), pyram.ProgrammingError),  # one too many
        ("SELECT name FROM t WHERE id = :a", {"b": 1}, pyram.ProgrammingError),
        (BY_ID, {"a": 1}, pyram.ProgrammingError),
        (BY_ID, 5, pyram.ProgrammingError),  # not a sequence
        (BY_ID, "a", pyram.ProgrammingError),  # a string is not a parameter sequence
        (BY_ID, {1}, pyram.ProgrammingError),  # a set has no order
        ("INSERT INTO t (name) VALUES (?)", (5,), pyram.DataError),  # strictly typed
    ],
)
def test_bad_parameters(con: dbapi.Connection, sql: str, params: Any, error: type) -> None:
    with pytest.raises(error):
        con.execute(sql, params)


def test_one_statement_at_a_time(con: dbapi.Connection) -> None:
    with pytest.raises(pyram.ProgrammingError, match="one statement at a time"):
        con.execute("SELECT 1; SELECT 2")
    with pytest.raises(pyram.ProgrammingError, match="one statement at a time"):
        con.execute("INSERT INTO t (name) VALUES ('a'); DELETE FROM t")
    assert names(con) == []
    assert con.execute("SELECT 1;").fetchall() == [(1,)]
    assert con.execute("SELECT 2; -- a comment").fetchall() == [(2,)]
    cur = con.execute("")  # nothing to run, as in sqlite3
    assert cur.description is None and cur.rowcount == -1


def test_syntax_errors_are_programming_errors(con: dbapi.Connection) -> None:
    with pytest.raises(pyram.ProgrammingError, match="syntax error"):
        con.execute("SELEC 1")
    with pytest.raises(pyram.ProgrammingError, match="no such table"):
        con.execute("SELECT * FROM nope")


def test_execute_needs_a_string(con: dbapi.Connection) -> None:
    with pytest.raises(TypeError):
        con.execute(b"SELECT 1")  # type: ignore[arg-type]


def test_the_same_sql_runs_repeatedly(con: dbapi.Connection) -> None:
    cur = con.cursor()
    for i in range(50):
        cur.execute("INSERT INTO t (name) VALUES (?)", (f"n{i}",))
        assert cur.lastrowid == i + 1
    assert cur.execute("SELECT count(*) FROM t").fetchone() == (50,)


def test_failed_execute_leaves_no_result(con: dbapi.Connection) -> None:
    cur = con.execute("SELECT 1")
    with pytest.raises(pyram.ProgrammingError):
        cur.execute("SELECT * FROM nope")
    assert cur.description is None
    with pytest.raises(pyram.ProgrammingError, match="no result set"):
        cur.fetchone()


# --------------------------------------------------------------------------------- rowcount


def test_rowcount_and_lastrowid(con: dbapi.Connection) -> None:
    cur = con.cursor()
    assert (cur.rowcount, cur.lastrowid) == (-1, None)
    cur.execute("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')")
    assert (cur.rowcount, cur.lastrowid) == (3, 3)
    cur.execute("UPDATE t SET name = 'x' WHERE id >= 2")
    assert (cur.rowcount, cur.lastrowid) == (2, None)
    cur.execute("UPDATE t SET name = 'x' WHERE id = 99")
    assert cur.rowcount == 0
    cur.execute("DELETE FROM t WHERE id = 1")
    assert cur.rowcount == 1
    cur.execute("SELECT * FROM t")
    assert cur.rowcount == -1  # as sqlite3: unknown for queries
    cur.execute("CREATE TABLE u (a INTEGER)")
    assert cur.rowcount == -1
    cur.execute("INSERT INTO u VALUES (1)")
    assert (cur.rowcount, cur.lastrowid) == (1, None)  # no INTEGER PRIMARY KEY: no rowid


# --------------------------------------------------------------------------------- executemany


def test_executemany(con: dbapi.Connection) -> None:
    cur = con.cursor()
    assert cur.executemany("INSERT INTO t (name) VALUES (?)", [("a",), ("b",), ("c",)]) is cur
    assert (cur.rowcount, cur.lastrowid) == (3, 3)
    assert cur.description is None
    cur.executemany("UPDATE t SET name = :n WHERE id >= :id", ({"n": "z", "id": i} for i in (2, 3)))
    assert cur.rowcount == 3  # 2 rows, then 1
    assert names(con) == [(1, "a"), (2, "z"), (3, "z")]
    cur.executemany("DELETE FROM t WHERE id = ?", [])
    assert (cur.rowcount, cur.lastrowid) == (0, None)
    assert con.executemany("DELETE FROM t WHERE id = ?", [(1,), (2,)]).rowcount == 2


def test_executemany_only_runs_dml(con: dbapi.Connection) -> None:
    with pytest.raises(pyram.ProgrammingError, match="DML"):
        con.executemany(BY_ID, [(1,), (2,)])
    with pytest.raises(pyram.ProgrammingError, match="one statement"):
        con.executemany("INSERT INTO t (name) VALUES (?); SELECT 1", [("a",)])


def test_executemany_failure_keeps_earlier_rows_in_the_transaction(con: dbapi.Connection) -> None:
    cur = con.cursor()
    with pytest.raises(pyram.IntegrityError):
        cur.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b"), (1, "dup")])
    assert cur.rowcount == 2
    assert con.in_transaction
    assert names(con) == [(1, "a"), (2, "b")]
    con.rollback()
    assert names(con) == []


# --------------------------------------------------------------------------------- fetching


@pytest.fixture
def six(con: dbapi.Connection) -> dbapi.Connection:
    con.executemany("INSERT INTO t (name) VALUES (?)", [(c,) for c in "abcdef"])
    con.commit()
    return con


def test_fetchone(six: dbapi.Connection) -> None:
    cur = six.execute("SELECT name FROM t ORDER BY id")
    assert [cur.fetchone() for _ in range(7)] == [(c,) for c in "abcdef"] + [None]
    assert cur.fetchone() is None


def test_fetchmany_sizes(six: dbapi.Connection) -> None:
    cur = six.cursor()
    assert cur.arraysize == 1
    cur.execute("SELECT name FROM t ORDER BY id")
    assert cur.fetchmany() == [("a",)]
    assert cur.fetchmany(2) == [("b",), ("c",)]
    assert cur.fetchmany(size=0) == []
    cur.arraysize = 2
    assert cur.fetchmany() == [("d",), ("e",)]
    assert cur.fetchmany(10) == [("f",)]
    assert cur.fetchmany(10) == []
    cur.execute("SELECT name FROM t ORDER BY id")
    assert cur.fetchmany(-1) == [(c,) for c in "abcdef"]  # negative: the rest, as sqlite3


def test_fetchall_and_mixed_fetches(six: dbapi.Connection) -> None:
    cur = six.execute("SELECT name FROM t ORDER BY id")
    assert cur.fetchone() == ("a",)
    assert cur.fetchmany(2) == [("b",), ("c",)]
    assert cur.fetchall() == [("d",), ("e",), ("f",)]
    assert cur.fetchall() == []
    assert six.execute("SELECT name FROM t WHERE id > 99").fetchall() == []


def test_iteration(six: dbapi.Connection) -> None:
    cur = six.execute("SELECT id FROM t ORDER BY id")
    assert iter(cur) is cur
    assert next(cur) == (1,)
    assert [row[0] for row in cur] == [2, 3, 4, 5, 6]
    with pytest.raises(StopIteration):
        next(cur)
    assert list(six.execute("SELECT name FROM t WHERE id = 2")) == [("b",)]


def test_fetch_without_a_result_set_raises(con: dbapi.Connection) -> None:
    cur = con.cursor()
    for fetch in (cur.fetchone, cur.fetchmany, cur.fetchall, lambda: next(cur)):
        with pytest.raises(pyram.ProgrammingError, match="no result set"):
            fetch()
    cur.execute("INSERT INTO t (name) VALUES ('a')")
    for fetch in (cur.fetchone, cur.fetchmany, cur.fetchall):
        with pytest.raises(pyram.ProgrammingError, match="no result set"):
            fetch()


def test_rows_are_a_snapshot(six: dbapi.Connection) -> None:
    cur = six.execute("SELECT name FROM t ORDER BY id")
    assert cur.fetchone() == ("a",)
    six.execute("DELETE FROM t")
    assert len(cur.fetchall()) == 5


def test_setinputsizes_and_setoutputsize_are_no_ops(con: dbapi.Connection) -> None:
    cur = con.cursor()
    assert cur.setinputsizes((25,)) is None
    assert cur.setoutputsize(1) is None
    assert cur.setoutputsize(1, 0) is None
    cur.execute("INSERT INTO t (name) VALUES (?)", ("a long name",))
    assert cur.execute("SELECT name FROM t").fetchall() == [("a long name",)]


# --------------------------------------------------------------------------------- executescript


def test_executescript(con: dbapi.Connection) -> None:
    con.execute("INSERT INTO t (name) VALUES ('pending')")
    assert con.in_transaction
    cur = con.executescript(
        """
        CREATE TABLE u (a INTEGER);
        INSERT INTO u VALUES (1);
        INSERT INTO u VALUES (2);
        """
    )
    assert isinstance(cur, dbapi.Cursor)
    assert cur.description is None
    assert not con.in_transaction  # the pending transaction was committed first, as sqlite3
    con.rollback()
    assert names(con) == [(1, "pending")]
    assert con.execute("SELECT a FROM u ORDER BY a").fetchall() == [(1,), (2,)]
    with pytest.raises(TypeError):
        con.executescript(None)  # type: ignore[arg-type]


def test_executescript_with_its_own_transaction(con: dbapi.Connection) -> None:
    con.executescript("BEGIN; INSERT INTO t (name) VALUES ('a'); INSERT INTO t (name) VALUES ('b')")
    assert con.in_transaction
    con.rollback()
    assert names(con) == []


# --------------------------------------------------------------------------------- closing


def test_closed_connection_raises_on_every_use(con: dbapi.Connection) -> None:
    cur = con.cursor()
    con.close()
    assert con.closed
    message = r"Cannot operate on a closed database\."
    uses: list[Callable[[], Any]] = [
        con.cursor,
        con.commit,
        con.rollback,
        lambda: con.execute("SELECT 1"),
        lambda: con.executemany("INSERT INTO t (name) VALUES (?)", [("a",)]),
        lambda: con.executescript("SELECT 1"),
        lambda: con.in_transaction,
        lambda: setattr(con, "isolation_level", None),
        lambda: setattr(con, "autocommit", True),
        lambda: con.__enter__(),
        lambda: cur.execute("SELECT 1"),
        cur.fetchone,
        cur.fetchall,
    ]
    for use in uses:
        with pytest.raises(pyram.ProgrammingError, match=message):
            use()
    con.close()  # closing again does nothing (as sqlite3)
    cur.close()  # and so does closing a cursor of a closed connection


def test_closed_cursor_raises(six: dbapi.Connection) -> None:
    cur = six.execute("SELECT name FROM t")
    cur.close()
    cur.close()
    for use in (
        cur.fetchone,
        cur.fetchall,
        cur.fetchmany,
        lambda: cur.execute("SELECT 1"),
        lambda: cur.executemany("DELETE FROM t WHERE id = ?", [(1,)]),
        lambda: cur.executescript("SELECT 1"),
        lambda: next(cur),
        cur.__enter__,
    ):
        with pytest.raises(pyram.ProgrammingError, match=r"Cannot operate on a closed cursor\."):
            use()
    assert six.execute("SELECT count(*) FROM t").fetchone() == (6,)  # connection unaffected


def test_close_rolls_back_uncommitted_changes() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    connection = pyram.connect(db)
    connection.execute("INSERT INTO t (name) VALUES ('lost')")
    connection.close()
    assert db.sql("SELECT count(*) FROM t").scalar() == 0
    db.sql("BEGIN")  # the database is free again
    db.sql("ROLLBACK")


def test_dropped_connection_rolls_back_and_frees_the_database() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    connection = pyram.connect(db)
    connection.execute("INSERT INTO t (name) VALUES ('lost')")
    del connection
    gc.collect()
    assert db.sql("SELECT count(*) FROM t").scalar() == 0
    db.sql("BEGIN")
    db.sql("ROLLBACK")


# --------------------------------------------------------------------------------- context managers


def test_connection_context_manager_commits(con: dbapi.Connection) -> None:
    with con as entered:
        assert entered is con
        con.execute("INSERT INTO t (name) VALUES ('kept')")
    assert not con.in_transaction
    con.rollback()
    assert names(con) == [(1, "kept")]
    assert not con.closed  # like sqlite3, the block does not close the connection


def test_connection_context_manager_rolls_back_on_error(con: dbapi.Connection) -> None:
    with pytest.raises(ZeroDivisionError), con:
        con.execute("INSERT INTO t (name) VALUES ('gone')")
        _ = 1 / 0
    assert not con.in_transaction
    assert names(con) == []
    with pytest.raises(pyram.IntegrityError), con:
        con.execute("INSERT INTO t VALUES (1, 'a')")
        con.execute("INSERT INTO t VALUES (1, 'b')")
    assert names(con) == []


def test_cursor_context_manager_closes(con: dbapi.Connection) -> None:
    with con.cursor() as cur:
        cur.execute("SELECT 1")
    with pytest.raises(pyram.ProgrammingError, match="closed cursor"):
        cur.fetchone()


# --------------------------------------------------------------------------------- transactions


class _Boom(Exception):
    pass


def _tables(connection: Any) -> list[str]:
    if isinstance(connection, sqlite3.Connection):
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(r[0] for r in rows)
    return sorted(connection.database.table_names())


def _run_step(connection: Any, step: tuple[Any, ...]) -> Any:
    """Run one step on a sqlite3 or pyram connection; its outcome (rowcount, or error name)."""
    op, *args = step
    try:
        if op == "execute":
            return connection.execute(*args).rowcount
        if op == "executemany":
            return connection.executemany(*args).rowcount
        if op == "executescript":
            connection.executescript(*args)
        elif op == "commit":
            connection.commit()
        elif op == "rollback":
            connection.rollback()
        elif op == "with":
            with connection:
                for sql in args:
                    connection.execute(sql)
        elif op == "with-raise":
            with connection:
                for sql in args:
                    connection.execute(sql)
                raise _Boom
        else:  # pragma: no cover
            raise AssertionError(op)
    except (sqlite3.Error, pyram.Error, _Boom) as exc:
        return type(exc).__name__
    return None


def _observe(connection: Any, step: tuple[Any, ...]) -> tuple[Any, ...]:
    outcome = _run_step(connection, step)
    tables = _tables(connection)
    rows = names(connection) if "t" in tables else None
    return step, outcome, connection.in_transaction, rows, tables


def _side_by_side(steps: list[tuple[Any, ...]], **options: Any) -> None:
    ref = sqlite3.connect(":memory:", **options)
    ours = pyram.connect(**options)
    try:
        assert ref.isolation_level == ours.isolation_level
        for step in steps:
            assert _observe(ours, step) == _observe(ref, step)
    finally:
        ref.close()
        ours.close()


CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
INSERT_A = "INSERT INTO t (name) VALUES ('a')"


def test_transactions_like_sqlite3_default_mode() -> None:
    _side_by_side(
        [
            ("execute", CREATE),  # DDL outside a transaction: no implicit BEGIN
            ("execute", "SELECT * FROM t"),  # a query never begins one
            ("execute", INSERT_A),  # implicit BEGIN before DML
            ("rollback",),  # discards the uncommitted insert
            ("rollback",),  # nothing open: no-op
            ("execute", INSERT_A),
            ("execute", "INSERT INTO t (name) VALUES ('b')"),
            ("commit",),
            ("commit",),  # nothing open: no-op
            ("execute", "UPDATE t SET name = 'B' WHERE id = 2"),
            ("rollback",),
            ("execute", "DELETE FROM t WHERE id = 1"),
            ("commit",),
            ("execute", "REPLACE INTO t VALUES (2, 'replaced')"),
            ("execute", "INSERT OR REPLACE INTO t VALUES (3, 'c')"),
            ("commit",),
            ("execute", "UPDATE t SET name = 'x' WHERE id = 99"),  # DML matching no row
            ("rollback",),
            # a failing statement leaves the transaction and its earlier changes alone
            ("execute", "INSERT INTO t VALUES (4, 'd')"),
            ("execute", "INSERT INTO t VALUES (4, 'dup')"),
            ("execute", "INSERT INTO t VALUES (NULL, NULL)"),
            ("commit",),
            # DDL runs inside the open transaction and is rolled back with it
            ("execute", "DELETE FROM t WHERE id = 4"),
            ("execute", "CREATE TABLE u (a INTEGER)"),
            ("execute", "INSERT INTO u VALUES (1)"),
            ("rollback",),
            # explicit BEGIN / COMMIT / ROLLBACK statements
            ("execute", "BEGIN"),
            ("execute", "SELECT * FROM t"),
            ("execute", INSERT_A),
            ("execute", "COMMIT"),
            ("execute", "BEGIN"),
            ("execute", "DELETE FROM t"),
            ("execute", "ROLLBACK"),
            ("execute", "BEGIN"),
            ("execute", "BEGIN"),  # nested BEGIN is an error; the transaction stays
            ("rollback",),
            ("execute", "COMMIT"),  # no transaction to commit: an error
            # savepoints
            ("execute", "SAVEPOINT s"),
            ("execute", "DELETE FROM t WHERE id = 2"),
            ("execute", "ROLLBACK TO s"),
            ("execute", "RELEASE s"),
            # executemany, executescript
            ("executemany", "INSERT INTO t (name) VALUES (?)", [("m1",), ("m2",)]),
            ("rollback",),
            ("execute", "DELETE FROM t WHERE id = 3"),
            ("executescript", "INSERT INTO t (name) VALUES ('s1'); DELETE FROM t WHERE id = 2"),
            ("rollback",),  # the script's statements were committed
            # the connection as a context manager
            ("with", "INSERT INTO t (name) VALUES ('w1')"),
            ("with-raise", "INSERT INTO t (name) VALUES ('w2')"),
            ("with", "INSERT INTO t VALUES (1, 'w3')", "INSERT INTO t VALUES (1, 'dup')"),
            ("execute", "DROP TABLE t"),
        ]
    )


def test_transactions_like_sqlite3_autocommit_mode() -> None:
    _side_by_side(
        [
            ("execute", CREATE),
            ("execute", INSERT_A),  # no implicit BEGIN: the insert is committed at once
            ("rollback",),
            ("execute", "UPDATE t SET name = 'b'"),
            ("rollback",),
            ("execute", "BEGIN"),  # explicit transactions still work
            ("execute", "DELETE FROM t"),
            ("rollback",),
            ("execute", "BEGIN"),
            ("execute", "INSERT INTO t (name) VALUES ('c')"),
            ("commit",),
            ("executemany", "INSERT INTO t (name) VALUES (?)", [("m1",), ("m2",)]),
            ("rollback",),
        ],
        isolation_level=None,
    )


@pytest.mark.parametrize("level", ["DEFERRED", "IMMEDIATE", "EXCLUSIVE", "deferred"])
def test_transactions_like_sqlite3_with_isolation_levels(level: str) -> None:
    _side_by_side(
        [
            ("execute", CREATE),
            ("execute", INSERT_A),
            ("rollback",),
            ("execute", INSERT_A),
            ("commit",),
        ],
        isolation_level=level,
    )


def test_isolation_level_attribute(con: dbapi.Connection) -> None:
    ref = sqlite3.connect(":memory:")
    assert con.isolation_level == ref.isolation_level == ""
    con.isolation_level = "IMMEDIATE"
    assert con.isolation_level == "IMMEDIATE"
    con.execute(INSERT_A)
    assert con.in_transaction
    con.isolation_level = None  # commits the open transaction, as sqlite3
    assert not con.in_transaction
    assert names(con) == [(1, "a")]
    con.execute("DELETE FROM t")
    assert not con.in_transaction
    assert names(con) == []
    with pytest.raises(ValueError, match="isolation_level"):
        con.isolation_level = "SERIALIZABLE"
    with pytest.raises(TypeError):
        con.isolation_level = 5  # type: ignore[assignment]
    with pytest.raises(ValueError, match="isolation_level"):
        pyram.connect(isolation_level="bogus")


def test_autocommit_attribute() -> None:
    legacy = pyram.connect()
    assert legacy.autocommit == dbapi.LEGACY_TRANSACTION_CONTROL == -1

    on = pyram.connect(autocommit=True, isolation_level="DEFERRED")
    on.execute(CREATE)
    on.execute(INSERT_A)  # no implicit transaction, whatever isolation_level says
    assert not on.in_transaction
    on.execute("BEGIN")
    on.execute("DELETE FROM t")
    on.rollback()  # commit() and rollback() do nothing in autocommit mode
    assert on.in_transaction
    on.execute("ROLLBACK")
    assert names(on) == [(1, "a")]

    off = pyram.connect(autocommit=False, isolation_level=None)
    off.execute(CREATE)  # every statement runs in a transaction, DDL and queries too
    assert off.in_transaction
    off.rollback()
    assert _tables(off) == []
    off.execute(CREATE)
    off.commit()
    assert off.execute("SELECT * FROM t").fetchall() == []
    assert off.in_transaction
    off.execute(INSERT_A)
    off.autocommit = True  # commits the open transaction
    assert not off.in_transaction
    off.autocommit = False
    off.executescript("INSERT INTO t (name) VALUES ('b')")  # runs inside a transaction
    assert off.in_transaction
    off.rollback()
    assert names(off) == [(1, "a")]
    off.autocommit = dbapi.LEGACY_TRANSACTION_CONTROL
    assert off.autocommit == -1
    off.commit()

    with pytest.raises(ValueError, match="autocommit"):
        pyram.connect(autocommit=1)
    with pytest.raises(ValueError, match="autocommit"):
        legacy.autocommit = "yes"  # type: ignore[assignment]


def test_connections_sharing_a_database_share_its_transaction() -> None:
    db = pyram.Database()
    a = pyram.connect(db)
    b = pyram.connect(db)
    a.execute(CREATE)
    a.execute(INSERT_A)
    assert a.in_transaction and b.in_transaction  # one database, one thread: one transaction
    b.rollback()
    assert not a.in_transaction
    assert names(a) == []


def test_another_threads_transaction_is_not_ours() -> None:
    db = pyram.Database()
    db.sql(CREATE)
    connection = pyram.connect(db)
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def other() -> None:
        db.sql("BEGIN")
        db.sql(INSERT_A)
        started.set()
        release.wait(10)
        db.sql("COMMIT")
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert started.wait(10)
        assert not connection.in_transaction
        connection.commit()  # does not commit (or fail on) the other thread's transaction
        connection.rollback()
    finally:
        release.set()
        thread.join(10)
    assert done.is_set()
    assert names(connection) == [(1, "a")]


# --------------------------------------------------------------------------------- docs


def test_docs_page_examples_run() -> None:
    """The ```python blocks of docs/dbapi.md run in order in one namespace."""
    page = DOCS / "dbapi.md"
    blocks = python_blocks(page.read_text())
    assert len(blocks) >= 3
    namespace: dict[str, Any] = {"__name__": "docs_dbapi"}
    for line, code in blocks:
        exec(compile(code, f"{page}:{line}", "exec"), namespace)


def test_a_dropped_connection_rolls_back_only_its_own_threads_transaction() -> None:
    """Transactions belong to threads: a connection collected in another thread (the collector
    runs wherever it allocates) must not roll back that thread's transaction, nor anything in
    the middle of a statement."""
    import gc
    import threading

    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    made: list[pyram.dbapi.Connection] = []
    worker = threading.Thread(target=lambda: made.append(pyram.connect(db)))
    worker.start()
    worker.join(10)
    mine = pyram.connect(db)
    mine.execute("INSERT INTO t VALUES (1)")  # this thread's transaction, open
    made.clear()  # the other thread's connection is dropped (and collected) here
    gc.collect()
    assert mine.in_transaction
    other = pyram.connect(db)
    with db._store.statement():  # a finaliser run in the middle of this thread's statement
        other.__del__()
    assert mine.in_transaction
    mine.commit()
    assert db.sql("SELECT id FROM t").all() == [(1,)]
    last = pyram.connect(db)
    last.execute("INSERT INTO t VALUES (2)")
    del last  # dropped in its own thread, between statements: rolled back, as in sqlite3
    gc.collect()
    assert not db.in_transaction and db.sql("SELECT id FROM t").all() == [(1,)]
