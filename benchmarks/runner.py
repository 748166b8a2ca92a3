"""Verification and timing: group by group, size by size, in one process.

Engines run in groups. sqlite3, PyRAM through its DSL (``pyram``) and PyRAM through SQL
(``pyram-sql``) form the first group: they are loaded side by side and, workload by workload,
each verifies its answer (sqlite3 first: its answer is the reference), then the timed runs go in
rounds, one run of each engine per round. On a shared machine whose load comes and goes, the
engines being compared are then timed under the same conditions. Each optional peer is a group
of its own, loaded alone and released before the next, so that its objects do not slow another
engine's garbage collection.

For every workload: one verification pass (also a warm-up) whose answer must equal sqlite3's,
then timed runs with ``gc.collect()`` before each. A slow cell gets fewer timed runs: at most
``budget`` seconds' worth, and at least one.

A ``"concurrent"`` workload (``concurrent_reads``) runs for a fixed wall time and returns what
its threads did: its measurement keeps those rates per run (reads and writer transactions per
second, read latency) and, as its times, the seconds per read (all readers together), so that
its median and ratio to sqlite3 read like every other workload's (lower is better).
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from benchmarks.data import Dataset, make_dataset
from benchmarks.memory import pyram_bytes_per_row, pyram_sql_bytes_per_row
from benchmarks.peers import Peer
from benchmarks.pyram_engine import PyramEngine
from benchmarks.pyram_sql_engine import PyramSqlEngine
from benchmarks.sqlite_engine import SqliteEngine
from benchmarks.transactions import ConcurrentOutcome
from benchmarks.verify import MismatchError, assert_same, canonical
from benchmarks.workloads import CONCURRENT, WORKLOADS, Engine, Run, Workload

__all__ = [
    "PYRAM",
    "PYRAM_SQL",
    "REFERENCE",
    "Failure",
    "Measurement",
    "MemoryResult",
    "Options",
    "Results",
    "Skip",
    "run_benchmarks",
]

REFERENCE = "sqlite3"
PYRAM = "pyram"
PYRAM_SQL = "pyram-sql"


@dataclass(frozen=True, slots=True)
class Options:
    """What to run.

    Attributes:
        sizes: row counts of ``t``.
        repeat: timed runs per cell (fewer when over ``budget``).
        workloads: the selected workloads.
        memory: whether to measure bytes per row.
        lookups: point lookups and primary-key updates per run.
        ranges: range queries per run.
        budget: seconds of timed runs allowed per cell.
        seed: data seed.
        peers: optional engines to run.
        tx_readers: reader threads of ``concurrent_reads``.
        tx_seconds: wall time of one ``concurrent_reads`` run.
        tx_sqlite: sqlite3's set-up for ``concurrent_reads``: ``"wal"`` or ``"shared"``.
    """

    sizes: list[int]
    repeat: int
    workloads: tuple[Workload, ...]
    memory: bool
    lookups: int
    ranges: int
    budget: float
    seed: int
    peers: list[Peer]
    tx_readers: int = 2
    tx_seconds: float = 2.0
    tx_sqlite: str = "wal"


@dataclass(frozen=True, slots=True)
class Measurement:
    """Timings of one (workload, rows, engine) cell.

    ``times`` are seconds per run, except for a concurrent workload: seconds per read (all
    readers together). ``rates`` holds a concurrent workload's figures per run, by name (see
    :meth:`benchmarks.transactions.ConcurrentOutcome.rates`); empty for the others.
    """

    workload: str
    rows: int
    engine: str
    times: list[float]
    verify_seconds: float
    ops: int
    rates: dict[str, list[float]] = field(default_factory=dict)

    @property
    def median(self) -> float:
        """Median of the timed runs, in seconds."""
        return statistics.median(self.times)

    def median_rate(self, name: str) -> float | None:
        """Median of one of ``rates`` over the runs, or None when not recorded."""
        values = self.rates.get(name)
        return statistics.median(values) if values else None


@dataclass(frozen=True, slots=True)
class MemoryResult:
    """Bytes per row of the loaded ``t``."""

    rows: int
    engine: str
    bytes_per_row: float
    method: str


@dataclass(frozen=True, slots=True)
class Skip:
    """An engine not run at a size, and why."""

    engine: str
    rows: int
    reason: str


@dataclass(frozen=True, slots=True)
class Failure:
    """A workload that raised (other than an answer mismatch, which aborts)."""

    engine: str
    rows: int
    workload: str
    error: str


@dataclass(slots=True)
class Results:
    """Everything measured."""

    measurements: list[Measurement] = field(default_factory=list)
    memory: list[MemoryResult] = field(default_factory=list)
    loads: dict[str, dict[int, float]] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def median(self, workload: str, rows: int, engine: str) -> float | None:
        """Median seconds of a cell, or None when it was not measured."""
        found = self.find(workload, rows, engine)
        return None if found is None else found.median

    def find(self, workload: str, rows: int, engine: str) -> Measurement | None:
        """The measurement of a cell, or None when it was not measured."""
        for m in self.measurements:
            if (m.workload, m.rows, m.engine) == (workload, rows, engine):
                return m
        return None


def log(message: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def _run_count(repeat: int, budget: float, first: float) -> int:
    """Timed runs for a cell whose verification pass took ``first`` seconds."""
    return repeat if first * repeat <= budget else max(1, int(budget // max(first, 1e-9)))


def _time_once(run: Run) -> float:
    if run.setup is not None:
        run.setup()
    gc.collect()
    start = time.perf_counter()
    out = run.run()
    elapsed = time.perf_counter() - start
    del out  # freeing the result is not part of the timing
    return elapsed


def _run_concurrent_once(run: Run) -> ConcurrentOutcome:
    if run.setup is not None:
        run.setup()
    gc.collect()
    outcome = run.run()
    if not isinstance(outcome, ConcurrentOutcome):
        raise TypeError(f"a concurrent workload returned {type(outcome).__name__}")
    return outcome


def _verify(run: Run) -> tuple[object, float]:
    if run.setup is not None:
        run.setup()
    gc.collect()
    start = time.perf_counter()
    answer = (run.verify or run.run)()
    return answer, time.perf_counter() - start


def _workloads_for(engine: str, selected: tuple[Workload, ...]) -> list[Workload]:
    """Selected workloads; sqlite3 also runs the references of the selected ones."""
    if engine != REFERENCE:
        return list(selected)
    wanted = {w.name for w in selected} | {w.reference for w in selected if w.reference}
    return [w for w in WORKLOADS if w.name in wanted]


@dataclass(slots=True)
class _Cell:
    """One engine's verified run of the workload being timed, and its timings so far."""

    engine: str
    run: Run
    first: float
    count: int
    times: list[float] = field(default_factory=list)
    rates: dict[str, list[float]] = field(default_factory=dict)

    def time_once(self, workload: Workload) -> None:
        """One timed run (a concurrent one: its rates, and seconds per read as its time)."""
        if workload.kind != CONCURRENT:
            self.times.append(_time_once(self.run))
            return
        outcome = _run_concurrent_once(self.run)
        self.times.append(1.0 / outcome.reads_per_second if outcome.reads else math.inf)
        for name, value in outcome.rates().items():
            self.rates.setdefault(name, []).append(value)


def _verify_cell(
    engine: str,
    run: Run,
    workload: Workload,
    options: Options,
    references: dict[str, object],
) -> _Cell:
    answer, first = _verify(run)
    answer = canonical(answer, workload.ordered)
    if engine == REFERENCE:
        references[workload.name] = answer
    elif workload.reference is not None and workload.reference in references:
        assert_same(workload.name, engine, references[workload.reference], answer)
    del answer
    return _Cell(engine, run, first, _run_count(options.repeat, options.budget, first))


def _bench_workload(
    workload: Workload,
    runs: dict[str, dict[str, Run]],
    data: Dataset,
    options: Options,
    references: dict[str, object],
    results: Results,
) -> None:
    """Verify every engine of the group on ``workload`` (in group order), then time them in
    rounds: one timed run of each engine per round, so all see the same machine load."""
    cells: list[_Cell] = []

    def fail(engine: str, run: Run, exc: Exception) -> None:
        results.failures.append(
            Failure(engine, data.rows, workload.name, f"{type(exc).__name__}: {exc}")
        )
        log(f"    {workload.name}: {engine} FAILED {type(exc).__name__}: {exc}")
        if run.teardown is not None:
            run.teardown()

    try:
        for engine, by_name in runs.items():
            if workload not in _workloads_for(engine, options.workloads):
                continue
            run = by_name.get(workload.name)
            if run is None:
                continue
            try:
                cells.append(_verify_cell(engine, run, workload, options, references))
            except MismatchError:
                if run.teardown is not None:
                    run.teardown()
                raise
            except Exception as exc:  # an engine error is reported, not fatal
                fail(engine, run, exc)
        for round_ in range(max((c.count for c in cells), default=0)):
            for cell in list(cells):
                if round_ >= cell.count:
                    continue
                try:
                    cell.time_once(workload)
                except MismatchError:
                    raise
                except Exception as exc:
                    cells.remove(cell)
                    fail(cell.engine, cell.run, exc)
    finally:
        for cell in cells:
            if cell.run.teardown is not None:
                cell.run.teardown()
    for cell in cells:
        measurement = Measurement(
            workload.name,
            data.rows,
            cell.engine,
            cell.times,
            cell.first,
            workload.ops(data),
            cell.rates,
        )
        results.measurements.append(measurement)
        if workload.kind == CONCURRENT:
            reads = measurement.median_rate("reads_per_s") or 0.0
            writes = measurement.median_rate("writer_tx_per_s") or 0.0
            summary = f"{reads:10,.0f} reads/s, writer {writes:8,.0f} tx/s"
        else:
            summary = f"{measurement.median:8.4f} s"
        log(
            f"    {workload.name:<18} {cell.engine:<11} verified in {cell.first:8.3f} s; "
            f"median of {len(cell.times)}: {summary}"
        )


def _bench_group(
    engines: list[Engine],
    data: Dataset,
    options: Options,
    references: dict[str, object],
    results: Results,
) -> None:
    """Load every engine of the group, then run the workloads one by one across the group."""
    runs: dict[str, dict[str, Run]] = {}
    for engine in engines:
        start = time.perf_counter()
        engine.load(data)
        loaded = time.perf_counter() - start
        results.loads.setdefault(engine.name, {})[data.rows] = loaded
        log(f"  {engine.name}: loaded in {loaded:.2f} s")
        runs[engine.name] = engine.runs(data)
    for workload in WORKLOADS:
        _bench_workload(workload, runs, data, options, references, results)
    for engine in engines:
        if options.memory and isinstance(engine, SqliteEngine) and engine.bytes_per_row:
            results.memory.append(
                MemoryResult(data.rows, engine.name, engine.bytes_per_row, "page_count * page_size")
            )


def run_benchmarks(options: Options) -> Results:
    """Run every selected workload on every engine at every size.

    Raises:
        MismatchError: an engine's answer differs from sqlite3's (the run stops).
    """
    results = Results()
    # sqlite3 and both PyRAM front ends form one group: loaded side by side and timed in
    # rounds, so their ratios are not skewed by load that comes and goes on the machine.
    # Each optional peer runs alone, after them.
    core: list[tuple[str, Callable[[], Engine]]] = [
        (REFERENCE, partial(SqliteEngine, options.tx_sqlite)),
        (PYRAM, PyramEngine),
        (PYRAM_SQL, PyramSqlEngine),
    ]
    groups: list[tuple[list[tuple[str, Callable[[], Engine]]], int | None]] = [
        (core, None),
        *(([(p.name, p.factory)], p.max_rows) for p in options.peers),
    ]
    lookups, ranges = options.lookups, options.ranges
    for rows in options.sizes:
        log(f"[{rows:,} rows] generating data (seed {options.seed})")
        data = make_dataset(
            rows,
            lookups=lookups,
            ranges=ranges,
            seed=options.seed,
            tx_readers=options.tx_readers,
            tx_seconds=options.tx_seconds,
        )
        references: dict[str, object] = {}
        for members, max_rows in groups:
            if max_rows is not None and rows > max_rows:
                for name, _ in members:
                    results.skipped.append(
                        Skip(name, rows, f"skipped above {max_rows:,} rows (slow)")
                    )
                    log(f"  {name}: skipped above {max_rows:,} rows")
                continue
            engines = [factory() for _, factory in members]
            try:
                _bench_group(engines, data, options, references, results)
            finally:
                for engine in engines:
                    engine.close()
                del engines
                gc.collect()
        if options.memory:
            log("  pyram: measuring bytes per row (tracemalloc)")
            results.memory.append(
                MemoryResult(
                    rows,
                    PYRAM,
                    pyram_bytes_per_row(rows, options.seed),
                    "tracemalloc; model table, insert_many",
                )
            )
            log("  pyram-sql: measuring bytes per row (tracemalloc)")
            per_row, method = pyram_sql_bytes_per_row(rows, options.seed)
            results.memory.append(MemoryResult(rows, PYRAM_SQL, per_row, method))
        del data, references
        gc.collect()
    return results
