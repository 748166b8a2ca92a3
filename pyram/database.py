"""The :class:`Database` facade: wires the model front end to storage; holds no query logic.

Rows handed out are values: :meth:`Database.get` builds a fresh instance from stored values, and
writes copy the instance's values in, so mutating an object never changes the database until it
is written back with :meth:`Database.update` or :meth:`Database.upsert`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from operator import attrgetter
from typing import Any, Literal, TypeVar, overload

from pyram.catalog import TableSchema
from pyram.database_io import export_database, import_into
from pyram.dsl.binder import bind_query, bind_statement
from pyram.dsl.dml import Delete, Insert, Update
from pyram.dsl.query import Select
from pyram.durable import DEFAULT_CHECKPOINT_SIZE, DurableFile
from pyram.durable_attach import attach_model
from pyram.engine.explain import ExplainFormat
from pyram.engine.query_plan import format_query_plan
from pyram.errors import (
    MultipleResultsFound,
    NoResultFound,
    OperationalError,
    ProgrammingError,
)
from pyram.migrate import migrate_table
from pyram.model import Table, schema_of
from pyram.persist import Format
from pyram.persist.wal import Durability
from pyram.result import SqlResult
from pyram.schema_alter import rebind_dependents
from pyram.session import PlanCache, Prepared, prepare_plan, run_batches, run_rows, schema_lookup
from pyram.session import analyze as analyze_query
from pyram.statements import Params, SqlSession
from pyram.storage import Store, TableData
from pyram.storage.constraints import unique_index
from pyram.storage.history import PastPoint, Retention, as_retention
from pyram.storage.history_rows import RowVersion, row_versions
from pyram.storage.indexes import key_is_null
from pyram.storage.rowids import assign_rowids
from pyram.storage.table_data import AnyIndex
from pyram.storage.visible import count_in_view, find_row
from pyram.storage.watch import ChangeWatcher, combine
from pyram.txn import Change, ChangeHub, Isolation, Transaction, TransactionManager
from pyram.udf import DatabaseFunctions, FunctionsApi

__all__ = ["Database"]

T = TypeVar("T", bound=Table)
R = TypeVar("R")
T1 = TypeVar("T1")

_NO_KEY: Any = object()  # sentinel: delete() called without a key


class Database(FunctionsApi):
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
        clock: Callable[[], float] | None = None,
        history: Retention | timedelta | int | None = None,
    ) -> None:
        """Open a database: in memory (``path`` None) or the durable one at ``path``.

        ``durability`` (durable databases): ``"full"`` fsyncs the log on every commit;
        ``"normal"`` writes each commit to the operating system before the commit returns
        (a crash of the process loses nothing) and fsyncs in the background every few
        milliseconds (a power failure may lose that window); ``"off"`` never fsyncs.
        ``checkpoint_size`` is the log size in bytes that triggers a checkpoint. ``salvage``
        opens a log damaged in the middle by keeping the records before the damage (by default
        that is a ``CorruptFileError``; see docs/persistence.md). ``clock`` (seconds, like
        ``time.time``) dates commits for time travel; ``history`` is the retention of every
        table without one of its own (see :meth:`set_history` and docs/time-travel.md).

        Raises:
            OperationalError: another process (or Database object) has the file open.
            DatabaseError: the file is damaged, not a PyRAM file, or of another version
                (the message names the file and the problem).
        """
        self._store = Store()
        self._clock = clock
        if history is not None:
            self._store.snapshots.configure_history(None, as_retention(history), clock)
        self._handles: dict[type, _Handle] = {}
        self._plans = PlanCache()
        self._recent_plans = self._plans.identity_map
        self._schema_of = schema_lookup(self._store.catalog)
        self._events = ChangeHub()
        self._events_wanted = False
        self._sql = SqlSession(self._store, self._forget_prepared)
        self._functions = DatabaseFunctions(self, self._functions_changed)
        self._sql.functions = self._functions.scope
        self._sql.call_procedure = self._functions.call
        self._transactions = TransactionManager(self._store, self._sql.schema_changed)
        self._durable: DurableFile | None = None
        if path is not None:
            self._durable = DurableFile(
                os.fspath(path),
                durability,
                self,
                checkpoint_size=checkpoint_size,
                salvage=salvage,
            )
            self._sql.pragma_settings.update(
                file=os.path.abspath(os.fspath(path)),
                journal_mode="wal",
                synchronous={"off": 0, "normal": 1, "full": 2}[durability],
            )
            self._rewatch()

    def _forget_prepared(self) -> None:
        """The schema changed: prepared queries and key handles are stale (and triggers may
        have come or gone)."""
        self._handles.clear()
        self._plans.clear()
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
        self._store.watcher = combine(watchers)

    # ------------------------------------------------------------------ files
    @property
    def path(self) -> str | None:
        """The database file of a durable database; None in memory."""
        return None if self._durable is None else self._durable.path

    def checkpoint(self) -> None:
        """Write the whole database to its file now and empty the log (durable only).

        Raises:
            OperationalError: a transaction is open, or the file cannot be written.
        """
        if self._durable is not None:
            self._durable.checkpoint()

    def close(self) -> None:
        """Checkpoint, close the files and release the lock of a durable database.

        Safe to call twice; a no-op in memory. Reads still work afterwards, but a write to a
        closed durable database fails (it could not be saved).

        Raises:
            OperationalError: this thread still has a transaction open.
        """
        if self._durable is not None:
            if self.in_transaction:
                raise OperationalError("cannot close the database: a transaction is open")
            self._durable.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
    def sql(self, text: str, params: Params = None) -> SqlResult:
        """Run SQL (SQLite dialect; strictly typed values): a statement or a script.

        Tables declared as ``@pyram.table`` classes and tables created in SQL are one
        catalogue: each is visible to both. ``?``/``?NNN`` parameters take a sequence,
        ``:name`` parameters a mapping. Prepared statements are cached by their text.

        Returns:
            The result of the (last) statement: rows for queries, ``rowcount`` for changes.

        Raises:
            ProgrammingError: a syntax or binding error, with line, column and a caret.
            DataError, IntegrityError: a value or constraint problem; nothing is changed.
        """
        return self._sql.run(text, params)

    def view_names(self) -> list[str]:
        """Names of the views created in SQL, in creation order."""
        return self._sql.view_names()

    # ------------------------------------------------------------------ files
    def export(
        self,
        path: str | os.PathLike[str],
        format: Format = "snapshot",
        *,
        tables: Sequence[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Write the database to a file: ``"snapshot"`` (compact, checksummed), ``"json"``
        (JSON Lines), ``"csv"`` (a directory) or ``"pickle"`` (unsafe to load from others).

        Committed rows only (not inside this thread's open transaction). ``tables`` writes
        some tables (with those they reference); views and triggers go with the whole
        database. ``progress(rows_done, rows_total)`` is called as rows are written. The file
        appears complete or not at all. See docs/persistence.md.

        Raises:
            ProgrammingError: an unknown format or table.
            PersistenceError: the file cannot be written.
        """
        export_database(self, path, format, tables=tables, progress=progress)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        format: Format | None = None,
        *,
        models: Iterable[type[Table]] = (),
        allow_pickle: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Database:
        """A new database holding what an exported file holds (format detected by default).

        Tables whose model classes are given in ``models`` come back as those models (the
        file's schema must match them); others come back as plain SQL tables. Every value
        and constraint is checked. A pickle file is refused unless ``allow_pickle=True``:
        unpickling runs code from the file, UNSAFE for files you did not write.

        Raises:
            PersistenceError: no such file, or a pickle without ``allow_pickle``.
            CorruptFileError: a damaged, truncated or malformed file (file and place named).
            SchemaMismatchError: a table differs from its model class.
            DataError, IntegrityError: a bad value or a broken constraint in the file.
        """
        db = cls()
        import_into(db, path, format, models=models, allow_pickle=allow_pickle, progress=progress)
        return db

    def import_(
        self,
        path: str | os.PathLike[str],
        format: Format | None = None,
        *,
        models: Iterable[type[Table]] = (),
        allow_pickle: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Add an exported file's tables, rows, views and triggers to this database.

        A table the database lacks is created; one it has must have the file's schema and
        gets the file's rows added (its triggers fire). All or nothing: on any error the
        database is left as it was. Arguments and errors as for :meth:`load`.
        """
        import_into(self, path, format, models=models, allow_pickle=allow_pickle, progress=progress)

    # ------------------------------------------------------------------ schema
    def create(self, *models: type[Table]) -> None:
        """Create the tables of model classes (foreign keys may reference each other).

        Raises:
            ProgrammingError: a table already exists, or a foreign key cannot be resolved; in
                a reopened durable database, the stored table does not match the class.
        """
        if self._durable is not None:
            models = self._attach(models)
            if not models:
                return
        self._store.create(schema_of(m) for m in models)
        self._sql.schema_changed()
        self._model_history(models)

    def _model_history(self, models: Iterable[type[Table]]) -> None:
        for model in models:
            retention = getattr(model, "__pyram_history__", None)
            if retention is not None:
                self.set_history(model, retention)

    def _attach(self, models: tuple[type[Table], ...]) -> tuple[type[Table], ...]:
        """Attach the classes whose tables a reopened durable database already holds; the
        classes left to create."""
        assert self._durable is not None
        left = []
        attached = False
        for model in models:
            if attach_model(self._store, schema_of(model), self._durable.path):
                attached = True
            else:
                left.append(model)
        if attached:
            with self._durable.suspend():  # the file's contents did not change
                self._sql.schema_changed()
            self._model_history(m for m in models if m not in left)
        return tuple(left)

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
        schema = schema_of(model)
        with self._store.statement():
            self._store._check_writable()
            changes = migrate_table(self._store, schema)
            if changes:
                rebind_dependents(self._store, self._sql, schema.name, "migrate")
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

    def count(self, model: type[Table], *, as_of: PastPoint | None = None) -> int:
        """Number of rows in a table (as it was at ``as_of``, see :meth:`all`)."""
        data = self._data_for(model)
        if as_of is not None:
            with self._store.reading_past(as_of) as past:
                past.saw(data)
                return count_in_view(data, past)
        with self._store.reading() as view:
            return count_in_view(data, view)

    # ------------------------------------------------------------------ time travel
    def set_history(
        self, table: type[Table] | str, history: Retention | timedelta | int | None
    ) -> None:
        """Keep ``table``'s committed versions for reading the past: a ``timedelta`` (that
        long), an int (that many commits), a :class:`pyram.Retention` (both) or None (stop).
        History starts at the newest commit; see docs/time-travel.md."""
        data = self._store.data(self._table_name(table))
        self._store.snapshots.configure_history(
            data.schema.name.lower(), as_retention(history), self._clock
        )

    @property
    def commit_stamp(self) -> int:
        """The stamp of the newest commit (what ``as_of`` takes to read this state later)."""
        return self._store.snapshots.last_commit

    def history(self, model: type[T], key: Any) -> list[RowVersion[T]]:
        """The versions of the row with primary key ``key`` kept in ``model``'s history,
        oldest first: each with the commit stamp and time it appeared and the row (None
        while the row did not exist).

        Raises:
            HistoryError: the table keeps no history.
        """
        handle = self._handles.get(model) or self._handle(model)
        key = _stored_key(handle.data.schema, key)
        versions = row_versions(
            self._store.snapshots, handle.data, handle.pk_index, handle.dense_position, key
        )
        build = model.__pyram_build__
        return [
            RowVersion(v.commit, v.time, None if v.row is None else build(*v.row)) for v in versions
        ]

    # ------------------------------------------------------------------ writes
    def insert(self, obj: Table) -> None:
        """Insert one row.

        Raises:
            DataError: a value of the wrong type.
            IntegrityError: a constraint would be violated (nothing is inserted).
        """
        data = self._data_for(type(obj))
        self._store.insert(data.schema.name, [[v] for v in _values(obj, data.schema)])

    def insert_many(self, objs: Iterable[T]) -> int:
        """Insert many rows of one table at once, validated column-wise; all or nothing.

        Returns:
            The number of rows inserted.

        Raises:
            ProgrammingError: the objects are not all of one table class.
            DataError, IntegrityError: as for :meth:`insert`; then nothing is inserted.
        """
        rows = list(objs)
        if not rows:
            return 0
        cls = type(rows[0])
        if any(type(r) is not cls for r in rows):
            raise ProgrammingError("insert_many takes objects of a single table class")
        data = self._data_for(cls)
        columns = [list(map(attrgetter(c.name), rows)) for c in data.schema.columns]
        return len(self._store.insert(data.schema.name, columns))

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
        data = self._store.data(self.schema(table).name)
        schema = data.schema
        counts = {len(values) for values in columns.values()}
        if len(counts) > 1:
            raise ProgrammingError("insert_columns: the columns have different lengths")
        count = counts.pop() if counts else 0
        full = schema.complete_columns(columns, count)
        if not count:
            return 0
        with self._store.statement():  # the row ids are read and used under one write
            if schema.rowid_column is not None:
                assign_rowids(data, full)
            return len(self._store.insert(schema.name, full))

    def update(self, obj: Table) -> bool:
        """Write back every column of the row with ``obj``'s primary key.

        Returns:
            True when a row with that key exists (changed or not), False otherwise.
        """
        data = self._data_for(type(obj))
        values = _values(obj, data.schema)
        with self._store.statement():
            rid = self._rid_for(data, _pk_of(values, data.schema))
            if rid is None:
                return False
            self._store.update(data.schema.name, rid, values)
            return True

    def upsert(self, obj: Table) -> Literal["insert", "update"]:
        """Insert ``obj``, or update the row with its primary key when one exists.

        Returns:
            ``"insert"`` or ``"update"``: what happened.
        """
        data = self._data_for(type(obj))
        values = _values(obj, data.schema)
        with self._store.statement():
            rid = self._rid_for(data, _pk_of(values, data.schema))
            if rid is None:
                self._store.insert(data.schema.name, [[v] for v in values])
                return "insert"
            self._store.update(data.schema.name, rid, values)
            return "update"

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
            data = self._data_for(target)
            stored = _stored_key(data.schema, key)
        else:
            if key is not _NO_KEY:
                raise ProgrammingError("delete(obj) takes no key: the object's key is used")
            data = self._data_for(type(target))
            stored = _pk_of(_values(target, data.schema), data.schema)
        with self._store.statement():
            rid = self._rid_for(data, stored)
            if rid is None:
                return False
            self._store.delete(data.schema.name, [rid])
            return True

    # ------------------------------------------------------------------ reads
    def get(self, model: type[T], key: Any, *, as_of: PastPoint | None = None) -> T | None:
        """The row with primary key ``key`` (a tuple for composite keys), or None; as it was
        at ``as_of`` when given (see :meth:`all`).

        Raises:
            ProgrammingError: the table has no primary key.
            DataError: ``key`` has the wrong type.
        """
        handle = self._handles.get(model) or self._handle(model)
        if type(key) not in handle.key_types:
            key = _stored_key(handle.data.schema, key)
            if key_is_null(key, len(handle.data.schema.primary_key) > 1):
                return None
        data = handle.data
        if as_of is not None:
            with self._store.reading_past(as_of) as past:
                past.saw(data)
                row = find_row(data, handle.pk_index, handle.dense_position, key, past)
            return None if row is None else model.__pyram_build__(*row[1])
        if self._store.thread_state.txn is None:
            with data.latch:  # no versions: the table holds what every snapshot sees
                log = self._store.undo_log  # unless a writer has not published its changes
                if (log is None or log.published) and not (data.changes or data.inserted):
                    rid = data.find_key(handle.pk_index, handle.dense_position, key)
                    if rid is None:
                        return None
                    found: T = model.__pyram_read__(data.columns, rid)
                    return found
        with self._store.reading() as view:
            if view is not None:
                view.saw(data)
            row = find_row(data, handle.pk_index, handle.dense_position, key, view)
        if row is None:
            return None
        built: T = model.__pyram_build__(*row[1])
        return built

    # ------------------------------------------------------------------ queries
    def _prepare(self, query: Select[Any] | Update[Any] | Delete[Any] | Insert[Any]) -> Prepared:
        if not isinstance(query, Select | Update | Delete | Insert):
            hint = " (SQL text goes to db.sql())" if isinstance(query, str) else ""
            raise ProgrammingError(
                "expected a query built with pyram.select(), Model.select(), update(), delete() "
                f"or insert(), got {type(query).__name__}{hint}"
            )
        prepared = self._plans.get_for(query)
        if prepared is None:
            with self._functions.active():
                prepared = self._prepare_new(query)
        return prepared

    def _prepare_new(
        self, query: Select[Any] | Update[Any] | Delete[Any] | Insert[Any]
    ) -> Prepared:
        try:
            if isinstance(query, Select):
                bound = bind_query(query, self._schema_of)
                prepared = prepare_plan(bound.plan, self._store, bound.entity)
            else:
                plan = bind_statement(query, self._schema_of)
                prepared = prepare_plan(plan, self._store)
        except RecursionError:
            # a backstop: chains are flattened and nesting is bounded, so only an absurdly
            # nested query gets here; nothing has run yet, the database is unchanged
            raise ProgrammingError("query too complex: nested too deeply") from None
        self._plans.put_for(query, prepared)
        return prepared

    def all(
        self,
        query: Select[R],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        as_of: PastPoint | None = None,
        **kw: Any,
    ) -> list[R]:
        """Every row of a query: model instances for ``User.select()``, tuples otherwise.

        Parameters (``pyram.param("name")``) take their values from ``params`` and keywords.
        ``as_of`` reads every table as it was at that commit stamp (``db.commit_stamp``),
        datetime (naive means UTC) or time text, from the tables' kept history.

        Raises:
            ProgrammingError: an ill-formed or ill-typed query, or missing parameters.
            HistoryError: a table read keeps no history back to ``as_of``.
        """
        prepared = self._prepare(query)
        if as_of is not None:
            with self._store.reading_past(as_of), self._store.reading():
                return run_rows(prepared, self._store, _merge(params, kw))
        with self._store.reading():
            return run_rows(prepared, self._store, _merge(params, kw))

    def iter(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Iterator[R]:
        """The rows of a query, produced batch by batch as they are consumed."""
        prepared = self._prepare(query)
        build = prepared.row_builder
        store = self._store
        batches = run_batches(prepared, store, _merge(params, kw))
        if store.in_transaction:
            while True:
                with store.reading():
                    batch = next(batches, None)
                if batch is None:
                    return
                yield from build(batch)
        view = store.snapshots.open_view()  # one snapshot for the whole iteration
        try:
            while True:
                with store.using_view(view):
                    batch = next(batches, None)
                if batch is None:
                    return
                yield from build(batch)
        finally:
            store.snapshots.close_view(view)

    def first(
        self,
        query: Select[R],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        as_of: PastPoint | None = None,
        **kw: Any,
    ) -> R | None:
        """The first row of a query, or None when it has no rows (``as_of``: see :meth:`all`;
        ``one``, ``one_or_none``, ``scalars`` and ``scalar`` take it too)."""
        if as_of is not None:
            with self._store.reading_past(as_of):
                return self.first(query, params, **kw)
        # Inline identity probe of the plan cache: this is the application-cache hot path.
        entry = self._recent_plans.get(id(query))
        prepared = entry[1] if entry is not None and entry[0] is query else self._prepare(query)
        if prepared.point is not None:
            found: R | None = prepared.first_by_key(
                kw if params is None else _merge(params, kw)  # type: ignore[arg-type]
            )
            return found
        with self._store.reading():
            for batch in run_batches(prepared, self._store, _merge(params, kw)):
                rows = prepared.row_builder(batch)
                if rows:
                    first: R = rows[0]
                    return first
        return None

    def one(self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any) -> R:
        """The only row of a query.

        Raises:
            NoResultFound: the query returned no row; MultipleResultsFound: more than one
                (both ProgrammingErrors).
        """
        rows = self.all(query, params, **kw)
        if not rows:
            raise NoResultFound("expected exactly one row, got none")
        if len(rows) > 1:
            raise MultipleResultsFound(f"expected exactly one row, got {len(rows)}")
        return rows[0]

    def one_or_none(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None:
        """The only row of a query, or None when it has none.

        Raises:
            MultipleResultsFound: more than one row (a ProgrammingError).
        """
        rows = self.all(query, params, **kw)
        if len(rows) > 1:
            raise MultipleResultsFound(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None

    @overload
    def scalars(
        self, query: Select[tuple[T1]], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[T1]: ...
    @overload
    def scalars(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[Any]: ...
    def scalars(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[Any]:
        """The first column of every row (``select(User.name)`` gives the names)."""
        return [row[0] if isinstance(row, tuple) else row for row in self.all(query, params, **kw)]

    @overload
    def scalar(
        self, query: Select[tuple[T1]], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> T1 | None: ...
    @overload
    def scalar(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Any: ...
    def scalar(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.first(query, params, **kw)
        if row is None:
            return None
        return row[0] if isinstance(row, tuple) else row

    def execute(
        self,
        statement: Update[Any] | Delete[Any] | Insert[Any],
        params: Mapping[str, Any] | None = None,
        /,
        **kw: Any,
    ) -> int:
        """Run an ``update()``, ``delete()`` or ``insert().from_select()``; all or nothing.

        Returns:
            The number of rows affected.
        """
        if isinstance(statement, Select):
            raise ProgrammingError(
                "db.execute() runs update(), delete() and insert(); read a select() with "
                "db.all(), db.first(), db.one() or db.scalar()"
            )
        prepared = self._prepare(statement)
        with self._store.statement():
            rows = run_rows(prepared, self._store, _merge(params, kw))
        return int(rows[0][0]) if rows else 0

    def explain(
        self,
        query: Select[Any] | Update[Any] | Delete[Any] | Insert[Any],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        analyze: bool = False,
        format: ExplainFormat = "text",
        **kw: Any,
    ) -> str:
        """The physical plan of a query as a tree of operators (indexes, row estimates).

        Args:
            query: a query or statement of the DSL.
            params: parameter values (also as keywords), needed with ``analyze``.
            analyze: run it and show, per operator, the rows and batches it produced and the
                time spent in it (its inputs included). A statement runs for real, as
                PostgreSQL's EXPLAIN ANALYZE does: an ``update()`` changes the rows.
            format: "text" (indented lines), "json", "dot" (Graphviz) or "mermaid".

        Raises:
            ProgrammingError: an unknown format, or missing parameters with ``analyze``.
        """
        prepared = self._prepare(query)
        if not analyze:
            return prepared.explain(format)
        store = self._store
        with store.reading() if isinstance(query, Select) else store.statement():
            profile = analyze_query(prepared, store, _merge(params, kw))
        return prepared.explain(format, profile)

    def query_plan(self, query: Select[Any] | Update[Any] | Delete[Any] | Insert[Any]) -> str:
        """How a query reads its tables, in SQLite's EXPLAIN QUERY PLAN words and shape
        (``QUERY PLAN`` / ``|--SCAN t`` / ``` `--SEARCH t USING INDEX i (a=?) ```)."""
        return format_query_plan(self._prepare(query).query_plan(self._store))

    # ------------------------------------------------------------------ helpers
    def _handle(self, model: type[Table]) -> _Handle:
        data = self._data_for(model)
        schema = data.schema
        if not schema.primary_key:
            raise ProgrammingError(f"table {schema.name} has no primary key")
        handle = _Handle(data, unique_index(data, schema.primary_key))
        self._handles[model] = handle
        return handle

    def _data_for(self, model: type[Table]) -> TableData:
        schema = schema_of(model)
        data = self._store.data(schema.name)
        if data.schema.row_class is not model:
            raise ProgrammingError(
                f"table {schema.name} of this database was not created from {model.__qualname__}"
                f" (db.migrate({model.__qualname__}) attaches a class to a table that matches)"
            )
        return data

    @staticmethod
    def _rid_for(data: TableData, stored_key: Any) -> int | None:
        if key_is_null(stored_key, len(data.schema.primary_key) > 1):
            return None
        return unique_index(data, data.schema.primary_key).get(stored_key)


class _Handle:
    """What a primary-key read needs, resolved once per model class (dropped on DDL)."""

    __slots__ = ("data", "dense_position", "key_types", "pk_index")

    def __init__(self, data: TableData, pk_index: AnyIndex) -> None:
        self.data = data
        self.pk_index = pk_index
        pk = [data.schema.column(c).dtype for c in data.schema.primary_key]
        self.dense_position = data.dense_position_of(pk_index)
        # A single-column key of an exact stored type needs no validation or conversion.
        self.key_types = pk[0].exact_types if len(pk) == 1 and not pk[0].encodes else frozenset()


def _values(obj: Any, schema: TableSchema) -> list[Any]:
    """The user-facing column values of a model instance, in column order."""
    return [getattr(obj, name) for name in schema.column_names]


def _pk_of(values: list[Any], schema: TableSchema) -> Any:
    """The stored primary key of a row of user values (validated)."""
    if not schema.primary_key:
        raise ProgrammingError(f"table {schema.name} has no primary key")
    key = [values[schema.position(c)] for c in schema.primary_key]
    return _stored_key(schema, key[0] if len(key) == 1 else tuple(key))


def _stored_key(schema: TableSchema, key: Any) -> Any:
    """Validate a user-facing primary key and convert it to its stored form."""
    columns = [schema.column(c) for c in schema.primary_key]
    if len(columns) == 1:
        col = columns[0]
        return col.dtype.validate(key, nullable=True, column=col.name, table=schema.name)
    if not isinstance(key, tuple) or len(key) != len(columns):
        raise ProgrammingError(
            f"table {schema.name} has a composite primary key: pass a tuple of {len(columns)}"
        )
    return tuple(
        c.dtype.validate(v, nullable=True, column=c.name, table=schema.name)
        for c, v in zip(columns, key, strict=True)
    )


def _merge(params: Mapping[str, Any] | None, keywords: dict[str, Any]) -> Mapping[str | int, Any]:
    if not params:
        return keywords  # type: ignore[return-value]
    merged: dict[str | int, Any] = {}
    if params:
        merged.update(params)
    merged.update(keywords)
    return merged
