"""prune_columns: scans and inner projections shrink to what is read above them."""

from __future__ import annotations

from optimizer_plans import COUNT_STAR, Plans, cmp, context, eq, join, lit, show

from pyram.optimizer.rules import prune_columns
from pyram.plan.expr import AggCall, Arith, Exists, ScalarSubquery, SortKey
from pyram.plan.nodes import Delete, Distinct, Filter, Plan, Project, Sort, Update, Values
from pyram.types import INTEGER, REAL


def prune(plan: Plan) -> str:
    result = prune_columns.apply(plan, context())
    assert result.fields == plan.fields
    return show(result)


def test_scan_keeps_projected_and_filtered_columns() -> None:
    p = Plans()
    s = p.scan("user")
    plan = p.select(Filter(s, cmp(">", p.col(s, "age"), 30)), ["name"])
    assert (
        prune(plan)
        == """
Project name
  Filter (age > 30)
    Scan user [name, age]
"""
    )


def test_root_fields_are_never_pruned() -> None:
    p = Plans()
    s = p.scan("user")
    plan = Sort(Filter(s, cmp(">", p.col(s, "age"), 30)), (SortKey(p.col(s, "name")),))
    result = prune_columns.apply(plan, context())
    assert result is plan


def test_count_star_keeps_one_column() -> None:
    p = Plans()
    s = p.scan("user")
    assert (
        prune(p.aggregate(s, [], [(COUNT_STAR, "n")]))
        == """
Aggregate [] [count(*) AS n]
  Scan user [id]
"""
    )


def test_inner_project_outputs_and_unused_aggregates_are_dropped() -> None:
    p = Plans()
    s = p.scan("orders")
    inner = p.project(
        s,
        [
            (p.col(s, "user_id"), "uid"),
            (Arith("*", p.col(s, "total"), lit(2.0), REAL), "double"),
            (p.col(s, "item_id"), "item"),
        ],
    )
    total = AggCall("sum", (p.col(inner, "double"),), REAL)
    agg = p.aggregate(
        inner,
        [p.col(inner, "uid")],
        [(total, "total"), (AggCall("max", (p.col(inner, "item"),), INTEGER), "top")],
    )
    plan = p.select(agg, ["uid", "total"])
    assert (
        prune(plan)
        == """
Project uid, total
  Aggregate [uid] [sum(double) AS total]
    Project user_id AS uid, (total * 2.0) AS double
      Scan orders [user_id, total]
"""
    )


def test_joins_keep_condition_columns_and_row_ids() -> None:
    p = Plans()
    u, o = p.scan("user", "u", rid=True), p.scan("orders", "o")
    j = join("inner", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    plan = p.select(j, ["u.name", "o.total"])
    assert (
        prune(plan)
        == """
Project name, total
  Join inner ON (user_id = id)
    Scan user AS u [id, name, rid]
    Scan orders AS o [user_id, total]
"""
    )


def test_distinct_and_dml_inputs_are_not_narrowed() -> None:
    p = Plans()
    s = p.scan("user")
    inner = p.select(s, ["name", "age"])
    plan = p.select(Distinct(inner), ["name"])
    assert (
        prune(plan)
        == """
Project name
  Distinct
    Project name, age
      Scan user [name, age]
"""
    )
    t = p.scan("user", rid=True)
    assert t.rid_cid is not None
    delete = Delete("user", Filter(t, eq(p.col(t, "age"), 3)), t.rid_cid)
    assert prune_columns.apply(delete, context()) is delete
    update = Update("user", t, (("age", lit(1)),), t.rid_cid)
    assert prune_columns.apply(update, context()) is update


def test_correlated_subquery_keeps_the_outer_columns_it_reads() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    sub = Filter(o, eq(p.col(o, "user_id"), p.col(u, "id")))
    plan = p.select(Filter(u, Exists(sub)), ["name"])
    assert (
        prune(plan)
        == """
Project name
  Filter EXISTS $sq1
    $sq1:
      Filter (user_id = id)
        Scan orders AS o [user_id]
    Scan user AS u [id, name]
"""
    )


def test_scalar_subquery_keeps_its_one_column() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    sub = p.select(Filter(o, eq(p.col(o, "user_id"), p.col(u, "id"))), ["total"])
    plan = p.project(u, [(ScalarSubquery(sub, REAL), "t")])
    assert (
        prune(plan)
        == """
Project $sq1 AS t
  $sq1:
    Project total
      Filter (user_id = id)
        Scan orders AS o [user_id, total]
  Scan user AS u [id]
"""
    )


def test_values_columns_are_pruned_below_a_project() -> None:
    p = Plans()
    out = p.builder.fields_for([lit(1), lit("a")], ["a", "b"])
    values = Values(((lit(1), lit("a")), (lit(2), lit("b"))), out)
    plan = p.select(values, ["b"])
    assert (
        prune(plan)
        == """
Project b
  Values [b] ('a'), ('b')
"""
    )
    assert isinstance(prune_columns.apply(plan, context()), Project)
