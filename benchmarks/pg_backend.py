"""Benchmark suite ``pg_backend`` (issue 15): PyRAM's PostgreSQL backend vs hand-written psycopg.

What it measures: the per-query overhead PyRAM adds on PostgreSQL -- the compiled-query cache
lookup, parameter validation, the driver call and building the result (a model instance or a
tuple) -- against hand-written psycopg running the same SQL text on an equally configured
connection (autocommit, same server) and returning the fetched tuple. The issue's target is
<= 1.2x on point lookups. The two sides alternate call by call, and the figure is the median
of per-round ratios, so that the shared machine's noise hits both sides alike.

Starts a throwaway PostgreSQL 15 (tests/pg_server.py) and stops it at the end.
``python -m benchmarks --only pg_backend`` or ``python -m benchmarks.pg_backend``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult

TARGET = 1.2


def _server() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_server import PostgresServer

    return PostgresServer().start()


def _interleaved(
    ours: Callable[[int], object], theirs: Callable[[int], object], keys: list[int], swap: bool
) -> tuple[float, float]:
    """Microseconds per call of each side, calls alternating one by one (the server's and the
    shared machine's load changes faster than a block of calls takes)."""
    clock = time.perf_counter
    spent_ours = spent_theirs = 0.0
    for key in keys:
        for side in (theirs, ours) if swap else (ours, theirs):
            start = clock()
            side(key)
            took = clock() - start
            if side is ours:
                spent_ours += took
            else:
                spent_theirs += took
    return spent_ours / len(keys) * 1e6, spent_theirs / len(keys) * 1e6


def _workloads(
    db: Any, conn: Any, item: Any
) -> list[tuple[str, str, Callable[[int], object], Callable[[int], object]]]:
    import pyram

    by_id = item.select().where(item.id.eq(pyram.param("id", int)))
    name_by_id = pyram.select(item.name, item.price).where(item.id.eq(pyram.param("id", int)))
    compiled = db.compile(by_id)
    compiled_name = db.compile(name_by_id)
    get_sql = db._statements(item).get_sql  # the SQL db.get runs, to hand to psycopg as is
    (slot,) = compiled.slots
    (slot_name,) = compiled_name.slots

    return [
        ("point lookup: Model.select() by key", "db.first",
         lambda k: db.first(by_id, id=k),
         lambda k: conn.execute(compiled.sql, {slot: k}).fetchone()),
        ("point lookup: select(cols) by key", "db.first",
         lambda k: db.first(name_by_id, id=k),
         lambda k: conn.execute(compiled_name.sql, {slot_name: k}).fetchone()),
        ("point lookup: db.get", "db.get",
         lambda k: db.get(item, k),
         lambda k: conn.execute(get_sql, (k,)).fetchone()),
    ]  # fmt: skip


def run_pg_backend(
    rows: int, lookups: int, rounds: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Load ``rows`` items, then time each workload against psycopg for ``rounds`` rounds."""
    import psycopg

    import pyram
    import pyram.pg
    from pyram import Col, column

    @pyram.table
    class Item(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]
        price: Col[float]

    server = _server()
    try:
        db = pyram.pg.connect(server.dsn, pool_size=2)
        db.create(Item)
        db.insert_many(Item(i, f"item{i}", i * 0.5) for i in range(rows))
        conn = psycopg.connect(server.dsn, autocommit=True, options="-c timezone=UTC")
        rng = random.Random(7)
        keys = [rng.randrange(rows) for _ in range(lookups)]
        results = []
        for name, path, ours, theirs in _workloads(db, conn, Item):
            for k in keys[:50]:  # warm both: prepared statements, caches
                ours(k)
                theirs(k)
            mine, base, ratios = [], [], []
            for i in range(rounds):
                block = keys[(i * 200) % len(keys) :][:200] or keys
                m, b = _interleaved(ours, theirs, block, swap=bool(i % 2))
                mine.append(m)
                base.append(b)
                ratios.append(m / b)
            pyram_us, psycopg_us = statistics.median(mine), statistics.median(base)
            ratio = statistics.median(ratios)
            log(f"pg_backend {name}: pyram {pyram_us:.1f} us, psycopg {psycopg_us:.1f} us")
            results.append({"workload": name, "path": path, "pyram_us": pyram_us,
                            "psycopg_us": psycopg_us, "ratio": ratio})  # fmt: skip
        conn.close()
        db.close()
    finally:
        server.stop()
    return {"rows": rows, "lookups": lookups, "rounds": rounds, "results": results}


def format_pg_backend(measured: dict[str, Any]) -> str:
    """The suite's table."""
    lines = [
        f"PostgreSQL backend vs hand-written psycopg (same SQL), {measured['rows']} rows, "
        f"{measured['lookups']} lookups x {measured['rounds']} rounds (target <= {TARGET}x)",
        f"{'workload':<40} {'pyram us':>9} {'psycopg us':>11} {'ratio':>6}",
    ]
    for r in measured["results"]:
        figures = f"{r['pyram_us']:>9.1f} {r['psycopg_us']:>11.1f} {r['ratio']:>5.2f}x"
        lines.append(f"{r['workload']:<40} {figures}")
    return "\n".join(lines)


def run(context: SuiteContext) -> SuiteResult:
    """The ``pg_backend`` suite."""
    rows = 10_000
    lookups = 500 if context.quick else max(context.lookups, 2000)
    rounds = 10 if context.quick else 60
    measured = run_pg_backend(rows, lookups, rounds, context.log)
    ratios = [
        Ratio(r["workload"], r["path"], rows, lookups, "us/op", r["pyram_us"],
              r["pyram_us"] / r["ratio"],
              target=TARGET, target_text=f"<= {TARGET}x",
              note="baseline: hand-written psycopg with the same SQL (not sqlite3)")
        for r in measured["results"]
    ]  # fmt: skip
    return SuiteResult(format_pg_backend(measured), measured, ratios)


def main() -> None:
    """``python -m benchmarks.pg_backend``."""
    measured = run_pg_backend(10_000, 2000, 60, lambda m: print(m, file=sys.stderr, flush=True))
    print(format_pg_backend(measured))


if __name__ == "__main__":
    main()
