"""Helpers on model instances that type checkers accept (``attrs.asdict``/``evolve`` are
rejected by mypy on ``dataclass_transform`` classes)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from pyram.errors import ProgrammingError
from pyram.model.table import Table, schema_of

__all__ = ["asdict", "replace"]

T = TypeVar("T", bound=Table)
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")


class _Replaceable(Protocol[P, T_co]):
    """A row whose class has ``__replace__``: both checkers synthesize it for
    ``dataclass_transform`` classes when they target Python 3.13+ (keyword-only, every column
    optional, typed as the column)."""

    def __replace__(self, *args: P.args, **kwargs: P.kwargs) -> T_co: ...


def asdict(row: Table) -> dict[str, Any]:
    """The row's column values as a dict, in column order."""
    return {name: getattr(row, name) for name in schema_of(row).column_names}


if TYPE_CHECKING and sys.version_info >= (3, 13):
    # Keywords typed per model through the synthesized __replace__ (``replace(u, age="x")``
    # and unknown names are errors). Older targets have no such signature to borrow: the
    # keywords stay unchecked there (and are checked at run time).
    def replace(row: _Replaceable[P, T], /, *args: P.args, **changes: P.kwargs) -> T:
        """A copy of ``row`` with some columns changed (validated like the constructor)."""
        ...

else:

    def replace(row: T, /, **changes: Any) -> T:
        """A copy of ``row`` with some columns changed (validated like the constructor).

        Type checkers targeting Python 3.13+ check the keywords against the columns.

        Raises:
            ProgrammingError: an unknown column name.
            DataError: a value of the wrong type.
        """
        schema = schema_of(row)
        for name in changes:
            if not schema.has_column(name):
                raise ProgrammingError(f"table {schema.name} has no column {name!r}")
        values = {**asdict(row), **changes}
        new: T = type(row)(**values)
        return new
