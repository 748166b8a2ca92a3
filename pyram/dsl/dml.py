"""Typed data-changing statements: ``update(User).set(...).where(...)``, ``delete(User)``,
``insert(User).from_select(query)`` (with ``.on_conflict(...)``: SQLite's conflict
resolution). Run them with ``db.execute(statement)``."""

from __future__ import annotations

from typing import Any, Generic, Literal, Protocol, Self, TypeVar, overload

from pyram.dsl.expr import Expr, wrap
from pyram.dsl.query import Select, _conditions
from pyram.dsl.terms import Column
from pyram.errors import ProgrammingError

__all__ = [
    "Conflict",
    "ConflictAction",
    "Delete",
    "Insert",
    "Update",
    "delete",
    "excluded",
    "insert",
    "update",
]

M = TypeVar("M")
T = TypeVar("T")
T1 = TypeVar("T1")
T2 = TypeVar("T2")
T3 = TypeVar("T3")
T4 = TypeVar("T4")
T5 = TypeVar("T5")
T6 = TypeVar("T6")
T7 = TypeVar("T7")
T8 = TypeVar("T8")
T_contra = TypeVar("T_contra", contravariant=True)
M_contra = TypeVar("M_contra", contravariant=True)


class Target(Protocol[T_contra, M_contra]):
    """For checkers: a column of ``M``'s table that accepts ``T`` values (``Column[str | None,
    Order]`` is a ``Target[str, Order]``). Contravariant, so a query's column type is matched
    against the target instead of being widened to it (mypy's inference of nested calls)."""

    def _target_of(self, owner: M_contra, value: T_contra) -> None: ...

#: What ``insert(...).on_conflict(action)`` does with a row whose unique key is taken.
ConflictAction = Literal["ignore", "replace", "update"]
_ACTIONS = ("ignore", "replace", "update")
#: the qualifier ``excluded(column)`` reaches the proposed row through (SQLite's name)
EXCLUDED = "excluded"


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

    def set(self, column: Column[T, M], value: T | Expr[T]) -> Self:
        """Assign ``value`` (a constant or an expression over the row) to ``column``, a column
        of the updated model (``Column[T, M]``: another model's column is a type error)."""
        target = _owned(self.model, column, "set()")
        return type(self)(self.model, (*self.assignments, (target, wrap(value))), self.filters)

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


class Conflict:
    """The ``on_conflict`` part of an :class:`Insert`: action, target key, and for
    ``"update"`` the assignments and conditions (immutable; builders return copies)."""

    __slots__ = ("action", "assignments", "filters", "target")

    def __init__(
        self,
        action: ConflictAction,
        target: tuple[Column[Any], ...] = (),
        assignments: tuple[tuple[Column[Any], Expr[Any]], ...] = (),
        filters: tuple[Expr[Any], ...] = (),
    ) -> None:
        self.action = action
        self.target = target
        self.assignments = assignments
        self.filters = filters

    def key(self) -> tuple[Any, ...]:
        """Structural key (part of the statement's plan-cache key)."""
        return (
            self.action,
            tuple(c._key() for c in self.target),
            tuple((c._key(), v._key()) for c, v in self.assignments),
            tuple(f._key() for f in self.filters),
        )


class Insert(_Statement, Generic[M]):
    """``INSERT INTO table (columns) SELECT ... [ON CONFLICT ...]``."""

    __slots__ = ("columns", "conflict", "model", "source")

    def __init__(
        self,
        model: type[M],
        columns: tuple[Column[Any], ...] = (),
        source: Select[Any] | None = None,
        conflict: Conflict | None = None,
    ) -> None:
        self.model = model
        self.columns = columns
        self.source = source
        self.conflict = conflict
        self._cache_key = None

    # Typed shapes: a select of the model's own rows, or a select of n columns followed by the n
    # target columns (each value type must fit its column). Without target columns the query
    # supplies every column in table order: checked at run time only (a class type cannot
    # spell the tuple of its column types).
    @overload
    def from_select(self, query: Select[M], /) -> Self: ...
    @overload
    def from_select(self, query: Select[tuple[Any, ...]], /) -> Self: ...
    @overload
    def from_select(self, query: Select[tuple[T1]], c1: Target[T1, M], /) -> Self: ...
    @overload
    def from_select(self, query: Select[tuple[T1, T2]], c1: Target[T1, M], c2: Target[T2, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[T1, T2, T3]], c1: Target[T1, M], c2: Target[T2, M], c3: Target[T3, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[T1, T2, T3, T4]], c1: Target[T1, M], c2: Target[T2, M], c3: Target[T3, M], c4: Target[T4, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[T1, T2, T3, T4, T5]], c1: Target[T1, M], c2: Target[T2, M], c3: Target[T3, M], c4: Target[T4, M], c5: Target[T5, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[T1, T2, T3, T4, T5, T6]], c1: Target[T1, M], c2: Target[T2, M], c3: Target[T3, M], c4: Target[T4, M], c5: Target[T5, M], c6: Target[T6, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[T1, T2, T3, T4, T5, T6, T7]], c1: Target[T1, M], c2: Target[T2, M], c3: Target[T3, M], c4: Target[T4, M], c5: Target[T5, M], c6: Target[T6, M], c7: Target[T7, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[T1, T2, T3, T4, T5, T6, T7, T8]], c1: Target[T1, M], c2: Target[T2, M], c3: Target[T3, M], c4: Target[T4, M], c5: Target[T5, M], c6: Target[T6, M], c7: Target[T7, M], c8: Target[T8, M], /) -> Self: ...  # fmt: skip
    @overload
    def from_select(self, query: Select[tuple[Any, ...]], c1: Column[Any, M], c2: Column[Any, M], c3: Column[Any, M], c4: Column[Any, M], c5: Column[Any, M], c6: Column[Any, M], c7: Column[Any, M], c8: Column[Any, M], c9: Column[Any, M], /, *more: Column[Any, M]) -> Self: ...  # fmt: skip
    def from_select(self, query: Select[Any], /, *columns: Target[Any, M]) -> Self:
        """Insert the rows of ``query``; ``columns`` name the target columns (default: all,
        in table order), each a column of the target model.

        Raises:
            ProgrammingError: not a select, a column of another table, or (with ``columns``) a
                query of another width.
        """
        if not isinstance(query, Select):
            raise ProgrammingError("from_select() takes a select()")
        targets = tuple(_owned(self.model, column, "from_select()") for column in columns)
        width = None if query.entity is not None else len(query.columns)
        if targets and width is not None and width != len(targets):
            raise ProgrammingError(
                f"from_select(): the query returns {width} columns for {len(targets)} targets"
            )
        return type(self)(self.model, targets, query, self.conflict)

    def on_conflict(self, action: ConflictAction, *target: Column[Any, M]) -> Self:
        """What to do with a row whose primary key or UNIQUE key is already taken.

        ``"ignore"`` skips the row; ``"replace"`` deletes every row in its way (on any
        unique key) and inserts it; ``"update"`` changes the existing row instead, as the
        ``set()`` and ``where()`` calls that follow say (``excluded(col)`` reads the proposed
        row). ``target`` names the unique key whose conflicts are handled: required for
        ``"update"``, optional for ``"ignore"`` (default: any key), refused for ``"replace"``.

        Raises:
            ProgrammingError: an unknown action, or a target ``"replace"``/``"update"``
                cannot take.
        """
        if action not in _ACTIONS:
            raise ProgrammingError(f"on_conflict() takes one of {_ACTIONS}, not {action!r}")
        target = tuple(_owned(self.model, c, "on_conflict()") for c in target)
        if action == "replace" and target:
            raise ProgrammingError("on_conflict('replace') replaces on every key: no target")
        if action == "update" and not target:
            raise ProgrammingError("on_conflict('update', ...) needs the target key's columns")
        return self._with(Conflict(action, target))

    def set(self, column: Column[T, M], value: T | Expr[T]) -> Self:
        """After ``on_conflict("update", ...)``: assign ``value`` to ``column`` of the existing
        row (an expression may read it, and the proposed row through ``excluded(col)``)."""
        conflict = self._updating("set")
        column = _owned(self.model, column, "set()")
        assignments = (*conflict.assignments, (column, wrap(value)))
        return self._with(Conflict("update", conflict.target, assignments, conflict.filters))

    def where(self, *conditions: Expr[bool] | Expr[bool | None]) -> Self:
        """After ``on_conflict("update", ...)``: update only existing rows for which every
        condition is TRUE (the others stay as they are, and the proposed row is dropped)."""
        conflict = self._updating("where")
        filters = conflict.filters + _conditions(conditions)
        return self._with(Conflict("update", conflict.target, conflict.assignments, filters))

    def _updating(self, method: str) -> Conflict:
        conflict = self.conflict
        if conflict is None or conflict.action != "update":
            raise ProgrammingError(f"{method}() follows on_conflict('update', ...)")
        return conflict

    def _with(self, conflict: Conflict) -> Self:
        return type(self)(self.model, self.columns, self.source, conflict)

    def _key_parts(self) -> tuple[Any, ...]:
        if self.source is None:
            raise ProgrammingError("insert() needs .from_select(query)")
        return (
            "insert",
            self.model,
            tuple(c._key() for c in self.columns),
            self.source.cache_key(),
            None if self.conflict is None else self.conflict.key(),
        )


def excluded(column: Column[T]) -> Column[T]:
    """The proposed row's value of ``column`` inside ``on_conflict("update", ...)``'s
    ``set()`` and ``where()`` (SQL's ``excluded.column``)."""
    if not isinstance(column, Column):
        raise ProgrammingError(f"excluded() takes a column such as User.age, not {column!r}")
    return Column(
        column.table_name, column.name, column.dtype, column.nullable, column.owner, EXCLUDED
    )


def _owned(model: Any, column: object, where: str) -> Column[Any]:
    """``column`` itself, which must be a column of ``model``'s table (for the checkers a
    ``Column[T, M]``)."""
    if not isinstance(column, Column):
        raise ProgrammingError(f"{where} takes a column such as User.age, not {column!r}")
    if column.owner is not None and column.owner is not model:
        name = getattr(model, "__name__", repr(model))
        raise ProgrammingError(f"{where}: {column!r} is not a column of {name}")
    return column


def update(model: type[M]) -> Update[M]:
    """Start an UPDATE of ``model``'s table."""
    return Update(model)


def delete(model: type[M]) -> Delete[M]:
    """Start a DELETE from ``model``'s table."""
    return Delete(model)


def insert(model: type[M]) -> Insert[M]:
    """Start an INSERT ... SELECT into ``model``'s table (``.from_select(query)``, optionally
    ``.on_conflict(...)``)."""
    return Insert(model)
