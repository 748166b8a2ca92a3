"""Every rule keeps results: plans run through the engine with each rule on and off.

The data has NULLs, duplicates, rows without join partners and ties, so wrong pushdowns into
outer joins, lost rows from index probes or mis-ordered NULLs show up as different results.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from optimizer_plans import (
    COUNT_STAR,
    FALSE,
    SCHEMAS,
    TRUE,
    Plans,
    and_,
    cmp,
    eq,
    join,
    lit,
    or_,
    param,
)

from pyram.engine import ExecContext, run_rows
from pyram.optimizer import DEFAULT_RULES, RuleContext, optimize, rule_names
from pyram.plan.expr import (
    AggCall,
    Arith,
    Between,
    Case,
    Exists,
    FunctionCall,
    InList,
    InSubquery,
    IsNull,
    Literal_,
    Not,
    SortKey,
)
from pyram.plan.nodes import Filter, JoinKind, Limit, Plan, Sort
from pyram.storage import Store
from pyram.types import BOOLEAN, INTEGER, REAL, TEXT


class StoreStats:
    def __init__(self, store: Store) -> None:
        self.store = store

    def row_count(self, table: str) -> int:
        return self.store.data(table).live_count

    def distinct_keys(self, table: str, index: str) -> int:
        return self.store.data(table).indexes[index].distinct_keys()


@pytest.fixture(scope="module")
def store() -> Store:
    db = Store()
    db.create(SCHEMAS.values())
    ids = list(range(1, 41))
    db.insert(
        "user",
        [
            ids,
            [f"u{i % 7}" for i in ids],
            [i % 9 * 5 for i in ids],
            [None if i % 4 == 0 else f"e{i}@x" for i in ids],
            [None if i % 3 == 0 else i / 4 for i in ids],
        ],
    )
    order_ids = list(range(1, 121))
    db.insert(
        "orders",
        [
            order_ids,
            [i % 30 + 1 for i in order_ids],  # users 31..40 have no orders
            [float(i % 11) for i in order_ids],
            [i % 6 for i in order_ids],  # item 0 does not exist
        ],
    )
    db.insert("item", [[1, 2, 3, 4, 5, 9], ["a", "b", "c", "d", "e", "z"]])
    days = list(range(60))
    db.insert(
        "event",
        [
            [("x", "y", "z")[d % 3] for d in days],
            [d % 20 for d in days],
            [None if d % 5 == 0 else f"n{d}" for d in days],
        ],
    )
    return db


def plans() -> dict[str, tuple[Plan, bool]]:
    """name -> (plan, ordered): ordered plans compare as lists, others as multisets."""
    p = Plans()
    found: dict[str, tuple[Plan, bool]] = {}
    u, o, i = p.scan("user", "u"), p.scan("orders", "o"), p.scan("item", "i")
    age, uid = p.col(u, "age"), p.col(u, "id")
    cross = join("cross", join("cross", o, u), i)
    found["three_way"] = (
        p.select(
            Filter(
                cross,
                and_(
                    eq(p.col(o, "user_id"), uid),
                    eq(p.col(o, "item_id"), p.col(i, "id")),
                    cmp(">", age, Arith("+", lit(10), lit(10), INTEGER)),
                    TRUE,
                ),
            ),
            ["u.name", "o.total", "i.label"],
        ),
        False,
    )
    left = join("left", u, o, eq(p.col(o, "user_id"), uid))
    found["left_where_right_null"] = (Filter(left, IsNull(p.col(left, "o.id"))), False)
    found["left_where_right_value"] = (Filter(left, cmp(">", p.col(left, "o.total"), 5.0)), False)
    found["left_on_right_only"] = (
        join("left", u, o, and_(eq(p.col(o, "user_id"), uid), cmp(">", p.col(o, "total"), 7.0))),
        False,
    )
    full = join("full", u, o, eq(p.col(o, "user_id"), uid))
    found["full_where_left"] = (Filter(full, cmp("<", p.col(full, "u.age"), 20)), False)
    found["full_where_or"] = (
        Filter(full, or_(IsNull(p.col(full, "u.id")), cmp("<", p.col(full, "o.total"), 2.0))),
        False,
    )
    kinds: tuple[JoinKind, ...] = ("semi", "anti")
    for kind in kinds:
        cond = and_(
            eq(p.col(o, "user_id"), uid), cmp(">", p.col(o, "total"), 8.0), cmp(">", age, 5)
        )
        found[kind] = (Filter(join(kind, u, o, cond), cmp("<", uid, 35)), False)
    s = p.scan("user")
    sage, sscore = p.col(s, "age"), p.col(s, "score")
    found["pk_in"] = (Filter(s, InList(p.col(s, "id"), (lit(3), lit(7), lit(3), lit(99)))), False)
    found["pk_param"] = (Filter(s, eq(p.col(s, "id"), param("k"))), False)
    found["range"] = (Filter(s, and_(cmp(">", sage, 10), cmp("<=", sage, 30))), False)
    found["between_real"] = (Filter(s, Between(sscore, lit(2), lit(6.5))), False)
    found["email_eq"] = (Filter(s, eq(p.col(s, "email"), lit("e5@x"))), False)
    for desc in (False, True):
        for nulls in (None, True, False):
            key = SortKey(sscore, desc, nulls)
            found[f"top_score_{desc}_{nulls}"] = (Limit(Sort(s, (key,)), lit(5)), True)
            bounded = Filter(s, cmp(">", sscore, 3.0))
            found[f"top_score_range_{desc}_{nulls}"] = (Limit(Sort(bounded, (key,)), lit(4)), True)
    found["top_age_filtered"] = (
        Limit(Sort(Filter(s, eq(p.col(s, "name"), lit("u3"))), (SortKey(p.col(s, "id")),)), lit(3)),
        True,
    )
    inner = p.select(Filter(s, cmp("<", p.col(s, "id"), 30)), ["score", "name", "id"])
    by_score = Sort(inner, (SortKey(p.col(inner, "score"), descending=True),))
    outer = p.project(by_score, [(p.col(by_score, "name"), "n"), (p.col(by_score, "id"), "i")])
    found["top_through_projects"] = (Limit(outer, lit(6), lit(2)), True)
    agg = p.aggregate(s, [sage], [(COUNT_STAR, "n"), (AggCall("sum", (sscore,), REAL), "t")])
    found["having"] = (
        Filter(agg, and_(cmp(">", p.col(agg, "age"), 5), cmp(">", p.col(agg, "n"), 4))),
        False,
    )
    ev = p.scan("event")
    found["composite_prefix"] = (
        Filter(ev, and_(eq(p.col(ev, "kind"), lit("y")), cmp(">", p.col(ev, "day"), 5))),
        False,
    )
    found["composite_full"] = (
        Filter(ev, and_(eq(p.col(ev, "day"), 4), eq(p.col(ev, "kind"), lit("y")))),
        False,
    )
    o2 = p.scan("orders", "o2")
    corr = Filter(o2, and_(eq(p.col(o2, "user_id"), uid), cmp(">", p.col(o2, "total"), 9.0)))
    found["exists"] = (p.select(Filter(u, Exists(corr)), ["name"]), False)
    o3 = p.scan("orders", "o3")
    items = p.select(Filter(o3, eq(p.col(o3, "item_id"), lit(2))), ["user_id"])
    found["in_subquery"] = (Filter(u, or_(InSubquery(uid, items), eq(age, 0))), False)
    null_int = Literal_(None, INTEGER)
    constants = [
        Arith("/", lit(-7), lit(2), INTEGER),
        Arith("%", lit(-7), lit(3), INTEGER),
        Arith("%", lit(7.5), lit(2), REAL),
        Arith("/", lit(1), lit(0), INTEGER),
        Arith("||", lit("a"), lit("b"), TEXT),
        cmp("<", lit(1), null_int),
        Between(lit(5), null_int, lit(3)),
        Between(lit(5), null_int, lit(9), negated=True),
        InList(lit(3), (lit(1), null_int), negated=True),
        Case(
            ((Literal_(None, BOOLEAN), lit(1)), (cmp("<", lit(1), lit(2)), lit(2))), lit(3), INTEGER
        ),
        FunctionCall("upper", (lit("x"),), TEXT),
        FunctionCall("coalesce", (null_int, lit(3)), INTEGER),
        and_(Literal_(None, BOOLEAN), FALSE),
        or_(Literal_(None, BOOLEAN), FALSE),
        Not(Literal_(None, BOOLEAN)),
    ]
    one = p.scan("item")
    found["constants"] = (
        p.project(
            Filter(one, eq(p.col(one, "id"), 1)), [(c, f"c{n}") for n, c in enumerate(constants)]
        ),
        False,
    )
    g = p.aggregate(s, [sscore], [(COUNT_STAR, "n")])
    found["null_group"] = (Filter(g, IsNull(p.col(g, "score"))), False)
    found["in_params"] = (
        Filter(s, InList(p.col(s, "id"), (param("k"), lit(7), param("k")))),
        False,
    )
    found["limit_zero"] = (Limit(s, Arith("-", lit(1), lit(1), INTEGER)), False)
    return found


PLANS = plans()


def _rows(store: Store, plan: Plan) -> list[tuple[Any, ...]]:
    return run_rows(plan, ExecContext(store, {"k": 7}))


def _same(expected: list[tuple[Any, ...]], actual: list[tuple[Any, ...]], ordered: bool) -> None:
    if ordered:
        assert actual == expected
    else:
        assert Counter(actual) == Counter(expected)


@pytest.mark.parametrize("name", list(PLANS))
def test_optimized_plan_gives_the_same_rows(store: Store, name: str) -> None:
    plan, ordered = PLANS[name]
    expected = _rows(store, plan)
    ctx = RuleContext(store.catalog.get, StoreStats(store))
    for rule in DEFAULT_RULES:
        _same(expected, _rows(store, rule.apply(plan, ctx)), ordered)
    _same(expected, _rows(store, optimize(plan, ctx)), ordered)


def test_rules_together_in_every_leave_one_out_combination(store: Store) -> None:
    ctx = RuleContext(store.catalog.get, StoreStats(store))
    for skipped in rule_names():
        partial = RuleContext(ctx.catalog, ctx.stats, frozenset({skipped}))
        for plan, ordered in PLANS.values():
            _same(_rows(store, plan), _rows(store, optimize(plan, partial)), ordered)
