"""A column type owns its PostgreSQL conversions: the layers above only ask it.

The recipe of CONTRIBUTING.md ("Add a column type") holds only while no module outside
``pyram/types`` keeps its own table keyed by PyRAM type names; these tests find such tables by
reading the source (a grep for dict keys, an AST walk for dicts, sets, tuples and lists of type
names), and check that the PostgreSQL layers (server wire codecs, PostgreSQL DDL, catalogue,
mirror, change notifications) agree with each type's ``pg_oid``. The modules that once kept
such tables (the binder's CAST names, the JSON Lines codecs, the numeric kinds, SQLAlchemy's
type mapping) now ask the type, and a test plants each table back to show it is caught.
"""

from __future__ import annotations

import ast
import datetime as dt
import enum
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

# Modules that once kept a per-type table (issue 18): each now reads the DataType.
MOVED_TO_TYPES = (
    "ext/sqlalchemy/types.py",  # DataType.sqlalchemy_type
    "sql/binder/casts.py",  # DataType.cast_names, cast_reads_text
    "sql/binder/expressions.py",
    "persist/jsonl.py",  # DataType.json_writer, from_json, json_types
    "functions/registry.py",  # DataType.numeric_kind
    "functions/sql_ops.py",  # the CAST targets read from text: cast_reads_text
    "plan/builder.py",
)
# Modules holding a set of type names that is a SQL rule about those types rather than a
# conversion (a new type needs no entry there), and why. A new entry needs a reason.
KNOWN_NAME_SETS = {
    "catalog/cache_policy.py": "the types an expires column may have (a point in time)",
    "engine/operators/set_ops.py": "SQLite's INTEGER/REAL mixing in set operations",
    "shell/convert.py": "fast paths of .import for INTEGER and REAL fields",
    "storage/table_data.py": "types whose equal values are interchangeable (deduplication)",
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


def _name_sets(source: str) -> list[set[str]]:
    """The registered type names of each dict, set, tuple or list literal in ``source``
    naming two or more of them (``{"INTEGER", "REAL"}``, ``("DATE", "UUID")``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            items: list[ast.expr | None] = list(node.keys)
        elif isinstance(node, ast.Set | ast.Tuple | ast.List):
            items = list(node.elts)
        else:
            continue
        names = {i.value for i in items if isinstance(i, ast.Constant) and i.value in NAMES}
        if len(names) >= 2:
            found.append(names)
    return found


def _modules_with_name_sets() -> dict[str, list[set[str]]]:
    found = {}
    for path in sorted(PYRAM.rglob("*.py")):
        relative = path.relative_to(PYRAM).as_posix()
        if not relative.startswith("types/"):
            sets = _name_sets(path.read_text(encoding="utf-8"))
            if sets:
                found[relative] = sets
    return found


def test_grep_finds_a_per_type_table() -> None:
    """The grep itself works: a dict keyed by type names is found, a comparison is not."""
    assert _KEY.findall('_T = {"INTEGER": 1, "REAL": 2}') == ["INTEGER", "REAL"]
    assert _KEY.findall('if name == "INTEGER":\n    pass') == []
    assert _name_sets('_S = frozenset({"DATE", "UUID"})') == [{"DATE", "UUID"}]
    assert _name_sets('x = name in ("INTEGER", "NULL")') == []  # NULL is no column type


def test_no_module_keeps_a_table_keyed_by_type_names() -> None:
    assert _tables_outside_types() == {}


def test_only_known_modules_hold_sets_of_type_names() -> None:
    modules = _modules_with_name_sets()
    unknown = {m: modules[m] for m in set(modules) - set(KNOWN_NAME_SETS)}
    assert unknown == {}, "a per-type table: move it onto the DataType (CONTRIBUTING.md)"
    assert set(KNOWN_NAME_SETS) <= set(modules), "stale KNOWN_NAME_SETS entry: remove it"


# The tables these modules kept before issue 18, planted back: each must be caught.
_PLANTED = {
    "ext/sqlalchemy/types.py": 'ischema_names = {"INTEGER": sqltypes.INTEGER, "DATE": DATE}\n',
    "sql/binder/casts.py": '_CAST_TYPES = {"INTEGER": INTEGER, "REAL": REAL, "TEXT": TEXT}\n',
    "persist/jsonl.py": '_NATIVE = {"INTEGER", "BOOLEAN", "TEXT"}\n',
    "functions/registry.py": 'kinds = {"INTEGER": INTEGER, "REAL": REAL}.get(name)\n',
    "functions/sql_ops.py": 'TEXT_READ_CASTS = frozenset({"DATE", "UUID", "INTERVAL"})\n',
}


@pytest.mark.parametrize("module", sorted(_PLANTED))
def test_a_per_type_table_planted_back_is_caught(module: str) -> None:
    assert module in MOVED_TO_TYPES
    source = (PYRAM / module).read_text(encoding="utf-8")
    assert not _name_sets(source)  # the module itself holds none now
    planted = source + _PLANTED[module]
    keys = {k for k in _KEY.findall(planted) if k in NAMES}
    assert len(keys) >= 2 or _name_sets(planted), module


def test_the_types_answer_what_the_tables_held() -> None:
    """What the moved tables said, each type now says itself."""
    from pyram.types import INTEGER, INTERVAL, JSON_TYPE, REAL, EnumType, type_from_cast_name

    assert type_from_cast_name("BIGINT") is INTEGER and type_from_cast_name("DOUBLE") is REAL
    assert type_from_cast_name("INTERVAL") is None and INTERVAL.cast_reads_text
    assert INTERVAL.sqlalchemy_type == "Interval" and TIMESTAMPTZ.sqlalchemy_type == "TIMESTAMPTZ"

    class Level(enum.IntEnum):
        LOW = 1

    assert EnumType(Level).numeric_kind is INTEGER and REAL.numeric_kind is REAL
    assert INTEGER.json_writer() is None and INTEGER.from_json(2**70) == 2**70
    with pytest.raises(ValueError, match="expected an integer"):
        INTEGER.from_json(True)
    assert REAL.json_writer()(float("-inf")) == "-inf" and REAL.from_json("inf") == float("inf")
    assert JSON_TYPE.from_json({"a": [1]}) == '{"a":[1]}'
    assert JSON_TYPE.json_writer()('{"a":[1]}') == {"a": [1]}
    assert INTERVAL.from_json(INTERVAL.json_writer()(dt.timedelta(days=1, seconds=5))) == (
        dt.timedelta(days=1, seconds=5)
    )
    with pytest.raises(ValueError, match="expected a string"):
        INTERVAL.from_json(5)


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
