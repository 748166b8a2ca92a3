"""SQLite's rowid rule for an ``INTEGER PRIMARY KEY``: a row inserted without a key (NULL)
takes the next integer after the largest key. Storage knowledge (the key's unique index), used
by every insert path that takes whole rows: SQL ``INSERT`` and ``Database.insert_columns``.
"""

from __future__ import annotations

from typing import Any

from pyram.storage.table_data import TableData

__all__ = ["assign_rowids"]


def assign_rowids(data: TableData, columns: list[list[Any]]) -> None:
    """Fill NULL ``INTEGER PRIMARY KEY`` values with the next integers (SQLite's rowid rule)."""
    schema = data.schema
    assert schema.rowid_column is not None
    position = schema.position(schema.rowid_column)
    keys = columns[position]
    if None not in keys:
        return
    index = next(
        data.indexes[s.name]
        for s in schema.indexes
        if s.unique and s.columns == (schema.rowid_column,)
    )
    top = next(index.ordered(reverse=True), None)  # type: ignore[union-attr]
    largest = data.columns[position][top] if top is not None else 0
    given = [k for k in keys if isinstance(k, int)]
    following = max([largest, *given]) + 1
    for i, key in enumerate(keys):
        if key is None:
            keys[i] = following
            following += 1
