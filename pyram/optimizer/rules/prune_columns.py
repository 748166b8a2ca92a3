"""prune_columns: read and compute only the columns some operator above actually uses.

Rewrites, top-down with the set of column ids still needed:

* Scan / IndexScan ``columns`` and ``out`` shrink to the needed stored columns (at least one is
  kept, so ``count(*)`` still sees every row; the row-id field is always kept);
* inner Project outputs and Aggregate aggregates nobody reads are dropped (a Project keeps at
  least one output; an Aggregate without groups keeps at least one aggregate);
* Values columns nobody reads are dropped;
* Window calls nobody reads are dropped (a Window left without calls disappears).

Why cheaper: the engine materialises fewer column vectors per batch and evaluates fewer
expressions; joins and sorts move narrower rows.

The root of an EXISTS subquery keeps only one column (nobody reads them).

Must not fire on the root's fields (they are the query's result), below Distinct or a set
operation (every column takes part in duplicate elimination), or below Insert, Update and Delete
(they consume their input's fields by position).

Before / after::

    Project name                        Project name
      Filter (age > 30)          ->       Filter (age > 30)
        Scan user [id, name, age]           Scan user [name, age]
"""

from __future__ import annotations

import attrs

from pyram.optimizer.rewrite import SubqueryExpr, map_subqueries, referenced_cids, with_inputs
from pyram.optimizer.rule import RuleContext
from pyram.plan.expr import Exists, Field, PlanExpr
from pyram.plan.nodes import (
    Aggregate,
    Distinct,
    IndexScan,
    Plan,
    Project,
    Scan,
    Values,
    Window,
)

__all__ = ["apply", "name"]

name = "prune_columns"


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Narrow every operator of ``plan`` (and of its subqueries) to the columns used above it."""
    return _prune(_prune_subqueries(plan), _all_fields(plan))


def _prune_subqueries(plan: Plan) -> Plan:
    def prune_subquery(sub: SubqueryExpr) -> Plan:
        inner = _prune_subqueries(sub.plan)
        # EXISTS only asks whether a row exists: none of its columns is read
        return _prune(inner, set() if isinstance(sub, Exists) else _all_fields(inner))

    return map_subqueries(plan, prune_subquery)


def _refs(exprs: tuple[PlanExpr, ...]) -> set[int]:
    found: set[int] = set()
    for expr in exprs:
        found |= referenced_cids(expr)
    return found


def _all_fields(plan: Plan) -> set[int]:
    return {f.cid for f in plan.fields}


def _prune(plan: Plan, needed: set[int]) -> Plan:
    """``plan`` producing at least the ``needed`` column ids of its output."""
    if isinstance(plan, Scan | IndexScan):
        return _prune_scan(plan, needed)
    if isinstance(plan, Project):
        return _prune_project(plan, needed)
    if isinstance(plan, Aggregate):
        return _prune_aggregate(plan, needed)
    if isinstance(plan, Values):
        return _prune_values(plan, needed)
    if isinstance(plan, Window):
        return _prune_window(plan, needed)
    own = _refs(plan.expressions)
    if plan.passes_columns and not isinstance(plan, Distinct):
        # filters, sorts, limits, joins: the output columns are input columns, so what is
        # needed above (and what the node reads) is what is needed below
        return with_inputs(plan, [_prune(child, needed | own) for child in plan.inputs])
    # any other node reads every input column (duplicate elimination, positional use)
    return with_inputs(plan, [_prune(c, _all_fields(c) | own) for c in plan.inputs])


def _prune_scan(plan: Scan | IndexScan, needed: set[int]) -> Plan:
    stored = len(plan.columns)
    keep = [i for i in range(stored) if plan.out[i].cid in needed]
    if not keep and stored:
        keep = [0]  # some column must be read so that the rows themselves are produced
    if len(keep) == stored:
        return plan
    columns = tuple(plan.columns[i] for i in keep)
    out = tuple(plan.out[i] for i in keep) + plan.out[stored:]  # the row-id field stays
    return attrs.evolve(plan, columns=columns, out=out)


def _prune_project(plan: Project, needed: set[int]) -> Plan:
    keep = [i for i, f in enumerate(plan.out) if f.cid in needed] or [0]
    if len(keep) >= len(plan.out):
        exprs, out = plan.exprs, plan.out
    else:
        exprs = tuple(plan.exprs[i] for i in keep)
        out = tuple(plan.out[i] for i in keep)
    child = _prune(plan.input, _refs(exprs))
    if exprs is plan.exprs and child is plan.input:
        return plan
    return Project(child, exprs, out)


def _prune_aggregate(plan: Aggregate, needed: set[int]) -> Plan:
    group_count = len(plan.groups)
    agg_fields = plan.out[group_count:]
    keep = [i for i, f in enumerate(agg_fields) if f.cid in needed]
    if not keep and not plan.groups and plan.aggregates:
        keep = [0]  # a grouping-free aggregate must still output a column
    aggregates = tuple(plan.aggregates[i] for i in keep)
    out: tuple[Field, ...] = plan.out[:group_count] + tuple(agg_fields[i] for i in keep)
    child = _prune(plan.input, _refs(plan.groups) | _refs(aggregates))
    if len(keep) == len(plan.aggregates) and child is plan.input:
        return plan
    return Aggregate(child, plan.groups, aggregates, out)


def _prune_values(plan: Values, needed: set[int]) -> Plan:
    keep = [i for i, f in enumerate(plan.out) if f.cid in needed] or [0]
    if len(keep) >= len(plan.out):
        return plan
    rows = tuple(tuple(row[i] for i in keep) for row in plan.rows)
    return Values(rows, tuple(plan.out[i] for i in keep))


def _prune_window(plan: Window, needed: set[int]) -> Plan:
    keep = [i for i, f in enumerate(plan.out) if f.cid in needed]
    calls = tuple(plan.calls[i] for i in keep)
    own = _refs(plan.partition_by) | _refs(tuple(k.expr for k in plan.order_by)) | _refs(calls)
    child = _prune(plan.input, (needed - {f.cid for f in plan.out}) | own)
    if not calls:
        return child  # rows pass through a window unchanged (only their order differs)
    if len(keep) == len(plan.calls) and child is plan.input:
        return plan
    return Window(child, plan.partition_by, plan.order_by, calls, tuple(plan.out[i] for i in keep))
