"""The cache tables of one database: expiry, eviction and counters, as committed changes.

:class:`CacheManager` is the store's :class:`~pyram.storage.watch.ChangeWatcher` for cache
tables (it follows their writes to keep deadlines and ranks, and makes room after an insert)
and its ``before_access`` hook (it removes the rows that are due before a read, a write
statement or a transaction starts). Removals are ordinary deletes through the store's checked
write path, in a statement of their own, so:

- foreign keys hold (ON DELETE actions apply; a row a RESTRICT reference holds is skipped and
  retried :data:`HELD_RETRY_SECONDS` later);
- they commit like any write: snapshots opened earlier keep seeing the rows, ``on_change``
  subscribers get them with ``kind="expire"`` / ``"evict"``, a durable database logs them;
- an eviction made room for an insert in the same statement or transaction, so a rollback
  undoes both: nothing is lost or brought back wrongly.

A transaction's reads are of its snapshot: rows that expire while it is open stay visible to
it until it ends (the removal is a commit after its snapshot), which is what snapshot
isolation means; the next transaction no longer sees them.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Literal

from pyram.cache.eviction import pick_victims
from pyram.cache.expiry_queue import ExpiryQueue
from pyram.cache.put import EVICT_BATCH, can_put, put, unwatched
from pyram.cache.sizing import estimate_row_bytes
from pyram.cache.tracker import NO_RID, RID_BITS, Counters, TableTracker, UndoRecord
from pyram.catalog import TableSchema
from pyram.errors import CapacityError, IntegrityError, OperationalError
from pyram.storage import (
    NEEDS_VIEW,
    ChangeKind,
    Rows,
    Store,
    TableData,
    drop_rows,
    unique_index,
)
from pyram.txn import ChangeHub, EventKind

__all__ = ["HELD_RETRY_SECONDS", "CacheManager", "Clock"]

Clock = Callable[[], float]
#: how long a due row that a RESTRICT reference holds waits before the next removal attempt
HELD_RETRY_SECONDS = 1.0
#: the default cap on rows one :meth:`CacheManager.sweep` call removes
SWEEP_ROWS = 1000


class CacheManager:
    """Cache-table rules of one database (see the module docstring).

    Attributes:
        clock: returns the time in seconds (``time.time`` unless the database was given one).
        max_bytes: the database-wide limit on estimated bytes, or None.
        trackers: lower-case table name -> bookkeeping, one per cache table.
        by_model: model class -> bookkeeping, for the cache tables declared as classes.
    """

    def __init__(
        self, store: Store, hub: ChangeHub, clock: Clock | None, max_bytes: int | None
    ) -> None:
        self.store = store
        self.hub = hub
        self.clock: Clock = clock or time.time
        self.max_bytes = max_bytes
        self.trackers: dict[str, TableTracker] = {}
        self.by_model: dict[type, TableTracker] = {}
        #: a cache table's storage -> its bookkeeping (what the watcher hooks look up)
        self.by_data: dict[TableData, TableTracker] = {}
        #: the expiry queues of the tables that expire rows (what before_access asks)
        self._expiring: tuple[ExpiryQueue, ...] = ()
        self._plain: dict[str, Counters] = {}  # get_or_load counts of tables without a policy
        #: how to put trackers back when the writes they followed are rolled back
        self.undo: list[UndoRecord] = []
        #: (undo-log position, tracker, rows evicted): counted when the writes commit
        self.evicted: list[tuple[int, TableTracker, int]] = []
        #: the same for rows expired: a rolled-back expiry (a transaction's) is not counted
        self.expired: list[tuple[int, TableTracker, int]] = []
        self._local = threading.local()
        #: the store's per-thread state (read by the hot paths without the property call)
        self.thread_state = store.thread_state
        #: draws the samples of sampled eviction policies
        self.rng = random.Random(0x5EED)
        #: callables adding fields to ``db.stats()`` (see :data:`pyram.cache.StatsProvider`)
        self.stats_providers: list[Callable[[], Any]] = []
        #: the record API's hook for ``db.upsert``: store one row of a model (user values,
        #: in column order) by the cache's own write (:mod:`pyram.cache.put`); None, having
        #: done nothing, when the table or the moment needs the general write path. Bound
        #: here by ``partial``, so no call layer stands between the hook and the write
        self.put: Callable[[type, list[Any]], Literal["insert", "update"] | None] = partial(
            put, self
        )

    # ------------------------------------------------------------------ tables
    def sync(self, schemas: Iterable[TableSchema]) -> None:
        """Follow the catalogue: bookkeeping for each cache table, rebuilt for a table whose
        storage is new (created, opened from a file, rebuilt by ALTER TABLE)."""
        now = self.clock()
        trackers: dict[str, TableTracker] = {}
        for schema in schemas:
            policy = schema.cache
            if policy is None:
                continue
            name = schema.name.lower()
            data = self.store.data(schema.name)
            tracker = self.trackers.get(name)
            if tracker is None or tracker.data is not data or tracker.policy != policy:
                old = tracker
                tracker = TableTracker(data, policy, unique_index(data, schema.primary_key))
                if old is not None:
                    tracker.counters = old.counters
                tracker.rebuild(now)
            trackers[name] = tracker
        self.trackers = trackers
        self._expiring = tuple(t.expiry for t in trackers.values() if t.policy.expires)
        self.by_model = {
            t.data.schema.row_class: t for t in trackers.values() if t.data.schema.row_class
        }
        self.by_data = {t.data: t for t in trackers.values()}
        for tracker in trackers.values():  # a table created since may reference it
            tracker.puts = can_put(tracker, self.store.catalog)

    @property
    def active(self) -> bool:
        """True when some table has a policy (the hooks are needed at all)."""
        return bool(self.trackers)

    def counters(self, table: str) -> Counters:
        """The counters of ``table`` (lower-case name), made on first use."""
        tracker = self.trackers.get(table)
        if tracker is not None:
            return tracker.counters
        found = self._plain.get(table)
        if found is None:
            found = self._plain[table] = Counters()
        return found

    # ------------------------------------------------------------------ reads
    def before_access(self) -> None:
        """The store's hook: remove every due row first. Unless one is due it costs a clock
        call and a comparison per expiring table (its ``soonest``, a lower bound of its next
        deadline: the hot path of every cache read)."""
        now = self.clock()
        for expiry in self._expiring:
            if expiry.soonest <= now:
                break
        else:
            return
        self._expire_due(now)

    def _expire_due(self, now: float) -> None:
        """Remove due rows before a read, unless the thread is already removing them or is in
        a transaction or statement (those read their snapshot)."""
        if getattr(self._local, "busy", False):
            return
        local = self.store.thread_state
        if local.txn is not None or local.depth:
            return  # a transaction reads its snapshot; a statement already checked
        try:
            self.expire(now)
        except OperationalError:
            # another thread's transaction held the write lock past the timeout: read on
            # (the due rows stay until the next access) rather than fail the read
            return

    def read_key(self, tracker: TableTracker, key: Any) -> Any:
        """The lean point read of a cache table (``db.get`` and the hit path of
        ``get_or_load``): remove due rows, read the row holding ``key`` (stored form, of a
        type in :attr:`TableTracker.key_types`) as an instance of the table's class, count
        the hit or miss and rank the row. Returns :data:`NEEDS_VIEW`, having counted nothing,
        when the table must be read through a snapshot.

        One clock call, a comparison per expiring table, the read, and a counter and a dict
        store: the target is a hit within 1.5x of a ``cachetools.TTLCache`` get, so
        :func:`~pyram.storage.read_unversioned` and the key probe are inlined here (each
        call layer costs about a tenth of the budget).
        """
        now = self.clock()
        for expiry in self._expiring:
            if expiry.soonest <= now:  # a lower bound: maybe due (see before_access)
                self._expire_due(now)
                break
        local = self.thread_state
        if local.txn is not None or local.past is not None:
            return NEEDS_VIEW
        data = tracker.data
        with data.latch:
            log = self.store.undo_log
            # read_unversioned's rule: every snapshot sees the table as stored
            if (log is not None and not log.published) or data.changes or data.inserted:
                return NEEDS_VIEW
            rid = None
            if tracker.hinted and data.epoch == tracker.epoch:
                # TableTracker.find's row-id hint, inlined (verified the same way)
                hint = tracker.rank.get(key)
                if hint is not None:
                    rid = hint & NO_RID
                    alive = data.alive
                    keys = data.columns[tracker.key_column]
                    if not (rid < len(alive) and alive[rid] and keys[rid] == key):
                        rid = None
            if rid is None:
                rid = tracker.find(key)
            found = None if rid is None else tracker.read_row(data.columns, rid)
        counters = tracker.counters
        if found is None or rid is None:
            counters.misses += 1
            return None
        counters.hits += 1
        if tracker.lru_only:  # TableTracker.touched inlined for the commonest policy
            tracker.tick = tick = tracker.tick + 1
            rank = tracker.rank
            rank.pop(key, None)  # to the end: the dict's order is the LRU order
            rank[key] = tick << RID_BITS | rid  # the row id: a hint for the next find
        elif tracker.tracks_access:
            tracker.touched(key, now)
        return found

    def point_read(self, data: TableData, index: Any, key: Any) -> None:
        """The store's hook: a query (SQL or DSL) read the row holding ``key`` of a unique
        ``index`` of ``data``; by the primary key of a cache table that tracks access, it
        ranks the row and restarts its clock as :meth:`read_key` does (counters are for
        ``db.get``/``get_or_load`` only)."""
        tracker = self.by_data.get(data)
        if tracker is not None and tracker.tracks_access and index is tracker.pk_index:
            tracker.touched(key, self.clock() if tracker.on_access else 0.0)

    def touched(self, tracker: TableTracker, key: Any, found: bool) -> None:
        """Count a point read of ``key`` and rank the row it found."""
        counters = tracker.counters
        if found:
            counters.hits += 1
            tracker.touched(key, self.clock() if tracker.on_access else 0.0)
        else:
            counters.misses += 1

    def rewrote(self, model: type, data: TableData, rid: int) -> None:
        """``db.update``/``db.upsert`` wrote a row of ``model`` with the values it had: the
        store saw no change, but for the cache it is a write (the clock restarts, the row is
        used). Undone with the statement like any write's bookkeeping."""
        tracker = self.by_model.get(model)
        if tracker is None:
            return
        log = self.store.undo_log
        row = data.row(rid)
        tracker.wrote([row], [row], self.clock(), 0 if log is None else len(log), self.undo)

    # ------------------------------------------------------------------ expiry
    def expire(self, now: float | None = None, limit: int | None = None) -> int:
        """Remove rows due at ``now`` (default: the clock), at most ``limit``; returns how
        many were removed. Rows a RESTRICT reference holds are retried later.

        It all runs in one statement of its own: the write lock serialises it with writers
        (which push deadlines) and with other threads expiring at the same moment.
        """
        local = self._local
        local.busy = True
        store = self.store
        thread = store.thread_state
        # a statement of its own: the store's reusable autocommit one when the thread has
        # none open (the sweep, a read's expiry), else one that joins the thread's
        statement = (
            store.autocommit() if thread.txn is None and not thread.depth else store.statement()
        )
        try:
            with statement:
                now = self.clock() if now is None else now
                budget = limit if limit is not None else 1 << 62
                removed = 0
                for tracker in list(self.trackers.values()):
                    if removed < budget:
                        removed += self._expire_table(tracker, now, budget - removed)
                return removed
        finally:
            local.busy = False

    def sweep(self, max_rows: int = SWEEP_ROWS) -> int:
        """Remove at most ``max_rows`` due rows (the capped unit of background work)."""
        return self.expire(limit=max_rows)

    def _expire_table(self, tracker: TableTracker, now: float, limit: int) -> int:
        """Remove up to ``limit`` due rows of one table (inside the expiry statement)."""
        deadline = tracker.next_deadline()
        if deadline is None or deadline > now:
            return 0
        due = tracker.due(now, limit)
        if not due:
            return 0
        log = self.store.undo_log
        assert log is not None  # inside the expiry statement
        position = len(log)
        try:
            rids: dict[int, Any] = {}
            for key in due:
                rid = tracker.find(key)
                if rid is not None:
                    rids[rid] = key
            gone = {rids[rid] for rid in self._delete(tracker, list(rids), "expire")}
        except BaseException:
            tracker.requeue(due)
            raise
        self.expired.append((position, tracker, len(gone)))  # counted at commit
        held = {key: deadline for key, deadline in due.items() if key not in gone}
        tracker.requeue(held, now + HELD_RETRY_SECONDS)
        return len(gone)

    def _delete(self, tracker: TableTracker, rids: list[int], kind: EventKind) -> list[int]:
        """Delete ``rids`` (inside a statement), all at once or, when a RESTRICT reference
        refuses, one by one skipping the held ones; returns the rids deleted. A table the
        cache's one-step write serves, which nobody else watches, loses them in one storage
        step (:func:`~pyram.storage.drop_rows`: no constraint can refuse, no watcher needs
        the rows) and its bookkeeping follows here."""
        store = self.store
        if tracker.puts and unwatched(self, tracker.name):
            log = store.undo_log
            assert log is not None  # inside the caller's statement
            position = len(log)
            tracker.forget(drop_rows(store, tracker.data, rids), position, self.undo)
            return rids
        hub = self.hub
        saved = hub.delete_as
        hub.delete_as = (tracker.name, kind)
        try:
            try:
                self.store.delete(tracker.name, rids)  # a statement: undone if it fails
                return rids
            except IntegrityError:
                done = []
                for rid in rids:
                    try:
                        with self.store.statement():
                            self.store.delete(tracker.name, [rid])
                        done.append(rid)
                    except IntegrityError:
                        continue
                return done
        finally:
            hub.delete_as = saved

    # ------------------------------------------------------------------ capacity
    def _over(self, tracker: TableTracker, extra_rows: int) -> bool:
        """True when ``tracker``'s table (plus ``extra_rows``) is past a limit."""
        policy = tracker.policy
        rows = tracker.data.live_count + extra_rows
        if policy.max_rows is not None and rows > policy.max_rows:
            return True
        if policy.max_bytes is None and self.max_bytes is None:
            return False
        per_row = self.row_bytes(tracker)
        if policy.max_bytes is not None and rows * per_row > policy.max_bytes:
            return True
        return self.max_bytes is not None and self.total_bytes() + extra_rows * per_row > (
            self.max_bytes
        )

    def row_bytes(self, tracker: TableTracker) -> float:
        """Estimated bytes per row, re-sampled when the row count doubled or halved."""
        count = tracker.data.live_count
        if count and not (tracker.sized_at // 2 < count < tracker.sized_at * 2):
            tracker.row_bytes = estimate_row_bytes(tracker.data, tracked=True)
            tracker.sized_at = count
        return tracker.row_bytes

    def total_bytes(self) -> float:
        """Estimated bytes of every table (those without a policy too)."""
        total = 0.0
        for schema in self.store.catalog:
            data = self.store.data(schema.name)
            tracker = self.trackers.get(schema.name.lower())
            if tracker is not None:
                total += data.live_count * self.row_bytes(tracker)
            else:
                total += data.live_count * estimate_row_bytes(data, tracked=False)
        return total

    def _make_room(self, tracker: TableTracker, written: Rows, position: int) -> None:
        """Evict until ``tracker``'s table is within its limits (inside the writer's
        statement, so a rollback undoes the eviction with the write). The rows just
        ``written`` go last: under LFU a new row has the fewest reads of all, and evicting
        what was just stored helps nobody."""
        if tracker.policy.evict == "none" or not self._over(tracker, 0):
            return  # the common case of a write: within the limits, nothing to find
        held: set[int] = set()
        fresh = {tracker.find(tracker.key_of(row)) for row in written if row is not None}
        fresh.discard(None)
        evicted = 0
        while self._over(tracker, 0):
            victims = self._victims(tracker, held, fresh)  # type: ignore[arg-type]
            if not victims:
                raise CapacityError(
                    f"table {tracker.data.schema.name} is full and no row can be evicted "
                    "(every candidate is held by a RESTRICT foreign key)"
                )
            done = self._delete(tracker, victims, "evict")
            evicted += len(done)
            held.update(set(victims).difference(done))
        if evicted:
            self.evicted.append((position, tracker, evicted))

    def _victims(self, tracker: TableTracker, held: set[int], fresh: set[int]) -> list[int]:
        """The next rows to evict: 1/:data:`EVICT_BATCH` of the table at once (at least one),
        so the cost of a delete statement is shared by several rows, not paid per insert."""
        count = max(1, tracker.data.live_count // EVICT_BATCH)
        chosen = pick_victims(tracker, count, held | fresh, self.rng)
        if not chosen and not held:  # a write larger than the table: keep its last rows
            chosen = pick_victims(tracker, 1, set(), self.rng)
        return chosen

    # ------------------------------------------------------------------ watcher
    def _tracker_of(self, data: TableData) -> TableTracker:
        """The bookkeeping of a watched table's storage (by name if the storage was
        replaced since the last :meth:`sync`: a DDL statement not yet followed)."""
        return self.by_data.get(data) or self.trackers[data.schema.name.lower()]

    def watches(self, table: str) -> bool:
        """True for a cache table."""
        return table in self.trackers

    def before_write(self, kind: ChangeKind, data: TableData, old: Rows, new: Rows,
                     position: int) -> None:
        """Refuse an insert past a limit of an ``evict="none"`` table (nothing changed yet)."""
        tracker = self._tracker_of(data)
        if kind != "insert" or tracker.policy.evict != "none" or not tracker.policy.bounded:
            return
        if self._over(tracker, len(new)):
            raise CapacityError(
                f"table {data.schema.name} is full (max_rows={tracker.policy.max_rows}, "
                f"max_bytes={tracker.policy.max_bytes}) and its policy is evict='none'"
            )

    def before_apply(self, kind: ChangeKind, data: TableData, old: Rows, new: Rows,
                     position: int) -> None:
        """Nothing to check once the constraints passed."""

    def after_write(self, kind: ChangeKind, data: TableData, old: Rows, new: Rows,
                    position: int) -> None:
        """Follow the rows written; make room after an insert into a bounded table."""
        tracker = self.by_data.get(data) or self._tracker_of(data)
        # inserted rows were just appended: their row ids are the last ones (a hint only:
        # another watcher may have appended more meanwhile)
        if kind == "insert" and len(new) == 1:  # the commonest write: no loop, no pairing
            tracker.note(new[0], self.clock(), position, self.undo, len(data.alive) - 1)
        elif kind == "delete":  # an eviction's or expiry's batch: only keys to forget
            tracker.forget(old, position, self.undo)  # type: ignore[arg-type]  # no None
            return
        else:
            first = len(data.alive) - len(new) if kind == "insert" else NO_RID
            tracker.wrote(old, new, self.clock(), position, self.undo, first)
        policy = tracker.policy
        if policy.max_bytes is None and self.max_bytes is None:
            # a row limit only: one comparison decides (what _over would find)
            if policy.max_rows is not None and tracker.data.live_count > policy.max_rows:
                self._make_room(tracker, new, position)
        else:
            self._make_room(tracker, new, position)

    def committed(self) -> None:
        """The writes followed so far are permanent: count their evictions and expirations."""
        self.undo.clear()
        if self.evicted:
            for _position, tracker, count in self.evicted:
                tracker.counters.evictions += count
            self.evicted.clear()
        if self.expired:
            for _position, tracker, count in self.expired:
                tracker.counters.expirations += count
            self.expired.clear()

    def discarded(self, position: int) -> None:
        """Put back the bookkeeping of writes rolled back (undo-log positions >= position)."""
        undo = self.undo
        while undo and undo[-1][0] >= position:
            _position, tracker, key, deadline, rank = undo.pop()
            tracker.restore(key, deadline, rank)
        self.evicted = [entry for entry in self.evicted if entry[0] < position]
        self.expired = [entry for entry in self.expired if entry[0] < position]
