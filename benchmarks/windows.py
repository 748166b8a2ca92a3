"""Window functions: PyRAM (SQL) vs sqlite3 (and duckdb when installed), same queries, same rows.

A registered suite of ``python -m benchmarks`` (``--only windows``); alone:
``python -m benchmarks.windows [--rows 100k,1M] [--repeat N]``.

Table ``s(id INTEGER PRIMARY KEY, grp INTEGER, val INTEGER)`` with ``grp`` one of 100 values
and ``val`` random; each query returns every row (fetched as a list of tuples):

* running_sum: ``sum(val) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)``
* sliding_sum: ``sum(val) OVER (ORDER BY id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)``
* rank_per_partition: ``rank() OVER (PARTITION BY grp ORDER BY val)``
* lag: ``val - lag(val) OVER (ORDER BY id)``

The time is the best of ``--repeat`` runs; every engine's answer (the sum of the window column)
must equal sqlite3's.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyram
import pyram.dbapi
from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult
from benchmarks.verify import MismatchError

__all__ = ["QUERIES", "WindowResult", "format_windows", "run", "run_windows", "to_json"]

GROUPS = 100
CREATE = "CREATE TABLE s (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val INTEGER NOT NULL)"
QUERIES: dict[str, str] = {
    "running_sum": "SELECT id, sum(val) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND "
    "CURRENT ROW) FROM s",
    "sliding_sum": "SELECT id, sum(val) OVER (ORDER BY id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)"
    " FROM s",
    "rank_per_partition": "SELECT id, rank() OVER (PARTITION BY grp ORDER BY val) FROM s",
    "lag": "SELECT id, val - lag(val) OVER (ORDER BY id) FROM s",
}


@dataclass(frozen=True)
class WindowResult:
    """Seconds per engine for one query at one size (None: engine not installed)."""

    query: str
    rows: int
    pyram_s: float
    sqlite_s: float
    duckdb_s: float | None
    #: PyRAM through its DB-API cursor (``fetchall()`` tuples, as sqlite3's row above)
    dbapi_s: float | None = None


def _data(rows: int, seed: int) -> list[tuple[int, int, int]]:
    rng = random.Random(seed)
    return [(i, rng.randrange(GROUPS), rng.randrange(1_000_000)) for i in range(rows)]


def _best(run: Callable[[], list[Any]], repeat: int) -> tuple[float, int]:
    """(best seconds, checksum of the last column) over ``repeat`` runs."""
    best = float("inf")
    checksum = 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
        checksum = sum(r[-1] or 0 for r in result)
    return best, checksum


def _engines(data: Sequence[tuple[int, int, int]]) -> dict[str, Callable[[str], list[Any]]]:
    lite = sqlite3.connect(":memory:")
    lite.execute(CREATE)
    lite.executemany("INSERT INTO s VALUES (?, ?, ?)", data)
    db = pyram.Database()
    db.sql(CREATE)
    cursor = pyram.dbapi.connect(db).cursor()
    with db.transaction():
        for start in range(0, len(data), 10_000):
            chunk = data[start : start + 10_000]
            db.sql("INSERT INTO s VALUES " + ", ".join(map(str, chunk)))
    engines: dict[str, Callable[[str], list[Any]]] = {
        "sqlite3": lambda q: lite.execute(q).fetchall(),
        "pyram": lambda q: db.sql(q).all(),
        "pyram DB-API": lambda q: cursor.execute(q).fetchall(),
    }
    try:
        import duckdb
    except ImportError:
        return engines
    duck = duckdb.connect()
    duck.execute(CREATE)
    with tempfile.TemporaryDirectory() as tmp:  # a CSV file loads fast (executemany does not)
        path = Path(tmp) / "s.csv"
        path.write_text("".join(f"{i},{g},{v}\n" for i, g, v in data), encoding="utf-8")
        duck.execute(f"COPY s FROM '{path}' (HEADER false)")
    engines["duckdb"] = lambda q: duck.execute(q).fetchall()
    return engines


def run_windows(
    sizes: Sequence[int], repeat: int, seed: int, log: Callable[[str], None]
) -> list[WindowResult]:
    """Time every query at every size on every engine.

    Raises:
        MismatchError: an engine's answer differs from sqlite3's.
    """
    results = []
    for rows in sizes:
        log(f"windows: loading {rows} rows")
        engines = _engines(_data(rows, seed))
        for name, sql in QUERIES.items():
            times: dict[str, float] = {}
            sums: dict[str, int] = {}
            for engine, run in engines.items():
                times[engine], sums[engine] = _best(lambda run=run, sql=sql: run(sql), repeat)
                if sums[engine] != sums["sqlite3"]:
                    raise MismatchError(f"windows {name} at {rows} rows: {engine} {sums}")
            spent = ", ".join(f"{e} {t:.3f}s" for e, t in times.items())
            log(f"windows: {name} at {rows}: {spent}")
            results.append(
                WindowResult(
                    name,
                    rows,
                    times["pyram"],
                    times["sqlite3"],
                    times.get("duckdb"),
                    times.get("pyram DB-API"),
                )
            )
    return results


def format_windows(results: Sequence[WindowResult]) -> str:
    """A table: seconds per engine and PyRAM's ratios to sqlite3 (``db.sql(...).all()`` Row
    objects, and the DB-API cursor's tuples, the same shape sqlite3's ``fetchall()`` returns)."""
    lines = [
        "Window functions (best of runs, seconds; ratio = PyRAM / sqlite3)",
        f"{'query':<20} {'rows':>9} {'pyram':>8} {'DB-API':>8} {'sqlite3':>8} {'duckdb':>8} "
        f"{'ratio':>6} {'DB-API':>6}",
    ]
    for r in results:
        duck = "-" if r.duckdb_s is None else f"{r.duckdb_s:.3f}"
        dbapi = "-" if r.dbapi_s is None else f"{r.dbapi_s:.3f}"
        dbapi_ratio = "-" if r.dbapi_s is None else f"{r.dbapi_s / r.sqlite_s:.2f}x"
        lines.append(
            f"{r.query:<20} {r.rows:>9} {r.pyram_s:>8.3f} {dbapi:>8} {r.sqlite_s:>8.3f} "
            f"{duck:>8} {r.pyram_s / r.sqlite_s:>5.2f}x {dbapi_ratio:>6}"
        )
    return "\n".join(lines)


def to_json(results: Sequence[WindowResult]) -> list[dict[str, Any]]:
    """The results as JSON-ready dicts."""
    return [
        {
            "query": r.query,
            "rows": r.rows,
            "pyram_s": r.pyram_s,
            "sqlite_s": r.sqlite_s,
            "duckdb_s": r.duckdb_s,
            "dbapi_s": r.dbapi_s,
            "ratio": r.pyram_s / r.sqlite_s,
        }
        for r in results
    ]


def run(context: SuiteContext) -> SuiteResult:
    """The ``windows`` suite: every query at every ``--rows`` size (target <= 1.0x sqlite3)."""
    results = run_windows(context.sizes, context.repeat, context.seed, context.log)
    ratios = [
        Ratio(
            f"window {r.query}",
            "db.sql",
            r.rows,
            r.rows,
            "s",
            r.pyram_s,
            r.sqlite_s,
            target=1.0,
            target_text="<= 1.0x",
        )
        for r in results
    ]
    ratios += [
        Ratio(
            f"window {r.query}",
            "DB-API",
            r.rows,
            r.rows,
            "s",
            r.dbapi_s,
            r.sqlite_s,
            target=1.0,
            target_text="<= 1.0x",
        )
        for r in results
        if r.dbapi_s is not None
    ]
    return SuiteResult(format_windows(results), to_json(results), ratios)


def main(argv: list[str] | None = None) -> int:
    """Run the window benchmark alone and print its table."""
    from benchmarks.__main__ import parse_counts

    parser = argparse.ArgumentParser(prog="python -m benchmarks.windows")
    parser.add_argument("--rows", type=parse_counts, default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        results = run_windows(
            args.rows, args.repeat, args.seed, lambda m: print(m, file=sys.stderr)
        )
    except MismatchError as exc:
        print(f"ABORTED: answers differ: {exc}", file=sys.stderr)
        return 1
    print(format_windows(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
