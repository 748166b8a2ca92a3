"""Bind SQL expressions to plan expressions, with SQLite's rules for mixing types.

SQLite has no boolean type: a comparison is the integer 1 or 0 and any number is a condition
(non-zero is true). The plan keeps booleans apart from numbers, so the binder converts at the
seams: :meth:`ExprBinder.value` turns a computed truth value into an INTEGER where a value is
wanted, :meth:`ExprBinder.cond` turns a number into ``x != 0`` where a condition is wanted.
A literal next to a column takes the column's type when it can (SQLite's column affinity):
``'5'`` compared with an INTEGER column is 5, ``5`` compared with a TEXT column is ``'5'``,
``'2024-01-31'`` compared with a DATE column is that date. Anything else that mixes families is
an error: stored values are strictly typed and never silently coerced.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import attrs

from pyram.errors import ProgrammingError
from pyram.functions.sql_numeric import text_operand, text_remainder_operand
from pyram.limits import MAX_EXPR_DEPTH, MAX_NESTING
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.builder import CHAIN_MIN_TERMS
from pyram.sql import ast
from pyram.sql.binder.base import BinderBase, parameter_key
from pyram.sql.binder.calls import bind_aggregate_call, bind_function
from pyram.sql.binder.casts import bind_cast
from pyram.sql.binder.in_lists import bind_in_values
from pyram.sql.binder.scope import Alias, Ambiguous, Scope
from pyram.types import BOOLEAN, INTEGER, NULLTYPE, REAL, TEXT

__all__ = ["ExprBinder", "ExprCtx"]

_I64_MAX = 2**63 - 1

#: Deepest nesting bound (pyram.limits.MAX_NESTING). Binding recurses a few Python frames per
#: level, so this keeps it under Python's recursion limit. Operator chains (``a + b + c ...``,
#: ``x AND y AND ...``) are bound in a loop and flattened, so they do not count here; their
#: length is checked against pyram.limits.MAX_EXPR_DEPTH as SQLite counts depth.
MAX_NESTING_BOUND = MAX_NESTING

_COMPARE: dict[ast.BinaryOp, px.CompareOp] = {
    ast.BinaryOp.EQ: "=",
    ast.BinaryOp.NE: "!=",
    ast.BinaryOp.LT: "<",
    ast.BinaryOp.LE: "<=",
    ast.BinaryOp.GT: ">",
    ast.BinaryOp.GE: ">=",
}
_ARITH: dict[ast.BinaryOp, px.ArithOp] = {
    ast.BinaryOp.ADD: "+",
    ast.BinaryOp.SUB: "-",
    ast.BinaryOp.MUL: "*",
    ast.BinaryOp.DIV: "/",
    ast.BinaryOp.MOD: "%",
}
_BITWISE: dict[ast.BinaryOp, str] = {
    ast.BinaryOp.BIT_AND: "bit_and",
    ast.BinaryOp.BIT_OR: "bit_or",
    ast.BinaryOp.LSHIFT: "shift_left",
    ast.BinaryOp.RSHIFT: "shift_right",
}
#: a chain's operators and its operands (one more than operators)
_Chain = tuple[list[ast.BinaryOp], list[ast.SqlExpr]]

#: A replacement for whole subexpressions (used after GROUP BY: groups and aggregates become
#: columns of the aggregate's output); returns None for expressions it does not replace.
Hook = Callable[[ast.SqlExpr], px.PlanExpr | None]


@attrs.frozen
class ExprCtx:
    """Where an expression is bound: the names visible and the post-aggregation hook."""

    scope: Scope
    hook: Hook | None = None


def _is_truth(expr: px.PlanExpr) -> bool:
    """A computed truth value (not a stored BOOLEAN column)."""
    return expr.dtype is BOOLEAN and not isinstance(expr, px.ColumnRef | px.Literal_ | px.Param)


class ExprBinder(BinderBase):
    """Expression binding; the query parts (subqueries) come from the select binder."""

    #: nesting depth of the expression being bound (see :data:`MAX_NESTING_BOUND`)
    depth = 0

    def bind_subquery(self, select: ast.Select, parent: Scope) -> pn.Plan:
        """Bind a subquery (implemented by the select binder)."""
        raise NotImplementedError

    def outer_aggregate(self, e: ast.FunctionCall, ctx: ExprCtx) -> px.PlanExpr | None:
        """An aggregate call belonging to an outer query, as a value here (implemented by the
        grouping binder); None when it is not one."""
        return None

    # ------------------------------------------------------------------ contexts
    def value(self, e: ast.SqlExpr, ctx: ExprCtx) -> px.PlanExpr:
        """Bind ``e`` where a value is wanted (a truth value becomes the integer 1 or 0)."""
        bound = self.expr(e, ctx)
        return self.as_value(bound)

    def as_value(self, bound: px.PlanExpr) -> px.PlanExpr:
        """A computed truth value as SQLite's integer 1/0 (NULL stays NULL); PostgreSQL's
        dialect keeps it boolean."""
        if self.pg is not None:
            return bound
        return px.Cast(bound, INTEGER) if _is_truth(bound) else bound

    def cond(self, e: ast.SqlExpr, ctx: ExprCtx) -> px.PlanExpr:
        """Bind ``e`` where a condition is wanted (a number is true when non-zero)."""
        bound = self.expr(e, ctx)
        with self.at(e):
            return self.as_condition(bound)

    def as_condition(self, bound: px.PlanExpr) -> px.PlanExpr:
        """SQLite truthiness: numbers compare with 0, text is read as a number first."""
        family = bound.dtype.family
        if family == "null" and not isinstance(bound, px.Literal_):
            # an untyped value as a condition (``WHERE ?``, ``HAVING SUM(?)``): any value,
            # SQLite's truth
            return self.b.func("truth", [bound])
        if family in ("boolean", "null"):
            return bound
        if family == "numeric":
            return self.b.compare("!=", bound, self.b.literal(0))
        if family == "text":
            return self.b.compare("!=", px.Cast(bound, REAL), self.b.literal(0.0))
        raise ProgrammingError(f"a condition must be boolean or a number, not {bound.dtype.name}")

    def numeric(self, bound: px.PlanExpr) -> px.PlanExpr:
        """An operand of arithmetic: truth values are 1/0."""
        if bound.dtype.family == "boolean":
            return px.Cast(bound, INTEGER)
        return bound

    # ------------------------------------------------------------------ dispatch
    def expr(self, e: ast.SqlExpr, ctx: ExprCtx) -> px.PlanExpr:
        """Bind one expression; errors point at the innermost node that failed."""
        if ctx.hook is not None:
            replaced = ctx.hook(e)
            if replaced is not None:
                return replaced
        self.depth += 1
        if self.depth > MAX_NESTING_BOUND:
            raise self.error(
                f"expression nested too deeply (maximum nesting {MAX_NESTING_BOUND})", e.offset
            )
        try:
            with self.at(e):
                return self._expr(e, ctx)
        finally:
            self.depth -= 1

    def _expr(self, e: ast.SqlExpr, ctx: ExprCtx) -> px.PlanExpr:
        b = self.b
        if isinstance(e, ast.ColumnRef):
            return self.column(e, ctx.scope)
        if isinstance(e, ast.IntegerLiteral):
            return b.literal(e.value if e.value <= _I64_MAX else float(e.value))
        if isinstance(e, ast.RealLiteral):
            return b.literal(e.value)
        if isinstance(e, ast.StringLiteral | ast.BlobLiteral):
            return b.literal(e.value)
        if isinstance(e, ast.NullLiteral):
            return b.literal(None)
        if isinstance(e, ast.BooleanLiteral):
            # PostgreSQL's dialect has a boolean type; SQLite's TRUE is the integer 1
            return b.literal(e.value if self.pg is not None else int(e.value))
        if isinstance(e, ast.Param):
            return b.param(parameter_key(e))
        if isinstance(e, ast.Unary):
            return self._unary(e, ctx)
        if isinstance(e, ast.Binary):
            return self._binary(e, ctx)
        if isinstance(e, ast.IsNull):
            return b.is_null(self.value(e.operand, ctx), e.negated)
        if isinstance(e, ast.Between):
            arg = self.value(e.operand, ctx)
            low = self._operand_like(arg, e.low, ctx)
            high = self._operand_like(arg, e.high, ctx)
            arg, low, high = self._unify_truth(arg, low, high)
            return b.between(arg, low, high, e.negated)
        if isinstance(e, ast.InList):
            return self._in_list(e, ctx)
        if isinstance(e, ast.InValues):
            return bind_in_values(self, e, ctx)
        if isinstance(e, ast.InSelect):
            plan = self.bind_subquery(e.select, ctx.scope)
            return b.in_subquery(self.value(e.operand, ctx), plan, e.negated)
        if isinstance(e, ast.InTable):
            star = ast.StarColumn(offset=e.offset)
            source = ast.TableRef(offset=e.offset, name=e.table)
            select = ast.Select(
                offset=e.offset, body=ast.SelectCore(offset=e.offset, columns=(star,), from_=source)
            )
            plan = self.bind_subquery(select, ctx.scope)
            return b.in_subquery(self.value(e.operand, ctx), plan, e.negated)
        if isinstance(e, ast.Like):
            return self._like(e, ctx)
        if isinstance(e, ast.Case):
            return self._case(e, ctx)
        if isinstance(e, ast.Cast):
            return self._cast(e, ctx)
        if isinstance(e, ast.Collate):
            if e.collation.upper() != "BINARY":
                raise ProgrammingError(f"collation {e.collation} is not supported")
            return self.expr(e.operand, ctx)
        if isinstance(e, ast.FunctionCall):
            return self._function(e, ctx)
        if isinstance(e, ast.Exists):
            return b.exists(self.bind_subquery(e.select, ctx.scope))
        if isinstance(e, ast.Subquery):
            return b.scalar_subquery(self.bind_subquery(e.select, ctx.scope))
        if isinstance(e, ast.RowValue):
            raise ProgrammingError("row values are not supported")
        if isinstance(e, ast.CurrentTimeLiteral):
            raise ProgrammingError(f"{e.kind} is only supported as a column DEFAULT")
        raise ProgrammingError(f"cannot use {type(e).__name__} here")  # pragma: no cover

    def column(self, e: ast.ColumnRef, scope: Scope) -> px.PlanExpr:
        """A column reference resolved in ``scope`` (then outer scopes)."""
        try:
            field = scope.resolve(e.name, e.table)
        except Ambiguous:
            raise self.error(f"ambiguous column name: {e.name}", e.offset) from None
        if field is None:
            name = f"{e.table}.{e.name}" if e.table else e.name
            raise self.error(f"no such column: {name}", e.offset)
        if isinstance(field, Alias):
            # a select-list alias means its expression, bound as in the select list
            with field.scope.state(aliases=None, sealed=False):
                return self.expr(field.expr, field.ctx)
        return self.b.column(field)

    # ------------------------------------------------------------------ operators
    def _unary(self, e: ast.Unary, ctx: ExprCtx) -> px.PlanExpr:
        if e.op is ast.UnaryOp.NOT:
            return self.b.not_(self.cond(e.operand, ctx))
        operand = self.numeric(self.value(e.operand, ctx))
        if e.op is ast.UnaryOp.POS:
            return operand
        if e.op is ast.UnaryOp.BIT_NOT:
            return self.b.func("bit_not", [self._int_operand(operand)])
        if e.op is ast.UnaryOp.NEG:
            if isinstance(e.operand, ast.IntegerLiteral) and e.operand.value == _I64_MAX + 1:
                return self.b.literal(-e.operand.value)  # the smallest INTEGER is an INTEGER
            operand = self._arith_operand(operand)
            value = operand.value if isinstance(operand, px.Literal_) else None
            if type(value) in (int, float) and value != -(2**63):
                return self.b.literal(-value)  # type: ignore[operator]
            return self.b.negate(operand)
        raise ProgrammingError(f"operator {e.op.value} is not supported")

    def _chain(self, e: ast.Binary, ops: Collection[ast.BinaryOp]) -> _Chain:
        """The operators and operands of the left-associative chain ``e`` (``a op b op c``),
        read in a loop; longer than SQLite's depth limit is an error, as in SQLite."""
        chain_ops, rights = [], []
        node: ast.SqlExpr = e
        while isinstance(node, ast.Binary) and node.op in ops:
            chain_ops.append(node.op)
            rights.append(node.right)
            node = node.left
        if len(chain_ops) > MAX_EXPR_DEPTH:
            raise self.error(
                f"expression tree is too large (maximum depth {MAX_EXPR_DEPTH})", e.offset
            )
        return chain_ops[::-1], [node, *rights[::-1]]

    def _binary(self, e: ast.Binary, ctx: ExprCtx) -> px.PlanExpr:
        b, op = self.b, e.op
        if op is ast.BinaryOp.AND or op is ast.BinaryOp.OR:
            _, operands = self._chain(e, (op,))
            conditions = [self.cond(x, ctx) for x in operands]
            return b.and_(*conditions) if op is ast.BinaryOp.AND else b.or_(*conditions)
        if op in _ARITH or op is ast.BinaryOp.CONCAT:
            family = _ARITH if op in _ARITH else (ast.BinaryOp.CONCAT,)
            chain_ops, operands = self._chain(e, family)
            if len(operands) >= CHAIN_MIN_TERMS:
                return self._arith_chain(chain_ops, operands, ctx)
        if op in _COMPARE:
            left, right = self._operands(e.left, e.right, ctx)
            left, right = self._unify_truth(left, right)
            return b.compare(_COMPARE[op], left, right)
        if op in (ast.BinaryOp.IS, ast.BinaryOp.IS_NOT):
            if isinstance(e.right, ast.BooleanLiteral):
                return self._truth_test(e.left, e.right.value, op is ast.BinaryOp.IS_NOT, ctx)
            left, right = self._operands(e.left, e.right, ctx)
            left, right = self._unify_truth(left, right)
            return self._is(left, right, negated=op is ast.BinaryOp.IS_NOT)
        if op is ast.BinaryOp.CONCAT:
            left, right = (self._as_text(self.value(x, ctx)) for x in (e.left, e.right))
            return b.arith("||", left, right)
        if op in _ARITH:
            # no affinity here: SQLite reads each operand as a number on its own ('3' is 3,
            # 1 stays INTEGER next to a REAL column)
            remainder = op is ast.BinaryOp.MOD
            bound_left, bound_right = self.value(e.left, ctx), self.value(e.right, ctx)
            bound_left, bound_right = self._untyped_pair(bound_left, bound_right)
            left, right = (self._arith_operand(x, remainder) for x in (bound_left, bound_right))
            return b.arith(_ARITH[op], left, right)
        if op in _BITWISE:
            left, right = self._operands(e.left, e.right, ctx)
            return b.func(_BITWISE[op], [self._int_operand(left), self._int_operand(right)])
        raise ProgrammingError(f"operator {op.value} is not supported")

    def _arith_chain(
        self, ops: list[ast.BinaryOp], operands: list[ast.SqlExpr], ctx: ExprCtx
    ) -> px.PlanExpr:
        """A long chain as one flat node, each operand read as the binary form reads it."""
        if ops[0] is ast.BinaryOp.CONCAT:
            args = [self._as_text(self.value(x, ctx)) for x in operands]
            return self.b.arith_chain(["||"] * len(ops), args)
        bound = [self.value(x, ctx) for x in operands]
        bound[0], bound[1] = self._untyped_pair(bound[0], bound[1])
        # an operand of % is read as a remainder operand (the first one belongs to ops[0])
        remainders = [ops[0] is ast.BinaryOp.MOD, *(o is ast.BinaryOp.MOD for o in ops)]
        args = [self._arith_operand(x, r) for x, r in zip(bound, remainders, strict=True)]
        return self.b.arith_chain([_ARITH[o] for o in ops], args)

    def _untyped_pair(
        self, left: px.PlanExpr, right: px.PlanExpr
    ) -> tuple[px.PlanExpr, px.PlanExpr]:
        """A number literal next to an untyped parameter (``? + 1``) leaves it untyped, as
        SQLite would: any number may come (2.5 + 1 is 3.5)."""
        for param, literal in ((left, right), (right, left)):
            if (
                isinstance(param, px.Param)
                and param.dtype is NULLTYPE
                and isinstance(literal, px.Literal_)
                and literal.dtype.family == "numeric"
            ):
                untyped = self._literal_like(param, literal)
                return (param, untyped) if param is left else (untyped, param)
        return left, right

    def _arith_operand(self, bound: px.PlanExpr, remainder: bool = False) -> px.PlanExpr:
        bound = self.numeric(bound)
        if bound.dtype.family != "text":
            return bound
        # SQLite reads text as a number in arithmetic ('3' + 4 is 7, '2.5' + 1 is 3.5)
        if isinstance(bound, px.Literal_) and isinstance(bound.value, str):
            read = text_remainder_operand if remainder else text_operand
            return self.b.literal(read(bound.value))
        return self.b.to_number(bound, "REMAINDER_OPERAND" if remainder else "OPERAND")

    def _int_operand(self, bound: px.PlanExpr) -> px.PlanExpr:
        """An operand of a bitwise operator: SQLite reads text by its integer prefix."""
        bound = self.numeric(bound)
        if bound.dtype.family == "text":
            return self.b.cast(bound, INTEGER)
        return bound

    def _as_text(self, bound: px.PlanExpr) -> px.PlanExpr:
        if isinstance(bound, px.Param) and bound.dtype is NULLTYPE:
            # SQLite renders any value as text here (:p || 'x' with 0 is '0x'): the value is
            # converted when the statement runs, so the prepared plan fits every value
            return px.Cast(bound, TEXT)
        if bound.dtype.family in ("text", "null"):
            return bound
        return px.Cast(self.numeric(bound), TEXT)

    def _truth_test(
        self, operand: ast.SqlExpr, want: bool, negated: bool, ctx: ExprCtx
    ) -> px.PlanExpr:
        """``x IS [NOT] TRUE/FALSE``: SQLite's truth test, never NULL (``NULL IS TRUE`` and
        ``NULL IS FALSE`` are 0; ``2 IS TRUE`` is 1, unlike ``2 IS 1``)."""
        b = self.b
        bound = self.expr(operand, ctx)
        with self.at(operand):
            truth = self.as_condition(bound)
        test = truth if want else b.not_(truth)
        if negated:
            return b.or_(b.is_null(bound), b.not_(test))
        return b.and_(b.is_null(bound, negated=True), test)

    def _is(self, left: px.PlanExpr, right: px.PlanExpr, negated: bool) -> px.PlanExpr:
        """``a IS b``: equality where NULL equals NULL (never NULL itself)."""
        b = self.b
        if isinstance(right, px.Literal_) and right.value is None:
            return b.is_null(left, negated)
        if isinstance(left, px.Literal_) and left.value is None:
            return b.is_null(right, negated)
        both_null = b.and_(b.is_null(left), b.is_null(right))
        one_null = b.or_(b.is_null(left), b.is_null(right))
        same = b.case(
            [(both_null, b.literal(True)), (one_null, b.literal(False))],
            b.compare("=", left, right),
        )
        return b.not_(same) if negated else same

    def _operands(
        self, left: ast.SqlExpr, right: ast.SqlExpr, ctx: ExprCtx
    ) -> tuple[px.PlanExpr, px.PlanExpr]:
        """Bind two compared operands; a literal takes the other side's type when it fits."""
        bound_left = self.value(left, ctx)
        bound_right = self._operand_like(bound_left, right, ctx)
        if isinstance(bound_left, px.Literal_) and not isinstance(bound_right, px.Literal_):
            bound_left = self._literal_like(bound_right, bound_left)
        return bound_left, bound_right

    def _operand_like(self, other: px.PlanExpr, e: ast.SqlExpr, ctx: ExprCtx) -> px.PlanExpr:
        bound = self.value(e, ctx)
        if isinstance(bound, px.Literal_) and not isinstance(other, px.Literal_):
            return self._literal_like(other, bound)
        return bound

    def _literal_like(self, other: px.PlanExpr, literal: px.Literal_) -> px.PlanExpr:
        """Apply ``other``'s type to a literal (SQLite affinity), keeping it when nothing fits."""
        target, value = other.dtype, literal.value
        if value is None or target is NULLTYPE or target.family == literal.dtype.family:
            if target is REAL and literal.dtype is INTEGER and float(value) == value:
                return self.b.literal(float(value), REAL)  # as the DSL does: float compares
            if target.family == "numeric" or value is None:
                return literal
            try:
                return self.b.literal(value, target)
            except ProgrammingError:
                return literal
        if isinstance(value, str):
            converted = target.from_sql_text(value)
            if converted is not None:
                return self.b.literal(converted, target)
            return literal
        if target.family == "text" and isinstance(value, int | float):
            return self.b.literal(str(value))
        return literal

    def _unify_truth(self, *operands: px.PlanExpr) -> list[px.PlanExpr]:
        """Truth values next to numbers become 1/0 (``(a > b) = 1``)."""
        families = {o.dtype.family for o in operands}
        if "boolean" in families and "numeric" in families:
            return [self.numeric(o) for o in operands]
        return list(operands)

    def _in_list(self, e: ast.InList, ctx: ExprCtx) -> px.PlanExpr:
        arg = self.value(e.operand, ctx)
        if not e.items:
            # SQLite: x IN () is 0 and x NOT IN () 1, even for NULL x (a parameter in x still
            # takes a value: the statement declares it, see Binder.parameters)
            return self.b.literal(int(e.negated))
        return self.in_items(arg, [self.value(item, ctx) for item in e.items], e.negated)

    def in_items(self, arg: px.PlanExpr, items: list[px.PlanExpr], negated: bool) -> px.PlanExpr:
        """``arg [NOT] IN (items)`` over bound items: a literal item takes ``arg``'s type
        when it fits (as in a comparison), truth values meet numbers as 1/0."""
        if not isinstance(arg, px.Literal_):
            items = [self._literal_like(arg, i) if isinstance(i, px.Literal_) else i for i in items]
        unified = self._unify_truth(arg, *items)
        return self.b.in_list(unified[0], unified[1:], negated)

    def _like(self, e: ast.Like, ctx: ExprCtx) -> px.PlanExpr:
        if e.op not in ("LIKE", "GLOB"):
            raise ProgrammingError(f"{e.op} is not supported")
        escape = None
        if e.escape is not None:
            if not isinstance(e.escape, ast.StringLiteral) or len(e.escape.value) != 1:
                raise ProgrammingError("ESCAPE needs a single-character string literal")
            escape = e.escape.value
        arg = self._as_text(self.value(e.operand, ctx))
        pattern = self._as_text(self.value(e.pattern, ctx))
        return self.b.like(arg, pattern, e.negated, e.op == "GLOB", escape)

    def _case(self, e: ast.Case, ctx: ExprCtx) -> px.PlanExpr:
        whens = []
        operand = None if e.operand is None else self.value(e.operand, ctx)
        for when in e.whens:
            if operand is None:
                condition = self.cond(when.condition, ctx)
            else:
                candidate = self._operand_like(operand, when.condition, ctx)
                left, right = self._unify_truth(operand, candidate)
                with self.at(when):
                    condition = self.b.compare("=", left, right)
            whens.append((condition, self.value(when.result, ctx)))
        default = None if e.else_ is None else self.value(e.else_, ctx)
        results = [r for _, r in whens] + ([default] if default is not None else [])
        if len({r.dtype.family for r in results} - {"null"}) > 1:
            # SQLite's CASE may mix types; numbers and truth values meet as numbers
            whens = [(c, self.numeric(r)) for c, r in whens]
            default = None if default is None else self.numeric(default)
        return self.b.case(whens, default)

    def _cast(self, e: ast.Cast, ctx: ExprCtx) -> px.PlanExpr:
        return bind_cast(self, e, ctx)

    def _function(self, e: ast.FunctionCall, ctx: ExprCtx) -> px.PlanExpr:
        return bind_function(self, e, ctx)

    def aggregate_call(self, e: ast.FunctionCall, ctx: ExprCtx) -> px.AggCall:
        """Bind an aggregate call's arguments in the pre-aggregation scope ``ctx``."""
        return bind_aggregate_call(self, e, ctx)
