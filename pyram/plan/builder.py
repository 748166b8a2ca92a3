"""PlanBuilder: the one place where plan nodes and bound expressions are made and type-checked.

Both front ends (the Python DSL and SQL) resolve names their own way, then call these methods,
so the type rules exist once: comparisons need operands of one type family, arithmetic needs
numbers (``||`` needs text), conditions need booleans, aggregates and functions follow the
function registry's rules. Every violation is a :class:`~pyram.errors.ProgrammingError` naming
the offending expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from pyram.catalog import TableSchema
from pyram.errors import ProgrammingError
from pyram.functions import aggregate_function, scalar_function
from pyram.functions.registry import user_aggregate, user_scalar
from pyram.functions.sql_ops import CAST_TARGETS
from pyram.functions.window import window_function
from pyram.plan.expr import (
    AggCall,
    And,
    Arith,
    ArithChain,
    ArithOp,
    Between,
    Case,
    Cast,
    ColumnRef,
    Compare,
    CompareOp,
    Exists,
    Field,
    FunctionCall,
    InList,
    InSubquery,
    InValues,
    IsNull,
    Like,
    Literal_,
    Negate,
    Not,
    Or,
    Param,
    PlanExpr,
    ScalarSubquery,
    SortKey,
    WindowCall,
    WindowFrame,
)
from pyram.plan.nodes import (
    Aggregate,
    Distinct,
    Filter,
    Join,
    JoinKind,
    Limit,
    Plan,
    Project,
    Scan,
    SetOp,
    SetOpKind,
    Sort,
    Window,
)
from pyram.plan.type_rules import (
    arith_result_type,
    checked_frame,
    common_type,
    describe_operand,
    literal_type,
    numeric_result,
    typed_args,
    typed_arith_type,
    untyped_param,
    values_match_type,
)
from pyram.types import (
    BOOLEAN,
    INTEGER,
    NULLTYPE,
    REAL,
    TEXT,
    DataType,
)

__all__ = [
    "CHAIN_MIN_TERMS",
    "PlanBuilder",
    "arith_result_type",
    "literal_type",
    "typed_arith_type",
]

#: Operator chains with at least this many operands bind to one flat ArithChain; shorter ones
#: stay nested binary Arith nodes (the common case, and the plans golden tests show).
CHAIN_MIN_TERMS = 32


class PlanBuilder:
    """Makes plan nodes and typed expressions; hands out column ids.

    One builder builds one statement (column ids are unique within it), so building the same
    query twice gives identical plans: the plan cache and golden tests rely on that.
    """

    def __init__(self) -> None:
        self._next_cid = 0

    def new_cid(self) -> int:
        """A fresh column id."""
        cid = self._next_cid
        self._next_cid += 1
        return cid

    # ------------------------------------------------------------------ nodes
    def scan(self, schema: TableSchema, alias: str | None = None, rid: bool = False) -> Scan:
        """A scan of every column of a table (the optimizer prunes unused ones)."""
        qualifier = alias or schema.name
        out = tuple(
            Field(self.new_cid(), c.name, c.dtype, c.nullable, qualifier) for c in schema.columns
        )
        rid_cid = None
        if rid:
            rid_cid = self.new_cid()
            out += (Field(rid_cid, "__rid__", INTEGER, False, qualifier),)
        return Scan(schema.name, schema.column_names, out, alias, rid_cid)

    def fields_for(self, exprs: Sequence[PlanExpr], names: Sequence[str]) -> tuple[Field, ...]:
        """Fresh output fields for computed expressions."""
        return tuple(
            Field(self.new_cid(), name, e.dtype, e.nullable)
            for e, name in zip(exprs, names, strict=True)
        )

    def filter(self, input: Plan, *conditions: PlanExpr) -> Plan:
        """Rows of ``input`` where every condition is TRUE (no conditions: ``input`` itself)."""
        if not conditions:
            return input
        return Filter(input, self.and_(*conditions))

    def join(self, kind: JoinKind, left: Plan, right: Plan, condition: PlanExpr | None) -> Join:
        """A join; ``condition`` is required except for cross joins, and must be boolean."""
        if kind == "cross":
            if condition is not None:
                raise ProgrammingError("a cross join takes no condition")
            return Join(kind, left, right, None)
        if condition is None:
            raise ProgrammingError(f"a {kind} join needs a condition")
        return Join(kind, left, right, self.and_(condition))

    def project(self, input: Plan, exprs: Sequence[PlanExpr], names: Sequence[str]) -> Project:
        """Compute ``exprs`` per row, named ``names`` (fresh column ids)."""
        return Project(input, tuple(exprs), self.fields_for(exprs, names))

    def aggregate(
        self, input: Plan, groups: Sequence[PlanExpr], aggs: Sequence[AggCall], names: Sequence[str]
    ) -> Aggregate:
        """Group ``input`` by ``groups``; output the groups then the aggregates, named."""
        return Aggregate(
            input, tuple(groups), tuple(aggs), self.fields_for([*groups, *aggs], names)
        )

    def window(
        self,
        input: Plan,
        partition_by: Sequence[PlanExpr],
        order_by: Sequence[SortKey],
        calls: Sequence[WindowCall],
        names: Sequence[str],
    ) -> Window:
        """Window ``calls`` sharing one partition and order; outputs ``input``'s columns then
        the calls, named.

        Raises:
            ProgrammingError: a RANGE frame with an offset without exactly one ORDER BY term.
        """
        for call in calls:
            frame = call.frame
            if frame.unit == "range" and frame.offsets and len(order_by) != 1:
                raise ProgrammingError(
                    "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression"
                )
        return Window(
            input, tuple(partition_by), tuple(order_by), tuple(calls), self.fields_for(calls, names)
        )

    @staticmethod
    def sort(input: Plan, keys: Sequence[SortKey]) -> Plan:
        """Order rows by ``keys`` (no keys: ``input`` itself)."""
        return Sort(input, tuple(keys)) if keys else input

    @classmethod
    def compound_sort(cls, input: Plan, keys: Sequence[SortKey]) -> Plan:
        """The ORDER BY of a compound query: its set operations are marked ``ordered`` (which
        of equal INTEGER/REAL rows they keep follows), then sorted."""
        if keys and isinstance(input, SetOp):
            input = input.marked_ordered()
        return cls.sort(input, keys)

    def limit(self, input: Plan, limit: PlanExpr | None, offset: PlanExpr | None) -> Plan:
        """LIMIT/OFFSET: integer expressions (literals or parameters)."""
        if limit is None and offset is None:
            return input
        bounds = []
        for bound in (limit, offset):
            if bound is not None:
                bound = self.coerce_to(bound, INTEGER)
                if bound.dtype.family not in ("numeric", "null"):
                    raise ProgrammingError(f"LIMIT/OFFSET needs an integer, got {bound.dtype.name}")
            bounds.append(bound)
        return Limit(input, bounds[0], bounds[1])

    @staticmethod
    def distinct(input: Plan) -> Distinct:
        """Drop duplicate rows."""
        return Distinct(input)

    def distinct_sorted(
        self,
        input: Plan,
        exprs: Sequence[PlanExpr],
        names: Sequence[str],
        order: Sequence[tuple[int | PlanExpr, bool, bool | None]],
    ) -> Plan:
        """``SELECT DISTINCT exprs ... ORDER BY order``: each term (key, descending,
        nulls_first) names a select-list position or is an expression over ``input``.

        A term not selected reads, as in SQLite, the first input row of each distinct row:
        the rows are grouped by ``exprs`` with ``any_value`` of such terms (the first row's
        value, see :mod:`pyram.functions.aggregate`), sorted, then the terms dropped.
        """
        extras = [key for key, _, _ in order if not isinstance(key, int)]
        if not extras:
            plan: Plan = self.distinct(self.project(input, exprs, names))
            fields = plan.fields
        else:
            calls = [self.agg("any_value", [e]) for e in extras]
            extra_names = [f"order{i + 1}" for i in range(len(extras))]
            plan = self.aggregate(input, exprs, calls, [*names, *extra_names])
            fields = plan.fields
        keys = []
        extra = len(exprs)
        for key, descending, nulls_first in order:
            if isinstance(key, int):
                field = fields[key]
            else:
                field = fields[extra]
                extra += 1
            keys.append(SortKey(self.column(field), descending, nulls_first))
        plan = self.sort(plan, keys)
        if extras:
            kept = fields[: len(exprs)]
            plan = self.project(plan, [self.column(f) for f in kept], names)
        return plan

    def set_op(self, kind: SetOpKind, keep_all: bool, left: Plan, right: Plan) -> SetOp:
        """UNION/INTERSECT/EXCEPT: same column count, matching families; named after ``left``."""
        lf, rf = left.fields, right.fields
        if len(lf) != len(rf):
            raise ProgrammingError(f"{kind}: both queries must return the same number of columns")
        out = []
        for a, b in zip(lf, rf, strict=True):
            if "null" not in (a.dtype.family, b.dtype.family) and a.dtype.family != b.dtype.family:
                raise ProgrammingError(
                    f"{kind}: column {a.name} is {a.dtype.name} vs {b.dtype.name}"
                )
            dtype = a.dtype if a.dtype is not NULLTYPE else b.dtype
            if a.dtype.family == b.dtype.family == "numeric":
                dtype = numeric_result(a.dtype, b.dtype)  # INTEGER with REAL: REAL, as CASE
            out.append(Field(self.new_cid(), a.name, dtype, a.nullable or b.nullable))
        return SetOp(kind, keep_all, left, right, tuple(out))

    # ------------------------------------------------------------------ expressions
    @staticmethod
    def column(field: Field) -> ColumnRef:
        """A reference to a field."""
        return ColumnRef(field.cid, field.name, field.dtype, field.nullable)

    @staticmethod
    def literal(value: Any, dtype: DataType | None = None) -> Literal_:
        """A constant; with ``dtype`` it is validated and converted to that type's stored form."""
        if dtype is None or dtype is NULLTYPE:
            return Literal_(value, literal_type(value) if dtype is None else NULLTYPE)
        if value is None:
            return Literal_(None, dtype)
        try:
            return Literal_(dtype.validate(value, nullable=False), dtype)
        except Exception as exc:
            natural = None if isinstance(value, bool) else literal_type(value)
            if natural is not None and natural.family == dtype.family == "numeric":
                # 2.5 next to an INTEGER column: numbers of any kind compare and combine
                return Literal_(value, natural)
            raise ProgrammingError(f"{value!r} does not fit {dtype.name}: {exc}") from None

    @staticmethod
    def param(key: str | int, dtype: DataType = NULLTYPE) -> Param:
        """A parameter; its type comes from context (see :meth:`coerce_to`)."""
        return Param(key, dtype)

    @staticmethod
    def coerce_to(expr: PlanExpr, dtype: DataType) -> PlanExpr:
        """Give an untyped parameter or NULL literal the type its context expects."""
        if isinstance(expr, Param) and expr.dtype is NULLTYPE:
            return Param(expr.key, dtype)
        if isinstance(expr, Literal_) and expr.value is None:
            return Literal_(None, dtype)
        return expr

    def written(self, expr: PlanExpr, dtype: DataType, column: str) -> PlanExpr:
        """A value written to a column of ``dtype`` (INSERT, UPDATE SET): an untyped parameter
        or NULL takes the column's type; any other value must be of the column's type family.

        Raises:
            ProgrammingError: the value's type family differs from the column's.
        """
        expr = self.coerce_to(expr, dtype)
        self.check_writable(expr.dtype, dtype, column)
        return expr

    @staticmethod
    def check_writable(value: DataType, column_type: DataType, column: str) -> None:
        """Refuse a value type whose family differs from the column's (NULL fits any)."""
        if value.family not in ("null", column_type.family):
            raise ProgrammingError(
                f"column {column} is {column_type.name}, the value is {value.name}"
            )

    def _unify(self, left: PlanExpr, right: PlanExpr, what: str) -> tuple[PlanExpr, PlanExpr]:
        """Check two operands share a type family; type untyped params/NULLs from the other."""
        left = _numeric_operand(left, right.dtype)
        right = _numeric_operand(right, left.dtype)
        lf, rf = left.dtype.family, right.dtype.family
        if "null" not in (lf, rf) and lf != rf:
            raise ProgrammingError(
                f"cannot {what} {describe_operand(left)} ({left.dtype.name}) and "
                f"{describe_operand(right)} ({right.dtype.name})"
            )
        return left, right

    def compare(self, op: CompareOp, left: PlanExpr, right: PlanExpr) -> Compare:
        """``left op right``; operands of one family (JSON compares only for (in)equality)."""
        left, right = self._unify(left, right, f"compare ({op})")
        if op not in ("=", "!=") and "json" in (left.dtype.family, right.dtype.family):
            raise ProgrammingError("JSON values can only be compared with = and !=")
        return Compare(op, left, right)

    def arith(self, op: ArithOp, left: PlanExpr, right: PlanExpr) -> Arith:
        """Arithmetic (numeric operands) or ``||`` (text operands)."""
        if op == "||":
            for side in (left, right):
                if side.dtype.family not in ("text", "null"):
                    raise ProgrammingError(f"|| needs text, got {side.dtype.name}")
            return Arith(op, self.coerce_to(left, TEXT), self.coerce_to(right, TEXT), TEXT)
        typed = typed_arith_type(op, left.dtype, right.dtype)
        if typed is not None:
            return Arith(op, left, right, typed)
        left, right = self._unify(left, right, f"apply {op} to")
        if left.dtype.family not in ("numeric", "null"):
            raise ProgrammingError(f"{op} needs numbers, got {left.dtype.name}")
        dtype = arith_result_type(op, left.dtype, right.dtype)
        if dtype is INTEGER and any(isinstance(s, Param) and s.operand for s in (left, right)):
            # the parameter may be REAL (``int_col - ?`` with 99.5): so may the result, and a
            # REAL expression may hold INTEGER values, so typing it REAL covers both
            dtype = REAL
        return Arith(op, left, right, dtype)

    def arith_chain(self, ops: Sequence[ArithOp], args: Sequence[PlanExpr]) -> PlanExpr:
        """A long left-associative chain (``a + b - c ...``, ``a || b || c ...``) as one flat
        :class:`ArithChain`, typed and checked step by step exactly as nested :meth:`arith`
        calls would be (the nested nodes are built in a loop and only their types are kept)."""
        step = self.arith(ops[0], args[0], args[1])
        typed = [step.left, step.right]
        for op, arg in zip(ops[1:], args[2:], strict=True):
            step = self.arith(op, step, arg)
            typed.append(step.right)
        return ArithChain(tuple(ops), tuple(typed), step.type_)

    def negate(self, arg: PlanExpr) -> Negate:
        """Unary minus."""
        if arg.dtype.family not in ("numeric", "null"):
            raise ProgrammingError(f"unary - needs a number, got {arg.dtype.name}")
        return Negate(arg)

    def _condition(self, expr: PlanExpr) -> PlanExpr:
        expr = self.coerce_to(expr, BOOLEAN)
        if expr.dtype.family not in ("boolean", "null"):
            raise ProgrammingError(
                f"a condition must be boolean, got {describe_operand(expr)} ({expr.dtype.name})"
            )
        return expr

    def and_(self, *args: PlanExpr) -> PlanExpr:
        """Conjunction (flattened)."""
        flat: list[PlanExpr] = []
        for arg in args:
            arg = self._condition(arg)
            flat.extend(arg.args if isinstance(arg, And) else (arg,))
        return flat[0] if len(flat) == 1 else And(tuple(flat))

    def or_(self, *args: PlanExpr) -> PlanExpr:
        """Disjunction (flattened)."""
        flat: list[PlanExpr] = []
        for arg in args:
            arg = self._condition(arg)
            flat.extend(arg.args if isinstance(arg, Or) else (arg,))
        return flat[0] if len(flat) == 1 else Or(tuple(flat))

    def not_(self, arg: PlanExpr) -> Not:
        """Negation."""
        return Not(self._condition(arg))

    @staticmethod
    def is_null(arg: PlanExpr, negated: bool = False) -> IsNull:
        """``IS [NOT] NULL``."""
        return IsNull(arg, negated)

    def in_list(self, arg: PlanExpr, items: Sequence[PlanExpr], negated: bool = False) -> InList:
        """``arg [NOT] IN (items)``."""
        if not items:
            raise ProgrammingError("IN needs at least one value")
        typed = tuple(self._unify(arg, item, "compare (IN)")[1] for item in items)
        return InList(arg, typed, negated)

    def in_values(
        self, arg: PlanExpr, values: tuple[Any, ...], params: tuple[str | int, ...], negated: bool
    ) -> InValues:
        """``arg [NOT] IN`` constants (stored forms) and parameters, as one list node; the
        parameters take ``arg``'s type. Checked as :meth:`in_list` checks, a type at a time."""
        if not values and not params:
            raise ProgrammingError("IN needs at least one value")
        for kind in set(map(type, values)) - {type(None)}:
            family = literal_type(next(v for v in values if type(v) is kind)).family
            if arg.dtype.family not in ("null", family):
                raise ProgrammingError(
                    f"cannot compare (IN) {describe_operand(arg)} ({arg.dtype.name}) and a "
                    f"{kind.__name__} value"
                )
        return InValues(arg, values, params, arg.dtype, negated)

    def between(
        self, arg: PlanExpr, low: PlanExpr, high: PlanExpr, negated: bool = False
    ) -> Between:
        """``arg [NOT] BETWEEN low AND high``."""
        _, low = self._unify(arg, low, "compare (BETWEEN)")
        _, high = self._unify(arg, high, "compare (BETWEEN)")
        return Between(arg, low, high, negated)

    def like(
        self,
        arg: PlanExpr,
        pattern: PlanExpr,
        negated: bool = False,
        glob: bool = False,
        escape: str | None = None,
    ) -> Like:
        """``arg [NOT] LIKE pattern`` / ``GLOB``."""
        pattern = self.coerce_to(pattern, TEXT)
        for side in (arg, pattern):
            if side.dtype.family not in ("text", "null"):
                raise ProgrammingError(f"LIKE needs text, got {side.dtype.name}")
        return Like(arg, pattern, negated, glob, escape)

    def case(self, whens: Sequence[tuple[PlanExpr, PlanExpr]], default: PlanExpr | None) -> Case:
        """Searched CASE; result branches must share a family (NULL fits any)."""
        if not whens:
            raise ProgrammingError("CASE needs at least one WHEN")
        results = [r for _, r in whens] + ([default] if default is not None else [])
        result_type = common_type(results)
        if result_type is INTEGER and any(untyped_param(r) for r in results):
            # a parameter may be given a REAL (THEN ? ELSE int_col: 2.5 or 2): typed REAL,
            # which holds INTEGER values as they are (SQLite keeps each value's class)
            result_type = REAL
        conds = [self._condition(c) for c, _ in whens]
        typed = tuple(
            (c, self.coerce_to(r, result_type)) for c, r in zip(conds, results, strict=False)
        )
        fallback = (
            self.coerce_to(default, result_type)
            if default is not None
            else Literal_(None, result_type)
        )
        return Case(typed, fallback, result_type)

    @staticmethod
    def cast(arg: PlanExpr, dtype: DataType) -> PlanExpr:
        """``CAST(arg AS dtype)`` (to INTEGER, REAL, TEXT, DECIMAL, BLOB, BOOLEAN or a type read
        from text: DATE, TIMESTAMP, TIMESTAMPTZ, TIME, UUID, JSON, INTERVAL).

        A cast to the type ``arg`` already has is dropped only where every value is sure to
        be of that type: a REAL expression such as ``CASE .. THEN -0.125 ELSE 1 END`` or
        ``coalesce(int_col, real_col)`` may yield an INTEGER (SQLite keeps each value's
        storage class there), which ``CAST(.. AS REAL)`` must turn into 1.0.
        """
        if dtype.name not in CAST_TARGETS:
            raise ProgrammingError(f"CAST to {dtype.name} is not supported")
        if arg.dtype is dtype and values_match_type(arg):
            return arg
        return Cast(arg, dtype)

    @staticmethod
    def to_number(arg: PlanExpr, mode: str = "OPERAND") -> PlanExpr:
        """Text as a number, INTEGER or REAL by its content (typed REAL; the values of other
        types pass unchanged). ``mode`` "OPERAND": the value arithmetic reads (``'3' + 4`` is
        7, ``'1e3' + 0`` is 1000.0); "REMAINDER_OPERAND": what ``%`` reads; "NUMERIC":
        ``CAST(arg AS NUMERIC)``."""
        if arg.dtype.family != "text":
            return arg
        return Cast(arg, REAL, mode)

    @staticmethod
    def func(name: str, args: Sequence[PlanExpr]) -> FunctionCall:
        """A scalar function call, typed by the function registry (see :func:`typed_args`)."""
        fn = scalar_function(name)
        count = len(args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            raise ProgrammingError(f"wrong number of arguments to function {fn.name}()")
        args, dtype = typed_args(fn.return_type, args)
        return FunctionCall(fn.name, tuple(args), dtype, udf=user_scalar(name))

    @staticmethod
    def agg(name: str, args: Sequence[PlanExpr], distinct: bool = False) -> AggCall:
        """An aggregate call, typed by the function registry (``count_star`` for count(*))."""
        fn = aggregate_function(name)
        count = len(args)
        if count < fn.min_args or (fn.max_args is not None and count > fn.max_args):
            raise ProgrammingError(f"wrong number of arguments to function {fn.name}()")
        args, dtype = typed_args(fn.return_type, args, aggregate=True)
        return AggCall(fn.name, tuple(args), dtype, distinct, udf=user_aggregate(name))

    def agg_filter(self, call: AggCall, condition: PlanExpr) -> AggCall:
        """``call FILTER (WHERE condition)``."""
        return attrs.evolve(call, filter=self._condition(condition))

    def window_call(
        self,
        name: str,
        args: Sequence[PlanExpr],
        frame: WindowFrame | None = None,
        filter: PlanExpr | None = None,
    ) -> WindowCall:
        """A window function (row_number, lag...) or an aggregate used as one, typed by the
        function registries; ``count_star`` is count(*).

        Raises:
            ProgrammingError: unknown function, wrong arguments, FILTER on a non-aggregate, an
                unsupported frame or a frame offset that is not a constant number.
        """
        frame = checked_frame(frame or WindowFrame(), self.coerce_to)
        function = window_function(name)
        if function is not None:
            if filter is not None:
                raise ProgrammingError(f"FILTER may not be used with non-aggregate {name}()")
            dtype = function.return_type([a.dtype for a in args])
            return WindowCall(function.name, tuple(args), dtype, frame)
        call = self.agg(name, args)
        condition = None if filter is None else self._condition(filter)
        return WindowCall(call.name, call.args, call.dtype, frame, condition)

    @staticmethod
    def scalar_subquery(plan: Plan) -> ScalarSubquery:
        """A subquery used as a value: exactly one column."""
        if len(plan.fields) != 1:
            raise ProgrammingError("a scalar subquery must return exactly one column")
        return ScalarSubquery(plan, plan.fields[0].dtype)

    @staticmethod
    def exists(plan: Plan, negated: bool = False) -> Exists:
        """``[NOT] EXISTS (plan)``."""
        return Exists(plan, negated)

    def in_subquery(self, arg: PlanExpr, plan: Plan, negated: bool = False) -> InSubquery:
        """``arg [NOT] IN (plan)``: one column of arg's family."""
        if len(plan.fields) != 1:
            raise ProgrammingError("IN (subquery) needs a subquery returning one column")
        inner = plan.fields[0]
        self._unify(arg, ColumnRef(inner.cid, inner.name, inner.dtype, True), "compare (IN)")
        return InSubquery(arg, plan, negated)


def _numeric_operand(expr: PlanExpr, other: DataType) -> PlanExpr:
    """An untyped parameter or NULL next to ``other`` takes its type; a parameter typed
    INTEGER that way is marked an operand (a REAL value then still compares numerically)."""
    if other is NULLTYPE:
        return expr
    typed = PlanBuilder.coerce_to(expr, other)
    if isinstance(typed, Param) and typed is not expr and other is INTEGER:
        return attrs.evolve(typed, operand=True)
    return typed
