"""The result of running SQL: :class:`SqlResult`, returned by :meth:`pyram.Database.sql`, and
:class:`Row`, its rows.

The method names are SQLAlchemy's (``all``, ``first``, ``one``, ``one_or_none``, ``scalar``,
``scalars``, ``mappings``, ``keys``, ``columns``, ``partitions``), so code written against a
SQLAlchemy ``Result`` reads a PyRAM one. Rows are :class:`Row` objects: tuples (they compare,
unpack and index as tuples) that also answer ``row.name`` and ``row["name"]``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, ClassVar, TypeVar

from pyram.errors import MultipleResultsFound, NoResultFound, ProgrammingError
from pyram.types import DataType

__all__ = ["ResultList", "Row", "SqlResult"]

T = TypeVar("T")


class Row(tuple[Any, ...]):
    """A result row: a tuple with access by column name (``row.name``, ``row["name"]``).

    Rows of one result share one class holding the column positions, so building a row costs
    what building a tuple does. ``Row`` also works as a DB-API ``row_factory`` (called as
    ``Row(cursor, values)``, like ``sqlite3.Row``)::

        con.row_factory = pyram.Row

    Example:
        >>> import pyram
        >>> row = pyram.Database().sql("SELECT 1 AS a, 'x' AS b").one()
        >>> row, row.a, row["b"], row._asdict()
        ((1, 'x'), 1, 'x', {'a': 1, 'b': 'x'})
    """

    __slots__ = ()
    #: column name -> position (per result shape; the first of duplicated names wins)
    _positions: ClassVar[dict[str, int]] = {}
    #: column names in order
    _fields: ClassVar[tuple[str, ...]] = ()

    def __new__(cls, cursor: Any, values: Iterable[Any] | None = None) -> Row:
        if values is None:  # Row(values): a row without names
            return super().__new__(cls, cursor)
        # Row(cursor, values): the DB-API row_factory protocol, names from the description
        names = tuple(d[0] for d in (cursor.description or ()))
        return super().__new__(row_class(names), values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[type(self)._positions[name]]
        except KeyError:
            raise AttributeError(f"row has no column {name!r}") from None

    def __getitem__(self, key: Any) -> Any:
        if type(key) is str:
            try:
                key = type(self)._positions[key]
            except KeyError:
                raise IndexError(f"no column named {key!r}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names (as ``sqlite3.Row.keys``)."""
        return list(type(self)._fields)

    def _asdict(self) -> dict[str, Any]:
        """The row as a dict keyed by column name."""
        return dict(zip(type(self)._fields, self, strict=True))

    @property
    def _mapping(self) -> dict[str, Any]:
        """The row as a dict keyed by column name (SQLAlchemy's ``Row._mapping``)."""
        return self._asdict()


_row_classes: dict[tuple[str, ...], type[Row]] = {}


def row_class(names: tuple[str, ...]) -> type[Row]:
    """The :class:`Row` class for results with columns ``names`` (made once per shape)."""
    cls = _row_classes.get(names)
    if cls is None:
        positions: dict[str, int] = {}
        for i, name in enumerate(names):
            positions.setdefault(name, i)
        cls = type("Row", (Row,), {"__slots__": (), "_positions": positions, "_fields": names})
        if len(_row_classes) < 1024:  # shapes are few; bound the memo all the same
            _row_classes[names] = cls
    return cls


#: from this many rows on, rows are built with the cycle collector paused (see _make_rows)
_PAUSE_GC_ROWS = 5_000


def _make_rows(names: tuple[str, ...], rows: Iterable[tuple[Any, ...]], count: int) -> list[Row]:
    """The ``count`` ``rows`` as :class:`Row` objects of the shape ``names``, in one batch
    (``rows`` may be a ``zip`` over columns: no tuple per row is kept besides the Row).

    Row objects cannot be untracked by the cycle collector as plain tuples of numbers and
    strings are, so 100,000 new ones set off collections that walk every live object again
    and again (three quarters of the time, measured; sqlite3.Row pays it too). Rows make no
    cycles: a large batch is built with the collector paused, and it is resumed after
    unless it was off already.
    """
    # map() over a repeated class runs the loop in C (about 10% less than a comprehension)
    make = tuple.__new__
    classes = repeat(row_class(names), count)
    if count < _PAUSE_GC_ROWS or not gc.isenabled():
        return list(map(make, classes, rows))
    gc.disable()
    try:
        return list(map(make, classes, rows))
    finally:
        gc.enable()


class ResultList(list[T]):
    """A list of results (what ``scalars()`` and ``mappings()`` return) with SQLAlchemy's
    ``all()``, ``first()``, ``one()`` and ``one_or_none()``."""

    def all(self) -> list[T]:
        """Every item, as a plain list."""
        return list(self)

    def first(self) -> T | None:
        """The first item, or None."""
        return self[0] if self else None

    def one(self) -> T:
        """The only item. Raises NoResultFound or MultipleResultsFound otherwise."""
        return _one(self)

    def one_or_none(self) -> T | None:
        """The only item or None. Raises MultipleResultsFound for more than one."""
        return _one_or_none(self)


def _one(items: Sequence[T]) -> T:
    if not items:
        raise NoResultFound("expected exactly one row, got none")
    if len(items) > 1:
        raise MultipleResultsFound(f"expected exactly one row, got {len(items)}")
    return items[0]


def _one_or_none(items: Sequence[T]) -> T | None:
    if len(items) > 1:
        raise MultipleResultsFound(f"expected at most one row, got {len(items)}")
    return items[0] if items else None


class _Columns(tuple[str, ...]):
    """The output names (a tuple, as before); calling it as SQLAlchemy's
    ``result.columns("a", "b")`` gives a result limited to those columns."""

    _result: SqlResult

    def __call__(self, *names: str | int) -> SqlResult:
        return self._result._columns(names)


class SqlResult:
    """Rows and metadata of one SQL statement (the last one of a script).

    Attributes:
        columns: output column names, as SQLite names them (empty for statements); call it
            (``result.columns("a", "b")``) for a result with only those columns.
        types: the type of each output column.
        rowcount: rows changed by INSERT/UPDATE/DELETE, -1 for other statements.
        lastrowid: for INSERT into a table with an ``INTEGER PRIMARY KEY``, that key of the last
            row inserted; otherwise None.
        key_lookup: True when the statement ran as a point lookup (one probe of a primary key
            or unique index: its cost does not grow with the table). The server runs such
            reads on its event loop instead of handing them to the session's thread.

    Example:
        >>> import pyram
        >>> db = pyram.Database()
        >>> _ = db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        >>> db.sql("INSERT INTO t (name) VALUES (?), (?)", ["a", "b"]).lastrowid
        2
        >>> db.sql("SELECT name FROM t ORDER BY id").all()
        [('a',), ('b',)]
        >>> db.sql("SELECT id, name FROM t WHERE id = 2").one().name
        'b'
        >>> db.sql("SELECT name FROM t ORDER BY id").scalars().all()
        ['a', 'b']
    """

    __slots__ = ("_data", "_raw", "columns", "key_lookup", "lastrowid", "rowcount", "types")

    def __init__(
        self,
        columns: tuple[str, ...] = (),
        types: tuple[DataType, ...] = (),
        rows: list[tuple[Any, ...]] | None = None,
        rowcount: int = -1,
        lastrowid: int | None = None,
        key_lookup: bool = False,
        data: tuple[list[list[Any]], int] | None = None,
    ) -> None:
        names = _Columns(columns)
        names._result = self
        self.columns: tuple[str, ...] = names
        self.types = types
        #: the rows as plain tuples (the DB-API cursor reads these)
        self._raw: list[tuple[Any, ...]] | None = rows if rows is not None or data else []
        #: (columns, row count): a query's rows as columns, until tuples are asked for; Rows
        #: are built straight from them, with no tuple per row in between
        self._data = data
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.key_lookup = key_lookup

    @property
    def raw_rows(self) -> list[tuple[Any, ...]]:
        """The rows as plain tuples (no names): the cheapest form."""
        if self._raw is None:
            columns, count = self._data or ([], 0)
            self._raw = list(zip(*columns, strict=True)) if count else []
            self._data = None
        return self._raw

    def all(self) -> list[Row]:
        """Every row."""
        if self._raw is None and self._data is not None:
            columns, count = self._data
            rows = zip(*columns, strict=True) if count else iter(())
            return _make_rows(tuple(self.columns), rows, count)
        return _make_rows(tuple(self.columns), self.raw_rows, len(self.raw_rows))

    def first(self) -> Row | None:
        """The first row, or None when there is none."""
        if not len(self):
            return None
        return _make_rows(tuple(self.columns), [self._row(0)], 1)[0]

    def one(self) -> Row:
        """The only row.

        Raises:
            NoResultFound: no row (a ProgrammingError).
            MultipleResultsFound: more than one row (a ProgrammingError).
        """
        return _make_rows(tuple(self.columns), [_one(self.raw_rows)], 1)[0]

    def one_or_none(self) -> Row | None:
        """The only row, or None when there is none.

        Raises:
            MultipleResultsFound: more than one row.
        """
        row = _one_or_none(self.raw_rows)
        return None if row is None else _make_rows(tuple(self.columns), [row], 1)[0]

    def scalar(self) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self._row(0) if len(self) else ()
        return row[0] if row else None

    def scalar_one(self) -> Any:
        """The first column of the only row (NoResultFound / MultipleResultsFound otherwise)."""
        return _one(self.raw_rows)[0]

    def scalars(self, column: int | str = 0) -> ResultList[Any]:
        """One column's values (the first by default, or by position or name)."""
        index = self._index(column)
        if self._raw is None and self._data is not None:
            return ResultList(self._data[0][index])  # the column itself, copied
        return ResultList(row[index] for row in self.raw_rows)

    def mappings(self) -> ResultList[dict[str, Any]]:
        """Every row as a dict keyed by column name (a list with ``all()``, ``first()``...)."""
        names = tuple(self.columns)
        return ResultList(dict(zip(names, row, strict=True)) for row in self.raw_rows)

    def keys(self) -> list[str]:
        """The output column names."""
        return list(self.columns)

    def partitions(self, size: int | None = None) -> Iterator[list[Row]]:
        """The rows in lists of ``size`` (default: all in one list), as SQLAlchemy's."""
        rows = self.all()
        step = size if size is not None and size > 0 else max(len(rows), 1)
        for start in range(0, len(rows), step):
            yield rows[start : start + step]

    def _index(self, column: int | str) -> int:
        if isinstance(column, str):
            if column not in self.columns:
                raise ProgrammingError(f"no column named {column!r} in the result")
            return self.columns.index(column)
        if not -len(self.columns) <= column < len(self.columns):
            raise ProgrammingError(f"no column {column} in a result of {len(self.columns)}")
        return column

    def _columns(self, names: Sequence[str | int]) -> SqlResult:
        positions = [self._index(n) for n in names]
        return SqlResult(
            tuple(self.columns[p] for p in positions),
            tuple(self.types[p] for p in positions if p < len(self.types)),
            [tuple(row[p] for p in positions) for row in self.raw_rows],
            self.rowcount,
            self.lastrowid,
        )

    def __iter__(self) -> Iterator[Row]:
        return iter(self.all())

    def _row(self, index: int) -> tuple[Any, ...]:
        """One row as a tuple, without making the others."""
        if self._raw is None and self._data is not None:
            return tuple(column[index] for column in self._data[0])
        return self.raw_rows[index]

    def __len__(self) -> int:
        if self._raw is None and self._data is not None:
            return self._data[1]
        return len(self.raw_rows)

    def __repr__(self) -> str:
        if self.columns:
            return f"<SqlResult {len(self)} rows: {', '.join(self.columns)}>"
        return f"<SqlResult rowcount={self.rowcount}>"
