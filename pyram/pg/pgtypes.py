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
from pyram.types.pg_types import pg_type_by_oid

__all__ = [
    "LOADED_AS_TEXT",
    "TEXT_OID",
    "load_oid",
    "pyram_type_name",
    "supported_type_names",
]

TEXT_OID = 25

# The PostgreSQL types the mirror maps, by OID: those whose values round-trip exactly. Which
# PyRAM type each stores as is the type table's (pyram.types.pg_types), not repeated here.
_MIRRORED: frozenset[int] = frozenset({
    16, 17, 19, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1700,
    2950, 3802,
})  # fmt: skip

#: Columns the (binary) initial load reads cast to ``text``, by loader OID, and how that text
#: decodes (None: kept as the string), so the snapshot gives exactly the stream's values:
#: psycopg has no binary loader for an enum's OID (it would give bytes), and a binary
#: ``real`` is the exact float32 (0.10000000149011612) where the text form is ``0.1``.
LOADED_AS_TEXT: dict[int, Callable[[str], Any] | None] = {TEXT_OID: None, 700: float}

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
    found = pg_type_by_oid(type_oid) if type_oid in _MIRRORED else None
    if found is None:
        raise NotSupportedError(
            f"{where}: PostgreSQL type {pg_name} is not mirrored (supported: "
            + ", ".join(supported_type_names())
            + "); leave the column out with a column list"
        )
    return found.pyram


def load_oid(type_oid: int, typtype: str) -> int:
    """The OID whose psycopg loader decodes the column (enums decode as text)."""
    return TEXT_OID if typtype == _ENUM else type_oid
