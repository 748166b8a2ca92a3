"""EXPLAIN QUERY PLAN in SQLite's shape, for people coming from SQLite.

Place in the pipeline: reads a physical operator tree (like :mod:`pyram.engine.explain`) and
says, in SQLite's words, how each table is read and where a temporary structure is built:
``SCAN t``, ``SEARCH t USING INDEX i (a=?)``, ``USE TEMP B-TREE FOR ORDER BY``,
``COMPOUND QUERY`` ... The rows have SQLite's four columns ``(id, parent, notused, detail)``;
:func:`format_query_plan` draws them as the sqlite3 shell does::

    QUERY PLAN
    |--SCAN t
    `--USE TEMP B-TREE FOR ORDER BY

The mapping is by meaning, not by mechanism: a hash join reads both tables in full (two
``SCAN`` lines), an index join searches the inner table (``SEARCH ... (k=?)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pyram.engine.operator import Operator
from pyram.engine.operators.aggregate import HashAggregate
from pyram.engine.operators.distinct import DistinctOp
from pyram.engine.operators.index_join import IndexNestedLoopJoin
from pyram.engine.operators.scan import IndexScanOp, TableScan
from pyram.engine.operators.set_ops import SetOperation
from pyram.engine.operators.sort import SortOp, TopN
from pyram.engine.operators.values import ValuesOp

__all__ = ["IndexColumns", "QueryPlanRow", "format_query_plan", "query_plan_rows"]

#: one row of EXPLAIN QUERY PLAN: (id, parent id, unused, detail), as SQLite returns it
QueryPlanRow = tuple[int, int, int, str]

#: the columns of index ``index`` of table ``table`` (for ``(a=?)`` in a SEARCH line)
IndexColumns = Callable[[str, str], Sequence[str]]

#: an entry before numbering: its detail and its nested entries
_Entry = tuple[str, list[Any]]

_SET_OPS = {"union": "UNION", "intersect": "INTERSECT", "except": "EXCEPT"}


def query_plan_rows(op: Operator, index_columns: IndexColumns) -> list[QueryPlanRow]:
    """The operator tree rooted at ``op`` as SQLite's EXPLAIN QUERY PLAN rows."""
    rows: list[QueryPlanRow] = []

    def number(entries: list[_Entry], parent: int) -> None:
        for detail, nested in entries:
            ident = len(rows) + 1
            rows.append((ident, parent, 0, detail))
            number(nested, ident)

    number(_entries(op, index_columns), 0)
    return rows


def format_query_plan(rows: Iterable[Sequence[Any]]) -> str:
    """EXPLAIN QUERY PLAN rows ``(id, parent, notused, detail)`` drawn as a tree, as the
    sqlite3 shell prints them (``QUERY PLAN`` then ``|--`` and ``` `-- ``` branches).

    Example:
        >>> rows = [(1, 0, 0, "SCAN t"), (2, 0, 0, "USE TEMP B-TREE FOR ORDER BY")]
        >>> print(format_query_plan(rows))
        QUERY PLAN
        |--SCAN t
        `--USE TEMP B-TREE FOR ORDER BY
    """
    children: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        ident, parent, detail = int(row[0]), int(row[1]), str(row[3])
        children.setdefault(parent, []).append((ident, detail))
    lines = ["QUERY PLAN"]

    def draw(parent: int, prefix: str) -> None:
        entries = children.get(parent, [])
        for i, (ident, detail) in enumerate(entries):
            last = i == len(entries) - 1
            lines.append(f"{prefix}{'`--' if last else '|--'}{detail}")
            draw(ident, prefix + ("   " if last else "|  "))

    draw(0, "")
    return "\n".join(lines)


def _entries(op: Operator, index_columns: IndexColumns) -> list[_Entry]:
    """The entries for ``op``: its reads of tables, then what it builds."""
    if isinstance(op, TableScan):
        return [(f"SCAN {op.table}", [])]
    if isinstance(op, IndexScanOp):
        return [(_index_scan(op, index_columns), [])]
    if isinstance(op, IndexNestedLoopJoin):
        columns = index_columns(op.table, op.index)[: len(op.keys)]
        terms = " AND ".join(f"{c}=?" for c in columns)
        search = f"SEARCH {op.table} USING INDEX {op.index} ({terms})"
        return [*_children(op, index_columns), (search, [])]
    if isinstance(op, SetOperation):
        return [("COMPOUND QUERY", _compound(op, index_columns))]
    if isinstance(op, ValuesOp):
        return [("SCAN CONSTANT ROW", [])] if op.fields else []
    entries = _children(op, index_columns)
    built = _built(op)
    return [*entries, (built, [])] if built else entries


def _built(op: Operator) -> str | None:
    """The temporary structure ``op`` builds, in SQLite's words."""
    if isinstance(op, SortOp | TopN):
        return "USE TEMP B-TREE FOR ORDER BY"
    if isinstance(op, HashAggregate) and op.groups:
        return "USE TEMP B-TREE FOR GROUP BY"
    if isinstance(op, DistinctOp):
        return "USE TEMP B-TREE FOR DISTINCT"
    return None


def _children(op: Operator, index_columns: IndexColumns) -> list[_Entry]:
    return [entry for child in op.children for entry in _entries(child, index_columns)]


def _compound(op: SetOperation, index_columns: IndexColumns) -> list[_Entry]:
    """The arms of a chain of set operations: ``LEFT-MOST SUBQUERY``, then one per operator."""
    left, right = op.children
    if isinstance(left, SetOperation):
        arms = _compound(left, index_columns)
    else:
        arms = [("LEFT-MOST SUBQUERY", _arm(left, index_columns))]
    kind = _SET_OPS[op.kind]
    label = f"{kind} ALL" if op.all else f"{kind} USING TEMP B-TREE"
    return [*arms, (label, _arm(right, index_columns))]


def _arm(op: Operator, index_columns: IndexColumns) -> list[_Entry]:
    """One arm of a compound: a SELECT of no table reads SQLite's constant row."""
    return _entries(op, index_columns) or [("SCAN CONSTANT ROW", [])]


def _index_scan(op: IndexScanOp, index_columns: IndexColumns) -> str:
    columns = index_columns(op.table, op.index)
    if op.access == "ordered":
        return f"SCAN {op.table} USING INDEX {op.index}"
    if op.access == "equality":
        terms = [f"{c}=?" for c in columns[: len(op.key_exprs[0])]]
    else:
        terms = []
        if op.low_exprs is not None:
            terms.append(f"{columns[0]}>?")
        if op.high_exprs is not None:
            terms.append(f"{columns[0]}<?")
    return f"SEARCH {op.table} USING INDEX {op.index} ({' AND '.join(terms)})"
