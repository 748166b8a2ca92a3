"""SQL text for catalog objects: a :class:`~pyram.catalog.TableSchema` as ``CREATE TABLE``, an
index as ``CREATE INDEX``, identifiers and literals quoted as SQLite reads them back.

The text is regenerated from the catalogue (model-made tables have no text of their own): the
``sql`` column of ``sqlite_master`` and the shell's ``.schema`` command both read it.
"""

from __future__ import annotations

import re
from typing import Any

from pyram.catalog import ForeignKey, IndexSpec, TableSchema
from pyram.catalog.schema import NO_DEFAULT, SQL_TIME_DEFAULTS, ColumnSchema
from pyram.sql.tokenizer import KEYWORDS
from pyram.types import sql_literal_of

__all__ = [
    "column_sql",
    "create_index_sql",
    "create_table_sql",
    "default_sql",
    "quote_identifier",
    "sql_literal",
    "table_items",
]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote_identifier(name: str) -> str:
    """``name`` as it must be written in SQL: quoted when not a plain, non-keyword word."""
    if _PLAIN.fullmatch(name) and name.upper() not in KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A SQL literal for a default value (the value's type writes it: dates and the like as
    quoted text)."""
    return sql_literal_of(value)


def default_sql(column: ColumnSchema) -> str | None:
    """The SQL text of a column's default (``CURRENT_TIMESTAMP`` and the like by name), or None
    when it has none, or only a Python factory with no SQL spelling."""
    if column.default is not NO_DEFAULT:
        return sql_literal(column.default)
    for keyword, factory in SQL_TIME_DEFAULTS.items():
        if column.default_factory is factory:
            return keyword
    return None


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(quote_identifier(c) for c in columns)


def _references(fk: ForeignKey) -> str:
    text = f"REFERENCES {quote_identifier(fk.ref_table)} ({_names(fk.ref_columns)})"
    if fk.on_delete != "restrict":
        text += f" ON DELETE {fk.on_delete.upper()}"
    return text


def column_sql(
    schema: TableSchema, column: ColumnSchema, python_note: str = "", references: bool = True
) -> str:
    """One column definition; ``python_note`` stands for a default only Python code computes;
    ``references``: a one-column foreign key is written on its column."""
    parts = [quote_identifier(column.name), column.sql_type]
    single = (column.name,)
    if schema.primary_key == single:
        parts.append("PRIMARY KEY")
    elif not column.nullable:
        parts.append("NOT NULL")
    if any(u.columns == single and not u.primary_key for u in schema.uniques):
        parts.append("UNIQUE")
    default = default_sql(column)
    if default is not None:
        parts.append(f"DEFAULT {default}")
    elif column.default_factory is not None and python_note:
        parts.append(python_note)
    if references:
        parts.extend(_references(fk) for fk in schema.foreign_keys if fk.columns == single)
    return " ".join(parts)


def table_items(
    schema: TableSchema, python_note: str = "", fk_constraints: bool = False
) -> list[str]:
    """The column definitions and table constraints of ``CREATE TABLE`` (CHECKs made in
    Python have no SQL text and are left out). ``fk_constraints``: every foreign key as a
    ``FOREIGN KEY (...)`` table constraint (one-column ones are otherwise on their column)."""
    inline = not fk_constraints
    items = [column_sql(schema, c, python_note, inline) for c in schema.columns]
    if len(schema.primary_key) > 1:
        items.append(f"PRIMARY KEY ({_names(schema.primary_key)})")
    items.extend(
        f"UNIQUE ({_names(u.columns)})"
        for u in schema.uniques
        if len(u.columns) > 1 and not u.primary_key
    )
    items.extend(
        f"FOREIGN KEY ({_names(fk.columns)}) {_references(fk)}"
        for fk in schema.foreign_keys
        if len(fk.columns) > 1 or not inline
    )
    items.extend(f"CHECK ({check.sql})" for check in schema.checks if check.sql is not None)
    return items


def create_table_sql(schema: TableSchema) -> str:
    """``CREATE TABLE name (...)`` on one line, without a semicolon (as ``sqlite_master``);
    foreign keys are table constraints, the form tools reading this text parse best."""
    items = table_items(schema, fk_constraints=True)
    return f"CREATE TABLE {quote_identifier(schema.name)} ({', '.join(items)})"


def create_index_sql(schema: TableSchema, index: IndexSpec) -> str:
    """``CREATE [UNIQUE] INDEX name ON table (columns)``, without a semicolon."""
    unique = "UNIQUE " if index.unique else ""
    return (
        f"CREATE {unique}INDEX {quote_identifier(index.name)} "
        f"ON {quote_identifier(schema.name)} ({_names(index.columns)})"
    )
