"""merge_projections: fold a Project into the Project above it, and drop identity Projects.

Rewrites:

* ``Project(outer) over Project(inner)`` where every inner output the outer one reads is a plain
  column reference -> one Project over the inner one's input (the outer expressions read the
  inner input's columns directly; the outer fields are unchanged);
* a Project that outputs exactly its input's fields (same column ids, names, types, order)
  -> its input.

Why cheaper: each Project is one operator and one pass building output vectors per batch; join
reordering and pruning leave such stacks behind.

Must not fire when the inner Project computes something the outer one reads (that expression
would be copied, possibly evaluated twice), or when the outer Project holds a correlated
subquery (its plan refers to the inner Project's column ids by number).

Before / after::

    Project name AS n                Project name AS n
      Project name, age       ->       Scan user [name, age]
        Scan user [name, age]
"""

from __future__ import annotations

import attrs

from pyram.optimizer.rewrite import (
    is_correlated,
    map_subquery_plans,
    referenced_cids,
    substitute,
    transform_plan_up,
)
from pyram.optimizer.rule import RuleContext
from pyram.plan.expr import ColumnRef, PlanExpr
from pyram.plan.nodes import Plan, Project

__all__ = ["apply", "name"]

name = "merge_projections"


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Merge stacked Projects of ``plan`` (and of its subqueries) and drop identity ones."""
    plan = map_subquery_plans(plan, lambda sub: apply(sub, ctx))
    return transform_plan_up(plan, _merge)


def _is_identity(plan: Project) -> bool:
    below = plan.input.fields
    return plan.out == below and all(
        isinstance(e, ColumnRef) and e.cid == f.cid for e, f in zip(plan.exprs, below, strict=True)
    )


def _merge(plan: Plan) -> Plan:
    if not isinstance(plan, Project):
        return plan
    if _is_identity(plan):
        return plan.input
    inner = plan.input
    if not isinstance(inner, Project) or any(is_correlated(e) for e in plan.exprs):
        return plan
    mapping: dict[int, PlanExpr] = dict(zip((f.cid for f in inner.out), inner.exprs, strict=True))
    read: set[int] = set()
    for expr in plan.exprs:
        read |= referenced_cids(expr)
    if not all(isinstance(mapping[cid], ColumnRef) for cid in read if cid in mapping):
        return plan
    exprs = tuple(substitute(e, mapping) for e in plan.exprs)
    merged = attrs.evolve(plan, input=inner.input, exprs=exprs)
    return merged.input if _is_identity(merged) else merged
