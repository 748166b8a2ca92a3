"""format_plan: one stable line per node, expressions rendered SQL-like."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from optimizer_plans import COUNT_STAR, Plans, and_, cmp, eq, join, lit, or_, param, show

from pyram.optimizer import format_expr
from pyram.plan.expr import (
    AggCall,
    Arith,
    Between,
    Case,
    Cast,
    Exists,
    FunctionCall,
    InList,
    InSubquery,
    IsNull,
    Like,
    Literal_,
    Negate,
    Not,
    ScalarSubquery,
    SortKey,
)
from pyram.plan.nodes import (
    Delete,
    Distinct,
    Filter,
    IndexScan,
    Insert,
    Limit,
    SetOp,
    Sort,
    Update,
    Values,
)
from pyram.types import BLOB, INTEGER, REAL, TEXT


def test_every_node_type() -> None:
    p = Plans()
    u, o = p.scan("user", "u"), p.scan("orders", rid=True)
    j = join("left", u, o, eq(p.col(o, "user_id"), p.col(u, "id")))
    agg = p.aggregate(
        j,
        [p.col(j, "u.age")],
        [(COUNT_STAR, "n"), (AggCall("sum", (p.col(j, "total"),), REAL, distinct=True), "t")],
    )
    plan = Limit(
        Sort(
            Distinct(Filter(agg, cmp(">", p.col(agg, "n"), 1))),
            (
                SortKey(p.col(agg, "age"), descending=True),
                SortKey(p.col(agg, "t"), nulls_first=False),
            ),
        ),
        lit(10),
        param("skip"),
    )
    assert (
        show(plan)
        == """
Limit 10 OFFSET :skip
  Sort age DESC, t NULLS LAST
    Distinct
      Filter (n > 1)
        Aggregate [age] [count(*) AS n, sum(DISTINCT total) AS t]
          Join left ON (user_id = id)
            Scan user AS u [id, name, age, email, score]
            Scan orders [id, user_id, total, item_id, rid]
"""
    )


def test_index_scans_values_set_ops_and_dml() -> None:
    p = Plans()
    s = p.scan("user")
    eq_scan = IndexScan("user", "user_pkey", s.columns, s.out, keys=((lit(1),), (param(0),)))
    ranged = IndexScan(
        "user",
        "user_age_idx",
        ("age",),
        s.out[2:3],
        low=(lit(3),),
        low_inclusive=False,
        descending=True,
        alias="x",
    )
    ordered = IndexScan("user", "user_age_idx", ("age",), s.out[2:3])
    assert show(eq_scan).strip() == (
        "IndexScan user.user_pkey eq (1), (?1) [id, name, age, email, score]"
    )
    assert show(ranged).strip() == "IndexScan user.user_age_idx AS x range (3; +inf) desc [age]"
    assert show(ordered).strip() == "IndexScan user.user_age_idx ordered [age]"
    values = Values(((lit(1), lit("a")),), p.builder.fields_for([lit(1), lit("a")], ["x", "y"]))
    union = SetOp("except", True, values, values, values.out)
    assert (
        show(Insert("item", ("id", "label"), union))
        == """
Insert item [id, label]
  SetOp except all
    Values [x, y] (1, 'a')
    Values [x, y] (1, 'a')
"""
    )
    t = p.scan("user", rid=True)
    assert t.rid_cid is not None
    update = Update("user", t, (("name", lit("o'k")), ("age", lit(3))), t.rid_cid)
    assert show(update).splitlines()[1] == "Update user SET name = 'o''k', age = 3"
    assert show(Delete("user", t, t.rid_cid)).splitlines()[1] == "Delete user"


def test_expressions() -> None:
    p = Plans()
    s = p.scan("user")
    age, name = p.col(s, "age"), p.col(s, "name")
    cases = [
        (
            and_(eq(age, 1), or_(cmp("<", age, 2), Not(IsNull(name, negated=True)))),
            "((age = 1) AND ((age < 2) OR NOT (name IS NOT NULL)))",
        ),
        (Arith("%", Negate(age), lit(2), INTEGER), "(-age % 2)"),
        (InList(age, (lit(1), Literal_(None, INTEGER)), negated=True), "(age NOT IN (1, NULL))"),
        (Between(age, lit(1.5), lit(Decimal("2.5"))), "(age BETWEEN 1.5 AND 2.5)"),
        (Like(name, lit("a%"), escape="\\\\"), "(name LIKE 'a%' ESCAPE '\\\\')"),
        (Like(name, lit("a*"), negated=True, glob=True), "(name NOT GLOB 'a*')"),
        (
            Case(((eq(age, 1), lit("one")),), lit("many"), TEXT),
            "CASE WHEN (age = 1) THEN 'one' ELSE 'many' END",
        ),
        (Cast(age, TEXT), "CAST(age AS TEXT)"),
        (FunctionCall("upper", (name,), TEXT), "upper(name)"),
        (Literal_(dt.date(2024, 1, 2), INTEGER), "'2024-01-02'"),
        (Literal_(b"\x01\xff", BLOB), "X'01FF'"),
        (Literal_(False, INTEGER), "FALSE"),
        (ScalarSubquery(s, INTEGER), "$sq"),
        (Exists(s, negated=True), "NOT EXISTS $sq"),
        (InSubquery(age, s, negated=True), "(age NOT IN $sq)"),
    ]
    for expr, text in cases:
        assert format_expr(expr) == text


def test_nested_subqueries_are_numbered_in_print_order() -> None:
    p = Plans()
    u, o, i = p.scan("user"), p.scan("orders"), p.scan("item")
    inner = Filter(o, Exists(i))
    plan = Filter(u, and_(Exists(inner), InSubquery(p.col(u, "id"), p.select(o, ["user_id"]))))
    assert (
        show(plan)
        == """
Filter (EXISTS $sq1 AND (id IN $sq2))
  $sq1:
    Filter EXISTS $sq3
      $sq3:
        Scan item [id, label]
      Scan orders [id, user_id, total, item_id]
  $sq2:
    Project user_id
      Scan orders [id, user_id, total, item_id]
  Scan user [id, name, age, email, score]
"""
    )
