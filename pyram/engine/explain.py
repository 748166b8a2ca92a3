"""EXPLAIN and EXPLAIN ANALYZE: a physical operator tree as text, JSON, Graphviz dot or Mermaid.

Place in the pipeline: reads a tree built by :mod:`pyram.engine.physical_planner` and, for
EXPLAIN ANALYZE, the :class:`OperatorProfile` an execution left per operator in
``ExecContext.profile``. Each operator shows its name, its ``describe()`` details (columns,
predicate, index and access, join kind and keys), the planner's row estimate and, analyzed, the
rows and batches it produced and the time spent in it (its inputs included, as PostgreSQL
shows it). :func:`pyram.plan.display.format_expr` (the one expression printer) renders bound
expressions in those details.

Profiling costs nothing unless asked for: :func:`profiled` wraps an operator's batches only when
the context holds a profile (see :func:`pyram.engine.operators.common.pull`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import attrs

from pyram.engine.batch import Batch
from pyram.engine.operator import ExecContext, Operator, OperatorProfile
from pyram.errors import ProgrammingError
from pyram.plan.display import format_expr

__all__ = [
    "ExplainFormat",
    "PlanNode",
    "explain",
    "format_expr",
    "format_plan_tree",
    "plan_tree",
    "profiled",
]

_INDENT = "  "

#: the output formats of :func:`format_plan_tree`
ExplainFormat = Literal["text", "json", "dot", "mermaid"]


def explain(op: Operator, rows_out: Mapping[int, int] | None = None) -> str:
    """The operator tree as text.

    Args:
        op: the root operator.
        rows_out: actual output rows per operator (``ExecContext.rows_out`` after an
            EXPLAIN ANALYZE run); shown as ``(rows N)`` when given.

    Example:
        >>> from pyram.engine.operators.values import ValuesOp
        >>> print(explain(ValuesOp((), ())))
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


# ------------------------------------------------------------------------------ profiling


def profiled(op: Operator, batches: Iterator[Batch], ctx: ExecContext) -> Iterator[Batch]:
    """``batches`` (the output of ``op``), counted into ``ctx.profile`` and ``ctx.rows_out``:
    rows, batches and the time spent producing them (``op``'s inputs included)."""
    stats = ctx.profile.setdefault(id(op), OperatorProfile())
    rows_out = ctx.rows_out
    key = id(op)
    rows_out.setdefault(key, 0)
    clock = time.perf_counter
    try:
        while True:
            start = clock()
            batch = next(batches, None)
            stats.seconds += clock() - start
            if batch is None:
                return
            stats.batches += 1
            stats.rows += batch.row_count
            rows_out[key] += batch.row_count
            yield batch
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


# ------------------------------------------------------------------------------ the tree


@attrs.frozen
class PlanNode:
    """One operator of an explained plan, with its measurements when analyzed.

    Attributes:
        name: the operator (``TableScan``, ``HashJoin`` ...).
        details: what it does (``describe()``).
        estimated_rows: the planner's estimate of its output rows.
        index: the index it reads, if any.
        rows: output rows of the analyzed run (None when not analyzed).
        batches: output batches of the analyzed run.
        time_ms: milliseconds spent in it, its inputs included.
        children: its inputs.
    """

    name: str
    details: str
    estimated_rows: float
    index: str | None = None
    rows: int | None = None
    batches: int | None = None
    time_ms: float | None = None
    children: tuple[PlanNode, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The node and its inputs as JSON-ready dictionaries."""
        out: dict[str, Any] = {
            "operator": self.name,
            "details": self.details,
            "estimated_rows": round(self.estimated_rows, 1),
        }
        if self.index is not None:
            out["index"] = self.index
        if self.rows is not None:
            out.update(rows=self.rows, batches=self.batches, time_ms=self.time_ms)
        out["children"] = [c.to_dict() for c in self.children]
        return out


def plan_tree(op: Operator, profile: Mapping[int, OperatorProfile] | None = None) -> PlanNode:
    """The operator tree rooted at ``op`` as :class:`PlanNode` s (measured when ``profile``)."""
    children = tuple(plan_tree(c, profile) for c in op.children)
    index = getattr(op, "index", None)
    node = PlanNode(
        op.name,
        op.describe(),
        op.estimated_rows,
        index if isinstance(index, str) else None,
        children=children,
    )
    if profile is None:
        return node
    stats = profile.get(id(op), OperatorProfile())
    return attrs.evolve(
        node, rows=stats.rows, batches=stats.batches, time_ms=round(stats.seconds * 1e3, 3)
    )


def format_plan_tree(node: PlanNode, format: str = "text") -> str:
    """``node`` rendered as ``format``: "text" (indented lines), "json", "dot" (Graphviz) or
    "mermaid" (a ``flowchart``).

    Raises:
        ProgrammingError: an unknown format.
    """
    render = _FORMATS.get(format)
    if render is None:
        raise ProgrammingError(
            f"unknown EXPLAIN format {format!r}: expected one of {', '.join(_FORMATS)}"
        )
    return render(node)


def _measures(node: PlanNode) -> str:
    text = f"est. rows {node.estimated_rows:.0f}"
    if node.rows is not None:
        text += f", rows {node.rows}, batches {node.batches}, time {node.time_ms:.3f} ms"
    return text


def _text(node: PlanNode) -> str:
    lines: list[str] = []
    stack: list[tuple[PlanNode, int]] = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        details = f" {current.details}" if current.details else ""
        lines.append(f"{_INDENT * depth}{current.name}{details} ({_measures(current)})")
        stack.extend((child, depth + 1) for child in reversed(current.children))
    return "\n".join(lines)


def _json(node: PlanNode) -> str:
    return json.dumps(node.to_dict(), indent=2)


def _numbered(node: PlanNode) -> list[tuple[int, PlanNode, int | None]]:
    """Every node with a number (pre-order) and its parent's number."""
    out: list[tuple[int, PlanNode, int | None]] = []
    stack: list[tuple[PlanNode, int | None]] = [(node, None)]
    while stack:
        current, parent = stack.pop()
        number = len(out)
        out.append((number, current, parent))
        stack.extend((child, number) for child in reversed(current.children))
    return out


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot(node: PlanNode) -> str:
    lines = [
        "digraph plan {",
        "  rankdir=BT;",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
    ]
    for number, current, parent in _numbered(node):
        label = "\\n".join(
            _dot_text(part) for part in (current.name, current.details, _measures(current)) if part
        )
        lines.append(f'  n{number} [label="{label}"];')
        if parent is not None:
            lines.append(f"  n{number} -> n{parent};")
    lines.append("}")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    # inside a quoted Mermaid label, '"' ends it; '#quot;' is Mermaid's entity for it
    return text.replace('"', "#quot;")


def _mermaid(node: PlanNode) -> str:
    lines = ["flowchart BT"]
    for number, current, parent in _numbered(node):
        parts = (current.name, current.details, _measures(current))
        label = "<br/>".join(_mermaid_text(p) for p in parts if p)
        lines.append(f'  n{number}["{label}"]')
        if parent is not None:
            lines.append(f"  n{number} --> n{parent}")
    return "\n".join(lines)


_FORMATS = {"text": _text, "json": _json, "dot": _dot, "mermaid": _mermaid}
