"""SQL syntax tree (see :mod:`pyram.sql.ast`): the nodes of expressions and of SELECT."""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "Between",
    "Binary",
    "BinaryOp",
    "BlobLiteral",
    "BooleanLiteral",
    "Case",
    "Cast",
    "Collate",
    "ColumnRef",
    "CompoundOp",
    "CompoundSelect",
    "Cte",
    "CurrentTimeLiteral",
    "Exists",
    "SqlExpr",
    "ExprColumn",
    "FromItem",
    "FunctionCall",
    "InList",
    "InSelect",
    "InTable",
    "InValues",
    "IntegerLiteral",
    "IsNull",
    "Join",
    "JoinKind",
    "Like",
    "Node",
    "NullLiteral",
    "NullsOrder",
    "OrderingTerm",
    "Param",
    "RealLiteral",
    "ResultColumn",
    "RowValue",
    "Select",
    "SelectBody",
    "SelectCore",
    "StarColumn",
    "Statement",
    "StringLiteral",
    "Subquery",
    "SubqueryRef",
    "TableFunctionRef",
    "TableRef",
    "TypeName",
    "Unary",
    "UnaryOp",
    "ValueItems",
    "Values",
    "When",
    "FrameBoundSpec",
    "FrameSpec",
    "NamedWindow",
    "WindowDef",
]


@attrs.frozen(kw_only=True)
class Node:
    """Base of every syntax node; ``offset`` locates the node's identifying token."""

    offset: int


# ---------------------------------------------------------------------------------------------
# Expressions


@attrs.frozen(kw_only=True)
class SqlExpr(Node):
    """Base of expression nodes."""


@attrs.frozen(kw_only=True)
class IntegerLiteral(SqlExpr):
    """An integer literal (decimal or 0x hex); the binder decides what overflows 64 bits."""

    value: int


@attrs.frozen(kw_only=True)
class RealLiteral(SqlExpr):
    """A real literal such as ``1.5``, ``.5`` or ``1e10``; ``text`` is the source spelling."""

    value: float
    text: str


@attrs.frozen(kw_only=True)
class StringLiteral(SqlExpr):
    """A string literal, quotes removed and ``''`` collapsed."""

    value: str


@attrs.frozen(kw_only=True)
class BlobLiteral(SqlExpr):
    """A blob literal ``x'0A'``."""

    value: bytes


@attrs.frozen(kw_only=True)
class NullLiteral(SqlExpr):
    """``NULL``."""


@attrs.frozen(kw_only=True)
class BooleanLiteral(SqlExpr):
    """``TRUE`` or ``FALSE``."""

    value: bool


@attrs.frozen(kw_only=True)
class CurrentTimeLiteral(SqlExpr):
    """``CURRENT_TIMESTAMP``, ``CURRENT_DATE`` or ``CURRENT_TIME`` (``kind`` holds the keyword)."""

    kind: str


@attrs.frozen(kw_only=True)
class ColumnRef(SqlExpr):
    """A column reference ``name``, ``table.name`` or ``schema.table.name``."""

    name: str
    table: str | None = None
    schema: str | None = None


@attrs.frozen(kw_only=True)
class Param(SqlExpr):
    """A bound parameter.

    ``marker`` is the source text (``?``, ``?3``, ``:name``, ``@name``, ``$name``). ``index`` is the
    1-based position for ``?`` and ``?NNN`` (a bare ``?`` takes the largest index so far plus one,
    as in SQLite); ``name`` is the marker for named parameters.
    """

    marker: str
    index: int | None = None
    name: str | None = None


class UnaryOp(enum.Enum):
    """Prefix operators."""

    NEG = "-"
    POS = "+"
    NOT = "NOT"
    BIT_NOT = "~"


@attrs.frozen(kw_only=True)
class Unary(SqlExpr):
    """A prefix operator applied to an operand."""

    op: UnaryOp
    operand: SqlExpr


class BinaryOp(enum.Enum):
    """Infix operators (``==`` is normalised to ``=``, ``<>`` to ``!=``)."""

    OR = "OR"
    AND = "AND"
    EQ = "="
    NE = "!="
    IS = "IS"
    IS_NOT = "IS NOT"
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    BIT_AND = "&"
    BIT_OR = "|"
    LSHIFT = "<<"
    RSHIFT = ">>"
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"
    CONCAT = "||"


@attrs.frozen(kw_only=True)
class Binary(SqlExpr):
    """``left op right``; ``offset`` is the operator's position."""

    op: BinaryOp
    left: SqlExpr
    right: SqlExpr


@attrs.frozen(kw_only=True)
class IsNull(SqlExpr):
    """``x IS NULL``/``x ISNULL`` (``negated=False``) or ``x IS NOT NULL``/``x NOTNULL``."""

    operand: SqlExpr
    negated: bool = False


@attrs.frozen(kw_only=True)
class Like(SqlExpr):
    """``x [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE e]`` (``op`` is the upper-case keyword)."""

    op: str
    operand: SqlExpr
    pattern: SqlExpr
    escape: SqlExpr | None = None
    negated: bool = False


@attrs.frozen(kw_only=True)
class Between(SqlExpr):
    """``x [NOT] BETWEEN low AND high``."""

    operand: SqlExpr
    low: SqlExpr
    high: SqlExpr
    negated: bool = False


@attrs.frozen(kw_only=True)
class InList(SqlExpr):
    """``x [NOT] IN (e1, e2, ...)`` (the list may be empty, as SQLite allows)."""

    operand: SqlExpr
    items: tuple[SqlExpr, ...]
    negated: bool = False


@attrs.frozen
class ValueItems:
    """The items of an IN list written with literals and parameters only, as data.

    ``values``: the literals' values in order (a leading ``-`` applied, integers unbounded as
    :class:`IntegerLiteral` keeps them, NULL as None); ``params``: the parameters' keys (the
    0-based position of ``?``/``?NNN``, the name of ``:name``). Not a syntax node: walks over
    the tree do not visit 100,000 items one by one.
    """

    values: tuple[object, ...]
    params: tuple[str | int, ...]


@attrs.frozen(kw_only=True)
class InValues(SqlExpr):
    """``x [NOT] IN (1, 2.5, 'a', NULL, -3, ?, :p ...)``: a list of only literals and
    parameters, read in one pass (the binder makes it one list node, or items if it must)."""

    operand: SqlExpr
    items: ValueItems
    negated: bool = False


@attrs.frozen(kw_only=True)
class InSelect(SqlExpr):
    """``x [NOT] IN (SELECT ...)``."""

    operand: SqlExpr
    select: Select
    negated: bool = False


@attrs.frozen(kw_only=True)
class InTable(SqlExpr):
    """``x [NOT] IN [schema.]table`` (SQLite shorthand for ``IN (SELECT * FROM table)``)."""

    operand: SqlExpr
    table: str
    schema: str | None = None
    negated: bool = False


@attrs.frozen(kw_only=True)
class When(Node):
    """One ``WHEN condition THEN result`` arm of a CASE."""

    condition: SqlExpr
    result: SqlExpr


@attrs.frozen(kw_only=True)
class Case(SqlExpr):
    """``CASE [operand] WHEN ... THEN ... [ELSE ...] END``."""

    operand: SqlExpr | None
    whens: tuple[When, ...]
    else_: SqlExpr | None = None


@attrs.frozen(kw_only=True)
class TypeName(Node):
    """A declared type: ``name`` is the words joined by one space, ``args`` the sizes.

    ``VARCHAR(20)`` is ``TypeName(name="VARCHAR", args=(20,))``; ``DECIMAL(10, 2)`` has
    ``args=(10, 2)``; ``DOUBLE PRECISION`` has ``name="DOUBLE PRECISION"``.
    """

    name: str
    args: tuple[int | float, ...] = ()


@attrs.frozen(kw_only=True)
class Cast(SqlExpr):
    """``CAST(operand AS type)``."""

    operand: SqlExpr
    type: TypeName


@attrs.frozen(kw_only=True)
class Collate(SqlExpr):
    """``operand COLLATE collation``."""

    operand: SqlExpr
    collation: str


@attrs.frozen(kw_only=True)
class FunctionCall(SqlExpr):
    """``name(args)``, ``name(DISTINCT x)`` or ``name(*)`` (``star=True``, no args), with
    ``FILTER (WHERE filter)`` and ``OVER window`` (a definition or a window's name)."""

    name: str
    args: tuple[SqlExpr, ...] = ()
    distinct: bool = False
    star: bool = False
    filter: SqlExpr | None = None
    over: WindowDef | str | None = None


@attrs.frozen(kw_only=True)
class FrameBoundSpec(Node):
    """One end of a frame: ``kind`` is ``unbounded_preceding``, ``preceding``,
    ``current_row``, ``following`` or ``unbounded_following``; ``amount`` is the n of the
    ``n PRECEDING/FOLLOWING`` forms."""

    kind: str
    amount: SqlExpr | None = None


@attrs.frozen(kw_only=True)
class FrameSpec(Node):
    """``ROWS|RANGE|GROUPS BETWEEN start AND end [EXCLUDE ...]`` (``unit`` lower-case,
    ``exclude`` one of ``no_others``, ``current_row``, ``group``, ``ties``)."""

    unit: str
    start: FrameBoundSpec
    end: FrameBoundSpec
    exclude: str = "no_others"


@attrs.frozen(kw_only=True)
class WindowDef(Node):
    """``([base] [PARTITION BY ...] [ORDER BY ...] [frame])``; ``base`` names a window of the
    WINDOW clause this one extends."""

    base: str | None = None
    partition_by: tuple[SqlExpr, ...] = ()
    order_by: tuple[OrderingTerm, ...] = ()
    frame: FrameSpec | None = None


@attrs.frozen(kw_only=True)
class NamedWindow(Node):
    """``name AS (definition)`` in a WINDOW clause."""

    name: str
    window: WindowDef


@attrs.frozen(kw_only=True)
class Exists(SqlExpr):
    """``EXISTS (SELECT ...)`` (``NOT EXISTS`` is a Unary NOT around it)."""

    select: Select


@attrs.frozen(kw_only=True)
class Subquery(SqlExpr):
    """A scalar subquery ``(SELECT ...)``."""

    select: Select


@attrs.frozen(kw_only=True)
class RowValue(SqlExpr):
    """A parenthesized list of two or more expressions ``(a, b)`` (SQLite row values)."""

    items: tuple[SqlExpr, ...]


# ---------------------------------------------------------------------------------------------
# SELECT


@attrs.frozen(kw_only=True)
class ResultColumn(Node):
    """Base of the items of a select list."""


@attrs.frozen(kw_only=True)
class ExprColumn(ResultColumn):
    """``expr [AS alias]``; ``text`` is the expression's source text (SQLite's column name)."""

    expr: SqlExpr
    alias: str | None = None
    text: str = ""


@attrs.frozen(kw_only=True)
class StarColumn(ResultColumn):
    """``*`` or ``table.*``."""

    table: str | None = None


@attrs.frozen(kw_only=True)
class FromItem(Node):
    """Base of FROM clause items."""


@attrs.frozen(kw_only=True)
class TableRef(FromItem):
    """``[schema.]name [FOR SYSTEM_TIME AS OF point] [AS alias]``."""

    name: str
    schema: str | None = None
    alias: str | None = None
    as_of: SqlExpr | None = None


@attrs.frozen(kw_only=True)
class TableFunctionRef(FromItem):
    """``[schema.]name(arg, ...) [AS alias]``: a table-valued function such as
    ``pragma_table_info('t')``."""

    name: str
    args: tuple[SqlExpr, ...]
    schema: str | None = None
    alias: str | None = None
    #: PostgreSQL's ``AS alias(column, ...)``
    columns: tuple[str, ...] = ()
    #: PostgreSQL's ``WITH ORDINALITY``: a last column numbering the rows from 1
    ordinality: bool = False


@attrs.frozen(kw_only=True)
class SubqueryRef(FromItem):
    """``(SELECT ...) [AS alias]``."""

    select: Select
    alias: str | None = None


class JoinKind(enum.Enum):
    """Join operators; ``COMMA`` is ``FROM a, b`` (a cross join SQLite may reorder)."""

    INNER = "INNER"
    LEFT = "LEFT"
    RIGHT = "RIGHT"
    FULL = "FULL"
    CROSS = "CROSS"
    COMMA = ","


@attrs.frozen(kw_only=True)
class Join(FromItem):
    """``left [NATURAL] <kind> JOIN right [ON on | USING (using)]``; joins nest to the left.
    ``natural``: USING the column names both sides show (bound by the binder)."""

    kind: JoinKind
    left: FromItem
    right: FromItem
    on: SqlExpr | None = None
    using: tuple[str, ...] | None = None
    natural: bool = False


class NullsOrder(enum.Enum):
    """``NULLS FIRST`` or ``NULLS LAST``."""

    FIRST = "FIRST"
    LAST = "LAST"


@attrs.frozen(kw_only=True)
class OrderingTerm(Node):
    """``expr [ASC|DESC] [NULLS FIRST|LAST]``."""

    expr: SqlExpr
    descending: bool = False
    nulls: NullsOrder | None = None


@attrs.frozen(kw_only=True)
class SelectBody(Node):
    """Base of what can be combined with UNION/INTERSECT/EXCEPT."""


@attrs.frozen(kw_only=True)
class SelectCore(SelectBody):
    """``SELECT [DISTINCT|ALL] columns [FROM ...] [WHERE ...] [GROUP BY ... [HAVING ...]]``."""

    columns: tuple[ResultColumn, ...]
    distinct: bool = False
    from_: FromItem | None = None
    where: SqlExpr | None = None
    group_by: tuple[SqlExpr, ...] = ()
    having: SqlExpr | None = None
    windows: tuple[NamedWindow, ...] = ()


@attrs.frozen(kw_only=True)
class Values(SelectBody):
    """``VALUES (row), (row), ...``."""

    rows: tuple[tuple[SqlExpr, ...], ...]


class CompoundOp(enum.Enum):
    """Set operators."""

    UNION = "UNION"
    UNION_ALL = "UNION ALL"
    INTERSECT = "INTERSECT"
    EXCEPT = "EXCEPT"


@attrs.frozen(kw_only=True)
class CompoundSelect(SelectBody):
    """``left op right``; compounds nest to the left."""

    op: CompoundOp
    left: SelectBody
    right: SelectBody


@attrs.frozen(kw_only=True)
class Cte(Node):
    """``name [(columns)] AS [[NOT] MATERIALIZED] (select)``."""

    name: str
    select: Select
    columns: tuple[str, ...] = ()
    materialized: bool | None = None


@attrs.frozen(kw_only=True)
class Statement(Node):
    """Base of statements."""


@attrs.frozen(kw_only=True)
class Select(Statement):
    """A full query: ``[WITH ...] body [ORDER BY ...] [LIMIT ... [OFFSET ...]]``.

    ``LIMIT a, b`` is stored as ``offset=a, limit=b``.
    """

    body: SelectBody
    ctes: tuple[Cte, ...] = ()
    recursive: bool = False
    order_by: tuple[OrderingTerm, ...] = ()
    limit: SqlExpr | None = None
    offset_expr: SqlExpr | None = None
