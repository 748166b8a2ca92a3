"""Window functions in the Python DSL: ``func.row_number().over(partition_by=..., order_by=...)``.

``over()`` turns a window function (:class:`WindowFunction`, from ``pyram.func``) or an
aggregate (``func.sum(User.age)``) into an expression computed per row over its partition::

    func.sum(Order.total).over(partition_by=Order.user_id, order_by=Order.id, rows=(-2, 0))

A frame is ``rows=``, ``range=`` or ``groups=`` with a ``(start, end)`` pair: ``None`` is
UNBOUNDED, a negative number that many PRECEDING, ``0`` CURRENT ROW, a positive number that
many FOLLOWING (``rows=(None, 0)`` is ``ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW``);
``exclude=`` is ``"current_row"``, ``"group"`` or ``"ties"``. Without a frame the default is
SQLite's (from the partition's start to the row's last peer). The binder
(:mod:`pyram.dsl.bind_window`) builds the same plan as the SQL ``OVER`` clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from pyram.dsl.expr import Expr, Ordering
from pyram.dsl.terms import Aggregate
from pyram.errors import ProgrammingError

__all__ = ["Exclude", "Frame", "FrameEnds", "WindowExpr", "WindowFunction", "over"]

T = TypeVar("T")

#: A frame's (start, end): None is UNBOUNDED, -n n PRECEDING, 0 CURRENT ROW, +n n FOLLOWING.
FrameEnds = tuple[int | float | None, int | float | None]
#: Which rows EXCLUDE leaves out of each row's frame.
Exclude = Literal["no_others", "current_row", "group", "ties"]

#: Anything ``partition_by=`` accepts: one expression or several.
PartitionBy = Expr[Any] | Sequence[Expr[Any]]
#: Anything ``order_by=`` accepts: expressions or ``.asc()``/``.desc()`` keys, one or several.
OrderBy = Expr[Any] | Ordering | Sequence[Expr[Any] | Ordering]


class Frame:
    """A window frame: ``unit`` ("rows", "range", "groups"), the ``(start, end)`` ends and
    what it excludes."""

    __slots__ = ("end", "exclude", "start", "unit")

    def __init__(
        self,
        unit: Literal["rows", "range", "groups"],
        start: int | float | None,
        end: int | float | None,
        exclude: Exclude = "no_others",
    ) -> None:
        self.unit = unit
        self.start = start
        self.end = end
        self.exclude = exclude

    def _key(self) -> tuple[Any, ...]:
        return ("frame", self.unit, self.start, self.end, self.exclude)


class WindowFunction(Generic[T]):
    """A window function call waiting for its window: call :meth:`over` to use it."""

    __slots__ = ("args", "name")

    def __init__(self, name: str, args: tuple[Expr[Any], ...]) -> None:
        self.name = name
        self.args = args

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
        """This function computed per row over its window (see the module docs)."""
        return over(self, partition_by, order_by, rows, range, groups, exclude)

    def _key(self) -> tuple[Any, ...]:
        return ("winfunc", self.name, *(a._key() for a in self.args))

    def __repr__(self) -> str:
        return f"{self.name}() (call .over() to use it)"


class WindowExpr(Expr[T]):
    """A window function or aggregate computed over a window."""

    __slots__ = ("call", "frame", "order_by", "partition_by")

    def __init__(
        self,
        call: WindowFunction[Any] | Aggregate[Any],
        partition_by: tuple[Expr[Any], ...],
        order_by: tuple[Ordering, ...],
        frame: Frame | None,
    ) -> None:
        self.call = call
        self.partition_by = partition_by
        self.order_by = order_by
        self.frame = frame

    def _key(self) -> tuple[Any, ...]:
        return (
            "window",
            self.call._key(),
            tuple(p._key() for p in self.partition_by),
            tuple(o._key() for o in self.order_by),
            None if self.frame is None else self.frame._key(),
        )


def over(
    call: WindowFunction[Any] | Aggregate[Any],
    partition_by: PartitionBy,
    order_by: OrderBy,
    rows: FrameEnds | None,
    range: FrameEnds | None,
    groups: FrameEnds | None,
    exclude: Exclude | None,
) -> WindowExpr[Any]:
    """The window expression of ``call`` (shared by window functions and aggregates).

    Raises:
        ProgrammingError: more than one of ``rows``, ``range``, ``groups``.
    """
    frames = [(u, e) for u, e in (("rows", rows), ("range", range), ("groups", groups)) if e]
    if len(frames) > 1:
        raise ProgrammingError("over(): give at most one of rows=, range=, groups=")
    frame = None
    if frames:
        unit, (start, end) = frames[0]
        frame = Frame(unit, start, end, exclude or "no_others")  # type: ignore[arg-type]
    elif exclude is not None:
        frame = Frame("range", None, 0, exclude)
    parts = (partition_by,) if isinstance(partition_by, Expr) else tuple(partition_by)
    keys = (order_by,) if isinstance(order_by, Expr | Ordering) else tuple(order_by)
    orderings = tuple(k if isinstance(k, Ordering) else k.asc() for k in keys)
    return WindowExpr(call, parts, orderings, frame)
