"""SQL binder: ``CAST(x AS type)`` and PostgreSQL's ``x::type``.

Which conversion a CAST makes depends on the dialect and on the target type:

- a type with SQLite CAST names (its :attr:`~pyram.types.DataType.cast_names`: ``INT``,
  ``FLOAT``, ``VARCHAR`` ...) converts as SQLite does (text by its numeric prefix, ...);
- ``NUMERIC``/``DECIMAL`` is SQLite's NUMERIC affinity (numbers unchanged, text INTEGER or REAL
  by its content), and PostgreSQL's exact numeric in the PostgreSQL dialect;
- a type SQLite does not have (DATE, UUID, INTERVAL ...) reads text by its own SQL text reader;
- any other name containing ``INT`` is INTEGER (SQLite's affinity rule); PostgreSQL's ``reg*``
  types are resolved against the catalogue (:func:`~pyram.sql.binder.pg_bind.pg_cast`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyram.errors import ProgrammingError
from pyram.functions.sql_ops import read_text_as
from pyram.plan import expr as px
from pyram.sql import ast
from pyram.sql.binder.pg_bind import pg_cast
from pyram.types import DECIMAL, INTEGER, REAL, DataType, type_from_cast_name, type_from_sql_name

if TYPE_CHECKING:
    from pyram.sql.binder.expressions import ExprBinder, ExprCtx

__all__ = ["bind_cast"]

#: the names of SQLite's NUMERIC affinity (the target type depends on the operand)
_NUMERIC_NAMES = ("NUMERIC", "DECIMAL")


def bind_cast(binder: ExprBinder, e: ast.Cast, ctx: ExprCtx) -> px.PlanExpr:
    """Bind ``e``: a conversion node, or a literal when a text literal is read now."""
    arg = binder.numeric(binder.value(e.operand, ctx))
    name = e.type.name.upper().split("(")[0].strip()
    if binder.pg is not None:
        reg = pg_cast(binder, name, arg)
        if reg is not None:
            return reg
        if name in _NUMERIC_NAMES:
            return binder.b.cast(arg, DECIMAL)  # PostgreSQL's numeric is exact
    target = type_from_cast_name(name)
    if target is None and name in _NUMERIC_NAMES:
        if arg.dtype.family == "text":
            return binder.b.to_number(arg, "NUMERIC")
        target = INTEGER if arg.dtype.name in ("INTEGER", "NULL") else REAL
    if target is None and _own_type(name) is not None:
        return _cast_text(binder, arg, e.type.name)
    if target is None and "INT" in name:  # SQLite's affinity rule (not INTERVAL: above)
        target = INTEGER
    if target is None:
        return _cast_text(binder, arg, e.type.name)
    return binder.b.cast(arg, target)


def _own_type(name: str) -> DataType | None:
    """A column type with no SQLite CAST affinity (DATE, UUID, INTERVAL ...), or None."""
    try:
        found = type_from_sql_name(name)
    except ProgrammingError:
        return None
    return found if found.cast_reads_text else None


def _cast_text(binder: ExprBinder, arg: px.PlanExpr, type_name: str) -> px.PlanExpr:
    """``CAST('1 day' AS INTERVAL)``, ``CAST('2024-01-31' AS DATE)``: a text literal read
    by the target type's own SQL text reader (types without a SQLite cast) now; any other
    operand (``$1::TIMESTAMP``, a text column) read the same way when the query runs."""
    target = _own_type(type_name)
    if target is not None and isinstance(arg, px.Literal_) and isinstance(arg.value, str):
        stored = read_text_as(target, arg.value)
        return binder.b.literal(target.from_storage(stored), target)  # takes a user value
    if target is not None:
        return binder.b.cast(arg, target)
    raise ProgrammingError(f"CAST to {type_name} is not supported")
