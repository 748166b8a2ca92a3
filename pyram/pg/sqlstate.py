"""PostgreSQL errors -> PyRAM's error tree, by SQLSTATE class.

Part of the PostgreSQL backend: every driver call goes through :func:`translated`, so an
application catches the same :mod:`pyram.errors` classes on both backends. SQLSTATE 40001
(serialization failure) and 40P01 (deadlock) become :class:`~pyram.SerializationFailure`,
exactly the error the in-memory engine raises when a serializable transaction must retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from pyram.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    SerializationFailure,
)

__all__ = ["translate", "translated"]

_RETRY = frozenset({"40001", "40P01"})
# integrity SQLSTATEs -> IntegrityError.constraint, in PyRAM's words
_CONSTRAINTS = {
    "23502": "not null",
    "23503": "foreign key",
    "23505": "unique",
    "23514": "check",
}
# SQLSTATE class (first two characters) -> PyRAM error
_CLASSES: dict[str, type[Error]] = {
    "21": ProgrammingError,  # cardinality: ON CONFLICT DO UPDATE meets a row twice
    "22": DataError,
    "0A": NotSupportedError,
    "42": ProgrammingError,
    "25": ProgrammingError,
    "08": OperationalError,
    "53": OperationalError,
    "55": OperationalError,
    "57": OperationalError,
    "40": OperationalError,
    "XX": InternalError,
}


def translate(exc: psycopg.Error) -> Error:
    """The PyRAM error for a driver error (message and SQLSTATE kept)."""
    state = exc.sqlstate or ""
    message = str(exc).strip() or type(exc).__name__
    if state:
        message = f"{message} (SQLSTATE {state})"
    if state in _RETRY:
        return SerializationFailure(message)
    if state.startswith("23"):
        diag = exc.diag
        return IntegrityError(
            message,
            table=diag.table_name or "",
            columns=(diag.column_name,) if diag.column_name else (),
            constraint=_CONSTRAINTS.get(state, ""),
        )
    kind = _CLASSES.get(state[:2])
    if kind is None:
        kind = OperationalError if isinstance(exc, psycopg.OperationalError) else DatabaseError
    return kind(message)


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise driver errors inside the block as PyRAM errors."""
    try:
        yield
    except psycopg.Error as exc:
        raise translate(exc) from exc
