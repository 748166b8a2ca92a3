"""The PostgreSQL mirror (issue 14) on a local PostgreSQL 15 the suite starts itself.

A suite of ``python -m benchmarks`` (``--only mirror``); alone:
``python -m benchmarks.mirror [--rows 1000000] [--quick]``. Measures:

- initial load: ``pyram.pg.mirror`` of an N-row table (slot creation, exported snapshot,
  server-side cursor, column-wise insert) in rows/s, against the floor of ``COPY ... TO STDOUT``
  into a Python list with psycopg alone;
- apply throughput: 10k single-row UPDATE transactions, and 100-row transactions, written
  while the mirror is paused and timed from resume to caught up (the apply rate, not the
  client's write rate); a mirror catching up applies up to ``max_group`` transactions as one
  PyRAM transaction, so the single-row case runs once more with ``max_group=1`` (one PyRAM
  transaction each, the per-transaction cost);
- lag: a writer paced at 5k changed rows/s (50-row transactions, 100 per second); each
  transaction stamps a ``beat`` row with the client's clock just before COMMIT, and an
  ``on_change`` subscriber takes the difference when PyRAM commits it (so the figure
  includes PostgreSQL's commit itself). Median and p99.

Targets (issue 14): initial load >= 200k rows/s; p99 lag <= 50 ms at 5k changes/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult

__all__ = ["run", "run_mirror"]

Log = Callable[[str], None]


def _server() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from pg_server import PostgresServer

    return PostgresServer().start()


def _load(dsn: str, rows: int, log: Log) -> dict[str, float]:
    import psycopg

    import pyram
    import pyram.pg as pg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, name text NOT NULL, qty int,"
            " price double precision)"
        )
        conn.execute(
            "INSERT INTO big SELECT g, 'item ' || (g %% 1000), g %% 97, g * 0.25"
            " FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE big")
        log(f"mirror: COPY floor, {rows} rows")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY big TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types([20, 25, 23, 701])
            floor_rows = list(copy.rows())
        floor = time.perf_counter() - start
        assert len(floor_rows) == rows
        del floor_rows
    log(f"mirror: initial load, {rows} rows")
    db = pyram.Database()
    start = time.perf_counter()
    mirror = pg.mirror(db, dsn, ["big"], slot="bench_load")
    seconds = time.perf_counter() - start
    mirror.stop(drop_slot=True)
    assert db.sql("SELECT count(*) FROM big").scalar() == rows
    return {"rows": rows, "seconds": seconds, "floor_seconds": floor}


def _catch_up(
    dsn: str, transactions: int, per_tx: int, log: Log, max_group: int = 1000
) -> dict[str, float]:
    import psycopg

    import pyram
    import pyram.pg as pg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS hot")
        conn.execute("CREATE TABLE hot (id int PRIMARY KEY, v bigint NOT NULL)")
        conn.execute("INSERT INTO hot SELECT g, 0 FROM generate_series(1, 10000) g")
    db = pyram.Database()
    mirror = pg.mirror(db, dsn, ["hot"], slot="bench_apply", max_group=max_group)
    mirror.pause()
    log(
        f"mirror: {transactions} transactions of {per_tx} updates, written while paused"
        f" (max_group={max_group})"
    )
    with psycopg.connect(dsn) as conn:
        for i in range(transactions):
            with conn.transaction():
                for j in range(per_tx):
                    key = (i * per_tx + j) % 10_000 + 1
                    conn.execute("UPDATE hot SET v = v + 1 WHERE id = %s", (key,))
        lsn = str(conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0])  # type: ignore[index]
    start = time.perf_counter()
    mirror.resume()
    assert mirror.wait_for(lsn, timeout=600)
    seconds = time.perf_counter() - start
    mirror.stop(drop_slot=True)
    total = db.sql("SELECT sum(v) FROM hot").scalar()
    assert total == transactions * per_tx, total
    return {"transactions": transactions, "rows": transactions * per_tx, "seconds": seconds}


def _lag(dsn: str, seconds: float, rate: int, log: Log) -> dict[str, float]:
    import psycopg

    import pyram
    import pyram.pg as pg

    per_tx, tx_rate = 50, rate // 50
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS hot")
        conn.execute("CREATE TABLE hot (id int PRIMARY KEY, v bigint NOT NULL)")
        conn.execute("INSERT INTO hot SELECT g, 0 FROM generate_series(1, 10000) g")
        conn.execute("CREATE TABLE beat (id int PRIMARY KEY, sent double precision)")
        conn.execute("INSERT INTO beat VALUES (1, 0)")
    db = pyram.Database()
    mirror = pg.mirror(db, dsn, ["hot", "beat"], slot="bench_lag")
    lags: list[float] = []
    db.on_change("beat", lambda change: lags.append(time.time() - change.new["sent"]))
    log(f"mirror: lag at {rate} changes/s for {seconds:.0f} s")
    behind = 0
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        for i in range(int(seconds * tx_rate)):
            due = start + i / tx_rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            else:
                behind += 1
            with conn.transaction():
                keys = [((i * per_tx + j) % 10_000) + 1 for j in range(per_tx - 1)]
                conn.execute("UPDATE hot SET v = v + 1 WHERE id = ANY(%s)", (keys,))
                conn.execute("UPDATE beat SET sent = %s WHERE id = 1", (time.time(),))
        achieved = int(seconds * tx_rate) * per_tx / (time.perf_counter() - start)
        lsn = str(conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0])  # type: ignore[index]
    assert mirror.wait_for(lsn, timeout=60)
    mirror.stop(drop_slot=True)
    lags.sort()
    return {
        "changes_per_s": achieved,
        "samples": len(lags),
        "median_ms": statistics.median(lags) * 1000,
        "p99_ms": lags[int(len(lags) * 0.99) - 1] * 1000,
        "late_writes": behind,
    }


def run_mirror(rows: int, quick: bool, log: Log) -> dict[str, Any]:
    """Every measurement on one fresh server."""
    server = _server()
    try:
        dsn = server.dsn
        results: dict[str, Any] = {"load": _load(dsn, rows, log)}
        results["single_row_tx"] = _catch_up(dsn, 2_000 if quick else 10_000, 1, log)
        results["single_row_tx_ungrouped"] = _catch_up(
            dsn, 2_000 if quick else 10_000, 1, log, max_group=1
        )
        results["hundred_row_tx"] = _catch_up(dsn, 20 if quick else 100, 100, log)
        results["lag"] = _lag(dsn, 3.0 if quick else 10.0, 5_000, log)
        return results
    finally:
        server.stop()


def format_mirror(r: dict[str, Any]) -> str:
    """The printed table."""
    load = r["load"]
    single, hundred, lag = r["single_row_tx"], r["hundred_row_tx"], r["lag"]
    alone = r["single_row_tx_ungrouped"]
    return "\n".join([
        "PostgreSQL mirror (issue 14)",
        f"initial load   {load['rows']:>9} rows  {load['rows'] / load['seconds']:>10.0f} rows/s"
        f"  (COPY into a list: {load['rows'] / load['floor_seconds']:.0f} rows/s;"
        " target >= 200000)",
        f"apply 1-row tx {single['transactions']:>9} tx    "
        f"{single['transactions'] / single['seconds']:>10.0f} tx/s",
        f"  max_group=1  {alone['transactions']:>9} tx    "
        f"{alone['transactions'] / alone['seconds']:>10.0f} tx/s (one PyRAM transaction each)",
        f"apply 100-row  {hundred['transactions']:>9} tx    "
        f"{hundred['rows'] / hundred['seconds']:>10.0f} rows/s"
        f" ({hundred['transactions'] / hundred['seconds']:.0f} tx/s)",
        f"lag at {lag['changes_per_s']:.0f} changes/s: median {lag['median_ms']:.1f} ms,"
        f" p99 {lag['p99_ms']:.1f} ms ({lag['samples']} samples; target p99 <= 50 ms)",
    ])


def run(context: SuiteContext) -> SuiteResult:
    """The ``mirror`` suite: 1M rows (100k with ``--quick``) for the initial load."""
    rows = 100_000 if context.quick else max(max(context.sizes), 1_000_000)
    results = run_mirror(rows, context.quick, context.log)
    load = results["load"]
    ratios = [
        Ratio("mirror initial load", "pg.mirror", load["rows"], load["rows"], "s",
              load["seconds"], load["floor_seconds"], note="floor: COPY into a list"),
    ]
    return SuiteResult(format_mirror(results), results, ratios)


def main() -> None:
    """``python -m benchmarks.mirror``."""
    from benchmarks.__main__ import parse_count

    parser = argparse.ArgumentParser(prog="python -m benchmarks.mirror")
    parser.add_argument("--rows", type=parse_count, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = run_mirror(args.rows, args.quick, lambda m: print(m, file=sys.stderr, flush=True))
    print(format_mirror(results))


if __name__ == "__main__":
    main()
