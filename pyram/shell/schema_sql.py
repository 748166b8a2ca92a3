"""Render a :class:`~pyram.catalog.TableSchema` as ``CREATE TABLE`` text (the ``.schema`` command).

Columns come with their SQL type, ``NOT NULL``, ``PRIMARY KEY``, ``UNIQUE``, ``DEFAULT`` and
``REFERENCES``; composite keys become table constraints; extra indexes follow as ``CREATE INDEX``.
A CHECK made in SQL shows its SQL text; Python CHECK predicates and default factories have no
SQL text to show: they are listed as comments.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from decimal import Decimal
from typing import Any

from pyram.catalog import ForeignKey, TableSchema
from pyram.catalog.schema import NO_DEFAULT, ColumnSchema
from pyram.sql.tokenizer import KEYWORDS

__all__ = ["quote_identifier", "render_create_table", "sql_literal"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote_identifier(name: str) -> str:
    """``name`` as it must be written in SQL: quoted when not a plain, non-keyword word."""
    if _PLAIN.fullmatch(name) and name.upper() not in KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A SQL literal for a default value (dates and the like as quoted text)."""
    if value is None:
        return "NULL"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    if isinstance(value, str | dt.date | dt.time | uuid.UUID):
        text = value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
        return "'" + text.replace("'", "''") + "'"
    return "'" + repr(value).replace("'", "''") + "'"


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(quote_identifier(c) for c in columns)


def _references(fk: ForeignKey) -> str:
    text = f"REFERENCES {quote_identifier(fk.ref_table)} ({_names(fk.ref_columns)})"
    if fk.on_delete != "restrict":
        text += f" ON DELETE {fk.on_delete.upper()}"
    return text


def _column(schema: TableSchema, column: ColumnSchema) -> str:
    parts = [quote_identifier(column.name), column.sql_type]
    single = (column.name,)
    if schema.primary_key == single:
        parts.append("PRIMARY KEY")
    elif not column.nullable:
        parts.append("NOT NULL")
    if any(u.columns == single and not u.primary_key for u in schema.uniques):
        parts.append("UNIQUE")
    if column.default is not NO_DEFAULT:
        parts.append(f"DEFAULT {sql_literal(column.default)}")
    elif column.default_factory is not None:
        parts.append("/* DEFAULT computed by Python code */")
    parts.extend(_references(fk) for fk in schema.foreign_keys if fk.columns == single)
    return " ".join(parts)


def render_create_table(schema: TableSchema) -> str:
    """The ``CREATE TABLE`` statement (and ``CREATE INDEX`` statements) for ``schema``."""
    items = [_column(schema, c) for c in schema.columns]
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
        if len(fk.columns) > 1
    )
    items.extend(f"CHECK ({check.sql})" for check in schema.checks if check.sql is not None)
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
    lines.append(");")
    lines.extend(_indexes(schema))
    return "\n".join(lines)


def _indexes(schema: TableSchema) -> list[str]:
    """``CREATE INDEX`` for indexes that no constraint made implicitly."""
    implicit = {u.name for u in schema.uniques}
    implicit.update(f"{schema.name}_{'_'.join(fk.columns)}_fkey" for fk in schema.foreign_keys)
    out = []
    for index in schema.indexes:
        if index.name in implicit:
            continue
        unique = "UNIQUE " if index.unique else ""
        line = (
            f"CREATE {unique}INDEX {quote_identifier(index.name)} "
            f"ON {quote_identifier(schema.name)} ({_names(index.columns)});"
        )
        out.append(line + (" -- a hash index" if index.kind == "hash" else ""))
    return out
