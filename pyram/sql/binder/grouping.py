"""GROUP BY for the SQL binder: groups by expression, alias or position, the aggregate calls
of the select list, HAVING and ORDER BY, and bare columns (SQLite allows them: they become
``any_value``). After the Aggregate node, :class:`_GroupHook` rebinds grouped expressions and
aggregate calls as columns of its output.
"""

from __future__ import annotations

from typing import Any

from pyram.errors import ProgrammingError
from pyram.functions import is_aggregate
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.expressions import ExprBinder, ExprCtx, children, contains_aggregate
from pyram.sql.binder.items import Item, out_of_range, position_of
from pyram.sql.binder.scope import Ambiguous, Scope

__all__ = ["GroupingBinder", "has_subquery"]


class GroupingBinder(ExprBinder):
    """Binds the grouping part of a SELECT."""

    def item_expr(self, item: Item, ctx: ExprCtx) -> px.Expr:
        """Bind a select-list item (implemented by the select binder)."""
        raise NotImplementedError

    def _group_exprs(self, core: ast.SelectCore, ctx: ExprCtx, items: list[Item]) -> list[px.Expr]:
        groups = []
        for e in core.group_by:
            position = position_of(e)
            if position is not None:
                if not 1 <= position <= len(items):
                    raise self.error(out_of_range("GROUP BY", len(items)), e.offset)
                item = items[position - 1]
                groups.append(self.item_expr(item, ctx))
                continue
            if isinstance(e, ast.ColumnRef) and e.table is None:
                alias = next(
                    (i for i in items if i.expr is not None and i.name.lower() == e.name.lower()),
                    None,
                )
                if alias is not None and ctx.scope.resolve(e.name, None) is None:
                    groups.append(self.value(alias.expr, ctx))  # type: ignore[arg-type]
                    continue
            if contains_aggregate(e):
                raise self.error(
                    "aggregate functions are not allowed in the GROUP BY clause", e.offset
                )
            groups.append(self.value(e, ctx))
        return groups

    def _aggregate(
        self,
        core: ast.SelectCore,
        plan: pn.Plan,
        ctx: ExprCtx,
        items: list[Item],
        order: tuple[ast.OrderingTerm, ...],
    ) -> tuple[pn.Plan, ExprCtx]:
        groups = self._group_exprs(core, ctx, items)
        calls: list[px.AggCall] = []
        sources: list[ast.Node] = [i.expr for i in items if i.expr is not None]
        sources += [core.having] if core.having is not None else []
        sources += [t.expr for t in order]
        # each aggregate call of the syntax tree -> its aggregate (equal calls share one); by
        # node identity, since binding a call again would give its subqueries new column ids
        call_of: dict[int, px.AggCall] = {}
        for node in _aggregate_calls(sources):
            call = self.aggregate_call(node, ctx)
            if call not in calls:
                calls.append(call)
            call_of[id(node)] = call
        bare = self._bare_columns(sources, items, ctx.scope, groups)
        for field in bare.values():
            call = self.b.agg("any_value", [self.b.column(field)])
            if call not in calls:
                calls.append(call)
        # named as the DSL names them, so both front ends give one plan
        names = [
            g.name if isinstance(g, px.ColumnRef | px.FuncCall) else f"group{i + 1}"
            for i, g in enumerate(groups)
        ]
        names += [c.name for c in calls]
        agg_plan = self.b.aggregate(plan, groups, calls, names)
        out = agg_plan.out
        group_fields = list(zip(groups, out[: len(groups)], strict=True))
        agg_fields = dict(zip(calls, out[len(groups) :], strict=True))
        bare_fields = {
            cid: agg_fields[self.b.agg("any_value", [self.b.column(f)])] for cid, f in bare.items()
        }
        node_fields = {node: agg_fields[call] for node, call in call_of.items()}
        hook = _GroupHook(self, ctx, group_fields, node_fields, bare_fields)
        return agg_plan, ExprCtx(ctx.scope, hook)

    def _bare_columns(
        self,
        sources: list[ast.Node],
        items: list[Item],
        scope: Scope,
        groups: list[px.Expr],
    ) -> dict[int, px.Field]:
        """Columns of this level used outside aggregates and not grouped, by column id.

        SQLite allows such bare columns and takes the value of some row of the group; here
        they become ``any_value(column)``.
        """
        found: dict[int, px.Field] = {}
        for node in _bare_refs(sources):
            try:
                field = scope._resolve_here(node.name, node.table)
            except Ambiguous:
                continue
            if field is not None and self.b.column(field) not in groups:
                found.setdefault(field.cid, field)
        for item in items:
            if item.field is not None and self.b.column(item.field) not in groups:
                found.setdefault(item.field.cid, item.field)
        return found


class _GroupHook:
    """After GROUP BY: aggregate calls and grouped expressions become the aggregate's output
    columns; any other column of this query level is an error (outer columns are fine)."""

    def __init__(
        self,
        binder: GroupingBinder,
        ctx: ExprCtx,
        groups: list[tuple[px.Expr, px.Field]],
        aggregates: dict[int, px.Field],
        bare: dict[int, px.Field],
    ) -> None:
        self.binder = binder
        self.ctx = ctx
        self.groups = groups
        self.aggregates = aggregates
        self.bare = bare

    def __call__(self, e: ast.Expr) -> px.Expr | None:
        binder = self.binder
        if isinstance(e, ast.FunctionCall) and is_aggregate(e.name, 0 if e.star else len(e.args)):
            field = self.aggregates.get(id(e))
            if field is None:  # pragma: no cover - every call was collected beforehand
                raise binder.error(f"misuse of aggregate function {e.name}()", e.offset)
            return binder.b.column(field)
        if isinstance(e, _NOT_GROUPED):
            return None
        if self.groups and isinstance(e, _GROUPABLE) and not contains_aggregate(e):
            field = self._group_of(e)
            if field is not None:
                return binder.b.column(field)
        if isinstance(e, ast.ColumnRef):
            try:
                here = self.ctx.scope._resolve_here(e.name, e.table)
            except Ambiguous:
                here = None
            if here is not None:
                return binder.b.column(self.bare[here.cid])
        return None

    def _group_of(self, e: ast.Expr) -> px.Field | None:
        if has_subquery(e):
            return None
        try:
            bound = self.binder.value(e, self.ctx)
        except ProgrammingError:
            return None
        return next((field for group, field in self.groups if group == bound), None)


_GROUPABLE = (ast.ColumnRef, ast.Binary, ast.Unary, ast.FunctionCall, ast.Case, ast.Cast)

_NOT_GROUPED = (
    ast.IntegerLiteral,
    ast.RealLiteral,
    ast.StringLiteral,
    ast.NullLiteral,
    ast.Parameter,
    ast.BooleanLiteral,
    ast.BlobLiteral,
)


def _aggregate_calls(roots: list[Any]) -> list[ast.FunctionCall]:
    """Aggregate calls in expressions, outermost first, not entering subqueries or calls."""
    found: list[ast.FunctionCall] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionCall) and is_aggregate(
            node.name, 0 if node.star else len(node.args)
        ):
            found.append(node)
            continue
        if isinstance(node, ast.Subquery | ast.Exists):
            continue
        if isinstance(node, ast.InSelect):
            stack.append(node.operand)
            continue
        stack.extend(reversed(children(node)))
    return found


def _bare_refs(roots: list[Any]) -> list[ast.ColumnRef]:
    """Column references outside aggregate calls and subqueries."""
    found: list[ast.ColumnRef] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ColumnRef):
            found.append(node)
            continue
        if isinstance(node, ast.FunctionCall) and is_aggregate(
            node.name, 0 if node.star else len(node.args)
        ):
            continue
        if isinstance(node, ast.Subquery | ast.Exists):
            continue
        if isinstance(node, ast.InSelect):
            stack.append(node.operand)
            continue
        stack.extend(children(node))
    return found


def has_subquery(e: Any) -> bool:
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Subquery | ast.Exists | ast.InSelect | ast.InTable):
            return True
        stack.extend(children(node))
    return False
