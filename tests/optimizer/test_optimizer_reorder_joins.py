"""reorder_joins: greedy smallest-first order for inner-join trees; outer joins are barriers."""

from __future__ import annotations

from optimizer_plans import Plans, and_, cmp, context, eq, join, show

from pyram.optimizer.rules import reorder_joins
from pyram.plan.expr import FunctionCall
from pyram.plan.nodes import Filter, Join, Plan, Project
from pyram.types import INTEGER

SIZES = {"user": 1000, "orders": 10000, "item": 10, "event": 50}


def reorder(plan: Plan, rows: dict[str, int] = SIZES) -> Plan:
    result = reorder_joins.apply(plan, context(rows=rows))
    assert result.fields == plan.fields
    return result


def three_way(p: Plans) -> Join:
    o, u, i = p.scan("orders", "o"), p.scan("user", "u"), p.scan("item", "i")
    ou = join("inner", o, u, eq(p.col(o, "user_id"), p.col(u, "id")))
    return join("inner", ou, i, eq(p.col(o, "item_id"), p.col(i, "id")))


def test_smallest_relation_first_then_connected_ones() -> None:
    p = Plans()
    plan = three_way(p)
    result = reorder(plan)
    assert isinstance(result, Project)
    assert (
        show(result).replace(show(result).splitlines()[1], "Project ...")
        == """
Project ...
  Join inner ON (user_id = id)
    Join inner ON (item_id = id)
      Scan item AS i [id, label]
      Scan orders AS o [id, user_id, total, item_id]
    Scan user AS u [id, name, age, email, score]
"""
    )
    assert [e.cid for e in result.exprs] == [f.cid for f in plan.fields]  # type: ignore[attr-defined]


def test_already_good_order_needs_no_project() -> None:
    p = Plans()
    plan = three_way(p)
    result = reorder(plan, {"orders": 1, "user": 1000, "item": 1000})
    assert isinstance(result, Join)
    assert show(result) == show(plan)


def test_conditions_go_to_the_lowest_join_and_unconnected_inputs_come_last() -> None:
    p = Plans()
    o, u, i = p.scan("orders", "o"), p.scan("user", "u"), p.scan("item", "i")
    e = p.scan("event", "e")
    on = and_(
        eq(p.col(o, "user_id"), p.col(u, "id")),
        eq(p.col(o, "item_id"), p.col(i, "id")),
        cmp("<", p.col(u, "age"), p.col(o, "total")),
    )
    unconditioned = join("inner", join("cross", join("cross", o, u), i), e, None)
    filtered = Filter(unconditioned, on)  # the filter stays: this rule only reads join conditions
    assert isinstance(reorder(filtered), Filter)
    plan = join("inner", join("cross", join("cross", o, u), i), e, on)
    result = reorder(plan)
    text = show(result)
    assert text.splitlines()[1].startswith("Project ")
    assert (
        "\n".join(text.splitlines()[2:])
        == """\
  Join cross
    Join inner ON ((user_id = id) AND (age < total))
      Join inner ON (item_id = id)
        Scan item AS i [id, label]
        Scan orders AS o [id, user_id, total, item_id]
      Scan user AS u [id, name, age, email, score]
    Scan event AS e [kind, day, note]"""
    )


def test_outer_joins_are_barriers_and_reordered_inside() -> None:
    p = Plans()
    inner = three_way(p)
    ev = p.scan("event")
    plan = join("left", inner, ev, eq(p.col(inner, "u.name"), p.col(ev, "kind")))
    result = reorder(plan)
    assert isinstance(result, Join)
    assert result.kind == "left"
    assert isinstance(result.left, Project)
    assert result.right is ev


def test_two_inputs_keep_their_order() -> None:
    p = Plans()
    o, u = p.scan("orders"), p.scan("user")
    plan = join("inner", o, u, eq(p.col(o, "user_id"), p.col(u, "id")))
    assert reorder(plan) is plan


def test_nondeterministic_conditions_keep_the_written_order() -> None:
    p = Plans()
    plan = three_way(p)
    assert plan.condition is not None
    noisy = and_(plan.condition, cmp(">", FunctionCall("random", (), INTEGER), 0))
    shaky = Join("inner", plan.left, plan.right, noisy)
    assert reorder(shaky) is shaky
