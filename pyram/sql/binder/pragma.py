"""``PRAGMA`` statements: the introspection pragmas read SQLite's catalogue (see
:mod:`pyram.sql.binder.system`); a few settings pragmas report what PyRAM does.

PyRAM's settings are fixed by how a database is opened, so a settings pragma never changes
anything: reading one reports the setting; assigning one is accepted when it asks for what
PyRAM does anyway, and for ``journal_mode``/``busy_timeout`` (whose result is the setting in
effect, as in SQLite) whatever is asked. ``PRAGMA foreign_keys = OFF`` is refused: PyRAM always
enforces foreign keys. Every other pragma is an error naming it.
"""

from __future__ import annotations

from pyram.sql.binder.system import SystemTable
from pyram.types import INTEGER, TEXT, DataType

__all__ = ["SETTINGS_PRAGMAS", "setting_table"]

_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"0", "off", "false", "no"})
_SYNCHRONOUS = {"0": "off", "1": "normal", "2": "full", "3": "extra"}

#: Settings pragmas: name -> type of the value they report.
SETTINGS_PRAGMAS: dict[str, DataType] = {
    "foreign_keys": INTEGER,
    "journal_mode": TEXT,
    "synchronous": INTEGER,
    "busy_timeout": INTEGER,
    "encoding": TEXT,
    "read_uncommitted": INTEGER,
}


class PragmaRefused(Exception):
    """An assignment PyRAM cannot honour; the binder reports it with its position."""


def _current(name: str, settings: dict[str, object]) -> object:
    if name == "foreign_keys":
        return 1
    if name == "encoding":
        return "UTF-8"
    if name == "read_uncommitted":
        return 0  # readers see committed snapshots only
    return settings[name]


def _check_assignment(name: str, value: str, current: object) -> None:
    """Refuse an assignment asking for something else than what PyRAM does."""
    word = value.lower()
    if name == "foreign_keys" and word not in _TRUE:
        raise PragmaRefused("PyRAM always enforces foreign keys (foreign_keys cannot be OFF)")
    if name == "encoding" and word.replace("-", "") != "utf8":
        raise PragmaRefused("PyRAM text is always UTF-8")
    if name == "synchronous" and _SYNCHRONOUS.get(word, word) != _SYNCHRONOUS[str(current)]:
        raise PragmaRefused(
            "synchronous is fixed when the database is opened: pass durability= to "
            "pyram.Database or pyram.connect"
        )
    if name == "read_uncommitted" and word not in _TRUE | _FALSE:
        raise PragmaRefused(f"read_uncommitted takes a boolean, not {value!r}")


def setting_table(name: str, value: str | None, settings: dict[str, object]) -> SystemTable:
    """The result of ``PRAGMA name`` (``value`` None) or ``PRAGMA name = value``.

    Raises:
        PragmaRefused: the assignment asks for something PyRAM does not do.
    """
    column = "timeout" if name == "busy_timeout" else name
    columns = ((column, SETTINGS_PRAGMAS[name]),)
    current = _current(name, settings)
    if value is None:
        return SystemTable(columns, [(current,)])
    _check_assignment(name, value, current)
    if name in ("journal_mode", "busy_timeout"):
        return SystemTable(columns, [(current,)])  # SQLite reports the setting in effect
    return SystemTable(columns, [])
