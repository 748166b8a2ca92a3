"""Bytes per row of a loaded table.

PyRAM: ``tracemalloc`` around a fresh load of ``t`` (generating the rows, building the model
instances, ``insert_many``); the source rows and instances are then dropped, so what remains
traced is what the database keeps: column storage, value objects, both indexes. The traced-size
difference equals the sum of a snapshot difference, without the cost of taking snapshots of
millions of blocks. sqlite3: ``PRAGMA page_count * page_size`` after loading ``t`` (see
:class:`benchmarks.sqlite_engine.SqliteEngine`).

PyRAM through SQL (``pyram-sql``): the same, for a table created by the sqlite3 DDL (``CREATE
TABLE`` and ``CREATE INDEX``) and filled with multi-row ``INSERT`` statements. The statement
cache (the prepared INSERT) is a per-database cost, not a per-row one: it is emptied (by
creating and dropping a scratch table) before the retained size is read, and its size is
reported in the method note.
"""

from __future__ import annotations

import gc
import tracemalloc

import pyram
from benchmarks.data import make_t_rows
from benchmarks.pyram_engine import T, load_t
from benchmarks.pyram_sql_engine import INSERT_CHUNK, insert_t_sql
from benchmarks.sqlite_engine import DDL

__all__ = ["pyram_bytes_per_row", "pyram_sql_bytes_per_row"]


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


def pyram_sql_bytes_per_row(rows: int, seed: int) -> tuple[float, str]:
    """Traced bytes per row retained by a SQL-created, SQL-filled ``t``, and how measured.

    A DDL statement PyRAM rejects (say ``CREATE INDEX``) is skipped and named in the note.
    """
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    skipped: list[str] = []
    try:
        before = tracemalloc.get_traced_memory()[0]
        db = pyram.Database()
        for statement in DDL[:2]:  # t and its index on grp
            try:
                db.sql(statement)
            except Exception as exc:  # reported in the note, not fatal
                skipped.append(f"{statement.split(' (')[0]}: {type(exc).__name__}")
        insert_t_sql(db, make_t_rows(rows, seed))
        gc.collect()
        with_cache = tracemalloc.get_traced_memory()[0] - before
        db.sql("CREATE TABLE bench_scratch (x INTEGER)")  # a schema change empties the
        db.sql("DROP TABLE bench_scratch")  # statement cache
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()
    count = db.sql("SELECT count(*) FROM t").scalar()
    if count != rows:
        raise RuntimeError(f"memory probe loaded {count} rows, expected {rows}")
    del db
    note = (
        f"tracemalloc; SQL CREATE TABLE, {INSERT_CHUNK}-row INSERTs;"
        f" statement cache ({(with_cache - retained) / 1e6:.2f} MB) excluded"
    )
    if skipped:
        note += "; failed, so not applied: " + ", ".join(skipped)
    return retained / rows, note
