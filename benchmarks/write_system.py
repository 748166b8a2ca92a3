"""The write-path suite's whole-database workloads: a writer beside readers, loading, memory.

* ``writer tx/s, N readers``: :func:`benchmarks.transactions.run_concurrent` (one writer
  thread committing small transactions while reader threads query) through the DSL,
  ``db.sql`` and the DB-API (a connection per thread), on a freshly loaded copy of ``t`` per
  run; sqlite3 in WAL mode with a connection per thread (see :mod:`benchmarks.sqlite_engine`).
  The figure is the writer's committed transactions per second.
* ``load N rows``: ``pyram.Database.load`` of a snapshot export of ``t`` and opening a
  durable file holding ``t`` (``pyram.Database(path)``), against sqlite3 ``executemany`` of the
  same rows into a fresh ``:memory:`` table (the issue's yardstick). Files are written before
  the timing, in a temporary directory.
* ``memory``: bytes per row retained by ``t`` loaded through SQL (and through ``insert_many``),
  traced with ``tracemalloc`` (:mod:`benchmarks.memory`), against sqlite3's
  ``page_count * page_size``.
"""

from __future__ import annotations

import gc
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyram
from benchmarks.data import Dataset, TRow
from benchmarks.memory import pyram_bytes_per_row, pyram_sql_bytes_per_row
from benchmarks.pyram_engine import T, load_t
from benchmarks.ratios import Ratio
from benchmarks.sqlite_engine import DDL, ThreadedDatabase, transact_on
from benchmarks.transactions import (
    CONCURRENT_READ,
    TX_INSERT,
    TX_UPDATE,
    ConcurrentOutcome,
    Read,
    Transact,
    run_concurrent,
)
from benchmarks.verify import assert_same
from benchmarks.write_harness import CHECKSUM, DBAPI, DSL, INSERT, NATIVE, SQL

__all__ = ["concurrent_ratios", "loading_ratios", "memory_ratios"]

_NONE: Callable[[], None] = lambda: None  # noqa: E731


def _dsl(db: pyram.Database) -> tuple[Transact, Callable[[], tuple[Read, Callable[[], None]]]]:
    minus = pyram.update(T).set(T.val, T.val - pyram.param("delta", float))
    minus = minus.where(T.id.eq(pyram.param("id", int)))
    per_group = pyram.select(pyram.func.count(), pyram.func.sum(T.val))
    per_group = per_group.where(T.grp.eq(pyram.param("grp", int)))
    transaction, insert, execute, one = db.transaction, db.insert, db.execute, db.one

    def transact(row: TRow, key: int, delta: float) -> None:
        with transaction():
            insert(T(*row))
            execute(minus, id=key, delta=delta)

    return transact, lambda: ((lambda g: one(per_group, grp=g)), _NONE)


def _sql(db: pyram.Database) -> tuple[Transact, Callable[[], tuple[Read, Callable[[], None]]]]:
    sql = db.sql

    def transact(row: TRow, key: int, delta: float) -> None:
        sql("BEGIN")
        try:
            sql(TX_INSERT, row)
            sql(TX_UPDATE, (delta, key))
            sql("COMMIT")
        except BaseException:
            if db.in_transaction:
                sql("ROLLBACK")
            raise

    return transact, lambda: ((lambda g: sql(CONCURRENT_READ, (g,)).one()), _NONE)


def _dbapi(db: pyram.Database) -> tuple[Transact, Callable[[], tuple[Read, Callable[[], None]]]]:
    writer: list[Any] = []  # the writer's connection, opened in the writer thread

    def transact(row: TRow, key: int, delta: float) -> None:
        if not writer:
            writer.append(pyram.connect(db))
        con = writer[0]
        try:
            con.execute(TX_INSERT, row)  # the implicit BEGIN
            con.execute(TX_UPDATE, (delta, key))
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def open_reader() -> tuple[Read, Callable[[], None]]:
        con = pyram.connect(db)
        execute = con.cursor().execute

        def read(g: int) -> tuple[int, float | None]:
            row = execute(CONCURRENT_READ, (g,)).fetchone()
            assert row is not None
            return (row[0], row[1])

        return read, con.close

    return transact, open_reader


def _pyram_outcome(data: Dataset, path: str) -> ConcurrentOutcome:
    db = pyram.Database()
    db.create(T)
    load_t(db, data.t_rows)
    make = {DSL: _dsl, SQL: _sql, DBAPI: _dbapi}[path]
    transact, open_reader = make(db)
    gc.collect()
    return run_concurrent(f"pyram {path}", data, transact, open_reader)


def _sqlite_outcome(data: Dataset) -> ConcurrentOutcome:
    shared = ThreadedDatabase("wal", data)
    writer = shared.connect()

    def open_reader() -> tuple[Read, Callable[[], None]]:
        con = shared.connect()
        execute = con.execute
        return (lambda g: execute(CONCURRENT_READ, (g,)).fetchone()), con.close

    try:
        gc.collect()
        return run_concurrent("sqlite3", data, transact_on(writer), open_reader)
    finally:
        writer.close()
        shared.close()


def concurrent_ratios(data: Dataset, runs: int, log: Callable[[str], None]) -> list[Ratio]:
    """Writer transactions per second beside ``data.tx_readers`` readers, per path (every
    read checked; see :func:`benchmarks.transactions.run_concurrent`)."""
    label = f"writer tx/s, {data.tx_readers} readers"
    rates: dict[str, list[float]] = {"sqlite3": [], DSL: [], SQL: [], DBAPI: []}
    reads: dict[str, list[float]] = {name: [] for name in rates}
    errors: dict[str, str] = {}
    for _ in range(runs):
        for path in rates:
            if path in errors:
                continue
            try:
                outcome = _sqlite_outcome(data) if path == "sqlite3" else _pyram_outcome(data, path)
            except Exception as exc:
                if path == "sqlite3" or type(exc).__name__ == "MismatchError":
                    raise
                errors[path] = f"{type(exc).__name__}: {exc}"[:160]
                continue
            rates[path].append(outcome.writes_per_second)
            reads[path].append(outcome.reads_per_second)
    median = {p: statistics.median(v) if v else None for p, v in rates.items()}
    base = median.pop("sqlite3")
    log(
        f"    {label}: "
        + ", ".join(f"{p} {v or 0:,.0f}" for p, v in [("sqlite3", base), *median.items()])
    )
    out = []
    for path, value in median.items():
        read = statistics.median(reads[path]) if reads[path] else 0.0
        note = (
            errors.get(path)
            or f"reads/s {read:,.0f} (sqlite3 {statistics.median(reads['sqlite3']):,.0f})"
        )
        out.append(
            Ratio(label, path, data.rows, runs, "tx/s", value, base, 2.0, ">= 0.5x tx/s", note)
        )
    return out


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of ``runs`` calls and the last call's result."""
    times, out = [], None
    for _ in range(runs):
        out = None  # the previous result is freed before the next run
        gc.collect()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _sqlite_executemany(rows: list[TRow]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    for statement in DDL[:2]:
        con.execute(statement)
    con.executemany(INSERT, rows)
    con.commit()
    return con


def loading_ratios(data: Dataset, runs: int, log: Callable[[str], None]) -> list[Ratio]:
    """Loading a snapshot export and opening a durable file vs sqlite3 ``executemany``."""
    rows, label = data.t_rows, f"load {data.rows:,} rows"
    base, lite = _timed(lambda: _sqlite_executemany(rows), runs)
    expected = tuple(lite.execute(CHECKSUM).fetchone())
    lite.close()
    out: list[Ratio] = []
    with tempfile.TemporaryDirectory(prefix="pyram-bench-load-") as tmp:
        snapshot, durable = Path(tmp) / "t.snapshot", Path(tmp) / "t.pyram"
        source = pyram.Database(durable, durability="off")
        source.create(T)
        load_t(source, rows)
        source.export(snapshot, "snapshot")
        source.close()
        del source

        cases: list[tuple[str, Callable[[], pyram.Database]]] = [
            ("Database.load", lambda: pyram.Database.load(snapshot, models=[T])),
            ("durable open", lambda: pyram.Database(durable)),
        ]
        for path, load in cases:
            seconds, answer = _time_load(load, runs)
            assert_same(label, f"pyram {path}", expected, answer)
            log(f"    {label}: {path} {seconds:.3f} s, sqlite3 executemany {base:.3f} s")
            note = "vs sqlite3 executemany"
            out.append(
                Ratio(label, path, data.rows, data.rows, "s", seconds, base, 1.0, "<= 1x", note)
            )
    return out


def _time_load(load: Callable[[], pyram.Database], runs: int) -> tuple[float, object]:
    """Median seconds of ``load`` and the loaded table's checksum (taken after the clock)."""
    times: list[float] = []
    answer: object = None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        db = load()
        times.append(time.perf_counter() - start)
        answer = tuple(db.sql(CHECKSUM).one())
        db.close()  # a durable file stays locked until closed
        del db
    return statistics.median(times), answer


def memory_ratios(data: Dataset, seed: int, log: Callable[[str], None]) -> list[Ratio]:
    """Bytes per row of ``t`` loaded through SQL and through ``insert_many`` vs sqlite3."""
    lite = _sqlite_executemany(data.t_rows)
    pages = lite.execute("PRAGMA page_count").fetchone()[0]
    size = lite.execute("PRAGMA page_size").fetchone()[0]
    lite.close()
    base = pages * size / data.rows
    sql_bytes, _ = pyram_sql_bytes_per_row(data.rows, seed)
    native_bytes = pyram_bytes_per_row(data.rows, seed)
    log(
        f"    memory: db.sql {sql_bytes:.1f}, insert_many {native_bytes:.1f},"
        f" sqlite3 {base:.1f} bytes/row"
    )
    label = "memory per row"
    note = "tracemalloc (db.*: insert_many) vs sqlite3 page_count * page_size"
    return [
        Ratio(
            label,
            "db.sql",
            data.rows,
            data.rows,
            "bytes/row",
            sql_bytes,
            base,
            2.5,
            "<= 2.5x",
            note,
        ),
        Ratio(
            label,
            NATIVE,
            data.rows,
            data.rows,
            "bytes/row",
            native_bytes,
            base,
            2.5,
            "<= 2.5x",
            note,
        ),
    ]
