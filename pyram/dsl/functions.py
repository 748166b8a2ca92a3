"""``pyram.func``: typed Python wrappers over the SQL function registry.

Each wrapper only builds an expression node; the binder types the call through the registry,
so SQL and the DSL share one definition of every function.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar, overload

from pyram.dsl.expr import Expr, P, SameType, SameTypeOrNull, wrap
from pyram.dsl.terms import Aggregate, FunctionCall
from pyram.dsl.window import WindowFunction

__all__ = ["func"]

T = TypeVar("T")
N = TypeVar("N", int, float, Decimal)


class _Functions:
    """Namespace of SQL functions: ``pyram.func.count()``, ``pyram.func.lower(User.name)``..."""

    # ------------------------------------------------------------ aggregates
    def count(self, expr: Expr[Any] | None = None, *, distinct: bool = False) -> Aggregate[int]:
        """``count(*)`` without an argument, else ``count(expr)`` (non-NULL values)."""
        if expr is None:
            return Aggregate("count_star", ())
        return Aggregate("count", (expr,), distinct)

    @overload
    def sum(self, expr: Expr[N], *, distinct: bool = ...) -> Aggregate[N | None]: ...
    @overload
    def sum(self, expr: Expr[N | None], *, distinct: bool = ...) -> Aggregate[N | None]: ...
    def sum(self, expr: Expr[Any], *, distinct: bool = False) -> Aggregate[Any]:
        """Sum of non-NULL values; NULL when there are none."""
        return Aggregate("sum", (expr,), distinct)

    def total(self, expr: Expr[int] | Expr[float] | Expr[int | None] | Expr[float | None]) -> Aggregate[float]:
        """Sum as REAL; 0.0 when there are no values."""
        return Aggregate("total", (expr,))

    def avg(self, expr: Expr[int] | Expr[float] | Expr[Decimal] | Expr[int | None] | Expr[float | None] | Expr[Decimal | None], *, distinct: bool = False) -> Aggregate[float | None]:
        """Average of non-NULL values; NULL when there are none."""
        return Aggregate("avg", (expr,), distinct)

    @overload
    def min(self, expr: Expr[T], /) -> Aggregate[T | None]: ...
    @overload
    def min(self, expr: SameTypeOrNull[P], other: P | SameTypeOrNull[P], /, *more: P | SameTypeOrNull[P]) -> Expr[P | None]: ...
    def min(self, expr: Any, /, *more: Any) -> Expr[Any]:
        """Aggregate minimum with one argument; scalar minimum of its arguments with more."""
        if more:
            return FunctionCall("min", (expr, *(wrap(m) for m in more)))
        return Aggregate("min", (expr,))

    @overload
    def max(self, expr: Expr[T], /) -> Aggregate[T | None]: ...
    @overload
    def max(self, expr: SameTypeOrNull[P], other: P | SameTypeOrNull[P], /, *more: P | SameTypeOrNull[P]) -> Expr[P | None]: ...
    def max(self, expr: Any, /, *more: Any) -> Expr[Any]:
        """Aggregate maximum with one argument; scalar maximum of its arguments with more."""
        if more:
            return FunctionCall("max", (expr, *(wrap(m) for m in more)))
        return Aggregate("max", (expr,))

    def group_concat(self, expr: Expr[Any], separator: str = ",") -> Aggregate[str | None]:
        """Values joined into one string."""
        return Aggregate("group_concat", (expr, wrap(separator)))

    # ------------------------------------------------------------ window functions
    def row_number(self) -> WindowFunction[int]:
        """Row number in the partition, from 1 (use with ``.over(...)``)."""
        return WindowFunction("row_number", ())

    def rank(self) -> WindowFunction[int]:
        """Rank with gaps: 1 + rows ordered before the row's peers."""
        return WindowFunction("rank", ())

    def dense_rank(self) -> WindowFunction[int]:
        """Rank without gaps: the number of the row's peer group."""
        return WindowFunction("dense_rank", ())

    def percent_rank(self) -> WindowFunction[float]:
        """(rank - 1) / (partition rows - 1); 0.0 for a one-row partition."""
        return WindowFunction("percent_rank", ())

    def cume_dist(self) -> WindowFunction[float]:
        """Rows up to the row's last peer / partition rows."""
        return WindowFunction("cume_dist", ())

    def ntile(self, buckets: int | Expr[int]) -> WindowFunction[int]:
        """The row's bucket, 1..``buckets``, of (nearly) equal bucket sizes."""
        return WindowFunction("ntile", (wrap(buckets),))

    def lag(self, expr: SameTypeOrNull[P], offset: int | Expr[int] = 1, default: P | SameTypeOrNull[P] | None = None) -> WindowFunction[P | None]:
        """The value ``offset`` rows before the row in its partition (``default`` past the
        start)."""
        return WindowFunction("lag", _lag_args(wrap(expr), offset, default))

    def lead(self, expr: SameTypeOrNull[P], offset: int | Expr[int] = 1, default: P | SameTypeOrNull[P] | None = None) -> WindowFunction[P | None]:
        """The value ``offset`` rows after the row in its partition (``default`` past the
        end)."""
        return WindowFunction("lead", _lag_args(wrap(expr), offset, default))

    def first_value(self, expr: Expr[T]) -> WindowFunction[T | None]:
        """The value of the frame's first row."""
        return WindowFunction("first_value", (expr,))

    def last_value(self, expr: Expr[T]) -> WindowFunction[T | None]:
        """The value of the frame's last row."""
        return WindowFunction("last_value", (expr,))

    def nth_value(self, expr: Expr[T], n: int | Expr[int]) -> WindowFunction[T | None]:
        """The value of the frame's ``n``-th row (from 1), NULL when it has fewer rows."""
        return WindowFunction("nth_value", (expr, wrap(n)))

    # ------------------------------------------------------------ scalar functions
    # Each has a non-null and a nullable overload: NULL in, NULL out (as in SQLite).
    @overload
    def lower(self, expr: Expr[str]) -> Expr[str]: ...
    @overload
    def lower(self, expr: Expr[str | None]) -> Expr[str | None]: ...
    def lower(self, expr: Expr[str] | Expr[str | None]) -> Expr[Any]:
        """Lower-case text."""
        return FunctionCall("lower", (expr,))

    @overload
    def upper(self, expr: Expr[str]) -> Expr[str]: ...
    @overload
    def upper(self, expr: Expr[str | None]) -> Expr[str | None]: ...
    def upper(self, expr: Expr[str] | Expr[str | None]) -> Expr[Any]:
        """Upper-case text."""
        return FunctionCall("upper", (expr,))

    @overload
    def length(self, expr: Expr[str] | Expr[bytes]) -> Expr[int]: ...
    @overload
    def length(self, expr: Expr[str | None] | Expr[bytes | None]) -> Expr[int | None]: ...
    def length(self, expr: Expr[str] | Expr[bytes] | Expr[str | None] | Expr[bytes | None]) -> Expr[Any]:
        """Characters in text (bytes in a blob)."""
        return FunctionCall("length", (expr,))

    @overload
    def substr(self, expr: Expr[str], start: int | Expr[int], length: int | Expr[int] | None = None) -> Expr[str]: ...
    @overload
    def substr(self, expr: Expr[str | None], start: int | Expr[int], length: int | Expr[int] | None = None) -> Expr[str | None]: ...
    def substr(self, expr: Expr[str] | Expr[str | None], start: int | Expr[int], length: int | Expr[int] | None = None) -> Expr[Any]:
        """SQLite ``substr`` (1-based ``start``; negative counts from the end)."""
        args = (expr, wrap(start)) if length is None else (expr, wrap(start), wrap(length))
        return FunctionCall("substr", args)

    @overload
    def trim(self, expr: Expr[str]) -> Expr[str]: ...
    @overload
    def trim(self, expr: Expr[str | None]) -> Expr[str | None]: ...
    def trim(self, expr: Expr[str] | Expr[str | None]) -> Expr[Any]:
        """Text without surrounding spaces."""
        return FunctionCall("trim", (expr,))

    @overload
    def replace(self, expr: Expr[str], old: str | Expr[str], new: str | Expr[str]) -> Expr[str]: ...
    @overload
    def replace(self, expr: Expr[str | None], old: str | Expr[str], new: str | Expr[str]) -> Expr[str | None]: ...
    def replace(self, expr: Expr[str] | Expr[str | None], old: str | Expr[str], new: str | Expr[str]) -> Expr[Any]:
        """Every ``old`` replaced by ``new``."""
        return FunctionCall("replace", (expr, wrap(old), wrap(new)))

    def abs(self, expr: Expr[N]) -> Expr[N]:
        """Absolute value."""
        return FunctionCall("abs", (expr,))

    @overload
    def round(self, expr: Expr[int] | Expr[float], digits: int = 0) -> Expr[float]: ...
    @overload
    def round(self, expr: Expr[int | None] | Expr[float | None], digits: int = 0) -> Expr[float | None]: ...
    def round(self, expr: Expr[int] | Expr[float] | Expr[int | None] | Expr[float | None], digits: int = 0) -> Expr[Any]:
        """Round half away from zero to ``digits`` decimals (REAL, as SQLite)."""
        return FunctionCall("round", (expr, wrap(digits)))

    # A non-null fallback makes the result non-null; only nullable arguments keep it nullable.
    # Arguments are typed through SameType / SameTypeOrNull so that a str and an int argument
    # do not meet at ``object`` (``Expr`` is covariant).
    @overload
    def coalesce(self, expr: SameTypeOrNull[P], *more: P | SameType[P]) -> Expr[P]: ...
    @overload
    def coalesce(self, expr: SameTypeOrNull[P], *more: SameTypeOrNull[P] | None) -> Expr[P | None]: ...
    def coalesce(self, expr: Any, *more: Any) -> Expr[Any]:
        """The first non-NULL argument."""
        return FunctionCall("coalesce", (wrap(expr), *(wrap(m) for m in more)))

    def nullif(self, expr: SameTypeOrNull[P], other: P | SameTypeOrNull[P]) -> Expr[P | None]:
        """NULL when the arguments are equal, else the first."""
        return FunctionCall("nullif", (wrap(expr), wrap(other)))

    def call(self, name: str, *args: Any) -> Expr[Any]:
        """Any registered scalar function by name (untyped)."""
        return FunctionCall(name.lower(), tuple(wrap(a) for a in args))


def _lag_args(expr: Expr[Any], offset: Any, default: Any) -> tuple[Expr[Any], ...]:
    """lag/lead arguments as SQL would list them (the default offset 1 is left out)."""
    if default is not None:
        return (expr, wrap(offset), wrap(default))
    if isinstance(offset, int) and not isinstance(offset, bool) and offset == 1:
        return (expr,)
    return (expr, wrap(offset))


func = _Functions()
