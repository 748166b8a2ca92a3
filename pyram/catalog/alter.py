"""Schema changes of ALTER TABLE and migrations, as pure functions from schema to schema.

Each function returns a new :class:`TableSchema` (schemas are immutable) and knows nothing of
rows: :mod:`pyram.storage.alter` moves the rows, and the front ends decide what is allowed
(the SQL binder with SQLite's rules, ``Database.migrate`` with its own). Renames reach every
place a name is kept: columns, primary key, unique constraints, indexes, foreign keys (this
table's and, through :func:`rename_references`, other tables' pointing at it) and the column
of a column CHECK. CHECK predicates themselves are the caller's: a predicate reading a row by
column names must be compiled again (SQL) or wrapped (Python) by the front end.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from pyram.catalog.schema import (
    CheckConstraint,
    ColumnSchema,
    ForeignKey,
    IndexSpec,
    TableSchema,
)

__all__ = [
    "add_column",
    "drop_column",
    "rename_column",
    "rename_references",
    "rename_table",
]


def _rename(names: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if n == old else n for n in names)


def add_column(
    schema: TableSchema,
    column: ColumnSchema,
    foreign_key: ForeignKey | None = None,
    checks: tuple[CheckConstraint, ...] = (),
) -> TableSchema:
    """``schema`` with ``column`` appended (and its resolved foreign key, with the hash index
    on the child side every foreign key gets, and its CHECK constraints)."""
    indexes = schema.indexes
    fks = schema.foreign_keys
    if foreign_key is not None:
        fks += (foreign_key,)
        name = f"{schema.name}_{column.name}_fkey"
        indexes += (IndexSpec(name, (column.name,), "hash"),)
    return attrs.evolve(
        schema,
        columns=(*schema.columns, column),
        indexes=indexes,
        foreign_keys=fks,
        checks=schema.checks + checks,
    )


def drop_column(schema: TableSchema, name: str) -> TableSchema:
    """``schema`` without column ``name`` and without what exists only for it: its column
    CHECK and the non-unique indexes on it alone (the caller refuses a column that keys,
    references or is checked by anything else)."""
    return attrs.evolve(
        schema,
        columns=tuple(c for c in schema.columns if c.name != name),
        indexes=tuple(i for i in schema.indexes if i.columns != (name,)),
        checks=tuple(c for c in schema.checks if c.column != name),
    )


def rename_column(
    schema: TableSchema,
    old: str,
    new: str,
    recompile: Callable[[TableSchema, CheckConstraint], CheckConstraint],
) -> TableSchema:
    """``schema`` with column ``old`` called ``new`` everywhere this table names it; each
    CHECK goes through ``recompile`` (given the renamed schema) so its predicate reads the
    new name."""
    columns = tuple(attrs.evolve(c, name=new) if c.name == old else c for c in schema.columns)
    renamed = attrs.evolve(
        schema,
        columns=columns,
        primary_key=_rename(schema.primary_key, old, new),
        uniques=tuple(
            attrs.evolve(u, columns=_rename(u.columns, old, new)) for u in schema.uniques
        ),
        indexes=tuple(
            attrs.evolve(i, columns=_rename(i.columns, old, new)) for i in schema.indexes
        ),
        foreign_keys=tuple(
            attrs.evolve(fk, columns=_rename(fk.columns, old, new)) for fk in schema.foreign_keys
        ),
        checks=tuple(attrs.evolve(c, column=new) if c.column == old else c for c in schema.checks),
        rowid_column=new if schema.rowid_column == old else schema.rowid_column,
    )
    plain = attrs.evolve(renamed, checks=())
    renamed = attrs.evolve(renamed, checks=tuple(recompile(plain, c) for c in renamed.checks))
    # a self-reference names the renamed column on the parent side too
    return rename_references(renamed, schema.name, schema.name, old, new)


def rename_table(schema: TableSchema, new: str) -> TableSchema:
    """``schema`` called ``new`` (a self-referencing foreign key follows)."""
    fks = tuple(
        attrs.evolve(fk, ref_table=new) if fk.ref_table.lower() == schema.name.lower() else fk
        for fk in schema.foreign_keys
    )
    return attrs.evolve(schema, name=new, foreign_keys=fks)


def rename_references(
    schema: TableSchema, table: str, new_table: str, old_column: str = "", new_column: str = ""
) -> TableSchema:
    """``schema`` with its foreign keys to ``table`` pointing at ``new_table`` (and, when
    ``old_column`` is given, at ``new_column`` instead of it)."""
    fks = []
    for fk in schema.foreign_keys:
        if fk.ref_table.lower() == table.lower():
            ref_columns = fk.ref_columns
            if old_column:
                ref_columns = _rename(ref_columns, old_column, new_column)
            fk = attrs.evolve(fk, ref_table=new_table, ref_columns=ref_columns)
        fks.append(fk)
    return attrs.evolve(schema, foreign_keys=tuple(fks))
