"""Time travel: what history costs writes (on vs off), and reading the past vs the present.

A registered suite of ``python -m benchmarks`` (``--only time_travel``); alone:
``python -m benchmarks.time_travel [--rows 10k,100k] [--ops 2000]``.

Table ``t(id INTEGER PRIMARY KEY, v INTEGER)``; per size:

* ``update``: ``UPDATE t SET v = ? WHERE id = ?`` autocommitted, one row each, through
  ``db.sql``: PyRAM without history, PyRAM keeping an hour of history, and sqlite3 (us/op);
* ``update tx``: the same updates in transactions of 100;
* ``scan``: ``SELECT sum(v) FROM t`` now, and ``FOR SYSTEM_TIME AS OF`` the commit before the
  updates (the scan reads around every kept version), vs sqlite3's scan of the present.

Answers are checked: the past sum equals the sum before the updates.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pyram
from benchmarks.ratios import Ratio, format_ratios, to_json
from benchmarks.suites import SuiteContext, SuiteResult
from benchmarks.verify import MismatchError

__all__ = ["run", "run_time_travel"]

CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"
UPDATE = "UPDATE t SET v = ? WHERE id = ?"
TX = 100


def _per_op(run: Callable[[], object], ops: int) -> float:
    """Microseconds per operation, the best of three runs (the machine may be shared)."""
    return _best(run) / ops * 1e6


def _updates(rows: int, ops: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(1000), rng.randrange(rows)) for _ in range(ops)]


def _pyram(rows: int, history: bool) -> pyram.Database:
    db = pyram.Database()
    db.sql(CREATE)
    db.insert_columns("t", {"id": list(range(rows)), "v": [i % 7 for i in range(rows)]})
    if history:
        db.set_history("t", timedelta(hours=1))
    return db


def run_time_travel(
    sizes: list[int], ops: int, seed: int, log: Callable[[str], None]
) -> list[Ratio]:
    """The suite's ratios, every size."""
    out: list[Ratio] = []
    for rows in sizes:
        log(f"time_travel: {rows:,} rows")
        out.extend(_one_size(rows, _updates(rows, ops, seed)))
    return out


def _one_size(rows: int, updates: list[tuple[int, int]]) -> list[Ratio]:
    ops = len(updates)
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute(CREATE)
    con.executemany("INSERT INTO t VALUES (?, ?)", ((i, i % 7) for i in range(rows)))
    lite = _per_op(lambda: [con.execute(UPDATE, u) for u in updates], ops)
    lite_tx = _per_op(lambda: _sqlite_batches(con, updates), ops)
    out: list[Ratio] = []
    for history in (False, True):
        db = _pyram(rows, history)
        before = db.commit_stamp
        past_sum = db.sql("SELECT sum(v) FROM t").scalar()
        ours = _per_op(partial(_pyram_each, db, updates), ops)
        ours_tx = _per_op(partial(_pyram_batches, db, updates), ops)
        label = "history on" if history else "history off"
        out.append(Ratio(f"update ({label})", "db.sql", rows, ops, "us/op", ours, lite))
        out.append(Ratio(f"update tx ({label})", "db.sql", rows, ops, "us/op", ours_tx, lite_tx))
        if history:
            out.extend(_scans(db, con, rows, before, past_sum))
    return out


def _pyram_each(db: pyram.Database, updates: list[tuple[int, int]]) -> None:
    for update in updates:
        db.sql(UPDATE, update)


def _sqlite_batches(con: sqlite3.Connection, updates: list[tuple[int, int]]) -> None:
    for i in range(0, len(updates), TX):
        con.execute("BEGIN")
        con.executemany(UPDATE, updates[i : i + TX])
        con.execute("COMMIT")


def _pyram_batches(db: pyram.Database, updates: list[tuple[int, int]]) -> None:
    for i in range(0, len(updates), TX):
        with db.transaction():
            for update in updates[i : i + TX]:
                db.sql(UPDATE, update)


def _scans(
    db: pyram.Database, con: sqlite3.Connection, rows: int, before: int, past_sum: int
) -> list[Ratio]:
    past = f"SELECT sum(v) FROM t FOR SYSTEM_TIME AS OF {before}"
    if db.sql(past).scalar() != past_sum:
        raise MismatchError("the past sum differs from the sum before the updates")
    lite = _best(lambda: con.execute("SELECT sum(v) FROM t").fetchall())
    now = _best(lambda: db.sql("SELECT sum(v) FROM t").scalar())
    then = _best(lambda: db.sql(past).scalar())
    return [
        Ratio("scan now (history on)", "db.sql", rows, 1, "s", now, lite),
        Ratio("scan as of the start", "db.sql", rows, 1, "s", then, lite),
    ]


def _best(run: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def run(context: SuiteContext) -> SuiteResult:
    """The ``time_travel`` suite (no target: the issue asks for the cost, on vs off)."""
    ops = 300 if context.quick else 2000
    ratios = run_time_travel(context.sizes, ops, context.seed, context.log)
    return SuiteResult(
        format_ratios("time travel: history on vs off, past vs present", ratios),
        to_json(ratios),
        ratios,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the suite alone and print its table."""
    from benchmarks.__main__ import parse_counts

    parser = argparse.ArgumentParser(prog="python -m benchmarks.time_travel")
    parser.add_argument("--rows", type=parse_counts, default=[10_000, 100_000])
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    ratios = run_time_travel(args.rows, args.ops, args.seed, lambda m: print(m, file=sys.stderr))
    print(format_ratios("time travel: history on vs off, past vs present", ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
