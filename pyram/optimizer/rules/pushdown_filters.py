"""pushdown_filters: move each filter conjunct as close to the rows it tests as possible.

Rewrites: Filter predicates are split on AND and every conjunct travels down the tree:

* through Project (column references are rewritten to the projected expressions, when those are
  plain columns or deterministic subquery-free expressions), Sort and Distinct;
* into both inputs of a set operation (by position, when the field types match);
* below Aggregate when it reads only group-by outputs that are plain input columns;
* below Window when it reads only partition keys that are plain input columns (it then removes
  whole partitions; any other conjunct would change the rows the window functions see);
* into the side of an inner or cross join that provides all its columns; a conjunct that needs
  both sides becomes part of the join condition (a cross join becomes an inner join), and the
  one-sided parts of an inner join's own condition move into that side too;
* into the preserved side only of a left/right join (above it otherwise), and ON conjuncts of a
  left/right/semi/anti join that read only the null-supplying (right) side filter that side;
* adjacent Filters merge into one;
* an outer join under a WHERE conjunct that is never TRUE on NULL-padded rows (``o.total > 5``
  above ``u LEFT JOIN o``) becomes an inner join (a full join becomes a left or right one), so
  the conjunct can then go down too; a Project at the root keeps the declared field types.

Why cheaper: rows are dropped before they are joined, sorted, grouped or projected, and a filter
that reaches a Scan is where :mod:`~pyram.optimizer.rules.choose_index_scan` can use an index.

Must not fire: across Limit (a filter above a limit sees fewer rows), into the null-supplying
side of an outer join from WHERE (unless the join became inner), across a full join, below an
aggregate without groups (it returns a row even for empty input). Conjuncts holding correlated
subqueries or non-deterministic functions stay exactly where they are.

Before / after::

    Filter ((u.age > 30) AND (o.user_id = u.id))      Join inner ON (o.user_id = u.id)
      Join cross                                ->      Filter (u.age > 30)
        Scan user AS u [id, age]                          Scan user AS u [id, age]
        Scan orders AS o [user_id]                      Scan orders AS o [user_id]
"""

from __future__ import annotations

from typing import Literal

import attrs

from pyram.optimizer.rewrite import (
    column_ref,
    conjoin,
    conjuncts,
    is_correlated,
    map_subquery_plans,
    referenced_cids,
    subqueries_in,
    substitute,
    with_inputs,
)
from pyram.optimizer.rule import RuleContext
from pyram.optimizer.volatility import is_deterministic, scalar_info
from pyram.plan.expr import (
    And,
    Arith,
    ArithChain,
    Between,
    Cast,
    ColumnRef,
    Compare,
    FunctionCall,
    InList,
    InValues,
    Like,
    Literal_,
    Negate,
    Not,
    Or,
    PlanExpr,
)
from pyram.plan.nodes import (
    Aggregate,
    Distinct,
    Filter,
    Join,
    JoinKind,
    Limit,
    Plan,
    Project,
    SetOp,
    Sort,
    Window,
    produced_cids,
)
from pyram.types import BOOLEAN

__all__ = ["apply", "name"]

name = "pushdown_filters"

Side = Literal["none", "left", "right", "both"]


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Push every movable filter conjunct of ``plan`` (and of its subqueries) down."""
    plan = map_subquery_plans(plan, lambda sub: apply(sub, ctx))
    pushed = _Pusher(produced_cids(plan)).push(plan, [])
    if pushed.fields != plan.fields:
        # an outer join became inner: its fields lost their forced nullability; the query's
        # result keeps the declared fields
        pushed = Project(pushed, tuple(column_ref(f) for f in plan.fields), plan.fields)
    return pushed


def _null_if_null(expr: PlanExpr, cids: set[int]) -> bool:
    """True when ``expr`` is NULL whenever all columns ``cids`` are NULL."""
    if isinstance(expr, ColumnRef):
        return expr.cid in cids
    if isinstance(expr, Arith | Compare):
        return _null_if_null(expr.left, cids) or _null_if_null(expr.right, cids)
    if isinstance(expr, ArithChain):  # every step of a chain is NULL when an operand is
        return any(_null_if_null(arg, cids) for arg in expr.args)
    if isinstance(expr, Negate | Not | Cast | InList | InValues | Between):
        return _null_if_null(expr.arg, cids)
    if isinstance(expr, Like):
        return _null_if_null(expr.arg, cids) or _null_if_null(expr.pattern, cids)
    if isinstance(expr, FunctionCall):
        info = scalar_info(expr.name)
        strict = info is not None and info.propagates_null
        return strict and any(_null_if_null(a, cids) for a in expr.args)
    return False


def _rejects_nulls(expr: PlanExpr, cids: set[int]) -> bool:
    """True when ``expr`` is never TRUE on a row whose columns ``cids`` are all NULL (so a WHERE
    holding it removes every row an outer join padded with NULLs on that side)."""
    if isinstance(expr, And):
        return any(_rejects_nulls(a, cids) for a in expr.args)
    if isinstance(expr, Or):
        return all(_rejects_nulls(a, cids) for a in expr.args)
    return _null_if_null(expr, cids)


def _simplified_kind(
    kind: JoinKind, preds: list[PlanExpr], left: set[int], right: set[int]
) -> JoinKind:
    """The join kind once WHERE conjuncts that reject NULL-padded rows are taken into account."""
    drops_left_padding = kind in ("left", "full") and any(_rejects_nulls(p, right) for p in preds)
    drops_right_padding = kind in ("right", "full") and any(_rejects_nulls(p, left) for p in preds)
    if kind == "full" and drops_left_padding != drops_right_padding:
        return "right" if drops_left_padding else "left"
    if drops_left_padding or drops_right_padding:
        return "inner"
    return kind


def _movable(conjunct: PlanExpr) -> bool:
    return not is_correlated(conjunct) and is_deterministic(conjunct)


def _wrap(plan: Plan, predicates: list[PlanExpr]) -> Plan:
    condition = conjoin(predicates)
    return plan if condition is None else Filter(plan, condition)


def _substitutable(expr: PlanExpr) -> bool:
    """May ``expr`` replace a column reference inside a pushed predicate?"""
    if isinstance(expr, ColumnRef):
        return True
    return not subqueries_in(expr) and is_deterministic(expr)


@attrs.frozen
class _Pusher:
    """Pushes conjuncts down one plan; ``local`` holds the column ids the plan itself produces
    (any other id is an outer column of a correlated subquery: constant for this plan)."""

    local: set[int]

    def refs(self, predicate: PlanExpr) -> set[int]:
        return referenced_cids(predicate) & self.local

    def push(self, plan: Plan, preds: list[PlanExpr]) -> Plan:
        """``plan`` with ``preds`` (conjuncts valid on its output) applied as low as possible."""
        if isinstance(plan, Filter):
            own = conjuncts(plan.predicate)
            pinned = [c for c in own if not _movable(c)]
            movable = [c for c in own if _movable(c)]
            return _wrap(self.push(plan.input, movable + preds), pinned)
        if isinstance(plan, Sort | Distinct):
            return plan.with_inputs(self.push(plan.input, preds))
        if isinstance(plan, Project):
            return self._project(plan, preds)
        if isinstance(plan, Aggregate):
            return self._aggregate(plan, preds)
        if isinstance(plan, Window):
            return self._window(plan, preds)
        if isinstance(plan, Join):
            return self._join(plan, preds)
        if isinstance(plan, SetOp):
            return self._set_op(plan, preds)
        if isinstance(plan, Limit):
            return _wrap(plan.with_inputs(self.push(plan.input, [])), preds)
        # any other node: a barrier; each input gets its own pushdown
        pushed = with_inputs(plan, [self.push(child, []) for child in plan.inputs])
        return _wrap(pushed, preds)

    def _through(
        self, preds: list[PlanExpr], mapping: dict[int, PlanExpr], need_refs: bool = False
    ) -> tuple[list[PlanExpr], list[PlanExpr]]:
        """Split ``preds`` into (rewritten for the input, kept above) by ``mapping``."""
        down: list[PlanExpr] = []
        keep: list[PlanExpr] = []
        for pred in preds:
            refs = self.refs(pred)
            if (refs or not need_refs) and all(cid in mapping for cid in refs):
                down.append(substitute(pred, {cid: mapping[cid] for cid in refs}))
            else:
                keep.append(pred)
        return down, keep

    def _project(self, plan: Project, preds: list[PlanExpr]) -> Plan:
        mapping = {f.cid: e for e, f in zip(plan.exprs, plan.out, strict=True) if _substitutable(e)}
        down, keep = self._through(preds, mapping)
        return _wrap(plan.with_inputs(self.push(plan.input, down)), keep)

    def _aggregate(self, plan: Aggregate, preds: list[PlanExpr]) -> Plan:
        mapping: dict[int, PlanExpr] = {
            f.cid: g
            for g, f in zip(plan.groups, plan.out, strict=False)
            if isinstance(g, ColumnRef)
        }
        # need_refs: a constant FALSE below a grouping-free aggregate would still give one row
        down, keep = self._through(preds, mapping, need_refs=True)
        return _wrap(plan.with_inputs(self.push(plan.input, down)), keep)

    def _window(self, plan: Window, preds: list[PlanExpr]) -> Plan:
        # a filter on the partition keys removes whole partitions, leaving the others' window
        # values as they were; any other filter would change the rows a window function sees
        mapping: dict[int, PlanExpr] = {
            g.cid: g for g in plan.partition_by if isinstance(g, ColumnRef)
        }
        down, keep = self._through(preds, mapping, need_refs=True)
        return _wrap(plan.with_inputs(self.push(plan.input, down)), keep)

    def _set_op(self, plan: SetOp, preds: list[PlanExpr]) -> Plan:
        sides = []
        for child in (plan.left, plan.right):
            mapping: dict[int, PlanExpr] = {
                out.cid: column_ref(field)
                for out, field in zip(plan.out, child.fields, strict=True)
                if out.dtype == field.dtype
            }
            sides.append(mapping)
        movable = [p for p in preds if all(c in sides[0] and c in sides[1] for c in self.refs(p))]
        keep = [p for p in preds if not any(p is m for m in movable)]
        left = self.push(plan.left, self._through(movable, sides[0])[0])
        right = self.push(plan.right, self._through(movable, sides[1])[0])
        return _wrap(plan.with_inputs(left, right), keep)

    def _side(self, pred: PlanExpr, left: set[int], right: set[int]) -> Side:
        refs = self.refs(pred)
        if not refs:
            return "none"
        if refs <= left:
            return "left"
        return "right" if refs <= right else "both"

    def _join(self, plan: Join, preds: list[PlanExpr]) -> Plan:
        left_cids = {f.cid for f in plan.left.fields}
        right_cids = {f.cid for f in plan.right.fields}
        own = [] if plan.condition is None else conjuncts(plan.condition)
        to_left: list[PlanExpr] = []
        to_right: list[PlanExpr] = []
        above: list[PlanExpr] = []
        on: list[PlanExpr] = []
        kind = _simplified_kind(plan.kind, preds, left_cids, right_cids)
        if kind in ("inner", "cross"):
            for pred in own + preds:
                side = self._side(pred, left_cids, right_cids)
                if not _movable(pred) or side == "both":
                    on.append(pred)
                else:
                    (to_right if side == "right" else to_left).append(pred)
            kind = "inner" if on else "cross"
        elif kind == "full":
            above, on = list(preds), own
        else:
            # the preserved side: left for left/semi/anti joins, right for right joins
            preserved = "right" if kind == "right" else "left"
            supplying = "left" if kind == "right" else "right"
            for pred in preds:
                if self._side(pred, left_cids, right_cids) in ("none", preserved):
                    (to_left if preserved == "left" else to_right).append(pred)
                else:
                    above.append(pred)
            for pred in own:
                side = self._side(pred, left_cids, right_cids)
                if _movable(pred) and side in ("none", supplying):
                    (to_left if supplying == "left" else to_right).append(pred)
                else:
                    on.append(pred)
        condition = conjoin(on)
        if condition is None and kind not in ("inner", "cross"):
            condition = Literal_(True, BOOLEAN)  # outer/semi/anti joins keep an ON clause
        joined = Join(
            kind, self.push(plan.left, to_left), self.push(plan.right, to_right), condition
        )
        return _wrap(joined, above)
