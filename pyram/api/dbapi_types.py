"""PEP 249 type objects and constructors of the DB-API driver (:mod:`pyram.dbapi`).

Type codes in ``cursor.description`` are PyRAM's SQL type names; each type object compares
equal to the names it covers.
"""

from __future__ import annotations

import datetime as _dt
import time as _time

from pyram.types import DataType, registered_types

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "DBAPITypeObject",
    "Date",
    "DateFromTicks",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "type_code",
]


class DBAPITypeObject:
    """A PEP 249 type object: compares equal to every ``description`` type code it covers.

    Type codes are PyRAM's SQL type names (``"INTEGER"``, ``"TEXT"``, ...), so
    ``cursor.description[0][1] == pyram.dbapi.NUMBER`` holds for an INTEGER column.
    """

    __slots__ = ("name", "values")

    def __init__(self, name: str, *values: str) -> None:
        self.name = name
        self.values = frozenset(values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return other is self
        return isinstance(other, str) and other in self.values

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((DBAPITypeObject, self.name))

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name}: {', '.join(sorted(self.values))}>"


def _group(name: str) -> DBAPITypeObject:
    """The type object of every column type whose ``dbapi_group`` is ``name`` (a type says
    which group it reports: :attr:`pyram.types.DataType.dbapi_group`)."""
    return DBAPITypeObject(name, *(t.name for t in registered_types() if t.dbapi_group == name))


#: TEXT columns, and JSON and UUID ones (whose SQL forms are strings).
STRING = _group("STRING")
#: BLOB columns.
BINARY = _group("BINARY")
#: INTEGER, REAL, DECIMAL and BOOLEAN columns (and enums stored as integers).
NUMBER = _group("NUMBER")
#: DATE, TIME, TIMESTAMP, TIMESTAMPTZ and INTERVAL columns.
DATETIME = _group("DATETIME")
#: PyRAM has no separate row-id type: an ``INTEGER PRIMARY KEY`` column reports NUMBER.
ROWID = DBAPITypeObject("ROWID", "ROWID")

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime


def DateFromTicks(ticks: float) -> _dt.date:
    """The local date of a POSIX timestamp."""
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:
    """The local time of day of a POSIX timestamp (whole seconds)."""
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    """The naive local date and time of a POSIX timestamp (whole seconds)."""
    return Timestamp(*_time.localtime(ticks)[:6])


def Binary(data: bytes | bytearray | memoryview) -> bytes:
    """A value for a BLOB column."""
    return bytes(data)


def type_code(dtype: DataType) -> str | None:
    """The ``description`` type code of a column type: its SQL name; None for a bare NULL."""
    return None if dtype.family == "null" else dtype.name
