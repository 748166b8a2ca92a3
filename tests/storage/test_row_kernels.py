"""Generated one-row kernels (pyram.storage.row_kernels): the same answers as the loops and
checks they replace, and no user text in their source."""

from __future__ import annotations

import datetime as dt
import inspect
import math
from array import array
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pyram
from pyram import Col, DataError, IntegrityError, column
from pyram.storage import validate_row
from pyram.storage.row_kernels import MAX_UNROLLED, row_appender, stored_form_test


@pyram.table(name="weird_名前")
class Weird(pyram.Table):
    id: Col[int] = column(primary_key=True)
    label: Col[str]
    score: Col[float]
    flag: Col[bool | None]
    blob: Col[bytes | None]


@pyram.table
class Stamped(pyram.Table):
    id: Col[int] = column(primary_key=True)
    at: Col[dt.datetime]


SCHEMA = Weird.__pyram_schema__

_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.booleans(),
    st.binary(max_size=3),
    st.none(),
)


@given(st.lists(_values, min_size=5, max_size=5))
def test_a_row_passes_only_when_validate_row_keeps_every_value(row: list[Any]) -> None:
    test = stored_form_test(SCHEMA)
    try:
        validated = validate_row(SCHEMA, row)
    except (DataError, IntegrityError):
        assert not test(row)
        return
    if test(row):
        assert all(a is b for a, b in zip(validated, row, strict=True))


def test_typical_rows() -> None:
    test = stored_form_test(SCHEMA)
    assert test([1, "a", 0.5, True, b"x"])
    assert not test([1, "a", math.nan, True, b"x"])  # NaN: refused by the checked path
    assert not test([2**63, "a", 0.5, True, b"x"])  # past 64 bits
    assert not test([True, "a", 0.5, True, b"x"])  # a bool is not an INTEGER's stored form
    assert not test([1, "a", 1, True, b"x"])  # an int for a REAL: converted by the checked path
    assert not test([1, "a", 0.5, None, b"x"])  # NULL: the checked path decides


def test_a_type_that_encodes_never_passes() -> None:
    test = stored_form_test(Stamped.__pyram_schema__)
    assert not test([1, dt.datetime(2026, 1, 1)])


def test_the_source_holds_only_positional_names() -> None:
    source = inspect.getsource(stored_form_test(SCHEMA))
    assert "weird" not in source and "label" not in source and "score" not in source
    assert "v0" in source and "_t4" in source


@pytest.mark.parametrize("width", [1, 3, MAX_UNROLLED, MAX_UNROLLED + 5])
def test_the_appender_appends_each_value_to_its_column(width: int) -> None:
    columns: list[Any] = [array("q") if i % 2 else [] for i in range(width)]
    row = list(range(width))
    row_appender(width)(columns, row)
    row_appender(width)(columns, row)
    assert [list(c) for c in columns] == [[i, i] for i in range(width)]
