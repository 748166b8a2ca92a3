"""Verification and timing: engine by engine, size by size, in one process.

Each engine is loaded alone (and released before the next) so that objects of one engine do not
slow another's garbage collection. For every workload: one verification pass (also a warm-up)
whose answer must equal sqlite3's, then timed runs with ``gc.collect()`` before each. A slow
cell gets fewer timed runs: at most ``budget`` seconds' worth, and at least one.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.data import Dataset, make_dataset
from benchmarks.memory import pyram_bytes_per_row
from benchmarks.peers import Peer
from benchmarks.pyram_engine import PyramEngine
from benchmarks.sqlite_engine import SqliteEngine
from benchmarks.verify import MismatchError, assert_same, canonical
from benchmarks.workloads import WORKLOADS, Engine, Run, Workload

__all__ = [
    "Failure",
    "Measurement",
    "MemoryResult",
    "Options",
    "Results",
    "Skip",
    "run_benchmarks",
]

REFERENCE = "sqlite3"


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


@dataclass(frozen=True, slots=True)
class Measurement:
    """Timings of one (workload, rows, engine) cell."""

    workload: str
    rows: int
    engine: str
    times: list[float]
    verify_seconds: float
    ops: int

    @property
    def median(self) -> float:
        """Median of the timed runs, in seconds."""
        return statistics.median(self.times)


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
        for m in self.measurements:
            if (m.workload, m.rows, m.engine) == (workload, rows, engine):
                return m.median
        return None


def log(message: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def _timed(run: Run, repeat: int, budget: float, first: float) -> list[float]:
    count = repeat if first * repeat <= budget else max(1, int(budget // max(first, 1e-9)))
    times: list[float] = []
    for _ in range(count):
        if run.setup is not None:
            run.setup()
        gc.collect()
        start = time.perf_counter()
        out = run.run()
        times.append(time.perf_counter() - start)
        del out  # freeing the result is not part of the timing
    return times


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


def _bench_engine(
    engine: Engine,
    data: Dataset,
    options: Options,
    references: dict[str, object],
    results: Results,
) -> None:
    start = time.perf_counter()
    engine.load(data)
    loaded = time.perf_counter() - start
    results.loads.setdefault(engine.name, {})[data.rows] = loaded
    log(f"  {engine.name}: loaded in {loaded:.2f} s")
    runs = engine.runs(data)
    for workload in _workloads_for(engine.name, options.workloads):
        run = runs.get(workload.name)
        if run is None:
            continue
        try:
            answer, first = _verify(run)
            answer = canonical(answer, workload.ordered)
            if engine.name == REFERENCE:
                references[workload.name] = answer
            elif workload.reference is not None and workload.reference in references:
                assert_same(workload.name, engine.name, references[workload.reference], answer)
            del answer
            times = _timed(run, options.repeat, options.budget, first)
        except MismatchError:
            raise
        except Exception as exc:  # an engine error is reported, not fatal
            results.failures.append(
                Failure(engine.name, data.rows, workload.name, f"{type(exc).__name__}: {exc}")
            )
            log(f"    {workload.name}: FAILED {type(exc).__name__}: {exc}")
            continue
        finally:
            if run.teardown is not None:
                run.teardown()
        measurement = Measurement(
            workload.name, data.rows, engine.name, times, first, workload.ops(data)
        )
        results.measurements.append(measurement)
        log(
            f"    {workload.name:<18} verified in {first:8.3f} s; "
            f"median of {len(times)}: {measurement.median:8.4f} s"
        )
    if isinstance(engine, SqliteEngine) and engine.bytes_per_row is not None and options.memory:
        results.memory.append(
            MemoryResult(data.rows, engine.name, engine.bytes_per_row, "page_count * page_size")
        )


def run_benchmarks(options: Options) -> Results:
    """Run every selected workload on every engine at every size.

    Raises:
        MismatchError: an engine's answer differs from sqlite3's (the run stops).
    """
    results = Results()
    factories: list[tuple[str, Callable[[], Engine], int | None]] = [
        (REFERENCE, SqliteEngine, None),
        ("pyram", PyramEngine, None),
        *((p.name, p.factory, p.max_rows) for p in options.peers),
    ]
    lookups, ranges = options.lookups, options.ranges
    for rows in options.sizes:
        log(f"[{rows:,} rows] generating data (seed {options.seed})")
        data = make_dataset(rows, lookups=lookups, ranges=ranges, seed=options.seed)
        references: dict[str, object] = {}
        for name, factory, max_rows in factories:
            if max_rows is not None and rows > max_rows:
                results.skipped.append(Skip(name, rows, f"skipped above {max_rows:,} rows (slow)"))
                log(f"  {name}: skipped above {max_rows:,} rows")
                continue
            engine = factory()
            try:
                _bench_engine(engine, data, options, references, results)
            finally:
                engine.close()
                del engine
                gc.collect()
        if options.memory:
            log("  pyram: measuring bytes per row (tracemalloc)")
            results.memory.append(
                MemoryResult(rows, "pyram", pyram_bytes_per_row(rows, options.seed), "tracemalloc")
            )
        del data, references
        gc.collect()
    return results
