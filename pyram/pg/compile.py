"""The logical plan -> one PostgreSQL statement with bound parameters.

Why the plan and not the DSL tree: the binder has already resolved names, aliases and
correlation, checked and coerced types and decided each expression's result type (INTEGER vs
REAL division, the type of ``sum``), the same decisions the in-memory engine runs on. Compiling
the plan reuses all of that, so both backends answer one question; a DSL-tree compiler would
redo the binder's work and drift from it (and the SQL front end's plans come for free later).

Shape: every plan node becomes a ``SELECT`` over its input as a derived table, each output
column named ``c<cid>`` after its plan column id (ids are unique in a plan, so a correlated
reference resolves to the outer query's column by name). ``Sort`` and ``Limit`` are folded
into the ``SELECT`` of the projection above them, so the outermost statement carries the
ORDER BY. Values are placeholders only; see :mod:`pyram.pg.compile_expr` for expressions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from pyram.catalog import TableSchema
from pyram.errors import NotSupportedError, ProgrammingError
from pyram.pg.compile_expr import ExprCompiler
from pyram.pg.compile_upsert import conflict_clause, replace_statement
from pyram.pg.ddl import quote_ident
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import DataType

__all__ = ["Compiled", "compile_plan"]

_JOINS = {"inner": "JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL JOIN"}


@attrs.frozen(slots=True)
class Compiled:
    """One compiled statement: its SQL text and where each placeholder's value comes from.

    Attributes:
        sql: the statement with ``%(name)s`` placeholders (psycopg's named style).
        values: constants of the query, by placeholder.
        slots: placeholder -> (user parameter key, its type), filled by :meth:`arguments`.
        decoders: per output column, the stored -> user value function (None: identity).
        build: the model class's row builder for entity queries, else None (tuples).
        counts: the statement returns its row count as one row (``on_conflict("replace")``)
            instead of reporting it as the driver's rowcount.
    """

    sql: str
    values: Mapping[str, Any]
    slots: Mapping[str, tuple[str | int, DataType]]
    decoders: tuple[Callable[[Any], Any] | None, ...] = ()
    build: Callable[..., Any] | None = None
    counts: bool = False

    def arguments(self, params: Mapping[str | int, Any]) -> dict[str, Any]:
        """The placeholder values for one run: constants plus validated user parameters.

        Raises:
            ProgrammingError: a parameter has no value.
            DataError: a parameter value of the wrong type.
        """
        if not self.slots:
            return dict(self.values)
        args = dict(self.values)
        for name, (key, dtype) in self.slots.items():
            if key not in params:
                raise ProgrammingError(f"missing value for parameter {key!r}")
            args[name] = dtype.validate(params[key], nullable=True, column=str(key))
        return args

    def rows(self, fetched: list[tuple[Any, ...]]) -> list[Any]:
        """Fetched rows as the API returns them: model instances or decoded tuples."""
        if self.build is not None:
            build = self.build
            return [build(*row) for row in fetched]
        decoders = self.decoders
        if not any(d is not None for d in decoders):
            return fetched
        return [
            tuple(v if d is None or v is None else d(v) for v, d in zip(row, decoders, strict=True))
            for row in fetched
        ]


class _PlanCompiler:
    def __init__(self, schema_of: Callable[[str], TableSchema] | None = None) -> None:
        self.exprs = ExprCompiler(self.query)
        self._aliases = itertools.count()
        self._schema_of = schema_of
        self.counts = False

    def derived(self, plan: pn.Plan) -> str:
        return f"({self.query(plan)}) AS t{next(self._aliases)}"

    def query(self, plan: pn.Plan) -> str:
        """A SELECT producing ``plan``'s fields as columns ``c<cid>``, in its order."""
        if isinstance(plan, pn.Project):
            inner, tail = self._ordered(plan.input)
            select = ", ".join(
                f"{self.exprs.expr(e)} AS c{f.cid}"
                for e, f in zip(plan.exprs, plan.out, strict=True)
            )
            return f"SELECT {select} FROM {self.derived(inner)}{tail}"
        if isinstance(plan, pn.Sort | pn.Limit):
            inner, tail = self._ordered(plan)
            return f"SELECT * FROM {self.derived(inner)}{tail}"
        method = _NODES.get(type(plan))
        if method is None:
            raise NotSupportedError(f"{type(plan).__name__} cannot be compiled to PostgreSQL")
        return method(self, plan)

    def _ordered(self, plan: pn.Plan) -> tuple[pn.Plan, str]:
        """Peel Limit and Sort off ``plan``: the input below and the ORDER BY/LIMIT text."""
        limit = ""
        if isinstance(plan, pn.Limit):
            if plan.limit is not None:
                limit += f" LIMIT {self.exprs.expr(plan.limit)}"
            if plan.offset is not None:
                limit += f" OFFSET {self.exprs.expr(plan.offset)}"
            plan = plan.input
            if not isinstance(plan, pn.Sort):
                return plan, limit
        if isinstance(plan, pn.Sort):
            keys = ", ".join(self.exprs.sort_key(k) for k in plan.keys)
            return plan.input, f" ORDER BY {keys}{limit}"
        return plan, limit

    def _scan(self, plan: pn.Scan) -> str:
        if plan.rid_cid is not None:
            raise NotSupportedError("row ids do not exist in PostgreSQL")
        select = ", ".join(
            f"{_stored(quote_ident(c), f.dtype)} AS c{f.cid}"
            for c, f in zip(plan.columns, plan.out, strict=True)
        )
        return f"SELECT {select} FROM {quote_ident(plan.table)}"

    def _filter(self, plan: pn.Filter) -> str:
        return f"SELECT * FROM {self.derived(plan.input)} WHERE {self.exprs.expr(plan.predicate)}"

    def _join(self, plan: pn.Join) -> str:
        left = self.derived(plan.left)
        right = self.derived(plan.right)
        condition = "TRUE" if plan.condition is None else self.exprs.expr(plan.condition)
        if plan.kind == "cross":
            return f"SELECT * FROM {left} CROSS JOIN {right}"
        if plan.kind in ("semi", "anti"):
            negated = "NOT " if plan.kind == "anti" else ""
            exists = f"EXISTS (SELECT 1 FROM {right} WHERE {condition})"
            return f"SELECT * FROM {left} WHERE {negated}{exists}"
        return f"SELECT * FROM {left} {_JOINS[plan.kind]} {right} ON {condition}"

    def _aggregate(self, plan: pn.Aggregate) -> str:
        groups = [self.exprs.expr(g) for g in plan.groups]
        calls = [self.exprs.aggregate(a) for a in plan.aggregates]
        select = ", ".join(
            f"{t} AS c{f.cid}" for t, f in zip(groups + calls, plan.out, strict=True)
        )
        text = f"SELECT {select} FROM {self.derived(plan.input)}"
        if groups:
            # by position: a group expression with a bound value would not match itself
            text += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(groups)))
        return text

    def _window(self, plan: pn.Window) -> str:
        over = ""
        if plan.partition_by:
            over += "PARTITION BY " + ", ".join(self.exprs.expr(p) for p in plan.partition_by)
        if plan.order_by:
            over += " ORDER BY " + ", ".join(self.exprs.sort_key(k) for k in plan.order_by)
        alias = f"w{next(self._aliases)}"
        calls = ", ".join(
            f"{self.exprs.window(c, over)} AS c{f.cid}"
            for c, f in zip(plan.calls, plan.out, strict=True)
        )
        return f"SELECT {alias}.*, {calls} FROM ({self.query(plan.input)}) AS {alias}"

    def _distinct(self, plan: pn.Distinct) -> str:
        return f"SELECT DISTINCT * FROM {self.derived(plan.input)}"

    def _set_op(self, plan: pn.SetOp) -> str:
        kind = plan.kind.upper() + (" ALL" if plan.all else "")
        names = ", ".join(f"c{f.cid}" for f in plan.out)
        both = f"({self.query(plan.left)}) {kind} ({self.query(plan.right)})"
        return f"SELECT * FROM ({both}) AS t{next(self._aliases)} ({names})"

    def _values(self, plan: pn.Values) -> str:
        if not plan.rows:
            raise NotSupportedError("an empty VALUES list cannot be compiled to PostgreSQL")
        rows = ", ".join(
            "(" + ", ".join(self.exprs.expr(e) for e in row) + ")" for row in plan.rows
        )
        names = ", ".join(f"c{f.cid}" for f in plan.out)
        return f"SELECT * FROM (VALUES {rows}) AS t{next(self._aliases)} ({names})"

    # ------------------------------------------------------------------ statements
    def _target(self, plan: pn.Plan, table: str) -> px.PlanExpr | None:
        """The WHERE of an UPDATE/DELETE input (a scan of ``table``, maybe filtered); the
        scan's column ids are named as the table's columns."""
        predicate = None
        if isinstance(plan, pn.Filter):
            predicate, plan = plan.predicate, plan.input
        if not isinstance(plan, pn.Scan) or plan.table != table:
            raise NotSupportedError("this UPDATE/DELETE shape cannot be compiled to PostgreSQL")
        for column, field in zip(plan.columns, plan.out, strict=False):
            self.exprs.names[field.cid] = f"{quote_ident(table)}.{quote_ident(column)}"
        return predicate

    def _where(self, predicate: px.PlanExpr | None) -> str:
        return "" if predicate is None else f" WHERE {self.exprs.expr(predicate)}"

    def _update(self, plan: pn.Update) -> str:
        predicate = self._target(plan.input, plan.table)
        sets = ", ".join(f"{quote_ident(c)} = {self.exprs.expr(e)}" for c, e in plan.assignments)
        return f"UPDATE {quote_ident(plan.table)} SET {sets}{self._where(predicate)}"

    def _delete(self, plan: pn.Delete) -> str:
        predicate = self._target(plan.input, plan.table)
        return f"DELETE FROM {quote_ident(plan.table)}{self._where(predicate)}"

    def _insert(self, plan: pn.Insert) -> str:
        conflict = plan.on_conflict
        if conflict is not None and conflict.action == "replace":
            if self._schema_of is None:
                raise NotSupportedError("ON CONFLICT replace needs the table's schema")
            self.counts = True
            source = self.query(plan.source)
            return replace_statement(plan, source, self._schema_of(plan.table))
        names = ", ".join(quote_ident(c) for c in plan.columns)
        text = f"INSERT INTO {quote_ident(plan.table)} ({names}) {self.query(plan.source)}"
        if conflict is not None:
            text += conflict_clause(self.exprs, plan.table, conflict)
        return text


def _stored(column: str, dtype: DataType) -> str:
    """A stored column read in PyRAM's stored form (JSON documents as their text)."""
    return f"CAST({column} AS text)" if dtype.name == "JSON" else column


_NODES: dict[type, Callable[[_PlanCompiler, Any], str]] = {
    pn.Scan: _PlanCompiler._scan,
    pn.Filter: _PlanCompiler._filter,
    pn.Join: _PlanCompiler._join,
    pn.Aggregate: _PlanCompiler._aggregate,
    pn.Window: _PlanCompiler._window,
    pn.Distinct: _PlanCompiler._distinct,
    pn.SetOp: _PlanCompiler._set_op,
    pn.Values: _PlanCompiler._values,
    pn.Update: _PlanCompiler._update,
    pn.Delete: _PlanCompiler._delete,
    pn.Insert: _PlanCompiler._insert,
}


def compile_plan(
    plan: pn.Plan,
    entity: type | None = None,
    schema_of: Callable[[str], TableSchema] | None = None,
) -> Compiled:
    """Compile a bound plan (a query or an UPDATE/DELETE/INSERT) to one PostgreSQL statement.

    ``schema_of`` gives a table's schema by name (``on_conflict("replace")`` reads the
    table's unique keys).

    Raises:
        NotSupportedError: a construct PostgreSQL cannot express the way PyRAM means it
            (GLOB, user-defined functions, row ids ...); nothing has run.
    """
    compiler = _PlanCompiler(schema_of)
    sql = compiler.query(plan)
    fields = plan.fields
    decoders = tuple(f.dtype.decoder() for f in fields)
    build = entity.__pyram_build__ if entity is not None else None  # type: ignore[attr-defined]
    exprs = compiler.exprs
    return Compiled(sql, exprs.values, exprs.slots, decoders, build, compiler.counts)
