"""Distinct, UNION/INTERSECT/EXCEPT (distinct against sqlite3, ALL against bag arithmetic) and
Values."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from engine_testlib import canon, fill, lit, new_db, out_fields, run, scan, sqlite_mirror
from hypothesis import given
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE
from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, TEXT

SIDE = st.lists(
    st.tuples(st.integers(0, 2) | st.none(), st.integers(0, 1) | st.none()), max_size=15
)


def _load(left: list[Any], right: list[Any]) -> Any:
    db = new_db()
    fill(db, "l", [(i, k, v, None) for i, (k, v) in enumerate(left)])
    fill(db, "r", [(i, k, v, None) for i, (k, v) in enumerate(right)])
    return db


def _sides() -> tuple[pn.Plan, pn.Plan]:
    ls, _ = scan("l", ("k", "v"))
    rs, _ = scan("r", ("k", "v"))
    return ls, rs


def _set_op(kind: Any, all_: bool) -> pn.SetOp:
    left, right = _sides()
    refs = [px.ColumnRef(f.cid, f.name, f.dtype, True) for f in left.fields]
    return pn.SetOp(kind, all_, left, right, out_fields(refs))


@pytest.mark.parametrize("kind", ["union", "intersect", "except"])
@given(left=SIDE, right=SIDE)
def test_distinct_set_ops_match_sqlite(kind: str, left: list[Any], right: list[Any]) -> None:
    db = _load(left, right)
    sql = f"SELECT k, v FROM l {kind.upper()} SELECT k, v FROM r"
    expected = sqlite_mirror(db).execute(sql).fetchall()
    got = run(_set_op(kind, False), db)
    assert len(got) == len(set(got))
    assert canon(got) == canon(expected)


@pytest.mark.parametrize("kind", ["union", "intersect", "except"])
@given(left=SIDE, right=SIDE)
def test_all_set_ops_follow_bag_semantics(kind: str, left: list[Any], right: list[Any]) -> None:
    db = _load(left, right)
    lc, rc = Counter(left), Counter(right)
    bag = {"union": lc + rc, "intersect": lc & rc, "except": lc - rc}[kind]
    assert Counter(run(_set_op(kind, True), db)) == bag


def test_union_all_keeps_left_then_right_order() -> None:
    db = _load([(1, 1), (1, 1)], [(0, 0)])
    assert run(_set_op("union", True), db) == [(1, 1), (1, 1), (0, 0)]
    assert run(_set_op("union", False), db) == [(1, 1), (0, 0)]


@pytest.mark.parametrize("n", [0, 1, BATCH_SIZE + 1])
def test_distinct_across_batches(n: int) -> None:
    db = new_db()
    fill(db, "l", [(i, i % 3 if i % 4 else None, i % 2, None) for i in range(n)])
    node, _ = scan("l", ("k", "v"))
    got = run(pn.Distinct(node), db)
    assert got == list(dict.fromkeys((i % 3 if i % 4 else None, i % 2) for i in range(n)))
    one, _ = scan("l", ("k",))
    assert run(pn.Distinct(one), db) == list(
        dict.fromkeys((i % 3 if i % 4 else None,) for i in range(n))
    )
    none, _ = scan("l", ())
    assert run(pn.Distinct(none), db) == ([()] if n else [])


def test_values_literals_params_expressions_and_no_columns() -> None:
    db = new_db()
    fields = (px.Field(9201, "a", INTEGER, True), px.Field(9202, "b", TEXT, True))
    rows = (
        (lit(1), px.Literal_("x", TEXT)),
        (px.Param(0, INTEGER), lit(None)),
        (px.Arith("+", lit(2), px.Param(0, INTEGER), INTEGER), px.Literal_("z", TEXT)),
    )
    assert run(pn.Values(rows, fields), db, {0: 40}) == [(1, "x"), (40, None), (42, "z")]
    with pytest.raises(ProgrammingError):
        run(pn.Values(rows, fields), db)
    assert run(pn.Values(((),), ()), db) == [()]
    assert run(pn.Values((), fields), db) == []


def test_scalar_and_exists_subqueries_run_through_the_runner() -> None:
    db = _load([(1, 0), (2, 1)], [(2, 5)])
    ls, lc = scan("l", ("k", "v"))
    rs, rc = scan("r", ("k", "v"))
    max_r = pn.Aggregate(rs, (), (px.AggCall("max", (rc["k"],), INTEGER),), out_fields([rc["k"]]))
    scalar = px.ScalarSubquery(max_r, INTEGER)
    plan = pn.Filter(ls, px.Compare("=", lc["k"], scalar))
    assert run(plan, db) == [(2, 1)]
    correlated = px.Exists(pn.Filter(rs, px.Compare("=", rc["k"], lc["k"])))
    assert run(pn.Filter(ls, correlated), db) == [(2, 1)]
    assert run(pn.Filter(ls, px.Not(correlated)), db) == [(1, 0)]
    in_sub = px.InSubquery(lc["k"], pn.Project(rs, (rc["k"],), out_fields([rc["k"]])))
    assert run(pn.Filter(ls, in_sub), db) == [(2, 1)]
