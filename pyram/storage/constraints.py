"""Constraint checks run before any write touches storage, so a failed write changes nothing.

Every function here only reads; each raises :class:`~pyram.errors.IntegrityError` naming the table,
the column(s), the offending value and the constraint, in SQLite's wording
("UNIQUE constraint failed: user.email").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyram.catalog import CheckConstraint, ForeignKey, TableSchema
from pyram.errors import IntegrityError
from pyram.storage.table_data import AnyIndex, TableData

__all__ = [
    "check_checks",
    "check_unique_new_keys",
    "keys_from_columns",
    "parent_index",
    "unique_index",
]


def _names(schema: TableSchema, columns: Sequence[str]) -> str:
    return ", ".join(f"{schema.name}.{c}" for c in columns)


def keys_from_columns(columns: Sequence[Sequence[Any]], positions: Sequence[int]) -> list[Any]:
    """Index keys (scalars, or tuples when composite) of rows given column-wise."""
    if len(positions) == 1:
        return list(columns[positions[0]])
    return list(zip(*(columns[p] for p in positions), strict=True))


def unique_index(data: TableData, columns: tuple[str, ...]) -> AnyIndex:
    """The unique index backing a PRIMARY KEY / UNIQUE constraint over ``columns``."""
    for spec in data.schema.indexes:
        if spec.unique and spec.columns == columns:
            return data.indexes[spec.name]
    raise AssertionError(f"no unique index on {data.schema.name}{columns}")  # schema invariant


def parent_index(parent: TableData, fk: ForeignKey) -> AnyIndex:
    """The unique index of the referenced columns of a foreign key."""
    return unique_index(parent, fk.ref_columns)


def _check_failed(schema: TableSchema, check: CheckConstraint, value: object) -> IntegrityError:
    columns = (check.column,) if check.column else ()
    return IntegrityError(
        f"CHECK constraint failed: {check.name} (value {value!r})",
        table=schema.name,
        columns=columns,
        value=value,
        constraint="check",
    )


def _run_predicate(schema: TableSchema, check: CheckConstraint, value: object) -> None:
    try:
        ok = check.predicate(value)
    except Exception as exc:
        raise IntegrityError(
            f"CHECK constraint {check.name} raised {type(exc).__name__}: {exc}",
            table=schema.name,
            columns=(check.column,) if check.column else (),
            value=value,
            constraint="check",
        ) from exc
    if not ok:
        raise _check_failed(schema, check, value)


def check_checks(schema: TableSchema, user_columns: Sequence[Sequence[Any]]) -> None:
    """Run every CHECK constraint over rows given column-wise as user-facing values."""
    if not schema.checks:
        return
    names = schema.column_names
    for check in schema.checks:
        if check.column is not None:
            for value in user_columns[schema.position(check.column)]:
                if value is not None:  # SQL: a NULL check result passes
                    _run_predicate(schema, check, value)
        else:
            for row in zip(*user_columns, strict=True):
                _run_predicate(schema, check, dict(zip(names, row, strict=True)))


def unique_error(schema: TableSchema, columns: tuple[str, ...], key: object) -> IntegrityError:
    """The error for a duplicate key in a PRIMARY KEY or UNIQUE constraint."""
    is_pk = columns == schema.primary_key
    kind = "PRIMARY KEY" if is_pk else "UNIQUE"
    return IntegrityError(
        f"{kind} constraint failed: {_names(schema, columns)} (value {key!r})",
        table=schema.name,
        columns=columns,
        value=key,
        constraint="primary key" if is_pk else "unique",
    )


def check_unique_new_keys(data: TableData, stored_columns: Sequence[Sequence[Any]]) -> None:
    """Reject new rows whose keys repeat within the batch or match a live row."""
    schema = data.schema
    for constraint in schema.uniques:
        positions = [schema.position(c) for c in constraint.columns]
        # NULL keys never conflict; filtered inline (no per-row call) since bulk loads pass here
        if len(positions) > 1:
            keys = [k for k in keys_from_columns(stored_columns, positions) if None not in k]
        else:
            keys = [k for k in stored_columns[positions[0]] if k is not None]
        index = unique_index(data, constraint.columns)
        if len(set(keys)) != len(keys):
            seen: set[Any] = set()
            for key in keys:
                if key in seen:
                    raise unique_error(schema, constraint.columns, key)
                seen.add(key)
        if len(index) and any(map(index.contains, keys)):  # an empty index cannot conflict
            for key in keys:
                if index.contains(key):
                    raise unique_error(schema, constraint.columns, key)


def foreign_key_error(
    schema: TableSchema, fk: ForeignKey, key: object, why: str = ""
) -> IntegrityError:
    """The error for a foreign key violation."""
    target = f"{fk.ref_table}({', '.join(fk.ref_columns)})"
    message = f"FOREIGN KEY constraint failed: {_names(schema, fk.columns)} -> {target}"
    message += f" (value {key!r})"
    if why:
        message += f": {why}"
    return IntegrityError(
        message, table=schema.name, columns=fk.columns, value=key, constraint="foreign key"
    )
