"""CREATE INDEX and DROP INDEX on a table that already holds rows (transactional).

The table's schema gains (or loses) the :class:`~pyram.catalog.IndexSpec`; a unique index also
becomes a UNIQUE constraint, so inserts and updates check it like any other key. Inside a
transaction the change is recorded in the undo log, so a rollback restores the schema and the
index set exactly.
"""

from __future__ import annotations

from typing import Any

import attrs

from pyram.catalog import IndexSpec, TableSchema, UniqueConstraint
from pyram.errors import ProgrammingError
from pyram.storage.constraints import unique_error
from pyram.storage.store import Store
from pyram.storage.table_data import TableData
from pyram.storage.undo import UndoEntry

__all__ = ["create_index", "drop_index"]


class _IndexChange(UndoEntry):
    """Undo of CREATE/DROP INDEX: the table's schema and index map as they were."""

    __slots__ = ("data", "indexes", "positions", "schema")

    def __init__(self, data: TableData) -> None:
        self.data = data
        self.schema = data.schema
        self.indexes = dict(data.indexes)
        self.positions = dict(data._key_positions)

    def undo(self, store: Store) -> None:
        self.data.schema = self.schema
        self.data.indexes = self.indexes
        self.data._key_positions = self.positions
        store.catalog.replace(self.schema)
        store.catalog_version += 1


def _record(store: Store, data: TableData) -> None:
    log = store.undo_log
    if log is not None:
        log.record(_IndexChange(data))


def create_index(store: Store, table: str, spec: IndexSpec) -> None:
    """Build ``spec`` over the rows of ``table`` and add it to the schema.

    Raises:
        ProgrammingError: an index of that name exists, or a column is unknown.
        IntegrityError: a unique index over columns whose values repeat; nothing changes.
    """
    with store.statement():
        store.check_writable()
        data = store.data(table)
        schema = data.schema
        for other in store.catalog:
            if any(i.name.lower() == spec.name.lower() for i in other.indexes):
                raise ProgrammingError(f"index {spec.name} already exists")
        for name in spec.columns:
            if not schema.has_column(name):
                raise ProgrammingError(f"table {schema.name} has no column named {name}")
        if spec.unique:
            _check_unique(data, spec)
        _record(store, data)  # before add_index changes the index map
        data.add_index(spec)
        uniques = schema.uniques
        if spec.unique and all(u.columns != spec.columns for u in uniques):
            uniques += (UniqueConstraint(spec.name, spec.columns),)
        _replace_schema(
            store, data, attrs.evolve(schema, indexes=(*schema.indexes, spec), uniques=uniques)
        )


def _check_unique(data: TableData, spec: IndexSpec) -> None:
    positions = tuple(data.schema.position(c) for c in spec.columns)
    rids = data.live_rids()
    keys = data.keys_of(positions, rids)
    seen: set[Any] = set()
    for key in keys:
        if key is None or (isinstance(key, tuple) and None in key):
            continue
        if key in seen:
            raise unique_error(data.schema, spec.columns, key)
        seen.add(key)


def drop_index(store: Store, table: str, name: str) -> None:
    """Remove index ``name`` of ``table`` (not one backing a PRIMARY KEY or UNIQUE column).

    Raises:
        ProgrammingError: no such index, or the index backs a constraint declared on the table.
    """
    with store.statement():
        store.check_writable()
        data = store.data(table)
        schema = data.schema
        spec = next((i for i in schema.indexes if i.name.lower() == name.lower()), None)
        if spec is None:
            raise ProgrammingError(f"no such index: {name}")
        own = [u for u in schema.uniques if u.name == spec.name]
        if spec.unique and not own:
            raise ProgrammingError(
                "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"
            )
        if any(fk.columns == spec.columns for fk in schema.foreign_keys) and spec.kind == "hash":
            raise ProgrammingError(f"index {spec.name} backs a foreign key and cannot be dropped")
        _record(store, data)
        data.indexes = {k: v for k, v in data.indexes.items() if k != spec.name}
        data._key_positions = {k: v for k, v in data._key_positions.items() if k != spec.name}
        indexes = tuple(i for i in schema.indexes if i.name != spec.name)
        uniques = tuple(u for u in schema.uniques if u.name != spec.name)
        _replace_schema(store, data, attrs.evolve(schema, indexes=indexes, uniques=uniques))


def _replace_schema(store: Store, data: TableData, schema: TableSchema) -> None:
    data.schema = schema
    store.catalog.replace(schema)
    store.catalog_version += 1
