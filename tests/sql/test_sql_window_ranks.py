"""row_number, rank and dense_rank (computed over every partition at once, with ties found
partition by partition while sorting) against sqlite3 on tables larger than the generated
differential cases: many partitions (singletons among them), ties, NULLs in both keys, several
ORDER BY keys with mixed directions, next to functions computed partition by partition."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyram
from pyram.engine.operators.window_order import window_order
from pyram.functions.window import Partitions, window_function
from pyram.plan import expr as px
from pyram.types import INTEGER

CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER, a INTEGER, b REAL)"

WINDOWS = (
    "PARTITION BY g ORDER BY a",
    "PARTITION BY g ORDER BY a DESC",
    "PARTITION BY g ORDER BY a NULLS LAST",
    "PARTITION BY g ORDER BY a DESC NULLS FIRST",
    "PARTITION BY g ORDER BY a, b DESC",
    "PARTITION BY g, a ORDER BY b",
    "PARTITION BY id ORDER BY a",
    "PARTITION BY g",
    "ORDER BY a DESC, b",
    "",
)

_rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 6), st.integers(0, 200)),
        st.one_of(st.none(), st.integers(-3, 3), st.integers(-1000, 1000)),
        st.one_of(st.none(), st.sampled_from([0.5, 1.0, -2.5, 3.0])),
    ),
    max_size=150,
)


def _both(rows: list[tuple[Any, ...]]) -> tuple[pyram.Database, sqlite3.Connection]:
    db = pyram.Database()
    db.sql(CREATE)
    lite = sqlite3.connect(":memory:")
    lite.execute(CREATE)
    data = [(i, *r) for i, r in enumerate(rows)]
    lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", data)
    with db.transaction():
        for row in data:
            db.sql("INSERT INTO t VALUES (?, ?, ?, ?)", list(row))
    return db, lite


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, window=st.sampled_from(WINDOWS))
def test_ranks_match_sqlite(rows: list[tuple[Any, ...]], window: str) -> None:
    db, lite = _both(rows)
    # row_number depends on the order within peers: id ends its ORDER BY for both engines
    numbered = f"{window}, id" if "ORDER BY" in window else f"{window} ORDER BY id"
    sql = (
        f"SELECT id, rank() OVER (w), dense_rank() OVER (w), row_number() OVER (v), "
        f"percent_rank() OVER (w), cume_dist() OVER (w) FROM t WINDOW w AS ({window}), "
        f"v AS ({numbered})"
    )
    assert sorted(db.sql(sql).all()) == sorted(lite.execute(sql).fetchall())


def _order_of(
    partition: list[list[Any]], ordering: list[list[Any]], descending: bool = False
) -> tuple[list[list[int]], list[int] | None]:
    ref = px.ColumnRef(0, "c", INTEGER, True)
    keys = [px.SortKey(ref, descending=descending) for _ in ordering]
    count = len(ordering[0]) if ordering else len(partition[0])
    order = window_order(partition, [ref] * len(partition), ordering, keys, count, True)
    return order.positions, order.ties


def test_window_order_sorts_each_partition_and_finds_its_ties() -> None:
    groups = [2, 1, 2, 1, 2, 3]
    values = [5, 7, 5, 7, 1, 9]
    positions, ties = _order_of([groups], [values])
    assert positions == [[1, 3], [4, 0, 2], [5]]  # partitions by key; stable within
    assert ties == [1, 4]  # second row of partition 1; third row overall of partition 2
    positions, ties = _order_of([groups], [values], descending=True)
    assert positions == [[1, 3], [0, 2, 4], [5]]
    assert ties == [1, 3]


def test_window_order_without_order_by_makes_every_row_a_tie() -> None:
    positions, ties = _order_of([[1, 2, 1]], [])
    assert positions == [[0, 2], [1]]
    assert ties == [1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("row_number", [1, 2, 3, 1, 1, 2, 3, 4]),
        ("rank", [1, 1, 3, 1, 1, 1, 3, 3]),
        ("dense_rank", [1, 1, 2, 1, 1, 1, 2, 2]),
    ],
)
def test_whole_kernels(name: str, expected: list[int]) -> None:
    """Partitions of 3, 1 and 4 rows; ties at window-order indices 1, 5, 7."""
    function = window_function(name)
    assert function is not None and function.whole is not None
    assert function.whole(Partitions([3, 1, 4], [1, 5, 7])) == expected


def test_window_order_of_mixed_kinds_of_values_is_sqlites() -> None:
    """Numbers and text in one ORDER BY column (Python cannot compare them; SQL cannot make
    such a column, a caller of the operator could): numbers, then text; NULL first."""
    values = ["b", 2, "a", 2.0, None, "b", -1]
    positions, ties = _order_of([[0] * len(values)], [values])
    assert positions == [[4, 6, 1, 3, 2, 0, 5]]
    assert ties == [3, 6]  # 2.0 after 2, 'b' after 'b'


@pytest.mark.parametrize("name", ["rank", "dense_rank"])
def test_whole_kernels_when_every_row_is_a_peer(name: str) -> None:
    function = window_function(name)
    assert function is not None and function.whole is not None
    assert function.whole(Partitions([2, 1, 3], [1, 4, 5])) == [1] * 6
