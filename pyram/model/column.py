"""Column declarations for model classes: the ``Col[T]`` annotation and ``column(...)``.

``Col[T]`` exists for the type checkers: its ``__get__`` overloads make ``User.age`` a
``Column[int, User]`` (the owner ties statement columns to their model) and ``u.age`` an
``int``, and its ``__set__`` makes ``T`` the ``__init__`` parameter type under
``dataclass_transform``. At run time instances read plain attrs slots (no descriptor in the
way) and class access goes through a per-class metaclass (see ``table.py``).

``column(...)`` is the field specifier. Its overloads tie ``default``/``default_factory`` and
``references`` to ``T`` so that a wrong default or a foreign key to a column of another type is
a type error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

import attrs

from pyram.catalog import NO_DEFAULT, OnDelete

if TYPE_CHECKING:
    from pyram.dsl import Column

__all__ = ["Col", "ColumnOptions", "column"]

T = TypeVar("T")
M = TypeVar("M")

_OPTIONS_KEY = "pyram"


class Col(Generic[T]):
    """Annotation for a table column holding values of type ``T`` (``Col[int | None]``...).

    Never instantiated: it only tells type checkers what class and instance access return.
    """

    @overload
    def __get__(self, obj: None, owner: type[M]) -> Column[T, M]: ...

    @overload
    def __get__(self, obj: object, owner: Any) -> T: ...

    def __get__(self, obj: object, owner: Any) -> Any:  # pragma: no cover - typing only
        raise TypeError("Col[T] is an annotation, not a runtime descriptor")

    def __set__(self, obj: object, value: T) -> None:  # pragma: no cover - typing only
        raise TypeError("Col[T] is an annotation, not a runtime descriptor")


@attrs.frozen
class ColumnOptions:
    """Column-level options captured by :func:`column`, read by the ``@table`` decorator."""

    primary_key: bool = False
    unique: bool = False
    index: bool | Literal["hash", "sorted"] = False
    default: Any = NO_DEFAULT
    default_factory: Callable[[], Any] | None = None
    check: Callable[[Any], object] | None = None
    references: object = None
    on_delete: OnDelete = "restrict"
    expires: bool = False


@overload
def column(
    *,
    default: None,
    references: Callable[[], Column[T]] | str,
    primary_key: bool = ...,
    unique: bool = ...,
    index: bool | Literal["hash", "sorted"] = ...,
    check: Callable[[T], object] | None = ...,
    on_delete: OnDelete = ...,
    expires: bool = ...,
) -> Col[T | None]: ...


@overload
def column(
    *,
    references: Callable[[], Column[T]],
    primary_key: bool = ...,
    unique: bool = ...,
    index: bool | Literal["hash", "sorted"] = ...,
    check: Callable[[T], object] | None = ...,
    on_delete: OnDelete = ...,
    expires: bool = ...,
) -> Col[T]: ...


# ``default=None`` with a ``check``: the check sees non-NULL values only (it is not run for NULL).
# Without a check the ``default: T`` overload below applies, which also infers unions such as
# ``Col[JSON | None]`` that a ``T | None`` pattern cannot.
@overload
def column(
    *,
    default: None,
    check: Callable[[T], object],
    primary_key: bool = ...,
    unique: bool = ...,
    index: bool | Literal["hash", "sorted"] = ...,
    references: str | None = ...,
    on_delete: OnDelete = ...,
    expires: bool = ...,
) -> Col[T | None]: ...


@overload
def column(
    *,
    default: T,
    primary_key: bool = ...,
    unique: bool = ...,
    index: bool | Literal["hash", "sorted"] = ...,
    check: Callable[[T], object] | None = ...,
    references: str | None = ...,
    on_delete: OnDelete = ...,
    expires: bool = ...,
) -> Col[T]: ...


@overload
def column(
    *,
    default_factory: Callable[[], T],
    primary_key: bool = ...,
    unique: bool = ...,
    index: bool | Literal["hash", "sorted"] = ...,
    check: Callable[[T], object] | None = ...,
    references: str | None = ...,
    on_delete: OnDelete = ...,
    expires: bool = ...,
) -> Col[T]: ...


@overload
def column(
    *,
    primary_key: bool = ...,
    unique: bool = ...,
    index: bool | Literal["hash", "sorted"] = ...,
    check: Callable[[Any], object] | None = ...,
    references: str | None = ...,
    on_delete: OnDelete = ...,
    expires: bool = ...,
) -> Any: ...


def column(
    *,
    primary_key: bool = False,
    unique: bool = False,
    index: bool | Literal["hash", "sorted"] = False,
    default: Any = NO_DEFAULT,
    default_factory: Callable[[], Any] | None = None,
    check: Callable[[Any], object] | None = None,
    references: object = None,
    on_delete: OnDelete = "restrict",
    expires: bool = False,
) -> Any:
    """Declare a column's constraints, index and default.

    Args:
        primary_key: the column is the table's primary key (unique, NOT NULL; a unique
            sorted index, plus a hash index with ``index="hash"``).
        unique: values must be distinct (NULLs excepted); backed by a unique sorted index.
        index: ``True`` or ``"sorted"`` for a sorted index (equality, ranges, order),
            ``"hash"`` for a hash index (equality only).
        default: value used when the argument is omitted.
        default_factory: zero-argument callable producing the default (for mutable defaults).
        check: predicate on the value; a false result rejects the row (NULL is not checked).
        references: foreign key target: ``lambda: Other.id`` (checked by type checkers,
            forward references allowed), or ``"other.id"`` / ``"other"`` (its primary key).
        on_delete: what deleting a referenced row does: ``"restrict"`` (refuse),
            ``"cascade"`` (delete referencing rows) or ``"set null"``.
        expires: the column holds the row's own expiry time (a ``datetime``, naive ones
            read as UTC, or seconds since the epoch); see docs/cache.md.

    Returns:
        An attrs field carrying the options (typed for checkers as ``Col[T]``).
    """
    if default is not NO_DEFAULT and default_factory is not None:
        raise TypeError("column() takes default or default_factory, not both")
    options = ColumnOptions(
        primary_key=primary_key,
        unique=unique,
        index=index,
        default=default,
        default_factory=default_factory,
        check=check,
        references=references,
        on_delete=on_delete,
        expires=expires,
    )
    if default_factory is not None:
        return attrs.field(factory=default_factory, metadata={_OPTIONS_KEY: options})
    if default is not NO_DEFAULT:
        return attrs.field(default=default, metadata={_OPTIONS_KEY: options})
    return attrs.field(metadata={_OPTIONS_KEY: options})


def options_of(field: Any) -> ColumnOptions:
    """The options recorded on an attrs field (defaults for a plain field)."""
    metadata = getattr(field, "metadata", None) or {}
    found = metadata.get(_OPTIONS_KEY)
    if isinstance(found, ColumnOptions):
        return found
    return ColumnOptions()
