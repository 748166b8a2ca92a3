"""Front end 1a: ``@pyram.table`` turns an annotated class into an attrs class and a table.

Design (measured in ``shared/design/typing.md``): the class becomes a slotted attrs class, so
``u.age`` is a native slot read; each table class gets its own metaclass holding one read-only
data descriptor per column, so ``User.age`` returns the :class:`~pyram.dsl.expr.Column`
expression without putting anything in the instance lookup path. The per-class metaclass is
created when the class statement runs (in :meth:`TableMeta.__new__`), so attrs' slotted rebuild
reuses it and no second rebuild (which would break zero-argument ``super()``) is needed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Self, TypeVar, overload

import attrs
from typing_extensions import dataclass_transform

from pyram.catalog import (
    NO_DEFAULT,
    CheckConstraint,
    ColumnDecl,
    ColumnSchema,
    EvictPolicy,
    ExpireAfter,
    ForeignKey,
    IndexSpec,
    KeyIndex,
    Retention,
    TableSchema,
    as_retention,
    attach_cache_policy,
    define_table,
    make_cache_policy,
)
from pyram.dsl import Column, Select
from pyram.errors import DataError, IntegrityError, ProgrammingError
from pyram.model.column import Col, ColumnOptions, column, options_of
from pyram.model.rows import make_row_builder, make_row_reader
from pyram.types import DataType, type_from_annotation

__all__ = ["Table", "TableMeta", "schema_of", "table", "table_name_for"]

T = TypeVar("T")


class _ColumnAccess:
    """Metaclass-level data descriptor: ``User.age`` returns the column expression."""

    __slots__ = ("column",)

    def __init__(self, column: Column[Any]) -> None:
        self.column = column

    def __get__(self, cls: object, meta: object = None) -> Any:
        return self if cls is None else self.column

    def __set__(self, cls: object, value: object) -> None:
        raise AttributeError(f"cannot assign to column {self.column.table_name}.{self.column.name}")


class TableMeta(type):
    """Metaclass of table classes; every table class gets a private subclass of it."""

    _pyram_owner: ClassVar[tuple[str, str] | None] = None

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> TableMeta:
        owner = (str(namespace.get("__module__")), str(namespace.get("__qualname__", name)))
        if bases and mcs._pyram_owner != owner:
            # A fresh metaclass per table class keeps column descriptors of different tables
            # apart; attrs' slotted rebuild of the same class finds its owner and reuses it.
            mcs = type(f"{name}Meta", (mcs,), {"_pyram_owner": owner, "__module__": __name__})
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class Table(metaclass=TableMeta):
    """Base class of model tables; decorate subclasses with :func:`table`."""

    __slots__ = ()

    #: The table's schema, set by :func:`table`.
    __pyram_schema__: ClassVar[TableSchema]
    #: Builds an instance from stored column values (bypassing validation), set by :func:`table`.
    __pyram_build__: ClassVar[Callable[..., Any]]
    #: the history retention given to @pyram.table(history=...), or None
    __pyram_history__: ClassVar[Retention | None] = None
    #: Reads row ``rid`` of the table's column lists into an instance, set by :func:`table`.
    __pyram_read__: ClassVar[Callable[[Any, int], Any]]

    @classmethod
    def select(cls) -> Select[Self]:
        """A query over this table returning instances of the class."""
        _require_table(cls)
        return Select(cls)


RESERVED_NAMES = frozenset(dir(Table))


def table_name_for(class_name: str) -> str:
    """The default table name: the class name in snake_case (``UserAccount``: ``user_account``)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", class_name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def schema_of(model: type[Any] | Any) -> TableSchema:
    """The :class:`TableSchema` of a table class (or of an instance of one).

    Raises:
        ProgrammingError: not a ``@pyram.table`` class.
    """
    cls = model if isinstance(model, type) else type(model)
    schema = cls.__dict__.get("__pyram_schema__")
    if not isinstance(schema, TableSchema):
        raise ProgrammingError(f"{cls.__name__} is not a @pyram.table class")
    return schema


def _require_table(cls: type) -> None:
    schema_of(cls)


def _resolve_hints(cls: type, caller_locals: dict[str, Any]) -> dict[str, Any]:
    """Evaluate the class's own annotations (postponed string annotations included)."""
    # globalns stays None so each class in the MRO is evaluated in its own module's globals.
    localns = {**caller_locals, cls.__name__: cls}
    try:
        hints = typing.get_type_hints(cls, None, localns, include_extras=True)
    except Exception as exc:
        raise ProgrammingError(f"{cls.__name__}: cannot resolve annotations: {exc}") from None
    own = inspect.get_annotations(cls)
    return {name: hints[name] for name in own}


def _value_type(cls: type, name: str, hint: Any) -> Any | None:
    """``T`` of ``Col[T]`` (or a plain annotation); None for ClassVar (not a column)."""
    origin = typing.get_origin(hint)
    if hint is ClassVar or origin is ClassVar:
        return None
    if origin is Col:
        (inner,) = typing.get_args(hint)
        return inner
    if hint is Col:
        raise ProgrammingError(f"{cls.__name__}.{name}: write Col[T] with a value type")
    return hint


def _converter(dtype: DataType, nullable: bool, table: str, name: str) -> Callable[[Any], Any]:
    """attrs converter validating a constructor argument or assignment strictly."""
    validate = dtype.validate
    keep_user_value = dtype.encodes

    def checked(value: Any) -> Any:
        stored = validate(value, nullable=nullable, column=name, table=table)
        return value if keep_user_value else stored

    # Values already valid and stored pass with one quick test (constructors are hot); the
    # type decides what passes, so the constructor refuses exactly what an insert refuses.
    return dtype.stored_form_or(checked)


def _declare_column(cls: type, table: str, name: str, value_type: Any) -> tuple[ColumnDecl, Any]:
    """The column declaration and the attrs field replacing the class attribute."""
    if name in RESERVED_NAMES or name.startswith("_"):
        raise ProgrammingError(f"{cls.__name__}.{name}: this name is reserved, pick another")
    try:
        dtype, nullable = type_from_annotation(value_type)
    except ProgrammingError as exc:
        raise ProgrammingError(f"{cls.__name__}.{name}: {exc}") from None
    raw = cls.__dict__.get(name, NO_DEFAULT)
    if isinstance(raw, attrs.Attribute) or type(raw).__name__ == "_CountingAttr":
        options = options_of(raw)
    elif raw is NO_DEFAULT:
        options = ColumnOptions()
    else:
        options = ColumnOptions(default=raw)
    schema = ColumnSchema(
        name=name,
        dtype=dtype,
        nullable=nullable,
        default=options.default,
        default_factory=options.default_factory,
        check=options.check,
    )
    convert = _converter(dtype, nullable, table, name)
    if options.default is not NO_DEFAULT:
        try:
            convert(options.default)
        except (DataError, IntegrityError) as exc:
            raise ProgrammingError(f"{cls.__name__}.{name}: bad default: {exc}") from None
    references = None
    if options.references is not None:
        references = ForeignKey(
            columns=(name,), target=options.references, on_delete=options.on_delete
        )
    decl = ColumnDecl(schema, options.primary_key, options.unique, options.index, references)
    if options.default_factory is not None:
        field = attrs.field(factory=options.default_factory, converter=convert)
    elif options.default is not NO_DEFAULT:
        field = attrs.field(default=options.default, converter=convert)
    else:
        field = attrs.field(converter=convert)
    return decl, field


def _build(
    cls: type[T],
    *,
    name: str | None,
    primary_key: Sequence[str],
    unique: Iterable[Sequence[str]],
    indexes: Iterable[IndexSpec | Sequence[str]],
    foreign_keys: Iterable[ForeignKey],
    checks: Iterable[Callable[[dict[str, Any]], object] | CheckConstraint],
    kw_only: bool,
    caller_locals: dict[str, Any],
    cache: dict[str, Any] | None = None,
    loader: Callable[[Any], Any] | None = None,
) -> type[T]:
    if not (isinstance(cls, type) and issubclass(cls, Table)):
        raise ProgrammingError(f"@pyram.table: {cls!r} must subclass pyram.Table")
    for base in cls.__mro__[1:]:
        if "__pyram_schema__" in base.__dict__:
            raise ProgrammingError(f"{cls.__name__}: table classes cannot inherit other tables")
    table_name = name or table_name_for(cls.__name__)
    decls = []
    expires: list[str] = []
    for attr_name, hint in _resolve_hints(cls, caller_locals).items():
        value_type = _value_type(cls, attr_name, hint)
        if value_type is None:
            continue
        if options_of(cls.__dict__.get(attr_name)).expires:
            expires.append(attr_name)
        decl, field = _declare_column(cls, table_name, attr_name, value_type)
        decls.append(decl)
        setattr(cls, attr_name, field)
    try:
        new_cls = attrs.define(
            cls, slots=True, kw_only=kw_only, on_setattr=attrs.setters.convert, order=False
        )
    except (ValueError, TypeError) as exc:
        raise ProgrammingError(f"{cls.__name__}: {exc}") from None
    schema = define_table(
        table_name,
        decls,
        primary_key=primary_key,
        unique=unique,
        indexes=indexes,
        foreign_keys=foreign_keys,
        checks=checks,
        row_class=new_cls,
    )
    schema = _with_cache(schema, cache or {}, expires)
    meta = type(new_cls)
    for col in schema.columns:
        expr: Column[Any] = Column(table_name, col.name, col.dtype, col.nullable, new_cls)
        setattr(meta, col.name, _ColumnAccess(expr))
    type.__setattr__(new_cls, "__pyram_schema__", schema)
    type.__setattr__(new_cls, "__pyram_build__", make_row_builder(new_cls, schema))
    type.__setattr__(new_cls, "__pyram_read__", make_row_reader(new_cls, schema))
    type.__setattr__(new_cls, "__pyram_loader__", loader)
    return new_cls


def _with_cache(schema: TableSchema, options: dict[str, Any], expires: list[str]) -> TableSchema:
    """``schema`` with the cache policy the decorator's options describe (if any)."""
    if len(expires) > 1:
        raise ProgrammingError(f"table {schema.name}: only one column can be expires=True")
    key_index = options.pop("key_index", None)
    policy = make_cache_policy(
        schema.name, expires_column=expires[0] if expires else None, **options
    )
    return attach_cache_policy(schema, policy, key_index)


@overload
def table(cls: type[T], /) -> type[T]: ...


@overload
def table(
    *,
    name: str | None = None,
    primary_key: Sequence[str] = (),
    unique: Iterable[Sequence[str]] = (),
    indexes: Iterable[IndexSpec | Sequence[str]] = (),
    foreign_keys: Iterable[ForeignKey] = (),
    checks: Iterable[Callable[[dict[str, Any]], object] | CheckConstraint] = (),
    kw_only: bool = False,
    ttl: float | dt.timedelta | None = None,
    expire_after: ExpireAfter = "write",
    max_rows: int | None = None,
    max_bytes: int | None = None,
    evict: EvictPolicy | None = None,
    key_index: KeyIndex | None = None,
    loader: Callable[[Any], Any] | None = None,
    history: Retention | dt.timedelta | int | None = None,
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(column,))
def table(
    cls: type[T] | None = None,
    /,
    *,
    name: str | None = None,
    primary_key: Sequence[str] = (),
    unique: Iterable[Sequence[str]] = (),
    indexes: Iterable[IndexSpec | Sequence[str]] = (),
    foreign_keys: Iterable[ForeignKey] = (),
    checks: Iterable[Callable[[dict[str, Any]], object] | CheckConstraint] = (),
    kw_only: bool = False,
    ttl: float | dt.timedelta | None = None,
    expire_after: ExpireAfter = "write",
    max_rows: int | None = None,
    max_bytes: int | None = None,
    evict: EvictPolicy | None = None,
    key_index: KeyIndex | None = None,
    loader: Callable[[Any], Any] | None = None,
    history: Retention | dt.timedelta | int | None = None,
) -> type[T] | Callable[[type[T]], type[T]]:
    """Declare a table: ``@pyram.table`` or ``@pyram.table(name="users", ...)``.

    The class must subclass :class:`Table` and annotate columns as ``Col[T]``. It becomes a
    slotted attrs class whose constructor and attribute assignment validate values strictly.

    Args:
        name: the SQL table name (default: the class name in snake_case).
        primary_key: a composite primary key, as column names.
        unique: composite unique constraints, each a sequence of column names.
        indexes: table-level indexes: column-name sequences (sorted index) or
            :class:`~pyram.catalog.IndexSpec` objects (``kind="hash"`` or ``"sorted"``).
        foreign_keys: composite foreign keys (:class:`~pyram.catalog.ForeignKey`).
        checks: table-level checks: predicates over a dict of the row's column values.
        kw_only: make every constructor argument keyword-only.
        ttl: make it a cache table whose rows expire this long (seconds or a ``timedelta``)
            after their last write, or last access with ``expire_after="access"``.
        expire_after: ``"write"`` or ``"access"`` (a point read by key restarts the clock).
        max_rows: the most rows the table keeps.
        max_bytes: the most estimated bytes the table keeps (docs/cache.md says how).
        evict: ``"lru"`` (default), ``"lfu"``, ``"fifo"``, ``"ttl"``, ``"random"`` or
            ``"none"`` (a write past a limit raises ``CapacityError``).
        key_index: how a cache table indexes its primary key: ``"hash"`` (default: O(1)
            reads, writes and evictions by key) or ``"sorted"`` (range scans and ORDER BY
            on the key without a sort).
        loader: called with a key by ``db.get_or_load`` on a miss; returns a row or None.
        history: keep committed versions for time travel (``db.all(q, as_of=...)``): a
            ``timedelta``, a number of commits or a :class:`~pyram.Retention`; applied when
            a database creates or attaches the table.

    Raises:
        ProgrammingError: an invalid declaration (unknown column, unsupported type, ...).
    """
    caller_locals = dict(sys._getframe(1).f_locals)
    retention = as_retention(history)

    def wrap(klass: type[T]) -> type[T]:
        built = _build(
            klass,
            name=name,
            primary_key=primary_key,
            unique=unique,
            indexes=indexes,
            foreign_keys=foreign_keys,
            checks=checks,
            kw_only=kw_only,
            caller_locals=caller_locals,
            cache={"ttl": ttl, "expire_after": expire_after, "max_rows": max_rows,
                   "max_bytes": max_bytes, "evict": evict, "key_index": key_index},
            loader=loader,
        )
        type.__setattr__(built, "__pyram_history__", retention)
        return built

    return wrap if cls is None else wrap(cls)
