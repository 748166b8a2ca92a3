"""Bind DSL statements (update, delete, insert-from-select) to logical plans.

They reuse the query binder's expression binding; what is theirs is the row-id scan that lets
UPDATE and DELETE address rows, and the type checks of assigned and inserted values.
"""

from __future__ import annotations

from typing import Any

from pyram.dsl.binder import Scope, _Binder
from pyram.dsl.dml import Delete, Insert, Update
from pyram.dsl.expr import Literal
from pyram.errors import ProgrammingError
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
    assignments = []
    for column, value in stmt.assignments:
        target = scope.resolve(column)
        if target is None or column.table_name != schema.name:
            raise ProgrammingError(f"set(): {column!r} is not a column of {schema.name}")
        bound = (
            self.b.literal(value.value, target.dtype)
            if isinstance(value, Literal)
            else self.expr(value, scope)
        )
        assignments.append((target.name, self.b.written(bound, target.dtype, target.name)))
    if not assignments:
        raise ProgrammingError("update() needs at least one set()")
    assert scan.rid_cid is not None
    return pn.Update(schema.name, plan, tuple(assignments), scan.rid_cid)


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
    return pn.Insert(schema.name, names, source)
