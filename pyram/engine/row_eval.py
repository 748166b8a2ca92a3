"""One expression evaluated outside a query plan: a CHECK over one row, a trigger's WHEN over
its NEW/OLD values, a CALL argument.

The facade needs these values but not the kernel machinery (compiled kernels, batches,
execution contexts): these functions are its way in, so kernels stay the engine's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.executor import install_subquery_runner
from pyram.engine.operator import ExecContext
from pyram.engine.operators.common import compile_constant, evaluate
from pyram.plan.expr import PlanExpr
from pyram.storage import Store

__all__ = ["constant_value", "outer_function", "row_function"]

#: A batch of one position and no columns: for expressions reading only outer values.
_ONE_ROW = Batch([], 1)


def row_function(expr: PlanExpr, cids: Sequence[int]) -> Callable[[Sequence[Any]], Any]:
    """A function computing ``expr`` from one row's values, given in ``cids`` order. It reads
    no table and runs no subquery (a CHECK constraint's condition)."""
    kernel = compile_values(expr, {cid: i for i, cid in enumerate(cids)})
    no_store: Any = None
    ctx = ExecContext(no_store)  # the row is all it reads: one context for every call

    def value(row: Sequence[Any]) -> Any:
        return evaluate(kernel, Batch([[v] for v in row], 1), ctx)[0]

    return value


def outer_function(expr: PlanExpr) -> Callable[[Store, dict[int, Any]], Any]:
    """A function computing ``expr`` from outer values by column id (a trigger's NEW and OLD)
    and the subqueries it runs on ``store``."""
    kernel = compile_values(expr, {})

    def value(store: Store, outer: dict[int, Any]) -> Any:
        ctx = ExecContext(store, None, outer)
        install_subquery_runner(ctx)
        return evaluate(kernel, _ONE_ROW, ctx)[0]

    return value


def constant_value(expr: PlanExpr, store: Store, params: Mapping[str | int, Any]) -> Any:
    """The value of a row-independent expression (literal, parameter, uncorrelated subquery)."""
    return compile_constant(expr)(ExecContext(store, params))
