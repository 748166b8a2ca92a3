"""The SQL standard's ``information_schema`` views (PostgreSQL dialect), read-only, computed from
PyRAM's catalogue like :mod:`pyram.sql.binder.pg_catalog`: ``tables``, ``columns``,
``schemata``, ``table_constraints`` and ``key_column_usage``, with the columns clients read.
Every user object is in schema ``public`` of the catalogue named by the session's database.
"""

from __future__ import annotations

from collections.abc import Callable

from pyram.sql.binder.pg_catalog import PgSnapshot, column_spec
from pyram.sql.binder.system import SystemTable
from pyram.sql.schema_text import default_sql
from pyram.types import DataType
from pyram.types.pg_types import pg_type_for

__all__ = ["INFORMATION_SCHEMA_TABLES", "information_schema_table"]

Row = tuple[object, ...]
# information_schema's numeric_precision, _radix and _scale of PostgreSQL's binary numbers
_NUMERIC_PRECISION = {
    "int2": (16, 2, 0), "int4": (32, 2, 0), "int8": (64, 2, 0),
    "float4": (24, 2, None), "float8": (53, 2, None),
}  # fmt: skip


def _tables(snap: PgSnapshot) -> list[Row]:
    db = snap.settings.get("database", "pyram")
    rows: list[Row] = [(db, "public", s.name, "BASE TABLE", "YES", "NO") for s in snap.tables]
    rows.extend((db, "public", v.name, "VIEW", "NO", "NO") for v in snap.views)
    return rows


def _column_rows(snap: PgSnapshot) -> list[Row]:
    db = snap.settings.get("database", "pyram")
    rows: list[Row] = []
    for schema in snap.tables:
        for number, column in enumerate(schema.columns, start=1):
            pg = pg_type_for(column.dtype.name)
            nullable = column.nullable and column.name not in schema.primary_key
            precision, radix, scale = _NUMERIC_PRECISION.get(pg.name, (None,) * 3)
            rows.append(
                (db, "public", schema.name, column.name, number, default_sql(column),
                 "YES" if nullable else "NO", pg.display, None, precision, radix, scale,
                 db, "pg_catalog", pg.name, "NO", "NEVER", "YES")
            )  # fmt: skip
    return rows


def _schemata(snap: PgSnapshot) -> list[Row]:
    db = snap.settings.get("database", "pyram")
    owner = snap.settings.get("session_authorization", "pyram")
    return [(db, name, owner) for name in ("pg_catalog", "public", "information_schema")]


_CONSTRAINT_TYPES = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": "CHECK"}


def _table_constraints(snap: PgSnapshot) -> list[Row]:
    db = snap.settings.get("database", "pyram")
    names = {r.oid: r.name for r in snap.relations}
    return [
        (db, "public", row[1], db, "public", names.get(int(str(row[7])), ""),
         _CONSTRAINT_TYPES[str(row[3])], "NO", "NO", "YES")
        for row in snap.constraint_rows()
    ]  # fmt: skip


def _key_column_usage(snap: PgSnapshot) -> list[Row]:
    db = snap.settings.get("database", "pyram")
    rows: list[Row] = []
    for schema in snap.tables:
        keyed: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]]
        keyed = [(u.name, u.columns, None) for u in schema.uniques]
        keyed += [
            (f"{schema.name}_{'_'.join(fk.columns)}_fkey", fk.columns, fk.ref_columns)
            for fk in schema.foreign_keys
        ]
        for name, columns, refs in keyed:
            for position, column in enumerate(columns, start=1):
                in_unique = None if refs is None else position
                rows.append(
                    (db, "public", name, db, "public", schema.name, column, position, in_unique)
                )
    return rows


_Spec = tuple[tuple[tuple[str, DataType], ...], Callable[[PgSnapshot], list[Row]]]

#: ``information_schema`` views: name -> (columns, rows of a snapshot).
INFORMATION_SCHEMA_TABLES: dict[str, _Spec] = {
    "tables": (column_spec(
        "table_catalog:T table_schema:T table_name:T table_type:T is_insertable_into:T "
        "is_typed:T"
    ), _tables),
    "columns": (column_spec(
        "table_catalog:T table_schema:T table_name:T column_name:T ordinal_position:I "
        "column_default:T is_nullable:T data_type:T character_maximum_length:I "
        "numeric_precision:I numeric_precision_radix:I numeric_scale:I udt_catalog:T "
        "udt_schema:T udt_name:T is_identity:T is_generated:T is_updatable:T"
    ), _column_rows),
    "schemata": (column_spec("catalog_name:T schema_name:T schema_owner:T"), _schemata),
    "table_constraints": (column_spec(
        "constraint_catalog:T constraint_schema:T constraint_name:T table_catalog:T "
        "table_schema:T table_name:T constraint_type:T is_deferrable:T initially_deferred:T "
        "enforced:T"
    ), _table_constraints),
    "key_column_usage": (column_spec(
        "constraint_catalog:T constraint_schema:T constraint_name:T table_catalog:T "
        "table_schema:T table_name:T column_name:T ordinal_position:I "
        "position_in_unique_constraint:I"
    ), _key_column_usage),
}  # fmt: skip


def information_schema_table(snap: PgSnapshot, name: str) -> SystemTable:
    """The rows of ``information_schema.name`` (a key of :data:`INFORMATION_SCHEMA_TABLES`)."""
    columns, rows = INFORMATION_SCHEMA_TABLES[name]
    return SystemTable(columns, rows(snap))
