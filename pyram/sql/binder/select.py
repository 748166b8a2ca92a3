"""Bind SELECT statements: FROM (tables, views, CTEs, subqueries, joins), WHERE, grouping,
the select list, ORDER BY (by alias, position or expression), LIMIT/OFFSET and compounds.

The plan has the shape the DSL binder gives the same query (scan -> joins -> filter ->
[aggregate -> having] -> [sort -> limit] -> project; with DISTINCT: project -> distinct ->
sort -> limit; ORDER BY a term not selected: aggregate -> sort -> limit -> project), so
a query written either way is one plan.
"""

from __future__ import annotations

from typing import Any

from pyram.errors import ProgrammingError
from pyram.functions import common_type
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.base import CteDef
from pyram.sql.binder.expressions import ExprCtx
from pyram.sql.binder.grouping import GroupingBinder
from pyram.sql.binder.items import BoundSelect, Item, out_of_range, position_of
from pyram.sql.binder.scope import Ambiguous, Scope
from pyram.sql.binder.sources import SourceBinder
from pyram.sql.binder.windows import WindowBinder, window_calls
from pyram.types import DataType

__all__ = ["BoundSelect", "SelectBinder"]

#: set operators whose runs may be regrouped: (a op b) op c is a op (b op c)
_ASSOCIATIVE = frozenset({ast.CompoundOp.UNION, ast.CompoundOp.UNION_ALL, ast.CompoundOp.INTERSECT})
#: runs of at least this many arms are joined as a balanced tree
_BALANCE_MIN_ARMS = 32
_SET_OPS: dict[ast.CompoundOp, tuple[pn.SetOpKind, bool]] = {
    ast.CompoundOp.UNION: ("union", False),
    ast.CompoundOp.UNION_ALL: ("union", True),
    ast.CompoundOp.INTERSECT: ("intersect", False),
    ast.CompoundOp.EXCEPT: ("except", False),
}


class SelectBinder(SourceBinder, GroupingBinder, WindowBinder):
    """Binds queries; expression binding is inherited."""

    # ------------------------------------------------------------------ entry points
    def bind_select(self, select: ast.Select, parent: Scope | None = None) -> BoundSelect:
        """Bind a full query (WITH, body, ORDER BY, LIMIT)."""
        self.ctes.append(
            {
                c.name.lower(): CteDef(c.name, c.select, c.columns, select.recursive)
                for c in select.ctes
            }
        )
        try:
            body = select.body
            if isinstance(body, ast.SelectCore):
                return self._core(body, select, parent)
            return self._compound(select, parent)
        finally:
            self.ctes.pop()

    def bind_subquery(self, select: ast.Select, parent: Scope) -> pn.Plan:
        return self.bind_select(select, parent).plan

    # ------------------------------------------------------------------ compounds
    def arm(self, body: ast.SelectBody, parent: Scope | None) -> BoundSelect:
        if isinstance(body, ast.SelectCore):
            return self._core(body, None, parent)
        if isinstance(body, ast.Values):
            return self._values(body, parent)
        assert isinstance(body, ast.CompoundSelect)
        # the arms of ``a op b op c ...`` read in a loop (compounds nest to the left)
        steps: list[ast.CompoundSelect] = []
        node: ast.SelectBody = body
        while isinstance(node, ast.CompoundSelect):
            steps.append(node)
            node = node.left
        steps.reverse()
        bound = self.arm(node, parent)
        plans = [bound.plan]
        for i, step in enumerate(steps):
            plans.append(self.arm(step.right, parent).plan)
            run_continues = i + 1 < len(steps) and steps[i + 1].op is step.op
            if not (run_continues and step.op in _ASSOCIATIVE):
                with self.at(step):
                    plans = [self._set_op_run(step.op, plans)]
        return BoundSelect(plans[0], bound.names)

    def _set_op_run(self, op: ast.CompoundOp, plans: list[pn.Plan]) -> pn.Plan:
        """``plans[0] op plans[1] op ...``. UNION [ALL] and INTERSECT are associative, so a
        long run is joined as a balanced tree, keeping the arms in order: 500 arms nest 9
        deep instead of 500 (every pass over plans recurses). Short runs nest to the left."""
        kind, keep_all = _SET_OPS[op]
        if len(plans) < _BALANCE_MIN_ARMS:
            plan = plans[0]
            for right in plans[1:]:
                plan = self.b.set_op(kind, keep_all, plan, right)
            return plan
        while len(plans) > 1:
            paired = [
                self.b.set_op(kind, keep_all, plans[i], plans[i + 1])
                for i in range(0, len(plans) - 1, 2)
            ]
            plans = paired + plans[len(plans) - len(plans) % 2 :]
        return plans[0]

    def _compound(self, select: ast.Select, parent: Scope | None) -> BoundSelect:
        bound = self.arm(select.body, parent)
        plan = bound.plan
        if select.order_by:
            keys = [
                self._output_key(i, term, plan, bound.names)
                for i, term in enumerate(select.order_by)
            ]
            plan = self.b.compound_sort(plan, keys)
        plan = self._limit(select, plan, Scope(parent))
        return BoundSelect(plan, bound.names)

    def _output_key(
        self, number: int, term: ast.OrderingTerm, plan: pn.Plan, names: tuple[str, ...]
    ) -> Any:
        """An ORDER BY term of a compound (the ``number``-th, from 0): a position, an output
        name or an output column."""
        e = term.expr
        index = None
        position = position_of(e)
        if position is not None:
            index = position - 1
            if not 0 <= index < len(names):
                raise self.error(out_of_range("ORDER BY", len(names), number), e.offset)
        elif isinstance(e, ast.ColumnRef):
            lowered = [n.lower() for n in names]
            if e.name.lower() in lowered:
                index = lowered.index(e.name.lower())
        if index is None:
            raise self.error("ORDER BY term does not match any column in the result set", e.offset)
        return px.SortKey(self.b.column(plan.fields[index]), term.descending, _nulls(term))

    def _values(self, body: ast.Values, parent: Scope | None) -> BoundSelect:
        ctx = ExprCtx(Scope(parent))
        rows = [tuple(self.value(e, ctx) for e in row) for row in body.rows]
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise self.error("all VALUES must have the same number of terms", body.offset)
        names = tuple(f"column{i + 1}" for i in range(width))
        with self.at(body):
            plan = self.values_plan(rows, names)
        return BoundSelect(plan, names)

    def values_plan(self, rows: list[tuple[px.PlanExpr, ...]], names: tuple[str, ...]) -> pn.Values:
        """A VALUES node; each column takes the type of its first non-NULL value."""
        dtypes: list[DataType] = []
        for i in range(len(names)):
            column = [r[i] for r in rows]
            typed = next((e for e in column if e.dtype.family != "null"), column[0])
            for e in column:
                if e.dtype.family not in ("null", typed.dtype.family):
                    raise ProgrammingError(
                        f"VALUES column {i + 1} mixes {typed.dtype.name} and {e.dtype.name}"
                    )
            # INTEGER and REAL values mix (each keeps its own representation): REAL, as CASE
            dtypes.append(
                common_type("VALUES", [e.dtype for e in column])
                if typed.dtype.family == "numeric"
                else typed.dtype
            )
        typed_rows = tuple(
            tuple(self.b.coerce_to(e, t) for e, t in zip(row, dtypes, strict=True)) for row in rows
        )
        out = tuple(
            px.Field(self.b.new_cid(), name, t, any(r[i].nullable for r in typed_rows))
            for i, (name, t) in enumerate(zip(names, dtypes, strict=True))
        )
        return pn.Values(typed_rows, out)

    # ------------------------------------------------------------------ one SELECT
    def _core(
        self, core: ast.SelectCore, select: ast.Select | None, parent: Scope | None
    ) -> BoundSelect:
        known: dict[int, ast.FunctionCall] = {}
        while True:
            scope = Scope(parent)
            scope.foreign = dict(known)
            bound = self._core_in(core, select, scope)
            if scope.foreign.keys() <= known.keys():
                return bound
            # a subquery of the select list holds an aggregate of this level's columns:
            # bind again, as an aggregate query computing it
            known = dict(scope.foreign)

    def _core_in(
        self, core: ast.SelectCore, select: ast.Select | None, scope: Scope
    ) -> BoundSelect:
        ctx = ExprCtx(scope)
        if core.from_ is None:
            plan = _one_row()
        else:
            # ON conditions see the AS names too (SQLite reads them as part of WHERE)
            named = [
                Item(c.alias, expr=c.expr, alias=True)
                for c in core.columns
                if isinstance(c, ast.ExprColumn) and c.alias is not None
            ]
            with scope.state(aliases=self.aliases(named, ctx)):
                plan = self.from_clause(core.from_, scope)
        items = self._items(core, scope)
        if core.where is not None:
            with scope.state(aliases=self.aliases(items, ctx)):
                plan = self.b.filter(plan, self.cond(core.where, ctx))
        order = select.order_by if select is not None else ()
        aggregated = (
            bool(core.group_by)
            or bool(scope.foreign)
            or bool(
                self.own_aggregates(
                    [
                        *(i.expr for i in items if i.expr is not None),
                        *([core.having] if core.having is not None else []),
                        *(t.expr for t in order),
                    ],
                    scope,
                )
            )
        )
        post = ctx
        hook = None
        if aggregated:
            scope.aggregated = True
            plan, post, hook = self._aggregate(core, plan, ctx, items, order)
            if core.having is not None:
                with scope.state(aliases=self.aliases(items, post), phase="post"):
                    plan = self.b.filter(plan, self.cond(core.having, post))
        elif core.having is not None:
            raise self.error("a GROUP BY clause is required before HAVING", core.having.offset)
        windowed = window_calls([*(i.expr for i in items if i.expr is not None), *order])
        if windowed:
            with scope.state(phase="items"):
                plan, post = self.bind_windows(plan, windowed, core.windows, post)
        with scope.state(phase="items"):
            exprs = [self.item_expr(item, post) for item in items]
        names = tuple(i.name for i in items)
        plan_names = _unique([n for n in names])
        # ORDER BY sees this level's columns, then AS names; no outer query (SQLite)
        ordering = scope.state(aliases=self.aliases(items, post), sealed=True, phase="post")
        if core.distinct:
            with ordering:
                terms = [self._distinct_term(i, t, exprs, items, post) for i, t in enumerate(order)]
            plan = self.b.distinct_sorted(plan, exprs, plan_names, terms)
            if select is not None:
                plan = self._limit(select, plan, scope)
        else:
            if order:
                with ordering:
                    keys = [self._order_key(i, t, exprs, items, post) for i, t in enumerate(order)]
                plan = self.b.sort(plan, keys)
            if select is not None:
                plan = self._limit(select, plan, scope)
            plan = self.b.project(plan, exprs, plan_names)
        return BoundSelect(plan if hook is None else hook.finish(plan), names)

    def _items(self, core: ast.SelectCore, scope: Scope) -> list[Item]:
        items: list[Item] = []
        for column in core.columns:
            if isinstance(column, ast.StarColumn):
                try:
                    fields = scope.star(column.table)
                except Ambiguous as exc:
                    raise self.error(f"ambiguous column name: {exc}", column.offset) from None
                if fields is None:
                    raise self.error(f"no such table: {column.table}", column.offset)
                if not fields and column.table is None:
                    raise self.error("no tables specified", column.offset)
                items.extend(Item(f.name, field=f, offset=column.offset) for f in fields)
            else:
                assert isinstance(column, ast.ExprColumn)
                items.append(
                    Item(
                        _output_name(column),
                        expr=column.expr,
                        offset=column.offset,
                        alias=column.alias is not None,
                    )
                )
        return items

    def item_expr(self, item: Item, ctx: ExprCtx) -> px.PlanExpr:
        if item.expr is not None:
            return self.value(item.expr, ctx)
        assert item.field is not None
        ref = ast.ColumnRef(offset=item.offset, name=item.field.name, table=item.field.table)
        if ctx.hook is not None:
            replaced = ctx.hook(ref)
            if replaced is not None:
                return replaced
        return self.b.column(item.field)

    # ------------------------------------------------------------------ ORDER BY / LIMIT
    def _order_target(self, index: int, term: ast.OrderingTerm, items: list[Item]) -> int | None:
        """The select-list position an ORDER BY term names (by position or AS name), if any;
        an AS name wins over a column of that name (SQLite)."""
        e = term.expr
        position = position_of(e)
        if position is not None:
            if not 1 <= position <= len(items):
                raise self.error(out_of_range("ORDER BY", len(items), index), e.offset)
            return position - 1
        if isinstance(e, ast.ColumnRef) and e.table is None:
            for i, item in enumerate(items):
                if item.alias and item.name.lower() == e.name.lower():
                    return i
        return None

    def _order_key(
        self,
        index: int,
        term: ast.OrderingTerm,
        exprs: list[px.PlanExpr],
        items: list[Item],
        ctx: ExprCtx,
    ) -> px.SortKey:
        target = self._order_target(index, term, items)
        bound = exprs[target] if target is not None else self.value(term.expr, ctx)
        return px.SortKey(bound, term.descending, _nulls(term))

    def _distinct_term(
        self,
        index: int,
        term: ast.OrderingTerm,
        exprs: list[px.PlanExpr],
        items: list[Item],
        ctx: ExprCtx,
    ) -> tuple[int | px.PlanExpr, bool, bool | None]:
        """An ORDER BY term of a DISTINCT query: a select-list position, else the expression
        (SQLite sorts by its value in the first row of each distinct row)."""
        target = self._order_target(index, term, items)
        if target is None:
            bound = self.value(term.expr, ctx)
            target = next((i for i, e in enumerate(exprs) if e == bound), None)
            if target is None:
                return bound, term.descending, _nulls(term)
        return target, term.descending, _nulls(term)

    def _limit(self, select: ast.Select, plan: pn.Plan, scope: Scope) -> pn.Plan:
        ctx = ExprCtx(Scope(scope.parent))
        limit = None if select.limit is None else self.value(select.limit, ctx)
        offset = None if select.offset_expr is None else self.value(select.offset_expr, ctx)
        node = select.limit or select.offset_expr
        if node is None:
            return plan
        with self.at(node):
            return self.b.limit(plan, limit, offset)


def _one_row() -> pn.Plan:
    """FROM-less SELECT: one row of no columns."""
    return pn.Values(((),), ())


def _nulls(term: ast.OrderingTerm) -> bool | None:
    if term.nulls is None:
        return None
    return term.nulls is ast.NullsOrder.FIRST


def _output_name(column: ast.ExprColumn) -> str:
    if column.alias is not None:
        return column.alias
    if isinstance(column.expr, ast.ColumnRef):
        return column.expr.name
    return column.text or "?"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        key = name.lower()
        if key in seen:
            seen[key] += 1
            out.append(f"{name}_{seen[key]}")
        else:
            seen[key] = 0
            out.append(name)
    return out
