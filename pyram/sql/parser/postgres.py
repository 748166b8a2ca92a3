"""SQL parser, PostgreSQL dialect: what PostgreSQL clients (psql, psycopg, asyncpg, SQLAlchemy)
send, read into the same syntax tree as SQLite's dialect.

>>> stmt = PostgresParser("SELECT $1::int4 ~ 'a' FROM pg_catalog.pg_class").parse_script()[0]
>>> type(stmt.body.columns[0].expr).__name__
'FunctionCall'

What this dialect adds to the SQLite one (everything else is parsed alike):

- ``$1`` parameters (named ``"1"``, as SQLite reads ``$1``; the database also takes a list
  for them), ``x::type`` casts, ``E'...'`` strings;
- PostgreSQL type names (``int4``, ``float8``, ``bytea``, ``varchar(n)``, ``timestamptz``,
  ``jsonb``, ...), each read as the PyRAM type storing it (:mod:`pyram.types.pg_types`);
  ``regclass``/``regtype``/``oid`` casts look catalogue objects up (the binder does that);
- ``~ ~* !~ !~*`` (POSIX regular expressions), ``[NOT] ILIKE``, case-sensitive ``LIKE``
  (PostgreSQL's; these become calls of ``textregexeq``, ``textlike`` ...),
  ``OPERATOR(pg_catalog.op)``, ``COLLATE pg_catalog.default``;
- ``x = ANY (ARRAY[a, b])`` / ``x <> ALL (ARRAY[...])`` (an IN list), schema-qualified function
  names (``pg_catalog.version()``), ``current_user``/``session_user``/``current_catalog``;
- ``SHOW``, ``SET``/``RESET`` of settings, ``SET TRANSACTION``/``BEGIN``/``START TRANSACTION``
  with ``ISOLATION LEVEL``, ``DISCARD ALL``.
"""

from __future__ import annotations

from typing import Any

import attrs

from pyram.sql import ast, ast_pg
from pyram.sql.parser.expressions import P_CMP, P_EQ
from pyram.sql.parser.statements import Parser
from pyram.sql.tokenizer import Token, TokenKind
from pyram.types.pg_types import REG_TYPES, pyram_type_name

__all__ = ["PostgresParser"]

# operator -> (function it calls, negated)
_REGEX_OPS = {
    "~": ("textregexeq", False),
    "!~": ("textregexeq", True),
    "~*": ("texticregexeq", False),
    "!~*": ("texticregexeq", True),
}
_ISOLATION = {
    "serializable": "serializable",
    "repeatable read": "snapshot",
    "read committed": "read_committed",
    "read uncommitted": "read_committed",
}
# Niladic functions PostgreSQL's grammar writes without parentheses.
_NILADIC = frozenset({"current_user", "session_user", "current_catalog", "current_role", "user"})
_DEFAULT_COLLATIONS = frozenset({"default", "c", "posix", "ucs_basic"})
# Type names of several words, by their first word.
_MULTIWORD_TYPES = {
    "double": (("precision",),),
    "character": (("varying",),),
    "timestamp": (("with", "time", "zone"), ("without", "time", "zone")),
    "time": (("with", "time", "zone"), ("without", "time", "zone")),
}


class PostgresParser(Parser):
    """The parser for PostgreSQL's dialect (see the module docstring)."""

    dialect = "postgres"
    extended_infix = True

    # -- statements --------------------------------------------------------------------------

    def parse_script(self) -> list[ast.Statement]:
        """Parse every statement; PostgreSQL's forms are rewritten to PyRAM's."""
        return [_rewrite(stmt) for stmt in super().parse_script()]

    def parse_statement(self) -> ast.Statement:
        """One statement: PostgreSQL's session statements, or what SQLite's dialect parses."""
        token = self.token
        word = token.value.upper() if token.kind is not TokenKind.STRING else ""
        if word == "SHOW":
            self.advance()
            return ast_pg.ShowSetting(offset=token.offset, name=self._setting_name())
        if word == "SET":
            return self._parse_set()
        if word == "RESET":
            self.advance()
            return ast_pg.ResetSetting(offset=token.offset, name=self._setting_name())
        if word == "DISCARD":
            self.advance()
            what = "all" if self.accept_keyword("ALL") else self.parse_name("ALL").lower()
            return ast_pg.Discard(offset=token.offset, what=what)
        if word in ("BEGIN", "START"):
            return self._parse_begin()
        return super().parse_statement()

    def _setting_name(self) -> str:
        """A setting's name: ``a``, ``a.b`` or ``TRANSACTION ISOLATION LEVEL`` and kin."""
        if self.accept_keyword("TRANSACTION"):
            self._expect_words("isolation", "level")
            return "transaction_isolation"
        if self._accept_word("time"):
            self._expect_words("zone")
            return "timezone"
        if self.accept_keyword("ALL"):
            return "all"
        parts = [self.parse_name("setting name")]
        while self.accept_op("."):
            parts.append(self.parse_name("setting name"))
        return ".".join(parts).lower()

    def _parse_set(self) -> ast.Statement:
        token = self.advance()
        local = self._accept_word("local")
        session = not local and self._accept_word("session")
        if session and self._accept_word("characteristics"):
            self.expect_keyword("AS", "in SET SESSION CHARACTERISTICS")
            self.expect_keyword("TRANSACTION", "in SET SESSION CHARACTERISTICS")
            isolation, read_only = self._transaction_modes()
            return ast_pg.SetTransaction(
                offset=token.offset, isolation=isolation, read_only=read_only, session=True
            )
        if self.accept_keyword("TRANSACTION"):
            isolation, read_only = self._transaction_modes()
            return ast_pg.SetTransaction(
                offset=token.offset, isolation=isolation, read_only=read_only
            )
        name = self._setting_name()
        if name == "timezone":  # SET TIME ZONE value
            zone = self._setting_value()
            return ast_pg.SetSetting(offset=token.offset, name=name, value=zone, local=local)
        if not self.accept_op("="):
            self.expect_keyword("TO", "or = after the setting name")
        value = None if self.accept_keyword("DEFAULT") else self._setting_value()
        return ast_pg.SetSetting(offset=token.offset, name=name, value=value, local=local)

    def _setting_value(self) -> str:
        """A setting's value as text: words, strings and numbers, a comma-separated list."""
        parts = [self._setting_word()]
        while self.accept_op(","):
            parts.append(self._setting_word())
        return ", ".join(parts)

    def _setting_word(self) -> str:
        sign = self.advance().value if self.at_op("-", "+") else ""
        token = self.token
        if token.kind in (TokenKind.INTEGER, TokenKind.REAL):
            self.advance()
            return sign.replace("+", "") + token.value
        if sign:
            self.error("expected a number")
        if token.kind in (TokenKind.STRING, TokenKind.IDENTIFIER, TokenKind.KEYWORD):
            self.advance()
            if token.kind is TokenKind.KEYWORD:
                return token.value.lower()
            return f'"{token.value}"' if token.quoted else token.value
        self.error("expected a setting value")

    def _transaction_modes(self) -> tuple[str | None, bool | None]:
        """``ISOLATION LEVEL x``, ``READ ONLY|WRITE``, ``[NOT] DEFERRABLE``, in any order."""
        isolation: str | None = None
        read_only: bool | None = None
        while True:
            if self._accept_word("isolation"):
                self._expect_words("level")
                words = [self.parse_name("isolation level").lower()]
                if words[0] in ("repeatable", "read"):
                    words.append(self.parse_name("isolation level").lower())
                level = _ISOLATION.get(" ".join(words))
                if level is None:
                    self.error("expected an isolation level")
                isolation = level
            elif self._accept_word("read"):
                read_only = self._accept_word("only")
                if not read_only:
                    self._expect_words("write")
            elif self.accept_keyword("NOT") or self.accept_keyword("DEFERRABLE"):
                self.accept_keyword("DEFERRABLE")
            else:
                return isolation, read_only
            self.accept_op(",")

    def _parse_begin(self) -> ast.Begin:
        token = self.advance()
        if token.value.upper() == "START":
            self.expect_keyword("TRANSACTION", "after START")
        else:
            self.accept_keyword("TRANSACTION") or self._accept_word("work")
        isolation, read_only = self._transaction_modes()
        return ast.Begin(offset=token.offset, isolation=isolation, read_only=bool(read_only))

    def _accept_word(self, word: str) -> bool:
        token = self.token
        quoted = token.kind is TokenKind.IDENTIFIER and token.quoted
        kinds = (TokenKind.IDENTIFIER, TokenKind.KEYWORD)
        if token.kind in kinds and not quoted and token.value.lower() == word:
            self.advance()
            return True
        return False

    def _expect_words(self, *words: str) -> None:
        for word in words:
            if not self._accept_word(word):
                self.error(f"expected {word.upper()}")

    # -- expressions -------------------------------------------------------------------------

    def parse_infix_extension(self, left: ast.SqlExpr, min_prec: int) -> ast.SqlExpr | None:
        """PostgreSQL's infix operators the SQLite grammar lacks (None: none is here)."""
        token = self.token
        negated = False
        if token.kind is TokenKind.IDENTIFIER and not token.quoted:
            word = token.value.upper()
            if word == "OPERATOR" and self.peek().value == "(":
                op = self._operator_call()
                return self._regex(left, op, token.offset, min_prec, skip=0)
            if word == "ILIKE" and min_prec <= P_EQ:
                self.advance()
                return self._like(left, "texticlike", negated, token.offset)
            return None
        if token.kind is TokenKind.KEYWORD and token.value == "NOT":
            after = self.peek()
            if after.kind is TokenKind.IDENTIFIER and after.value.upper() == "ILIKE":
                if min_prec > P_EQ:
                    return None
                self.pos += 2
                return self._like(left, "texticlike", True, token.offset)
            return None
        if token.kind is TokenKind.OPERATOR and token.value in _REGEX_OPS:
            return self._regex(left, token.value, token.offset, min_prec, skip=1)
        return None

    def _operator_call(self) -> str:
        """``OPERATOR(pg_catalog.~)``: the operator it names (the cursor is at OPERATOR)."""
        self.pos += 2
        if self.at_name() and self.peek().value == ".":
            self.pos += 2
        op = self.advance()
        if op.kind is not TokenKind.OPERATOR:
            self.error("expected an operator", op)
        self.expect_op(")", "after OPERATOR(")
        return op.value

    def _regex(
        self, left: ast.SqlExpr, op: str, offset: int, min_prec: int, skip: int
    ) -> ast.SqlExpr | None:
        entry = _REGEX_OPS.get(op)
        if entry is None:
            if op in ("=", "!=", "<>", "<", ">", "<=", ">="):
                right = self.parse_expr(P_CMP + 1)
                binary = {"=": ast.BinaryOp.EQ, "<": ast.BinaryOp.LT, ">": ast.BinaryOp.GT}
                binary |= {"<=": ast.BinaryOp.LE, ">=": ast.BinaryOp.GE}
                return ast.Binary(
                    offset=offset, op=binary.get(op, ast.BinaryOp.NE), left=left, right=right
                )
            raise self.error(f"operator {op} is not supported")
        if min_prec > P_CMP:
            return None
        self.pos += skip
        right = self.parse_expr(P_CMP + 1)
        call: ast.SqlExpr = ast.FunctionCall(offset=offset, name=entry[0], args=(left, right))
        if entry[1]:
            call = ast.Unary(offset=offset, op=ast.UnaryOp.NOT, operand=call)
        return call

    def _like(self, left: ast.SqlExpr, name: str, negated: bool, offset: int) -> ast.SqlExpr:
        pattern = self.parse_expr(P_EQ + 1)
        args: tuple[ast.SqlExpr, ...] = (left, pattern)
        if self.accept_keyword("ESCAPE"):
            args += (self.parse_expr(P_EQ + 1),)
        call: ast.SqlExpr = ast.FunctionCall(offset=offset, name=name, args=args)
        if negated:
            call = ast.Unary(offset=offset, op=ast.UnaryOp.NOT, operand=call)
        return call

    def parse_postfix(self, expr: ast.SqlExpr) -> ast.SqlExpr:
        """``expr::type`` casts and ``expr[i]`` subscripts (binding tighter than any prefix or
        infix operator)."""
        while self.at_op("::", "["):
            token = self.advance()
            if token.value == "[":
                index = self.parse_expr()
                self.expect_op("]", "after the subscript")
                expr = ast.FunctionCall(
                    offset=token.offset, name="array_element", args=(expr, index)
                )
            else:
                expr = ast.Cast(offset=token.offset, operand=expr, type=self._cast_type())
        return expr

    def parse_ordinality(self) -> bool:
        """``WITH ORDINALITY`` after a table function."""
        if self.at_keyword("WITH") and self.peek().value.lower() == "ordinality":
            self.pos += 2
            return True
        return False

    def parse_alias_columns(self) -> tuple[str, ...]:
        """``AS alias(column, ...)`` after a table function."""
        return self.parse_name_list("column aliases") if self.at_op("(") else ()

    def _cast_type(self) -> ast.TypeName:
        """The type after ``::``: ``[pg_catalog.]name`` with multi-word and ``(n)`` forms."""
        first = self.token
        words = [self.parse_name("type name")]
        if self.accept_op("."):
            words = [self.parse_name("type name")]
        for follow in _MULTIWORD_TYPES.get(words[0].lower(), ()):
            if all(self.peek(i).value.lower() == w for i, w in enumerate(follow)):
                self.pos += len(follow)
                words.extend(follow)
                break
        args: list[int | float] = []
        if self.accept_op("("):
            args.append(self._parse_signed_number())
            if self.accept_op(","):
                args.append(self._parse_signed_number())
            self.expect_op(")", "after type size")
        if self.at_op("[") and self.peek().value == "]":
            self.pos += 2  # an array: PyRAM reads arrays in their text form, '{1,2}'
            return ast.TypeName(offset=first.offset, name="TEXT")
        return self._pg_type(first, " ".join(words), tuple(args))

    def parse_type_name(self) -> ast.TypeName:
        """A declared type: PostgreSQL's names read as the PyRAM type storing them."""
        first = self.token
        base = super().parse_type_name()
        name = base.name
        if self.at_keyword("WITH") and self.peek().value.lower() == "time":
            self.advance()
            self._expect_words("time", "zone")
            name += " with time zone"
        return self._pg_type(first, name, base.args)

    def _pg_type(self, first: Token, name: str, args: tuple[int | float, ...]) -> ast.TypeName:
        if self.at_op("["):
            self.unsupported("array types")
        lower = " ".join(name.lower().split())
        if lower in REG_TYPES:
            return ast.TypeName(offset=first.offset, name=lower.upper(), args=args)
        mapped = pyram_type_name(lower)
        return ast.TypeName(offset=first.offset, name=mapped or name, args=args)

    def parse_collation_name(self) -> str:
        """``COLLATE pg_catalog.default`` (and ``"C"``): byte order, PyRAM's ``BINARY``."""
        name = self.name_of(self.advance()) if self.at_keyword("DEFAULT") else ""
        if not name:
            name = self.advance().value if self.token.kind is TokenKind.STRING else ""
        if not name:
            name = self.parse_name("collation name")
        if self.accept_op("."):
            token = self.advance()
            name = self.name_of(token) if token.kind is not TokenKind.STRING else token.value
        return "BINARY" if name.lower() in _DEFAULT_COLLATIONS else name

    def parse_name_primary(self) -> ast.SqlExpr | None:
        """``schema.function(...)``, ``ARRAY[...]``, ``ANY (...)`` and the niladic functions
        (None: an ordinary name, parsed as SQLite's dialect does)."""
        token = self.token
        if token.kind is TokenKind.KEYWORD and token.value == "ALL" and self.peek().value == "(":
            self.advance()  # x <> ALL (ARRAY[...]): see _any_all
            return self._parse_function_call(token)
        if token.kind is not TokenKind.IDENTIFIER or token.quoted:
            return None
        word = token.value.lower()
        if self.peek().value == "." and self.peek(3).value == "(" and self.peek(3).kind is (
            TokenKind.OPERATOR
        ):
            if word not in ("pg_catalog", "public", "information_schema"):
                self.error(f"no schema {token.value}: functions live in pg_catalog")
            self.pos += 2
            return self._parse_function_call(self.advance())
        if word == "array" and self.peek().value == "(" and self.peek(2).value == "SELECT":
            self.pos += 2
            select = self.parse_subselect()
            body = select.body
            if not (
                isinstance(body, ast.SelectCore)
                and len(body.columns) == 1
                and isinstance(body.columns[0], ast.ExprColumn)
            ):
                self.error("ARRAY(subquery) takes a query of one column", token)
            return _array_subquery(select, token.offset)
        if word == "array" and self.peek().value == "[":
            self.pos += 2
            items: list[ast.SqlExpr] = []
            if not self.at_op("]"):
                items.append(self.parse_expr())
                while self.accept_op(","):
                    items.append(self.parse_expr())
            self.expect_op("]", "after ARRAY[")
            return ast.FunctionCall(offset=token.offset, name="ARRAY", args=tuple(items))
        if word in _NILADIC and self.peek().value != "(":
            self.advance()
            return ast.FunctionCall(offset=token.offset, name=word)
        return None


def _rewrite(node: Any) -> Any:
    """Rewrite PostgreSQL-only forms bottom-up: ``x = ANY (ARRAY[..])`` to IN lists,
    ``LIKE`` to PostgreSQL's case-sensitive ``textlike``."""
    if isinstance(node, tuple):
        items = tuple(_rewrite(item) for item in node)
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, ast.Node):
        return node
    changes = {}
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        new = _rewrite(value)
        if new is not value:
            changes[field.name] = new
    if changes:
        node = attrs.evolve(node, **changes)
    if isinstance(node, ast.Binary):
        return _any_all(node)
    if isinstance(node, ast.FunctionCall) and node.name == "ARRAY":
        return attrs.evolve(node, name="array_literal")
    if isinstance(node, ast.Like) and node.op == "LIKE":
        args = (node.operand, node.pattern) + (() if node.escape is None else (node.escape,))
        call: ast.SqlExpr = ast.FunctionCall(offset=node.offset, name="textlike", args=args)
        if node.negated:
            call = ast.Unary(offset=node.offset, op=ast.UnaryOp.NOT, operand=call)
        return call
    return node


def _any_all(node: ast.Binary) -> ast.SqlExpr:
    """``x = ANY (ARRAY[a, b])`` is ``x IN (a, b)``; ``x <> ALL (ARRAY[..])`` ``x NOT IN``."""
    right = node.right
    if not (isinstance(right, ast.FunctionCall) and right.name.upper() in ("ANY", "SOME", "ALL")):
        return node
    wanted = ast.BinaryOp.NE if right.name.upper() == "ALL" else ast.BinaryOp.EQ
    array = right.args[0] if len(right.args) == 1 else None
    if node.op is not wanted or array is None:
        return node  # the binder reports ANY/ALL it cannot run
    negated = wanted is ast.BinaryOp.NE
    if isinstance(array, ast.FunctionCall) and array.name in ("ARRAY", "array_literal"):
        return ast.InList(offset=node.offset, operand=node.left, items=array.args, negated=negated)
    # an array value in its text form, '{1,2}'
    call: ast.SqlExpr = ast.FunctionCall(
        offset=node.offset, name="array_contains", args=(array, node.left)
    )
    if negated:
        call = ast.Unary(offset=node.offset, op=ast.UnaryOp.NOT, operand=call)
    return call


def _array_subquery(select: ast.Select, offset: int) -> ast.SqlExpr:
    """``ARRAY(SELECT x ...)``: the array's text form, ``'{a,b}'``, as a scalar subquery
    joining the rows' values in their order."""
    body = select.body
    assert isinstance(body, ast.SelectCore)  # the parser checked: one expression column
    column = body.columns[0]
    assert isinstance(column, ast.ExprColumn)
    item = attrs.evolve(column, alias="_pg_item")
    inner = attrs.evolve(select, body=attrs.evolve(body, columns=(item,)))
    joined = ast.FunctionCall(
        offset=offset,
        name="coalesce",
        args=(
            ast.FunctionCall(
                offset=offset,
                name="group_concat",
                args=(ast.ColumnRef(offset=offset, name="_pg_item"),
                      ast.StringLiteral(offset=offset, value=",")),
            ),
            ast.StringLiteral(offset=offset, value=""),
        ),
    )  # fmt: skip
    text: ast.SqlExpr = ast.StringLiteral(offset=offset, value="{")
    text = ast.Binary(offset=offset, op=ast.BinaryOp.CONCAT, left=text, right=joined)
    text = ast.Binary(
        offset=offset, op=ast.BinaryOp.CONCAT, left=text,
        right=ast.StringLiteral(offset=offset, value="}"),
    )  # fmt: skip
    outer = ast.Select(
        offset=offset,
        body=ast.SelectCore(
            offset=offset,
            columns=(ast.ExprColumn(offset=offset, expr=text),),
            from_=ast.SubqueryRef(offset=offset, select=inner, alias="_pg_array"),
        ),
    )
    return ast.Subquery(offset=offset, select=outer)
