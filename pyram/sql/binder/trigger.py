"""Bind CREATE TRIGGER: the WHEN condition and the body statements, with NEW and OLD as outer
columns.

The firing row is an enclosing scope of every body statement: sources ``new`` (INSERT and
UPDATE triggers) and ``old`` (UPDATE and DELETE triggers) hold fields of the table's columns with
column ids of their own. A body statement refers to them as outer columns, exactly as a
correlated subquery refers to its outer query's columns, so its plan is prepared once and run
per row with ``{column id: value}`` as the execution context's outer values. As in SQLite, the
row's columns must be qualified (``NEW.x``): an unqualified name never means them.

``RAISE(ABORT, message)`` (and ``RAISE(FAIL, message)``, the same here) becomes a call of the
``raise`` function, which fails the statement with an :class:`~pyram.errors.IntegrityError`
carrying the message. ``RAISE(IGNORE)`` and ``RAISE(ROLLBACK, ...)`` are refused.
"""

from __future__ import annotations

from typing import Any, NoReturn

import attrs

from pyram.catalog import TableSchema
from pyram.errors import IntegrityError
from pyram.functions import ScalarFunction, register_scalar
from pyram.functions.registry import with_arity
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql import ast_ddl as ddl
from pyram.sql.binder.base import SqlCatalog
from pyram.sql.binder.dml import DmlBinder
from pyram.sql.binder.expressions import ExprCtx
from pyram.sql.binder.scope import Scope
from pyram.types import NULLTYPE, TEXT

__all__ = ["RAISE_FUNCTION", "BoundTrigger", "CreateTriggerCommand", "bind_trigger"]

#: The scalar function ``RAISE(ABORT, message)`` calls.
RAISE_FUNCTION = "raise"


def _raise(message: Any) -> NoReturn:
    raise IntegrityError(str(message), table="", constraint="trigger")


register_scalar(
    ScalarFunction(
        RAISE_FUNCTION,
        1,
        1,
        with_arity(RAISE_FUNCTION, 1, 1, lambda args: NULLTYPE),
        _raise,
        deterministic=False,  # never folded or moved: it runs where (and when) it is written
        doc="Fail the statement with an error message (a trigger's RAISE(ABORT, message)). "
        "Example: raise('no negative totals')",
    ),
    replace=True,
)


@attrs.frozen
class BoundTrigger:
    """A trigger's WHEN condition and body, bound against the catalogue.

    Attributes:
        new: the fields ``NEW.<column>`` means, one per table column in order (empty for a
            DELETE trigger).
        old: the fields ``OLD.<column>`` means (empty for an INSERT trigger).
        when: the WHEN condition over those fields, or None.
        steps: the body statements' plans (queries, INSERT/UPDATE/DELETE) in order.
    """

    new: tuple[px.Field, ...]
    old: tuple[px.Field, ...]
    when: px.PlanExpr | None
    steps: tuple[pn.Plan, ...]


@attrs.frozen
class CreateTriggerCommand:
    """Create a trigger on ``table`` (its declared name).

    Attributes:
        statement: the syntax tree, kept to bind the body again after schema changes.
        sql: the SQL text the tree's offsets refer to.
        columns: positions of the ``UPDATE OF`` columns (empty: any column).
        bound: the body as bound now.
    """

    statement: ddl.CreateTrigger
    sql: str
    table: str
    columns: tuple[int, ...]
    bound: BoundTrigger


class _RowScope(Scope):
    """``NEW`` and ``OLD``: reachable only through their qualifier, as in SQLite."""

    hosts_aggregates = False

    def _resolve_here(self, name: str, table: str | None) -> px.Field | None:
        return None if table is None else super()._resolve_here(name, table)


class TriggerBinder(DmlBinder):
    """Binds one trigger: its table, WHEN condition, body statements and RAISE calls."""

    def bind_trigger(self, stmt: ddl.CreateTrigger) -> CreateTriggerCommand:
        """Check the trigger's table and columns, bind its WHEN condition and body."""
        if stmt.timing is ddl.TriggerTiming.INSTEAD_OF:
            raise self.error("INSTEAD OF triggers are not supported", stmt.timing_offset)
        if self.catalog.find_view(stmt.table) is not None:
            raise self.error(
                f"cannot create {stmt.timing.value} trigger on view: {stmt.table}",
                stmt.table_offset,
            )
        schema = self.table_schema(stmt.table, stmt.table_offset)
        columns = tuple(
            self._column_position(schema, name, offset)
            for name, offset in zip(stmt.columns, stmt.column_offsets, strict=True)
        )
        event = stmt.event
        new = () if event is ddl.TriggerEvent.DELETE else self.b.scan(schema, "new").out
        old = () if event is ddl.TriggerEvent.INSERT else self.b.scan(schema, "old").out
        scope = _RowScope()
        if new:
            scope.add("new", new)
        if old:
            scope.add("old", old)
        self.outer_scope = scope
        when = None if stmt.when is None else self.cond(stmt.when, ExprCtx(scope))
        steps = tuple(self._step(step, scope) for step in stmt.body)
        return CreateTriggerCommand(
            stmt, self.sql, schema.name, columns, BoundTrigger(new, old, when, steps)
        )

    def _column_position(self, schema: TableSchema, name: str, offset: int) -> int:
        for position, column in enumerate(schema.columns):
            if column.name.lower() == name.lower():
                return position
        raise self.error(f"no such column: {name}", offset)

    def _step(self, step: ast.Statement, scope: Scope) -> pn.Plan:
        if isinstance(step, ast.Select):
            return self.bind_select(step, scope).plan
        if isinstance(step, ast.Insert):
            return self.bind_insert(step)
        if isinstance(step, ast.Update):
            return self.bind_update(step)
        if isinstance(step, ast.Delete):
            return self.bind_delete(step)
        raise self.error(  # pragma: no cover - the parser takes only these
            f"{type(step).__name__} statements cannot be part of a trigger", step.offset
        )

    def _function(self, e: ast.FunctionCall, ctx: ExprCtx) -> px.PlanExpr:
        if e.name.upper() != "RAISE":
            return super()._function(e, ctx)
        action = e.args[0] if e.args else None
        if (
            not isinstance(action, ast.ColumnRef)
            or action.table is not None
            or action.name.upper() not in ("ABORT", "FAIL", "ROLLBACK", "IGNORE")
        ):
            offset = e.offset if action is None else action.offset
            raise self.error("RAISE takes ABORT, FAIL, ROLLBACK or IGNORE", offset)
        kind = action.name.upper()
        if kind in ("IGNORE", "ROLLBACK"):
            raise self.error(
                f"RAISE({kind}) is not supported (RAISE(ABORT, ...) and RAISE(FAIL, ...) are)",
                action.offset,
            )
        if len(e.args) != 2:
            raise self.error(f"RAISE({kind}, message) takes an error message", e.offset)
        message = self.value(e.args[1], ctx)
        if message.dtype.family != "text":
            message = self.b.cast(message, TEXT)
        if not isinstance(message, px.Literal_) or message.value is None:
            # raise() is NULL-propagating like most functions: never hand it a NULL message
            message = self.b.func("coalesce", [message, self.b.literal("")])
        return self.b.func(RAISE_FUNCTION, [message])


def bind_trigger(stmt: ddl.CreateTrigger, sql: str, catalog: SqlCatalog) -> CreateTriggerCommand:
    """Bind a CREATE TRIGGER of ``sql`` against ``catalog``.

    Raises:
        SqlBindError: an unknown table or column, ``NEW``/``OLD`` where the event has no such
            row, a view, ``INSTEAD OF``, or a body statement that does not bind.
    """
    return TriggerBinder(sql, catalog).bind_trigger(stmt)
