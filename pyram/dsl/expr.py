"""Typed expressions of the Python DSL: ``User.age > 30`` builds an expression tree, not a bool.

``Expr[T]`` is an unbound expression whose SQL value has Python type ``T``. Names are resolved
and types checked when a query is compiled (``pyram.dsl.binder``), through the same plan builder
the SQL front end uses. The operator overloads are typed so that ``User.age > "x"`` and
``User.name + 1`` are rejected by mypy and pyright; ``==`` cannot be checked by any type checker
(it falls back to ``object.__eq__``), so the typed ``.eq()``/``.ne()`` exist beside it.

Expressions refuse ``bool()``: ``if User.age == 3:`` fails loudly instead of being always true.
Because ``==`` builds an expression, DSL nodes are compared structurally through ``_key()``.

This module holds ``Expr`` and the operator nodes its methods build; columns, parameters,
function and aggregate calls, CASE and CAST (with ``lit``/``param``/``case``/``cast``) are in
:mod:`pyram.dsl.terms`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pyram.dsl.arithmetic import Arithmetic

if TYPE_CHECKING:
    from pyram.dsl.query import Select

__all__ = [
    "BinaryOp",
    "Expr",
    "Literal",
    "Ordering",
    "Predicate",
    "wrap",
    "SubqueryExpr",
]

T = TypeVar("T")
S = TypeVar("S")
N = TypeVar("N", int, float, Decimal)


class Expr(Arithmetic[T], Generic[T]):
    """A typed SQL expression producing values of Python type ``T``."""

    __slots__ = ()

    def _key(self) -> tuple[Any, ...]:
        """Structural identity (used for plan caching; ``==`` builds SQL instead)."""
        raise NotImplementedError

    def __bool__(self) -> bool:
        raise TypeError(
            "a PyRAM expression has no truth value: combine conditions with &, | and ~, "
            "and use .eq()/.ne() (or ==/!=) only inside where(), having() or on="
        )

    def __hash__(self) -> int:
        return hash(self._key())

    # ------------------------------------------------------------- comparisons
    def __eq__(self, other: object) -> Predicate:  # type: ignore[override]
        if other is None:  # ``== None`` means IS NULL (as in SQLAlchemy), never "= NULL"
            return Predicate("isnull", (self, False))
        return Predicate("cmp", ("=", self, wrap(other)))

    def __ne__(self, other: object) -> Predicate:  # type: ignore[override]
        if other is None:  # ``!= None`` means IS NOT NULL
            return Predicate("isnull", (self, True))
        return Predicate("cmp", ("!=", self, wrap(other)))

    @overload
    def eq(self: Expr[S], other: S | Expr[S] | Expr[S | None]) -> Predicate: ...
    @overload
    def eq(self: Expr[S | None], other: S | Expr[S]) -> Predicate: ...
    def eq(self, other: Any) -> Predicate:
        """Typed ``=`` (checked by type checkers, unlike ``==``); ``eq(None)`` is IS NULL."""
        return Expr.__eq__(self, other)

    @overload
    def ne(self: Expr[S], other: S | Expr[S] | Expr[S | None]) -> Predicate: ...
    @overload
    def ne(self: Expr[S | None], other: S | Expr[S]) -> Predicate: ...
    def ne(self, other: Any) -> Predicate:
        """Typed ``!=``; ``ne(None)`` is IS NOT NULL."""
        return Expr.__ne__(self, other)

    @overload
    def __lt__(self: Expr[int] | Expr[int | None] | Expr[float] | Expr[float | None] | Expr[Decimal] | Expr[Decimal | None], other: int | float | Decimal | Expr[int] | Expr[float] | Expr[Decimal] | Expr[int | None] | Expr[float | None] | Expr[Decimal | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[str] | Expr[str | None], other: str | Expr[str] | Expr[str | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[bytes] | Expr[bytes | None], other: bytes | Expr[bytes] | Expr[bytes | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[bool] | Expr[bool | None], other: bool | Expr[bool] | Expr[bool | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[dt.date] | Expr[dt.date | None], other: dt.date | Expr[dt.date] | Expr[dt.date | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[dt.datetime] | Expr[dt.datetime | None], other: dt.datetime | Expr[dt.datetime] | Expr[dt.datetime | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[dt.time] | Expr[dt.time | None], other: dt.time | Expr[dt.time] | Expr[dt.time | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[uuid.UUID] | Expr[uuid.UUID | None], other: uuid.UUID | Expr[uuid.UUID] | Expr[uuid.UUID | None]) -> Predicate: ...
    @overload
    def __lt__(self: Expr[dt.timedelta] | Expr[dt.timedelta | None], other: dt.timedelta | Expr[dt.timedelta] | Expr[dt.timedelta | None]) -> Predicate: ...
    def __lt__(self, other: Any) -> Predicate:
        return Predicate("cmp", ("<", self, wrap(other)))

    @overload
    def __le__(self: Expr[int] | Expr[int | None] | Expr[float] | Expr[float | None] | Expr[Decimal] | Expr[Decimal | None], other: int | float | Decimal | Expr[int] | Expr[float] | Expr[Decimal] | Expr[int | None] | Expr[float | None] | Expr[Decimal | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[str] | Expr[str | None], other: str | Expr[str] | Expr[str | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[bytes] | Expr[bytes | None], other: bytes | Expr[bytes] | Expr[bytes | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[bool] | Expr[bool | None], other: bool | Expr[bool] | Expr[bool | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[dt.date] | Expr[dt.date | None], other: dt.date | Expr[dt.date] | Expr[dt.date | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[dt.datetime] | Expr[dt.datetime | None], other: dt.datetime | Expr[dt.datetime] | Expr[dt.datetime | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[dt.time] | Expr[dt.time | None], other: dt.time | Expr[dt.time] | Expr[dt.time | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[uuid.UUID] | Expr[uuid.UUID | None], other: uuid.UUID | Expr[uuid.UUID] | Expr[uuid.UUID | None]) -> Predicate: ...
    @overload
    def __le__(self: Expr[dt.timedelta] | Expr[dt.timedelta | None], other: dt.timedelta | Expr[dt.timedelta] | Expr[dt.timedelta | None]) -> Predicate: ...
    def __le__(self, other: Any) -> Predicate:
        return Predicate("cmp", ("<=", self, wrap(other)))

    @overload
    def __gt__(self: Expr[int] | Expr[int | None] | Expr[float] | Expr[float | None] | Expr[Decimal] | Expr[Decimal | None], other: int | float | Decimal | Expr[int] | Expr[float] | Expr[Decimal] | Expr[int | None] | Expr[float | None] | Expr[Decimal | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[str] | Expr[str | None], other: str | Expr[str] | Expr[str | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[bytes] | Expr[bytes | None], other: bytes | Expr[bytes] | Expr[bytes | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[bool] | Expr[bool | None], other: bool | Expr[bool] | Expr[bool | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[dt.date] | Expr[dt.date | None], other: dt.date | Expr[dt.date] | Expr[dt.date | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[dt.datetime] | Expr[dt.datetime | None], other: dt.datetime | Expr[dt.datetime] | Expr[dt.datetime | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[dt.time] | Expr[dt.time | None], other: dt.time | Expr[dt.time] | Expr[dt.time | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[uuid.UUID] | Expr[uuid.UUID | None], other: uuid.UUID | Expr[uuid.UUID] | Expr[uuid.UUID | None]) -> Predicate: ...
    @overload
    def __gt__(self: Expr[dt.timedelta] | Expr[dt.timedelta | None], other: dt.timedelta | Expr[dt.timedelta] | Expr[dt.timedelta | None]) -> Predicate: ...
    def __gt__(self, other: Any) -> Predicate:
        return Predicate("cmp", (">", self, wrap(other)))

    @overload
    def __ge__(self: Expr[int] | Expr[int | None] | Expr[float] | Expr[float | None] | Expr[Decimal] | Expr[Decimal | None], other: int | float | Decimal | Expr[int] | Expr[float] | Expr[Decimal] | Expr[int | None] | Expr[float | None] | Expr[Decimal | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[str] | Expr[str | None], other: str | Expr[str] | Expr[str | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[bytes] | Expr[bytes | None], other: bytes | Expr[bytes] | Expr[bytes | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[bool] | Expr[bool | None], other: bool | Expr[bool] | Expr[bool | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[dt.date] | Expr[dt.date | None], other: dt.date | Expr[dt.date] | Expr[dt.date | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[dt.datetime] | Expr[dt.datetime | None], other: dt.datetime | Expr[dt.datetime] | Expr[dt.datetime | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[dt.time] | Expr[dt.time | None], other: dt.time | Expr[dt.time] | Expr[dt.time | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[uuid.UUID] | Expr[uuid.UUID | None], other: uuid.UUID | Expr[uuid.UUID] | Expr[uuid.UUID | None]) -> Predicate: ...
    @overload
    def __ge__(self: Expr[dt.timedelta] | Expr[dt.timedelta | None], other: dt.timedelta | Expr[dt.timedelta] | Expr[dt.timedelta | None]) -> Predicate: ...
    def __ge__(self, other: Any) -> Predicate:
        return Predicate("cmp", (">=", self, wrap(other)))

    # ------------------------------------------------------------- arithmetic
    # + - * / % and their reflected forms: typed overloads in arithmetic.py (generated).
    def _arith(self, op: str, other: object, reflected: bool) -> Any:
        if reflected:
            return BinaryOp(op, wrap(other), self)
        return BinaryOp(op, self, wrap(other))

    @overload
    def __neg__(self: Expr[int]) -> Expr[int]: ...
    @overload
    def __neg__(self: Expr[float]) -> Expr[float]: ...
    @overload
    def __neg__(self: Expr[Decimal]) -> Expr[Decimal]: ...
    @overload
    def __neg__(self: Expr[N | None]) -> Expr[N | None]: ...
    def __neg__(self) -> Any:
        return Unary("neg", self)

    @overload
    def concat(self: Expr[str], other: str | Expr[str]) -> Expr[str]: ...
    @overload  # NULL on either side makes NULL
    def concat(self: Expr[str] | Expr[str | None], other: str | Expr[str] | Expr[str | None]) -> Expr[str | None]: ...
    def concat(self: Expr[str] | Expr[str | None], other: str | Expr[str] | Expr[str | None]) -> Expr[Any]:
        """SQL ``||``."""
        return BinaryOp("||", self, wrap(other))

    # ------------------------------------------------------------- predicates
    # A boolean column or expression combines like a predicate (``~Order.paid``,
    # ``Order.paid & (Order.total > 10)``); the binder refuses a non-boolean operand.
    def __and__(self: Expr[bool] | Expr[bool | None], other: Expr[bool] | Expr[bool | None]) -> Predicate:
        return Predicate("and", (*_operands_of("and", self), *_operands_of("and", other)))

    def __or__(self: Expr[bool] | Expr[bool | None], other: Expr[bool] | Expr[bool | None]) -> Predicate:
        return Predicate("or", (*_operands_of("or", self), *_operands_of("or", other)))

    def __invert__(self: Expr[bool] | Expr[bool | None]) -> Predicate:
        return Predicate("not", (self,))

    def is_null(self) -> Predicate:
        """``IS NULL``."""
        return Predicate("isnull", (self, False))

    def is_not_null(self) -> Predicate:
        """``IS NOT NULL``."""
        return Predicate("isnull", (self, True))

    @overload
    def in_(self: Expr[S], values: Iterable[S]) -> Predicate: ...
    @overload
    def in_(self: Expr[S | None], values: Iterable[S]) -> Predicate: ...
    @overload
    def in_(self: Expr[S], values: Select[tuple[S]]) -> Predicate: ...
    @overload
    def in_(self: Expr[S], values: Select[tuple[S | None]]) -> Predicate: ...
    @overload
    def in_(self: Expr[S | None], values: Select[tuple[S]]) -> Predicate: ...
    def in_(self, values: Any) -> Predicate:
        """``IN (values...)`` or ``IN (subquery)``."""
        from pyram.dsl.query import Select

        if isinstance(values, Select):
            return Predicate("insub", (self, values, False))
        return _in_values(self, values, False)

    @overload
    def not_in(self: Expr[S], values: Iterable[S]) -> Predicate: ...
    @overload
    def not_in(self: Expr[S | None], values: Iterable[S]) -> Predicate: ...
    @overload
    def not_in(self: Expr[S], values: Select[tuple[S]]) -> Predicate: ...
    @overload
    def not_in(self: Expr[S], values: Select[tuple[S | None]]) -> Predicate: ...
    @overload
    def not_in(self: Expr[S | None], values: Select[tuple[S]]) -> Predicate: ...
    def not_in(self, values: Any) -> Predicate:
        """``NOT IN (values...)`` or ``NOT IN (subquery)``."""
        from pyram.dsl.query import Select

        if isinstance(values, Select):
            return Predicate("insub", (self, values, True))
        return _in_values(self, values, True)

    @overload
    def between(self: Expr[S], low: S | Expr[S], high: S | Expr[S]) -> Predicate: ...
    @overload
    def between(self: Expr[S | None], low: S | Expr[S], high: S | Expr[S]) -> Predicate: ...
    def between(self, low: Any, high: Any) -> Predicate:
        """``BETWEEN low AND high`` (inclusive)."""
        return Predicate("between", (self, wrap(low), wrap(high), False))

    def like(self: Expr[str] | Expr[str | None], pattern: str | Expr[str], escape: str | None = None) -> Predicate:
        """SQL ``LIKE`` (``%`` any run, ``_`` one character; ASCII case-insensitive)."""
        return Predicate("like", (self, wrap(pattern), False, False, escape))

    def not_like(self: Expr[str] | Expr[str | None], pattern: str | Expr[str]) -> Predicate:
        """SQL ``NOT LIKE``."""
        return Predicate("like", (self, wrap(pattern), True, False, None))

    def glob(self: Expr[str] | Expr[str | None], pattern: str | Expr[str]) -> Predicate:
        """SQLite ``GLOB`` (``*``, ``?``, ``[...]``; case-sensitive)."""
        return Predicate("like", (self, wrap(pattern), False, True, None))

    # ------------------------------------------------------------- ordering & naming
    def asc(self, *, nulls_first: bool | None = None) -> Ordering:
        """Ascending sort key (NULLs first unless ``nulls_first=False``)."""
        return Ordering(self, False, nulls_first)

    def desc(self, *, nulls_first: bool | None = None) -> Ordering:
        """Descending sort key (NULLs last unless ``nulls_first=True``)."""
        return Ordering(self, True, nulls_first)

    def label(self, name: str) -> Expr[T]:
        """Name this expression's output column."""
        return Labeled(self, name)


class Predicate(Expr[bool]):
    """A boolean expression; combine with ``&``, ``|`` and ``~``."""

    __slots__ = ("args", "kind")

    def __init__(self, kind: str, args: tuple[Any, ...]) -> None:
        self.kind = kind
        self.args = args

    def _key(self) -> tuple[Any, ...]:
        return ("pred", self.kind, *(_key_of(a) for a in self.args))

    def __and__(self, other: Expr[bool] | Expr[bool | None]) -> Predicate:
        return Predicate("and", (*_operands_of("and", self), *_operands_of("and", other)))

    def __or__(self, other: Expr[bool] | Expr[bool | None]) -> Predicate:
        return Predicate("or", (*_operands_of("or", self), *_operands_of("or", other)))

    def __invert__(self) -> Predicate:
        return Predicate("not", (self,))

    def __repr__(self) -> str:
        return f"Predicate({self.kind}, {self.args!r})"


class Literal(Expr[T]):
    """A Python constant in a query."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def _key(self) -> tuple[Any, ...]:
        value = self.value
        # type() keeps 1, 1.0 and True apart; JSON-like values are keyed by their repr
        return ("lit", type(value).__name__, value if _hashable(value) else repr(value))

    def __repr__(self) -> str:
        return f"Literal({self.value!r})"


class BinaryOp(Expr[T]):
    """Arithmetic or concatenation."""

    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Expr[Any], right: Expr[Any]) -> None:
        self.op = op
        self.left = left
        self.right = right

    def _key(self) -> tuple[Any, ...]:
        # flat over the left-deep chain ``a + b - c ...``: a key thousands of terms long
        # costs no recursion (hashing or comparing nested tuples would)
        ops, operands = self.chain()
        steps = zip(ops, operands[1:], strict=True)
        return ("bin", operands[0]._key(), *((op, e._key()) for op, e in steps))

    def chain(self) -> tuple[list[str], list[Expr[Any]]]:
        """The operators and operands of the left-associative chain this node ends, read in
        a loop (``(a + b) - c`` gives ``["+", "-"]`` and ``[a, b, c]``)."""
        ops: list[str] = []
        rights: list[Expr[Any]] = []
        node: Expr[Any] = self
        while isinstance(node, BinaryOp):
            ops.append(node.op)
            rights.append(node.right)
            node = node.left
        return ops[::-1], [node, *rights[::-1]]


class Unary(Expr[T]):
    """Unary minus."""

    __slots__ = ("arg", "op")

    def __init__(self, op: str, arg: Expr[Any]) -> None:
        self.op = op
        self.arg = arg

    def _key(self) -> tuple[Any, ...]:
        return ("unary", self.op, self.arg._key())


class SubqueryExpr(Expr[T]):
    """A scalar subquery (``select(...).scalar_subquery()``) or EXISTS (``pyram.exists``)."""

    __slots__ = ("kind", "query")

    def __init__(self, kind: str, query: Select[Any]) -> None:
        self.kind = kind
        self.query = query

    def _key(self) -> tuple[Any, ...]:
        return ("subq", self.kind, self.query.cache_key())


class Labeled(Expr[T]):
    """An expression with an output name."""

    __slots__ = ("expr", "name")

    def __init__(self, expr: Expr[T], name: str) -> None:
        self.expr = expr
        self.name = name

    def _key(self) -> tuple[Any, ...]:
        return ("label", self.name, self.expr._key())


class Ordering:
    """A sort key: an expression with direction and NULL placement."""

    __slots__ = ("descending", "expr", "nulls_first")

    def __init__(self, expr: Expr[Any], descending: bool, nulls_first: bool | None) -> None:
        self.expr = expr
        self.descending = descending
        self.nulls_first = nulls_first

    def _key(self) -> tuple[Any, ...]:
        return ("order", self.expr._key(), self.descending, self.nulls_first)


class Values:
    """The plain values of an ``in_`` list as one tuple, not a literal node per value (a
    list of 100,000 values is typed and probed as a whole; see ``plan.expr.InValues``)."""

    __slots__ = ("values",)

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values

    def cache_key(self) -> tuple[Any, ...]:
        """A key telling 1, 1.0 and True apart (JSON-like values keyed by their repr)."""
        values = self.values
        kinds = tuple(map(type, values))
        return ("values", kinds, values if _hashable(values) else repr(values))

    def __repr__(self) -> str:
        return f"Values({self.values!r})"


def _in_values(arg: Expr[Any], values: Iterable[Any], negated: bool) -> Predicate:
    """``arg [NOT] IN values``: plain values as one :class:`Values`, else a node per item."""
    from pyram.dsl.query import Select

    items = tuple(values)
    if any(issubclass(kind, Expr | Select) for kind in set(map(type, items))):
        return Predicate("in", (arg, tuple(wrap(v) for v in items), negated))
    return Predicate("invalues", (arg, Values(items), negated))


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _key_of(value: Any) -> Any:
    if isinstance(value, Expr):
        return value._key()
    if isinstance(value, tuple):
        return tuple(_key_of(v) for v in value)
    if hasattr(value, "cache_key"):
        return value.cache_key()
    return value


def _operands_of(kind: str, e: Expr[Any]) -> tuple[Expr[Any], ...]:
    """The operands ``e`` contributes to an n-ary ``kind`` ("and"/"or"): its own operands when
    it is one (so ``a & b & c`` is one flat predicate, however long), else itself."""
    if isinstance(e, Predicate) and e.kind == kind:
        return e.args
    return (e,)


def wrap(value: Any) -> Expr[Any]:
    """An expression for ``value``: itself if already one, else a literal."""
    if isinstance(value, Expr):
        return value
    from pyram.dsl.query import Select

    if isinstance(value, Select):
        return SubqueryExpr("scalar", value)
    return Literal(value)


