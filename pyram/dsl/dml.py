"""Typed data-changing statements: ``update(User).set(...).where(...)``, ``delete(User)``,
``insert(User).from_select(query)``. Run them with ``db.execute(statement)``."""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar

from pyram.dsl.expr import Expr, wrap
from pyram.dsl.query import Select, _conditions
from pyram.dsl.terms import Column
from pyram.errors import ProgrammingError

__all__ = ["Delete", "Insert", "Update", "delete", "insert", "update"]

M = TypeVar("M")
T = TypeVar("T")


class _Statement:
    __slots__ = ("_cache_key",)

    _cache_key: tuple[Any, ...] | None

    def _key_parts(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def cache_key(self) -> tuple[Any, ...]:
        """Structural key for the plan cache."""
        cached = self._cache_key
        if cached is not None:
            return cached
        key = self._key_parts()
        self._cache_key = key
        return key


class Update(_Statement, Generic[M]):
    """``UPDATE table SET ... WHERE ...``."""

    __slots__ = ("assignments", "filters", "model")

    def __init__(
        self,
        model: type[M],
        assignments: tuple[tuple[Column[Any], Expr[Any]], ...] = (),
        filters: tuple[Expr[Any], ...] = (),
    ) -> None:
        self.model = model
        self.assignments = assignments
        self.filters = filters
        self._cache_key = None

    def set(self, column: Column[T], value: T | Expr[T]) -> Self:
        """Assign ``value`` (a constant or an expression over the row) to ``column``."""
        if not isinstance(column, Column):
            raise ProgrammingError(f"set() takes a column such as User.age, not {column!r}")
        return type(self)(self.model, (*self.assignments, (column, wrap(value))), self.filters)

    def where(self, *conditions: Expr[bool] | Expr[bool | None]) -> Self:
        """Only rows for which every condition is TRUE."""
        return type(self)(self.model, self.assignments, self.filters + _conditions(conditions))

    def _key_parts(self) -> tuple[Any, ...]:
        return (
            "update",
            self.model,
            tuple((c._key(), v._key()) for c, v in self.assignments),
            tuple(f._key() for f in self.filters),
        )


class Delete(_Statement, Generic[M]):
    """``DELETE FROM table WHERE ...``."""

    __slots__ = ("filters", "model")

    def __init__(self, model: type[M], filters: tuple[Expr[Any], ...] = ()) -> None:
        self.model = model
        self.filters = filters
        self._cache_key = None

    def where(self, *conditions: Expr[bool] | Expr[bool | None]) -> Self:
        """Only rows for which every condition is TRUE."""
        return type(self)(self.model, self.filters + _conditions(conditions))

    def _key_parts(self) -> tuple[Any, ...]:
        return ("delete", self.model, tuple(f._key() for f in self.filters))


class Insert(_Statement, Generic[M]):
    """``INSERT INTO table (columns) SELECT ...``."""

    __slots__ = ("columns", "model", "source")

    def __init__(
        self,
        model: type[M],
        columns: tuple[Column[Any], ...] = (),
        source: Select[Any] | None = None,
    ) -> None:
        self.model = model
        self.columns = columns
        self.source = source
        self._cache_key = None

    def from_select(self, query: Select[Any], *columns: Column[Any]) -> Self:
        """Insert the rows of ``query``; ``columns`` name the target columns (default: all,
        in table order)."""
        if not isinstance(query, Select):
            raise ProgrammingError("from_select() takes a select()")
        return type(self)(self.model, columns, query)

    def _key_parts(self) -> tuple[Any, ...]:
        if self.source is None:
            raise ProgrammingError("insert() needs .from_select(query)")
        return (
            "insert",
            self.model,
            tuple(c._key() for c in self.columns),
            self.source.cache_key(),
        )


def update(model: type[M]) -> Update[M]:
    """Start an UPDATE of ``model``'s table."""
    return Update(model)


def delete(model: type[M]) -> Delete[M]:
    """Start a DELETE from ``model``'s table."""
    return Delete(model)


def insert(model: type[M]) -> Insert[M]:
    """Start an INSERT ... SELECT into ``model``'s table."""
    return Insert(model)
