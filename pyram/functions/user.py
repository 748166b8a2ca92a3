"""User-defined functions: Python callables and classes as SQL functions of one database.

Place in the pipeline: a foundation. :func:`user_scalar_function`, :func:`user_aggregate_function`
and :func:`user_window_function` wrap what a user registers into the registry's
:class:`~pyram.functions.registry.ScalarFunction` / ``AggregateFunction`` records, which a
database keeps in its own :class:`~pyram.functions.registry.FunctionScope`. The binders resolve
names through that scope and put the record itself in the plan (``FunctionCall.udf``,
``AggCall.udf``), and the engine's kernels call the wrapped callable through a trusted template
that references the function object: no user text is ever compiled.

The wrappers make a user function behave like a built-in: an exception it raises becomes an
:class:`~pyram.errors.OperationalError` naming the function, and its result is checked against
the declared type (strict, as stored values are): a wrong type is a
:class:`~pyram.errors.DataError`, never silently converted. Aggregates follow sqlite3's protocol
(a class whose instances get ``step(value)`` per row, NULLs included, then ``finalize()``); window
functions add ``inverse(value)`` and ``value()`` for sliding frames.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import attrs

from pyram.errors import DataError, OperationalError, ProgrammingError
from pyram.functions.registry import AggregateFunction, ScalarFunction, with_arity
from pyram.types import (
    NULLTYPE,
    REAL,
    DataType,
    type_from_python,
)

__all__ = [
    "WindowFunction",
    "sql_type_of",
    "user_aggregate_function",
    "user_scalar_function",
    "user_window_function",
]

#: the values a function without a declared type may return (SQLite's storage classes)
_DYNAMIC_VALUES = (int, float, str, bytes)


def sql_type_of(returns: Any) -> DataType:
    """The SQL type for a declared result: a Python type (``int``, ``str | None`` ...), a
    :class:`~pyram.types.DataType`, or None for a dynamically typed result (any SQLite value).

    Raises:
        ProgrammingError: a type PyRAM cannot store.
    """
    if returns is None or returns is inspect.Signature.empty:
        return NULLTYPE
    if isinstance(returns, DataType):
        return returns
    args = [a for a in getattr(returns, "__args__", ()) if a is not type(None)]
    if len(args) == 1:  # Optional[T] / T | None
        returns = args[0]
    found = type_from_python(returns)  # the registry's Python type -> column type map
    if found is None or found.family == "json":
        raise ProgrammingError(f"a user-defined function cannot return {returns!r}")
    return found


def _checked(name: str, dtype: DataType, value: Any) -> Any:
    """``value`` as the declared type accepts it (strict), else a DataError naming ``name``."""
    if value is None:
        return None
    if dtype is NULLTYPE:
        if isinstance(value, _DYNAMIC_VALUES) and not isinstance(value, bool):
            return value
        raise DataError(
            f"user-defined function {name}() returned {type(value).__name__} {value!r}: "
            "without a declared type it must return int, float, str, bytes or None"
        )
    if dtype is REAL and type(value) is int:
        return float(value)  # an integral REAL, as a write to a REAL column keeps it
    return dtype.validate(value, nullable=True, column=f"result of {name}()")


def _failed(name: str, exc: Exception) -> OperationalError:
    return OperationalError(
        f"user-defined function {name}() raised {type(exc).__name__}: {exc}"
    )


def _result_rule(name: str, dtype: DataType) -> Callable[..., DataType]:
    def rule(args: Any) -> DataType:
        return dtype

    return rule


def user_scalar_function(
    name: str,
    fn: Callable[..., Any],
    nargs: int,
    *,
    deterministic: bool = True,
    returns: Any = None,
) -> ScalarFunction:
    """A scalar function calling ``fn`` once per row with ``nargs`` values (-1: any number).

    ``returns`` declares the result type (default: ``fn``'s return annotation, else dynamic).
    NULL arguments reach ``fn`` as None, as in sqlite3. A non-deterministic function is never
    constant-folded.
    """
    lowered = _name(name)
    if returns is None:
        returns = _annotation(fn)
    dtype = sql_type_of(returns)

    def call(*values: Any) -> Any:
        try:
            result = fn(*values)
        except Exception as exc:
            raise _failed(lowered, exc) from exc
        return _checked(lowered, dtype, result)

    low, high = (0, None) if nargs < 0 else (nargs, nargs)
    return ScalarFunction(
        lowered,
        low,
        high,
        with_arity(lowered, low, high, _result_rule(lowered, dtype)),
        call,
        propagates_null=False,
        deterministic=deterministic,
        doc=f"user-defined function {lowered}()",
    )


def user_aggregate_function(
    name: str, cls: Callable[[], Any], nargs: int = 1, *, returns: Any = None
) -> AggregateFunction:
    """An aggregate over sqlite3's protocol: per group a fresh ``cls()``, ``step(value)`` per
    row (NULLs included), ``finalize()`` for the result. One row argument (the engine
    computes one argument per row; further arguments must be constants)."""
    lowered = _name(name)
    if returns is None:
        returns = _annotation(getattr(cls, "finalize", None))
    dtype = sql_type_of(returns)

    def aggregate(values: list[Any], *constants: Any) -> Any:
        if not values:
            return None  # sqlite3 never makes an instance for a group without rows
        try:
            instance = cls()
            step = instance.step
            for value in values:
                step(value, *constants)
            result = instance.finalize()
        except Exception as exc:
            raise _failed(lowered, exc) from exc
        return _checked(lowered, dtype, result)

    low, high = (0, None) if nargs < 0 else (nargs, nargs)
    return AggregateFunction(
        lowered,
        low,
        high,
        with_arity(lowered, low, high, _result_rule(lowered, dtype)),
        aggregate,
        doc=f"user-defined aggregate {lowered}()",
    )


@attrs.frozen(eq=False)
class WindowFunction:
    """A window function registered by a user: sqlite3's ``step``/``inverse``/``value``/
    ``finalize`` class, kept for the window operator; ``aggregate`` is the same class used as
    an aggregate (``step`` per row, then ``finalize``)."""

    name: str
    nargs: int
    cls: Callable[[], Any]
    aggregate: AggregateFunction


def user_window_function(
    name: str, nargs: int, cls: Callable[[], Any], *, returns: Any = None
) -> WindowFunction:
    """A window function over sqlite3's protocol; checks the class has its four methods."""
    missing = [m for m in ("step", "inverse", "value", "finalize") if not hasattr(cls, m)]
    if missing:
        raise ProgrammingError(
            f"window function {name}(): the class has no {', '.join(missing)} method"
        )
    aggregate = user_aggregate_function(name, cls, nargs, returns=returns)
    return WindowFunction(aggregate.name, nargs, cls, aggregate)


def _name(name: str) -> str:
    lowered = name.lower()
    if not lowered.isidentifier():
        raise ProgrammingError(f"a function name must be an identifier, got {name!r}")
    return lowered


#: string annotations (``from __future__ import annotations``) read by name, never evaluated
_NAMED_TYPES = {"int": int, "float": float, "str": str, "bytes": bytes, "bool": bool}


def _annotation(fn: Any) -> Any:
    """``fn``'s return annotation, or None. A string annotation is matched by name (``int``,
    ``str | None``, ``Optional[float]``), never evaluated."""
    if fn is None:
        return None
    try:
        annotation = inspect.get_annotations(fn).get("return")
    except TypeError:  # not a function (a builtin or an odd callable): undeclared
        return None
    if not isinstance(annotation, str):
        return annotation
    text = annotation.replace(" ", "").removeprefix("Optional[").removesuffix("]")
    names = [n for n in text.split("|") if n != "None"]
    return _NAMED_TYPES.get(names[0]) if len(names) == 1 else None
