"""Tree plumbing shared by the rules: conjuncts, expression and plan rebuilding, column ids.

Place in the pipeline: every rule in :mod:`pyram.optimizer.rules` rewrites plans with these
helpers, so each rule's module holds only its own logic. Everything here is pure: nodes are
rebuilt (``attrs.evolve``) only when something below them changed, so an untouched subtree keeps
its identity. Expression rebuilding is iterative, so very deep expressions (long ``a + b + ...``
chains) do not hit Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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
    Expr,
    Field,
    FuncCall,
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
    ScalarSubquery,
    WindowCall,
    children,
    column_ids,
    walk,
)
from pyram.plan.nodes import (
    Aggregate,
    Delete,
    Distinct,
    Filter,
    IndexScan,
    Insert,
    Join,
    Limit,
    Plan,
    Project,
    RecursiveCte,
    SetOp,
    Sort,
    Update,
    Values,
    Window,
    inputs,
    outer_references,
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
def conjuncts(expr: Expr) -> list[Expr]:
    """The AND-ed parts of ``expr`` (nested ANDs flattened), in order."""
    out: list[Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, And):
            stack.extend(reversed(node.args))
        else:
            out.append(node)
    return out


def conjoin(parts: Sequence[Expr]) -> Expr | None:
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


def subqueries_in(expr: Expr) -> list[SubqueryExpr]:
    """The subquery expressions inside ``expr`` (not those nested in their plans)."""
    return [e for e in walk(expr) if isinstance(e, SubqueryExpr)]


def referenced_cids(expr: Expr) -> set[int]:
    """Column ids ``expr`` needs from its input, those read by its correlated subqueries
    included."""
    cids = column_ids(expr)
    for sub in subqueries_in(expr):
        cids |= outer_references(sub.plan)
    return cids


def is_correlated(expr: Expr) -> bool:
    """True when ``expr`` contains a subquery reading columns of an enclosing query."""
    return any(outer_references(sub.plan) for sub in subqueries_in(expr))


def with_expr_children(expr: Expr, kids: Sequence[Expr]) -> Expr:
    """``expr`` rebuilt over new children, given in :func:`pyram.plan.expr.children` order."""
    if isinstance(expr, Negate | Not | Cast | IsNull):
        return attrs.evolve(expr, arg=kids[0])
    if isinstance(expr, Arith | Compare):
        return attrs.evolve(expr, left=kids[0], right=kids[1])
    if isinstance(expr, And | Or | FuncCall | ArithChain):
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


def _call_with_children(call: AggCall | WindowCall, kids: Sequence[Expr]) -> Expr:
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


def transform_expr(expr: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Apply ``fn`` bottom-up to every node of ``expr`` (not inside subquery plans).

    ``fn`` sees each node with its children already transformed.
    """
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    done: list[Expr] = []
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


def substitute(expr: Expr, mapping: dict[int, Expr]) -> Expr:
    """``expr`` with every column reference whose cid is in ``mapping`` replaced."""

    def swap(node: Expr) -> Expr:
        if isinstance(node, ColumnRef):
            return mapping.get(node.cid, node)
        return node

    return transform_expr(expr, swap)


# ---------------------------------------------------------------------- plans
def with_inputs(plan: Plan, new_inputs: Sequence[Plan]) -> Plan:
    """``plan`` over new children (same order as :func:`pyram.plan.nodes.inputs`); the node
    itself when nothing changed."""
    old = inputs(plan)
    if all(new is old_input for new, old_input in zip(new_inputs, old, strict=True)):
        return plan
    if isinstance(plan, Join | SetOp):
        return attrs.evolve(plan, left=new_inputs[0], right=new_inputs[1])
    if isinstance(plan, Insert):
        return attrs.evolve(plan, source=new_inputs[0])
    if isinstance(plan, RecursiveCte):
        return attrs.evolve(plan, anchor=new_inputs[0], step=new_inputs[1])
    if isinstance(
        plan, Filter | Project | Aggregate | Sort | Limit | Distinct | Window | Update | Delete
    ):
        return attrs.evolve(plan, input=new_inputs[0])
    return plan


#: expressions no rule rewrites (checked by type, cheaply, for long VALUES lists)
_LEAVES = frozenset({Literal_, Param})


def transform_plan_up(plan: Plan, fn: Callable[[Plan], Plan]) -> Plan:
    """Apply ``fn`` bottom-up to every node of ``plan`` (subquery plans are not entered)."""
    new_inputs = [transform_plan_up(child, fn) for child in inputs(plan)]
    return fn(with_inputs(plan, new_inputs))


def _map_all(exprs: Iterable[Expr], fn: Callable[[Expr], Expr]) -> tuple[tuple[Expr, ...], bool]:
    old = tuple(exprs)
    new = tuple(fn(e) for e in old)
    return new, any(a is not b for a, b in zip(new, old, strict=True))


def map_node_expressions(plan: Plan, fn: Callable[[Expr], Expr]) -> Plan:
    """``plan`` with ``fn`` applied to each of its own expressions (children untouched)."""
    if isinstance(plan, Filter):
        predicate = fn(plan.predicate)
        return plan if predicate is plan.predicate else attrs.evolve(plan, predicate=predicate)
    if isinstance(plan, Project):
        exprs, changed = _map_all(plan.exprs, fn)
        return attrs.evolve(plan, exprs=exprs) if changed else plan
    if isinstance(plan, Join):
        if plan.condition is None:
            return plan
        condition = fn(plan.condition)
        return plan if condition is plan.condition else attrs.evolve(plan, condition=condition)
    if isinstance(plan, Aggregate):
        return _map_aggregate(plan, fn)
    if isinstance(plan, Sort):
        keys = tuple(attrs.evolve(k, expr=fn(k.expr)) for k in plan.keys)
        changed = any(a.expr is not b.expr for a, b in zip(keys, plan.keys, strict=True))
        return attrs.evolve(plan, keys=keys) if changed else plan
    if isinstance(plan, Limit):
        limit = None if plan.limit is None else fn(plan.limit)
        offset = None if plan.offset is None else fn(plan.offset)
        if limit is plan.limit and offset is plan.offset:
            return plan
        return attrs.evolve(plan, limit=limit, offset=offset)
    if isinstance(plan, Values):
        if all(type(e) in _LEAVES for row in plan.rows for e in row):
            return plan  # a long INSERT ... VALUES of literals and parameters: nothing to do
        mapped = [_map_all(row, fn) for row in plan.rows]
        if not any(changed for _, changed in mapped):
            return plan
        return attrs.evolve(plan, rows=tuple(row for row, _ in mapped))
    if isinstance(plan, Update):
        values, changed = _map_all((e for _, e in plan.assignments), fn)
        if not changed:
            return plan
        names = (name for name, _ in plan.assignments)
        return attrs.evolve(plan, assignments=tuple(zip(names, values, strict=True)))
    if isinstance(plan, IndexScan):
        return _map_index_scan(plan, fn)
    if isinstance(plan, Window):
        return _map_window(plan, fn)
    return plan


def _map_window(plan: Window, fn: Callable[[Expr], Expr]) -> Plan:
    partition, partition_changed = _map_all(plan.partition_by, fn)
    keys = tuple(attrs.evolve(k, expr=fn(k.expr)) for k in plan.order_by)
    keys_changed = any(a.expr is not b.expr for a, b in zip(keys, plan.order_by, strict=True))
    calls: list[WindowCall] = []
    for call in plan.calls:
        new = fn(call)
        calls.append(new if isinstance(new, WindowCall) else call)
    calls_changed = any(a is not b for a, b in zip(calls, plan.calls, strict=True))
    if not (partition_changed or keys_changed or calls_changed):
        return plan
    return attrs.evolve(plan, partition_by=partition, order_by=keys, calls=tuple(calls))


def _map_aggregate(plan: Aggregate, fn: Callable[[Expr], Expr]) -> Plan:
    groups, groups_changed = _map_all(plan.groups, fn)
    aggregates: list[AggCall] = []
    for agg in plan.aggregates:
        new = fn(agg)
        aggregates.append(new if isinstance(new, AggCall) else agg)
    aggs_changed = any(a is not b for a, b in zip(aggregates, plan.aggregates, strict=True))
    if not groups_changed and not aggs_changed:
        return plan
    return attrs.evolve(plan, groups=groups, aggregates=tuple(aggregates))


def _map_index_scan(plan: IndexScan, fn: Callable[[Expr], Expr]) -> Plan:
    keys = [_map_all(key, fn) for key in plan.keys]
    low = None if plan.low is None else _map_all(plan.low, fn)
    high = None if plan.high is None else _map_all(plan.high, fn)
    bounds = [b for b in (low, high) if b is not None]
    if not any(changed for _, changed in keys + bounds):
        return plan
    return attrs.evolve(
        plan,
        keys=tuple(key for key, _ in keys),
        low=None if low is None else low[0],
        high=None if high is None else high[0],
    )


def map_subquery_plans(plan: Plan, fn: Callable[[Plan], Plan]) -> Plan:
    """``plan`` with every subquery plan inside its expressions replaced by ``fn(subplan)``.

    Only the outermost subqueries are handed to ``fn``; it is expected to recurse (rules do so
    by calling themselves).
    """
    return map_subqueries(plan, lambda sub: fn(sub.plan))


def map_subqueries(plan: Plan, fn: Callable[[SubqueryExpr], Plan]) -> Plan:
    """Like :func:`map_subquery_plans`, but ``fn`` sees the whole subquery expression (to tell
    EXISTS, whose output columns nobody reads, from a scalar or IN subquery)."""

    def swap(node: Expr) -> Expr:
        if isinstance(node, SubqueryExpr):
            new_plan = fn(node)
            return node if new_plan is node.plan else attrs.evolve(node, plan=new_plan)
        return node

    def rewrite_expr(expr: Expr) -> Expr:
        return transform_expr(expr, swap) if subqueries_in(expr) else expr

    return transform_plan_up(plan, lambda node: map_node_expressions(node, rewrite_expr))
