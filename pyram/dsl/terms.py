"""DSL leaf and call expressions: table columns, parameters, function and aggregate calls,
CASE and CAST, with the factory functions ``lit``, ``param``, ``case`` and ``cast``.

:mod:`pyram.dsl.expr` holds the :class:`~pyram.dsl.expr.Expr` base with its operators and the
operator nodes they build; the nodes here are built by the model (columns), by ``pyram.func``
(calls) and by the factories below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from typing_extensions import TypeVar as DefaultedTypeVar

from pyram.dsl.expr import Expr, Literal, P, SameType, SameTypeOrNull, wrap
from pyram.dsl.shapes import NullableRow, TableRow
from pyram.types import DataType

if TYPE_CHECKING:
    from pyram.dsl.window import Exclude, FrameEnds, OrderBy, PartitionBy

__all__ = [
    "Aggregate",
    "CaseExpr",
    "CastExpr",
    "Column",
    "FunctionCall",
    "Param",
    "case",
    "cast",
    "lit",
    "nullable",
    "param",
]

T = TypeVar("T")
#: The model class declaring a column: ``User.age`` is a ``Column[int, User]``, so statements
#: on ``User`` refuse ``Order``'s columns. Defaults to ``Any``: ``Column[int]`` is any owner's.
Owner = DefaultedTypeVar("Owner", default=Any)
#: A table class (for ``nullable(Model)``).
Row = TypeVar("Row", bound=TableRow)


class Column(Expr[T], Generic[T, Owner]):
    """A table column as an expression: what ``User.age`` evaluates to (a ``Column[int, User]``:
    the value type, then the model that declares it).

    Attributes:
        table_name: the table's SQL name.
        name: the column name.
        dtype: the column's data type.
        nullable: whether the column admits NULL.
        owner: the model class declaring the column, or None for SQL-created tables.
        alias: the alias it is reached through (``pyram.alias``), or None.
    """

    __slots__ = ("alias", "dtype", "name", "nullable", "owner", "table_name")

    def __init__(
        self,
        table_name: str,
        name: str,
        dtype: DataType,
        nullable: bool,
        owner: Any = None,
        alias: str | None = None,
    ) -> None:
        self.table_name = table_name
        self.name = name
        self.dtype = dtype
        self.nullable = nullable
        self.owner = owner
        self.alias = alias

    if TYPE_CHECKING:
        # Typing only: a column is a write target of ``T`` values in ``Owner``'s table. The
        # contravariant ``Target`` protocol (pyram.dsl.dml) matches this, so that
        # ``from_select`` lets a ``str`` query column fill a ``str | None`` column.
        def _target_of(self, owner: Owner, value: T) -> None: ...

    def _key(self) -> tuple[Any, ...]:
        return ("col", self.table_name, self.alias, self.name)

    def __repr__(self) -> str:
        where = self.alias or self.table_name
        return f"Column({where}.{self.name} {self.dtype.name})"


class Param(Expr[T]):
    """A named query parameter, bound when the query runs: ``db.all(q, id=5)``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _key(self) -> tuple[Any, ...]:
        return ("param", self.name)

    def __repr__(self) -> str:
        return f"param({self.name!r})"


class FunctionCall(Expr[T]):
    """A scalar SQL function call (see ``pyram.func``)."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: tuple[Expr[Any], ...]) -> None:
        self.name = name
        self.args = args

    def _key(self) -> tuple[Any, ...]:
        return ("func", self.name, *(a._key() for a in self.args))


class Aggregate(Expr[T]):
    """An aggregate call (``pyram.func.count()``, ``sum``, ``avg``...); ``.filter(cond)``
    aggregates only the rows where ``cond`` holds, ``.over(...)`` makes it a window function
    (see :mod:`pyram.dsl.window`)."""

    __slots__ = ("args", "distinct", "name", "where")

    def __init__(
        self,
        name: str,
        args: tuple[Expr[Any], ...],
        distinct: bool = False,
        where: Expr[Any] | None = None,
    ) -> None:
        self.name = name
        self.args = args
        self.distinct = distinct
        self.where = where

    def _key(self) -> tuple[Any, ...]:
        where = None if self.where is None else self.where._key()
        return ("agg", self.name, self.distinct, where, *(a._key() for a in self.args))

    def filter(self, condition: Expr[bool | None]) -> Aggregate[T]:
        """SQL's ``FILTER (WHERE condition)``: aggregate only the rows where it is true."""
        return Aggregate(self.name, self.args, self.distinct, condition)

    def over(
        self,
        *,
        partition_by: PartitionBy = (),
        order_by: OrderBy = (),
        rows: FrameEnds | None = None,
        range: FrameEnds | None = None,
        groups: FrameEnds | None = None,
        exclude: Exclude | None = None,
    ) -> Expr[T]:
        """This aggregate per row over a window (arguments as in
        :meth:`pyram.dsl.window.WindowFunction.over`)."""
        from pyram.dsl.window import over

        return over(self, partition_by, order_by, rows, range, groups, exclude)


class CaseExpr(Expr[T]):
    """``CASE WHEN ... THEN ... ELSE ... END`` (see ``pyram.case``)."""

    __slots__ = ("default", "whens")

    def __init__(self, whens: tuple[tuple[Expr[Any], Expr[Any]], ...], default: Expr[Any] | None):
        self.whens = whens
        self.default = default

    def _key(self) -> tuple[Any, ...]:
        whens = tuple((c._key(), r._key()) for c, r in self.whens)
        return ("case", whens, None if self.default is None else self.default._key())


class CastExpr(Expr[T]):
    """``CAST(expr AS type)`` (see ``pyram.cast``)."""

    __slots__ = ("arg", "target")

    def __init__(self, arg: Expr[Any], target: type) -> None:
        self.arg = arg
        self.target = target

    def _key(self) -> tuple[Any, ...]:
        return ("cast", self.arg._key(), self.target.__name__)


def lit(value: T) -> Expr[T]:
    """A literal value as an expression (rarely needed: plain values are wrapped for you)."""
    return Literal(value)


@overload
def param(name: str) -> Expr[Any]: ...


@overload
def param(name: str, type_: type[T]) -> Expr[T]: ...


def param(name: str, type_: type[Any] | None = None) -> Expr[Any]:
    """A named query parameter: ``User.id.eq(pyram.param("id", int))``, bound at run time
    (``db.one(q, id=5)``). Its SQL type comes from where it is used; ``type_`` only informs
    type checkers."""
    return Param(name)


# Branch values are typed through SameType / SameTypeOrNull (pyram.dsl.expr): with a covariant
# Expr, ``Expr[T]`` alone would let a str branch and an int branch meet at ``object``.
@overload
def case(*whens: tuple[Expr[bool | None], P | SameType[P]], else_: P | SameType[P]) -> Expr[P]: ...


@overload  # a nullable (or None) branch or else_ makes the result nullable
def case(*whens: tuple[Expr[bool | None], P | SameTypeOrNull[P] | None], else_: P | SameTypeOrNull[P] | None) -> Expr[P | None]: ...


@overload  # no else_: NULL when no condition holds
def case(*whens: tuple[Expr[bool | None], P | SameTypeOrNull[P] | None], else_: None = None) -> Expr[P | None]: ...


def case(*whens: tuple[Expr[bool | None], Any], else_: Any = None) -> Expr[Any]:
    """``CASE WHEN cond THEN value ... ELSE else_ END``::

    pyram.case((User.age < 18, "minor"), else_="adult")
    """
    if not whens:
        from pyram.errors import ProgrammingError

        raise ProgrammingError("case() needs at least one (condition, value) pair")
    pairs = tuple((wrap(c), wrap(v)) for c, v in whens)
    return CaseExpr(pairs, None if else_ is None else wrap(else_))


@overload
def nullable(expr: Column[T, Owner]) -> Column[T | None, Owner]: ...


@overload
def nullable(expr: Expr[T]) -> Expr[T | None]: ...


@overload
def nullable(expr: type[Row]) -> Expr[Row | None]: ...


def nullable(expr: Any) -> Expr[Any]:
    """``expr`` typed as possibly NULL, for the side of an outer join that may be missing:
    ``select(User.name, nullable(Order.id)).left_join(Order)`` is a
    ``Select[tuple[str, int | None]]``. Type checkers cannot see which table a join leaves
    missing, so the query says it; an expression is returned unchanged.

    A model class (or alias) selects its whole row, None where it is missing:
    ``select(User, nullable(Order)).left_join(Order)`` gives ``(User, Order | None)`` rows.
    """
    from pyram.dsl.query import Aliased

    if isinstance(expr, type | Aliased):
        if getattr(expr, "__pyram_schema__", None) is None and not isinstance(expr, Aliased):
            from pyram.errors import ProgrammingError

            raise ProgrammingError(f"nullable() takes a @pyram.table class, not {expr!r}")
        return NullableRow(expr)
    if not isinstance(expr, Expr):
        from pyram.errors import ProgrammingError

        raise ProgrammingError(f"nullable() takes a column or expression, not {expr!r}")
    return expr


def cast(expr: Expr[Any], type_: type[T]) -> Expr[T | None]:
    """``CAST(expr AS type)`` for int, float, str, Decimal, bytes or bool."""
    return CastExpr(wrap(expr), type_)
