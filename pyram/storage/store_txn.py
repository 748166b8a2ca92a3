"""Transactions of a :class:`~pyram.storage.store.Store`: snapshots, the single writer, commit.

Every thread may have one transaction open; many may be open at once. A transaction reads
through a :class:`~pyram.storage.mvcc.ReadView`: taken when it begins (``snapshot`` and
``serializable``) or afresh for each statement (``read_committed``). It takes the store's
:attr:`write_lock` at its first write and keeps it until it ends, so writers run one at a time
while readers, which never take that lock, go on reading their snapshots.

Conflicts:

- first-committer-wins: a write to a row that a transaction committed after the writer's
  snapshot raises :class:`~pyram.errors.SerializationFailure` (``snapshot`` and
  ``serializable``; a ``read_committed`` writer reads the newest state, so it never conflicts);
- ``serializable`` additionally validates at commit that no table it read was written by a
  transaction that committed after its snapshot (table-grained precision locking, see
  docs/transactions.md): when one was, the transaction rolls back and raises
  SerializationFailure. Writers then serialise in commit order and read-only transactions read
  a state of that order, so every execution is serializable.

Statements outside a transaction are atomic each: a write statement runs under the write lock
with a statement log of its own, committed when it ends; a query reads a fresh snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from pyram.errors import OperationalError, ProgrammingError, SerializationFailure
from pyram.storage.mvcc import ReadView
from pyram.storage.snapshots import Snapshots
from pyram.storage.undo import UndoLog

if TYPE_CHECKING:
    from pyram.storage.table_data import TableData
    from pyram.storage.watch import ChangeWatcher

__all__ = ["LOCK_TIMEOUT", "Isolation", "TransactionsMixin", "TxnState"]

#: Seconds a write waits for the write lock held by another thread's transaction before failing
#: with "database is locked"; a transaction may set its own ``timeout``.
LOCK_TIMEOUT = 5.0

Isolation = Literal["read_committed", "snapshot", "serializable"]


class TxnState:
    """One thread's open transaction."""

    __slots__ = ("isolation", "log", "read_only", "timeout", "view", "writer")

    def __init__(
        self, log: UndoLog, view: ReadView, isolation: Isolation, read_only: bool, timeout: float
    ) -> None:
        self.log = log
        self.view = view
        self.isolation: Isolation = isolation
        self.read_only = read_only
        self.timeout = timeout
        #: True once it holds the write lock (after its first write)
        self.writer = False


class _Local(threading.local):
    txn: TxnState | None = None
    #: nesting of statements and reads; the outermost one begins and ends them
    depth = 0
    #: the view of an autocommitted read in progress (None: read the newest state)
    view: ReadView | None = None
    #: a view of a past commit that reads in this thread use, inside a transaction or not
    past: ReadView | None = None


class TransactionsMixin:
    """The transaction half of :class:`~pyram.storage.store.Store` (see the module doc)."""

    write_lock: threading.RLock
    watcher: ChangeWatcher | None
    commit_hook: Callable[[], None] | None
    before_access: Callable[[], None] | None
    catalog_version: int
    undo_log: UndoLog | None
    _data: dict[str, TableData]

    def _init_transactions(self) -> None:
        self.snapshots = Snapshots()
        self.snapshots.on_open = self._reader_arrived
        self._local = _Local()
        self._autocommit = _Autocommit(self)

    def _reader_arrived(self) -> None:
        """A view just opened: the writer's changes so far must become versions it can read
        around (the writer publishes the rest itself from now on)."""
        log = self.undo_log
        if log is not None and not log.published:
            log.publish()

    # ------------------------------------------------------------------ state
    @property
    def thread_state(self) -> _Local:
        """The calling thread's transaction state (``.txn`` is its open transaction or
        None): for hot paths that must tell "no transaction" in one attribute read."""
        return self._local

    @property
    def in_transaction(self) -> bool:
        """True while the calling thread has a transaction open."""
        return self._local.txn is not None

    @property
    def transaction_thread(self) -> int | None:
        """The calling thread's ``threading.get_ident()`` when it has a transaction open."""
        return threading.get_ident() if self._local.txn is not None else None

    @property
    def read_only(self) -> bool:
        """True while the calling thread's transaction refuses writes."""
        txn = self._local.txn
        return txn is not None and txn.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        txn = self._local.txn
        if txn is not None:
            txn.read_only = value
        elif value:
            raise OperationalError("read-only needs an open transaction")

    @property
    def isolation(self) -> Isolation | None:
        """The calling thread's transaction isolation level, or None."""
        txn = self._local.txn
        return None if txn is None else txn.isolation

    @property
    def savepoints(self) -> list[str]:
        """Names of the calling thread's open savepoints, oldest first."""
        txn = self._local.txn
        return [] if txn is None else txn.log.savepoint_names

    def check_writable(self) -> None:
        """Raise :class:`OperationalError` inside a read-only transaction of this thread (for
        writes that do not go through the store's write methods: DDL, triggers, migrations)."""
        txn = self._local.txn
        if txn is not None and txn.read_only:
            raise OperationalError("attempt to write in a read-only transaction")

    # ------------------------------------------------------------------ reading
    def current_view(self) -> ReadView | None:
        """What the calling thread reads: its transaction's view, the view of its autocommitted
        query, or None (the newest state: a writer inside its own statement). Inside
        :meth:`reading_past`, the view of that past commit."""
        local = self._local
        if local.past is not None:
            return local.past
        txn = local.txn
        if txn is not None:
            return txn.view
        return local.view

    @contextmanager
    def reading_past(self, point: object) -> Iterator[ReadView]:
        """Run reads as of a past commit (``point``: a commit stamp, datetime or time text):
        every table read in the block is read as it was then (HistoryError when a table's
        kept history does not reach back so far). Reads only: writers never wait for it."""
        view = self.snapshots.open_past(point)
        local = self._local
        saved = local.past
        local.past = view
        try:
            yield view
        finally:
            local.past = saved
            self.snapshots.close_view(view)

    def reading(self) -> _Reading:
        """Run a query (``with store.reading() as view:``): on the transaction's snapshot, or
        on a fresh one outside a transaction (inside a write statement, on the newest state,
        its own changes included). Never takes the write lock."""
        return _Reading(self)

    @contextmanager
    def using_view(self, view: ReadView) -> Iterator[None]:
        """Read through ``view`` (opened by the caller) in this block, outside a transaction:
        how a query that is consumed bit by bit (``db.iter``) keeps one snapshot."""
        local = self._local
        saved = local.view
        local.view = view
        local.depth += 1
        try:
            yield
        finally:
            local.depth -= 1
            local.view = saved

    # ------------------------------------------------------------------ statements
    def statement(self) -> _Statement:
        """Run a write statement (or several write calls that must be all or nothing):
        ``with store.statement():``.

        In a transaction: takes the write lock at the transaction's first write; if the block
        raises, its changes are undone and the transaction stays as it was. Outside one: takes
        the write lock, logs the changes and commits them when the block ends (or undoes them
        all when it raises). Reads inside the block see its changes.

        Raises:
            OperationalError: "database is locked" when another thread's transaction holds the
                write lock past the timeout.
        """
        return _Statement(self)

    def autocommit(self) -> _Autocommit:
        """Run one write statement of a thread that has no transaction or statement open
        (the caller checked ``thread_state``): :meth:`statement` without its nesting and
        transaction cases, for the hottest single-row writes (a cache's own write). The
        block's writes commit when it ends, or are all undone if it raises; statements
        nested in it join it."""
        return self._autocommit

    def _discard(self, log: UndoLog, mark: int) -> None:
        log.undo_to(self, mark)  # type: ignore[arg-type]
        if self.watcher is not None:
            self.watcher.discarded(mark)

    def _acquire(self, timeout: float) -> None:
        lock = self.write_lock
        # an uncontended lock is taken without the timed wait's setup (a third of its cost)
        if not (lock.acquire(False) or lock.acquire(timeout=timeout)):
            raise OperationalError("database is locked")

    def _become_writer(self, txn: TxnState) -> None:
        if txn.read_only:
            raise OperationalError("attempt to write in a read-only transaction")
        self._acquire(txn.timeout)
        view = txn.view
        if txn.isolation == "read_committed" or not view.reads:
            # It has read nothing yet (or reads the newest each statement): as if it began
            # now, on the newest state, which no other writer can change while it writes.
            self.snapshots.move_view(view)
        elif txn.isolation == "serializable" and any(
            d.commit_ts > view.ts for d in view.reads.values()
        ):
            # serializable: what it read is already stale, so its commit would fail: fail now
            self.write_lock.release()
            raise SerializationFailure(
                "could not serialize access: a table this transaction read was changed by a "
                "transaction that committed since; roll back and retry"
            )
        txn.writer = True
        txn.log.ts = view.ts
        self.undo_log = txn.log
        if self.snapshots.views > 1:  # a reader besides our own view: publish versions
            txn.log.publish()

    def _publish(self, log: UndoLog) -> None:
        """Commit a log's changes (the caller holds the write lock): run the commit hook
        (the durable log; if it raises, the changes are undone and the commit fails), stamp
        the versions (the commit is visible from here on), date the tables it wrote,
        compact, tell the watcher."""
        hook = self.commit_hook
        if hook is not None:
            try:
                hook()
            except BaseException:
                self._discard(log, 0)
                raise
        log.date_written(self.snapshots.commit(log))
        if log.deleted_from:  # the commonest commit (an insert, an update) deleted nothing
            self._compact_deferred(log)
        if self.watcher is not None:
            # delivered before the lock is released, so events leave in commit order
            self.watcher.committed()

    def _compact_deferred(self, log: UndoLog) -> None:
        """Compact tables that lost many rows, when no reader could be renumbered under."""
        tables = [
            data
            for data in log.deleted_from.values()
            if self._data.get(data.schema.name.lower()) is data  # not dropped meanwhile
        ]
        if tables:
            # a table keeping history has versions: renumbering its rows would break them
            self.snapshots.when_quiet(
                lambda: [data.maybe_compact() for data in tables if not data.versioned]
            )

    # ------------------------------------------------------------------ transactions
    def begin(
        self,
        timeout: float | None = None,
        isolation: Isolation = "serializable",
        read_only: bool = False,
    ) -> None:
        """Start a transaction in the calling thread, reading a snapshot of the newest
        commit. The write lock is taken at its first write, waiting at most ``timeout``
        seconds (default :data:`LOCK_TIMEOUT`; -1 waits for ever) for another writer.

        Raises:
            OperationalError: this thread already has a transaction (or a statement) open.
        """
        self._start(UndoLog(), timeout, isolation, read_only)

    def _start(
        self, log: UndoLog, timeout: float | None, isolation: Isolation, read_only: bool
    ) -> None:
        local = self._local
        if local.txn is not None:
            raise OperationalError("cannot start a transaction within a transaction")
        if local.depth:
            raise OperationalError("cannot start a transaction within a statement")
        if self.before_access is not None:
            self.before_access()
        stamp = log.stamp
        # reads are noted at every level: a transaction that has read nothing when it first
        # writes moves its snapshot to the newest commit (see _become_writer)
        view = self.snapshots.open_view(stamp, track_reads=isolation != "read_committed")
        wait = LOCK_TIMEOUT if timeout is None else timeout
        local.txn = TxnState(log, view, isolation, read_only, wait)

    def commit(self) -> None:
        """Make the calling thread's transaction permanent and end it.

        Raises:
            OperationalError: no transaction is active.
            SerializationFailure: (serializable) a table it read was written by a transaction
                that committed after its snapshot; it has been rolled back.
        """
        txn = self._own("commit")
        if not txn.writer:
            self._end(txn)
            return
        try:
            if txn.isolation == "serializable" and txn.view.reads:
                self._validate(txn)
            self._end(txn)  # its snapshot is no longer read (compaction may then run)
            self._publish(txn.log)
        finally:
            self.undo_log = None
            if self._local.txn is txn:
                self._end(txn)
            self.write_lock.release()

    def _validate(self, txn: TxnState) -> None:
        """Serializable: every table read must be unchanged by others since the snapshot."""
        reads = txn.view.reads or {}
        stale = [data for data in reads.values() if data.commit_ts > txn.view.ts]
        if stale:
            self._undo_all(txn)
            names = ", ".join(sorted({d.schema.name for d in stale}))
            raise SerializationFailure(
                f"could not serialize access: {names} changed after this transaction read "
                "it; the transaction was rolled back, retry it"
            )

    def _undo_all(self, txn: TxnState) -> None:
        self._discard(txn.log, 0)

    def rollback(self) -> None:
        """Undo every change of the calling thread's transaction and end it.

        Raises:
            OperationalError: no transaction is active.
        """
        txn = self._own("rollback")
        try:
            if txn.writer:
                self._undo_all(txn)
        finally:
            if txn.writer:
                self.undo_log = None
                self.write_lock.release()
            self._end(txn)

    def _end(self, txn: TxnState) -> None:
        self._local.txn = None
        self.snapshots.close_view(txn.view)

    def savepoint(self, name: str, timeout: float | None = None) -> None:
        """Open savepoint ``name`` (names compare case-insensitively and may repeat).

        Outside a transaction this starts one, as :meth:`begin` does; releasing this
        outermost savepoint then commits it, as in SQLite.

        Raises:
            ProgrammingError: an empty or non-string name.
        """
        if not isinstance(name, str) or not name:
            raise ProgrammingError(f"bad savepoint name: {name!r}")
        txn = self._local.txn
        if txn is None:
            self._start(UndoLog(implicit=True), timeout, "serializable", False)
            txn = self._local.txn
            assert txn is not None
        txn.log.add_savepoint(name)

    def release(self, name: str) -> None:
        """Release savepoint ``name`` and every newer one, keeping their changes; releasing
        the outermost savepoint of a transaction a SAVEPOINT started commits it.

        Raises:
            OperationalError: no such savepoint (or no transaction at all).
        """
        txn = self._own("release", name)
        if txn.log.release(name):
            self.commit()

    def rollback_to(self, name: str) -> None:
        """Undo every change made since savepoint ``name``; it stays open (newer ones go).

        Raises:
            OperationalError: no such savepoint (or no transaction at all).
        """
        txn = self._own("rollback to", name)
        log = txn.log
        log.rollback_to(self, name)  # type: ignore[arg-type]
        if self.watcher is not None and txn.writer:
            self.watcher.discarded(len(log))

    def _own(self, action: str, savepoint: str | None = None) -> TxnState:
        """The calling thread's open transaction."""
        txn = self._local.txn
        if txn is None:
            if savepoint is not None:
                raise OperationalError(f"no such savepoint: {savepoint}")
            raise OperationalError(f"cannot {action} - no transaction is active")
        return txn


# Plain classes rather than @contextmanager generators: every statement and query passes
# through one of these, and a generator-based context manager costs several times as much.


class _Reading:
    __slots__ = ("depth_only", "saved", "store", "view")

    def __init__(self, store: TransactionsMixin) -> None:
        self.store = store

    def __enter__(self) -> ReadView | None:
        store = self.store
        local = store._local
        txn = local.txn
        if local.past is not None:  # inside reading_past: every read is of the past
            self.depth_only = True
            local.depth += 1
            return local.past
        if txn is not None or (local.depth and local.view is None):
            if txn is not None and not local.depth and txn.isolation == "read_committed":
                store.snapshots.move_view(txn.view)  # each statement sees the newest commits
            self.depth_only = True
            local.depth += 1
            return store.current_view()
        self.depth_only = False
        if store.before_access is not None and not local.depth:
            store.before_access()
        view = self.view = store.snapshots.open_view()
        self.saved = local.view
        local.view = view
        local.depth += 1
        return view

    def __exit__(self, *exc: object) -> None:
        local = self.store._local
        local.depth -= 1
        if not self.depth_only:
            local.view = self.saved
            self.store.snapshots.close_view(self.view)


class _Statement:
    __slots__ = ("log", "mark", "own", "saved", "store")

    def __init__(self, store: TransactionsMixin) -> None:
        self.store = store

    def __enter__(self) -> None:
        store = self.store
        local = store._local
        txn = local.txn
        self.own = False
        if txn is not None:
            if not txn.writer:
                store._become_writer(txn)
            elif not local.depth and txn.isolation == "read_committed":
                store.snapshots.move_view(txn.view)
            log = txn.log
        elif local.depth and store.undo_log is not None and store.write_lock._is_owned():  # type: ignore[attr-defined]
            log = store.undo_log  # nested in our own statement
        else:
            if store.before_access is not None and not local.depth:
                store.before_access()
            if not store.write_lock.acquire(False):  # free: taken without the timed wait
                store._acquire(LOCK_TIMEOUT)
            log = store.undo_log = UndoLog(ts=store.snapshots.last_commit)
            if store.snapshots.views:  # a reader may look: publish versions as we go
                log.publish()
            self.own = True
            self.saved = local.view
            local.view = None  # a writer reads the newest state, its own changes included
        self.log = log
        self.mark = len(log)
        local.depth += 1

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        store = self.store
        local = store._local
        local.depth -= 1
        try:
            if kind is not None:
                store._discard(self.log, self.mark)
            elif self.own:
                store._publish(self.log)
        finally:
            if self.own:
                local.view = self.saved
                store.undo_log = None
                store.write_lock.release()


class _Autocommit:
    """:class:`_Statement` of a thread with no transaction and no statement open.

    One per store (its state is read and written only under the write lock), and so is its
    undo log: a statement that published nothing leaves the log to the next one
    (:meth:`UndoLog.reopen`), which saves making one per write.

    ``with store.autocommit():`` runs the block as a statement (expiry of due rows first,
    statements nested in it join it). :meth:`open` and :meth:`close` are the same statement
    without either, for a caller whose block runs no other statement and no reader (the
    cache's own one-row write): it saves a third of an empty statement's cost."""

    __slots__ = ("log", "spare", "store")

    def __init__(self, store: TransactionsMixin) -> None:
        self.store = store
        self.log: UndoLog | None = None
        #: the last statement's log when it published nothing (no version refers to it)
        self.spare: UndoLog | None = None

    def __enter__(self) -> UndoLog:
        store = self.store
        if store.before_access is not None:
            store.before_access()
        log = self.open()
        # what a writer reads is the newest state: the thread's view is None already (no
        # transaction, no read open)
        store._local.depth += 1
        return log

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.store._local.depth -= 1
        self.close(kind is not None)

    def open(self) -> UndoLog:
        """Take the write lock and start the statement's undo log; returns the log. The
        caller must :meth:`close` it. It neither expires due rows nor marks the thread as in
        a statement (see the class docstring)."""
        store = self.store
        if not store.write_lock.acquire(False):  # free: taken without the timed wait
            store._acquire(LOCK_TIMEOUT)
        snapshots = store.snapshots
        log = self.spare
        if log is None:
            log = UndoLog(ts=snapshots.last_commit)
        else:
            self.spare = None
            log.reopen(snapshots.last_commit)
        self.log = store.undo_log = log
        if snapshots.views:  # a reader may look: publish versions as we go
            log.publish()
        return log

    def close(self, failed: bool = False) -> None:
        """End the statement :meth:`open` started: commit its changes, or undo them all when
        ``failed``; then release the write lock."""
        store = self.store
        log = self.log
        assert log is not None  # set by open, under the lock still held
        try:
            if failed:
                store._discard(log, 0)
            else:
                store._publish(log)
        finally:
            store.undo_log = self.log = None
            if not log.publishing:  # published nothing: the next statement may reuse it
                self.spare = log
            store.write_lock.release()
