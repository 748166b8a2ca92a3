"""Faster kernel source for two shapes of big expression, with the same values as the general
translation (which stays in the kernel for the rows the shortcut cannot take).

* A long ``+``/``-`` chain of NOT NULL INTEGER columns and integer literals (``x + x + ... +
  x``, 500 terms): the general translation checks every step against the 64-bit range (SQLite
  turns an overflowing step into a REAL). When each column value of a row lies within
  ``bound = (I64_MAX - sum of |literals|) // column terms``, no partial sum can leave the range,
  so the row takes the plain Python sum (exact integers: the same value); one chained comparison
  per distinct column decides.
* A CASE whose every WHEN is ``operand = literal`` (the operand form, or the searched form
  written so) with a literal result (``CASE x WHEN 0 THEN 0 WHEN 1 THEN 2 ... END``, 500
  WHENs): one dict probe instead of up to 500 comparisons. The first WHEN of a value wins, as
  in the chain; NULL is never a key (``NULL = v`` is never TRUE); keys compare by ``==`` and
  hash, so ``1`` finds ``1.0`` as the comparison did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyram.functions.sql_numeric import I64_MAX
from pyram.plan.expr import ArithChain, Case, ColumnRef, Compare, Literal_
from pyram.types import INTEGER

if TYPE_CHECKING:
    from pyram.engine.compile.codegen import Translator

__all__ = ["case_lookup", "unchecked_sum"]

#: terms per parenthesized group of a plain sum (keeps CPython's parse tree shallow)
_SUM_GROUP = 64
#: fewer WHENs than this stay a comparison chain (short chains are as fast)
_LOOKUP_MIN_WHENS = 8


class _Missing:
    """The lookup's "no WHEN matched" marker (a result may be NULL)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no match>"


MISSING = _Missing()


def unchecked_sum(t: Translator, expr: ArithChain) -> tuple[str, str] | None:
    """``(plain sum, row guard)`` sources for a chain of NOT NULL INTEGER columns and integer
    literals joined by ``+``/``-``, or None for any other chain."""
    if expr.dtype is not INTEGER or any(op not in ("+", "-") for op in expr.ops):
        return None
    literal_total, column_terms, names = 0, 0, []
    for arg in expr.args:
        if isinstance(arg, ColumnRef) and arg.dtype is INTEGER and not arg.nullable:
            column_terms += 1
        elif isinstance(arg, Literal_) and type(arg.value) is int:
            literal_total += abs(arg.value)
        else:
            return None
        names.append(t.value(arg))
    bound = (I64_MAX - literal_total) // max(column_terms, 1)
    if not column_terms or bound <= 0:
        return None
    signed = [f"{op} {name}" for op, name in zip(("+", *expr.ops), names, strict=True)]
    groups = [
        "(" + " ".join(signed[i : i + _SUM_GROUP]) + ")" for i in range(0, len(signed), _SUM_GROUP)
    ]
    columns = dict.fromkeys(
        n for n, a in zip(names, expr.args, strict=True) if isinstance(a, ColumnRef)
    )
    guard = " and ".join(f"-{bound} <= {name} <= {bound}" for name in columns)
    return " + ".join(groups), guard


def case_lookup(t: Translator, expr: Case) -> str | None:
    """Source of a dict probe standing for ``expr``, or None when it has another shape."""
    whens = expr.whens
    if len(whens) < _LOOKUP_MIN_WHENS:
        return None
    operand = whens[0][0].left if isinstance(whens[0][0], Compare) else None
    table: dict[Any, Any] = {}
    for condition, result in whens:
        if not (
            isinstance(condition, Compare)
            and condition.op == "="
            and condition.left == operand
            and isinstance(condition.right, Literal_)
            and condition.right.value is not None
            and isinstance(result, Literal_)
        ):
            return None
        try:
            table.setdefault(condition.right.value, result.value)
        except TypeError:  # an unhashable value (JSON)
            return None
    if operand is None or operand.dtype.family not in ("numeric", "text", "blob", "boolean"):
        return None  # other values may be unhashable (JSON)
    from pyram.engine.compile.codegen import Constant

    probe = t.constant(Constant("literal", table.get))
    missing = t.constant(Constant("literal", MISSING))
    found = t._temp()
    return (
        f"({found} if ({found} := {probe}({t.value(operand)}, {missing})) is not {missing} "
        f"else {t.value(expr.default)})"
    )
