"""The typed query builder: ``Select[R]``, where ``R`` is the row type a query returns.

``User.select()`` is a ``Select[User]`` (rows come back as ``User`` instances);
``pyram.select(User.name, User.age)`` is a ``Select[tuple[str, int]]``. Builders are immutable:
every chained call returns a new builder, so a query can be kept, reused with new parameter
values, and cached by shape (:meth:`Select.cache_key` is computed once).
"""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar

from pyram.dsl.expr import Expr, Ordering, Predicate, SubqueryExpr, wrap
from pyram.dsl.shapes import NullableRow, RowShape, expand_items
from pyram.dsl.terms import Param
from pyram.errors import ProgrammingError

__all__ = ["Aliased", "Select", "alias", "build_select", "exists"]

R = TypeVar("R")
#: Covariant: a ``Select[tuple[str, int]]`` is a ``Select[tuple[str, int | None]]``.
R_co = TypeVar("R_co", covariant=True)
M = TypeVar("M")  # a table class (any class: Expr instances are not classes)
T = TypeVar("T")

_SLOTS = (
    "entity",
    "columns",
    "sources",
    "joins",
    "filters",
    "groups",
    "having_filters",
    "orderings",
    "limit_value",
    "offset_value",
    "is_distinct",
    "compounds",
    "shape",
)


class Aliased:
    """A table reached under another name (for self-joins): made by :func:`alias`."""

    __slots__ = ("__pyram_alias__", "__pyram_model__")

    def __init__(self, model: Any, name: str) -> None:
        object.__setattr__(self, "__pyram_model__", model)
        object.__setattr__(self, "__pyram_alias__", name)

    def __getattr__(self, name: str) -> Any:
        from pyram.dsl.terms import Column

        model = object.__getattribute__(self, "__pyram_model__")
        base = getattr(model, name)
        if not isinstance(base, Column):
            return base
        alias_name = object.__getattribute__(self, "__pyram_alias__")
        return Column(base.table_name, base.name, base.dtype, base.nullable, model, alias_name)

    def __repr__(self) -> str:
        return f"alias({self.__pyram_model__.__name__}, {self.__pyram_alias__!r})"


def alias(model: type[M], name: str) -> type[M]:
    """The table of ``model`` under another name, for self-joins::

    boss = pyram.alias(Employee, "boss")
    q = Employee.select().join(boss, on=Employee.boss_id == boss.id)
    """
    if not name.isidentifier():
        raise ProgrammingError(f"invalid alias {name!r}")
    made: type[M] = Aliased(model, name)  # type: ignore[assignment]
    return made  # typed as the model class so that boss.id is a Column[int] for checkers


def source_key(source: Any) -> tuple[Any, ...]:
    """Structural key of a FROM source (model class or alias)."""
    if isinstance(source, Aliased):
        return ("alias", source.__pyram_model__, source.__pyram_alias__)
    return ("table", source)


class Select(Generic[R_co]):
    """A SELECT query whose rows are of type ``R``."""

    __slots__ = (*_SLOTS, "_cache_key")

    entity: Any
    columns: tuple[Expr[Any], ...]
    sources: tuple[Any, ...]
    joins: tuple[tuple[str, Any, Expr[Any] | None], ...]
    filters: tuple[Expr[Any], ...]
    groups: tuple[Expr[Any], ...]
    having_filters: tuple[Expr[Any], ...]
    orderings: tuple[Ordering, ...]
    limit_value: Expr[Any] | None
    offset_value: Expr[Any] | None
    is_distinct: bool
    compounds: tuple[tuple[str, bool, Select[Any]], ...]
    shape: RowShape | None  # select(User, Order): how rows split into models
    _cache_key: tuple[Any, ...] | None

    def __init__(
        self,
        entity: Any = None,
        columns: tuple[Expr[Any], ...] = (),
        sources: tuple[Any, ...] = (),
        shape: RowShape | None = None,
    ) -> None:
        values: dict[str, Any] = dict.fromkeys(_SLOTS, ())
        values.update(
            entity=entity,
            columns=columns,
            sources=sources,
            limit_value=None,
            offset_value=None,
            is_distinct=False,
            shape=shape,
        )
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_cache_key", None)

    def _with(self, **changes: Any) -> Self:
        new = object.__new__(type(self))
        for name in _SLOTS:
            object.__setattr__(new, name, changes.get(name, getattr(self, name)))
        object.__setattr__(new, "_cache_key", None)
        return new

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Select objects are immutable; chain methods to build new ones")

    # ------------------------------------------------------------------ clauses
    def where(self, *conditions: Expr[bool] | Expr[bool | None]) -> Self:
        """Keep rows for which every condition is TRUE."""
        return self._with(filters=self.filters + _conditions(conditions))

    def filter(self, *conditions: Expr[bool] | Expr[bool | None]) -> Self:
        """Alias of :meth:`where`."""
        return self.where(*conditions)

    def select_from(self, *sources: Any) -> Self:
        """Name the FROM tables explicitly (when no selected column names them)."""
        return self._with(sources=self.sources + sources)

    def join(self, target: type | Aliased, on: Expr[bool | None] | None = None) -> Self:
        """Inner join; without ``on`` the condition comes from the foreign key between them."""
        return self._join("inner", target, on)

    def left_join(self, target: type | Aliased, on: Expr[bool | None] | None = None) -> Self:
        """Left outer join."""
        return self._join("left", target, on)

    def right_join(self, target: type | Aliased, on: Expr[bool | None] | None = None) -> Self:
        """Right outer join."""
        return self._join("right", target, on)

    def full_join(self, target: type | Aliased, on: Expr[bool | None] | None = None) -> Self:
        """Full outer join."""
        return self._join("full", target, on)

    def cross_join(self, target: type | Aliased) -> Self:
        """Cartesian product."""
        return self._with(joins=(*self.joins, ("cross", target, None)))

    def _join(self, kind: str, target: type | Aliased, on: Expr[bool | None] | None) -> Self:
        if on is not None and not isinstance(on, Expr):
            raise ProgrammingError("on= must be a condition expression")
        if kind in ("right", "full") and self.entity is not None:
            # the selected model is on the NULL-extended side: a row of it may not exist, and a
            # model object of NULLs would break its own column types
            name = getattr(self.entity, "__name__", "the model")
            raise ProgrammingError(
                f"{kind}_join on a select of whole {name} rows: {name} is on the side that may "
                f"be missing; select its columns instead (they come back as None)"
            )
        if self.shape is not None and self.shape.has_models() and kind != "inner":
            _refuse_missing_models(kind, target, self.shape)
        return self._with(joins=(*self.joins, (kind, target, on)))

    def group_by(self, *exprs: Expr[Any]) -> Self:
        """Group rows by these expressions."""
        return self._with(groups=self.groups + tuple(wrap(e) for e in exprs))

    def having(self, *conditions: Expr[bool] | Expr[bool | None]) -> Self:
        """Keep groups for which every condition is TRUE."""
        return self._with(having_filters=self.having_filters + _conditions(conditions))

    def order_by(self, *keys: Expr[Any] | Ordering) -> Self:
        """Sort by these keys (``User.age.desc()`` for descending)."""
        orderings = tuple(
            k if isinstance(k, Ordering) else Ordering(wrap(k), False, None) for k in keys
        )
        return self._with(orderings=self.orderings + orderings)

    def limit(self, count: int | Expr[int]) -> Self:
        """Return at most ``count`` rows (an int or a parameter)."""
        return self._with(limit_value=_count(count, "limit"))

    def offset(self, count: int | Expr[int]) -> Self:
        """Skip the first ``count`` rows."""
        return self._with(offset_value=_count(count, "offset"))

    def distinct(self) -> Self:
        """Drop duplicate rows."""
        return self._with(is_distinct=True)

    # ------------------------------------------------------------------ set operations
    def union(self: Select[R], other: Select[R]) -> Select[R]:
        """Rows of either query, duplicates removed."""
        return self._compound("union", False, other)

    def union_all(self: Select[R], other: Select[R]) -> Select[R]:
        """Rows of both queries, duplicates kept."""
        return self._compound("union", True, other)

    def intersect(self: Select[R], other: Select[R]) -> Select[R]:
        """Rows in both queries."""
        return self._compound("intersect", False, other)

    def intersect_all(self: Select[R], other: Select[R]) -> Select[R]:
        """Rows in both queries, as many times as in both (bag semantics)."""
        return self._compound("intersect", True, other)

    def except_(self: Select[R], other: Select[R]) -> Select[R]:
        """Rows of this query not in ``other``."""
        return self._compound("except", False, other)

    def except_all(self: Select[R], other: Select[R]) -> Select[R]:
        """Bag difference."""
        return self._compound("except", True, other)

    def _compound(self: Select[R], kind: str, keep_all: bool, other: Select[R]) -> Select[R]:
        if not isinstance(other, Select):
            raise ProgrammingError(f"{kind} needs another select()")
        return self._with(compounds=(*self.compounds, (kind, keep_all, other)))

    # ------------------------------------------------------------------ subqueries
    def scalar_subquery(self: Select[tuple[T]]) -> Expr[T | None]:
        """This one-column query as a value in another query (NULL when it returns no row)."""
        return SubqueryExpr("scalar", self)

    # ------------------------------------------------------------------ identity
    def cache_key(self) -> tuple[Any, ...]:
        """Structural key: equal for queries built the same way (used by the plan cache)."""
        cached = self._cache_key
        if cached is not None:
            return cached
        key: tuple[Any, ...] = (
            "select",
            source_key(self.entity) if self.entity is not None else None,
            tuple(c._key() for c in self.columns),
            tuple(source_key(s) for s in self.sources),
            tuple(
                (k, source_key(t), None if on is None else on._key()) for k, t, on in self.joins
            ),
            tuple(f._key() for f in self.filters),
            tuple(g._key() for g in self.groups),
            tuple(h._key() for h in self.having_filters),
            tuple(o._key() for o in self.orderings),
            None if self.limit_value is None else self.limit_value._key(),
            None if self.offset_value is None else self.offset_value._key(),
            self.is_distinct,
            tuple((k, a, q.cache_key()) for k, a, q in self.compounds),
            None if self.shape is None else self.shape.key(),
        )
        object.__setattr__(self, "_cache_key", key)
        return key

    def __repr__(self) -> str:
        what = self.entity.__name__ if isinstance(self.entity, type) else len(self.columns)
        return f"<Select {what}>"


def _refuse_missing_models(kind: str, target: Any, shape: RowShape) -> None:
    """An outer join must not leave a selected model on its NULL-extended side: a model object
    of NULLs would break its own column types (``select(User, Order).left_join(Order)``)."""
    model = target.__pyram_model__ if isinstance(target, Aliased) else target
    models = shape.required_models()  # nullable(Model) parts may be missing
    if not models or (kind == "left" and all(m is not model for m in models)):
        return
    names = ", ".join(m.__name__ for m in models)
    raise ProgrammingError(
        f"{kind}_join on a select of whole {names} rows: a model may be on the side that may be "
        f"missing; select its columns instead (they come back as None)"
    )


def _conditions(conditions: tuple[Any, ...]) -> tuple[Expr[Any], ...]:
    for cond in conditions:
        if not isinstance(cond, Expr):
            raise ProgrammingError(
                f"where()/having() take expressions such as User.age > 3, not {cond!r}"
            )
    return tuple(conditions)


def _count(count: Any, what: str) -> Expr[Any]:
    if isinstance(count, Param):
        return count
    if type(count) is not int or count < 0:
        raise ProgrammingError(f"{what} must be a non-negative int or a parameter, not {count!r}")
    return wrap(count)


def build_select(*columns: Any) -> Select[Any]:
    """The query ``pyram.select`` builds (its typed overloads are in ``selecting.py``)."""
    if len(columns) == 1 and isinstance(columns[0], type | Aliased):
        return Select(entity=columns[0])
    if not columns:
        raise ProgrammingError("select() needs at least one column, expression or table")
    if any(isinstance(c, type | Aliased | NullableRow) for c in columns):  # select(User, Order)
        flat, shape = expand_items(columns)
        return Select(columns=flat, shape=shape)
    for col in columns:
        if not isinstance(col, Expr):
            raise ProgrammingError(f"select() takes columns and expressions, not {col!r}")
    return Select(columns=tuple(columns))


def exists(query: Select[Any]) -> Predicate:
    """``EXISTS (query)``; ``~pyram.exists(q)`` is NOT EXISTS."""
    if not isinstance(query, Select):
        raise ProgrammingError("exists() takes a select()")
    return Predicate("exists", (SubqueryExpr("exists", query),))
