"""One cache table's bookkeeping: expiry deadlines, access ranks, counters.

Everything is keyed by the row's primary key (stored form), never by row id: row ids are
renumbered when a table compacts, keys are not. A :class:`TableTracker` exists only for a
table with a :class:`~pyram.catalog.cache_policy.CachePolicy`; other tables have none and pay
nothing.

Deadlines are an :class:`~pyram.cache.expiry_queue.ExpiryQueue`: one dict kept in expiry
order (with a table-level ``ttl`` its insertion order is the expiry order), a small side heap
for the deadlines that come out of order, and a lower bound of the next deadline that the
"is anything due?" test of every read and write compares with the clock. A read under
``expire_after="access"`` (no write lock) only records a later deadline beside the order.

Under ``evict="lru"`` a use moves the key to the end of the ``rank`` dict (a pop and a store),
so the dict's own order is least recently used first and eviction takes victims from its
front, exactly and without sampling (:mod:`pyram.cache.eviction`). A rollback puts a key back
with its old tick but at the end of the order: rows brought back by a rollback count as just
used, the one place where this LRU is approximate.

An LRU rank also carries the row's id: ``tick << 32 | rid``. Ordered by value it is still
ordered by tick, and :meth:`TableTracker.find` reads the row id from it (a dict probe instead
of the sorted primary-key index's two bisects) at no memory cost. The row id is a hint,
verified against the stored key before use: one that went stale (rows renumbered by
compaction, a rollback) only sends the probe to the index, and :meth:`TableTracker.rehint`
renews them all when the table compacted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from pyram.cache.expiry_queue import ExpiryQueue
from pyram.catalog import CachePolicy
from pyram.storage.table_data import AnyIndex, TableData

__all__ = ["NO_RID", "RID_BITS", "Counters", "TableTracker", "UndoRecord", "to_seconds"]

#: (undo-log position, tracker, key, deadline before, rank before): how to put a tracker back
#: when the write that changed it is rolled back
UndoRecord = tuple[int, "TableTracker", Any, float | None, int | None]

#: an LRU rank is ``tick << RID_BITS | rid`` (see the module docstring)
RID_BITS = 32
_RID_MASK = (1 << RID_BITS) - 1
#: the row-id part of a rank whose row id is not known (never a live row id)
NO_RID = _RID_MASK
#: failed row-id guesses (see TableTracker.find) after which a table stops guessing
_DENSE_TRIES = 256
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Counters:
    """Hit, miss, load and removal counts of one table (what ``db.stats()`` reports)."""

    __slots__ = ("evictions", "expirations", "hits", "load_errors", "loads", "misses")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Set every count back to zero."""
        self.hits = 0
        self.misses = 0
        self.loads = 0
        self.load_errors = 0
        self.expirations = 0
        self.evictions = 0


def to_seconds(value: Any) -> float:
    """An ``expires`` column value as seconds since the epoch (naive datetimes are UTC)."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.timestamp()
    if isinstance(value, dt.date):
        return (dt.datetime.combine(value, dt.time(), dt.UTC) - _EPOCH).total_seconds()
    return float(value)  # INTEGER or REAL seconds


def _no_class(columns: Sequence[Any], rid: int) -> Any:
    raise AssertionError("read_key on a table without a class")  # by_model has only classes


class TableTracker:
    """Deadlines, ranks and counters of one cache table (see the module docstring).

    Attributes:
        data: the table's storage.
        policy: its cache policy.
        name: the table name, lower-case.
        pk_index: the primary key's unique index (rows are found by key).
        counters: hits, misses, loads and removals.
        expiry: the deadlines of the rows that expire, in expiry order.
        rank: key -> last access tick (``"lru"``, in tick order but after a rollback) or
            access count (``"lfu"``).
    """

    def __init__(self, data: TableData, policy: CachePolicy, pk_index: AnyIndex) -> None:
        self.data = data
        self.policy = policy
        self.name = data.schema.name.lower()
        self.pk_index = pk_index
        #: the INTEGER key's position while guessing row ids from keys pays (see find)
        self.dense = data.dense_position_of(pk_index)
        self._dense_misses = 0
        positions = data.key_positions(pk_index.name)
        # one position: the value; several: a tuple, the composite key's stored form
        self.key_of: Callable[[Sequence[Any]], Any] = itemgetter(*positions)
        self.key_positions = positions
        #: the key column's position (the first, for a composite key)
        self.key_column = positions[0]
        pk = [data.schema.column(c).dtype for c in data.schema.primary_key]
        #: key types a read may pass as they are (a single-column key of an exact stored
        #: type needs no validation or conversion); others go through the checked read
        self.key_types: frozenset[type] = (
            pk[0].exact_types if len(pk) == 1 and not pk[0].encodes else frozenset()
        )
        #: ``read(columns, rid)`` -> an instance of the table's class (declared as a class)
        self.read_row: Callable[[Sequence[Any], int], Any] = getattr(
            data.schema.row_class, "__pyram_read__", _no_class
        )
        column = policy.expires_column
        self.expires_position = None if column is None else data.schema.position(column)
        self.ttl = policy.ttl
        self.on_access = policy.expire_after == "access" and policy.ttl is not None
        self.ranked = policy.bounded and policy.evict in ("lru", "lfu")
        self.lfu = policy.evict == "lfu"
        #: a read of a row must be noted (its rank or its deadline moves)
        self.tracks_access = self.ranked or self.on_access
        #: a read only moves the row's LRU tick (what :meth:`touched` does then)
        self.lru_only = self.ranked and not self.lfu and not self.on_access
        #: ranks carry row ids (see the module docstring): LRU ranks of a one-column key
        self.hinted = self.ranked and not self.lfu and len(positions) == 1
        #: the table's compaction count when the row-id hints were last renewed
        self.epoch = data.epoch
        self.counters = Counters()
        #: writes may take the cache's own path (set by the manager: pyram.cache.put)
        self.puts = False
        self.expiry = ExpiryQueue()
        #: a new row's deadline is now + ttl and reads leave it (the case :meth:`added`
        #: inlines: no ``moved`` entry to drop)
        self.plain_ttl = (
            self.ttl is not None and self.expires_position is None and not self.on_access
        )
        self.rank: dict[Any, int] = {}
        self.tick = 0
        #: estimated bytes per row and the row count it was estimated at (see sizing)
        self.row_bytes = 0.0
        self.sized_at = 0

    # ------------------------------------------------------------------ deadlines
    def deadline_of(self, row: Sequence[Any], now: float) -> float | None:
        """When a row just written expires: its ``expires`` column if set, else now + ttl."""
        position = self.expires_position
        if position is not None:
            value = row[position]
            if value is not None:
                return to_seconds(value)
        return None if self.ttl is None else now + self.ttl

    @property
    def deadlines(self) -> dict[Any, float]:
        """Key -> the expiry time (seconds) that placed each row that expires, in expiry
        order (read-only: change them through :meth:`set_deadline`). A read under
        ``expire_after="access"`` records a later one in ``expiry.moved`` instead
        (:meth:`ExpiryQueue.get <pyram.cache.expiry_queue.ExpiryQueue.get>` reads both)."""
        return self.expiry.deadlines

    @property
    def heap(self) -> list[tuple[float, Any]]:
        """The expiry queue's side heap: ``(deadline, key)`` of the keys out of order."""
        return self.expiry.heap

    def set_deadline(self, key: Any, deadline: float | None) -> None:
        """Record ``key``'s deadline (None: it does not expire)."""
        self.expiry.set(key, deadline)

    def due(self, now: float, limit: int) -> dict[Any, float]:
        """Up to ``limit`` keys whose deadline is at or before ``now`` (key -> deadline);
        :meth:`requeue` puts back those that could not be removed."""
        return self.expiry.due(now, limit)

    def requeue(self, due: dict[Any, float], retry_at: float | None = None) -> None:
        """Put back keys :meth:`due` handed out that are still here (a removal that did not
        happen), due again at ``retry_at`` when given."""
        self.expiry.requeue(due, retry_at)

    def next_deadline(self) -> float | None:
        """A lower bound of the earliest deadline, or None when no row expires."""
        return self.expiry.next_deadline()

    # ------------------------------------------------------------------ access
    def touched(self, key: Any, now: float) -> None:
        """A point read found ``key``: rank it, and restart its clock under
        ``expire_after="access"``."""
        if self.ranked:
            rank = self.rank
            if self.lfu:
                rank[key] = rank.get(key, 0) + 1
            else:  # to the end of the dict's order too (see the module docstring)
                self.tick += 1
                before = rank.pop(key, NO_RID)
                rank[key] = self.tick << RID_BITS | (before & _RID_MASK)
        if self.on_access:  # restarted: a later deadline, placed when expiry comes to it
            self.expiry.touch(key, now + self.ttl)  # type: ignore[operator]  # on_access: ttl set

    # ------------------------------------------------------------------ writes
    def wrote(
        self,
        old_rows: Sequence[Sequence[Any] | None],
        new_rows: Sequence[Sequence[Any] | None],
        now: float,
        position: int,
        undo: list[UndoRecord],
        first_rid: int = NO_RID,
    ) -> None:
        """Follow rows the store changed (``None`` on the side that does not exist), noting
        in ``undo`` how to put the bookkeeping back. ``first_rid``: the row id of the first
        new row when the rows were just appended (a hint, see :meth:`find`)."""
        key_of = self.key_of
        rid = first_rid
        for old, new in zip(old_rows, new_rows, strict=True):
            old_key = None if old is None else key_of(old)
            new_key = None if new is None else key_of(new)
            if old is not None and (new is None or old_key != new_key):
                self._forget(old_key, position, undo)
            if new is not None:
                fresh = old_key != new_key or old is None
                self._note(new_key, new, fresh, now, position, undo, rid)
            if rid != NO_RID:
                rid += 1

    def note(
        self, row: Sequence[Any] | None, now: float, position: int, undo: list[UndoRecord],
        rid: int,
    ) -> None:
        """Follow one row just inserted (appended as ``rid``): :meth:`wrote` for one row."""
        if row is not None:
            self._note(self.key_of(row), row, True, now, position, undo, rid)

    def added(
        self, key: Any, row: Sequence[Any], now: float, position: int, undo: list[UndoRecord],
        rid: int,
    ) -> None:
        """Follow one row stored as ``rid`` under ``key``, which no row held (the cache's own
        write, :mod:`pyram.cache.put`): :meth:`note` with its common case inlined."""
        expiry, rank = self.expiry, self.rank
        deadlines = expiry.deadlines
        before = deadlines.get(key)
        ranked = rank.get(key)
        undo.append((position, self, key, before, ranked))
        if before is None and self.plain_ttl:
            # ExpiryQueue.set of a new key, inlined: stored last, which keeps the order
            # unless the clock stepped back
            deadline = deadlines[key] = now + self.ttl  # type: ignore[operator]  # plain_ttl
            if deadline >= expiry.latest:
                expiry.latest = deadline
                if deadline < expiry.soonest:
                    expiry.soonest = deadline
            else:
                expiry.push(key, deadline)
        else:
            expiry.set(key, self.deadline_of(row, now))
        if self.lru_only:
            self.tick = tick = self.tick + 1
            if ranked is not None:  # to the end of the order
                del rank[key]
            rank[key] = tick << RID_BITS | rid
        elif self.ranked:
            if self.lfu:
                rank[key] = 1
            else:
                self.tick += 1
                rank.pop(key, None)
                rank[key] = self.tick << RID_BITS | rid

    def forget(
        self, old_rows: Sequence[Sequence[Any]], position: int, undo: list[UndoRecord]
    ) -> None:
        """Follow rows deleted (an eviction's batch, an expiry): :meth:`wrote` without the
        pairing with new rows; the keys are taken and forgotten in C (``map``)."""
        keys = list(map(self.key_of, old_rows))
        deadlines = self.expiry.pop_many(keys)
        ranks = list(map(self.rank.pop, keys, repeat(None)))
        undo.extend(zip(repeat(position), repeat(self), keys, deadlines, ranks))

    def _forget(self, key: Any, position: int, undo: list[UndoRecord]) -> None:
        undo.append((position, self, key, self.expiry.pop(key), self.rank.pop(key, None)))

    def _note(
        self,
        key: Any,
        row: Sequence[Any],
        new: bool,
        now: float,
        position: int,
        undo: list[UndoRecord],
        rid: int,
    ) -> None:
        rank = self.rank
        undo.append((position, self, key, self.expiry.get(key), rank.get(key)))
        self.expiry.set(key, self.deadline_of(row, now))
        if self.ranked:
            if self.lfu:
                rank[key] = 1 if new else rank.get(key, 0) + 1
            else:  # to the end; an updated row keeps its row id
                self.tick += 1
                before = rank.pop(key, NO_RID)
                rank[key] = self.tick << RID_BITS | (
                    rid if rid != NO_RID else before & _RID_MASK
                )

    def restore(self, key: Any, deadline: float | None, rank: int | None) -> None:
        """Put back ``key``'s bookkeeping as an :data:`UndoRecord` holds it."""
        self.set_deadline(key, deadline)
        if rank is None:
            self.rank.pop(key, None)
        else:
            self.rank[key] = rank

    def rebuild(self, now: float) -> None:
        """Start the bookkeeping from the rows stored now (a table opened from a file, or
        rebuilt by ALTER TABLE): every row is new as of ``now``."""
        self.expiry.clear()
        self.rank.clear()
        data = self.data
        for rid in data.live_rids():
            row = data.row(rid)
            key = self.key_of(row)
            self.set_deadline(key, self.deadline_of(row, now))
            if self.ranked:
                self.tick += 1
                self.rank[key] = 1 if self.lfu else self.tick << RID_BITS | rid
        self.epoch = data.epoch

    def rehint(self) -> None:
        """Renew the row ids LRU ranks carry after the table compacted (row ids renumbered):
        values change in place, so the order of use stays."""
        self.epoch = self.data.epoch
        if not self.hinted:
            return
        rank = self.rank
        data = self.data
        column = data.columns[self.key_positions[0]]
        # just compacted, every row id is live: (rid, key) pairs straight from the column
        pairs = enumerate(column) if data.live_count == len(data.alive) else (
            (rid, column[rid]) for rid in data.live_rids()
        )
        for rid, key in pairs:
            before = rank.get(key)
            if before is not None:
                rank[key] = before >> RID_BITS << RID_BITS | rid

    def find(self, key: Any) -> int | None:
        """The row id holding ``key`` (stored form) now, or None."""
        data = self.data
        if self.hinted:
            if data.epoch != self.epoch:
                self.rehint()
            hint = self.rank.get(key)
            if hint is not None:
                rid: int = hint & _RID_MASK
                alive = data.alive
                if (
                    rid < len(alive)
                    and alive[rid]
                    and data.columns[self.key_column][rid] == key
                ):
                    return rid
            return self.pk_index.get(key)
        dense = self.dense
        if dense is not None and type(key) is int:
            # TableData.probe_dense, inlined: the hit path of every cache read
            column = self.data.columns[dense]
            first = column[0] if column else None
            if first is not None:
                rid = key - first
                if 0 <= rid < len(column) and column[rid] == key and self.data.alive[rid]:
                    return rid
            self._dense_misses += 1
            if self._dense_misses > _DENSE_TRIES:
                # keys loaded in random order (what a cache gets from misses): the guess
                # costs a third of a hit and never pays, so probe the index only
                self.dense = None
        return self.pk_index.get(key)
