"""Physical planner choices, EXPLAIN text (incl. row counts) and the executor's entry points."""

from __future__ import annotations

import pytest
from engine_testlib import eq, fill, lit, new_db, out_fields, physical, project, run, scan

from pyram.engine import ExecContext, execute, explain, plan_physical, run_rows
from pyram.engine.explain import format_expr
from pyram.engine.operators.common import pull
from pyram.engine.physical_planner import split_conjuncts
from pyram.errors import NotSupportedError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.nodes import Plan
from pyram.types import INTEGER, TEXT


def test_explain_shows_tree_details_and_estimates() -> None:
    db = new_db()
    fill(db, "l", [(i, i % 3, i, "s") for i in range(40)])
    fill(db, "r", [(i, i, i, "s") for i in range(10)])
    ls, lc = scan("l")
    rs, rc = scan("r")
    join = pn.Join(
        "inner", ls, rs, px.And((eq(lc["k"], rc["k"]), px.Compare("<", lc["v"], rc["v"])))
    )
    filtered = pn.Filter(join, px.Compare(">", lc["v"], lit(3)))
    top = pn.Limit(pn.Sort(filtered, (px.SortKey(lc["v"], True),)), lit(5))
    plan = project(top, [lc["id"], px.Arith("+", lc["v"], lit(1), INTEGER)])
    text = explain(physical(plan, db))
    assert text.splitlines() == [
        "Project id AS c0, (v + 1) AS c1 (est. rows 5)",
        "  TopN v DESC LIMIT 5 (est. rows 5)",
        "    Filter (v > 3) (est. rows 10)",
        "      HashJoin INNER ON k = k residual (v < v) (est. rows 40)",
        "        TableScan l [id, k, v, s] (est. rows 40)",
        "        TableScan r [id, k, v, s] (est. rows 10)",
    ]


def test_explain_analyze_counts_rows_per_operator() -> None:
    db = new_db()
    fill(db, "l", [(i, i % 3, i, "s") for i in range(10)])
    ls, lc = scan("l")
    op = physical(pn.Limit(pn.Filter(ls, px.Compare("=", lc["k"], lit(1))), lit(2)), db)
    ctx = ExecContext(db._store)
    rows = sum(b.row_count for b in execute(op, ctx, analyze=True))
    assert rows == 2
    text = explain(op, ctx.rows_out)
    assert "Limit LIMIT 2 (est. rows 2) (rows 2)" in text
    assert "TableScan l [id, k, v, s] (est. rows 10) (rows 10)" in text


def test_index_scan_describe_and_planner_dispatch() -> None:
    base, _ = scan("l", ("id", "k"))
    node = pn.IndexScan(
        "l",
        "l_k_idx",
        base.columns,
        base.out,
        low=(lit(2),),
        high_inclusive=False,
        high=(px.Param("hi", INTEGER),),
        descending=True,
    )
    assert explain(plan_physical(node)) == (
        "IndexScan l USING l_k_idx (range) >= (2) < (:hi) DESC [id, k] (est. rows 0)"
    )
    with pytest.raises(NotSupportedError):
        plan_physical(_Unknown())


class _Unknown(Plan):
    @property
    def fields(self) -> tuple[px.Field, ...]:
        return ()


def test_references_above_an_outer_join_are_made_nullable() -> None:
    # a reference claiming NOT NULL above a left join would crash kernels on padding NULLs
    db = new_db()
    fill(db, "l", [(1, 1, 1, None), (2, 2, 2, None)])
    fill(db, "r", [(1, 1, 5, None)])
    ls, lc = scan("l", ("id", "k"))
    rs, _ = scan("r", ("id", "k"))
    right_id = rs.out[0]
    strict_ref = px.ColumnRef(right_id.cid, "id", INTEGER, False)  # stale nullability
    join = pn.Join("left", ls, rs, eq(lc["k"], px.ColumnRef(rs.out[1].cid, "k", INTEGER, True)))
    plan = project(join, [px.Arith("+", strict_ref, lit(1), INTEGER)])
    assert sorted(run(plan, db), key=repr) == [(2,), (None,)]


def test_split_conjuncts_flattens_nested_ands() -> None:
    a, b, c = (px.Literal_(v, INTEGER) for v in (1, 2, 3))
    parts = split_conjuncts(px.And((a, px.And((b, c)))))
    assert [p.value for p in parts if isinstance(p, px.Literal_)] == [1, 2, 3]


def test_format_expr_covers_the_expression_kinds() -> None:
    _, c = scan("l")
    k, s = c["k"], c["s"]
    cases = {
        px.Between(k, lit(1), lit(2), negated=True): "(k NOT BETWEEN 1 AND 2)",
        px.InList(k, (lit(1), lit(None))): "(k IN (1, NULL))",
        px.Like(s, px.Literal_("a'%", TEXT)): "(s LIKE 'a''%')",
        px.Case(((px.IsNull(k), lit(0)),), k, INTEGER): "CASE WHEN (k IS NULL) THEN 0 ELSE k END",
        px.Cast(k, TEXT): "CAST(k AS TEXT)",
        px.Not(px.Or((px.Compare("=", k, lit(1)), lit(True)))): "NOT ((k = 1) OR TRUE)",
        px.Negate(px.Param(0, INTEGER)): "-?1",
        px.AggCall("count_star", (), INTEGER): "count(*)",
        px.AggCall("sum", (k,), INTEGER, True): "sum(DISTINCT k)",
        px.FunctionCall("abs", (k,), INTEGER): "abs(k)",
        px.Literal_(b"\x01", TEXT): "X'01'",
        px.Literal_(1.5, INTEGER): "1.5",
    }
    for expr, text in cases.items():
        assert format_expr(expr) == text


def test_run_rows_plans_logical_plans_and_installs_the_runner() -> None:
    db = new_db()
    fill(db, "l", [(1, 1, 1, None)])
    ls, lc = scan("l", ("id",))
    sub = pn.Aggregate(ls, (), (px.AggCall("count_star", (), INTEGER),), out_fields([lc["id"]]))
    values = pn.Values(((px.ScalarSubquery(sub, INTEGER),),), (px.Field(9400, "n", INTEGER, True),))
    ctx = ExecContext(db._store)
    assert ctx.subquery_runner is None
    assert run_rows(values, ctx) == [(1,)]
    assert ctx.subquery_runner is not None
    # the subquery's physical plan is cached for the rest of the execution
    assert any(isinstance(k, tuple) and k[1] == id(sub) for k in ctx.cache)


def test_pull_is_a_plain_passthrough_without_analyze() -> None:
    db = new_db()
    op = physical(scan("l")[0], db)
    ctx = ExecContext(db._store)
    assert list(pull(op, ctx)) == []
    assert ctx.rows_out == {}


def test_widen_nullability_keeps_plans_without_changes() -> None:
    from pyram.engine.physical_planner import widen_nullability

    ls, lc = scan("l", ("id",))
    plan = pn.Filter(ls, px.Compare(">", lc["id"], lit(1)))
    assert widen_nullability(plan) is plan


def test_every_operator_describes_itself() -> None:
    db = new_db()
    fill(db, "l", [(i, i, i, "s") for i in range(3)])
    fill(db, "r", [(i, i, i, "s") for i in range(50)])
    ls, lc = scan("l", rid=True)
    rs, rc = scan("r")
    agg = pn.Aggregate(
        ls,
        (lc["k"],),
        (px.AggCall("count", (lc["v"],), INTEGER, True),),
        out_fields([lc["k"], lc["v"]]),
    )
    sorted_ = pn.Limit(pn.Sort(agg, (px.SortKey(lc["k"], nulls_first=False),)), None, lit(1))
    union = pn.SetOp("union", True, pn.Distinct(sorted_), sorted_, sorted_.fields)
    nested = pn.Join("cross", ls, rs)
    indexed = pn.Join("left", ls, rs, eq(lc["k"], rc["k"]))
    values = pn.Values(((lit(1),),), (px.Field(9500, "x", INTEGER, False),))
    plans = [
        union,
        nested,
        indexed,
        pn.Insert("l", ("id",), values),
        pn.Update("l", ls, (("v", lit(0)),), lc["rid"].cid),
        pn.Delete("l", ls, lc["rid"].cid),
    ]
    text = "\n".join(explain(physical(p, db)) for p in plans)
    for expected in (
        "Union ALL",
        "Distinct",
        "Limit OFFSET 1",
        "Sort k NULLS LAST",
        "HashAggregate GROUP BY k: count(DISTINCT v)",
        "NestedLoopJoin CROSS",
        "IndexNestedLoopJoin LEFT r USING r_k_idx (k)",
        "InsertOp l (id)",
        "Values 1 row",
        "UpdateOp l SET v = 0",
        "DeleteOp l",
    ):
        assert expected in text, expected
