"""The checkpoint body of a durable database, and attaching model classes to reopened tables.

The body (interim format, to be replaced by :mod:`pyram.persist.snapshot`): per table its
``CREATE TABLE``/``CREATE INDEX`` text rendered from the schema and its rows as encoded
inserts (see :mod:`pyram.persist.changes`), then the ``CREATE VIEW``/``CREATE TRIGGER`` text
of the views and triggers, each taken from the statement that created it.

A table declared as a ``@pyram.table`` class comes back from the file as a plain table (Python
CHECK predicates, default factories and Enum classes are code, not data).
:func:`attach_model` puts the class back: ``db.create(User)`` on a reopened database checks
that the stored table has the class's shape, re-checks every row against the class (Enum values,
CHECK predicates) and swaps the schema in place, keeping the rows.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from itertools import compress
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs

from pyram.catalog import TableSchema
from pyram.catalog.catalog import resolve_target
from pyram.errors import DatabaseError, SchemaMismatchError
from pyram.persist.changes import PayloadError, RowOps, decode_changes, encode_changes
from pyram.storage import TableData
from pyram.storage.constraints import check_checks

if TYPE_CHECKING:
    from pyram.statements import SqlSession
    from pyram.storage import Store

__all__ = ["attach_model", "load_body", "write_body"]

_U32 = struct.Struct("<I")
#: rows per encoded chunk, so memory stays bounded for a big table
_CHUNK = 4096


def _block(out: Any, data: bytes) -> None:
    out.write(_U32.pack(len(data)))
    out.write(data)


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise PayloadError("snapshot ends early")
    return data


def _read_block(stream: BinaryIO) -> bytes:
    return _read_exact(stream, _count(stream))


def _count(stream: BinaryIO) -> int:
    value: int = _U32.unpack(_read_exact(stream, _U32.size))[0]
    return value


def write_body(store: Store, sql: SqlSession, out: Any) -> None:
    """Tables (DDL and rows), then the DDL of views and triggers."""
    from pyram.shell.schema_sql import render_create_table

    tables = list(store.catalog)
    out.write(_U32.pack(len(tables)))
    for schema in tables:
        _block(out, render_create_table(schema).encode())
        data = store.data(schema.name)
        rids = data.live_rids()
        out.write(_U32.pack((len(rids) + _CHUNK - 1) // _CHUNK))
        for start in range(0, len(rids), _CHUNK):
            rows = [data.row(rid) for rid in rids[start : start + _CHUNK]]
            _block(out, encode_changes([RowOps("insert", schema.name, [], rows)]))
    extras = [*_view_sql(sql), *_trigger_sql(sql)]
    out.write(_U32.pack(len(extras)))
    for text in extras:
        _block(out, text.encode())


def load_body(stream: BinaryIO, store: Store, sql: SqlSession) -> None:
    """Recreate the tables, rows, views and triggers of a body in an empty database."""
    for _ in range(_count(stream)):
        sql.run(_read_block(stream).decode())
        for _ in range(_count(stream)):
            for op in decode_changes(_read_block(stream)):
                _insert_stored(store, op.table, op.new)
    for _ in range(_count(stream)):
        sql.run(_read_block(stream).decode())
    if stream.read(1):
        raise PayloadError("trailing bytes after the snapshot")


def _user_columns(schema: TableSchema, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [
        [col.dtype.from_storage(v) for v in values] if col.dtype.encodes else list(values)
        for col, values in zip(schema.columns, zip(*rows, strict=True), strict=True)
    ]


def _insert_stored(store: Store, table: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        store.insert(table, _user_columns(store.data(table).schema, rows))


def _statement_at(text: str, offset: int) -> str:
    """The statement of SQL script ``text`` that contains character ``offset`` (parsed, so a
    trigger's ``BEGIN ... END`` body with its semicolons stays whole)."""
    from pyram.sql.parser import Parser
    from pyram.sql.tokenizer import TokenKind

    parser = Parser(text)
    while True:
        while parser.accept_op(";"):
            pass
        if parser.token.kind is TokenKind.EOF:
            return text
        start = parser.token.offset
        parser.parse_statement()
        after = parser.token  # re-read: parse_statement moved the cursor
        end = len(text) if after.kind is TokenKind.EOF else after.offset
        if start <= offset < end:
            return text[start:end]


def _view_sql(sql: SqlSession) -> list[str]:
    out = []
    for name in sql.view_names():
        view = sql.find_view(name)
        if view is not None:
            out.append(_statement_at(view.sql, view.select.offset))
    return out


def _trigger_sql(sql: SqlSession) -> list[str]:
    out = []
    for name in sql.trigger_names():
        trigger = sql.triggers.find(name)
        if trigger is not None:
            out.append(_statement_at(trigger.sql, trigger.statement.offset))
    return out


# ---------------------------------------------------------------------- model classes
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
        raise SchemaMismatchError(f"{what}: {problem}", path=path, table=current.name)
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
