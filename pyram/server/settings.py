"""The run-time settings of one server session (``SET``/``SHOW``/``RESET``) and the
ParameterStatus values the server reports at startup.

Clients send settings PostgreSQL knows (``SET TIME ZONE``, ``SET application_name``,
``SET extra_float_digits``); each session keeps what it was told and reports it back with
``SHOW``. Only a few change behaviour here (``statement_timeout``, the isolation defaults);
the rest are remembered so clients see the values they set.
"""

from __future__ import annotations

import re
from typing import Final

from pyram.server.sqlstate import ServerError
from pyram.txn import Isolation

__all__ = ["ISOLATION_NAMES", "REPORTED", "Settings", "parse_isolation"]

SERVER_VERSION: Final = "15.0"

#: Settings a client is told about (ParameterStatus) at startup and when they change.
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
    "in_hot_standby",
)

_DEFAULTS: Final = {
    "server_version": SERVER_VERSION,
    "server_version_num": "150000",
    "server_encoding": "UTF8",
    "client_encoding": "UTF8",
    "application_name": "",
    "datestyle": "ISO, MDY",
    "intervalstyle": "postgres",
    "timezone": "UTC",
    "integer_datetimes": "on",
    "standard_conforming_strings": "on",
    "is_superuser": "on",
    "session_authorization": "",
    "default_transaction_read_only": "off",
    "in_hot_standby": "off",
    "transaction_isolation": "read committed",
    "default_transaction_isolation": "read committed",
    "transaction_read_only": "off",
    "statement_timeout": "0",
    "lock_timeout": "0",
    "idle_in_transaction_session_timeout": "0",
    "search_path": '"$user", public',
    "extra_float_digits": "1",
    "max_identifier_length": "63",
    "bytea_output": "hex",
}

#: PostgreSQL's isolation names -> PyRAM's levels (repeatable read is snapshot isolation in
#: both systems).
ISOLATION_NAMES: Final[dict[str, Isolation]] = {
    "read uncommitted": "read_committed",
    "read committed": "read_committed",
    "repeatable read": "snapshot",
    "serializable": "serializable",
}

_CANONICAL: Final = {
    "datestyle": "DateStyle",
    "intervalstyle": "IntervalStyle",
    "timezone": "TimeZone",
}

_ISOLATION_CLAUSE: Final = re.compile(
    r"ISOLATION\s+LEVEL\s+(READ\s+UNCOMMITTED|READ\s+COMMITTED|REPEATABLE\s+READ|SERIALIZABLE)",
    re.IGNORECASE,
)
_ACCESS_CLAUSE: Final = re.compile(r"READ\s+(ONLY|WRITE)", re.IGNORECASE)


def parse_isolation(text: str) -> tuple[str | None, bool | None]:
    """The isolation name and read-only flag a ``BEGIN``/``SET TRANSACTION`` clause asks for
    (None where it does not say)."""
    level = _ISOLATION_CLAUSE.search(text)
    name = " ".join(level.group(1).lower().split()) if level else None
    rest = _ISOLATION_CLAUSE.sub("", text)
    access = _ACCESS_CLAUSE.search(rest)
    read_only = None if access is None else access.group(1).upper() == "ONLY"
    return name, read_only


class Settings:
    """One session's settings, by lower-cased name."""

    def __init__(self, user: str, application_name: str = "") -> None:
        self._values = dict(_DEFAULTS)
        self._values["session_authorization"] = user
        self._values["application_name"] = application_name

    def get(self, name: str) -> str:
        """A setting's value.

        Raises:
            ServerError: 42704, PostgreSQL knows no such setting and nobody set it.
        """
        key = name.lower()
        if key not in self._values:
            raise ServerError(f'unrecognized configuration parameter "{name}"', "42704")
        return self._values[key]

    def set(self, name: str, value: str) -> None:
        """Set a setting (unknown names are kept, as placeholder variables)."""
        key = name.lower()
        if key == "transaction_isolation" or key == "default_transaction_isolation":
            if value.lower() not in ISOLATION_NAMES:
                raise ServerError(f'invalid value for parameter "{name}": "{value}"', "22023")
            value = value.lower()
        if key == "statement_timeout":
            self.timeout_seconds(value)  # validates
        self._values[key] = value

    def reset(self, name: str | None) -> None:
        """RESET one setting, or all of them (``None``)."""
        if name is None:
            keep = ("session_authorization", "application_name")
            kept = {k: self._values[k] for k in keep}
            self._values = {**_DEFAULTS, **kept}
        elif name.lower() in _DEFAULTS:
            self._values[name.lower()] = _DEFAULTS[name.lower()]
        else:
            self._values.pop(name.lower(), None)

    def items(self) -> list[tuple[str, str]]:
        """(name, value) of every setting, sorted by name (``SHOW ALL``)."""
        return sorted((self.display_name(k), v) for k, v in self._values.items())

    def reported(self) -> list[tuple[str, str]]:
        """The ParameterStatus pairs a client gets at startup."""
        return [(name, self._values[name.lower()]) for name in REPORTED]

    @staticmethod
    def display_name(key: str) -> str:
        """A setting's name as PostgreSQL spells it (``TimeZone``, ``DateStyle``)."""
        return _CANONICAL.get(key.lower(), key.lower())

    def statement_timeout(self) -> float | None:
        """``statement_timeout`` in seconds, None when off."""
        return self.timeout_seconds(self._values["statement_timeout"])

    @staticmethod
    def timeout_seconds(value: str) -> float | None:
        """A PostgreSQL duration (``500``, ``500ms``, ``2s``, ``1min``) in seconds; None for 0.

        Raises:
            ServerError: 22023, not a duration.
        """
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*", value, re.IGNORECASE)
        if match is None:
            raise ServerError(f"invalid duration: {value!r}", "22023")
        number = float(match.group(1))
        scale = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}[(match.group(2) or "ms").lower()]
        return number * scale or None
