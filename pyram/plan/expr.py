"""Bound expressions of the logical plan: the one expression IR both front ends produce.

Every node is a frozen, slotted attrs class with a result ``dtype`` and ``nullable`` flag, so the
engine can compile it without looking anything up. Columns are referenced by *column id*
(``cid``): a number the plan builder gives each column a plan node produces. Ids do not shift when
the optimizer moves, prunes or reorders operators; the physical planner maps them to batch
positions. Never use ``==`` between an expression and a non-expression in engine code to mean
SQL equality: these classes compare structurally (attrs ``eq``), which is what plan caching and
golden tests need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import attrs

from pyram.types import BOOLEAN, DataType

if TYPE_CHECKING:
    from pyram.functions.registry import AggregateFunction, ScalarFunction
    from pyram.plan.nodes import Plan

__all__ = [
    "AggCall",
    "And",
    "ArithOp",
    "Arith",
    "ArithChain",
    "Between",
    "BoundKind",
    "Case",
    "Cast",
    "ColumnRef",
    "CompareOp",
    "Compare",
    "Exists",
    "PlanExpr",
    "Field",
    "FrameBound",
    "FrameExclude",
    "FrameUnit",
    "FunctionCall",
    "InList",
    "InSubquery",
    "InValues",
    "IsNull",
    "LEAF_TYPES",
    "Like",
    "Literal_",
    "Negate",
    "Not",
    "Or",
    "Param",
    "ScalarSubquery",
    "SortKey",
    "WindowCall",
    "WindowFrame",
    "children",
    "column_ids",
    "walk",
]

CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
ArithOp = Literal["+", "-", "*", "/", "%", "||"]


@attrs.frozen(slots=True)
class Field:
    """One output column of a plan node.

    Attributes:
        cid: the column id expressions use to reference it.
        name: the column's name as users see it (SQL output name, model attribute).
        dtype: its type.
        nullable: whether it may hold NULL.
        table: the qualifier (table name or alias) it can be referred to by, if any.
    """

    cid: int
    name: str
    dtype: DataType
    nullable: bool
    table: str | None = None


class PlanExpr:
    """Base of bound expressions (not instantiated)."""

    __slots__ = ()

    @property
    def dtype(self) -> DataType:
        """The SQL type of the value."""
        raise NotImplementedError

    @property
    def nullable(self) -> bool:
        """True when the value may be NULL."""
        raise NotImplementedError


class _Typed(PlanExpr):
    """An expression whose type is its ``type_`` field."""

    __slots__ = ()
    type_: DataType

    @property
    def dtype(self) -> DataType:
        return self.type_


class _Boolean(PlanExpr):
    """A predicate: always BOOLEAN."""

    __slots__ = ()

    @property
    def dtype(self) -> DataType:
        return BOOLEAN


@attrs.frozen(slots=True)
class ColumnRef(_Typed):
    """A reference to column ``cid`` of the input."""

    cid: int
    name: str
    type_: DataType
    may_be_null: bool

    @property
    def nullable(self) -> bool:
        return self.may_be_null


@attrs.frozen(slots=True)
class Literal_(_Typed):
    """A constant in stored form (``None`` is NULL). Kernels receive it as a bound value."""

    value: Any
    type_: DataType

    @property
    def nullable(self) -> bool:
        return self.value is None


@attrs.frozen(slots=True)
class Param(_Typed):
    """A query parameter, bound at execution: by name (``"id"``) or position (0-based ``int``)."""

    key: str | int
    type_: DataType
    #: an operand of a comparison or of arithmetic: typed INTEGER by the column it meets, it
    #: still takes a REAL value, compared and computed numerically as in SQLite
    operand: bool = False

    @property
    def nullable(self) -> bool:
        return True


@attrs.frozen(slots=True)
class Negate(PlanExpr):
    """Unary minus."""

    arg: PlanExpr

    @property
    def dtype(self) -> DataType:
        return self.arg.dtype

    @property
    def nullable(self) -> bool:
        return self.arg.nullable


@attrs.frozen(slots=True)
class Arith(_Typed):
    """Binary arithmetic or string concatenation; SQLite semantics (integer ``/`` truncates,
    division by zero is NULL, INTEGER overflow gives a REAL, a NaN result is NULL)."""

    op: ArithOp
    left: PlanExpr
    right: PlanExpr
    type_: DataType

    @property
    def nullable(self) -> bool:
        if self.left.nullable or self.right.nullable or self.op in ("/", "%"):
            return True
        # REAL arithmetic can make a NaN (inf - inf), which SQLite turns into NULL
        return self.op != "||" and self.type_.name == "REAL"


@attrs.frozen(slots=True)
class ArithChain(_Typed):
    """A long left-associative chain ``args[0] ops[0] args[1] ops[1] args[2] ...``: the same
    values as the left-deep tree of :class:`Arith` nodes it stands for, step by step, without
    the tree's depth (so thousands of terms cost no recursion anywhere). The binders make one
    only for chains longer than ``CHAIN_MIN_TERMS``; shorter chains stay binary ``Arith``."""

    ops: tuple[ArithOp, ...]
    args: tuple[PlanExpr, ...]
    type_: DataType

    @property
    def nullable(self) -> bool:
        if any(a.nullable for a in self.args) or "/" in self.ops or "%" in self.ops:
            return True
        return "||" not in self.ops and self.type_.name == "REAL"

    def steps(self) -> Iterator[tuple[ArithOp, PlanExpr]]:
        """``(op, right operand)`` of each step after the first operand."""
        return zip(self.ops, self.args[1:], strict=True)


@attrs.frozen(slots=True)
class Compare(_Boolean):
    """A comparison; NULL when either side is NULL."""

    op: CompareOp
    left: PlanExpr
    right: PlanExpr

    @property
    def nullable(self) -> bool:
        return self.left.nullable or self.right.nullable


@attrs.frozen(slots=True)
class And(_Boolean):
    """Conjunction with three-valued logic (FALSE wins over NULL)."""

    args: tuple[PlanExpr, ...]

    @property
    def nullable(self) -> bool:
        return any(a.nullable for a in self.args)


@attrs.frozen(slots=True)
class Or(_Boolean):
    """Disjunction with three-valued logic (TRUE wins over NULL)."""

    args: tuple[PlanExpr, ...]

    @property
    def nullable(self) -> bool:
        return any(a.nullable for a in self.args)


@attrs.frozen(slots=True)
class Not(_Boolean):
    """Negation; NOT NULL is NULL."""

    arg: PlanExpr

    @property
    def nullable(self) -> bool:
        return self.arg.nullable


@attrs.frozen(slots=True)
class IsNull(_Boolean):
    """``arg IS NULL`` (or ``IS NOT NULL`` when ``negated``); never NULL itself."""

    arg: PlanExpr
    negated: bool = False

    @property
    def nullable(self) -> bool:
        return False


@attrs.frozen(slots=True)
class InList(_Boolean):
    """``arg [NOT] IN (items...)`` with SQL NULL rules."""

    arg: PlanExpr
    items: tuple[PlanExpr, ...]
    negated: bool = False

    @property
    def nullable(self) -> bool:
        return self.arg.nullable or any(i.nullable for i in self.items)


@attrs.frozen(slots=True)
class InValues(_Boolean):
    """``arg [NOT] IN (...)`` over constants and parameters only, the list held as data.

    An IN list of 100,000 literals (or 30,000 ``?``) is one node, not one expression per item:
    walks see only ``arg`` and the engine probes a set built once per execution. ``values``
    are constants in stored form (None is NULL); ``params`` are the keys of the parameters in
    the list, each typed ``param_type`` (the type of ``arg``: a parameter next to an INTEGER
    ``arg`` is an operand, see :attr:`Param.operand`). The front ends make an :class:`InList`
    instead when an item is any other expression or needs converting item by item.
    """

    arg: PlanExpr
    values: tuple[Any, ...]
    params: tuple[str | int, ...]
    param_type: DataType
    negated: bool = False

    @property
    def nullable(self) -> bool:
        return self.arg.nullable or bool(self.params) or None in self.values

    @property
    def size(self) -> int:
        """The number of items."""
        return len(self.values) + len(self.params)

    def param_nodes(self) -> tuple[Param, ...]:
        """The parameters as :class:`Param` nodes, typed as the list types them."""
        operand = self.param_type.name == "INTEGER"
        return tuple(Param(key, self.param_type, operand) for key in self.params)


@attrs.frozen(slots=True)
class Between(_Boolean):
    """``arg [NOT] BETWEEN low AND high`` (inclusive)."""

    arg: PlanExpr
    low: PlanExpr
    high: PlanExpr
    negated: bool = False

    @property
    def nullable(self) -> bool:
        return self.arg.nullable or self.low.nullable or self.high.nullable


@attrs.frozen(slots=True)
class Like(_Boolean):
    """``arg [NOT] LIKE pattern`` (ASCII case-insensitive, ``%`` and ``_``) or, with ``glob``,
    SQLite's case-sensitive ``GLOB`` (``*``, ``?``, ``[...]``)."""

    arg: PlanExpr
    pattern: PlanExpr
    negated: bool = False
    glob: bool = False
    escape: str | None = None

    @property
    def nullable(self) -> bool:
        return self.arg.nullable or self.pattern.nullable


@attrs.frozen(slots=True)
class Case(_Typed):
    """``CASE WHEN cond THEN result ... ELSE default END`` (operand form is desugared)."""

    whens: tuple[tuple[PlanExpr, PlanExpr], ...]
    default: PlanExpr
    type_: DataType

    @property
    def nullable(self) -> bool:
        return self.default.nullable or any(r.nullable for _, r in self.whens)


@attrs.frozen(slots=True)
class Cast(_Typed):
    """``CAST(arg AS type)``.

    ``mode`` "" is a plain cast to ``type_``; "NUMERIC" is SQLite's ``CAST(text AS NUMERIC)``,
    "OPERAND" / "REMAINDER_OPERAND" read text as an operand of arithmetic / of ``%`` (``'3' +
    4`` is 7): these give an INTEGER or a REAL by the text's content, so ``type_`` is REAL and
    values may be ints (see :mod:`pyram.functions.sql_numeric`).
    """

    arg: PlanExpr
    type_: DataType
    mode: str = ""

    @property
    def nullable(self) -> bool:
        return True


@attrs.frozen(slots=True)
class FunctionCall(_Typed):
    """A scalar function from the function registry; ``udf``: a database's own function (the
    record itself, so executing the plan needs no name lookup)."""

    name: str
    args: tuple[PlanExpr, ...]
    type_: DataType
    may_be_null: bool = True
    udf: ScalarFunction | None = None

    @property
    def nullable(self) -> bool:
        return self.may_be_null


@attrs.frozen(slots=True)
class AggCall(_Typed):
    """An aggregate call (only inside an ``Aggregate`` node); ``args`` empty for ``count(*)``.

    ``filter``: SQL's ``FILTER (WHERE ...)``; only rows where it is TRUE are aggregated.
    ``udf``: a database's own aggregate (the record itself).
    """

    name: str
    args: tuple[PlanExpr, ...]
    type_: DataType
    distinct: bool = False
    filter: PlanExpr | None = None
    udf: AggregateFunction | None = None

    @property
    def nullable(self) -> bool:
        return self.name not in ("count", "count_star", "total")


#: ROWS counts rows, RANGE compares ORDER BY values, GROUPS counts peer groups.
FrameUnit = Literal["rows", "range", "groups"]
BoundKind = Literal[
    "unbounded_preceding", "preceding", "current_row", "following", "unbounded_following"
]
#: Which rows of the frame EXCLUDE leaves out (SQLite's four options).
FrameExclude = Literal["no_others", "current_row", "group", "ties"]


@attrs.frozen(slots=True)
class FrameBound:
    """One end of a window frame; ``offset`` (a constant) only for ``preceding``/``following``."""

    kind: BoundKind
    offset: PlanExpr | None = None


@attrs.frozen(slots=True)
class WindowFrame:
    """A window frame. The default is SQLite's: ``RANGE BETWEEN UNBOUNDED PRECEDING AND
    CURRENT ROW`` (the whole partition when there is no ORDER BY: every row is a peer)."""

    unit: FrameUnit = "range"
    start: FrameBound = FrameBound("unbounded_preceding")
    end: FrameBound = FrameBound("current_row")
    exclude: FrameExclude = "no_others"

    @property
    def offsets(self) -> tuple[PlanExpr, ...]:
        """The offset expressions of the bounds (start first)."""
        return tuple(b.offset for b in (self.start, self.end) if b.offset is not None)


#: Window functions whose value is never NULL.
_NEVER_NULL = frozenset(
    {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"}
    | {"count", "count_star", "total"}
)


@attrs.frozen(slots=True)
class WindowCall(_Typed):
    """A window function or an aggregate used as one (only inside a ``Window`` node).

    ``frame`` says which rows of the partition an aggregate (or first/last/nth_value) reads;
    ranking functions and lag/lead ignore it. ``filter`` is ``FILTER (WHERE ...)``.
    """

    name: str
    args: tuple[PlanExpr, ...]
    type_: DataType
    frame: WindowFrame = WindowFrame()
    filter: PlanExpr | None = None

    @property
    def nullable(self) -> bool:
        return self.name not in _NEVER_NULL


@attrs.frozen(slots=True)
class ScalarSubquery(_Typed):
    """A subquery producing one column and at most one row (NULL when no row)."""

    plan: Plan
    type_: DataType

    @property
    def nullable(self) -> bool:
        return True


@attrs.frozen(slots=True)
class Exists(_Boolean):
    """``[NOT] EXISTS (subquery)``."""

    plan: Plan
    negated: bool = False

    @property
    def nullable(self) -> bool:
        return False


@attrs.frozen(slots=True)
class InSubquery(_Boolean):
    """``arg [NOT] IN (subquery)`` with SQL NULL rules."""

    arg: PlanExpr
    plan: Plan
    negated: bool = False

    @property
    def nullable(self) -> bool:
        return True


@attrs.frozen(slots=True)
class SortKey:
    """One ORDER BY key; ``nulls_first`` None means SQLite's default (first when ascending)."""

    expr: PlanExpr
    descending: bool = False
    nulls_first: bool | None = None

    @property
    def effective_nulls_first(self) -> bool:
        """Where NULLs go: SQLite puts them first ascending and last descending by default."""
        return (not self.descending) if self.nulls_first is None else self.nulls_first


def children(expr: PlanExpr) -> Iterator[PlanExpr]:
    """The direct sub-expressions of ``expr`` (subquery plans are not descended into)."""
    if type(expr) in LEAF_TYPES:
        return
    if isinstance(expr, Negate | Not | Cast):
        yield expr.arg
    elif isinstance(expr, Arith | Compare):
        yield expr.left
        yield expr.right
    elif isinstance(expr, And | Or | ArithChain):
        yield from expr.args
    elif isinstance(expr, IsNull):
        yield expr.arg
    elif isinstance(expr, InList):
        yield expr.arg
        yield from expr.items
    elif isinstance(expr, InValues):
        yield expr.arg  # the items are data, not expressions
    elif isinstance(expr, Between):
        yield expr.arg
        yield expr.low
        yield expr.high
    elif isinstance(expr, Like):
        yield expr.arg
        yield expr.pattern
    elif isinstance(expr, Case):
        for cond, result in expr.whens:
            yield cond
            yield result
        yield expr.default
    elif isinstance(expr, FunctionCall):
        yield from expr.args
    elif isinstance(expr, AggCall):
        yield from expr.args
        if expr.filter is not None:
            yield expr.filter
    elif isinstance(expr, WindowCall):
        yield from expr.args
        if expr.filter is not None:
            yield expr.filter
        yield from expr.frame.offsets
    elif isinstance(expr, InSubquery):
        yield expr.arg


#: node types without children: walks skip asking (an IN list of 100,000 literals is walked
#: by several optimizer rules, so a leaf must cost next to nothing)
LEAF_TYPES = frozenset({ColumnRef, Literal_, Param})


def walk(expr: PlanExpr) -> Iterator[PlanExpr]:
    """``expr`` and every sub-expression, depth first (iterative: deep trees are fine)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if type(node) not in LEAF_TYPES:
            stack.extend(reversed(list(children(node))))


def column_ids(expr: PlanExpr) -> set[int]:
    """Every column id ``expr`` references outside of subqueries."""
    return {e.cid for e in walk(expr) if isinstance(e, ColumnRef)}
