"""SQL parser: the statement dispatcher and the script loop.

:class:`Parser` combines the construct mixins; ``parse_script`` reads statements separated by
semicolons until the end of input.
"""

from __future__ import annotations

from pyram.sql import ast
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.parser.ddl import DdlParser
from pyram.sql.parser.dml import DmlParser
from pyram.sql.parser.expressions import ExpressionParser
from pyram.sql.parser.select import SelectParser
from pyram.sql.parser.transactions import TransactionParser
from pyram.sql.parser.window import WindowParser
from pyram.sql.tokenizer import TokenKind

__all__ = ["Parser"]

_UNSUPPORTED_STATEMENTS = frozenset({"ANALYZE", "ATTACH", "DETACH", "VACUUM"})


class Parser(
    ExpressionParser, SelectParser, WindowParser, DmlParser, DdlParser, TransactionParser
):
    """Recursive-descent SQL parser over one SQL text."""

    def parse_script(self) -> list[ast.Statement]:
        """Parse every statement of the text (empty statements between semicolons are skipped)."""
        statements: list[ast.Statement] = []
        try:
            while True:
                while self.accept_op(";"):
                    pass
                if self.token.kind is TokenKind.EOF:
                    return statements
                statements.append(self.parse_statement())
                if self.peek(0).kind is not TokenKind.EOF and not self.at_op(";"):
                    self.error()
        except RecursionError:
            # Backstop for callers that are already deep in their own stack: the depth budget
            # normally stops nesting long before Python's limit.
            raise SqlSyntaxError("too deeply nested", self.sql, self.token.offset) from None

    def parse_statement(self) -> ast.Statement:
        """Parse one statement at the cursor."""
        token = self.token
        if token.kind is TokenKind.IDENTIFIER and token.value.upper() == "CALL":
            return self._parse_call()
        if token.kind is not TokenKind.KEYWORD:
            self.error()
        word = token.value
        if word in ("SELECT", "VALUES"):
            return self.parse_select()
        if word == "WITH":
            return self._parse_with_statement()
        if word in ("INSERT", "REPLACE"):
            return self.parse_insert()
        if word == "UPDATE":
            return self.parse_update()
        if word == "DELETE":
            return self.parse_delete()
        if word == "CREATE":
            return self.parse_create()
        if word == "DROP":
            return self.parse_drop()
        if word == "ALTER":
            return self.parse_alter()
        if word == "BEGIN":
            return self.parse_begin()
        if word in ("COMMIT", "END"):
            return self.parse_commit()
        if word == "ROLLBACK":
            return self.parse_rollback()
        if word == "SAVEPOINT":
            return self.parse_savepoint()
        if word == "RELEASE":
            return self.parse_release()
        if word == "EXPLAIN":
            return self._parse_explain()
        if word == "REINDEX":
            return self._parse_reindex()
        if word == "PRAGMA":
            return self._parse_pragma()
        if word in _UNSUPPORTED_STATEMENTS:
            self.unsupported(word)
        self.error()

    def _parse_with_statement(self) -> ast.Statement:
        offset = self.token.offset
        ctes, recursive = self.parse_with()
        if self.at_keyword("SELECT", "VALUES"):
            return self.parse_select_after_with(offset, ctes, recursive)
        if self.at_keyword("INSERT", "REPLACE"):
            return self.parse_insert(ctes, recursive)
        if self.at_keyword("UPDATE"):
            return self.parse_update(ctes, recursive)
        if self.at_keyword("DELETE"):
            return self.parse_delete(ctes, recursive)
        self.error("expected SELECT, INSERT, UPDATE or DELETE after WITH clause")

    def _parse_call(self) -> ast.Call:
        """``CALL name(arg, ...)`` (CALL is not an SQLite keyword: read as a name)."""
        token = self.advance()
        name = self.parse_name("procedure name")
        self.expect_op("(", "after the procedure name")
        args: list[ast.SqlExpr] = []
        if not self.accept_op(")"):
            args.append(self.parse_expr())
            while self.accept_op(","):
                args.append(self.parse_expr())
            self.expect_op(")", "after the arguments")
        return ast.Call(offset=token.offset, name=name, args=tuple(args))

    def _parse_reindex(self) -> ast.Reindex:
        token = self.expect_keyword("REINDEX")
        name = None
        if self.at_name():
            _, name = self.parse_qualified_name("index or table name")
        return ast.Reindex(offset=token.offset, name=name)

    def _parse_pragma(self) -> ast.Pragma:
        token = self.expect_keyword("PRAGMA")
        schema, name = self.parse_qualified_name("pragma name")
        if self.accept_op("="):
            return ast.Pragma(
                offset=token.offset,
                name=name,
                schema=schema,
                value=self._pragma_value(),
                assign=True,
            )
        if self.accept_op("("):
            value = self._pragma_value()
            self.expect_op(")", "after the pragma's argument")
            return ast.Pragma(offset=token.offset, name=name, schema=schema, value=value)
        return ast.Pragma(offset=token.offset, name=name, schema=schema)

    def _pragma_value(self) -> str:
        """A pragma's argument as text: a name, a string, or a signed number as written."""
        sign = ""
        if self.at_op("-", "+"):
            sign = self.advance().value.replace("+", "")
        token = self.token
        if token.kind in (TokenKind.INTEGER, TokenKind.REAL):
            self.advance()
            return sign + self.sql[token.offset : token.end]
        if not sign and token.kind is TokenKind.STRING:
            return str(self.advance().value)
        if not sign and (token.kind is TokenKind.KEYWORD or self.at_name()):
            return self.name_of(self.advance())
        self.error("expected a pragma value")

    def _parse_explain(self) -> ast.Explain:
        explain = self.expect_keyword("EXPLAIN")
        query_plan = analyze = False
        if self.accept_keyword("QUERY"):
            self.expect_keyword("PLAN", "after EXPLAIN QUERY")
            query_plan = True
        elif self.accept_keyword("ANALYZE"):
            analyze = True
        if self.at_keyword("EXPLAIN"):
            self.error("EXPLAIN cannot be nested")
        statement = self.parse_statement()
        return ast.Explain(
            offset=explain.offset, statement=statement, query_plan=query_plan, analyze=analyze
        )
