"""HashAggregate: GROUP BY with NULL groups, DISTINCT aggregates, whole-input aggregates."""

from __future__ import annotations

from typing import Any

import pytest
from engine_testlib import canon, fill, lit, new_db, out_fields, run, scan, sqlite_mirror
from hypothesis import given
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE
from pyram.engine.physical_planner import plan_physical
from pyram.errors import NotSupportedError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, REAL, TEXT


def _agg(name: str, *args: px.PlanExpr, distinct: bool = False, dtype: Any = INTEGER) -> px.AggCall:
    return px.AggCall(name, tuple(args), dtype, distinct)


def _aggregate(node: pn.Plan, groups: list[px.PlanExpr], aggs: list[px.AggCall]) -> pn.Aggregate:
    return pn.Aggregate(node, tuple(groups), tuple(aggs), out_fields([*groups, *aggs]))


ROWS = st.lists(
    st.tuples(st.integers(0, 2) | st.none(), st.integers(-3, 3) | st.none(), st.sampled_from("ab")),
    max_size=25,
)


@given(ROWS)
def test_group_by_matches_sqlite(rows: list[tuple[Any, Any, str]]) -> None:
    db = new_db()
    fill(db, "l", [(i, k, v, s) for i, (k, v, s) in enumerate(rows)])
    node, c = scan("l")
    aggs = [
        _agg("count_star"),
        _agg("count", c["v"]),
        _agg("sum", c["v"]),
        _agg("min", c["v"]),
        _agg("max", c["s"], dtype=TEXT),
        _agg("count", c["v"], distinct=True),
        _agg("total", c["v"], dtype=REAL),
    ]
    plan = _aggregate(node, [c["k"], c["s"]], aggs)
    sql = (
        "SELECT k, s, count(*), count(v), sum(v), min(v), max(s), count(DISTINCT v), total(v) "
        "FROM l GROUP BY k, s"
    )
    assert canon(run(plan, db)) == canon(sqlite_mirror(db).execute(sql).fetchall())
    one = _aggregate(
        node, [c["k"]], [_agg("avg", c["v"], dtype=REAL), _agg("sum", c["v"], distinct=True)]
    )
    sql = "SELECT k, avg(v), sum(DISTINCT v) FROM l GROUP BY k"
    assert canon(run(one, db)) == canon(sqlite_mirror(db).execute(sql).fetchall())


@given(ROWS)
def test_whole_input_aggregates_match_sqlite(rows: list[tuple[Any, Any, str]]) -> None:
    db = new_db()
    fill(db, "l", [(i, k, v, s) for i, (k, v, s) in enumerate(rows)])
    node, c = scan("l")
    filtered = pn.Filter(node, px.Compare(">", c["v"], lit(-2)))
    aggs = [_agg("count_star"), _agg("sum", c["v"]), _agg("max", c["k"]), _agg("avg", c["v"])]
    plan = _aggregate(filtered, [], aggs)
    sql = "SELECT count(*), sum(v), max(k), avg(v) FROM l WHERE v > -2"
    assert run(plan, db) == sqlite_mirror(db).execute(sql).fetchall()


def test_no_groups_on_empty_input_gives_one_row() -> None:
    db = new_db()
    node, c = scan("l")
    aggs = [_agg("count_star"), _agg("count", c["v"]), _agg("sum", c["v"]), _agg("total", c["v"])]
    assert run(_aggregate(node, [], aggs), db) == [(0, 0, None, 0.0)]
    assert run(_aggregate(node, [c["k"]], aggs), db) == []


@pytest.mark.parametrize("n", [1, BATCH_SIZE - 1, BATCH_SIZE + 1])
def test_groups_across_batches_and_dead_rows(n: int) -> None:
    db = new_db()
    fill(db, "l", [(i, i % 3 if i % 5 else None, i, None) for i in range(n)])
    dead = list(range(0, n, 4))
    db._store.delete("l", dead)
    node, c = scan("l")
    plan = _aggregate(node, [c["k"]], [_agg("count_star"), _agg("sum", c["id"])])
    expected: dict[Any, list[int]] = {}
    for i in range(n):
        if i % 4:
            key = i % 3 if i % 5 else None
            expected.setdefault(key, [0, 0])
            expected[key][0] += 1
            expected[key][1] += i
    assert canon(run(plan, db)) == canon((k, c_, s) for k, (c_, s) in expected.items())


def test_all_null_group_keys_form_one_group() -> None:
    db = new_db()
    fill(db, "l", [(i, None, None, None) for i in range(4)])
    node, c = scan("l")
    plan = _aggregate(node, [c["k"], c["v"]], [_agg("count_star"), _agg("min", c["v"])])
    assert run(plan, db) == [(None, None, 4, None)]


def test_group_concat_with_constant_separator_and_computed_group() -> None:
    db = new_db()
    fill(db, "l", [(1, 1, 1, "a"), (2, 1, 2, None), (3, 2, 3, "c"), (4, 1, 4, "d")])
    node, c = scan("l")
    parity = px.Arith("%", c["v"], lit(2), INTEGER)
    concat = _agg("group_concat", c["s"], px.Literal_("; ", TEXT), dtype=TEXT)
    plan = _aggregate(node, [parity], [concat])
    assert canon(run(plan, db)) == [(0, "d"), (1, "a; c")]


def test_row_dependent_second_argument_is_rejected() -> None:
    node, c = scan("l")
    bad = _agg("group_concat", c["s"], c["s"], dtype=TEXT)
    with pytest.raises(NotSupportedError):
        plan_physical(_aggregate(node, [], [bad]))
