"""Registered benchmark suites: measurements beyond the engine workloads of the runner.

A suite is a function ``run(context) -> SuiteResult``; ``python -m benchmarks`` runs every
registered suite (or those named in ``--only``), prints its text, keeps its JSON under
``"suites"`` in the results file and draws its ratios with ``--plot``. Adding one is one line
in :data:`SUITES` (keep one line per suite, so that branches adding suites merge cleanly).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from benchmarks.ratios import Ratio

__all__ = ["SUITES", "Suite", "SuiteContext", "SuiteResult", "load_suite"]

#: name -> "module:function". One line per suite.
SUITES: dict[str, str] = {
    "write_path": "benchmarks.write_suite:run",  # issue 11: every write path vs sqlite3
    "write_load": "benchmarks.write_suite:run_load",  # issue 11: loading, bytes per row
    "windows": "benchmarks.windows:run",  # issue 16: window functions vs sqlite3 and duckdb
    "time_travel": "benchmarks.time_travel:run",  # issue 16: history on vs off, past reads
    "limits": "benchmarks.limits:run_suite",  # issue 19: IN lists, recursive CTE, big expressions
    "ecosystem": "benchmarks.ecosystem:run",  # issue 20: pandas read_sql/to_sql via SQLAlchemy
    "mirror": "benchmarks.mirror:run",  # issue 14: PostgreSQL mirror load, apply, lag
    "cache": "benchmarks.cache:run_suite",  # issue 12: cache tables vs cachetools and sqlite3
    "server": "benchmarks.server:run",  # issue 13: psycopg vs PyRAM's server, PostgreSQL, Redis
    "pg_backend": "benchmarks.pg_backend:run",  # issue 15: pyram.pg per-query overhead vs psycopg
}


@dataclass(frozen=True, slots=True)
class SuiteContext:
    """The command line's settings, as every suite reads them.

    Attributes:
        sizes: row counts of the benchmark table.
        quick: the smoke run (``--quick``): small counts, about a minute in all.
        repeat: timed runs per cell.
        budget: seconds of timed runs per cell.
        seed: data seed.
        lookups: point operations per run (``--lookups``).
        tx_sizes: statements per transaction of the in-transaction workloads.
        tx_readers: reader threads beside a writer.
        tx_seconds: wall time of one writer-and-readers run.
        log: progress output (stderr).
        load_sizes: row counts for the loading and memory workloads (``--load-rows``).
    """

    sizes: list[int]
    quick: bool
    repeat: int
    budget: float
    seed: int
    lookups: int
    tx_sizes: tuple[int, ...]
    tx_readers: int
    tx_seconds: float
    log: Callable[[str], None]
    load_sizes: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SuiteResult:
    """What a suite measured: a printed table, its JSON, and ratios for the chart."""

    text: str
    json: Any
    ratios: list[Ratio] = field(default_factory=list)


class Suite(Protocol):
    """A registered suite's entry point."""

    def __call__(self, context: SuiteContext) -> SuiteResult:
        """Run the suite."""
        ...


def load_suite(name: str) -> Suite:
    """The entry point registered as ``name``.

    Raises:
        KeyError: no suite of that name.
    """
    module, _, function = SUITES[name].partition(":")
    entry: Suite = getattr(importlib.import_module(module), function)
    return entry
