"""Attaching model classes to the tables of a reopened durable database.

A table declared as a ``@pyram.table`` class comes back from the checkpoint as a plain table
(Python CHECK predicates, default factories and Enum classes are code, not data).
:func:`attach_model` puts the class back: ``db.create(User)`` on a reopened database checks
that the stored table has the class's shape, re-checks every row against the class (Enum values,
CHECK predicates) and swaps the schema in place, keeping the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress
from typing import TYPE_CHECKING, Any

import attrs

from pyram.api.durable import DurableFile
from pyram.catalog import TableSchema, resolve_target
from pyram.errors import DatabaseError, SchemaMismatchError
from pyram.model import Table, schema_of
from pyram.storage import TableData, check_checks

if TYPE_CHECKING:
    from pyram.storage import Store

__all__ = ["attach_model", "attach_models"]


def attach_model(store: Store, model_schema: TableSchema, path: str) -> bool:
    """Give the stored table named like ``model_schema`` the model's schema, keeping its rows.

    Returns:
        False when no table of that name is stored, or it already has a model class (the
        caller then creates, or reports "already exists", as usual).

    Raises:
        SchemaMismatchError: the stored table's shape differs from the class, or a stored row
            breaks the class's Enum values or CHECK predicates; nothing changes then.
    """
    current = store.catalog.find(model_schema.name)
    if current is None or current.row_class is not None:
        return False
    what = f"table {current.name} in {path} does not match {_class_name(model_schema)}"
    lookup = {s.name.lower(): s for s in store.catalog}
    lookup[current.name.lower()] = model_schema
    fks = tuple(resolve_target(model_schema, fk, lookup) for fk in model_schema.foreign_keys)
    schema = attrs.evolve(model_schema, foreign_keys=fks)
    problem = _shape_difference(current, schema)
    if problem:
        raise SchemaMismatchError(
            f"{what}: {problem} (db.migrate() applies the safe differences)",
            path=path,
            table=current.name,
        )
    old = store.data(current.name)
    rids = list(compress(range(old.slot_count), old.alive))
    stored = [[column[rid] for rid in rids] for column in old.columns]
    try:
        user = [
            [col.dtype.from_storage(v) for v in values] if col.dtype.encodes else values
            for col, values in zip(schema.columns, stored, strict=True)
        ]
        check_checks(schema, user)
    except (DatabaseError, KeyError, ValueError) as exc:
        raise SchemaMismatchError(
            f"{what}: a stored row fails the class: {exc}", path=path, table=current.name
        ) from exc
    data = TableData(schema)
    if rids:
        data.append(stored)
    schemas = [schema if s is current else s for s in store.catalog]
    tables = {s.name.lower(): store.data(s.name) for s in store.catalog}
    tables[schema.name.lower()] = data
    with store.write_lock:
        store.restore_tables(schemas, tables)
    return True


def _class_name(schema: TableSchema) -> str:
    cls = schema.row_class
    return "its class" if cls is None else f"class {cls.__qualname__}"


def _shape_difference(stored: TableSchema, wanted: TableSchema) -> str:
    """What differs between the stored table and the class's (empty when they match)."""
    if stored.column_names != wanted.column_names:
        return f"columns {list(stored.column_names)} != {list(wanted.column_names)}"
    for have, want in zip(stored.columns, wanted.columns, strict=True):
        if have.dtype.name != want.dtype.name:
            return f"column {have.name} is {have.dtype.name}, the class says {want.dtype.name}"
        if have.nullable != want.nullable:
            null = "nullable" if have.nullable else "NOT NULL"
            return f"column {have.name} is {null} in the file, not in the class"
    if stored.primary_key != wanted.primary_key:
        return f"primary key {stored.primary_key} != {wanted.primary_key}"
    if _uniques(stored) != _uniques(wanted):
        return f"unique constraints {sorted(_uniques(stored))} != {sorted(_uniques(wanted))}"
    if _fks(stored) != _fks(wanted):
        return f"foreign keys {sorted(_fks(stored))} != {sorted(_fks(wanted))}"
    return ""


def _uniques(schema: TableSchema) -> set[tuple[str, ...]]:
    return {u.columns for u in schema.uniques}


def _fks(schema: TableSchema) -> set[tuple[Any, ...]]:
    return {
        (fk.columns, fk.ref_table.lower(), fk.ref_columns, fk.on_delete)
        for fk in schema.foreign_keys
    }


def attach_models(
    store: Store,
    durable: DurableFile,
    schema_changed: Callable[[], None],
    models: Sequence[type[Table]],
) -> tuple[type[Table], ...]:
    """Attach the model classes whose tables the reopened durable database already holds;
    the classes left to create."""
    left = []
    attached = False
    for model in models:
        if attach_model(store, schema_of(model), durable.path):
            attached = True
        else:
            left.append(model)
    if attached:
        with durable.suspend():  # the file's contents did not change
            schema_changed()
    return tuple(left)
