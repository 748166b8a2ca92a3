"""SQLSTATE codes for PyRAM's errors, so clients can tell a unique violation (23505) from a
serialization failure (40001) the way they do with PostgreSQL.

The mapping reads the error class first and the error's attributes (an IntegrityError's
``constraint``) second; a few ProgrammingErrors are told apart by their message, which the
binder words the same way every time ("no such table", "no such column").
"""

from __future__ import annotations

from typing import Final

from pyram.errors import (
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    SerializationFailure,
)
from pyram.server.messages import ProtocolViolation

__all__ = ["ServerError", "sqlstate_of"]

_CONSTRAINTS: Final = {
    "primary key": "23505",
    "unique": "23505",
    "not null": "23502",
    "foreign key": "23503",
    "check": "23514",
}

_PROGRAMMING_MESSAGES: Final = (
    ("unrecognized configuration parameter", "42704"),
    ("cannot be changed", "55P02"),
    ("invalid value for parameter", "22023"),
    ("no such table", "42P01"),
    ("no such view", "42P01"),
    ("no such column", "42703"),
    ("no such function", "42883"),
    ("no such index", "42704"),
    ("already exists", "42P07"),
    ("does not fit", "22P02"),
    ("parameter", "08P01"),
)


class ServerError(OperationalError):
    """An error the server itself raises, with its SQLSTATE (cancel, timeout, read-only, ...).

    Attributes:
        sqlstate: the five-character PostgreSQL error code.
        fatal: the connection ends after the error is sent.
    """

    def __init__(self, message: str, sqlstate: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.fatal = fatal


def sqlstate_of(exc: BaseException) -> str:
    """The SQLSTATE a PostgreSQL server would send for ``exc``."""
    if isinstance(exc, ServerError):
        return exc.sqlstate
    if isinstance(exc, ProtocolViolation):
        return "08P01"
    if isinstance(exc, SerializationFailure):
        return "40001"
    if isinstance(exc, IntegrityError):
        return _CONSTRAINTS.get(exc.constraint, "23000")
    if isinstance(exc, DataError):
        return "22000" if "out of range" not in str(exc) else "22003"
    if isinstance(exc, NotSupportedError):
        return "0A000"
    if isinstance(exc, ProgrammingError):
        return _programming_state(exc)
    if isinstance(exc, OperationalError):
        return _operational_state(str(exc))
    if isinstance(exc, InterfaceError | InternalError):
        return "XX000"
    if isinstance(exc, Error):
        return "58000"
    if isinstance(exc, RecursionError | MemoryError):
        return "54001"
    return "XX000"


def _programming_state(exc: ProgrammingError) -> str:
    if type(exc).__name__ == "SqlSyntaxError":
        return "42601"
    text = str(exc).lower()
    for needle, code in _PROGRAMMING_MESSAGES:
        if needle in text:
            return code
    return "42000"


def _operational_state(text: str) -> str:
    lowered = text.lower()
    if "read-only" in lowered:
        return "25006"
    if "locked" in lowered:
        return "55P03"
    if "within a transaction" in lowered:
        return "25001"
    if "no transaction" in lowered:
        return "25P01"
    return "58000"
