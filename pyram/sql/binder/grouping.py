"""GROUP BY for the SQL binder: groups by expression, alias or position, the aggregate calls
of the select list, HAVING and ORDER BY, and bare columns (SQLite allows them: they become
``any_value``). After the Aggregate node, :class:`_GroupHook` rebinds grouped expressions and
aggregate calls as columns of its output, and inner queries see this level's columns as such
outputs too. An aggregate call inside a subquery whose arguments name only outer columns
belongs to the outer query (SQLite's rule): the outer query computes it.
"""

from __future__ import annotations

from typing import Any

import attrs

from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.calls import children, contains_aggregate, is_aggregate_call
from pyram.sql.binder.expressions import ExprBinder, ExprCtx
from pyram.sql.binder.items import Item, out_of_range, position_of
from pyram.sql.binder.scope import Alias, Ambiguous, Scope

__all__ = ["GroupingBinder", "has_subquery"]


class GroupingBinder(ExprBinder):
    """Binds the grouping part of a SELECT."""

    def item_expr(self, item: Item, ctx: ExprCtx) -> px.PlanExpr:
        """Bind a select-list item (implemented by the select binder)."""
        raise NotImplementedError

    def aliases(self, items: list[Item], ctx: ExprCtx) -> dict[str, Alias]:
        """The AS names of the select list, bound in ``ctx`` where a clause names them."""
        found: dict[str, Alias] = {}
        for item in items:
            if item.alias and item.expr is not None:
                found.setdefault(item.name.lower(), Alias(item.expr, ctx, ctx.scope))
        return found

    def _group_exprs(
        self, core: ast.SelectCore, ctx: ExprCtx, items: list[Item]
    ) -> list[px.PlanExpr]:
        groups = []
        scope = ctx.scope
        for index, e in enumerate(core.group_by):
            position = position_of(e)
            if position is not None:
                if not 1 <= position <= len(items):
                    raise self.error(out_of_range("GROUP BY", len(items), index), e.offset)
                with scope.state(phase="group"):
                    groups.append(self.item_expr(items[position - 1], ctx))
                continue
            if contains_aggregate(e):
                raise self.error(
                    "aggregate functions are not allowed in the GROUP BY clause", e.offset
                )
            # this level's columns, then AS names; never an outer query's columns (SQLite)
            with scope.state(aliases=self.aliases(items, ctx), sealed=True, phase="group"):
                groups.append(self.value(e, ctx))
        return groups

    def own_aggregates(self, roots: list[Any], scope: Scope) -> list[ast.FunctionCall]:
        """The aggregate calls in ``roots`` that belong to this query level."""
        return [n for n in _aggregate_calls(roots) if self._owner_depth(n, scope) == 0]

    def _owner_depth(self, e: ast.FunctionCall, scope: Scope) -> int:
        """Which query level an aggregate call belongs to (0: this one): as in SQLite, the
        innermost level whose columns its arguments name (this one when they name none)."""
        depths = []
        stack: list[Any] = list(e.args)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Subquery | ast.Exists | ast.InSelect | ast.InTable):
                return 0
            if isinstance(node, ast.ColumnRef):
                depth = scope.level_of(node.name, node.table)
                if depth is None:
                    return 0
                if scope.ancestor(depth).hosts_aggregates:
                    depths.append(depth)
                continue
            stack.extend(children(node))
        return min(depths, default=0)

    def outer_aggregate(self, e: ast.FunctionCall, ctx: ExprCtx) -> px.PlanExpr | None:
        depth = self._owner_depth(e, ctx.scope)
        if depth == 0:
            return None
        owner = ctx.scope.ancestor(depth)
        field = owner.foreign_fields.get(id(e))
        if field is not None:
            return self.b.column(field)
        if owner.phase == "group":
            raise self.error("aggregate functions are not allowed in the GROUP BY clause", e.offset)
        if owner.phase == "pre" or (owner.phase == "post" and not owner.aggregated):
            raise self.error(f"misuse of aggregate function {e.name}()", e.offset)
        # found while binding the owner's select list: the owner binds itself again as an
        # aggregate computing this call; meanwhile a stand-in of the call's type
        owner.foreign[id(e)] = e
        call = self.aggregate_call(e, ExprCtx(owner))
        return self.b.column(px.Field(self.b.new_cid(), e.name, call.dtype, True))

    def _aggregate(
        self,
        core: ast.SelectCore,
        plan: pn.Plan,
        ctx: ExprCtx,
        items: list[Item],
        order: tuple[ast.OrderingTerm, ...],
    ) -> tuple[pn.Plan, ExprCtx, _GroupHook]:
        scope = ctx.scope
        groups = self._group_exprs(core, ctx, items)
        calls: list[px.AggCall] = []
        sources: list[ast.Node] = [i.expr for i in items if i.expr is not None]
        # each aggregate call of the syntax tree -> its aggregate (equal calls share one); by
        # node identity, since binding a call again would give its subqueries new column ids.
        # Arguments in HAVING / ORDER BY may name select-list aliases.
        call_of: dict[int, px.AggCall] = {}
        parts: list[tuple[list[Any], dict[str, Alias] | None, bool]] = [
            (list(sources), None, False),
            ([core.having] if core.having is not None else [], self.aliases(items, ctx), False),
            ([t.expr for t in order], self.aliases(items, ctx), True),
            (list(scope.foreign.values()), None, False),
        ]
        for roots, aliases, sealed in parts:
            with scope.state(aliases=aliases, sealed=sealed):
                for node in self.own_aggregates(roots, scope):
                    call = self.aggregate_call(node, ctx)
                    if call not in calls:
                        calls.append(call)
                    call_of[id(node)] = call
        sources += [core.having] if core.having is not None else []
        sources += [t.expr for t in order]
        bare = self._bare_columns(sources, items, scope, groups)
        for field in bare.values():
            call = self.b.agg("any_value", [self.b.column(field)])
            if call not in calls:
                calls.append(call)
        # named as the DSL names them, so both front ends give one plan
        names = [
            g.name if isinstance(g, px.ColumnRef | px.FunctionCall) else f"group{i + 1}"
            for i, g in enumerate(groups)
        ]
        names += [c.name for c in calls]
        agg_plan = self.b.aggregate(plan, groups, calls, names)
        out = agg_plan.out
        group_fields = list(zip(groups, out[: len(groups)], strict=True))
        agg_fields = dict(zip(calls, out[len(groups) :], strict=True))
        node_fields = {node: agg_fields[call] for node, call in call_of.items()}
        hook = _GroupHook(self, ctx, agg_plan, group_fields, node_fields, agg_fields)
        for field in bare.values():
            hook.bare_field(field)
        scope.outer_map = hook.outer_field
        scope.foreign_fields = {n: f for n, f in node_fields.items() if n in scope.foreign}
        return agg_plan, ExprCtx(scope, hook), hook

    def _bare_columns(
        self,
        sources: list[ast.Node],
        items: list[Item],
        scope: Scope,
        groups: list[px.PlanExpr],
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
    columns; another column of this query level is ``any_value`` of it (SQLite's bare column),
    also where an inner query names it. Such columns found late are added by :meth:`finish`."""

    def __init__(
        self,
        binder: GroupingBinder,
        ctx: ExprCtx,
        plan: pn.Aggregate,
        groups: list[tuple[px.PlanExpr, px.Field]],
        aggregates: dict[int, px.Field],
        calls: dict[px.AggCall, px.Field],
    ) -> None:
        self.binder = binder
        self.ctx = ctx
        self.plan = plan
        self.groups = groups
        self.aggregates = aggregates
        self.calls = calls
        self.bare: dict[int, px.Field] = {}
        self.extra: dict[px.AggCall, px.Field] = {}

    def __call__(self, e: ast.SqlExpr) -> px.PlanExpr | None:
        binder = self.binder
        if is_aggregate_call(e):
            field = self.aggregates.get(id(e))
            # None: an outer query's aggregate, or a misuse (reported by the expression binder)
            return None if field is None else binder.b.column(field)
        if isinstance(e, _NOT_GROUPED):
            return None
        if isinstance(e, ast.ColumnRef):
            try:
                here = self.ctx.scope._resolve_here(e.name, e.table)
            except Ambiguous:
                return None
            # None: an outer column or an alias, bound as usual
            return None if here is None else binder.b.column(self.outer_field(here))
        if self.groups and isinstance(e, _GROUPABLE) and not contains_aggregate(e):
            field = self._group_of(e)
            if field is not None:
                return binder.b.column(field)
        return None

    def outer_field(self, field: px.Field) -> px.Field:
        """The output column that stands for this level's column ``field`` after grouping."""
        ref = self.binder.b.column(field)
        group = next((out for g, out in self.groups if g == ref), None)
        return group if group is not None else self.bare_field(field)

    def bare_field(self, field: px.Field) -> px.Field:
        """The ``any_value`` output column of a column not grouped (added when new)."""
        found = self.bare.get(field.cid)
        if found is None:
            b = self.binder.b
            call = b.agg("any_value", [b.column(field)])
            found = self.calls.get(call) or self.extra.get(call)
            if found is None:
                found = b.fields_for([call], [call.name])[0]
                self.extra[call] = found
            self.bare[field.cid] = found
        return found

    def finish(self, plan: pn.Plan) -> pn.Plan:
        """``plan`` (built on the aggregate) with the aggregate computing the late columns."""
        if not self.extra:
            return plan
        full = attrs.evolve(
            self.plan,
            aggregates=self.plan.aggregates + tuple(self.extra),
            out=self.plan.out + tuple(self.extra.values()),
        )
        return _replace(plan, self.plan, full)

    def _group_of(self, e: ast.SqlExpr) -> px.Field | None:
        if has_subquery(e):
            return None
        try:
            bound = self.binder.value(e, self.ctx)
        except ProgrammingError:
            return None
        return next((field for group, field in self.groups if group == bound), None)


def _replace(plan: pn.Plan, old: pn.Plan, new: pn.Plan) -> pn.Plan:
    """``plan`` with ``old``, reached through the ``input`` chain, replaced by ``new``."""
    if plan is old:
        return new
    inner = getattr(plan, "input")  # noqa: B009 - every node above the aggregate has one
    return attrs.evolve(plan, input=_replace(inner, old, new))  # type: ignore[misc]


_GROUPABLE = (ast.ColumnRef, ast.Binary, ast.Unary, ast.FunctionCall, ast.Case, ast.Cast)

_NOT_GROUPED = (
    ast.IntegerLiteral,
    ast.RealLiteral,
    ast.StringLiteral,
    ast.NullLiteral,
    ast.Param,
    ast.BooleanLiteral,
    ast.BlobLiteral,
)


def _aggregate_calls(roots: list[Any]) -> list[ast.FunctionCall]:
    """Aggregate calls in expressions, outermost first, not entering subqueries or calls."""
    found: list[ast.FunctionCall] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if is_aggregate_call(node):
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
        if is_aggregate_call(node):
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
