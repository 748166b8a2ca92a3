"""Assemble a validated :class:`TableSchema` from column declarations and table-level constraints.

Both front ends call :func:`define_table`, so the rules live once: primary key columns are NOT
NULL, every PRIMARY KEY and UNIQUE constraint is backed by a unique sorted index, ``index=True``
gives a sorted index, foreign key columns get a hash index (so ON DELETE finds children without
a scan), names of constraints and indexes are derived the same way, and every
column named by a constraint must exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from pyram.catalog.schema import (
    CheckConstraint,
    ColumnSchema,
    ForeignKey,
    IndexKind,
    IndexSpec,
    TableSchema,
    UniqueConstraint,
)
from pyram.errors import ProgrammingError

__all__ = ["ColumnDecl", "define_table"]


@attrs.frozen
class ColumnDecl:
    """A column as declared, before table-level rules are applied."""

    column: ColumnSchema
    primary_key: bool = False
    unique: bool = False
    index: bool | IndexKind = False
    references: ForeignKey | None = None


def _index_name(table: str, columns: Sequence[str], suffix: str) -> str:
    return f"{table}_{'_'.join(columns)}_{suffix}"


def _check_columns(table: str, known: set[str], columns: Iterable[str], what: str) -> None:
    for name in columns:
        if name not in known:
            raise ProgrammingError(f"table {table}: {what} names unknown column {name!r}")


def _normalize_kind(table: str, value: bool | str) -> IndexKind | None:
    if value is False:
        return None
    if value is True or value == "sorted":
        return "sorted"
    if value == "hash":
        return "hash"
    raise ProgrammingError(f"table {table}: index must be True, 'hash' or 'sorted', not {value!r}")


def define_table(
    name: str,
    decls: Sequence[ColumnDecl],
    *,
    primary_key: Sequence[str] = (),
    unique: Iterable[Sequence[str]] = (),
    indexes: Iterable[IndexSpec | Sequence[str]] = (),
    foreign_keys: Iterable[ForeignKey] = (),
    checks: Iterable[Callable[[dict[str, Any]], object] | CheckConstraint] = (),
    row_class: type | None = None,
    rowid_column: str | None = None,
) -> TableSchema:
    """Build and validate a table schema.

    Args:
        name: table name.
        decls: columns in order, each with its column-level constraints.
        primary_key: a table-level (composite) primary key; exclusive with column-level ones.
        unique: table-level (composite) unique constraints.
        indexes: table-level indexes, as :class:`IndexSpec` or column-name sequences (sorted).
        foreign_keys: table-level (composite) foreign keys.
        checks: table-level checks: predicates over a dict of the row's values.
        row_class: the model class for rows, if any.
        rowid_column: an INTEGER primary key column filled in automatically when omitted.

    Raises:
        ProgrammingError: an inconsistent declaration.
    """
    if not name.isidentifier():
        raise ProgrammingError(f"invalid table name {name!r}")
    if not decls:
        raise ProgrammingError(f"table {name} has no columns")
    known = {d.column.name for d in decls}
    column_pk = tuple(d.column.name for d in decls if d.primary_key)
    if column_pk and primary_key:
        raise ProgrammingError(f"table {name}: primary key declared both on columns and table")
    if len(column_pk) > 1:
        raise ProgrammingError(
            f"table {name}: several columns say primary_key=True; declare a composite primary "
            "key at table level"
        )
    pk = tuple(primary_key) or column_pk
    _check_columns(name, known, pk, "primary key")
    if rowid_column is not None and pk != (rowid_column,):
        raise ProgrammingError(f"table {name}: {rowid_column!r} is not the primary key")

    columns = []
    for decl in decls:
        column = decl.column
        if column.name in pk and column.nullable:
            raise ProgrammingError(
                f"table {name}: primary key column {column.name!r} cannot be nullable"
            )
        columns.append(column)

    uniques: list[UniqueConstraint] = []
    specs: list[IndexSpec] = []
    if pk:
        uniques.append(UniqueConstraint(f"{name}_pkey", pk, primary_key=True))
    for decl in decls:
        if decl.unique and (decl.column.name,) != pk:
            single = (decl.column.name,)
            uniques.append(UniqueConstraint(_index_name(name, single, "key"), single))
    for declared in unique:
        cols = tuple(declared)
        _check_columns(name, known, cols, "unique constraint")
        if not cols:
            raise ProgrammingError(f"table {name}: empty unique constraint")
        if all(u.columns != cols for u in uniques):
            uniques.append(UniqueConstraint(_index_name(name, cols, "key"), cols))
    for constraint in uniques:
        # A B-tree-like sorted index, as SQLite does: equality in O(log n), ranges and ORDER BY
        # on the key for free, and row ids packed in arrays (a dict costs ~80 bytes per row
        # more). Ask for index="hash" beside it when point lookups matter more than memory.
        specs.append(IndexSpec(constraint.name, constraint.columns, "sorted", unique=True))

    for decl in decls:
        kind = _normalize_kind(name, decl.index)
        single = (decl.column.name,)
        # a unique column is already indexed; only a different kind of index adds anything
        already = any(s.kind == kind and s.columns == single for s in specs)
        if kind is not None and not already:
            specs.append(IndexSpec(_index_name(name, single, "idx"), single, kind))
    for item in indexes:
        if isinstance(item, IndexSpec):
            spec = item
        else:
            index_cols = tuple(item)
            spec = IndexSpec(_index_name(name, index_cols, "idx"), index_cols, "sorted")
        _check_columns(name, known, spec.columns, f"index {spec.name}")
        if not spec.columns:
            raise ProgrammingError(f"table {name}: index {spec.name} has no columns")
        specs.append(spec)
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ProgrammingError(f"table {name}: duplicate index name {spec.name!r}")
        seen.add(spec.name)

    fks = [attrs.evolve(d.references, columns=(d.column.name,)) for d in decls if d.references]
    for fk in foreign_keys:
        _check_columns(name, known, fk.columns, "foreign key")
        fks.append(fk)

    for fk in fks:
        # Deleting a parent row must find its children without a scan: index the child side.
        if all(spec.columns != fk.columns for spec in specs):
            specs.append(IndexSpec(_index_name(name, fk.columns, "fkey"), fk.columns, "hash"))

    all_checks = [
        CheckConstraint(f"{name}_{d.column.name}_check", d.column.check, d.column.name)
        for d in decls
        if d.column.check is not None
    ]
    for i, check in enumerate(checks, 1):
        if isinstance(check, CheckConstraint):
            all_checks.append(check)
        elif callable(check):
            all_checks.append(CheckConstraint(f"{name}_check{i}", check))
        else:
            raise ProgrammingError(f"table {name}: a check must be callable, not {check!r}")

    return TableSchema(
        name=name,
        columns=tuple(columns),
        primary_key=pk,
        uniques=tuple(uniques),
        indexes=tuple(specs),
        foreign_keys=tuple(fks),
        checks=tuple(all_checks),
        row_class=row_class,
        rowid_column=rowid_column,
    )
