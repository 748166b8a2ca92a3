"""Commit throughput of durable databases: PyRAM per durability level vs sqlite3 WAL mode.

Part of ``python -m benchmarks`` (``--only durability``); alone:
``python -m benchmarks.durability [--commits N] [--dir PATH]``.

Every engine runs the same small transaction ``N`` times, one commit each, on a file database
(100 rows loaded first)::

    BEGIN
    INSERT INTO t VALUES (?, ?, ?)           -- a new row
    UPDATE t SET val = val + 1 WHERE id = ?  -- an existing row
    COMMIT

PyRAM runs it at ``durability="full"`` (fsync per commit), ``"normal"`` (written to the OS per
commit, group fsync in the background) and ``"off"``; sqlite3 runs it in ``journal_mode=WAL``
with ``synchronous=FULL``, ``NORMAL`` and ``OFF``. A last row runs both in memory: the cost of
durability is the difference. Files go to a temporary directory under the current one (a real
disk rather than a RAM-backed /tmp) unless ``--dir`` says otherwise; fsync cost depends entirely
on that device, so compare the rows of one run only. Both engines must end with the same sum.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyram
from benchmarks.verify import MismatchError

__all__ = ["LEVELS", "DurabilityResult", "format_durability", "run_durability", "to_json"]

LOADED = 100
CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, val REAL NOT NULL)"
LOAD = "INSERT INTO t VALUES " + ", ".join(f"({i}, 'r', 0.0)" for i in range(1, LOADED + 1))
INSERT = "INSERT INTO t VALUES (?, ?, ?)"
UPDATE = "UPDATE t SET val = val + 1 WHERE id = ?"

#: (PyRAM durability, sqlite3 synchronous); "memory" is the in-memory baseline of each
LEVELS = (("full", "FULL"), ("normal", "NORMAL"), ("off", "OFF"), ("memory", "MEMORY"))


@dataclass(frozen=True)
class DurabilityResult:
    """Commits per second of both engines at one level."""

    level: str
    commits: int
    pyram_per_s: float
    sqlite_per_s: float


def _steps(commits: int) -> list[tuple[tuple[int, str, float], tuple[int]]]:
    return [((LOADED + 1 + i, f"row {i}", float(i)), (1 + i % LOADED,)) for i in range(commits)]


def run_pyram(directory: Path, level: str, commits: int) -> tuple[float, float]:
    """(seconds for the commits, final sum of val) on a fresh PyRAM database."""
    if level == "memory":
        db = pyram.Database()
    else:
        db = pyram.Database(directory / f"pyram-{level}.pyram", durability=level)  # type: ignore[arg-type]
    db.sql(CREATE)
    db.sql(LOAD)
    steps = _steps(commits)
    start = time.perf_counter()
    for insert, update in steps:
        with db.transaction():
            db.sql(INSERT, insert)
            db.sql(UPDATE, update)
    elapsed = time.perf_counter() - start
    total = float(db.sql("SELECT sum(val) FROM t").scalar())
    db.close()
    return elapsed, total


def run_sqlite(directory: Path, synchronous: str, commits: int) -> tuple[float, float]:
    """(seconds for the commits, final sum of val) on a fresh sqlite3 database."""
    if synchronous == "MEMORY":
        conn = sqlite3.connect(":memory:", isolation_level=None)
    else:
        conn = sqlite3.connect(directory / f"sqlite-{synchronous}.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(CREATE)
    conn.execute(LOAD)
    steps = _steps(commits)
    start = time.perf_counter()
    for insert, update in steps:
        conn.execute("BEGIN")
        conn.execute(INSERT, insert)
        conn.execute(UPDATE, update)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    total = float(conn.execute("SELECT sum(val) FROM t").fetchone()[0])
    conn.close()
    return elapsed, total


def run_durability(
    commits: int, log: Callable[[str], None], directory: Path | None = None
) -> list[DurabilityResult]:
    """Every level on both engines.

    Raises:
        MismatchError: the engines ended with different sums.
    """
    base = directory if directory is not None else Path.cwd()
    results = []
    with tempfile.TemporaryDirectory(prefix="pyram-durability-", dir=base) as tmp:
        folder = Path(tmp)
        for level, synchronous in LEVELS:
            log(f"durability: {commits} commits at {level}")
            pyram_s, pyram_sum = run_pyram(folder, level, commits)
            sqlite_s, sqlite_sum = run_sqlite(folder, synchronous, commits)
            if pyram_sum != sqlite_sum:
                raise MismatchError(f"durability {level}: sum {pyram_sum} != {sqlite_sum}")
            results.append(DurabilityResult(level, commits, commits / pyram_s, commits / sqlite_s))
    return results


def format_durability(results: list[DurabilityResult]) -> str:
    """A text table: commits per second per level, side by side."""
    commits = results[0].commits if results else 0
    lines = [
        "",
        f"Commit throughput, one small transaction per commit ({commits} commits; commits/s)",
        f"  {'level':<8} {'pyram':>10} {'sqlite3 WAL':>12}",
    ]
    for r in results:
        lines.append(f"  {r.level:<8} {r.pyram_per_s:>10,.0f} {r.sqlite_per_s:>12,.0f}")
    return "\n".join(lines)


def to_json(results: list[DurabilityResult]) -> list[dict[str, object]]:
    """The results as JSON-ready dicts."""
    return [
        {
            "level": r.level,
            "commits": r.commits,
            "pyram_commits_per_s": r.pyram_per_s,
            "sqlite_commits_per_s": r.sqlite_per_s,
        }
        for r in results
    ]


def main(argv: list[str] | None = None) -> int:
    """Run every level; print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.durability")
    parser.add_argument("--commits", type=int, default=2000, help="commits per cell (2000)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go")
    args = parser.parse_args(argv)
    found = run_durability(args.commits, lambda m: print(m, file=sys.stderr), args.dir)
    print(format_durability(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
