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
    expr: ast.Expr | None = None
    field: px.Field | None = None
    offset: int = 0


def out_of_range(clause: str, count: int) -> str:
    return f"{clause} term out of range - should be between 1 and {count}"


def position_of(e: ast.Expr) -> int | None:
    """The select-list position a GROUP BY / ORDER BY term names: an integer literal, signed
    or not (SQLite reads ``-1`` as a position, out of range), else None."""
    if isinstance(e, ast.IntegerLiteral):
        return e.value
    if (
        isinstance(e, ast.Unary)
        and e.op is ast.UnaryOp.NEG
        and isinstance(e.operand, ast.IntegerLiteral)
    ):
        return -e.operand.value
    return None
