"""SQL functions: the registry of scalar and aggregate functions, with SQLite semantics.

Look functions up with :func:`scalar_function` / :func:`aggregate_function` (case-insensitive);
each carries its type rule (``return_type``) and its implementation (``impl``). Importing this
package registers the built-ins (string, math and aggregate modules).
"""

# The function modules register the built-ins when imported (registry first, by their imports).
from pyram.functions import aggregate, scalar_bits, scalar_math, scalar_postgres, scalar_string
from pyram.functions.registry import (
    AggregateFunction,
    FunctionScope,
    ReturnTypeRule,
    ScalarFunction,
    aggregate_function,
    all_functions,
    common_type,
    is_aggregate,
    register_aggregate,
    register_scalar,
    scalar_function,
    use_functions,
)
from pyram.functions.user import user_aggregate_function, user_scalar_function, user_window_function

__all__ = [
    "FunctionScope",
    "use_functions",
    "AggregateFunction",
    "ReturnTypeRule",
    "ScalarFunction",
    "aggregate",
    "aggregate_function",
    "all_functions",
    "common_type",
    "is_aggregate",
    "register_aggregate",
    "register_scalar",
    "scalar_bits",
    "scalar_function",
    "scalar_math",
    "scalar_postgres",
    "scalar_string",
    "user_aggregate_function",
    "user_scalar_function",
    "user_window_function",
]
