"""Row-at-a-time statements of the PostgreSQL backend: insert, get, update, upsert, delete.

Part of :mod:`pyram.pg`. The SQL of each table's record statements is made once from its schema
(identifiers quoted, values as ``%s`` placeholders). Values are validated with the column types'
own strict checks before they are sent (a wrong type is a :class:`~pyram.DataError`, never
coerced), and the model's Python CHECK predicates, which PostgreSQL cannot run, are checked
here before each write.
"""

from __future__ import annotations

from typing import Any

from pyram.catalog import TableSchema
from pyram.errors import IntegrityError, ProgrammingError
from pyram.pg.ddl import quote_ident

__all__ = ["TableStatements"]


class TableStatements:
    """The record statements of one table and the validation of its rows."""

    __slots__ = (
        "build",
        "count_sql",
        "delete_sql",
        "get_sql",
        "insert_sql",
        "key_columns",
        "schema",
        "update_sql",
        "upsert_sql",
    )

    def __init__(self, schema: TableSchema) -> None:
        self.schema = schema
        table = quote_ident(schema.name)
        names = [quote_ident(c) for c in schema.column_names]
        reads = [
            f"CAST({n} AS text)" if c.dtype.name == "JSON" else n
            for n, c in zip(names, schema.columns, strict=True)
        ]
        holes = ", ".join(["%s"] * len(names))
        self.insert_sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({holes})"
        self.count_sql = f"SELECT count(*) FROM {table}"
        self.key_columns = [schema.position(c) for c in schema.primary_key]
        key = " AND ".join(f"{quote_ident(c)} = %s" for c in schema.primary_key)
        self.get_sql = f"SELECT {', '.join(reads)} FROM {table} WHERE {key}"
        self.delete_sql = f"DELETE FROM {table} WHERE {key}"
        others = [
            n
            for n, c in zip(names, schema.column_names, strict=True)
            if c not in schema.primary_key
        ]
        sets = ", ".join(f"{n} = %s" for n in others)
        self.update_sql = f"UPDATE {table} SET {sets} WHERE {key}" if others else ""
        conflict = ", ".join(quote_ident(c) for c in schema.primary_key)
        excluded = (
            ", ".join(f"{n} = EXCLUDED.{n}" for n in others) or f"{names[0]} = EXCLUDED.{names[0]}"
        )
        self.upsert_sql = (
            f"{self.insert_sql} ON CONFLICT ({conflict}) DO UPDATE SET {excluded} "
            "RETURNING (xmax = 0)"
        )
        row_class = schema.row_class
        self.build = None if row_class is None else row_class.__pyram_build__  # type: ignore[attr-defined]

    def values(self, obj: Any) -> list[Any]:
        """The stored values of a model instance, validated (types, NOT NULL, CHECKs).

        Raises:
            DataError: a value of the wrong type; IntegrityError: NULL in a NOT NULL column or
                a failed CHECK.
        """
        schema = self.schema
        if type(obj) is not schema.row_class:
            raise ProgrammingError(f"expected a {schema.name} row, got {type(obj).__name__}")
        stored = [
            c.dtype.validate(
                getattr(obj, c.name), nullable=c.nullable, column=c.name, table=schema.name
            )
            for c in schema.columns
        ]
        self._check(obj)
        return stored

    def _check(self, obj: Any) -> None:
        schema = self.schema
        for check in schema.checks:
            if check.sql is not None:
                continue  # PostgreSQL checks it (the DDL has it)
            if check.column is not None:
                value = getattr(obj, check.column)
                if value is None or check.predicate(value):
                    continue
            elif check.predicate({c: getattr(obj, c) for c in schema.column_names}):
                continue
            raise IntegrityError(
                f"CHECK constraint failed: {schema.name}.{check.name}",
                table=schema.name,
                constraint="check",
            )

    def key_of(self, stored: list[Any]) -> list[Any]:
        """The primary key values of a row of stored values."""
        return [stored[i] for i in self.key_columns]

    def key(self, key: Any) -> list[Any] | None:
        """A user-given primary key, validated: its stored values, or None when it has a NULL.

        Raises:
            ProgrammingError: no primary key, or a composite key that is not a tuple.
            DataError: a value of the wrong type.
        """
        schema = self.schema
        if not schema.primary_key:
            raise ProgrammingError(f"table {schema.name} has no primary key")
        if len(self.key_columns) == 1:  # the common case, kept short: it is db.get's path
            col = schema.columns[self.key_columns[0]]
            value = col.dtype.validate(key, nullable=True, column=col.name, table=schema.name)
            return None if value is None else [value]
        columns = [schema.column(c) for c in schema.primary_key]
        parts = [key] if len(columns) == 1 else key
        if len(columns) > 1 and (not isinstance(key, tuple) or len(key) != len(columns)):
            raise ProgrammingError(
                f"table {schema.name} has a composite primary key: pass a tuple of {len(columns)}"
            )
        stored = [
            c.dtype.validate(v, nullable=True, column=c.name, table=schema.name)
            for c, v in zip(columns, parts, strict=True)
        ]
        return None if any(v is None for v in stored) else stored

    def update_args(self, stored: list[Any]) -> list[Any]:
        """UPDATE arguments: the non-key values, then the key."""
        keys = set(self.key_columns)
        return [v for i, v in enumerate(stored) if i not in keys] + self.key_of(stored)
