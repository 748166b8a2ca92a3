"""Bind DSL queries to the logical plan: resolve columns to column ids, type through PlanBuilder.

The SQL front end has its own binder for its AST; both end in the same plan nodes built by the
same :class:`~pyram.plan.builder.PlanBuilder`, so a query written either way gives one plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from pyram.catalog import TableSchema
from pyram.dsl.bind_window import bind_windows, windows_in
from pyram.dsl.dml import Delete, Insert, Update
from pyram.dsl.expr import (
    BinaryOp,
    Expr,
    Labeled,
    Literal,
    Predicate,
    SubqueryExpr,
    Unary,
)
from pyram.dsl.query import Aliased, Select
from pyram.dsl.terms import Aggregate, CaseExpr, CastExpr, Column, FunctionCall, Param
from pyram.dsl.tree import aggregates_in, children, columns_in, has_aggregate
from pyram.dsl.window import WindowExpr
from pyram.errors import ProgrammingError
from pyram.limits import MAX_EXPR_DEPTH
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.builder import (
    CHAIN_MIN_TERMS,
    PlanBuilder,
    arith_result_type,
    typed_arith_type,
)
from pyram.types import type_from_annotation

__all__ = ["BoundQuery", "bind_query", "bind_statement"]

SchemaLookup = Callable[[Any], TableSchema]


@attrs.frozen
class BoundQuery:
    """A bound query: its plan and how result rows are shaped.

    Attributes:
        plan: the logical plan.
        entity: the model class rows are built as (a :class:`~pyram.dsl.shapes.RowShape` for
            tuples of models), or None for tuples.
    """

    plan: pn.Plan
    entity: Any = None


@attrs.frozen
class _Source:
    qualifier: str
    table: str
    fields: dict[str, px.Field]


class Scope:
    """Names visible to an expression: this query's sources, then enclosing queries'."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.sources: list[_Source] = []

    def add(self, qualifier: str, table: str, fields: Sequence[px.Field]) -> None:
        if any(s.qualifier == qualifier for s in self.sources):
            raise ProgrammingError(
                f"table {qualifier} appears twice in one query: use pyram.alias() for self-joins"
            )
        self.sources.append(_Source(qualifier, table, {f.name: f for f in fields}))

    def make_nullable(self, qualifiers: set[str]) -> None:
        """The sources named become the NULL-padded side of an outer join."""
        for i, source in enumerate(self.sources):
            if source.qualifier in qualifiers:
                fields = {n: attrs.evolve(f, nullable=True) for n, f in source.fields.items()}
                self.sources[i] = _Source(source.qualifier, source.table, fields)

    def qualifiers(self) -> set[str]:
        """Qualifiers of this query's own sources."""
        return {s.qualifier for s in self.sources}

    def resolve(self, column: Column[Any]) -> px.Field | None:
        qualifier = column.alias or column.table_name
        for source in self.sources:
            if source.qualifier == qualifier and (
                column.alias or source.table == column.table_name
            ):
                return source.fields.get(column.name)
        return self.parent.resolve(column) if self.parent else None

    def knows_table(self, column: Column[Any]) -> bool:
        return self.resolve(column) is not None


class _Binder:
    def __init__(self, schema_of: SchemaLookup, builder: PlanBuilder) -> None:
        self.schema_of = schema_of
        self.b = builder

    # ------------------------------------------------------------------ queries
    def select(self, query: Select[Any], parent: Scope | None) -> tuple[pn.Plan, Scope]:
        core, scope = self._core(query, parent)
        if not query.compounds:
            return core, scope
        plan = core
        for kind, keep_all, other in query.compounds:
            right, _ = self._core(other, parent)
            plan = self._set_op(kind, keep_all, plan, right)
        return self._order_limit_compound(query, plan), scope

    def _set_op(self, kind: str, keep_all: bool, left: pn.Plan, right: pn.Plan) -> pn.Plan:
        return self.b.set_op(kind, keep_all, left, right)  # type: ignore[arg-type]

    def _order_limit_compound(self, query: Select[Any], plan: pn.Plan) -> pn.Plan:
        if query.orderings:
            by_name = {f.name: f for f in plan.fields}
            keys = []
            for ordering in query.orderings:
                target = _output_name(ordering.expr)
                field = by_name.get(target) if target else None
                if field is None:
                    raise ProgrammingError(
                        "ORDER BY of a compound query must name an output column"
                    )
                keys.append(
                    px.SortKey(self.b.column(field), ordering.descending, ordering.nulls_first)
                )
            plan = self.b.compound_sort(plan, keys)
        return self._limit(query, plan, Scope())

    def _sources(self, query: Select[Any], scope: Scope) -> list[Any]:
        if query.entity is not None:
            return [query.entity, *query.sources]
        found: list[Any] = list(query.sources)  # select_from() adds to what columns imply
        # FROM is named by the selected columns; only without any, by the WHERE columns that
        # are not outer references (those make a correlated subquery instead).
        pools = [(query.columns, False), (query.filters, True)]
        for pool, skip_outer in pools:
            for expr in pool:
                for column in columns_in(expr):
                    if column.owner is None:
                        continue
                    if skip_outer and scope.parent is not None and scope.parent.knows_table(column):
                        continue
                    source = (
                        column.owner
                        if column.alias is None
                        else Aliased(column.owner, column.alias)
                    )
                    if not any(_same_source(source, s) for s in found):
                        found.append(source)
            if len(found) > len(query.sources):
                break
        joined = [t for _, t, _ in query.joins]
        found = [s for s in found if not any(_same_source(s, j) for j in joined)]
        if not found:
            raise ProgrammingError("cannot tell which table to select from: use .select_from()")
        return found

    def _scan(self, source: Any, scope: Scope) -> pn.Scan:
        if isinstance(source, Aliased):
            schema = self.schema_of(source.__pyram_model__)
            scan = self.b.scan(schema, source.__pyram_alias__)
            scope.add(source.__pyram_alias__, schema.name, scan.fields)
        else:
            schema = self.schema_of(source)
            scan = self.b.scan(schema)
            scope.add(schema.name, schema.name, scan.fields)
        return scan

    def _core(self, query: Select[Any], parent: Scope | None) -> tuple[pn.Plan, Scope]:
        scope = Scope(parent)
        sources = self._sources(query, scope)
        plan: pn.Plan = self._scan(sources[0], scope)
        for source in sources[1:]:
            plan = self.b.join("cross", plan, self._scan(source, scope), None)
        for position, (kind, target, on) in enumerate(query.joins):
            # only the tables already in the query: a later join must not make this one's
            # foreign-key inference ambiguous
            existing = [*sources, *(t for _, t, _ in query.joins[:position])]
            left_side = scope.qualifiers()
            right = self._scan(target, scope)
            if kind == "cross":
                condition = None
            elif on is None:
                condition = self._fk_condition(existing, target, scope)
            else:
                condition = self.expr(on, scope)
            plan = self.b.join(kind, plan, right, condition)  # type: ignore[arg-type]
            # Columns of the NULL-padded side of an outer join may be NULL from here on.
            if kind in ("left", "full"):
                scope.make_nullable(scope.qualifiers() - left_side)
            if kind in ("right", "full"):
                scope.make_nullable(left_side)
        plan = self.b.filter(plan, *(self.expr(f, scope) for f in query.filters))
        return self._shape(query, plan, scope), scope

    def _fk_condition(self, existing: list[Any], target: Any, scope: Scope) -> px.PlanExpr:
        target_model = _model(target)
        target_schema = self.schema_of(target_model)
        matches = []
        for source in existing:
            if _same_source(source, target):
                continue
            schema = self.schema_of(_model(source))
            for child, parent, child_src, parent_src in (
                (target_schema, schema, target, source),
                (schema, target_schema, source, target),
            ):
                for fk in child.foreign_keys:
                    if fk.ref_table.lower() == parent.name.lower():
                        matches.append((fk, child_src, parent_src))
        if len(matches) != 1:
            what = "no foreign key links" if not matches else "several foreign keys link"
            raise ProgrammingError(
                f"join({target_schema.name}): {what} it to the query; pass on=..."
            )
        fk, child_src, parent_src = matches[0]
        conds = []
        for mine, theirs in zip(fk.columns, fk.ref_columns, strict=True):
            left = self.expr(getattr(child_src, mine), scope)
            right = self.expr(getattr(parent_src, theirs), scope)
            conds.append(self.b.compare("=", left, right))
        return self.b.and_(*conds)

    # ------------------------------------------------------------------ select list
    def _shape(self, query: Select[Any], plan: pn.Plan, scope: Scope) -> pn.Plan:
        if query.entity is not None:
            items: list[Expr[Any]] = [
                getattr(query.entity, n) for n in self.schema_of(_model(query.entity)).column_names
            ]
        else:
            items = list(query.columns)
        has_agg = bool(query.groups) or any(
            has_aggregate(e)
            for e in [*items, *query.having_filters, *(o.expr for o in query.orderings)]
        )
        post: Callable[[Expr[Any]], px.PlanExpr]
        if has_agg:
            plan, post = self._aggregate(query, plan, scope, items)
            plan = self.b.filter(plan, *(post(h) for h in query.having_filters))
        else:
            if query.having_filters:
                raise ProgrammingError("having() needs group_by() or aggregates")

            def post(e: Expr[Any]) -> px.PlanExpr:
                return self.expr(e, scope)

        windows = windows_in([*items, *(o.expr for o in query.orderings)], children)
        if windows:
            plan, post = bind_windows(self, plan, windows, post, scope, children)
        exprs = [post(e) for e in items]
        names = _unique_names([_output_name(e) or f"column{i + 1}" for i, e in enumerate(items)])
        if query.is_distinct:
            order = [] if query.compounds else self._distinct_terms(query, items, post)
            plan = self.b.distinct_sorted(plan, exprs, names, order)
        else:
            if query.orderings and not query.compounds:
                keys = tuple(
                    px.SortKey(post(o.expr), o.descending, o.nulls_first) for o in query.orderings
                )
                plan = self.b.sort(plan, keys)
            if not query.compounds:
                # LIMIT sits below the projection: Sort + Limit meet (top-N) and only the rows
                # kept are projected.
                plan = self._limit(query, plan, scope)
            return self.b.project(plan, exprs, names)
        if query.compounds:
            return plan
        return self._limit(query, plan, scope)

    @staticmethod
    def _distinct_terms(
        query: Select[Any], items: list[Expr[Any]], post: Callable[[Expr[Any]], px.PlanExpr]
    ) -> list[tuple[int | px.PlanExpr, bool, bool | None]]:
        """ORDER BY of a distinct() query: a selected position, else the bound expression."""
        item_keys = [i._key() for i in items]
        terms: list[tuple[int | px.PlanExpr, bool, bool | None]] = []
        for ordering in query.orderings:
            key = ordering.expr._key()
            target: int | px.PlanExpr = (
                item_keys.index(key) if key in item_keys else post(ordering.expr)
            )
            terms.append((target, ordering.descending, ordering.nulls_first))
        return terms

    def _limit(self, query: Select[Any], plan: pn.Plan, scope: Scope) -> pn.Plan:
        def bound(e: Expr[Any] | None) -> px.PlanExpr | None:
            return None if e is None else self.expr(e, scope)

        return self.b.limit(plan, bound(query.limit_value), bound(query.offset_value))

    def _aggregate(
        self, query: Select[Any], plan: pn.Plan, scope: Scope, items: list[Expr[Any]]
    ) -> tuple[pn.Plan, Callable[[Expr[Any]], px.PlanExpr]]:
        groups = [self.expr(g, scope) for g in query.groups]
        group_keys = [g._key() for g in query.groups]
        aggs: list[px.AggCall] = []
        agg_keys: list[Any] = []
        for e in [*items, *query.having_filters, *(o.expr for o in query.orderings)]:
            for node in aggregates_in(e):
                if node._key() not in agg_keys:
                    agg_keys.append(node._key())
                    args = tuple(self.expr(a, scope) for a in node.args)
                    call = self.b.agg(node.name, args, node.distinct)
                    if node.where is not None:
                        call = self.b.agg_filter(call, self.expr(node.where, scope))
                    aggs.append(call)
        names = [_output_name(g) or f"group{i + 1}" for i, g in enumerate(query.groups)]
        names += [a.name for a in aggs]
        agg_plan = self.b.aggregate(plan, groups, aggs, names)
        out = agg_plan.out
        group_fields = dict(zip(group_keys, out[: len(groups)], strict=True))
        agg_fields = dict(zip(agg_keys, out[len(groups) :], strict=True))

        def post(e: Expr[Any]) -> px.PlanExpr:
            key = e._key()
            if key in group_fields:
                return self.b.column(group_fields[key])
            if key in agg_fields:
                return self.b.column(agg_fields[key])
            if isinstance(e, Column):
                raise ProgrammingError(
                    f"column {e.name} must appear in group_by() or be used in an aggregate"
                )
            return self.expr(e, scope, post)

        return agg_plan, post

    # ------------------------------------------------------------------ expressions
    def expr(
        self,
        e: Expr[Any],
        scope: Scope,
        inner: Callable[[Expr[Any]], px.PlanExpr] | None = None,
    ) -> px.PlanExpr:
        """Bind one DSL expression (``inner`` binds its operands; post-aggregation rules)."""
        sub = inner or (lambda x: self.expr(x, scope))
        b = self.b
        if isinstance(e, Column):
            field = scope.resolve(e)
            if field is None:
                raise ProgrammingError(
                    f"column {e.alias or e.table_name}.{e.name} is not in this query"
                )
            return b.column(field)
        if isinstance(e, Literal):
            return b.literal(e.value)
        if isinstance(e, Param):
            return b.param(e.name)
        if isinstance(e, Labeled):
            return sub(e.expr)
        if isinstance(e, Predicate):
            return self._predicate(e, scope, sub)
        if isinstance(e, BinaryOp):
            ops, operands = e.chain()
            if len(operands) >= CHAIN_MIN_TERMS:
                return self._arith_chain(ops, operands, sub)
            left, right = self._operands(e.left, e.right, sub, e.op)
            return b.arith(e.op, left, right)  # type: ignore[arg-type]
        if isinstance(e, Unary):
            return b.negate(sub(e.arg))
        if isinstance(e, FunctionCall):
            return b.func(e.name, [sub(a) for a in e.args])
        if isinstance(e, Aggregate):
            raise ProgrammingError(f"aggregate {e.name}() is not allowed here")
        if isinstance(e, WindowExpr):
            raise ProgrammingError(f"misuse of window function {e.call.name}()")
        if isinstance(e, CaseExpr):
            whens = [(sub(c), sub(r)) for c, r in e.whens]
            return b.case(whens, None if e.default is None else sub(e.default))
        if isinstance(e, CastExpr):
            dtype, _ = type_from_annotation(e.target)
            return b.cast(sub(e.arg), dtype)
        if isinstance(e, SubqueryExpr):
            plan, _ = self.select(e.query, scope)
            if e.kind == "exists":
                return b.exists(plan)
            return b.scalar_subquery(plan)
        raise ProgrammingError(f"cannot use {e!r} in a query")

    def _arith_chain(
        self, ops: list[str], operands: list[Expr[Any]], sub: Callable[[Expr[Any]], px.PlanExpr]
    ) -> px.PlanExpr:
        """A long chain (``a + b + ...``) as one flat node, bound in a loop; a literal operand
        takes the type of the chain so far, as :meth:`_operands` gives it the other side's."""
        if len(ops) > MAX_EXPR_DEPTH:
            raise ProgrammingError(f"expression tree is too large (maximum depth {MAX_EXPR_DEPTH})")
        first, second = self._operands(operands[0], operands[1], sub)
        args = [first, second]
        so_far = arith_result_type(ops[0], first.dtype, second.dtype)  # type: ignore[arg-type]
        for op, operand in zip(ops[1:], operands[2:], strict=True):
            if isinstance(operand, Literal):
                args.append(self.b.literal(operand.value, so_far))
            else:
                args.append(sub(operand))
            so_far = arith_result_type(op, so_far, args[-1].dtype)  # type: ignore[arg-type]
        return self.b.arith_chain(ops, args)  # type: ignore[arg-type]

    def _operands(
        self,
        left: Expr[Any],
        right: Expr[Any],
        sub: Callable[[Expr[Any]], px.PlanExpr],
        op: str | None = None,
    ) -> tuple[px.PlanExpr, px.PlanExpr]:
        """Bind two operands; a literal takes the other side's type (strictly validated),
        unless arithmetic ``op`` is one the types define with the literal's own type
        (``interval * 2``, ``timestamp + timedelta``)."""
        if isinstance(right, Literal) and not isinstance(left, Literal):
            bound_left = sub(left)
            return bound_left, self._literal_beside(right.value, bound_left, op, left_side=False)
        if isinstance(left, Literal) and not isinstance(right, Literal):
            bound_right = sub(right)
            return self._literal_beside(left.value, bound_right, op, left_side=True), bound_right
        return sub(left), sub(right)

    def _literal_beside(
        self, value: Any, other: px.PlanExpr, op: str | None, *, left_side: bool
    ) -> px.PlanExpr:
        if op is not None and value is not None and not isinstance(value, bool):
            natural = self.b.literal(value)
            pair = (natural.dtype, other.dtype) if left_side else (other.dtype, natural.dtype)
            if typed_arith_type(op, *pair) is not None:
                return natural
        return self.b.literal(value, other.dtype)
    def _in_values(self, arg: px.PlanExpr, values: tuple[Any, ...], negated: bool) -> px.PlanExpr:
        """``arg [NOT] IN values`` (plain Python values): one list node when every value is
        already of ``arg``'s type (checked at C speed), else a literal per value as before."""
        b, dtype = self.b, arg.dtype
        if values and dtype.family not in ("null", "boolean"):
            try:
                # nullable only when needed: the NULL-free screen is the C-speed one
                stored = dtype.validate_column(values, nullable=None in values)
            except Exception:
                stored = None
            if stored is not None:
                return b.in_values(arg, tuple(stored), (), negated)
        return b.in_list(arg, [b.literal(v, dtype) for v in values], negated)

    def _predicate(
        self, p: Predicate, scope: Scope, sub: Callable[[Expr[Any]], px.PlanExpr]
    ) -> px.PlanExpr:
        b, kind, a = self.b, p.kind, p.args
        if kind == "cmp":
            left, right = self._operands(a[1], a[2], sub)
            return b.compare(a[0], left, right)
        if kind == "and":
            return b.and_(*(sub(x) for x in a))
        if kind == "or":
            return b.or_(*(sub(x) for x in a))
        if kind == "not":
            return b.not_(sub(a[0]))
        if kind == "isnull":
            return b.is_null(sub(a[0]), a[1])
        if kind == "in":
            arg = sub(a[0])
            items = [
                b.literal(i.value, arg.dtype) if isinstance(i, Literal) else sub(i) for i in a[1]
            ]
            return b.in_list(arg, items, a[2])
        if kind == "invalues":
            return self._in_values(sub(a[0]), a[1].values, a[2])
        if kind == "insub":
            plan, _ = self.select(a[1], scope)
            return b.in_subquery(sub(a[0]), plan, a[2])
        if kind == "between":
            arg = sub(a[0])
            low, high = (
                b.literal(x.value, arg.dtype) if isinstance(x, Literal) else sub(x) for x in a[1:3]
            )
            return b.between(arg, low, high, a[3])
        if kind == "like":
            return b.like(sub(a[0]), sub(a[1]), a[2], a[3], a[4])
        if kind == "exists":
            return sub(a[0])
        raise ProgrammingError(f"unknown predicate {kind}")  # pragma: no cover


def _model(source: Any) -> Any:
    return source.__pyram_model__ if isinstance(source, Aliased) else source


def _same_source(a: Any, b: Any) -> bool:
    if isinstance(a, Aliased) or isinstance(b, Aliased):
        return (
            isinstance(a, Aliased)
            and isinstance(b, Aliased)
            and a.__pyram_model__ is b.__pyram_model__
            and a.__pyram_alias__ == b.__pyram_alias__
        )
    return a is b


def _output_name(e: Expr[Any]) -> str | None:
    if isinstance(e, Labeled):
        return e.name
    if isinstance(e, Column):
        return e.name
    if isinstance(e, Aggregate | FunctionCall):
        return e.name if e.name != "count_star" else "count"
    if isinstance(e, WindowExpr):
        return e.call.name if e.call.name != "count_star" else "count"
    return None


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}_{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def bind_query(query: Select[Any], schema_of: SchemaLookup) -> BoundQuery:
    """Bind a DSL select to a logical plan."""
    plan, _ = _Binder(schema_of, PlanBuilder()).select(query, None)
    entity = _model(query.entity) if query.entity is not None and not query.compounds else None
    if query.entity is not None and query.compounds:
        entity = _model(query.entity)
    if query.shape is not None:  # select(User, Order): tuples of models
        entity = query.shape.bound([f.dtype.decoder() for f in plan.fields])
    return BoundQuery(plan, entity)


def bind_statement(
    stmt: Update[Any] | Delete[Any] | Insert[Any], schema_of: SchemaLookup
) -> pn.Plan:
    """Bind a DSL update, delete or insert-from-select to a logical plan."""
    from pyram.dsl.bind_dml import bind_delete, bind_insert, bind_update

    binder = _Binder(schema_of, PlanBuilder())
    if isinstance(stmt, Update):
        return bind_update(binder, stmt)
    if isinstance(stmt, Delete):
        return bind_delete(binder, stmt)
    if isinstance(stmt, Insert):
        return bind_insert(binder, stmt)
    raise ProgrammingError(f"db.execute() takes update(), delete() or insert(), not {stmt!r}")
