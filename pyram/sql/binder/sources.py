"""FROM for the SQL binder: tables, views, CTEs (recursive ones too), subqueries and joins
(ON, USING, comma joins, outer joins making the padded side nullable).
"""

from __future__ import annotations

from typing import Any

import attrs

from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.affinity import apply_real_affinity
from pyram.sql.binder.base import CteDef
from pyram.sql.binder.calls import children
from pyram.sql.binder.expressions import ExprBinder, ExprCtx
from pyram.sql.binder.items import BoundSelect
from pyram.sql.binder.pg_bind import is_constant, pg_table, pg_table_function
from pyram.sql.binder.scope import Ambiguous, Scope, Source
from pyram.sql.binder.system import (
    INTROSPECTION_PRAGMAS,
    SYSTEM_TABLES,
    SystemTable,
    pragma_table,
    schema_table,
    system_values,
)

__all__ = ["SourceBinder"]

_JOIN_KINDS: dict[ast.JoinKind, pn.JoinKind] = {
    ast.JoinKind.INNER: "inner",
    ast.JoinKind.LEFT: "left",
    ast.JoinKind.RIGHT: "right",
    ast.JoinKind.FULL: "full",
    ast.JoinKind.CROSS: "cross",
    ast.JoinKind.COMMA: "cross",
}


class SourceBinder(ExprBinder):
    """Binds FROM items into a scope."""

    def bind_select(self, select: ast.Select, parent: Scope | None = None) -> BoundSelect:
        """Bind a full query (implemented by the select binder)."""
        raise NotImplementedError

    def arm(self, body: ast.SelectBody, parent: Scope | None) -> BoundSelect:
        """Bind one arm of a compound (implemented by the select binder)."""
        raise NotImplementedError

    def from_clause(self, item: ast.FromItem, scope: Scope) -> pn.Plan:
        """Bind a FROM item into ``scope``; returns its plan."""
        if isinstance(item, ast.Join):
            return self._join_chain(item, scope)
        if isinstance(item, ast.SubqueryRef):
            bound = self.bind_select(item.select, scope.parent)
            qualifier = item.alias or f"subquery{item.offset}"
            return self._add_derived(bound, qualifier, (), scope, item.offset)
        if isinstance(item, ast.TableFunctionRef):
            return self._table_function(item, scope)
        assert isinstance(item, ast.TableRef)
        return self._table(item, scope)

    def _table(self, item: ast.TableRef, scope: Scope) -> pn.Plan:
        qualifier = item.alias or item.name
        cte = self.find_cte(item.name) if item.schema is None else None
        if item.as_of is not None:
            return self._past_table(item, qualifier, scope, cte is not None)
        if cte is not None:
            return self._cte(cte, item, qualifier, scope)
        if self.pg is not None:
            with self.at(item):
                pg = pg_table(self, item.schema, item.name)
            if pg is not None:
                return self.system_source(pg, qualifier, scope, item.offset)
        if item.name.lower() in SYSTEM_TABLES and self.catalog.find_table(item.name) is None:
            self.check_schema_name(item.schema, item.offset)
            table = schema_table(self.catalog, item.name)
            return self.system_source(table, qualifier, scope, item.offset)
        view = self.catalog.find_view(item.name)
        if view is not None:
            inner = self.for_text(view.sql)  # errors point into the view's own text
            bound = inner.bind_select(view.select, None)
            return self._add_derived(bound, qualifier, view.columns, scope, item.offset)
        schema = self.table_schema(item.name, item.offset)
        scan = self.b.scan(schema, item.alias)
        if scope.add(qualifier, scan.fields) is not None:
            raise self.error(f"table {qualifier} appears twice: give one an alias", item.offset)
        return scan

    def _past_table(self, item: ast.TableRef, qualifier: str, scope: Scope, cte: bool) -> pn.Plan:
        """``t FOR SYSTEM_TIME AS OF point``: a scan of a stored table's history; the point is
        a constant commit stamp (integer) or time (text)."""
        assert item.as_of is not None
        if cte or self.catalog.find_view(item.name) is not None:
            raise self.error(
                f"FOR SYSTEM_TIME applies to stored tables, not to {item.name}", item.offset
            )
        value = self.value(item.as_of, ExprCtx(Scope(None)))
        point = value.value if isinstance(value, px.Literal_) else None
        if isinstance(point, bool) or not isinstance(point, int | str):
            raise self.error(
                "FOR SYSTEM_TIME AS OF takes a constant time text or commit stamp",
                item.as_of.offset,
            )
        schema = self.table_schema(item.name, item.offset)
        scan = attrs.evolve(self.b.scan(schema, item.alias), as_of=point)
        if scope.add(qualifier, scan.fields) is not None:
            raise self.error(f"table {qualifier} appears twice: give one an alias", item.offset)
        return scan

    # ------------------------------------------------------------------ SQLite's catalogue
    def check_schema_name(self, schema: str | None, offset: int) -> None:
        """Only the ``main`` database (and the always empty ``temp``) exist; PostgreSQL's
        dialect calls it ``public``."""
        if self.pg is not None and schema is not None and schema.lower() == "public":
            return
        if schema is not None and schema.lower() not in ("main", "temp"):
            raise self.error(f"unknown database {schema}", offset)

    def system_source(
        self, table: SystemTable | pn.Values, qualifier: str, scope: Scope, offset: int
    ) -> pn.Plan:
        """A virtual catalogue table in FROM (the statement now reads the catalogue)."""
        self.catalog_reads.add(qualifier.lower())
        plan = table if isinstance(table, pn.Values) else system_values(self.b, table)
        fields = [attrs.evolve(f, table=qualifier) for f in plan.out]
        if scope.add(qualifier, fields) is not None:
            raise self.error(f"table {qualifier} appears twice: give one an alias", offset)
        return attrs.evolve(plan, out=tuple(fields))

    def _table_function(self, item: ast.TableFunctionRef, scope: Scope) -> pn.Plan:
        """``pragma_<name>(arg)``: an introspection pragma as a table (and PostgreSQL's
        set-returning functions in its dialect)."""
        if self.pg is not None:
            bound = [
                self.value(a, ExprCtx(Scope(None))) if is_constant(a) else None for a in item.args
            ]
            with self.at(item):
                values = pg_table_function(self, item, bound)
            if values is not None:
                return self.system_source(values, item.alias or item.name, scope, item.offset)
        name = item.name.lower().removeprefix("pragma_")
        if not item.name.lower().startswith("pragma_") or name not in INTROSPECTION_PRAGMAS:
            raise self.error(f"no such table-valued function: {item.name}", item.offset)
        self.check_schema_name(item.schema, item.offset)
        args = []
        for arg in item.args:
            value = self.value(arg, ExprCtx(Scope(None)))
            if not isinstance(value, px.Literal_):
                raise self.error(f"the arguments of {item.name} must be constants", arg.offset)
            args.append("" if value.value is None else str(value.value))
        table = pragma_table(self.catalog, name, args, self.view_columns)
        return self.system_source(table, item.alias or item.name, scope, item.offset)

    def view_columns(self, name: str) -> list[tuple[str, str]] | None:
        """A view's output columns as (name, type name), or None when there is no such view."""
        view = self.catalog.find_view(name)
        if view is None:
            return None
        bound = self.for_text(view.sql).bind_select(view.select, None)
        names = view.columns or bound.names
        return [(n, f.dtype.name) for n, f in zip(names, bound.plan.fields, strict=True)]

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
        anchor = self.arm(body.left, None)
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
        step = self.arm(body.right, None)
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
        plan = apply_real_affinity(self.b, bound.plan)
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

    def _join_chain(self, item: ast.Join, scope: Scope, nested: bool = False) -> pn.Plan:
        """``a JOIN b ON .. JOIN c ON ..``: as in SQLite, ON clauses see the whole chain. A bare
        name is ambiguous when a table joined later also has it, and an inner join's ON may
        name a table joined later: it then filters the whole chain, like a WHERE term. The ON
        clauses of a parenthesized (``nested``) chain see only that chain's tables."""
        chain = _Chain(_qualifiers(item), nested)
        plan = self._join(item, scope, chain)
        view = chain.view(scope)
        for on in chain.ons:
            for ref in _bare_names(on):
                try:
                    view.resolve_here(ref.name)
                except Ambiguous:
                    raise self.error(f"ambiguous column name: {ref.name}", ref.offset) from None
        for ref in chain.outside:
            if view.resolve_here(ref.name) is not None:  # bound outside, but a later table has it
                raise self.error("ON clause references tables to its right", ref.offset)
        if chain.deferred:
            plan = self.b.filter(plan, *(self.cond(on, ExprCtx(view)) for on in chain.deferred))
        return plan

    def _on(
        self, item: ast.Join, scope: Scope, chain: _Chain, outer_later: bool
    ) -> px.PlanExpr | None:
        """Bind a join's ON clause, or defer it (None) when it may name a table joined later
        (``outer_later``: a RIGHT/FULL JOIN follows, so it must not)."""
        assert item.on is not None
        on = item.on
        chain.ons.append(on)
        view = chain.view(scope)
        inner = item.kind in (ast.JoinKind.INNER, ast.JoinKind.CROSS, ast.JoinKind.COMMA)
        later = chain.qualifiers - scope.qualifiers()
        if later and _names_later(on, later):
            if not inner or outer_later:
                raise self.error("ON clause references tables to its right", on.offset)
            chain.deferred.append(on)
            return None
        elsewhere = _not_here(on, view)
        if elsewhere and inner and later and not outer_later:
            # a bare name no table joined so far has: a later one may (SQLite looks there
            # before the enclosing queries), so the ON is bound once the chain is whole
            chain.deferred.append(on)
            return None
        chain.outside.extend(elsewhere)
        return self.cond(on, ExprCtx(view))

    def _join(
        self, item: ast.Join, scope: Scope, chain: _Chain, outer_later: bool = False
    ) -> pn.Plan:
        before = scope.qualifiers()
        if isinstance(item.left, ast.Join):
            outer = outer_later or item.kind in (ast.JoinKind.RIGHT, ast.JoinKind.FULL)
            left = self._join(item.left, scope, chain, outer)
        else:
            left = self.from_clause(item.left, scope)
        left_side = scope.qualifiers() - before
        if isinstance(item.right, ast.Join):
            right = self._join_chain(item.right, scope, nested=True)
        else:
            right = self.from_clause(item.right, scope)
        kind = _JOIN_KINDS[item.kind]
        right_side = scope.qualifiers() - before - left_side
        condition = None
        pairs: list[_UsingPair] = []
        if item.natural:
            item, kind, condition = self._natural(item, kind, scope, left_side, right_side)
        if item.using:
            pairs = self._using(item, scope, left_side, right_side)
            for source in scope.sources:
                if source.qualifier in left_side:
                    source.using_later.update(name.lower() for name in item.using)
            b = self.b
            with self.at(item):
                condition = b.and_(
                    *(b.compare("=", b.column(p.left), b.column(p.right)) for p in pairs)
                )
            if kind == "cross":
                kind = "inner"
        elif item.on is not None:
            condition = self._on(item, scope, chain, outer_later)
            kind = "cross" if condition is None else "inner" if kind == "cross" else kind
        elif kind != "cross" and not item.natural:
            if kind == "inner":
                kind = "cross"
            else:
                raise self.error(f"a {kind.upper()} JOIN needs ON or USING", item.offset)
        with self.at(item):
            plan: pn.Plan = self.b.join(kind, left, right, condition)
        if kind in ("left", "full"):
            scope.make_nullable(right_side)
        if kind in ("right", "full"):
            scope.make_nullable(left_side)
            for source in scope.sources:
                source.left_of_right |= source.qualifier in left_side
            if pairs:
                plan = self._coalesce_using(plan, scope, pairs)
        return plan

    def _natural(
        self,
        item: ast.Join,
        kind: pn.JoinKind,
        scope: Scope,
        left_side: set[str],
        right_side: set[str],
    ) -> tuple[ast.Join, pn.JoinKind, px.PlanExpr | None]:
        """A NATURAL join as the join ``USING`` the names both sides show (its kind and
        condition when there are none: SQLite then joins every pair of rows)."""
        item = attrs.evolve(item, using=_common_names(scope, left_side, right_side))
        if item.using or kind == "cross":
            return item, kind, None
        if kind == "inner":
            return item, "cross", None
        return item, kind, self.b.literal(True)  # an outer join ON TRUE

    def _using(
        self, item: ast.Join, scope: Scope, left_side: set[str], right_side: set[str]
    ) -> list[_UsingPair]:
        """The columns ``USING`` joins: the one of each name each side shows unqualified."""
        pairs = []
        assert item.using is not None
        for name in item.using:
            found = [(s, f) for s in scope.sources if (f := s.unqualified(name)) is not None]
            lefts = [(s, f) for s, f in found if s.qualifier in left_side]
            rights = [(s, f) for s, f in found if s.qualifier in right_side]
            if len(lefts) != 1 or len(rights) != 1:
                raise self.error(
                    f"cannot join using column {name} - column not present in both tables",
                    item.offset,
                )
            rights[0][0].hidden.add(name.lower())
            pairs.append(_UsingPair(name, lefts[0][0], lefts[0][1], rights[0][1]))
        return pairs

    def _coalesce_using(self, join: pn.Plan, scope: Scope, pairs: list[_UsingPair]) -> pn.Plan:
        """After a RIGHT/FULL JOIN ``USING``: a projection adds ``COALESCE(left.x, right.x)``
        for each USING column, which an unqualified ``x`` and ``*`` then mean (SQLite)."""
        b = self.b
        fields = join.fields
        exprs: list[px.PlanExpr] = [b.column(f) for f in fields]
        cids = {f.cid: b.new_cid() for f in fields}
        out = [attrs.evolve(f, cid=cids[f.cid]) for f in fields]
        by_cid = {f.cid: f for f in fields}  # nullable as the outer join made them
        coalesced = []
        for pair in pairs:
            left, right = by_cid[pair.left.cid], by_cid[pair.right.cid]
            value = b.func("coalesce", [b.column(left), b.column(right)])
            field = px.Field(b.new_cid(), left.name, value.dtype, left.nullable and right.nullable)
            exprs.append(value)
            out.append(field)
            coalesced.append((pair, field))
        scope.renumber(cids)
        for pair, field in coalesced:
            pair.owner.coalesced[pair.name.lower()] = field
        return pn.Project(join, tuple(exprs), tuple(out))


def _common_names(scope: Scope, left_side: set[str], right_side: set[str]) -> tuple[str, ...]:
    """The column names a NATURAL join uses: those both sides show unqualified, in the left
    side's order (SQLite's rule)."""

    def visible(side: set[str]) -> list[str]:
        return [
            f.name
            for s in scope.sources
            if s.qualifier in side
            for f in s.fields
            if f.name.lower() not in s.hidden and not f.name.startswith("__")
        ]

    right = {name.lower() for name in visible(right_side)}
    common = [name for name in visible(left_side) if name.lower() in right]
    return tuple(dict.fromkeys(common))


@attrs.frozen
class _Chain:
    """What binding a chain of joins collects: the qualifiers of all its tables, its ON
    clauses, those naming a table joined later (bound once the whole chain is)."""

    qualifiers: frozenset[str]
    nested: bool
    ons: list[ast.SqlExpr] = attrs.field(factory=list)
    deferred: list[ast.SqlExpr] = attrs.field(factory=list)
    #: bare names of bound ON clauses that no table joined before them had
    outside: list[ast.ColumnRef] = attrs.field(factory=list)

    def view(self, scope: Scope) -> Scope:
        """The names the chain's ON clauses see: all of ``scope``, or only a nested chain's."""
        return scope.only(self.qualifiers) if self.nested else scope


def _qualifiers(item: ast.FromItem) -> frozenset[str]:
    """Lower-case qualifiers of the FROM items in ``item``."""
    if isinstance(item, ast.Join):
        return _qualifiers(item.left) | _qualifiers(item.right)
    if isinstance(item, ast.SubqueryRef):
        return frozenset({(item.alias or f"subquery{item.offset}").lower()})
    assert isinstance(item, ast.TableRef | ast.TableFunctionRef)
    return frozenset({(item.alias or item.name).lower()})


def _column_refs(e: ast.SqlExpr) -> list[ast.ColumnRef]:
    """Column references in ``e`` outside of subqueries."""
    refs, stack = [], [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ColumnRef):
            refs.append(node)
        stack.extend(children(node))
    return refs


def _bare_names(e: ast.SqlExpr) -> list[ast.ColumnRef]:
    return [ref for ref in _column_refs(e) if ref.table is None]


def _not_here(e: ast.SqlExpr, scope: Scope) -> list[ast.ColumnRef]:
    """The bare names in ``e`` that mean no column of this level of ``scope`` (yet)."""
    found = []
    for ref in _bare_names(e):
        try:
            if scope.resolve_here(ref.name) is None:
                found.append(ref)
        except Ambiguous:
            pass
    return found


def _names_later(e: ast.SqlExpr, later: frozenset[str]) -> bool:
    """True when ``e`` qualifies a column with one of the ``later`` tables."""
    return any(ref.table is not None and ref.table.lower() in later for ref in _column_refs(e))


@attrs.frozen
class _UsingPair:
    """One ``USING`` column: its name, the left source showing it, and both sides' fields."""

    name: str
    owner: Source
    left: px.Field
    right: px.Field


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
