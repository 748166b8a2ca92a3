"""Capture committed changes for the log (:class:`ChangeLog`) and apply them again on recovery
(:func:`apply_changes`).

:class:`ChangeLog` is a :class:`~pyram.storage.watch.ChangeWatcher` watching every table: it
keeps each write's rows (tagged with the undo-log position, so a rollback to a savepoint drops
exactly what it undoes) and, when the work commits, hands the list to its ``on_commit``
callback, which writes the log record before the commit returns to the caller.

Recovery applies a record through the store's ordinary write methods with no watcher set (so
triggers do not fire again: what they wrote is in the log as its own rows). Each logged write is
applied as one store call, so statement-level rules (two rows swapping unique keys in one
UPDATE) hold as they did. Rows are found again by primary key, or by their whole old value in
a table without one. A delete that finds no row is skipped: the ON DELETE CASCADE of an earlier
delete in the same record already removed it, as it did the first time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress
from typing import Any

from pyram.catalog import TableSchema
from pyram.errors import DatabaseError
from pyram.persist.changes import RowOps
from pyram.persist.values import kind_of
from pyram.storage import ChangeKind, Rows, Store, TableData, unique_index

__all__ = ["ChangeLog", "ReplayError", "apply_changes"]


class ReplayError(DatabaseError):
    """A log record does not apply to the database it belongs to."""


class ChangeLog:
    """The store's watcher in a durable database (see the module docstring)."""

    def __init__(self, on_commit: Callable[[list[RowOps]], None]) -> None:
        self._pending: list[tuple[int, RowOps]] = []
        self._on_commit = on_commit
        #: id(schema) -> (schema, its column kinds); the schema is kept so its id stays unique
        self._kinds: dict[int, tuple[TableSchema, tuple[str, ...]]] = {}

    def watches(self, table: str) -> bool:
        """Every table is logged."""
        return True

    def before_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Nothing to do before the checks."""

    def before_apply(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Nothing to veto."""

    def after_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Keep the rows until commit (the store hands out fresh row sequences)."""
        before = [] if kind == "insert" else [r for r in old if r is not None]
        after = [] if kind == "delete" else [r for r in new if r is not None]
        schema = data.schema
        known = self._kinds.get(id(schema))
        if known is None or known[0] is not schema:
            known = self._kinds[id(schema)] = (
                schema,
                tuple(kind_of(c.dtype) for c in schema.columns),
            )
        self._pending.append((position, RowOps(kind, schema.name, known[1], before, after)))

    def flush(self) -> None:
        """Hand the changes about to commit to the log. The store calls this (its
        ``commit_hook``) before the commit becomes visible to any reader; raising there
        makes the commit fail and roll back, so nothing is seen that the log lacks."""
        pending, self._pending = self._pending, []
        self._on_commit([op for _, op in pending])

    def committed(self) -> None:
        """Whatever was not flushed yet goes to the log now (nothing, when the store's
        commit hook ran)."""
        self.flush()

    def discarded(self, position: int) -> None:
        """Forget writes at undo-log positions ``>= position``."""
        self._pending = [(p, op) for p, op in self._pending if p < position]


def apply_changes(store: Store, ops: Sequence[RowOps]) -> None:
    """Apply one commit's changes (see the module docstring).

    Raises:
        ReplayError: a table or row the record names is missing.
        DataError, IntegrityError: the record contradicts the database.
    """
    for op in ops:
        data = store.data(op.table)
        if op.kind == "insert":
            _insert(store, data, op.new)
            continue
        rids = _find_rows(data, op.old, strict=op.kind == "update")
        if op.kind == "delete":
            if rids:
                store.delete(data.schema.name, rids)
            continue
        width = len(data.schema.columns)
        columns = _user_columns(data, op.new)
        store.update_many(data.schema.name, rids, range(width), columns)


def _user_columns(data: TableData, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Stored rows -> user-facing values column-wise (the store's write methods check them)."""
    out = []
    for position, col in enumerate(data.schema.columns):
        values = [row[position] for row in rows]
        out.append([col.dtype.from_storage(v) for v in values] if col.dtype.encodes else values)
    return out


def _insert(store: Store, data: TableData, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        store.insert(data.schema.name, _user_columns(data, rows))


def _find_rows(data: TableData, rows: Sequence[Sequence[Any]], *, strict: bool) -> list[int]:
    """Row ids holding ``rows`` now: by primary key, else by value (each row matched once)."""
    schema = data.schema
    found: list[int] = []
    if schema.primary_key:
        index = unique_index(data, schema.primary_key)
        positions = [schema.position(c) for c in schema.primary_key]
        for row in rows:
            key = row[positions[0]] if len(positions) == 1 else tuple(row[p] for p in positions)
            rid = index.get(key)
            if rid is None:
                _missing(schema.name, row, strict)
            else:
                found.append(rid)
        return found
    by_value: dict[tuple[Any, ...], list[int]] = {}
    live = compress(range(data.slot_count), data.alive)
    for rid in live:
        by_value.setdefault(data.row(rid), []).append(rid)
    for row in rows:
        candidates = by_value.get(tuple(row))
        if not candidates:
            _missing(schema.name, row, strict)
        else:
            found.append(candidates.pop())
    return found


def _missing(table: str, row: Sequence[Any], strict: bool) -> None:
    if strict:
        raise ReplayError(f"log names a row of {table} that does not exist: {tuple(row)!r}")
