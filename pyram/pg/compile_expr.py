"""Bound plan expressions -> PostgreSQL SQL text, SQLite's answers kept where PostgreSQL's differ.

Part of the plan -> PostgreSQL compiler (:mod:`pyram.pg.compile` renders the nodes). Every
value is a bound parameter (``%(vN)s`` placeholders with a CAST to the column type), never
text. Where PostgreSQL's meaning differs from SQLite's and a rewrite restores SQLite's answer,
the rewrite is here: division or remainder by zero is NULL (``NULLIF``), LIKE is case-insensitive
(``ILIKE``, no escape character), text compares and sorts bytewise (``COLLATE "C"``), NULLs sort
first ascending, ``avg`` is a REAL, ``sum`` of INTEGERs an INTEGER, scalar ``min``/``max`` are
NULL when an argument is. What has no translation raises :class:`~pyram.NotSupportedError` while
compiling, before anything runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from pyram.errors import NotSupportedError
from pyram.pg.ddl import pg_type, quote_literal
from pyram.plan import expr as px
from pyram.plan.nodes import Plan
from pyram.types import DataType

__all__ = ["ExprCompiler"]

_TEXT_FAMILY = "text"
_COLLATE = ' COLLATE "C"'

# DSL function name -> PostgreSQL function with the same meaning (arguments in order)
_SAME = {
    "lower": "lower",
    "upper": "upper",
    "trim": "btrim",
    "ltrim": "ltrim",
    "rtrim": "rtrim",
    "replace": "replace",
    "abs": "abs",
    "coalesce": "coalesce",
    "ifnull": "coalesce",
    "nullif": "nullif",
    "substr": "substr",
    "substring": "substr",
}


class ExprCompiler:
    """Renders expressions; collects bound values and parameter slots of one statement.

    ``values`` maps a placeholder name to a constant; ``slots`` maps a placeholder name to the
    user parameter key and its type (filled at run time). ``names`` overrides how a column id
    is written (DML statements name the table's own columns); otherwise it is ``c<cid>``.
    """

    def __init__(self, subquery: Callable[[Plan], str]) -> None:
        self.values: dict[str, Any] = {}
        self.slots: dict[str, tuple[str | int, DataType]] = {}
        self.names: dict[int, str] = {}
        self._subquery = subquery
        self._counter = itertools.count()

    # ------------------------------------------------------------------ leaves
    def bind(self, value: Any, dtype: DataType) -> str:
        """A placeholder for a constant, cast to its column type."""
        if value is None:
            return "NULL"
        name = f"v{next(self._counter)}"
        self.values[name] = value
        return f"CAST(%({name})s AS {_cast_type(dtype)})"

    def column(self, cid: int) -> str:
        """How column ``cid`` is named in the current statement."""
        return self.names.get(cid, f"c{cid}")

    # ------------------------------------------------------------------ expressions
    def expr(self, e: px.PlanExpr) -> str:
        """The SQL text of a bound expression."""
        method = _DISPATCH.get(type(e))
        if method is None:
            raise NotSupportedError(f"{type(e).__name__} cannot be compiled to PostgreSQL")
        text: str = method(self, e)
        return text

    def _column_ref(self, e: px.ColumnRef) -> str:
        return self.column(e.cid)

    def _literal(self, e: px.Literal_) -> str:
        return self.bind(e.value, e.type_)

    def _param(self, e: px.Param) -> str:
        name = f"p{next(self._counter)}"
        self.slots[name] = (e.key, e.type_)
        return f"CAST(%({name})s AS {_cast_type(e.type_)})"

    def _negate(self, e: px.Negate) -> str:
        return f"(- {self.expr(e.arg)})"

    def _arith(self, e: px.Arith) -> str:
        return self._binary(e.op, self.expr(e.left), self.expr(e.right), e.type_)

    def _chain(self, e: px.ArithChain) -> str:
        text = self.expr(e.args[0])
        for op, arg in zip(e.ops, e.args[1:], strict=True):
            text = self._binary(op, text, self.expr(arg), e.type_)
        return text

    @staticmethod
    def _binary(op: str, left: str, right: str, dtype: DataType) -> str:
        if op == "/":  # SQLite: x / 0 is NULL; PostgreSQL raises
            return f"({left} / NULLIF({right}, 0))"
        if op == "%":
            if dtype.name == "INTEGER":
                return f"({left} %% NULLIF({right}, 0))"
            # SQLite takes the remainder of the integer parts and answers a REAL
            return (
                f"CAST((CAST(trunc({left}) AS bigint) %% NULLIF(CAST(trunc({right}) AS bigint), 0))"
                " AS double precision)"
            )
        return f"({left} {op} {right})"

    def _compare(self, e: px.Compare) -> str:
        op = "<>" if e.op == "!=" else e.op
        return f"({self._collated(e.left)} {op} {self.expr(e.right)})"

    def _collated(self, e: px.PlanExpr) -> str:
        """``e`` with bytewise text collation when it is TEXT (SQLite's BINARY collation)."""
        text = self.expr(e)
        dtype = getattr(e, "type_", None)
        if dtype is not None and dtype.family == _TEXT_FAMILY and dtype.name == "TEXT":
            return f"({text}{_COLLATE})"
        return text

    def _and(self, e: px.And) -> str:
        return "(" + " AND ".join(self.expr(a) for a in e.args) + ")"

    def _or(self, e: px.Or) -> str:
        return "(" + " OR ".join(self.expr(a) for a in e.args) + ")"

    def _not(self, e: px.Not) -> str:
        return f"(NOT {self.expr(e.arg)})"

    def _is_null(self, e: px.IsNull) -> str:
        return f"({self.expr(e.arg)} IS {'NOT ' if e.negated else ''}NULL)"

    def _in_list(self, e: px.InList) -> str:
        items = ", ".join(self.expr(i) for i in e.items)
        return f"({self.expr(e.arg)} {'NOT ' if e.negated else ''}IN ({items}))"

    def _in_values(self, e: px.InValues) -> str:
        """An IN list held as data: each constant and parameter bound as a value of the
        list's type (a NULL item keeps SQL's three-valued answer)."""
        items = [self.bind(v, e.param_type) for v in e.values]
        for key in e.params:
            name = f"p{next(self._counter)}"
            self.slots[name] = (key, e.param_type)
            items.append(f"CAST(%({name})s AS {_cast_type(e.param_type)})")
        return f"({self.expr(e.arg)} {'NOT ' if e.negated else ''}IN ({', '.join(items)}))"

    def _between(self, e: px.Between) -> str:
        low, high = self.expr(e.low), self.expr(e.high)
        return f"({self._collated(e.arg)} {'NOT ' if e.negated else ''}BETWEEN {low} AND {high})"

    def _like(self, e: px.Like) -> str:
        if e.glob:
            raise NotSupportedError("GLOB has no PostgreSQL translation: use like()")
        escape = "''" if e.escape is None else quote_literal(e.escape)
        negated = "NOT " if e.negated else ""
        return f"({self.expr(e.arg)} {negated}ILIKE {self.expr(e.pattern)} ESCAPE {escape})"

    def _case(self, e: px.Case) -> str:
        whens = " ".join(f"WHEN {self.expr(c)} THEN {self.expr(v)}" for c, v in e.whens)
        return f"(CASE {whens} ELSE {self.expr(e.default)} END)"

    def _cast(self, e: px.Cast) -> str:
        if e.mode:
            raise NotSupportedError(f"CAST mode {e.mode} has no PostgreSQL translation")
        arg = self.expr(e.arg)
        source = getattr(e.arg, "type_", None)
        if e.type_.name == "INTEGER" and source is not None and source.name == "REAL":
            arg = f"trunc({arg})"  # SQLite truncates a REAL cast to INTEGER; PostgreSQL rounds
        return f"CAST({arg} AS {_cast_type(e.type_)})"

    def _func(self, e: px.FunctionCall) -> str:
        if e.udf is not None:
            raise NotSupportedError(f"user function {e.name}() cannot run in PostgreSQL")
        args = self._int4_args(e.name, [self.expr(a) for a in e.args])
        if e.name in _SAME:
            return f"{_SAME[e.name]}({', '.join(args)})"
        if e.name == "length":
            source = getattr(e.args[0], "type_", None)
            octets = source is not None and source.name == "BLOB"
            return f"{'octet_length' if octets else 'char_length'}({args[0]})"
        if e.name == "round":
            digits = args[1] if len(args) > 1 else "0"
            return f"CAST(round(CAST({args[0]} AS numeric), {digits}) AS double precision)"
        if e.name in ("min", "max") and len(args) > 1:
            # SQLite's scalar min/max are NULL when any argument is; LEAST/GREATEST skip NULLs
            again = [self.expr(a) for a in e.args]
            any_null = " OR ".join(f"{a} IS NULL" for a in again)
            pick = "least" if e.name == "min" else "greatest"
            return f"(CASE WHEN {any_null} THEN NULL ELSE {pick}({', '.join(args)}) END)"
        raise NotSupportedError(f"function {e.name}() has no PostgreSQL translation")

    # ------------------------------------------------------------------ aggregates, windows
    def aggregate(self, e: px.AggCall) -> str:
        """An aggregate call (with DISTINCT and FILTER), typed as SQLite types it."""
        if e.udf is not None:
            raise NotSupportedError(f"user aggregate {e.name}() cannot run in PostgreSQL")
        text = self._aggregate_call(e)
        if e.filter is not None:
            text += f" FILTER (WHERE {self.expr(e.filter)})"
        return self._aggregate_type(e, text)

    def _aggregate_call(self, e: px.AggCall) -> str:
        distinct = "DISTINCT " if e.distinct else ""
        if e.name == "count_star":
            return "count(*)"
        if e.name == "group_concat":
            arg = self.expr(e.args[0])
            sep = self.expr(e.args[1]) if len(e.args) > 1 else "','"
            return f"string_agg({distinct}CAST({arg} AS text), {sep})"
        if e.name in ("min", "max"):
            return f"{e.name}({distinct}{self._collated(e.args[0])})"
        if e.name in ("avg", "total"):
            # over doubles, as SQLite: numeric's exact sum then division would round differently
            name = "sum" if e.name == "total" else e.name
            return f"{name}({distinct}CAST({self.expr(e.args[0])} AS double precision))"
        if e.name in ("count", "sum"):
            return f"{e.name}({distinct}{', '.join(self.expr(a) for a in e.args)})"
        raise NotSupportedError(f"aggregate {e.name}() has no PostgreSQL translation")

    @staticmethod
    def _aggregate_type(e: px.AggCall, text: str) -> str:
        if e.name == "total":
            return f"CAST(COALESCE({text}, 0) AS double precision)"
        if e.name in ("avg", "sum", "count", "count_star"):
            # PostgreSQL: avg is numeric, sum(bigint) numeric, count bigint; SQLite's types are
            # REAL / the argument's / INTEGER
            return f"CAST({text} AS {_cast_type(e.type_)})"
        return text

    def window(self, e: px.WindowCall, over: str) -> str:
        """A window function call over the window ``over`` (its frame added)."""
        frame = _frame(self, e.frame)
        args = ", ".join(self._int4_args(e.name, [self.expr(a) for a in e.args]))
        if e.name in _WINDOW_ONLY:
            text = f"{e.name}({args})"
        else:
            text = self._aggregate_call(px.AggCall(e.name, e.args, e.type_))
        if e.filter is not None:
            text += f" FILTER (WHERE {self.expr(e.filter)})"
        text = f"{text} OVER ({over} {frame})"
        if e.name in _WINDOW_ONLY:
            if e.name in ("row_number", "rank", "dense_rank", "ntile"):
                return f"CAST({text} AS bigint)"
            return text
        return self._aggregate_type(px.AggCall(e.name, e.args, e.type_), text)

    @staticmethod
    def _int4_args(name: str, texts: list[str]) -> list[str]:
        """Arguments PostgreSQL declares as integer (PyRAM's INTEGER is bigint) cast down."""
        for i in _INT4_ARGS.get(name, ()):
            if i < len(texts):
                texts[i] = f"CAST({texts[i]} AS integer)"
        return texts

    def sort_key(self, key: px.SortKey) -> str:
        """An ORDER BY item with SQLite's NULL placement (first ascending, last descending)."""
        nulls_first = (not key.descending) if key.nulls_first is None else key.nulls_first
        direction = "DESC" if key.descending else "ASC"
        nulls = "FIRST" if nulls_first else "LAST"
        return f"{self._collated(key.expr)} {direction} NULLS {nulls}"

    # ------------------------------------------------------------------ subqueries
    def _scalar_subquery(self, e: px.ScalarSubquery) -> str:
        return f"({self._subquery(e.plan)})"

    def _exists(self, e: px.Exists) -> str:
        return f"({'NOT ' if e.negated else ''}EXISTS ({self._subquery(e.plan)}))"

    def _in_subquery(self, e: px.InSubquery) -> str:
        negated = "NOT " if e.negated else ""
        return f"({self.expr(e.arg)} {negated}IN ({self._subquery(e.plan)}))"


_WINDOW_ONLY = frozenset(
    {
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "first_value",
        "last_value",
        "nth_value",
    }
)

# functions whose arguments at these positions PostgreSQL declares as integer
_INT4_ARGS = {
    "ntile": (0,), "lag": (1,), "lead": (1,), "nth_value": (1,),
    "substr": (1, 2), "substring": (1, 2), "round": (1,),
}  # fmt: skip

_BOUNDS = {
    "unbounded_preceding": "UNBOUNDED PRECEDING",
    "current_row": "CURRENT ROW",
    "unbounded_following": "UNBOUNDED FOLLOWING",
}
_EXCLUDE = {
    "no_others": "",
    "current_row": " EXCLUDE CURRENT ROW",
    "group": " EXCLUDE GROUP",
    "ties": " EXCLUDE TIES",
}


def _bound(compiler: ExprCompiler, bound: px.FrameBound) -> str:
    if bound.kind in _BOUNDS:
        return _BOUNDS[bound.kind]
    assert bound.offset is not None, "an offset bound carries its offset"
    side = "PRECEDING" if bound.kind == "preceding" else "FOLLOWING"
    return f"{compiler.expr(bound.offset)} {side}"


def _frame(compiler: ExprCompiler, frame: px.WindowFrame) -> str:
    start, end = _bound(compiler, frame.start), _bound(compiler, frame.end)
    return f"{frame.unit.upper()} BETWEEN {start} AND {end}{_EXCLUDE[frame.exclude]}"


def _cast_type(dtype: DataType) -> str:
    """The type a bound value is cast to: JSON travels as its stored text."""
    if dtype.name == "JSON":
        return "text"
    if dtype.name in ("NULL", "ANY"):
        return "text"
    return pg_type(dtype)


_DISPATCH: dict[type, Callable[[ExprCompiler, Any], str]] = {
    px.ColumnRef: ExprCompiler._column_ref,
    px.Literal_: ExprCompiler._literal,
    px.Param: ExprCompiler._param,
    px.Negate: ExprCompiler._negate,
    px.Arith: ExprCompiler._arith,
    px.ArithChain: ExprCompiler._chain,
    px.Compare: ExprCompiler._compare,
    px.And: ExprCompiler._and,
    px.Or: ExprCompiler._or,
    px.Not: ExprCompiler._not,
    px.IsNull: ExprCompiler._is_null,
    px.InList: ExprCompiler._in_list,
    px.InValues: ExprCompiler._in_values,
    px.Between: ExprCompiler._between,
    px.Like: ExprCompiler._like,
    px.Case: ExprCompiler._case,
    px.Cast: ExprCompiler._cast,
    px.FunctionCall: ExprCompiler._func,
    px.AggCall: ExprCompiler.aggregate,
    px.ScalarSubquery: ExprCompiler._scalar_subquery,
    px.Exists: ExprCompiler._exists,
    px.InSubquery: ExprCompiler._in_subquery,
}
