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
from pyram.sql.binder.expressions import ExprBinder, ExprCtx
from pyram.sql.binder.items import BoundSelect
from pyram.sql.binder.scope import Scope

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
            inner = self.for_text(view.sql)  # errors point into the view's own text
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
