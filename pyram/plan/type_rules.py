"""The type rules of bound expressions: the SQL type of a constant, of arithmetic, of a CASE,
and of a function call's arguments.

:class:`~pyram.plan.builder.PlanBuilder` applies them as it builds expressions (so both front
ends type alike); the engine's kernel translator uses :func:`arith_result_type` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from pyram.errors import ProgrammingError
from pyram.functions import scalar_function
from pyram.functions.registry import IntegerArgumentError
from pyram.plan.expr import (
    Arith,
    ArithOp,
    Case,
    Cast,
    ColumnRef,
    FunctionCall,
    Literal_,
    Negate,
    Param,
    PlanExpr,
    WindowFrame,
    column_ids,
)
from pyram.types import (
    DECIMAL,
    INTEGER,
    NULLTYPE,
    REAL,
    TEXT,
    DataType,
    type_of_value,
)

__all__ = [
    "arith_result_type",
    "checked_frame",
    "common_type",
    "describe_operand",
    "literal_type",
    "narrow_operands",
    "numeric_result",
    "typed_args",
    "typed_arith_type",
    "untyped_param",
    "values_match_type",
]


def literal_type(value: object) -> DataType:
    """The SQL type of a Python constant written without a column to give it context (the
    type registry's answer: :func:`pyram.types.type_of_value`)."""
    return type_of_value(value)


def describe_operand(expr: PlanExpr) -> str:
    if isinstance(expr, ColumnRef):
        return expr.name
    if isinstance(expr, Literal_):
        return repr(expr.value)
    if isinstance(expr, Param):
        return f"parameter {expr.key!r}"
    return type(expr).__name__.lower().rstrip("_")


def arith_result_type(op: ArithOp, left: DataType, right: DataType) -> DataType:
    """The type of ``left op right`` for operands :meth:`PlanBuilder.arith` accepted."""
    return TEXT if op == "||" else numeric_result(left, right)


def typed_arith_type(op: str, left: DataType, right: DataType) -> DataType | None:
    """The result type of arithmetic one operand's type defines beyond numbers
    (``timestamp + interval``), or None: the types own their arithmetic."""
    found = left.arith_result(op, right, self_left=True)
    return found if found is not None else right.arith_result(op, left, self_left=False)


def typed_args(
    rule: Callable[[Sequence[DataType]], DataType],
    args: Sequence[PlanExpr],
    aggregate: bool = False,
) -> tuple[list[PlanExpr], DataType]:
    """Arguments and result type of a call. An argument made REAL only by a parameter next
    to an INTEGER column (``i + ?``, which may be given 0.5 or 1) stays REAL where a scalar
    function takes a REAL (``abs(i - ?)``, ``round(i + ?)``: typed by the REAL, which holds
    the INTEGER results of INTEGER values as they are). Where the function needs an INTEGER
    (``substr(s, i + ?)``) it is converted as SQLite reads a REAL there: truncated toward zero
    (``CAST(.. AS INTEGER)``). An aggregate whose type would change (``sum(i + ?)``) is typed
    INTEGER again, its parameter then taking INTEGERs only: its result becomes a column the
    query reads on, and a column's type must hold for every value (a DataError for 0.5 rather
    than a CAST dropped on a column typed INTEGER holding 7.5)."""
    narrowed = [narrow_operands(a) for a in args]
    if all(n is a for n, a in zip(narrowed, args, strict=True)):
        return list(args), rule([a.dtype for a in args])
    strict = rule([a.dtype for a in narrowed])
    lenient, lenient_type = list(args), None
    for _ in args:
        try:
            lenient_type = rule([a.dtype for a in lenient])
            if lenient_type is strict or lenient_type.family != "numeric":
                return lenient, lenient_type
            break
        except IntegerArgumentError as exc:
            index = exc.index
            if narrowed[index] is args[index] or lenient[index] is not args[index]:
                break
            lenient[index] = Cast(args[index], INTEGER)  # as SQLite reads it: truncated
        except ProgrammingError:
            break
    if lenient_type is not None and not aggregate:
        return lenient, lenient_type
    # elsewhere (sum(i + ?), group_concat(i + ?) ...) INTEGER again: parameters take INTEGERs
    return narrowed, strict


def untyped_param(expr: PlanExpr) -> bool:
    return isinstance(expr, Param) and expr.dtype is NULLTYPE


def narrow_operands(expr: PlanExpr) -> PlanExpr:
    """``expr`` with its operand parameters strict again and the arithmetic they made REAL
    INTEGER again (see ``Param.operand``), a CASE made REAL by its parameters (see
    :meth:`PlanBuilder.case`) INTEGER again: where a function needs an INTEGER argument."""
    if isinstance(expr, Param) and expr.operand:
        return attrs.evolve(expr, operand=False)
    if isinstance(expr, Case) and expr.dtype is REAL:
        return narrowed_case(expr)
    if isinstance(expr, FunctionCall) and expr.udf is None and expr.dtype is REAL:
        return narrowed_call(expr)
    if isinstance(expr, Negate):
        inner = narrow_operands(expr.arg)
        return expr if inner is expr.arg else Negate(inner)
    if not isinstance(expr, Arith) or expr.op == "||":
        return expr
    left, right = narrow_operands(expr.left), narrow_operands(expr.right)
    if left is expr.left and right is expr.right:
        return expr
    return Arith(expr.op, left, right, numeric_result(left.dtype, right.dtype))


def narrowed_call(call: FunctionCall) -> PlanExpr:
    """A scalar call made REAL by a REAL-by-parameter argument (``abs(i - ?)``), typed as
    over the narrowed arguments (INTEGER); any other call as it is."""
    args = [narrow_operands(a) for a in call.args]
    if all(n is a for n, a in zip(args, call.args, strict=True)):
        return call
    try:
        dtype = scalar_function(call.name).return_type([a.dtype for a in args])
    except ProgrammingError:
        return call
    return attrs.evolve(call, args=tuple(args), type_=dtype)


def narrowed_case(case: Case) -> PlanExpr:
    """A REAL CASE whose results are INTEGER expressions and parameters, typed INTEGER with
    those parameters taking INTEGERs only; any other CASE as it is."""
    results = [r for _, r in case.whens] + [case.default]
    params = [isinstance(r, Param) and r.dtype is REAL for r in results]
    others = [r.dtype for r, p in zip(results, params, strict=True) if not p]
    if not any(params) or INTEGER not in others or not set(others) <= {INTEGER, NULLTYPE}:
        return case
    typed = [
        Param(r.key, INTEGER) if p and isinstance(r, Param) else r
        for r, p in zip(results, params, strict=True)
    ]
    whens = tuple((c, r) for (c, _), r in zip(case.whens, typed, strict=False))
    default = typed[-1]
    if isinstance(default, Literal_) and default.value is None:
        default = Literal_(None, INTEGER)
    return Case(whens, default, INTEGER)


def values_match_type(expr: PlanExpr) -> bool:
    """True when every value of ``expr`` has the storage class of its type: a stored column,
    or a value of a family other than numeric (a REAL expression may mix in INTEGER values,
    an INTEGER one REAL values through a REAL parameter next to an INTEGER column)."""
    if isinstance(expr, Literal_ | Param):
        return False
    return expr.dtype.family != "numeric" or isinstance(expr, ColumnRef)


def numeric_result(a: DataType, b: DataType) -> DataType:
    names = {a.name, b.name} - {"NULL"}
    if not names or names == {"INTEGER"}:
        return INTEGER
    if "REAL" in names:
        return REAL
    if "DECIMAL" in names:
        return DECIMAL
    return a if a is not NULLTYPE else b


def common_type(exprs: Sequence[PlanExpr]) -> DataType:
    typed = [e.dtype for e in exprs if e.dtype is not NULLTYPE]
    if not typed:
        return NULLTYPE
    families = {t.family for t in typed}
    if len(families) > 1:
        raise ProgrammingError(
            "CASE branches have incompatible types: " + ", ".join(sorted(t.name for t in typed))
        )
    if families == {"numeric"}:
        result = typed[0]
        for t in typed[1:]:
            result = numeric_result(result, t)
        return result
    return typed[0]


def checked_frame(
    frame: WindowFrame, coerce_to: Callable[[PlanExpr, DataType], PlanExpr]
) -> WindowFrame:
    """A window frame checked as SQLite checks it, its offsets constant numbers (INTEGER for
    ROWS and GROUPS, REAL for RANGE)."""
    start, end = frame.start.kind, frame.end.kind
    if (
        start == "unbounded_following"
        or end == "unbounded_preceding"
        or (start == "current_row" and end == "preceding")
        or (start == "following" and end in ("preceding", "current_row"))
    ):
        raise ProgrammingError("unsupported frame specification")
    bounds = []
    for bound in (frame.start, frame.end):
        if bound.offset is not None:
            offset = coerce_to(bound.offset, INTEGER if frame.unit != "range" else REAL)
            if column_ids(offset) or offset.dtype.family not in ("numeric", "null"):
                raise ProgrammingError("a frame offset must be a constant number")
            bound = attrs.evolve(bound, offset=offset)
        bounds.append(bound)
    return attrs.evolve(frame, start=bounds[0], end=bounds[1])
