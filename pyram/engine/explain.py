"""EXPLAIN: a physical operator tree as indented text, one line per operator.

Place in the pipeline: reads a tree built by :mod:`pyram.engine.physical_planner` (and, for
EXPLAIN ANALYZE, the row counts an execution left in ``ExecContext.rows_out``). Each line shows
the operator's name, its ``describe()`` details (columns, predicate, index and access, join kind
and keys) and the planner's row estimate. :func:`format_expr` renders bound expressions in SQL
syntax for those details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyram.engine.operator import Operator
from pyram.plan.expr import (
    AggCall,
    And,
    Arith,
    Between,
    Case,
    Cast,
    ColumnRef,
    Compare,
    Exists,
    Expr,
    FuncCall,
    InList,
    InSubquery,
    IsNull,
    Like,
    Literal_,
    Negate,
    Not,
    Or,
    Param,
    ScalarSubquery,
)

__all__ = ["explain", "format_expr"]

_INDENT = "  "


def explain(op: Operator, rows_out: Mapping[int, int] | None = None) -> str:
    """The operator tree as text.

    Args:
        op: the root operator.
        rows_out: actual output rows per operator (``ExecContext.rows_out`` after an
            EXPLAIN ANALYZE run); shown as ``(rows N)`` when given.

    Example:
        >>> from pyram.engine.operators.values import Values
        >>> print(explain(Values((), ())))
        Values 0 rows (est. rows 0)
    """
    lines: list[str] = []
    stack: list[tuple[Operator, int]] = [(op, 0)]
    while stack:
        node, depth = stack.pop()
        details = node.describe()
        line = f"{_INDENT * depth}{node.name}{' ' + details if details else ''}"
        line += f" (est. rows {node.estimated_rows:.0f})"
        if rows_out is not None:
            line += f" (rows {rows_out.get(id(node), 0)})"
        lines.append(line)
        stack.extend((child, depth + 1) for child in reversed(node.children))
    return "\n".join(lines)


def format_expr(expr: Expr) -> str:
    """SQL-like text of a bound expression (for EXPLAIN; not meant to be parsed back)."""
    if isinstance(expr, ColumnRef):
        return expr.name
    if isinstance(expr, Literal_):
        return _literal(expr.value)
    if isinstance(expr, Param):
        return f":{expr.key}" if isinstance(expr.key, str) else f"?{expr.key + 1}"
    if isinstance(expr, Compare | Arith):
        return f"{_operand(expr.left)} {expr.op} {_operand(expr.right)}"
    if isinstance(expr, And | Or):
        joiner = " AND " if isinstance(expr, And) else " OR "
        return joiner.join(map(_operand, expr.args))
    if isinstance(expr, Not):
        return f"NOT {_operand(expr.arg)}"
    if isinstance(expr, Negate):
        return f"-{_operand(expr.arg)}"
    if isinstance(expr, IsNull):
        return f"{_operand(expr.arg)} IS {'NOT ' if expr.negated else ''}NULL"
    if isinstance(expr, FuncCall | AggCall):
        return _call(expr)
    if isinstance(expr, Cast):
        return f"CAST({format_expr(expr.arg)} AS {expr.type_.name})"
    return _special(expr)


def _special(expr: Expr) -> str:
    """Predicates with their own syntax, CASE and subqueries."""
    neg = "NOT " if getattr(expr, "negated", False) else ""
    if isinstance(expr, InList):
        return f"{_operand(expr.arg)} {neg}IN ({', '.join(map(format_expr, expr.items))})"
    if isinstance(expr, Between):
        low, high = _operand(expr.low), _operand(expr.high)
        return f"{_operand(expr.arg)} {neg}BETWEEN {low} AND {high}"
    if isinstance(expr, Like):
        word = "GLOB" if expr.glob else "LIKE"
        return f"{_operand(expr.arg)} {neg}{word} {_operand(expr.pattern)}"
    if isinstance(expr, Case):
        whens = " ".join(f"WHEN {format_expr(c)} THEN {format_expr(r)}" for c, r in expr.whens)
        return f"CASE {whens} ELSE {format_expr(expr.default)} END"
    if isinstance(expr, ScalarSubquery):
        return "(subquery)"
    if isinstance(expr, Exists):
        return f"{neg}EXISTS (subquery)"
    if isinstance(expr, InSubquery):
        return f"{_operand(expr.arg)} {neg}IN (subquery)"
    return type(expr).__name__


def _call(expr: FuncCall | AggCall) -> str:
    name = expr.name
    if isinstance(expr, AggCall) and name == "count_star":
        return "count(*)"
    distinct = "DISTINCT " if isinstance(expr, AggCall) and expr.distinct else ""
    return f"{name}({distinct}{', '.join(map(format_expr, expr.args))})"


def _operand(expr: Expr) -> str:
    """An operand of an infix operator, parenthesised when it is itself infix."""
    text = format_expr(expr)
    if isinstance(expr, Compare | Arith | And | Or | Between | Like | InList | IsNull | Not):
        return f"({text})"
    return text


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bytes):
        return f"X'{value.hex().upper()}'"
    return repr(value) if isinstance(value, float) else str(value)
