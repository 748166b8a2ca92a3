"""Walking a DSL expression tree: the children of a node, and the columns and aggregates
under it (the binder's questions about a query before it binds it)."""

from __future__ import annotations

from typing import Any

from pyram.dsl.expr import BinaryOp, Expr, Labeled, Ordering, Predicate, Unary
from pyram.dsl.terms import Aggregate, CaseExpr, CastExpr, Column, FunctionCall
from pyram.dsl.window import WindowExpr

__all__ = ["aggregates_in", "children", "columns_in", "has_aggregate"]


def children(e: Any) -> list[Any]:
    if isinstance(e, Predicate):
        return [x for x in e.args if isinstance(x, Expr)] + [
            y for x in e.args if isinstance(x, tuple) for y in x if isinstance(y, Expr)
        ]
    if isinstance(e, BinaryOp):
        return [e.left, e.right]
    if isinstance(e, Unary | CastExpr):
        return [e.arg]
    if isinstance(e, FunctionCall):
        return list(e.args)
    if isinstance(e, Aggregate):
        return [*e.args, *([e.where] if e.where is not None else [])]
    if isinstance(e, WindowExpr):
        call = e.call
        where = [call.where] if isinstance(call, Aggregate) and call.where is not None else []
        return [*call.args, *where, *e.partition_by, *(o.expr for o in e.order_by)]
    if isinstance(e, CaseExpr):
        out = [x for pair in e.whens for x in pair]
        return out + ([e.default] if e.default is not None else [])
    if isinstance(e, Labeled):
        return [e.expr]
    if isinstance(e, Ordering):
        return [e.expr]
    return []


def columns_in(e: Any) -> list[Column[Any]]:
    out, stack = [], [e]
    while stack:
        node = stack.pop()
        if isinstance(node, Column):
            out.append(node)
        stack.extend(reversed(children(node)))
    return out


def aggregates_in(e: Any) -> list[Aggregate[Any]]:
    out, stack = [], [e]
    while stack:
        node = stack.pop()
        if isinstance(node, Aggregate):
            out.append(node)
            continue
        stack.extend(reversed(children(node)))
    return out


def has_aggregate(e: Any) -> bool:
    return bool(aggregates_in(e))
