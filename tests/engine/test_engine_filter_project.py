"""Filter and Project: masks as selections, dead rows, column reuse, computed values."""

from __future__ import annotations

import pytest
from engine_testlib import batches, canon, fill, lit, new_db, physical, project, run, scan
from hypothesis import given
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE
from pyram.engine.operators.filter import FilterOp
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, TEXT


def _gt(a: px.PlanExpr, b: px.PlanExpr) -> px.Compare:
    return px.Compare(">", a, b)


@pytest.mark.parametrize("n", [0, 1, BATCH_SIZE - 1, BATCH_SIZE + 1])
def test_filter_keeps_true_rows_only(n: int) -> None:
    db = new_db()
    rows = [(i, None if i % 3 == 0 else i % 10, i, None) for i in range(n)]
    fill(db, "l", rows)
    node, c = scan("l")
    plan = pn.Filter(node, _gt(c["k"], lit(4)))
    assert run(plan, db) == [r for r in rows if r[1] is not None and r[1] > 4]


def test_filter_output_shares_columns_and_carries_a_mask() -> None:
    db = new_db()
    fill(db, "l", [(i, i, i, None) for i in range(10)])
    node, c = scan("l")
    op = physical(pn.Filter(node, _gt(c["v"], lit(4))), db)
    assert isinstance(op, FilterOp)
    (out,) = batches(op, db)
    assert out.length == 10 and out.row_count == 5
    assert out.selection is not None and list(out.selection) == [i > 4 for i in range(10)]


def test_filter_all_false_and_all_null_yield_nothing() -> None:
    db = new_db()
    fill(db, "l", [(i, None, None, None) for i in range(5)])
    node, c = scan("l")
    assert batches(physical(pn.Filter(node, _gt(c["k"], lit(0))), db), db) == []
    assert run(pn.Filter(node, px.IsNull(c["k"])), db) == [(i, None, None, None) for i in range(5)]


def test_filter_never_evaluates_dead_rows_of_not_null_columns() -> None:
    # dead rows hold None even in NOT NULL columns, where kernels have no None guard
    db = new_db()
    fill(db, "l", [(i, i, i, None) for i in range(10)])
    db._store.delete("l", [2, 3])
    node, c = scan("l")
    plan = pn.Filter(node, _gt(c["id"], lit(0)))
    assert [r[0] for r in run(plan, db)] == [1, 4, 5, 6, 7, 8, 9]
    doubled = project(node, [px.Arith("*", c["id"], lit(2), INTEGER)])
    assert run(doubled, db) == [(2 * i,) for i in (0, 1, 4, 5, 6, 7, 8, 9)]


def test_filter_over_filter_and_project_over_filter() -> None:
    db = new_db()
    rows = [(i, i % 4, i % 3, f"s{i}") for i in range(50)]
    fill(db, "l", rows)
    node, c = scan("l")
    inner = pn.Filter(node, _gt(c["k"], lit(1)))
    outer = pn.Filter(inner, px.Compare("=", c["v"], lit(0)))
    plan = project(outer, [c["s"], px.Arith("+", c["id"], c["k"], INTEGER), lit("x", TEXT)])
    expected = [(s, i + k, "x") for i, k, v, s in rows if k > 1 and v == 0]
    assert run(plan, db) == expected


def test_project_reuses_plain_column_lists() -> None:
    db = new_db()
    fill(db, "l", [(i, i, i, None) for i in range(5)])
    node, c = scan("l")
    op = physical(project(node, [c["v"], c["id"]]), db)
    (out,) = batches(op, db)
    data = db._store.data("l")
    assert out.columns[0] == data.columns[2]
    assert out.columns[0] is not data.columns[2]  # a slice, never the stored list itself


def test_project_constants_only_and_empty_input() -> None:
    db = new_db()
    node, _ = scan("l")
    assert run(project(node, [lit(1)]), db) == []
    fill(db, "l", [(1, 1, 1, None), (2, 2, 2, None)])
    assert run(project(node, [lit(7), lit(None)]), db) == [(7, None), (7, None)]


@given(st.lists(st.tuples(st.integers(-5, 5) | st.none(), st.integers(-5, 5) | st.none())))
def test_filter_project_match_sqlite(pairs: list[tuple[int | None, int | None]]) -> None:
    import sqlite3

    db = new_db()
    rows = [(i, k, v, None) for i, (k, v) in enumerate(pairs)]
    fill(db, "l", rows)
    node, c = scan("l")
    cond = px.Or((_gt(c["k"], c["v"]), px.IsNull(c["v"])))
    plan = project(pn.Filter(node, cond), [c["id"], px.Arith("-", c["k"], c["v"], INTEGER)])
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE l (id, k, v, s)")
    con.executemany("INSERT INTO l VALUES (?, ?, ?, ?)", rows)
    expected = con.execute("SELECT id, k - v FROM l WHERE k > v OR v IS NULL").fetchall()
    assert canon(run(plan, db)) == canon(expected)
