"""SQL parser: expressions, by precedence climbing (SQLite precedence).

Binding strength, loosest first: OR, AND, prefix NOT, equality-like (``= == != <> IS [NOT] IN
LIKE GLOB MATCH REGEXP BETWEEN ISNULL NOTNULL``), ordering (``< <= > >=``), bitwise
(``& | << >>``), additive, multiplicative, ``||``, COLLATE, prefix ``- + ~``. All infix operators
are left-associative. Operators of one level are consumed in a loop, so ``1+1+1+...`` of any
length costs no recursion; only parentheses, subqueries and prefix chains nest (and count against
the depth budget).
"""

from __future__ import annotations

from pyram.limits import MAX_FUNCTION_ARGS
from pyram.sql import ast
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.parser.base import RESERVED, ParserBase
from pyram.sql.parser.value_list import read_value_list
from pyram.sql.tokenizer import Token, TokenKind

__all__ = ["ExpressionParser"]

P_OR, P_AND, P_NOT, P_EQ, P_CMP, P_BIT, P_ADD, P_MUL, P_CONCAT, P_COLLATE = range(1, 11)

# operator token -> (precedence, operator)
_INFIX_OPS: dict[str, tuple[int, ast.BinaryOp]] = {
    "=": (P_EQ, ast.BinaryOp.EQ),
    "==": (P_EQ, ast.BinaryOp.EQ),
    "!=": (P_EQ, ast.BinaryOp.NE),
    "<>": (P_EQ, ast.BinaryOp.NE),
    "<": (P_CMP, ast.BinaryOp.LT),
    "<=": (P_CMP, ast.BinaryOp.LE),
    ">": (P_CMP, ast.BinaryOp.GT),
    ">=": (P_CMP, ast.BinaryOp.GE),
    "&": (P_BIT, ast.BinaryOp.BIT_AND),
    "|": (P_BIT, ast.BinaryOp.BIT_OR),
    "<<": (P_BIT, ast.BinaryOp.LSHIFT),
    ">>": (P_BIT, ast.BinaryOp.RSHIFT),
    "+": (P_ADD, ast.BinaryOp.ADD),
    "-": (P_ADD, ast.BinaryOp.SUB),
    "*": (P_MUL, ast.BinaryOp.MUL),
    "/": (P_MUL, ast.BinaryOp.DIV),
    "%": (P_MUL, ast.BinaryOp.MOD),
    "||": (P_CONCAT, ast.BinaryOp.CONCAT),
}
_INFIX_KEYWORDS: dict[str, int] = {
    "OR": P_OR,
    "AND": P_AND,
    "IS": P_EQ,
    "IN": P_EQ,
    "LIKE": P_EQ,
    "GLOB": P_EQ,
    "MATCH": P_EQ,
    "REGEXP": P_EQ,
    "BETWEEN": P_EQ,
    "ISNULL": P_EQ,
    "NOTNULL": P_EQ,
    "NOT": P_EQ,  # NOT IN / NOT LIKE / NOT BETWEEN / NOT NULL
    "COLLATE": P_COLLATE,
}
#: tokens that are a whole IN-list item when a comma or closing parenthesis follows
_SIMPLE_ITEM_KINDS = frozenset(
    {TokenKind.INTEGER, TokenKind.REAL, TokenKind.STRING, TokenKind.PARAMETER}
)
_LIKE_OPS = frozenset({"LIKE", "GLOB", "MATCH", "REGEXP"})
_NEGATABLE = frozenset({"IN", "BETWEEN", "NULL"}) | _LIKE_OPS
_PREFIX_OPS = {"-": ast.UnaryOp.NEG, "+": ast.UnaryOp.POS, "~": ast.UnaryOp.BIT_NOT}
_CURRENT_TIME = frozenset({"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"})
_QUERY_START = frozenset({"SELECT", "VALUES", "WITH"})
# Keywords that may name a function although they are operators or reserved.
_FUNCTION_KEYWORDS = frozenset({"LIKE", "GLOB", "MATCH", "REGEXP", "REPLACE"})


class ExpressionParser(ParserBase):
    """Mixin: ``parse_expr`` and the constructs only expressions use."""

    def parse_expr(self, min_prec: int = 1) -> ast.SqlExpr:
        """Parse an expression whose infix operators bind at least as tightly as ``min_prec``."""
        self.enter()
        left = self._parse_operand()
        while True:
            token = self.token
            kind = token.kind
            if kind is TokenKind.OPERATOR:
                entry = _INFIX_OPS.get(token.value)
                if entry is None or entry[0] < min_prec:
                    if entry is None and self.extended_infix:
                        extended = self.parse_infix_extension(left, min_prec)
                        if extended is not None:
                            left = extended
                            continue
                    break
                self.pos += 1
                right = self.parse_expr(entry[0] + 1)
                left = ast.Binary(offset=token.offset, op=entry[1], left=left, right=right)
            elif kind is TokenKind.KEYWORD:
                prec = _INFIX_KEYWORDS.get(token.value)
                if prec is None or prec < min_prec:
                    break
                if token.value == "NOT" and not (
                    self.peek().kind is TokenKind.KEYWORD and self.peek().value in _NEGATABLE
                ):
                    if self.extended_infix:
                        extended = self.parse_infix_extension(left, min_prec)
                        if extended is not None:
                            left = extended
                            continue
                    break
                left = self._parse_keyword_infix(left, prec)
            elif self.extended_infix:
                extended = self.parse_infix_extension(left, min_prec)
                if extended is None:
                    break
                left = extended
            else:
                break
        self.leave()
        return left

    def _parse_keyword_infix(self, left: ast.SqlExpr, prec: int) -> ast.SqlExpr:
        """Parse the keyword operator at the cursor with ``left`` as its left operand."""
        token = self.advance()
        word = token.value
        offset = token.offset
        if word == "AND" or word == "OR":
            op = ast.BinaryOp.AND if word == "AND" else ast.BinaryOp.OR
            right = self.parse_expr(prec + 1)
            return ast.Binary(offset=offset, op=op, left=left, right=right)
        if word == "COLLATE":
            return ast.Collate(offset=offset, operand=left, collation=self.parse_collation_name())
        if word == "ISNULL":
            return ast.IsNull(offset=offset, operand=left)
        if word == "NOTNULL":
            return ast.IsNull(offset=offset, operand=left, negated=True)
        if word == "IS":
            return self._parse_is(left, offset)
        negated = word == "NOT"
        if negated:
            word = self.advance().value
            if word == "NULL":
                return ast.IsNull(offset=offset, operand=left, negated=True)
        if word == "IN":
            return self._parse_in(left, offset, negated)
        if word == "BETWEEN":
            low = self.parse_expr(P_EQ + 1)
            self.expect_keyword("AND", "in BETWEEN")
            high = self.parse_expr(P_EQ + 1)
            return ast.Between(offset=offset, operand=left, low=low, high=high, negated=negated)
        pattern = self.parse_expr(P_EQ + 1)
        escape = self.parse_expr(P_EQ + 1) if self.accept_keyword("ESCAPE") else None
        return ast.Like(
            offset=offset, op=word, operand=left, pattern=pattern, escape=escape, negated=negated
        )

    def _parse_is(self, left: ast.SqlExpr, offset: int) -> ast.SqlExpr:
        """Parse the rest of ``left IS [NOT] [DISTINCT FROM] right``."""
        negated = self.accept_keyword("NOT") is not None
        if self.accept_keyword("DISTINCT"):
            self.expect_keyword("FROM", "after IS DISTINCT")
            negated = not negated
        right = self.parse_expr(P_EQ + 1)
        if isinstance(right, ast.NullLiteral):
            return ast.IsNull(offset=offset, operand=left, negated=negated)
        op = ast.BinaryOp.IS_NOT if negated else ast.BinaryOp.IS
        return ast.Binary(offset=offset, op=op, left=left, right=right)

    def _parse_in(self, left: ast.SqlExpr, offset: int, negated: bool) -> ast.SqlExpr:
        """Parse the rest of ``left [NOT] IN (list | select)``."""
        if self.token.kind is TokenKind.LIST:  # literals and parameters only: read as data
            data = read_value_list(self, self.token)
            if data is not None:
                self.advance()
                return ast.InValues(offset=offset, operand=left, items=data, negated=negated)
            self.expand_list()
        if not self.at_op("("):
            if self.at_name() and self.peek().value != "(":
                schema, table = self.parse_qualified_name("table name")
                return ast.InTable(
                    offset=offset, operand=left, table=table, schema=schema, negated=negated
                )
            self.error("expected ( or a table name after IN")
        self.advance()
        if self.at_keyword(*_QUERY_START):
            select = self.parse_subselect()
            return ast.InSelect(offset=offset, operand=left, select=select, negated=negated)
        items: list[ast.SqlExpr] = []
        if not self.at_op(")"):
            items.append(self._parse_in_item())
            while self.accept_op(","):
                items.append(self._parse_in_item())
        self.expect_op(")", "after IN list")
        return ast.InList(offset=offset, operand=left, items=tuple(items), negated=negated)

    def _parse_in_item(self) -> ast.SqlExpr:
        """One item of an IN list. A lone literal or parameter (the item of a list of 100,000)
        is read directly; anything else goes through :meth:`parse_expr`."""
        if self.token.kind in _SIMPLE_ITEM_KINDS:
            following = self.tokens[self.pos + 1]
            if following.kind is TokenKind.OPERATOR and following.value in (",", ")"):
                return self.parse_primary()
        return self.parse_expr()

    def parse_collation_name(self) -> str:
        """The name after COLLATE: a name or a string."""
        if self.token.kind is TokenKind.STRING:
            return self.advance().value
        return self.parse_name("collation name")

    def _parse_operand(self) -> ast.SqlExpr:
        """Parse prefix operators (iteratively) and the operand they apply to."""
        nots: list[Token] = []
        while self.at_keyword("NOT"):
            nots.append(self.advance())
        if nots:
            # Everything binding tighter than NOT is its operand: "NOT a = b" is NOT (a = b).
            self.enter(len(nots))
            operand = self.parse_expr(P_NOT)
            for token in reversed(nots):
                operand = ast.Unary(offset=token.offset, op=ast.UnaryOp.NOT, operand=operand)
            self.leave(len(nots))
            return operand
        prefixes: list[Token] = []
        while self.token.kind is TokenKind.OPERATOR and self.token.value in _PREFIX_OPS:
            prefixes.append(self.advance())
        if not prefixes:
            return self._parse_postfix_primary()
        self.enter(len(prefixes))
        operand = self._parse_operand() if self.at_keyword("NOT") else self._parse_postfix_primary()
        for token in reversed(prefixes):
            operand = ast.Unary(offset=token.offset, op=_PREFIX_OPS[token.value], operand=operand)
        self.leave(len(prefixes))
        return operand

    def _parse_postfix_primary(self) -> ast.SqlExpr:
        """Parse a primary; COLLATE binds tighter than prefix operators in this grammar."""
        expr = self.parse_primary()
        if self.extended_infix:
            expr = self.parse_postfix(expr)
        while self.at_keyword("COLLATE"):
            token = self.advance()
            expr = ast.Collate(
                offset=token.offset, operand=expr, collation=self.parse_collation_name()
            )
        return expr

    def parse_primary(self) -> ast.SqlExpr:
        """Parse a literal, name, function call, parenthesized expression, CASE, CAST, ..."""
        token = self.token
        kind = token.kind
        offset = token.offset
        if kind is TokenKind.INTEGER:
            self.pos += 1
            text = token.value
            value = int(text, 16) if text[:2] in ("0x", "0X") else int(text)
            return ast.IntegerLiteral(offset=offset, value=value)
        if kind is TokenKind.IDENTIFIER:
            if self.extended_infix:
                special = self.parse_name_primary()
                if special is not None:
                    return special
            return self._parse_name_expr()
        if kind is TokenKind.REAL:
            self.pos += 1
            return ast.RealLiteral(offset=offset, value=float(token.value), text=token.value)
        if kind is TokenKind.STRING:
            self.pos += 1
            return ast.StringLiteral(offset=offset, value=token.value)
        if kind is TokenKind.BLOB:
            self.pos += 1
            return ast.BlobLiteral(offset=offset, value=bytes.fromhex(token.value))
        if kind is TokenKind.PARAMETER:
            self.pos += 1
            index = self.next_param_index(token.value)
            name = token.value if index is None else None
            return ast.Param(offset=offset, marker=token.value, index=index, name=name)
        if kind is TokenKind.OPERATOR and token.value == "(":
            return self._parse_parenthesized()
        if kind is TokenKind.KEYWORD:
            if self.extended_infix:
                special = self.parse_name_primary()
                if special is not None:
                    return special
            return self._parse_keyword_primary(token)
        self.error("expected an expression")

    def _parse_keyword_primary(self, token: Token) -> ast.SqlExpr:
        word = token.value
        offset = token.offset
        if word == "NULL":
            self.advance()
            return ast.NullLiteral(offset=offset)
        if word in ("TRUE", "FALSE") and self.peek().value != "(":
            self.advance()
            return ast.BooleanLiteral(offset=offset, value=word == "TRUE")
        if word in _CURRENT_TIME:
            self.advance()
            return ast.CurrentTimeLiteral(offset=offset, kind=word)
        if word == "CASE":
            return self._parse_case()
        if word == "CAST":
            self.advance()
            self.expect_op("(", "after CAST")
            operand = self.parse_expr()
            self.expect_keyword("AS", "in CAST")
            type_name = self.parse_type_name()
            self.expect_op(")", "after CAST")
            return ast.Cast(offset=offset, operand=operand, type=type_name)
        if word == "EXISTS":
            self.advance()
            self.expect_op("(", "after EXISTS")
            return ast.Exists(offset=offset, select=self.parse_subselect())
        if word == "RAISE":
            self.unsupported("RAISE")
        if word not in RESERVED or (word in _FUNCTION_KEYWORDS and self.peek().value == "("):
            return self._parse_name_expr()
        self.error("expected an expression")

    def _parse_parenthesized(self) -> ast.SqlExpr:
        """Parse ``(expr)``, a row value ``(a, b)`` or a scalar subquery ``(SELECT ...)``."""
        open_token = self.advance()
        if self.at_keyword(*_QUERY_START):
            return ast.Subquery(offset=open_token.offset, select=self.parse_subselect())
        expr = self.parse_expr()
        if not self.at_op(","):
            self.expect_op(")", "after parenthesized expression")
            return expr
        items = [expr]
        while self.accept_op(","):
            items.append(self.parse_expr())
        self.expect_op(")", "after row value")
        return ast.RowValue(offset=open_token.offset, items=tuple(items))

    def _parse_name_expr(self) -> ast.SqlExpr:
        """Parse a column reference ``a``/``t.a``/``s.t.a`` or a function call ``f(...)``."""
        token = self.advance()
        if self.at_op("("):
            return self._parse_function_call(token)
        parts = [self.name_of(token)]
        while len(parts) < 3 and self.at_op(".") and self.peek().kind is not TokenKind.OPERATOR:
            self.advance()
            parts.append(self.parse_name("column name"))
        if len(parts) == 1:
            return ast.ColumnRef(offset=token.offset, name=parts[0])
        if len(parts) == 2:
            return ast.ColumnRef(offset=token.offset, name=parts[1], table=parts[0])
        return ast.ColumnRef(offset=token.offset, name=parts[2], table=parts[1], schema=parts[0])

    def _parse_function_call(self, name: Token) -> ast.SqlExpr:
        """Parse ``(args)`` after a function name."""
        self.advance()
        args: list[ast.SqlExpr] = []
        distinct = star = False
        if self.accept_op("*"):
            star = True
        elif not self.at_op(")"):
            if self.accept_keyword("DISTINCT"):
                distinct = True
            else:
                self.accept_keyword("ALL")
            args.append(self.parse_expr())
            while self.accept_op(","):
                args.append(self.parse_expr())
                if len(args) > MAX_FUNCTION_ARGS:
                    raise SqlSyntaxError(
                        f"too many arguments on function {self.name_of(name)} "
                        f"(at most {MAX_FUNCTION_ARGS})",
                        self.sql,
                        name.offset,
                    )
        if self.at_keyword("ORDER"):
            self.unsupported("ORDER BY inside a function call")
        self.expect_op(")", "after function arguments")
        filter_ = None
        if self.accept_keyword("FILTER"):
            self.expect_op("(", "after FILTER")
            self.expect_keyword("WHERE", "in FILTER")
            filter_ = self.parse_expr()
            self.expect_op(")", "after the FILTER condition")
        over: ast.WindowDef | str | None = None
        if self.accept_keyword("OVER"):
            over = self.parse_window_def() if self.at_op("(") else self.parse_name("window name")
        return ast.FunctionCall(
            offset=name.offset,
            name=self.name_of(name),
            args=tuple(args),
            distinct=distinct,
            star=star,
            filter=filter_,
            over=over,
        )

    def _parse_case(self) -> ast.SqlExpr:
        """Parse ``CASE [operand] WHEN c THEN r ... [ELSE e] END``."""
        case_token = self.advance()
        operand = None if self.at_keyword("WHEN") else self.parse_expr()
        whens: list[ast.When] = []
        while self.at_keyword("WHEN"):
            when_token = self.advance()
            condition = self.parse_expr()
            self.expect_keyword("THEN", "after WHEN condition")
            result = self.parse_expr()
            whens.append(ast.When(offset=when_token.offset, condition=condition, result=result))
        if not whens:
            self.error("expected WHEN in CASE")
        else_ = self.parse_expr() if self.accept_keyword("ELSE") else None
        self.expect_keyword("END", "to close CASE")
        return ast.Case(offset=case_token.offset, operand=operand, whens=tuple(whens), else_=else_)

    def parse_type_name(self) -> ast.TypeName:
        """Parse a declared type: one or more words and an optional ``(n)`` or ``(n, m)``."""
        first = self.token
        words = [self.parse_name("type name")]
        while self.token.kind is TokenKind.IDENTIFIER or (
            self.token.kind is TokenKind.KEYWORD and self.token.value not in _TYPE_STOP
        ):
            words.append(self.name_of(self.advance()))
        args: list[int | float] = []
        if self.accept_op("("):
            args.append(self._parse_signed_number())
            if self.accept_op(","):
                args.append(self._parse_signed_number())
            self.expect_op(")", "after type size")
        return ast.TypeName(offset=first.offset, name=" ".join(words), args=tuple(args))

    def _parse_signed_number(self) -> int | float:
        sign = -1 if self.accept_op("-") else 1
        if sign == 1:
            self.accept_op("+")
        token = self.token
        if token.kind is TokenKind.INTEGER:
            self.advance()
            return sign * int(token.value, 0 if token.value[:2] in ("0x", "0X") else 10)
        if token.kind is TokenKind.REAL:
            self.advance()
            return sign * float(token.value)
        self.error("expected a number")


# Keywords that end a type name (constraints and clauses that may follow it).
_TYPE_STOP = RESERVED | frozenset({"GENERATED", "ON", "AS"})
