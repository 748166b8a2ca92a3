"""One client's session: its transaction state and settings, and running one statement.

PyRAM binds a transaction to the thread that began it, so every session runs its statements
on a thread of its own (see :mod:`pyram.server.worker`); the methods here run on that thread.
A session follows PostgreSQL's transaction rules on top of PyRAM's transactions:

- ``BEGIN`` (with ``ISOLATION LEVEL`` / ``READ ONLY``) opens a PyRAM transaction; ``SET
  TRANSACTION`` changes the level before the first statement;
- an error inside a transaction block marks it failed (status ``E``): every statement but
  ``ROLLBACK``/``ROLLBACK TO`` is refused with 25P02 until then, and ``COMMIT`` rolls back;
- statements outside a block run in autocommit, each atomic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from pyram.server.cursors import Cursors, parse_declare, parse_fetch
from pyram.server.outcome import Outcome
from pyram.server.settings import new_settings, parse_isolation
from pyram.server.splitter import first_words
from pyram.server.sqlstate import ServerError
from pyram.sql.pg_settings import isolation_level

if TYPE_CHECKING:
    from pyram.api import Database
    from pyram.txn import Isolation, Transaction

__all__ = ["PgSession", "command_tag"]

_READ_ONLY_OK: Final = frozenset(
    {
        "DECLARE",
        "FETCH",
        "MOVE",
        "CLOSE",
        "SELECT",
        "VALUES",
        "SHOW",
        "SET",
        "RESET",
        "BEGIN",
        "START",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "SAVEPOINT",
        "RELEASE",
        "DISCARD",
        "DEALLOCATE",
        "TABLE",
    }
)
#: statements a read-only server runs inside a read-only transaction
_CHECKED_READ_ONLY: Final = frozenset({"WITH", "EXPLAIN"})
_SAVEPOINT_NAME: Final = re.compile(r"(?:SAVEPOINT\s+)?([A-Za-z_][\w]*|\"[^\"]+\")\s*$", re.I)

#: how long a transaction's first write waits for another transaction's write lock
LOCK_WAIT: Final = 30.0


def command_tag(words: Sequence[str], rowcount: int, rows: int) -> str:
    """The CommandComplete tag of a statement from its first keywords."""
    head = words[0] if words else ""
    if head in ("SELECT", "VALUES", "TABLE", "WITH", "EXPLAIN"):
        return f"SELECT {rows}"
    if head == "INSERT" or head == "REPLACE":
        return f"INSERT 0 {max(rowcount, 0)}"
    if head in ("UPDATE", "DELETE"):
        return f"{head} {max(rowcount, 0)}"
    if head in ("CREATE", "DROP", "ALTER") and len(words) > 1:
        kind = words[1]
        if kind in ("UNIQUE", "TEMP", "TEMPORARY") and len(words) > 2:
            kind = words[2]
        return f"{head} {kind}"
    return head


class PgSession:
    """A client's session on the shared database (methods run on the session's own thread)."""

    def __init__(
        self,
        db: Database,
        user: str,
        *,
        database: str = "",
        application_name: str = "",
        read_only: bool = False,
    ) -> None:
        self.db = db
        #: what PyRAM's PostgreSQL dialect reads and writes (SET, SHOW, current_setting())
        self.pg_settings = new_settings(user, database, application_name)
        self.read_only = read_only
        self.failed = False  #: inside a failed transaction block
        #: a transaction is open (kept here: PyRAM's own flag is per thread, and the event
        #: loop reads this one)
        self.in_block = False
        self._level = ""  #: PyRAM's isolation level of the open transaction
        self._tx: Transaction | None = None  #: the transaction BEGIN opened
        #: the open transaction is the implicit one of an extended-protocol run up to Sync
        self.implicit = False
        self._ran = 0  #: statements run in the open transaction
        self.cursors = Cursors()

    # ------------------------------------------------------------------ state
    @property
    def status(self) -> bytes:
        """ReadyForQuery's transaction status byte."""
        if self.failed:
            return b"E"
        return b"T" if self.in_block else b"I"

    def abort(self) -> None:
        """Roll back whatever is open (an implicit transaction failed, the connection ends)."""
        tx, self._tx = self._tx, None
        if tx is not None and tx.state == "active":
            tx.rollback()
        elif self.db.in_transaction:
            self.db.sql("ROLLBACK")
        self.failed = False
        self.in_block = False
        self.implicit = False
        self.cursors.transaction_ended()

    def sync(self, *, rollback: bool = False) -> None:
        """Sync ends the implicit transaction of the messages before it: committed, or rolled
        back when one of them failed (or ``rollback``: a message failed outside a statement).

        Raises:
            Error: the commit failed (a serialization failure ...); it is rolled back.
        """
        if not self.implicit:
            return
        if self.failed or rollback:
            self.abort()
            return
        try:
            self._commit("COMMIT", ["COMMIT"])
        except BaseException:
            self.abort()
            raise
        finally:
            self.in_block = self.db.in_transaction

    def runs_inline(self, text: str) -> bool:
        """True when ``text`` may run on the event loop's thread instead of the session's: no
        transaction is open on the session's thread (PyRAM binds one to the thread that began
        it), and the statement is a read at READ COMMITTED, so it begins and ends its own
        snapshot within the call. The caller adds that it must be cheap (a key lookup)."""
        if self.in_block or self.implicit or self.failed:
            return False
        level = isolation_level(self.pg_settings.values["default_transaction_isolation"])
        return level == "read_committed" and _reads_only(text)

    def execute_inline(self, text: str, params: Mapping[str, Any] | None) -> Outcome:
        """Run a statement :meth:`runs_inline` accepted: it opens no implicit transaction
        and leaves the session's state as it was (so none of :meth:`execute`'s bookkeeping)."""
        return self._execute(text, params)

    # ------------------------------------------------------------------ running
    def execute(
        self, text: str, params: Mapping[str, Any] | None = None, *, implicit: bool = False
    ) -> Outcome:
        """Run one statement; an error inside a transaction block fails the block.

        ``implicit``: an extended-protocol Execute. Outside a transaction block the statements
        up to the next Sync then run in one implicit transaction (PostgreSQL's rule), which
        :meth:`sync` ends.

        Raises:
            Error: whatever PyRAM raises (the caller maps it to an ErrorResponse).
            ServerError: a statement refused by the session (25P02, 25006, ...).
        """
        try:
            if implicit and not self.db.in_transaction and _opens_implicit(text):
                level = isolation_level(self.pg_settings.show("default_transaction_isolation"))
                # a read at READ COMMITTED takes a snapshot of its own inside a block or out of
                # one, and has nothing to commit: it runs on its own, so its Sync need not
                # visit the session's thread (half the hops of a point lookup). A write later
                # in the same pipeline still opens the implicit block.
                if level != "read_committed" or not _reads_only(text):
                    # the write lock wait of the statements it stands for (the store's default)
                    self._begin_at(level, False, wait=None)
                    self.implicit = True
            return self._execute(text, params)
        except BaseException:
            self.failed = self.db.in_transaction
            raise
        finally:
            self.in_block = self.db.in_transaction

    def _execute(self, text: str, params: Mapping[str, Any] | None) -> Outcome:
        words = first_words(text, 4)
        head = words[0] if words else ""
        if self.failed and head not in ("ROLLBACK", "ABORT", "COMMIT", "END"):
            raise ServerError(
                "current transaction is aborted, commands ignored until end of transaction block",
                "25P02",
            )
        if self.read_only and head not in _READ_ONLY_OK and head not in _CHECKED_READ_ONLY:
            raise ServerError("cannot execute this statement in a read-only server", "25006")
        handler = _HANDLERS.get(head)
        if handler is not None:
            return handler(self, text, words)
        if self.read_only and head in _CHECKED_READ_ONLY and not self.db.in_transaction:
            # it may write (WITH ... INSERT, EXPLAIN ANALYZE UPDATE): a read-only transaction
            # lets the store refuse any write it attempts
            with self.db.transaction("read_committed", read_only=True):
                return self.run_sql(text, params, words)
        return self.run_sql(text, params, words)

    def run_sql(self, text: str, params: Mapping[str, Any] | None, words: Sequence[str]) -> Outcome:
        """A statement for PyRAM's SQL front end."""
        self._ran += 1
        result = self.db.sql(
            text,
            dict(params) if params else None,
            dialect="postgres",
            pg_settings=self.pg_settings,
        )
        columns = tuple(result.columns)
        rows = result.raw_rows
        tag = command_tag(words, result.rowcount, len(rows))
        if columns:
            return Outcome(tag, columns, tuple(result.types), rows, key_lookup=result.key_lookup)
        return Outcome(tag)

    # ------------------------------------------------------------------ transactions
    def _begin(self, text: str, words: Sequence[str]) -> Outcome:
        if self.implicit:  # as PostgreSQL: the implicit block becomes the explicit one
            self.implicit = False
            return Outcome("BEGIN")
        if self.db.in_transaction:
            return Outcome(
                "BEGIN", notices=(("25001", "there is already a transaction in progress"),)
            )
        name, read_only = parse_isolation(text)
        name = name or self.pg_settings.show("default_transaction_isolation")
        self._begin_at(isolation_level(name), bool(read_only))
        return Outcome("BEGIN")

    def _begin_at(self, level: str, read_only: bool, wait: float | None = LOCK_WAIT) -> None:
        isolation = cast("Isolation", level)
        read_only = read_only or self.read_only
        self._tx = self.db.begin(isolation, read_only=read_only, timeout=wait)
        self._level = level
        self._ran = 0

    def _commit(self, text: str, words: Sequence[str]) -> Outcome:
        if not self.db.in_transaction:
            return Outcome("COMMIT", notices=(("25P01", "there is no transaction in progress"),))
        if self.failed:
            self.abort()
            return Outcome("ROLLBACK")
        tx, self._tx = self._tx, None
        try:
            if tx is not None:
                tx.commit()
            else:
                self.db.sql("COMMIT")
        finally:
            self._ended()
        return Outcome("COMMIT")

    def _rollback(self, text: str, words: Sequence[str]) -> Outcome:
        if "TO" in words:
            savepoint = _savepoint_name(text.split(None, 1)[1], after="TO")
            self.db.sql(f"ROLLBACK TO SAVEPOINT {savepoint}")
            self.failed = False
            return Outcome("ROLLBACK")
        if not self.db.in_transaction:
            return Outcome("ROLLBACK", notices=(("25P01", "there is no transaction in progress"),))
        self.abort()
        self._ended()
        return Outcome("ROLLBACK")

    def _savepoint(self, text: str, words: Sequence[str]) -> Outcome:
        if not self.db.in_transaction:
            raise ServerError("SAVEPOINT can only be used in transaction blocks", "25P01")
        self.db.sql(f"SAVEPOINT {_savepoint_name(text, after='SAVEPOINT')}")
        return Outcome("SAVEPOINT")

    def _release(self, text: str, words: Sequence[str]) -> Outcome:
        self.db.sql(f"RELEASE SAVEPOINT {_savepoint_name(text, after='RELEASE')}")
        return Outcome("RELEASE")

    def _ended(self) -> None:
        self.failed = False
        self.implicit = False
        self.cursors.transaction_ended()
        self.pg_settings.transaction_isolation = None

    # ------------------------------------------------------------------ settings
    def _set(self, text: str, words: Sequence[str]) -> Outcome:
        if words[1:2] != ["TRANSACTION"] or not self.db.in_transaction:
            return self.run_sql(text, None, words)  # the dialect keeps the settings
        name, read_only = parse_isolation(text)
        if name is None and read_only is None:
            return self.run_sql(text, None, words)
        level = isolation_level(name) if name is not None else self._level
        if self._ran:  # PostgreSQL allows it before the first statement only
            if level == self._level and read_only is None:
                return Outcome("SET")
            raise ServerError(
                "SET TRANSACTION ISOLATION LEVEL must be called before any query", "25001"
            )
        self.abort()  # nothing ran yet: begin again at the level asked for
        self._begin_at(level, bool(read_only))
        return Outcome("SET")

    def _discard(self, text: str, words: Sequence[str]) -> Outcome:
        outcome = self.run_sql(text, None, words)
        if words[1:2] == ["ALL"]:
            self.cursors.close("ALL")
            return Outcome(outcome.tag, deallocate="")
        return outcome

    def _deallocate(self, text: str, words: Sequence[str]) -> Outcome:
        rest = [w for w in text.strip().rstrip(";").split()[1:] if w.upper() != "PREPARE"]
        if len(rest) != 1:
            raise ServerError(f"syntax error in DEALLOCATE: {text!r}", "42601")
        name = rest[0].strip('"')
        if name.upper() == "ALL":
            return Outcome("DEALLOCATE ALL", deallocate="")
        return Outcome("DEALLOCATE", deallocate=name)

    def _declare(self, text: str, words: Sequence[str]) -> Outcome:
        name, query, _binary, hold = parse_declare(text)
        if not hold and not self.in_block and not self.db.in_transaction:
            raise ServerError("DECLARE CURSOR can only be used in transaction blocks", "25P01")
        outcome = self.run_sql(query, None, first_words(query, 4))
        if not outcome.is_query:
            raise ServerError("cursor can only scan a query that returns rows", "42P11")
        self.cursors.declare(name, outcome, hold)
        return Outcome("DECLARE CURSOR")

    def _fetch(self, text: str, words: Sequence[str]) -> Outcome:
        return self.cursors.fetch(*parse_fetch(text))

    def _close_cursor(self, text: str, words: Sequence[str]) -> Outcome:
        parts = text.strip().rstrip(";").split()
        if len(parts) != 2:
            raise ServerError(f"syntax error in CLOSE: {text!r}", "42601")
        self.cursors.close(parts[1].strip('"'))
        return Outcome("CLOSE CURSOR")


def _savepoint_name(text: str, after: str) -> str:
    rest = re.split(rf"\b{after}\b", text, maxsplit=1, flags=re.IGNORECASE)[-1]
    match = _SAVEPOINT_NAME.match(rest.strip().rstrip(";").strip())
    if match is None:
        raise ServerError(f"syntax error: a savepoint name expected: {text!r}", "42601")
    return match.group(1)


#: statements that run outside an implicit transaction (they end or open blocks themselves)
_OUTSIDE_IMPLICIT: Final = frozenset(
    {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "DISCARD"}
)


def _opens_implicit(text: str) -> bool:
    words = first_words(text, 1)
    return bool(words) and words[0] not in _OUTSIDE_IMPLICIT


#: statements that only read (a SELECT of PyRAM's dialects writes nothing: no INTO, no
#: data-modifying WITH, which starts with WITH and so is not here)
_READS: Final = frozenset({"SELECT", "VALUES", "TABLE", "SHOW"})


def _reads_only(text: str) -> bool:
    words = first_words(text, 1)
    return bool(words) and words[0] in _READS


_HANDLERS: Final = {
    "BEGIN": PgSession._begin,
    "START": PgSession._begin,
    "COMMIT": PgSession._commit,
    "END": PgSession._commit,
    "ROLLBACK": PgSession._rollback,
    "ABORT": PgSession._rollback,
    "SAVEPOINT": PgSession._savepoint,
    "RELEASE": PgSession._release,
    "SET": PgSession._set,
    "DISCARD": PgSession._discard,
    "DEALLOCATE": PgSession._deallocate,
    "DECLARE": PgSession._declare,
    "FETCH": PgSession._fetch,
    "MOVE": PgSession._fetch,
    "CLOSE": PgSession._close_cursor,
}
