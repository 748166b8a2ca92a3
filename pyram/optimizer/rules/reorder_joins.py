"""reorder_joins: join the smallest relations first, so intermediate results stay small.

Rewrites a maximal tree of inner and cross joins with three or more inputs: the inputs and all
join conditions are collected, then a left-deep tree is rebuilt greedily: start from the input
with the fewest estimated rows, then repeatedly join the input connected to what is joined so
far (some conjunct reads both) that gives the smallest estimated result; an input connected to
nothing comes last, as a cross join. Every conjunct is placed on the lowest join where all its
columns are available. When the output field order changed, a Project restores the original
order (same column ids and names).

Why cheaper: joins cost about the size of their inputs; joining selective relations first keeps
every intermediate result small, and never crossing unconnected relations early avoids
Cartesian blow-ups.

Must not fire across outer, semi or anti joins (they are barriers: each becomes one input of the
tree, reordered inside on its own), on conditions calling non-deterministic functions (moving
them changes how often they run), or on two-input joins (which side builds the hash table is
the physical planner's choice, not a logical one). Estimates come from
:mod:`pyram.optimizer.stats`; ties keep the original order, so the rule is deterministic.

Before / after (``big`` 10000 rows, ``mid`` 100, ``small`` 10)::

    Join inner ON (mid.id = small.mid_id)            Project big.id, mid.id, small.mid_id...
      Join inner ON (big.mid_id = mid.id)       ->     Join inner ON (big.mid_id = mid.id)
        Scan big ...                                     Join inner ON (mid.id = small.mid_id)
        Scan mid ...                                       Scan small ...
      Scan small ...                                       Scan mid ...
                                                         Scan big ...
"""

from __future__ import annotations

import attrs

from pyram.optimizer.rewrite import (
    column_ref,
    conjoin,
    conjuncts,
    map_subquery_plans,
    referenced_cids,
    with_inputs,
)
from pyram.optimizer.rule import RuleContext
from pyram.optimizer.stats import column_origins, estimate_rows, selectivity
from pyram.optimizer.volatility import is_deterministic
from pyram.plan.expr import PlanExpr
from pyram.plan.nodes import Join, Plan, Project, inputs

__all__ = ["apply", "name"]

name = "reorder_joins"

#: Fewer inputs than this are left in their written order.
MIN_INPUTS = 3


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Reorder every inner-join tree of ``plan`` (and of its subqueries) by estimated size."""
    plan = map_subquery_plans(plan, lambda sub: apply(sub, ctx))
    return _rewrite(plan, ctx)


def _is_inner(plan: Plan) -> bool:
    return isinstance(plan, Join) and plan.kind in ("inner", "cross")


def _rewrite(plan: Plan, ctx: RuleContext) -> Plan:
    leaves: list[Plan] = []
    parts: list[PlanExpr] = []
    if _is_inner(plan):
        _flatten(plan, leaves, parts)
    if len(leaves) < MIN_INPUTS or not all(is_deterministic(part) for part in parts):
        return with_inputs(plan, [_rewrite(child, ctx) for child in inputs(plan)])
    return _Reorder(ctx, [_rewrite(leaf, ctx) for leaf in leaves], parts).build(plan)


def _flatten(plan: Plan, leaves: list[Plan], parts: list[PlanExpr]) -> None:
    """Collect the inputs (left to right) and condition conjuncts of an inner-join tree."""
    if isinstance(plan, Join) and _is_inner(plan):
        _flatten(plan.left, leaves, parts)
        _flatten(plan.right, leaves, parts)
        if plan.condition is not None:
            parts.extend(conjuncts(plan.condition))
    else:
        leaves.append(plan)


@attrs.frozen
class _Reorder:
    """One join tree being rebuilt: its inputs and every conjunct of its conditions."""

    ctx: RuleContext
    leaves: list[Plan]
    parts: list[PlanExpr]
    cids: list[set[int]] = attrs.field(init=False)
    rows: list[float] = attrs.field(init=False)
    origins: dict[int, tuple[str, str]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "cids", [{f.cid for f in leaf.fields} for leaf in self.leaves])
        object.__setattr__(self, "rows", [estimate_rows(leaf, self.ctx) for leaf in self.leaves])
        origins: dict[int, tuple[str, str]] = {}
        for leaf in self.leaves:
            origins.update(column_origins(leaf))
        object.__setattr__(self, "origins", origins)

    def local_refs(self, part: PlanExpr) -> set[int]:
        """Columns of this tree a conjunct reads (outer columns are available everywhere)."""
        every: set[int] = set().union(*self.cids)
        return referenced_cids(part) & every

    def order(self) -> list[int]:
        """The greedy join order, as leaf positions."""
        remaining = list(range(len(self.leaves)))
        first = min(remaining, key=lambda i: (self.rows[i], i))
        chosen, available, size = [first], set(self.cids[first]), self.rows[first]
        remaining.remove(first)
        refs = [self.local_refs(p) for p in self.parts]
        while remaining:
            options = []
            for i in remaining:
                joint = available | self.cids[i]
                linking = [
                    p
                    for p, r in zip(self.parts, refs, strict=True)
                    if r <= joint and not r <= available and not r <= self.cids[i]
                ]
                if linking:
                    options.append((self.estimate(size, i, linking), i))
            if options:
                size, best = min(options)
            else:
                best = min(remaining, key=lambda i: (self.rows[i], i))
                size *= self.rows[best]
            chosen.append(best)
            available |= self.cids[best]
            remaining.remove(best)
        return chosen

    def estimate(self, size: float, leaf: int, linking: list[PlanExpr]) -> float:
        """Rows of (what is joined so far, ``size`` rows) joined with ``leaf`` on ``linking``."""
        condition = conjoin(linking)
        factor = 1.0 if condition is None else selectivity(self.ctx, condition, self.origins)
        return size * self.rows[leaf] * factor

    def build(self, original: Plan) -> Plan:
        """The reordered tree (wrapped in a Project when the field order changed)."""
        order = self.order()
        pending = [(p, self.local_refs(p)) for p in self.parts]
        tree = self.leaves[order[0]]
        available = set(self.cids[order[0]])
        for position in order[1:]:
            available |= self.cids[position]
            here = [p for p, refs in pending if refs <= available]
            pending = [(p, refs) for p, refs in pending if not refs <= available]
            condition = conjoin(here)
            tree = Join(
                "cross" if condition is None else "inner", tree, self.leaves[position], condition
            )
        if [f.cid for f in tree.fields] == [f.cid for f in original.fields]:
            return tree
        fields = original.fields
        return Project(tree, tuple(column_ref(f) for f in fields), fields)
