"""Running operator trees: batches out, or rows as tuples.

Place in the pipeline: the last engine step. :func:`execute` yields the root operator's batches;
:func:`run_rows` plans (if given a logical plan), runs and turns the batches into row tuples.
Both install a subquery runner in the context first, so compiled kernels can evaluate
subqueries: the runner plans a subquery physically once per execution (cached in
``ctx.cache`` by the subquery plan's identity) and runs it with :func:`run_rows`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.explain import profiled
from pyram.engine.operator import ExecContext, Operator, OperatorProfile
from pyram.engine.physical_planner import plan_physical
from pyram.plan.nodes import Plan

__all__ = ["execute", "install_runner", "install_subquery_runner", "run_rows"]

#: ``ctx.cache`` key prefix of cached physical plans of subqueries: (prefix, id(plan)).
_PLAN_KEY = "pyram.engine.physical"


def execute(
    op: Operator, ctx: ExecContext, *, analyze: bool = False
) -> Generator[Batch, None, None]:
    """The root operator's output batches.

    Args:
        op: the root of an operator tree.
        ctx: the execution context (a subquery runner is installed when it has none).
        analyze: measure every operator into ``ctx.profile`` and ``ctx.rows_out`` (EXPLAIN
            ANALYZE).
    """
    install_subquery_runner(ctx)
    if not analyze:
        yield from op.execute(ctx)
        return
    # seeding the root's profile turns measuring on for every operator below (see pull)
    ctx.profile[id(op)] = OperatorProfile()
    yield from profiled(op, op.execute(ctx), ctx)


def run_rows(
    plan_or_op: Plan | Operator, ctx: ExecContext, max_rows: int | None = None
) -> list[tuple[Any, ...]]:
    """Every output row as a tuple (stored-form values), at most ``max_rows`` of them.

    A logical plan is planned physically first (using ``ctx.store`` for estimates).
    """
    op = plan_or_op if isinstance(plan_or_op, Operator) else plan_physical(plan_or_op, ctx.store)
    if max_rows is not None and max_rows <= 0:
        return []
    rows: list[tuple[Any, ...]] = []
    batches = execute(op, ctx)
    try:
        for batch in batches:
            dense = batch.dense()
            if dense.columns:
                rows.extend(zip(*dense.columns, strict=True))
            else:
                rows.extend([()] * dense.length)
            if max_rows is not None and len(rows) >= max_rows:
                return rows[:max_rows]
    finally:
        batches.close()
    return rows


def install_subquery_runner(ctx: ExecContext) -> None:
    """Give ``ctx`` a runner for subqueries when it has none."""
    if ctx.subquery_runner is None:
        ctx.subquery_runner = _run_subquery


#: Short name used by :mod:`pyram.api.session`.
install_runner = install_subquery_runner


def _run_subquery(plan: Any, ctx: ExecContext, max_rows: int | None) -> list[tuple[Any, ...]]:
    """Plan (once per execution) and run a subquery plan."""
    key = (_PLAN_KEY, id(plan))
    cached = ctx.cache.get(key)
    if cached is None or cached[0] is not plan:
        # the plan object is kept in the entry, so its id cannot be reused while cached
        cached = (plan, plan_physical(plan, ctx.store))
        ctx.cache[key] = cached
    op: Operator = cached[1]
    return run_rows(op, ctx, max_rows)
