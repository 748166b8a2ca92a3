"""Joins of every kind (hash, nested-loop, index) against sqlite3, with NULL keys and duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from engine_testlib import canon, eq, fill, lit, new_db, physical, run, scan, sqlite_mirror
from hypothesis import given
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE
from pyram.engine.operators.hash_join import HashJoin
from pyram.engine.operators.index_join import IndexNestedLoopJoin
from pyram.engine.operators.nested_loop_join import NestedLoopJoin
from pyram.plan import expr as px
from pyram.plan import nodes as pn

KEYS = st.integers(0, 3) | st.none()
SIDE = st.lists(st.tuples(KEYS, st.integers(0, 4) | st.none()), max_size=12)

SQL_KIND = {"inner": "JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL JOIN"}


def _load(left: list[tuple[Any, Any]], right: list[tuple[Any, Any]]) -> Any:
    db = new_db()
    fill(db, "l", [(i, k, v, f"l{i}") for i, (k, v) in enumerate(left)])
    fill(db, "r", [(i, k, v, f"r{i}") for i, (k, v) in enumerate(right)])
    return db


def _sql(kind: str, on: str) -> str:
    if kind == "semi":
        return f"SELECT l.* FROM l WHERE EXISTS (SELECT 1 FROM r WHERE {on})"
    if kind == "anti":
        return f"SELECT l.* FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE {on})"
    if kind == "cross":
        return "SELECT * FROM l CROSS JOIN r"
    return f"SELECT * FROM l {SQL_KIND[kind]} r ON {on}"


def _check(db: Any, plan: pn.Plan, kind: str, on: str) -> None:
    expected = sqlite_mirror(db).execute(_sql(kind, on)).fetchall()
    assert canon(run(plan, db)) == canon(expected)


ALL_KINDS = ["inner", "left", "right", "full", "semi", "anti"]


@pytest.mark.parametrize("kind", ALL_KINDS)
@given(left=SIDE, right=SIDE)
def test_hash_join_matches_sqlite(kind: str, left: list[Any], right: list[Any]) -> None:
    db = _load(left, right)
    ls, lc = scan("l")
    rs, rc = scan("r")
    plan = pn.Join(kind, ls, rs, eq(lc["k"], rc["k"]))  # type: ignore[arg-type]
    assert isinstance(physical(plan), HashJoin)
    _check(db, plan, kind, "l.k = r.k")


@pytest.mark.parametrize("kind", ALL_KINDS)
@given(left=SIDE, right=SIDE)
def test_hash_join_with_residual_and_two_keys(kind: str, left: list[Any], right: list[Any]) -> None:
    db = _load(left, right)
    ls, lc = scan("l")
    rs, rc = scan("r")
    residual = px.Compare("<", lc["v"], rc["id"])
    # written right-to-left on purpose: the planner must orient each equality
    cond = px.And((eq(rc["k"], lc["k"]), residual))
    plan = pn.Join(kind, ls, rs, cond)  # type: ignore[arg-type]
    op = physical(plan)
    assert isinstance(op, HashJoin) and op.residual is not None
    _check(db, plan, kind, "r.k = l.k AND l.v < r.id")
    two = pn.Join(kind, ls, rs, px.And((eq(lc["k"], rc["k"]), eq(lc["v"], rc["v"]))))  # type: ignore[arg-type]
    assert isinstance(physical(two), HashJoin) and len(physical(two).left_keys) == 2  # type: ignore[attr-defined]
    _check(db, two, kind, "l.k = r.k AND l.v = r.v")


@pytest.mark.parametrize("kind", [*ALL_KINDS, "cross"])
@given(left=SIDE, right=SIDE)
def test_nested_loop_join_matches_sqlite(kind: str, left: list[Any], right: list[Any]) -> None:
    db = _load(left, right)
    ls, lc = scan("l")
    rs, rc = scan("r")
    cond = None if kind == "cross" else px.Compare("<", lc["v"], rc["v"])
    plan = pn.Join(kind, ls, rs, cond)  # type: ignore[arg-type]
    assert isinstance(physical(plan), NestedLoopJoin)
    _check(db, plan, kind, "l.v < r.v")


@pytest.mark.parametrize("kind", ["inner", "left", "semi", "anti"])
@given(left=SIDE, right=SIDE, residual=st.booleans())
def test_index_join_matches_sqlite(
    kind: str, left: list[Any], right: list[Any], residual: bool
) -> None:
    db = _load(left, right)
    ls, lc = scan("l")
    rs, rc = scan("r")
    extra = px.Compare("<", lc["v"], rc["id"]) if residual else None
    for index in ("r_k_idx", "r_pkey"):
        key = lc["k"] if index == "r_k_idx" else lc["v"]
        join_kind: Any = kind
        op = IndexNestedLoopJoin(
            join_kind, physical(ls), "r", index, (key,), rs.columns, rs.out, extra
        )
        on = ("l.k = r.k" if index == "r_k_idx" else "l.v = r.id") + (
            " AND l.v < r.id" if residual else ""
        )
        expected = sqlite_mirror(db).execute(_sql(kind, on)).fetchall()
        assert canon(run(op, db)) == canon(expected)


def test_planner_picks_index_join_for_a_small_probe_side() -> None:
    db = new_db()
    fill(db, "r", [(i, i % 50, i, None) for i in range(1000)])
    fill(db, "l", [(i, i, i, None) for i in range(3)])
    ls, lc = scan("l")
    rs, rc = scan("r", rid=True)
    plan = pn.Join("left", ls, rs, eq(lc["k"], rc["k"]))
    op = physical(plan, db)
    assert isinstance(op, IndexNestedLoopJoin) and op.index == "r_k_idx"
    rows = run(op, db)
    assert len(rows) == 60 and all(r[5] == r[1] and r[8] == r[4] for r in rows)
    assert isinstance(physical(plan), HashJoin)  # without a store: no sizes, no index join


def test_left_join_keeps_left_order_across_batches() -> None:
    db = new_db()
    n = BATCH_SIZE + 1
    fill(db, "l", [(i, i % 3, i, None) for i in range(n)])
    fill(db, "r", [(0, 0, 0, "a"), (1, 1, 1, "b"), (2, 1, 2, "c")])
    ls, lc = scan("l", ("id", "k"))
    rs, rc = scan("r", ("k", "s"))
    rows = run(pn.Join("left", ls, rs, eq(lc["k"], rc["k"])), db)
    expected = []
    for i in range(n):
        k = i % 3
        matches: list[str | None] = {0: ["a"], 1: ["b", "c"], 2: [None]}[k]
        expected += [(i, k, None if s is None else k, s) for s in matches]
    assert rows == expected


def test_join_with_empty_sides() -> None:
    db = new_db()
    fill(db, "l", [(1, 1, 1, None)])
    ls, lc = scan("l")
    rs, rc = scan("r")
    cond = eq(lc["k"], rc["k"])
    assert run(pn.Join("left", ls, rs, cond), db) == [(1, 1, 1, None, None, None, None, None)]
    assert run(pn.Join("inner", ls, rs, cond), db) == []
    assert run(pn.Join("anti", ls, rs, cond), db) == [(1, 1, 1, None)]
    assert run(pn.Join("right", rs, ls, cond), db) == [(None,) * 4 + (1, 1, 1, None)]
    assert run(pn.Join("cross", ls, rs), db) == []
    assert run(pn.Join("full", rs, ls, px.Compare("<", lc["v"], rc["v"])), db) == [
        (None,) * 4 + (1, 1, 1, None)
    ]


def test_join_on_constant_condition_is_a_nested_loop() -> None:
    db = new_db()
    fill(db, "l", [(1, 1, 1, None), (2, 2, 2, None)])
    fill(db, "r", [(5, 5, 5, None)])
    ls, lc = scan("l")
    rs, _ = scan("r")
    plan = pn.Join("left", ls, rs, px.Compare("=", lc["k"], lit(1)))
    assert isinstance(physical(plan), NestedLoopJoin)
    assert run(plan, db) == [(1, 1, 1, None, 5, 5, 5, None), (2, 2, 2, None) + (None,) * 4]


def test_nested_loop_join_iterates_the_smaller_side() -> None:
    # many left rows, few right rows: the condition runs once per right row; same result
    db = new_db()
    fill(db, "l", [(i, i % 7, i, None) for i in range(300)])
    fill(db, "r", [(0, 2, 100, None), (1, 5, 200, None)])
    ls, lc = scan("l", ("id", "v"))
    rs, rc = scan("r", ("id", "v"))
    plan = pn.Join("inner", ls, rs, px.Compare(">", lc["v"], rc["v"]))
    rows = run(plan, db)
    expected = [(i, i, j, w) for i in range(300) for j, w in ((0, 100), (1, 200)) if i > w]
    assert rows == expected


@pytest.mark.parametrize("kind", ["inner", "left", "right"])
def test_planner_builds_on_the_smaller_side(kind: str) -> None:
    db = new_db()
    fill(db, "l", [(i, i % 4, i, None) for i in range(3)])
    fill(db, "r", [(i, i % 5, i, None) for i in range(40)])
    ls, lc = scan("l")
    rs, rc = scan("r")
    # r.v has no index: no index join
    cond = px.And((eq(lc["k"], rc["v"]), px.Compare("<", lc["id"], rc["id"])))
    plan = pn.Join(kind, ls, rs, cond)  # type: ignore[arg-type]
    op = physical(plan, db)
    assert op.fields == plan.fields
    join = op.children[0]
    assert isinstance(join, HashJoin) and join.children[1] is physical_child(op, 1)
    assert join.kind == {"inner": "inner", "left": "right", "right": "left"}[kind]
    _check(db, plan, kind, "l.k = r.v AND l.id < r.id")


def physical_child(op: Any, index: int) -> Any:
    return op.children[0].children[index]


def test_outer_join_operators_mark_padded_fields_nullable() -> None:
    ls, lc = scan("l")
    rs, rc = scan("r")
    kinds: list[Any] = ["left", "right", "full", "semi", "anti", "inner"]
    for kind in kinds:
        plan = pn.Join(kind, ls, rs, eq(lc["k"], rc["k"]))
        assert physical(plan).fields == plan.fields
        nested = pn.Join(kind, ls, rs, px.Compare("<", lc["k"], rc["k"]))
        assert physical(nested).fields == nested.fields
