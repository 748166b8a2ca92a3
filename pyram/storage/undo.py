"""The undo log of an open transaction: what reverses each change, and the savepoints in it.

While a transaction is open, :class:`~pyram.storage.store.Store` records every change just
before applying it (after its checks passed, so a rejected statement records nothing):

- inserted rows as one row-id range per statement (rows are appended, so the range is the
  table's tail when it is undone), plus the state of the value memos the insert may grow;
- deleted and updated rows with their *before-images* (the whole stored row, one tuple), read
  before the change;
- tables created or dropped, as the catalogue and table map from before the statement (a
  dropped table's :class:`TableData` object stays referenced, so it comes back exactly);
- other storage modules' changes through :meth:`UndoLog.record` (CREATE and DROP INDEX, in
  :mod:`pyram.storage.index_ddl`, keep the table's schema and index map).

The before-images are also what readers on older snapshots need (:mod:`pyram.storage.mvcc`):
the same tuple serves both, never copied. They are *published* into the tables' version chains
only while some other reader could look: when the log starts while a view is open, or when a
view opens while the log is being written (:meth:`UndoLog.publish`, called by the reader under
the log's lock, so it publishes every entry before the writer publishes a newer one). With no
reader about, a change costs its undo entry and nothing else, and a commit keeps no versions.

Rolling back applies the entries newest first, so each one meets the table exactly as it left
it: an insert's rows are live and at the end, a deleted row is still dead (compaction is
deferred while a transaction is open), a table is the same object. Values come back as they
were stored (packed REAL arrays, shared deduplicated objects). Every index is brought along
with its rows; ``live_count`` follows. The scan ``epoch`` is never wound back: it only grows,
and it is bumped when undoing an insert removes row ids.

A savepoint is a name and a position in the log: rolling back to it undoes the entries after
that position; releasing it just forgets the name (its entries now belong to the enclosing
savepoint or the transaction). :meth:`Store.statement` marks a position the same way, or keeps
a log of its own outside a transaction, to make a statement of several writes atomic. Every
entry costs the same whatever the log's length: nothing here walks the log per change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pyram.catalog import TableSchema
from pyram.errors import OperationalError
from pyram.storage.mvcc import (
    Stamp,
    check_conflicts,
    check_unique_conflicts,
    pop_images,
    pop_insert,
    push_images,
    push_insert,
)
from pyram.storage.table_data import MemoState, TableData

if TYPE_CHECKING:
    from pyram.storage.store import Store

__all__ = ["UndoEntry", "UndoLog", "record_images", "record_touches", "rows_table"]

#: Serialises publishing (by a reader's thread) with a writer's own publishing and rollback, so
#: versions go in in log order and never outlive an undone entry. One lock for every log: it
#: is taken only while a log publishes (a reader is about) and while one rolls back, and a
#: lock per log would cost every statement the making of one.
_PUBLISHING = threading.Lock()


class UndoEntry:
    """One recorded change; :meth:`undo` reverses it on the store.

    Entries that change rows also :meth:`publish` their before-images as row versions for
    readers on older snapshots, and :meth:`remove` them again (rollback, or garbage
    collection once no reader needs them).
    """

    __slots__ = ()

    def undo(self, store: Store) -> None:
        """Reverse the change (the store is exactly as the change left it)."""
        raise NotImplementedError

    def publish(self, stamp: Stamp) -> bool:
        """Make the change invisible to other readers (idempotent); True when versions were
        pushed that must be removed later."""
        return False

    def remove(self) -> None:
        """Take the versions :meth:`publish` pushed out of the table."""


class _Inserted(UndoEntry):
    """Rows ``start..start + count`` appended to ``data`` by one statement."""

    __slots__ = ("count", "data", "memos", "stamp", "start")

    def __init__(self, data: TableData, start: int, count: int, memos: MemoState) -> None:
        self.data = data
        self.start = start
        self.count = count
        self.memos = memos
        self.stamp: Stamp | None = None

    def undo(self, store: Store) -> None:
        self.data.truncate(self.start)
        self.data.restore_memos(self.memos)
        self.remove()

    def publish(self, stamp: Stamp) -> bool:
        if self.stamp is None and self.count:
            self.stamp = stamp
            push_insert(self.data, stamp, self.start, self.start + self.count)
        return self.stamp is not None

    def remove(self) -> None:
        if self.stamp is not None:
            pop_insert(self.data, self.stamp, self.start)
            self.stamp = None


class _RowsChanged(UndoEntry):
    """Rows of ``data`` changed by one statement, with their before-images (whole stored
    rows, in the order of ``rids``), which also serve as the rows' published versions."""

    __slots__ = ("data", "images", "pushed", "rids", "stamp")

    def __init__(
        self, data: TableData, rids: Sequence[int], images: Sequence[tuple[Any, ...]]
    ) -> None:
        self.data = data
        self.rids = rids
        self.images = images
        self.stamp: Stamp | None = None
        self.pushed: list[int] = []

    def publish(self, stamp: Stamp) -> bool:
        if self.stamp is None:
            self.stamp = stamp
            self.pushed = push_images(self.data, stamp, self.rids, self.images)
        return bool(self.pushed)

    def remove(self) -> None:
        if self.stamp is not None:
            if self.pushed:
                pop_images(self.data, self.stamp, self.pushed)
            self.stamp = None
            self.pushed = []




class _Deleted(_RowsChanged):
    """Rows deleted from ``data``."""

    __slots__ = ()

    def undo(self, store: Store) -> None:
        self.data.restore_rows(self.rids, list(zip(*self.images, strict=True)))
        self.remove()


class _Updated(_RowsChanged):
    """Rows of ``data`` updated at the positions ``changes`` names (rid -> {position: new
    value}: the statement's own change map, kept by reference)."""

    __slots__ = ("changes",)

    def __init__(
        self,
        data: TableData,
        changes: dict[int, dict[int, Any]],
        images: Sequence[tuple[Any, ...]],
    ) -> None:
        super().__init__(data, list(changes), images)
        self.changes = changes

    def undo(self, store: Store) -> None:
        self.data.update_many(
            {
                rid: {position: image[position] for position in change}
                for (rid, change), image in zip(self.changes.items(), self.images, strict=True)
            }
        )
        self.remove()


class _Put(UndoEntry):
    """One row appended to ``data`` (as row id ``start``) and the rows ``rids`` deleted to
    make room for it, by one cache write (:meth:`UndoLog.record_put`): one entry for the
    pair, so a rollback restores both exactly (the victims come back first, then the
    appended row is cut off). ``images`` are the victims' stored rows, which also serve as
    their published versions."""

    __slots__ = ("data", "images", "memos", "pushed", "rids", "stamp", "start")

    def __init__(
        self,
        data: TableData,
        memos: MemoState,
        rids: list[int],
        images: Sequence[tuple[Any, ...]],
    ) -> None:
        self.data = data
        self.start = len(data.alive)
        self.memos = memos
        self.rids = rids
        self.images = images
        self.stamp: Stamp | None = None
        self.pushed: Sequence[int] = ()  # the victims whose versions publish pushed

    def undo(self, store: Store) -> None:
        data = self.data
        if self.rids:
            data.restore_rows(self.rids, list(zip(*self.images, strict=True)))
        data.truncate(self.start)
        data.restore_memos(self.memos)
        self.remove()

    def publish(self, stamp: Stamp) -> bool:
        if self.stamp is None:
            self.stamp = stamp
            push_insert(self.data, stamp, self.start, self.start + 1)
            if self.rids:
                self.pushed = push_images(self.data, stamp, self.rids, self.images)
        return True  # the insert's range at least

    def remove(self) -> None:
        stamp = self.stamp
        if stamp is not None:
            pop_insert(self.data, stamp, self.start)
            if self.pushed:
                pop_images(self.data, stamp, self.pushed)
            self.stamp = None
            self.pushed = ()


#: the entries that changed rows of a table (built once: ``A | B`` makes a union per call)
_ROW_ENTRIES = (_Inserted, _RowsChanged, _Put)
#: the entries holding before-images
_IMAGE_ENTRIES = (_RowsChanged, _Put)


def rows_table(entry: UndoEntry) -> TableData | None:
    """The table whose rows ``entry`` appended or changed, or None for other entries."""
    return entry.data if isinstance(entry, _ROW_ENTRIES) else None


def record_images(entry: UndoEntry) -> list[tuple[int, tuple[Any, ...]]]:
    """(rid, before-image) of the rows ``entry`` changed (none for other entries)."""
    if isinstance(entry, _IMAGE_ENTRIES):
        return list(zip(entry.rids, entry.images, strict=True))
    return []


def record_touches(entry: UndoEntry, rids: set[int]) -> bool:
    """True when ``entry`` appended or changed one of the rows ``rids``."""
    if isinstance(entry, _Put):
        return entry.start in rids or not rids.isdisjoint(entry.rids)
    if isinstance(entry, _RowsChanged):
        return not rids.isdisjoint(entry.rids)
    if isinstance(entry, _Inserted):
        return any(entry.start <= rid < entry.start + entry.count for rid in rids)
    return False


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
    """The undo entries and savepoints of one open transaction (or autocommitted statement).

    Attributes:
        implicit: True when a SAVEPOINT started the transaction (SQLite: releasing that
            outermost savepoint then commits).
        deleted_from: tables that lost rows, to compact when the transaction commits.
        stamp: the writing transaction's identity in row versions.
        ts: the snapshot its writes are checked against (first-committer-wins).
        publishing: True once a reader may look: every change is published as a row version
            as it is recorded, and those before were (or are being) published.
        published: True once ``publishing`` and every earlier change is published: a reader
            that sees it and a table without versions reads what every snapshot sees.
    """

    __slots__ = (
        "_entries",
        "_lock",
        "_savepoints",
        "deleted_from",
        "implicit",
        "published",
        "publishing",
        "sealed",
        "stamp",
        "ts",
    )

    def __init__(self, *, implicit: bool = False, stamp: Stamp | None = None, ts: int = 0) -> None:
        self._entries: list[UndoEntry] = []
        self._savepoints: list[_Savepoint] = []
        self.implicit = implicit
        self.deleted_from: dict[int, TableData] = {}
        self.stamp = stamp if stamp is not None else Stamp()
        self.ts = ts
        self.publishing = False
        self.published = False
        #: set at commit: nothing is published after (the commit is then visible to all)
        self.sealed = False
        self._lock = _PUBLISHING

    def reopen(self, ts: int) -> None:
        """Make a committed (or discarded) log that published nothing the empty log of a new
        autocommitted statement reading ``ts``: its entries dropped, its stamp uncommitted
        again (no version refers to it: nothing was published). Under the publishing lock,
        emptied before it is unsealed: a reader that got hold of the log earlier and
        publishes it now publishes only the new statement's changes (which it may read
        around: its view is older)."""
        with self._lock:
            self._entries.clear()
            self._savepoints.clear()
            if self.deleted_from:
                self.deleted_from.clear()
            self.stamp.commit_ts = None
            self.ts = ts
            self.published = False
            self.sealed = False

    def __len__(self) -> int:
        """Number of recorded changes."""
        return len(self._entries)

    # ------------------------------------------------------------------ publishing
    def publish(self) -> None:
        """Publish every change recorded so far, and every later one as it is recorded
        (a reader that may look has appeared). Idempotent; thread-safe."""
        with self._lock:
            if self.sealed or self.published:
                return
            self.publishing = True
            stamp = self.stamp
            for entry in self._entries:
                entry.publish(stamp)
            self.published = True

    def seal(self) -> list[UndoEntry]:
        """The log commits: no more publishing. Returns the entries holding versions (kept
        while older snapshots are open, then removed)."""
        with self._lock:
            self.sealed = True
            if not self.published:
                return []
            return [entry for entry in self._entries if entry.publish(self.stamp)]

    def date_written(self, ts: int) -> None:
        """Date every table this log changed rows of as changed by commit ``ts`` (a table
        written by several entries is dated once per entry: cheaper than collecting them)."""
        for entry in self._entries:
            if isinstance(entry, _ROW_ENTRIES):
                entry.data.commit_ts = ts

    def _add(self, entry: UndoEntry) -> None:
        # Appended first, then the flag read: a reader sets the flag and then publishes
        # the entries it finds, so either it finds this one or we see the flag.
        self._entries.append(entry)
        if self.publishing:
            with self._lock:
                if not self.sealed:
                    entry.publish(self.stamp)

    # ------------------------------------------------------------------ recording
    def record(self, entry: UndoEntry) -> None:
        """Append a change recorded by another storage module (such as CREATE INDEX): its
        :meth:`UndoEntry.undo` runs, newest first, on rollback."""
        self._add(entry)

    def record_insert(self, data: TableData, count: int) -> None:
        """``count`` rows are about to be appended to ``data`` (one entry for them all)."""
        self._add(_Inserted(data, len(data.alive), count, data.memo_state()))

    def record_put(
        self, data: TableData, victims: list[int], images: Sequence[tuple[Any, ...]]
    ) -> None:
        """One row is about to be appended to ``data`` and its live rows ``victims`` (stored
        rows ``images``, in the same order) deleted to make room: one entry for the pair."""
        if victims:
            check_conflicts(data, victims, self.stamp, self.ts)
            self.deleted_from[id(data)] = data
        entry = _Put(data, data.memo_state(), victims, images)
        # _add inline (the cache's hot write)
        self._entries.append(entry)
        if self.publishing:
            with self._lock:
                if not self.sealed:
                    entry.publish(self.stamp)

    def check_conflicts(self, data: TableData, rids: Sequence[int]) -> None:
        """First-committer-wins for rows a statement targets, whether or not their values
        end up changing (raises SerializationFailure)."""
        check_conflicts(data, rids, self.stamp, self.ts)

    def check_unique_conflicts(self, data: TableData, rows: Sequence[Sequence[Any]]) -> None:
        """First-committer-wins for the unique keys of new or changed rows (full stored
        rows): see :func:`pyram.storage.mvcc.check_unique_conflicts`."""
        check_unique_conflicts(data, rows, self.stamp, self.ts)

    def record_delete(
        self, data: TableData, rids: Sequence[int], images: Sequence[tuple[Any, ...]] | None = None
    ) -> None:
        """Live rows ``rids`` of ``data`` are about to be deleted (``images``: their stored
        rows when the caller has them already)."""
        rids = list(rids)
        if not rids:
            return
        check_conflicts(data, rids, self.stamp, self.ts)
        if images is None:
            images = [data.row(rid) for rid in rids]
        self._add(_Deleted(data, rids, images))
        self.deleted_from[id(data)] = data

    def record_update(
        self,
        data: TableData,
        changes: dict[int, dict[int, Any]],
        images: Sequence[tuple[Any, ...]] | None = None,
    ) -> None:
        """``changes`` (rid -> {position: new value}) are about to be applied to ``data``
        (``images``: the rows' stored values, in the order of ``changes``, when the caller
        has them already)."""
        check_conflicts(data, changes, self.stamp, self.ts)
        if images is None:
            images = [data.row(rid) for rid in changes]
        self._add(_Updated(data, changes, images))

    def record_set_null(self, updates: Sequence[tuple[TableData, int, tuple[int, ...]]]) -> None:
        """ON DELETE SET NULL is about to set ``positions`` of row ``rid`` of each table to
        NULL; one update entry per table, old values read before any is applied."""
        by_table: dict[int, tuple[TableData, dict[int, dict[int, Any]]]] = {}
        for data, rid, positions in updates:
            changes = by_table.setdefault(id(data), (data, {}))[1]
            changes.setdefault(rid, {}).update(dict.fromkeys(positions))
        for data, changes in by_table.values():
            self.record_update(data, changes)

    def record_schema(self, schemas: list[TableSchema], tables: dict[str, TableData]) -> None:
        """Tables are about to be created or dropped; ``schemas`` (the catalogue, in order)
        and ``tables`` (the store's table map) are copies taken before."""
        self._add(_Schema(schemas, tables))

    # ------------------------------------------------------------------ undoing
    def undo_to(self, store: Store, position: int) -> None:
        """Undo the entries after ``position``, newest first, and forget them."""
        entries = self._entries
        with self._lock:  # a reader publishing meanwhile must not see half-undone entries
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
