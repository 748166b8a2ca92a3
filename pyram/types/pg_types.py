"""PostgreSQL's types as PyRAM sees them: OIDs, names and the PyRAM type each one stores as.

PostgreSQL's own catalogue data: the one place that knows type OIDs, names and categories
(the server's RowDescription, ``pg_type``, ``format_type``, the ``::type`` casts of the
PostgreSQL dialect and the mirror's PostgreSQL -> PyRAM mapping all read it). The PyRAM ->
PostgreSQL direction belongs to the column types: each :class:`~pyram.types.DataType` names its
``pg_oid`` (and so its ``pg_name``); :func:`pg_type_for` only looks it up.

>>> pg_type_for("INTEGER").name, pg_type_for("TEXT").oid
('int8', 25)
>>> pyram_type_name("character varying"), pyram_type_name("int4")
('TEXT', 'INTEGER')
"""

from __future__ import annotations

import attrs

__all__ = [
    "PG_SERVER_VERSION",
    "PG_TYPES",
    "PgType",
    "REG_TYPES",
    "format_type",
    "pg_type_by_name",
    "pg_type_by_oid",
    "pg_type_for",
    "pyram_type_name",
]


#: The PostgreSQL version PyRAM's server and dialect follow (``server_version``).
PG_SERVER_VERSION = "15.0"


@attrs.frozen
class PgType:
    """One PostgreSQL type: OID, ``typname``, the name ``format_type`` shows, ``typlen``,
    ``typcategory``, the OID of its array type and the PyRAM type storing its values."""

    oid: int
    name: str
    display: str
    length: int
    category: str
    array_oid: int
    pyram: str


#: The types PyRAM stores (and the few the catalogue's own columns use), by OID.
PG_TYPES: tuple[PgType, ...] = (
    PgType(16, "bool", "boolean", 1, "B", 1000, "BOOLEAN"),
    PgType(17, "bytea", "bytea", -1, "U", 1001, "BLOB"),
    PgType(18, "char", '"char"', 1, "Z", 1002, "TEXT"),
    PgType(19, "name", "name", 64, "S", 1003, "TEXT"),
    PgType(20, "int8", "bigint", 8, "N", 1016, "INTEGER"),
    PgType(21, "int2", "smallint", 2, "N", 1005, "INTEGER"),
    PgType(23, "int4", "integer", 4, "N", 1007, "INTEGER"),
    PgType(25, "text", "text", -1, "S", 1009, "TEXT"),
    PgType(26, "oid", "oid", 4, "N", 1028, "INTEGER"),
    PgType(114, "json", "json", -1, "U", 199, "JSON"),
    PgType(700, "float4", "real", 4, "N", 1021, "REAL"),
    PgType(701, "float8", "double precision", 8, "N", 1022, "REAL"),
    PgType(1042, "bpchar", "character", -1, "S", 1014, "TEXT"),
    PgType(1043, "varchar", "character varying", -1, "S", 1015, "TEXT"),
    PgType(1082, "date", "date", 4, "D", 1182, "DATE"),
    PgType(1083, "time", "time without time zone", 8, "D", 1183, "TIME"),
    PgType(1114, "timestamp", "timestamp without time zone", 8, "D", 1115, "TIMESTAMP"),
    PgType(1184, "timestamptz", "timestamp with time zone", 8, "D", 1185, "TIMESTAMPTZ"),
    PgType(1186, "interval", "interval", 16, "T", 1187, "INTERVAL"),
    PgType(1700, "numeric", "numeric", -1, "N", 1231, "DECIMAL"),
    PgType(2205, "regclass", "regclass", 4, "N", 2210, "INTEGER"),
    PgType(2206, "regtype", "regtype", 4, "N", 2211, "INTEGER"),
    PgType(2950, "uuid", "uuid", 16, "U", 2951, "UUID"),
    PgType(3802, "jsonb", "jsonb", -1, "U", 3807, "JSON"),
    PgType(4089, "regnamespace", "regnamespace", 4, "N", 4090, "INTEGER"),
)

_BY_OID = {t.oid: t for t in PG_TYPES}
_BY_NAME = {t.name: t for t in PG_TYPES} | {t.display: t for t in PG_TYPES}
# PostgreSQL spellings that are no type's typname or display name.
_ALIASES = {
    "int": "int4", "smallint": "int2", "bigint": "int8", "serial": "int4", "serial4": "int4",
    "bigserial": "int8", "serial8": "int8", "smallserial": "int2", "serial2": "int2",
    "float": "float8", "double": "float8", "decimal": "numeric", "character": "bpchar",
    "char": "bpchar", "boolean": "bool", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp", "time without time zone": "time",
    "string": "text", "blob": "bytea", "datetime": "timestamp", "real": "float4",
}  # fmt: skip

#: Types whose values name catalogue objects (``'t'::regclass`` is the table's OID).
REG_TYPES = frozenset({"regclass", "regtype", "regnamespace", "regproc", "regprocedure", "oid"})


def pg_type_by_oid(oid: int) -> PgType | None:
    """The type with OID ``oid``, or None."""
    return _BY_OID.get(oid)


def pg_type_by_name(name: str) -> PgType | None:
    """The type a PostgreSQL type name means (``int4``, ``integer``, ``pg_catalog.text``,
    ``character varying``; case-insensitive), or None."""
    key = " ".join(name.lower().split())
    key = key.removeprefix("pg_catalog.").strip('"')
    key = _ALIASES.get(key, key)
    return _BY_NAME.get(key)


def pg_type_for(pyram_name: str) -> PgType:
    """The PostgreSQL type PyRAM's type ``pyram_name`` (``"INTEGER"``, ...) is sent as: the
    one its :class:`~pyram.types.DataType` names by ``pg_oid``; ``text`` for a type PyRAM has
    and PostgreSQL lacks (and for ``NULL``)."""
    # imported here: the type classes import this table (pg_name), so it loads first
    from pyram.types.registry import registered_types

    key = pyram_name.upper()
    oid = next((t.pg_oid for t in registered_types() if t.name == key), 25)
    return _BY_OID.get(oid, _BY_OID[25])


def pyram_type_name(pg_name: str) -> str | None:
    """The PyRAM type name a PostgreSQL type name stores as, or None when unknown."""
    found = pg_type_by_name(pg_name)
    return None if found is None else found.pyram


def format_type(oid: int, typmod: int | None) -> str | None:
    """PostgreSQL's ``format_type(oid, typmod)``: ``character varying(20)``, ``bigint``;
    None for an unknown OID (PostgreSQL shows ``???``)."""
    found = _BY_OID.get(oid)
    if found is None:
        return None
    if typmod is not None and typmod >= 4 and found.name in ("varchar", "bpchar"):
        return f"{found.display}({typmod - 4})"
    if typmod is not None and typmod >= 4 and found.name == "numeric":
        precision, scale = (typmod - 4) >> 16, (typmod - 4) & 0xFFFF
        return f"numeric({precision},{scale})"
    return found.display
