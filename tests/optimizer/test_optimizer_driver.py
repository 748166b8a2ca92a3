"""optimize(): rule order, disable-by-name, tracing, and the invariants every rule keeps."""

from __future__ import annotations

import copy

import pytest
from optimizer_plans import (
    COUNT_STAR,
    SCHEMAS,
    TRUE,
    Plans,
    and_,
    cmp,
    context,
    eq,
    join,
    lit,
    param,
    show,
)

from pyram.catalog import TableSchema
from pyram.errors import InternalError
from pyram.optimizer import DEFAULT_RULES, RuleContext, optimize, rule_names
from pyram.optimizer.rules import eliminate_limit, merge_projections
from pyram.plan.expr import Arith, Exists, InList, ScalarSubquery, SortKey
from pyram.plan.nodes import (
    Delete,
    Distinct,
    Filter,
    Limit,
    Plan,
    Project,
    SetOp,
    Sort,
    Update,
    Values,
)
from pyram.types import INTEGER, REAL


def corpus() -> list[Plan]:
    """Plans covering every node type and the shapes the rules rewrite."""
    p = Plans()
    plans: list[Plan] = []
    u, o, i = p.scan("user", "u"), p.scan("orders", "o"), p.scan("item", "i")
    cross = join("cross", join("cross", o, u), i)
    where = and_(
        eq(p.col(o, "user_id"), p.col(u, "id")),
        eq(p.col(o, "item_id"), p.col(i, "id")),
        cmp(">", p.col(u, "age"), Arith("+", lit(20), lit(10), INTEGER)),
        TRUE,
    )
    plans.append(p.select(Filter(cross, where), ["u.name", "o.total", "i.label"]))
    s = p.scan("user")
    plans.append(
        Limit(Sort(Filter(s, eq(p.col(s, "name"), lit("x"))), (SortKey(p.col(s, "age")),)), lit(3))
    )
    agg = p.aggregate(s, [p.col(s, "age")], [(COUNT_STAR, "n")])
    plans.append(Filter(agg, and_(cmp(">", p.col(agg, "age"), 3), cmp(">", p.col(agg, "n"), 1))))
    corr = Filter(o, eq(p.col(o, "user_id"), p.col(u, "id")))
    plans.append(p.select(Filter(u, Exists(corr)), ["name"]))
    sub = p.select(Filter(o, eq(p.col(o, "user_id"), p.col(u, "id"))), ["total"])
    plans.append(p.project(u, [(ScalarSubquery(sub, REAL), "t"), (p.col(u, "name"), "n")]))
    left = join("left", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    plans.append(Filter(left, cmp(">", p.col(left, "o.total"), 1.0)))
    a, b = p.select(p.scan("user"), ["age"]), p.select(p.scan("user"), ["age"])
    union = SetOp("union", True, a, b, p.builder.fields_for([p.col(a, "age")], ["age"]))
    plans.append(Distinct(Filter(union, cmp(">", p.col(union, "age"), 1))))
    plans.append(Limit(p.scan("item"), lit(0)))
    items = p.scan("item")
    plans.append(Filter(items, InList(p.col(items, "id"), (lit(1), lit(2)))))
    t = p.scan("user", rid=True)
    assert t.rid_cid is not None
    plans.append(Delete("user", Filter(t, eq(p.col(t, "id"), param(0))), t.rid_cid))
    plans.append(Update("user", Filter(t, eq(p.col(t, "age"), 1)), (("age", lit(2)),), t.rid_cid))
    values = Values(((lit(1), lit("a")),), p.builder.fields_for([lit(1), lit("a")], ["x", "y"]))
    plans.append(p.select(values, ["y"]))
    return plans


CORPUS = corpus()


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=rule_names())
@pytest.mark.parametrize("plan", CORPUS, ids=[str(n) for n in range(len(CORPUS))])
def test_every_rule_keeps_fields_is_pure_and_deterministic(rule: object, plan: Plan) -> None:
    ctx = context()
    snapshot = copy.deepcopy(plan)
    first = rule.apply(plan, ctx)  # type: ignore[attr-defined]
    assert first.fields == plan.fields
    assert plan == snapshot  # the input is untouched
    assert rule.apply(plan, ctx) == first  # type: ignore[attr-defined]


@pytest.mark.parametrize("plan", CORPUS, ids=[str(n) for n in range(len(CORPUS))])
def test_whole_pipeline_keeps_fields(plan: Plan) -> None:
    assert optimize(plan, context()).fields == plan.fields


def test_rule_names_in_order() -> None:
    assert rule_names() == (
        "fold_constants",
        "eliminate_limit",
        "pushdown_filters",
        "reorder_joins",
        "choose_index_scan",
        "merge_projections",
        "prune_columns",
    )


def test_full_pipeline_on_a_join() -> None:
    plan = CORPUS[0]
    assert (
        show(optimize(plan, context(rows={"user": 1000, "orders": 10000, "item": 10})))
        == """
Project name, total, label
  Join inner ON (user_id = id)
    Join inner ON (item_id = id)
      Scan item AS i [id, label]
      Scan orders AS o [user_id, total, item_id]
    IndexScan user.user_age_idx AS u range (30; +inf) [id, name]
"""
    )


def test_disable_by_name_and_trace() -> None:
    seen: list[str] = []
    plan = CORPUS[1]
    ctx = context(disabled=["choose_index_scan", "prune_columns"])
    result = optimize(plan, ctx, trace=lambda name, _: seen.append(name))
    assert seen == [
        "fold_constants",
        "eliminate_limit",
        "pushdown_filters",
        "reorder_joins",
        "merge_projections",
    ]
    assert show(result) == show(plan)
    everything = RuleContext(ctx.catalog, ctx.stats, frozenset(rule_names()))
    assert optimize(plan, everything) is plan


def test_a_rule_changing_the_fields_fails_the_query() -> None:
    class Broken:
        name = "broken"

        @staticmethod
        def apply(plan: Plan, ctx: RuleContext) -> Plan:
            return Project(plan, (), ())

    with pytest.raises(InternalError, match="broken"):
        optimize(CORPUS[1], context(), rules=(Broken(),))


def test_catalog_lookup_by_function_and_case() -> None:
    ctx = context()
    assert ctx.table("USER") is not None
    assert ctx.table("nope") is None
    by_function = RuleContext(_lookup, ctx.stats)
    assert by_function.table("orders") is not None
    assert by_function.table("nope") is None


def _lookup(name: str) -> TableSchema:
    return SCHEMAS[name]  # KeyError for unknown tables


def test_eliminate_limit() -> None:
    p = Plans()
    s = p.scan("item")
    assert (
        show(eliminate_limit.apply(Limit(s, lit(0), lit(5)), context()))
        == """
Values [id, label]
"""
    )
    assert eliminate_limit.apply(Limit(s, None, lit(0)), context()) is s
    for kept in (Limit(s, param(0)), Limit(s, lit(-1)), Limit(s, None, lit(2))):
        assert eliminate_limit.apply(kept, context()) is kept


def test_merge_projections() -> None:
    p = Plans()
    s = p.scan("user")
    inner = p.select(s, ["name", "age"])
    outer = p.project(inner, [(p.col(inner, "name"), "n")])
    assert (
        show(merge_projections.apply(outer, context()))
        == """
Project name AS n
  Scan user [id, name, age, email, score]
"""
    )
    computed = p.project(s, [(Arith("+", p.col(s, "age"), lit(1), INTEGER), "a1")])
    over_computed = p.project(computed, [(p.col(computed, "a1"), "b")])
    assert merge_projections.apply(over_computed, context()) is over_computed
    identity = Project(s, tuple(p.col(s, f.name) for f in s.fields), s.fields)
    assert merge_projections.apply(identity, context()) is s
