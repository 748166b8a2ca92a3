"""Bind SELECT statements: FROM (tables, views, CTEs, subqueries, joins), WHERE, grouping,
the select list, ORDER BY (by alias, position or expression), LIMIT/OFFSET and compounds.

The plan has the shape the DSL binder gives the same query (scan -> joins -> filter ->
[aggregate -> having] -> [sort -> limit] -> project; with DISTINCT: project -> distinct ->
sort -> limit), so a query written either way is one plan.
"""

from __future__ import annotations

from typing import Any

import attrs

from pyram.errors import ProgrammingError
from pyram.functions import is_aggregate
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.base import CteDef
from pyram.sql.binder.expressions import ExprBinder, ExprCtx, children, contains_aggregate
from pyram.sql.binder.scope import Ambiguous, Scope

__all__ = ["BoundSelect", "SelectBinder"]

_JOIN_KINDS: dict[ast.JoinKind, pn.JoinKind] = {
    ast.JoinKind.INNER: "inner",
    ast.JoinKind.LEFT: "left",
    ast.JoinKind.RIGHT: "right",
    ast.JoinKind.FULL: "full",
    ast.JoinKind.CROSS: "cross",
    ast.JoinKind.COMMA: "cross",
}
_SET_OPS: dict[ast.CompoundOp, tuple[pn.SetOpKind, bool]] = {
    ast.CompoundOp.UNION: ("union", False),
    ast.CompoundOp.UNION_ALL: ("union", True),
    ast.CompoundOp.INTERSECT: ("intersect", False),
    ast.CompoundOp.EXCEPT: ("except", False),
}


@attrs.frozen
class BoundSelect:
    """A bound query: its plan and the output column names as SQLite reports them."""

    plan: pn.Plan
    names: tuple[str, ...]


@attrs.frozen
class _Item:
    """One select-list entry after ``*`` expansion: an expression or a field, and its name."""

    name: str
    expr: ast.Expr | None = None
    field: px.Field | None = None
    offset: int = 0


class SelectBinder(ExprBinder):
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
    def _arm(self, body: ast.SelectBody, parent: Scope | None) -> BoundSelect:
        if isinstance(body, ast.SelectCore):
            return self._core(body, None, parent)
        if isinstance(body, ast.Values):
            return self._values(body, parent)
        assert isinstance(body, ast.CompoundSelect)
        left = self._arm(body.left, parent)
        right = self._arm(body.right, parent)
        kind, keep_all = _SET_OPS[body.op]
        with self.at(body):
            return BoundSelect(self.b.set_op(kind, keep_all, left.plan, right.plan), left.names)

    def _compound(self, select: ast.Select, parent: Scope | None) -> BoundSelect:
        bound = self._arm(select.body, parent)
        plan = bound.plan
        if select.order_by:
            keys = [self._output_key(term, plan, bound.names) for term in select.order_by]
            plan = self.b.sort(plan, keys)
        plan = self._limit(select, plan, Scope(parent))
        return BoundSelect(plan, bound.names)

    def _output_key(self, term: ast.OrderingTerm, plan: pn.Plan, names: tuple[str, ...]) -> Any:
        """An ORDER BY term of a compound: a position, an output name or an output column."""
        e = term.expr
        index = None
        if isinstance(e, ast.IntegerLiteral):
            index = e.value - 1
            if not 0 <= index < len(names):
                raise self.error(_out_of_range("ORDER BY", len(names)), e.offset)
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

    def values_plan(self, rows: list[tuple[px.Expr, ...]], names: tuple[str, ...]) -> pn.Values:
        """A VALUES node; each column takes the type of its first non-NULL value."""
        types = []
        for i in range(len(names)):
            column = [r[i] for r in rows]
            typed = next((e for e in column if e.dtype.family != "null"), column[0])
            for e in column:
                if e.dtype.family not in ("null", typed.dtype.family):
                    raise ProgrammingError(
                        f"VALUES column {i + 1} mixes {typed.dtype.name} and {e.dtype.name}"
                    )
            types.append(typed)
        typed_rows = tuple(
            tuple(self.b.coerce_to(e, t.dtype) for e, t in zip(row, types, strict=True))
            for row in rows
        )
        out = tuple(
            px.Field(self.b.new_cid(), name, t.dtype, any(r[i].nullable for r in typed_rows))
            for i, (name, t) in enumerate(zip(names, types, strict=True))
        )
        return pn.Values(typed_rows, out)

    # ------------------------------------------------------------------ one SELECT
    def _core(
        self, core: ast.SelectCore, select: ast.Select | None, parent: Scope | None
    ) -> BoundSelect:
        scope = Scope(parent)
        plan = self.from_clause(core.from_, scope) if core.from_ is not None else _one_row()
        ctx = ExprCtx(scope)
        if core.where is not None:
            plan = self.b.filter(plan, self.cond(core.where, ctx))
        items = self._items(core, scope)
        order = select.order_by if select is not None else ()
        aggregated = bool(core.group_by) or any(
            contains_aggregate(e)
            for e in [
                *(i.expr for i in items if i.expr is not None),
                *([core.having] if core.having is not None else []),
                *(t.expr for t in order),
            ]
        )
        post = ctx
        if aggregated:
            plan, post = self._aggregate(core, plan, ctx, items, order)
            if core.having is not None:
                plan = self.b.filter(plan, self.cond(core.having, post))
        elif core.having is not None:
            raise self.error("a GROUP BY clause is required before HAVING", core.having.offset)
        exprs = [self._item_expr(item, post) for item in items]
        names = tuple(i.name for i in items)
        plan_names = _unique([n for n in names])
        if core.distinct:
            plan = self.b.distinct(self.b.project(plan, exprs, plan_names))
            if order:
                keys = [self._distinct_key(t, exprs, items, plan, post) for t in order]
                plan = self.b.sort(plan, keys)
            if select is not None:
                plan = self._limit(select, plan, scope)
            return BoundSelect(plan, names)
        if order:
            plan = self.b.sort(plan, [self._order_key(t, exprs, items, post) for t in order])
        if select is not None:
            plan = self._limit(select, plan, scope)
        return BoundSelect(self.b.project(plan, exprs, plan_names), names)

    def _items(self, core: ast.SelectCore, scope: Scope) -> list[_Item]:
        items: list[_Item] = []
        for column in core.columns:
            if isinstance(column, ast.StarColumn):
                fields = scope.star(column.table)
                if fields is None:
                    raise self.error(f"no such table: {column.table}", column.offset)
                if not fields and column.table is None:
                    raise self.error("no tables specified", column.offset)
                items.extend(_Item(f.name, field=f, offset=column.offset) for f in fields)
            else:
                assert isinstance(column, ast.ExprColumn)
                items.append(_Item(_output_name(column), expr=column.expr, offset=column.offset))
        return items

    def _item_expr(self, item: _Item, ctx: ExprCtx) -> px.Expr:
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
    def _order_target(self, term: ast.OrderingTerm, items: list[_Item]) -> int | None:
        """The select-list position an ORDER BY term names (by position or alias), if any."""
        e = term.expr
        if isinstance(e, ast.IntegerLiteral):
            if not 1 <= e.value <= len(items):
                raise self.error(_out_of_range("ORDER BY", len(items)), e.offset)
            return e.value - 1
        if isinstance(e, ast.ColumnRef) and e.table is None:
            for i, item in enumerate(items):
                aliased = item.expr is not None and item.name.lower() == e.name.lower()
                if aliased and not (
                    isinstance(item.expr, ast.ColumnRef) and item.name == item.expr.name
                ):
                    return i
        return None

    def _order_key(
        self, term: ast.OrderingTerm, exprs: list[px.Expr], items: list[_Item], ctx: ExprCtx
    ) -> px.SortKey:
        target = self._order_target(term, items)
        bound = exprs[target] if target is not None else self.value(term.expr, ctx)
        return px.SortKey(bound, term.descending, _nulls(term))

    def _distinct_key(
        self,
        term: ast.OrderingTerm,
        exprs: list[px.Expr],
        items: list[_Item],
        plan: pn.Plan,
        ctx: ExprCtx,
    ) -> px.SortKey:
        target = self._order_target(term, items)
        if target is None:
            bound = self.value(term.expr, ctx)
            if bound not in exprs:
                raise self.error(
                    "with DISTINCT, ORDER BY terms must be in the select list", term.offset
                )
            target = exprs.index(bound)
        field = plan.fields[target]
        return px.SortKey(self.b.column(field), term.descending, _nulls(term))

    def _limit(self, select: ast.Select, plan: pn.Plan, scope: Scope) -> pn.Plan:
        ctx = ExprCtx(Scope(scope.parent))
        limit = None if select.limit is None else self.value(select.limit, ctx)
        offset = None if select.offset_expr is None else self.value(select.offset_expr, ctx)
        node = select.limit or select.offset_expr
        if node is None:
            return plan
        with self.at(node):
            return self.b.limit(plan, limit, offset)

    # ------------------------------------------------------------------ GROUP BY
    def _group_exprs(self, core: ast.SelectCore, ctx: ExprCtx, items: list[_Item]) -> list[px.Expr]:
        groups = []
        for e in core.group_by:
            if isinstance(e, ast.IntegerLiteral):
                if not 1 <= e.value <= len(items):
                    raise self.error(
                        f"GROUP BY term out of range - should be between 1 and {len(items)}",
                        e.offset,
                    )
                item = items[e.value - 1]
                groups.append(self._item_expr(item, ctx))
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
        items: list[_Item],
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
        items: list[_Item],
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

    # ------------------------------------------------------------------ FROM
    def from_clause(self, item: ast.FromItem, scope: Scope) -> pn.Plan:
        """Bind a FROM item into ``scope``; returns its plan."""
        if isinstance(item, ast.Join):
            return self._join(item, scope)
        if isinstance(item, ast.SubqueryRef):
            bound = self.bind_select(item.select, scope.parent)
            qualifier = item.alias or f"subquery{item.offset}"
            return self._add_derived(bound, qualifier, (), scope, item.offset)
        assert isinstance(item, ast.TableRef)
        return self._table(item, scope)

    def _table(self, item: ast.TableRef, scope: Scope) -> pn.Plan:
        qualifier = item.alias or item.name
        cte = self.find_cte(item.name) if item.schema is None else None
        if cte is not None:
            return self._cte(cte, item, qualifier, scope)
        view = self.catalog.find_view(item.name)
        if view is not None:
            inner = type(self)(view.sql, self.catalog, self.b)
            bound = inner.bind_select(view.select, None)
            return self._add_derived(bound, qualifier, view.columns, scope, item.offset)
        schema = self.table_schema(item.name, item.offset)
        scan = self.b.scan(schema, item.alias)
        if scope.add(qualifier, scan.fields) is not None:
            raise self.error(f"table {qualifier} appears twice: give one an alias", item.offset)
        return scan

    def _cte(self, cte: CteDef, item: ast.TableRef, qualifier: str, scope: Scope) -> pn.Plan:
        """Bind a CTE where it is used; its body sees only the CTEs defined before it."""
        if cte.work is not None:
            fields = [attrs.evolve(f, table=qualifier) for f in cte.work.out]
            if scope.add(qualifier, fields) is not None:
                raise self.error(f"table {qualifier} appears twice", item.offset)
            return cte.work
        saved = self.ctes
        depth = next(i for i in range(len(saved) - 1, -1, -1) if cte.name.lower() in saved[i])
        level = saved[depth]
        names = list(level)
        earlier = {k: level[k] for k in names[: names.index(cte.name.lower())]}
        self.ctes = [*saved[:depth], earlier]
        try:
            if cte.recursive and _mentions_table(cte.select, cte.name):
                bound = self._recursive(cte, earlier, item)
            else:
                bound = self.bind_select(cte.select, None)
        finally:
            self.ctes = saved
        return self._add_derived(bound, qualifier, cte.columns, scope, item.offset)

    def _recursive(
        self, cte: CteDef, visible: dict[str, CteDef], item: ast.TableRef
    ) -> BoundSelect:
        """``anchor UNION [ALL] step`` where ``step`` reads the CTE's previous round."""
        select = cte.select
        body = select.body
        if (
            not isinstance(body, ast.CompoundSelect)
            or body.op not in (ast.CompoundOp.UNION, ast.CompoundOp.UNION_ALL)
            or _mentions_table(body.left, cte.name)
            or select.order_by
            or select.limit is not None
        ):
            raise self.error(
                f"recursive CTE {cte.name} must be: initial-select UNION [ALL] recursive-select",
                select.offset,
            )
        anchor = self._arm(body.left, None)
        names = cte.columns or anchor.names
        if len(names) != len(anchor.plan.fields):
            raise self.error(
                f"{cte.name} has {len(anchor.plan.fields)} columns but {len(names)} names",
                item.offset,
            )
        work_fields = tuple(
            px.Field(self.b.new_cid(), n, f.dtype, True)
            for n, f in zip(names, anchor.plan.fields, strict=True)
        )
        work = pn.WorkTable(self.b.new_cid(), work_fields)
        self.ctes[-1] = {**visible, cte.name.lower(): attrs.evolve(cte, work=work)}
        step = self._arm(body.right, None)
        with self.at(body):
            union = self.b.set_op("union", True, anchor.plan, step.plan)
        recursive = pn.RecursiveCte(
            anchor.plan,
            step.plan,
            body.op is ast.CompoundOp.UNION_ALL,
            work.work_id,
            tuple(attrs.evolve(f, name=n) for f, n in zip(union.out, names, strict=True)),
        )
        return BoundSelect(recursive, tuple(names))

    def _add_derived(
        self,
        bound: BoundSelect,
        qualifier: str,
        columns: tuple[str, ...],
        scope: Scope,
        offset: int,
    ) -> pn.Plan:
        plan = bound.plan
        names = columns or bound.names
        if len(names) != len(plan.fields):
            raise self.error(
                f"{qualifier} has {len(plan.fields)} columns but {len(names)} names", offset
            )
        fields = [
            attrs.evolve(f, name=n, table=qualifier)
            for f, n in zip(plan.fields, names, strict=True)
        ]
        if scope.add(qualifier, fields) is not None:
            raise self.error(f"table {qualifier} appears twice: give one an alias", offset)
        return plan

    def _join(self, item: ast.Join, scope: Scope) -> pn.Plan:
        left = self.from_clause(item.left, scope)
        left_side = scope.qualifiers()
        right = self.from_clause(item.right, scope)
        kind = _JOIN_KINDS[item.kind]
        right_side = scope.qualifiers() - left_side
        condition = None
        if item.using:
            condition = self._using(item, scope, left_side, right_side)
            if kind == "cross":
                kind = "inner"
        elif item.on is not None:
            condition = self.cond(item.on, ExprCtx(scope))
            if kind == "cross":
                kind = "inner"
        elif kind != "cross":
            if kind == "inner":
                kind = "cross"
            else:
                raise self.error(f"a {kind.upper()} JOIN needs ON or USING", item.offset)
        with self.at(item):
            plan = self.b.join(kind, left, right, condition)
        if kind in ("left", "full"):
            scope.make_nullable(right_side)
        if kind in ("right", "full"):
            scope.make_nullable(left_side)
        return plan

    def _using(
        self, item: ast.Join, scope: Scope, left_side: set[str], right_side: set[str]
    ) -> px.Expr:
        conditions = []
        assert item.using is not None
        for name in item.using:
            found = [
                (s, f)
                for s in scope.sources
                if (f := s.find(name)) is not None and name.lower() not in s.hidden
            ]
            lefts = [(s, f) for s, f in found if s.qualifier in left_side]
            rights = [(s, f) for s, f in found if s.qualifier in right_side]
            if len(lefts) != 1 or len(rights) != 1:
                raise self.error(
                    f"cannot join using column {name} - column not present in both tables",
                    item.offset,
                )
            rights[0][0].hidden.add(name.lower())
            with self.at(item):
                conditions.append(
                    self.b.compare("=", self.b.column(lefts[0][1]), self.b.column(rights[0][1]))
                )
        return self.b.and_(*conditions)


class _GroupHook:
    """After GROUP BY: aggregate calls and grouped expressions become the aggregate's output
    columns; any other column of this query level is an error (outer columns are fine)."""

    def __init__(
        self,
        binder: SelectBinder,
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
        if _has_subquery(e):
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


def _mentions_table(node: Any, name: str) -> bool:
    """True when a FROM clause anywhere inside ``node`` names table ``name``."""
    key = name.lower()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.TableRef) and item.schema is None and item.name.lower() == key:
            return True
        if isinstance(item, tuple):
            stack.extend(item)
        elif isinstance(item, ast.Node):
            stack.extend(getattr(item, f.name) for f in attrs.fields(type(item)))
    return False


def _has_subquery(e: Any) -> bool:
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Subquery | ast.Exists | ast.InSelect | ast.InTable):
            return True
        stack.extend(children(node))
    return False


def _out_of_range(clause: str, count: int) -> str:
    return f"{clause} term out of range - should be between 1 and {count}"
