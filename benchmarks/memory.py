"""Bytes per row of a loaded table.

PyRAM: ``tracemalloc`` around a fresh load of ``t`` (generating the rows, building the model
instances, ``insert_many``); the source rows and instances are then dropped, so what remains
traced is what the database keeps: column storage, value objects, both indexes. The traced-size
difference equals the sum of a snapshot difference, without the cost of taking snapshots of
millions of blocks. sqlite3: ``PRAGMA page_count * page_size`` after loading ``t`` (see
:class:`benchmarks.sqlite_engine.SqliteEngine`).
"""

from __future__ import annotations

import gc
import tracemalloc

import pyram
from benchmarks.data import make_t_rows
from benchmarks.pyram_engine import T, load_t

__all__ = ["pyram_bytes_per_row"]


def pyram_bytes_per_row(rows: int, seed: int) -> float:
    """Traced bytes retained by a PyRAM database holding ``rows`` rows of ``t``, per row."""
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        db = pyram.Database()
        db.create(T)
        load_t(db, make_t_rows(rows, seed))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()
    if db.count(T) != rows:
        raise RuntimeError(f"memory probe loaded {db.count(T)} rows, expected {rows}")
    del db
    return retained / rows
