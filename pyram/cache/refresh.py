"""``db.refresh(Model, rows)``: replace a table's contents atomically, changing only what differs.

The "reload the reference table every five minutes" job: rows whose key is new are inserted,
rows whose values changed are updated, rows whose key is absent are deleted, and rows that are
equal are not touched, so change events (and the durable log) carry only the real
differences. It all runs in one statement: a failure (a wrong type, a RESTRICT reference to a
row that would go) leaves the table as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from pyram.errors import IntegrityError
from pyram.storage import Store, unique_index

__all__ = ["RefreshResult", "refresh_rows"]


@attrs.frozen
class RefreshResult:
    """How many rows a refresh inserted, updated and deleted (equal rows are left alone)."""

    inserted: int
    updated: int
    deleted: int


def refresh_rows(store: Store, table: str, rows: Sequence[Sequence[Any]]) -> RefreshResult:
    """Make ``table`` hold exactly ``rows`` (user values in column order), by primary key.

    Raises:
        IntegrityError: two rows share a key, or a constraint fails (nothing changes).
        DataError: a value of the wrong type (nothing changes).
    """
    with store.statement():
        data = store.data(table)
        schema = data.schema
        index = unique_index(data, schema.primary_key)
        dense = data.dense_position_of(index)
        positions = data.key_positions(index.name)
        seen: set[int] = set()
        keys: set[Any] = set()
        fresh: list[Sequence[Any]] = []
        changed: list[tuple[int, Sequence[Any]]] = []
        for values in rows:
            stored = [column[0] for column in store.validate_columns(schema, [[v] for v in values])]
            key = stored[positions[0]] if len(positions) == 1 else tuple(
                stored[p] for p in positions
            )
            if key in keys:
                raise IntegrityError(
                    f"refresh of {schema.name}: key {key!r} given twice",
                    table=schema.name,
                    columns=schema.primary_key,
                    value=key,
                    constraint="primary key",
                )
            keys.add(key)
            rid = data.find_key(index, dense, key)
            if rid is None:
                fresh.append(values)
                continue
            seen.add(rid)
            if data.row(rid) != tuple(stored):
                changed.append((rid, values))
        gone = [rid for rid in data.live_rids() if rid not in seen]
        if gone:
            store.delete(schema.name, gone)
        for rid, values in changed:
            store.update(schema.name, rid, values)
        if fresh:
            store.insert(schema.name, [list(column) for column in zip(*fresh, strict=True)])
        return RefreshResult(inserted=len(fresh), updated=len(changed), deleted=len(gone))
