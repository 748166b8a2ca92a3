"""The read methods every PyRAM database derives from ``all`` and ``first``: ``one``,
``one_or_none``, ``scalars`` and ``scalar``. The in-memory :class:`~pyram.Database` and the
PostgreSQL :class:`~pyram.pg.PgDatabase` both inherit them, so the two backends answer these
alike (same errors, same typing) by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from typing_extensions import TypeVarTuple

from pyram.dsl import Select
from pyram.errors import MultipleResultsFound, NoResultFound

__all__ = ["DerivedReads"]

R = TypeVar("R")
T1 = TypeVar("T1")
Rest = TypeVarTuple("Rest")


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
