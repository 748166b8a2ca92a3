"""Every column type round-trips through a table unchanged, NULLs included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from models import AllTypes, Color, Level
from strategies import all_types_rows

import pyram


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type (so 1 vs 1.0 vs True would differ)."""
    return a == b and type(a) is type(b)


@given(rows=st.lists(all_types_rows, min_size=1, max_size=8))
def test_every_type_round_trips(rows: list[dict[str, Any]]) -> None:
    db = pyram.Database()
    db.create(AllTypes)
    objs = [AllTypes(id=i, **row) for i, row in enumerate(rows)]
    db.insert_many(objs[1:])
    db.insert(objs[0])
    for i, row in enumerate(rows):
        got = db.get(AllTypes, i)
        assert got is not None
        for name, value in row.items():
            assert _same(getattr(got, name), value), (name, value, getattr(got, name))


def test_round_trip_examples() -> None:
    db = pyram.Database()
    db.create(AllTypes)
    row = AllTypes(
        id=1,
        i=-(2**63),  # the smallest INTEGER (SQLite integers are 64-bit)
        f=2,  # an int is widened to the equal float
        s="ünïcødé \U0001f600",
        b=False,
        raw=bytearray(b"\x00\x01"),
        dec=Decimal("123.4500"),
        day=dt.date(1999, 12, 31),
        ts=dt.datetime(2026, 11, 25, 23, 59, 59, 999999),
        tstz=dt.datetime(2026, 11, 25, 12, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
        t=dt.time(23, 59, 59),
        color=Color.GREEN,
        level=Level.HIGH,
        doc={"nested": {"list": [1, 2, {"deep": None}]}, "unicode": "ß"},
    )
    db.insert(row)
    got = db.get(AllTypes, 1)
    assert got == row
    assert type(got.f) is float and type(got.raw) is bytes and got.color is Color.GREEN
    assert got.level is Level.HIGH and got.dec == Decimal("123.4500")
    assert str(got.dec) == "123.4500"  # exponent kept
    assert got.tstz is not None and got.tstz.utcoffset() == dt.timedelta(hours=-3)


def test_json_rows_are_values() -> None:
    db = pyram.Database()
    db.create(AllTypes)
    doc = {"tags": ["a"]}
    db.insert(AllTypes(id=1, doc=doc))
    doc["tags"].append("mutated after insert")
    first = db.get(AllTypes, 1)
    assert first is not None and first.doc == {"tags": ["a"]}
    assert isinstance(first.doc, dict)
    first.doc["tags"].append("mutated after read")
    again = db.get(AllTypes, 1)
    assert again is not None and again.doc == {"tags": ["a"]}


def test_wrong_type_is_rejected_at_insert_even_if_constructor_was_bypassed() -> None:
    db = pyram.Database()
    db.create(AllTypes)
    row = AllTypes(id=1)
    object.__setattr__(row, "i", "not an int")  # bypasses the validating __setattr__
    before = db.count(AllTypes)
    try:
        db.insert(row)
    except pyram.DataError as exc:
        assert "all_types.i" in str(exc)
    else:
        raise AssertionError("insert accepted a str for an INTEGER column")
    assert db.count(AllTypes) == before
