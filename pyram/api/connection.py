"""The PEP 249 connection and cursor of the DB-API driver (:mod:`pyram.dbapi`).

A :class:`Connection` runs SQL on a :class:`~pyram.Database` through ``Database.sql`` and
controls transactions the way :mod:`sqlite3` does (see :mod:`pyram.api.dbapi_control`); a
:class:`Cursor` runs one statement at a time and fetches its rows. They refer to each other,
so they share this module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from types import TracebackType
from typing import Any, Literal

from pyram.api.database import Database
from pyram.api.dbapi_control import (
    BULK_CHUNK,
    LEGACY_TRANSACTION_CONTROL,
    begin_sql,
    bulk_params,
    check_autocommit,
    check_isolation_level,
    check_params,
    classify,
    owns_transaction,
)
from pyram.api.dbapi_types import type_code
from pyram.api.result import Row, SqlResult
from pyram.engine import BULK_REFUSALS
from pyram.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from pyram.storage import Store
from pyram.types import DataType

__all__ = ["Connection", "Cursor"]

_CLOSED_DATABASE = "Cannot operate on a closed database."
_CLOSED_CURSOR = "Cannot operate on a closed cursor."
#: display_size, internal_size, precision, scale, null_ok of a description entry: unknown.
_NO_SIZES: tuple[None, ...] = (None, None, None, None, None)


# ---------------------------------------------------------------------------------------------
# Connection


class Connection:
    """A PEP 249 connection to a :class:`pyram.Database` (create one with :func:`connect`).

    Attributes:
        database: the :class:`pyram.Database` the connection runs SQL on.
        row_factory: None (rows are tuples) or a callable ``(cursor, values)`` making each
            row, as in sqlite3; ``pyram.Row`` gives rows with access by name. Other attribute
            names are refused (AttributeError), so a misspelling does not pass silently.
        Warning, Error, ...: the PEP 249 exception classes (the same as :mod:`pyram.errors`).
    """

    Warning = Warning
    Error = Error
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError

    # slots: assigning an unknown attribute (a misspelt ``row_factory``) is an AttributeError
    __slots__ = (
        "__weakref__",
        "_autocommit",
        "_closed",
        "_isolation_level",
        "_owns_database",
        "_store",
        "_thread",
        "begin_sql",
        "database",
        "row_factory",
    )

    def __init__(
        self,
        database: Database,
        *,
        isolation_level: str | None = "",
        autocommit: bool | int = LEGACY_TRANSACTION_CONTROL,
    ) -> None:
        self._closed = True  # until fully set up (so __del__ of a half-built one does nothing)
        self.database = database
        self._store: Store = database._store
        self._isolation_level: str | None = check_isolation_level(isolation_level)
        self._autocommit: bool | int = check_autocommit(autocommit)
        self.begin_sql = begin_sql(self._isolation_level)
        #: set by connect() for the database it opened: closing the connection closes it
        self._owns_database = False
        #: the thread that opened it: transactions belong to threads (see __del__)
        self._thread = threading.get_ident()
        #: as sqlite3's: None gives tuples; a callable ``(cursor, values)`` makes each row
        #: (``pyram.Row`` gives rows with names); new cursors start with this value
        self.row_factory: Callable[[Cursor, tuple[Any, ...]], Any] | None = None
        self._closed = False

    # ------------------------------------------------------------------ state
    def _check_open(self) -> None:
        if self._closed:
            raise ProgrammingError(_CLOSED_DATABASE)

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open (and owned by this thread) on the database."""
        self._check_open()
        return owns_transaction(self._store)

    @property
    def isolation_level(self) -> str | None:
        """``""`` (the default), ``"DEFERRED"``, ``"IMMEDIATE"`` or ``"EXCLUSIVE"``: DML
        outside a transaction first runs ``BEGIN``; None: no implicit ``BEGIN`` (autocommit).

        Setting it to None commits the open transaction, as sqlite3 does. It only matters
        while :attr:`autocommit` is :data:`LEGACY_TRANSACTION_CONTROL`.
        """
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._check_open()
        level = check_isolation_level(value)
        if level is None and self._autocommit == LEGACY_TRANSACTION_CONTROL:
            self._end("COMMIT")
        self._isolation_level = level
        self.begin_sql = begin_sql(level)

    @property
    def autocommit(self) -> bool | int:
        """Transaction control, as in Python 3.12's sqlite3.

        :data:`LEGACY_TRANSACTION_CONTROL` (the default): :attr:`isolation_level` decides.
        True: no implicit transactions; :meth:`commit` and :meth:`rollback` do nothing.
        False: every statement runs in a transaction, opened before the first statement
        and again after each :meth:`commit` or :meth:`rollback`.

        Setting it to True commits the open transaction.
        """
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool | int) -> None:
        self._check_open()
        mode = check_autocommit(value)
        if mode is True:
            self._end("COMMIT")
        self._autocommit = mode

    # ------------------------------------------------------------------ transactions
    def _begin_if_needed(self, dml: bool) -> None:
        """The implicit ``BEGIN`` before a statement (called only when none is open)."""
        mode = self._autocommit
        if mode is False or (
            dml and mode == LEGACY_TRANSACTION_CONTROL and self.begin_sql is not None
        ):
            self.database.sql(self.begin_sql or "BEGIN")

    def _end(self, statement: Literal["COMMIT", "ROLLBACK"]) -> None:
        if owns_transaction(self._store):
            self.database.sql(statement)

    def commit(self) -> None:
        """Commit the open transaction; nothing happens when none is open.

        Raises:
            ProgrammingError: the connection is closed.
        """
        self._check_open()
        if self._autocommit is not True:
            self._end("COMMIT")

    def rollback(self) -> None:
        """Roll back the open transaction; nothing happens when none is open.

        Raises:
            ProgrammingError: the connection is closed.
        """
        self._check_open()
        if self._autocommit is not True:
            self._end("ROLLBACK")

    def close(self) -> None:
        """Close the connection, rolling back an uncommitted transaction (as sqlite3 does).

        Closing again does nothing; any other use of a closed connection (or of its cursors)
        raises :class:`ProgrammingError`.
        """
        if self._closed:
            return
        try:
            self._end("ROLLBACK")
        finally:
            self._closed = True
            if self._owns_database:
                self.database.close()  # a durable file: checkpoint and unlock

    def __del__(self) -> None:
        # A connection dropped without close() must not leave the database locked in its
        # transaction; uncommitted changes are discarded, as with sqlite3.
        if getattr(self, "_closed", True):
            return
        # The collector runs finalisers in whichever thread allocates, at any point of its
        # work: roll back only from the thread that opened the connection (transactions
        # belong to threads), and never in the middle of that thread's own statement.
        store = self._store
        if self._thread != threading.get_ident() or store.thread_state.depth:
            self._closed = True
            return
        # try/except rather than contextlib.suppress: module globals may be gone at exit
        try:  # noqa: SIM105
            self.close()
        except Exception:
            pass  # nothing can be reported from a finaliser

    # ------------------------------------------------------------------ cursors
    def cursor(self) -> Cursor:
        """A new cursor on this connection."""
        self._check_open()
        return Cursor(self)

    def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        """Shortcut: a new cursor's :meth:`Cursor.execute`; returns that cursor."""
        return self.cursor().execute(operation, parameters)

    def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        """Shortcut: a new cursor's :meth:`Cursor.executemany`; returns that cursor."""
        return self.cursor().executemany(operation, seq_of_parameters)

    def executescript(self, script: str) -> Cursor:
        """Shortcut: a new cursor's :meth:`Cursor.executescript`; returns that cursor."""
        return self.cursor().executescript(script)

    # ------------------------------------------------------------------ user functions
    def create_function(
        self, name: str, narg: int, func: Callable[..., Any] | None, *, deterministic: bool = False
    ) -> None:
        """sqlite3's signature: make ``func`` the SQL function ``name`` of the database
        (``narg`` arguments, -1 for any); see :meth:`pyram.Database.create_function`."""
        self._check_open()
        if func is None:
            raise NotSupportedError("removing a function (func=None) is not supported")
        self.database.create_function(name, func, narg, deterministic)

    def create_aggregate(self, name: str, n_arg: int, aggregate_class: Callable[[], Any]) -> None:
        """sqlite3's signature: ``aggregate_class`` with ``step`` and ``finalize``."""
        self._check_open()
        self.database.create_aggregate(name, aggregate_class, n_arg)

    def create_window_function(
        self, name: str, num_params: int, aggregate_class: Callable[[], Any], /
    ) -> None:
        """sqlite3's signature: ``step``, ``inverse``, ``value`` and ``finalize``."""
        self._check_open()
        self.database.create_window_function(name, num_params, aggregate_class)

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> Connection:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        """Commit when the block succeeded, roll back when it raised; the connection stays
        open (as with sqlite3)."""
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.rollback()
                raise
        else:
            self.rollback()
        return False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<pyram.dbapi.Connection {state}>"


# ---------------------------------------------------------------------------------------------
# Cursor


class Cursor:
    """A PEP 249 cursor: runs one statement at a time and fetches its rows.

    Attributes:
        arraysize: rows :meth:`fetchmany` returns by default (1).
        rowcount: rows changed by the last INSERT/UPDATE/DELETE (the total for
            :meth:`executemany`); -1 after queries and other statements, as in sqlite3.
        lastrowid: the ``INTEGER PRIMARY KEY`` of the last row inserted by the last
            statement, or None.
    """

    __slots__ = (
        "__weakref__",
        "_closed",
        "_connection",
        "_description",
        "_result",
        "_rows",
        "arraysize",
        "lastrowid",
        "row_factory",
        "rowcount",
    )

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        #: as sqlite3's: the connection's row_factory when the cursor was made
        self.row_factory: Callable[[Cursor, tuple[Any, ...]], Any] | None = connection.row_factory
        self._closed = False
        self.arraysize = 1
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._result: SqlResult | None = None
        self._rows: Iterator[tuple[Any, ...]] | None = None
        self._description: tuple[tuple[Any, ...], ...] | None = None

    @property
    def connection(self) -> Connection:
        """The connection this cursor belongs to."""
        return self._connection

    def _check_open(self) -> Connection:
        if self._closed:
            raise ProgrammingError(_CLOSED_CURSOR)
        connection = self._connection
        if connection._closed:
            raise ProgrammingError(_CLOSED_DATABASE)
        return connection

    # ------------------------------------------------------------------ running
    def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        """Run one SQL statement with ``?`` (sequence) or ``:name`` (mapping) parameters.

        Returns:
            This cursor, so that ``cursor.execute(...).fetchall()`` reads the rows.

        Raises:
            ProgrammingError: a closed cursor or connection, more than one statement, a
                syntax or binding error, or parameters that do not match the markers.
            DataError, IntegrityError: as for :meth:`pyram.Database.sql`.
        """
        connection = self._check_open()
        if type(operation) is not str:
            raise TypeError(f"execute() argument 1 must be str, not {type(operation).__name__}")
        count, dml = classify(operation)
        if count > 1:
            raise ProgrammingError("You can only execute one statement at a time.")
        params = check_params(parameters)
        self._reset()
        if (dml or connection._autocommit is False) and not owns_transaction(connection._store):
            connection._begin_if_needed(dml)
        self._set_result(connection.database.sql(operation, params))
        return self

    def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        """Run one INSERT/UPDATE/DELETE/REPLACE once per parameter set.

        ``rowcount`` is the total of rows changed. Rows changed before a failing parameter
        set stay in the open transaction (roll back to discard them).

        Raises:
            ProgrammingError: the statement is not DML (as in sqlite3), or as :meth:`execute`.
        """
        connection = self._check_open()
        if type(operation) is not str:
            raise TypeError(f"executemany() argument 1 must be str, not {type(operation).__name__}")
        count, dml = classify(operation)
        if count > 1:
            raise ProgrammingError("You can only execute one statement at a time.")
        if not dml:
            raise ProgrammingError("executemany() can only execute DML statements.")
        self._reset()
        self.rowcount = 0
        sql = connection.database.sql
        store = connection._store
        total = 0
        lastrowid = None

        def one(parameters: Any) -> None:
            nonlocal total, lastrowid
            params = check_params(parameters)
            if not owns_transaction(store):
                connection._begin_if_needed(True)
            result = sql(operation, params)
            total += result.rowcount
            if result.lastrowid is not None:
                lastrowid = result.lastrowid

        sets = iter(seq_of_parameters)
        try:
            bulk = None
            for parameters in sets:  # until the statement is prepared
                one(parameters)
                bulk = connection.database._sql.bulk_insert_for(operation)
                if bulk is not None:
                    break
            while bulk is not None:
                chunk = list(islice(sets, BULK_CHUNK))
                if not chunk:
                    break
                if not owns_transaction(store):
                    connection._begin_if_needed(True)
                try:
                    if bulk.positional and set(map(type, chunk)) <= {tuple, list}:
                        count, last = bulk.run(store, chunk)  # transposed as they are
                    else:
                        count, last = bulk.run(store, [bulk_params(p) for p in chunk])
                except BULK_REFUSALS:
                    # the chunk changed nothing: run it set by set, which keeps the sets
                    # before a bad one and raises what that one raises alone
                    for parameters in chunk:
                        one(parameters)
                    continue
                total += count
                if last is not None:
                    lastrowid = last
        finally:
            self.rowcount = total
            self.lastrowid = lastrowid
        return self

    def executescript(self, script: str) -> Cursor:
        """Run a script of statements (no parameters), as sqlite3 does.

        With the default transaction control an open transaction is committed first; the
        script then runs as written, without implicit ``BEGIN``.
        """
        connection = self._check_open()
        if type(script) is not str:
            raise TypeError(f"script argument must be str, not {type(script).__name__}")
        self._reset()
        mode = connection._autocommit
        if mode is False:
            if not owns_transaction(connection._store):
                connection._begin_if_needed(False)
        elif mode is not True:  # legacy transaction control
            connection._end("COMMIT")
        connection.database.sql(script)
        return self

    def _reset(self) -> None:
        self._result = None
        self._rows = None
        self._description = None
        self.rowcount = -1
        self.lastrowid = None

    def _set_result(self, result: SqlResult) -> None:
        if result.columns:
            self._result = result
            factory = self.row_factory
            if factory is None:
                self._rows = iter(result.raw_rows)
            elif factory is Row:  # the rows of a result share a class: built in one batch
                self._rows = iter(result.all())
            else:
                self._rows = (factory(self, row) for row in result.raw_rows)
        else:
            self.rowcount = result.rowcount
            self.lastrowid = result.lastrowid

    # ------------------------------------------------------------------ results
    @property
    def description(self) -> tuple[tuple[Any, ...], ...] | None:
        """One ``(name, type_code, None, None, None, None, None)`` per result column of the
        last query; None after other statements. ``type_code`` is the SQL type name (None for
        a bare ``NULL``) and compares equal to its type object (``NUMBER``, ``STRING``, ...)."""
        if self._description is None and self._result is not None:
            result = self._result
            types: tuple[DataType, ...] = result.types
            self._description = tuple(
                (name, type_code(types[i]) if i < len(types) else None, *_NO_SIZES)
                for i, name in enumerate(result.columns)
            )
        return self._description

    def _result_rows(self) -> Iterator[tuple[Any, ...]]:
        self._check_open()
        rows = self._rows
        if rows is None:
            raise ProgrammingError(
                "no result set: the last statement was not a query (or nothing was executed)"
            )
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row of the result, or None when there are no more."""
        return next(self._result_rows(), None)

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """Up to ``size`` (default :attr:`arraysize`) next rows; [] when there are no more.

        A negative size fetches every remaining row, as in sqlite3.
        """
        rows = self._result_rows()
        n = self.arraysize if size is None else size
        if n < 0:
            return list(rows)
        return list(islice(rows, n))

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Every remaining row."""
        return list(self._result_rows())

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> tuple[Any, ...]:
        return next(self._result_rows())

    # ------------------------------------------------------------------ PEP 249 no-ops
    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored (PEP 249 allows drivers to do nothing)."""

    def setoutputsize(self, size: int, column: int | None = None) -> None:
        """Accepted and ignored: values are returned whole."""

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """Close the cursor: later use raises :class:`ProgrammingError`. Closing again (or
        after the connection closed) does nothing."""
        self._closed = True
        self._result = None
        self._rows = None

    def __enter__(self) -> Cursor:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<pyram.dbapi.Cursor {'closed' if self._closed else 'open'}>"
