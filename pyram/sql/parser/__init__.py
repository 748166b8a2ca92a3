"""SQL front end, step 3: recursive-descent parser from SQL text to :mod:`pyram.sql.ast` trees.

>>> stmt = parse_one("SELECT a + 1 AS b FROM t WHERE a > ?")
>>> type(stmt).__name__, stmt.body.columns[0].alias
('Select', 'b')

Modules: ``base`` (token cursor, errors, depth guard), ``expressions`` (precedence climbing),
``select``, ``dml``, ``ddl``, ``transactions`` and ``statements`` (dispatch and script loop).
"""

from __future__ import annotations

from pyram.sql import ast
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.parser.postgres import PostgresParser
from pyram.sql.parser.statements import Parser
from pyram.sql.tokenizer import TokenKind

__all__ = ["Parser", "PostgresParser", "parse", "parse_expression", "parse_one", "statement_text"]


def parse(sql: str, dialect: str = "sqlite") -> list[ast.Statement]:
    """Parse a script of statements separated by semicolons.

    Args:
        sql: SQL text.
        dialect: ``"sqlite"`` (the default) or ``"postgres"`` (see
            :mod:`pyram.sql.parser.postgres`).

    Returns:
        The statements in order (empty statements are skipped).

    Raises:
        SqlSyntaxError: on any lexical or syntax error, with the position of the offending token.
    """
    if dialect == "postgres":
        return PostgresParser(sql).parse_script()
    if dialect != "sqlite":
        raise SqlSyntaxError(f"unknown SQL dialect {dialect!r}: use 'sqlite' or 'postgres'", "", 0)
    return Parser(sql).parse_script()


def parse_one(sql: str) -> ast.Statement:
    """Parse exactly one statement (a trailing semicolon is allowed).

    Raises:
        SqlSyntaxError: on a syntax error, or when the text holds no or several statements.
    """
    parser = Parser(sql)
    statements = parser.parse_script()
    if len(statements) != 1:
        offset = len(sql) if not statements else _second_statement_offset(statements)
        reason = "expected one statement" if statements else "unexpected end of input"
        raise SqlSyntaxError(f"{reason}, found {len(statements)}", sql, offset)
    return statements[0]


def _second_statement_offset(statements: list[ast.Statement]) -> int:
    return statements[1].offset


def parse_expression(sql: str) -> ast.SqlExpr:
    """Parse exactly one expression (the text of a CHECK constraint, say).

    Raises:
        SqlSyntaxError: on a syntax error or text after the expression.
    """
    parser = Parser(sql)
    expr = parser.parse_expr()
    if parser.token.kind is not TokenKind.EOF:
        parser.error("expected the end of the expression")
    return expr


def statement_text(sql: str, offset: int) -> str:
    """The text of the one statement of the script ``sql`` that starts at ``offset`` (as a
    statement's ``offset`` says), without its semicolon: a view or trigger kept on its own.

    Raises:
        SqlSyntaxError: no statement starts there.
    """
    parser = Parser(sql)
    starts = [i for i, token in enumerate(parser.tokens) if token.offset == offset]
    if not starts:
        raise SqlSyntaxError("no statement starts here", sql, offset)
    parser.pos = starts[0]
    parser.parse_statement()
    return sql[offset : parser.tokens[parser.pos - 1].end]
