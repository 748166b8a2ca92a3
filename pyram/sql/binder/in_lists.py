"""SQL binder: IN lists written with literals and parameters only (``ast.InValues``).

Such a list becomes one :class:`~pyram.plan.expr.InValues` node when its items need no
conversion item by item: an INTEGER or REAL operand with numbers and NULLs, a TEXT operand
with strings and NULLs, any typed operand with parameters. Typing is then a matter of the
item kinds present (one ``set(map(type, ...))``), not of 100,000 nodes. Any other list is
bound item by item exactly as an ``ast.InList`` of the same literals and parameters is, so
both paths give the same plan semantics (SQLite's affinity rules as the binder applies them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from pyram.plan import expr as px
from pyram.sql import ast
from pyram.types import INTEGER, NULLTYPE, REAL, TEXT

if TYPE_CHECKING:
    from pyram.sql.binder.expressions import ExprBinder, ExprCtx

__all__ = ["bind_in_values"]

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_NONE = type(None)
_NUMBERS = frozenset({int, float, _NONE})
_TEXTS = frozenset({str, _NONE})


def bind_in_values(binder: ExprBinder, e: ast.InValues, ctx: ExprCtx) -> px.PlanExpr:
    """Bind ``e``: one list node when the items allow, else an IN over item nodes."""
    arg = binder.value(e.operand, ctx)
    values = _as_read(e.items.values)
    params = e.items.params
    typed = _typed_values(arg, values)
    with binder.at(e):
        if typed is not None:
            return binder.b.in_values(arg, typed, params, e.negated)
        b = binder.b
        items: list[px.PlanExpr] = [b.literal(v) for v in values]
        items += [b.param(k) for k in params]
        return binder.in_items(arg, items, e.negated)


def _as_read(values: tuple[object, ...]) -> tuple[Any, ...]:
    """The values as the binder reads literals: an integer beyond 64 bits is REAL."""
    kinds = set(map(type, values))
    if int not in kinds:
        return values
    if kinds <= _NUMBERS:  # the common case, screened at C speed
        present = [v for v in values if v is not None] if _NONE in kinds else values
        numbers = cast("list[float]", present)
        if min(numbers) >= _I64_MIN and max(numbers) <= _I64_MAX:
            return values
    return tuple(
        float(v) if type(v) is int and not _I64_MIN <= v <= _I64_MAX else v for v in values
    )


def _typed_values(arg: px.PlanExpr, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The values as the list node holds them, or None when items must be bound one by one
    (what ``ExprBinder.in_items`` would do to each literal here changes nothing, or turns an
    exact INTEGER next to a REAL operand into a float)."""
    dtype = arg.dtype
    if isinstance(arg, px.Literal_) or dtype is NULLTYPE:
        return None
    kinds = set(map(type, values))
    if not kinds:
        return values if dtype.family != "boolean" else None
    if dtype is INTEGER and kinds <= _NUMBERS:
        return values
    if dtype is REAL and kinds <= _NUMBERS:
        if int not in kinds:
            return values
        return tuple(float(v) if type(v) is int and float(v) == v else v for v in values)
    if dtype is TEXT and kinds <= _TEXTS:
        return values
    return None
