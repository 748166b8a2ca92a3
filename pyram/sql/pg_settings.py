"""The settings of one PostgreSQL-dialect session: what ``SHOW``, ``SET``, ``RESET``,
``current_setting()`` and ``pg_settings`` read and write.

PyRAM behaves the same whatever most of them say (dates are ISO, text is UTF-8, the time zone
is UTC), so they are kept as text for the clients that set and read them back; the few that
mean something are checked: ``client_encoding`` must be UTF-8, ``standard_conforming_strings``
``on``; ``transaction_isolation`` and ``default_transaction_isolation`` name PyRAM's levels in
PostgreSQL's words. An unknown name is an error on ``SHOW`` (as in PostgreSQL) and accepted by
``SET`` when it has a dot (``myapp.user_id``: a custom setting).

>>> s = PgSettings(user="ann")
>>> s.set("application_name", "web"); s.show("application_name")
'web'
>>> s.reset("application_name"); s.show("application_name")
''
"""

from __future__ import annotations

from pyram.errors import ProgrammingError
from pyram.types.pg_types import PG_SERVER_VERSION

__all__ = ["PG_SERVER_VERSION", "PgSettings", "isolation_name", "isolation_level"]


_DEFAULTS = {
    "server_version": PG_SERVER_VERSION,
    "server_version_num": "150000",
    "server_encoding": "UTF8",
    "client_encoding": "UTF8",
    "standard_conforming_strings": "on",
    "integer_datetimes": "on",
    "datestyle": "ISO, MDY",
    "intervalstyle": "postgres",
    "timezone": "UTC",
    "search_path": '"$user", public',
    "application_name": "",
    "extra_float_digits": "1",
    "default_transaction_isolation": "serializable",
    "default_transaction_read_only": "off",
    "transaction_read_only": "off",
    "is_superuser": "on",
    "max_identifier_length": "63",
    "lc_collate": "C",
    "lc_ctype": "C",
    "statement_timeout": "0",
    "idle_in_transaction_session_timeout": "0",
    "lock_timeout": "0",
    "bytea_output": "hex",
    "client_min_messages": "notice",
    "row_security": "on",
    "jit": "off",
}
# PyRAM's isolation levels in PostgreSQL's words (REPEATABLE READ is PyRAM's snapshot).
_ISOLATION_NAMES = {
    "serializable": "serializable",
    "snapshot": "repeatable read",
    "read_committed": "read committed",
}
_READ_ONLY_SETTINGS = frozenset(
    {"server_version", "server_version_num", "server_encoding", "integer_datetimes",
     "is_superuser", "max_identifier_length", "lc_collate", "lc_ctype", "session_authorization",
     "database"}
)  # fmt: skip


def isolation_name(level: str) -> str:
    """PostgreSQL's name of PyRAM's isolation level ``level``."""
    return _ISOLATION_NAMES.get(level, level)


def isolation_level(name: str) -> str:
    """PyRAM's isolation level for PostgreSQL's name ``name`` (``read uncommitted`` is read
    committed, as in PostgreSQL).

    Raises:
        ProgrammingError: not an isolation level.
    """
    level = _LEVELS.get(name)
    if level is None:
        level = _isolation_level(name)
        if len(_LEVELS) < 256:  # spellings seen: a session asks on every statement
            _LEVELS[name] = level
    return level


_LEVELS: dict[str, str] = {}


def _isolation_level(name: str) -> str:
    key = " ".join(name.lower().replace("_", " ").split())
    if key == "read uncommitted":
        key = "read committed"
    for level, pg_name in _ISOLATION_NAMES.items():
        if key in (pg_name, level.replace("_", " ")):
            return level
    raise ProgrammingError(f'invalid value for parameter "transaction_isolation": "{name}"')


class PgSettings:
    """One session's settings (names are case-insensitive)."""

    def __init__(self, user: str = "pyram", database: str = "pyram") -> None:
        self._defaults = dict(_DEFAULTS, session_authorization=user, database=database)
        self.values: dict[str, str] = dict(self._defaults)
        #: the isolation level of the open transaction (None: no transaction)
        self.transaction_isolation: str | None = None

    def show(self, name: str) -> str:
        """The value of ``name``.

        Raises:
            ProgrammingError: no such setting.
        """
        key = name.lower()
        if key == "transaction_isolation":
            level = self.transaction_isolation or self.values["default_transaction_isolation"]
            return isolation_name(isolation_level(level))
        if key not in self.values:
            raise ProgrammingError(f'unrecognized configuration parameter "{name}"')
        return self.values[key]

    def set(self, name: str, value: str | None) -> None:
        """``SET name = value`` (None: ``DEFAULT``).

        Raises:
            ProgrammingError: an unknown or read-only setting, or a value PyRAM cannot honour.
        """
        key = name.lower()
        if key in _READ_ONLY_SETTINGS:
            raise ProgrammingError(f'parameter "{name}" cannot be changed')
        if key not in self._defaults and "." not in key:
            raise ProgrammingError(f'unrecognized configuration parameter "{name}"')
        if value is None:
            self.values[key] = self._defaults.get(key, "")
            return
        self._check(key, value)
        if key in ("default_transaction_isolation", "transaction_isolation"):
            value = isolation_name(isolation_level(value))
        self.values[key] = value

    def _check(self, key: str, value: str) -> None:
        word = value.lower().replace("-", "").replace("_", "")
        if key == "client_encoding" and word not in ("utf8", "unicode"):
            raise ProgrammingError(f"PyRAM sends UTF-8 only, not {value}")
        if key == "standard_conforming_strings" and word not in ("on", "true", "1"):
            raise ProgrammingError("standard_conforming_strings is always on in PyRAM")

    def reset(self, name: str) -> None:
        """``RESET name`` (``"all"``: every setting)."""
        if name.lower() == "all":
            self.values = dict(self._defaults)
            return
        self.set(name, None)

    def snapshot(self) -> dict[str, str]:
        """A copy of the values (what a statement's binding sees)."""
        values = dict(self.values)
        values["transaction_isolation"] = self.show("transaction_isolation")
        return values
