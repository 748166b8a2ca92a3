"""The write-path suite's fixture and timing loop.

One :class:`Fixture` per table size holds table ``t`` loaded twice: in a PyRAM database (the
``@pyram.table`` class :class:`benchmarks.pyram_engine.T`, so every path reaches the same
table: the DSL, ``db.*``, ``db.sql`` and a DB-API connection wrapping the database) and in a
sqlite3 ``:memory:`` connection. Workloads leave ``t`` as they found it, up to values they set
idempotently: a run's untimed ``setup`` deletes the rows an insert workload added and puts back
the rows a delete workload removed, so one load serves every workload and path.

:func:`time_paths` runs one workload: sqlite3 first, then each PyRAM path, in rounds (one run
of each per round, so load coming and going on the machine hits all alike). Every path's first
run is checked: its answer (what the statements returned, and checksums of the
whole table after it) must equal sqlite3's, or the benchmark stops with
:class:`benchmarks.verify.MismatchError`. That first run also warms up (statement and plan
caches): it counts only when the budget allowed no other run.
"""

from __future__ import annotations

import gc
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyram
from benchmarks.data import Dataset, TRow
from benchmarks.pyram_engine import T, load_t
from benchmarks.sqlite_engine import DDL
from benchmarks.verify import MismatchError, assert_same

__all__ = [
    "CHECKSUM",
    "DBAPI",
    "DELETE",
    "DSL",
    "INSERT",
    "NATIVE",
    "SELECT",
    "SQL",
    "SQLITE",
    "UPDATE",
    "UPSERT",
    "Fixture",
    "PathRun",
    "Timing",
    "rows_of",
    "time_paths",
]

# How PyRAM is reached (the chart's bars, the table's "path" column).
DSL = "DSL"
NATIVE = "db.*"
SQL = "db.sql"
DBAPI = "DB-API"
SQLITE = "sqlite3"

INSERT = "INSERT INTO t VALUES (?, ?, ?, ?, ?)"
UPDATE = "UPDATE t SET val = ? WHERE id = ?"
DELETE = "DELETE FROM t WHERE id = ?"
SELECT = "SELECT * FROM t WHERE id = ?"
UPSERT = (
    "INSERT INTO t VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " grp = excluded.grp, cat = excluded.cat, val = excluded.val, flag = excluded.flag"
)
#: Whole-table checksums, part of every answer (sum(val * id) sees which row got which value).
CHECKSUM = "SELECT count(*), sum(id), sum(val), sum(val * id), sum(grp) FROM t"
_ADDED = "DELETE FROM t WHERE id > ?"


class Fixture:
    """Table ``t`` loaded in PyRAM and in sqlite3, with the connections every path uses.

    Attributes:
        data: the data set (rows ``1..data.rows``).
        db: the PyRAM database (model ``T``).
        con: a PyRAM DB-API connection on ``db``.
        lite: the sqlite3 connection (same schema: primary key, index on ``grp``).
    """

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.db = pyram.Database()
        self.db.create(T)
        load_t(self.db, data.t_rows)
        self.con = pyram.connect(self.db)
        self.lite = sqlite3.connect(":memory:")
        for statement in DDL[:2]:  # t and its index on grp
            self.lite.execute(statement)
        self.lite.executemany(INSERT, data.t_rows)
        self.lite.commit()
        self.lite.execute("ANALYZE")

    def connection(self, path: str) -> pyram.dbapi.Connection | sqlite3.Connection:
        """The DB-API connection of ``path``: sqlite3's for :data:`SQLITE`, else PyRAM's."""
        return self.lite if path == SQLITE else self.con

    def checksum(self, path: str) -> tuple[object, ...]:
        """:data:`CHECKSUM` of ``t`` as ``path``'s engine holds it (committed)."""
        row = self.connection(path).execute(CHECKSUM).fetchone()
        assert row is not None
        return tuple(row)

    def restore(self, path: str, removed: Iterable[int] = ()) -> None:
        """Untimed: drop rows added past the loaded ids, put back loaded rows of ``removed``."""
        con = self.connection(path)
        con.isolation_level = ""
        con.execute(_ADDED, (self.data.rows,))
        rows = self.data.t_rows
        exists = "SELECT 1 FROM t WHERE id = ?"
        missing = [rows[k - 1] for k in removed if con.execute(exists, (k,)).fetchone() is None]
        if missing and path == SQLITE:
            con.executemany(INSERT, missing)
        elif missing:
            con.commit()
            load_t(self.db, missing)
        con.commit()

    def reset(self) -> None:
        """Untimed, after a workload: both engines hold exactly the loaded ids again (rows
        deleted by any workload put back; values an UPDATE set stay, the same in both)."""
        everything = range(1, self.data.rows + 1)
        for path in (SQLITE, DBAPI):
            con = self.connection(path)
            present = {row[0] for row in con.execute("SELECT id FROM t").fetchall()}
            self.restore(path, [k for k in everything if k not in present])

    def close(self) -> None:
        """Release both databases."""
        self.con.close()
        self.lite.close()


@dataclass(frozen=True, slots=True)
class PathRun:
    """One path of a workload.

    Attributes:
        run: the timed body; returns what the statements returned (rowcounts, rows).
        answer: untimed, after a run: a plain answer from ``run``'s result (tuples, numbers)
            for comparison with sqlite3's.
        setup: untimed preparation before every run (restores ``t``).
    """

    run: Callable[[], object]
    answer: Callable[[object], object]
    setup: Callable[[], None] | None = None


@dataclass(slots=True)
class Timing:
    """Seconds per run of one path, or why it has none."""

    times: list[float] = field(default_factory=list)
    error: str = ""

    @property
    def median(self) -> float | None:
        """Median seconds per run (None when it never ran)."""
        return statistics.median(self.times) if self.times else None


def _once(path: PathRun) -> tuple[float, object]:
    if path.setup is not None:
        path.setup()
    gc.collect()
    start = time.perf_counter()
    out = path.run()
    return time.perf_counter() - start, out


def time_paths(
    workload: str,
    paths: dict[str, PathRun],
    repeat: int,
    budget: float,
    log: Callable[[str], None],
) -> dict[str, Timing]:
    """Time every path of one workload (``paths`` starts with :data:`SQLITE`, the reference).

    A path gets a verifying run and ``repeat`` timed runs, fewer once its runs have taken
    ``budget`` seconds (then the verifying run is its only timing). An exception in a PyRAM
    path is recorded in its :class:`Timing` and that path stops.

    Raises:
        MismatchError: a path's first answer differs from sqlite3's.
    """
    timings = {name: Timing() for name in paths}
    reference: object = None
    for round_ in range(repeat + 1):  # round 0 verifies and warms up
        for name, path in paths.items():
            timing = timings[name]
            if timing.error or (round_ and sum(timing.times) >= budget):
                continue
            try:
                elapsed, out = _once(path)
                if round_ == 0:
                    answer = path.answer(out)
                    if name == SQLITE:
                        reference = answer
                    else:
                        assert_same(workload, f"pyram {name}", reference, answer)
            except MismatchError:
                raise
            except Exception as exc:  # an engine error is reported, not fatal
                if name == SQLITE:
                    raise
                timing.error = f"{type(exc).__name__}: {exc}"[:160]
                log(f"    {workload}: {name} FAILED {timing.error}")
                continue
            timing.times.append(elapsed)
    for name, timing in timings.items():
        if len(timing.times) > 1:  # the first run verified and warmed up (plans, caches)
            del timing.times[0]
        if timing.times:
            log(
                f"    {workload:<28} {name:<8} median of {len(timing.times)}: {timing.median:.4f} s"
            )
    return timings


def rows_of(values: Iterable[TRow | None]) -> list[tuple[object, ...] | None]:
    """Fetched rows as plain tuples (model instances already turned into tuples)."""
    return [None if v is None else tuple(v) for v in values]
