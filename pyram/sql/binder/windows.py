"""Bind window functions: ``f(...) [FILTER (WHERE ...)] OVER (...)`` in the select list and
ORDER BY, with named windows (``WINDOW w AS (...)``, ``OVER w``, ``OVER (w ORDER BY ...)``).

Window functions run after WHERE, GROUP BY and HAVING, so their arguments, partitions and
orders are bound in the post-aggregation context (``sum(sum(x)) OVER ()`` reads the
aggregate's output). Calls sharing a PARTITION BY and ORDER BY go into one ``Window`` node
(one sort); each distinct specification stacks another, in order of first use. A hook then
makes every call a column of its node's output. Anywhere else (WHERE, GROUP BY, HAVING, inside
another window function's arguments) a window function is a misuse, as in SQLite.
"""

from __future__ import annotations

from typing import Any

from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.calls import children
from pyram.sql.binder.expressions import ExprBinder, ExprCtx
from pyram.sql.binder.scope import Scope

__all__ = ["WindowBinder", "window_calls"]

_UNITS: dict[str, px.FrameUnit] = {"rows": "rows", "range": "range", "groups": "groups"}
_BOUNDS: dict[str, px.BoundKind] = {
    "unbounded_preceding": "unbounded_preceding",
    "preceding": "preceding",
    "current_row": "current_row",
    "following": "following",
    "unbounded_following": "unbounded_following",
}
_EXCLUDES: dict[str, px.FrameExclude] = {
    "no_others": "no_others",
    "current_row": "current_row",
    "group": "group",
    "ties": "ties",
}


def window_calls(roots: list[Any]) -> list[ast.FunctionCall]:
    """The window calls in expressions, outermost ones only, not inside subqueries."""
    found: list[ast.FunctionCall] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionCall) and node.over is not None:
            found.append(node)
            continue
        if isinstance(node, ast.Subquery | ast.Exists | ast.InSelect):
            continue
        stack.extend(reversed(children(node)))
    return found


class WindowBinder(ExprBinder):
    """Binds the window functions of one SELECT."""

    def bind_windows(
        self,
        plan: pn.Plan,
        calls: list[ast.FunctionCall],
        named: tuple[ast.NamedWindow, ...],
        ctx: ExprCtx,
    ) -> tuple[pn.Plan, ExprCtx]:
        """``plan`` under one Window node per distinct window specification of ``calls``,
        and a context where each call is its output column."""
        windows = {w.name.lower(): w for w in named}
        specs: dict[tuple[Any, ...], list[px.WindowCall]] = {}
        call_of: dict[int, tuple[tuple[Any, ...], px.WindowCall]] = {}
        for node in calls:
            definition = self._definition(node, windows)
            partition = tuple(self.value(e, ctx) for e in definition.partition_by)
            order = tuple(
                px.SortKey(self.value(t.expr, ctx), t.descending, _nulls(t))
                for t in definition.order_by
            )
            bound = self._call(node, definition, ctx)
            key = (partition, order)
            members = specs.setdefault(key, [])
            if bound not in members:
                members.append(bound)
            call_of[id(node)] = (key, bound)
        outputs: dict[tuple[Any, ...], dict[px.WindowCall, px.Field]] = {}
        for (partition, order), members in specs.items():
            first = next(n for n in calls if call_of[id(n)][0] == (partition, order))
            with self.at(first):
                node_plan = self.b.window(
                    plan, partition, order, members, [m.name for m in members]
                )
            outputs[(partition, order)] = dict(zip(members, node_plan.out, strict=True))
            plan = node_plan
        fields = {n: outputs[key][call] for n, (key, call) in call_of.items()}
        inner = ctx.hook

        def hook(e: ast.SqlExpr) -> px.PlanExpr | None:
            field = fields.get(id(e)) if isinstance(e, ast.FunctionCall) else None
            if field is not None:
                return self.b.column(field)
            return None if inner is None else inner(e)

        return plan, ExprCtx(ctx.scope, hook)

    def _call(
        self, node: ast.FunctionCall, definition: ast.WindowDef, ctx: ExprCtx
    ) -> px.WindowCall:
        if node.distinct:
            raise self.error("DISTINCT is not supported for window functions", node.offset)
        args = [] if node.star else [self.numeric(self.value(a, ctx)) for a in node.args]
        condition = None if node.filter is None else self.cond(node.filter, ctx)
        frame = self._frame(definition.frame, ctx)
        name = "count_star" if node.star and node.name.lower() == "count" else node.name.lower()
        if node.star and name != "count_star":
            raise self.error(f"{node.name}(*) is not allowed", node.offset)
        with self.at(node):
            return self.b.window_call(name, args, frame, condition)

    def _frame(self, spec: ast.FrameSpec | None, ctx: ExprCtx) -> px.WindowFrame:
        if spec is None:
            return px.WindowFrame()
        bounds = []
        for bound in (spec.start, spec.end):
            amount = None
            if bound.amount is not None:
                # offsets are constants: no column of this query is visible to them
                amount = self.value(bound.amount, ExprCtx(Scope(None)))
            bounds.append(px.FrameBound(_BOUNDS[bound.kind], amount))
        return px.WindowFrame(_UNITS[spec.unit], bounds[0], bounds[1], _EXCLUDES[spec.exclude])

    def _definition(
        self, node: ast.FunctionCall, windows: dict[str, ast.NamedWindow]
    ) -> ast.WindowDef:
        """The call's window with named windows resolved (SQLite's rules for extending one)."""
        over = node.over
        if isinstance(over, str):
            return self._named(over, windows, node.offset)
        assert isinstance(over, ast.WindowDef)
        return self._extended(over, windows)

    def _named(self, name: str, windows: dict[str, ast.NamedWindow], offset: int) -> ast.WindowDef:
        found = windows.get(name.lower())
        if found is None:
            raise self.error(f"no such window: {name}", offset)
        return self._extended(found.window, windows)

    def _extended(
        self, window: ast.WindowDef, windows: dict[str, ast.NamedWindow]
    ) -> ast.WindowDef:
        if window.base is None:
            return window
        base = self._named(window.base, windows, window.offset)
        name = window.base
        if window.partition_by:
            raise self.error(f"cannot override PARTITION clause of window: {name}", window.offset)
        if base.order_by and window.order_by:
            raise self.error(f"cannot override ORDER BY clause of window: {name}", window.offset)
        if base.frame is not None:
            raise self.error(
                f"cannot override frame specification of window: {name}", window.offset
            )
        return ast.WindowDef(
            offset=window.offset,
            partition_by=base.partition_by,
            order_by=window.order_by or base.order_by,
            frame=window.frame,
        )


def _nulls(term: ast.OrderingTerm) -> bool | None:
    if term.nulls is None:
        return None
    return term.nulls is ast.NullsOrder.FIRST
