"""Commit throughput of durable databases: PyRAM per durability level vs sqlite3 WAL mode.

Run: ``python -m benchmarks.bench_durability [--commits N] [--dir PATH]``.

Every engine runs the same small transaction ``N`` times, one commit each, on a file database
(100 rows loaded first)::

    BEGIN
    INSERT INTO t VALUES (?, ?, ?)         -- a new row
    UPDATE t SET val = val + 1 WHERE id = ?  -- an existing row
    COMMIT

PyRAM runs it at ``durability="full"`` (fsync per commit), ``"normal"`` (written to the OS per
commit, group fsync in the background) and ``"off"``; sqlite3 runs it in ``journal_mode=WAL``
with ``synchronous=FULL``, ``NORMAL`` and ``OFF``. The files go to ``--dir`` (default: a
temporary directory under the current one, so a real disk rather than a RAM-backed /tmp);
fsync cost depends entirely on that device, so compare rows of one run only. A last row runs
both engines in memory, the cost of durability being the difference.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyram

LOADED = 100
CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, val REAL NOT NULL)"
INSERT = "INSERT INTO t VALUES (?, ?, ?)"
UPDATE = "UPDATE t SET val = val + 1 WHERE id = ?"

#: (PyRAM durability, sqlite3 synchronous); "memory" is the in-memory baseline of each
LEVELS = (("full", "FULL"), ("normal", "NORMAL"), ("off", "OFF"), ("memory", "MEMORY"))


def _steps(commits: int) -> list[tuple[tuple[int, str, float], tuple[int]]]:
    return [((LOADED + 1 + i, f"row {i}", float(i)), (1 + i % LOADED,)) for i in range(commits)]


def run_pyram(directory: Path, level: str, commits: int) -> tuple[float, float]:
    """(seconds for the commits, final sum of val) on a fresh durable database."""
    if level == "memory":
        db = pyram.Database()
    else:
        db = pyram.Database(directory / f"pyram-{level}.pyram", durability=level)  # type: ignore[arg-type]
    db.sql(CREATE)
    db.sql("INSERT INTO t VALUES " + ", ".join(f"({i}, 'r', 0.0)" for i in range(1, LOADED + 1)))
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
    """(seconds for the commits, final sum of val) on a fresh WAL-mode sqlite3 file."""
    if synchronous == "MEMORY":
        conn = sqlite3.connect(":memory:", isolation_level=None)
    else:
        conn = sqlite3.connect(directory / f"sqlite-{synchronous}.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(CREATE)
    conn.execute(
        "INSERT INTO t VALUES " + ", ".join(f"({i}, 'r', 0.0)" for i in range(1, LOADED + 1))
    )
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


def main(argv: list[str] | None = None) -> int:
    """Run every engine and level; print commits per second side by side."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_durability")
    parser.add_argument("--commits", type=int, default=2000, help="commits per cell (2000)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go")
    args = parser.parse_args(argv)
    base = args.dir if args.dir is not None else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="pyram-durability-", dir=base) as tmp:
        directory = Path(tmp)
        print(f"{args.commits} commits per cell, files in {directory}")
        print(f"{'level':8} {'pyram commits/s':>16} {'sqlite3 WAL commits/s':>22}")
        for level, synchronous in LEVELS:
            pyram_time, pyram_sum = run_pyram(directory, level, args.commits)
            sqlite_time, sqlite_sum = run_sqlite(directory, synchronous, args.commits)
            if pyram_sum != sqlite_sum:
                print(f"answers differ at {level}: {pyram_sum} != {sqlite_sum}", file=sys.stderr)
                return 1
            pyram_rate, sqlite_rate = args.commits / pyram_time, args.commits / sqlite_time
            print(f"{level:8} {pyram_rate:16,.0f} {sqlite_rate:22,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
