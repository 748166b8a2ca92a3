"""choose_index_scan: filters and ORDER BY ... LIMIT answered through indexes, when they fit."""

from __future__ import annotations

from optimizer_plans import Plans, and_, cmp, context, eq, lit, or_, param, show

from pyram.optimizer.rules import choose_index_scan
from pyram.plan.expr import Arith, Between, Exists, InList, Literal_, PlanExpr, SortKey
from pyram.plan.nodes import Filter, IndexScan, Limit, Plan, Scan, Sort
from pyram.types import INTEGER, TEXT


def choose(plan: Plan, **stats: object) -> str:
    result = choose_index_scan.apply(plan, context(**stats))  # type: ignore[arg-type]
    assert result.fields == plan.fields
    return show(result)


def filtered(p: Plans, table: str, build: object) -> Filter:
    s = p.scan(table)
    return Filter(s, build(s))  # type: ignore[operator]


def test_primary_key_equality_with_residual_filter() -> None:
    p = Plans()
    plan = filtered(
        p, "user", lambda s: and_(eq(p.col(s, "id"), 5), eq(p.col(s, "name"), lit("x")))
    )
    assert (
        choose(plan)
        == """
Filter (name = 'x')
  IndexScan user.user_pkey eq (5) [id, name, age, email, score]
"""
    )


def test_parameters_and_constant_expressions_are_keys() -> None:
    p = Plans()
    plan = filtered(p, "user", lambda s: eq(param("uid"), p.col(s, "id")))
    assert (
        choose(plan)
        == """
IndexScan user.user_pkey eq (:uid) [id, name, age, email, score]
"""
    )
    plan = filtered(p, "user", lambda s: eq(p.col(s, "id"), Arith("+", lit(2), param(0), INTEGER)))
    assert (
        choose(plan)
        == """
IndexScan user.user_pkey eq ((2 + ?1)) [id, name, age, email, score]
"""
    )


def test_in_list_gives_distinct_probe_keys() -> None:
    p = Plans()
    items = (lit(3), lit(1), lit(3), Literal_(None, INTEGER))
    plan = filtered(p, "user", lambda s: InList(p.col(s, "id"), items))
    assert (
        choose(plan)
        == """
IndexScan user.user_pkey eq (3), (1) [id, name, age, email, score]
"""
    )


def test_in_list_with_parameters_probes_each_one() -> None:
    p = Plans()
    items = (param(0), lit(4), param(1), lit(4))
    plan = filtered(p, "user", lambda s: InList(p.col(s, "id"), items))
    assert (
        choose(plan)
        == """
IndexScan user.user_pkey eq (4), (?1), (?2) [id, name, age, email, score]
"""
    )


def test_negations_disjunctions_and_column_comparisons_are_not_used() -> None:
    p = Plans()
    for build in (
        lambda s: InList(p.col(s, "id"), (lit(1), lit(2)), negated=True),
        lambda s: cmp("!=", p.col(s, "id"), 1),
        lambda s: or_(eq(p.col(s, "id"), 1), eq(p.col(s, "id"), 2)),
        lambda s: Between(p.col(s, "age"), lit(1), lit(2), negated=True),
        lambda s: eq(p.col(s, "id"), p.col(s, "age")),
        lambda s: eq(p.col(s, "id"), Arith("+", p.col(s, "age"), lit(1), INTEGER)),
    ):
        plan = filtered(p, "user", build)
        assert choose_index_scan.apply(plan, context()) is plan


def test_ranges_on_a_sorted_index() -> None:
    p = Plans()
    plan = filtered(
        p,
        "user",
        lambda s: and_(cmp(">", p.col(s, "age"), 30), cmp(">=", lit(60), p.col(s, "age"))),
    )
    assert (
        choose(plan)
        == """
IndexScan user.user_age_idx range (30; 60] [id, name, age, email, score]
"""
    )
    plan = filtered(p, "user", lambda s: Between(p.col(s, "age"), lit(1), lit(9)))
    assert (
        choose(plan)
        == """
IndexScan user.user_age_idx range [1; 9] [id, name, age, email, score]
"""
    )
    # REAL column, INTEGER value: one numeric family
    plan = filtered(p, "user", lambda s: cmp("<", p.col(s, "score"), 3))
    assert (
        choose(plan)
        == """
IndexScan user.user_score_idx range (-inf; 3) [id, name, age, email, score]
"""
    )


def test_hash_index_does_not_serve_ranges() -> None:
    p = Plans()
    plan = filtered(p, "orders", lambda s: cmp(">", p.col(s, "user_id"), 3))
    assert choose_index_scan.apply(plan, context()) is plan


def test_type_family_mismatch_does_not_fire() -> None:
    p = Plans()
    plan = filtered(p, "user", lambda s: eq(p.col(s, "id"), Literal_("5", TEXT)))
    assert choose_index_scan.apply(plan, context()) is plan
    plan = filtered(p, "user", lambda s: eq(p.col(s, "id"), Literal_(None, INTEGER)))
    assert choose_index_scan.apply(plan, context()) is plan


def test_composite_sorted_index_full_key_and_prefix() -> None:
    p = Plans()
    plan = filtered(
        p, "event", lambda s: and_(eq(p.col(s, "day"), 7), eq(p.col(s, "kind"), lit("a")))
    )
    assert (
        choose(plan)
        == """
IndexScan event.event_kind_day eq ('a', 7) [kind, day, note]
"""
    )
    plan = filtered(
        p, "event", lambda s: and_(eq(p.col(s, "kind"), lit("a")), cmp(">", p.col(s, "day"), 7))
    )
    assert (
        choose(plan)
        == """
Filter (day > 7)
  IndexScan event.event_kind_day range ['a'; 'a'] [kind, day, note]
"""
    )
    plan = filtered(p, "event", lambda s: eq(p.col(s, "day"), 7))  # not a leading column
    assert choose_index_scan.apply(plan, context()) is plan


def test_most_selective_index_wins() -> None:
    p = Plans()
    both = filtered(p, "user", lambda s: and_(eq(p.col(s, "age"), 3), eq(p.col(s, "id"), 5)))
    assert "user.user_pkey eq (5)" in choose(both)
    email = filtered(
        p, "user", lambda s: and_(eq(p.col(s, "age"), 3), eq(p.col(s, "email"), lit("a@b")))
    )
    assert "user.user_email_key eq ('a@b')" in choose(email)
    # age has 1000 distinct keys over 1000 rows (1 row per probe) vs a one-sided range
    ranged = filtered(
        p, "user", lambda s: and_(cmp(">", p.col(s, "score"), 1.0), eq(p.col(s, "age"), 3))
    )
    assert "user.user_age_idx eq (3)" in choose(ranged, distinct={("user", "user_age_idx"): 1000})
    assert "user.user_age_idx eq (3)" in choose(ranged)  # 100 rows vs 333
    few_ages = {("user", "user_age_idx"): 2}  # 500 rows per age: the score range (333) wins
    assert "user.user_score_idx range (1.0; +inf)" in choose(ranged, distinct=few_ages)


def test_correlated_subquery_probes_with_the_outer_value() -> None:
    p = Plans()
    u = p.scan("user", "u")
    o = p.scan("orders", "o")
    correlated = Filter(
        o, and_(eq(p.col(o, "user_id"), p.col(u, "id")), cmp(">", p.col(o, "total"), 1.0))
    )
    plan = Filter(u, Exists(correlated))
    assert (
        choose(plan)
        == """
Filter EXISTS $sq1
  $sq1:
    Filter (total > 1.0)
      IndexScan orders.orders_user_id_idx AS o eq (id) [id, user_id, total, item_id]
  Scan user AS u [id, name, age, email, score]
"""
    )
    # at the top level the same comparison reads a column of the query itself: no index
    j = Filter(u, eq(p.col(u, "id"), p.col(u, "age")))
    assert choose_index_scan.apply(j, context()) is j


def test_rid_scans_keep_their_row_ids() -> None:
    p = Plans()
    t = p.scan("user", rid=True)
    result = choose_index_scan.apply(Filter(t, eq(p.col(t, "id"), 1)), context())
    assert isinstance(result, IndexScan)
    assert result.rid_cid == t.rid_cid
    assert result.fields == t.fields


def top(p: Plans, s: Scan, key: SortKey, where: PlanExpr | None = None, n: int = 10) -> Limit:
    below: Plan = s if where is None else Filter(s, where)
    return Limit(Sort(below, (key,)), lit(n))


def test_order_by_limit_reads_the_index_in_order() -> None:
    p = Plans()
    s = p.scan("user")
    age = p.col(s, "age")
    assert (
        choose(top(p, s, SortKey(age, descending=True), eq(p.col(s, "name"), lit("x"))))
        == """
Limit 10
  Filter (name = 'x')
    IndexScan user.user_age_idx ordered desc [id, name, age, email, score]
"""
    )
    assert (
        choose(top(p, s, SortKey(age), cmp(">", age, 20)))
        == """
Limit 10
  IndexScan user.user_age_idx range (20; +inf) [id, name, age, email, score]
"""
    )


def test_order_by_limit_through_projects() -> None:
    p = Plans()
    s = p.scan("user")
    inner = p.select(Filter(s, eq(p.col(s, "name"), lit("x"))), ["age", "name"])
    sort = Sort(inner, (SortKey(p.col(inner, "age"), descending=True),))
    plan = Limit(p.project(sort, [(p.col(sort, "name"), "n")]), lit(2))
    assert (
        choose(plan)
        == """
Limit 2
  Project name AS n
    Project age, name
      Filter (name = 'x')
        IndexScan user.user_age_idx ordered desc [id, name, age, email, score]
"""
    )
    computed = p.project(s, [(Arith("+", p.col(s, "age"), lit(1), INTEGER), "a1")])
    by_computed = Limit(Sort(computed, (SortKey(p.col(computed, "a1")),)), lit(2))
    assert choose_index_scan.apply(by_computed, context()) is by_computed


def test_order_by_limit_null_placement() -> None:
    p = Plans()
    s = p.scan("user")
    score = p.col(s, "score")  # nullable
    assert "ordered" in choose(top(p, s, SortKey(score)))
    assert "ordered desc" in choose(top(p, s, SortKey(score, descending=True)))
    for key in (SortKey(score, nulls_first=False), SortKey(score, True, nulls_first=True)):
        plan = top(p, s, key)
        assert choose_index_scan.apply(plan, context()) is plan
    # a range bound excludes NULLs, so the placement no longer matters
    bounded = top(p, s, SortKey(score, nulls_first=False), cmp(">", score, 1.0))
    assert "range (1.0; +inf)" in choose(bounded)
    # NOT NULL column: any placement is fine
    age = p.col(s, "age")
    assert "ordered" in choose(top(p, s, SortKey(age, nulls_first=False)))


def test_order_by_limit_does_not_fire() -> None:
    p = Plans()
    s = p.scan("user")
    two_keys = Limit(Sort(s, (SortKey(p.col(s, "age")), SortKey(p.col(s, "id")))), lit(1))
    no_index = top(p, s, SortKey(p.col(s, "name")))
    no_limit = Limit(Sort(s, (SortKey(p.col(s, "age")),)), None, lit(3))
    for plan in (two_keys, no_index, no_limit):
        assert choose_index_scan.apply(plan, context()) is plan
    # the primary key is a sorted index too: ORDER BY id LIMIT reads it in order
    by_id = choose_index_scan.apply(top(p, s, SortKey(p.col(s, "id"))), context())
    assert isinstance(by_id, Limit) and isinstance(by_id.input, IndexScan)
    assert by_id.input.index == "user_pkey"
    # another index answers the filter: use it and keep the Sort
    assert (
        choose(top(p, s, SortKey(p.col(s, "age")), eq(p.col(s, "id"), 3)))
        == """
Limit 10
  Sort age
    IndexScan user.user_pkey eq (3) [id, name, age, email, score]
"""
    )
