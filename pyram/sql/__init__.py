"""SQL front end: SQL text -> tokens -> syntax tree -> logical plan.

The tokenizer (``tokenizer.py``) and the parser (``sql.parser``) make the syntax tree
(``sql.ast``, ``sql.ast_ddl``); the binder (``sql.binder``) resolves names against the catalogue
and builds the same logical plan as the DSL, through ``plan.builder.PlanBuilder``.
``parse(sql)`` returns the statements of a script, ``parse_one(sql)`` exactly one statement;
syntax errors are :class:`SqlSyntaxError` with line, column and a caret excerpt, binding errors
:class:`SqlBindError`.
"""

from __future__ import annotations

from pyram.sql.errors import SqlBindError, SqlError, SqlSyntaxError, caret_excerpt
from pyram.sql.parser import parse, parse_one
from pyram.sql.rename import rename_column_refs, rename_table_refs
from pyram.sql.schema_text import create_index_sql, quote_identifier, sql_literal, table_items
from pyram.sql.tokenizer import KEYWORDS, TokenKind, tokenize

__all__ = [
    "KEYWORDS",
    "SqlBindError",
    "SqlError",
    "SqlSyntaxError",
    "TokenKind",
    "caret_excerpt",
    "create_index_sql",
    "parse",
    "parse_one",
    "quote_identifier",
    "rename_column_refs",
    "rename_table_refs",
    "sql_literal",
    "table_items",
    "tokenize",
]
