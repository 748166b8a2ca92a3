"""The read methods every PyRAM database derives from ``all`` and ``first``: ``one``,
``one_or_none``, ``scalars`` and ``scalar``. The in-memory :class:`~pyram.Database` and the
PostgreSQL :class:`~pyram.pg.PgDatabase` both inherit them, so the two backends answer these
alike (same errors, same typing) by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from typing_extensions import TypeVarTuple

from pyram.dsl import Column, Select
from pyram.errors import MultipleResultsFound, NoResultFound, ProgrammingError
from pyram.model import schema_of

__all__ = ["DerivedReads", "key_owner", "rows_into"]

R = TypeVar("R")
T1 = TypeVar("T1")
Rest = TypeVarTuple("Rest")
M = TypeVar("M")
X = TypeVar("X")


class DerivedReads:
    """``one``, ``one_or_none``, ``scalars`` and ``scalar`` over the class's ``all`` and
    ``first`` (keywords such as ``as_of`` pass through to them)."""

    if TYPE_CHECKING:

        def all(
            self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
        ) -> list[R]: ...

        def first(
            self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
        ) -> R | None: ...

    def one(self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any) -> R:
        """The only row of a query.

        Raises:
            NoResultFound: the query returned no row; MultipleResultsFound: more than one
                (both ProgrammingErrors).
        """
        rows = self.all(query, params, **kw)
        if not rows:
            raise NoResultFound("expected exactly one row, got none")
        if len(rows) > 1:
            raise MultipleResultsFound(f"expected exactly one row, got {len(rows)}")
        return rows[0]

    def one_or_none(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None:
        """The only row of a query, or None when it has none.

        Raises:
            MultipleResultsFound: more than one row (a ProgrammingError).
        """
        rows = self.all(query, params, **kw)
        if len(rows) > 1:
            raise MultipleResultsFound(f"expected at most one row, got {len(rows)}")
        return rows[0] if rows else None

    @overload
    def scalars(
        self, query: Select[tuple[T1]], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[T1]: ...
    @overload
    def scalars(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[Any]: ...
    def scalars(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> list[Any]:
        """The first column of every row (``select(User.name)`` gives the names)."""
        return [row[0] if isinstance(row, tuple) else row for row in self.all(query, params, **kw)]

    @overload
    def scalar(
        self, query: Select[tuple[T1]], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> T1 | None: ...
    @overload
    def scalar(
        self,
        query: Select[tuple[T1, *Rest]],
        params: Mapping[str, Any] | None = None,
        /,
        **kw: Any,
    ) -> T1 | None: ...
    @overload
    def scalar(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> R | None: ...
    def scalar(
        self, query: Select[Any], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.first(query, params, **kw)
        if row is None:
            return None
        return row[0] if isinstance(row, tuple) else row


# id(column) -> (column, model): a model's key columns are class attributes that live as long
# as the class, so the check below runs once per column (the entry keeps the column alive, so
# its id cannot be reused)
_KEY_OWNERS: dict[int, tuple[Column[Any], Any]] = {}


def key_owner(column: Column[Any, M]) -> type[M]:
    """The model whose one-column primary key is ``column`` (``db.get(User.id, 3)``).

    Raises:
        ProgrammingError: ``column`` belongs to no model, or is not its whole primary key.
    """
    known = _KEY_OWNERS.get(id(column))
    if known is not None and known[0] is column:
        found: type[M] = known[1]
        return found
    owner = column.owner
    if owner is None or column.alias is not None:
        raise ProgrammingError(f"get(): {column!r} is not a column of a model class")
    schema = schema_of(owner)
    if schema.primary_key != (column.name,):
        key = ", ".join(schema.primary_key) or "none"
        raise ProgrammingError(
            f"get(): {column!r} is not the primary key of {schema.name} (primary key: {key})"
        )
    _KEY_OWNERS[id(column)] = (column, owner)
    model: type[M] = owner
    return model


def rows_into(rows: list[Any], into: Callable[..., X]) -> list[X]:
    """Each row (a tuple) as ``into(*row)`` (``db.all(q, into=Row)``).

    Raises:
        ProgrammingError: a row ``into`` does not accept (wrong width, or not a tuple row).
    """
    try:
        return [into(*row) for row in rows]
    except TypeError as exc:
        name = getattr(into, "__name__", repr(into))
        raise ProgrammingError(f"into={name} cannot be built from the query's rows: {exc}") from exc
