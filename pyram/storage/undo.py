"""The undo log of an open transaction: what reverses each change, and the savepoints in it.

While a transaction is open, :class:`~pyram.storage.store.Store` records every change just
before applying it (after its checks passed, so a rejected statement records nothing):

- inserted rows as one row-id range per statement (rows are appended, so the range is the
  table's tail when it is undone), plus the state of the value memos the insert may grow;
- deleted rows with their stored values, read before :meth:`TableData.delete` releases them;
- updated rows with the old stored values of the changed positions (``update_many`` and the
  ON DELETE SET NULL rewrites :meth:`Store.delete` plans);
- tables created or dropped, as the catalogue and table map from before the statement (a
  dropped table's :class:`TableData` object stays referenced, so it comes back exactly);
- other storage modules' changes through :meth:`UndoLog.record` (CREATE and DROP INDEX, in
  :mod:`pyram.storage.index_ddl`, keep the table's schema and index map).

Rolling back applies the entries newest first, so each one meets the table exactly as it left
it: an insert's rows are live and at the end, a deleted row is still dead (compaction is
deferred while a transaction is open), a table is the same object. Values come back as they
were stored (packed REAL arrays, shared deduplicated objects). Every index is brought along
with its rows; ``live_count`` follows. The scan ``epoch`` is never wound back: it only grows,
and it is bumped when undoing an insert removes row ids.

A savepoint is a name and a position in the log: rolling back to it undoes the entries after
that position; releasing it just forgets the name (its entries now belong to the enclosing
savepoint or the transaction). :meth:`Store.statement` marks a position the same way, or keeps
a log of its own outside a transaction, to make a statement of several writes atomic.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from pyram.catalog import TableSchema
from pyram.errors import OperationalError
from pyram.storage.mvcc import (
    Stamp,
    VersionRecord,
    check_conflicts,
    check_unique_conflicts,
    push_insert,
    push_rows,
)
from pyram.storage.table_data import MemoState, TableData

if TYPE_CHECKING:
    from pyram.storage.store import Store

__all__ = ["UndoEntry", "UndoLog"]


class UndoEntry:
    """One recorded change; :meth:`undo` reverses it on the store."""

    __slots__ = ()

    def undo(self, store: Store) -> None:
        """Reverse the change (the store is exactly as the change left it)."""
        raise NotImplementedError


class _Inserted(UndoEntry):
    """Rows ``start..`` appended to ``data`` by one statement."""

    __slots__ = ("data", "memos", "start")

    def __init__(self, data: TableData, start: int, memos: MemoState) -> None:
        self.data = data
        self.start = start
        self.memos = memos

    def undo(self, store: Store) -> None:
        self.data.truncate(self.start)
        self.data.restore_memos(self.memos)


class _Deleted(UndoEntry):
    """Rows deleted from ``data``, with their stored values column by column."""

    __slots__ = ("columns", "data", "rids")

    def __init__(self, data: TableData, rids: list[int], columns: list[Sequence[Any]]) -> None:
        self.data = data
        self.rids = rids
        self.columns = columns

    def undo(self, store: Store) -> None:
        self.data.restore_rows(self.rids, self.columns)


class _Updated(UndoEntry):
    """Old stored values of updated rows: rid -> {position: old value}."""

    __slots__ = ("data", "old")

    def __init__(self, data: TableData, old: dict[int, dict[int, Any]]) -> None:
        self.data = data
        self.old = old

    def undo(self, store: Store) -> None:
        self.data.update_many(self.old)


class _Versions(UndoEntry):
    """Row versions pushed for a change (recorded before the change's own entry, so a
    rollback restores the rows first and drops their versions after)."""

    __slots__ = ("record",)

    def __init__(self, record: VersionRecord) -> None:
        self.record = record

    def undo(self, store: Store) -> None:
        self.record.remove()


class _Schema(UndoEntry):
    """The catalogue and the table map as they were before a CREATE or DROP."""

    __slots__ = ("schemas", "tables")

    def __init__(self, schemas: list[TableSchema], tables: dict[str, TableData]) -> None:
        self.schemas = schemas
        self.tables = tables

    def undo(self, store: Store) -> None:
        store.restore_tables(self.schemas, self.tables)


class _Savepoint:
    __slots__ = ("key", "name", "position")

    def __init__(self, name: str, position: int) -> None:
        self.name = name
        self.key = name.lower()
        self.position = position


class UndoLog:
    """The undo entries and savepoints of one open transaction.

    Every row change also pushes the rows' before-images into the table's version store
    (:mod:`pyram.storage.mvcc`), stamped with :attr:`stamp`, for readers on older snapshots.

    Attributes:
        implicit: True when a SAVEPOINT started the transaction (SQLite: releasing that
            outermost savepoint then commits).
        deleted_from: tables that lost rows, to compact when the transaction commits.
        stamp: the writing transaction's identity in row versions.
        ts: the snapshot its writes are checked against (first-committer-wins).
    """

    __slots__ = ("_entries", "_savepoints", "deleted_from", "implicit", "stamp", "ts")

    def __init__(self, *, implicit: bool = False, stamp: Stamp | None = None, ts: int = 0) -> None:
        self._entries: list[UndoEntry] = []
        self._savepoints: list[_Savepoint] = []
        self.implicit = implicit
        self.deleted_from: dict[int, TableData] = {}
        self.stamp = stamp if stamp is not None else Stamp()
        self.ts = ts

    def __len__(self) -> int:
        """Number of recorded changes."""
        return len(self._entries)

    # ------------------------------------------------------------------ recording
    def record(self, entry: UndoEntry) -> None:
        """Append a change recorded by another storage module (such as CREATE INDEX): its
        :meth:`UndoEntry.undo` runs, newest first, on rollback."""
        self._entries.append(entry)

    def record_versions(self, record: VersionRecord) -> None:
        """Keep versions another storage module put into a table (ALTER TABLE copies a
        table's versions into its rebuilt table): removed on rollback, and after the commit
        once no open view is older than it, like the log's own."""
        self._entries.append(_Versions(record))

    def record_insert(self, data: TableData, count: int) -> None:
        """``count`` rows are about to be appended to ``data`` (one entry for them all)."""
        start = len(data.alive)
        self._entries.append(_Versions(push_insert(data, start, start + count, self.stamp)))
        self._entries.append(_Inserted(data, start, data.memo_state()))

    def _push(self, data: TableData, rids: Sequence[int]) -> None:
        """Save before-images of rows about to change (raises SerializationFailure before
        anything is recorded when another transaction changed one after our snapshot)."""
        self._entries.append(_Versions(push_rows(data, rids, self.stamp, self.ts)))

    def check_conflicts(self, data: TableData, rids: Sequence[int]) -> None:
        """First-committer-wins for rows a statement targets, whether or not their values
        end up changing (raises SerializationFailure)."""
        check_conflicts(data, rids, self.stamp, self.ts)

    def check_unique_conflicts(self, data: TableData, rows: Sequence[Sequence[Any]]) -> None:
        """First-committer-wins for the unique keys of new or changed rows (full stored
        rows): see :func:`pyram.storage.mvcc.check_unique_conflicts`."""
        check_unique_conflicts(data, rows, self.stamp, self.ts)

    def version_records(self) -> list[VersionRecord]:
        """Every version record of the log, oldest first (they live on after the commit)."""
        return [e.record for e in self._entries if isinstance(e, _Versions)]

    def record_delete(self, data: TableData, rids: Sequence[int]) -> None:
        """Live rows ``rids`` of ``data`` are about to be deleted: keep their stored values."""
        rids = list(rids)
        if not rids:
            return
        self._push(data, rids)
        if len(rids) == 1:
            rid = rids[0]
            columns: list[Sequence[Any]] = [(col[rid],) for col in data.columns]
        else:
            get = itemgetter(*rids)
            columns = [get(col) for col in data.columns]
        self._entries.append(_Deleted(data, rids, columns))
        self.deleted_from[id(data)] = data

    def record_update(self, data: TableData, changes: dict[int, dict[int, Any]]) -> None:
        """``changes`` (rid -> {position: new value}) are about to be applied to ``data``."""
        self._push(data, list(changes))
        columns = data.columns
        old = {
            rid: {position: columns[position][rid] for position in change}
            for rid, change in changes.items()
        }
        self._entries.append(_Updated(data, old))

    def record_set_null(self, updates: Sequence[tuple[TableData, int, tuple[int, ...]]]) -> None:
        """ON DELETE SET NULL is about to set ``positions`` of row ``rid`` of each table to
        NULL; one update entry per table, old values read before any is applied."""
        by_table: dict[int, tuple[TableData, dict[int, dict[int, Any]]]] = {}
        for data, rid, positions in updates:
            old = by_table.setdefault(id(data), (data, {}))[1]
            row = old.setdefault(rid, {})
            for position in positions:
                row.setdefault(position, data.columns[position][rid])
        for data, old in by_table.values():
            self._push(data, list(old))
            self._entries.append(_Updated(data, old))

    def record_schema(self, schemas: list[TableSchema], tables: dict[str, TableData]) -> None:
        """Tables are about to be created or dropped; ``schemas`` (the catalogue, in order)
        and ``tables`` (the store's table map) are copies taken before."""
        self._entries.append(_Schema(schemas, tables))

    # ------------------------------------------------------------------ undoing
    def undo_to(self, store: Store, position: int) -> None:
        """Undo the entries after ``position``, newest first, and forget them."""
        entries = self._entries
        while len(entries) > position:
            entries.pop().undo(store)

    # ------------------------------------------------------------------ savepoints
    def add_savepoint(self, name: str) -> None:
        """Mark the current position under ``name`` (names may repeat; the newest wins)."""
        self._savepoints.append(_Savepoint(name, len(self._entries)))

    def _find(self, name: str) -> int:
        key = name.lower()
        for i in range(len(self._savepoints) - 1, -1, -1):
            if self._savepoints[i].key == key:
                return i
        raise OperationalError(f"no such savepoint: {name}")

    def release(self, name: str) -> bool:
        """Forget savepoint ``name`` and every newer one; their changes stay.

        Returns:
            True when it was the outermost savepoint of a transaction a SAVEPOINT started
            (the caller then commits).

        Raises:
            OperationalError: no such savepoint.
        """
        i = self._find(name)
        del self._savepoints[i:]
        return self.implicit and i == 0

    def rollback_to(self, store: Store, name: str) -> None:
        """Undo every change made since savepoint ``name``; it stays, newer ones go.

        Raises:
            OperationalError: no such savepoint.
        """
        i = self._find(name)
        del self._savepoints[i + 1 :]
        self.undo_to(store, self._savepoints[i].position)

    @property
    def savepoint_names(self) -> list[str]:
        """Open savepoints, oldest first."""
        return [sp.name for sp in self._savepoints]
