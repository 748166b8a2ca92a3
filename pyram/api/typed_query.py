"""Typed parameters for a query: ``db.typed(query, signature)`` (issue 17).

Keyword arguments of ``db.all(q, id=3)`` cannot be typed by a checker: their names live in the
query. A typed query takes them from a signature the user writes once, a function whose parameters
name the query's parameters with their types (its body is never run)::

    def by_age(low: int, high: int) -> None: ...

    between = db.typed(User.select().where(User.age.between(param("low"), param("high"))), by_age)
    between(low=20, high=30)     # list[User]; between(low="x") is a type error

``ParamSpec`` carries the signature to ``__call__``, so both checkers check the names and types
at every call. At run time the arguments are bound through the signature (so positional use works
and a wrong name is a ``ProgrammingError``) and the query runs with them as its parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Protocol, TypeVar

from pyram.errors import ProgrammingError

if TYPE_CHECKING:
    from pyram.dsl import Select

__all__ = ["TypedQuery"]

P = ParamSpec("P")
R = TypeVar("R")


class _Reader(Protocol):
    """The read methods of ``Database`` a typed query runs on (no import of database.py)."""

    def all(self, query: Select[R], params: dict[str, Any], /) -> list[R]: ...
    def first(self, query: Select[R], params: dict[str, Any], /) -> R | None: ...
    def one(self, query: Select[R], params: dict[str, Any], /) -> R: ...


class TypedQuery(Generic[P, R]):
    """A query whose parameters are typed by a signature; call it like the signature."""

    __slots__ = ("_db", "_query", "_signature")

    def __init__(self, db: _Reader, query: Select[R], signature: Callable[P, object]) -> None:
        self._db = db
        self._query = query
        self._signature = inspect.signature(signature)

    def _params(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ProgrammingError(f"typed query parameters: {exc}") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Every row of the query with these parameters (``db.all``)."""
        return self._db.all(self._query, self._params(args, kwargs))

    def first(self, *args: P.args, **kwargs: P.kwargs) -> R | None:
        """The first row, or None (``db.first``)."""
        return self._db.first(self._query, self._params(args, kwargs))

    def one(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Exactly one row (``db.one``)."""
        return self._db.one(self._query, self._params(args, kwargs))
