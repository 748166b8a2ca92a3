"""What every format writes before its rows, and how rows are read out of a store.

The schema document is the same JSON object in each format (the snapshot's ``S`` section, the
first line of a JSON Lines file, ``schema.json`` of a CSV directory, the pickle header)::

    {"tables": [{"description": {...}, "rows": 3}, ...],
     "definitions": [{"kind": "view", "name": "v", "sql": "CREATE VIEW v AS ..."}, ...]}
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import compress
from typing import Any

from pyram.catalog import TableSchema
from pyram.errors import OperationalError, ProgrammingError
from pyram.persist.contents import Definition
from pyram.persist.schema_codec import Description, describe_table
from pyram.persist.values import KINDS
from pyram.storage import Store, store_txn

__all__ = [
    "live_chunks",
    "parse_schema_document",
    "schema_document",
    "selected_schemas",
]


@contextmanager
def export_scope(
    store: Store, tables: Sequence[str] | None, what: str = "export"
) -> Iterator[tuple[list[TableSchema], list[int]]]:
    """Read a consistent committed state for an export: hold the write lock (no writer can
    change the tables meanwhile; an open writer is waited for, at most ``LOCK_TIMEOUT``
    seconds), and give the chosen schemas with their row counts.

    Raises:
        OperationalError: inside an open transaction of this thread (its uncommitted work
            would be written), or "database is locked" on timeout.
    """
    if store.transaction_thread == threading.get_ident():
        raise OperationalError(f"cannot {what} inside an open transaction")
    if store.before_access is not None:
        store.before_access()  # expired rows of cache tables are not written
    if not store.write_lock.acquire(timeout=store_txn.LOCK_TIMEOUT):
        raise OperationalError("database is locked")
    try:
        schemas = selected_schemas(store, tables)
        yield schemas, [store.data(s.name).live_count for s in schemas]
    finally:
        store.write_lock.release()


def selected_schemas(store: Store, tables: Sequence[str] | None) -> list[TableSchema]:
    """The schemas to write: every table, or the named ones in creation order.

    Raises:
        ProgrammingError: an unknown table, or a chosen table references one left out (the
            file could not be loaded on its own).
    """
    every = list(store.catalog)
    if tables is None:
        return every
    wanted = {store.catalog.get(name).name.lower() for name in tables}
    chosen = [s for s in every if s.name.lower() in wanted]
    for schema in chosen:
        for fk in schema.foreign_keys:
            if fk.ref_table.lower() not in wanted:
                raise ProgrammingError(
                    f"table {schema.name} references {fk.ref_table}: export it too"
                )
    return chosen


def schema_document(
    schemas: Sequence[TableSchema], counts: Sequence[int], definitions: Sequence[Definition]
) -> dict[str, Any]:
    """The JSON-able header describing ``schemas`` (with their row counts) and definitions."""
    return {
        "tables": [
            {"description": describe_table(s), "rows": n}
            for s, n in zip(schemas, counts, strict=True)
        ],
        "definitions": [{"kind": d.kind, "name": d.name, "sql": d.sql} for d in definitions],
    }


def parse_schema_document(doc: Any) -> tuple[list[tuple[Description, int]], list[Definition]]:
    """(description, row count) per table and the definitions of a schema document.

    Raises:
        ValueError, KeyError, TypeError, AttributeError: the document is malformed.
    """
    tables = [(t["description"], t["rows"]) for t in doc["tables"]]
    definitions = [Definition(d["kind"], d["name"], d["sql"]) for d in doc["definitions"]]
    names = set()
    for description, rows in tables:
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            raise ValueError("bad row count")
        name = description["name"]
        if not isinstance(name, str) or not name.isidentifier() or not description["columns"]:
            raise ValueError(f"bad table {name!r}")  # an identifier: also a safe file name
        names.add(description["name"].lower())
        for column in description["columns"]:
            if column["type"] not in KINDS or not isinstance(column["name"], str):
                raise ValueError(f"bad column {column.get('name')!r}")
    if len(names) != len(tables):
        raise ValueError("a table appears twice")
    for d in definitions:
        if d.kind not in ("view", "trigger") or not isinstance(d.sql, str):
            raise ValueError("bad view or trigger")
    return tables, definitions


def live_chunks(
    store: Store, schema: TableSchema, chunk_rows: int
) -> Iterator[tuple[int, list[list[Any]]]]:
    """(first live row, stored values per column) of a table's live rows, in chunks of at
    most ``chunk_rows`` row slots (deleted rows skipped). The caller holds the write lock."""
    data = store.data(schema.name)
    alive, first = data.alive, 0
    for start in range(0, len(alive), chunk_rows):
        mask = alive[start : start + chunk_rows]
        chunk = [list(compress(col[start : start + chunk_rows], mask)) for col in data.columns]
        if chunk and chunk[0]:
            yield first, chunk
            first += len(chunk[0])
