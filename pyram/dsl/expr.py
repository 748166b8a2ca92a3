"""Typed column expressions of the Python DSL.

``Expr[T]`` is an expression whose SQL value has Python type ``T``; :class:`Column` is the
expression a model class hands out for ``User.age``. Expressions refuse ``bool()`` so that a slip
such as ``if User.age == 3:`` fails loudly instead of always being true.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pyram.types import DataType

__all__ = ["Column", "Expr"]

T = TypeVar("T")


class Expr(Generic[T]):
    """A typed SQL expression producing values of Python type ``T``."""

    __slots__ = ()

    def __bool__(self) -> bool:
        raise TypeError(
            "a PyRAM expression has no truth value: combine conditions with &, | and ~, "
            "and compare with .eq()/.ne() or ==/!= inside where()"
        )


class Column(Expr[T]):
    """A column of a table, as an expression: what ``User.age`` evaluates to.

    Attributes:
        table_name: the table's SQL name.
        name: the column name.
        dtype: the column's data type.
        nullable: whether the column admits NULL.
        owner: the model class declaring the column, or None for SQL-created tables.
    """

    __slots__ = ("dtype", "name", "nullable", "owner", "table_name")

    def __init__(
        self, table_name: str, name: str, dtype: DataType, nullable: bool, owner: Any = None
    ) -> None:
        self.table_name = table_name
        self.name = name
        self.dtype = dtype
        self.nullable = nullable
        self.owner = owner

    def __repr__(self) -> str:
        return f"Column({self.table_name}.{self.name} {self.dtype.name})"
