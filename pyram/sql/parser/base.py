"""SQL parser, shared machinery: the token cursor, expect helpers, errors and the depth guard.

:class:`ParserBase` holds the token list and position. The construct parsers (expressions,
select, dml, ddl, transactions) are mixins over it; :class:`pyram.sql.parser.statements.Parser`
combines them. Every failure is a :class:`~pyram.sql.errors.SqlSyntaxError` pointing at the
offending token: ``near "X": syntax error`` or ``unexpected end of input``, optionally followed by
what was expected.
"""

from __future__ import annotations

from typing import NoReturn

from pyram.limits import MAX_NESTING, MAX_SQL_LENGTH, MAX_VARIABLE_NUMBER
from pyram.sql import ast
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.tokenizer import Token, TokenKind, tokenize

__all__ = ["MAX_DEPTH", "RESERVED", "ParserBase"]

# Nesting budget (pyram.limits.MAX_NESTING). A parenthesized expression costs one unit (about
# five Python frames), a subquery SUBQUERY_COST more (about eleven frames in all), each prefix
# operator one. The budget keeps the recursive descent well below Python's default recursion
# limit of 1000 frames, so deep input fails with a SqlSyntaxError, never a RecursionError.
# Operator chains (a + b + ...) are parsed in a loop and cost nothing here.
MAX_DEPTH = MAX_NESTING
SUBQUERY_COST = 3

# Keywords that can never be names (SQLite's keywords without identifier fallback).
RESERVED = frozenset(
    {
        "ADD", "ALL", "ALTER", "AND", "AS", "AUTOINCREMENT", "BETWEEN", "CASE", "CHECK",
        "COLLATE", "COMMIT", "CONSTRAINT", "CREATE", "CROSS", "CURRENT_DATE", "CURRENT_TIME",
        "CURRENT_TIMESTAMP", "DEFAULT", "DEFERRABLE", "DELETE", "DISTINCT", "DROP", "ELSE",
        "ESCAPE", "EXCEPT", "EXISTS", "FOREIGN", "FROM", "FULL", "GROUP", "HAVING", "IN",
        "INDEX", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "LEFT", "LIMIT",
        "NATURAL", "NOT", "NOTHING", "NOTNULL", "NULL", "ON", "OR", "ORDER", "OUTER", "PRIMARY",
        "REFERENCES", "RETURNING", "RIGHT", "SELECT", "SET", "TABLE", "THEN", "TO",
        "TRANSACTION", "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "WHEN", "WHERE",
        "WINDOW", "WITH",
    }
)  # fmt: skip

# Tokens that may follow an alias written without AS. An implicit alias is taken only when one of
# these comes next, so ``SELECT a FORM t`` is reported at FORM rather than at t.
_ALIAS_FOLLOW_OPS = frozenset({",", ")", ";"})
_ALIAS_FOLLOW_KEYWORDS = frozenset(
    {
        "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "INTERSECT", "EXCEPT",
        "WINDOW", "ON", "USING", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL",
        "INDEXED", "NOT", "SET", "RETURNING", "OFFSET", "DO",
    }
)  # fmt: skip


class ParserBase:
    """Token cursor plus the helpers every construct parser uses."""

    #: the tokenizer's dialect; a dialect's parser overrides it
    dialect = "sqlite"
    #: whether the dialect's hooks (``parse_infix_extension``, ``parse_postfix``,
    #: ``parse_name_primary``) are consulted; False keeps SQLite's hot path free of them
    extended_infix = False

    def __init__(self, sql: str) -> None:
        if not isinstance(sql, str):  # mypy knows; callers from untyped code may not
            raise SqlSyntaxError(f"SQL must be a str, not {type(sql).__name__}", "", 0)
        if len(sql) > MAX_SQL_LENGTH:
            raise SqlSyntaxError(
                f"string or blob too big: the SQL text is longer than {MAX_SQL_LENGTH} characters",
                sql[:100],
                0,
            )
        self.sql = sql
        self.tokens: list[Token] = tokenize(sql, self.dialect, lists=True)
        self.pos = 0
        self.depth = 0
        self.max_param_index = 0

    # -- abstract entry points the mixins provide ------------------------------------------

    def parse_expr(self, min_prec: int = 1) -> ast.SqlExpr:
        """Parse an expression whose operators bind at least as tightly as ``min_prec``."""
        raise NotImplementedError

    def parse_select(self) -> ast.Select:
        """Parse a full SELECT (or VALUES) with its WITH, ORDER BY and LIMIT clauses."""
        raise NotImplementedError

    def parse_ordering_terms(self) -> tuple[ast.OrderingTerm, ...]:
        """Parse ``expr [ASC|DESC] [NULLS FIRST|LAST], ...``."""
        raise NotImplementedError

    def parse_window_def(self) -> ast.WindowDef:
        """Parse a parenthesized window definition."""
        raise NotImplementedError

    def parse_window_clause(self) -> tuple[ast.NamedWindow, ...]:
        """Parse the definitions of a WINDOW clause."""
        raise NotImplementedError

    def parse_values(self) -> ast.Values:
        """Parse ``VALUES (row), (row), ...``."""
        raise NotImplementedError

    def parse_subselect(self) -> ast.Select:
        """Parse ``select )`` after an opening parenthesis, counting against the depth budget."""
        self.enter(SUBQUERY_COST)
        select = self.parse_select()
        self.leave(SUBQUERY_COST)
        self.expect_op(")", "after subquery")
        return select

    def parse_statement(self) -> ast.Statement:
        """Parse one statement."""
        raise NotImplementedError

    # -- dialect hooks (see pyram.sql.parser.postgres) ----------------------------------------

    def parse_infix_extension(self, left: ast.SqlExpr, min_prec: int) -> ast.SqlExpr | None:
        """A dialect's infix operator at the cursor applied to ``left``, or None."""
        return None

    def parse_postfix(self, expr: ast.SqlExpr) -> ast.SqlExpr:
        """A dialect's postfix forms after a primary (PostgreSQL's ``::type``)."""
        return expr

    def parse_name_primary(self) -> ast.SqlExpr | None:
        """A dialect's primary starting with an identifier, or None."""
        return None

    def parse_collation_name(self) -> str:
        """The name after COLLATE."""
        raise NotImplementedError

    def parse_ordinality(self) -> bool:
        """A dialect's ``WITH ORDINALITY`` after a table function (SQLite has none)."""
        return False

    def parse_alias_columns(self) -> tuple[str, ...]:
        """A dialect's column names after a table function's alias (SQLite has none)."""
        return ()

    # -- cursor ------------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        """The current token."""
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        """The token ``ahead`` positions after the current one (EOF past the end)."""
        index = min(self.pos + ahead, len(self.tokens) - 1)
        return self.tokens[index]

    def advance(self) -> Token:
        """Consume and return the current token (EOF is never consumed)."""
        token = self.tokens[self.pos]
        if token.kind is not TokenKind.EOF:
            self.pos += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        """Whether the current token is one of the keywords ``words``."""
        token = self.tokens[self.pos]
        return token.kind is TokenKind.KEYWORD and token.value in words

    def at_op(self, *ops: str) -> bool:
        """Whether the current token is one of the operators ``ops``."""
        token = self.tokens[self.pos]
        return token.kind is TokenKind.OPERATOR and token.value in ops

    def accept_keyword(self, *words: str) -> Token | None:
        """Consume the current token if it is one of ``words``."""
        if self.at_keyword(*words):
            return self.advance()
        return None

    def accept_op(self, op: str) -> Token | None:
        """Consume the current token if it is the operator ``op``."""
        if self.at_op(op):
            return self.advance()
        return None

    def expect_keyword(self, word: str, context: str = "") -> Token:
        """Consume the keyword ``word`` or raise a syntax error."""
        if self.at_keyword(word):
            return self.advance()
        self.error(f"expected {word}" + (f" {context}" if context else ""))

    def expect_op(self, op: str, context: str = "") -> Token:
        """Consume the operator ``op`` or raise a syntax error (``expected ) after ...``)."""
        if self.at_op(op):
            return self.advance()
        self.error(f"expected {op}" + (f" {context}" if context else ""))

    # -- names -------------------------------------------------------------------------------

    def at_name(self) -> bool:
        """Whether the current token can be used as a name."""
        token = self.tokens[self.pos]
        if token.kind is TokenKind.IDENTIFIER:
            return True
        return token.kind is TokenKind.KEYWORD and token.value not in RESERVED

    def name_of(self, token: Token) -> str:
        """The name a token spells: keywords used as names keep their source spelling."""
        if token.kind is TokenKind.KEYWORD:
            return self.sql[token.offset : token.end]
        return token.value

    def parse_name(self, what: str = "name") -> str:
        """Consume a name: an identifier or a non-reserved keyword."""
        if self.at_name():
            return self.name_of(self.advance())
        self.error(f"expected {what}")

    def parse_qualified_name(self, what: str = "name") -> tuple[str | None, str]:
        """Consume ``[schema.]name`` and return ``(schema, name)``."""
        first = self.parse_name(what)
        if self.accept_op("."):
            return first, self.parse_name(what)
        return None, first

    def parse_name_list(self, context: str) -> tuple[str, ...]:
        """Consume ``(name, name, ...)``."""
        self.expect_op("(", context)
        names = [self.parse_name("column name")]
        while self.accept_op(","):
            names.append(self.parse_name("column name"))
        self.expect_op(")", f"after {context}")
        return tuple(names)

    def parse_alias(self) -> str | None:
        """Consume ``AS name``, or an implicit alias when a valid follower comes after it."""
        if self.accept_keyword("AS"):
            if self.token.kind is TokenKind.STRING:
                return self.advance().value
            return self.parse_name("alias")
        token = self.token
        if token.kind is TokenKind.STRING or self.at_name():
            after = self.peek()
            follows = (
                after.kind is TokenKind.EOF
                or (after.kind is TokenKind.OPERATOR and after.value in _ALIAS_FOLLOW_OPS)
                or (after.kind is TokenKind.KEYWORD and after.value in _ALIAS_FOLLOW_KEYWORDS)
            )
            if follows:
                return self.name_of(self.advance())
        return None

    # -- errors and depth --------------------------------------------------------------------

    def error(self, expected: str = "", token: Token | None = None) -> NoReturn:
        """Raise a syntax error at ``token`` (default: the current token)."""
        token = token if token is not None else self.token
        if token.kind is TokenKind.EOF:
            reason = "unexpected end of input"
        else:
            reason = f'near "{self.sql[token.offset : token.end]}": syntax error'
        if expected:
            reason = f"{reason}: {expected}"
        raise SqlSyntaxError(reason, self.sql, token.offset)

    def unsupported(self, feature: str, token: Token | None = None) -> NoReturn:
        """Raise a syntax error for valid SQLite syntax PyRAM does not support."""
        token = token if token is not None else self.token
        raise SqlSyntaxError(f"{feature} is not supported", self.sql, token.offset)

    def enter(self, cost: int = 1) -> None:
        """Enter a nested construct; raise ``too deeply nested`` beyond :data:`MAX_DEPTH`."""
        self.depth += cost
        if self.depth > MAX_DEPTH:
            raise SqlSyntaxError("too deeply nested", self.sql, self.token.offset)

    def leave(self, cost: int = 1) -> None:
        """Leave a nested construct entered with :meth:`enter`."""
        self.depth -= cost

    def expand_list(self) -> None:
        """Replace the current LIST token by the tokens of its text (it held more than
        literals and parameters)."""
        listed = self.token
        span = [
            t
            for t in tokenize(self.sql)
            if listed.offset <= t.offset < listed.end and t.kind is not TokenKind.EOF
        ]
        self.tokens[self.pos : self.pos + 1] = span

    def next_param_index(self, marker: str) -> int | None:
        """The SQLite index of a ``?``/``?NNN`` parameter (None for named parameters)."""
        if marker == "?":
            index = self.max_param_index + 1
        elif marker.startswith("?"):
            index = int(marker[1:])
        else:
            return None
        if not 1 <= index <= MAX_VARIABLE_NUMBER:
            raise SqlSyntaxError(
                f"variable number must be between ?1 and ?{MAX_VARIABLE_NUMBER}",
                self.sql,
                self.tokens[self.pos - 1].offset,
            )
        self.max_param_index = max(self.max_param_index, index)
        return index
