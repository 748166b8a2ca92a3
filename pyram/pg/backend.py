"""``pyram.pg.connect(dsn)``: the typed database API of :class:`pyram.Database`, on PostgreSQL.

Part of the PostgreSQL backend (extra ``pyram[postgres]``: psycopg 3 and psycopg-pool). A
:class:`PgDatabase` keeps the model schemas it created (a :class:`~pyram.catalog.Catalog`, so
the DSL binds exactly as in memory), compiles each DSL query once through the logical plan
(:mod:`pyram.pg.compile`) and runs it with bound parameters. Each thread borrows one pooled
connection for its lifetime, in autocommit mode; ``db.transaction()`` opens a PostgreSQL
transaction on it (:mod:`pyram.pg.transactions`). Both :class:`PgDatabase` and
:class:`pyram.Database` satisfy :class:`pyram.TypedDatabase`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal, TypeVar, overload

import attrs
import psycopg
from psycopg_pool import ConnectionPool
from typing_extensions import TypeVarTuple

from pyram.api.derived_reads import DerivedReads, key_owner, rows_into
from pyram.catalog import Catalog, TableSchema, resolve_target
from pyram.dsl import Column, Delete, Insert, Select, Update, bind_query, bind_statement
from pyram.errors import NotSupportedError, ProgrammingError
from pyram.model import Table, schema_of
from pyram.pg.compile import Compiled, compile_plan
from pyram.pg.ddl import NOTIFY_FUNCTION, create_statements, foreign_key_statements, quote_ident
from pyram.pg.notify import ChangeListener
from pyram.pg.records import TableStatements
from pyram.pg.sqlstate import translate, translated
from pyram.pg.transactions import PgTransaction, begin_sql
from pyram.txn import Change, Isolation

__all__ = ["PgDatabase", "connect"]

T = TypeVar("T", bound=Table)
R = TypeVar("R")
T1 = TypeVar("T1")
K = TypeVar("K")
X = TypeVar("X")
Rest = TypeVarTuple("Rest")
Conn = psycopg.Connection[tuple[Any, ...]]

#: What the query methods take: a DSL query or statement.
AnyQuery = Select[Any] | Update[Any] | Delete[Any] | Insert[Any]

_NO_KEY: Any = object()
#: compiled queries kept per database (by query object); cleared whole when full
_CACHE_LIMIT = 1024


class PgDatabase(DerivedReads):
    """A PostgreSQL database with :class:`pyram.Database`'s typed API (see :func:`connect`)."""

    def __init__(self, dsn: str, *, pool_size: int = 10) -> None:
        self._dsn = dsn
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            dsn,
            min_size=1,
            max_size=pool_size,
            open=True,
            kwargs={"autocommit": True, "options": "-c timezone=UTC"},
        )
        self._local = threading.local()
        self._held: list[Conn] = []
        self._lock = threading.Lock()
        self._catalog = Catalog()
        self._tables: dict[str, TableStatements] = {}
        self._compiled: dict[int, tuple[object, Compiled]] = {}
        self._listener: ChangeListener | None = None

    # ------------------------------------------------------------------ connections
    def _conn(self) -> Conn:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._pool.getconn()
            self._local.conn = conn
            with self._lock:
                self._held.append(conn)
        return conn

    @contextmanager
    def _writing(self) -> Iterator[Conn]:
        """The thread's connection for a write: inside a transaction, under a savepoint so
        a failed statement undoes only itself (as in memory); outside, atomic on its own."""
        conn = self._conn()
        # psycopg's transaction block is a BEGIN/COMMIT in autocommit mode and a SAVEPOINT
        # when a transaction is open on the connection
        with translated(), conn.transaction():
            yield conn

    def close(self) -> None:
        """Return the connections, stop the change listener and close the pool."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._held:
                self._pool.putconn(conn)
            self._held.clear()
        self._local = threading.local()
        self._pool.close()

    def __enter__(self) -> PgDatabase:
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
    ) -> PgTransaction:
        """A transaction for a ``with`` block: commits at the end, rolls back on an exception.

        Inside an open transaction of this thread it is a savepoint. ``isolation`` names map
        to PostgreSQL's levels (``snapshot`` is REPEATABLE READ); ``timeout`` (seconds) bounds
        lock waits (``lock_timeout``).

        Raises:
            ProgrammingError: an unknown isolation level.
        """
        conn = self._conn()
        stack: list[PgTransaction] = self._local.__dict__.setdefault("stack", [])
        with translated():
            if stack:
                name = f"pyram_sp{len(stack)}"
                conn.execute(f"SAVEPOINT {name}")
            else:
                name = None
                conn.execute(begin_sql(isolation, read_only))
                if timeout is not None:
                    conn.execute(f"SET LOCAL lock_timeout = {int(timeout * 1000)}")
        tx = PgTransaction(conn, isolation, read_only, name, stack.remove)
        stack.append(tx)
        return tx

    def begin(
        self,
        isolation: Isolation = "serializable",
        *,
        read_only: bool = False,
        timeout: float | None = None,
    ) -> PgTransaction:
        """Start a transaction to end with ``tx.commit()`` or ``tx.rollback()``."""
        return self.transaction(isolation, read_only=read_only, timeout=timeout)

    @property
    def in_transaction(self) -> bool:
        """True while this thread has a transaction open."""
        return bool(self._local.__dict__.get("stack"))

    # ------------------------------------------------------------------ change events
    def on_change(
        self, table: type[Table] | str, fn: Callable[[Change], object]
    ) -> Callable[[], None]:
        """Call ``fn(change)`` for every committed insert, update or delete of ``table``.

        Delivered after commit from PostgreSQL's NOTIFY (the trigger ``db.create`` made), on a
        listener thread, in commit order; never for rolled-back work. Returns an unsubscriber.
        """
        name = self.schema(table).name
        with self._lock:
            if self._listener is None:
                self._listener = ChangeListener(self._dsn, self._catalog.get)
        return self._listener.subscribe(name, fn)

    # ------------------------------------------------------------------ schema
    def create(self, *models: type[Table]) -> None:
        """Create the tables of model classes in PostgreSQL, with every constraint.

        Types map as docs/postgres-backend.md tabulates; keys, UNIQUE, NOT NULL, foreign keys
        (with their ON DELETE action), enum CHECKs and indexes are created; each table gets
        the change trigger ``on_change`` listens to. All tables or none.

        Raises:
            ProgrammingError: a table already exists or a foreign key cannot be resolved.
        """
        schemas = self._catalog.add_tables(schema_of(m) for m in models)
        try:
            with self._writing() as conn:
                conn.execute(NOTIFY_FUNCTION)
                for schema in schemas:
                    for statement in create_statements(schema):
                        conn.execute(statement)
                for schema in schemas:
                    for statement in foreign_key_statements(schema):
                        conn.execute(statement)
        except BaseException:
            self._catalog = _without(self._catalog, [s.name for s in schemas])
            raise
        self._forget()

    def drop(self, *models: type[Table]) -> None:
        """Drop tables and all their rows."""
        names = [schema_of(m).name for m in models]
        with self._writing() as conn:
            for name in names:
                conn.execute(f"DROP TABLE {quote_ident(name)}")
        self._catalog = _without(self._catalog, names)
        self._forget()

    def _forget(self) -> None:
        self._tables.clear()
        self._compiled.clear()

    def table_names(self) -> list[str]:
        """Names of the tables this database created, in creation order."""
        return [schema.name for schema in self._catalog]

    def schema(self, table: str | type[Table]) -> TableSchema:
        """The schema of a table, by name or model class.

        A model class whose table this object did not create (another process did: the
        usual case when an application starts) is taken as existing, without DDL.
        """
        with self._lock:
            return schema_in(self._catalog, table)

    def _schema_of(self, model: Any) -> TableSchema:
        return self.schema(model)

    def _statements(self, model: type[Table]) -> TableStatements:
        found = self._tables.get(model.__name__)
        if found is None or found.schema.row_class is not model:
            found = TableStatements(self.schema(model))
            self._tables[model.__name__] = found
        return found

    # ------------------------------------------------------------------ records
    def count(self, model: type[Table]) -> int:
        """Number of rows in a table."""
        with translated():
            row = self._conn().execute(self._statements(model).count_sql).fetchone()
        return int(row[0]) if row else 0

    def insert(self, obj: Table) -> None:
        """Insert one row.

        Raises:
            DataError: a value of the wrong type. IntegrityError: a constraint would fail.
        """
        ops = self._statements(type(obj))
        values = ops.values(obj)
        with self._writing() as conn:
            conn.execute(ops.insert_sql, values)

    def insert_many(self, objs: Iterable[T]) -> int:
        """Insert many rows of one table; all or nothing. Returns how many."""
        rows = list(objs)
        if not rows:
            return 0
        kind = type(rows[0])
        if any(type(r) is not kind for r in rows):
            raise ProgrammingError("insert_many() takes objects of one table class")
        ops = self._statements(kind)
        values = [ops.values(r) for r in rows]
        with self._writing() as conn, conn.cursor() as cur:
            cur.executemany(ops.insert_sql, values)
        return len(values)

    def update(self, obj: Table) -> bool:
        """Write back every column of the row with ``obj``'s primary key; False if none."""
        ops = self._statements(type(obj))
        stored = ops.values(obj)
        if not ops.update_sql:
            return self.get(type(obj), tuple(ops.key_of(stored))) is not None
        with self._writing() as conn:
            cur = conn.execute(ops.update_sql, ops.update_args(stored))
        return cur.rowcount > 0

    def upsert(self, obj: Table) -> Literal["insert", "update"]:
        """Insert ``obj``, or update the row with its primary key when one exists."""
        ops = self._statements(type(obj))
        stored = ops.values(obj)
        with self._writing() as conn:
            row = conn.execute(ops.upsert_sql, stored).fetchone()
        return "insert" if row is not None and row[0] else "update"

    @overload
    def delete(self, obj: Table, /) -> bool: ...

    @overload
    def delete(self, model: type[Table], key: Any, /) -> bool: ...

    def delete(self, target: Table | type[Table], key: Any = _NO_KEY, /) -> bool:
        """Delete one row: ``db.delete(obj)`` or ``db.delete(User, 5)``; True if deleted."""
        if isinstance(target, type):
            if key is _NO_KEY:
                raise ProgrammingError("delete(Model, key) needs the primary key value")
            ops = self._statements(target)
            stored = ops.key(key)
        else:
            if key is not _NO_KEY:
                raise ProgrammingError("delete(obj) takes no key: the object's key is used")
            ops = self._statements(type(target))
            stored = ops.key_of(ops.values(target))
        if stored is None:
            return False
        with self._writing() as conn:
            cur = conn.execute(ops.delete_sql, stored)
        return cur.rowcount > 0

    @overload
    def get(self, model: Column[K, T], key: K) -> T | None: ...
    @overload
    def get(self, model: type[T], key: Any) -> T | None: ...
    def get(self, model: type[T] | Column[Any, T], key: Any) -> T | None:
        """The row with primary key ``key`` (a tuple for composite keys), or None;
        ``get(User.id, 3)`` names the key column (see :meth:`pyram.Database.get`)."""
        if isinstance(model, Column):
            model = key_owner(model)
        ops = self._tables.get(model.__name__)
        if ops is None or ops.schema.row_class is not model:
            ops = self._statements(model)
        stored = ops.key(key)
        if stored is None:
            return None
        conn: Conn | None = getattr(self._local, "conn", None)
        try:
            row = (conn or self._conn()).execute(ops.get_sql, stored).fetchone()
        except psycopg.Error as exc:
            raise translate(exc) from exc
        if row is None:
            return None
        built: T = model.__pyram_build__(*row)
        return built

    # ------------------------------------------------------------------ queries
    def compile(self, query: AnyQuery) -> Compiled:
        """The compiled PostgreSQL statement of a DSL query (cached per query object).

        Raises:
            ProgrammingError: an ill-formed query; NotSupportedError: a construct PostgreSQL
                cannot express (nothing has run).
        """
        entry = self._compiled.get(id(query))
        if entry is not None and entry[0] is query:
            return entry[1]
        if isinstance(query, Select):
            bound = bind_query(query, self._schema_of)
            compiled = compile_plan(bound.plan, bound.entity)
        elif isinstance(query, str):
            raise ProgrammingError("SQL text is not accepted: build queries with the DSL")
        else:
            plan = bind_statement(query, self._schema_of)
            compiled = compile_plan(plan, schema_of=self._schema_of)
        if len(self._compiled) >= _CACHE_LIMIT:
            self._compiled.clear()
        self._compiled[id(query)] = (query, compiled)
        return compiled

    def _fetch(self, query: Select[Any], params: Mapping[str | int, Any]) -> list[Any]:
        if not isinstance(query, Select):
            raise ProgrammingError(
                "expected a query built with pyram.select() or Model.select(), got "
                f"{type(query).__name__}"
            )
        compiled = self.compile(query)
        args = compiled.arguments(params)
        with translated():
            rows = self._conn().execute(compiled.sql, args).fetchall()
        return compiled.rows(rows)

    @overload
    def all(
        self,
        query: Select[tuple[*Rest]],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        into: Callable[[*Rest], X],
        **kw: Any,
    ) -> list[X]: ...
    @overload
    def all(
        self,
        query: Select[R],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        into: None = None,
        **kw: Any,
    ) -> list[R]: ...
    def all(
        self,
        query: Select[Any],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        into: Callable[..., Any] | None = None,
        **kw: Any,
    ) -> list[Any]:
        """Every row of a query: model instances for ``User.select()``, tuples otherwise, or
        ``into(*row)`` with ``into=`` (as :meth:`pyram.Database.all`)."""
        rows = self._fetch(query, _merge(params, kw))
        return rows if into is None else rows_into(rows, into)

    def iter(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Iterator[R]:
        """The rows of a query (fetched in one statement, handed out one by one)."""
        return iter(self._fetch(query, _merge(params, kw)))

    def first(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None:
        """The first row of a query, or None when it has no rows."""
        # the point-lookup hot path: no context managers, one try block
        entry = self._compiled.get(id(query))
        compiled = entry[1] if entry is not None and entry[0] is query else self.compile(query)
        args = compiled.arguments(kw if params is None else _merge(params, kw))  # type: ignore[arg-type]
        conn: Conn | None = getattr(self._local, "conn", None)
        try:
            row = (conn or self._conn()).execute(compiled.sql, args).fetchone()
        except psycopg.Error as exc:
            raise translate(exc) from exc
        if row is None:
            return None
        found: R = compiled.rows([row])[0]
        return found

    def execute(
        self,
        statement: Update[Any] | Delete[Any] | Insert[Any],
        params: Mapping[str, Any] | None = None,
        /,
        **kw: Any,
    ) -> int:
        """Run an ``update()``, ``delete()`` or ``insert().from_select()``; rows affected."""
        if isinstance(statement, Select):
            raise ProgrammingError(
                "db.execute() runs update(), delete() and insert(); read a select() with "
                "db.all(), db.first(), db.one() or db.scalar()"
            )
        compiled = self.compile(statement)
        args = compiled.arguments(_merge(params, kw))
        with self._writing() as conn:
            cur = conn.execute(compiled.sql, args)
            if compiled.counts:
                row = cur.fetchone()
                return int(row[0]) if row else 0
        return max(cur.rowcount, 0)

    def explain(
        self,
        query: AnyQuery,
        params: Mapping[str, Any] | None = None,
        /,
        *,
        analyze: bool = False,
        format: str = "text",
        **kw: Any,
    ) -> str:
        """PostgreSQL's plan of the compiled query (``EXPLAIN``; ``analyze`` runs it).

        Raises:
            NotSupportedError: a format other than "text" or "json".
        """
        if format not in ("text", "json"):
            raise NotSupportedError(f"explain format {format!r}: PostgreSQL gives text or json")
        compiled = self.compile(query)
        args = compiled.arguments(_merge(params, kw))
        options = f"FORMAT {format.upper()}" + (", ANALYZE" if analyze else "")
        with translated():
            rows = self._conn().execute(f"EXPLAIN ({options}) {compiled.sql}", args).fetchall()
        if format == "json":
            import json

            return json.dumps(rows[0][0], indent=2)
        return "\n".join(str(r[0]) for r in rows)


def schema_in(catalog: Catalog, table: str | type[Table]) -> TableSchema:
    """The schema of ``table`` in ``catalog``; a model class not there is added (its table is
    taken as existing in PostgreSQL, made by another process), with the tables its foreign
    keys reference by model first, so joins find their links. A foreign key to a table the
    catalogue cannot know (named by a string, not there yet) is left out: only DDL, which this
    connection does not run for such a table, would need it."""
    if isinstance(table, str):
        return catalog.get(table)
    return _add_model(catalog, table, set())


def _add_model(catalog: Catalog, model: type[Table], adding: set[str]) -> TableSchema:
    declared = schema_of(model)
    found = catalog.find(declared.name)
    if found is not None:
        return found
    adding.add(declared.name.lower())
    for fk in declared.foreign_keys:
        parent = _referenced_model(fk.target)
        if parent is not None and schema_of(parent).name.lower() not in adding:
            _add_model(catalog, parent, adding)
    known = {s.name.lower(): s for s in catalog}
    known[declared.name.lower()] = declared
    kept = []
    for fk in declared.foreign_keys:
        try:
            resolve_target(declared, fk, known)
        except ProgrammingError:
            continue  # its table is unknown here (a cycle's back edge, a name only)
        kept.append(fk)
    return catalog.add_tables([attrs.evolve(declared, foreign_keys=tuple(kept))])[0]


def _referenced_model(target: object) -> type[Table] | None:
    """The model class a foreign key's target names (a model, a column, a callable giving
    one), or None (a ``"table.column"`` string)."""
    if callable(target) and not isinstance(target, type):
        target = target()
    if isinstance(target, tuple) and target:
        target = target[0]
    if isinstance(target, type) and issubclass(target, Table):
        return target
    owner = getattr(target, "owner", None)
    return owner if isinstance(owner, type) and issubclass(owner, Table) else None


def _without(catalog: Catalog, names: list[str]) -> Catalog:
    """A catalogue without the tables ``names`` (rebuilt: drops are rare)."""
    kept = [s for s in catalog if s.name not in names]
    fresh = Catalog()
    fresh.add_tables(kept)
    return fresh


def _merge(params: Mapping[str, Any] | None, keywords: dict[str, Any]) -> Mapping[str | int, Any]:
    """Parameter values from the mapping and the keywords (keywords win)."""
    merged: dict[str | int, Any] = {}
    if params:
        merged.update(params)
    if keywords:
        merged.update(keywords)
    return merged


def connect(dsn: str, *, pool_size: int = 10) -> PgDatabase:
    """Open a PostgreSQL database with PyRAM's typed API.

    Args:
        dsn: a libpq connection string or ``postgresql://`` URL.
        pool_size: the most connections the pool opens (one per thread using the database).

    Raises:
        OperationalError: the server cannot be reached.
    """
    with translated():
        return PgDatabase(dsn, pool_size=pool_size)
