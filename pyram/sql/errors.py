"""Errors of the SQL front end: syntax errors that point at the offending token.

The tokenizer and the parser raise :class:`SqlSyntaxError`, a
:class:`pyram.errors.ProgrammingError` that carries the SQL text and the position (offset, line,
column) of the problem; its message ends with the offending line and a caret under the token::

    near "FORM": syntax error at line 1, column 10
    SELECT a FORM t
             ^
"""

from __future__ import annotations

from pyram.errors import ProgrammingError

__all__ = ["SqlBindError", "SqlError", "SqlSyntaxError", "caret_excerpt", "line_and_column"]


def line_and_column(sql: str, offset: int) -> tuple[int, int]:
    """Return the 1-based (line, column) of ``offset`` in ``sql``."""
    offset = max(0, min(offset, len(sql)))
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, column


def caret_excerpt(sql: str, offset: int) -> str:
    """Return the line of ``sql`` holding ``offset`` with a caret line under that position.

    Tabs before the position are kept in the caret line so that the caret lines up.
    """
    offset = max(0, min(offset, len(sql)))
    start = sql.rfind("\n", 0, offset) + 1
    end = sql.find("\n", offset)
    if end == -1:
        end = len(sql)
    text = sql[start:end].rstrip("\r")
    pad = "".join("\t" if ch == "\t" else " " for ch in sql[start:offset])
    return f"{text}\n{pad}^"


class SqlError(ProgrammingError):
    """A problem in SQL text at a known position (base of syntax and binding errors).

    Attributes:
        reason: the message without position and excerpt (e.g. ``near "FORM": syntax error``).
        sql: the whole SQL text.
        offset: 0-based character offset of the offending token.
        line: 1-based line of the offending token.
        column: 1-based column of the offending token.
    """

    def __init__(self, reason: str, sql: str, offset: int) -> None:
        self.reason = reason
        self.sql = sql
        self.offset = max(0, min(offset, len(sql)))
        self.line, self.column = line_and_column(sql, self.offset)
        message = (
            f"{reason} at line {self.line}, column {self.column}\n{caret_excerpt(sql, self.offset)}"
        )
        super().__init__(message)


class SqlSyntaxError(SqlError):
    """A SQL text could not be tokenized or parsed."""


class SqlBindError(SqlError):
    """A SQL statement parsed but names something unknown or combines types that do not fit.

    Raised by the binder with the position of the offending name or operator, e.g.::

        no such column: nme at line 1, column 8
        SELECT nme FROM users
               ^
    """
