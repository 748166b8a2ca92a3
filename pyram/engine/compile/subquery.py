"""Per-row evaluation of correlated subqueries (the general fallback; the optimizer may turn
common shapes into joins instead)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyram.engine.operator import ExecContext
from pyram.plan.expr import Exists, InSubquery, ScalarSubquery

__all__ = ["correlated_evaluator"]


def correlated_evaluator(
    expr: ScalarSubquery | Exists | InSubquery, outer_cids: tuple[int, ...]
) -> Callable[..., Any]:
    """A function ``f(ctx, *outer_values)`` evaluating the subquery for one outer row.

    Results are memoised per execution by outer values, so repeated outer keys run it once.
    """
    from pyram.engine.compile.kernels import evaluate_subquery

    def evaluate(ctx: ExecContext, *values: Any) -> Any:
        memo_key = (id(expr), values)
        memo = ctx.cache
        if memo_key in memo:
            return memo[memo_key]
        inner = ctx.with_outer(dict(zip(outer_cids, values, strict=True)))
        result = evaluate_subquery(expr, inner)
        memo[memo_key] = result
        return result

    return evaluate
