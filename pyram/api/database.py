"""The :class:`Database` facade: the public API, wiring the layers; it holds no query logic.

Each method documents the API and delegates: records by key to :mod:`pyram.api.records`, DSL
queries to :mod:`pyram.api.queries`, SQL text to :mod:`pyram.api.statements`, files to
:mod:`pyram.api.durable` and :mod:`pyram.api.database_io`, transactions to :mod:`pyram.txn`,
user functions to :mod:`pyram.api.udf`. :meth:`Database.get` and the cached one-row
:meth:`Database.first` keep their fast paths inline: they are the application-cache hot paths.

Rows handed out are values: :meth:`Database.get` builds a fresh instance from stored values, and
writes copy the instance's values in, so mutating an object never changes the database until it
is written back with :meth:`Database.update` or :meth:`Database.upsert`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal, TypeVar, overload

from pyram.api.cache import CacheApi
from pyram.api.derived_reads import key_owner
from pyram.api.durable import DEFAULT_CHECKPOINT_SIZE, DurableFile
from pyram.api.durable_attach import attach_models
from pyram.api.files import open_durable
from pyram.api.history import AsOf
from pyram.api.migrate import migrate_model
from pyram.api.queries import Queries
from pyram.api.query_api import QueryApi
from pyram.api.records import Records, stored_key
from pyram.api.result import SqlResult
from pyram.api.statements import Params, SqlSession
from pyram.api.udf import DatabaseFunctions, FunctionsApi
from pyram.cache import CacheManager, Clock, SingleFlight
from pyram.catalog import Retention, TableSchema
from pyram.dsl import Column
from pyram.errors import ProgrammingError
from pyram.model import Table, schema_of
from pyram.persist import Durability
from pyram.sql.pg_settings import PgSettings
from pyram.storage import (
    NEEDS_VIEW,
    ChangeWatcher,
    Store,
    combine,
    find_row,
    read_unversioned,
)
from pyram.storage.indexes import key_is_null
from pyram.txn import Change, ChangeHub, Isolation, Transaction, TransactionManager
from pyram.types import DataType

__all__ = ["Database"]

T = TypeVar("T", bound=Table)
R = TypeVar("R")
T1 = TypeVar("T1")
K = TypeVar("K")

_NO_KEY: Any = object()  # sentinel: delete() called without a key


class Database(QueryApi, CacheApi, FunctionsApi):
    """A PyRAM database: in memory, or durable when given a ``path``.

    Example:
        >>> import pyram
        >>> @pyram.table
        ... class Point(pyram.Table):
        ...     id: pyram.Col[int] = pyram.column(primary_key=True)
        ...     x: pyram.Col[float]
        >>> db = pyram.Database()
        >>> db.create(Point)
        >>> db.insert(Point(id=1, x=2.5))
        >>> db.get(Point, 1)
        Point(id=1, x=2.5)

    ``pyram.Database(path="app.pyram", durability="full")`` opens or creates a durable
    database: every commit is logged to ``app.pyram-wal`` before it returns and the whole
    database is checkpointed into ``app.pyram`` from time to time (see docs/persistence.md).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        durability: Durability = "full",
        *,
        checkpoint_size: int = DEFAULT_CHECKPOINT_SIZE,
        salvage: bool = False,
        clock: Clock | None = None,
        max_bytes: int | None = None,
        history: Retention | timedelta | int | None = None,
    ) -> None:
        """Open a database: in memory (``path`` None) or the durable one at ``path``.

        ``durability`` (durable databases): ``"full"`` fsyncs the log on every commit;
        ``"normal"`` writes each commit to the operating system before the commit returns
        (a crash of the process loses nothing) and fsyncs in the background every few
        milliseconds (a power failure may lose that window); ``"off"`` never fsyncs.
        ``checkpoint_size`` is the log size in bytes that triggers a checkpoint. ``salvage``
        opens a log damaged in the middle by keeping the records before the damage (by default
        that is a ``CorruptFileError``; see docs/persistence.md). ``clock`` (a callable
        returning seconds, like ``time.time``) is the time cache tables expire by and commits
        are dated by (time travel); ``max_bytes`` bounds the estimated bytes of all tables,
        evicting from cache tables (see docs/cache.md); ``history`` is the retention of every
        table without one of its own (see :meth:`set_history` and docs/time-travel.md).

        Raises:
            OperationalError: another process (or Database object) has the file open.
            DatabaseError: the file is damaged, not a PyRAM file, or of another version
                (the message names the file and the problem).
        """
        self._store = Store()
        self._clock = clock
        self._init_history(history)
        self._records = Records(self._store)
        self._handles = self._records.handles  # read inline by get(), the hottest path
        self._events = ChangeHub()
        self._events_wanted = False
        self._cache = CacheManager(self._store, self._events, clock, max_bytes)
        self._records.rewritten = self._cache.rewrote
        self._flights: SingleFlight[Any] = SingleFlight()
        self._sweeper = None
        self._sql = SqlSession(self._store, self._forget_prepared)
        self._functions = DatabaseFunctions(self, self._functions_changed)
        self._queries = Queries(self._store, self._functions)
        self._plans = self._queries.plans
        self._recent_plans = self._plans.identity_map  # read inline by first()
        self._schema_of = self._queries.schema_of
        self._sql.functions = self._functions.scope
        self._sql.call_procedure = self._functions.call
        self._transactions = TransactionManager(self._store, self._sql.schema_changed)
        self._durable: DurableFile | None = None
        if path is not None:
            self._durable = open_durable(
                self, os.fspath(path), durability, checkpoint_size, salvage
            )
            self._rewatch()

    def _forget_prepared(self) -> None:
        """The schema changed: prepared queries and key handles are stale (and triggers may
        have come or gone)."""
        self._handles.clear()
        self._plans.clear()
        self._sync_cache()
        self._rewatch()
        if self._durable is not None:
            self._durable.schema_changed()

    def _functions_changed(self) -> None:
        """A user function came or changed: prepared queries hold the old one."""
        self._sql.functions_changed()
        self._plans.clear()

    def _rewatch(self) -> None:
        """Make the store's watcher from what is active: change events, triggers, both or
        neither (then writes cost nothing for them)."""
        watchers: list[ChangeWatcher] = []
        if self._durable is not None:
            watchers.append(self._durable.log)  # first: the log sees writes in applied order
            # written to the log before the commit becomes visible (a failed write rolls back)
            self._store.commit_hook = self._durable.log.flush
        if self._events_wanted:
            watchers.append(self._events)
        if len(self._sql.triggers):
            watchers.append(self._sql.triggers)
        if self._cache.active:
            watchers.append(self._cache)  # last: it evicts after the others saw the insert
        self._store.watcher = combine(watchers)

    # ------------------------------------------------------------------ transactions
    def transaction(
        self,
        isolation: Isolation = "serializable",
        *,
        read_only: bool = False,
        timeout: float | None = None,
    ) -> Transaction:
        """A transaction for a ``with`` block: commits at the end, rolls back on an exception.

        Inside an open transaction of this thread it is a savepoint: its failure undoes only
        its own work. ``isolation`` is ``"read_committed"``, ``"snapshot"`` or
        ``"serializable"`` (the default; see docs/transactions.md); ``read_only`` refuses
        writes; ``timeout`` bounds the wait for another thread's transaction.

        Raises:
            OperationalError: the database stayed locked by another thread past ``timeout``.
            ProgrammingError: an unknown isolation level.
        """
        return self._transactions.begin(isolation, read_only, timeout)

    def begin(
        self,
        isolation: Isolation = "serializable",
        *,
        read_only: bool = False,
        timeout: float | None = None,
    ) -> Transaction:
        """Start a transaction to end with ``tx.commit()`` or ``tx.rollback()``.

        The same as :meth:`transaction`, for code that cannot use a ``with`` block.
        """
        return self._transactions.begin(isolation, read_only, timeout)

    @property
    def in_transaction(self) -> bool:
        """True while this thread has a transaction open (API or SQL ``BEGIN``)."""
        return self._store.transaction_thread == threading.get_ident()

    # ------------------------------------------------------------------ change events
    def on_change(
        self, table: type[Table] | str, fn: Callable[[Change], object]
    ) -> Callable[[], None]:
        """Call ``fn(change)`` for every committed insert, update or delete of ``table``.

        Changes arrive after their transaction commits, in commit order, never for rolled-back
        work. Returns a function that unsubscribes.
        """
        return self._watch().on_change(self._table_name(table), fn)

    def before_change(
        self, table: type[Table] | str, fn: Callable[[Change], object]
    ) -> Callable[[], None]:
        """Call ``fn(change)`` inside each write of ``table``, before it is applied.

        Raising vetoes the write: it fails with that exception and changes nothing (inside a
        ``with db.transaction():`` block the transaction rolls back). Returns an unsubscriber.
        """
        return self._watch().before_change(self._table_name(table), fn)

    def on_commit(self, fn: Callable[[list[Change]], object]) -> Callable[[], None]:
        """Call ``fn(changes)`` with all the changes of each commit that changed rows."""
        return self._watch().on_commit(fn)

    def _watch(self) -> ChangeHub:
        # the store reports changes only once someone listens: writes cost nothing before
        if not self._events_wanted:
            self._events_wanted = True
            self._rewatch()
        return self._events

    def _table_name(self, table: type[Table] | str) -> str:
        return self.schema(table).name

    # ------------------------------------------------------------------ SQL
    def sql(
        self,
        text: str,
        params: Params = None,
        *,
        dialect: Literal["sqlite", "postgres"] = "sqlite",
        pg_settings: PgSettings | None = None,
    ) -> SqlResult:
        """Run SQL (SQLite dialect; strictly typed values): a statement or a script.

        Tables declared as ``@pyram.table`` classes and tables created in SQL are one
        catalogue: each is visible to both. ``?``/``?NNN`` parameters take a sequence,
        ``:name`` parameters a mapping. Prepared statements are cached by their text.
        ``dialect="postgres"`` reads PostgreSQL's dialect (``$1`` parameters, ``::`` casts,
        ``pg_catalog``; see docs/postgres-dialect.md), whose ``SET``/``SHOW`` act on
        ``pg_settings`` (one session's settings; fresh ones for each call when None).

        Returns:
            The result of the (last) statement: rows for queries, ``rowcount`` for changes.

        Raises:
            ProgrammingError: a syntax or binding error, with line, column and a caret.
            DataError, IntegrityError: a value or constraint problem; nothing is changed.
        """
        return self._sql.run(text, params, dialect, pg_settings)

    def describe_sql(
        self,
        text: str,
        *,
        dialect: Literal["sqlite", "postgres"] = "sqlite",
        pg_settings: PgSettings | None = None,
    ) -> tuple[tuple[str, ...], tuple[DataType, ...], dict[str | int, DataType]] | None:
        """(column names, column types, parameter types by marker) of one query or DML
        statement, without running it; None for other statements (used by the server)."""
        return self._sql.describe(text, dialect, pg_settings)

    def view_names(self) -> list[str]:
        """Names of the views created in SQL, in creation order."""
        return self._sql.view_names()

    # ------------------------------------------------------------------ schema
    def create(self, *models: type[Table]) -> None:
        """Create the tables of model classes (foreign keys may reference each other).

        Raises:
            ProgrammingError: a table already exists, or a foreign key cannot be resolved; in
                a reopened durable database, the stored table does not match the class.
        """
        given = models
        if self._durable is not None:
            models = attach_models(self._store, self._durable, self._sql.schema_changed, models)
        if models:
            self._store.create(schema_of(m) for m in models)
            self._sql.schema_changed()
        self._model_history(given)

    def migrate(self, model: type[Table]) -> list[str]:
        """Bring the stored table of ``model`` to the class's shape, when that is safe.

        Compares the class with the stored table (in memory or in a durable file; a missing
        table is created) and applies, in one step, what loses no data: added nullable or
        defaulted columns, dropped columns, ``INTEGER`` widened to ``REAL``, ``NOT NULL``
        relaxed, added and dropped indexes, the class's CHECK constraints (verified on every
        row). Afterwards the class is attached: reads return its instances, writes take
        them. See docs/migrations.md.

        Returns:
            The changes made, in words (empty when the table already matched).

        Raises:
            SchemaMismatchError: a difference is not safe (its ``differences`` name each
                one); nothing changes then.
            ProgrammingError: a view or trigger would no longer bind (a dropped column).
        """
        changes = migrate_model(self._store, self._sql, schema_of(model))
        if changes:
            self._sql.schema_changed()
        return changes

    def drop(self, *models: type[Table]) -> None:
        """Drop tables and all their rows.

        Raises:
            ProgrammingError: unknown table, or another table still references one of them.
        """
        self._store.drop(schema_of(m).name for m in models)
        self._sql.schema_changed()

    def table_names(self) -> list[str]:
        """Names of the tables, in creation order."""
        return [schema.name for schema in self._store.catalog]

    def schema(self, table: str | type[Table]) -> TableSchema:
        """The schema of a table, by name or model class."""
        name = table if isinstance(table, str) else schema_of(table).name
        return self._store.catalog.get(name)

    def count(self, model: type[Table], *, as_of: AsOf = None) -> int:
        """Number of rows in a table (as it was at ``as_of``, see :meth:`all`)."""
        return self._records.count(model) if as_of is None else self._count_past(model, as_of)

    # ------------------------------------------------------------------ writes
    def insert(self, obj: Table) -> None:
        """Insert one row.

        Raises:
            DataError: a value of the wrong type.
            IntegrityError: a constraint would be violated (nothing is inserted).
        """
        self._records.insert(obj)

    def insert_many(self, objs: Iterable[T]) -> int:
        """Insert many rows of one table at once, validated column-wise; all or nothing.

        Returns:
            The number of rows inserted.

        Raises:
            ProgrammingError: the objects are not all of one table class.
            DataError, IntegrityError: as for :meth:`insert`; then nothing is inserted.
        """
        return self._records.insert_many(objs)

    def insert_columns(self, table: str, columns: Mapping[str, Sequence[Any]]) -> int:
        """Insert rows given column-wise into any table (model or SQL) by name; all or nothing.

        The bulk-load path (the shell's ``.import`` uses it): values are validated a column
        at a time, without planning SQL. Columns left out take their defaults; a NULL in an
        ``INTEGER PRIMARY KEY`` takes the next row id, as in SQLite.

        Example:
            >>> db = Database()
            >>> _ = db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
            >>> db.insert_columns("t", {"name": ["a", "b"]})
            2
            >>> db.sql("SELECT * FROM t").all()
            [(1, 'a'), (2, 'b')]

        Returns:
            The number of rows inserted.

        Raises:
            ProgrammingError: no such table or column, or columns of different lengths.
            DataError, IntegrityError: as for :meth:`insert`; then nothing is inserted.
        """
        return self._records.insert_columns(table, columns)

    def update(self, obj: Table) -> bool:
        """Write back every column of the row with ``obj``'s primary key.

        Returns:
            True when a row with that key exists (changed or not), False otherwise.
        """
        return self._records.update(obj)

    def upsert(self, obj: Table) -> Literal["insert", "update"]:
        """Insert ``obj``, or update the row with its primary key when one exists.

        Returns:
            ``"insert"`` or ``"update"``: what happened.
        """
        return self._records.upsert(obj)

    @overload
    def delete(self, obj: Table, /) -> bool: ...

    @overload
    def delete(self, model: type[Table], key: Any, /) -> bool: ...

    def delete(self, target: Table | type[Table], key: Any = _NO_KEY, /) -> bool:
        """Delete one row: ``db.delete(obj)`` by its primary key, or ``db.delete(User, 5)``.

        ON DELETE actions of referencing tables apply (cascade, set null, restrict).

        Returns:
            True when a row was deleted.

        Raises:
            IntegrityError: another row still references it (RESTRICT); nothing is deleted.
        """
        if isinstance(target, type):
            if key is _NO_KEY:
                raise ProgrammingError("delete(Model, key) needs the primary key value")
            return self._records.delete_key(target, key)
        if key is not _NO_KEY:
            raise ProgrammingError("delete(obj) takes no key: the object's key is used")
        return self._records.delete_object(target)

    # ------------------------------------------------------------------ reads
    @overload
    def get(self, model: Column[K, T], key: K, *, as_of: AsOf = None) -> T | None: ...
    @overload
    def get(self, model: type[T], key: Any, *, as_of: AsOf = None) -> T | None: ...
    def get(self, model: type[T] | Column[Any, T], key: Any, *, as_of: AsOf = None) -> T | None:
        """The row with primary key ``key`` (a tuple for composite keys), or None; as it was
        at ``as_of`` when given (see :meth:`all`).

        ``db.get(User.id, 3)`` names the key column instead of the model: type checkers then
        check the key's type (a class cannot tell them its primary key's type).

        On a cache table (docs/cache.md) due rows are removed first, and the read counts as a
        hit or a miss and as a use of the row (LRU/LFU, ``expire_after="access"``).

        Raises:
            ProgrammingError: the table has no primary key, or the column given is not its
                one-column primary key.
            DataError: ``key`` has the wrong type.
        """
        if isinstance(model, Column):
            model = key_owner(model)
        if as_of is not None:
            return self._get_past(model, key, as_of)
        by_model = self._cache.by_model
        if by_model and model in by_model:  # a cache table: expire, count, rank
            cache = self._cache
            tracker = by_model[model]
            if type(key) in tracker.key_types:
                lean = cache.read_key(tracker, key)
                if lean is not NEEDS_VIEW:
                    return lean  # type: ignore[no-any-return]  # read_row builds a T
            cache.before_access()
            found = self._get_plain(model, key)
            handle = self._handles[model]
            if type(key) not in handle.key_types:
                key = stored_key(handle.data.schema, key)
            cache.touched(by_model[model], key, found is not None)
            return found
        return self._get_plain(model, key)

    def _get_plain(self, model: type[T], key: Any) -> T | None:
        """:meth:`get` without the cache bookkeeping."""
        handle = self._handles.get(model) or self._records.handle(model)
        if type(key) not in handle.key_types:
            key = stored_key(handle.data.schema, key)
            if key_is_null(key, len(handle.data.schema.primary_key) > 1):
                return None
        data = handle.data
        stored = read_unversioned(self._store, data, handle.read_stored, key)
        if stored is not NEEDS_VIEW:  # no row versions: read as stored, no snapshot needed
            found: T | None = stored
            return found
        with self._store.reading() as view:
            if view is not None:
                view.saw(data)
            row = find_row(data, handle.pk_index, handle.dense_position, key, view)
        if row is None:
            return None
        built: T = model.__pyram_build__(*row[1])
        return built
