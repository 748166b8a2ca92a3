"""EXPLAIN: a physical operator tree as indented text, one line per operator.

Place in the pipeline: reads a tree built by :mod:`pyram.engine.physical_planner` (and, for
EXPLAIN ANALYZE, the row counts an execution left in ``ExecContext.rows_out``). Each line shows
the operator's name, its ``describe()`` details (columns, predicate, index and access, join kind
and keys) and the planner's row estimate. :func:`pyram.plan.display.format_expr` (the one expression
printer) renders bound expressions in those details.

EXPLAIN QUERY PLAN gives SQLite's shorter shape instead (:func:`query_plan`): rows of
``(id, parent, notused, detail)`` naming only how tables are read and what extra structures a
query builds (``SCAN t``, ``SEARCH t USING INDEX i (a=?)``, ``USE TEMP B-TREE FOR ORDER BY``),
which the shell draws as a tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pyram.engine.operator import Operator
from pyram.engine.operators.aggregate import HashAggregate
from pyram.engine.operators.distinct import Distinct
from pyram.engine.operators.dml import DeleteOp, InsertOp, UpdateOp
from pyram.engine.operators.filter import Filter
from pyram.engine.operators.hash_join import HashJoin
from pyram.engine.operators.index_join import IndexNestedLoopJoin
from pyram.engine.operators.limit import Limit
from pyram.engine.operators.nested_loop_join import NestedLoopJoin
from pyram.engine.operators.project import Project
from pyram.engine.operators.recursive import RecursiveCteOp, WorkTableOp
from pyram.engine.operators.scan import IndexScan, TableScan
from pyram.engine.operators.set_ops import SetOperation
from pyram.engine.operators.sort import Sort, TopN
from pyram.engine.operators.values import Values
from pyram.plan.display import format_expr

__all__ = ["explain", "format_expr", "query_plan"]

#: One EXPLAIN QUERY PLAN row: id, parent id (0 at the top), unused (0), detail.
PlanRow = tuple[int, int, int, str]
#: ``(table, index name) -> the index's column names``.
IndexColumns = Callable[[str, str], tuple[str, ...]]
#: Operators that only reshape or write rows: EXPLAIN QUERY PLAN shows their inputs instead.
_TRANSPARENT = (Project, Filter, Limit, InsertOp, UpdateOp, DeleteOp)

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


def query_plan(op: Operator, index_columns: IndexColumns | None = None) -> list[PlanRow]:
    """EXPLAIN QUERY PLAN rows for the operator tree, in SQLite's shape.

    Args:
        op: the root operator.
        index_columns: ``(table, index) -> column names``, to show which columns an index
            search matches (``(a=?)``); without it the index access kind is shown.

    Example:
        >>> from pyram.engine.operators.values import Values
        >>> query_plan(Values((), ()))
        [(1, 0, 0, 'SCAN CONSTANT ROW')]
    """
    rows: list[PlanRow] = []

    def add(parent: int, detail: str) -> int:
        rows.append((len(rows) + 1, parent, 0, detail))
        return len(rows)

    def visit(node: Operator, parent: int) -> None:
        if isinstance(node, _TRANSPARENT):
            for child in node.children:
                visit(child, parent)
            return
        detail, children_under = _detail(node, index_columns)
        if detail is None or not children_under:
            # SQLite lists the reads first, then what is built over them (ORDER BY, GROUP BY)
            for child in node.children:
                visit(child, parent)
            if detail is not None:
                add(parent, detail)
            return
        me = add(parent, detail)
        if isinstance(node, SetOperation):
            first, second = node.children
            visit(first, add(me, "LEFT-MOST SUBQUERY"))
            visit(second, add(me, f"{node.name.upper()}{' ALL' if node.all else ''}"))
            return
        if isinstance(node, RecursiveCteOp):
            anchor, step = node.children
            visit(anchor, add(me, "SETUP"))
            visit(step, add(me, "RECURSIVE STEP"))
            return
        for child in node.children:
            visit(child, me)

    visit(op, 0)
    return rows


def _detail(node: Operator, index_columns: IndexColumns | None) -> tuple[str | None, bool]:
    """The detail line of one operator and whether its inputs go under it (or beside it)."""
    if isinstance(node, TableScan):
        return f"SCAN {node.table}", False
    if isinstance(node, IndexScan):
        if node.access == "ordered":
            return f"SCAN {node.table} USING INDEX {node.index}", False
        matched = _matched(node, index_columns)
        return f"SEARCH {node.table} USING INDEX {node.index} ({matched})", False
    if isinstance(node, IndexNestedLoopJoin):
        # the outer side is read first; the table is then searched once per outer row
        columns = index_columns(node.table, node.index) if index_columns else ()
        keys = len(node.keys)
        where = " AND ".join(f"{c}=?" for c in columns[:keys]) if columns else f"{keys} keys"
        return f"SEARCH {node.table} USING INDEX {node.index} ({where})", False
    if isinstance(node, HashJoin | NestedLoopJoin):
        kind = "HASH JOIN" if isinstance(node, HashJoin) else "NESTED LOOP JOIN"
        return f"{kind} ({node.describe()})", True
    if isinstance(node, Sort | TopN):
        return "USE TEMP B-TREE FOR ORDER BY", False
    if isinstance(node, HashAggregate):
        return ("USE HASH TABLE FOR GROUP BY" if node.groups else None), False
    if isinstance(node, Distinct):
        return "USE HASH TABLE FOR DISTINCT", False
    if isinstance(node, SetOperation):
        return "COMPOUND QUERY", True
    if isinstance(node, RecursiveCteOp):
        return "RECURSIVE CTE", True
    if isinstance(node, WorkTableOp):
        return "SCAN recursive work table", False
    if isinstance(node, Values):
        return "SCAN CONSTANT ROW", False
    return node.name.upper(), True


def _matched(node: IndexScan, index_columns: IndexColumns | None) -> str:
    """``a=?``, ``a>? AND a<?`` ...: the index columns an index search constrains."""
    columns = index_columns(node.table, node.index) if index_columns else ()
    if not columns:
        return node.access
    if node.key_exprs:
        return " AND ".join(f"{c}=?" for c in columns[: len(node.key_exprs[0])])
    parts = []
    if node.low_exprs is not None:
        column = columns[len(node.low_exprs) - 1]
        parts.append(f"{column}{'>=' if node.low_inclusive else '>'}?")
    if node.high_exprs is not None:
        column = columns[len(node.high_exprs) - 1]
        parts.append(f"{column}{'<=' if node.high_inclusive else '<'}?")
    return " AND ".join(parts)
