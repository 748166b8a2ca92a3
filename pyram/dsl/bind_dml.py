"""Bind DSL statements (update, delete, insert-from-select with its conflict clause) to
logical plans.

They reuse the query binder's expression binding; what is theirs is the row-id scan that lets
UPDATE and DELETE address rows, and the type checks of assigned and inserted values.
"""

from __future__ import annotations

from typing import Any

from pyram.catalog import TableSchema
from pyram.dsl.binder import Scope, _Binder
from pyram.dsl.dml import EXCLUDED, Conflict, Delete, Insert, Update
from pyram.dsl.expr import Expr, Literal
from pyram.dsl.terms import Column
from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn

__all__ = ["bind_delete", "bind_insert", "bind_update"]


def bind_update(self: _Binder, stmt: Update[Any]) -> pn.Plan:
    """UPDATE: a row-id scan of the table, the WHERE filter, typed assignments."""
    schema = self.schema_of(stmt.model)
    scope = Scope()
    scan = self.b.scan(schema, rid=True)
    scope.add(schema.name, schema.name, scan.fields)
    plan: pn.Plan = scan
    plan = self.b.filter(plan, *(self.expr(f, scope) for f in stmt.filters))
    assignments = _assignments(self, schema.name, stmt.assignments, scope)
    if not assignments:
        raise ProgrammingError("update() needs at least one set()")
    assert scan.rid_cid is not None
    return pn.Update(schema.name, plan, tuple(assignments), scan.rid_cid)


def _assignments(
    self: _Binder,
    table: str,
    pairs: tuple[tuple[Column[Any], Expr[Any]], ...],
    scope: Scope,
) -> list[tuple[str, px.PlanExpr]]:
    """``set(column, value)`` pairs bound: the column must be ``table``'s, the value of its
    type (a plain Python value is validated as a constant of the column's type)."""
    assignments = []
    for column, value in pairs:
        target = scope.resolve(column)
        if target is None or column.table_name != table or column.alias is not None:
            raise ProgrammingError(f"set(): {column!r} is not a column of {table}")
        bound = (
            self.b.literal(value.value, target.dtype)
            if isinstance(value, Literal)
            else self.expr(value, scope)
        )
        assignments.append((target.name, self.b.written(bound, target.dtype, target.name)))
    return assignments


def bind_delete(self: _Binder, stmt: Delete[Any]) -> pn.Plan:
    """DELETE: a row-id scan of the table and the WHERE filter."""
    schema = self.schema_of(stmt.model)
    scope = Scope()
    scan = self.b.scan(schema, rid=True)
    scope.add(schema.name, schema.name, scan.fields)
    plan: pn.Plan = scan
    plan = self.b.filter(plan, *(self.expr(f, scope) for f in stmt.filters))
    assert scan.rid_cid is not None
    return pn.Delete(schema.name, plan, scan.rid_cid)


def bind_insert(self: _Binder, stmt: Insert[Any]) -> pn.Plan:
    """INSERT ... SELECT: the bound query, its columns checked against the table."""
    schema = self.schema_of(stmt.model)
    if stmt.source is None:
        raise ProgrammingError("insert() needs .from_select(query)")
    source, _ = self.select(stmt.source, None)
    names = tuple(c.name for c in stmt.columns) or schema.column_names
    if len(names) != len(source.fields):
        raise ProgrammingError(
            f"insert into {schema.name}: {len(names)} columns but the query returns "
            f"{len(source.fields)}"
        )
    for name, field in zip(names, source.fields, strict=True):
        self.b.check_writable(field.dtype, schema.column(name).dtype, name)
    conflict = None if stmt.conflict is None else _conflict(self, stmt.conflict, schema)
    return pn.Insert(schema.name, names, source, conflict)


def _conflict(self: _Binder, clause: Conflict, schema: TableSchema) -> pn.OnConflict:
    """The conflict clause: its target must be the table's primary key or a UNIQUE key; the
    ``"update"`` assignments read the existing row by the table's columns and the proposed
    one through ``excluded(col)``."""
    for column in clause.target:
        if column.table_name != schema.name or column.alias is not None:
            raise ProgrammingError(f"on_conflict(): {column!r} is not a column of {schema.name}")
    target = tuple(schema.column(c.name).name for c in clause.target)
    if target and all(set(u.columns) != set(target) for u in schema.uniques):
        raise ProgrammingError(
            f"on_conflict({', '.join(target)}): not the primary key or a UNIQUE key of "
            f"{schema.name}"
        )
    if clause.action != "update":
        return pn.OnConflict(clause.action, target)
    if not clause.assignments:
        raise ProgrammingError("on_conflict('update', ...) needs at least one set()")
    existing = self.b.scan(schema).out
    proposed = self.b.scan(schema, EXCLUDED).out
    scope = Scope()
    scope.add(schema.name, schema.name, existing)
    scope.add(EXCLUDED, schema.name, proposed)
    assignments = _assignments(self, schema.name, clause.assignments, scope)
    filters = [self.expr(f, scope) for f in clause.filters]
    where = self.b.and_(*filters) if filters else None
    return pn.OnConflict("update", target, tuple(assignments), where, existing, proposed)
