"""The catalogue: every table's schema by name, with foreign keys resolved and kept consistent.

Table names are SQL identifiers and compare case-insensitively. Creating tables resolves their
foreign keys (forward references allowed within one :meth:`Catalog.add_tables` call); dropping a
table that another table still references is refused unless both go together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import attrs

from pyram.catalog.schema import ForeignKey, TableSchema
from pyram.errors import ProgrammingError

__all__ = ["Catalog", "ColumnLike", "resolve_target"]


class ColumnLike(Protocol):
    """What a foreign key target needs: a column knowing its table's name."""

    @property
    def table_name(self) -> str: ...

    @property
    def name(self) -> str: ...


def _target_parts(target: object) -> tuple[str, tuple[str, ...]]:
    """(table, columns) named by a foreign key target; columns empty means the primary key."""
    if callable(target) and not isinstance(target, type):
        target = target()
    if isinstance(target, str):
        table, _, column = target.partition(".")
        return table, ((column,) if column else ())
    schema = getattr(target, "__pyram_schema__", None)
    if isinstance(schema, TableSchema):
        return schema.name, ()
    if isinstance(target, tuple) and target:
        parts = [_target_parts(t) for t in target]
        tables = {p[0] for p in parts}
        if len(tables) != 1:
            raise ProgrammingError("a composite foreign key must reference columns of one table")
        return parts[0][0], tuple(c for p in parts for c in p[1])
    table_name = getattr(target, "table_name", None)
    column_name = getattr(target, "name", None)
    if isinstance(table_name, str) and isinstance(column_name, str):
        return table_name, (column_name,)
    raise ProgrammingError(f"cannot understand foreign key target {target!r}")


def resolve_target(
    child: TableSchema, fk: ForeignKey, lookup: dict[str, TableSchema]
) -> ForeignKey:
    """Resolve one foreign key of ``child`` against the tables in ``lookup`` (lower-case keys).

    Raises:
        ProgrammingError: unknown table or column, a target that is neither primary key nor
            unique, or mismatched column types.
    """
    if fk.resolved:
        table_name, ref_columns = fk.ref_table, fk.ref_columns
    else:
        table_name, ref_columns = _target_parts(fk.target)
    parent = lookup.get(table_name.lower())
    where = f"table {child.name}: foreign key {fk.columns}"
    if parent is None:
        raise ProgrammingError(f"{where} references unknown table {table_name!r}")
    if not ref_columns:
        if not parent.primary_key:
            raise ProgrammingError(f"{where}: table {parent.name} has no primary key")
        ref_columns = parent.primary_key
    if len(ref_columns) != len(fk.columns):
        raise ProgrammingError(f"{where}: references {len(ref_columns)} column(s)")
    for name in ref_columns:
        if not parent.has_column(name):
            raise ProgrammingError(f"{where} references unknown column {parent.name}.{name}")
    if all(u.columns != ref_columns for u in parent.uniques):
        raise ProgrammingError(
            f"{where}: {parent.name}{ref_columns} is neither a primary key nor unique"
        )
    for mine, theirs in zip(fk.columns, ref_columns, strict=True):
        a, b = child.column(mine).dtype, parent.column(theirs).dtype
        if a != b:
            raise ProgrammingError(
                f"{where}: {child.name}.{mine} is {a.name} but {parent.name}.{theirs} is {b.name}"
            )
    if fk.on_delete == "set null":
        for mine in fk.columns:
            if not child.column(mine).nullable:
                raise ProgrammingError(f"{where}: on_delete='set null' needs nullable {mine!r}")
    return attrs.evolve(fk, ref_table=parent.name, ref_columns=tuple(ref_columns))


class Catalog:
    """Schemas of the tables of one database."""

    def __init__(self) -> None:
        self._tables: dict[str, TableSchema] = {}

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._tables

    def __iter__(self) -> Iterator[TableSchema]:
        return iter(self._tables.values())

    def __len__(self) -> int:
        return len(self._tables)

    def get(self, name: str) -> TableSchema:
        """The schema of a table.

        Raises:
            ProgrammingError: no such table.
        """
        try:
            return self._tables[name.lower()]
        except KeyError:
            raise ProgrammingError(f"no such table: {name}") from None

    def find(self, name: str) -> TableSchema | None:
        """The schema of a table, or None."""
        return self._tables.get(name.lower())

    def add_tables(self, schemas: Iterable[TableSchema]) -> list[TableSchema]:
        """Add tables at once, resolving foreign keys among them and existing tables.

        Returns:
            The schemas as stored (foreign keys resolved).

        Raises:
            ProgrammingError: a name is taken or a foreign key cannot be resolved; nothing is
                added then.
        """
        batch = list(schemas)
        lookup = dict(self._tables)
        for schema in batch:
            key = schema.name.lower()
            if key in lookup:
                raise ProgrammingError(f"table {schema.name} already exists")
            lookup[key] = schema
        resolved = []
        for schema in batch:
            fks = tuple(resolve_target(schema, fk, lookup) for fk in schema.foreign_keys)
            resolved.append(attrs.evolve(schema, foreign_keys=fks))
        for schema in resolved:
            self._tables[schema.name.lower()] = schema
        return resolved

    def replace(self, schema: TableSchema) -> None:
        """Put a new version of an existing table's schema in place (e.g. with an index more).

        Raises:
            ProgrammingError: no such table.
        """
        self.get(schema.name)
        self._tables[schema.name.lower()] = schema

    def drop_tables(self, names: Iterable[str]) -> list[TableSchema]:
        """Remove tables at once.

        Raises:
            ProgrammingError: an unknown table, or a table still referenced by one that stays.
        """
        keys = [self.get(name).name.lower() for name in names]
        dropping = set(keys)
        if len(dropping) != len(keys):
            raise ProgrammingError("a table is named twice in one drop")
        for schema in self._tables.values():
            if schema.name.lower() in dropping:
                continue
            for fk in schema.foreign_keys:
                if fk.ref_table.lower() in dropping:
                    raise ProgrammingError(
                        f"cannot drop table {fk.ref_table}: table {schema.name} references it"
                    )
        return [self._tables.pop(key) for key in keys]

    def referencing(self, name: str) -> list[tuple[TableSchema, ForeignKey]]:
        """Every (child table, foreign key) that references table ``name``."""
        key = name.lower()
        return [
            (schema, fk)
            for schema in self._tables.values()
            for fk in schema.foreign_keys
            if fk.ref_table.lower() == key
        ]
