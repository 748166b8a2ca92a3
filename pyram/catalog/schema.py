"""Table metadata: columns, constraints and indexes, with no rows and no front-end knowledge.

Both front ends produce a :class:`TableSchema`: the model layer from an ``@pyram.table`` class, the
SQL front end from ``CREATE TABLE``. Storage, the planner and persistence read only this.
Everything here is immutable; a changed schema is a new object.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from pyram.catalog.cache_policy import CachePolicy
from pyram.errors import ProgrammingError
from pyram.types import DataType

__all__ = [
    "NO_DEFAULT",
    "SQL_TIME_DEFAULTS",
    "CheckConstraint",
    "ColumnSchema",
    "ForeignKey",
    "IndexKind",
    "IndexSpec",
    "OnDelete",
    "TableSchema",
    "UniqueConstraint",
]

IndexKind = Literal["hash", "sorted"]
OnDelete = Literal["restrict", "cascade", "set null"]


class _NoDefault:
    """Sentinel type: the column has no default (distinct from a default of ``None``)."""

    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __bool__(self) -> bool:
        return False


NO_DEFAULT: Any = _NoDefault()


def _current_timestamp() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _current_date() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _current_time() -> dt.time:
    return dt.datetime.now(dt.UTC).time().replace(microsecond=0)


#: The default factories of SQL ``DEFAULT CURRENT_TIMESTAMP`` / ``CURRENT_DATE`` /
#: ``CURRENT_TIME`` (UTC, whole seconds, as SQLite), by keyword: kept here so that a schema
#: written to a file can name them and a loaded schema gets the same functions back.
SQL_TIME_DEFAULTS: dict[str, Callable[[], Any]] = {
    "CURRENT_TIMESTAMP": _current_timestamp,
    "CURRENT_DATE": _current_date,
    "CURRENT_TIME": _current_time,
}


def _as_names(names: Iterable[str]) -> tuple[str, ...]:
    """Column-name sequences are kept as tuples (lists would compare unequal to tuples)."""
    return tuple(names)


@attrs.frozen
class ForeignKey:
    """A foreign key from ``columns`` of this table to ``ref_columns`` of ``ref_table``.

    ``target`` keeps the declaration as written (a callable returning a column, a column, or a
    ``"table.column"`` / ``"table"`` string) until the catalog resolves it when the table is
    created; after that ``ref_table`` and ``ref_columns`` are set.
    """

    columns: tuple[str, ...] = attrs.field(converter=_as_names)
    target: object = None
    ref_table: str = ""
    ref_columns: tuple[str, ...] = attrs.field(default=(), converter=_as_names)
    on_delete: OnDelete = "restrict"

    @property
    def resolved(self) -> bool:
        """True once the referenced table and columns are known."""
        return bool(self.ref_table)


@attrs.frozen
class CheckConstraint:
    """A CHECK constraint.

    ``predicate`` receives the row's user-facing values as a dict keyed by column name for a
    table-level check, or the single value for a column check (``column`` set). Like SQL, the
    check fails only when the predicate returns a false value; a column check is skipped for NULL.

    ``sql`` is the SQL text of the condition for a check made in SQL (``CHECK (sql)``), kept so
    that exported files can carry it and loading can compile it again; None for Python
    predicates, which cannot be written to a file.
    """

    name: str
    predicate: Callable[[Any], object]
    column: str | None = None
    sql: str | None = None


@attrs.frozen
class UniqueConstraint:
    """A UNIQUE (or PRIMARY KEY) constraint over one or more columns."""

    name: str
    columns: tuple[str, ...]
    primary_key: bool = False


@attrs.frozen
class IndexSpec:
    """A declared index: ``kind`` hash (equality) or sorted (equality, ranges, order)."""

    name: str
    columns: tuple[str, ...]
    kind: IndexKind = "sorted"
    unique: bool = False


@attrs.frozen
class ColumnSchema:
    """One column: name, type, nullability and column-level constraints."""

    name: str
    dtype: DataType
    nullable: bool = False
    default: Any = NO_DEFAULT
    default_factory: Callable[[], Any] | None = None
    check: Callable[[Any], object] | None = None

    @property
    def has_default(self) -> bool:
        """True when an omitted value can be filled in."""
        return self.default is not NO_DEFAULT or self.default_factory is not None

    def default_value(self) -> Any:
        """A fresh default value (calls the factory each time)."""
        if self.default_factory is not None:
            return self.default_factory()
        return self.default

    @property
    def sql_type(self) -> str:
        """The SQL type name of this column."""
        return self.dtype.name


@attrs.frozen
class TableSchema:
    """A table's complete definition.

    Attributes:
        name: the table name (SQL identifier, compared case-insensitively).
        columns: columns in declaration order.
        primary_key: primary key column names (may be empty for SQL tables without one).
        uniques: UNIQUE constraints, the primary key's included.
        indexes: every index the table keeps; unique constraints have theirs here too.
        foreign_keys: outgoing foreign keys.
        checks: CHECK constraints (column- and table-level).
        row_class: the model class rows are returned as, or None for tables made in SQL.
        rowid_column: the ``INTEGER PRIMARY KEY`` column that, as in SQLite, takes the next
            integer (one more than the largest) when an INSERT leaves it out or gives NULL.
        cache: the table's expiry and eviction policy (see :mod:`pyram.cache`), or None.
    """

    name: str
    columns: tuple[ColumnSchema, ...]
    primary_key: tuple[str, ...] = ()
    uniques: tuple[UniqueConstraint, ...] = ()
    indexes: tuple[IndexSpec, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    row_class: type | None = None
    rowid_column: str | None = None
    cache: CachePolicy | None = None
    _positions: dict[str, int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        positions = {c.name: i for i, c in enumerate(self.columns)}
        if len(positions) != len(self.columns):
            raise ProgrammingError(f"table {self.name}: duplicate column names")
        object.__setattr__(self, "_positions", positions)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in declaration order."""
        return tuple(c.name for c in self.columns)

    def position(self, column: str) -> int:
        """The 0-based position of a column.

        Raises:
            ProgrammingError: no such column.
        """
        try:
            return self._positions[column]
        except KeyError:
            raise ProgrammingError(f"table {self.name} has no column {column!r}") from None

    def has_column(self, column: str) -> bool:
        """True when the table has a column of that name."""
        return column in self._positions

    def column(self, column: str) -> ColumnSchema:
        """The schema of one column (raises ProgrammingError when missing)."""
        return self.columns[self.position(column)]

    def complete_columns(
        self, given: Mapping[str, Sequence[Any]], count: int
    ) -> list[list[Any]]:
        """Whole rows of ``count`` values, column-wise in table order, from the values of the
        ``given`` columns (names compare case-insensitively); the others take their defaults
        (NULL without one).

        Raises:
            ProgrammingError: a given name is not a column of the table.
        """
        named = {name.lower(): values for name, values in given.items()}
        unknown = named.keys() - {c.name.lower() for c in self.columns}
        if unknown:
            raise ProgrammingError(f"table {self.name} has no column {sorted(unknown)[0]!r}")
        out: list[list[Any]] = []
        for column in self.columns:
            values = named.get(column.name.lower())
            if values is not None:
                out.append(list(values))
            elif column.default_factory is not None:
                out.append([column.default_value() for _ in range(count)])
            else:
                out.append([column.default if column.has_default else None] * count)
        return out

    def index_for(self, columns: tuple[str, ...]) -> IndexSpec | None:
        """An index whose key is exactly ``columns`` (hash preferred), if any."""
        matches = [ix for ix in self.indexes if ix.columns == columns]
        matches.sort(key=lambda ix: ix.kind != "hash")
        return matches[0] if matches else None
