"""The SQL function registry: metadata and implementations of scalar and aggregate functions.

A function is looked up by its case-insensitive SQL name. Its :attr:`~ScalarFunction.return_type`
is the binder's type rule: given the argument types it returns the result type, or raises
:class:`~pyram.errors.ProgrammingError` for a wrong argument count or argument type (strict
typing: no implicit text <-> number conversions). Its ``impl`` computes the value: once per row
for a scalar function, once per group for an aggregate.

Conventions shared by every rule here:

* a bare NULL literal (:data:`~pyram.types.NULLTYPE`) is accepted for any argument; when the
  result type would be derived from that argument, the result type is ``NULLTYPE`` too;
* values arrive in stored form (INTEGER -> int, REAL -> float, TEXT -> str, BOOLEAN -> bool,
  BLOB -> bytes, DECIMAL -> Decimal, NULL -> None).

This module imports only :mod:`pyram.errors` and :mod:`pyram.types`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import attrs

from pyram.errors import ProgrammingError
from pyram.types import DECIMAL, INTEGER, JSON_TYPE, NULLTYPE, REAL, TEXT, DataType

__all__ = [
    "AggregateFunction",
    "FunctionScope",
    "IntegerArgumentError",
    "ReturnTypeRule",
    "ScalarFunction",
    "aggregate_function",
    "all_functions",
    "arg_error",
    "check_arity",
    "common_type",
    "define_aggregate",
    "define_scalar",
    "expect",
    "expect_integer",
    "is_aggregate",
    "numeric_kind",
    "register_aggregate",
    "register_scalar",
    "scalar_function",
    "use_functions",
    "user_aggregate",
    "user_scalar",
    "user_window",
    "with_arity",
]

#: A return-type rule: argument types in, result type out (ProgrammingError when they are bad).
ReturnTypeRule = Callable[[Sequence[DataType]], DataType]


@attrs.frozen
class ScalarFunction:
    """A scalar SQL function: one result per row.

    Attributes:
        name: lower-case SQL name.
        min_args: fewest arguments accepted.
        max_args: most arguments accepted; None means variadic.
        return_type: the type rule; raises ProgrammingError on a bad argument count or type.
        impl: called once per row with the argument values (stored form), positionally.
        propagates_null: True means the engine returns NULL when any argument is NULL and never
            calls ``impl`` with None; False means ``impl`` handles None itself (coalesce, ...).
        deterministic: False for functions such as random() (no constant folding, no caching).
        doc: one line plus an SQL example (``Example: ...``).
    """

    name: str
    min_args: int
    max_args: int | None
    return_type: ReturnTypeRule
    impl: Callable[..., Any]
    propagates_null: bool = True
    deterministic: bool = True
    doc: str = ""


@attrs.frozen
class AggregateFunction:
    """An aggregate SQL function: one result per group.

    The engine calls ``impl(values, *constant_args)``: ``values`` is the list of the NON-NULL
    values of the first argument for one group, in row order (possibly empty; for
    ``count_star`` one entry per row, whatever it holds), and ``constant_args`` are the values of
    the remaining arguments, which must be constants (e.g. group_concat's separator). ``impl``
    handles the empty list itself and returns the result.

    Attributes:
        name: lower-case SQL name (``count(*)`` is the function ``count_star``).
        min_args: fewest arguments accepted.
        max_args: most arguments accepted; None means variadic.
        return_type: the type rule; raises ProgrammingError on a bad argument count or type.
        impl: ``impl(values, *constant_args) -> result``.
        empty: documentation only: the result for a group without non-NULL values (``impl``
            already returns it for an empty list; the engine need not consult this field).
        doc: one line plus an SQL example (``Example: ...``).
    """

    name: str
    min_args: int
    max_args: int | None
    return_type: ReturnTypeRule
    impl: Callable[..., Any]
    empty: Any = None
    doc: str = ""


_SCALARS: dict[str, ScalarFunction] = {}
_AGGREGATES: dict[str, AggregateFunction] = {}


@attrs.define
class FunctionScope:
    """One database's own functions (user-defined), looked up before the built-ins while the
    scope is active (:func:`use_functions`): registrations never leak to other databases.

    Attributes:
        scalars: scalar functions by lower-case name.
        aggregates: aggregate functions by lower-case name.
        windows: window functions by lower-case name (each also usable as an aggregate).
        procedures: procedures by lower-case name (``CALL name(...)``), bound to the database.
        version: bumped on every change, so callers can drop what they prepared before.
    """

    scalars: dict[str, ScalarFunction] = attrs.field(factory=dict)
    aggregates: dict[str, AggregateFunction] = attrs.field(factory=dict)
    windows: dict[str, Any] = attrs.field(factory=dict)
    procedures: dict[str, Callable[..., Any]] = attrs.field(factory=dict)
    version: int = 0


_SCOPE: ContextVar[FunctionScope | None] = ContextVar("pyram_function_scope", default=None)


@contextmanager
def use_functions(scope: FunctionScope | None) -> Iterator[None]:
    """Resolve function names through ``scope`` first (then the built-ins) in this block."""
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def user_scalar(name: str) -> ScalarFunction | None:
    """The active scope's scalar function ``name``, or None."""
    scope = _SCOPE.get()
    return None if scope is None else scope.scalars.get(name.lower())


def user_window(name: str) -> Any:
    """The active scope's window function ``name`` (a ``functions.user.WindowFunction`` with
    sqlite3's step/inverse/value/finalize class), or None: where the window operator finds
    the functions users register."""
    scope = _SCOPE.get()
    return None if scope is None else scope.windows.get(name.lower())


def user_aggregate(name: str) -> AggregateFunction | None:
    """The active scope's aggregate function ``name``, or None."""
    scope = _SCOPE.get()
    return None if scope is None else scope.aggregates.get(name.lower())


def _check_name(name: str) -> None:
    if not name or name != name.lower() or not name.isidentifier():
        raise ProgrammingError(f"function name must be a lower-case identifier, got {name!r}")


def register_scalar(fn: ScalarFunction, *, replace: bool = False) -> None:
    """Add a scalar function to the registry.

    Raises:
        ProgrammingError: the name is not a lower-case identifier, or a scalar function of that
            name exists and ``replace`` is False.
    """
    _check_name(fn.name)
    if fn.name in _SCALARS and not replace:
        raise ProgrammingError(f"scalar function {fn.name}() is already registered")
    _SCALARS[fn.name] = fn


def register_aggregate(fn: AggregateFunction, *, replace: bool = False) -> None:
    """Add an aggregate function to the registry.

    Raises:
        ProgrammingError: the name is not a lower-case identifier, or an aggregate function of
            that name exists and ``replace`` is False.
    """
    _check_name(fn.name)
    if fn.name in _AGGREGATES and not replace:
        raise ProgrammingError(f"aggregate function {fn.name}() is already registered")
    _AGGREGATES[fn.name] = fn


def scalar_function(name: str) -> ScalarFunction:
    """The scalar function called ``name`` (case-insensitive).

    Raises:
        ProgrammingError: ``no such function: name``.
    """
    found = user_scalar(name) or _SCALARS.get(name.lower())
    if found is None:
        raise ProgrammingError(f"no such function: {name}")
    return found


def aggregate_function(name: str) -> AggregateFunction:
    """The aggregate function called ``name`` (case-insensitive).

    Raises:
        ProgrammingError: ``no such function: name``.
    """
    found = user_aggregate(name) or _AGGREGATES.get(name.lower())
    if found is None:
        raise ProgrammingError(f"no such function: {name}")
    return found


def is_aggregate(name: str, nargs: int | None = None) -> bool:
    """True when ``name`` (case-insensitive) is an aggregate function.

    ``min`` and ``max`` are both: with one argument they aggregate, with two or more they are
    scalar (SQLite's rule). Pass ``nargs`` to resolve such names by argument count: the answer is
    False only when a scalar form accepts ``nargs`` arguments and the aggregate form does not (so
    ``sum(a, b)`` still counts as an aggregate and fails its arity check). Without ``nargs`` the
    answer is True for any name that has an aggregate form.
    """
    agg = user_aggregate(name) or _AGGREGATES.get(name.lower())
    if agg is None:
        return False
    if nargs is None:
        return True
    if _accepts(agg.min_args, agg.max_args, nargs):
        return True
    scalar = user_scalar(name) or _SCALARS.get(name.lower())
    return scalar is None or not _accepts(scalar.min_args, scalar.max_args, nargs)


def all_functions() -> list[ScalarFunction | AggregateFunction]:
    """Every registered function, scalars first, each group sorted by name."""
    scalars: list[ScalarFunction | AggregateFunction] = [_SCALARS[k] for k in sorted(_SCALARS)]
    return scalars + [_AGGREGATES[k] for k in sorted(_AGGREGATES)]


def define_scalar(
    name: str,
    min_args: int,
    max_args: int | None,
    rule: ReturnTypeRule,
    impl: Callable[..., Any],
    *,
    doc: str,
    propagates_null: bool = True,
    deterministic: bool = True,
) -> ScalarFunction:
    """Build a scalar function whose type rule checks the argument count first; register it."""
    fn = ScalarFunction(
        name,
        min_args,
        max_args,
        with_arity(name, min_args, max_args, rule),
        impl,
        propagates_null=propagates_null,
        deterministic=deterministic,
        doc=doc,
    )
    register_scalar(fn)
    return fn


def define_aggregate(
    name: str,
    min_args: int,
    max_args: int | None,
    rule: ReturnTypeRule,
    impl: Callable[..., Any],
    *,
    doc: str,
    empty: Any = None,
) -> AggregateFunction:
    """Build an aggregate function whose type rule checks the argument count first; register it."""
    fn = AggregateFunction(
        name, min_args, max_args, with_arity(name, min_args, max_args, rule), impl, empty, doc
    )
    register_aggregate(fn)
    return fn


# --- helpers for type rules -------------------------------------------------------------------


def _accepts(min_args: int, max_args: int | None, n: int) -> bool:
    return n >= min_args and (max_args is None or n <= max_args)


def check_arity(name: str, min_args: int, max_args: int | None, n: int) -> None:
    """Raise ProgrammingError unless ``n`` arguments suit a function taking min..max of them."""
    if _accepts(min_args, max_args, n):
        return
    if max_args is None:
        expected = f"at least {min_args}"
    elif min_args == max_args:
        expected = str(min_args)
    else:
        expected = f"{min_args} to {max_args}"
    raise ProgrammingError(
        f"wrong number of arguments to function {name}(): expected {expected}, got {n}"
    )


def with_arity(
    name: str, min_args: int, max_args: int | None, rule: ReturnTypeRule
) -> ReturnTypeRule:
    """Wrap a type rule so that it first checks the argument count."""

    def return_type(args: Sequence[DataType]) -> DataType:
        check_arity(name, min_args, max_args, len(args))
        return rule(args)

    return_type.__doc__ = f"Result type of {name}() for the given argument types."
    return return_type


def arg_error(name: str, index: int, expected: str, got: DataType) -> ProgrammingError:
    """The error for argument ``index`` (0-based) of ``name()`` having the wrong type."""
    return ProgrammingError(f"{name}(): argument {index + 1} must be {expected}, got {got.name}")


_FAMILY_WORDS = {"text": "TEXT", "blob": "BLOB", "numeric": "numeric (INTEGER, REAL or DECIMAL)"}


def expect(name: str, args: Sequence[DataType], index: int, *families: str) -> DataType:
    """Argument ``index``'s type if its family is one of ``families`` (or it is NULL)."""
    arg = args[index]
    if arg.family == "null" or arg.family in families:
        return arg
    raise arg_error(name, index, " or ".join(_FAMILY_WORDS.get(f, f) for f in families), arg)


class IntegerArgumentError(ProgrammingError):
    """Argument ``index`` (0-based) must be INTEGER: one SQLite reads as an integer (a REAL
    there is truncated toward zero), so the plan builder may convert a REAL it made itself."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def expect_integer(name: str, args: Sequence[DataType], index: int) -> DataType:
    """Argument ``index``'s type if it is INTEGER (or NULL); else IntegerArgumentError."""
    arg = args[index]
    if arg.family == "null" or (arg.family == "numeric" and arg.name == "INTEGER"):
        return arg
    raise IntegerArgumentError(str(arg_error(name, index, "INTEGER", arg)), index)


def numeric_kind(dtype: DataType) -> DataType:
    """INTEGER, REAL or DECIMAL for a numeric type (an integer enum counts as INTEGER): the
    type's own :attr:`~pyram.types.DataType.numeric_kind`."""
    return dtype.numeric_kind


def common_type(name: str, types: Sequence[DataType]) -> DataType:
    """The type that values of all ``types`` share: the result type of coalesce, min, ...

    NULL types are ignored (all NULL gives NULLTYPE). All others must be of one family. Equal
    types give that type; mixed numeric types give REAL if any is REAL, else DECIMAL if any is
    DECIMAL, else INTEGER; mixed text types (TEXT and text enums) give TEXT; mixed JSON types
    give JSON.

    Raises:
        ProgrammingError: two arguments of different families (e.g. TEXT and INTEGER).
    """
    known = [t for t in types if t.family != "null"]
    if not known:
        return NULLTYPE
    first = known[0]
    for other in known[1:]:
        if other.family != first.family:
            raise ProgrammingError(
                f"{name}(): arguments of incompatible types {first.name} and {other.name}"
            )
    if all(t == first for t in known[1:]):
        return first
    if first.family == "numeric":
        names = {t.name for t in known}
        if "REAL" in names:
            return REAL
        return DECIMAL if "DECIMAL" in names else INTEGER
    if first.family == "text":
        return TEXT
    if first.family == "json":
        return JSON_TYPE
    return first
