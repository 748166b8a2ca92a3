"""Aggregate functions with SQLite semantics: count, count_star, sum, total, avg, min, max and
group_concat.

Each ``impl`` receives the list of non-NULL values of one group (see
:class:`~pyram.functions.registry.AggregateFunction`) and works on it with C builtins (``len``,
``sum``, ``min``, ``max``, ``str.join``): no per-value Python loop. Floats are summed left to
right like SQLite 3.40 does (plain ``sum``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pyram.errors import ProgrammingError
from pyram.functions.registry import ReturnTypeRule, define_aggregate, expect, numeric_kind
from pyram.functions.sql_numeric import sum_integers
from pyram.types import INTEGER, NULLTYPE, REAL, TEXT, DataType

__all__: list[str] = []


# --- count -------------------------------------------------------------------------------------


def _count_rule(args: Sequence[DataType]) -> DataType:
    return INTEGER


define_aggregate(
    "count",
    1,
    1,
    _count_rule,
    len,
    empty=0,
    doc="Number of non-NULL values in the group. Example: count(email) -> 2",
)
define_aggregate(
    "count_star",
    0,
    0,
    _count_rule,
    len,
    empty=0,
    doc="count(*): number of rows in the group, NULLs included. Example: count(*) -> 3",
)


# --- sum, total, avg ---------------------------------------------------------------------------


def _sum(values: list[Any]) -> Any:
    """Exact for INTEGER ('integer overflow' error outside 64 bits, as SQLite), left-to-right
    for REAL, DECIMAL stays."""
    return sum_integers(values) if values else None


def _total(values: list[Any]) -> float:
    if values and type(values[0]) is Decimal:
        return float(sum(values))
    # A float start makes CPython add each int as a double, exactly like SQLite's total().
    return sum(values, 0.0)


def _avg(values: list[Any]) -> Any:
    if not values:
        return None
    if type(values[0]) is Decimal:
        return sum(values) / len(values)
    # SQLite averages the double-precision total, INTEGER input included.
    return sum(values, 0.0) / len(values)


def _numeric_rule(name: str, result: DataType | None) -> ReturnTypeRule:
    """A rule for a numeric aggregate: ``result`` or, when None, the input's numeric kind."""

    def rule(args: Sequence[DataType]) -> DataType:
        arg = expect(name, args, 0, "numeric")
        if result is not None:
            return result
        return NULLTYPE if arg.family == "null" else numeric_kind(arg)

    return rule


def _avg_rule(args: Sequence[DataType]) -> DataType:
    arg = expect("avg", args, 0, "numeric")
    return arg if arg.name == "DECIMAL" else REAL


define_aggregate(
    "sum",
    1,
    1,
    _numeric_rule("sum", None),
    _sum,
    doc="Sum of the non-NULL values, NULL if there are none; INTEGER, REAL or DECIMAL as the "
    "input. Example: sum(qty) -> 12",
)
define_aggregate(
    "total",
    1,
    1,
    _numeric_rule("total", REAL),
    _total,
    empty=0.0,
    doc="Sum of the non-NULL values as a REAL, 0.0 if there are none. Example: total(qty) -> 12.0",
)
define_aggregate(
    "avg",
    1,
    1,
    _avg_rule,
    _avg,
    doc="Mean of the non-NULL values, NULL if there are none; REAL (DECIMAL for DECIMAL "
    "input). Example: avg(price) -> 2.5",
)


# --- min, max ----------------------------------------------------------------------------------


def _min(values: list[Any]) -> Any:
    return min(values) if values else None


def _max(values: list[Any]) -> Any:
    return max(values) if values else None


def _ordered_rule(name: str) -> ReturnTypeRule:
    def rule(args: Sequence[DataType]) -> DataType:
        if args[0].family == "json":
            raise ProgrammingError(f"{name}(): JSON values have no order")
        return args[0]

    return rule


define_aggregate(
    "min",
    1,
    1,
    _ordered_rule("min"),
    _min,
    doc="Smallest non-NULL value, NULL if there are none; any type but JSON. "
    "Example: min(price) -> 1.5",
)
define_aggregate(
    "max",
    1,
    1,
    _ordered_rule("max"),
    _max,
    doc="Largest non-NULL value, NULL if there are none; any type but JSON. "
    "Example: max(price) -> 9.0",
)


# --- group_concat ------------------------------------------------------------------------------


def _group_concat(values: list[Any], separator: str | None = ",") -> str | None:
    """Join the values with ``separator`` (a NULL separator joins with '')."""
    if not values:
        return None
    if separator is None:
        separator = ""
    if type(values[0]) is str:
        return separator.join(values)
    return separator.join(map(str, values))


def _group_concat_rule(args: Sequence[DataType]) -> DataType:
    arg = args[0]
    if arg.family not in ("null", "text") and not (
        arg.family == "numeric" and arg.name == "INTEGER"
    ):
        raise ProgrammingError(
            f"group_concat(): argument 1 must be TEXT or INTEGER, got {arg.name} "
            "(CAST it to TEXT first)"
        )
    if len(args) > 1:
        expect("group_concat", args, 1, "text")
    return TEXT


define_aggregate(
    "group_concat",
    1,
    2,
    _group_concat_rule,
    _group_concat,
    doc="The non-NULL values joined by a constant separator (default ','), NULL if there are "
    "none; TEXT or INTEGER input. Example: group_concat(name, '; ') -> 'ann; bob'",
)


# --- any_value ---------------------------------------------------------------------------------


def _any_value(values: list[Any]) -> Any:
    # the aggregate operator reads SQLite's row itself (see engine/operators/aggregate.py);
    # given only the non-NULL values, the first one is the closest
    return values[0] if values else None


def _same_type_rule(args: Sequence[DataType]) -> DataType:
    return args[0]


define_aggregate(
    "any_value",
    1,
    1,
    _same_type_rule,
    _any_value,
    doc=(
        "The value of the row SQLite 3.40 reads for a bare column of an aggregate query: "
        "the row of the query's (last) min()/max() result, else the group's first row; every "
        "any_value of a query reads the same row. Example: any_value(name) -> 'ada'"
    ),
)
