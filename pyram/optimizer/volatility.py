"""Function metadata for the optimizer: which calls may be folded at plan time or moved.

Place in the pipeline: :mod:`~pyram.optimizer.rules.fold_constants` evaluates deterministic scalar
calls on constants, and :mod:`~pyram.optimizer.rules.pushdown_filters` only moves predicates whose
calls are deterministic (moving ``random() < 0.5`` below a join would change how often it runs).
An unknown function counts as "not foldable, not movable": the rules leave it alone.
"""

from __future__ import annotations

from pyram.errors import Error
from pyram.functions import ScalarFunction, scalar_function
from pyram.plan.expr import FunctionCall, PlanExpr, walk

__all__ = ["is_deterministic", "is_deterministic_call", "scalar_info"]


def scalar_info(name: str) -> ScalarFunction | None:
    """The registry entry of scalar function ``name``, or None when there is none."""
    try:
        return scalar_function(name)
    except (Error, LookupError):
        return None


def is_deterministic_call(name: str) -> bool:
    """True when function ``name`` always gives the same result for the same arguments
    (unknown functions are not)."""
    info = scalar_info(name)
    return info is not None and info.deterministic


def is_deterministic(expr: PlanExpr) -> bool:
    """True when every function call in ``expr`` (outside subqueries) is deterministic."""
    return all(
        node.udf.deterministic if node.udf is not None else is_deterministic_call(node.name)
        for node in walk(expr)
        if isinstance(node, FunctionCall)
    )
