"""The execution engine: physical planning, compiled batch kernels and vectorised operators.

Place in the pipeline: below the optimizer. :func:`plan_physical` turns a logical plan into an
operator tree, :func:`execute` / :func:`run_rows` run it over an
:class:`~pyram.engine.operator.ExecContext`, and :func:`explain` prints it.
"""

from pyram.engine.executor import execute, run_rows
from pyram.engine.explain import explain
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.physical_planner import plan_physical

__all__ = ["ExecContext", "Operator", "execute", "explain", "plan_physical", "run_rows"]
