"""The limits table: how large a statement, expression or parameter list may be.

One place for every size limit, read by the SQL tokenizer and parser, both binders (SQL and DSL),
the plan builder and the kernel compiler, so each limit is enforced once, with one message, and
documented once (``docs/limits.md``). The defaults are SQLite's (https://sqlite.org/limits.html)
where SQLite has the limit; input past a limit is a :class:`pyram.ProgrammingError` (a
``SqlSyntaxError`` with its position for SQL text), never a Python ``RecursionError``,
``SyntaxError`` or ``MemoryError``.

Depth needs a word. SQLite measures an expression's *depth* as the height of its tree, where
each operator of a chain like ``a + b + c`` is one level: the chain of 1,000 terms is as deep as
SQLite allows. PyRAM flattens such chains (``AND``, ``OR``, arithmetic, ``||``, ``UNION ALL``)
into one node, so they cost no recursion, and counts their length against
:data:`MAX_EXPR_DEPTH` exactly as SQLite does. True nesting (parentheses around a non-chain,
function calls inside function calls, subqueries) is bounded by :data:`MAX_NESTING`, which is
above what SQLite's own parser stack allows (SQLite stops about 100 nested parentheses deep and
50 nested calls deep).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "MAX_COLUMNS",
    "MAX_COMPOUND_SELECT",
    "MAX_EXPR_DEPTH",
    "MAX_FUNCTION_ARGS",
    "MAX_INTEGER",
    "MAX_LIKE_PATTERN",
    "MAX_NESTING",
    "MAX_SQL_LENGTH",
    "MAX_VARIABLE_NUMBER",
    "MIN_INTEGER",
]

#: Longest SQL text, in characters (SQLite: SQLITE_MAX_SQL_LENGTH, 1,000,000,000 bytes).
MAX_SQL_LENGTH: Final = 1_000_000_000

#: Deepest expression tree, counting each operator of a chain as one level (SQLite:
#: SQLITE_MAX_EXPR_DEPTH, 1,000). ``x + x + ... + x`` with 1,000 terms works; 1,001 is refused.
MAX_EXPR_DEPTH: Final = 1000

#: Deepest true nesting: parenthesized non-chain expressions, nested calls, CASE in CASE,
#: subqueries (a subquery costs 4 units). SQLite's parser stack allows about 100.
MAX_NESTING: Final = 150

#: Most SELECTs in one compound (SQLite: SQLITE_MAX_COMPOUND_SELECT, 500).
MAX_COMPOUND_SELECT: Final = 500

#: Highest parameter number, so at most this many ``?`` in a statement (SQLite:
#: SQLITE_MAX_VARIABLE_NUMBER, 32,766).
MAX_VARIABLE_NUMBER: Final = 32766

#: Most arguments to one SQL function call (SQLite: SQLITE_MAX_FUNCTION_ARG, 127 in 3.40).
MAX_FUNCTION_ARGS: Final = 127

#: Most columns in a table, a result or an index (SQLite: SQLITE_MAX_COLUMN, 2,000).
MAX_COLUMNS: Final = 2000

#: Longest LIKE or GLOB pattern, in characters (SQLite: SQLITE_MAX_LIKE_PATTERN_LENGTH, 50,000).
MAX_LIKE_PATTERN: Final = 50000

#: The INTEGER range: SQLite integers are signed 64-bit. Stored INTEGER values and parameters
#: outside it are refused (a ``DataError``), as sqlite3 refuses to bind them.
MIN_INTEGER: Final = -(2**63)
MAX_INTEGER: Final = 2**63 - 1
