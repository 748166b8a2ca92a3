"""The workload catalogue and the interface every engine adapter implements.

A workload is identified by name; each engine maps the names it supports to a :class:`Run`.
Answers are checked against sqlite3's answer for the workload's ``reference`` before timing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from benchmarks.data import Dataset

__all__ = [
    "CONCURRENT",
    "TIMED",
    "WORKLOADS",
    "WORKLOAD_NAMES",
    "Engine",
    "Kind",
    "Run",
    "Workload",
    "select_workloads",
]

#: How a workload is measured: ``"timed"``, the seconds one run takes; ``"concurrent"``, a run
#: of fixed wall time whose ``run`` returns a :class:`benchmarks.transactions.ConcurrentOutcome`
#: (rates: reads and writer transactions per second).
Kind = Literal["timed", "concurrent"]
TIMED: Kind = "timed"
CONCURRENT: Kind = "concurrent"


@dataclass(frozen=True, slots=True)
class Workload:
    """One benchmarked task.

    Attributes:
        name: identifier (used by ``--only`` and in the report).
        sql: what it computes, as SQL (the sqlite3 statement).
        ordered: whether row order is part of the answer (else answers are sorted first).
        reference: the sqlite3 workload whose answer and time this one is compared to;
            ``None`` when there is nothing comparable (then no ratio is reported).
        ops: how many operations one run performs, from the data set (for time per op).
        kind: ``"timed"`` or ``"concurrent"`` (see :data:`Kind`).
    """

    name: str
    sql: str
    ordered: bool
    reference: str | None
    ops: Callable[[Dataset], int]
    kind: Kind = TIMED


def _one(_: Dataset) -> int:
    return 1


def _lookups(data: Dataset) -> int:
    return len(data.lookup_keys)


def _ranges(data: Dataset) -> int:
    return len(data.range_lows)


def _updates(data: Dataset) -> int:
    return len(data.update_keys)


def _rows(data: Dataset) -> int:
    return data.rows


WORKLOADS: tuple[Workload, ...] = (
    Workload("point_lookup", "SELECT * FROM t WHERE id = ?", True, "point_lookup", _lookups),
    Workload("point_lookup_get", "db.get(T, k)", True, "point_lookup", _lookups),
    Workload(
        "range_query", "SELECT * FROM t WHERE grp BETWEEN ? AND ?", True, "range_query", _ranges
    ),
    Workload(
        "filter_aggregate",
        "SELECT count(*), sum(val) FROM t WHERE val > 500",
        True,
        "filter_aggregate",
        _one,
    ),
    Workload(
        "group_by",
        "SELECT cat, count(*), sum(val), avg(val) FROM t GROUP BY cat",
        False,
        "group_by",
        _one,
    ),
    Workload(
        "join_group_by",
        "SELECT d.name, count(*), sum(t.val) FROM t JOIN d ON t.grp = d.grp GROUP BY d.name",
        False,
        "join_group_by",
        _one,
    ),
    Workload("top_n", "SELECT * FROM t ORDER BY val DESC LIMIT 10", True, "top_n", _one),
    Workload("bulk_insert_build", "build model instances from tuples", True, None, _rows),
    Workload(
        "bulk_insert", "INSERT INTO t VALUES (?, ?, ?, ?, ?) x rows", True, "bulk_insert", _rows
    ),
    Workload(
        "update_by_pk", "UPDATE t SET val = val + 1 WHERE id = ?", True, "update_by_pk", _updates
    ),
    Workload(
        "small_transactions",
        "BEGIN; INSERT INTO t VALUES (?, ?, ?, ?, ?); UPDATE t SET val = val - ? WHERE id = ?;"
        " COMMIT (one per update key, on a fresh copy of t)",
        True,
        "small_transactions",
        _updates,
    ),
    Workload(
        "concurrent_reads",
        "SELECT count(*), sum(val) FROM t WHERE grp = ? in reader threads beside a writer"
        " thread of small transactions, for a fixed wall time",
        True,
        "concurrent_reads",
        _one,
        CONCURRENT,
    ),
)

WORKLOAD_NAMES: tuple[str, ...] = tuple(w.name for w in WORKLOADS)


def select_workloads(only: list[str] | None) -> tuple[Workload, ...]:
    """The workloads named in ``only`` (all when ``None``), in catalogue order.

    Raises:
        ValueError: an unknown name.
    """
    if only is None:
        return WORKLOADS
    unknown = sorted(set(only) - set(WORKLOAD_NAMES))
    if unknown:
        raise ValueError(f"unknown workload(s) {unknown}; known: {', '.join(WORKLOAD_NAMES)}")
    return tuple(w for w in WORKLOADS if w.name in only)


@dataclass(frozen=True, slots=True)
class Run:
    """How an engine performs one workload.

    Attributes:
        run: the timed body; its return value is ignored (a ``"concurrent"`` workload's run
            returns its :class:`benchmarks.transactions.ConcurrentOutcome`).
        verify: performs the same work once and returns a plain answer (tuples, numbers,
            strings) for comparison; it also warms caches before timing. Defaults to ``run``.
        setup: untimed preparation before each call of ``run`` or ``verify``.
        teardown: called once after the workload's last run (frees memory).
    """

    run: Callable[[], object]
    verify: Callable[[], object] | None = None
    setup: Callable[[], None] | None = None
    teardown: Callable[[], None] | None = None


class Engine(Protocol):
    """An engine adapter: loads the data set, then offers runs by workload name."""

    name: str

    def load(self, data: Dataset) -> None:
        """Create and fill tables ``t`` and ``d`` (untimed)."""
        ...

    def runs(self, data: Dataset) -> dict[str, Run]:
        """The workloads this engine supports, by name."""
        ...

    def close(self) -> None:
        """Release everything the engine holds."""
        ...
