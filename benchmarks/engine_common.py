"""What the three engine adapters share: fresh databases per run and the runs built on them.

``bulk_insert``, ``small_transactions`` and ``concurrent_reads`` each need a database made
for every run (an empty one to fill, or a freshly loaded copy of ``t`` to write to), made
before the clock starts and released after the workload. A :class:`Fresh` holds it; the
functions below build those workloads' :class:`benchmarks.workloads.Run` from what differs
between engines: how to insert, how to run the small transaction, how to read.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from typing import Generic, TypeVar

from benchmarks.data import Dataset
from benchmarks.transactions import (
    CONSISTENT,
    ConcurrentOutcome,
    OpenReader,
    Transact,
    run_concurrent,
    run_steps,
    touched_ids,
    tx_steps,
)
from benchmarks.workloads import Run

__all__ = [
    "Fresh",
    "bulk_insert_run",
    "count_range_rows",
    "concurrent_reads_run",
    "small_transactions_run",
]

X = TypeVar("X")


def count_range_rows(data: Dataset, rows_between: Callable[[int, int], Sized]) -> int:
    """The ``range_query`` workload on any engine: the rows of every ``grp BETWEEN lo AND hi``
    range of the dataset, counted (``rows_between(lo, hi)`` runs one range)."""
    return sum(
        len(rows_between(lo, hi)) for lo, hi in zip(data.range_lows, data.range_highs, strict=True)
    )


def _keep(_: object) -> None:
    return None


def _busy_never(_: BaseException) -> bool:
    return False


class Fresh(Generic[X]):
    """A database made anew for every run: :meth:`setup` makes one (untimed),
    :meth:`teardown` releases it (``release``, e.g. closing a connection)."""

    def __init__(self, make: Callable[[], X], release: Callable[[X], None] = _keep) -> None:
        self._make = make
        self._release = release
        self._value: X | None = None

    @property
    def value(self) -> X:
        """The current database (after :meth:`setup`)."""
        if self._value is None:
            raise RuntimeError("no fresh database: setup() was not called")
        return self._value

    def setup(self) -> None:
        """Release the previous database, then make a new one."""
        self.teardown()
        self._value = self._make()

    def teardown(self) -> None:
        """Release the current database, if any."""
        if self._value is not None:
            value, self._value = self._value, None
            self._release(value)


def bulk_insert_run(
    fresh: Fresh[X], insert: Callable[[X], object], checksum: Callable[[X], object]
) -> Run:
    """``bulk_insert``: ``insert`` into an empty database per run; the answer is
    ``checksum`` of the filled table (count and sum of ``val``)."""

    def run() -> object:
        return insert(fresh.value)

    def verify() -> object:
        insert(fresh.value)
        return checksum(fresh.value)

    return Run(run=run, verify=verify, setup=fresh.setup, teardown=fresh.teardown)


def small_transactions_run(
    data: Dataset,
    fresh: Fresh[X],
    transact_on: Callable[[X], Transact],
    final_state: Callable[[X, list[int]], list[object]],
) -> Run:
    """``small_transactions`` on a freshly loaded copy of ``t`` per run; the answer is
    ``final_state(db, touched ids)`` (totals, then every touched row)."""
    steps = tx_steps(data, 0, len(data.update_keys))
    touched = touched_ids(data, len(steps))

    def run() -> int:
        return run_steps(transact_on(fresh.value), steps)

    def verify() -> list[object]:
        run()
        return final_state(fresh.value, touched)

    return Run(run=run, verify=verify, setup=fresh.setup, teardown=fresh.teardown)


def concurrent_reads_run(
    name: str,
    data: Dataset,
    fresh: Fresh[X],
    connect: Callable[[X], tuple[Transact, OpenReader, Callable[[], None]]],
    is_busy: Callable[[BaseException], bool] = _busy_never,
) -> Run:
    """``concurrent_reads`` on a fresh copy of ``t`` per run. ``connect(db)`` gives the
    writer's transaction, the readers' opener and what closes the writer afterwards."""

    def run() -> ConcurrentOutcome:
        transact, open_reader, close = connect(fresh.value)
        try:
            return run_concurrent(name, data, transact, open_reader, is_busy)
        finally:
            close()

    def verify() -> tuple[str, ...]:
        run()  # raises MismatchError on an inconsistent read
        return CONSISTENT

    return Run(run=run, verify=verify, setup=fresh.setup, teardown=fresh.teardown)
