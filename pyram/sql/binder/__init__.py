"""SQL front end, step 4: the binder turns syntax trees into the shared logical plan.

Names are resolved against the database's catalogue (tables, views) and the statement's CTEs;
types are checked by the same :class:`~pyram.plan.builder.PlanBuilder` the Python DSL uses, so
both front ends meet in one plan. :func:`bind` returns what the database runs:

- a :class:`BoundSelect` for queries (plan + output names),
- a DML plan (``Insert``/``Update``/``Delete`` node) for INSERT, UPDATE and DELETE,
- a DDL command (:class:`CreateTableCommand`, ...) for schema statements,
- the transaction statement itself (``ast.Begin`` ...), or an :class:`ExplainCommand`.
"""

from __future__ import annotations

import attrs

from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast, ast_ddl
from pyram.sql.binder.alter import AlterBinder, AlterTableCommand, sql_names
from pyram.sql.binder.base import (
    CteDef,
    SchemaObject,
    SqlCatalog,
    ViewDef,
    statement_parameters,
)
from pyram.sql.binder.ddl import (
    CheckCompiler,
    CreateIndexCommand,
    CreateTableCommand,
    CreateViewCommand,
    DropCommand,
    ReindexCommand,
)
from pyram.sql.binder.expressions import ExprCtx
from pyram.sql.binder.items import BoundSelect
from pyram.sql.binder.pragma import SETTINGS_PRAGMAS, PragmaRefused, setting_table
from pyram.sql.binder.scope import Scope
from pyram.sql.binder.system import INTROSPECTION_PRAGMAS, pragma_table, system_values
from pyram.sql.binder.trigger import BoundTrigger, CreateTriggerCommand, bind_trigger

__all__ = [
    "AlterTableCommand",
    "Binder",
    "Bound",
    "BoundSelect",
    "BoundTrigger",
    "CallCommand",
    "CreateIndexCommand",
    "CreateTableCommand",
    "CreateTriggerCommand",
    "CreateViewCommand",
    "CteDef",
    "DropCommand",
    "ExplainCommand",
    "ReindexCommand",
    "SchemaObject",
    "SqlCatalog",
    "ViewDef",
    "bind",
    "bind_trigger",
    "sql_names",
    "statement_parameters",
]

TransactionStatement = ast.Begin | ast.Commit | ast.Rollback | ast.Savepoint | ast.Release


@attrs.frozen
class ExplainCommand:
    """EXPLAIN [QUERY PLAN | ANALYZE] of a bound query or DML plan."""

    target: BoundSelect | pn.Plan
    #: SQLite's EXPLAIN QUERY PLAN rows instead of PyRAM's operator tree
    query_plan: bool = False
    #: run the statement, measuring every operator
    analyze: bool = False


@attrs.frozen
class CallCommand:
    """``CALL name(args)``: the procedure's name and its arguments (row-independent values)."""

    name: str
    args: tuple[px.PlanExpr, ...]


Bound = (
    BoundSelect
    | pn.Plan
    | CreateTableCommand
    | CreateIndexCommand
    | CreateViewCommand
    | CreateTriggerCommand
    | DropCommand
    | AlterTableCommand
    | ReindexCommand
    | TransactionStatement
    | ExplainCommand
    | CallCommand
)


class Binder(AlterBinder):
    """The whole binder: queries, DML and DDL."""

    def __init__(
        self,
        sql: str,
        catalog: SqlCatalog,
        compile_check: CheckCompiler | None = None,
        pg: dict[str, str] | None = None,
    ) -> None:
        super().__init__(sql, catalog)
        self.compile_check = compile_check
        #: PostgreSQL's dialect: the session's settings (None: SQLite's dialect)
        self.pg = pg

    def bind(self, stmt: ast.Statement) -> Bound:
        """Bind one statement."""
        if isinstance(stmt, ast.Select):
            return self.bind_select(stmt)
        if isinstance(stmt, ast.Insert):
            return self.bind_insert(stmt)
        if isinstance(stmt, ast.Update):
            return self.bind_update(stmt)
        if isinstance(stmt, ast.Delete):
            return self.bind_delete(stmt)
        if isinstance(stmt, ast_ddl.CreateTable):
            return self.bind_create_table(stmt)
        if isinstance(stmt, ast_ddl.CreateIndex):
            return self.bind_create_index(stmt)
        if isinstance(stmt, ast_ddl.CreateView):
            return self.bind_create_view(stmt)
        if isinstance(stmt, ast_ddl.CreateTrigger):
            return bind_trigger(stmt, self.sql, self.catalog)
        if isinstance(stmt, ast_ddl.Drop):
            return self.bind_drop(stmt)
        if isinstance(stmt, ast_ddl.AlterTable):
            return self.bind_alter(stmt)
        if isinstance(stmt, ast.Begin | ast.Commit | ast.Rollback | ast.Savepoint | ast.Release):
            return stmt
        if isinstance(stmt, ast.Reindex):
            return self.bind_reindex(stmt)
        if isinstance(stmt, ast.Call):
            ctx = ExprCtx(Scope())
            return CallCommand(stmt.name, tuple(self.value(a, ctx) for a in stmt.args))
        if isinstance(stmt, ast.Pragma):
            return self.bind_pragma(stmt)
        if isinstance(stmt, ast.Explain):
            target = self.bind(stmt.statement)
            if not isinstance(target, BoundSelect | pn.Plan):
                raise self.error("EXPLAIN takes a query, INSERT, UPDATE or DELETE", stmt.offset)
            return ExplainCommand(target, stmt.query_plan, stmt.analyze)
        raise self.error(f"{type(stmt).__name__} statements are not supported", stmt.offset)

    def bind_pragma(self, stmt: ast.Pragma) -> BoundSelect:
        """``PRAGMA``: an introspection pragma's rows, or a setting (see
        :mod:`pyram.sql.binder.pragma`), as a query."""
        self.check_schema_name(stmt.schema, stmt.offset)
        name = stmt.name.lower()
        if name in INTROSPECTION_PRAGMAS:
            if stmt.assign:
                raise self.error(f"PRAGMA {stmt.name} takes (argument), not = value", stmt.offset)
            args = () if stmt.value is None else (stmt.value,)
            temp = stmt.schema is not None and stmt.schema.lower() == "temp"
            table = pragma_table(self.catalog, name, () if temp else args, self.view_columns)
        elif name in SETTINGS_PRAGMAS:
            try:
                table = setting_table(name, stmt.value, self.catalog.settings())
            except PragmaRefused as exc:
                raise self.error(str(exc), stmt.offset) from None
        else:
            raise self.error(f"PRAGMA {stmt.name} is not supported", stmt.offset)
        self.catalog_reads.add(name)
        plan = system_values(self.b, table)
        return BoundSelect(plan, tuple(f.name for f in plan.out))


def bind(
    stmt: ast.Statement,
    sql: str,
    catalog: SqlCatalog,
    compile_check: CheckCompiler | None = None,
) -> Bound:
    """Bind one parsed statement of ``sql`` against ``catalog``.

    Raises:
        SqlBindError: an unknown name, a type mismatch or an unsupported construct, with the
            position of the offending token.
    """
    return Binder(sql, catalog, compile_check).bind(stmt)
