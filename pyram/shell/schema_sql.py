"""Render a :class:`~pyram.catalog.TableSchema` as ``CREATE TABLE`` text (the ``.schema`` command).

Columns come with their SQL type, ``NOT NULL``, ``PRIMARY KEY``, ``UNIQUE``, ``DEFAULT`` and
``REFERENCES``; composite keys become table constraints; extra indexes follow as ``CREATE INDEX``.
A CHECK made in SQL shows its SQL text; Python CHECK predicates and default factories have no
SQL text to show: they are listed as comments. The pieces come from :mod:`pyram.sql.schema_text`
(which ``sqlite_master`` shares).
"""

from __future__ import annotations

from pyram.catalog import TableSchema
from pyram.sql import create_index_sql, quote_identifier, sql_literal, table_items

__all__ = ["quote_identifier", "render_create_table", "sql_literal"]

_PYTHON_DEFAULT = "/* DEFAULT computed by Python code */"


def render_create_table(schema: TableSchema) -> str:
    """The ``CREATE TABLE`` statement (and ``CREATE INDEX`` statements) for ``schema``."""
    items = table_items(schema, _PYTHON_DEFAULT)
    lines = [f"CREATE TABLE {quote_identifier(schema.name)} ("]
    lines.extend(f"  {item}," for item in items)
    lines[-1] = lines[-1].removesuffix(",")
    lines.extend(
        f"  -- CHECK {check.name}"
        + (f" on {check.column}" if check.column else "")
        + ": a Python predicate, its text is not kept"
        for check in schema.checks
        if check.sql is None
    )
    lines.append(")" + _cache_options(schema) + ";")
    lines.extend(_indexes(schema))
    return "\n".join(lines)


def _cache_options(schema: TableSchema) -> str:
    """`` WITH (ttl = 300, ...)`` for a cache table (the options that differ from the
    defaults), else ``""``."""
    policy = schema.cache
    if policy is None:
        return ""
    options = []
    if policy.ttl is not None:
        options.append(f"ttl = {policy.ttl:g}")
        if policy.expire_after != "write":
            options.append(f"expire_after = '{policy.expire_after}'")
    if policy.expires_column is not None:
        options.append(f"expires = {sql_literal(policy.expires_column)}")
    if policy.max_rows is not None:
        options.append(f"max_rows = {policy.max_rows}")
    if policy.max_bytes is not None:
        options.append(f"max_bytes = {policy.max_bytes}")
    if policy.bounded:
        options.append(f"evict = '{policy.evict}'")
    key = schema.primary_key
    if any(i.kind == "sorted" and i.unique and i.columns == key for i in schema.indexes):
        options.append("key_index = 'sorted'")  # hash is a cache table's default
    return f" WITH ({', '.join(options)})"


def _indexes(schema: TableSchema) -> list[str]:
    """``CREATE INDEX`` for indexes that no constraint made implicitly."""
    implicit = {u.name for u in schema.uniques}
    implicit.update(f"{schema.name}_{'_'.join(fk.columns)}_fkey" for fk in schema.foreign_keys)
    out = []
    for index in schema.indexes:
        if index.name in implicit:
            continue
        line = create_index_sql(schema, index) + ";"
        out.append(line + (" -- a hash index" if index.kind == "hash" else ""))
    return out
