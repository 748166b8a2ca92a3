"""The result of running SQL: :class:`SqlResult`, returned by :meth:`pyram.Database.sql`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyram.errors import ProgrammingError
from pyram.types import DataType

__all__ = ["SqlResult"]


class SqlResult:
    """Rows and metadata of one SQL statement (the last one of a script).

    Attributes:
        columns: output column names, as SQLite names them (empty for statements).
        types: the type of each output column.
        rowcount: rows changed by INSERT/UPDATE/DELETE, -1 for other statements.
        lastrowid: for INSERT into a table with an ``INTEGER PRIMARY KEY``, that key of the last
            row inserted; otherwise None.

    Example:
        >>> import pyram
        >>> db = pyram.Database()
        >>> _ = db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        >>> db.sql("INSERT INTO t (name) VALUES (?), (?)", ["a", "b"]).lastrowid
        2
        >>> db.sql("SELECT name FROM t ORDER BY id").all()
        [('a',), ('b',)]
    """

    __slots__ = ("_rows", "columns", "lastrowid", "rowcount", "types")

    def __init__(
        self,
        columns: tuple[str, ...] = (),
        types: tuple[DataType, ...] = (),
        rows: list[tuple[Any, ...]] | None = None,
        rowcount: int = -1,
        lastrowid: int | None = None,
    ) -> None:
        self.columns = columns
        self.types = types
        self._rows: list[tuple[Any, ...]] = rows if rows is not None else []
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def all(self) -> list[tuple[Any, ...]]:
        """Every row, as tuples."""
        return list(self._rows)

    def mappings(self) -> list[dict[str, Any]]:
        """Every row as a dict keyed by column name (generic records)."""
        names = self.columns
        return [dict(zip(names, row, strict=True)) for row in self._rows]

    def first(self) -> tuple[Any, ...] | None:
        """The first row, or None when there is none."""
        return self._rows[0] if self._rows else None

    def one(self) -> tuple[Any, ...]:
        """The only row.

        Raises:
            ProgrammingError: no row or more than one.
        """
        if len(self._rows) != 1:
            raise ProgrammingError(f"expected exactly one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        """The first column of the first row, or None when there is no row."""
        return self._rows[0][0] if self._rows and self._rows[0] else None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        if self.columns:
            return f"<SqlResult {len(self._rows)} rows: {', '.join(self.columns)}>"
        return f"<SqlResult rowcount={self.rowcount}>"
