"""Optional peers, each used only when its package imports: duckdb, sqlglot, littletable.

* duckdb: ``:memory:`` connection, same DDL as sqlite3 (PRIMARY KEY and an index on ``grp``),
  default threads. Tables are filled from NumPy arrays (``executemany`` costs ~0.6 ms per row),
  so its ``bulk_insert`` is ``INSERT ... SELECT`` from arrays built before timing.
* sqlglot: ``sqlglot.executor.execute`` over Python dict tables (a row-at-a-time interpreter
  without indexes or DML): only the whole-table queries, and only up to ``max_rows`` rows.
* littletable: a ``Table`` of slotted dataclass records with a unique index on ``id`` and an
  index on ``grp``; lookups and ranges probe the indexes, aggregates use ``where``/``groupby``
  /``join_on``, top-N uses ``sorted`` (``orderby`` sorts the table in place).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import astuple, dataclass
from math import fsum
from operator import attrgetter, itemgetter
from typing import Any

from benchmarks.data import Dataset
from benchmarks.engine_common import count_range_rows
from benchmarks.sqlite_engine import DDL
from benchmarks.workloads import Engine, Run

__all__ = ["PEERS", "DuckdbEngine", "LittletableEngine", "Peer", "SqlglotEngine", "discover"]

_T_COLUMNS = ("id", "grp", "cat", "val", "flag")
_QUERIES: dict[str, str] = {
    "filter_aggregate": "SELECT count(*), sum(val) FROM t WHERE val > 500",
    "group_by": "SELECT cat, count(*), sum(val), avg(val) FROM t GROUP BY cat",
    "join_group_by": (
        "SELECT d.name, count(*), sum(t.val) FROM t JOIN d ON t.grp = d.grp GROUP BY d.name"
    ),
    "top_n": "SELECT * FROM t ORDER BY val DESC LIMIT 10",
}


def _range_checksum(
    rows: list[Any], id_of: Callable[[Any], int], val_of: Callable[[Any], float]
) -> tuple[int, int, float]:
    """``(count, sum of ids, sum of val)`` of one range query's rows (what sqlite3 reports)."""
    return (len(rows), sum(map(id_of, rows)), fsum(map(val_of, rows)))


# ---------------------------------------------------------------------------------- duckdb
class DuckdbEngine:
    """duckdb adapter."""

    name = "duckdb"

    def __init__(self) -> None:
        self._duckdb: Any = importlib.import_module("duckdb")
        self._np: Any = importlib.import_module("numpy")
        self.con: Any = self._connect()
        self._bulk: Any = None
        self._arrays: dict[str, Any] | None = None

    def _connect(self) -> Any:
        con = self._duckdb.connect(":memory:")
        for statement in DDL:
            con.execute(statement.replace(" REAL ", " DOUBLE "))
        return con

    def _t_arrays(self, data: Dataset) -> dict[str, Any]:
        np = self._np
        ids, grps, cats, vals, flags = zip(*data.t_rows, strict=True)
        return {
            "id": np.array(ids, dtype=np.int64),
            "grp": np.array(grps, dtype=np.int64),
            "cat": np.array(cats, dtype=object),
            "val": np.array(vals, dtype=np.float64),
            "flag": np.array(flags, dtype=np.bool_),
        }

    def _insert_arrays(self, con: Any, table: str, arrays: dict[str, Any]) -> None:
        con.register("bench_src", arrays)
        try:
            con.execute(f"INSERT INTO {table} SELECT {', '.join(arrays)} FROM bench_src")
        finally:
            con.unregister("bench_src")

    def load(self, data: Dataset) -> None:
        """Fill ``t`` and ``d`` from NumPy arrays."""
        np = self._np
        self._insert_arrays(self.con, "t", self._t_arrays(data))
        grps, names = zip(*data.d_rows, strict=True)
        d = {"grp": np.array(grps, dtype=np.int64), "name": np.array(names, dtype=object)}
        self._insert_arrays(self.con, "d", d)

    def runs(self, data: Dataset) -> dict[str, Run]:
        """Every workload but the PyRAM-only ones."""
        execute = self.con.execute

        def point_lookup() -> list[Any]:
            return [
                execute("SELECT * FROM t WHERE id = ?", (k,)).fetchone() for k in data.lookup_keys
            ]

        def ranges() -> list[list[Any]]:
            sql = "SELECT * FROM t WHERE grp BETWEEN ? AND ?"
            return [
                execute(sql, (lo, hi)).fetchall()
                for lo, hi in zip(data.range_lows, data.range_highs, strict=True)
            ]

        def range_query() -> int:
            return count_range_rows(
                data,
                lambda lo, hi: execute(
                    "SELECT * FROM t WHERE grp BETWEEN ? AND ?", (lo, hi)
                ).fetchall(),
            )

        def range_verify() -> list[tuple[int, int, float]]:
            return [_range_checksum(rows, itemgetter(0), itemgetter(3)) for rows in ranges()]

        def bulk_setup() -> None:
            if self._arrays is None:
                self._arrays = self._t_arrays(data)
            bulk_teardown_connection()
            self._bulk = self._connect()

        def bulk_teardown_connection() -> None:
            if self._bulk is not None:
                self._bulk.close()
                self._bulk = None

        def bulk_insert() -> None:
            assert self._arrays is not None
            self._insert_arrays(self._bulk, "t", self._arrays)

        def bulk_verify() -> tuple[Any, ...]:
            bulk_insert()
            return tuple(self._bulk.execute("SELECT count(*), sum(val) FROM t").fetchone())

        def bulk_teardown() -> None:
            self._arrays = None
            bulk_teardown_connection()

        def update_by_pk() -> int:
            sql = "UPDATE t SET val = val + 1 WHERE id = ?"
            return sum(execute(sql, (k,)).fetchone()[0] for k in data.update_keys)

        def update_verify() -> tuple[Any, ...]:
            return (update_by_pk(), *execute("SELECT count(*), sum(val) FROM t").fetchone())

        def query(sql: str) -> Run:
            return Run(run=lambda: execute(sql).fetchall())

        runs = {name: query(sql) for name, sql in _QUERIES.items()}
        runs.update(
            point_lookup=Run(run=point_lookup),
            range_query=Run(run=range_query, verify=range_verify),
            bulk_insert=Run(
                run=bulk_insert, verify=bulk_verify, setup=bulk_setup, teardown=bulk_teardown
            ),
            update_by_pk=Run(run=update_by_pk, verify=update_verify),
        )
        return runs

    def close(self) -> None:
        """Close the connections."""
        if self._bulk is not None:
            self._bulk.close()
        self.con.close()


# ---------------------------------------------------------------------------------- sqlglot
class SqlglotEngine:
    """sqlglot's Python executor over dict tables: whole-table queries only."""

    name = "sqlglot"

    def __init__(self) -> None:
        self._execute: Any = importlib.import_module("sqlglot.executor").execute
        self.tables: dict[str, list[dict[str, Any]]] = {}

    def load(self, data: Dataset) -> None:
        """Tables as lists of dicts (the executor's input format)."""
        self.tables = {
            "t": [dict(zip(_T_COLUMNS, row, strict=True)) for row in data.t_rows],
            "d": [{"grp": g, "name": name} for g, name in data.d_rows],
        }

    def runs(self, data: Dataset) -> dict[str, Run]:
        """The four whole-table queries (no indexes, no DML)."""
        execute, tables = self._execute, self.tables

        def query(sql: str) -> Run:
            return Run(run=lambda: execute(sql, tables=tables).rows)

        return {name: query(sql) for name, sql in _QUERIES.items()}

    def close(self) -> None:
        """Drop the tables."""
        self.tables = {}


# ------------------------------------------------------------------------------ littletable
@dataclass(slots=True)
class TRecord:
    """A row of ``t`` for littletable (mutable: ``update_by_pk`` changes ``val`` in place)."""

    id: int
    grp: int
    cat: str
    val: float
    flag: bool


@dataclass(slots=True)
class DRecord:
    """A row of ``d`` for littletable."""

    grp: int
    name: str


class LittletableEngine:
    """littletable adapter."""

    name = "littletable"

    def __init__(self) -> None:
        self._lt: Any = importlib.import_module("littletable")
        self.t: Any = None
        self.d: Any = None
        self.records: list[TRecord] = []
        self._bulk: Any = None

    def _new_t(self) -> Any:
        table = self._lt.Table("t")
        table.create_index("id", unique=True)
        table.create_index("grp")
        return table

    def load(self, data: Dataset) -> None:
        """Insert record objects into indexed tables."""
        self.records = [TRecord(*row) for row in data.t_rows]
        self.t = self._new_t()
        self.t.insert_many(self.records)
        self.d = self._lt.Table("d")
        self.d.create_index("grp", unique=True)
        self.d.insert_many(DRecord(*row) for row in data.d_rows)

    def runs(self, data: Dataset) -> dict[str, Run]:
        """Every workload but the PyRAM-only ones."""
        t, d, table_cls = self.t, self.d, self._lt.Table
        by_id, by_grp = t.by.id, t.by.grp
        get_val, get_id = attrgetter("val"), attrgetter("id")

        def point_lookup() -> list[TRecord]:
            return [by_id[k] for k in data.lookup_keys]

        def range_rows(lo: int, hi: int) -> list[TRecord]:
            return [r for g in range(lo, hi + 1) for r in by_grp[g]]

        def range_query() -> int:
            return count_range_rows(data, range_rows)

        def range_verify() -> list[tuple[int, int, float]]:
            return [
                _range_checksum(range_rows(lo, hi), get_id, get_val)
                for lo, hi in zip(data.range_lows, data.range_highs, strict=True)
            ]

        def filter_aggregate() -> list[tuple[int, float]]:
            hits = t.where(val=table_cls.gt(500.0))
            return [(len(hits), sum(map(get_val, hits)))]

        def group_by() -> list[tuple[str, int, float, float]]:
            out = []
            for cat, group in t.groupby("cat", sort=True):
                total = sum(map(get_val, group))
                out.append((cat, len(group), total, total / len(group)))
            return out

        def join_group_by() -> list[tuple[str, int, float]]:
            joined = (t.join_on("grp") + d.join_on("grp"))()
            return [
                (name, len(group), sum(map(get_val, group)))
                for name, group in joined.groupby("name", sort=True)
            ]

        def top_n() -> list[TRecord]:
            return sorted(t, key=get_val, reverse=True)[:10]

        def bulk_setup() -> None:
            self._bulk = None
            self._bulk = self._new_t()

        def bulk_insert() -> None:
            self._bulk.insert_many(self.records)

        def bulk_verify() -> tuple[int, float]:
            bulk_insert()
            return (len(self._bulk), sum(map(get_val, self._bulk)))

        def bulk_teardown() -> None:
            self._bulk = None

        def update_by_pk() -> int:
            for k in data.update_keys:
                by_id[k].val += 1.0
            return len(data.update_keys)

        def update_verify() -> tuple[int, int, float]:
            return (update_by_pk(), len(t), sum(map(get_val, t)))

        def records(fetch: Callable[[], list[TRecord]]) -> Callable[[], object]:
            return lambda: [astuple(r) for r in fetch()]

        return {
            "point_lookup": Run(run=point_lookup, verify=records(point_lookup)),
            "range_query": Run(run=range_query, verify=range_verify),
            "filter_aggregate": Run(run=filter_aggregate),
            "group_by": Run(run=group_by),
            "join_group_by": Run(run=join_group_by),
            "top_n": Run(run=top_n, verify=records(top_n)),
            "bulk_insert": Run(
                run=bulk_insert, verify=bulk_verify, setup=bulk_setup, teardown=bulk_teardown
            ),
            "update_by_pk": Run(run=update_by_pk, verify=update_verify),
        }

    def close(self) -> None:
        """Drop the tables and records."""
        self.t = self.d = self._bulk = None
        self.records = []


# ------------------------------------------------------------------------------ discovery
@dataclass(frozen=True, slots=True)
class Peer:
    """An optional engine.

    Attributes:
        name: engine name in the report.
        modules: modules that must import for it to run.
        factory: makes the adapter.
        max_rows: larger sizes are skipped (None: no limit).
    """

    name: str
    modules: tuple[str, ...]
    factory: Callable[[], Engine]
    max_rows: int | None = None


PEERS: tuple[Peer, ...] = (
    Peer("duckdb", ("duckdb", "numpy"), DuckdbEngine),
    Peer("sqlglot", ("sqlglot",), SqlglotEngine, max_rows=200_000),
    Peer("littletable", ("littletable",), LittletableEngine),
)


def discover() -> tuple[list[Peer], dict[str, str]]:
    """The installed peers, and the missing ones with the reason (``"not installed"``)."""
    installed: list[Peer] = []
    missing: dict[str, str] = {}
    for peer in PEERS:
        absent = [m for m in peer.modules if importlib.util.find_spec(m) is None]
        if absent:
            missing[peer.name] = f"not installed ({', '.join(absent)})"
        else:
            installed.append(peer)
    return installed, missing
