"""Columnar row storage for one table: a Python list per column, addressed by row id.

Layout (see docs/architecture.md): row id ``rid`` is a position in every column list. A deleted
row is marked dead in the ``alive`` bytearray (1 live, 0 dead) and its values are released (set to
None), so delete is O(1) and never shifts a list; the batch engine turns ``alive`` into a
selection with ``itertools.compress`` at C speed. Updates overwrite values in place. When dead
rows outnumber live ones, :meth:`TableData.compact` rewrites the lists and renumbers row ids
(amortised O(1) per delete) and rebuilds the indexes.

This layer trusts its input: values are already validated and constraint-checked by
:mod:`pyram.storage.store`. It never raises for user mistakes.
"""

from __future__ import annotations

import functools
import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate, compress, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pyram.catalog import IndexSpec, TableSchema
from pyram.storage.indexes import HashIndex, SortedIndex
from pyram.storage.row_kernels import row_appender, stored_form_test

if TYPE_CHECKING:
    from pyram.storage.mvcc import Stamp

__all__ = ["AnyIndex", "MemoState", "TableData", "make_index"]

AnyIndex = HashIndex | SortedIndex
F = TypeVar("F", bound=Callable[..., Any])
#: What :meth:`TableData.memo_state` saves: per column, the memo object and its size.
MemoState = tuple[tuple[dict[Any, Any] | None, int], ...]

# Compaction waits for this many dead rows so small tables never churn.
COMPACT_MIN_DEAD = 1024
# Value deduplication: every value is memoised until this many rows have passed (in batches of
# any size, single rows included); the column is then kept deduplicated when at most this
# share of them was distinct, and abandoned past this many distinct values.
_DEDUPE_SAMPLE = 2048
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
#: runs an iterator to its end, keeping nothing (a batch of stores made by ``map`` in C)
_consume: Callable[[Iterable[object]], None] = deque[object](maxlen=0).extend
# Only types whose equal values are interchangeable: not REAL (0.0 and -0.0), NUMERIC
# (Decimal("1.0") and Decimal("1.00")) or times and datetimes (one instant, two zones).
_DEDUPE_TYPES = frozenset({"INTEGER", "TEXT", "BLOB", "DATE", "UUID"})
_DEDUPE_MAX_RATIO = 0.5
_DEDUPE_MAX_VALUES = 100_000


def _latched(method: F) -> F:
    """Run a mutation under the table's latch, so a reader copying a batch or probing an
    index never sees it half done."""

    @functools.wraps(method)
    def run(self: TableData, *args: Any, **kwargs: Any) -> Any:
        with self.latch:
            return method(self, *args, **kwargs)

    return cast(F, run)


def make_index(spec: IndexSpec, int_keys: bool = False) -> AnyIndex:
    """An empty index for a declared index spec (``int_keys``: a sorted index may keep its
    keys as machine ints, every key being an INTEGER of a packed column)."""
    if spec.kind == "hash":
        return HashIndex(spec.name, spec.columns, unique=spec.unique)
    return SortedIndex(spec.name, spec.columns, unique=spec.unique, int_keys=int_keys)


class TableData:
    """The rows of one table, column by column, with the table's indexes.

    Attributes:
        schema: the table's schema.
        columns: one list of stored values per column, indexed by row id.
        alive: 1 for a live row id, 0 for a dead one.
        live_count: number of live rows.
        indexes: index name -> index.
    """

    def __init__(self, schema: TableSchema) -> None:
        self.schema = schema
        # NOT NULL REAL columns are packed machine doubles (8 bytes a value instead of a
        # pointer plus a 24-byte float object), and so is an INTEGER primary key of one column
        # (machine ints; its index keeps its keys packed too, so no int object is left per
        # row: the key is mostly probed, and SQLite's rowid tables keep it packed as well).
        # Every other column is a list of objects: lists scan faster (docs/architecture.md).
        pk = schema.primary_key
        self._packed: list[str | None] = [
            "d"
            if c.dtype.name == "REAL" and not c.nullable and not c.dtype.encodes
            else "q"
            if pk == (c.name,) and c.dtype.name == "INTEGER" and not c.nullable
            and not c.dtype.encodes
            else None
            for c in schema.columns
        ]
        self.columns: list[Any] = self._empty_columns()
        #: appends one row's values to the columns (unrolled for the width: row_kernels)
        self._append_values = row_appender(len(schema.columns))
        #: True for a row of values already in stored form (row_kernels.stored_form_test)
        self.is_stored_row = stored_form_test(schema)
        self.alive = bytearray()
        self.live_count = 0
        #: bumped whenever row ids are renumbered (compaction, clear): scans check it
        self.epoch = 0
        self.indexes: dict[str, AnyIndex] = {}
        self._key_positions: dict[str, tuple[int, ...]] = {}
        # per column: value -> shared object, or None when not worth it (see _dedupe)
        #: rows each column's memo has seen (until the keep-or-abandon decision)
        self._seen = [0] * len(schema.columns)
        #: positions of the packed INTEGER columns (an int beyond 64 bits unpacks one)
        self._packed_ints = [p for p, code in enumerate(self._packed) if code == "q"]
        self._memos: list[dict[Any, Any] | None] = [
            {} if c.dtype.name in _DEDUPE_TYPES and not packed else None
            for c, packed in zip(schema.columns, self._packed, strict=True)
        ]
        # MVCC (see pyram.storage.mvcc): a short lock around every change of the lists and
        # indexes, row versions other transactions may still need, and the newest commit.
        self.latch = threading.RLock()
        self.versions: dict[int, dict[int, list[tuple[Stamp, tuple[Any, ...]]]]] = {}
        #: stamp -> rids it has versions of, in the order the stamps first wrote (commit order)
        self.changes: dict[Stamp, set[int]] = {}
        #: [stamp, start, stop]: rows a stamp appended, one entry per stamp, commit order
        self.inserted: list[list[Any]] = []
        self.commit_ts = 0
        for spec in schema.indexes:
            self.add_index(spec)

    @property
    def versioned(self) -> bool:
        """True while some row has versions a reader may need (see pyram.storage.mvcc)."""
        return bool(self.changes or self.inserted)

    def _empty_columns(self) -> list[Any]:
        return [array(code) if code else [] for code in self._packed]

    # ----------------------------------------------------------------- reading
    @property
    def slot_count(self) -> int:
        """Number of row ids in use, live or dead."""
        return len(self.alive)

    def is_live(self, rid: int) -> bool:
        """True when ``rid`` names a live row."""
        return 0 <= rid < len(self.alive) and self.alive[rid] == 1

    def row(self, rid: int) -> tuple[Any, ...]:
        """The stored values of one row, in column order."""
        return tuple(map(itemgetter(rid), self.columns))

    def rows(self, rids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The stored values of several rows (:meth:`row` of each), gathered column by
        column in C."""
        if len(rids) == 1:
            return [self.row(rids[0])]
        if not rids:
            return []
        get = itemgetter(*rids)
        return list(zip(*[get(col) for col in self.columns], strict=True))

    def probe_dense(self, position: int, key: int) -> int | None:
        """Find the row whose INTEGER key column ``position`` holds ``key``, by arithmetic.

        Integer keys are most often loaded in order and dense (1, 2, 3...), so a key usually
        sits at row ``key - first_key``. The guess is verified (value and liveness), so this is
        always correct; on a miss the caller asks the index. Like SQLite's INTEGER PRIMARY KEY
        it makes the common lookup O(1) without a hash table's ~80 bytes per row.
        """
        column = self.columns[position]
        if not column:
            return None
        first = column[0]
        if first is None:
            return None
        rid: int = key - first
        if 0 <= rid < len(column) and column[rid] == key and self.alive[rid]:
            return rid
        return None

    def dense_position_of(self, index: AnyIndex) -> int | None:
        """The key column's position when ``index`` is over one INTEGER column (so that
        :meth:`probe_dense` applies), else None."""
        if len(index.columns) != 1:
            return None
        column = self.schema.column(index.columns[0])
        return self.schema.position(column.name) if column.dtype.name == "INTEGER" else None

    def find_key(self, index: AnyIndex, dense_position: int | None, key: Any) -> int | None:
        """The row holding a validated, non-NULL ``key`` of a unique index, or None: by
        :meth:`probe_dense` first when ``dense_position`` is given, else (or on a miss) by
        the index."""
        if dense_position is not None and type(key) is int:
            rid = self.probe_dense(dense_position, key)
            if rid is not None:
                return rid
        return index.get(key)

    def live_rids(self) -> list[int]:
        """Row ids of every live row, ascending."""
        if self.live_count == len(self.alive):
            return list(range(len(self.alive)))
        return list(compress(range(len(self.alive)), self.alive))

    def key_positions(self, index_name: str) -> tuple[int, ...]:
        """Column positions forming an index's key."""
        return self._key_positions[index_name]

    def key_of(self, positions: tuple[int, ...], rid: int) -> Any:
        """The key of row ``rid`` over the given columns (a tuple when composite)."""
        if len(positions) == 1:
            return self.columns[positions[0]][rid]
        return tuple(self.columns[p][rid] for p in positions)

    def keys_of(self, positions: tuple[int, ...], rids: Sequence[int]) -> list[Any]:
        """Keys of many rows (one list, same order as ``rids``)."""
        if not rids:
            return []
        if len(positions) == 1:
            col = self.columns[positions[0]]
            if len(rids) == 1:
                return [col[rids[0]]]
            return list(itemgetter(*rids)(col))
        cols = [self.keys_of((p,), rids) for p in positions]
        return list(zip(*cols, strict=True))

    # ----------------------------------------------------------------- writing
    @_latched
    def add_index(self, spec: IndexSpec) -> AnyIndex:
        """Create an index over existing rows (the caller checked uniqueness)."""
        positions = tuple(self.schema.position(c) for c in spec.columns)
        index = make_index(spec, len(positions) == 1 and self._packed[positions[0]] == "q")
        rids = self.live_rids()
        index.insert_many(self.keys_of(positions, rids), rids)
        self.indexes[spec.name] = index
        self._key_positions[spec.name] = positions
        return index

    @_latched
    def append(self, columns: Sequence[Sequence[Any]]) -> range:
        """Append rows given column-wise (stored, checked values); return their row ids."""
        count = len(columns[0]) if columns else 0
        start = len(self.alive)
        if count == 1:
            return self._append_one([values[0] for values in columns])
        columns = [self._dedupe(p, values) for p, values in enumerate(columns)]
        self._fit_packed(columns)
        for col, values in zip(self.columns, columns, strict=True):
            col.extend(values)
        self.alive.extend(b"\x01" * count)
        self.live_count += count
        rids = range(start, start + count)
        # One int object per row id, shared by every index (each would otherwise make its own).
        rid_objects = list(rids)
        for name, index in self.indexes.items():
            positions = self._key_positions[name]
            if len(positions) == 1:
                keys: Iterable[Any] = columns[positions[0]]
            else:
                keys = zip(*(columns[p] for p in positions), strict=True)
            index.insert_many(keys, rid_objects)
        return rids

    @_latched
    def append_row(self, row: list[Any]) -> int:
        """Append one row (stored, checked values, in column order); return its row id."""
        return self._append_one(row).start

    def _append_one(self, row: list[Any]) -> range:
        """:meth:`append` of one row (the commonest write): no batch machinery."""
        rid = len(self.alive)
        for position in self._packed_ints:
            if not _INT_MIN <= row[position] <= _INT_MAX:
                self._unpack(position)
        memos, seen = self._memos, self._seen
        if memos.count(None) == len(memos):  # no column shares values: append them as given
            self._append_values(self.columns, row)
        else:
            for position, (col, value) in enumerate(zip(self.columns, row, strict=True)):
                memo = memos[position]
                if memo is not None:  # share the value's first object
                    if seen[position] >= _DEDUPE_SAMPLE and len(memo) <= _DEDUPE_MAX_VALUES:
                        value = row[position] = memo.setdefault(value, value)  # decided: keep
                    else:
                        value = row[position] = self._dedupe(position, (value,))[0]
                col.append(value)
        self.alive.append(1)
        self.live_count += 1
        self._index_row(row, rid)
        return range(rid, rid + 1)

    def _index_row(self, row: Sequence[Any], rid: int) -> None:
        """Enter one new row's keys in every index."""
        for name, index in self.indexes.items():
            positions = self._key_positions[name]
            if len(positions) == 1:
                index.insert(row[positions[0]], rid)
            else:
                index.insert(tuple([row[p] for p in positions]), rid)

    def _fit_packed(self, columns: Sequence[Sequence[Any]]) -> None:
        """Before ``columns`` (one sequence per column, new values) are written: a packed
        INTEGER column given an int outside 64 bits becomes a list of objects."""
        for position in self._packed_ints:
            values = columns[position]
            if values and not (min(values) >= _INT_MIN and max(values) <= _INT_MAX):
                self._unpack(position)

    def _unpack(self, position: int) -> None:
        """Make a packed column a list of objects (it must hold a value arrays cannot)."""
        self.forget_packing(position)
        self.columns[position] = list(self.columns[position])

    def forget_packing(self, position: int) -> None:
        """Column ``position`` is (to be) held as a list of objects, not packed."""
        self._packed[position] = None
        self._packed_ints = [p for p, code in enumerate(self._packed) if code == "q"]

    def _dedupe(self, position: int, values: Sequence[Any]) -> Sequence[Any]:
        """Share one object per distinct value in low-cardinality columns.

        Category-like columns (a few hundred distinct strings or ints over many rows) would
        otherwise hold one object per row: 28-60 bytes each. A per-column memo maps each value
        to its first object; ``map(memo.setdefault, values, values)`` runs in C. Until
        :data:`_DEDUPE_SAMPLE` rows have passed every value is memoised (whatever the batch
        sizes: a cache filled row by row deduplicates too); then a column whose values were
        mostly distinct stops being deduplicated (the memo would only cost).
        """
        memo = self._memos[position]
        if memo is None:
            return values
        try:
            shared = list(map(memo.setdefault, values, values))
        except TypeError:  # unhashable values: nothing to share
            self._memos[position] = None
            return values
        seen = self._seen[position]
        if seen < _DEDUPE_SAMPLE:
            seen = self._seen[position] = seen + len(values)
            if seen >= _DEDUPE_SAMPLE and len(memo) > seen * _DEDUPE_MAX_RATIO:
                self._memos[position] = None
        elif len(memo) > _DEDUPE_MAX_VALUES:
            self._memos[position] = None
        return shared

    @_latched
    def delete(self, rids: Iterable[int], *, compact: bool = True) -> None:
        """Delete live rows by row id (values released, indexes updated).

        ``compact=False`` skips the compaction check: a transaction defers it to its commit,
        because compaction renumbers the row ids its undo log holds.
        """
        self._delete_rows(list(rids))
        if compact:
            self.maybe_compact()

    def put(self, row: list[Any], victims: list[int]) -> int:
        """Append one row (stored, checked values) and delete the live rows ``victims``
        under one latch (a cache write that evicts; compaction waits for the commit, as a
        transaction's deletes do); returns the new row's id."""
        with self.latch:  # as _latched does, without its call layer (the cache's hot write)
            alive = self.alive
            rid = len(alive)
            memos = self._memos
            if memos.count(None) != len(memos):
                self._append_one(row)  # values shared through the memos
            else:
                # _append_one's common case inline. Validated INTEGERs fit 64 bits, so no
                # packed column needs unpacking
                self._append_values(self.columns, row)
                alive.append(1)
                self.live_count += 1
                self._index_row(row, rid)
            if victims:
                self._delete_rows(victims)
            return rid

    def _delete_rows(self, rids: list[int]) -> None:
        """:meth:`delete`'s work (the caller holds the latch)."""
        columns = self.columns
        # loops per index and per column, not per row: a batch (an eviction) pays the
        # lookups once
        batch = len(rids) > 1
        for name, index in self.indexes.items():
            positions = self._key_positions[name]
            if batch:  # an eviction's: the index removes it in one pass
                index.remove_many(self.keys_of(positions, rids), rids)
            elif len(positions) == 1:
                column = columns[positions[0]]
                for rid in rids:
                    index.remove(column[rid], rid)
            else:
                for rid in rids:
                    index.remove(tuple([columns[p][rid] for p in positions]), rid)
        # release the values; alive says they are gone. A batch's stores are made in C
        # (for one row, building the maps would cost more than the stores)
        if batch:
            for col, code in zip(columns, self._packed, strict=True):
                blank = None if code is None else 0.0 if code == "d" else 0
                _consume(map(col.__setitem__, rids, repeat(blank)))
            _consume(map(self.alive.__setitem__, rids, repeat(0)))
        elif rids:
            rid = rids[0]
            for col, code in zip(columns, self._packed, strict=True):
                col[rid] = None if code is None else 0.0 if code == "d" else 0
            self.alive[rid] = 0
        self.live_count -= len(rids)

    @_latched
    def update(self, rid: int, changes: dict[int, Any]) -> None:
        """Overwrite some columns of a live row (position -> stored value); indexes follow."""
        touched = [
            (name, positions)
            for name, positions in self._key_positions.items()
            if not changes.keys().isdisjoint(positions)
        ]
        for name, positions in touched:
            self.indexes[name].remove(self.key_of(positions, rid), rid)
        for position, value in changes.items():
            try:
                self.columns[position][rid] = value
            except OverflowError:  # an int beyond 64 bits into a packed column
                self._unpack(position)
                self.columns[position][rid] = value
        for name, positions in touched:
            self.indexes[name].insert(self.key_of(positions, rid), rid)

    @_latched
    def update_many(self, changes: dict[int, dict[int, Any]]) -> None:
        """Apply many row updates (rid -> {position: stored value}) as one step.

        Index entries of every changed row are removed before any is re-inserted, so rows may
        trade unique keys within one statement (the caller checked the final state).
        """
        changed: set[int] = set()
        for change in changes.values():
            changed.update(change)
        touched = {
            name: positions
            for name, positions in self._key_positions.items()
            if not changed.isdisjoint(positions)
        }
        for name, positions in touched.items():
            index = self.indexes[name]
            for rid, change in changes.items():
                if not change.keys().isdisjoint(positions):
                    index.remove(self.key_of(positions, rid), rid)
        columns = self.columns
        for rid, change in changes.items():
            for position, value in change.items():
                try:
                    columns[position][rid] = value
                except OverflowError:  # an int beyond 64 bits into a packed column
                    self._unpack(position)
                    columns = self.columns
                    columns[position][rid] = value
        for name, positions in touched.items():
            index = self.indexes[name]
            for rid, change in changes.items():
                if not change.keys().isdisjoint(positions):
                    index.insert(self.key_of(positions, rid), rid)

    # ----------------------------------------------------------------- undoing
    # Used by :mod:`pyram.storage.undo` to reverse writes; never by the checked write path.

    def memo_state(self) -> MemoState:
        """The value memos as they are now, cheaply (each memo object and its size), so
        :meth:`restore_memos` can undo what a later :meth:`append` adds to them."""
        memos = self._memos
        if memos.count(None) == len(memos):  # no memos: nothing a later append changes
            return ()
        return tuple((memo, 0 if memo is None else len(memo)) for memo in memos)

    @_latched
    def restore_memos(self, state: MemoState) -> None:
        """Put the value memos back as :meth:`memo_state` saw them.

        A memo only grows (dicts keep insertion order, so ``popitem`` drops the newest
        values) or is abandoned (replaced by None), which the saved reference undoes.
        """
        memos = self._memos
        for position, (memo, size) in enumerate(state):
            if memo is not None:
                while len(memo) > size:
                    memo.popitem()
            memos[position] = memo

    @_latched
    def truncate(self, start: int) -> None:
        """Remove row ids ``start`` and up, which must all be live: the undo of
        :meth:`append`. Their index entries are removed one by one, or the indexes rebuilt
        when the rows are a large share of the table. The epoch stays: the rows were never
        committed, so no reader saw them, and a scan that finds the table shorter than when it
        started simply ends sooner."""
        count = len(self.alive) - start
        if count <= 0:
            return
        remaining = self.live_count - count
        # Removing an entry costs about what re-sorting four remaining ones does.
        rebuild = count * 4 >= remaining
        if not rebuild:
            for name, index in self.indexes.items():
                positions = self._key_positions[name]
                for rid in range(start, start + count):
                    index.remove(self.key_of(positions, rid), rid)
        for col in self.columns:
            del col[start:]
        del self.alive[start:]
        self.live_count = remaining
        if rebuild:
            rids = self.live_rids()
            for name, index in self.indexes.items():
                index.rebuild(self.keys_of(self._key_positions[name], rids), rids)

    @_latched
    def restore_rows(self, rids: Sequence[int], columns: Sequence[Sequence[Any]]) -> None:
        """Bring deleted rows back with their stored values (given column-wise, in the order
        of ``rids``): the undo of :meth:`delete`. The rows must be dead and not compacted."""
        for col, values in zip(self.columns, columns, strict=True):
            for rid, value in zip(rids, values, strict=True):
                col[rid] = value
        alive = self.alive
        for rid in rids:
            alive[rid] = 1
        self.live_count += len(rids)
        for name, index in self.indexes.items():
            index.insert_many(self.keys_of(self._key_positions[name], rids), rids)

    @_latched
    def clear(self) -> None:
        """Remove every row (value memos are kept: the column's character rarely changes)."""
        self.columns = self._empty_columns()
        self.alive = bytearray()
        self.live_count = 0
        self.epoch += 1
        for index in self.indexes.values():
            index.clear()

    def maybe_compact(self) -> bool:
        """Compact when dead rows are many and outnumber live ones; True when it did."""
        dead = len(self.alive) - self.live_count
        if dead < COMPACT_MIN_DEAD or dead <= self.live_count:
            return False
        self.compact()
        return True

    @_latched
    def compact(self) -> None:
        """Drop dead row ids: rewrite each column, renumber rows and their index entries
        (each index maps its entries' row ids: nothing is sorted or hashed again)."""
        alive = self.alive
        self.epoch += 1
        self.columns = [
            array(code, compress(col, alive)) if code else list(compress(col, alive))
            for col, code in zip(self.columns, self._packed, strict=True)
        ]
        # a live row's new id is the number of live rows before it: kept order, so a
        # sorted index only renumbers its entries (no sort)
        new_rid = list(accumulate(alive, initial=-1))[1:]
        self.alive = bytearray(b"\x01" * self.live_count)
        for index in self.indexes.values():
            index.renumber(new_rid)
