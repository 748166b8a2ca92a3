"""Helpers on model instances that type checkers accept (``attrs.asdict``/``evolve`` are
rejected by mypy on ``dataclass_transform`` classes)."""

from __future__ import annotations

from typing import Any, TypeVar

from pyram.errors import ProgrammingError
from pyram.model.table import Table, schema_of

__all__ = ["asdict", "replace"]

T = TypeVar("T", bound=Table)


def asdict(row: Table) -> dict[str, Any]:
    """The row's column values as a dict, in column order."""
    return {name: getattr(row, name) for name in schema_of(row).column_names}


def replace(row: T, **changes: Any) -> T:
    """A copy of ``row`` with some columns changed (validated like the constructor).

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
