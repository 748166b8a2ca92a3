"""The optimizer: logical plan in, logical plan out, same results, cheaper to run.

Place in the pipeline: front ends bind a query into a :mod:`pyram.plan` tree; :func:`optimize`
rewrites it with the rules of :data:`DEFAULT_RULES`, in order; the engine plans the result
physically. Each rule is a module of :mod:`pyram.optimizer.rules` with a ``name`` and an
``apply(plan, ctx)``; any rule can be switched off by name through ``RuleContext.disabled``.

Rules are pure and keep the root's output fields; :func:`optimize` checks the latter after every
rule and raises :class:`~pyram.errors.InternalError` when a rule breaks it (a failing rule fails
the query: skipping it would hide the bug).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyram.errors import InternalError
from pyram.optimizer.display import format_expr, format_plan
from pyram.optimizer.rule import CatalogLookup, Rule, RuleContext, Statistics
from pyram.optimizer.rules import (
    choose_index_scan,
    eliminate_limit,
    fold_constants,
    merge_projections,
    prune_columns,
    pushdown_filters,
    reorder_joins,
)
from pyram.plan.nodes import Plan

__all__ = [
    "DEFAULT_RULES",
    "CatalogLookup",
    "Rule",
    "RuleContext",
    "Statistics",
    "format_expr",
    "format_plan",
    "optimize",
    "rule_names",
]

DEFAULT_RULES: tuple[Rule, ...] = (
    # First: literal arithmetic and TRUE/FALSE/NULL logic become plain constants, so every later
    # rule sees simple conjuncts, `Filter TRUE` is gone and `LIMIT 1 - 1` reads as `LIMIT 0`.
    fold_constants,
    # Cut dead `LIMIT 0` subtrees before any work is spent on them.
    eliminate_limit,
    # Conjuncts move to the scans and joins they test; WHERE equalities turn cross joins into
    # inner joins, which reorder_joins needs to see connections and choose_index_scan needs
    # (a Filter directly over its Scan).
    pushdown_filters,
    # Needs the join conditions pushdown_filters placed; places every conjunct on its lowest
    # join again.
    reorder_joins,
    # After pushdown (Filter right over Scan) and reordering (which estimates filtered scans):
    # consumed conjuncts leave the filter; ORDER BY col LIMIT n reads an index in order.
    choose_index_scan,
    # Collapses the Project stacks reorder_joins and the front ends leave behind.
    merge_projections,
    # Last: only now is it known which columns every operator above a scan still reads.
    prune_columns,
)


def rule_names(rules: Sequence[Rule] = DEFAULT_RULES) -> tuple[str, ...]:
    """The names of ``rules`` in the order they run (what ``RuleContext.disabled`` accepts)."""
    return tuple(rule.name for rule in rules)


def optimize(
    plan: Plan,
    ctx: RuleContext,
    rules: Sequence[Rule] = DEFAULT_RULES,
    trace: Callable[[str, Plan], None] | None = None,
) -> Plan:
    """Apply each rule of ``rules`` in order, skipping those named in ``ctx.disabled``.

    Args:
        plan: the bound logical plan.
        ctx: catalog, statistics and disabled rule names.
        rules: the rules to run (``DEFAULT_RULES`` unless testing one rule).
        trace: called with each rule's name and the plan after it (EXPLAIN VERBOSE).

    Returns:
        An equivalent plan with the same output fields.

    Raises:
        InternalError: a rule changed the output fields (a bug in that rule).
    """
    fields = plan.fields
    for rule in rules:
        if rule.name in ctx.disabled:
            continue
        plan = rule.apply(plan, ctx)
        if plan.fields != fields:
            raise InternalError(f"optimizer rule {rule.name} changed the query's output fields")
        if trace is not None:
            trace(rule.name, plan)
    return plan
