"""Statements at SQLite's limits: long IN lists, a deep recursive CTE, 500-term expressions.

A registered suite of ``python -m benchmarks`` (``--only limits``); alone:
``python -m benchmarks.limits [--rows N]``. Each workload runs the same SQL text on PyRAM and
sqlite3 (fresh statement text each time, so both parse and plan it: the cost of a big statement
is mostly preparing it) and the answers must match. Targets (issue 19): within 3x of sqlite3.

* ``in_params_10k`` / ``in_params_30k``: ``SELECT count(*) FROM t WHERE x IN (?, ?, ...)``
  (PyRAM's parameter limit is SQLite's default, 32,766; this sqlite3 build allows more).
* ``in_literals_10k`` / ``in_literals_100k``: the same with the numbers written in the text.
* ``dsl_in_100k``: PyRAM's DSL ``in_`` with 100,000 values (against sqlite3's literals).
* ``recursive_cte_1m``: ``WITH RECURSIVE c(x) AS (... x + 1 ... WHERE x < 1000000) SELECT
  count(*), sum(x)``.
* ``expression_500``: ``SELECT x + x + ... (500 terms) FROM t``;
  ``case_500``: a CASE with 500 WHENs over ``t``.
* ``rows_100k`` / ``rows_100k_row``: a 100,000-row result as ``pyram.Row`` objects
  (``db.sql(q).all()``) against sqlite3's plain tuples, and against sqlite3 with
  ``row_factory = sqlite3.Row`` (best of three runs each: one run of a query this short is
  mostly noise on a shared machine).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyram
from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult
from benchmarks.verify import MismatchError

__all__ = ["LimitResult", "format_limits", "run_limits", "run_suite", "to_json"]

ROWS = 20_000
CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, r REAL NOT NULL)"


@dataclass(frozen=True)
class LimitResult:
    """Seconds per run of one workload on each engine."""

    name: str
    pyram_s: float
    sqlite_s: float

    @property
    def ratio(self) -> float:
        """PyRAM's time over sqlite3's."""
        return self.pyram_s / self.sqlite_s if self.sqlite_s else float("inf")


@pyram.table(name="t")
class T(pyram.Table):
    """The table of every workload (a model, so the DSL can query it too)."""

    id: pyram.Col[int] = pyram.column(primary_key=True)
    x: pyram.Col[int]
    r: pyram.Col[float]


def _databases(rows: int) -> tuple[pyram.Database, sqlite3.Connection]:
    data = [(i, i % 1000, i * 0.5) for i in range(1, rows + 1)]
    db = pyram.Database()
    db.create(T)
    con = pyram.connect(database=db)
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", data)
    con.commit()
    lite = sqlite3.connect(":memory:")
    lite.execute(CREATE)
    lite.executemany("INSERT INTO t VALUES (?, ?, ?)", data)
    return db, lite


def _workloads(rows: int) -> list[tuple[str, str, list[Any]]]:
    def in_list(n: int) -> str:
        return ",".join(map(str, range(0, 3 * n, 3)))

    cte = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) "
        "SELECT count(*), sum(x) FROM c"
    )
    whens = " ".join(f"WHEN {i} THEN {i * 2}" for i in range(500))
    return [
        ("in_params_10k", f"SELECT count(*) FROM t WHERE x IN ({','.join('?' * 10_000)})",
         list(range(0, 30_000, 3))),
        ("in_params_30k", f"SELECT count(*) FROM t WHERE x IN ({','.join('?' * 30_000)})",
         list(range(0, 90_000, 3))),
        ("in_literals_10k", f"SELECT count(*) FROM t WHERE x IN ({in_list(10_000)})", []),
        ("in_literals_100k", f"SELECT count(*) FROM t WHERE x IN ({in_list(100_000)})", []),
        ("recursive_cte_1m", cte, []),
        ("expression_500", "SELECT sum(" + " + ".join(["x"] * 500) + ") FROM t", []),
        ("case_500", f"SELECT sum(CASE x {whens} ELSE 0 END) FROM t", []),
    ]  # fmt: skip


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = run()
    return time.perf_counter() - start, answer


def _dsl_in(db: pyram.Database) -> Callable[[], Any]:
    values = list(range(0, 300_000, 3))
    query = pyram.select(pyram.func.count()).where(T.x.in_(values))
    return lambda: [tuple(r) for r in db.all(query)]


def run_limits(rows: int, log: Callable[[str], None]) -> list[LimitResult]:
    """Run every workload once on each engine (answers checked); the results in order."""
    db, lite = _databases(rows)
    results = []
    for name, sql, params in _workloads(rows):
        pyram_s, got = _timed(lambda q=sql, p=params: [tuple(r) for r in db.sql(q, p).all()])
        sqlite_s, expected = _timed(lambda q=sql, p=params: lite.execute(q, p).fetchall())
        if got != expected:
            raise MismatchError(f"{name}: pyram {got!r} != sqlite3 {expected!r}")
        results.append(LimitResult(name, pyram_s, sqlite_s))
        log(f"limits {name}: pyram {pyram_s:.3f}s, sqlite3 {sqlite_s:.3f}s")
    literal = f"SELECT count(*) FROM t WHERE x IN ({','.join(map(str, range(0, 300_000, 3)))})"
    sqlite_s, expected = _timed(lambda: lite.execute(literal).fetchall())
    pyram_s, got = _timed(_dsl_in(db))
    if got != expected:
        raise MismatchError(f"dsl_in_100k: pyram {got!r} != sqlite3 {expected!r}")
    results.append(LimitResult("dsl_in_100k", pyram_s, sqlite_s))
    results.extend(run_rows(5 * rows))
    return results


def run_rows(rows: int = 100_000) -> list[LimitResult]:
    """A ``rows``-row result as Row objects: vs sqlite3 tuples and vs sqlite3.Row."""
    data = [(i, f"name{i}", i * 0.5) for i in range(rows)]
    create = "CREATE TABLE r (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL)"
    db = pyram.Database()
    db.sql(create)
    con = pyram.connect(database=db)
    con.executemany("INSERT INTO r VALUES (?, ?, ?)", data)
    con.commit()
    lite, named = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    named.row_factory = sqlite3.Row
    for c in (lite, named):
        c.execute(create)
        c.executemany("INSERT INTO r VALUES (?, ?, ?)", data)
    sql = "SELECT id, name, score FROM r"

    def best(run: Callable[[], Any]) -> tuple[float, Any]:
        return min((_timed(run) for _ in range(3)), key=lambda t: t[0])

    pyram_s, got = best(lambda: db.sql(sql).all())
    tuples_s, expected = best(lambda: lite.execute(sql).fetchall())
    named_s, _ = best(lambda: named.execute(sql).fetchall())
    if got != expected or got[-1].name != f"name{rows - 1}":
        raise MismatchError("rows: pyram's rows differ from sqlite3's")
    name = f"rows_{rows // 1000}k"
    return [LimitResult(name, pyram_s, tuples_s), LimitResult(f"{name}_row", pyram_s, named_s)]


def format_limits(results: list[LimitResult]) -> str:
    """The results as a table (target: ratio at most 3)."""
    lines = ["Limits (one run each; target: within 3x of sqlite3)",
             f"{'workload':<20} {'pyram s':>9} {'sqlite3 s':>10} {'ratio':>7}"]  # fmt: skip
    for r in results:
        lines.append(f"{r.name:<20} {r.pyram_s:>9.3f} {r.sqlite_s:>10.3f} {r.ratio:>6.1f}x")
    return "\n".join(lines)


def to_json(results: list[LimitResult]) -> list[dict[str, object]]:
    """The results for the JSON report."""
    return [
        {"workload": r.name, "pyram_s": r.pyram_s, "sqlite_s": r.sqlite_s, "ratio": r.ratio}
        for r in results
    ]


def run_suite(context: SuiteContext) -> SuiteResult:
    """The suite entry point (``benchmarks.suites``): one run of each workload."""
    rows = 20_000 if context.quick else ROWS
    results = run_limits(rows, context.log)
    ratios = [
        Ratio(r.name, "db.sql", rows, 1, "s", r.pyram_s, r.sqlite_s, 3.0, "<= 3x") for r in results
    ]
    return SuiteResult(format_limits(results), to_json(results), ratios)


def main(argv: list[str] | None = None) -> int:
    """Run the limits workloads alone."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.limits")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows in t ({ROWS})")
    args = parser.parse_args(argv)
    print(format_limits(run_limits(args.rows, lambda m: print(m, file=sys.stderr))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
