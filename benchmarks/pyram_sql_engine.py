"""PyRAM through its SQL front end: every workload as ``db.sql(text, params)``.

The tables are the same ``@pyram.table`` classes the DSL adapter uses (same columns, same
indexes), so the only difference from :class:`benchmarks.pyram_engine.PyramEngine` is the
front end: SQL text, ``?`` parameters and tuples out. Each statement is written the way a SQL
user would write it, with the same text every call, so PyRAM's statement cache (keyed by the
text) prepares it once; nothing is prepared outside the timed runs except by the verification
pass, as for every engine.

Bulk insert: ``db.sql`` runs one statement per call, so the rows go in as multi-row
``INSERT INTO t VALUES (?, ?, ?, ?, ?), (...), ...`` statements of :data:`INSERT_CHUNK` rows,
each with one flat parameter list (built inside the timed run). That is the fastest SQL path
measured: one ``INSERT ... VALUES (?, ?, ?, ?, ?)`` per row (what ``executemany`` does) is
several times slower, and much larger statements get slower again, since preparing them costs
more than it saves. The fresh database of each run prepares the statement once (a cache miss,
inside the timing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from math import fsum
from typing import Any

import pyram
from benchmarks.data import Dataset, TRow
from benchmarks.engine_common import (
    Fresh,
    bulk_insert_run,
    concurrent_reads_run,
    count_range_rows,
    small_transactions_run,
)
from benchmarks.pyram_engine import D, T
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
from benchmarks.verify import MismatchError
from benchmarks.workloads import Run

__all__ = ["INSERT_CHUNK", "PyramSqlEngine", "insert_sql", "insert_t_sql"]

#: Rows per multi-row INSERT statement of the SQL bulk insert (5 parameters per row).
INSERT_CHUNK = 500

POINT_LOOKUP = "SELECT * FROM t WHERE id = ?"
RANGE_QUERY = "SELECT * FROM t WHERE grp BETWEEN ? AND ?"
FILTER_AGGREGATE = "SELECT count(*), sum(val) FROM t WHERE val > 500"
GROUP_BY = "SELECT cat, count(*), sum(val), avg(val) FROM t GROUP BY cat"
JOIN_GROUP_BY = "SELECT d.name, count(*), sum(t.val) FROM t JOIN d ON t.grp = d.grp GROUP BY d.name"
TOP_N = "SELECT * FROM t ORDER BY val DESC LIMIT 10"
UPDATE_BY_PK = "UPDATE t SET val = val + 1 WHERE id = ?"
CHECKSUM = "SELECT count(*), sum(val) FROM t"


def insert_sql(table: str, width: int, rows: int) -> str:
    """``INSERT INTO table VALUES (?, ...), ...`` for ``rows`` rows of ``width`` values."""
    one = "(" + ", ".join(["?"] * width) + ")"
    return f"INSERT INTO {table} VALUES " + ", ".join([one] * rows)


def insert_t_sql(db: pyram.Database, rows: Sequence[TRow], chunk: int = INSERT_CHUNK) -> int:
    """Insert ``rows`` into ``t`` with multi-row INSERTs of ``chunk`` rows; rows inserted."""
    sql = db.sql
    full = insert_sql("t", 5, chunk)
    flatten = chain.from_iterable
    inserted = 0
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        text = full if len(part) == chunk else insert_sql("t", 5, len(part))
        inserted += sql(text, list(flatten(part))).rowcount
    return inserted


def _nothing() -> None:
    return None


class PyramSqlEngine:
    """PyRAM adapter that runs every workload through ``db.sql`` (engine ``pyram-sql``)."""

    name = "pyram-sql"

    def __init__(self) -> None:
        self.db = pyram.Database()
        self.db.create(T, D)
        self._fresh: list[Fresh[Any]] = []  # the per-run databases, released on close()

    def load(self, data: Dataset) -> None:
        """Fill ``t`` and ``d`` with multi-row SQL INSERTs."""
        insert_t_sql(self.db, data.t_rows)
        self.db.sql(insert_sql("d", 2, len(data.d_rows)), list(chain.from_iterable(data.d_rows)))

    def runs(self, data: Dataset) -> dict[str, Run]:
        """Every workload with a SQL form (not ``point_lookup_get``, ``bulk_insert_build``)."""
        db = self.db
        sql = db.sql

        def point_lookup() -> list[tuple[Any, ...] | None]:
            return [sql(POINT_LOOKUP, (k,)).first() for k in data.lookup_keys]

        def range_query() -> int:
            return count_range_rows(data, lambda lo, hi: sql(RANGE_QUERY, (lo, hi)).all())

        def range_verify() -> list[tuple[int, int, float]]:
            out = []
            for lo, hi in zip(data.range_lows, data.range_highs, strict=True):
                rows = sql(RANGE_QUERY, (lo, hi)).all()
                out.append((len(rows), sum(r[0] for r in rows), fsum(r[3] for r in rows)))
            return out

        def query(text: str) -> Run:
            return Run(run=lambda: sql(text).all())

        def fresh_db(load: bool) -> pyram.Database:
            fresh = pyram.Database()
            fresh.create(T)
            if load:
                insert_t_sql(fresh, data.t_rows)
            return fresh

        def bulk_checksum(bulk_db: pyram.Database) -> tuple[Any, ...]:
            return tuple(bulk_db.sql(CHECKSUM).one())

        def bulk_insert(bulk_db: pyram.Database) -> int:
            inserted = insert_t_sql(bulk_db, data.t_rows)
            if inserted != data.rows:  # reported as a mismatch with sqlite3's checksum
                raise MismatchError(f"bulk_insert: {inserted} rows inserted of {data.rows}")
            return inserted

        def update_by_pk() -> int:
            return sum(sql(UPDATE_BY_PK, (k,)).rowcount for k in data.update_keys)

        def update_verify() -> tuple[Any, ...]:
            return (update_by_pk(), *sql(CHECKSUM).one())

        # small_transactions and concurrent_reads: BEGIN, the two statements, COMMIT, each a
        # db.sql call, on a copy of t loaded like the engine's own (fresh for every run).
        def transact_on(tx_db: pyram.Database) -> Transact:
            run_sql = tx_db.sql

            def transact(row: TRow, key: int, delta: float) -> None:
                run_sql("BEGIN")
                try:
                    run_sql(TX_INSERT, row)
                    run_sql(TX_UPDATE, (delta, key))
                    run_sql("COMMIT")
                except BaseException:
                    if tx_db.in_transaction:
                        run_sql("ROLLBACK")
                    raise

            return transact

        def final_state(tx_db: pyram.Database, touched: list[int]) -> list[object]:
            run_sql = tx_db.sql
            return [run_sql(TX_TOTALS).one(), *(run_sql(TX_ROW, (k,)).first() for k in touched)]

        def connect(tx_db: pyram.Database) -> tuple[Transact, OpenReader, Callable[[], None]]:
            run_sql = tx_db.sql

            def open_reader() -> tuple[Read, Callable[[], None]]:
                return (lambda g: run_sql(CONCURRENT_READ, (g,)).one()), _nothing

            return transact_on(tx_db), open_reader, _nothing

        bulk, tx = Fresh(lambda: fresh_db(False)), Fresh(lambda: fresh_db(True))
        self._fresh += [bulk, tx]
        return {
            "point_lookup": Run(run=point_lookup),
            "range_query": Run(run=range_query, verify=range_verify),
            "filter_aggregate": query(FILTER_AGGREGATE),
            "group_by": query(GROUP_BY),
            "join_group_by": query(JOIN_GROUP_BY),
            "top_n": query(TOP_N),
            "bulk_insert": bulk_insert_run(bulk, bulk_insert, bulk_checksum),
            "update_by_pk": Run(run=update_by_pk, verify=update_verify),
            "small_transactions": small_transactions_run(data, tx, transact_on, final_state),
            "concurrent_reads": concurrent_reads_run(self.name, data, tx, connect),
        }

    def close(self) -> None:
        """Drop every reference to the data."""
        for fresh in self._fresh:
            fresh.teardown()
        self.db = pyram.Database()
