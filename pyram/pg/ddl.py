"""PostgreSQL DDL from model schemas: the type mapping, tables with every constraint, indexes,
and the change-notification trigger behind ``db.on_change``.

Part of the PostgreSQL backend (``pyram.pg``): :func:`create_statements` turns a
:class:`~pyram.catalog.TableSchema` (what ``@pyram.table`` declares) into the statements
``db.create`` runs. Identifiers are always double-quoted; values never appear in DDL text
except CHECK lists of enum members, which are rendered as quoted literals by
:func:`quote_literal` (they come from the model's ``enum.Enum`` class, not from user data).
"""

from __future__ import annotations

from pyram.catalog import TableSchema
from pyram.catalog.schema import ColumnSchema
from pyram.errors import NotSupportedError
from pyram.types import DataType, registered_types

__all__ = [
    "NOTIFY_CHANNEL",
    "NOTIFY_FUNCTION",
    "create_statements",
    "foreign_key_statements",
    "pg_type",
    "quote_ident",
    "quote_literal",
    "type_table",
]

#: The LISTEN/NOTIFY channel the change triggers publish on.
NOTIFY_CHANNEL = "pyram_changes"


def type_table() -> dict[str, str]:
    """The documented mapping: PyRAM type name -> PostgreSQL type name (each column type's
    ``pg_name``; ENUM columns are TEXT or INTEGER by their members' values, with a CHECK
    listing them; JSON documents are jsonb)."""
    return {t.name: t.pg_name for t in registered_types() if t.pg_oid}


def pg_type(dtype: DataType) -> str:
    """The PostgreSQL type of a PyRAM column type (its ``pg_name``).

    Raises:
        NotSupportedError: the type has no PostgreSQL counterpart.
    """
    if not dtype.pg_oid:
        raise NotSupportedError(f"type {dtype.name} has no PostgreSQL mapping")
    return dtype.pg_name


def quote_ident(name: str) -> str:
    """A double-quoted identifier (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str | int) -> str:
    """An SQL literal for an enum member's value (int, or str with quotes doubled)."""
    if isinstance(value, int):
        return str(int(value))
    return "'" + value.replace("'", "''") + "'"


def _column(col: ColumnSchema) -> str:
    parts = [quote_ident(col.name), pg_type(col.dtype)]
    if not col.nullable:
        parts.append("NOT NULL")
    enum_class = getattr(col.dtype, "enum_class", None)
    if enum_class is not None:
        members = ", ".join(quote_literal(m.value) for m in enum_class)
        parts.append(f"CHECK ({quote_ident(col.name)} IN ({members}))")
    return " ".join(parts)


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(c) for c in columns)


def _constraints(schema: TableSchema) -> list[str]:
    out = []
    for unique in schema.uniques:
        kind = "PRIMARY KEY" if unique.primary_key else "UNIQUE"
        out.append(f"CONSTRAINT {quote_ident(unique.name)} {kind} ({_names(unique.columns)})")
    for check in schema.checks:
        if check.sql is None:
            # a Python predicate cannot run inside PostgreSQL: checked before each write
            continue
        out.append(f"CONSTRAINT {quote_ident(check.name)} CHECK ({check.sql})")
    return out


def create_statements(schema: TableSchema) -> list[str]:
    """CREATE TABLE (columns, keys, SQL checks), its indexes and its change trigger."""
    table = quote_ident(schema.name)
    body = ",\n  ".join([_column(c) for c in schema.columns] + _constraints(schema))
    statements = [f"CREATE TABLE {table} (\n  {body}\n)"]
    unique_sets = {u.columns for u in schema.uniques}
    for index in schema.indexes:
        if index.columns in unique_sets:
            continue  # the constraint made it
        method = "hash" if index.kind == "hash" and len(index.columns) == 1 else "btree"
        unique = "UNIQUE " if index.unique else ""
        name = quote_ident(f"{schema.name}_{index.name}")
        statements.append(
            f"CREATE {unique}INDEX {name} ON {table} USING {method} ({_names(index.columns)})"
        )
    keys = ", ".join(quote_literal(c) for c in schema.primary_key)
    statements.append(
        f"CREATE TRIGGER {quote_ident(schema.name + '_pyram_notify')} AFTER INSERT OR UPDATE OR "
        f"DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION pyram_notify({keys})"
    )
    return statements


def foreign_key_statements(schema: TableSchema) -> list[str]:
    """ALTER TABLE ... ADD FOREIGN KEY for each outgoing key (run once every table of one
    ``create`` call exists, so models may reference each other in any order)."""
    out = []
    for fk in schema.foreign_keys:
        action = fk.on_delete.upper()
        out.append(
            f"ALTER TABLE {quote_ident(schema.name)} ADD FOREIGN KEY ({_names(fk.columns)}) "
            f"REFERENCES {quote_ident(fk.ref_table)} ({_names(fk.ref_columns)}) ON DELETE {action}"
        )
    return out


#: The trigger function every table's change trigger calls: one NOTIFY per written row, which
#: PostgreSQL delivers only when (and if) the transaction commits, in commit order. A payload
#: holds at most 8000 bytes: a longer row is sent as its primary key only (the trigger's
#: arguments name the key columns) and marked ``partial``, so the write never fails for it.
NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION pyram_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload text;
  old_row jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
  new_row jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
BEGIN
  payload := jsonb_build_object('table', TG_TABLE_NAME, 'op', TG_OP,
                                'old', old_row, 'new', new_row)::text;
  IF octet_length(payload) > 7900 THEN
    payload := jsonb_build_object('table', TG_TABLE_NAME, 'op', TG_OP, 'partial', true,
      'old', (SELECT jsonb_object_agg(k, old_row -> k) FROM unnest(TG_ARGV) AS k),
      'new', (SELECT jsonb_object_agg(k, new_row -> k) FROM unnest(TG_ARGV) AS k))::text;
  END IF;
  PERFORM pg_notify('{NOTIFY_CHANNEL}', payload);
  RETURN NULL;
END $$
"""
