"""Tree plumbing shared by the rules: conjuncts, expression and plan rebuilding, column ids.

Place in the pipeline: every rule in :mod:`pyram.optimizer.rules` rewrites plans with these
helpers, so each rule's module holds only its own logic. Everything here is pure: nodes are
rebuilt (``attrs.evolve``) only when something below them changed, so an untouched subtree keeps
its identity. Expression rebuilding is iterative, so very deep expressions (long ``a + b + ...``
chains) do not hit Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from pyram.plan.expr import (
    LEAF_TYPES,
    AggCall,
    And,
    Arith,
    ArithChain,
    Between,
    Case,
    Cast,
    ColumnRef,
    Compare,
    Exists,
    Field,
    FunctionCall,
    InList,
    InSubquery,
    InValues,
    IsNull,
    Like,
    Literal_,
    Negate,
    Not,
    Or,
    Param,
    PlanExpr,
    ScalarSubquery,
    WindowCall,
    children,
    walk,
)
from pyram.plan.nodes import (
    Plan,
    Values,
    outer_references,
    referenced_cids,
)

__all__ = [
    "SubqueryExpr",
    "column_ref",
    "conjoin",
    "conjuncts",
    "is_correlated",
    "map_node_expressions",
    "map_subqueries",
    "map_subquery_plans",
    "referenced_cids",
    "subqueries_in",
    "substitute",
    "transform_expr",
    "transform_plan_up",
    "with_expr_children",
    "with_inputs",
]

SubqueryExpr = ScalarSubquery | Exists | InSubquery


# ---------------------------------------------------------------------- conjunctions
def conjuncts(expr: PlanExpr) -> list[PlanExpr]:
    """The AND-ed parts of ``expr`` (nested ANDs flattened), in order."""
    out: list[PlanExpr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, And):
            stack.extend(reversed(node.args))
        else:
            out.append(node)
    return out


def conjoin(parts: Sequence[PlanExpr]) -> PlanExpr | None:
    """The AND of ``parts``: None when empty, the part itself when alone."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return And(tuple(parts))


# ---------------------------------------------------------------------- expressions
def column_ref(field: Field) -> ColumnRef:
    """A reference to an output field."""
    return ColumnRef(field.cid, field.name, field.dtype, field.nullable)


def subqueries_in(expr: PlanExpr) -> list[SubqueryExpr]:
    """The subquery expressions inside ``expr`` (not those nested in their plans)."""
    return [e for e in walk(expr) if isinstance(e, SubqueryExpr)]


def is_correlated(expr: PlanExpr) -> bool:
    """True when ``expr`` contains a subquery reading columns of an enclosing query."""
    return any(outer_references(sub.plan) for sub in subqueries_in(expr))


def with_expr_children(expr: PlanExpr, kids: Sequence[PlanExpr]) -> PlanExpr:
    """``expr`` rebuilt over new children, given in :func:`pyram.plan.expr.children` order."""
    if isinstance(expr, Negate | Not | Cast | IsNull):
        return attrs.evolve(expr, arg=kids[0])
    if isinstance(expr, Arith | Compare):
        return attrs.evolve(expr, left=kids[0], right=kids[1])
    if isinstance(expr, And | Or | FunctionCall | ArithChain):
        return attrs.evolve(expr, args=tuple(kids))
    if isinstance(expr, AggCall | WindowCall):
        return _call_with_children(expr, kids)
    if isinstance(expr, InList):
        return attrs.evolve(expr, arg=kids[0], items=tuple(kids[1:]))
    if isinstance(expr, InValues):
        return attrs.evolve(expr, arg=kids[0])
    if isinstance(expr, Between):
        return attrs.evolve(expr, arg=kids[0], low=kids[1], high=kids[2])
    if isinstance(expr, Like):
        return attrs.evolve(expr, arg=kids[0], pattern=kids[1])
    if isinstance(expr, Case):
        pairs = len(expr.whens)
        whens = tuple((kids[2 * i], kids[2 * i + 1]) for i in range(pairs))
        return attrs.evolve(expr, whens=whens, default=kids[2 * pairs])
    if isinstance(expr, InSubquery):
        return attrs.evolve(expr, arg=kids[0])
    return expr


def _call_with_children(call: AggCall | WindowCall, kids: Sequence[PlanExpr]) -> PlanExpr:
    """An aggregate or window call over new children: arguments, filter, frame offsets."""
    count = len(call.args)
    rest = list(kids[count:])
    filter_ = None if call.filter is None else rest.pop(0)
    if isinstance(call, AggCall):
        return attrs.evolve(call, args=tuple(kids[:count]), filter=filter_)
    frame = call.frame
    bounds = []
    for bound in (frame.start, frame.end):
        bounds.append(bound if bound.offset is None else attrs.evolve(bound, offset=rest.pop(0)))
    frame = attrs.evolve(frame, start=bounds[0], end=bounds[1])
    return attrs.evolve(call, args=tuple(kids[:count]), filter=filter_, frame=frame)


def transform_expr(expr: PlanExpr, fn: Callable[[PlanExpr], PlanExpr]) -> PlanExpr:
    """Apply ``fn`` bottom-up to every node of ``expr`` (not inside subquery plans).

    ``fn`` sees each node with its children already transformed.
    """
    stack: list[tuple[PlanExpr, bool]] = [(expr, False)]
    done: list[PlanExpr] = []
    while stack:
        node, expanded = stack.pop()
        if type(node) in LEAF_TYPES:  # no children: the long IN list case, kept cheap
            done.append(fn(node))
            continue
        if not expanded:
            stack.append((node, True))
            stack.extend((kid, False) for kid in reversed(list(children(node))))
            continue
        kids = list(children(node))
        new_kids = done[len(done) - len(kids) :] if kids else []
        if kids:
            del done[len(done) - len(kids) :]
        if any(new is not old for new, old in zip(new_kids, kids, strict=True)):
            node = with_expr_children(node, new_kids)
        done.append(fn(node))
    return done[0]


def substitute(expr: PlanExpr, mapping: dict[int, PlanExpr]) -> PlanExpr:
    """``expr`` with every column reference whose cid is in ``mapping`` replaced."""

    def swap(node: PlanExpr) -> PlanExpr:
        if isinstance(node, ColumnRef):
            return mapping.get(node.cid, node)
        return node

    return transform_expr(expr, swap)


# ---------------------------------------------------------------------- plans
def with_inputs(plan: Plan, new_inputs: Sequence[Plan]) -> Plan:
    """``plan`` over new children (same order as its ``inputs``); the node itself when nothing
    changed (the node's own :meth:`~pyram.plan.nodes.Plan.with_inputs`)."""
    return plan.with_inputs(*new_inputs)


#: expressions no rule rewrites (checked by type, cheaply, for long VALUES lists)
_LEAVES = frozenset({Literal_, Param})


def transform_plan_up(plan: Plan, fn: Callable[[Plan], Plan]) -> Plan:
    """Apply ``fn`` bottom-up to every node of ``plan`` (subquery plans are not entered)."""
    new_inputs = [transform_plan_up(child, fn) for child in plan.inputs]
    return fn(with_inputs(plan, new_inputs))


def map_node_expressions(plan: Plan, fn: Callable[[PlanExpr], PlanExpr]) -> Plan:
    """``plan`` with ``fn`` applied to each of its own expressions (children untouched)."""
    old = plan.expressions
    if not old:
        return plan
    if isinstance(plan, Values) and all(type(e) in _LEAVES for e in old):
        return plan  # a long INSERT ... VALUES of literals and parameters: nothing to do
    new = [fn(e) for e in old]
    if all(a is b for a, b in zip(new, old, strict=True)):
        return plan
    return plan.with_expressions(new)


def map_subquery_plans(plan: Plan, fn: Callable[[Plan], Plan]) -> Plan:
    """``plan`` with every subquery plan inside its expressions replaced by ``fn(subplan)``.

    Only the outermost subqueries are handed to ``fn``; it is expected to recurse (rules do so
    by calling themselves).
    """
    return map_subqueries(plan, lambda sub: fn(sub.plan))


def map_subqueries(plan: Plan, fn: Callable[[SubqueryExpr], Plan]) -> Plan:
    """Like :func:`map_subquery_plans`, but ``fn`` sees the whole subquery expression (to tell
    EXISTS, whose output columns nobody reads, from a scalar or IN subquery)."""

    def swap(node: PlanExpr) -> PlanExpr:
        if isinstance(node, SubqueryExpr):
            new_plan = fn(node)
            return node if new_plan is node.plan else attrs.evolve(node, plan=new_plan)
        return node

    def rewrite_expr(expr: PlanExpr) -> PlanExpr:
        return transform_expr(expr, swap) if subqueries_in(expr) else expr

    return transform_plan_up(plan, lambda node: map_node_expressions(node, rewrite_expr))
