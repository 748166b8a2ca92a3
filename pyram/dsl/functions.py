"""``pyram.func``: typed Python wrappers over the SQL function registry.

Each wrapper only builds an expression node; the binder types the call through the registry,
so SQL and the DSL share one definition of every function.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar, overload

from pyram.dsl.expr import Aggregate, Expr, FunctionCall, wrap

__all__ = ["func"]

T = TypeVar("T")
N = TypeVar("N", int, float, Decimal)


class _Functions:
    """Namespace of SQL functions: ``pyram.func.count()``, ``pyram.func.lower(User.name)``..."""

    # ------------------------------------------------------------ aggregates
    def count(self, expr: Expr[Any] | None = None, *, distinct: bool = False) -> Expr[int]:
        """``count(*)`` without an argument, else ``count(expr)`` (non-NULL values)."""
        if expr is None:
            return Aggregate("count_star", ())
        return Aggregate("count", (expr,), distinct)

    @overload
    def sum(self, expr: Expr[N], *, distinct: bool = ...) -> Expr[N | None]: ...
    @overload
    def sum(self, expr: Expr[N | None], *, distinct: bool = ...) -> Expr[N | None]: ...
    def sum(self, expr: Expr[Any], *, distinct: bool = False) -> Expr[Any]:
        """Sum of non-NULL values; NULL when there are none."""
        return Aggregate("sum", (expr,), distinct)

    def total(self, expr: Expr[int] | Expr[float] | Expr[int | None] | Expr[float | None]) -> Expr[float]:
        """Sum as REAL; 0.0 when there are no values."""
        return Aggregate("total", (expr,))

    def avg(self, expr: Expr[int] | Expr[float] | Expr[Decimal] | Expr[int | None] | Expr[float | None] | Expr[Decimal | None], *, distinct: bool = False) -> Expr[float | None]:
        """Average of non-NULL values; NULL when there are none."""
        return Aggregate("avg", (expr,), distinct)

    @overload
    def min(self, expr: Expr[T], /) -> Expr[T | None]: ...
    @overload
    def min(self, expr: Expr[T], other: Expr[T] | T, /, *more: Expr[T] | T) -> Expr[T | None]: ...
    def min(self, expr: Expr[Any], /, *more: Any) -> Expr[Any]:
        """Aggregate minimum with one argument; scalar minimum of its arguments with more."""
        if more:
            return FunctionCall("min", (expr, *(wrap(m) for m in more)))
        return Aggregate("min", (expr,))

    @overload
    def max(self, expr: Expr[T], /) -> Expr[T | None]: ...
    @overload
    def max(self, expr: Expr[T], other: Expr[T] | T, /, *more: Expr[T] | T) -> Expr[T | None]: ...
    def max(self, expr: Expr[Any], /, *more: Any) -> Expr[Any]:
        """Aggregate maximum with one argument; scalar maximum of its arguments with more."""
        if more:
            return FunctionCall("max", (expr, *(wrap(m) for m in more)))
        return Aggregate("max", (expr,))

    def group_concat(self, expr: Expr[Any], separator: str = ",") -> Expr[str | None]:
        """Values joined into one string."""
        return Aggregate("group_concat", (expr, wrap(separator)))

    # ------------------------------------------------------------ scalar functions
    def lower(self, expr: Expr[str] | Expr[str | None]) -> Expr[str]:
        """Lower-case text."""
        return FunctionCall("lower", (expr,))

    def upper(self, expr: Expr[str] | Expr[str | None]) -> Expr[str]:
        """Upper-case text."""
        return FunctionCall("upper", (expr,))

    def length(self, expr: Expr[str] | Expr[bytes] | Expr[str | None] | Expr[bytes | None]) -> Expr[int]:
        """Characters in text (bytes in a blob)."""
        return FunctionCall("length", (expr,))

    def substr(self, expr: Expr[str] | Expr[str | None], start: int | Expr[int], length: int | Expr[int] | None = None) -> Expr[str]:
        """SQLite ``substr`` (1-based ``start``; negative counts from the end)."""
        args = (expr, wrap(start)) if length is None else (expr, wrap(start), wrap(length))
        return FunctionCall("substr", args)

    def trim(self, expr: Expr[str] | Expr[str | None]) -> Expr[str]:
        """Text without surrounding spaces."""
        return FunctionCall("trim", (expr,))

    def replace(self, expr: Expr[str] | Expr[str | None], old: str | Expr[str], new: str | Expr[str]) -> Expr[str]:
        """Every ``old`` replaced by ``new``."""
        return FunctionCall("replace", (expr, wrap(old), wrap(new)))

    def abs(self, expr: Expr[N]) -> Expr[N]:
        """Absolute value."""
        return FunctionCall("abs", (expr,))

    def round(self, expr: Expr[int] | Expr[float] | Expr[int | None] | Expr[float | None], digits: int = 0) -> Expr[float]:
        """Round half away from zero to ``digits`` decimals (REAL, as SQLite)."""
        return FunctionCall("round", (expr, wrap(digits)))

    def coalesce(self, expr: Expr[T | None] | Expr[T], *more: Expr[T] | Expr[T | None] | T) -> Expr[T]:
        """The first non-NULL argument."""
        return FunctionCall("coalesce", (expr, *(wrap(m) for m in more)))

    def nullif(self, expr: Expr[T], other: Expr[T] | T) -> Expr[T | None]:
        """NULL when the arguments are equal, else the first."""
        return FunctionCall("nullif", (expr, wrap(other)))

    def call(self, name: str, *args: Any) -> Expr[Any]:
        """Any registered scalar function by name (untyped)."""
        return FunctionCall(name.lower(), tuple(wrap(a) for a in args))


func = _Functions()
