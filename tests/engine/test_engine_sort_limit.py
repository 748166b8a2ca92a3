"""Sort, TopN and Limit: SQLite NULL ordering, mixed directions, stability, early stop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from engine_testlib import fill, lit, new_db, physical, run, scan, sqlite_mirror
from hypothesis import given
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE, Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.limit import LimitOp
from pyram.engine.operators.sort import SortOp, TopN
from pyram.errors import DataError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, TEXT

ROWS = st.lists(
    st.tuples(st.integers(0, 3) | st.none(), st.integers(0, 3) | st.none(), st.sampled_from("abc")),
    max_size=30,
)


def _load(rows: list[tuple[Any, Any, str]]) -> Any:
    db = new_db()
    fill(db, "l", [(i, k, v, s) for i, (k, v, s) in enumerate(rows)])
    return db


@given(ROWS, st.booleans(), st.booleans(), st.sampled_from([None, True, False]))
def test_sort_matches_sqlite(
    rows: list[Any], k_desc: bool, v_desc: bool, nulls_first: bool | None
) -> None:
    db = _load(rows)
    node, c = scan("l")
    keys = (
        px.SortKey(c["k"], k_desc),
        px.SortKey(c["v"], v_desc, nulls_first),
        px.SortKey(c["id"]),
    )
    nulls = {None: "", True: " NULLS FIRST", False: " NULLS LAST"}[nulls_first]
    sql = (
        f"SELECT * FROM l ORDER BY k{' DESC' if k_desc else ''}, "
        f"v{' DESC' if v_desc else ''}{nulls}, id"
    )
    expected = sqlite_mirror(db).execute(sql).fetchall()
    assert run(pn.Sort(node, keys), db) == expected


@given(ROWS, st.booleans(), st.integers(0, 12), st.integers(0, 5), st.booleans())
def test_top_n_matches_sqlite(
    rows: list[Any], desc: bool, limit: int, offset: int, two_keys: bool
) -> None:
    db = _load(rows)
    node, c = scan("l")
    keys = [px.SortKey(c["k"], desc)]
    if two_keys:
        keys.append(px.SortKey(c["s"], not desc))
    plan = pn.Limit(pn.Sort(node, tuple(keys)), lit(limit), lit(offset))
    assert isinstance(physical(plan), TopN)
    order = f"k{' DESC' if desc else ''}" + (f", s{'' if desc else ' DESC'}" if two_keys else "")
    # SQLite's sort is not stable: compare with a full order on id as the last key instead
    sql = f"SELECT * FROM l ORDER BY {order}, id LIMIT {limit} OFFSET {offset}"
    expected = sqlite_mirror(db).execute(sql).fetchall()
    assert run(plan, db) == expected


def test_sort_is_stable_and_handles_all_null_and_empty() -> None:
    db = _load([(None, None, "a")] * 5)
    node, c = scan("l")
    assert [r[0] for r in run(pn.Sort(node, (px.SortKey(c["k"], True),)), db)] == list(range(5))
    empty = new_db()
    assert run(pn.Sort(node, (px.SortKey(c["k"]),)), empty) == []
    assert run(pn.Limit(pn.Sort(node, (px.SortKey(c["k"]),)), lit(3)), empty) == []


def test_sort_output_batches_are_bounded() -> None:
    n = BATCH_SIZE + 1
    db = new_db()
    fill(db, "l", [(i, n - i, None, None) for i in range(n)])
    node, c = scan("l", ("id", "k"))
    op = physical(pn.Sort(node, (px.SortKey(c["k"]),)), db)
    assert isinstance(op, SortOp)
    ctx = ExecContext(db._store)
    out = list(op.execute(ctx))
    assert [b.length for b in out] == [BATCH_SIZE, 1]
    assert out[0].columns[0][:2] == [n - 1, n - 2]


def test_sort_mixed_types_use_sqlite_class_order() -> None:
    db = new_db()
    values = pn.Values(
        ((px.Literal_("b", TEXT),), (lit(2),), (px.Literal_(b"x", TEXT),), (lit(None),), (lit(1),)),
        (px.Field(9001, "x", TEXT, True),),
    )
    ref = px.ColumnRef(9001, "x", TEXT, True)
    assert run(pn.Sort(values, (px.SortKey(ref),)), db) == [(None,), (1,), (2,), ("b",), (b"x",)]
    top = pn.Limit(pn.Sort(values, (px.SortKey(ref, True),)), lit(2))
    assert run(top, db) == [(b"x",), ("b",)]


class _Counting(Operator):
    """Yields ``batches`` one-row batches and records how many were pulled."""

    def __init__(self, batches: int) -> None:
        super().__init__((px.Field(9100, "n", INTEGER, False),))
        self.total = batches
        self.pulled: list[int] = []

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        for i in range(self.total):
            self.pulled.append(i)
            yield Batch([[i, i + 100]], 2, [True, False])


@pytest.mark.parametrize(
    ("limit", "offset", "pulled"), [(3, 0, 3), (2, 4, 6), (0, 0, 0), (1, 99, 10)]
)
def test_limit_stops_pulling_once_satisfied(limit: int, offset: int, pulled: int) -> None:
    db = new_db()
    child = _Counting(10)
    op = LimitOp(child, lit(limit), lit(offset))
    rows = run(op, db)
    assert rows == [(i,) for i in range(offset, min(10, offset + limit))]
    assert len(child.pulled) == pulled


def test_limit_params_negative_and_null() -> None:
    db = _load([(1, 1, "a")] * 5)
    node, _ = scan("l")
    plan = pn.Limit(node, px.Param("n", INTEGER), px.Param("o", INTEGER))
    assert len(run(plan, db, {"n": 2, "o": 1})) == 2
    assert len(run(plan, db, {"n": -1, "o": -3})) == 5  # SQLite: negative means no bound
    assert len(run(plan, db, {"n": 2.0, "o": 4})) == 1
    with pytest.raises(DataError):
        run(plan, db, {"n": None, "o": 0})
    with pytest.raises(DataError):
        run(plan, db, {"n": 1.5, "o": 0})
    offset_only = pn.Limit(node, None, lit(3))
    assert [r[0] for r in run(offset_only, db)] == [3, 4]


def test_limit_window_over_selection_batches() -> None:
    db = _load([(i % 2, i, "a") for i in range(20)])
    node, c = scan("l")
    filtered = pn.Filter(node, px.Compare("=", c["k"], lit(1)))
    assert [r[0] for r in run(pn.Limit(filtered, lit(3), lit(2)), db)] == [5, 7, 9]


def test_run_rows_max_rows() -> None:
    db = _load([(1, 1, "a")] * 5)
    node, _ = scan("l")
    assert len(run(node, db, max_rows=2)) == 2
    assert run(node, db, max_rows=0) == []
