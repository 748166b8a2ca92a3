"""One row's values on their way into storage: validated one by one (the one-row write paths).

:meth:`pyram.storage.store.Store.insert` validates a batch column by column with each type's
``validate_column``; a single row, the commonest cache write, is cheaper value by value, with
the types' quick tests inlined: a value of an exact type is its own stored form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyram.catalog import TableSchema
from pyram.limits import MAX_INTEGER, MIN_INTEGER
from pyram.storage.table_data import TableData
from pyram.storage.update_checks import differs

__all__ = ["row_change", "update_images", "validate_row", "validate_value"]


def validate_value(schema: TableSchema, position: int, value: Any) -> Any:
    """One value of column ``position`` in stored form (validated as ``validate_column``
    would: a value of an exact type is its own stored form, ``value == value`` screens NaN and
    an int must fit INTEGER's 64 bits, the types' own quick tests, inlined for this hot path)."""
    column = schema.columns[position]
    dtype = column.dtype
    if (
        type(value) in dtype.exact_types
        and not dtype.encodes
        and value == value
        and (type(value) is not int or MIN_INTEGER <= value <= MAX_INTEGER)
    ):
        return value
    return dtype.validate(value, nullable=column.nullable, column=column.name, table=schema.name)


def validate_row(schema: TableSchema, row: Sequence[Any]) -> list[Any]:
    """A whole row in stored form (:func:`validate_value`'s quick test inlined: the one-row
    insert of every record write runs it per value)."""
    out = []
    for position, (column, value) in enumerate(zip(schema.columns, row, strict=True)):
        dtype = column.dtype
        if (
            type(value) in dtype.exact_types
            and not dtype.encodes
            and value == value
            and (type(value) is not int or MIN_INTEGER <= value <= MAX_INTEGER)
        ):
            out.append(value)
        else:
            out.append(validate_value(schema, position, value))
    return out


def row_change(
    data: TableData, rid: int, positions: Sequence[int], user_values: Sequence[Any]
) -> dict[int, Any]:
    """{position: new stored value} for the values of one row that really change; every value
    is validated (a wrong type fails even where it would change nothing)."""
    schema = data.schema
    stored = data.columns
    change: dict[int, Any] = {}
    for position, value in zip(positions, user_values, strict=True):
        new = validate_value(schema, position, value)
        if differs(new, stored[position][rid]):
            change[position] = new
    return change


def update_images(
    data: TableData, changes: dict[int, dict[int, Any]]
) -> tuple[list[Any], list[Any]]:
    """Old and new stored rows of ``changes`` (rid -> {position: new value}); a new row shares
    the old row's value objects wherever the value does not change."""
    old = [data.row(rid) for rid in changes]
    new = []
    for row, change in zip(old, changes.values(), strict=True):
        values = list(row)
        for position, value in change.items():
            values[position] = value
        new.append(values)
    return old, new
