"""The transaction workloads: the small transaction, and the threaded ``concurrent_reads`` harness.

Every engine runs the same small transaction (step ``i`` of :func:`tx_steps`)::

    BEGIN
    INSERT INTO t VALUES (?, ?, ?, ?, ?)     -- a new row: id = rows + 1 + i, val = delta
    UPDATE t SET val = val - ? WHERE id = ?  -- an existing row of the same grp, minus delta
    COMMIT

The updated ids cycle through ``data.update_keys``; ``delta`` is 1.0 to 100.0. A transaction
adds one row to a group and leaves the group's ``sum(val)`` unchanged, so every committed state
of ``t`` has, for every ``grp``, the loaded sum and at least the loaded count. A reader that saw
half a transaction would find its group's sum off by ``delta``: that is what
:func:`run_concurrent` checks.

* ``small_transactions`` runs ``len(data.update_keys)`` of them back to back on a freshly loaded
  copy of ``t`` (the timed run); its answer is the final state of every row it touched plus
  whole-table totals, which must match sqlite3's.
* ``concurrent_reads`` runs :func:`run_concurrent`: one writer thread commits these
  transactions back to back while ``data.tx_readers`` reader threads run
  ``SELECT count(*), sum(val) FROM t WHERE grp = ?`` as fast as they can for
  ``data.tx_seconds``. Every result is checked against the invariant above, and afterwards
  every group's count must add up to the loaded rows plus the committed transactions.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.data import CATEGORIES, GROUPS, Dataset, TRow
from benchmarks.verify import MismatchError

__all__ = [
    "CONCURRENT_READ",
    "CONSISTENT",
    "TX_INSERT",
    "TX_ROW",
    "TX_TOTALS",
    "TX_UPDATE",
    "ConcurrentOutcome",
    "GroupTotals",
    "OpenReader",
    "Read",
    "Transact",
    "TxStep",
    "group_totals",
    "run_concurrent",
    "run_steps",
    "touched_ids",
    "tx_steps",
]

# The SQL of the workloads (sqlite3 and PyRAM SQL run this text; the DSL builds the same).
#: The transaction's first statement: the new row.
TX_INSERT = "INSERT INTO t VALUES (?, ?, ?, ?, ?)"
#: The transaction's second statement, parameters ``(delta, id)``.
TX_UPDATE = "UPDATE t SET val = val - ? WHERE id = ?"
#: Whole-table totals, part of the ``small_transactions`` answer.
TX_TOTALS = "SELECT count(*), sum(grp), sum(val) FROM t"
#: One touched row, for the ``small_transactions`` answer.
TX_ROW = "SELECT * FROM t WHERE id = ?"
#: The readers' query of ``concurrent_reads``.
CONCURRENT_READ = "SELECT count(*), sum(val) FROM t WHERE grp = ?"
#: What a ``concurrent_reads`` verification pass returns when every read was consistent.
CONSISTENT = ("consistent totals",)
#: A group sum may differ from the loaded one by rounding only; a partial transaction moves it
#: by its delta, at least 1.0.
SUM_TOLERANCE = 1e-3
_WRITER_CHUNK = 1024  # transactions the writer prepares at a time
_READER_GROUPS = 4096  # length of each reader's (cycled) sequence of random groups
_STUCK_SECONDS = 30.0  # a reader still refused this long after the deadline gives up

#: ``(new row, id of the existing row to update, delta)``
TxStep = tuple[TRow, int, float]
#: Runs one small transaction, committed; raises (having rolled back) when it fails.
Transact = Callable[[TRow, int, float], object]
#: One reader query: ``grp`` -> ``(count, sum of val)`` (the sum None for an empty group).
Read = Callable[[int], tuple[int, float | None]]
#: Called in a reader thread: a read function for that thread and a function closing it.
OpenReader = Callable[[], tuple[Read, Callable[[], None]]]


def tx_steps(data: Dataset, start: int, count: int) -> list[TxStep]:
    """Steps ``start .. start + count - 1`` of the transaction sequence (a pure function)."""
    keys, rows, t_rows = data.update_keys, data.rows, data.t_rows
    n_keys, n_cats = len(keys), len(CATEGORIES)
    steps: list[TxStep] = []
    for i in range(start, start + count):
        key = keys[i % n_keys]
        delta = float(1 + i % 100)
        row = (rows + 1 + i, t_rows[key - 1][1], CATEGORIES[i % n_cats], delta, i % 2 == 0)
        steps.append((row, key, delta))
    return steps


def touched_ids(data: Dataset, count: int) -> list[int]:
    """Ids of every row the first ``count`` steps update or insert, ascending."""
    updated = {data.update_keys[i % len(data.update_keys)] for i in range(count)}
    return sorted(updated) + list(range(data.rows + 1, data.rows + 1 + count))


def run_steps(transact: Transact, steps: list[TxStep]) -> int:
    """Run ``steps`` one transaction each (the timed body of ``small_transactions``)."""
    for row, key, delta in steps:
        transact(row, key, delta)
    return len(steps)


@dataclass(frozen=True, slots=True)
class GroupTotals:
    """Per ``grp``: the loaded row count and ``sum(val)``, the invariant readers check."""

    counts: list[int]
    sums: list[float]


_totals_cache: list[tuple[Dataset, GroupTotals]] = []


def group_totals(data: Dataset) -> GroupTotals:
    """The loaded totals of every group (computed once per data set)."""
    for cached, totals in _totals_cache:
        if cached is data:
            return totals
    counts = [0] * GROUPS
    values: list[list[float]] = [[] for _ in range(GROUPS)]
    for _, grp, _, val, _ in data.t_rows:
        counts[grp] += 1
        values[grp].append(val)
    totals = GroupTotals(counts, [math.fsum(v) for v in values])
    _totals_cache[:] = [(data, totals)]
    return totals


@dataclass(frozen=True, slots=True)
class ConcurrentOutcome:
    """One ``concurrent_reads`` run.

    Attributes:
        readers: reader threads.
        read_seconds: from the common start to the last reader's last read.
        reads: queries the readers completed (all readers).
        write_seconds: from the common start to the writer's last commit.
        writes: transactions the writer committed.
        read_retries: reads that failed on a lock and were run again (sqlite3 shared cache).
        write_retries: transactions that failed on a lock, rolled back and ran again.
        read_p99: 99th percentile of one read's latency (retries included), in seconds.
        read_max: the slowest read, in seconds.
    """

    readers: int
    read_seconds: float
    reads: int
    write_seconds: float
    writes: int
    read_retries: int
    write_retries: int
    read_p99: float
    read_max: float

    @property
    def reads_per_second(self) -> float:
        """Reads per second, all readers together."""
        return self.reads / self.read_seconds if self.read_seconds > 0 else 0.0

    @property
    def writes_per_second(self) -> float:
        """The writer's committed transactions per second."""
        return self.writes / self.write_seconds if self.write_seconds > 0 else 0.0

    def rates(self) -> dict[str, float]:
        """The figures the report and the JSON file keep, by name."""
        return {
            "reads_per_s": self.reads_per_second,
            "writer_tx_per_s": self.writes_per_second,
            "read_p99_ms": self.read_p99 * 1e3,
            "read_max_ms": self.read_max * 1e3,
            "read_retries": float(self.read_retries),
            "write_retries": float(self.write_retries),
        }


def _busy_never(_: BaseException) -> bool:
    return False


def run_concurrent(
    engine: str,
    data: Dataset,
    transact: Transact,
    open_reader: OpenReader,
    is_busy: Callable[[BaseException], bool] = _busy_never,
) -> ConcurrentOutcome:
    """One writer and ``data.tx_readers`` readers for ``data.tx_seconds``; checks every read.

    All threads start together (a barrier); the readers stop starting reads at the deadline,
    the writer stops starting transactions. An exception for which ``is_busy`` is true (a lock
    conflict) is counted and the read or transaction run again; any other exception in a thread
    is re-raised here after all threads have stopped.

    Raises:
        MismatchError: a reader saw a state no sequence of whole transactions produces, or the
            final row counts do not add up to the loaded rows plus the committed transactions.
    """
    readers, seconds = data.tx_readers, data.tx_seconds
    clock = time.perf_counter
    timing = [0.0, 0.0]  # start, deadline (set when every thread has arrived)

    def start_clock() -> None:
        timing[0] = clock()
        timing[1] = timing[0] + seconds

    barrier = threading.Barrier(readers + 2, action=start_clock)
    errors: list[BaseException] = []
    write_result = [0, 0, 0.0]  # committed, retries, end time
    read_results: list[tuple[list[tuple[int, float | None]], list[float], int, float]] = [
        ([], [], 0, 0.0) for _ in range(readers)
    ]
    sequences = [
        [rng.randrange(GROUPS) for _ in range(_READER_GROUPS)]
        for rng in (random.Random(data.rows * 31 + j) for j in range(readers))
    ]

    def writer() -> None:
        committed = retries = 0
        steps, k = tx_steps(data, 0, _WRITER_CHUNK), 0
        barrier.wait()
        end = timing[1]
        while clock() < end:
            if k == len(steps):
                steps, k = tx_steps(data, committed, _WRITER_CHUNK), 0
            row, key, delta = steps[k]
            try:
                transact(row, key, delta)
            except Exception as exc:
                if not is_busy(exc):
                    raise
                retries += 1  # rolled back: run the same step again
                continue
            k += 1
            committed += 1
        write_result[:] = [committed, retries, clock()]

    def reader(j: int) -> None:
        read, close = open_reader()
        groups = sequences[j]
        results: list[tuple[int, float | None]] = []
        latencies: list[float] = []
        append, note = results.append, latencies.append
        retries = 0
        mask = _READER_GROUPS - 1
        n = 0
        try:
            barrier.wait()
            end = timing[1]
            while True:
                began = clock()
                if began >= end:
                    break
                g = groups[n & mask]
                while True:
                    try:
                        answer = read(g)
                    except Exception as exc:
                        if not is_busy(exc) or clock() > end + _STUCK_SECONDS:
                            raise
                        retries += 1
                        continue
                    break
                note(clock() - began)
                append(answer)
                n += 1
            read_results[j] = (results, latencies, retries, clock())
        finally:
            close()

    def guarded(fn: Callable[..., None], *args: object) -> threading.Thread:
        def body() -> None:
            try:
                fn(*args)
            except BaseException as exc:  # re-raised by the calling thread
                errors.append(exc)
                barrier.abort()

        return threading.Thread(target=body, name=f"bench-{engine}-{fn.__name__}", daemon=True)

    threads = [guarded(writer), *(guarded(reader, j) for j in range(readers))]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a thread failed: raised below
        barrier.wait()
    for thread in threads:
        thread.join()
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if real or errors:
        raise (real or errors)[0]

    totals = group_totals(data)
    start = timing[0]
    reads = 0
    latencies: list[float] = []
    for j, (results, lats, _, _) in enumerate(read_results):
        _check_reads(engine, totals, sequences[j], results)
        reads += len(results)
        latencies += lats
    committed = int(write_result[0])
    _check_final(engine, data, totals, open_reader, committed)
    latencies.sort()
    return ConcurrentOutcome(
        readers=readers,
        read_seconds=max(end for *_, end in read_results) - start,
        reads=reads,
        write_seconds=write_result[2] - start,
        writes=committed,
        read_retries=sum(r for _, _, r, _ in read_results),
        write_retries=int(write_result[1]),
        read_p99=latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0.0,
        read_max=latencies[-1] if latencies else 0.0,
    )


def _check_reads(
    engine: str, totals: GroupTotals, groups: list[int], results: list[tuple[int, float | None]]
) -> None:
    size = len(groups)
    counts, sums = totals.counts, totals.sums
    for n, (count, total) in enumerate(results):
        g = groups[n % size]
        if count < counts[g] or abs((total or 0.0) - sums[g]) > SUM_TOLERANCE:
            raise MismatchError(
                f"workload 'concurrent_reads': {engine} read #{n} of grp {g} saw count {count}, "
                f"sum {total!r}; every committed state has sum {sums[g]!r} and at least "
                f"{counts[g]} rows (a partly applied transaction?)"
            )


def _check_final(
    engine: str, data: Dataset, totals: GroupTotals, open_reader: OpenReader, committed: int
) -> None:
    read, close = open_reader()
    try:
        finals = [read(g) for g in range(GROUPS)]
    finally:
        close()
    _check_reads(engine, totals, list(range(GROUPS)), finals)
    rows = sum(count for count, _ in finals)
    if rows != data.rows + committed:
        raise MismatchError(
            f"workload 'concurrent_reads': {engine} holds {rows} rows after the run, expected "
            f"{data.rows} loaded + {committed} committed transactions"
        )
