"""The value codecs every format shares: text and binary forms, strict parsing."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyram.persist.values import decode_values, encode_values, from_text, to_text

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

#: kind -> strategy of stored (non-NULL) values
STORED: dict[str, st.SearchStrategy[Any]] = {
    "INTEGER": st.integers() | st.integers(min_value=2**63, max_value=2**200),
    "REAL": st.floats(allow_nan=False),
    "TEXT": st.text(),
    "BOOLEAN": st.booleans(),
    "BLOB": st.binary(),
    "DECIMAL": st.decimals(allow_nan=False, allow_infinity=False),
    "DATE": st.dates(),
    "TIME": st.times(timezones=st.none() | st.sampled_from([dt.UTC, PARIS])),
    "TIMESTAMP": st.datetimes(),
    "TIMESTAMPTZ": st.datetimes(
        timezones=st.sampled_from([dt.UTC, PARIS, dt.timezone(dt.timedelta(hours=-9))])
    ),
    "UUID": st.uuids(),
    "JSON": st.just('{"a":[1,2.5,null]}'),
    "INTERVAL": st.timedeltas(),
}


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same type, and for temporals with the same tzinfo, offset and fold."""
    if type(a) is not type(b) or repr(a) != repr(b):
        return False
    if isinstance(a, dt.datetime):
        return a.tzinfo == b.tzinfo and a.fold == b.fold and a.utcoffset() == b.utcoffset()
    return True


@pytest.mark.parametrize("kind", sorted(STORED))
@given(data=st.data())
def test_text_and_binary_forms_round_trip(kind: str, data: st.DataObject) -> None:
    values = data.draw(st.lists(STORED[kind], max_size=20))
    for value in values:
        assert _same(from_text(kind, to_text(kind, value)), value)
    decoded = decode_values(kind, encode_values(kind, values), len(values))
    assert all(_same(a, b) for a, b in zip(decoded, values, strict=True))


def test_zones_keep_their_name_and_fold() -> None:
    second = dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS)
    text = to_text("TIMESTAMPTZ", second)
    assert text == "2024-10-27T02:30:00+01:00[Europe/Paris][fold=1]"
    back = from_text("TIMESTAMPTZ", text)
    assert back.tzinfo is PARIS and back.fold == 1 and back.utcoffset() == dt.timedelta(hours=1)
    assert to_text("TIME", dt.time(1, 2, tzinfo=PARIS)) == "01:02:00[Europe/Paris]"


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("INTEGER", "1.0"),
        ("INTEGER", " 1"),
        ("INTEGER", "1_000"),
        ("REAL", "nan"),
        ("REAL", "1_0.5"),
        ("REAL", "Infinity"),
        ("BOOLEAN", "1"),
        ("BOOLEAN", "True"),
        ("BLOB", "not base64!"),
        ("DECIMAL", "NaN"),
        ("DECIMAL", "1_000"),
        ("UUID", "{12345678-1234-5678-1234-567812345678}"),
        ("UUID", "12345678-1234-5678-1234-56781234567G"),
        ("DATE", "2024-02-30"),
        ("DATE", "2024-01-01[fold=1]"),
        ("TIMESTAMPTZ", "2024-10-27T02:30:00+05:00[Europe/Paris]"),
        ("TIMESTAMPTZ", "2024-01-01T00:00:00+01:00[Not/AZone]"),
    ],
)
def test_text_forms_are_strict(kind: str, text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        from_text(kind, text)


@pytest.mark.parametrize(
    ("kind", "payload", "count"),
    [
        ("INTEGER", b"\x00" + b"\x01" * 7, 1),  # 7 bytes for an 8-byte value
        ("INTEGER", b"\x01\x80", 1),  # an unfinished varint
        ("REAL", b"\x02abc", 1),  # wrong layout
        ("BOOLEAN", b"\x00\x02", 1),
        ("DATE", b"\x00\x00\x00\x00\x00", 1),  # ordinal 0
        ("UUID", b"\x03" + b"\x00" * 15, 1),
        ("TEXT", b"\x02\x05\x00\x00\x00abc", 1),  # length beyond the bytes
        ("TEXT", b"\x02\x02\x00\x00\x00\xc3\x28", 1),  # not UTF-8
        ("TEXT", b"\x02\x01\x00\x00\x00\x01\x00\x00\x00\xc3\xa9", 2),  # a length splits a char
        ("DECIMAL", b"\x02\x01\x00\x00\x00x", 1),
        ("TEXT", b"", 0),
    ],
)
def test_damaged_binary_forms_are_refused(kind: str, payload: bytes, count: int) -> None:
    with pytest.raises(ValueError, match=r"."):
        decode_values(kind, payload, count)


def test_values_of_every_kind_keep_their_type() -> None:
    assert decode_values("DECIMAL", encode_values("DECIMAL", [Decimal("-0.00")]), 1) == [
        Decimal("-0.00")
    ]
    assert str(from_text("DECIMAL", "1E+2")) == "1E+2"
    assert from_text("UUID", str(uuid.UUID(int=5))) == uuid.UUID(int=5)
    assert repr(from_text("REAL", "-0.0")) == "-0.0"
