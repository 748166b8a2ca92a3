"""fold_constants: evaluate constant sub-expressions once, at plan time, and simplify logic.

Rewrites, everywhere in the plan (subquery plans included):

* sub-expressions made only of literals: arithmetic with SQLite semantics (integer ``/`` and
  ``%`` truncate toward zero, division by zero is NULL), comparisons, three-valued AND/OR/NOT,
  IS [NOT] NULL, [NOT] BETWEEN, [NOT] IN lists, and deterministic scalar functions from the
  registry (honouring their NULL propagation);
* strict operators with a NULL literal operand (``x = NULL``, ``x + NULL``) become NULL;
* ``x AND TRUE`` -> ``x``, ``x AND FALSE`` -> ``FALSE``, ``x OR TRUE`` -> ``TRUE``,
  ``x OR FALSE`` -> ``x``; CASE branches with constant conditions are dropped or taken;
* ``Filter TRUE`` disappears, ``Filter NULL`` becomes ``Filter FALSE``; constant sort keys are
  dropped (a Sort left with none disappears); an inner join ON TRUE becomes a cross join.

Why cheaper: the engine evaluates expressions per row; a folded constant is computed once, and
simpler predicates let the other rules (pushdown, index choice) recognise their patterns.

Must not fire on parameters, subqueries, column references, LIKE or CAST (left to the engine),
non-deterministic functions, or when evaluating would raise (the error then happens at run time,
and only if the expression is actually evaluated there).

Before / after::

    Filter ((age > (10 + 20)) AND TRUE)      Filter (age > 30)
      Scan user [id, age]              ->      Scan user [id, age]
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from pyram.functions import ScalarFunction
from pyram.functions.sql_numeric import add, mul, neg, sub
from pyram.functions.sql_ops import and3, div, in3, mod
from pyram.optimizer.rewrite import (
    map_node_expressions,
    map_subquery_plans,
    transform_expr,
    transform_plan_up,
)
from pyram.optimizer.rule import RuleContext
from pyram.optimizer.volatility import is_deterministic_call, scalar_info
from pyram.plan.expr import (
    And,
    Arith,
    Between,
    Case,
    Compare,
    FunctionCall,
    InList,
    InValues,
    IsNull,
    Literal_,
    Negate,
    Not,
    Or,
    PlanExpr,
)
from pyram.plan.nodes import Filter, Join, Plan, Sort
from pyram.types import BOOLEAN

__all__ = ["apply", "fold_expr", "name"]

name = "fold_constants"

_NOT_FOLDED = object()
_NUMBER = (int, float, Decimal)


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Fold constants in every expression of ``plan`` and drop trivial filters and sort keys."""
    plan = map_subquery_plans(plan, lambda sub: apply(sub, ctx))
    return transform_plan_up(plan, _fold_node)


def _fold_node(plan: Plan) -> Plan:
    plan = map_node_expressions(plan, fold_expr)
    if isinstance(plan, Filter) and isinstance(plan.predicate, Literal_):
        if plan.predicate.value is True:
            return plan.input
        if plan.predicate.value is None:
            return attrs.evolve(plan, predicate=Literal_(False, BOOLEAN))
    if isinstance(plan, Sort):
        keys = tuple(k for k in plan.keys if not isinstance(k.expr, Literal_))
        if not keys:
            return plan.input
        if len(keys) != len(plan.keys):
            return attrs.evolve(plan, keys=keys)
    if (
        isinstance(plan, Join)
        and plan.kind == "inner"
        and isinstance(plan.condition, Literal_)
        and plan.condition.value is True
    ):
        return attrs.evolve(plan, kind="cross", condition=None)
    return plan


def fold_expr(expr: PlanExpr) -> PlanExpr:
    """``expr`` with its constant parts evaluated and its logic simplified."""
    return transform_expr(expr, _fold_one)


def _fold_one(expr: PlanExpr) -> PlanExpr:
    """Fold one node whose children are already folded."""
    if isinstance(expr, And | Or):
        return _fold_logic(expr)
    if isinstance(expr, Case):
        return _fold_case(expr)
    if isinstance(expr, Arith | Compare | Negate) and _has_null_literal(expr):
        return Literal_(None, expr.dtype)
    if isinstance(expr, InValues):
        return _fold_in_values(expr)
    if not isinstance(
        expr, Negate | Arith | Compare | Not | IsNull | InList | Between | FunctionCall
    ):
        return expr
    args = _operands(expr)
    if not all(isinstance(a, Literal_) for a in args):
        return expr
    values = [a.value for a in args if isinstance(a, Literal_)]
    try:
        value = _evaluate(expr, values)
    except (ArithmeticError, TypeError, ValueError):
        return expr
    if value is _NOT_FOLDED:
        return expr
    return Literal_(value, expr.dtype)


def _fold_in_values(expr: InValues) -> PlanExpr:
    """A constant operand over constants only: the answer (``5 IN (1, 2)`` is FALSE)."""
    if not isinstance(expr.arg, Literal_) or expr.params:
        return expr
    try:
        found = in3(expr.arg.value, expr.values)
    except TypeError:
        return expr
    return Literal_(_not3(found) if expr.negated else found, expr.dtype)


def _operands(expr: PlanExpr) -> list[PlanExpr]:
    if isinstance(expr, Negate | Not | IsNull):
        return [expr.arg]
    if isinstance(expr, Arith | Compare):
        return [expr.left, expr.right]
    if isinstance(expr, InList):
        return [expr.arg, *expr.items]
    if isinstance(expr, Between):
        return [expr.arg, expr.low, expr.high]
    if isinstance(expr, FunctionCall):
        return list(expr.args)
    return []


def _has_null_literal(expr: Arith | Compare | Negate) -> bool:
    return any(isinstance(a, Literal_) and a.value is None for a in _operands(expr))


def _evaluate(expr: PlanExpr, values: list[Any]) -> Any:
    """The value of ``expr`` over literal operand ``values`` (``_NOT_FOLDED`` when unsure)."""
    if isinstance(expr, IsNull):
        return (values[0] is not None) if expr.negated else (values[0] is None)
    if isinstance(expr, FunctionCall):
        if expr.udf is not None:
            # a user function folds only when deterministic, through its own record
            return _call_user(expr.udf, values) if expr.udf.deterministic else _NOT_FOLDED
        return _call(expr.name, values)
    if isinstance(expr, InList):
        return (
            _not3(in3(values[0], tuple(values[1:])))
            if expr.negated
            else in3(values[0], tuple(values[1:]))
        )
    if isinstance(expr, Between):
        arg, low, high = values
        inside = and3(_compare(">=", arg, low), _compare("<=", arg, high))
        return _not3(inside) if expr.negated else inside
    if isinstance(expr, Not):
        return _not3(values[0]) if values[0] is None or isinstance(values[0], bool) else _NOT_FOLDED
    if isinstance(expr, Compare):
        return _compare(expr.op, values[0], values[1])
    if isinstance(expr, Negate):
        return neg(values[0]) if _is_number(values[0]) else _NOT_FOLDED
    if isinstance(expr, Arith):
        return _arith(expr.op, values[0], values[1])
    return _NOT_FOLDED


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def _compare(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _arith(op: str, a: Any, b: Any) -> Any:
    """SQLite arithmetic, as the engine computes it (``pyram.functions.sql_ops``)."""
    if op == "||":
        return a + b if isinstance(a, str) and isinstance(b, str) else _NOT_FOLDED
    if not (_is_number(a) and _is_number(b)):
        return _NOT_FOLDED
    if op == "+":
        return add(a, b)
    if op == "-":
        return sub(a, b)
    if op == "*":
        return mul(a, b)
    if op == "/":
        return div(a, b)
    return mod(a, b)


def _not3(value: Any) -> Any:
    return None if value is None else not value


def _call(function: str, values: list[Any]) -> Any:
    info = scalar_info(function)
    if info is None or not is_deterministic_call(function):
        return _NOT_FOLDED
    if info.propagates_null and any(v is None for v in values):
        return None
    try:
        return info.impl(*values)
    except Exception:  # a failing call stays in the plan: the error belongs to run time
        return _NOT_FOLDED


def _call_user(fn: ScalarFunction, values: list[Any]) -> Any:
    try:
        return fn.impl(*values)
    except Exception:  # the error (naming the function) belongs to run time
        return _NOT_FOLDED


def _fold_logic(expr: And | Or) -> PlanExpr:
    """Three-valued AND/OR with constant operands removed where they do not matter."""
    absorbing = isinstance(expr, Or)  # TRUE absorbs OR, FALSE absorbs AND
    kept: list[PlanExpr] = []
    saw_null = False
    for arg in expr.args:
        if isinstance(arg, Literal_) and (arg.value is None or isinstance(arg.value, bool)):
            if arg.value is absorbing:
                return Literal_(absorbing, BOOLEAN)
            if arg.value is None:
                saw_null = True
            continue  # the neutral element (TRUE in AND, FALSE in OR)
        kept.extend(arg.args if type(arg) is type(expr) else (arg,))
    if saw_null:
        # NULL cannot be dropped (x AND NULL is NULL or FALSE), keep one
        kept.append(Literal_(None, BOOLEAN))
        if len(kept) == 1:
            return kept[0]
    if not kept:
        return Literal_(not absorbing, BOOLEAN)
    if len(kept) == 1:
        return kept[0]
    if len(kept) == len(expr.args) and all(a is b for a, b in zip(kept, expr.args, strict=True)):
        return expr
    return type(expr)(tuple(kept))


def _fold_case(expr: Case) -> PlanExpr:
    """Drop WHEN branches whose condition is constantly FALSE/NULL; take a constant TRUE one."""
    whens: list[tuple[PlanExpr, PlanExpr]] = []
    default = expr.default
    for cond, result in expr.whens:
        if isinstance(cond, Literal_) and (cond.value is None or isinstance(cond.value, bool)):
            if cond.value is True:
                default = result  # later branches are never reached
                break
            continue
        whens.append((cond, result))
    if not whens:
        if isinstance(default, Literal_):
            return Literal_(default.value, expr.dtype)
        if default.dtype == expr.dtype:
            return default
    if len(whens) == len(expr.whens) and default is expr.default:
        return expr
    return attrs.evolve(expr, whens=tuple(whens), default=default)
