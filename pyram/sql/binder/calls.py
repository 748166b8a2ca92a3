"""SQL binder: function calls, and finding aggregate calls in a syntax tree.

A scalar call is bound through the function registry (PostgreSQL's dialect first resolves the
functions whose value depends on the session or the catalogue); an aggregate call is bound
by the grouping binder, which asks :func:`bind_aggregate_call` for its arguments in the
pre-aggregation scope. :func:`contains_aggregate` and :func:`children` walk syntax trees
without entering subqueries, as the grouping, window and source binders need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

import attrs

from pyram.errors import ProgrammingError
from pyram.functions import is_aggregate
from pyram.functions.window import is_window_function
from pyram.plan import expr as px
from pyram.sql import ast
from pyram.sql.binder.pg_bind import pg_function

if TYPE_CHECKING:
    from pyram.sql.binder.expressions import ExprBinder, ExprCtx

__all__ = [
    "bind_aggregate_call",
    "bind_function",
    "children",
    "contains_aggregate",
    "is_aggregate_call",
]


def bind_function(binder: ExprBinder, e: ast.FunctionCall, ctx: ExprCtx) -> px.PlanExpr:
    """A call of a scalar function (an aggregate only when it belongs to an outer query)."""
    nargs = 0 if e.star else len(e.args)
    if e.over is not None or is_window_function(e.name):
        # a window function the select list's window hook did not take: WHERE, GROUP BY,
        # HAVING or the arguments of another window function
        raise ProgrammingError(f"misuse of window function {e.name}()")
    if is_aggregate(e.name, nargs):
        outer = binder.outer_aggregate(e, ctx)
        if outer is not None:
            return outer
        raise ProgrammingError(f"misuse of aggregate function {e.name}()")
    if e.distinct or e.star:
        raise ProgrammingError(f"{e.name}() is not an aggregate")
    if e.filter is not None:
        raise ProgrammingError(f"FILTER may not be used with non-aggregate {e.name}()")
    args = [binder.numeric(binder.value(a, ctx)) for a in e.args]
    if binder.pg is not None:
        bound = pg_function(binder, e.name, args)
        if bound is not None:
            return bound
    return binder.b.func(e.name, args)


def bind_aggregate_call(binder: ExprBinder, e: ast.FunctionCall, ctx: ExprCtx) -> px.AggCall:
    """An aggregate call, its arguments (and FILTER) bound in the pre-aggregation ``ctx``."""
    with binder.at(e):
        if e.star:
            if e.name.lower() != "count":
                raise ProgrammingError(f"{e.name}(*) is not allowed")
            call = binder.b.agg("count_star", [])
        else:
            if e.distinct and len(e.args) != 1:
                raise ProgrammingError("DISTINCT aggregates must have exactly one argument")
            args = [binder.numeric(binder.value(a, ctx)) for a in e.args]
            call = binder.b.agg(e.name, args, e.distinct)
    if e.filter is not None:
        with binder.at(e.filter):
            call = binder.b.agg_filter(call, binder.cond(e.filter, ctx))
    return call


def is_aggregate_call(node: Any) -> TypeGuard[ast.FunctionCall]:
    """True for a call of an aggregate function as an aggregate (not with OVER)."""
    return (
        isinstance(node, ast.FunctionCall)
        and node.over is None
        and is_aggregate(node.name, 0 if node.star else len(node.args))
    )


def contains_aggregate(e: ast.Node) -> bool:
    """True when ``e`` calls an aggregate outside of any subquery."""
    stack: list[Any] = [e]
    while stack:
        node = stack.pop()
        if is_aggregate_call(node):
            return True
        if isinstance(node, ast.Subquery | ast.Exists | ast.InSelect):
            if isinstance(node, ast.InSelect):
                stack.append(node.operand)
            continue
        stack.extend(children(node))
    return False


def children(node: Any) -> list[Any]:
    """Direct syntax-node children of an expression node (not entering subqueries' bodies)."""
    out: list[Any] = []
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        if isinstance(value, ast.SqlExpr | ast.When):
            out.append(value)
        elif isinstance(value, tuple):
            out.extend(v for v in value if isinstance(v, ast.SqlExpr | ast.When))
        elif isinstance(value, ast.WindowDef):
            out.extend(value.partition_by)
            out.extend(term.expr for term in value.order_by)
    return out
