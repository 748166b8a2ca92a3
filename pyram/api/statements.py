"""Running SQL text: parse -> bind -> optimize -> physical plan -> execute, one statement at a
time, with prepared statements cached by their text.

:class:`SqlSession` is what :meth:`pyram.Database.sql` and the PEP 249 driver call. It is the
SQL catalogue the binder sees (tables from the store's catalogue, views kept here), applies DDL
commands to the store, and runs queries and DML through the same :mod:`pyram.api.session`
machinery the DSL uses, so a query runs on one engine whichever front end wrote it. Triggers
live in its :class:`~pyram.api.triggers.TriggerSet`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import attrs

from pyram.api.pg_commands import PG_STATEMENTS, run_pg_statement
from pyram.api.result import SqlResult
from pyram.api.schema_alter import apply_alter
from pyram.api.session import Prepared, analyze, prepare_plan, run_columns, run_with_context
from pyram.api.triggers import TriggerSet
from pyram.catalog import CheckConstraint, TableSchema
from pyram.engine import BULK_REFUSALS, BulkInsert, constant_value, row_function
from pyram.errors import ProgrammingError
from pyram.functions import FunctionScope, use_functions
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import SqlBindError, ast, parse
from pyram.sql.binder import (
    AlterTableCommand,
    Binder,
    BoundSelect,
    CallCommand,
    CreateIndexCommand,
    CreateTableCommand,
    CreateTriggerCommand,
    CreateViewCommand,
    DropCommand,
    ExplainCommand,
    ReindexCommand,
    SchemaObject,
    ViewDef,
    statement_parameters,
)
from pyram.sql.parser import parse_expression, statement_text
from pyram.sql.pg_settings import PgSettings, isolation_level
from pyram.storage import LOCK_TIMEOUT, Store, create_index, drop_index
from pyram.txn import Isolation
from pyram.types import DataType

__all__ = ["Params", "SqlSession"]

#: Parameter values: a sequence for ``?``/``?NNN`` markers, a mapping for ``:name`` markers.
Params = Sequence[Any] | Mapping[str, Any] | None

_TRANSACTION_STATEMENTS = (ast.Begin, ast.Commit, ast.Rollback, ast.Savepoint, ast.Release)

#: SQL texts whose prepared statements are kept (least recently used go first).
STATEMENT_CACHE_SIZE = 256


@attrs.frozen
class _PreparedSql:
    """A cached single statement: its prepared plan and how to report it."""

    prepared: Prepared
    names: tuple[str, ...]
    is_query: bool
    types: tuple[DataType, ...] = ()


def _param_values(params: Params) -> dict[str | int, Any]:
    if type(params) is list or type(params) is tuple:
        return dict(enumerate(params))
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return {str(k).lstrip(":@$"): v for k, v in params.items()}
    if isinstance(params, str | bytes):
        raise ProgrammingError("parameters must be a sequence or a mapping, not a string")
    return dict(enumerate(params))


def compile_check(expr: px.PlanExpr, fields: tuple[px.Field, ...]) -> Callable[[Any], object]:
    """A CHECK predicate over a row dict, from a bound condition over the table's fields."""
    names = [f.name for f in fields]
    value_of = row_function(expr, [f.cid for f in fields])

    def predicate(row: Any) -> object:
        value = value_of([row[name] for name in names])
        return value is None or bool(value)  # SQL: only FALSE fails a check

    return predicate


class SqlSession:
    """Runs SQL against one store; holds views and the statement cache."""

    def __init__(self, store: Store, on_schema_change: Callable[[], None]) -> None:
        self._store = store
        self._on_schema_change = on_schema_change
        self._views: dict[str, ViewDef] = {}
        # keyed by the SQL text (a PostgreSQL-dialect text by ("postgres", text))
        self._cache: OrderedDict[str | tuple[str, str], _PreparedSql] = OrderedDict()
        self._transactions: dict[str | tuple[str, str], Any] = {}  # BEGIN/COMMIT/... by text
        self._lock = threading.Lock()
        #: CREATE TABLE/INDEX texts by (kind, lower-case name), with the columns they made
        #: (the text stands for the object only while those are its columns)
        self._created: dict[tuple[str, str], tuple[tuple[Any, ...], str]] = {}
        #: what the settings pragmas report (the database sets the file and durability)
        self.pragma_settings: dict[str, object] = {
            "file": "",
            "journal_mode": "memory",
            "synchronous": 0,
            "busy_timeout": int(LOCK_TIMEOUT * 1000),
        }
        #: the triggers (the store's watcher while there are any; the database wires it)
        self.triggers = TriggerSet(store, self)
        #: the database's own functions and procedures, active while a statement runs
        self.functions = FunctionScope()
        #: runs a procedure with its arguments in one transaction (set by the database)
        self.call_procedure: Callable[[str, tuple[Any, ...]], Any] = _no_procedures

    # ------------------------------------------------------------------ SqlCatalog
    def find_table(self, name: str) -> TableSchema | None:
        """A table of the store's catalogue, or None."""
        return self._store.catalog.find(name)

    def find_view(self, name: str) -> ViewDef | None:
        """A view, or None."""
        return self._views.get(name.lower())

    def tables(self) -> list[TableSchema]:
        """Every table of the store's catalogue."""
        return list(self._store.catalog)

    def views(self) -> dict[str, ViewDef]:
        """The views by lower-cased name, in creation order (a copy)."""
        return dict(self._views)

    def set_views(self, views: dict[str, ViewDef]) -> None:
        """Put views in place (ALTER TABLE rewrote them, or its rollback puts them back)."""
        self._views = dict(views)

    def view_names(self) -> list[str]:
        """Names of the views, in creation order."""
        return [v.name for v in self._views.values()]

    def trigger_names(self) -> list[str]:
        """Names of the triggers, in creation order."""
        return self.triggers.names()

    def definitions(self) -> list[tuple[str, str, str]]:
        """(kind, name, CREATE statement text) of the views, then of the triggers, each in
        creation order: what a database file keeps to create them again."""
        views = [("view", v.name, statement_text(v.sql, v.offset)) for v in self._views.values()]
        triggers = [
            ("trigger", t.name, statement_text(t.sql, t.statement.offset))
            for t in self.triggers.all()
        ]
        return views + triggers

    def schema_objects(self) -> list[SchemaObject]:
        """Views, then triggers, in creation order, with their CREATE statements."""
        views = [
            SchemaObject("view", v.name, v.name, statement_text(v.sql, v.offset))
            for v in self._views.values()
        ]
        triggers = [
            SchemaObject("trigger", t.name, t.table, statement_text(t.sql, t.statement.offset))
            for t in self.triggers.all()
        ]
        return views + triggers

    def created_sql(self, kind: str, name: str) -> str | None:
        """The CREATE TABLE/INDEX text ``name`` was made with, while it still describes it."""
        kept = self._created.get((kind, name.lower()))
        if kept is None:
            return None
        columns, text = kept
        if kind == "table":
            schema = self._store.catalog.find(name)
            current: Any = None if schema is None else schema.columns
        else:
            current = next(
                (
                    (s.name, i.columns)
                    for s in self._store.catalog
                    for i in s.indexes
                    if i.name.lower() == name.lower()
                ),
                None,
            )
        return text if current == columns else None

    def settings(self) -> dict[str, object]:
        """What the settings pragmas report."""
        return self.pragma_settings

    def _remember_created(self, sql: str, stmt: ast.Statement, bound: Any) -> None:
        """Keep the text of a CREATE TABLE/INDEX for ``sqlite_master``."""
        text = statement_text(sql, stmt.offset)
        if isinstance(bound, CreateTableCommand) and bound.as_select is None:
            schema = self._store.catalog.find(bound.schema.name)
            if schema is not None:
                self._created["table", schema.name.lower()] = (schema.columns, text)
        elif isinstance(bound, CreateIndexCommand):
            key = (bound.table, bound.index.columns)
            self._created["index", bound.index.name.lower()] = (key, text)

    def compile_check_text(self, schema: TableSchema, name: str, text: str) -> CheckConstraint:
        """A CHECK constraint of ``schema`` compiled from the SQL text of its condition (as a
        database file keeps it).

        Raises:
            SqlSyntaxError, SqlBindError: the text is not a valid condition over the table.
        """
        binder = Binder(text, self, compile_check)
        return binder.bind_checks(schema, [(name, parse_expression(text), text)])[0]

    def schema_changed(self) -> None:
        """Forget prepared statements and trigger bodies, drop the triggers of dropped tables
        (and tell the database to forget what it prepared)."""
        with self._lock:
            self._cache.clear()
        self.triggers.schema_changed()
        self._on_schema_change()

    def functions_changed(self) -> None:
        """A function or procedure came or changed: forget what was prepared with the old."""
        with self._lock:
            self._cache.clear()
        self.triggers.schema_changed()

    # ------------------------------------------------------------------ running
    def run(
        self,
        sql: str,
        params: Params = None,
        dialect: str = "sqlite",
        pg_settings: PgSettings | None = None,
    ) -> SqlResult:
        """Run a statement or a script of statements; the result of the last one.

        ``dialect="postgres"`` reads PostgreSQL's dialect; its session statements (SET, SHOW
        ...) use ``pg_settings`` (a fresh :class:`PgSettings` when None)."""
        if not isinstance(sql, str):
            raise ProgrammingError(f"SQL must be a str, not {type(sql).__name__}")
        if dialect == "postgres" and params is not None and not isinstance(params, Mapping):
            params = {str(i): v for i, v in enumerate(params, start=1)}  # $1, $2, ...
        values = _param_values(params)
        key: str | tuple[str, str] = sql if dialect == "sqlite" else (dialect, sql)
        cached = self._cache.get(key)
        if cached is not None:  # prepared: user functions are already bound into its plan
            return self._run_prepared(cached, values)
        if dialect == "postgres" and pg_settings is None:
            pg_settings = PgSettings()
        with use_functions(self.functions):
            return self._run(sql, values, key, pg_settings)

    def _run(
        self,
        sql: str,
        values: dict[str | int, Any],
        key: str | tuple[str, str] = "",
        pg: PgSettings | None = None,
    ) -> SqlResult:
        """Parse, bind, prepare (caching a single statement) and run ``sql``."""
        key = key or sql
        command = self._transactions.get(key)
        if command is not None:
            return self._transaction(command, pg)
        statements = parse(sql, "sqlite" if pg is None else "postgres")
        if not statements:
            return SqlResult()
        if len(statements) > 1 and values:
            raise ProgrammingError("parameters can only be given for a single statement")
        result = SqlResult()
        for stmt in statements:
            result = self._run_statement(sql, stmt, values, len(statements) == 1, key, pg)
        return result

    def _run_statement(
        self,
        sql: str,
        stmt: ast.Statement,
        values: dict[str | int, Any],
        cache: bool,
        key: str | tuple[str, str] = "",
        pg: PgSettings | None = None,
    ) -> SqlResult:
        key = key or sql
        if pg is not None:
            pg.transaction_isolation = self._store.isolation
            if isinstance(stmt, PG_STATEMENTS):
                return run_pg_statement(stmt, pg, self._store)
        try:
            binder = Binder(sql, self, compile_check, None if pg is None else pg.snapshot())
            bound = binder.bind(stmt)
            if pg is not None:
                for name, value in binder.pg_changes:  # set_config(): before it runs
                    pg.set(name, value)
            if binder.catalog_reads:
                cache = False  # the catalogue's rows were read now: they are not kept in a plan
            if cache and isinstance(bound, _TRANSACTION_STATEMENTS):
                self._transactions[key] = bound  # schema-independent: kept across DDL
            if isinstance(bound, BoundSelect | pn.Plan):
                declared = statement_parameters(stmt)
            if isinstance(bound, BoundSelect):
                prepared = prepare_plan(bound.plan, self._store, declared=declared)
                types = tuple(f.dtype for f in prepared.operator.fields)
                entry = _PreparedSql(prepared, bound.names, True, types)
            elif isinstance(bound, pn.Plan):
                prepared = prepare_plan(bound, self._store, declared=declared)
                entry = _PreparedSql(prepared, (), False)
        except RecursionError:
            # a backstop: chains are flattened and nesting is bounded (pyram.limits), so only
            # an absurd statement (500 EXCEPTs) gets here; nothing has run yet
            reason = "statement too complex: nested too deeply"
            raise SqlBindError(reason, sql, stmt.offset) from None
        if isinstance(bound, ExplainCommand):
            return self._explain(bound, stmt, values)
        if isinstance(bound, CallCommand):
            return self._call(bound, values)
        if not isinstance(bound, BoundSelect | pn.Plan):
            if isinstance(bound, _TRANSACTION_STATEMENTS):
                return self._transaction(bound, pg)
            result = self._command(bound)
            # a PostgreSQL text is not kept: sqlite_master and database files hold SQLite's
            if pg is None and isinstance(bound, CreateTableCommand | CreateIndexCommand):
                self._remember_created(sql, stmt, bound)
            return result
        if cache:
            with self._lock:
                self._cache[key] = entry
                while len(self._cache) > STATEMENT_CACHE_SIZE:
                    self._cache.popitem(last=False)
        return self._run_prepared(entry, values)

    def _run_prepared(self, entry: _PreparedSql, values: dict[str | int, Any]) -> SqlResult:
        prepared = entry.prepared
        if len(values) > len(prepared.param_types) and not isinstance(next(iter(values)), int):
            # like sqlite3, a mapping may name more parameters than the statement uses (an
            # unreferenced CTE's, say); positional values must still match exactly
            values = {k: v for k, v in values.items() if k in prepared.param_types}
        store = self._store
        if prepared.point is not None:  # one row by key: reads its own snapshot if it needs one
            row = prepared.first_by_key(values)
            rows = [] if row is None else [row]
            return SqlResult(entry.names, entry.types, rows, key_lookup=True)
        direct = prepared.direct_write
        if direct is not None:
            count = direct.run_direct(values)
            if count is not None:
                return SqlResult(rowcount=count)
        bulk = prepared.bulk_insert
        if bulk is not None:  # INSERT ... VALUES of parameters: the parameters are the row
            try:
                count, last_rowid = bulk.run(store, [values])
            except BULK_REFUSALS:
                pass  # nothing changed: the general path reports it as it always has
            else:
                return SqlResult(rowcount=count, lastrowid=last_rowid)
        if entry.is_query and prepared.point_update is None:
            with store.reading():
                data = run_columns(prepared, store, values)
            return SqlResult(entry.names, entry.types, data=data)
        with store.reading() if entry.is_query else store.statement():
            rows, ctx = run_with_context(prepared, store, values)
        if entry.is_query:
            return SqlResult(entry.names, entry.types, rows)
        last_rowid = None if ctx is None else ctx.cache.get("last_rowid")
        return SqlResult(rowcount=int(rows[0][0]) if rows else 0, lastrowid=last_rowid)

    def describe(
        self, sql: str, dialect: str = "sqlite", pg_settings: PgSettings | None = None
    ) -> tuple[tuple[str, ...], tuple[DataType, ...], dict[str | int, DataType]] | None:
        """Column names, column types and parameter types of one query or DML statement,
        without running it (the PostgreSQL server's Describe); None for any other statement.

        Raises:
            SqlError: the statement does not parse or bind.
        """
        cached = self._cache.get(sql if dialect == "sqlite" else (dialect, sql))
        if cached is not None:
            prepared = cached.prepared
            return cached.names, cached.types, dict(prepared.param_types)
        statements = parse(sql, dialect)
        if len(statements) != 1:
            return None
        stmt = statements[0]
        pg = None
        if dialect == "postgres":
            pg = (pg_settings or PgSettings()).snapshot()
        with use_functions(self.functions):
            bound = Binder(sql, self, compile_check, pg).bind(stmt)
            declared = statement_parameters(stmt)
            if isinstance(bound, BoundSelect):
                prepared = prepare_plan(bound.plan, self._store, declared=declared)
                types = tuple(f.dtype for f in prepared.operator.fields)
                return bound.names, types, dict(prepared.param_types)
            if isinstance(bound, pn.Plan):
                prepared = prepare_plan(bound, self._store, declared=declared)
                return (), (), dict(prepared.param_types)
        return None

    def bulk_insert_for(self, sql: str) -> BulkInsert | None:
        """The bulk path of a prepared ``INSERT ... VALUES`` statement (``executemany``), or
        None to run it set by set: not prepared yet, another kind of statement, or a table
        with triggers (a trigger of one row must see the rows before it only)."""
        entry = self._cache.get(sql)
        if entry is None:
            return None
        bulk = entry.prepared.bulk_insert
        if bulk is None or self.triggers.watches(bulk.op.table.lower()):
            return None
        return bulk

    # ------------------------------------------------------------------ commands
    def _command(self, bound: Any) -> SqlResult:
        store = self._store
        if isinstance(bound, CreateTableCommand):
            return self._create_table(bound)
        if isinstance(bound, CreateIndexCommand):
            exists = any(
                i.name.lower() == bound.index.name.lower() for s in store.catalog for i in s.indexes
            )
            if exists:
                if not bound.if_not_exists:
                    raise ProgrammingError(f"index {bound.index.name} already exists")
                return SqlResult()
            create_index(store, bound.table, bound.index)
            self.schema_changed()
            return SqlResult()
        if isinstance(bound, CreateViewCommand):
            key = bound.view.name.lower()
            if key not in self._views:
                self._views[key] = bound.view
                self.schema_changed()
            return SqlResult()
        if isinstance(bound, CreateTriggerCommand):
            if self.triggers.create(bound):
                self._on_schema_change()  # the database rewires the store's watcher
            return SqlResult()
        if isinstance(bound, DropCommand):
            self._drop(bound)
            return SqlResult()
        if isinstance(bound, AlterTableCommand):
            with store.statement():
                store.check_writable()
                apply_alter(store, self, bound)
            self.schema_changed()
            return SqlResult()
        if isinstance(bound, ReindexCommand):
            return SqlResult()
        return self._transaction(bound)

    def _call(self, bound: CallCommand, values: dict[str | int, Any]) -> SqlResult:
        """CALL: the procedure runs in one transaction; its return value (if not None) is the
        one row of the result."""
        procedure = self.functions.procedures.get(bound.name.lower())
        if procedure is None:
            raise ProgrammingError(f"no such procedure: {bound.name}")
        args = [constant_value(arg, self._store, values) for arg in bound.args]
        result = self.call_procedure(bound.name, tuple(args))
        if result is None:
            return SqlResult()
        return SqlResult(("result",), (), [(result,)])

    def _explain(
        self, bound: ExplainCommand, stmt: ast.Statement, values: dict[str | int, Any]
    ) -> SqlResult:
        """EXPLAIN: the operator tree, one line per row; EXPLAIN ANALYZE runs the statement
        (a write changes the data, as in PostgreSQL) and adds what each operator did;
        EXPLAIN QUERY PLAN: SQLite's rows ``(id, parent, notused, detail)``."""
        store = self._store
        target = bound.target
        plan = target.plan if isinstance(target, BoundSelect) else target
        inner = stmt.statement if isinstance(stmt, ast.Explain) else stmt
        prepared = prepare_plan(plan, store, declared=statement_parameters(inner))
        if bound.query_plan:
            rows: list[tuple[Any, ...]] = list(prepared.query_plan(store))
            return SqlResult(("id", "parent", "notused", "detail"), (), rows)
        profile = None
        if bound.analyze:
            with store.reading() if isinstance(target, BoundSelect) else store.statement():
                profile = analyze(prepared, store, values)
        text = prepared.explain("text", profile)
        return SqlResult(("plan",), (), [(line,) for line in text.splitlines()])

    def _create_table(self, bound: CreateTableCommand) -> SqlResult:
        store = self._store
        if store.catalog.find(bound.schema.name) is not None:
            if bound.if_not_exists:
                return SqlResult()
            raise ProgrammingError(f"table {bound.schema.name} already exists")
        store.create([bound.schema])
        self.schema_changed()
        if bound.as_select is None:
            return SqlResult()
        insert = pn.Insert(bound.schema.name, bound.schema.column_names, bound.as_select.plan)
        entry = _PreparedSql(prepare_plan(insert, store), (), False)
        return self._run_prepared(entry, {})

    def _drop(self, bound: DropCommand) -> None:
        store, key = self._store, bound.name.lower()
        if bound.kind == "trigger":
            if self.triggers.drop(bound.name, bound.if_exists):
                self._on_schema_change()  # the database rewires the store's watcher
            return
        if bound.kind == "view":
            if key not in self._views:
                if bound.if_exists:
                    return
                raise ProgrammingError(f"no such view: {bound.name}")
            del self._views[key]
        elif bound.kind == "table":
            if store.catalog.find(bound.name) is None:
                if bound.if_exists:
                    return
                raise ProgrammingError(f"no such table: {bound.name}")
            store.drop([bound.name])
        else:
            owner = next(
                (s for s in store.catalog for i in s.indexes if i.name.lower() == key), None
            )
            if owner is None:
                if bound.if_exists:
                    return
                raise ProgrammingError(f"no such index: {bound.name}")
            drop_index(store, owner.name, bound.name)
        self.schema_changed()

    def _transaction(self, stmt: Any, pg: PgSettings | None = None) -> SqlResult:
        store = self._store
        if isinstance(stmt, ast.Begin):
            level = stmt.isolation or "serializable"
            if stmt.isolation is None and pg is not None:
                level = isolation_level(pg.show("default_transaction_isolation"))
            store.begin(isolation=cast("Isolation", level), read_only=stmt.read_only)
        elif isinstance(stmt, ast.Commit):
            store.commit()
        elif isinstance(stmt, ast.Rollback):
            version = store.catalog_version
            if stmt.savepoint is not None:
                store.rollback_to(stmt.savepoint)
            else:
                store.rollback()
            if store.catalog_version != version:  # DDL was undone: prepared plans are stale
                self.schema_changed()
        elif isinstance(stmt, ast.Savepoint):
            store.savepoint(stmt.name)
        elif isinstance(stmt, ast.Release):
            store.release(stmt.name)
        else:  # pragma: no cover - the binder passes only these
            raise ProgrammingError(f"cannot run {type(stmt).__name__}")
        return SqlResult()


def _no_procedures(name: str, args: tuple[Any, ...]) -> Any:
    raise ProgrammingError(f"no such procedure: {name}")
