"""SQL parser: SELECT statements (WITH, compound operators, FROM and joins, ORDER BY, LIMIT).

``parse_select`` reads ``[WITH [RECURSIVE] ctes] core [op core]... [ORDER BY ...] [LIMIT ...]``
where a core is ``SELECT ...`` or ``VALUES (...), ...``. Joins and compound operators nest to the
left and are read in loops.
"""

from __future__ import annotations

from pyram.limits import MAX_COMPOUND_SELECT
from pyram.sql import ast
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.parser.base import SUBQUERY_COST, ParserBase
from pyram.sql.tokenizer import TokenKind

__all__ = ["SelectParser"]

_COMPOUND_OPS = {
    "UNION": ast.CompoundOp.UNION,
    "INTERSECT": ast.CompoundOp.INTERSECT,
    "EXCEPT": ast.CompoundOp.EXCEPT,
}
_JOIN_KINDS = {
    "INNER": ast.JoinKind.INNER,
    "LEFT": ast.JoinKind.LEFT,
    "RIGHT": ast.JoinKind.RIGHT,
    "FULL": ast.JoinKind.FULL,
    "CROSS": ast.JoinKind.CROSS,
}
_QUERY_START = ("SELECT", "VALUES", "WITH")


class SelectParser(ParserBase):
    """Mixin: SELECT, VALUES, CTEs, FROM items."""

    def parse_select(self) -> ast.Select:
        """Parse a full SELECT (or VALUES) with its WITH, ORDER BY and LIMIT clauses."""
        offset = self.token.offset
        ctes: tuple[ast.Cte, ...] = ()
        recursive = False
        if self.at_keyword("WITH"):
            ctes, recursive = self.parse_with()
            if not self.at_keyword("SELECT", "VALUES"):
                self.error("expected SELECT after WITH clause")
        return self.parse_select_after_with(offset, ctes, recursive)

    def parse_select_after_with(
        self, offset: int, ctes: tuple[ast.Cte, ...], recursive: bool
    ) -> ast.Select:
        """Parse the body, ORDER BY and LIMIT of a SELECT whose WITH clause has been read."""
        body = self._parse_compound()
        order_by: tuple[ast.OrderingTerm, ...] = ()
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY", "after ORDER")
            order_by = self.parse_ordering_terms()
        limit = offset_expr = None
        if self.accept_keyword("LIMIT"):
            limit = self.parse_expr()
            if self.accept_keyword("OFFSET"):
                offset_expr = self.parse_expr()
            elif self.accept_op(","):
                # SQLite's "LIMIT offset, count".
                offset_expr, limit = limit, self.parse_expr()
        return ast.Select(
            offset=offset,
            body=body,
            ctes=ctes,
            recursive=recursive,
            order_by=order_by,
            limit=limit,
            offset_expr=offset_expr,
        )

    def parse_with(self) -> tuple[tuple[ast.Cte, ...], bool]:
        """Parse ``WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (select), ...``."""
        self.expect_keyword("WITH")
        recursive = self.accept_keyword("RECURSIVE") is not None
        ctes = [self._parse_cte()]
        while self.accept_op(","):
            ctes.append(self._parse_cte())
        return tuple(ctes), recursive

    def _parse_cte(self) -> ast.Cte:
        offset = self.token.offset
        name = self.parse_name("common table expression name")
        columns = self.parse_name_list("CTE columns") if self.at_op("(") else ()
        self.expect_keyword("AS", "after CTE name")
        materialized: bool | None = None
        if self.accept_keyword("NOT"):
            self.expect_keyword("MATERIALIZED", "after NOT")
            materialized = False
        elif self.accept_keyword("MATERIALIZED"):
            materialized = True
        self.expect_op("(", "before CTE query")
        select = self.parse_subselect()
        return ast.Cte(
            offset=offset, name=name, select=select, columns=columns, materialized=materialized
        )

    def _parse_compound(self) -> ast.SelectBody:
        left = self._parse_core()
        terms = 1
        while self.at_keyword(*_COMPOUND_OPS):
            token = self.advance()
            terms += 1
            if terms > MAX_COMPOUND_SELECT:
                raise SqlSyntaxError(
                    f"too many terms in compound SELECT (at most {MAX_COMPOUND_SELECT})",
                    self.sql,
                    token.offset,
                )
            op = _COMPOUND_OPS[token.value]
            if op is ast.CompoundOp.UNION and self.accept_keyword("ALL"):
                op = ast.CompoundOp.UNION_ALL
            right = self._parse_core()
            left = ast.CompoundSelect(offset=token.offset, op=op, left=left, right=right)
        return left

    def _parse_core(self) -> ast.SelectBody:
        if self.at_keyword("VALUES"):
            return self.parse_values()
        select_token = self.expect_keyword("SELECT")
        distinct = self.accept_keyword("DISTINCT") is not None
        if not distinct:
            self.accept_keyword("ALL")
        columns = [self._parse_result_column()]
        while self.accept_op(","):
            columns.append(self._parse_result_column())
        from_ = self.parse_from() if self.accept_keyword("FROM") else None
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        group_by: list[ast.SqlExpr] = []
        having = None
        if self.accept_keyword("GROUP"):
            self.expect_keyword("BY", "after GROUP")
            group_by.append(self.parse_expr())
            while self.accept_op(","):
                group_by.append(self.parse_expr())
        if self.accept_keyword("HAVING"):
            having = self.parse_expr()
        windows = self.parse_window_clause() if self.accept_keyword("WINDOW") else ()
        return ast.SelectCore(
            offset=select_token.offset,
            columns=tuple(columns),
            distinct=distinct,
            from_=from_,
            where=where,
            group_by=tuple(group_by),
            having=having,
            windows=windows,
        )

    def parse_values(self) -> ast.Values:
        """Parse ``VALUES (row), (row), ...``."""
        values_token = self.expect_keyword("VALUES")
        rows = [self._parse_values_row()]
        while self.accept_op(","):
            rows.append(self._parse_values_row())
        return ast.Values(offset=values_token.offset, rows=tuple(rows))

    def _parse_values_row(self) -> tuple[ast.SqlExpr, ...]:
        self.expect_op("(", "before VALUES row")
        items = [self.parse_expr()]
        while self.accept_op(","):
            items.append(self.parse_expr())
        self.expect_op(")", "after VALUES row")
        return tuple(items)

    def _parse_result_column(self) -> ast.ResultColumn:
        token = self.token
        if self.accept_op("*"):
            return ast.StarColumn(offset=token.offset)
        star = self.peek(2)
        is_star = star.kind is TokenKind.OPERATOR and star.value == "*"
        if is_star and self.at_name() and self.peek().value == ".":
            self.pos += 3
            return ast.StarColumn(offset=token.offset, table=token.value)
        expr = self.parse_expr()
        # SQLite names an unaliased result column by its source text.
        text = self.sql[token.offset : self.tokens[self.pos - 1].end]
        return ast.ExprColumn(offset=token.offset, expr=expr, alias=self.parse_alias(), text=text)

    def parse_ordering_terms(self) -> tuple[ast.OrderingTerm, ...]:
        """Parse ``expr [ASC|DESC] [NULLS FIRST|LAST], ...``."""
        terms = [self._parse_ordering_term()]
        while self.accept_op(","):
            terms.append(self._parse_ordering_term())
        return tuple(terms)

    def _parse_ordering_term(self) -> ast.OrderingTerm:
        offset = self.token.offset
        expr = self.parse_expr()
        descending = False
        if self.accept_keyword("DESC"):
            descending = True
        else:
            self.accept_keyword("ASC")
        nulls = None
        if self.accept_keyword("NULLS"):
            if self.accept_keyword("FIRST"):
                nulls = ast.NullsOrder.FIRST
            else:
                self.expect_keyword("LAST", "after NULLS")
                nulls = ast.NullsOrder.LAST
        return ast.OrderingTerm(offset=offset, expr=expr, descending=descending, nulls=nulls)

    # -- FROM ----------------------------------------------------------------------------------

    def parse_from(self) -> ast.FromItem:
        """Parse a FROM clause: table or subquery items joined by commas or JOIN operators."""
        left = self._parse_from_item()
        while True:
            token = self.token
            if self.accept_op(","):
                right = self._parse_from_item()
                left = ast.Join(
                    offset=token.offset, kind=ast.JoinKind.COMMA, left=left, right=right
                )
                continue
            natural = self.accept_keyword("NATURAL") is not None
            kind = self._parse_join_operator()
            if kind is None:
                if natural:
                    self.error("expected JOIN after NATURAL")
                return left
            right = self._parse_from_item()
            on: ast.SqlExpr | None = None
            using: tuple[str, ...] | None = None
            if natural and self.at_keyword("ON", "USING"):
                self.error("a NATURAL join may not have an ON or USING clause")
            if self.accept_keyword("ON"):
                on = self.parse_expr()
            elif self.at_keyword("USING"):
                self.advance()
                using = self.parse_name_list("USING columns")
            left = ast.Join(
                offset=token.offset,
                kind=kind,
                left=left,
                right=right,
                on=on,
                using=using,
                natural=natural,
            )

    def _parse_join_operator(self) -> ast.JoinKind | None:
        """Consume ``[INNER|LEFT [OUTER]|RIGHT [OUTER]|FULL [OUTER]|CROSS] JOIN`` if present."""
        if self.accept_keyword("JOIN"):
            return ast.JoinKind.INNER
        if not self.at_keyword(*_JOIN_KINDS):
            return None
        kind = _JOIN_KINDS[self.advance().value]
        if kind in (ast.JoinKind.LEFT, ast.JoinKind.RIGHT, ast.JoinKind.FULL):
            self.accept_keyword("OUTER")
        self.expect_keyword("JOIN", "after join type")
        return kind

    def _parse_from_item(self) -> ast.FromItem:
        token = self.token
        if self.accept_op("("):
            if self.at_keyword(*_QUERY_START):
                select = self.parse_subselect()
                return ast.SubqueryRef(offset=token.offset, select=select, alias=self.parse_alias())
            self.enter(SUBQUERY_COST)
            item = self.parse_from()
            self.leave(SUBQUERY_COST)
            self.expect_op(")", "after parenthesized join")
            return item
        schema, name = self.parse_qualified_name("table name")
        if self.accept_op("("):
            args: list[ast.SqlExpr] = []
            if not self.at_op(")"):
                args.append(self.parse_expr())
                while self.accept_op(","):
                    args.append(self.parse_expr())
            self.expect_op(")", "after the table-valued function's arguments")
            ordinality = self.parse_ordinality()
            alias = self.parse_alias()
            return ast.TableFunctionRef(
                offset=token.offset,
                name=name,
                args=tuple(args),
                schema=schema,
                alias=alias,
                columns=self.parse_alias_columns() if alias else (),
                ordinality=ordinality,
            )
        as_of = self._parse_system_time()
        alias = self.parse_alias()
        if self.accept_keyword("INDEXED"):
            # Index hints change nothing about the result; PyRAM's optimizer chooses indexes.
            self.expect_keyword("BY", "after INDEXED")
            self.parse_name("index name")
        elif self.at_keyword("NOT") and self.peek().value == "INDEXED":
            self.pos += 2
        return ast.TableRef(offset=token.offset, name=name, schema=schema, alias=alias, as_of=as_of)

    def _parse_system_time(self) -> ast.SqlExpr | None:
        """SQL:2011 ``FOR SYSTEM_TIME AS OF point`` after a table name (time travel)."""
        if not (
            self.at_keyword("FOR")
            and self.peek().kind is not TokenKind.EOF
            and self.peek().value.upper() == "SYSTEM_TIME"
        ):
            return None
        self.pos += 2
        self.expect_keyword("AS", "after FOR SYSTEM_TIME")
        self.expect_keyword("OF", "after FOR SYSTEM_TIME AS")
        return self.parse_expr()
