"""fold_constants: literal-only expressions are evaluated once; trivial logic disappears."""

from __future__ import annotations

from decimal import Decimal

import pytest
from optimizer_plans import (
    FALSE,
    NULL_BOOL,
    TRUE,
    Plans,
    and_,
    cmp,
    context,
    eq,
    lit,
    or_,
    param,
    show,
)

from pyram.optimizer.rules import fold_constants
from pyram.optimizer.rules.fold_constants import fold_expr
from pyram.plan.expr import (
    Arith,
    Between,
    Case,
    Exists,
    FunctionCall,
    InList,
    IsNull,
    Literal_,
    Negate,
    Not,
    PlanExpr,
    SortKey,
)
from pyram.plan.nodes import Filter, Join, Limit, Sort
from pyram.types import BOOLEAN, DECIMAL, INTEGER, REAL, TEXT


def folded(expr: PlanExpr) -> object:
    result = fold_expr(expr)
    assert isinstance(result, Literal_), result
    return result.value


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("+", 2, 3, 5),
        ("-", 2, 5, -3),
        ("*", 4, 2.5, 10.0),
        ("/", 7, 2, 3),
        ("/", -7, 2, -3),  # SQLite truncates toward zero; Python's // would give -4
        ("/", 7, -2, -3),
        ("/", 7.0, 2, 3.5),
        ("/", 1, 0, None),
        ("/", 1.5, 0.0, None),
        ("%", 7, 3, 1),
        ("%", -7, 3, -1),  # sign of the dividend
        ("%", 7, 0, None),
        ("%", 7.5, 2, 1.0),
        ("+", Decimal("1.5"), 1, Decimal("2.5")),
        ("||", "ab", "cd", "abcd"),
    ],
)
def test_arithmetic_follows_sqlite(op: str, a: object, b: object, expected: object) -> None:
    dtype = TEXT if op == "||" else (REAL if isinstance(a, float) else INTEGER)
    value = folded(Arith(op, lit(a), lit(b), dtype))  # type: ignore[arg-type]
    assert value == expected
    assert type(value) is type(expected)


def test_null_operand_makes_strict_operators_null_even_with_columns() -> None:
    p = Plans()
    age = p.col(p.scan("user"), "age")
    assert folded(Arith("+", age, Literal_(None, INTEGER), INTEGER)) is None
    assert folded(eq(age, Literal_(None, INTEGER))) is None
    assert folded(Negate(Literal_(None, INTEGER))) is None


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (cmp("<", lit(1), lit(2)), True),
        (cmp(">=", lit("a"), lit("b")), False),
        (and_(TRUE, NULL_BOOL), None),
        (and_(FALSE, NULL_BOOL), False),
        (or_(TRUE, NULL_BOOL), True),
        (or_(FALSE, NULL_BOOL), None),
        (Not(NULL_BOOL), None),
        (Not(TRUE), False),
        (IsNull(Literal_(None, INTEGER)), True),
        (IsNull(lit(1), negated=True), True),
        (Between(lit(5), lit(1), lit(9)), True),
        (Between(lit(5), Literal_(None, INTEGER), lit(3)), False),  # NULL AND FALSE
        (Between(lit(5), Literal_(None, INTEGER), lit(9)), None),
        (Between(lit(5), lit(1), lit(9), negated=True), False),
        (InList(lit(2), (lit(1), lit(2))), True),
        (InList(lit(3), (lit(1), Literal_(None, INTEGER))), None),
        (InList(lit(3), (lit(1), lit(2)), negated=True), True),
        (InList(lit(3), (lit(1), Literal_(None, INTEGER)), negated=True), None),
    ],
)
def test_three_valued_logic(expr: PlanExpr, expected: object) -> None:
    assert folded(expr) is expected


def test_functions_fold_only_when_deterministic() -> None:
    assert folded(FunctionCall("upper", (lit("abc"),), TEXT)) == "ABC"
    assert folded(FunctionCall("abs", (Literal_(None, INTEGER),), INTEGER)) is None
    assert folded(FunctionCall("coalesce", (Literal_(None, INTEGER), lit(4)), INTEGER)) == 4
    random = FunctionCall("random", (), INTEGER)
    assert fold_expr(random) is random
    unknown = FunctionCall("no_such_function", (lit(1),), INTEGER)
    assert fold_expr(unknown) is unknown


def test_params_subqueries_and_errors_are_left_alone() -> None:
    p = Plans()
    with_param = Arith("+", param(0), lit(1), INTEGER)
    assert fold_expr(with_param) is with_param
    sub = Exists(p.scan("item"))
    assert fold_expr(and_(sub, TRUE)) is sub
    bad = cmp("<", lit("a"), lit(1))  # Python cannot order str and int: stays for run time
    assert fold_expr(bad) is bad


def test_boolean_simplification_with_columns() -> None:
    p = Plans()
    s = p.scan("user")
    young = cmp("<", p.col(s, "age"), 30)
    assert fold_expr(and_(young, TRUE)) is young
    assert folded(and_(young, FALSE)) is False
    assert folded(or_(young, TRUE)) is True
    assert fold_expr(or_(young, FALSE)) is young
    kept = fold_expr(and_(young, NULL_BOOL))
    assert kept == and_(young, NULL_BOOL)
    # nested constant parts fold first, then the logic collapses
    assert fold_expr(and_(young, cmp("<", lit(1), lit(2)))) is young


def test_case_with_constant_conditions() -> None:
    p = Plans()
    age = p.col(p.scan("user"), "age")
    chosen = Case(((FALSE, lit(1)), (TRUE, lit(2)), (eq(age, 3), lit(3))), lit(4), INTEGER)
    assert folded(chosen) == 2
    trimmed = fold_expr(Case(((NULL_BOOL, lit(1)), (eq(age, 3), lit(3))), lit(4), INTEGER))
    assert trimmed == Case(((eq(age, 3), lit(3)),), lit(4), INTEGER)
    to_column = fold_expr(Case(((FALSE, lit(1)),), age, INTEGER))
    assert to_column is age


def test_plan_level_filter_sort_and_join() -> None:
    p = Plans()
    s = p.scan("user")
    age = p.col(s, "age")
    plan = Limit(
        Sort(
            Filter(
                Filter(s, cmp("<", lit(1), lit(2))),
                and_(cmp(">", age, Arith("+", lit(10), lit(20), INTEGER)), TRUE),
            ),
            (SortKey(lit(1)), SortKey(age, descending=True)),
        ),
        Arith("-", lit(3), lit(1), INTEGER),
    )
    assert (
        show(fold_constants.apply(plan, context()))
        == """
Limit 2
  Sort age DESC
    Filter (age > 30)
      Scan user [id, name, age, email, score]
"""
    )
    only_constant_keys = Sort(s, (SortKey(lit("x")),))
    assert fold_constants.apply(only_constant_keys, context()) is s


def test_false_and_null_filters_keep_an_empty_result() -> None:
    p = Plans()
    s = p.scan("user")
    age = p.col(s, "age")
    plan = Filter(s, and_(eq(age, Literal_(None, INTEGER)), TRUE))
    assert (
        show(fold_constants.apply(plan, context()))
        == """
Filter FALSE
  Scan user [id, name, age, email, score]
"""
    )
    inner = Join("inner", s, p.scan("item"), TRUE)
    assert fold_constants.apply(inner, context()).kind == "cross"  # type: ignore[attr-defined]
    left = Join("left", s, p.scan("item"), TRUE)
    assert fold_constants.apply(left, context()) is left


def test_folds_inside_subqueries_and_keeps_input_untouched() -> None:
    p = Plans()
    s = p.scan("user")
    items = p.scan("item")
    sub = Filter(items, and_(eq(p.col(items, "id"), Arith("*", lit(2), lit(3), INTEGER)), TRUE))
    plan = Filter(s, Exists(sub))
    before = show(plan)
    assert (
        show(fold_constants.apply(plan, context()))
        == """
Filter EXISTS $sq1
  $sq1:
    Filter (id = 6)
      Scan item [id, label]
  Scan user [id, name, age, email, score]
"""
    )
    assert show(plan) == before


def test_decimal_and_boolean_literal_types_are_kept() -> None:
    value = fold_expr(Arith("*", lit(Decimal("1.5")), lit(Decimal(2)), DECIMAL))
    assert value == Literal_(Decimal("3.0"), DECIMAL)
    assert fold_expr(Not(FALSE)) == Literal_(True, BOOLEAN)
