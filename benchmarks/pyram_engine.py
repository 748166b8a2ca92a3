"""PyRAM adapter: the benchmark tables as ``@pyram.table`` classes and the workloads in the DSL.

Queries are built once (outside timing) and reused with new parameter values, as an
application would; PyRAM caches their plans by shape. The transaction workloads use
``with db.transaction():`` around ``db.insert(T(...))`` and a cached ``pyram.update`` by
primary key (see :mod:`benchmarks.transactions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from math import fsum
from operator import attrgetter
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
from benchmarks.transactions import OpenReader, Read, Transact
from benchmarks.verify import MismatchError
from benchmarks.workloads import Run
from pyram import Col, column, func

__all__ = ["D", "PyramEngine", "T", "build_instances", "load_t"]


@pyram.table
class T(pyram.Table):
    """The fact table ``t``."""

    id: Col[int] = column(primary_key=True)
    grp: Col[int] = column(index="sorted")
    cat: Col[str]
    val: Col[float]
    flag: Col[bool]


@pyram.table
class D(pyram.Table):
    """The dimension table ``d`` (one row per ``grp``)."""

    grp: Col[int] = column(primary_key=True)
    name: Col[str]


as_tuple: Callable[[T], tuple[Any, ...]] = attrgetter("id", "grp", "cat", "val", "flag")


def build_instances(rows: list[TRow]) -> list[T]:
    """Model instances for the rows of ``t`` (what ``insert_many`` takes)."""
    return [T(*row) for row in rows]


def load_t(db: pyram.Database, rows: list[TRow]) -> None:
    """Insert the rows of ``t`` into ``db`` (its table must exist)."""
    db.insert_many(build_instances(rows))


def _checksum_query() -> pyram.Select[tuple[int, float | None]]:
    return pyram.select(func.count(), func.sum(T.val)).select_from(T)


def _nothing() -> None:
    return None


class PyramEngine:
    """PyRAM adapter (one :class:`pyram.Database`)."""

    name = "pyram"

    def __init__(self) -> None:
        self.db = pyram.Database()
        self.db.create(T, D)
        self._instances: list[T] | None = None
        self._fresh: list[Fresh[Any]] = []  # the per-run databases, released on close()

    def load(self, data: Dataset) -> None:
        """Insert ``t`` and ``d`` with ``insert_many``."""
        load_t(self.db, data.t_rows)
        self.db.insert_many([D(*row) for row in data.d_rows])

    def runs(self, data: Dataset) -> dict[str, Run]:
        """Every workload."""
        db = self.db
        first, get, all_, execute = db.first, db.get, db.all, db.execute

        by_id = T.select().where(T.id.eq(pyram.param("id", int)))

        def point_lookup() -> list[T | None]:
            return [first(by_id, id=k) for k in data.lookup_keys]

        def point_lookup_get() -> list[T | None]:
            return [get(T, k) for k in data.lookup_keys]

        def rows_of(fetch: Callable[[], list[T | None]]) -> Callable[[], object]:
            return lambda: [None if r is None else as_tuple(r) for r in fetch()]

        lo_param, hi_param = pyram.param("lo", int), pyram.param("hi", int)
        in_range = T.select().where(T.grp.between(lo_param, hi_param))

        def range_query() -> int:
            return count_range_rows(data, lambda lo, hi: all_(in_range, lo=lo, hi=hi))

        def range_verify() -> list[tuple[int, int, float]]:
            out = []
            for lo, hi in zip(data.range_lows, data.range_highs, strict=True):
                rows = all_(in_range, lo=lo, hi=hi)
                out.append((len(rows), sum(r.id for r in rows), fsum(r.val for r in rows)))
            return out

        def query(q: pyram.Select[Any], plain: Callable[[Any], object] = tuple) -> Run:
            return Run(run=lambda: all_(q), verify=lambda: [plain(r) for r in all_(q)])

        filter_aggregate = pyram.select(func.count(), func.sum(T.val)).where(T.val > 500.0)
        group_by = pyram.select(T.cat, func.count(), func.sum(T.val), func.avg(T.val)).group_by(
            T.cat
        )
        join_group_by = (
            pyram.select(D.name, func.count(), func.sum(T.val))
            .select_from(T)
            .join(D, on=T.grp == D.grp)
            .group_by(D.name)
        )
        top_n = T.select().order_by(T.val.desc()).limit(10)

        def build() -> list[T]:
            self._instances = build_instances(data.t_rows)
            return self._instances

        def build_verify() -> int:
            built = build()
            if [as_tuple(r) for r in built] != data.t_rows:
                raise MismatchError("bulk_insert_build: the instances differ from the source rows")
            return len(built)

        def fresh_db(load: bool) -> pyram.Database:
            fresh = pyram.Database()
            fresh.create(T)
            if load:
                load_t(fresh, data.t_rows)
            return fresh

        def instances() -> list[T]:
            if self._instances is None:
                self._instances = build_instances(data.t_rows)
            return self._instances

        def forget_instances() -> None:
            self._instances = None

        def checksum(bulk_db: pyram.Database) -> tuple[Any, ...]:
            count, total = bulk_db.one(_checksum_query())
            return (count, total)

        def empty_db() -> pyram.Database:
            instances()  # built before the clock, as an application holds its objects
            return fresh_db(False)

        bulk = Fresh(empty_db)

        def bulk_teardown() -> None:
            bulk.teardown()
            forget_instances()  # the instances go with the workload (they hold every row)

        bulk_insert = bulk_insert_run(bulk, lambda b: b.insert_many(instances()), checksum)

        by_pk = pyram.update(T).set(T.val, T.val + 1.0).where(T.id.eq(pyram.param("id", int)))

        def update_by_pk() -> int:
            return sum(execute(by_pk, id=k) for k in data.update_keys)

        def update_verify() -> tuple[Any, ...]:
            updated = update_by_pk()
            count, total = db.one(_checksum_query())
            return (updated, count, total)

        # small_transactions and concurrent_reads (benchmarks.transactions): each run gets a
        # freshly loaded copy of t, since it inserts the same new ids.
        minus_delta = (
            pyram.update(T)
            .set(T.val, T.val - pyram.param("delta", float))
            .where(T.id.eq(pyram.param("id", int)))
        )
        per_group = pyram.select(func.count(), func.sum(T.val)).where(
            T.grp.eq(pyram.param("grp", int))
        )
        totals = pyram.select(func.count(), func.sum(T.grp), func.sum(T.val)).select_from(T)

        def transact_on(tx_db: pyram.Database) -> Transact:
            transaction, insert, execute_ = tx_db.transaction, tx_db.insert, tx_db.execute

            def transact(row: TRow, key: int, delta: float) -> None:
                with transaction():
                    insert(T(*row))
                    execute_(minus_delta, id=key, delta=delta)

            return transact

        def final_state(tx_db: pyram.Database, touched: list[int]) -> list[object]:
            found = [tx_db.get(T, k) for k in touched]
            return [tx_db.one(totals), *(None if r is None else as_tuple(r) for r in found)]

        def connect(tx_db: pyram.Database) -> tuple[Transact, OpenReader, Callable[[], None]]:
            one = tx_db.one

            def open_reader() -> tuple[Read, Callable[[], None]]:
                return (lambda g: one(per_group, grp=g)), _nothing

            return transact_on(tx_db), open_reader, _nothing

        tx = Fresh(lambda: fresh_db(True))
        self._fresh += [bulk, tx]
        return {
            "point_lookup": Run(run=point_lookup, verify=rows_of(point_lookup)),
            "point_lookup_get": Run(run=point_lookup_get, verify=rows_of(point_lookup_get)),
            "range_query": Run(run=range_query, verify=range_verify),
            "filter_aggregate": query(filter_aggregate),
            "group_by": query(group_by),
            "join_group_by": query(join_group_by),
            "top_n": query(top_n, as_tuple),
            "bulk_insert_build": Run(
                run=build, verify=build_verify, setup=forget_instances, teardown=forget_instances
            ),
            "bulk_insert": replace(bulk_insert, teardown=bulk_teardown),
            "update_by_pk": Run(run=update_by_pk, verify=update_verify),
            "small_transactions": small_transactions_run(data, tx, transact_on, final_state),
            "concurrent_reads": concurrent_reads_run(self.name, data, tx, connect),
        }

    def close(self) -> None:
        """Drop every reference to the data."""
        self._instances = None
        for fresh in self._fresh:
            fresh.teardown()
        self.db = pyram.Database()
