"""The one error tree of PyRAM, shaped like PEP 249's exception hierarchy.

Every layer raises a subclass of :class:`Error`, so callers can catch all PyRAM failures at once
while the PEP 249 driver re-exports the same classes under their standard names. Errors carry the
context a user needs to find the problem: table, column(s) and offending value for constraint
violations; position for SQL errors (added by the SQL front end).

This module is a leaf: it imports nothing from PyRAM.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CapacityError",
    "CorruptFileError",
    "DataError",
    "DatabaseError",
    "Error",
    "HistoryError",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "MultipleResultsFound",
    "NoResultFound",
    "NotSupportedError",
    "OperationalError",
    "PersistenceError",
    "ProgrammingError",
    "SchemaMismatchError",
    "SerializationFailure",
    "Warning",
]


class Warning(Exception):
    """Important warnings (PEP 249 ``Warning``)."""


class Error(Exception):
    """Root of every PyRAM error (PEP 249 ``Error``)."""


class InterfaceError(Error):
    """Misuse of the database interface itself rather than of the database (PEP 249)."""


class DatabaseError(Error):
    """Errors related to the database (PEP 249 ``DatabaseError``)."""


class DataError(DatabaseError):
    """A value has the wrong type or is out of range for its column.

    Attributes:
        table: the table involved, when known.
        column: the column involved, when known.
        value: the offending value, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.table = table
        self.column = column
        self.value = value


class OperationalError(DatabaseError):
    """An error in the database's operation, not caused by the program (PEP 249)."""


class PersistenceError(OperationalError):
    """Reading or writing a database file failed (export, import, snapshot, log, lock).

    The database in memory is left unchanged. The message names the file and the problem.

    Attributes:
        path: the file involved, when known.
        offset: the byte offset (binary files) where the problem was found, when known.
        line: the 1-based line (text files) where the problem was found, when known.
        table: the table being read or written, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        offset: int | None = None,
        line: int | None = None,
        table: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.offset = offset
        self.line = line
        self.table = table


class CorruptFileError(PersistenceError):
    """A file is truncated, damaged, of another format or version, or holds malformed data."""


class SchemaMismatchError(PersistenceError):
    """A stored schema differs from the model classes or tables it is loaded into, or
    ``Database.migrate`` found changes it cannot apply safely.

    Attributes:
        differences: each difference in words (``Database.migrate`` names every one).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        table: str | None = None,
        differences: Sequence[str] = (),
    ) -> None:
        super().__init__(message, path=path, table=table)
        self.differences = tuple(differences)


class SerializationFailure(OperationalError):
    """A transaction conflicts with one committed concurrently; retry it from the start."""


class HistoryError(OperationalError):
    """A read as of a past point that the kept history does not reach: the table keeps no
    history, the point was pruned (older than the retention) or precedes the history's start
    (or the table's last schema change), or it lies in the future."""


class CapacityError(OperationalError):
    """A write would take a cache table past its ``max_rows``/``max_bytes`` and its policy is
    ``evict="none"``: the write is refused and the database is left unchanged."""


class IntegrityError(DatabaseError):
    """A constraint would be violated; the database is left unchanged.

    Attributes:
        table: the table whose constraint failed.
        columns: the constrained column(s).
        value: the offending value (a tuple for composite constraints).
        constraint: the kind of constraint ("primary key", "unique", "not null", "check",
            "foreign key").
    """

    def __init__(
        self,
        message: str,
        *,
        table: str,
        columns: Sequence[str] = (),
        value: object = None,
        constraint: str = "",
    ) -> None:
        super().__init__(message)
        self.table = table
        self.columns = tuple(columns)
        self.value = value
        self.constraint = constraint


class InternalError(DatabaseError):
    """The database hit an internal inconsistency: a PyRAM bug (PEP 249)."""


class ProgrammingError(DatabaseError):
    """API misuse: unknown table or column, bad declaration, wrong arguments (PEP 249)."""


class NoResultFound(ProgrammingError):
    """``one()`` found no row (SQLAlchemy's name; a ProgrammingError, as before it existed)."""


class MultipleResultsFound(ProgrammingError):
    """``one()`` or ``one_or_none()`` found more than one row (SQLAlchemy's name)."""


class NotSupportedError(DatabaseError):
    """A method or feature the database does not support (PEP 249)."""
