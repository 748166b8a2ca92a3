"""``pyram.pg.connect_async(dsn)``: the PostgreSQL backend's methods as coroutines (asyncio).

Part of :mod:`pyram.pg`. It shares everything but I/O with :class:`~pyram.pg.PgDatabase`: the
same catalogue, compiler, record statements and error translation, over psycopg's
:class:`~psycopg_pool.AsyncConnectionPool`. A statement outside a transaction borrows a pooled
connection for itself; ``async with db.transaction():`` pins one connection to the current task
(a context variable), and nested blocks become savepoints.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar, overload

import psycopg
from psycopg_pool import AsyncConnectionPool
from typing_extensions import TypeVarTuple

from pyram.api.derived_reads import key_owner, rows_into
from pyram.catalog import Catalog, TableSchema
from pyram.dsl import Column, Delete, Insert, Select, Update, bind_query, bind_statement
from pyram.errors import MultipleResultsFound, NoResultFound, ProgrammingError
from pyram.model import Table, schema_of
from pyram.pg.backend import _NO_KEY, AnyQuery, _merge, schema_in
from pyram.pg.compile import Compiled, compile_plan
from pyram.pg.ddl import NOTIFY_FUNCTION, create_statements, foreign_key_statements
from pyram.pg.notify import ChangeListener
from pyram.pg.records import TableStatements
from pyram.pg.sqlstate import translated
from pyram.pg.transactions import begin_sql
from pyram.txn import Change, Isolation

__all__ = ["AsyncPgDatabase", "connect_async"]

T = TypeVar("T", bound=Table)
R = TypeVar("R")
T1 = TypeVar("T1")
K = TypeVar("K")
X = TypeVar("X")
Rest = TypeVarTuple("Rest")
AConn = psycopg.AsyncConnection[tuple[Any, ...]]


class AsyncPgDatabase:
    """A PostgreSQL database with PyRAM's typed API as coroutines (see :func:`connect_async`)."""

    def __init__(self, pool: AsyncConnectionPool[AConn], dsn: str = "") -> None:
        self._pool = pool
        self._dsn = dsn  #: for the LISTEN connection of :meth:`on_change`
        self._listener: ChangeListener | None = None
        #: coroutines subscribers returned, kept alive until they finish
        self._deliveries: set[asyncio.Future[Any]] = set()
        self._catalog = Catalog()
        self._compiled: dict[int, tuple[object, Compiled]] = {}
        self._tx: contextvars.ContextVar[tuple[AConn, int] | None] = contextvars.ContextVar(
            "pyram_pg_tx", default=None
        )

    async def close(self) -> None:
        """Close the pool (and the change listener)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            await asyncio.to_thread(listener.close)
        await self._pool.close()

    # ------------------------------------------------------------------ change events
    async def on_change(
        self, table: type[Table] | str, fn: Callable[[Change], object]
    ) -> Callable[[], None]:
        """Call ``fn(change)`` for every committed insert, update or delete of ``table``.

        As :meth:`pyram.pg.PgDatabase.on_change` (PostgreSQL's NOTIFY, after commit, in commit
        order), but ``fn`` runs on the event loop that subscribed; a coroutine it returns is
        run as a task. Returns an unsubscriber.
        """
        name = self.schema(table).name
        if not self._dsn:
            raise ProgrammingError("on_change needs the DSN: open the database with connect_async")
        if self._listener is None:
            listener = await asyncio.to_thread(
                ChangeListener, self._dsn, lambda t: self._catalog.get(t)
            )
            if self._listener is None:
                self._listener = listener
            else:  # another task made one meanwhile
                await asyncio.to_thread(listener.close)
        loop = asyncio.get_running_loop()

        def on_loop(change: Change) -> None:  # on the listener's thread
            loop.call_soon_threadsafe(self._deliver, fn, change)

        return self._listener.subscribe(name, on_loop)

    def _deliver(self, fn: Callable[[Change], object], change: Change) -> None:
        result = fn(change)
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)

    @asynccontextmanager
    async def _connection(self, write: bool = False) -> AsyncIterator[AConn]:
        pinned = self._tx.get()
        with translated():
            if pinned is not None:
                if write:  # a failed statement undoes only itself, as in memory
                    async with pinned[0].transaction():
                        yield pinned[0]
                else:
                    yield pinned[0]
                return
            async with self._pool.connection() as conn:
                if write:
                    async with conn.transaction():
                        yield conn
                else:
                    yield conn

    @asynccontextmanager
    async def transaction(
        self, isolation: Isolation = "serializable", *, read_only: bool = False
    ) -> AsyncIterator[None]:
        """``async with db.transaction():`` commits at the end, rolls back on an exception;
        nested, a savepoint. SerializationFailure on SQLSTATE 40001/40P01, as in memory."""
        pinned = self._tx.get()
        if pinned is not None:
            conn, depth = pinned
            token = self._tx.set((conn, depth + 1))
            try:
                with translated():
                    async with conn.transaction():
                        yield
            finally:
                self._tx.reset(token)
            return
        async with self._pool.connection() as conn:
            with translated():
                await conn.execute(begin_sql(isolation, read_only))
            token = self._tx.set((conn, 1))
            try:
                yield
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                with translated():
                    try:
                        await conn.execute("COMMIT")
                    except psycopg.Error:
                        await conn.execute("ROLLBACK")
                        raise
            finally:
                self._tx.reset(token)

    # ------------------------------------------------------------------ schema and records
    async def create(self, *models: type[Table]) -> None:
        """Create the tables of model classes (see :meth:`pyram.pg.PgDatabase.create`)."""
        schemas = self._catalog.add_tables(schema_of(m) for m in models)
        async with self._connection(write=True) as conn:
            await conn.execute(NOTIFY_FUNCTION)
            for schema in schemas:
                for statement in create_statements(schema):
                    await conn.execute(statement)
            for schema in schemas:
                for statement in foreign_key_statements(schema):
                    await conn.execute(statement)
        self._compiled.clear()

    def schema(self, table: str | type[Table]) -> TableSchema:
        """The schema of a table, by name or model class."""
        return schema_in(self._catalog, table)

    def _ops(self, model: type[Table]) -> TableStatements:
        return TableStatements(self.schema(model))

    async def insert(self, obj: Table) -> None:
        """Insert one row."""
        ops = self._ops(type(obj))
        values = ops.values(obj)
        async with self._connection(write=True) as conn:
            await conn.execute(ops.insert_sql, values)

    async def insert_many(self, objs: Iterable[Table]) -> int:
        """Insert many rows of one table; all or nothing."""
        rows = list(objs)
        if not rows:
            return 0
        ops = self._ops(type(rows[0]))
        values = [ops.values(r) for r in rows]
        async with self._connection(write=True) as conn, conn.cursor() as cur:
            await cur.executemany(ops.insert_sql, values)
        return len(values)

    @overload
    async def get(self, model: Column[K, T], key: K) -> T | None: ...
    @overload
    async def get(self, model: type[T], key: Any) -> T | None: ...
    async def get(self, model: type[T] | Column[Any, T], key: Any) -> T | None:
        """The row with primary key ``key`` (a tuple for composite keys), or None;
        ``await db.get(User.id, 3)`` names the key column, so checkers type the key (see
        :meth:`pyram.Database.get`).

        Raises:
            ProgrammingError: a column that is not its model's one-column primary key.
        """
        if isinstance(model, Column):
            model = key_owner(model)
        ops = self._ops(model)
        stored = ops.key(key)
        if stored is None:
            return None
        async with self._connection() as conn:
            cur = await conn.execute(ops.get_sql, stored)
            row = await cur.fetchone()
        if row is None:
            return None
        built: T = model.__pyram_build__(*row)
        return built

    async def count(self, model: type[Table]) -> int:
        """Number of rows in a table."""
        async with self._connection() as conn:
            cur = await conn.execute(self._ops(model).count_sql)
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def update(self, obj: Table) -> bool:
        """Write back every column of the row with ``obj``'s primary key; False if none."""
        ops = self._ops(type(obj))
        stored = ops.values(obj)
        if not ops.update_sql:
            return await self.get(type(obj), tuple(ops.key_of(stored))) is not None
        async with self._connection(write=True) as conn:
            cur = await conn.execute(ops.update_sql, ops.update_args(stored))
        return cur.rowcount > 0

    async def upsert(self, obj: Table) -> Literal["insert", "update"]:
        """Insert ``obj``, or update the row with its primary key."""
        ops = self._ops(type(obj))
        async with self._connection(write=True) as conn:
            cur = await conn.execute(ops.upsert_sql, ops.values(obj))
            row = await cur.fetchone()
        return "insert" if row is not None and row[0] else "update"

    @overload
    async def delete(self, obj: Table, /) -> bool: ...

    @overload
    async def delete(self, model: type[Table], key: Any, /) -> bool: ...

    async def delete(self, target: Table | type[Table], key: Any = _NO_KEY, /) -> bool:
        """Delete one row: ``await db.delete(obj)`` or ``await db.delete(User, 5)``; True when
        one was deleted."""
        if isinstance(target, type):
            if key is _NO_KEY:
                raise ProgrammingError("delete(Model, key) needs the primary key value")
            ops = self._ops(target)
            stored = ops.key(key)
        else:
            if key is not _NO_KEY:
                raise ProgrammingError("delete(obj) takes no key: the object's key is used")
            ops = self._ops(type(target))
            stored = ops.key_of(ops.values(target))
        if stored is None:
            return False
        async with self._connection(write=True) as conn:
            cur = await conn.execute(ops.delete_sql, stored)
        return cur.rowcount > 0

    # ------------------------------------------------------------------ queries
    def _compile(self, query: AnyQuery) -> Compiled:
        entry = self._compiled.get(id(query))
        if entry is not None and entry[0] is query:
            return entry[1]
        if isinstance(query, Select):
            bound = bind_query(query, self.schema)
            compiled = compile_plan(bound.plan, bound.entity)
        else:
            plan = bind_statement(query, self.schema)
            compiled = compile_plan(plan, schema_of=self.schema)
        self._compiled[id(query)] = (query, compiled)
        return compiled

    @overload
    async def all(
        self,
        query: Select[tuple[*Rest]],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        into: Callable[[*Rest], X],
        **kw: Any,
    ) -> list[X]: ...
    @overload
    async def all(
        self,
        query: Select[R],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        into: None = None,
        **kw: Any,
    ) -> list[R]: ...
    async def all(
        self,
        query: Select[Any],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        into: Callable[..., Any] | None = None,
        **kw: Any,
    ) -> list[Any]:
        """Every row of a query: model instances for ``User.select()``, tuples of models for
        ``select(User, Order)``, tuples otherwise, or ``into(*row)`` with ``into=`` (a
        NamedTuple, attrs or dataclass class; see :meth:`pyram.Database.all`)."""
        rows = await self._fetch(query, _merge(params, kw))
        return rows if into is None else rows_into(rows, into)

    async def _fetch(self, query: Select[Any], params: Mapping[str | int, Any]) -> list[Any]:
        if not isinstance(query, Select):
            raise ProgrammingError(
                "expected a query built with pyram.select() or Model.select(), got "
                f"{type(query).__name__}"
            )
        compiled = self._compile(query)
        args = compiled.arguments(params)
        async with self._connection() as conn:
            cur = await conn.execute(compiled.sql, args)
            rows = await cur.fetchall()
        return compiled.rows(rows)

    async def iter(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> AsyncIterator[R]:
        """The rows of a query, ``async for row in db.iter(query)`` (fetched in one statement,
        handed out one by one, as the synchronous ``iter``)."""
        for row in await self._fetch(query, _merge(params, kw)):
            yield row

    async def first(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None:
        """The first row of a query, or None."""
        rows: list[R] = await self._fetch(query, _merge(params, kw))
        return rows[0] if rows else None

    async def one(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R:
        """The only row of a query (NoResultFound / MultipleResultsFound otherwise)."""
        rows: list[R] = await self._fetch(query, _merge(params, kw))
        if len(rows) != 1:
            if not rows:
                raise NoResultFound("expected exactly one row, got none")
            raise MultipleResultsFound(f"expected exactly one row, got {len(rows)}")
        return rows[0]

    async def one_or_none(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None:
        """The only row of a query, or None (MultipleResultsFound for more)."""
        rows: list[R] = await self._fetch(query, _merge(params, kw))
        if len(rows) > 1:
            raise MultipleResultsFound(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None

    @overload
    async def scalars(
        self, query: Select[tuple[T1]], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[T1]: ...
    @overload
    async def scalars(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[Any]: ...
    async def scalars(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[Any]:
        """The first column of every row."""
        rows = await self._fetch(query, _merge(params, kw))
        return [row[0] if isinstance(row, tuple) else row for row in rows]

    async def explain(
        self, query: AnyQuery, params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> str:
        """PostgreSQL's plan of the compiled query (``EXPLAIN``, text)."""
        compiled = self._compile(query)
        args = compiled.arguments(_merge(params, kw))
        async with self._connection() as conn:
            cur = await conn.execute(f"EXPLAIN {compiled.sql}", args)
            rows = await cur.fetchall()
        return "\n".join(str(r[0]) for r in rows)

    @overload
    async def scalar(
        self, query: Select[tuple[T1]], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> T1 | None: ...
    @overload
    async def scalar(
        self,
        query: Select[tuple[T1, *Rest]],
        params: Mapping[str, Any] | None = None,
        /,
        **kw: Any,
    ) -> T1 | None: ...
    @overload
    async def scalar(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None: ...
    async def scalar(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Any:
        """The first column of the first row, or None."""
        row = await self.first(query, params, **kw)
        return row[0] if isinstance(row, tuple) else row

    async def execute(
        self,
        statement: Update[Any] | Delete[Any] | Insert[Any],
        params: Mapping[str, Any] | None = None,
        /,
        **kw: Any,
    ) -> int:
        """Run an ``update()``, ``delete()`` or ``insert().from_select()``; rows affected."""
        if isinstance(statement, Select):
            raise ProgrammingError("db.execute() runs update(), delete() and insert()")
        compiled = self._compile(statement)
        args = compiled.arguments(_merge(params, kw))
        async with self._connection(write=True) as conn:
            cur = await conn.execute(compiled.sql, args)
            if compiled.counts:
                row = await cur.fetchone()
                return int(row[0]) if row else 0
        return max(cur.rowcount, 0)


async def connect_async(dsn: str, *, pool_size: int = 10) -> AsyncPgDatabase:
    """Open a PostgreSQL database whose methods are coroutines (psycopg's async pool)."""
    pool: AsyncConnectionPool[AConn] = AsyncConnectionPool(
        dsn,
        min_size=1,
        max_size=pool_size,
        open=False,
        kwargs={"autocommit": True, "options": "-c timezone=UTC"},
    )
    with translated():
        await pool.open()
    return AsyncPgDatabase(pool, dsn)
