"""Bind DDL: CREATE TABLE / INDEX / VIEW and DROP become commands the database applies
(CREATE TRIGGER is bound in :mod:`pyram.sql.binder.trigger`).

CREATE TABLE goes through :func:`pyram.catalog.define_table`, the same function ``@pyram.table``
classes use, so a table made in SQL has the same constraints, indexes and errors as one declared
in Python. CHECK expressions are bound here and compiled by the database (the binder does not
run code); DEFAULT must be a constant (or ``CURRENT_TIMESTAMP``/``CURRENT_DATE``/``CURRENT_TIME``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from pyram.catalog import (
    NO_DEFAULT,
    SQL_TIME_DEFAULTS,
    CheckConstraint,
    ColumnDecl,
    ColumnSchema,
    ForeignKey,
    IndexSpec,
    OnDelete,
    TableSchema,
    attach_cache_options,
    define_table,
)
from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.sql import ast
from pyram.sql import ast_ddl as ddl
from pyram.sql.binder.base import ViewDef, column_type
from pyram.sql.binder.dml import DmlBinder, written_literal
from pyram.sql.binder.expressions import ExprCtx
from pyram.sql.binder.items import BoundSelect
from pyram.sql.binder.scope import Scope
from pyram.types import INTEGER

__all__ = [
    "CheckCompiler",
    "CreateIndexCommand",
    "CreateTableCommand",
    "CreateViewCommand",
    "DdlBinder",
    "DropCommand",
    "ReindexCommand",
]

#: Turns a bound CHECK expression over a table's fields into a predicate over a row dict.
CheckCompiler = Callable[[px.PlanExpr, tuple[px.Field, ...]], Callable[[Any], object]]

_ON_DELETE: dict[ddl.ForeignKeyAction, OnDelete] = {
    ddl.ForeignKeyAction.CASCADE: "cascade",
    ddl.ForeignKeyAction.SET_NULL: "set null",
    ddl.ForeignKeyAction.RESTRICT: "restrict",
    ddl.ForeignKeyAction.NO_ACTION: "restrict",
}


@attrs.frozen
class CreateTableCommand:
    """Create ``schema`` (and fill it from ``as_select`` when given)."""

    schema: TableSchema
    if_not_exists: bool = False
    as_select: BoundSelect | None = None


@attrs.frozen
class CreateIndexCommand:
    """Add ``index`` to ``table``."""

    table: str
    index: IndexSpec
    if_not_exists: bool = False


@attrs.frozen
class CreateViewCommand:
    """Remember a view."""

    view: ViewDef
    if_not_exists: bool = False


@attrs.frozen
class ReindexCommand:
    """REINDEX: nothing to rebuild (indexes never go stale), the name was checked."""

    name: str | None


@attrs.frozen
class DropCommand:
    """Drop a table, index, view or trigger (``kind`` is ``"table"``, ``"index"``, ``"view"``
    or ``"trigger"``)."""

    kind: str
    name: str
    if_exists: bool = False


class DdlBinder(DmlBinder):
    """Binds schema statements; ``compile_check`` comes from the database."""

    compile_check: CheckCompiler | None = None

    # ------------------------------------------------------------------ CREATE TABLE
    def bind_create_table(self, stmt: ddl.CreateTable) -> CreateTableCommand:
        """CREATE TABLE (with columns and constraints, or AS SELECT)."""
        exists = self.catalog.find_table(stmt.name) or self.catalog.find_view(stmt.name)
        if exists is not None and not stmt.if_not_exists:
            raise self.error(f"table {stmt.name} already exists", stmt.offset)
        if stmt.as_select is not None:
            return self._create_as(stmt)
        with self.at(stmt):
            schema = self._define(stmt)
        return CreateTableCommand(schema, stmt.if_not_exists)

    def _create_as(self, stmt: ddl.CreateTable) -> CreateTableCommand:
        assert stmt.as_select is not None
        bound = self.bind_select(stmt.as_select)
        decls = [
            ColumnDecl(ColumnSchema(name, f.dtype if f.dtype.family != "null" else INTEGER, True))
            for name, f in zip(bound.names, bound.plan.fields, strict=True)
        ]
        with self.at(stmt):
            schema = define_table(stmt.name, decls)
        return CreateTableCommand(schema, stmt.if_not_exists, bound)

    def _define(self, stmt: ddl.CreateTable) -> TableSchema:
        decls: list[ColumnDecl] = []
        checks: list[tuple[str, ast.SqlExpr, str]] = []
        rowid = None
        for column in stmt.columns:
            decl, column_checks, is_rowid = self._column(stmt, column)
            decls.append(decl)
            checks.extend(column_checks)
            if is_rowid:
                rowid = column.name
        primary_key: tuple[str, ...] = ()
        uniques: list[tuple[str, ...]] = []
        fks: list[ForeignKey] = []
        for constraint in stmt.constraints:
            if isinstance(constraint, ddl.TablePrimaryKey):
                primary_key = self._names(constraint.columns, decls)
            elif isinstance(constraint, ddl.TableUnique):
                uniques.append(self._names(constraint.columns, decls))
            elif isinstance(constraint, ddl.TableCheck):
                name = constraint.name or f"check{len(checks) + 1}"
                checks.append((f"{stmt.name}_{name}", constraint.expr, constraint.text))
            elif isinstance(constraint, ddl.TableForeignKey):
                names = tuple(_canonical(n, decls, stmt.name) for n in constraint.columns)
                fks.append(self._foreign_key(names, constraint.references))
        if primary_key:
            decls = [
                attrs.evolve(d, column=attrs.evolve(d.column, nullable=False))
                if d.column.name in primary_key
                else d
                for d in decls
            ]
            if len(primary_key) == 1 and any(
                d.column.name == primary_key[0] and d.column.dtype is INTEGER for d in decls
            ):
                rowid = primary_key[0]
        schema = define_table(
            stmt.name,
            decls,
            primary_key=primary_key,
            unique=uniques,
            foreign_keys=fks,
            rowid_column=rowid,
        )
        if checks:
            schema = attrs.evolve(
                schema, checks=schema.checks + tuple(self.bind_checks(schema, checks))
            )
        if stmt.options:
            schema = attach_cache_options(schema, dict(stmt.options))
        return schema

    def _column(
        self, stmt: ddl.CreateTable, column: ddl.ColumnDef
    ) -> tuple[ColumnDecl, list[tuple[str, ast.SqlExpr, str]], bool]:
        where = f"table {stmt.name}, column {column.name}"
        dtype = column_type(column.type, where)
        nullable, primary, unique, is_rowid = True, False, False, False
        default: Any = NO_DEFAULT
        factory = None
        references = None
        checks: list[tuple[str, ast.SqlExpr, str]] = []
        for c in column.constraints:
            if isinstance(c, ddl.PrimaryKeyConstraint):
                primary, nullable = True, False
                is_rowid = dtype is INTEGER
            elif isinstance(c, ddl.NotNullConstraint):
                nullable = False
            elif isinstance(c, ddl.UniqueConstraint):
                unique = True
            elif isinstance(c, ddl.CheckConstraint):
                name = c.name or f"{column.name}_check"
                checks.append((f"{stmt.name}_{name}", c.expr, c.text))
            elif isinstance(c, ddl.DefaultConstraint):
                default, factory = self._default(c.expr, dtype, where)
            elif isinstance(c, ddl.CollateConstraint):
                if c.collation.upper() != "BINARY":
                    raise self.error(f"collation {c.collation} is not supported", c.offset)
            elif isinstance(c, ddl.ForeignKeyConstraint):
                references = self._foreign_key((column.name,), c.references)
        schema = ColumnSchema(column.name, dtype, nullable, default, factory)
        decl = ColumnDecl(schema, primary_key=primary, unique=unique, references=references)
        return decl, checks, is_rowid

    def _default(self, e: ast.SqlExpr, dtype: Any, where: str) -> tuple[Any, Any]:
        if isinstance(e, ast.CurrentTimeLiteral):
            return NO_DEFAULT, SQL_TIME_DEFAULTS[e.kind.upper()]
        bound = self.value(e, ExprCtx(Scope()))
        if not isinstance(bound, px.Literal_):
            raise self.error(f"{where}: DEFAULT must be a constant", e.offset)
        with self.at(e):
            literal = self.b.literal(written_literal(e, bound.value, dtype), dtype)
        if literal.value is not None and literal.dtype.family != dtype.family:
            raise self.error(f"{where}: DEFAULT {bound.value!r} is not {dtype.name}", e.offset)
        return literal.value, None

    def _foreign_key(self, columns: tuple[str, ...], clause: ddl.ForeignKeyClause) -> ForeignKey:
        on_delete: OnDelete = "restrict"
        if clause.on_delete is not None:
            action = _ON_DELETE.get(clause.on_delete)
            if action is None:
                raise self.error(
                    f"ON DELETE {clause.on_delete.value} is not supported", clause.offset
                )
            on_delete = action
        target = clause.table + (f".{clause.columns[0]}" if len(clause.columns) == 1 else "")
        if len(clause.columns) > 1:
            return ForeignKey(
                columns,
                ref_table=clause.table,
                ref_columns=clause.columns,
                on_delete=on_delete,
            )
        return ForeignKey(columns, target=target, on_delete=on_delete)

    def _names(
        self, columns: tuple[ast.IndexedColumn, ...], decls: list[ColumnDecl]
    ) -> tuple[str, ...]:
        out = []
        for column in columns:
            if not isinstance(column.expr, ast.ColumnRef):
                raise self.error("expressions are not supported in key definitions", column.offset)
            out.append(_canonical(column.expr.name, decls, "", self, column.offset))
        return tuple(out)

    def bind_checks(
        self, schema: TableSchema, checks: list[tuple[str, ast.SqlExpr, str]]
    ) -> list[CheckConstraint]:
        """CHECK constraints of ``schema`` from (name, condition, its SQL text) triples."""
        if self.compile_check is None:
            raise ProgrammingError("CHECK constraints need a database to compile them")
        scan = self.b.scan(schema)
        scope = Scope()
        scope.add(schema.name, scan.out)
        out = []
        for name, e, text in checks:
            condition = self.cond(e, ExprCtx(scope))
            predicate = self.compile_check(condition, scan.out)
            out.append(CheckConstraint(name, predicate, sql=text or None))
        return out

    # ------------------------------------------------------------------ INDEX / VIEW / DROP
    def bind_create_index(self, stmt: ddl.CreateIndex) -> CreateIndexCommand:
        """CREATE [UNIQUE] INDEX name ON table (columns): a sorted index."""
        if stmt.where is not None:
            raise self.error("partial indexes are not supported", stmt.where.offset)
        schema = self.table_schema(stmt.table, stmt.offset)
        names = []
        for column in stmt.columns:
            if not isinstance(column.expr, ast.ColumnRef):
                raise self.error("indexes on expressions are not supported", column.offset)
            match = next(
                (c.name for c in schema.columns if c.name.lower() == column.expr.name.lower()),
                None,
            )
            if match is None:
                raise self.error(f"no such column: {column.expr.name}", column.offset)
            names.append(match)
        spec = IndexSpec(stmt.name, tuple(names), "sorted", unique=stmt.unique)
        return CreateIndexCommand(schema.name, spec, stmt.if_not_exists)

    def bind_create_view(self, stmt: ddl.CreateView) -> CreateViewCommand:
        """CREATE VIEW: the query is bound once now, so a broken view is refused at once."""
        if self.catalog.find_table(stmt.name) is not None or (
            self.catalog.find_view(stmt.name) is not None and not stmt.if_not_exists
        ):
            raise self.error(f"table {stmt.name} already exists", stmt.offset)
        bound = self.bind_select(stmt.select)
        if stmt.columns and len(stmt.columns) != len(bound.names):
            raise self.error(
                f"view {stmt.name} has {len(stmt.columns)} column names for "
                f"{len(bound.names)} columns",
                stmt.offset,
            )
        view = ViewDef(stmt.name, stmt.select, stmt.columns or bound.names, self.sql, stmt.offset)
        return CreateViewCommand(view, stmt.if_not_exists)

    def bind_reindex(self, stmt: ast.Reindex) -> ReindexCommand:
        """REINDEX [name]: indexes are maintained on every write; the name must exist."""
        name = stmt.name
        known = name is None or self.catalog.find_table(name) is not None
        known = known or any(
            i.name.lower() == (name or "").lower()
            for table in self.catalog.tables()
            for i in table.indexes
        )
        if not known:
            raise self.error(f"unable to identify the object to be reindexed: {name}", stmt.offset)
        return ReindexCommand(name)

    def bind_drop(self, stmt: ddl.Drop) -> DropCommand:
        """DROP TABLE / INDEX / VIEW / TRIGGER [IF EXISTS]."""
        return DropCommand(stmt.kind.value.lower(), stmt.name, stmt.if_exists)


def _canonical(
    name: str,
    decls: list[ColumnDecl],
    table: str,
    binder: DdlBinder | None = None,
    offset: int = 0,
) -> str:
    for d in decls:
        if d.column.name.lower() == name.lower():
            return d.column.name
    if binder is not None:
        raise binder.error(f"no such column: {name}", offset)
    raise ProgrammingError(f"table {table}: no such column: {name}")

