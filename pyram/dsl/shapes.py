"""Rows of several models: ``pyram.select(User, Order)`` returns ``(User, Order)`` tuples.

Such a select is an ordinary select of every column of each model (and of any plain column or
expression given between them); a :class:`RowShape` records how the flat result row splits back
into model objects and values. It stands where a model class stands for ``select(User)``: result
readers call its ``__pyram_build__(*values)`` for each row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

from pyram.dsl.expr import Expr
from pyram.errors import ProgrammingError

__all__ = ["RowShape", "TableRow", "expand_items"]


class TableRow(Protocol):
    """For checkers: an instance of a ``@pyram.table`` class (``pyram.Table`` declares this), so
    that ``select(int)`` is refused while ``select(User)`` is typed."""

    __pyram_build__: ClassVar[Callable[..., Any]]


# a part of the row: the model built from ``width`` values, or None for one plain value
Part = tuple[Any, int]


class RowShape:
    """How a flat row of a multi-model select becomes a tuple of models and values."""

    __slots__ = ("__pyram_build__", "parts")

    #: rows of a shape are never read straight from one table's storage (see api/session.py)
    __pyram_read__ = None

    def __init__(
        self, parts: tuple[Part, ...], decoders: Sequence[Callable[[Any], Any] | None] = ()
    ) -> None:
        self.parts = parts
        self.__pyram_build__ = _builder(parts, decoders)

    def bound(self, decoders: Sequence[Callable[[Any], Any] | None]) -> RowShape:
        """This shape decoding its plain values (Enum, JSON...) with the plan's decoders."""
        return RowShape(self.parts, decoders)

    def key(self) -> tuple[Any, ...]:
        """Structural key (for the plan cache)."""
        return tuple((id(model), width) for model, width in self.parts)

    def has_models(self) -> bool:
        """Whether any part is a whole model (a NULL-extended one cannot be built)."""
        return any(model is not None for model, _ in self.parts)


def _builder(
    parts: tuple[Part, ...], decoders: Sequence[Callable[[Any], Any] | None]
) -> Callable[..., tuple[Any, ...]]:
    # one (start, end, build) per part, computed once; build None: a plain value at start
    steps: list[tuple[int, int, Callable[..., Any] | None]] = []
    start = 0
    for model, width in parts:
        if model is not None:
            steps.append((start, start + width, model.__pyram_build__))
        else:
            decode = decoders[start] if start < len(decoders) else None
            steps.append((start, start + 1, None if decode is None else _plain(decode)))
        start += width

    def build(*values: Any) -> tuple[Any, ...]:
        return tuple(values[s] if b is None else b(*values[s:e]) for s, e, b in steps)

    return build


def _plain(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def one(value: Any) -> Any:
        return None if value is None else decode(value)

    return one


def expand_items(items: tuple[Any, ...]) -> tuple[tuple[Expr[Any], ...], RowShape]:
    """The flat select list and the row shape of ``select(User, Order.id, ...)``."""
    from pyram.dsl.query import Aliased

    columns: list[Expr[Any]] = []
    parts: list[Part] = []
    for item in items:
        if isinstance(item, type | Aliased):
            model = item.__pyram_model__ if isinstance(item, Aliased) else item
            schema = getattr(model, "__pyram_schema__", None)
            if schema is None:
                raise ProgrammingError(f"select() takes @pyram.table classes, not {model!r}")
            names = [c.name for c in schema.columns]
            columns.extend(getattr(item, name) for name in names)
            parts.append((model, len(names)))
        elif isinstance(item, Expr):
            columns.append(item)
            parts.append((None, 1))
        else:
            raise ProgrammingError(f"select() takes columns, expressions and tables, not {item!r}")
    return tuple(columns), RowShape(tuple(parts))
