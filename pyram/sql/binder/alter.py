"""Bind ALTER TABLE: SQLite's rules on what may be added, dropped and renamed.

The binder checks what the statement alone decides, with SQLite's messages: ADD COLUMN may not
be PRIMARY KEY or UNIQUE, NOT NULL needs a non-NULL default, a default must be a constant, a
REFERENCES column needs a NULL default; DROP COLUMN refuses a PRIMARY KEY, UNIQUE, indexed,
foreign-key or CHECK-read column and a table's last column; RENAME refuses names taken. What
depends on views and triggers (a dropped column a view still reads) is checked when the
command is applied, by binding them again (:mod:`pyram.api.schema_alter`).
"""

from __future__ import annotations

import attrs

from pyram.catalog import CheckConstraint, ColumnSchema, ForeignKey, TableSchema
from pyram.catalog.alter import add_column
from pyram.sql import ast
from pyram.sql import ast_ddl as ddl
from pyram.sql.binder.ddl import DdlBinder
from pyram.sql.tokenizer import TokenKind, tokenize

__all__ = ["AlterBinder", "AlterTableCommand", "sql_names"]

_CONSTANT_DEFAULTS = (
    ast.IntegerLiteral, ast.RealLiteral, ast.StringLiteral, ast.BlobLiteral, ast.NullLiteral,
    ast.BooleanLiteral,
)  # fmt: skip


@attrs.frozen
class AlterTableCommand:
    """An ALTER TABLE to apply.

    Attributes:
        action: what it does.
        table: the table's name as stored.
        column: the added column (ADD COLUMN).
        foreign_key: the added column's REFERENCES, unresolved (ADD COLUMN).
        checks: the added column's CHECK constraints, bound (ADD COLUMN).
        name: the dropped or renamed column, as stored.
        new_name: the new column or table name (RENAME).
    """

    action: ddl.AlterAction
    table: str
    column: ColumnSchema | None = None
    foreign_key: ForeignKey | None = None
    checks: tuple[CheckConstraint, ...] = ()
    name: str = ""
    new_name: str = ""


def sql_names(text: str) -> set[str]:
    """Lower-cased names (identifiers and keywords used as names) in a piece of SQL text."""
    return {
        t.value.lower()
        for t in tokenize(text)
        if t.kind is TokenKind.IDENTIFIER or t.kind is TokenKind.KEYWORD
    }


class AlterBinder(DdlBinder):
    """Binds ALTER TABLE (mixed into the binder after the DDL binder)."""

    def bind_alter(self, stmt: ddl.AlterTable) -> AlterTableCommand:
        """ALTER TABLE ... ADD COLUMN | DROP COLUMN | RENAME COLUMN | RENAME TO."""
        schema = self.catalog.find_table(stmt.table)
        if schema is None:
            if self.catalog.find_view(stmt.table) is not None:
                raise self.error(f"view {stmt.table} may not be altered", stmt.offset)
            raise self.error(f"no such table: {stmt.table}", stmt.offset)
        if stmt.action is ddl.AlterAction.ADD_COLUMN:
            return self._bind_add(stmt, schema)
        if stmt.action is ddl.AlterAction.RENAME_TABLE:
            return self._bind_rename_table(stmt, schema)
        column = next((c.name for c in schema.columns if c.name.lower() == stmt.name.lower()), None)
        if column is None:
            raise self.error(f'no such column: "{stmt.name}"', stmt.name_offset)
        if stmt.action is ddl.AlterAction.DROP_COLUMN:
            self._check_droppable(stmt, schema, column)
            return AlterTableCommand(stmt.action, schema.name, name=column)
        taken = any(
            c.name.lower() == stmt.new_name.lower() and c.name != column for c in schema.columns
        )
        if taken:
            raise self.error(
                f"error in table {schema.name} after rename: duplicate column name: "
                f"{stmt.new_name}",
                stmt.name_offset,
            )
        return AlterTableCommand(stmt.action, schema.name, name=column, new_name=stmt.new_name)

    def _bind_add(self, stmt: ddl.AlterTable, schema: TableSchema) -> AlterTableCommand:
        column = stmt.column
        assert column is not None  # the parser sets it for ADD COLUMN
        offset = stmt.name_offset
        if schema.has_column(column.name) or any(
            c.name.lower() == column.name.lower() for c in schema.columns
        ):
            raise self.error(f"duplicate column name: {column.name}", offset)
        default: ast.SqlExpr | None = None
        for c in column.constraints:
            if isinstance(c, ddl.PrimaryKeyConstraint):
                raise self.error("Cannot add a PRIMARY KEY column", c.offset)
            if isinstance(c, ddl.UniqueConstraint):
                raise self.error("Cannot add a UNIQUE column", c.offset)
            if isinstance(c, ddl.DefaultConstraint):
                default = c.expr
        if default is not None and not _constant(default):
            raise self.error("Cannot add a column with non-constant default", default.offset)
        create = ddl.CreateTable(offset=stmt.offset, name=schema.name)
        decl, checks, _rowid = self._column(create, column)
        added = decl.column
        if not added.nullable and (not added.has_default or added.default is None):
            raise self.error("Cannot add a NOT NULL column with default value NULL", offset)
        if decl.references is not None and added.has_default and added.default is not None:
            raise self.error("Cannot add a REFERENCES column with non-NULL default value", offset)
        bound: tuple[CheckConstraint, ...] = ()
        if checks:
            with self.at(column):
                bound = tuple(self.bind_checks(add_column(schema, added), checks))
        return AlterTableCommand(
            stmt.action, schema.name, added, decl.references, bound, name=added.name
        )

    def _check_droppable(self, stmt: ddl.AlterTable, schema: TableSchema, column: str) -> None:
        offset = stmt.name_offset
        if column in schema.primary_key:
            raise self.error(f'cannot drop PRIMARY KEY column: "{column}"', offset)
        if any(column in u.columns for u in schema.uniques):
            raise self.error(f'cannot drop UNIQUE column: "{column}"', offset)
        if len(schema.columns) == 1:
            raise self.error(f'cannot drop column "{column}": no other columns exist', offset)
        for fk in schema.foreign_keys:
            if column in fk.columns:
                raise self.error(
                    f'cannot drop column "{column}": it is used in a foreign key constraint',
                    offset,
                )
        for other in self.catalog.tables():
            for fk in other.foreign_keys:
                if fk.ref_table.lower() == schema.name.lower() and column in fk.ref_columns:
                    raise self.error(
                        f'cannot drop column "{column}": table {other.name} references it',
                        offset,
                    )
        for index in schema.indexes:
            if column in index.columns:
                raise self.error(
                    f"error in index {index.name} after drop column: no such column: {column}",
                    offset,
                )
        for check in schema.checks:
            if check.column is not None:
                continue  # a column CHECK goes with its column
            if check.sql is None:
                raise self.error(
                    f'cannot drop column "{column}": table {schema.name} has a Python CHECK '
                    "constraint that may read it",
                    offset,
                )
            named = sql_names(check.sql) & {c.name.lower() for c in schema.columns}
            if column.lower() in named and len(named) > 1:
                # a CHECK on this column alone goes with it (SQLite: a column constraint)
                raise self.error(
                    f"error in table {schema.name} after drop column: no such column: {column}",
                    offset,
                )

    def _bind_rename_table(self, stmt: ddl.AlterTable, schema: TableSchema) -> AlterTableCommand:
        new = stmt.new_name
        if not new.isidentifier():  # as CREATE TABLE requires
            raise self.error(f"invalid table name {new!r}", stmt.name_offset)
        taken = (
            self.catalog.find_table(new) is not None
            or self.catalog.find_view(new) is not None
            or any(i.name.lower() == new.lower() for t in self.catalog.tables() for i in t.indexes)
        )
        if taken and new.lower() != schema.name.lower():
            raise self.error(
                f"there is already another table or index with this name: {new}",
                stmt.name_offset,
            )
        return AlterTableCommand(stmt.action, schema.name, new_name=new)


def _constant(expr: ast.SqlExpr) -> bool:
    """A default ADD COLUMN accepts: a literal or a signed number (SQLite refuses the rest)."""
    if isinstance(expr, ast.Unary):
        return isinstance(expr.operand, ast.IntegerLiteral | ast.RealLiteral)
    return isinstance(expr, _CONSTANT_DEFAULTS)
