"""The reference engine: stdlib ``sqlite3`` on ``:memory:``, in autocommit mode.

Every statement is its own transaction (like PyRAM's all-or-nothing writes), except the bulk
insert, which runs in one explicit transaction (like ``insert_many``), and
``small_transactions``, whose transactions are explicit ``BEGIN`` ... ``COMMIT``.

``concurrent_reads`` needs one database reached by several threads, each with its own
connection, which a private ``:memory:`` database cannot be. Two modes (``--tx-sqlite``):

* ``wal`` (the default): a database file in WAL mode, in ``/dev/shm`` (memory-backed) when the
  machine has it, with ``synchronous=OFF`` (no fsync, nothing is made durable) and a page cache
  large enough to hold the whole file in every connection. Readers read the last committed
  snapshot and never wait for the writer, nor the writer for them. Each connection has its own
  page cache, and a commit makes the other connections drop theirs, so a read after a commit
  loads its pages again (from the OS page cache and the WAL file). A memory map
  (``mmap_size``) made those reads slower here, so none is used.
* ``shared``: one shared-cache in-memory database
  (``file:...?mode=memory&cache=shared``). Shared-cache locking is per table and does not wait:
  a reader finding the writer's transaction holding ``t`` (or the writer finding a reader's
  statement on it) fails at once with "database table is locked" (SQLITE_LOCKED; the busy
  timeout does not apply). Both sides then retry at once, and the counts of retries are
  reported.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
from collections.abc import Callable
from typing import Any

from benchmarks.data import Dataset, TRow
from benchmarks.engine_common import (
    Fresh,
    bulk_insert_run,
    concurrent_reads_run,
    count_range_rows,
    small_transactions_run,
)
from benchmarks.transactions import (
    CONCURRENT_READ,
    TX_INSERT,
    TX_ROW,
    TX_TOTALS,
    TX_UPDATE,
    OpenReader,
    Read,
    Transact,
)
from benchmarks.workloads import Run

__all__ = ["CONCURRENCY_MODES", "DDL", "SqliteEngine", "ThreadedDatabase", "transact_on"]

#: sqlite3 set-ups for ``concurrent_reads``: see the module docstring.
CONCURRENCY_MODES: tuple[str, ...] = ("wal", "shared")
_BUSY_TIMEOUT = 5.0  # seconds, like PyRAM's lock timeout
_CACHE_KIB = 1 << 20  # page cache limit per connection in WAL mode (1 GiB: the whole file)
_names = itertools.count(1)

DDL: tuple[str, ...] = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, cat TEXT NOT NULL,"
    " val REAL NOT NULL, flag BOOLEAN NOT NULL)",
    "CREATE INDEX t_grp ON t (grp)",
    "CREATE TABLE d (grp INTEGER PRIMARY KEY, name TEXT NOT NULL)",
)
_INSERT_T = "INSERT INTO t VALUES (?, ?, ?, ?, ?)"
_CHECKSUM = "SELECT count(*), sum(val) FROM t"


def _connect() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", isolation_level=None)
    for statement in DDL:
        con.execute(statement)
    return con


def _load_t(con: sqlite3.Connection, rows: list[TRow]) -> None:
    """Fill ``t`` in one transaction, then ANALYZE (as the main database is)."""
    con.execute("BEGIN")
    con.executemany(_INSERT_T, rows)
    con.execute("COMMIT")
    con.execute("ANALYZE")


def transact_on(con: sqlite3.Connection) -> Transact:
    """The small transaction on ``con``: BEGIN, INSERT, UPDATE, COMMIT (ROLLBACK on failure)."""
    execute = con.execute

    def transact(row: TRow, key: int, delta: float) -> None:
        execute("BEGIN")
        try:
            execute(TX_INSERT, row)
            execute(TX_UPDATE, (delta, key))
            execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                execute("ROLLBACK")
            raise

    return transact


def _is_locked(exc: BaseException) -> bool:
    """A lock conflict (shared-cache SQLITE_LOCKED, or SQLITE_BUSY after the timeout)."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _ram_dir() -> str | None:
    """``/dev/shm`` when it is a writable directory (memory-backed on Linux), else the default."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


class ThreadedDatabase:
    """A copy of ``t`` that several threads reach, each with its own connection."""

    def __init__(self, mode: str, data: Dataset) -> None:
        if mode not in CONCURRENCY_MODES:
            raise ValueError(f"unknown sqlite3 concurrency mode {mode!r}")
        self.mode = mode
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        if mode == "wal":
            self._dir = tempfile.TemporaryDirectory(prefix="pyram-bench-", dir=_ram_dir())
            self._target, self._uri = os.path.join(self._dir.name, "bench.db"), False
        else:
            name = f"pyram-bench-{os.getpid()}-{next(_names)}"
            self._target, self._uri = f"file:{name}?mode=memory&cache=shared", True
        # holds the database open (a shared-cache memory database lives while one is open)
        self._holder = self.connect()
        if mode == "wal":
            self._holder.execute("PRAGMA journal_mode=WAL")
        for statement in DDL:
            self._holder.execute(statement)
        _load_t(self._holder, data.t_rows)

    def connect(self) -> sqlite3.Connection:
        """A new connection, usable from any thread (each thread uses its own)."""
        con = sqlite3.connect(
            self._target,
            uri=self._uri,
            isolation_level=None,
            check_same_thread=False,
            timeout=_BUSY_TIMEOUT,
        )
        if self.mode == "wal":
            con.execute("PRAGMA synchronous=OFF")
            con.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        return con

    def close(self) -> None:
        """Close the holding connection and delete the file (WAL mode)."""
        self._holder.close()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


class SqliteEngine:
    """sqlite3 adapter; also measures the loaded size of ``t`` (pages x page size)."""

    name = "sqlite3"

    def __init__(self, concurrency: str = "wal") -> None:
        if concurrency not in CONCURRENCY_MODES:
            raise ValueError(f"unknown sqlite3 concurrency mode {concurrency!r}")
        self.con = _connect()
        self.bytes_per_row: float | None = None
        self.concurrency = concurrency
        self._fresh: list[Fresh[Any]] = []  # the per-run databases, released on close()

    def load(self, data: Dataset) -> None:
        """Fill ``t`` (then measure its pages) and ``d``, each in one transaction."""
        con = self.con
        con.execute("BEGIN")
        con.executemany(_INSERT_T, data.t_rows)
        con.execute("COMMIT")
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        self.bytes_per_row = pages * page_size / data.rows
        con.execute("BEGIN")
        con.executemany("INSERT INTO d VALUES (?, ?)", data.d_rows)
        con.execute("COMMIT")
        con.execute("ANALYZE")

    def runs(self, data: Dataset) -> dict[str, Run]:
        """Every workload but ``point_lookup_get`` and ``bulk_insert_build`` (PyRAM only)."""
        con = self.con
        execute = con.execute

        def point_lookup() -> list[tuple[object, ...]]:
            return [
                execute("SELECT * FROM t WHERE id = ?", (k,)).fetchone() for k in data.lookup_keys
            ]

        def range_query() -> int:
            return count_range_rows(
                data,
                lambda lo, hi: execute(
                    "SELECT * FROM t WHERE grp BETWEEN ? AND ?", (lo, hi)
                ).fetchall(),
            )

        def range_verify() -> list[tuple[object, ...]]:
            sql = "SELECT count(*), sum(id), sum(val) FROM t WHERE grp BETWEEN ? AND ?"
            return [
                execute(sql, (lo, hi)).fetchone()
                for lo, hi in zip(data.range_lows, data.range_highs, strict=True)
            ]

        def query(sql: str) -> Run:
            return Run(run=lambda: execute(sql).fetchall())

        def bulk_insert(bulk: sqlite3.Connection) -> None:
            bulk.execute("BEGIN")
            bulk.executemany(_INSERT_T, data.t_rows)
            bulk.execute("COMMIT")

        def checksum(bulk: sqlite3.Connection) -> tuple[object, ...]:
            return tuple(bulk.execute(_CHECKSUM).fetchone())

        def update_by_pk() -> int:
            sql = "UPDATE t SET val = val + 1 WHERE id = ?"
            return sum(execute(sql, (k,)).rowcount for k in data.update_keys)

        def update_verify() -> tuple[object, ...]:
            return (update_by_pk(), *execute(_CHECKSUM).fetchone())

        def loaded() -> sqlite3.Connection:
            con = _connect()
            _load_t(con, data.t_rows)
            return con

        def final_state(tx: sqlite3.Connection, touched: list[int]) -> list[object]:
            run_sql = tx.execute
            return [
                run_sql(TX_TOTALS).fetchone(),
                *(run_sql(TX_ROW, (k,)).fetchone() for k in touched),
            ]

        def connect(
            shared: ThreadedDatabase,
        ) -> tuple[Transact, OpenReader, Callable[[], None]]:
            writer = shared.connect()

            def open_reader() -> tuple[Read, Callable[[], None]]:
                con = shared.connect()
                run_sql = con.execute
                return (lambda g: run_sql(CONCURRENT_READ, (g,)).fetchone()), con.close

            return transact_on(writer), open_reader, writer.close

        def close(con: sqlite3.Connection | ThreadedDatabase) -> None:
            con.close()

        bulk, tx = Fresh(_connect, close), Fresh(loaded, close)
        threaded = Fresh(lambda: ThreadedDatabase(self.concurrency, data), close)
        self._fresh += [bulk, tx, threaded]
        return {
            "point_lookup": Run(run=point_lookup),
            "range_query": Run(run=range_query, verify=range_verify),
            "filter_aggregate": query("SELECT count(*), sum(val) FROM t WHERE val > 500"),
            "group_by": query("SELECT cat, count(*), sum(val), avg(val) FROM t GROUP BY cat"),
            "join_group_by": query(
                "SELECT d.name, count(*), sum(t.val) FROM t JOIN d ON t.grp = d.grp GROUP BY d.name"
            ),
            "top_n": query("SELECT * FROM t ORDER BY val DESC LIMIT 10"),
            "bulk_insert": bulk_insert_run(bulk, bulk_insert, checksum),
            "update_by_pk": Run(run=update_by_pk, verify=update_verify),
            "small_transactions": small_transactions_run(data, tx, transact_on, final_state),
            "concurrent_reads": concurrent_reads_run(
                self.name, data, threaded, connect, _is_locked
            ),
        }

    def close(self) -> None:
        """Close the connections (and delete the WAL-mode file)."""
        for fresh in self._fresh:
            fresh.teardown()
        self.con.close()
