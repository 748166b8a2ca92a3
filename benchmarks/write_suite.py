"""The write-path suites (issue 11): ``python -m benchmarks --only write_path,write_load``.

``write_path``, at every ``--rows`` size: the single-row, in-transaction, bulk, point-read
and small transaction workloads of :mod:`benchmarks.write_path` through every path, then the
writer beside readers. ``write_load``, at every ``--load-rows`` size: loading a snapshot or a
durable file, and bytes per row (:mod:`benchmarks.write_system`). Every figure is a
:class:`benchmarks.ratios.Ratio` against sqlite3 in the same mode, with the issue's target and
whether it is met.
"""

from __future__ import annotations

import gc

from benchmarks.data import make_dataset
from benchmarks.ratios import Ratio, format_ratios, to_json
from benchmarks.suites import SuiteContext, SuiteResult
from benchmarks.write_harness import Fixture
from benchmarks.write_path import WriteSettings, run_write_path
from benchmarks.write_system import concurrent_ratios, loading_ratios, memory_ratios

__all__ = ["run", "run_load"]

_QUICK_OPS = 500  # single-row statements per run in --quick (the whole smoke run ~ a minute)


_TITLE = (
    "{what} (PyRAM / sqlite3 in the same mode; ratio = PyRAM's cost over sqlite3's, lower is"
    " better; a rate's ratio is sqlite3's rate over PyRAM's):"
)


def _runs(context: SuiteContext) -> int:
    """Runs of the whole-database workloads (each loads a table)."""
    return 1 if context.quick else min(3, context.repeat)


def run(context: SuiteContext) -> SuiteResult:
    """``write_path``: the statement workloads and the writer beside readers, every size."""
    log = context.log
    ops = min(context.lookups, _QUICK_OPS) if context.quick else context.lookups
    settings = WriteSettings(
        ops=ops,
        tx_sizes=context.tx_sizes,
        tx5=max(1, ops // 5),
        repeat=context.repeat,
        budget=context.budget,
    )
    ratios: list[Ratio] = []
    for rows in context.sizes:
        log(f"[write path, {rows:,} rows] loading PyRAM and sqlite3")
        data = make_dataset(
            rows,
            lookups=ops,
            ranges=1,
            seed=context.seed,
            tx_readers=context.tx_readers,
            tx_seconds=context.tx_seconds,
        )
        fixture = Fixture(data)
        try:
            ratios += run_write_path(fixture, settings, log)
        finally:
            fixture.close()
            del fixture
            gc.collect()
        ratios += concurrent_ratios(data, _runs(context), log)
        del data
        gc.collect()
    text = format_ratios(_TITLE.format(what="Write path"), ratios)
    return SuiteResult(text, {"ratios": to_json(ratios)}, ratios)


def run_load(context: SuiteContext) -> SuiteResult:
    """``write_load``: loading a snapshot or a durable file, and bytes per row, at every
    ``--load-rows`` size (default: the ``--rows`` sizes)."""
    ratios: list[Ratio] = []
    for rows in context.load_sizes:
        context.log(f"[write load, {rows:,} rows] snapshot, durable file, bytes per row")
        data = make_dataset(rows, lookups=1, ranges=1, seed=context.seed)
        ratios += loading_ratios(data, _runs(context), context.log)
        ratios += memory_ratios(data, context.seed, context.log)
        del data
        gc.collect()
    text = format_ratios(_TITLE.format(what="Loading and memory"), ratios)
    return SuiteResult(text, {"ratios": to_json(ratios)}, ratios)
