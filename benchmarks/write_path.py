"""The write-path workloads (issue 11): every write through every path PyRAM offers.

Each workload runs on sqlite3 and on PyRAM through each path a user reaches, in the same mode
(each statement committed, or all in one transaction):

* ``DB-API``: a :func:`pyram.connect` cursor. sqlite3 runs the very same code on its own
  connection: ``isolation_level=None`` for autocommit, the default (an implicit ``BEGIN``
  before the first write, ``commit()`` at the end) for one transaction.
* ``db.sql``: ``db.sql(text, params)``; one transaction is ``BEGIN`` ... ``COMMIT``.
* ``DSL``: ``db.execute(stmt, **params)`` of a cached ``pyram.update``/``pyram.delete``
  statement, ``db.first`` of a cached query; one transaction is ``with db.transaction():``.
  There is no DSL statement inserting values: inserts take ``db.*``.
* ``db.*``: ``db.insert/insert_many/update/upsert/delete/get`` with model instances built
  before the timing (what an application holding its objects does).

Single-row statements touch distinct random keys; the answers (rowcounts, fetched rows and
whole-table checksums after the run) must equal sqlite3's. Inside one transaction the same
statements run 1,000, 10,000 and 100,000 times (``--tx-sizes``), so that the per-statement
cost at each size shows whether it stays flat. Such a run is stopped (and rolled back) past
:data:`STOP_FACTOR` budgets, and a size whose run would take more than :data:`SKIP_FACTOR`
budgets, judged from the previous size's cost per statement, is skipped: both are reported as
missed, with the reason.
"""

from __future__ import annotations

import math
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import pyram
from benchmarks.data import TRow
from benchmarks.pyram_engine import T, as_tuple
from benchmarks.pyram_sql_engine import insert_sql
from benchmarks.ratios import Ratio
from benchmarks.sqlite_engine import DDL
from benchmarks.write_harness import (
    CHECKSUM,
    DBAPI,
    DELETE,
    DSL,
    INSERT,
    NATIVE,
    SELECT,
    SQL,
    SQLITE,
    UPDATE,
    UPSERT,
    Fixture,
    PathRun,
    Timing,
    time_paths,
)

__all__ = ["SKIP_FACTOR", "STOP_FACTOR", "TooSlow", "WriteSettings", "run_write_path"]

#: A transaction size is skipped for a path when the previous size predicts a run longer
#: than this many ``budget``s (the write path was quadratic: 100,000 updates took minutes).
SKIP_FACTOR = 4.0
#: A run inside one transaction is stopped after this many ``budget``s (it may be quadratic).
STOP_FACTOR = 2.0
_CHUNK = 500  # rows per multi-row INSERT statement of the db.sql bulk insert
_CHECK_EVERY = 1000  # statements between two looks at the clock of a run with a limit
_Body = Callable[[], int]


@dataclass(frozen=True, slots=True)
class WriteSettings:
    """What the write-path suite runs at each size.

    Attributes:
        ops: single-row statements per autocommit run, and point SELECTs per run.
        tx_sizes: statements per transaction of the in-transaction workloads.
        tx5: transactions of five statements per run.
        repeat: timed runs per cell (fewer beyond ``budget``).
        budget: seconds of timed runs per cell.

    The keys each workload touches are a function of the table size and the count (the rows
    themselves follow ``--seed``).
    """

    ops: int
    tx_sizes: tuple[int, ...]
    tx5: int
    repeat: int
    budget: float


def _new_rows(fx: Fixture, n: int, start: int = 0) -> list[TRow]:
    """Rows with ids past the loaded ones (their other values copied from loaded rows)."""
    rows, t_rows = fx.data.rows, fx.data.t_rows
    out: list[TRow] = []
    for i in range(start, start + n):
        _, grp, cat, val, flag = t_rows[i % rows]
        out.append((rows + 1 + i, grp, cat, val, flag))
    return out


def _new_val(key: int) -> float:
    """The value an UPDATE gives row ``key``: a function of the key, so runs are idempotent."""
    return float(key % 997) + 0.25


def _keys(fx: Fixture, n: int, salt: int) -> list[int]:
    """``n`` distinct random loaded ids (at most every row)."""
    rng = random.Random(fx.data.rows * 7919 + n + salt)
    return rng.sample(range(1, fx.data.rows + 1), min(n, fx.data.rows))


def _updated(fx: Fixture, key: int) -> TRow:
    _, grp, cat, _, flag = fx.data.t_rows[key - 1]
    return (key, grp, cat, _new_val(key), flag)


# ------------------------------------------------------------------ per-path loops
#: Makes, per run, the function running one statement (returns the rows it changed).
_Step = Callable[[], Callable[[Any], int]]


class TooSlow(Exception):
    """A run passed its time limit and was stopped (its transaction rolled back)."""


def _driver(make_step: _Step, items: Sequence[Any], limit: float | None) -> _Body:
    """Run one step per item; with a ``limit`` (seconds), stop with :class:`TooSlow` once
    past it (checked every :data:`_CHECK_EVERY` statements, so the check costs nothing)."""

    def body() -> int:
        step = make_step()
        if limit is None:
            return sum(map(step, items))
        start, total = time.perf_counter(), 0
        for i in range(0, len(items), _CHECK_EVERY):
            elapsed = time.perf_counter() - start
            if i and elapsed > limit:
                raise TooSlow(
                    f"stopped after {i:,} of {len(items):,} statements in {elapsed:,.0f} s"
                    f" ({elapsed / i * 1e6:,.0f} us each so far)"
                )
            total += sum(map(step, items[i : i + _CHECK_EVERY]))
        return total

    return body


def _dbapi_step(con: Any, sql: str) -> _Step:
    def make() -> Callable[[Any], int]:
        cur = con.cursor()
        execute = cur.execute

        def step(item: Any) -> int:
            execute(sql, item)
            return int(cur.rowcount)

        return step

    return make


def _sql_step(db: pyram.Database, sql: str) -> _Step:
    run = db.sql
    return lambda: lambda item: run(sql, item).rowcount


def _call_step(call: Callable[[Any], object]) -> _Step:
    """A ``db.*`` call per item; one that returns False changed nothing."""
    return lambda: lambda item: int(call(item) is not False)


def _kind_loops(
    fx: Fixture, kind: str, n: int, limit: float | None
) -> tuple[dict[str, _Body], list[int]]:
    """Per path, the loop of ``n`` single-row ``kind`` statements, and the loaded keys it
    removes (for the restoring setup). PyRAM's loops stop past ``limit`` seconds."""
    db, execute = fx.db, fx.db.execute
    items: Sequence[tuple[Any, ...]]
    removed: list[int] = []
    native: tuple[_Step, Sequence[Any]]
    dsl: tuple[_Step, Sequence[Any]] | None = None
    by_id = T.id.eq(pyram.param("id", int))
    if kind == "insert":
        sql, items = INSERT, _new_rows(fx, n)
        native = (_call_step(db.insert), [T(*r) for r in items])
    elif kind == "update":
        keys = _keys(fx, n, 1)
        sql, items = UPDATE, [(_new_val(k), k) for k in keys]
        native = (_call_step(db.update), [T(*_updated(fx, k)) for k in keys])
        stmt = pyram.update(T).set(T.val, pyram.param("val", float)).where(by_id)
        dsl = (lambda: lambda vk: execute(stmt, id=vk[1], val=vk[0]), items)
    elif kind == "delete":
        keys = _keys(fx, n, 2)
        sql, items, removed = DELETE, [(k,) for k in keys], keys
        native = (_call_step(lambda k: db.delete(T, k)), keys)
        gone = pyram.delete(T).where(by_id)
        dsl = (lambda: lambda k: execute(gone, id=k), keys)
    else:  # upsert: half loaded keys (updated), half new ids (inserted)
        half = n // 2
        sql = UPSERT
        items = [_updated(fx, k) for k in _keys(fx, half, 3)] + _new_rows(fx, n - half)
        native = (_call_step(db.upsert), [T(*r) for r in items])
    loops = {
        SQLITE: _driver(_dbapi_step(fx.lite, sql), items, None),  # the reference never stops
        DBAPI: _driver(_dbapi_step(fx.con, sql), items, limit),
        SQL: _driver(_sql_step(db, sql), items, limit),
    }
    if dsl is not None:
        loops[DSL] = _driver(dsl[0], dsl[1], limit)
    loops[NATIVE] = _driver(native[0], native[1], limit)
    return loops, removed


def _wrap(fx: Fixture, path: str, body: _Body, in_tx: bool) -> _Body:
    """``body`` in ``path``'s own transaction control (each statement committed, or one
    transaction, rolled back when the body fails)."""
    if not in_tx:
        return body
    if path in (SQLITE, DBAPI):
        con = fx.connection(path)

        def committed() -> int:
            try:
                done = body()
            except BaseException:
                con.rollback()
                raise
            con.commit()
            return done

        return committed
    if path == SQL:
        db, sql = fx.db, fx.db.sql

        def begin_commit() -> int:
            sql("BEGIN")
            try:
                done = body()
            except BaseException:
                if db.in_transaction:
                    sql("ROLLBACK")
                raise
            sql("COMMIT")
            return done

        return begin_commit
    transaction = fx.db.transaction

    def in_block() -> int:
        with transaction():  # rolls back on an exception
            return body()

    return in_block


def _path_run(
    fx: Fixture, path: str, run: Callable[[], object], in_tx: bool, removed: list[int]
) -> PathRun:
    def setup() -> None:
        fx.restore(path, removed)
        if path in (SQLITE, DBAPI):  # None: autocommit; "": implicit BEGIN, commit() ends
            fx.connection(path).isolation_level = "" if in_tx else None

    return PathRun(run=run, answer=lambda out: (out, fx.checksum(path)), setup=setup)


def single_row_paths(
    fx: Fixture, kind: str, n: int, in_tx: bool, limit: float | None = None
) -> dict[str, PathRun]:
    """Every path of ``n`` single-row ``kind`` statements (insert, update, delete, upsert);
    PyRAM's runs stop (:class:`TooSlow`) past ``limit`` seconds."""
    loops, removed = _kind_loops(fx, kind, n, limit)
    return {
        path: _path_run(fx, path, _wrap(fx, path, body, in_tx), in_tx, removed)
        for path, body in loops.items()
    }


def _same(out: object) -> object:
    return out


def point_select_paths(fx: Fixture) -> dict[str, PathRun]:
    """Point SELECT by primary key: cursor, ``db.sql``, a cached DSL query, ``db.get``."""
    db, keys = fx.db, fx.data.lookup_keys
    sql, first, get = db.sql, db.first, db.get
    by_id = T.select().where(T.id.eq(pyram.param("id", int)))

    def cursor(con: Any) -> Callable[[], object]:
        execute = con.cursor().execute
        return lambda: [execute(SELECT, (k,)).fetchone() for k in keys]

    def models(out: object) -> object:
        assert isinstance(out, list)
        return [None if r is None else as_tuple(r) for r in out]

    return {
        SQLITE: PathRun(cursor(fx.lite), _same),
        DBAPI: PathRun(cursor(fx.con), _same),
        SQL: PathRun(lambda: [sql(SELECT, (k,)).first() for k in keys], _same),
        DSL: PathRun(lambda: [first(by_id, id=k) for k in keys], models),
        NATIVE: PathRun(lambda: [get(T, k) for k in keys], models),
    }


def tx5_paths(fx: Fixture, count: int) -> dict[str, PathRun]:
    """``count`` transactions of five statements: INSERT a new row, UPDATE two rows by key,
    SELECT the first of them by key, DELETE the new row; each committed."""
    db = fx.db
    new = _new_rows(fx, count)
    # The SELECT reads the row the first UPDATE just wrote: its answer then does not depend
    # on what an earlier run (of another path, on the same table) left behind.
    a, b = _keys(fx, count, 4), _keys(fx, count, 5)
    steps = [(r, (_new_val(x), x), (_new_val(y), y), x) for r, x, y in zip(new, a, b, strict=False)]

    def dbapi(con: Any) -> Callable[[], object]:
        def run() -> object:
            cur = con.cursor()
            execute, commit, out = cur.execute, con.commit, []
            for row, u1, u2, k in steps:
                execute(INSERT, row)
                execute(UPDATE, u1)
                execute(UPDATE, u2)
                out.append(execute(SELECT, (k,)).fetchone())
                execute(DELETE, (row[0],))
                commit()
            return out

        return run

    def sql_run() -> object:
        sql, out = db.sql, []
        for row, u1, u2, k in steps:
            sql("BEGIN")
            sql(INSERT, row)
            sql(UPDATE, u1)
            sql(UPDATE, u2)
            out.append(sql(SELECT, (k,)).first())
            sql(DELETE, (row[0],))
            sql("COMMIT")
        return out

    upd = pyram.update(T).set(T.val, pyram.param("val", float))
    upd = upd.where(T.id.eq(pyram.param("id", int)))
    by_id = T.select().where(T.id.eq(pyram.param("id", int)))
    gone = pyram.delete(T).where(T.id.eq(pyram.param("id", int)))

    def dsl_run() -> object:
        transaction, insert, execute, first, out = (
            db.transaction,
            db.insert,
            db.execute,
            db.first,
            [],
        )
        for row, (v1, k1), (v2, k2), k in steps:
            with transaction():
                insert(T(*row))
                execute(upd, id=k1, val=v1)
                execute(upd, id=k2, val=v2)
                out.append(first(by_id, id=k))
                execute(gone, id=row[0])
        return out

    objects = [
        (T(*r), T(*_updated(fx, u1[1])), T(*_updated(fx, u2[1])), k) for r, u1, u2, k in steps
    ]

    def native_run() -> object:
        transaction, get, out = db.transaction, db.get, []
        insert, update, delete = db.insert, db.update, db.delete
        for row, o1, o2, k in objects:
            with transaction():
                insert(row)
                update(o1)
                update(o2)
                out.append(get(T, k))
                delete(row)
        return out

    def plain(out: object) -> list[object]:
        assert isinstance(out, list)
        return [r if r is None or isinstance(r, tuple) else as_tuple(r) for r in out]

    def setup_for(path: str) -> Callable[[], None]:
        def setup() -> None:
            fx.restore(path)
            if path in (SQLITE, DBAPI):
                fx.connection(path).isolation_level = ""

        return setup

    runs = {SQLITE: dbapi(fx.lite), DBAPI: dbapi(fx.con), SQL: sql_run, DSL: dsl_run}
    runs[NATIVE] = native_run
    return {
        path: PathRun(run, lambda out, p=path: (plain(out), fx.checksum(p)), setup_for(path))  # type: ignore[misc]
        for path, run in runs.items()
    }


def bulk_insert_paths(fx: Fixture) -> dict[str, PathRun]:
    """Every row of ``t`` into a fresh table in one transaction: ``executemany``,
    ``db.insert_many``, multi-row ``INSERT ... VALUES`` of :data:`_CHUNK` rows."""
    rows = fx.data.t_rows
    objects = [T(*r) for r in rows]
    fresh: dict[str, Any] = {}

    def new_pyram() -> None:
        fresh.clear()
        db = pyram.Database()
        db.create(T)
        fresh["db"], fresh["con"] = db, pyram.connect(db)

    def new_sqlite() -> None:
        fresh.clear()
        con = sqlite3.connect(":memory:")
        for statement in DDL[:2]:
            con.execute(statement)
        fresh["con"] = con

    def executemany() -> int:
        con = fresh["con"]
        count = con.executemany(INSERT, rows).rowcount
        con.commit()
        return int(count)

    def insert_many() -> int:
        return int(fresh["db"].insert_many(objects))

    def multi_row() -> int:
        sql, flat, done = fresh["db"].sql, chain.from_iterable, 0
        full = insert_sql("t", 5, _CHUNK)
        sql("BEGIN")
        for start in range(0, len(rows), _CHUNK):
            part = rows[start : start + _CHUNK]
            text = full if len(part) == _CHUNK else insert_sql("t", 5, len(part))
            done += sql(text, list(flat(part))).rowcount
        sql("COMMIT")
        return done

    def answer(out: object) -> object:
        return (out, tuple(fresh["con"].execute(CHECKSUM).fetchone()))

    return {
        SQLITE: PathRun(executemany, answer, new_sqlite),
        DBAPI: PathRun(executemany, answer, new_pyram),
        NATIVE: PathRun(insert_many, answer, new_pyram),
        SQL: PathRun(multi_row, answer, new_pyram),
    }


def ratios_of(
    label: str,
    rows: int,
    ops: int,
    timings: dict[str, Timing],
    target: tuple[float, str],
    rate: bool = False,
) -> list[Ratio]:
    """One :class:`Ratio` per PyRAM path: microseconds per op (or ops per second)."""

    def figure(seconds: float | None) -> float | None:
        if seconds is None or seconds <= 0:
            return None
        return ops / seconds if rate else seconds / ops * 1e6

    base = figure(timings[SQLITE].median)
    return [
        Ratio(
            label,
            path,
            rows,
            ops,
            "tx/s" if rate else "us/op",
            figure(t.median),
            base,
            target[0],
            target[1],
            t.error,
        )
        for path, t in timings.items()
        if path != SQLITE
    ]


def _tx_curve(
    fx: Fixture, kind: str, settings: WriteSettings, log: Callable[[str], None]
) -> list[Ratio]:
    """``kind`` repeated at every transaction size. A path whose run was stopped, or whose
    cost per statement predicts a long run, skips the larger sizes."""
    out: list[Ratio] = []
    per_op: dict[str, float] = {}
    limit = STOP_FACTOR * settings.budget
    sizes = [size if kind == "insert" else min(size, fx.data.rows) for size in settings.tx_sizes]
    for n in dict.fromkeys(sizes):  # a DELETE or UPDATE touches each row at most once
        label = f"{kind.upper()} x{n:,} in one tx"
        paths = single_row_paths(fx, kind, n, in_tx=True, limit=limit)
        slow = {
            p: cost * n
            for p, cost in per_op.items()
            if p != SQLITE and cost * n > SKIP_FACTOR * settings.budget
        }
        order = list(paths)
        for path in slow:
            del paths[path]
        timings = time_paths(label, paths, settings.repeat, settings.budget, log)
        fx.reset()
        for path, predicted in slow.items():
            why = (
                "a smaller size was stopped"
                if math.isinf(predicted)
                else f"about {predicted:,.1f} s predicted"
            )
            timings[path] = Timing(error=f"skipped: {why}")
        timings = {path: timings[path] for path in order}  # the table's path order
        for path, timing in timings.items():
            median = timing.median
            per_op[path] = math.inf if median is None else median / n
        out += ratios_of(label, fx.data.rows, n, timings, (2.0, "<= 2x"))
    return out


def run_write_path(fx: Fixture, settings: WriteSettings, log: Callable[[str], None]) -> list[Ratio]:
    """Every write-path workload at the fixture's size, as ratios to sqlite3."""
    rows, ops, repeat, budget = fx.data.rows, settings.ops, settings.repeat, settings.budget

    def timed(
        label: str, paths: dict[str, PathRun], n: int, target: tuple[float, str], rate: bool = False
    ) -> list[Ratio]:
        timings = time_paths(label, paths, repeat, budget, log)
        fx.reset()  # the next workload starts from every loaded row
        return ratios_of(label, rows, n, timings, target, rate)

    out = timed(f"bulk INSERT {rows:,} rows", bulk_insert_paths(fx), rows, (1.5, "<= 1.5x"))
    for kind in ("insert", "update", "delete", "upsert"):
        label = f"{kind.upper()} by key, autocommit"
        out += timed(label, single_row_paths(fx, kind, ops, in_tx=False), ops, (2.0, "<= 2x"))
    for kind in ("insert", "update", "delete"):
        out += _tx_curve(fx, kind, settings, log)
    out += timed(
        "point SELECT by key", point_select_paths(fx), len(fx.data.lookup_keys), (1.5, "<= 1.5x")
    )
    out += timed(
        "5-statement transactions",
        tx5_paths(fx, settings.tx5),
        settings.tx5,
        (2.0, ">= 0.5x tx/s"),
        rate=True,
    )
    return out
