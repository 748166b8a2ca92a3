"""Every column type owns its conversions: file text and binary, SQL text, typed-in text,
display, SQL literals, DB-API groups and the PostgreSQL wire forms (OID, text, binary)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest

from pyram.types import (
    BLOB,
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    INTERVAL,
    JSON_TYPE,
    REAL,
    TEXT,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    UUID_TYPE,
    DataType,
    display_value,
    registered_types,
    sql_literal_of,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

#: PostgreSQL's OIDs (pg_type.dat) for the type each column type maps to
PG_OIDS = {
    INTEGER: 20,  # int8
    REAL: 701,  # float8
    TEXT: 25,
    BLOB: 17,  # bytea
    BOOLEAN: 16,
    DECIMAL: 1700,  # numeric
    DATE: 1082,
    TIME: 1083,
    TIMESTAMP: 1114,
    TIMESTAMPTZ: 1184,
    UUID_TYPE: 2950,
    JSON_TYPE: 3802,  # jsonb
    INTERVAL: 1186,
}

#: user values of each type, awkward ones included
SAMPLES: dict[DataType, list[Any]] = {
    INTEGER: [0, -1, 2**63 - 1, -(2**63)],
    REAL: [0.0, -1.5, 1e300, float("inf"), float("-inf")],
    TEXT: ["", "héllo", "it's"],
    BLOB: [b"", b"\x00\xff'"],
    BOOLEAN: [True, False],
    DECIMAL: [Decimal("0"), Decimal("-12345.678"), Decimal("0.0001"), Decimal("1E+10")],
    DATE: [dt.date(2000, 1, 1), dt.date(1, 1, 1), dt.date(9999, 12, 31)],
    TIME: [dt.time(0, 0), dt.time(23, 59, 59, 999999)],
    TIMESTAMP: [dt.datetime(2000, 1, 1), dt.datetime(1970, 1, 1, 12, 30, 0, 5)],
    TIMESTAMPTZ: [dt.datetime(2024, 3, 31, 2, 30, tzinfo=dt.UTC)],
    UUID_TYPE: [uuid.UUID(int=0), uuid.UUID("12345678-1234-5678-1234-567812345678")],
    JSON_TYPE: [{"a": [1, 2.5, None]}, []],
    INTERVAL: [dt.timedelta(0), -dt.timedelta(days=1, seconds=1), dt.timedelta(microseconds=1)],
}


def test_every_registered_type_has_an_oid_and_samples() -> None:
    assert set(registered_types()) == set(PG_OIDS) == set(SAMPLES)
    for dtype, oid in PG_OIDS.items():
        assert dtype.pg_oid == oid, dtype


@pytest.mark.parametrize("dtype", list(SAMPLES), ids=lambda t: t.name)
def test_wire_forms_round_trip(dtype: DataType) -> None:
    for value in SAMPLES[dtype]:
        assert dtype.from_pg_text(dtype.pg_text(value)) == value
        assert dtype.from_pg_binary(dtype.pg_binary(value)) == value


@pytest.mark.parametrize("dtype", list(SAMPLES), ids=lambda t: t.name)
def test_file_forms_round_trip(dtype: DataType) -> None:
    stored = [dtype.validate(v, nullable=False) for v in SAMPLES[dtype]]
    for value in stored:
        assert dtype.from_text(dtype.to_text(value)) == value
    assert dtype.decode_values(dtype.encode_values(stored), len(stored)) == stored


def test_known_postgres_binary_forms() -> None:
    # numeric 12345.678: 3 groups, weight 1, positive, dscale 3: 1 2345 6780
    assert DECIMAL.pg_binary(Decimal("12345.678")).hex() == "0003000100000003000109291a7c"
    assert DECIMAL.pg_binary(Decimal("-1")).hex() == "00010000400000000001"
    assert DATE.pg_binary(dt.date(2000, 1, 2)) == (1).to_bytes(4, "big")
    assert TIMESTAMP.pg_binary(dt.datetime(2000, 1, 1, 0, 0, 1)) == (10**6).to_bytes(8, "big")
    paris = dt.datetime(2000, 1, 1, 1, 0, tzinfo=PARIS)  # midnight UTC
    assert TIMESTAMPTZ.pg_binary(paris) == bytes(8)
    assert TIME.pg_binary(dt.time(0, 0, 2)) == (2 * 10**6).to_bytes(8, "big")
    assert INTEGER.pg_binary(-2) == (-2).to_bytes(8, "big", signed=True)
    assert REAL.pg_text(float("inf")) == "Infinity" and BOOLEAN.pg_text(True) == "t"
    assert BLOB.pg_text(b"\xde\xad") == "\\xdead" and BOOLEAN.pg_binary(False) == b"\x00"
    assert JSON_TYPE.pg_binary({"a": 1}) == b'\x01{"a": 1}'
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert UUID_TYPE.pg_binary(u) == u.bytes


def test_sql_text_literal_reading_is_the_types() -> None:
    assert INTEGER.from_sql_text("12") == 12 and INTEGER.from_sql_text("1.0") == 1
    assert INTEGER.from_sql_text("x") is None
    assert DATE.from_sql_text("2024-01-31") == dt.date(2024, 1, 31)
    assert BOOLEAN.from_sql_text("TRUE") is True and BOOLEAN.from_sql_text("yes") is None
    assert TEXT.from_sql_text("x") is None  # text stays text


def test_typed_in_text_is_lenient_where_people_are() -> None:
    assert BOOLEAN.from_input(" Yes ") is True and BLOB.from_input("X'00ff'") == b"\x00\xff"
    assert INTEGER.from_input("+7") == 7 and REAL.from_input("-Infinity") == float("-inf")
    with pytest.raises(ValueError):
        INTEGER.from_input("1_000")
    assert JSON_TYPE.from_input('{"a": 1}') == {"a": 1}


def test_display_and_sql_literals_ask_the_type() -> None:
    assert display_value(b"\x01") == "X'01'" and display_value({"k": [1]}) == '{"k":[1]}'
    assert display_value(dt.timedelta(hours=26)) == "1 day 02:00:00"
    assert sql_literal_of(float("inf")) == "9e999" and sql_literal_of(None) == "NULL"
    assert sql_literal_of(dt.datetime(2024, 1, 2, 3, 4)) == "'2024-01-02T03:04:00'"
    assert sql_literal_of("it's") == "'it''s'" and sql_literal_of(True) == "TRUE"
