"""Cardinality estimates: how many rows a plan (or a predicate) is expected to give.

Place in the pipeline: :mod:`~pyram.optimizer.rules.choose_index_scan` compares index access
paths and :mod:`~pyram.optimizer.rules.reorder_joins` orders joins with these numbers. Facts come
from :class:`~pyram.optimizer.rule.Statistics` (row counts, distinct index keys) and the catalog
(which columns are indexed); everything else uses the textbook default selectivities below.
Estimates only steer choices between equivalent plans, so being wrong costs time, never results.
"""

from __future__ import annotations

from pyram.optimizer.rewrite import conjuncts
from pyram.optimizer.rule import RuleContext
from pyram.plan.expr import (
    Between,
    ColumnRef,
    Compare,
    InList,
    InValues,
    IsNull,
    Literal_,
    PlanExpr,
)
from pyram.plan.nodes import (
    Aggregate,
    Filter,
    IndexScan,
    Join,
    Limit,
    Plan,
    Project,
    Scan,
    SetOp,
    Values,
)

__all__ = [
    "DEFAULT_SELECTIVITY",
    "EQ_SELECTIVITY",
    "RANGE_SELECTIVITY",
    "column_origins",
    "column_ndv",
    "estimate_rows",
    "selectivity",
]

#: ``col = value`` on a column with no index to count its keys.
EQ_SELECTIVITY = 0.1
#: One range bound (``col > value``); two bounds (BETWEEN) count as two.
RANGE_SELECTIVITY = 1 / 3
#: Any other predicate (LIKE, OR, functions...).
DEFAULT_SELECTIVITY = 0.5
#: Share of input rows an aggregate with groups returns when nothing better is known.
GROUP_RATIO = 0.1

Origins = dict[int, tuple[str, str]]


def column_origins(plan: Plan) -> Origins:
    """cid -> (table, column) for the output fields of ``plan`` that are stored columns passed
    through unchanged (by filters, sorts, limits, joins and plain column projections)."""
    if isinstance(plan, Scan | IndexScan):
        return {f.cid: (plan.table, c) for f, c in zip(plan.out, plan.columns, strict=False)}
    if isinstance(plan, Join):
        found = column_origins(plan.left)
        if plan.kind not in ("semi", "anti"):
            found.update(column_origins(plan.right))
        return found
    if plan.passes_columns:  # filters, sorts, limits, windows ...: input columns unchanged
        return column_origins(plan.inputs[0])
    if isinstance(plan, Project):
        below = column_origins(plan.input)
        return {
            f.cid: below[e.cid]
            for e, f in zip(plan.exprs, plan.out, strict=True)
            if isinstance(e, ColumnRef) and e.cid in below
        }
    return {}


def column_ndv(ctx: RuleContext, table: str, column: str) -> float | None:
    """Distinct values of a stored column, when an index on exactly that column counts them."""
    schema = ctx.table(table)
    if schema is None:
        return None
    for index in schema.indexes:
        if index.columns == (column,):
            if index.unique:
                return float(max(ctx.stats.row_count(table), 1))
            return float(max(ctx.stats.distinct_keys(table, index.name), 1))
    return None


def selectivity(ctx: RuleContext, predicate: PlanExpr, origins: Origins) -> float:
    """The estimated share of rows for which ``predicate`` is TRUE (conjuncts independent)."""
    result = 1.0
    for part in conjuncts(predicate):
        result *= _conjunct_selectivity(ctx, part, origins)
    return result


def _conjunct_selectivity(ctx: RuleContext, part: PlanExpr, origins: Origins) -> float:
    if isinstance(part, Literal_):
        return 1.0 if part.value is True else 0.0
    if isinstance(part, Compare):
        if part.op == "=":
            return _eq_selectivity(ctx, part, origins)
        if part.op == "!=":
            return 1 - EQ_SELECTIVITY
        return RANGE_SELECTIVITY
    if isinstance(part, Between):
        return 1 - RANGE_SELECTIVITY**2 if part.negated else RANGE_SELECTIVITY**2
    if isinstance(part, InList) and not part.negated:
        return min(1.0, EQ_SELECTIVITY * len(part.items))
    if isinstance(part, InValues) and not part.negated:
        return min(1.0, EQ_SELECTIVITY * part.size)
    if isinstance(part, IsNull):
        return 1 - EQ_SELECTIVITY if part.negated else EQ_SELECTIVITY
    return DEFAULT_SELECTIVITY


def _eq_selectivity(ctx: RuleContext, part: Compare, origins: Origins) -> float:
    best = EQ_SELECTIVITY
    for side in (part.left, part.right):
        if isinstance(side, ColumnRef) and side.cid in origins:
            ndv = column_ndv(ctx, *origins[side.cid])
            if ndv is not None:
                best = min(best, 1 / ndv)
    return best


def estimate_rows(plan: Plan, ctx: RuleContext) -> float:
    """The estimated number of rows ``plan`` produces (never negative)."""
    if isinstance(plan, Scan):
        return float(ctx.stats.row_count(plan.table))
    if isinstance(plan, IndexScan):
        return _index_scan_rows(plan, ctx)
    if isinstance(plan, Filter):
        rows = estimate_rows(plan.input, ctx)
        return rows * selectivity(ctx, plan.predicate, column_origins(plan.input))
    if isinstance(plan, Limit):
        rows = estimate_rows(plan.input, ctx)
        if isinstance(plan.limit, Literal_) and isinstance(plan.limit.value, int):
            rows = min(rows, float(max(plan.limit.value, 0)))
        return rows
    if isinstance(plan, Aggregate):
        if not plan.groups:
            return 1.0
        return max(1.0, estimate_rows(plan.input, ctx) * GROUP_RATIO)
    if isinstance(plan, Join):
        return _join_rows(plan, ctx)
    if isinstance(plan, SetOp):
        left, right = estimate_rows(plan.left, ctx), estimate_rows(plan.right, ctx)
        if plan.kind == "union":
            return left + right
        return min(left, right) if plan.kind == "intersect" else left
    if isinstance(plan, Values):
        return float(len(plan.rows))
    # any other node (Project, Sort, Distinct, Window ...): at most one row per input row
    return estimate_rows(plan.inputs[0], ctx) if plan.inputs else 0.0


def _index_scan_rows(plan: IndexScan, ctx: RuleContext) -> float:
    rows = float(ctx.stats.row_count(plan.table))
    schema = ctx.table(plan.table)
    spec = (
        None
        if schema is None
        else next((ix for ix in schema.indexes if ix.name == plan.index), None)
    )
    if plan.keys:
        if spec is not None and spec.unique:
            per_key = min(rows, 1.0)
        else:
            per_key = rows / max(ctx.stats.distinct_keys(plan.table, plan.index), 1)
        return per_key * len(plan.keys)
    bounds = (plan.low is not None) + (plan.high is not None)
    return rows * RANGE_SELECTIVITY**bounds


def _join_rows(plan: Join, ctx: RuleContext) -> float:
    left, right = estimate_rows(plan.left, ctx), estimate_rows(plan.right, ctx)
    if plan.kind in ("semi", "anti"):
        return left * DEFAULT_SELECTIVITY
    rows = left * right
    if plan.condition is not None:
        origins = column_origins(plan.left) | column_origins(plan.right)
        rows *= selectivity(ctx, plan.condition, origins)
    if plan.kind in ("left", "full"):
        rows = max(rows, left)
    if plan.kind in ("right", "full"):
        rows = max(rows, right)
    return rows
