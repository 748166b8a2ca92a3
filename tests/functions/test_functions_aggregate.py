"""Aggregate SQL functions: type rules, empty groups, NULLs, and sqlite3 as the oracle.

``impl`` gets what the engine hands it: the non-NULL values of one group (every row for
``count_star``), plus constant extra arguments. Results are compared with sqlite3 aggregating
the same column.
"""

from __future__ import annotations

import math
import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyram.errors import OperationalError, ProgrammingError
from pyram.functions import aggregate_function
from pyram.types import (
    BLOB,
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    JSON_TYPE,
    NULLTYPE,
    REAL,
    TEXT,
    TIMESTAMPTZ,
    UUID_TYPE,
    DataType,
)

SELECT = (
    "select sum(x), total(x), avg(x), min(x), max(x), count(x), count(*), group_concat(x), "
    "group_concat(x, ' | ') from t"
)
NAMES = ("sum", "total", "avg", "min", "max", "count", "count_star", "group_concat")


def agg(name: str, column: list[Any], *constants: Any) -> Any:
    """Aggregate one group the way the engine does: NULLs dropped (kept for count_star)."""
    fn = aggregate_function(name)
    values = column if name == "count_star" else [v for v in column if v is not None]
    return fn.impl(values, *constants)


def lite(column: list[Any]) -> tuple[Any, ...]:
    db = sqlite3.connect(":memory:")
    db.execute("create table t(x)")
    db.executemany("insert into t values (?)", [(v,) for v in column])
    row: tuple[Any, ...] = db.execute(SELECT).fetchone()
    db.close()
    return row


def ours(column: list[Any], *, numeric: bool = True, text: bool = True) -> tuple[Any, ...]:
    """Our answers in SELECT's order; None where the column type is refused (type rules)."""
    return (
        *(agg(name, column) if numeric else None for name in NAMES[:3]),
        *(agg(name, column) for name in NAMES[3:7]),
        agg("group_concat", column) if text else None,
        agg("group_concat", column, " | ") if text else None,
    )


def close(a: Any, b: Any, scale: float) -> bool:
    """Equal floats up to summation order (naive vs compensated across Python/SQLite versions)."""
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12 * scale)


def rtype(name: str, *types: DataType) -> DataType:
    return aggregate_function(name).return_type(types)


# --- type rules --------------------------------------------------------------------------------

RULES: list[tuple[str, tuple[DataType, ...], DataType | None]] = [
    ("count", (TEXT,), INTEGER),
    ("count", (JSON_TYPE,), INTEGER),
    ("count", (NULLTYPE,), INTEGER),
    ("count_star", (), INTEGER),
    ("sum", (INTEGER,), INTEGER),
    ("sum", (REAL,), REAL),
    ("sum", (DECIMAL,), DECIMAL),
    ("sum", (NULLTYPE,), NULLTYPE),
    ("sum", (TEXT,), None),
    ("sum", (BOOLEAN,), None),
    ("total", (INTEGER,), REAL),
    ("total", (DECIMAL,), REAL),
    ("total", (NULLTYPE,), REAL),
    ("total", (DATE,), None),
    ("avg", (INTEGER,), REAL),
    ("avg", (REAL,), REAL),
    ("avg", (DECIMAL,), DECIMAL),
    ("avg", (NULLTYPE,), REAL),
    ("avg", (BLOB,), None),
    ("min", (TEXT,), TEXT),
    ("max", (TIMESTAMPTZ,), TIMESTAMPTZ),
    ("min", (UUID_TYPE,), UUID_TYPE),
    ("max", (BOOLEAN,), BOOLEAN),
    ("max", (NULLTYPE,), NULLTYPE),
    ("min", (JSON_TYPE,), None),
    ("group_concat", (TEXT,), TEXT),
    ("group_concat", (INTEGER, TEXT), TEXT),
    ("group_concat", (TEXT, NULLTYPE), TEXT),
    ("group_concat", (REAL,), None),
    ("group_concat", (BLOB,), None),
    ("group_concat", (TEXT, INTEGER), None),
]


@pytest.mark.parametrize(("name", "args", "expected"), RULES)
def test_return_types(name: str, args: tuple[DataType, ...], expected: DataType | None) -> None:
    if expected is None:
        with pytest.raises(ProgrammingError, match=rf"{name}\(\): "):
            rtype(name, *args)
    else:
        assert rtype(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "count"),
    [("sum", 0), ("sum", 2), ("count", 0), ("count_star", 1), ("group_concat", 3)],
)
def test_wrong_argument_counts(name: str, count: int) -> None:
    with pytest.raises(ProgrammingError, match=rf"wrong number of arguments to function {name}"):
        rtype(name, *[TEXT] * count)


# --- values ------------------------------------------------------------------------------------


def test_empty_groups_match_sqlite_and_the_empty_field() -> None:
    expected = lite([])
    assert ours([]) == expected == (None, 0.0, None, None, None, 0, 0, None, None)
    assert ours([None, None])[:6] == lite([None, None])[:6]
    assert agg("count_star", [None, None]) == 2
    for name in NAMES:
        fn = aggregate_function(name)
        assert fn.impl([]) == fn.empty, name


def test_examples() -> None:
    assert agg("sum", [1, None, 2]) == 3 and type(agg("sum", [1, 2])) is int
    assert agg("sum", [1.5, 2.5]) == 4.0
    assert agg("total", [1, 2]) == 3.0 and type(agg("total", [1, 2])) is float
    assert agg("avg", [1, 2]) == 1.5 and agg("avg", [None]) is None
    assert agg("min", ["b", "a", None]) == "a" and agg("max", [b"\x01", b"\x01\x00"]) == b"\x01\x00"
    assert agg("max", [False, True]) is True
    assert agg("count", [None, 0, "", None]) == 2 and agg("count_star", [None, 0]) == 2
    assert agg("group_concat", ["a", None, "b"]) == "a,b"
    assert agg("group_concat", ["a", "b"], "") == "ab"
    assert agg("group_concat", ["a", "b"], None) == "ab"  # SQLite: NULL separator joins with ''
    assert agg("group_concat", [1, 2, 3], "-") == "1-2-3"
    assert agg("group_concat", ["", ""]) == ","


def test_integer_sum_leaving_64_bits_is_an_overflow_error() -> None:
    # as SQLite: a running INTEGER sum outside the 64-bit range is an error, even if it comes back
    with pytest.raises(OperationalError, match="integer overflow"):
        agg("sum", [2**63 - 1, 1])
    with pytest.raises(OperationalError, match="integer overflow"):
        agg("sum", [2**63 - 1, 1, -5])
    with pytest.raises(OperationalError, match="integer overflow"):
        agg("sum", [2**63 - 1, 1, 1.0])  # the overflow happened before the REAL
    assert agg("sum", [2**63 - 1, -5, 1]) == 2**63 - 5
    assert agg("sum", [2**63 - 1, 1.0, -5]) == 9.223372036854776e18  # REAL from the first REAL
    assert agg("sum", [-(2**63), 0]) == -(2**63)


def test_decimal_aggregates_stay_exact() -> None:
    column = [Decimal("0.1"), Decimal("0.2"), None, Decimal("0.3")]
    assert agg("sum", column) == Decimal("0.6")
    assert agg("avg", column) == Decimal("0.2")
    assert agg("total", column) == 0.6 and type(agg("total", column)) is float
    assert agg("min", column) == Decimal("0.1") and agg("max", column) == Decimal("0.3")
    assert agg("sum", [None]) is None and agg("avg", []) is None


def test_aggregates_are_fast_on_large_groups() -> None:
    values = list(range(200_000))
    assert agg("sum", values) == sum(values)
    assert agg("avg", values) == (len(values) - 1) / 2
    assert agg("group_concat", values).count(",") == len(values) - 1


INTS = st.lists(st.none() | st.integers(-(2**40), 2**40), max_size=30)
FLOATS = st.lists(st.none() | st.floats(-1e12, 1e12, allow_nan=False), max_size=30)
TEXTS = st.lists(
    st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
    max_size=20,
)


@given(INTS)
def test_integer_columns_match_sqlite(column: list[int | None]) -> None:
    mine, theirs = ours(column), lite(column)
    scale = sum(abs(v) for v in column if v is not None)
    assert mine[0] == theirs[0] and type(mine[0]) is type(theirs[0])
    assert close(mine[1], theirs[1], scale) and close(mine[2], theirs[2], scale)
    assert mine[3:] == theirs[3:]


@given(FLOATS)
def test_real_columns_match_sqlite(column: list[float | None]) -> None:
    mine, theirs = ours(column, text=False), lite(column)
    scale = sum(abs(v) for v in column if v is not None)
    for i in range(3):
        assert close(mine[i], theirs[i], scale), (i, mine[i], theirs[i])
    assert mine[3:7] == theirs[3:7]


@given(TEXTS)
def test_text_columns_match_sqlite(column: list[str | None]) -> None:
    mine, theirs = ours(column, numeric=False), lite(column)
    assert mine[3:] == theirs[3:]
