"""The reference engine: stdlib ``sqlite3`` on ``:memory:``, in autocommit mode.

Every statement is its own transaction (like PyRAM's all-or-nothing writes), except the bulk
insert, which runs in one explicit transaction (like ``insert_many``).
"""

from __future__ import annotations

import sqlite3

from benchmarks.data import Dataset
from benchmarks.workloads import Run

__all__ = ["DDL", "SqliteEngine"]

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


class SqliteEngine:
    """sqlite3 adapter; also measures the loaded size of ``t`` (pages x page size)."""

    name = "sqlite3"

    def __init__(self) -> None:
        self.con = _connect()
        self.bytes_per_row: float | None = None
        self._bulk: sqlite3.Connection | None = None

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
            fetched = 0
            for lo, hi in zip(data.range_lows, data.range_highs, strict=True):
                fetched += len(
                    execute("SELECT * FROM t WHERE grp BETWEEN ? AND ?", (lo, hi)).fetchall()
                )
            return fetched

        def range_verify() -> list[tuple[object, ...]]:
            sql = "SELECT count(*), sum(id), sum(val) FROM t WHERE grp BETWEEN ? AND ?"
            return [
                execute(sql, (lo, hi)).fetchone()
                for lo, hi in zip(data.range_lows, data.range_highs, strict=True)
            ]

        def query(sql: str) -> Run:
            return Run(run=lambda: execute(sql).fetchall())

        def bulk_setup() -> None:
            if self._bulk is not None:
                self._bulk.close()
            self._bulk = _connect()

        def bulk_insert() -> None:
            assert self._bulk is not None
            self._bulk.execute("BEGIN")
            self._bulk.executemany(_INSERT_T, data.t_rows)
            self._bulk.execute("COMMIT")

        def bulk_verify() -> tuple[object, ...]:
            bulk_insert()
            assert self._bulk is not None
            return tuple(self._bulk.execute(_CHECKSUM).fetchone())

        def bulk_teardown() -> None:
            if self._bulk is not None:
                self._bulk.close()
                self._bulk = None

        def update_by_pk() -> int:
            sql = "UPDATE t SET val = val + 1 WHERE id = ?"
            return sum(execute(sql, (k,)).rowcount for k in data.update_keys)

        def update_verify() -> tuple[object, ...]:
            return (update_by_pk(), *execute(_CHECKSUM).fetchone())

        return {
            "point_lookup": Run(run=point_lookup),
            "range_query": Run(run=range_query, verify=range_verify),
            "filter_aggregate": query("SELECT count(*), sum(val) FROM t WHERE val > 500"),
            "group_by": query("SELECT cat, count(*), sum(val), avg(val) FROM t GROUP BY cat"),
            "join_group_by": query(
                "SELECT d.name, count(*), sum(t.val) FROM t JOIN d ON t.grp = d.grp GROUP BY d.name"
            ),
            "top_n": query("SELECT * FROM t ORDER BY val DESC LIMIT 10"),
            "bulk_insert": Run(
                run=bulk_insert, verify=bulk_verify, setup=bulk_setup, teardown=bulk_teardown
            ),
            "update_by_pk": Run(run=update_by_pk, verify=update_verify),
        }

    def close(self) -> None:
        """Close the connections."""
        if self._bulk is not None:
            self._bulk.close()
        self.con.close()
