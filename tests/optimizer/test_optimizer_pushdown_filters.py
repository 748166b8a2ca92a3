"""pushdown_filters: conjuncts move down to the rows they test, never across barriers."""

from __future__ import annotations

from optimizer_plans import COUNT_STAR, Plans, and_, cmp, context, eq, join, lit, or_, show

from pyram.optimizer.rules import pushdown_filters
from pyram.plan.expr import Arith, Exists, FunctionCall, InList, InSubquery, IsNull, SortKey
from pyram.plan.nodes import Distinct, Filter, JoinKind, Limit, Plan, SetOp, Sort
from pyram.types import INTEGER, REAL, TEXT


def push(plan: Plan) -> str:
    return show(pushdown_filters.apply(plan, context()))


def test_where_on_cross_join_splits_into_sides_and_join_condition() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    j = join("cross", u, o)
    plan = Filter(
        j,
        and_(
            cmp(">", p.col(j, "u.age"), 30),
            eq(p.col(j, "o.user_id"), p.col(j, "u.id")),
            cmp("<", p.col(j, "o.total"), 9.5),
            lit(True),
        ),
    )
    assert (
        push(plan)
        == """
Join inner ON (user_id = id)
  Filter ((age > 30) AND TRUE)
    Scan user AS u [id, name, age, email, score]
  Filter (total < 9.5)
    Scan orders AS o [id, user_id, total, item_id]
"""
    )


def test_one_sided_parts_of_an_inner_join_condition_move_down() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    on = and_(eq(p.col(o, "user_id"), p.col(u, "id")), cmp(">", p.col(u, "age"), 1))
    assert (
        push(join("inner", u, o, on))
        == """
Join inner ON (user_id = id)
  Filter (age > 1)
    Scan user AS u [id, name, age, email, score]
  Scan orders AS o [id, user_id, total, item_id]
"""
    )


def test_left_join_only_preserved_side_receives_where_conjuncts() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    j = join("left", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    plan = Filter(
        j,
        and_(
            cmp(">", p.col(j, "u.age"), 30),
            IsNull(p.col(j, "o.total")),  # TRUE on padded rows: must stay above
        ),
    )
    assert (
        push(plan)
        == """
Filter (total IS NULL)
  Join left ON (user_id = id)
    Filter (age > 30)
      Scan user AS u [id, name, age, email, score]
    Scan orders AS o [id, user_id, total, item_id]
"""
    )


def test_null_rejecting_where_turns_outer_joins_inner() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    j = join("left", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    total = p.col(j, "o.total")
    plan = Filter(j, cmp(">", Arith("+", total, lit(1.0), REAL), 5.0))
    result = pushdown_filters.apply(plan, context())
    assert result.fields == plan.fields  # a Project keeps the declared nullability
    assert (
        show(result)
        == """
Project id, name, age, email, score, id, user_id, total, item_id
  Join inner ON (user_id = id)
    Scan user AS u [id, name, age, email, score]
    Filter ((total + 1.0) > 5.0)
      Scan orders AS o [id, user_id, total, item_id]
"""
    )
    full = join("full", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    kinds = {
        # rejecting NULL users drops the unmatched orders: what remains is a left join
        "left": cmp(">", p.col(full, "u.age"), 3),
        "right": InList(p.col(full, "o.total"), (lit(1.0),)),
        "inner": and_(eq(p.col(full, "u.age"), 3), eq(p.col(full, "o.total"), 1.0)),
        "full": or_(eq(p.col(full, "u.age"), 3), eq(p.col(full, "o.total"), 1.0)),
    }
    for kind, where in kinds.items():
        text = push(Filter(full, where))
        assert f"Join {kind} ON" in text, text
    coalesced = FunctionCall("coalesce", (p.col(full, "o.total"), lit(0.0)), REAL)
    assert "Join full" in push(Filter(full, cmp(">", coalesced, 1.0)))
    upper = FunctionCall("upper", (p.col(full, "u.name"),), TEXT)
    assert "Join left" in push(Filter(full, eq(upper, lit("A"))))


def test_left_join_on_conjuncts_filter_only_the_null_supplying_side() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    on = and_(
        eq(p.col(o, "user_id"), p.col(u, "id")),
        cmp(">", p.col(o, "total"), 5.0),
        cmp(">", p.col(u, "age"), 30),  # on the preserved side: filtering it would lose rows
    )
    assert (
        push(join("left", u, o, on))
        == """
Join left ON ((user_id = id) AND (age > 30))
  Scan user AS u [id, name, age, email, score]
  Filter (total > 5.0)
    Scan orders AS o [id, user_id, total, item_id]
"""
    )
    only_right = join("left", u, o, cmp(">", p.col(o, "total"), 5.0))
    assert (
        push(only_right)
        == """
Join left ON TRUE
  Scan user AS u [id, name, age, email, score]
  Filter (total > 5.0)
    Scan orders AS o [id, user_id, total, item_id]
"""
    )


def test_right_join_mirrors_left_join() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    j = join("right", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    plan = Filter(j, and_(IsNull(p.col(j, "u.age")), cmp(">", p.col(j, "o.total"), 5.0)))
    assert (
        push(plan)
        == """
Filter (age IS NULL)
  Join right ON (user_id = id)
    Scan user AS u [id, name, age, email, score]
    Filter (total > 5.0)
      Scan orders AS o [id, user_id, total, item_id]
"""
    )


def test_full_join_is_a_barrier() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    j = join(
        "full",
        u,
        o,
        and_(eq(p.col(o, "user_id"), p.col(u, "id")), cmp(">", p.col(o, "total"), 1.0)),
    )
    plan = Filter(j, or_(IsNull(p.col(j, "u.age")), cmp(">", p.col(j, "u.age"), 30)))
    assert (
        push(plan)
        == """
Filter ((age IS NULL) OR (age > 30))
  Join full ON ((user_id = id) AND (total > 1.0))
    Scan user AS u [id, name, age, email, score]
    Scan orders AS o [id, user_id, total, item_id]
"""
    )


def test_semi_and_anti_joins() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    on = and_(
        eq(p.col(o, "user_id"), p.col(u, "id")),
        cmp(">", p.col(o, "total"), 5.0),
        cmp(">", p.col(u, "age"), 3),
    )
    kinds: tuple[JoinKind, ...] = ("semi", "anti")
    for kind in kinds:
        j = join(kind, u, o, on)
        plan = Filter(j, eq(p.col(j, "name"), lit("ann")))
        assert (
            push(plan)
            == f"""
Join {kind} ON ((user_id = id) AND (age > 3))
  Filter (name = 'ann')
    Scan user AS u [id, name, age, email, score]
  Filter (total > 5.0)
    Scan orders AS o [id, user_id, total, item_id]
"""
        )


def test_limit_is_a_barrier_but_sort_and_distinct_are_not() -> None:
    p = Plans()
    s = p.scan("user")
    age = p.col(s, "age")
    plan = Filter(
        Limit(Filter(Sort(Distinct(s), (SortKey(age),)), eq(age, 1)), lit(5)), cmp(">", age, 0)
    )
    assert (
        push(plan)
        == """
Filter (age > 0)
  Limit 5
    Sort age
      Distinct
        Filter (age = 1)
          Scan user [id, name, age, email, score]
"""
    )


def test_through_project_with_substitution() -> None:
    p = Plans()
    s = p.scan("user")
    proj = p.project(
        s, [(p.col(s, "name"), "n"), (Arith("+", p.col(s, "age"), lit(1), INTEGER), "next_age")]
    )
    plan = Filter(
        proj, and_(eq(p.col(proj, "n"), lit("ann")), cmp(">", p.col(proj, "next_age"), 30))
    )
    assert (
        push(plan)
        == """
Project name AS n, (age + 1) AS next_age
  Filter ((name = 'ann') AND ((age + 1) > 30))
    Scan user [id, name, age, email, score]
"""
    )


def test_not_through_project_computing_random_or_subquery() -> None:
    p = Plans()
    s = p.scan("user")
    proj = p.project(s, [(FunctionCall("random", (), INTEGER), "r")])
    plan = Filter(proj, cmp(">", p.col(proj, "r"), 0))
    assert (
        push(plan)
        == """
Filter (r > 0)
  Project random() AS r
    Scan user [id, name, age, email, score]
"""
    )


def test_aggregate_only_plain_group_columns_move_below() -> None:
    p = Plans()
    s = p.scan("user")
    agg = p.aggregate(s, [p.col(s, "age")], [(COUNT_STAR, "n")])
    plan = Filter(agg, and_(cmp(">", p.col(agg, "age"), 18), cmp(">", p.col(agg, "n"), 2)))
    assert (
        push(plan)
        == """
Filter (n > 2)
  Aggregate [age] [count(*) AS n]
    Filter (age > 18)
      Scan user [id, name, age, email, score]
"""
    )
    scalar = p.aggregate(s, [], [(COUNT_STAR, "n")])
    constant = Filter(scalar, lit(False))  # an aggregate without groups still gives a row
    assert (
        push(constant)
        == """
Filter FALSE
  Aggregate [] [count(*) AS n]
    Scan user [id, name, age, email, score]
"""
    )


def test_set_operations_receive_the_filter_on_both_sides() -> None:
    p = Plans()
    a, b = p.scan("user"), p.scan("user")
    left, right = p.select(a, ["age"]), p.select(b, ["age"])
    out = p.builder.fields_for([p.col(left, "age")], ["age"])
    union = SetOp("union", False, left, right, out)
    plan = Filter(union, cmp(">", p.col(union, "age"), 3))
    assert (
        push(plan)
        == """
SetOp union
  Project age
    Filter (age > 3)
      Scan user [id, name, age, email, score]
  Project age
    Filter (age > 3)
      Scan user [id, name, age, email, score]
"""
    )


def test_correlated_and_nondeterministic_conjuncts_stay_in_place() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", "o")
    sub = Filter(o, eq(p.col(o, "user_id"), p.col(u, "id")))
    j = join("cross", u, p.scan("item", "i"))
    plan = Filter(
        j,
        and_(
            Exists(sub),
            cmp(">", FunctionCall("random", (), INTEGER), 0),
            cmp(">", p.col(j, "u.age"), 30),
        ),
    )
    assert (
        push(plan)
        == """
Filter (EXISTS $sq1 AND (random() > 0))
  $sq1:
    Filter (user_id = id)
      Scan orders AS o [id, user_id, total, item_id]
  Join cross
    Filter (age > 30)
      Scan user AS u [id, name, age, email, score]
    Scan item AS i [id, label]
"""
    )


def test_uncorrelated_subquery_conjunct_moves_and_subqueries_are_optimized() -> None:
    p = Plans()
    u, i = p.scan("user", "u"), p.scan("item", "i")
    items = p.scan("orders")
    inner = Filter(join("cross", items, p.scan("item")), eq(p.col(items, "item_id"), lit(3)))
    sub = p.select(inner, ["user_id"])
    j = join("cross", u, i)
    plan = Filter(j, or_(InSubquery(p.col(j, "u.id"), sub), eq(p.col(j, "u.age"), 1)))
    assert (
        push(plan)
        == """
Join cross
  Filter ((id IN $sq1) OR (age = 1))
    $sq1:
      Project user_id
        Join cross
          Filter (item_id = 3)
            Scan orders [id, user_id, total, item_id]
          Scan item [id, label]
    Scan user AS u [id, name, age, email, score]
  Scan item AS i [id, label]
"""
    )


def test_adjacent_filters_merge_and_input_is_untouched() -> None:
    p = Plans()
    s = p.scan("user")
    plan = Filter(Filter(s, eq(p.col(s, "age"), 1)), eq(p.col(s, "name"), lit("x")))
    before = show(plan)
    assert (
        push(plan)
        == """
Filter ((age = 1) AND (name = 'x'))
  Scan user [id, name, age, email, score]
"""
    )
    assert show(plan) == before


def test_correlated_subquery_plan_treats_outer_columns_as_constants() -> None:
    p = Plans()
    u = p.scan("user", "u")
    o, i = p.scan("orders", "o"), p.scan("item", "i")
    j = join("cross", o, i)
    inner = Filter(
        j,
        and_(
            eq(p.col(j, "o.user_id"), p.col(u, "id")), eq(p.col(j, "o.item_id"), p.col(j, "i.id"))
        ),
    )
    plan = Filter(u, Exists(inner))
    assert (
        push(plan)
        == """
Filter EXISTS $sq1
  $sq1:
    Join inner ON (item_id = id)
      Filter (user_id = id)
        Scan orders AS o [id, user_id, total, item_id]
      Scan item AS i [id, label]
  Scan user AS u [id, name, age, email, score]
"""
    )
