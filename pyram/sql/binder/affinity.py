"""SQLite's REAL affinity for the columns of a compound subquery used as a table.

A subquery, CTE or view in FROM has columns with an affinity: that of the expression in its
FIRST arm's select list. Reading a REAL-affinity column turns an INTEGER into a REAL, so
``SELECT * FROM (SELECT r FROM t UNION ALL SELECT 0)`` shows ``0.0`` where the top-level
compound shows ``0``. Only compounds matter here: otherwise a REAL-affinity expression (a REAL
column, a CAST AS REAL) holds REAL values already.

An expression has REAL affinity when it is a REAL table column, ``CAST(... AS REAL)``, a
column of a derived table with REAL affinity or a scalar subquery whose column has it.
"""

from __future__ import annotations

from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.builder import PlanBuilder
from pyram.types import REAL

__all__ = ["apply_real_affinity"]

#: how deep the search for a column's origin may go (plans are shallow; this bounds odd ones)
_MAX_DEPTH = 64


def apply_real_affinity(b: PlanBuilder, plan: pn.Plan) -> pn.Plan:
    """``plan`` with its REAL-affinity columns cast to REAL when it is a compound whose columns
    may hold INTEGER values; else ``plan`` unchanged."""
    top = plan
    while isinstance(top, pn.Sort | pn.Limit | pn.Distinct):
        top = top.input
    if not isinstance(top, pn.SetOp):
        return plan
    first: pn.Plan = top
    while isinstance(first, pn.SetOp):
        first = first.left
    cast = [
        field.dtype is REAL and _real_affinity(first, i, 0) for i, field in enumerate(plan.fields)
    ]
    if not any(cast):
        return plan
    exprs = [
        px.Cast(b.column(f), REAL) if wanted else b.column(f)
        for f, wanted in zip(plan.fields, cast, strict=True)
    ]
    return b.project(plan, exprs, [f.name for f in plan.fields])


def _real_affinity(plan: pn.Plan, index: int, depth: int) -> bool:
    """Whether output column ``index`` of the select ``plan`` has REAL affinity."""
    while isinstance(plan, pn.Sort | pn.Limit | pn.Distinct):
        plan = plan.input
    if isinstance(plan, pn.Project):
        return _expr_affinity(plan.exprs[index], plan.input, depth + 1)
    return _origin_affinity(plan, plan.fields[index].cid, depth + 1)


def _expr_affinity(expr: px.PlanExpr, source: pn.Plan, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, px.Cast):
        return expr.dtype is REAL and not expr.mode
    if isinstance(expr, px.ScalarSubquery):
        return _real_affinity(expr.plan, 0, depth)
    if isinstance(expr, px.ColumnRef):
        return _origin_affinity(source, expr.cid, depth)
    return False


def _origin_affinity(plan: pn.Plan, cid: int, depth: int) -> bool:
    """The affinity of column ``cid`` as the node of ``plan`` that makes it defines it."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(plan, pn.Scan | pn.IndexScan):
        return any(f.cid == cid and f.dtype is REAL for f in plan.fields)
    if isinstance(plan, pn.Project):
        for expr, field in zip(plan.exprs, plan.out, strict=True):
            if field.cid == cid:
                return _expr_affinity(expr, plan.input, depth + 1)
        return False
    if isinstance(plan, pn.Aggregate):
        for expr, field in zip(plan.groups, plan.out, strict=False):
            if field.cid == cid:
                return _expr_affinity(expr, plan.input, depth + 1)
        return False  # an aggregate's result has no affinity
    if isinstance(plan, pn.SetOp):
        for i, field in enumerate(plan.out):
            if field.cid == cid:
                first: pn.Plan = plan
                while isinstance(first, pn.SetOp):
                    first = first.left
                return _real_affinity(first, i, depth + 1)
        return False
    return any(_origin_affinity(child, cid, depth + 1) for child in pn.inputs(plan))
