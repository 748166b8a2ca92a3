"""Physical planning: a logical plan (``pyram.plan.nodes``) becomes a tree of operators.

Place in the pipeline: after the optimizer, before the executor. One dispatch table maps each
logical node type to a builder. The choices made here are local and cheap:

* a join whose ON condition (split on AND) equates an expression of the left side with one of
  the right side becomes a :class:`HashJoin` (the other conjuncts form its residual); when the
  right side is a bare table scan with an index on exactly the key columns and the left side is
  estimated much smaller than the table, an :class:`IndexNestedLoopJoin` probes the index
  instead; anything else is a :class:`NestedLoopJoin`. A hash join builds on its right input
  unless that is estimated much larger than the left one: inner, left and right joins are then
  computed the other way round under a column-reordering :class:`ProjectOp` (no copy);
* ``Limit`` directly over ``Sort`` becomes a :class:`TopN`;
* every other node maps to the operator of the same name.

Before building, column references are re-marked nullable where a node's field says so
(:func:`widen_nullability`), since kernels trust that flag to skip NULL checks. Row estimates
are rough (they need a store to look at table sizes; without one they stay 0, and the
estimate-driven choices above are not made).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from pyram.engine.operator import Operator
from pyram.engine.operators.aggregate import HashAggregate
from pyram.engine.operators.common import referenced_cids
from pyram.engine.operators.distinct import DistinctOp
from pyram.engine.operators.dml import DeleteOp, InsertOp, UpdateOp
from pyram.engine.operators.filter import FilterOp
from pyram.engine.operators.hash_join import HashJoin
from pyram.engine.operators.index_join import IndexNestedLoopJoin
from pyram.engine.operators.limit import LimitOp
from pyram.engine.operators.nested_loop_join import NestedLoopJoin
from pyram.engine.operators.project import ProjectOp
from pyram.engine.operators.recursive import RecursiveCteOp, WorkTableOp
from pyram.engine.operators.scan import IndexScanOp, TableScan
from pyram.engine.operators.set_ops import SetOperation
from pyram.engine.operators.sort import SortOp, TopN
from pyram.engine.operators.values import ValuesOp
from pyram.engine.operators.window import WindowOp
from pyram.errors import NotSupportedError, ProgrammingError
from pyram.plan import nodes
from pyram.plan.expr import And, ColumnRef, Compare, InValues, Literal_, PlanExpr, SortKey
from pyram.storage import Store, TableData

__all__ = ["plan_physical", "split_conjuncts", "widen_nullability"]

#: An index join pays ~1 µs per probe against ~0.1 µs per row to hash the table: it wins when
#: the probe side is at most this fraction of the table.
INDEX_JOIN_RATIO = 8.0
#: A hash join builds on its right input unless that is estimated this many times larger than
#: the left one (building costs more per row than probing).
BUILD_SIDE_RATIO = 2.0
#: Guessed fraction of rows a filter keeps (no statistics yet).
FILTER_SELECTIVITY = 0.25


def plan_physical(plan: nodes.Plan, store: Store | None = None) -> Operator:
    """The operator tree executing ``plan``.

    Args:
        plan: a logical plan.
        store: when given, table sizes and indexes inform estimates and the choice of index
            joins; without it every estimate is 0 and joins are hash or nested-loop joins.

    Raises:
        NotSupportedError: a node type the engine cannot execute.
    """
    return _Planner(store).plan(widen_nullability(plan))


def widen_nullability(plan: nodes.Plan) -> nodes.Plan:
    """``plan`` with every column reference marked nullable where some node's field for that
    column is nullable (e.g. the inner side of an outer join).

    Compiled kernels leave out NULL checks for non-nullable references, so a reference that
    claims NOT NULL above an outer join would make them fail on the padding NULLs. Marking too
    many references nullable only costs a check. Returns ``plan`` itself when nothing changes.
    """
    nullable = {f.cid for node in nodes.walk_plan(plan) for f in node.fields if f.nullable}
    if not nullable:
        return plan
    result: nodes.Plan = _widen(plan, nullable)
    return result


def _widen(value: Any, nullable: set[int]) -> Any:
    """``value`` rebuilt with widened column references (same object when unchanged)."""
    if isinstance(value, ColumnRef):
        if value.cid in nullable and not value.may_be_null:
            return attrs.evolve(value, may_be_null=True)
        return value
    if isinstance(value, InValues):  # its items are constants: only the operand may change
        arg = _widen(value.arg, nullable)
        return value if arg is value.arg else attrs.evolve(value, arg=arg)
    if isinstance(value, tuple):
        items = tuple(_widen(v, nullable) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if not isinstance(value, PlanExpr | nodes.Plan | SortKey):
        return value
    node: Any = value  # every concrete PlanExpr, Plan and SortKey class is an attrs class
    changes = {}
    for field in attrs.fields(type(node)):
        old = getattr(node, field.name)
        new = _widen(old, nullable)
        if new is not old:
            changes[field.name] = new
    return attrs.evolve(node, **changes) if changes else node


def split_conjuncts(expr: PlanExpr) -> list[PlanExpr]:
    """The AND-ed parts of a condition (nested ANDs flattened)."""
    if isinstance(expr, And):
        return [part for arg in expr.args for part in split_conjuncts(arg)]
    return [expr]


class _Planner:
    __slots__ = ("store",)

    def __init__(self, store: Store | None) -> None:
        self.store = store

    def plan(self, node: nodes.Plan) -> Operator:
        builder = _BUILDERS.get(type(node))
        if builder is None:
            raise NotSupportedError(f"the engine cannot execute {type(node).__name__} nodes")
        return builder(self, node)

    def table(self, name: str) -> TableData | None:
        if self.store is None:
            return None
        try:
            return self.store.data(name)
        except ProgrammingError:
            return None

    def table_rows(self, name: str) -> float:
        data = self.table(name)
        return 0.0 if data is None else float(data.live_count)


def _scan(p: _Planner, node: nodes.Scan) -> Operator:
    return TableScan(
        node.table, node.columns, node.out, node.rid_cid, p.table_rows(node.table), node.as_of
    )


def _index_scan(p: _Planner, node: nodes.IndexScan) -> Operator:
    return IndexScanOp(
        node.table,
        node.index,
        node.columns,
        node.out,
        keys=node.keys,
        low=node.low,
        low_inclusive=node.low_inclusive,
        high=node.high,
        high_inclusive=node.high_inclusive,
        descending=node.descending,
        rid_cid=node.rid_cid,
        estimated_rows=_index_scan_rows(p, node),
    )


def _index_scan_rows(p: _Planner, node: nodes.IndexScan) -> float:
    data = p.table(node.table)
    if data is None:
        return 0.0
    rows = float(data.live_count)
    index = data.indexes.get(node.index)
    if node.keys and index is not None:
        return len(node.keys) * rows / max(index.distinct_keys(), 1)
    if node.low is not None or node.high is not None:
        return rows * FILTER_SELECTIVITY
    return rows


def _filter(p: _Planner, node: nodes.Filter) -> Operator:
    child = p.plan(node.input)
    return FilterOp(child, node.predicate, child.estimated_rows * FILTER_SELECTIVITY)


def _project(p: _Planner, node: nodes.Project) -> Operator:
    child = p.plan(node.input)
    return ProjectOp(child, node.exprs, node.out, child.estimated_rows)


def _aggregate(p: _Planner, node: nodes.Aggregate) -> Operator:
    child = p.plan(node.input)
    # a tenth of the input as groups (no group statistics yet), at least one when any input
    rows = max(min(child.estimated_rows, 1.0), child.estimated_rows * 0.1) if node.groups else 1.0
    return HashAggregate(child, node.groups, node.aggregates, node.out, rows)


def _sort(p: _Planner, node: nodes.Sort) -> Operator:
    child = p.plan(node.input)
    return SortOp(child, node.keys, child.estimated_rows)


def _window(p: _Planner, node: nodes.Window) -> Operator:
    child = p.plan(node.input)
    return WindowOp(
        child, node.partition_by, node.order_by, node.calls, node.out, child.estimated_rows
    )


def _limit(p: _Planner, node: nodes.Limit) -> Operator:
    source = node.input
    if isinstance(source, nodes.Sort) and node.limit is not None:
        child = p.plan(source.input)
        rows = _limited_rows(child.estimated_rows, node.limit)
        return TopN(child, source.keys, node.limit, node.offset, rows)
    child = p.plan(source)
    return LimitOp(child, node.limit, node.offset, _limited_rows(child.estimated_rows, node.limit))


def _limited_rows(rows: float, limit: PlanExpr | None) -> float:
    if isinstance(limit, Literal_) and isinstance(limit.value, int) and limit.value >= 0:
        return min(rows, float(limit.value))
    return rows


def _distinct(p: _Planner, node: nodes.Distinct) -> Operator:
    child = p.plan(node.input)
    return DistinctOp(child, child.estimated_rows)


def _set_op(p: _Planner, node: nodes.SetOp) -> Operator:
    left, right = p.plan(node.left), p.plan(node.right)
    rows = left.estimated_rows + (right.estimated_rows if node.kind == "union" else 0.0)
    return SetOperation(node.kind, node.all, left, right, node.out, rows, node.ordered)


def _values(p: _Planner, node: nodes.Values) -> Operator:
    return ValuesOp(node.rows, node.out)


def _recursive_cte(p: _Planner, node: nodes.RecursiveCte) -> Operator:
    return RecursiveCteOp(p.plan(node.anchor), p.plan(node.step), node.all, node.work_id, node.out)


def _work_table(p: _Planner, node: nodes.WorkTable) -> Operator:
    return WorkTableOp(node.work_id, node.out)


def _insert(p: _Planner, node: nodes.Insert) -> Operator:
    return InsertOp(node.table, node.columns, p.plan(node.source), node.on_conflict)


def _update(p: _Planner, node: nodes.Update) -> Operator:
    return UpdateOp(node.table, p.plan(node.input), node.assignments, node.rid_cid)


def _delete(p: _Planner, node: nodes.Delete) -> Operator:
    return DeleteOp(node.table, p.plan(node.input), node.rid_cid)


# ---------------------------------------------------------------------- joins
def _join(p: _Planner, node: nodes.Join) -> Operator:
    left = p.plan(node.left)
    keys, residual = _equi_keys(node)
    if keys:
        index_join = _index_join(p, node, left, keys, residual)
        if index_join is not None:
            return index_join
    right = p.plan(node.right)
    rows = _join_rows(node.kind, left.estimated_rows, right.estimated_rows)
    if not keys:
        return NestedLoopJoin(node.kind, left, right, node.condition, rows)
    left_keys = tuple(k for k, _ in keys)
    right_keys = tuple(k for _, k in keys)
    swapped = _SWAPPED_KIND.get(node.kind)
    if swapped is not None and right.estimated_rows > BUILD_SIDE_RATIO * left.estimated_rows:
        # hash the smaller input: join the other way round, then restore the column order
        join = HashJoin(swapped, right, left, right_keys, left_keys, residual, rows)
        refs = tuple(ColumnRef(f.cid, f.name, f.dtype, f.nullable) for f in node.fields)
        return ProjectOp(join, refs, node.fields, rows)
    return HashJoin(node.kind, left, right, left_keys, right_keys, residual, rows)


#: Join kinds a hash join can also compute with its inputs exchanged (as this other kind).
_SWAPPED_KIND: dict[str, nodes.JoinKind] = {"inner": "inner", "left": "right", "right": "left"}


def _equi_keys(node: nodes.Join) -> tuple[list[tuple[PlanExpr, PlanExpr]], PlanExpr | None]:
    """(left expr, right expr) equalities of the ON condition, and the rest AND-ed."""
    if node.condition is None or node.kind == "cross":
        return [], node.condition
    left_cids = {f.cid for f in node.left.fields}
    right_cids = {f.cid for f in node.right.fields}
    keys: list[tuple[PlanExpr, PlanExpr]] = []
    rest: list[PlanExpr] = []
    for part in split_conjuncts(node.condition):
        pair = _equi_pair(part, left_cids, right_cids)
        if pair is None:
            rest.append(part)
        else:
            keys.append(pair)
    residual = None if not rest else rest[0] if len(rest) == 1 else And(tuple(rest))
    return keys, residual


def _equi_pair(part: PlanExpr, left: set[int], right: set[int]) -> tuple[PlanExpr, PlanExpr] | None:
    if not isinstance(part, Compare) or part.op != "=":
        return None
    a, b = referenced_cids(part.left), referenced_cids(part.right)
    if not a or not b:
        return None
    if a <= left and b <= right:
        return part.left, part.right
    if a <= right and b <= left:
        return part.right, part.left
    return None


def _join_rows(kind: str, left: float, right: float) -> float:
    if kind == "cross":
        return left * right
    if kind in ("semi", "anti"):
        return left * 0.5
    if kind == "full":
        return left + right
    return max(left, right)


def _index_join(
    p: _Planner,
    node: nodes.Join,
    left: Operator,
    keys: list[tuple[PlanExpr, PlanExpr]],
    residual: PlanExpr | None,
) -> Operator | None:
    """An index nested-loop join when it beats hashing the whole right table, else None."""
    scan = node.right
    if node.kind not in ("inner", "left", "semi", "anti") or not isinstance(scan, nodes.Scan):
        return None
    if scan.as_of is not None:  # a past scan reads no index
        return None
    data = p.table(scan.table)
    if data is None or left.estimated_rows * INDEX_JOIN_RATIO >= data.live_count:
        return None
    by_cid = dict(zip((f.cid for f in scan.out), scan.columns, strict=False))
    key_columns: dict[str, PlanExpr] = {}
    for outer_expr, inner_expr in keys:
        if not isinstance(inner_expr, ColumnRef) or inner_expr.cid not in by_cid:
            return None
        key_columns.setdefault(by_cid[inner_expr.cid], outer_expr)
    if len(key_columns) != len(keys):
        return None
    index = _matching_index(data, set(key_columns))
    if index is None:
        return None
    ordered = tuple(key_columns[c] for c in data.indexes[index].columns)
    rows = _join_rows(node.kind, left.estimated_rows, left.estimated_rows)
    return IndexNestedLoopJoin(
        node.kind,
        left,
        scan.table,
        index,
        ordered,
        scan.columns,
        scan.out,
        residual,
        scan.rid_cid,
        rows,
    )


def _matching_index(data: TableData, columns: set[str]) -> str | None:
    """An index of the table whose key is exactly ``columns`` (hash indexes preferred)."""
    found = [
        (index.kind != "hash", name)
        for name, index in data.indexes.items()
        if set(index.columns) == columns and len(index.columns) == len(columns)
    ]
    return min(found)[1] if found else None


_BUILDERS: dict[type[nodes.Plan], Callable[[_Planner, Any], Operator]] = {
    nodes.Scan: _scan,
    nodes.IndexScan: _index_scan,
    nodes.Filter: _filter,
    nodes.Project: _project,
    nodes.Join: _join,
    nodes.Aggregate: _aggregate,
    nodes.Sort: _sort,
    nodes.Window: _window,
    nodes.Limit: _limit,
    nodes.Distinct: _distinct,
    nodes.SetOp: _set_op,
    nodes.Values: _values,
    nodes.RecursiveCte: _recursive_cte,
    nodes.WorkTable: _work_table,
    nodes.Insert: _insert,
    nodes.Update: _update,
    nodes.Delete: _delete,
}
