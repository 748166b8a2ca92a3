"""The shell's output settings: the mode (sqlite3's fourteen) and :class:`Style`, which adds
``.headers``, ``.nullvalue``, ``.separator`` and the table name of ``.mode insert TABLE``."""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

__all__ = ["DEFAULT_SEPARATORS", "MODES", "Mode", "Style"]

Mode = Literal[
    "table",
    "box",
    "markdown",
    "column",
    "list",
    "csv",
    "tabs",
    "ascii",
    "html",
    "insert",
    "quote",
    "json",
    "line",
    "tcl",
]
#: The output modes, in the order ``.help`` lists them.
MODES: tuple[Mode, ...] = get_args(Mode)

#: Column and row separators of the modes that use them (``.separator`` overrides them).
DEFAULT_SEPARATORS: dict[str, tuple[str, str]] = {
    "list": ("|", "\n"),
    "csv": (",", "\n"),
    "tabs": ("\t", "\n"),
    "ascii": ("\x1f", "\x1e"),
    "quote": (",", "\n"),
    "tcl": (" ", "\n"),
}
#: Modes whose NULL prints as an empty string by default (as in sqlite3); the rest show NULL.
_EMPTY_NULL = frozenset({"list", "csv", "tabs", "ascii", "html", "tcl"})


class Style(NamedTuple):
    """How results print: the mode and the settings of ``.headers``, ``.nullvalue``,
    ``.separator`` and ``.mode insert TABLE``.

    ``null``, ``colsep`` and ``rowsep`` are None for "the mode's default".
    """

    mode: Mode = "table"
    headers: bool = True
    null: str | None = None
    colsep: str | None = None
    rowsep: str | None = None
    insert_table: str = "table"

    def null_text(self) -> str:
        """The text NULL prints as in this style."""
        if self.null is not None:
            return self.null
        return "" if self.mode in _EMPTY_NULL else "NULL"

    def separators(self) -> tuple[str, str]:
        """The column and row separators in this style."""
        col, row = DEFAULT_SEPARATORS.get(self.mode, ("|", "\n"))
        return (col if self.colsep is None else self.colsep), (
            row if self.rowsep is None else self.rowsep
        )
