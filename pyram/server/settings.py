"""What the server needs of a session's settings (kept in the SQL dialect's
:class:`~pyram.sql.pg_settings.PgSettings`, which ``SET``/``SHOW``/``current_setting()``
read and write): the values reported to clients (ParameterStatus), the statement timeout,
and the isolation clause of ``BEGIN``/``SET TRANSACTION``.
"""

from __future__ import annotations

import re
from typing import Final

from pyram.sql.pg_settings import PgSettings

__all__ = ["REPORTED", "new_settings", "parse_isolation", "reported", "statement_timeout"]

#: Settings a client is told about (ParameterStatus) at startup and when they change, with
#: PostgreSQL's spelling.
REPORTED: Final = (
    "server_version",
    "server_encoding",
    "client_encoding",
    "application_name",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "integer_datetimes",
    "standard_conforming_strings",
    "is_superuser",
    "session_authorization",
    "default_transaction_read_only",
)

_ISOLATION_CLAUSE: Final = re.compile(
    r"ISOLATION\s+LEVEL\s+(READ\s+UNCOMMITTED|READ\s+COMMITTED|REPEATABLE\s+READ|SERIALIZABLE)",
    re.IGNORECASE,
)
_ACCESS_CLAUSE: Final = re.compile(r"READ\s+(ONLY|WRITE)", re.IGNORECASE)
_DURATION: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*", re.IGNORECASE)
_UNITS: Final = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}


def new_settings(user: str, database: str, application_name: str) -> PgSettings:
    """A session's settings as a PostgreSQL server starts them: ``read committed`` is the
    default isolation level, as in PostgreSQL (PyRAM's own default is serializable)."""
    settings = PgSettings(user, database or user)
    settings.set("default_transaction_isolation", "read committed")
    settings.set("application_name", application_name)
    return settings


def reported(settings: PgSettings) -> dict[str, str]:
    """The ParameterStatus values of a session."""
    return {name: settings.values.get(name.lower(), "") for name in REPORTED}


def statement_timeout(settings: PgSettings) -> float | None:
    """``statement_timeout`` in seconds (PostgreSQL's units; a bare number is milliseconds);
    None when 0 or not a duration."""
    match = _DURATION.fullmatch(settings.values.get("statement_timeout", "0"))
    if match is None:
        return None
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "ms").lower()]
    return seconds or None


def parse_isolation(text: str) -> tuple[str | None, bool | None]:
    """The isolation name and read-only flag a ``BEGIN``/``SET TRANSACTION`` clause asks for
    (None where it does not say)."""
    level = _ISOLATION_CLAUSE.search(text)
    name = " ".join(level.group(1).lower().split()) if level else None
    rest = _ISOLATION_CLAUSE.sub("", text)
    access = _ACCESS_CLAUSE.search(rest)
    read_only = None if access is None else access.group(1).upper() == "ONLY"
    return name, read_only
