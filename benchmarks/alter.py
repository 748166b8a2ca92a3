"""ALTER TABLE cost: PyRAM vs sqlite3, per form, on a loaded in-memory table.

Run alone: ``python -m benchmarks.alter [--rows 100k]``. Each engine loads the same table
(``id`` key, an INTEGER, a TEXT and a NOT NULL REAL column, an index on the INTEGER), then runs
the statements below in order, one timing each; both must end with the same rows.

PyRAM rebuilds the table for every form (columns copied, unchanged indexes copied, the row
versions kept for older snapshots), so each form costs a pass over the data; SQLite changes
only its schema text for ADD COLUMN and the renames, and rewrites the table for DROP COLUMN.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections.abc import Callable
from functools import partial

import pyram
from benchmarks.verify import MismatchError

__all__ = ["STATEMENTS", "run_alter"]

CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL NOT NULL)"
INDEX = "CREATE INDEX t_a ON t (a)"
STATEMENTS = (
    "ALTER TABLE t ADD COLUMN d INTEGER NOT NULL DEFAULT 7",
    "ALTER TABLE t RENAME COLUMN b TO label",
    "ALTER TABLE t DROP COLUMN label",
    "ALTER TABLE t RENAME TO u",
)


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _sqlite_run(con: sqlite3.Connection, statement: str) -> None:
    con.execute(statement)
    con.commit()


def run_alter(rows: int) -> list[tuple[str, float, float]]:
    """(statement, PyRAM seconds, sqlite3 seconds) for each statement."""
    data = [(i, i % 100, f"s{i}", i * 0.5) for i in range(rows)]
    db = pyram.Database()
    db.sql(CREATE)
    db.sql(INDEX)
    db.sql("INSERT INTO t VALUES (?, ?, ?, ?)", data[0])
    with db.transaction():
        for row in data[1:]:
            db.sql("INSERT INTO t VALUES (?, ?, ?, ?)", row)
    con = sqlite3.connect(":memory:")
    con.execute(CREATE)
    con.execute(INDEX)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", data)
    con.commit()
    out = []
    for statement in STATEMENTS:
        ours = _timed(partial(db.sql, statement))
        theirs = _timed(partial(_sqlite_run, con, statement))
        out.append((statement, ours, theirs))
    query = "SELECT * FROM u ORDER BY id"
    if db.sql(query).all() != con.execute(query).fetchall():
        raise MismatchError("PyRAM and sqlite3 disagree after the ALTERs")
    return out


def main() -> None:
    """Print the table of timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000")
    args = parser.parse_args()
    rows = int(float(args.rows.lower().replace("k", "e3").replace("m", "e6")))
    print(f"ALTER TABLE on {rows:,} rows (ms)")
    print(f"{'statement':55} {'pyram':>8} {'sqlite3':>8} {'ratio':>7}")
    for statement, ours, theirs in run_alter(rows):
        print(f"{statement:55} {ours * 1e3:8.1f} {theirs * 1e3:8.1f} {ours / theirs:6.1f}x")


if __name__ == "__main__":
    main()
