"""What the parts of the SELECT binder hand each other: bound queries and select-list items."""

from __future__ import annotations

import attrs

from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast

__all__ = ["BoundSelect", "Item", "out_of_range", "position_of"]


@attrs.frozen
class BoundSelect:
    """A bound query: its plan and the output column names as SQLite reports them."""

    plan: pn.Plan
    names: tuple[str, ...]


@attrs.frozen
class Item:
    """One select-list entry after ``*`` expansion: an expression or a field, and its name."""

    name: str
    expr: ast.SqlExpr | None = None
    field: px.Field | None = None
    offset: int = 0
    #: named with AS (only such names are aliases for WHERE, GROUP BY, ORDER BY ...)
    alias: bool = False


def out_of_range(clause: str, count: int, index: int = 0) -> str:
    """SQLite's message for the ``index``-th (from 0) term naming a position out of range."""
    return f"{_ordinal(index + 1)} {clause} term out of range - should be between 1 and {count}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def position_of(e: ast.SqlExpr) -> int | None:
    """The select-list position a GROUP BY / ORDER BY term names: an integer literal under any
    signs (SQLite reads ``+2`` as 2 and ``-1`` as a position, out of range), else None."""
    if isinstance(e, ast.IntegerLiteral):
        return e.value
    if isinstance(e, ast.Unary) and e.op in (ast.UnaryOp.NEG, ast.UnaryOp.POS):
        inner = position_of(e.operand)
        if inner is None:
            return None
        return -inner if e.op is ast.UnaryOp.NEG else inner
    return None
