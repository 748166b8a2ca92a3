"""Bind INSERT, UPDATE and DELETE to the shared DML plan nodes.

Values written are checked against the column's type here, strictly: a literal must fit the
column (``'abc'`` into an INTEGER column is an error, never 0), a parameter takes the column's
type (so its value is validated when the statement runs), other expressions must have the
column's type family.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyram.catalog import TableSchema
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.base import CteDef
from pyram.sql.binder.expressions import ExprCtx
from pyram.sql.binder.scope import Scope
from pyram.sql.binder.select import SelectBinder
from pyram.types import DataType

__all__ = ["DmlBinder"]

_ABORTING = (None, ast.ConflictAction.ABORT, ast.ConflictAction.FAIL, ast.ConflictAction.ROLLBACK)


def written_literal(e: ast.SqlExpr, value: Any, dtype: DataType) -> Any:
    """A literal as the value a column of ``dtype`` stores, read the way SQL text means it:
    ``'2024-01-31'`` into a DATE column is that date, ``1.5`` into a DECIMAL column is exactly
    1.5, ``TRUE``/``1``/``0`` into a BOOLEAN column a bool. Anything else stays as written (and
    is refused by the type check when it does not fit)."""
    if isinstance(value, str) and dtype.family not in ("text", "json"):
        converted = dtype.from_sql_text(value)  # the type reads its own SQL text
        return value if converted is None else converted
    if dtype.name == "DECIMAL" and isinstance(e, ast.RealLiteral):
        return Decimal(e.text)
    if dtype.family == "boolean" and type(value) is int and value in (0, 1):
        return bool(value)
    return value


class DmlBinder(SelectBinder):
    """Binds data-changing statements.

    ``outer_scope`` is the enclosing scope of every statement bound (None at top level): a
    trigger body sees the firing row's ``NEW``/``OLD`` columns through it as outer columns.
    """

    outer_scope: Scope | None = None

    def _with(self, ctes: tuple[ast.Cte, ...], recursive: bool) -> None:
        self.ctes.append(
            {c.name.lower(): CteDef(c.name, c.select, c.columns, recursive) for c in ctes}
        )

    # ------------------------------------------------------------------ typing of written values
    def written_value(
        self, e: ast.SqlExpr, dtype: DataType, ctx: ExprCtx, column: str
    ) -> px.PlanExpr:
        """A value written to a column of type ``dtype``: strictly checked against it."""
        # a truth value goes into a BOOLEAN column as it is, elsewhere as SQLite's 1/0
        bound = self.expr(e, ctx) if dtype.family == "boolean" else self.value(e, ctx)
        with self.at(e):
            if isinstance(bound, px.Literal_):
                return self.b.literal(written_literal(e, bound.value, dtype), dtype)
            if bound.dtype.family == "boolean" and dtype.family == "numeric":
                return px.Cast(bound, dtype)  # SQLite: a truth value is the integer 1 or 0
            return self.b.written(bound, dtype, column)

    def _target_columns(
        self, schema: TableSchema, names: tuple[str, ...], offset: int
    ) -> tuple[str, ...]:
        if not names:
            return schema.column_names
        out = []
        for name in names:
            match = next((c.name for c in schema.columns if c.name.lower() == name.lower()), None)
            if match is None:
                raise self.error(f"table {schema.name} has no column named {name}", offset)
            if match in out:
                raise self.error(f"column {name} is named twice", offset)
            out.append(match)
        return tuple(out)

    # ------------------------------------------------------------------ INSERT
    def bind_insert(self, stmt: ast.Insert) -> pn.Plan:
        """INSERT ... VALUES / SELECT / DEFAULT VALUES, with conflict handling."""
        self._with(stmt.ctes, stmt.recursive)
        try:
            schema = self.table_schema(stmt.table, stmt.offset)
            columns = self._target_columns(schema, stmt.columns, stmt.offset)
            source = self._insert_source(stmt, schema, columns)
            if isinstance(stmt.source, ast.DefaultValues):
                columns = ()
            conflict = self._conflict(stmt, schema)
            return pn.Insert(schema.name, columns, source, conflict)
        finally:
            self.ctes.pop()

    def _insert_source(
        self, stmt: ast.Insert, schema: TableSchema, columns: tuple[str, ...]
    ) -> pn.Plan:
        source = stmt.source
        if isinstance(source, ast.DefaultValues):
            return pn.Values(((),), ())
        dtypes = [schema.column(c).dtype for c in columns]
        if isinstance(source, ast.Values):
            ctx = ExprCtx(Scope(self.outer_scope))
            rows = []
            for row in source.rows:
                if len(row) != len(columns):
                    raise self.error(
                        f"table {schema.name} has {len(columns)} columns but {len(row)} values "
                        "were supplied",
                        row[0].offset if row else stmt.offset,
                    )
                rows.append(
                    tuple(
                        self.written_value(e, t, ctx, c)
                        for e, t, c in zip(row, dtypes, columns, strict=True)
                    )
                )
            return self.values_plan(rows, columns)
        bound = self.bind_select(source, self.outer_scope)
        fields = bound.plan.fields
        if len(fields) != len(columns):
            raise self.error(
                f"table {schema.name} has {len(columns)} columns but the query returns "
                f"{len(fields)}",
                source.offset,
            )
        for name, dtype, field in zip(columns, dtypes, fields, strict=True):
            with self.at(source):
                self.b.check_writable(field.dtype, dtype, name)
        return bound.plan

    def _conflict(self, stmt: ast.Insert, schema: TableSchema) -> pn.OnConflict | None:
        if stmt.or_action not in _ABORTING:
            assert stmt.or_action is not None
            if stmt.or_action is ast.ConflictAction.IGNORE:
                return pn.OnConflict("ignore")
            return pn.OnConflict("replace")
        if not stmt.on_conflict:
            return None
        if len(stmt.on_conflict) > 1:
            raise self.error("only one ON CONFLICT clause is supported", stmt.on_conflict[1].offset)
        clause = stmt.on_conflict[0]
        target = self._conflict_target(clause, schema)
        if clause.do_nothing:
            return pn.OnConflict("ignore", target)
        if not target:
            raise self.error("ON CONFLICT DO UPDATE needs a conflict target", clause.offset)
        scope = Scope(self.outer_scope)
        existing = self.b.scan(schema, stmt.alias).out
        excluded = self.b.scan(schema, "excluded").out
        scope.add(stmt.alias or schema.name, existing)
        scope.add("excluded", excluded)
        excluded_source = scope.source("excluded")
        assert excluded_source is not None
        # unqualified names mean the existing row; the proposed one is always excluded.<col>
        excluded_source.hidden.update(f.name.lower() for f in excluded)
        ctx = ExprCtx(scope)
        assignments = tuple(
            (name, self.written_value(a.value, schema.column(name).dtype, ctx, name))
            for a in clause.assignments
            for name in self._target_columns(schema, (a.column,), a.offset)
        )
        where = None if clause.where is None else self.cond(clause.where, ctx)
        return pn.OnConflict("update", target, assignments, where, existing, excluded)

    def _conflict_target(self, clause: ast.OnConflict, schema: TableSchema) -> tuple[str, ...]:
        names: list[str] = []
        for column in clause.columns:
            if not isinstance(column.expr, ast.ColumnRef):
                raise self.error("a conflict target must name columns", column.offset)
            names.extend(self._target_columns(schema, (column.expr.name,), column.offset))
        target = tuple(names)
        if target and all(set(u.columns) != set(target) for u in schema.uniques):
            raise self.error(
                "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
                clause.offset,
            )
        return target

    # ------------------------------------------------------------------ UPDATE / DELETE
    def _target_scan(self, table: str, alias: str | None, offset: int) -> tuple[pn.Scan, Scope]:
        schema = self.table_schema(table, offset)
        scan = self.b.scan(schema, alias, rid=True)
        scope = Scope(self.outer_scope)
        scope.add(alias or schema.name, scan.out[:-1])
        return scan, scope

    def bind_update(self, stmt: ast.Update) -> pn.Plan:
        """UPDATE t SET ... WHERE ...: a row-id scan, the filter, typed assignments."""
        if stmt.or_action not in _ABORTING:
            raise self.error("UPDATE OR IGNORE/REPLACE is not supported", stmt.offset)
        self._with(stmt.ctes, stmt.recursive)
        try:
            scan, scope = self._target_scan(stmt.table, stmt.alias, stmt.offset)
            schema = self.table_schema(stmt.table, stmt.offset)
            ctx = ExprCtx(scope)
            plan: pn.Plan = scan
            if stmt.where is not None:
                plan = self.b.filter(plan, self.cond(stmt.where, ctx))
            assignments: list[tuple[str, px.PlanExpr]] = []
            for a in stmt.assignments:
                (name,) = self._target_columns(schema, (a.column,), a.offset)
                dtype = schema.column(name).dtype
                value = self.written_value(a.value, dtype, ctx, name)
                # SQLite: a column assigned twice takes the rightmost value
                assignments = [(n, v) for n, v in assignments if n != name]
                assignments.append((name, value))
            assert scan.rid_cid is not None
            return pn.Update(schema.name, plan, tuple(assignments), scan.rid_cid)
        finally:
            self.ctes.pop()

    def bind_delete(self, stmt: ast.Delete) -> pn.Plan:
        """DELETE FROM t WHERE ...: a row-id scan and the filter."""
        self._with(stmt.ctes, stmt.recursive)
        try:
            scan, scope = self._target_scan(stmt.table, stmt.alias, stmt.offset)
            plan: pn.Plan = scan
            if stmt.where is not None:
                plan = self.b.filter(plan, self.cond(stmt.where, ExprCtx(scope)))
            assert scan.rid_cid is not None
            return pn.Delete(scan.table, plan, scan.rid_cid)
        finally:
            self.ctes.pop()
