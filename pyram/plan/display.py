"""SQL-like text for bound expressions: one printer for EXPLAIN, plan display and errors.

Stable (no column ids, no addresses) so golden tests can pin it. Subquery plans print as
labels (``$sq1``...) when the caller collects them with :class:`SubqueryLabels`, else as ``$sq``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from pyram.plan.expr import (
    AggCall,
    And,
    Arith,
    ArithChain,
    Between,
    Case,
    Cast,
    ColumnRef,
    Compare,
    Exists,
    FunctionCall,
    InList,
    InSubquery,
    InValues,
    IsNull,
    Like,
    Literal_,
    Negate,
    Not,
    Or,
    Param,
    PlanExpr,
    ScalarSubquery,
    SortKey,
    WindowCall,
    WindowFrame,
)
from pyram.types import sql_literal_of

if TYPE_CHECKING:
    from pyram.plan.node_base import Plan

__all__ = ["SubqueryLabels", "format_expr", "format_frame", "format_literal", "format_window"]


class SubqueryLabels:
    """Names subquery plans ``$sq1``, ``$sq2``... in the order they are printed."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, Plan]] = []
        self.count = 0

    def label(self, plan: Plan) -> str:
        self.count += 1
        name = f"$sq{self.count}"
        self.pending.append((name, plan))
        return name


def format_literal(value: object) -> str:
    """A constant as SQL text."""
    if value is None:
        return "NULL"
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return f"'{value.isoformat()}'"
    if isinstance(value, bytes):
        return "X'" + value.hex().upper() + "'"
    return sql_literal_of(value)  # any other type writes its own (UUID, INTERVAL ...)


def format_expr(expr: PlanExpr, labels: SubqueryLabels | None = None) -> str:
    """An expression as SQL-like text; subqueries become labels collected in ``labels``."""

    def e(sub: PlanExpr) -> str:
        return format_expr(sub, labels)

    if isinstance(expr, ColumnRef):
        return expr.name
    if isinstance(expr, Literal_):
        return format_literal(expr.value)
    if isinstance(expr, Param):
        return f":{expr.key}" if isinstance(expr.key, str) else f"?{expr.key + 1}"
    if isinstance(expr, Compare | Arith):
        return f"({e(expr.left)} {expr.op} {e(expr.right)})"
    if isinstance(expr, ArithChain):
        steps = "".join(f" {op} {e(arg)}" for op, arg in expr.steps())
        return f"({e(expr.args[0])}{steps})"
    if isinstance(expr, And | Or):
        word = " AND " if isinstance(expr, And) else " OR "
        return "(" + word.join(e(a) for a in expr.args) + ")"
    if isinstance(expr, Not):
        return f"NOT {e(expr.arg)}"
    if isinstance(expr, Negate):
        return f"-{e(expr.arg)}"
    if isinstance(expr, IsNull):
        return f"({e(expr.arg)} IS {'NOT ' if expr.negated else ''}NULL)"
    if isinstance(expr, InList):
        items = ", ".join(e(i) for i in expr.items)
        return f"({e(expr.arg)} {'NOT ' if expr.negated else ''}IN ({items}))"
    if isinstance(expr, InValues):
        items = ", ".join([*map(format_literal, expr.values), *map(e, expr.param_nodes())])
        return f"({e(expr.arg)} {'NOT ' if expr.negated else ''}IN ({items}))"
    if isinstance(expr, Between):
        word = "NOT BETWEEN" if expr.negated else "BETWEEN"
        return f"({e(expr.arg)} {word} {e(expr.low)} AND {e(expr.high)})"
    if isinstance(expr, Like):
        word = ("NOT " if expr.negated else "") + ("GLOB" if expr.glob else "LIKE")
        escape = "" if expr.escape is None else f" ESCAPE {format_literal(expr.escape)}"
        return f"({e(expr.arg)} {word} {e(expr.pattern)}{escape})"
    if isinstance(expr, Case):
        whens = " ".join(f"WHEN {e(c)} THEN {e(r)}" for c, r in expr.whens)
        return f"CASE {whens} ELSE {e(expr.default)} END"
    if isinstance(expr, Cast):
        if expr.mode.endswith("OPERAND"):
            return f"NUMBER({e(expr.arg)})"
        return f"CAST({e(expr.arg)} AS {expr.mode or expr.dtype.name})"
    if isinstance(expr, AggCall | WindowCall):
        args = ", ".join(e(a) for a in expr.args) or ("*" if expr.name == "count_star" else "")
        name = "count" if expr.name == "count_star" else expr.name
        distinct = "DISTINCT " if isinstance(expr, AggCall) and expr.distinct else ""
        text = f"{name}({distinct}{args})"
        if expr.filter is not None:
            text += f" FILTER (WHERE {e(expr.filter)})"
        if isinstance(expr, WindowCall) and expr.frame != WindowFrame():
            text += f" [{format_frame(expr.frame, labels)}]"
        return text
    if isinstance(expr, FunctionCall):
        return f"{expr.name}({', '.join(e(a) for a in expr.args)})"
    if isinstance(expr, ScalarSubquery | Exists | InSubquery):
        return _subquery(expr, labels)
    return type(expr).__name__


def format_frame(frame: WindowFrame, labels: SubqueryLabels | None = None) -> str:
    """A window frame as SQL (``ROWS BETWEEN 1 PRECEDING AND CURRENT ROW``)."""
    ends = []
    for bound in (frame.start, frame.end):
        word = bound.kind.upper().replace("_", " ")
        if bound.offset is not None:
            word = f"{format_expr(bound.offset, labels)} {word}"
        ends.append(word)
    text = f"{frame.unit.upper()} BETWEEN {ends[0]} AND {ends[1]}"
    if frame.exclude != "no_others":
        text += f" EXCLUDE {frame.exclude.upper().replace('_', ' ')}"
    return text


def format_window(
    partition_by: tuple[PlanExpr, ...],
    order_by: tuple[SortKey, ...],
    labels: SubqueryLabels | None = None,
) -> str:
    """A window's PARTITION BY and ORDER BY as SQL (empty for ``OVER ()``)."""
    parts = []
    if partition_by:
        parts.append("PARTITION BY " + ", ".join(format_expr(p, labels) for p in partition_by))
    if order_by:
        keys = []
        for key in order_by:
            text = format_expr(key.expr, labels) + (" DESC" if key.descending else "")
            if key.nulls_first is not None:
                text += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
            keys.append(text)
        parts.append("ORDER BY " + ", ".join(keys))
    return " ".join(parts)


def _subquery(expr: ScalarSubquery | Exists | InSubquery, labels: SubqueryLabels | None) -> str:
    name = "$sq" if labels is None else labels.label(expr.plan)
    if isinstance(expr, Exists):
        return f"{'NOT ' if expr.negated else ''}EXISTS {name}"
    if isinstance(expr, InSubquery):
        word = "NOT IN" if expr.negated else "IN"
        return f"({format_expr(expr.arg, labels)} {word} {name})"
    return name
