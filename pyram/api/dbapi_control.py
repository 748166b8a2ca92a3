"""Transaction control and statement handling of the DB-API driver (:mod:`pyram.dbapi`).

What a connection and its cursors decide before running SQL, as sqlite3 does: whether a
statement is DML (an implicit ``BEGIN`` precedes it), the isolation level and autocommit
settings, and the shape of parameter sets (including the chunks ``executemany`` hands the bulk
insert path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

from pyram.errors import ProgrammingError
from pyram.sql import ast, parse
from pyram.storage import Store

__all__ = [
    "BULK_CHUNK",
    "LEGACY_TRANSACTION_CONTROL",
    "begin_sql",
    "bulk_params",
    "check_autocommit",
    "check_isolation_level",
    "check_params",
    "classify",
    "owns_transaction",
]

#: ``autocommit`` value selecting the ``isolation_level`` rules (the default, as in sqlite3).
LEGACY_TRANSACTION_CONTROL: Final = -1

_ISOLATION_LEVELS = ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE")


@lru_cache(maxsize=512)
def classify(sql: str) -> tuple[int, bool]:
    """(number of statements, whether the only statement is INSERT/UPDATE/DELETE/REPLACE)."""
    statements = parse(sql)
    dml = len(statements) == 1 and isinstance(statements[0], ast.Insert | ast.Update | ast.Delete)
    return len(statements), dml


def check_params(params: Any) -> Any:
    kind = type(params)
    if kind is tuple or kind is list or kind is dict or params is None:
        return params
    if isinstance(params, Mapping) or (
        isinstance(params, Sequence) and not isinstance(params, str | bytes | bytearray)
    ):
        return params
    raise ProgrammingError(
        f"parameters must be a sequence (for ? markers) or a mapping (for :name markers), "
        f"not {kind.__name__}"
    )


#: Parameter sets an ``executemany`` INSERT hands the store at once (one engine batch).
BULK_CHUNK = 16_384


def bulk_params(parameters: Any) -> dict[str | int, Any]:
    """One parameter set as the bulk insert takes it (keys as the statement names them)."""
    kind = type(parameters)
    if kind is tuple or kind is list:
        return dict(enumerate(parameters))
    if kind is dict:
        return {str(k).lstrip(":@$"): v for k, v in parameters.items()}
    raise ProgrammingError("not a plain parameter set")  # the set-by-set path says more


def owns_transaction(store: Store) -> bool:
    """True when the store has a transaction open and it belongs to the calling thread."""
    return store.in_transaction


def check_isolation_level(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"isolation_level must be a string or None, not {type(value).__name__}")
    if value.upper() not in _ISOLATION_LEVELS:
        raise ValueError(
            "isolation_level string must be '', 'DEFERRED', 'IMMEDIATE', or 'EXCLUSIVE'"
        )
    return value.upper()


def check_autocommit(value: bool | int) -> bool | int:
    if value is True or value is False or value == LEGACY_TRANSACTION_CONTROL:
        return value if isinstance(value, bool) else LEGACY_TRANSACTION_CONTROL
    raise ValueError("autocommit must be True, False, or pyram.dbapi.LEGACY_TRANSACTION_CONTROL")


def begin_sql(level: str | None) -> str | None:
    return None if level is None else f"BEGIN {level}".rstrip()
