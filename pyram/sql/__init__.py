"""SQL front end: SQL text -> tokens -> syntax tree (-> logical plan, via the binder, later).

``parse(sql)`` returns the statements of a script, ``parse_one(sql)`` exactly one statement;
syntax errors are :class:`SqlSyntaxError` with line, column and a caret excerpt.
"""

from __future__ import annotations

from pyram.sql.errors import SqlBindError, SqlError, SqlSyntaxError
from pyram.sql.parser import parse, parse_one
from pyram.sql.rename import rename_column_refs, rename_table_refs

__all__ = [
    "SqlBindError",
    "SqlError",
    "SqlSyntaxError",
    "parse",
    "parse_one",
    "rename_column_refs",
    "rename_table_refs",
]
