"""Strict validation and storage codecs of every column type, and annotation/SQL name mapping."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

import pyram
from pyram.types import type_from_annotation, type_from_sql_name
from pyram.types.registry import (
    BLOB,
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    JSON_TYPE,
    REAL,
    TEXT,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    UUID_TYPE,
)
from pyram.types.special import EnumType, JsonType

UTC = dt.UTC
NAIVE = dt.datetime(2026, 1, 2, 3, 4, 5)
AWARE = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Shade(enum.Enum):
    DARK = "dark"
    LIGHT = "light"


class Rank(enum.IntEnum):
    ONE = 1
    TWO = 2


class Mixed(enum.Enum):
    A = 1
    B = "b"


ACCEPT = [
    (INTEGER, 5, 5),
    (INTEGER, -(2**63), -(2**63)),
    (INTEGER, 2**63 - 1, 2**63 - 1),
    (INTEGER, Rank.ONE, 1),
    (REAL, 1.5, 1.5),
    (REAL, 2, 2.0),
    (TEXT, "héllo", "héllo"),
    (BOOLEAN, True, True),
    (BLOB, b"\x00\xff", b"\x00\xff"),
    (BLOB, bytearray(b"ab"), b"ab"),
    (DECIMAL, Decimal("1.10"), Decimal("1.10")),
    (DECIMAL, 7, Decimal(7)),
    (DATE, dt.date(2026, 1, 2), dt.date(2026, 1, 2)),
    (TIMESTAMP, NAIVE, NAIVE),
    (TIMESTAMPTZ, AWARE, AWARE),
    (TIME, dt.time(1, 2), dt.time(1, 2)),
    (UUID_TYPE, uuid.UUID(int=5), uuid.UUID(int=5)),
    (JSON_TYPE, {"a": [1, 2.5, None, True, "x"]}, '{"a":[1,2.5,null,true,"x"]}'),
    (JSON_TYPE, [1, {"é": 2}], '[1,{"é":2}]'),
]

REJECT = [
    (INTEGER, True),
    (INTEGER, 1.0),
    (INTEGER, "1"),
    (INTEGER, 2**63),  # SQLite integers are signed 64-bit (sqlite3 refuses to bind more)
    (INTEGER, -(10**30)),
    (REAL, True),
    (REAL, "1.5"),
    (REAL, Decimal("1.5")),
    (REAL, 10**400),
    (TEXT, 1),
    (TEXT, b"x"),
    (BOOLEAN, 1),
    (BOOLEAN, "true"),
    (BLOB, "x"),
    (DECIMAL, 1.5),
    (DECIMAL, Decimal("NaN")),
    (DECIMAL, Decimal("Infinity")),
    (DECIMAL, True),
    (DATE, NAIVE),
    (DATE, "2026-01-02"),
    (TIMESTAMP, AWARE),
    (TIMESTAMP, dt.date(2026, 1, 2)),
    (TIMESTAMPTZ, NAIVE),
    (TIME, NAIVE),
    (UUID_TYPE, str(uuid.UUID(int=5))),
    (JSON_TYPE, "{}"),
    (JSON_TYPE, {1: "non-str key"}),
    (JSON_TYPE, {"x": float("nan")}),
    (JSON_TYPE, [float("inf")]),
    (JSON_TYPE, {"x": object()}),
    (JSON_TYPE, {"x": {1, 2}}),
]


@pytest.mark.parametrize(("dtype", "value", "stored"), ACCEPT)
def test_accepts_and_normalises(dtype: pyram.types.DataType, value: Any, stored: Any) -> None:
    got = dtype.validate(value, nullable=False)
    assert got == stored
    assert type(got) is type(stored)


@pytest.mark.parametrize(("dtype", "value"), REJECT)
def test_rejects_without_coercion(dtype: pyram.types.DataType, value: Any) -> None:
    with pytest.raises(pyram.DataError) as info:
        dtype.validate(value, nullable=False, column="c", table="t")
    assert "t.c" in str(info.value)
    assert info.value.column == "c"
    assert info.value.table == "t"


def test_null_only_where_nullable() -> None:
    assert INTEGER.validate(None, nullable=True) is None
    with pytest.raises(pyram.IntegrityError, match=r"NOT NULL constraint failed: t\.c"):
        INTEGER.validate(None, nullable=False, column="c", table="t")


def test_validate_column_fast_and_slow_paths_agree() -> None:
    assert INTEGER.validate_column([1, 2, None], nullable=True) == [1, 2, None]
    assert REAL.validate_column([1, 2.5], nullable=False) == [1.0, 2.5]
    with pytest.raises(pyram.IntegrityError):
        INTEGER.validate_column([1, None], nullable=False, column="c", table="t")
    with pytest.raises(pyram.DataError, match="True"):
        INTEGER.validate_column([1, True], nullable=False)
    color = EnumType(Shade)
    assert color.validate_column([Shade.DARK, None], nullable=True) == ["dark", None]


def test_json_top_level_container_follows_annotation() -> None:
    lists, docs = JsonType((list,)), JsonType((dict,))
    assert lists.validate([1], nullable=False) == "[1]"
    with pytest.raises(pyram.DataError, match=r"JSON document \(list\)"):
        lists.validate({"a": 1}, nullable=False)
    with pytest.raises(pyram.DataError, match=r"JSON document \(dict\)"):
        docs.validate([1], nullable=False)


def test_enum_error_names_the_enum() -> None:
    with pytest.raises(pyram.DataError, match="expected a member of Shade"):
        EnumType(Shade).validate("dark", nullable=False)


def test_real_rejects_nan_on_both_paths() -> None:
    nan = float("nan")
    with pytest.raises(pyram.DataError, match="NaN"):
        REAL.validate(nan, nullable=False)
    with pytest.raises(pyram.DataError, match="NaN"):
        REAL.validate_column([1.0, nan], nullable=False)
    with pytest.raises(pyram.DataError, match="NaN"):
        REAL.validate_column([None, nan], nullable=True)
    inf = float("inf")
    assert REAL.validate_column([inf, -inf, None], nullable=True) == [inf, -inf, None]


def test_deep_json_is_rejected_not_recursion_error() -> None:
    doc: Any = []
    for _ in range(1000):
        doc = [doc]
    with pytest.raises(pyram.DataError, match="nested too deeply"):
        JSON_TYPE.validate(doc, nullable=False)


def test_enum_sql_type_follows_member_values() -> None:
    assert EnumType(Shade).name == "TEXT"
    assert EnumType(Rank).name == "INTEGER"
    with pytest.raises(pyram.DataError):
        EnumType(Mixed)
    shade = EnumType(Shade)
    assert shade.validate(Shade.LIGHT, nullable=False) == "light"
    assert shade.from_storage("light") is Shade.LIGHT
    with pytest.raises(pyram.DataError):
        shade.validate("light", nullable=False)  # the raw value is not a member


@pytest.mark.parametrize(
    ("annotation", "expected", "nullable"),
    [
        (int, INTEGER, False),
        (int | None, INTEGER, True),
        (float, REAL, False),
        (str | None, TEXT, True),
        (bool, BOOLEAN, False),
        (bytes, BLOB, False),
        (Decimal, DECIMAL, False),
        (dt.date, DATE, False),
        (dt.datetime, TIMESTAMP, False),
        (pyram.AwareDatetime, TIMESTAMPTZ, False),
        (pyram.AwareDatetime | None, TIMESTAMPTZ, True),
        (dt.time, TIME, False),
        (uuid.UUID, UUID_TYPE, False),
        (pyram.JSON, JSON_TYPE, False),
        (dict[str, Any] | None, JsonType((dict,)), True),
        (list[int], JsonType((list,)), False),
        (dict[str, int] | None, JsonType((dict,)), True),
        (Shade, EnumType(Shade), False),
    ],
)
def test_annotation_mapping(annotation: Any, expected: Any, nullable: bool) -> None:
    assert type_from_annotation(annotation) == (expected, nullable)


@pytest.mark.parametrize("annotation", [set, complex, tuple[int, int], int | str, object])
def test_unsupported_annotation(annotation: Any) -> None:
    with pytest.raises(pyram.ProgrammingError, match="unsupported column type"):
        type_from_annotation(annotation)


def test_sql_names() -> None:
    expected = {
        "INTEGER": "INTEGER",
        "varchar(20)": "TEXT",
        "REAL": "REAL",
        "BOOLEAN": "BOOLEAN",
        "BLOB": "BLOB",
        "DECIMAL(10, 2)": "DECIMAL",
        "DATE": "DATE",
        "TIMESTAMP": "TIMESTAMP",
        "timestamp with time zone": "TIMESTAMPTZ",
        "TIME": "TIME",
        "UUID": "UUID",
        "JSON": "JSON",
    }
    for sql_name, name in expected.items():
        assert type_from_sql_name(sql_name).name == name
    with pytest.raises(pyram.ProgrammingError, match="unknown column type"):
        type_from_sql_name("GEOMETRY")
