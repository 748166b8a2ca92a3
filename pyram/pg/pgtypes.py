"""Which PostgreSQL column types the mirror maps, to which PyRAM types, and how values decode.

Values are decoded by psycopg's own text loaders (its C implementation when installed), for the
initial load and for the ``pgoutput`` stream alike, so both paths give the same Python values
(``numeric`` -> ``Decimal``, ``timestamptz`` -> aware ``datetime`` in UTC, ``jsonb`` ->
``dict``/``list``, ``uuid`` -> ``UUID``, ``bytea`` -> ``bytes``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyram.errors import NotSupportedError

__all__ = ["TEXT_OID", "load_oid", "pyram_type_name", "supported_type_names"]

TEXT_OID = 25

# PostgreSQL type OID -> PyRAM SQL type name. Kept to types whose values round-trip exactly.
_TYPES: dict[int, str] = {
    16: "BOOLEAN",  # bool
    17: "BLOB",  # bytea
    19: "TEXT",  # name
    20: "INTEGER",  # int8
    21: "INTEGER",  # int2
    23: "INTEGER",  # int4
    25: "TEXT",  # text
    26: "INTEGER",  # oid
    114: "JSON",  # json
    700: "REAL",  # float4
    701: "REAL",  # float8
    1042: "TEXT",  # bpchar (blank-padded, as PostgreSQL returns it)
    1043: "TEXT",  # varchar
    1082: "DATE",  # date
    1083: "TIME",  # time
    1114: "TIMESTAMP",  # timestamp
    1184: "TIMESTAMPTZ",  # timestamptz
    1700: "DECIMAL",  # numeric
    2950: "UUID",  # uuid
    3802: "JSON",  # jsonb
}

# Enums (pg_type.typtype 'e') arrive as their label's text.
_ENUM = "e"

Loader = Callable[[Any], Any]


def supported_type_names() -> list[str]:
    """The PostgreSQL types the mirror maps (for error messages and docs)."""
    return [
        "boolean", "bytea", "name", "bigint", "smallint", "integer", "text", "oid", "json",
        "real", "double precision", "character", "character varying", "date",
        "time without time zone", "timestamp", "timestamptz", "numeric", "uuid", "jsonb",
        "enum types",
    ]


def pyram_type_name(type_oid: int, typtype: str, pg_name: str, where: str) -> str:
    """The PyRAM type of a PostgreSQL column.

    Raises:
        NotSupportedError: a type the mirror does not map (names the column and the type).
    """
    if typtype == _ENUM:
        return "TEXT"
    found = _TYPES.get(type_oid)
    if found is None:
        raise NotSupportedError(
            f"{where}: PostgreSQL type {pg_name} is not mirrored (supported: "
            + ", ".join(supported_type_names())
            + "); leave the column out with a column list"
        )
    return found


def load_oid(type_oid: int, typtype: str) -> int:
    """The OID whose psycopg loader decodes the column (enums decode as text)."""
    return TEXT_OID if typtype == _ENUM else type_oid
