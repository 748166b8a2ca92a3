"""Plan text for tests and EXPLAIN: one node per line, indented two spaces per level.

Place in the pipeline: the optimizer's golden tests pin the output of :func:`format_plan`, so it
is stable (no column ids, no memory addresses) and readable (``Filter (age > 30)``,
``Scan user [id, name]``, ``IndexScan user.user_pkey eq (5) [id, name]``). Columns print by name;
subquery plans print under the node that uses them, labelled ``$sq1``, ``$sq2``...

>>> from pyram.plan.expr import Field
>>> from pyram.plan.nodes import Scan
>>> from pyram.types import INTEGER
>>> print(format_plan(Scan("t", ("a",), (Field(0, "a", INTEGER, False),))))
Scan t [a]
"""

from __future__ import annotations

from pyram.plan.display import SubqueryLabels, format_expr
from pyram.plan.nodes import Plan

__all__ = ["format_expr", "format_plan"]


_INDENT = "  "


def format_plan(plan: Plan) -> str:
    """The plan as indented text, one node per line (no trailing newline)."""
    lines: list[str] = []
    labels = SubqueryLabels()
    _format_node(plan, 0, lines, labels)
    return "\n".join(lines)


def _format_node(plan: Plan, depth: int, lines: list[str], labels: SubqueryLabels) -> None:
    start = len(labels.pending)
    lines.append(_INDENT * depth + plan.label(labels))
    subplans = labels.pending[start:]
    del labels.pending[start:]
    for name, subplan in subplans:
        lines.append(_INDENT * (depth + 1) + f"{name}:")
        _format_node(subplan, depth + 2, lines, labels)
    for child in plan.inputs:
        _format_node(child, depth + 1, lines, labels)
