"""The execution engine: physical planning, compiled batch kernels and vectorised operators.

Place in the pipeline: below the optimizer. :func:`plan_physical` turns a logical plan into an
operator tree, :func:`execute` / :func:`run_rows` run it over an
:class:`~pyram.engine.operator.ExecContext`, and :func:`explain` prints it.
"""

from pyram.engine.batch import Batch
from pyram.engine.bulk_insert import BULK_REFUSALS, BulkInsert, match_bulk_insert
from pyram.engine.executor import execute, install_subquery_runner, run_rows
from pyram.engine.explain import ExplainFormat, explain, format_plan_tree, plan_tree
from pyram.engine.operator import ExecContext, Operator, OperatorProfile
from pyram.engine.physical_planner import plan_physical
from pyram.engine.point_lookup import (
    PointDelete,
    PointLookup,
    PointUpdate,
    match_point_delete,
    match_point_lookup,
    match_point_update,
)
from pyram.engine.query_plan import QueryPlanRow, format_query_plan, query_plan_rows
from pyram.engine.row_eval import constant_value, outer_function, row_function

__all__ = [
    "BULK_REFUSALS",
    "Batch",
    "BulkInsert",
    "ExecContext",
    "ExplainFormat",
    "Operator",
    "OperatorProfile",
    "PointDelete",
    "PointLookup",
    "PointUpdate",
    "QueryPlanRow",
    "constant_value",
    "execute",
    "explain",
    "format_plan_tree",
    "format_query_plan",
    "install_subquery_runner",
    "match_bulk_insert",
    "match_point_delete",
    "match_point_lookup",
    "match_point_update",
    "outer_function",
    "plan_physical",
    "plan_tree",
    "query_plan_rows",
    "row_function",
    "run_rows",
]
