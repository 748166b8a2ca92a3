"""Tab completion in the interactive shell: dot-commands, their arguments, SQL keywords, table
and column names.

:class:`Completer` answers readline's ``complete(text, state)`` protocol (the one the standard
``cmd`` module uses). What it offers depends on the line so far:

- the first word of a line starting with ``.``: dot-command names;
- the argument of ``.mode``: the modes; of ``.headers``, ``.timer``, ... : ``on``/``off``; of
  ``.schema``, ``.dump``, ``.indexes``, ``.tables``: table names; of ``.open``, ``.read``,
  ``.import``, ``.once``, ``.output``, ``.backup``, ``.restore``, ``.export``: file names;
- anywhere in SQL: keywords, table and view names and column names; after ``name.``, the
  columns of table ``name``.

Keywords come back in the case the word was typed in (upper case when it was empty).
Names are read from the database at each completion, so new tables complete at once.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable
from types import ModuleType

from pyram.shell.commands import COMMANDS
from pyram.shell.core import Shell
from pyram.shell.style import MODES
from pyram.sql import KEYWORDS

__all__ = ["WORD_DELIMITERS", "Completer", "install"]

#: Characters that end a word for completion (``.`` is not one: ``t.col`` is one word, and
#: so is ``.mode`` and a file name).
WORD_DELIMITERS = " \t\n\"'`@$><=;|&{(,)*+-/%"

_SWITCHES = ("on", "off")
_TABLE_ARGUMENT = frozenset({"schema", "dump", "indexes", "tables"})
_FILE_ARGUMENT = frozenset(
    {"open", "read", "import", "once", "output", "backup", "save", "restore", "export"}
)
_SWITCH_ARGUMENT = frozenset({"headers", "timer", "bail", "echo", "explain"})


class Completer:
    """readline's completer for one shell (``complete(text, state)``)."""

    def __init__(self, shell: Shell, line_buffer: Callable[[], str]) -> None:
        self.shell = shell
        self.line_buffer = line_buffer
        self._matches: list[str] = []

    def complete(self, text: str, state: int) -> str | None:
        """The ``state``-th completion of ``text`` (None when there are no more)."""
        if state == 0:
            try:
                self._matches = self.candidates(self.line_buffer(), text)
            except Exception:  # never let a completion bug break the prompt
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None

    def candidates(self, line: str, text: str) -> list[str]:
        """Every completion of the word ``text`` that ends ``line`` (sorted, unique)."""
        before = line[: len(line) - len(text)] if line.endswith(text) else line
        stripped = before.lstrip()
        if stripped == "" and text.startswith("."):
            return _starting(text, (f".{name}" for name in COMMANDS))
        if stripped.startswith("."):
            return self._argument(stripped[1:].split(None, 1)[0].lower(), text)
        return self._sql(text)

    def _argument(self, command: str, text: str) -> list[str]:
        if command == "mode":
            return _starting(text, MODES)
        if command in _SWITCH_ARGUMENT:
            return _starting(text, _SWITCHES)
        if command in _TABLE_ARGUMENT:
            return _starting(text, self._tables(), fold=True)
        if command in _FILE_ARGUMENT:
            return _files(text)
        return []

    def _tables(self) -> list[str]:
        db = self.shell.db
        return [*db.table_names(), *db.view_names()]

    def _sql(self, text: str) -> list[str]:
        if "." in text:  # table.column
            table, _, prefix = text.rpartition(".")
            found = next(
                (t for t in self.shell.db.table_names() if t.lower() == table.lower()), None
            )
            if found is None:
                return []
            columns = self.shell.db.schema(found).column_names
            return [f"{table}.{c}" for c in _starting(prefix, columns, fold=True)]
        upper = text.upper() == text
        keywords = (k if upper else k.lower() for k in KEYWORDS)
        names = list(self._tables())
        for table in self.shell.db.table_names():
            names.extend(self.shell.db.schema(table).column_names)
        return _starting(text, [*keywords, *names], fold=True)


def _starting(text: str, words: Iterable[str], *, fold: bool = False) -> list[str]:
    """The words beginning with ``text`` (ignoring case when ``fold``), sorted, unique."""
    if fold:
        low = text.lower()
        return sorted({w for w in words if w.lower().startswith(low)})
    return sorted({w for w in words if w.startswith(text)})


def _files(text: str) -> list[str]:
    """File and directory names starting with ``text`` (directories end with ``/``)."""
    found = glob.glob(glob.escape(os.path.expanduser(text)) + "*")
    return sorted(f + os.sep if os.path.isdir(f) else f for f in found)


def install(shell: Shell, readline: ModuleType) -> Completer:
    """Make ``readline`` complete for ``shell`` on Tab (GNU readline or libedit)."""
    completer = Completer(shell, readline.get_line_buffer)
    readline.set_completer(completer.complete)
    readline.set_completer_delims(WORD_DELIMITERS)
    if "libedit" in (readline.__doc__ or ""):  # macOS's readline speaks another dialect
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    return completer
