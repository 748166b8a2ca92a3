"""Conflict resolution for INSERT: ``OR IGNORE``, ``OR REPLACE`` and ``ON CONFLICT DO ...``.

Place in the pipeline: called by :class:`~pyram.engine.operators.dml.InsertOp` when its plan
node carries an :class:`~pyram.plan.nodes.OnConflict`. Rows are resolved in statement order as
SQLite does, row by row against the table and the rows before them, then written in bulk
through the store, which still checks every constraint (a conflict on a key the clause does not
cover fails the statement as usual).
"""

from __future__ import annotations

from typing import Any

from pyram.catalog import TableSchema
from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_filter, compile_values
from pyram.engine.operator import ExecContext
from pyram.engine.operators.common import evaluate
from pyram.errors import ProgrammingError
from pyram.plan.nodes import OnConflict
from pyram.storage import Store, TableData

__all__ = ["insert_resolving_conflicts"]


def _keys_of(schema: TableSchema, target: tuple[str, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """(index name, column positions) of the unique keys a clause watches."""
    out = []
    for spec in schema.indexes:
        if spec.unique and (not target or set(spec.columns) == set(target)):
            out.append((spec.name, tuple(schema.position(c) for c in spec.columns)))
    return out


def _key(row: list[Any], positions: tuple[int, ...]) -> Any:
    if len(positions) == 1:
        return row[positions[0]]
    key = tuple(row[p] for p in positions)
    return None if None in key else key


def insert_resolving_conflicts(
    ctx: ExecContext, table: str, conflict: OnConflict, user_columns: list[list[Any]]
) -> int:
    """Insert rows given column-wise (user values), resolving key conflicts; rows changed."""
    store = ctx.store
    data = store.data(table)
    schema = data.schema
    stored = store.validate_columns(schema, user_columns)
    rows = [list(r) for r in zip(*stored, strict=True)]
    keys = _keys_of(schema, conflict.target)
    kept: dict[int, list[Any]] = {}  # row number -> stored row, in statement order
    claimed: list[dict[Any, int]] = [{} for _ in keys]  # key -> row number, per unique key
    replaced: set[int] = set()
    updates: list[tuple[int, list[Any]]] = []  # (existing rid, proposed (excluded) row)
    superseded = 0  # rows of this statement a later one replaced: inserted, then deleted
    for number, row in enumerate(rows):
        existing, earlier = _conflicts(data, keys, claimed, row, replaced)
        if conflict.action == "ignore":
            if existing or earlier:
                continue
        elif conflict.action == "replace":
            replaced.update(existing)
            for other in earlier:
                _release(kept.pop(other), keys, claimed)
            superseded += len(earlier)
        else:
            if earlier:
                raise ProgrammingError("ON CONFLICT DO UPDATE cannot affect a row twice")
            if existing:
                # a row met twice is refused once the WHERE lets the update happen
                updates.append((next(iter(existing)), row))
                continue
        kept[number] = row
        for (_, positions), owners in zip(keys, claimed, strict=True):
            key = _key(row, positions)
            if key is not None:
                owners[key] = number
    with store.statement():  # delete, update and insert: all or nothing together
        # SQLite counts a row a later row of the statement replaced as inserted
        return _write(ctx, data, conflict, replaced, updates, kept) + superseded


def _write(
    ctx: ExecContext,
    data: TableData,
    conflict: OnConflict,
    replaced: set[int],
    updates: list[tuple[int, list[Any]]],
    kept: dict[int, list[Any]],
) -> int:
    store, table, schema = ctx.store, data.schema.name, data.schema
    changed = 0
    if replaced:
        store.delete(table, replaced)
    if updates:
        changed += _apply_updates(ctx, data, conflict, updates)
    if kept:
        new_rows = list(kept.values())
        columns = [list(c) for c in zip(*new_rows, strict=True)]
        user = [
            [None if v is None else col.dtype.from_storage(v) for v in values]
            if col.dtype.encodes
            else values
            for col, values in zip(schema.columns, columns, strict=True)
        ]
        store.insert(table, user)
        changed += len(new_rows)
    return changed


def _conflicts(
    data: TableData,
    keys: list[tuple[str, tuple[int, ...]]],
    claimed: list[dict[Any, int]],
    row: list[Any],
    replaced: set[int],
) -> tuple[set[int], set[int]]:
    """Live rows (rids) and earlier statement rows (numbers) holding one of ``row``'s keys."""
    existing: set[int] = set()
    earlier: set[int] = set()
    for (name, positions), owners in zip(keys, claimed, strict=True):
        key = _key(row, positions)
        if key is None:
            continue
        rid = data.indexes[name].get(key)
        if rid is not None and rid not in replaced:
            existing.add(rid)
        number = owners.get(key)
        if number is not None:
            earlier.add(number)
    return existing, earlier


def _release(
    row: list[Any], keys: list[tuple[str, tuple[int, ...]]], claimed: list[dict[Any, int]]
) -> None:
    for (_, positions), owners in zip(keys, claimed, strict=True):
        key = _key(row, positions)
        if key is not None:
            owners.pop(key, None)


def _apply_updates(
    ctx: ExecContext,
    data: TableData,
    conflict: OnConflict,
    updates: list[tuple[int, list[Any]]],
) -> int:
    """``DO UPDATE SET ... [WHERE ...]`` on the existing rows, reading ``excluded`` values.

    As in PostgreSQL, a statement may not update one row twice: a row a proposed row has
    updated (its WHERE was TRUE) and a later proposed row meets again is an error; a row the
    WHERE left alone may be met again.
    """
    schema = data.schema
    width = len(schema.columns)
    layout = {f.cid: i for i, f in enumerate(conflict.existing)}
    layout.update({f.cid: width + i for i, f in enumerate(conflict.excluded)})
    columns = [[data.columns[p][rid] for rid, _ in updates] for p in range(width)]
    columns += [[row[p] for _, row in updates] for p in range(width)]
    batch = Batch(columns, len(updates))
    mask = [True] * len(updates)
    if conflict.where is not None:
        mask = compile_filter(conflict.where, layout)(batch, ctx)
    chosen: dict[int, int] = {}  # rid -> the entry updating it
    for i, (rid, _) in enumerate(updates):
        if rid in chosen:
            raise ProgrammingError("ON CONFLICT DO UPDATE cannot affect a row twice")
        if mask[i]:
            chosen[rid] = i
    rids = list(chosen)
    keep = list(chosen.values())
    batch = Batch([[c[i] for i in keep] for c in columns], len(keep))
    if not rids:
        return 0
    targets = [schema.position(name) for name, _ in conflict.assignments]
    values = []
    for (_, expr), position in zip(conflict.assignments, targets, strict=True):
        computed = evaluate(compile_values(expr, layout), batch, ctx)
        dtype = schema.columns[position].dtype
        if dtype.encodes:
            computed = [None if v is None else dtype.from_storage(v) for v in computed]
        values.append(computed)
    store: Store = ctx.store
    store.update_many(schema.name, rids, targets, values)
    return len(rids)
