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

__all__ = ["NullableRow", "RowShape", "TableRow", "expand_items"]


class TableRow(Protocol):
    """For checkers: an instance of a ``@pyram.table`` class (``pyram.Table`` declares this), so
    that ``select(int)`` is refused while ``select(User)`` is typed."""

    __pyram_build__: ClassVar[Callable[..., Any]]


class NullableRow(Expr[Any]):
    """``pyram.nullable(Order)`` in a select: ``Order``'s whole row, or None in a row where an
    outer join found none (typed ``Expr[Order | None]``, so the select's overloads give
    ``tuple[..., Order | None]``). It is a select item only: a query cannot compute with it."""

    __slots__ = ("source",)

    def __init__(self, source: Any) -> None:
        self.source = source  # the model class or its alias

    def _key(self) -> tuple[Any, ...]:
        from pyram.dsl.query import source_key

        return ("nullable_row", source_key(self.source))

    def __repr__(self) -> str:
        return f"nullable({getattr(self.source, '__name__', self.source)})"


# a part of the row: the model built from ``width`` values (a NullableRow for one that may be
# missing), or None for one plain value
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
        return tuple(
            (model._key() if isinstance(model, NullableRow) else id(model), width)
            for model, width in self.parts
        )

    def has_models(self) -> bool:
        """Whether any part is a whole model (a NULL-extended one cannot be built)."""
        return any(model is not None for model, _ in self.parts)

    def required_models(self) -> list[Any]:
        """The model classes of the parts that must exist (not ``nullable(Model)``)."""
        return [m for m, _ in self.parts if m is not None and not isinstance(m, NullableRow)]


def _builder(
    parts: tuple[Part, ...], decoders: Sequence[Callable[[Any], Any] | None]
) -> Callable[..., tuple[Any, ...]]:
    # one (start, end, build) per part, computed once; build None: a plain value at start
    steps: list[tuple[int, int, Callable[..., Any] | None]] = []
    start = 0
    for model, width in parts:
        if isinstance(model, NullableRow):
            steps.append((start, start + width, _or_none(model)))
        elif model is not None:
            steps.append((start, start + width, model.__pyram_build__))
        else:
            decode = decoders[start] if start < len(decoders) else None
            steps.append((start, start + 1, None if decode is None else _plain(decode)))
        start += width

    def build(*values: Any) -> tuple[Any, ...]:
        return tuple(values[s] if b is None else b(*values[s:e]) for s, e, b in steps)

    return build


def _or_none(part: NullableRow) -> Callable[..., Any]:
    """The builder of a model that may be missing: None when its primary key is NULL (a stored
    row never has one; a table without a declared key: when every column is NULL)."""
    model = _model_of(part.source)
    build = model.__pyram_build__
    schema = model.__pyram_schema__
    names = [c.name for c in schema.columns]
    keys = [names.index(k) for k in schema.primary_key] or list(range(len(names)))

    def maybe(*values: Any) -> Any:
        if all(values[k] is None for k in keys):
            return None
        return build(*values)

    return maybe


def _model_of(source: Any) -> Any:
    from pyram.dsl.query import Aliased

    return source.__pyram_model__ if isinstance(source, Aliased) else source


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
        if isinstance(item, type | Aliased | NullableRow):
            source = item.source if isinstance(item, NullableRow) else item
            model = _model_of(source)
            schema = getattr(model, "__pyram_schema__", None)
            if schema is None:
                raise ProgrammingError(f"select() takes @pyram.table classes, not {model!r}")
            names = [c.name for c in schema.columns]
            columns.extend(getattr(source, name) for name in names)
            parts.append((item if isinstance(item, NullableRow) else model, len(names)))
        elif isinstance(item, Expr):
            columns.append(item)
            parts.append((None, 1))
        else:
            raise ProgrammingError(f"select() takes columns, expressions and tables, not {item!r}")
    return tuple(columns), RowShape(tuple(parts))
