"""The transaction API: :class:`Transaction`, made by ``db.transaction()`` and ``db.begin()``.

``with db.transaction():`` commits when the block ends and rolls back when it raises; a
``with db.transaction():`` inside it is a savepoint (its failure undoes only its own work, and
the exception still propagates). ``tx = db.begin()`` / ``tx.commit()`` / ``tx.rollback()``
serve code that cannot use a block. A read-only transaction refuses every write.

Concurrency: each transaction reads a snapshot (multi-version storage, see
:mod:`pyram.storage.store_txn`); readers never wait for writers nor writers for readers.
Writers take the store's write lock at their first write, so they run one at a time (others
wait, at most ``timeout`` seconds). A conflict with a transaction that committed first raises
:class:`~pyram.errors.SerializationFailure`: the transaction is rolled back; retry it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Literal, Self

from pyram.errors import ProgrammingError
from pyram.storage import Store

__all__ = [
    "ISOLATION_LEVELS",
    "Isolation",
    "Transaction",
    "TransactionBase",
    "TransactionManager",
]

Isolation = Literal["read_committed", "snapshot", "serializable"]
ISOLATION_LEVELS: tuple[Isolation, ...] = ("read_committed", "snapshot", "serializable")

_names = itertools.count(1)


class TransactionBase:
    """What every PyRAM transaction object shares, in memory and on PostgreSQL
    (:class:`pyram.pg.PgTransaction`): its isolation, read-only flag and state, the ``with``
    block (commit at the end, roll back on an exception) and the refusal to end twice.
    Subclasses implement :meth:`commit` and :meth:`rollback`."""

    __slots__ = ("_savepoint", "isolation", "read_only", "state")

    def __init__(self, isolation: Isolation, read_only: bool, savepoint: str | None) -> None:
        self._savepoint = savepoint
        self.isolation: Isolation = isolation
        self.read_only = read_only
        #: ``"active"``, ``"committed"`` or ``"rolled back"``
        self.state = "active"

    @property
    def nested(self) -> bool:
        """True for a savepoint inside an enclosing transaction."""
        return self._savepoint is not None

    def commit(self) -> None:  # pragma: no cover - every subclass defines it
        """Make the work permanent (a nested one: keep it in the enclosing transaction)."""
        raise NotImplementedError

    def rollback(self) -> None:  # pragma: no cover - every subclass defines it
        """Undo the work (a nested one: only its own)."""
        raise NotImplementedError

    def _check_active(self, action: str) -> None:
        if self.state != "active":
            raise ProgrammingError(f"cannot {action}: the transaction is {self.state}")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.state != "active":
            return  # ended inside the block by an explicit commit() or rollback()
        if exc is None:
            self.commit()
        else:
            self.rollback()

    def __repr__(self) -> str:
        what = "savepoint" if self.nested else "transaction"
        mode = " read-only" if self.read_only else ""
        return f"<{what} {self.isolation}{mode} {self.state}>"


class Transaction(TransactionBase):
    """An open transaction, or a savepoint inside one (``nested``)."""

    __slots__ = ("_manager",)

    def __init__(
        self,
        manager: TransactionManager,
        isolation: Isolation,
        read_only: bool,
        savepoint: str | None,
    ) -> None:
        super().__init__(isolation, read_only, savepoint)
        self._manager = manager

    def commit(self) -> None:
        """Make the work permanent (a nested one: keep it in the enclosing transaction).

        Raises:
            ProgrammingError: the transaction already ended.
            SerializationFailure: (serializable) a table it read changed meanwhile; the
                transaction has been rolled back.
        """
        self._check_active("commit")
        store = self._manager.store
        try:
            if self._savepoint is not None:
                store.release(self._savepoint)
            else:
                store.commit()
        except BaseException:
            if self._savepoint is None and not store.in_transaction:
                # the store rolled it back (serializable validation, a failed durable write)
                self._manager.ended(self)
                self.state = "rolled back"
            raise
        self._manager.ended(self)
        self.state = "committed"

    def rollback(self) -> None:
        """Undo the work (a nested one: only its own).

        Raises:
            ProgrammingError: the transaction already ended.
        """
        self._check_active("roll back")
        store = self._manager.store
        version = store.catalog_version
        if self._savepoint is not None:
            store.rollback_to(self._savepoint)
            store.release(self._savepoint)
        else:
            store.rollback()
        self._manager.ended(self)
        self.state = "rolled back"
        if store.catalog_version != version and self._manager.schema_changed is not None:
            self._manager.schema_changed()


class TransactionManager:
    """Starts transactions on a store and tracks each thread's open ones."""

    def __init__(self, store: Store, schema_changed: Callable[[], None] | None = None) -> None:
        self.store = store
        self._local = threading.local()
        #: called after a rollback that undid DDL (prepared plans and handles are stale)
        self.schema_changed = schema_changed

    def _stack(self) -> list[Transaction]:
        stack: list[Transaction] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def current(self) -> Transaction | None:
        """The calling thread's innermost open transaction, or None."""
        stack = self._stack()
        return stack[-1] if stack else None

    def begin(
        self,
        isolation: str = "serializable",
        read_only: bool = False,
        timeout: float | None = None,
    ) -> Transaction:
        """Start a transaction, or a savepoint when this thread already has one open.

        Raises:
            ProgrammingError: an unknown isolation level, or a nested transaction asking for
                a different level or for writes inside a read-only one.
            OperationalError: another thread holds the database longer than ``timeout``.
        """
        if isolation not in ISOLATION_LEVELS:
            raise ProgrammingError(
                f"unknown isolation level {isolation!r}: use one of {', '.join(ISOLATION_LEVELS)}"
            )
        level: Isolation = isolation
        outer = self.current()
        if outer is not None:
            if level != outer.isolation:
                raise ProgrammingError(
                    f"a nested transaction runs at its enclosing level ({outer.isolation})"
                )
            if outer.read_only and not read_only:
                raise ProgrammingError("cannot write inside a read-only transaction")
            name = f"_pyram_tx{next(_names)}"
            self.store.savepoint(name)
            tx = Transaction(self, level, read_only, name)
        else:
            self.store.begin(timeout, level, read_only)
            tx = Transaction(self, level, read_only, None)
        self.store.read_only = read_only or (outer is not None and outer.read_only)
        self._stack().append(tx)
        return tx

    def ended(self, tx: Transaction) -> None:
        """Forget ``tx`` (and anything opened inside it) as this thread's open transaction."""
        stack = self._stack()
        while stack:
            top = stack.pop()
            if top is tx:
                break
        outer = stack[-1] if stack else None
        self.store.read_only = outer is not None and outer.read_only
