"""The shell's ``.import`` of a big CSV file against sqlite3, in one run.

    python -m benchmarks.shell_import [ROWS]      (default 300,000)

Writes a CSV of ROWS rows (``id,name,score``) to a temporary directory, then times:

- PyRAM: ``.import FILE t`` in a :class:`pyram.shell.Shell` over an in-memory database whose
  table ``t (id INTEGER PRIMARY KEY, name TEXT, score REAL)`` exists (every value converted and
  type-checked, the primary key index filled);
- sqlite3: the same table in an in-memory database filled from ``csv.reader`` with one
  ``executemany`` in a transaction, what the sqlite3 CLI's ``.import`` does in C.

It prints wall seconds, CPU seconds and rows per CPU second for each, and the ratio.
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyram
from pyram.shell import Shell
from pyram.shell.commands import run_dot_command

DDL = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)"


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` rows of ``id,name,score`` after a header line."""
    rng = random.Random(seed)
    with path.open("w", newline="") as out:
        out.write("id,name,score\n")
        out.writelines(f"{i},name{i},{rng.random() * 100:.3f}\n" for i in range(1, rows + 1))


def _timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, count


def pyram_import(path: Path) -> int:
    """``.import`` into a fresh database; the rows imported."""
    db = pyram.Database()
    db.sql(DDL)
    run_dot_command(Shell(db, io.StringIO(), io.StringIO()), f".import {path} t")
    return int(db.sql("SELECT count(*) FROM t").scalar())


def sqlite_import(path: Path) -> int:
    """The same rows into sqlite3 with ``executemany``; the rows imported."""
    conn = sqlite3.connect(":memory:")
    conn.execute(DDL)
    with path.open(newline="") as handle, conn:
        reader = csv.reader(handle)
        next(reader)
        conn.executemany("INSERT INTO t VALUES (?, ?, ?)", reader)
    return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])


def main(argv: list[str]) -> None:
    rows = int(argv[0]) if argv else 300_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        write_csv(path, rows)
        results = {"pyram .import": _timed(lambda: pyram_import(path))}
        results["sqlite3 executemany"] = _timed(lambda: sqlite_import(path))
    for name, (wall, cpu, count) in results.items():
        assert count == rows, (name, count)
        timing = f"wall {wall:6.2f}s  cpu {cpu:6.2f}s  {rows / cpu:>11,.0f} rows/s"
        print(f"{name:22} {rows:>9,} rows  {timing}")
    ratio = results["pyram .import"][1] / results["sqlite3 executemany"][1]
    print(f"pyram / sqlite3 (cpu): {ratio:.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
