"""EXPLAIN: a physical operator tree as indented text, one line per operator.

Place in the pipeline: reads a tree built by :mod:`pyram.engine.physical_planner` (and, for
EXPLAIN ANALYZE, the row counts an execution left in ``ExecContext.rows_out``). Each line shows
the operator's name, its ``describe()`` details (columns, predicate, index and access, join kind
and keys) and the planner's row estimate. :func:`pyram.plan.display.format_expr` (the one expression
printer) renders bound expressions in those details.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyram.engine.operator import Operator
from pyram.plan.display import format_expr

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
