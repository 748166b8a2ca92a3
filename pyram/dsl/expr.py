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
import enum
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, overload

from pyram.dsl.arithmetic import Arithmetic
from pyram.dsl.comparison import Comparison

if TYPE_CHECKING:
    from pyram.dsl.query import Select

__all__ = [
    "BinaryOp",
    "Expr",
    "Literal",
    "Ordering",
    "Plain",
    "Predicate",
    "SameType",
    "SameTypeOrNull",
    "wrap",
    "SubqueryExpr",
]

T = TypeVar("T")
#: The value type of an expression, covariant: an ``Expr[int]`` serves where an
#: ``Expr[int | None]`` is expected (operand checks must then not solve a type variable from
#: self; see ``eq``).
T_co = TypeVar("T_co", covariant=True)
S = TypeVar("S")
N = TypeVar("N", int, float, Decimal)

#: The Python types of SQL values (a column's ``T`` is one of them, or a union of them).
Plain: TypeAlias = (
    int | float | str | bytes | bool | Decimal | dt.date | dt.time | dt.timedelta | uuid.UUID
    | enum.Enum | dict[str, Any] | list[Any]
)
#: A value type shared by several arguments (``case`` branches, ``coalesce``). Bound to
#: ``Plain`` so that a checker cannot solve it as an expression object.
P = TypeVar("P", bound=Plain)


class SameType(Protocol[P]):
    """An expression of values of exactly type ``P`` (typing only).

    ``Expr`` is covariant, so an ``Expr[str]`` and an ``Expr[int]`` are both ``Expr[object]``
    and a signature ``(a: Expr[T], b: Expr[T])`` would accept them together (mypy solves
    ``T = object``, pyright ``str | int``). This protocol reads the value type through two
    members, one returning it and one taking it, so ``P`` is matched exactly: arguments typed
    ``SameType[P]`` must share one value type. A nullable expression is not a ``SameType``
    of its non-null type; see :class:`SameTypeOrNull`.
    """

    def _value_type(self) -> P: ...
    def _value_accepts(self, value: P) -> None: ...
    # a nullable expression's value is not Plain (mypy does not hold P to its bound here)
    def _plain_value(self) -> Plain: ...


class SameTypeOrNull(Protocol[P]):
    """An expression of values of type ``P`` or NULL (typing only): both ``Expr[str]`` and
    ``Expr[str | None]`` are ``SameTypeOrNull[str]``, ``Expr[int]`` is not."""

    def _value_type(self) -> P | None: ...
    def _value_accepts(self, value: P | None) -> None: ...


class Expr(Arithmetic[T_co], Comparison[T_co], Generic[T_co]):
    """A typed SQL expression producing values of Python type ``T_co``."""

    __slots__ = ()

    if TYPE_CHECKING:
        # Typing only: what makes an expression a SameType / SameTypeOrNull of its value type.
        def _value_type(self) -> T_co:
            raise NotImplementedError

        def _value_accepts(self, value: T_co | None) -> None: ...

        def _plain_value(self) -> T_co:
            raise NotImplementedError

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
    # ``==``/``!=`` cannot check the other operand (checkers fall back to ``object.__eq__``
    # for a mismatch), but their result type follows NULL: ``== None`` is IS NULL (never
    # NULL); non-null operands give a ``Predicate``; a nullable operand ``Expr[bool | None]``.
    @overload  # type: ignore[override]
    def __eq__(self, other: None) -> Predicate: ...
    @overload
    def __eq__(self: Expr[Plain], other: Plain | Expr[Plain]) -> Predicate: ...
    @overload
    def __eq__(self, other: object) -> Expr[bool | None]: ...
    def __eq__(self, other: object) -> Any:
        if other is None:  # ``== None`` means IS NULL (as in SQLAlchemy), never "= NULL"
            return Predicate("isnull", (self, False))
        return Predicate("cmp", ("=", self, wrap(other)))

    @overload  # type: ignore[override]
    def __ne__(self, other: None) -> Predicate: ...
    @overload
    def __ne__(self: Expr[Plain], other: Plain | Expr[Plain]) -> Predicate: ...
    @overload
    def __ne__(self, other: object) -> Expr[bool | None]: ...
    def __ne__(self, other: object) -> Any:
        if other is None:  # ``!= None`` means IS NOT NULL
            return Predicate("isnull", (self, True))
        return Predicate("cmp", ("!=", self, wrap(other)))

    @overload
    def eq(self, other: None) -> Predicate: ...
    @overload
    def eq(self: SameType[P], other: P | SameType[P]) -> Predicate: ...
    @overload
    def eq(self: SameTypeOrNull[P], other: P | SameTypeOrNull[P]) -> Expr[bool | None]: ...
    def eq(self, other: Any) -> Any:
        """Typed ``=`` (checked by type checkers, unlike ``==``); ``eq(None)`` is IS NULL."""
        return Expr.__eq__(self, other)

    @overload
    def ne(self, other: None) -> Predicate: ...
    @overload
    def ne(self: SameType[P], other: P | SameType[P]) -> Predicate: ...
    @overload
    def ne(self: SameTypeOrNull[P], other: P | SameTypeOrNull[P]) -> Expr[bool | None]: ...
    def ne(self, other: Any) -> Any:
        """Typed ``!=``; ``ne(None)`` is IS NOT NULL."""
        return Expr.__ne__(self, other)

    # < <= > >=: typed overloads in comparison.py (generated).
    def _compare(self, op: str, other: object) -> Any:
        return Predicate("cmp", (op, self, wrap(other)))

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
    @overload
    def __and__(self: Expr[bool], other: Expr[bool]) -> Predicate: ...
    @overload  # FALSE AND NULL is FALSE, TRUE AND NULL is NULL
    def __and__(self: Expr[bool | None], other: Expr[bool | None]) -> Expr[bool | None]: ...
    def __and__(self, other: Any) -> Any:
        return Predicate("and", (*_operands_of("and", self), *_operands_of("and", other)))

    @overload
    def __or__(self: Expr[bool], other: Expr[bool]) -> Predicate: ...
    @overload
    def __or__(self: Expr[bool | None], other: Expr[bool | None]) -> Expr[bool | None]: ...
    def __or__(self, other: Any) -> Any:
        return Predicate("or", (*_operands_of("or", self), *_operands_of("or", other)))

    @overload
    def __invert__(self: Expr[bool]) -> Predicate: ...
    @overload
    def __invert__(self: Expr[bool | None]) -> Expr[bool | None]: ...
    def __invert__(self) -> Any:
        return Predicate("not", (self,))

    def is_null(self) -> Predicate:
        """``IS NULL``."""
        return Predicate("isnull", (self, False))

    def is_not_null(self) -> Predicate:
        """``IS NOT NULL``."""
        return Predicate("isnull", (self, True))

    @overload
    def in_(self: SameType[P], values: Iterable[P]) -> Predicate: ...
    @overload
    def in_(self: SameType[P], values: Select[tuple[P]]) -> Predicate: ...
    @overload  # a NULL on either side may make the answer NULL
    def in_(self: SameTypeOrNull[P], values: Iterable[P] | Select[tuple[P | None]]) -> Expr[bool | None]: ...
    def in_(self, values: Any) -> Any:
        """``IN (values...)`` or ``IN (subquery)``."""
        from pyram.dsl.query import Select

        if isinstance(values, Select):
            return Predicate("insub", (self, values, False))
        return _in_values(self, values, False)

    @overload
    def not_in(self: SameType[P], values: Iterable[P]) -> Predicate: ...
    @overload
    def not_in(self: SameType[P], values: Select[tuple[P]]) -> Predicate: ...
    @overload  # a NULL on either side may make the answer NULL
    def not_in(self: SameTypeOrNull[P], values: Iterable[P] | Select[tuple[P | None]]) -> Expr[bool | None]: ...
    def not_in(self, values: Any) -> Any:
        """``NOT IN (values...)`` or ``NOT IN (subquery)``."""
        from pyram.dsl.query import Select

        if isinstance(values, Select):
            return Predicate("insub", (self, values, True))
        return _in_values(self, values, True)

    @overload
    def between(self: SameType[P], low: P | SameType[P], high: P | SameType[P]) -> Predicate: ...
    @overload
    def between(self: SameTypeOrNull[P], low: P | SameTypeOrNull[P], high: P | SameTypeOrNull[P]) -> Expr[bool | None]: ...
    def between(self, low: Any, high: Any) -> Any:
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

    def label(self, name: str) -> Expr[T_co]:
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


