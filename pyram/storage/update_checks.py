"""Checks for set-oriented UPDATE: what changes, and whether the result keeps every constraint.

Constraints are checked as of the end of the statement, over all updated rows together: two rows
may swap unique keys, and a row may reference a parent key updated in the same statement. Only
columns that change are re-checked, so updating one column of a wide table costs one column's
validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pyram.storage.constraints import (
    check_checks,
    foreign_key_error,
    parent_index,
    unique_error,
    unique_index,
)
from pyram.storage.indexes import key_is_null
from pyram.storage.table_data import TableData

if TYPE_CHECKING:
    from pyram.storage.store import Store

__all__ = ["check_update", "differs", "row_changes"]

# Types whose equal values can still differ in what the user reads back: Decimal("1.0") vs
# Decimal("1.00"), the same instant in two time zones, 0.0 vs -0.0.
_REPRESENTATION_MATTERS = frozenset({Decimal, dt.datetime, dt.time, float})


def differs(new: Any, old: Any) -> bool:
    """True when an update must write ``new`` over ``old`` (not only when they compare unequal)."""
    if new is old:
        return False
    if new != old or type(new) is not type(old):
        return True
    return type(new) in _REPRESENTATION_MATTERS and repr(new) != repr(old)


def row_changes(
    data: TableData,
    rids: Sequence[int],
    positions: Sequence[int],
    stored: Sequence[Sequence[Any]],
) -> dict[int, dict[int, Any]]:
    """rid -> {position: new stored value} for the values that really change."""
    changes: dict[int, dict[int, Any]] = {}
    columns = data.columns
    for j, position in enumerate(positions):
        column = columns[position]
        new_values = stored[j]
        for i, rid in enumerate(rids):
            value = new_values[i]
            if differs(value, column[rid]):
                changes.setdefault(rid, {})[position] = value
    return changes


def _new_key(data: TableData, rid: int, change: dict[int, Any], positions: Sequence[int]) -> Any:
    columns = data.columns
    values = [change[p] if p in change else columns[p][rid] for p in positions]
    return values[0] if len(values) == 1 else tuple(values)


def check_update(
    store: Store,
    data: TableData,
    changes: dict[int, dict[int, Any]],
    positions: Sequence[int],
    user_columns: Sequence[Sequence[Any]],
    rids: Sequence[int],
) -> None:
    """Raise IntegrityError unless applying ``changes`` keeps every constraint."""
    schema = data.schema
    if schema.checks:
        _check_checks(data, changes, positions, user_columns, rids)
    changed_positions = {p for change in changes.values() for p in change}
    for constraint in schema.uniques:
        key_positions = [schema.position(c) for c in constraint.columns]
        if changed_positions.isdisjoint(key_positions):
            continue
        index = unique_index(data, constraint.columns)
        composite = len(key_positions) > 1
        new_keys: dict[Any, int] = {}
        for rid, change in changes.items():
            if change.keys().isdisjoint(key_positions):
                continue
            key = _new_key(data, rid, change, key_positions)
            if key_is_null(key, composite):
                continue
            if key in new_keys:
                raise unique_error(schema, constraint.columns, key)
            new_keys[key] = rid
        for key, rid in new_keys.items():
            holder = index.get(key)
            if holder is None or holder == rid:
                continue
            moved = changes.get(holder)
            if moved is None or _new_key(data, holder, moved, key_positions) == key:
                raise unique_error(schema, constraint.columns, key)
    _check_foreign_keys(store, data, changes, changed_positions)


def _check_checks(
    data: TableData,
    changes: dict[int, dict[int, Any]],
    positions: Sequence[int],
    user_columns: Sequence[Sequence[Any]],
    rids: Sequence[int],
) -> None:
    """CHECK constraints over the full new rows, in user-facing form."""
    schema = data.schema
    index_of = {rid: i for i, rid in enumerate(rids)}
    rows = []
    for rid in changes:
        row = [
            col.dtype.from_storage(v) if col.dtype.encodes and v is not None else v
            for col, v in zip(schema.columns, data.row(rid), strict=True)
        ]
        i = index_of[rid]
        for j, position in enumerate(positions):
            row[position] = user_columns[j][i]
        rows.append(row)
    check_checks(schema, [list(col) for col in zip(*rows, strict=True)])


def _check_foreign_keys(
    store: Store, data: TableData, changes: dict[int, dict[int, Any]], changed: set[int]
) -> None:
    schema = data.schema
    for fk in schema.foreign_keys:
        key_positions = [schema.position(c) for c in fk.columns]
        if changed.isdisjoint(key_positions):
            continue
        composite = len(key_positions) > 1
        own: set[Any] = set()
        if fk.ref_table.lower() == schema.name.lower():  # a self-reference: the new keys count
            ref_positions = [schema.position(c) for c in fk.ref_columns]
            own = {_new_key(data, rid, ch, ref_positions) for rid, ch in changes.items()}
        index = parent_index(store.data(fk.ref_table), fk)
        for rid, change in changes.items():
            if change.keys().isdisjoint(key_positions):
                continue
            key = _new_key(data, rid, change, key_positions)
            if key_is_null(key, composite) or key in own or index.contains(key):
                continue
            raise foreign_key_error(schema, fk, key, "no such parent row")
    for child, fk in store.catalog.referencing(schema.name):
        ref_positions = [schema.position(c) for c in fk.ref_columns]
        if changed.isdisjoint(ref_positions):
            continue
        child_index = store.fk_index(child, fk)
        for rid, change in changes.items():
            old_key = data.key_of(tuple(ref_positions), rid)
            if _new_key(data, rid, change, ref_positions) != old_key and child_index.lookup(
                old_key
            ):
                raise foreign_key_error(child, fk, old_key, "referenced key cannot change")
