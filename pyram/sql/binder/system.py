"""SQLite's catalogue, read-only: ``sqlite_master`` (alias ``sqlite_schema``) and the
introspection pragmas, as virtual tables computed from PyRAM's catalogue.

Tools that speak SQLite (SQLAlchemy's reflection, pandas' ``to_sql``, shells) find tables,
columns, indexes and keys this way. Each virtual table is a list of rows with typed columns,
made when a statement is bound: the binder turns it into a ``Values`` plan, so ``WHERE``,
joins and every other query feature work on it, and marks the statement as reading the
catalogue (such statements are not cached: the rows describe the schema of the moment).

What differs from SQLite follows from PyRAM's catalogue: the ``type`` of a column is as
declared for tables made in SQL, and PyRAM's strict type name for tables made by models;
primary-key columns are ``notnull`` (PyRAM enforces
it); the indexes PyRAM keeps on foreign-key columns are not listed (SQLite has none); an index
made for a PRIMARY KEY or UNIQUE constraint is listed as ``sqlite_autoindex_<table>_<n>``,
as SQLite names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from pyram.catalog import IndexSpec, TableSchema
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.builder import PlanBuilder
from pyram.sql import ast_ddl
from pyram.sql.binder.base import SYSTEM_TABLE_NAMES, SqlCatalog
from pyram.sql.parser import parse
from pyram.sql.schema_text import create_index_sql, create_table_sql, default_sql
from pyram.types import INTEGER, TEXT, DataType

__all__ = [
    "INTROSPECTION_PRAGMAS",
    "SYSTEM_TABLES",
    "SystemTable",
    "pragma_table",
    "schema_table",
    "system_values",
    "visible_indexes",
]

#: Names of the schema tables (lower case); the ``temp`` ones are always empty.
SYSTEM_TABLES = SYSTEM_TABLE_NAMES
_TEMP_TABLES = frozenset({"sqlite_temp_master", "sqlite_temp_schema"})

Row = tuple[object, ...]


@attrs.frozen
class SystemTable:
    """A virtual table: column names and types, and its rows."""

    columns: tuple[tuple[str, DataType], ...]
    rows: list[Row]


def _columns(spec: str) -> tuple[tuple[str, DataType], ...]:
    """``"name:T seq:I"`` -> names with TEXT (T) or INTEGER (I) types."""
    types = {"T": TEXT, "I": INTEGER}
    return tuple((item[:-2], types[item[-1]]) for item in spec.split())


_MASTER = _columns("type:T name:T tbl_name:T rootpage:I sql:T")
_TABLE_INFO = _columns("cid:I name:T type:T notnull:I dflt_value:T pk:I")
_TABLE_XINFO = _columns("cid:I name:T type:T notnull:I dflt_value:T pk:I hidden:I")
_INDEX_LIST = _columns("seq:I name:T unique:I origin:T partial:I")
_INDEX_INFO = _columns("seqno:I cid:I name:T")
_INDEX_XINFO = _columns("seqno:I cid:I name:T desc:I coll:T key:I")
_FOREIGN_KEYS = _columns("id:I seq:I table:T from:T to:T on_update:T on_delete:T match:T")
_DATABASE_LIST = _columns("seq:I name:T file:T")

_ON_DELETE = {"restrict": "NO ACTION", "cascade": "CASCADE", "set null": "SET NULL"}


def _is_rowid_key(schema: TableSchema) -> bool:
    """An INTEGER primary key of one column is SQLite's rowid: it has no index of its own."""
    key = schema.primary_key
    return len(key) == 1 and schema.column(key[0]).dtype is INTEGER


def visible_indexes(catalog: SqlCatalog, schema: TableSchema) -> list[tuple[str, IndexSpec, str]]:
    """(name as SQLite shows it, the index, origin ``pk``/``u``/``c``) for ``schema``'s
    indexes, constraint indexes first, in declaration order.

    A UNIQUE constraint whose index was made by ``CREATE UNIQUE INDEX`` (the catalogue keeps
    its text) is that index, not a constraint."""
    by_name = {ix.name: ix for ix in schema.indexes}
    out: list[tuple[str, IndexSpec, str]] = []
    number = 0
    for unique in schema.uniques:
        if unique.primary_key and _is_rowid_key(schema):
            continue
        if catalog.created_sql("index", unique.name) is not None:
            continue
        number += 1
        spec = by_name.get(unique.name) or IndexSpec(unique.name, unique.columns, unique=True)
        origin = "pk" if unique.primary_key else "u"
        out.append((f"sqlite_autoindex_{schema.name}_{number}", spec, origin))
    implicit = {u.name for u in schema.uniques if catalog.created_sql("index", u.name) is None}
    implicit.update(f"{schema.name}_{'_'.join(fk.columns)}_fkey" for fk in schema.foreign_keys)
    out.extend((ix.name, ix, "c") for ix in schema.indexes if ix.name not in implicit)
    return out


def schema_table(catalog: SqlCatalog, name: str) -> SystemTable:
    """``sqlite_master``: a row per table, index, view and trigger."""
    if name.lower() in _TEMP_TABLES:
        return SystemTable(_MASTER, [])
    rows: list[Row] = []
    for schema in catalog.tables():
        table_sql = catalog.created_sql("table", schema.name) or create_table_sql(schema)
        rows.append(("table", schema.name, schema.name, len(rows) + 2, table_sql))
        for shown, index, origin in visible_indexes(catalog, schema):
            index_sql = None
            if origin == "c":
                index_sql = catalog.created_sql("index", index.name) or create_index_sql(
                    schema, index
                )
            rows.append(("index", shown, schema.name, len(rows) + 2, index_sql))
    for obj in catalog.schema_objects():
        rows.append((obj.type, obj.name, obj.tbl_name, 0, obj.sql))
    return SystemTable(_MASTER, rows)


#: A view's columns as (name, type name), for ``table_info`` of a view (the binder binds it).
ViewColumns = Callable[[str], list[tuple[str, str]] | None]


def _declared_types(catalog: SqlCatalog, schema: TableSchema) -> dict[str, str]:
    """Column types as the CREATE TABLE text declared them (``VARCHAR(50)``), as SQLite
    reports them; empty when the table has no text (made by a model)."""
    text = catalog.created_sql("table", schema.name)
    if text is None:
        return {}
    (stmt,) = parse(text)
    assert isinstance(stmt, ast_ddl.CreateTable)
    declared = {}
    for column in stmt.columns:
        if column.type is not None:
            args = ", ".join(str(a) for a in column.type.args)
            declared[column.name] = column.type.name + (f"({args})" if args else "")
    return declared


def _table_info(catalog: SqlCatalog, arg: str, view_columns: ViewColumns, x: bool) -> list[Row]:
    schema = catalog.find_table(arg)
    extra: Row = (0,) if x else ()
    if schema is None:
        columns = view_columns(arg) or []
        return [(i, n, t, 0, None, 0, *extra) for i, (n, t) in enumerate(columns)]
    declared = _declared_types(catalog, schema)
    return [
        (
            i,
            c.name,
            declared.get(c.name, c.sql_type),
            int(not c.nullable),
            default_sql(c),
            schema.primary_key.index(c.name) + 1 if c.name in schema.primary_key else 0,
            *extra,
        )
        for i, c in enumerate(schema.columns)
    ]


def _index_list(catalog: SqlCatalog, arg: str) -> list[Row]:
    schema = catalog.find_table(arg)
    if schema is None:
        return []
    shown = list(reversed(visible_indexes(catalog, schema)))  # SQLite lists the newest first
    return [(i, n, int(ix.unique), origin, 0) for i, (n, ix, origin) in enumerate(shown)]


def _find_index(catalog: SqlCatalog, name: str) -> tuple[TableSchema, IndexSpec] | None:
    key = name.lower()
    for schema in catalog.tables():
        for shown, index, _ in visible_indexes(catalog, schema):
            if shown.lower() == key:
                return schema, index
    return None


def _index_info(catalog: SqlCatalog, arg: str, x: bool) -> list[Row]:
    found = _find_index(catalog, arg)
    if found is None:
        return []
    schema, index = found
    if not x:
        return [(i, schema.position(c), c) for i, c in enumerate(index.columns)]
    rows: list[Row] = [
        (i, schema.position(c), c, 0, "BINARY", 1) for i, c in enumerate(index.columns)
    ]
    rows.append((len(rows), -1, None, 0, "BINARY", 0))  # the row id every entry points to
    return rows


def _foreign_keys(catalog: SqlCatalog, arg: str) -> list[Row]:
    schema = catalog.find_table(arg)
    if schema is None:
        return []
    rows: list[Row] = []
    # SQLite numbers the foreign keys from the last one declared
    for fk_id, fk in enumerate(reversed(schema.foreign_keys)):
        for seq, (column, ref) in enumerate(zip(fk.columns, fk.ref_columns, strict=True)):
            on_delete = _ON_DELETE[fk.on_delete]
            rows.append((fk_id, seq, fk.ref_table, column, ref, "NO ACTION", on_delete, "NONE"))
    return rows


#: Pragmas that read the catalogue, with the columns they return; each takes one argument
#: (a table or index name) except ``database_list``.
INTROSPECTION_PRAGMAS: dict[str, tuple[tuple[str, DataType], ...]] = {
    "table_info": _TABLE_INFO,
    "table_xinfo": _TABLE_XINFO,
    "index_list": _INDEX_LIST,
    "index_info": _INDEX_INFO,
    "index_xinfo": _INDEX_XINFO,
    "foreign_key_list": _FOREIGN_KEYS,
    "database_list": _DATABASE_LIST,
}


def pragma_table(
    catalog: SqlCatalog, name: str, args: Sequence[str], view_columns: ViewColumns
) -> SystemTable:
    """The rows of introspection pragma ``name`` (a key of :data:`INTROSPECTION_PRAGMAS`)
    for its argument; an unknown table or index gives no rows, as in SQLite."""
    columns = INTROSPECTION_PRAGMAS[name]
    if name == "database_list":
        return SystemTable(columns, [(0, "main", catalog.settings()["file"])])
    if not args:
        return SystemTable(columns, [])
    arg = args[0]
    if name in ("table_info", "table_xinfo"):
        rows = _table_info(catalog, arg, view_columns, name == "table_xinfo")
    elif name == "index_list":
        rows = _index_list(catalog, arg)
    elif name in ("index_info", "index_xinfo"):
        rows = _index_info(catalog, arg, name == "index_xinfo")
    else:
        rows = _foreign_keys(catalog, arg)
    return SystemTable(columns, rows)


def system_values(b: PlanBuilder, table: SystemTable) -> pn.Values:
    """A virtual table's rows as a ``Values`` plan (typed literal cells)."""
    out = tuple(
        px.Field(b.new_cid(), name, dtype, any(row[i] is None for row in table.rows))
        for i, (name, dtype) in enumerate(table.columns)
    )
    rows = tuple(
        tuple(px.Literal_(v, dtype) for v, (_, dtype) in zip(row, table.columns, strict=True))
        for row in table.rows
    )
    return pn.Values(rows, out)
