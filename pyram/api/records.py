"""The record API's work: model instances in and out of their tables, by primary key.

:class:`~pyram.Database` keeps the public methods (``insert``, ``update``, ``delete`` ...) and
their documentation and hands the work to :class:`Records`, which knows how an instance maps to
stored column values and how a primary key finds its row. Rows handed out are values: writes
copy the instance's values in, so mutating an object never changes the database until it is
written back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any, Literal

from pyram.catalog import TableSchema
from pyram.errors import ProgrammingError
from pyram.model import Table, schema_of
from pyram.storage import (
    AnyIndex,
    Store,
    TableData,
    assign_rowids,
    count_in_view,
    insert_row,
    unique_index,
)
from pyram.storage.indexes import key_is_null

__all__ = ["Handle", "Records", "stored_key"]


class Records:
    """Writes and counts of model instances on one store, and the key handles reads use."""

    __slots__ = ("handles", "put", "rewritten", "store")

    def __init__(self, store: Store) -> None:
        self.store = store
        #: model class -> what a primary-key read needs (cleared on every schema change)
        self.handles: dict[type, Handle] = {}
        #: told (model, table, row id) when update/upsert wrote a row with the values it
        #: had: the store saw no change, a cache table still counts a write (pyram.cache)
        self.rewritten: Callable[[type, TableData, int], None] | None = None
        #: tried first by upsert while cache tables exist: (model, user values) -> what it
        #: did, or None when the general path must write (pyram.cache.put)
        self.put: Callable[[type, list[Any]], Literal["insert", "update"] | None] | None = None

    def data_for(self, model: type[Table]) -> TableData:
        """The table of ``model``, which must have been created from (or attached to) it."""
        schema = schema_of(model)
        data = self.store.data(schema.name)
        if data.schema.row_class is not model:
            raise ProgrammingError(
                f"table {schema.name} of this database was not created from {model.__qualname__}"
                f" (db.migrate({model.__qualname__}) attaches a class to a table that matches)"
            )
        return data

    def handle(self, model: type[Table]) -> Handle:
        """The (cached) primary-key handle of ``model``."""
        data = self.data_for(model)
        schema = data.schema
        if not schema.primary_key:
            raise ProgrammingError(f"table {schema.name} has no primary key")
        handle = Handle(model, data, unique_index(data, schema.primary_key))
        self.handles[model] = handle
        return handle

    def insert(self, obj: Table) -> None:
        data = self.data_for(type(obj))
        self.store.insert_row(data.schema.name, _values(obj, data.schema))

    def insert_many(self, objs: Iterable[Table]) -> int:
        rows = list(objs)
        if not rows:
            return 0
        cls = type(rows[0])
        if any(type(r) is not cls for r in rows):
            raise ProgrammingError("insert_many takes objects of a single table class")
        data = self.data_for(cls)
        columns = [list(map(attrgetter(c.name), rows)) for c in data.schema.columns]
        return len(self.store.insert(data.schema.name, columns))

    def insert_columns(self, table: str, columns: Mapping[str, Sequence[Any]]) -> int:
        data = self.store.data(self.store.catalog.get(table).name)
        schema = data.schema
        counts = {len(values) for values in columns.values()}
        if len(counts) > 1:
            raise ProgrammingError("insert_columns: the columns have different lengths")
        count = counts.pop() if counts else 0
        full = schema.complete_columns(columns, count)
        if not count:
            return 0
        with self.store.statement():  # the row ids are read and used under one write
            if schema.rowid_column is not None:
                assign_rowids(data, full)
            return len(self.store.insert(schema.name, full))

    def update(self, obj: Table) -> bool:
        data = self.data_for(type(obj))
        values = _values(obj, data.schema)
        with self.store.statement():
            rid = self._rid_for(data, _pk_of(values, data.schema))
            if rid is None:
                return False
            if not self.store.update(data.schema.name, rid, values) and self.rewritten:
                self.rewritten(type(obj), data, rid)
            return True

    def upsert(self, obj: Table) -> Literal["insert", "update"]:
        model = type(obj)
        handle = self.handles.get(model) or self.handle(model)
        data = handle.data
        values = handle.values_of(obj)
        if self.put is not None:
            done = self.put(model, values)
            if done is not None:
                return done
        store = self.store
        with store.statement():
            rid = handle.find(values)
            if rid is None:
                store.check_writable()
                log = store.undo_log
                # in this statement: no nested one; the key was just found free
                insert_row(store, data, values, -1 if log is None else len(log))
                return "insert"
            if not self.store.update(data.schema.name, rid, values) and self.rewritten:
                self.rewritten(type(obj), data, rid)
            return "update"

    def delete_object(self, obj: Table) -> bool:
        data = self.data_for(type(obj))
        return self._delete(data, _pk_of(_values(obj, data.schema), data.schema))

    def delete_key(self, model: type[Table], key: Any) -> bool:
        data = self.data_for(model)
        return self._delete(data, stored_key(data.schema, key))

    def _delete(self, data: TableData, key: Any) -> bool:
        with self.store.statement():
            rid = self._rid_for(data, key)
            if rid is None:
                return False
            self.store.delete(data.schema.name, [rid])
            return True

    def count(self, model: type[Table]) -> int:
        data = self.data_for(model)
        with self.store.reading() as view:
            return count_in_view(data, view)

    @staticmethod
    def _rid_for(data: TableData, key: Any) -> int | None:
        if key_is_null(key, len(data.schema.primary_key) > 1):
            return None
        return unique_index(data, data.schema.primary_key).get(key)


class Handle:
    """What a primary-key read needs, resolved once per model class (dropped on DDL)."""

    __slots__ = (
        "_getter",
        "_single",
        "data",
        "dense_position",
        "key_position",
        "key_types",
        "model",
        "pk_index",
    )

    def __init__(self, model: type[Table], data: TableData, pk_index: AnyIndex) -> None:
        self.model = model
        self.data = data
        self.pk_index = pk_index
        pk = [data.schema.column(c).dtype for c in data.schema.primary_key]
        self.dense_position = data.dense_position_of(pk_index)
        # A single-column key of an exact stored type needs no validation or conversion.
        self.key_types = pk[0].exact_types if len(pk) == 1 and not pk[0].encodes else frozenset()
        names = data.schema.column_names
        self._getter = attrgetter(*names)  # every column value in one C call
        self._single = len(names) == 1
        #: the position of a single-column key whose values may be exact (see find)
        self.key_position = (
            data.schema.position(data.schema.primary_key[0]) if self.key_types else None
        )

    def values_of(self, obj: Table) -> list[Any]:
        """The user-facing column values of an instance of the model, in column order."""
        if self._single:
            return [self._getter(obj)]
        return list(self._getter(obj))

    def find(self, values: list[Any]) -> int | None:
        """The row id holding the primary key of a row of user values (validated), or None."""
        if self.key_position is not None:
            key = values[self.key_position]
            if type(key) in self.key_types:  # as stored: nothing to validate or convert
                return self.pk_index.get(key)
        schema = self.data.schema
        return Records._rid_for(self.data, _pk_of(values, schema))

    def read_stored(self, key: Any) -> Any:
        """The instance whose primary key is ``key``, read as stored (the caller holds the
        table's latch), or None."""
        data = self.data
        dense = self.dense_position
        if dense is not None and type(key) is int:
            # TableData.probe_dense, inlined: the hottest read of all (db.get, cache hits)
            column = data.columns[dense]
            first = column[0] if column else None
            if first is not None:
                rid = key - first
                if 0 <= rid < len(column) and column[rid] == key and data.alive[rid]:
                    return self.model.__pyram_read__(data.columns, rid)
        found = self.pk_index.get(key)
        return None if found is None else self.model.__pyram_read__(data.columns, found)


def _values(obj: Any, schema: TableSchema) -> list[Any]:
    """The user-facing column values of a model instance, in column order."""
    return [getattr(obj, name) for name in schema.column_names]


def _pk_of(values: list[Any], schema: TableSchema) -> Any:
    """The stored primary key of a row of user values (validated)."""
    if not schema.primary_key:
        raise ProgrammingError(f"table {schema.name} has no primary key")
    key = [values[schema.position(c)] for c in schema.primary_key]
    return stored_key(schema, key[0] if len(key) == 1 else tuple(key))


def stored_key(schema: TableSchema, key: Any) -> Any:
    """Validate a user-facing primary key and convert it to its stored form."""
    columns = [schema.column(c) for c in schema.primary_key]
    if len(columns) == 1:
        col = columns[0]
        return col.dtype.validate(key, nullable=True, column=col.name, table=schema.name)
    if not isinstance(key, tuple) or len(key) != len(columns):
        raise ProgrammingError(
            f"table {schema.name} has a composite primary key: pass a tuple of {len(columns)}"
        )
    return tuple(
        c.dtype.validate(v, nullable=True, column=c.name, table=schema.name)
        for c, v in zip(columns, key, strict=True)
    )
