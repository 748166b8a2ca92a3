"""eliminate_limit: drop limits that cannot limit anything, and subtrees under ``LIMIT 0``.

Rewrites:

* ``Limit 0`` (a literal zero, any offset) -> an empty ``Values`` with the same fields;
* a Limit with neither a limit nor an offset (or a literal offset of 0 and no limit) -> its
  input.

Why cheaper: ``LIMIT 0`` otherwise still plans (and may start) its whole input, and a no-op Limit
is one operator less per batch.

Must not fire on parameters (their value is unknown at plan time) or on negative literals
(SQLite reads a negative limit as "no limit"; that is the engine's business).

Before / after::

    Limit 0                         Values [id, name]
      Scan user [id, name]   ->
"""

from __future__ import annotations

from pyram.optimizer.rewrite import map_subquery_plans, transform_plan_up
from pyram.optimizer.rule import RuleContext
from pyram.plan.expr import Literal_, PlanExpr
from pyram.plan.nodes import Limit, Plan, Values

__all__ = ["apply", "name"]

name = "eliminate_limit"


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Remove no-op limits and replace ``LIMIT 0`` subtrees of ``plan`` by empty rows."""
    plan = map_subquery_plans(plan, lambda sub: apply(sub, ctx))
    return transform_plan_up(plan, _eliminate)


def _is_int(expr: PlanExpr | None, value: int) -> bool:
    return (
        isinstance(expr, Literal_)
        and type(expr.value) is int  # not bool: TRUE is not a row count
        and expr.value == value
    )


def _eliminate(plan: Plan) -> Plan:
    if not isinstance(plan, Limit):
        return plan
    if _is_int(plan.limit, 0):
        return Values((), plan.fields)
    if plan.limit is None and (plan.offset is None or _is_int(plan.offset, 0)):
        return plan.input
    return plan
