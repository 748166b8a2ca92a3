"""Bind DSL window expressions (``func.rank().over(...)``) to ``Window`` plan nodes.

Mirrors the SQL binder (:mod:`pyram.sql.binder.windows`) so a query written either way is one
plan: windows come after grouping and HAVING, their parts are bound with the post-aggregation
binding, calls sharing a partition and order share one node (in order of first use: select
list, then ORDER BY), and each call is named after its function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyram.dsl.expr import Expr
from pyram.dsl.terms import Aggregate
from pyram.dsl.window import Frame, WindowExpr
from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn

if TYPE_CHECKING:
    from pyram.dsl.binder import _Binder

__all__ = ["bind_windows", "windows_in"]

Post = Callable[[Expr[Any]], px.PlanExpr]


def windows_in(roots: list[Any], children: Callable[[Any], list[Any]]) -> list[WindowExpr[Any]]:
    """The outermost window expressions of ``roots``."""
    found: list[WindowExpr[Any]] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if isinstance(node, WindowExpr):
            found.append(node)
            continue
        stack.extend(reversed(children(node)))
    return found


def bind_windows(
    binder: _Binder,
    plan: pn.Plan,
    windows: list[WindowExpr[Any]],
    post: Post,
    scope: Any,
    children: Callable[[Any], list[Any]],
) -> tuple[pn.Plan, Post]:
    """``plan`` under one Window node per distinct (partition, order), and a binding where each
    window expression is its node's output column."""
    b = binder.b
    specs: dict[tuple[Any, ...], list[px.WindowCall]] = {}
    call_of: dict[Any, tuple[tuple[Any, ...], px.WindowCall]] = {}
    for window in windows:
        key = window._key()
        if key in call_of:
            continue
        partition = tuple(post(p) for p in window.partition_by)
        order = tuple(
            px.SortKey(post(o.expr), o.descending, o.nulls_first) for o in window.order_by
        )
        call = _call(binder, window, post)
        spec = (partition, order)
        members = specs.setdefault(spec, [])
        if call not in members:
            members.append(call)
        call_of[key] = (spec, call)
    outputs: dict[tuple[Any, ...], dict[px.WindowCall, px.Field]] = {}
    for (partition, order), members in specs.items():
        node = b.window(plan, partition, order, members, [m.name for m in members])
        outputs[(partition, order)] = dict(zip(members, node.out, strict=True))
        plan = node
    fields = {key: outputs[spec][call] for key, (spec, call) in call_of.items()}

    def bound(e: Expr[Any]) -> px.PlanExpr:
        field = fields.get(e._key()) if isinstance(e, WindowExpr) else None
        if field is not None:
            return b.column(field)
        if not windows_in([e], children):
            return post(e)
        return binder.expr(e, scope, bound)

    return plan, bound


def _call(binder: _Binder, window: WindowExpr[Any], post: Post) -> px.WindowCall:
    call = window.call
    b = binder.b
    if isinstance(call, Aggregate) and call.distinct:
        raise ProgrammingError("DISTINCT is not supported for window functions")
    args = [post(a) for a in call.args]
    condition = None
    if isinstance(call, Aggregate) and call.where is not None:
        condition = post(call.where)
    return b.window_call(call.name, args, _frame(binder, window.frame), condition)


def _frame(binder: _Binder, frame: Frame | None) -> px.WindowFrame | None:
    if frame is None:
        return None
    start = _bound(binder, frame.start, is_start=True)
    end = _bound(binder, frame.end, is_start=False)
    return px.WindowFrame(frame.unit, start, end, frame.exclude)


def _bound(binder: _Binder, value: int | float | None, is_start: bool) -> px.FrameBound:
    if value is None:
        return px.FrameBound("unbounded_preceding" if is_start else "unbounded_following")
    if value == 0:
        return px.FrameBound("current_row")
    offset = binder.b.literal(abs(value))
    return px.FrameBound("preceding", offset) if value < 0 else px.FrameBound("following", offset)
