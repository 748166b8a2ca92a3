"""A column type owns its PostgreSQL conversions: the layers above only ask it.

The recipe of CONTRIBUTING.md ("Add a column type") holds only while no module outside
``pyram/types`` keeps its own table keyed by PyRAM type names; these tests find such tables by
reading the source (a grep), and check that the PostgreSQL layers (server wire codecs,
PostgreSQL DDL, catalogue, mirror, change notifications) agree with each type's ``pg_oid``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from pyram.pg.ddl import pg_type, type_table
from pyram.pg.pgtypes import pyram_type_name
from pyram.server.pgtypes import OIDS, wire_type
from pyram.types import BLOB, DECIMAL, TIMESTAMP, TIMESTAMPTZ, registered_types
from pyram.types.pg_types import pg_type_by_oid, pg_type_for

PYRAM = Path(__file__).resolve().parents[2] / "pyram"
NAMES = sorted(t.name for t in registered_types())
# A dict entry keyed by a type name: `"INTEGER": ...` (a comparison `== "INTEGER":` is not one).
_KEY = re.compile(r"""(?<![=!]=\s)(?<![=!]=)["']([A-Z]+)["']\s*:(?!=)""")

# Modules outside pyram/types that still key a table by PyRAM type names, and why. A new
# entry here means a new type must edit one more file: move the knowledge onto the DataType.
KNOWN_TABLES = {
    "ext/sqlalchemy/types.py": "SQLAlchemy's type objects per type (an optional extra)",
    "sql/binder/expressions.py": "the SQL CAST target names of SQLite's affinity rules",
    "persist/jsonl.py": "JSON Lines cells that JSON itself types (numbers, booleans)",
    "functions/registry.py": "the numeric kinds SQLite's arithmetic mixes (enum -> INTEGER)",
}
# Where PostgreSQL knowledge lives outside pyram/types: none of it may be keyed by PyRAM names.
POSTGRES_MODULES = (
    "server",
    "pg",
    "sql/binder/pg_catalog.py",
    "sql/binder/pg_bind.py",
    "sql/binder/information_schema.py",
    "sql/parser/postgres.py",
    "functions/scalar_postgres.py",
)


def _tables_outside_types() -> dict[str, set[str]]:
    """Module (relative to pyram/) -> the registered type names it uses as dict keys."""
    found: dict[str, set[str]] = {}
    for path in sorted(PYRAM.rglob("*.py")):
        relative = path.relative_to(PYRAM).as_posix()
        if relative.startswith("types/"):
            continue
        keys = {k for k in _KEY.findall(path.read_text(encoding="utf-8")) if k in NAMES}
        if len(keys) >= 2:  # one name is a special case; two or more make a per-type table
            found[relative] = keys
    return found


def test_grep_finds_a_per_type_table() -> None:
    """The grep itself works: a dict keyed by type names is found, a comparison is not."""
    assert _KEY.findall('_T = {"INTEGER": 1, "REAL": 2}') == ["INTEGER", "REAL"]
    assert _KEY.findall('if name == "INTEGER":\n    pass') == []


def test_no_new_module_keeps_a_table_keyed_by_type_names() -> None:
    tables = _tables_outside_types()
    assert set(tables) <= set(KNOWN_TABLES), {m: tables[m] for m in set(tables) - set(KNOWN_TABLES)}


def test_postgresql_layers_hold_no_per_type_table() -> None:
    tables = _tables_outside_types()
    offenders = [m for m in tables if m.startswith(POSTGRES_MODULES)]
    assert offenders == []
    for module in POSTGRES_MODULES:  # each listed place exists (a rename would hide it)
        assert (PYRAM / module).exists() or (PYRAM / f"{module}.py").exists(), module


@pytest.mark.parametrize("dtype", registered_types(), ids=lambda t: t.name)
def test_every_postgresql_place_reads_the_types_oid(dtype: object) -> None:
    from pyram.types import DataType

    assert isinstance(dtype, DataType)
    pg = pg_type_by_oid(dtype.pg_oid)
    assert pg is not None, f"{dtype.name}: pg_oid {dtype.pg_oid} is not in PG_TYPES"
    assert dtype.pg_name == pg.display
    assert pg_type_for(dtype.name) == pg  # the catalogue (pg_attribute, format_type, ...)
    assert pg_type(dtype) == type_table()[dtype.name] == dtype.pg_name  # PostgreSQL DDL
    assert wire_type(dtype).oid == dtype.pg_oid and OIDS[dtype.pg_oid] == wire_type(dtype)
    if dtype.name != "INTERVAL":  # the mirror maps back every type but INTERVAL (months)
        assert pyram_type_name(dtype.pg_oid, "b", pg.name, "t.c") == dtype.name


def test_the_server_uses_the_types_own_codecs() -> None:
    """What the server once did its own way, the type now does for every client."""
    assert BLOB.from_pg_text("a\\\\b\\001") == b"a\\b\x01"  # bytea escape format
    with pytest.raises(ValueError, match="bytea escape"):
        BLOB.from_pg_text("\\9")
    # PostgreSQL's input rules: timestamp ignores a zone, timestamptz defaults to UTC
    naive = TIMESTAMP.from_pg_text("2024-01-02 03:04:05+02:00")
    assert naive == dt.datetime(2024, 1, 2, 3, 4, 5)
    aware = TIMESTAMPTZ.from_pg_text("2024-01-02 03:04:05")
    assert aware == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    big = Decimal("-123456789012345678901234567890.5")  # past Decimal's default precision
    assert DECIMAL.from_pg_binary(DECIMAL.pg_binary(big)) == big
    assert wire_type(DECIMAL).decode(DECIMAL.pg_binary(big), True) == big
