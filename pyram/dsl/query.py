"""The typed query builder: ``Select[T]`` where ``T`` is the row type a query returns.

Builders are immutable: every chained call returns a new builder, so a query object can be kept
and reused safely (and later cached by shape).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import attrs

from pyram.errors import ProgrammingError

__all__ = ["Select"]

R = TypeVar("R")


@attrs.frozen
class Select(Generic[R]):
    """A SELECT query whose rows are of type ``R``.

    Attributes:
        source: the model class selected from.
        limit_count: LIMIT, or None.
        offset_count: OFFSET (0 when absent).
    """

    source: Any
    limit_count: int | None = None
    offset_count: int = 0

    def limit(self, count: int) -> Select[R]:
        """Return at most ``count`` rows."""
        if type(count) is not int or count < 0:
            raise ProgrammingError(f"limit must be a non-negative int, not {count!r}")
        return attrs.evolve(self, limit_count=count)

    def offset(self, count: int) -> Select[R]:
        """Skip the first ``count`` rows."""
        if type(count) is not int or count < 0:
            raise ProgrammingError(f"offset must be a non-negative int, not {count!r}")
        return attrs.evolve(self, offset_count=count)
