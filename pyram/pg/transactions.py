"""Transactions on PostgreSQL with PyRAM's names: BEGIN/COMMIT, savepoints when nested.

Part of the PostgreSQL backend. Each thread works on its own connection (see
:mod:`pyram.pg.backend`), in autocommit mode outside a transaction; ``db.transaction()`` issues
``BEGIN ISOLATION LEVEL ...`` on it, and a nested block a ``SAVEPOINT``. Isolation names map
to PostgreSQL's levels with the same guarantees: ``read_committed`` -> READ COMMITTED,
``snapshot`` -> REPEATABLE READ (PostgreSQL's snapshot isolation), ``serializable`` ->
SERIALIZABLE (SSI). A failed commit with SQLSTATE 40001/40P01 raises
:class:`~pyram.SerializationFailure`, as in memory.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from pyram.errors import ProgrammingError
from pyram.pg.sqlstate import translated
from pyram.txn import Isolation, TransactionBase

__all__ = ["LEVELS", "PgTransaction"]

LEVELS: dict[str, str] = {
    "read_committed": "READ COMMITTED",
    "snapshot": "REPEATABLE READ",
    "serializable": "SERIALIZABLE",
}


class PgTransaction(TransactionBase):
    """An open PostgreSQL transaction, or a savepoint inside one (``nested``).

    Use it as a ``with`` block (commit at the end, roll back on an exception) or end it with
    :meth:`commit` / :meth:`rollback`.
    """

    __slots__ = ("_conn", "_ended")

    def __init__(
        self,
        conn: psycopg.Connection[tuple[object, ...]],
        isolation: Isolation,
        read_only: bool,
        savepoint: str | None,
        ended: Callable[[PgTransaction], None],
    ) -> None:
        super().__init__(isolation, read_only, savepoint)
        self._conn = conn
        self._ended = ended

    def commit(self) -> None:
        """Make the work permanent (a nested one: keep it in the enclosing transaction).

        Raises:
            SerializationFailure: PostgreSQL could not serialize it (SQLSTATE 40001/40P01); the
                transaction has been rolled back.
        """
        self._check_active("commit")
        try:
            with translated():
                if self._savepoint is not None:
                    self._conn.execute(f"RELEASE SAVEPOINT {self._savepoint}")
                else:
                    self._conn.execute("COMMIT")
        except BaseException:
            if self._savepoint is None:
                self._conn.execute("ROLLBACK")
                self._finish("rolled back")
            raise
        self._finish("committed")

    def rollback(self) -> None:
        """Undo the work (a nested one: only its own)."""
        self._check_active("roll back")
        with translated():
            if self._savepoint is not None:
                self._conn.execute(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
                self._conn.execute(f"RELEASE SAVEPOINT {self._savepoint}")
            else:
                self._conn.execute("ROLLBACK")
        self._finish("rolled back")

    def _finish(self, state: str) -> None:
        self.state = state
        self._ended(self)


def begin_sql(isolation: Isolation, read_only: bool) -> str:
    """The BEGIN statement for PyRAM's isolation name.

    Raises:
        ProgrammingError: an unknown isolation level.
    """
    level = LEVELS.get(isolation)
    if level is None:
        raise ProgrammingError(
            f"unknown isolation level {isolation!r}: expected one of {', '.join(LEVELS)}"
        )
    return f"BEGIN ISOLATION LEVEL {level}" + (" READ ONLY" if read_only else "")
